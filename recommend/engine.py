"""Recommend experts and teams for a demand: the one function the CLI and the API call.

Reads the graph through GraphStore only, then hands plain data to the pure pieces:
candidates (traversal) → filters → text relevance → scoring → diversity → teams →
explanations. The caller passes ``tokenize`` (``ingest.nlp`` in the CLI and API) so
this package needs no NLP of its own.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

import numpy as np

from graph.model import Label
from graph.store import GraphStore
from recommend.abstention import Evidence, Verdict, expert_evidence, judge, query_terms
from recommend.candidates import (
    collaboration_graph,
    demand_facts,
    demand_facts_for_text,
    gather_candidates,
)
from recommend.config import resolve
from recommend.explain import ExplainedPath, expert_sentence, explain_paths, team_sentence
from recommend.index_cache import IndexCache
from recommend.platforms import PlatformRecommendation, recommend_platforms
from recommend.ranker import apply_ranker
from recommend.retrieval import ExpertIndex, text_digest
from recommend.scoring import (
    CandidateFacts,
    DemandFacts,
    ScoredExpert,
    activity,
    apply_filters,
    diversify,
    same_evidence,
    score_candidates,
)
from recommend.semantics import ProfileVectors, SemanticModel, features, get_semantic_model
from recommend.teams import Team, form_teams, rarest_first
from recommend.text import Tokenize, profile_text, text_scores

__all__ = ["ExpertResult", "TeamResult", "Recommendation", "IndexCache", "Understanding", "Understand",
           "recommend_for_demand", "recommend_for_facts", "recommend_for_text", "Scoring", "score_demand"]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ExpertResult:
    """One recommended expert with the reasons."""

    rank: int
    scored: ScoredExpert
    paths: tuple[ExplainedPath, ...]
    sentence: str
    evidence: Evidence | None = None
    same_evidence: tuple[tuple[str, str], ...] = ()  # (id, name) of co-authors with the same works, not listed apart

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        f = self.scored.facts
        extra = {"confidence": round(self.evidence.confidence, 4), "evidence": self.evidence.as_dict()} \
            if self.evidence is not None else {}
        return {**extra,
            "rank": self.rank, "expert_id": f.id, "name": f.name, "institution_id": f.institution_id,
            "institution": f.institution_name, "score": round(self.scored.score, 4),
            "components": {k: round(v, 4) for k, v in self.scored.components.items()},
            "contributions": {k: round(v, 4) for k, v in self.scored.contributions.items()},
            "covered_fields": sorted(self.scored.covered_fields),
            "paths": [p.as_dict() for p in self.paths], "explanation": self.sentence,
            "same_evidence": [{"expert_id": i, "name": n} for i, n in self.same_evidence],
        }


@dataclass(frozen=True)
class TeamResult:
    """One alternative team with its description."""

    team: Team
    members: tuple[tuple[str, str, str | None], ...]  # (id, name, institution)
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "members": [{"expert_id": i, "name": n, "institution": inst, "leader": i == self.team.leader}
                        for i, n, inst in self.members],
            "leader": self.team.leader, "covered_fields": sorted(self.team.covered),
            "coverage": round(self.team.coverage, 4), "communication_cost": self.team.communication_cost,
            "score": round(self.team.score, 4), "explanation": self.sentence,
        }


@dataclass
class Recommendation:
    """Everything recommended for one demand."""

    demand: DemandFacts
    demand_name: str
    experts: list[ExpertResult]
    teams: list[TeamResult]
    rarest_first: TeamResult | None
    excluded: dict[str, str]
    field_names: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)
    candidates: int = 0
    verdict: Verdict | None = None
    keywords: tuple[str, ...] = ()  # for free text: the keywords the text was understood by
    platforms: PlatformRecommendation | None = None  # issue 16: platforms and bases (recommend.platforms)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        extra = {"abstention": self.verdict.as_dict(self.field_names)} if self.verdict is not None else {}
        if self.platforms is not None:
            extra["platforms"] = self.platforms.as_dict()
        return {**extra,
            "demand": {"id": self.demand.id, "title": self.demand_name,
                       "fields": [{"id": f, "name": self.field_names.get(f, f), "weight": w}
                                  for f, w in sorted(self.demand.fields.items(), key=lambda x: (-x[1], x[0]))]},
            "experts": [e.as_dict() for e in self.experts],
            "teams": [t.as_dict() for t in self.teams],
            "baseline_team": self.rarest_first.as_dict() if self.rarest_first else None,
            "excluded": [{"expert_id": k, "reason": v} for k, v in sorted(self.excluded.items())],
            "candidates": self.candidates,
            "settings": self.settings,
        }


def _names(store: GraphStore, ranked: list[ScoredExpert], fields: Iterable[str] = (), projects: Iterable[str] = (),
           papers: Iterable[str] = ()) -> dict[str, str]:
    """Names of every field, project and paper on the candidates' paths and of the ones given (three bulk reads)."""
    fields, projects, papers = set(fields), set(projects), set(papers)
    for s in ranked:
        for p in s.facts.paths:
            n_fields = len(p.field_hops) + 1
            fields.update(p.via[:n_fields])
            if p.kind == "project":
                projects.add(p.via[n_fields])
            elif p.kind == "paper":
                papers.add(p.via[n_fields])
    names = {n.id: n.name for n in store.get_nodes(Label.FIELD, sorted(fields))}
    names.update({n.id: n.name for n in store.get_nodes(Label.PROJECT, sorted(projects))})
    names.update({n.id: n.name for n in store.get_nodes(Label.PAPER, sorted(papers))})
    names.update({s.id: s.facts.name for s in ranked})
    return names


def _profile_words(candidate: Any, text: str, tokenize: Tokenize, index: ExpertIndex | None) -> list[str]:
    """The words of the candidate's profile ``text``: pre-tokenised in the index when it is the indexed text."""
    words = index.words_for(candidate.id, text, tokenize) if index is not None else None
    return list(words) if words is not None else tokenize(text)


class _Default:
    """The default of ``semantics``: the model at :func:`recommend.semantics.model_path` when present."""


DEFAULT_SEMANTICS = _Default()


def _semantic_scores(model: SemanticModel, demand_text: str, query_tokens: Sequence[str], kept: Sequence[Any],
                     docs: Mapping[str, Sequence[str]], index: ExpertIndex | None = None,
                     tokenize: Tokenize | None = None, texts: Sequence[str] | None = None) -> list[float]:
    """Each candidate's ``semantic_score``: the latent-space cosine of the demand and its profile, in [0, 1].

    Profile vectors come from the expert index (computed when it was built, :mod:`recommend.index_cache`)
    when the candidate's profile text and words are the indexed ones; the rest (a profile changed since,
    candidates seen as of an earlier year) are folded in here, kept by the model per expert."""
    q = model.vectors([features(query_tokens, demand_text)])[0]
    texts = [profile_text(c) for c in kept] if texts is None else texts
    vectors = index.vectors if index is not None and tokenize is index.tokenizer else None
    if isinstance(vectors, ProfileVectors):
        rows, found = vectors.lookup(model, [(c.id, text_digest(t)) for c, t in zip(kept, texts, strict=True)])
    else:
        rows, found = np.zeros((len(kept), model.dims), dtype=np.float32), np.zeros(len(kept), dtype=bool)
    missing = np.flatnonzero(~found)
    if len(missing):
        rows[missing] = model.profile_vectors([(kept[n].id, docs[kept[n].id], texts[n]) for n in missing])
    return [round(float(s), 6) for s in np.clip(rows.astype(np.float64) @ q, 0.0, 1.0)]


@dataclass
class Scoring:
    """One demand's candidates scored: what the ranking, the abstention and the ranker's training read."""

    scored: list[ScoredExpert]  # best first
    candidates: int  # gathered before the filters
    excluded: dict[str, str]
    docs: dict[str, list[str]]  # each scored candidate's profile words
    query_tokens: list[str]


def score_demand(store: GraphStore, demand: DemandFacts, settings: Mapping[str, Any], *, tokenize: Tokenize,
                 index: ExpertIndex | None = None, keywords: Sequence[str] = (),
                 adjust: Callable[[CandidateFacts], CandidateFacts] | None = None, filters: bool = True,
                 words: Callable[[CandidateFacts], list[str]] | None = None,
                 semantics: SemanticModel | _Default | None = DEFAULT_SEMANTICS) -> Scoring:
    """Gather, filter and score the candidates of one demand with resolved ``settings``: the one scoring
    path of :func:`recommend_for_facts` and of the ranker's training and evaluation groups
    (:mod:`recommend.ranker_data`, which passes ``adjust`` to see candidates as of an earlier year,
    ``filters=False`` and a memoising ``words``).

    With ``index``, the ``text_candidates`` experts whose profiles best match the demand's
    text and keywords join the candidates reached through the demand's fields (a union; an expert
    listed or not is decided later by the evidence, :mod:`recommend.abstention`), and every candidate
    gets the ``retrieval`` component (the index's score of the demand's own words for that expert over
    the best of all experts) and the ``activity`` component (the index's activity prior). With a semantic
    model (``semantics``; by default :func:`recommend.semantics.get_semantic_model`, None when no
    model was built), the search also adds the ``text_candidates`` best by the demand's words plus their
    related words (query expansion) and every candidate gets the ``semantic`` component (hybrid with
    BM25's ``text``); without one, the component is 0.
    """
    model = get_semantic_model() if isinstance(semantics, _Default) else semantics
    query_tokens = tokenize(demand.text)
    hits: list[tuple[str, float]] = []
    text_part, text_scale = None, 1.0
    if index is not None:
        expansion: list[str] = []
        if model is not None and int(settings["semantic_expansion_terms"]) > 0:
            expansion = model.expand([*query_tokens, *keywords], text=demand.text,
                                     limit=int(settings["semantic_expansion_terms"]),
                                     min_query_similarity=float(settings["semantic_expansion_min_similarity"]))
        # The demand's own words score every expert (the retrieval component); the candidates are the best
        # by them and, with query expansion, the best by the expanded query too (each at most text_candidates).
        # The demand is tokenised once: the tokenizer cuts at whitespace, so the words of "text keywords"
        # are the text's words then the keywords' (tests/test_nlp.py checks it on the demo demands).
        joined = partial(_joined_words, query_tokens, tokenize) if tokenize is index.tokenizer else None
        text_part, text_scale = index.scaled_text_scores(" ".join([demand.text, *keywords]),
                                                         words=joined(keywords) if joined else None,
                                                         floor=float(settings["retrieval_floor_coverage"]))
        k = int(settings["text_candidates"])
        if k > 0:  # the candidates are the best by the unscaled scores (the floor scales every score alike)
            hits = [(i, s) for i, s in index.top(index.combined(text_part), k=k) if s > 0]
            if expansion:
                seen = {i for i, _ in hits}
                expanded = index.text_scores(" ".join([demand.text, *keywords, *expansion]),
                                             words=joined([*keywords, *expansion]) if joined else None)
                hits += [(i, s) for i, s in index.top(index.combined(expanded), k=k) if s > 0 and i not in seen]
        k = int(settings.get("semantic_candidates", 0))
        if k > 0 and model is not None and isinstance(index.vectors, ProfileVectors) \
                and index.vectors.key == model.fingerprint:  # the closest profiles in the latent space too
            seen = {i for i, _ in hits}
            near = index.vectors.nearest(model.vectors([features(query_tokens, demand.text)])[0], k=k)
            hits += [(i, s) for i, s in near if i not in seen]
    candidates, _ = gather_candidates(store, demand, settings, extra_expert_ids=[i for i, _ in hits])
    if adjust is not None:
        candidates = [adjust(c) for c in candidates]
    kept, excluded = apply_filters(demand, candidates, settings) if filters else (list(candidates), {})
    profiles = [profile_text(c) for c in kept]
    docs = {c.id: (words(c) if words is not None else _profile_words(c, text, tokenize, index))
            for c, text in zip(kept, profiles, strict=True)}
    if int(settings["text_subwords"]):  # the reranking also matches the dictionary words inside compounds
        from ingest.nlp import with_subwords

        texts = text_scores(with_subwords(query_tokens), {i: with_subwords(d) for i, d in docs.items()},
                            k1=float(settings["text_bm25_k1"]), b=float(settings["text_bm25_b"]),
                            floor=float(settings["text_floor_coverage"]))
    else:
        texts = text_scores(query_tokens, docs, k1=float(settings["text_bm25_k1"]), b=float(settings["text_bm25_b"]),
                            floor=float(settings["text_floor_coverage"]))
    # every request-dependent score in one copy of each candidate (hundreds per request)
    changes: list[dict[str, Any]] = [{"text_score": float(texts.get(c.id, 0.0))} for c in kept]
    if model is not None and kept:
        sims = _semantic_scores(model, demand.text, query_tokens, kept, docs, index=index if words is None else None,
                                tokenize=tokenize, texts=profiles)
        for change, s in zip(changes, sims, strict=True):
            change["semantic_score"] = s
    if index is not None:
        for change, more in zip(changes, _index_scores(index, text_part, text_scale, kept, demand.year), strict=True):
            change.update(more)
    kept = [replace(c, **change) for c, change in zip(kept, changes, strict=True)]
    scored = score_candidates(demand, kept, settings)
    return Scoring(scored, len(candidates), excluded, docs, query_tokens)


def _joined_words(text_words: Sequence[str], tokenize: Tokenize, more: Sequence[str]) -> list[str]:
    """``tokenize(" ".join([text, *more]))`` from the text's words: the words of ``more`` appended."""
    return [*text_words, *tokenize(" ".join(more))] if more else list(text_words)


def _index_scores(index: ExpertIndex, text_part: Any, scale: float, kept: Sequence[CandidateFacts], year: int
                  ) -> list[dict[str, float]]:
    """Each candidate's ``retrieval_score`` (its row of the index's normalised text scores times the floor's
    ``scale``, 0 when not indexed) and ``activity_score`` (:func:`recommend.scoring.activity` with the index's activity prior,
    from the candidate's own projects as of ``year``; 0 when the index has no prior)."""
    prior = index.prior
    rates = prior.table() if prior is not None else {}
    base = prior.base_rate if prior is not None else 0.0
    out = []
    for c in kept:
        pos = index.position(c.id)
        value = scale * float(text_part[pos]) if pos is not None and text_part is not None and len(text_part) else 0.0
        out.append({"retrieval_score": round(value, 6),
                    "activity_score": round(activity(c.projects, year, rates, base), 6)})
    return out


def _term_weights(semantics: SemanticModel | _Default | None, tokens: Sequence[str]) -> dict[str, float]:
    """Each query word's specificity for the weighted text evidence (:mod:`recommend.abstention`): its IDF in
    the semantic model's corpora; words the model does not know are left out (none without a model)."""
    model = get_semantic_model() if isinstance(semantics, _Default) else semantics
    if model is None:
        return {}
    return {t: float(model.idf[i]) for t in set(tokens) if (i := model.vocab.get(t)) is not None}


def recommend_for_facts(store: GraphStore, demand: DemandFacts, *, tokenize: Tokenize,
                        overrides: Mapping[str, Any] | None = None, demand_name: str | None = None,
                        index: ExpertIndex | None = None, keywords: Sequence[str] = (),
                        semantics: SemanticModel | _Default | None = DEFAULT_SEMANTICS) -> Recommendation:
    """Recommend for demand facts (a stored demand, or text analysed by the caller).

    With ``index``, the ``text_candidates`` experts whose profiles best match the demand's
    text and keywords join the candidates reached through the demand's fields. With a semantic
    model (``semantics``; by default :func:`recommend.semantics.get_semantic_model`, None when no
    model was built), that search also uses related words of the demand's words (query expansion)
    and every candidate gets the ``semantic`` component (hybrid with BM25's ``text``); without one,
    the component is 0 and the ranking is BM25's alone.
    """
    settings = apply_ranker(resolve(overrides), overrides)  # learned weights when a model is present
    scoring = score_demand(store, demand, settings, tokenize=tokenize, index=index, keywords=keywords,
                           semantics=semantics)
    scored, excluded, docs, query_tokens = scoring.scored, scoring.excluded, scoring.docs, scoring.query_tokens
    # Honest abstention (recommend.abstention): an expert with no direct path in the demand's fields and
    # too little text evidence is never listed.
    threshold = float(settings["abstain_text_coverage"])
    weighted = float(settings["abstain_weighted_text_coverage"])  # off by default: no weights, no cost
    weights = _term_weights(semantics, query_tokens) if weighted > 0 else None
    terms = query_terms(query_tokens)
    evidence = {s.id: expert_evidence(s, demand.fields, query_tokens, docs[s.id], text_threshold=threshold,
                                      list_coverage=float(settings["list_text_coverage"]), term_weights=weights,
                                      terms=terms)
                for s in scored}
    ranked = [s for s in scored if evidence[s.id].listed]
    same_limit = int(settings["max_same_evidence"])
    top = diversify(ranked, k=int(settings["top_k"]), max_per_institution=int(settings["max_per_institution"]),
                    max_same_evidence=same_limit)
    grouped = same_evidence(top, ranked) if same_limit > 0 else {}
    # an academician's biography ranks and lists them; whether the list can be trusted rests on the rest of the profile
    vouching = {s.id: expert_evidence(s, demand.fields, query_tokens, tokenize(profile_text(replace(s.facts, research=()))),
                                      text_threshold=threshold, list_coverage=float(settings["list_text_coverage"]),
                                      term_weights=weights, terms=terms)
                for s in top if s.facts.research}
    verdict = judge(demand.fields, scored, evidence, text_threshold=threshold, shown=top, vouching=vouching,
                    direct_strength=float(settings["abstain_direct_strength"]),
                    strong_strength=float(settings["abstain_strong_direct_strength"]),
                    direct_coverage=float(settings["abstain_direct_text_coverage"]),
                    weighted_threshold=weighted, min_vouching=int(settings["abstain_min_vouching_experts"]),
                    corroboration=bool(int(settings["abstain_corroboration"])))
    pool = ranked[:int(settings["team_pool"])]
    collab = collaboration_graph(store, [s.facts for s in pool])
    teams = form_teams(demand.fields, pool, collab, k=int(settings["team_count"]),
                       max_size=int(settings["team_max_size"]), collab_bonus=float(settings["team_collab_bonus"]))
    baseline = rarest_first(demand.fields, pool, collab)
    joint = {key: {p for _, _, ids in collab.edges(data=key) for p in ids or ()} for key in ("papers", "projects")}
    names = _names(store, pool + [s for s in top if s not in pool], fields={*demand.fields, *(f for f, _ in verdict.suggestions)},
                   projects=joint["projects"], papers=joint["papers"])  # the joint titles read with the paths' names
    title = demand_name or demand.text.split("\n")[0][:60] or demand.id
    experts = []
    for rank, s in enumerate(top, start=1):
        paths = explain_paths(demand.id, title, s, names)
        others = tuple((o.id, o.facts.name) for o in grouped.get(s.id, ()))
        sentence = expert_sentence(s, paths, year=demand.year, terms=evidence[s.id].matched_terms)
        if others:
            sentence += f"依据相同的合作者：{'、'.join(n for _, n in others)}（同一批项目、论文，未单列）。"
        experts.append(ExpertResult(rank, s, tuple(paths), sentence, evidence[s.id], others))
    by_id = {s.id: s for s in pool}

    titles = {p: names[p] for ids in joint.values() for p in ids if p in names}

    def team_result(team: Team) -> TeamResult:
        members = tuple((m, by_id[m].facts.name, by_id[m].facts.institution_name) for m in team.members)
        tied = [(a, b) for a, b in itertools.combinations(team.members, 2)
                if collab.has_edge(a, b) and collab[a][b].get("kind") == "collaborates"]
        joint = {key: [(a, b, [titles.get(p, p) for p in collab[a][b].get(key) or ()]) for a, b in tied]
                 for key in ("papers", "projects")}
        return TeamResult(team, members, team_sentence(team, names, names, len(demand.fields),
                                                       joint_papers=joint["papers"], joint_projects=joint["projects"]))

    log.info("demand %s: %d candidates, %d kept, %d teams", demand.id, scoring.candidates, len(scored), len(teams))
    field_names = {f: names.get(f, f) for f in {*demand.fields, *(f for f, _ in verdict.suggestions)}}
    return Recommendation(demand, title, experts, [team_result(t) for t in teams],
                          team_result(baseline) if baseline else None, excluded,
                          field_names, settings, scoring.candidates, verdict,
                          platforms=recommend_platforms(store, demand, settings, demand_name=title))


def recommend_for_demand(store: GraphStore, demand_id: str, *, tokenize: Tokenize,
                         overrides: Mapping[str, Any] | None = None, year: int | None = None,
                         index: ExpertIndex | None = None,
                         semantics: SemanticModel | _Default | None = DEFAULT_SEMANTICS) -> Recommendation:
    """Recommend experts and teams for a stored demand.

    Raises:
        NotFoundError: no such demand.
        ValidationError: a bad setting in ``overrides``.
    """
    with store.reading():  # on Neo4j one read transaction for the request's ~25 reads (GraphStore.reading)
        node = store.get_node(Label.DEMAND, demand_id)
        demand = demand_facts(store, demand_id, year=year, node=node)
        keywords = node.props.get("keywords", []) if node else []
        return recommend_for_facts(store, demand, tokenize=tokenize, overrides=overrides,
                                   demand_name=node.name if node else None, index=index,
                                   keywords=[k for k in keywords if isinstance(k, str)], semantics=semantics)


class Understanding(Protocol):
    """What understanding a text yields (:class:`ingest.field_linking.DemandUnderstanding`)."""

    keywords: Sequence[str]
    fields: Sequence[tuple[str, float]]


Understand = Callable[..., Understanding]
"""``understand(text, *, keywords, known) -> Understanding`` (``ingest.field_linking.understand_demand``)."""

TITLE_CHARS = 24  # a free-text demand is named by its first line, cut to this many characters


def recommend_for_text(store: GraphStore, text: str, *, tokenize: Tokenize, understand: Understand,
                       region_id: str | None = None, keywords: Sequence[str] = (),
                       overrides: Mapping[str, Any] | None = None, index: ExpertIndex | None = None,
                       semantics: SemanticModel | _Default | None = DEFAULT_SEMANTICS) -> Recommendation:
    """Recommend experts and teams for free text: the one use case behind ``kgmatch recommend --text``,
    ``POST /api/v1/recommendations`` and the intake page's preview.

    ``understand`` links the text to stored fields and keywords (the caller passes
    ``ingest.field_linking.understand_demand``, so this package needs no NLP of its own);
    ``region_id`` is the enterprise's Region id, resolved by the caller from the user's code or name
    (``ingest.resolve.resolve_node``). The demand is named by its first line and dated "this year".

    Raises:
        ValidationError: a bad setting in ``overrides``.
    """
    with store.reading():  # as recommend_for_demand: one read transaction on Neo4j
        understood = understand(text, keywords=tuple(keywords),
                                known=lambda f: store.get_node(Label.FIELD, f) is not None)
        demand = demand_facts_for_text(store, text, dict(understood.fields), region_id=region_id)
        name = text.strip().split("\n")[0]
        rec = recommend_for_facts(store, demand, tokenize=tokenize, overrides=overrides, index=index,
                                  keywords=understood.keywords, semantics=semantics,
                                  demand_name=name[:TITLE_CHARS] + ("…" if len(name) > TITLE_CHARS else ""))
    rec.keywords = tuple(understood.keywords)
    log.info("free-text recommendation: %d fields linked, %d experts", len(demand.fields), len(rec.experts))
    return rec
