"""Query groups for learning and evaluating the ranker, read from a graph through GraphStore.

Every group is what the engine would score for one query: candidates from the demand's fields and
from the whole-graph text index (``text_candidates``), their facts, text relevance and component
values (:func:`recommend.scoring.score_candidates`), plus who is relevant. Three sources:

* **project history** (:func:`project_groups`): a project that started in ``[cut, end)`` is a
  pseudo-demand (its title, its own fields); the relevant expert is its PI. Everything is seen as of
  ``cut``: the text index only holds titles before ``cut`` and each candidate's facts drop projects
  and papers from ``cut`` on (and any path through them), so the query never finds itself;
* **paper history** (:func:`paper_groups`): the same with papers, the authors being relevant;
* **officers' feedback** (:func:`feedback_groups`): a demand with 采纳 verdicts; the adopted experts
  are relevant, those marked 不采纳 and the other candidates are not.

:func:`query_groups` scores given (title, relevant) queries over a graph as it is (the offline
PI-retrieval evaluation). Filters (load, region, conflicts) are hard rules, not ranking, and are not
applied here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from graph.model import Label, RelType
from graph.store import Direction, GraphStore
from recommend.candidates import PAPER_ROLE, demand_facts
from recommend.config import resolve
from recommend.engine import score_demand
from recommend.profiles import ExpertProfile, load_profiles
from recommend.ranker import Group
from recommend.retrieval import ExpertIndex, fit_activity_prior, graph_prior, recent_end, text_digest
from recommend.scoring import CandidateFacts, DemandFacts
from recommend.semantics import ProfileVectors, get_semantic_model
from recommend.text import profile_text
from workflow.states import VERDICTS

__all__ = ["Query", "as_of", "had_output", "dated_profiles", "query_groups", "project_groups", "paper_groups", "feedback_groups", "history_window",
           "training_groups"]

log = logging.getLogger(__name__)

Tokenize = Callable[[str], list[str]]
ADOPTED, REJECTED = VERDICTS


@dataclass(frozen=True)
class Query:
    """A pseudo-demand: its text, fields, who is relevant, and the facts it must not see."""

    text: str
    relevant: frozenset[str]
    fields: Mapping[str, float] = field(default_factory=dict)
    hide: frozenset[str] = frozenset()  # ids of the project/paper the query is (never evidence for itself)
    demand: DemandFacts | None = None  # a stored demand's facts (feedback), else built from text/fields
    source: str = "project"
    year: int | None = None  # when the project started / the paper appeared (the ranker's dev split is by year)


def as_of(facts: CandidateFacts, year: int, hide: Iterable[str] = (), *, undated: bool = True) -> CandidateFacts:
    """The candidate as the graph knew them before ``year``: later projects/papers (and ``hide``)
    dropped from the evidence and from the field paths, load = projects running in ``year``.

    An EXPERT_IN path to a field that one of the dropped projects/papers reaches is dropped too: its
    weight counts the projects behind it, later ones included (the query's own project made its PI
    EXPERT_IN the query's field), and it carries no date; the earlier projects' own paths stay.
    ``undated=False`` also drops the keywords, which are aggregated from every paper, later ones
    included, and carry no date (training groups drop them for every candidate alike)."""
    hidden = set(hide)
    keep = tuple(p for p in facts.projects
                 if p.id not in hidden and (p.start_year is None or p.start_year < year))
    gone = {p.id for p in facts.projects} - {p.id for p in keep} | hidden
    stale = {p.expert_field for p in facts.paths if gone.intersection(p.via)}
    paths = tuple(p for p in facts.paths if not gone.intersection(p.via)
                  and not (p.kind == "expert_in" and p.expert_field in stale))
    running = sum(1 for p in keep if p.role != PAPER_ROLE and p.start_year and p.start_year <= year
                  <= (p.end_year or p.start_year))
    return replace(facts, projects=keep, paths=paths, active_load=running,
                   keywords=facts.keywords if undated else ())


def had_output(facts: CandidateFacts, year: int) -> bool:
    """Whether the candidate has a dated project or paper that started before ``year``: the population
    the relevant experts of history pseudo-queries are drawn from (they are known before the cut by
    construction), so training negatives are drawn from it too.

    >>> from recommend.scoring import ProjectFact
    >>> had_output(CandidateFacts("e", "某", projects=(ProjectFact("p", "t", "lead", 2010, 2012),)), 2011)
    True
    >>> had_output(CandidateFacts("e", "某", projects=(ProjectFact("p", "t", "lead", 2012, 2014),)), 2011)
    False
    """
    return any(p.start_year is not None and p.start_year < year for p in facts.projects)


def dated_profiles(profiles: Sequence[ExpertProfile]) -> list[ExpertProfile]:
    """The profiles without their undated keywords (see :func:`as_of`): what the training groups' text
    index is built from, so the retrieval component of a pseudo-query never reads a later paper's keywords."""
    return [replace(p, keywords=()) for p in profiles]


class _Words:
    """Profile words by text digest, so each profile text is tokenised once per run."""

    def __init__(self, tokenize: Tokenize, index: ExpertIndex):
        self.tokenize, self.index, self.memo = tokenize, index, {}

    def __call__(self, facts: CandidateFacts) -> list[str]:
        text = profile_text(facts)
        words = self.index.words_for(facts.id, text, self.tokenize)
        if words is not None:
            return list(words)
        key = text_digest(text)
        if key not in self.memo:
            self.memo[key] = tuple(self.tokenize(text))
        return list(self.memo[key])


def query_groups(store: GraphStore, queries: Sequence[Query], *, tokenize: Tokenize, year: int,
                 index: ExpertIndex | None = None, profiles: Sequence[ExpertProfile] | None = None,
                 settings: Mapping[str, object] | None = None, text_k: int | None = None,
                 history: bool = False, keywords: bool = True) -> list[Group]:
    """One :class:`Group` per query: the engine's candidates and component values as of ``year``.

    ``index`` (built here from ``profiles`` as of ``year``, with the activity prior fitted at ``year``,
    when not given) supplies the text candidates, ``text_k`` of them (default: the ``text_candidates``
    setting), the ``retrieval`` and the ``activity`` components. A query with no word the graph knows
    gets an empty group (a miss in any evaluation, never an exception).

    ``history`` (training groups from the graph's own history, whose relevant experts all had output
    before ``year``): only candidates with a project or paper before ``year`` (:func:`had_output`) stay,
    so that "has earlier output" does not tell the relevant expert apart. ``keywords=False``: the
    candidates lose their undated keywords (:func:`as_of`; paper pseudo-queries, whose authors' keywords
    include the query paper's own).
    """
    settings = dict(settings or resolve())
    if text_k is not None:
        settings["text_candidates"] = text_k
    if index is None:
        profiles = profiles if profiles is not None else load_profiles(store)
        index = ExpertIndex(profiles, tokenize=tokenize, ref_year=year,
                            prior=fit_activity_prior(profiles, ref_year=year))
    if int(settings.get("semantic_candidates", 0)) > 0 and index.vectors is None \
            and (model := get_semantic_model()) is not None:  # the latent-space candidates read the index's vectors
        index.vectors = ProfileVectors.build(model, index.texts())
    words = _Words(tokenize, index)
    groups = []
    for q in queries:
        demand = q.demand or DemandFacts(id="(query)", text=q.text, fields=dict(q.fields), year=year)
        scoring = score_demand(store, demand, settings, tokenize=tokenize, index=index, filters=False, words=words,
                               adjust=lambda c, q=q: as_of(c, year, q.hide, undated=keywords))
        scored = [s for s in scoring.scored if had_output(s.facts, year)] if history else scoring.scored
        groups.append(Group(q.text, tuple((s.id, dict(s.components)) for s in scored), q.relevant, q.source, q.year))
    return groups


def _sample(items: list, limit: int | None, seed: int) -> list:
    if limit is None or len(items) <= limit:
        return items
    rng = np.random.default_rng(seed)
    return [items[i] for i in sorted(rng.choice(len(items), limit, replace=False))]


def project_groups(store: GraphStore, profiles: Sequence[ExpertProfile], *, tokenize: Tokenize, cut: int, end: int,
                   settings: Mapping[str, object] | None = None, max_queries: int | None = 600, seed: int = 0,
                   use_fields: bool = True) -> list[Group]:
    """Pseudo-queries from project history: projects led in ``[cut, end)`` by experts with a project
    before ``cut``; their fields (IN_FIELD) are the demand's fields when ``use_fields``."""
    known = {p.id for p in profiles if any(x.start_year is not None and x.start_year < cut for x in p.projects)}
    raw = sorted({(x.id, x.title, p.id, x.start_year) for p in profiles if p.id in known for x in p.projects
                  if x.role == "lead" and x.start_year is not None and cut <= x.start_year < end and x.title})
    raw = _sample(raw, max_queries, seed)
    fields: dict[str, dict[str, float]] = {}
    if use_fields and raw:
        for src, nb in store.expand([n.ref for n in store.get_nodes(Label.PROJECT, sorted({r[0] for r in raw}))],
                                    direction=Direction.OUT, rel_types=[RelType.IN_FIELD], labels=[Label.FIELD]):
            fields.setdefault(src.id, {})[nb.node.id] = 1.0
    queries = [Query(title, frozenset({expert}), fields.get(pid, {}), frozenset({pid}), year=start)
               for pid, title, expert, start in raw]
    index = ExpertIndex(profiles, tokenize=tokenize, ref_year=cut, prior=fit_activity_prior(profiles, ref_year=cut))
    return query_groups(store, queries, tokenize=tokenize, year=cut, index=index, settings=settings, history=True)


def paper_groups(store: GraphStore, profiles: Sequence[ExpertProfile], *, tokenize: Tokenize, cut: int, end: int,
                 settings: Mapping[str, object] | None = None, max_queries: int | None = 300, seed: int = 0
                 ) -> list[Group]:
    """Pseudo-queries from papers published in ``[cut, end)``: the authors known before ``cut`` are relevant."""
    papers, after = [], None
    while page := store.list_nodes(Label.PAPER, limit=2000, after=after):
        papers += [n for n in page if isinstance(n.props.get("year"), int) and cut <= n.props["year"] < end]
        after = page[-1].id
        if len(page) < 2000:
            break
    if not papers:
        return []
    known = {p.id for p in profiles if any(x.start_year is not None and x.start_year < cut for x in p.projects)}
    authors: dict[str, set[str]] = {}
    for src, nb in store.expand([n.ref for n in papers], direction=Direction.IN, rel_types=[RelType.AUTHORED],
                                labels=[Label.EXPERT]):
        if nb.node.id in known:
            authors.setdefault(src.id, set()).add(nb.node.id)
    raw = _sample(sorted((n.id, str(n.props.get("title") or n.name), int(n.props["year"])) for n in papers
                         if n.id in authors), max_queries, seed)
    queries = [Query(title, frozenset(authors[pid]), {}, frozenset({pid}), source="paper", year=year)
               for pid, title, year in raw]
    index = ExpertIndex(dated_profiles(profiles), tokenize=tokenize, ref_year=cut,
                        prior=fit_activity_prior(profiles, ref_year=cut))
    return query_groups(store, queries, tokenize=tokenize, year=cut, index=index, settings=settings, history=True,
                        keywords=False)


def feedback_groups(store: GraphStore, *, tokenize: Tokenize, index: ExpertIndex,
                    settings: Mapping[str, object] | None = None, synthetic: bool = False) -> list[Group]:
    """Demands with at least one 采纳 verdict: adopted experts relevant, everyone else scored beside them.

    Feedback on demands marked ``source: synthetic`` (the demo's generated history, whose verdicts are
    drawn at random) teaches nothing real and is left out unless ``synthetic``."""
    feedback, after = [], None
    while page := store.list_nodes(Label.FEEDBACK, limit=2000, after=after):
        feedback += page
        after = page[-1].id
        if len(page) < 2000:
            break
    if not feedback:
        return []
    about: dict[str, str] = {}
    concerns: dict[str, str] = {}
    for src, nb in store.expand([n.ref for n in feedback], direction=Direction.OUT,
                                rel_types=[RelType.ABOUT, RelType.CONCERNS]):
        (about if nb.rel.type is RelType.ABOUT else concerns)[src.id] = nb.node.id
    adopted: dict[str, set[str]] = {}
    for n in feedback:
        if n.props.get("verdict") == ADOPTED and n.id in about and n.id in concerns:
            adopted.setdefault(about[n.id], set()).add(concerns[n.id])
    if not synthetic:
        real = {n.id for n in store.get_nodes(Label.DEMAND, sorted(adopted)) if n.props.get("source") != "synthetic"}
        adopted = {d: e for d, e in adopted.items() if d in real}
    queries = []
    for demand_id in sorted(adopted):
        demand = replace(demand_facts(store, demand_id), declined={})  # 不采纳 experts are negatives here
        queries.append(Query(demand.text, frozenset(adopted[demand_id]), demand.fields, demand=demand,
                             source="feedback"))
    return query_groups(store, queries, tokenize=tokenize, year=max((q.demand.year for q in queries), default=0),
                        index=index, settings=settings) if queries else []


def history_window(profiles: Sequence[ExpertProfile], *, window: int = 2, share: float = 0.1) -> tuple[int, int] | None:
    """(cut, end) for pseudo-queries: ``end`` is one after the latest year in which at least ``share`` of the
    busiest year's projects started (a couple of stray late records do not make an empty window)."""
    end = recent_end(profiles, share=share)
    return None if end is None else (end - window, end)


def training_groups(store: GraphStore, *, tokenize: Tokenize, window: int = 2, max_queries: int | None = 300,
                    seed: int = 0, settings: Mapping[str, object] | None = None,
                    profiles: Sequence[ExpertProfile] | None = None,
                    synthetic_feedback: bool = False) -> tuple[list[Group], dict[str, object]]:
    """All training groups of a graph: project and paper history of a ``window``-year span
    (:func:`history_window`; the graph as of its start) plus officers' feedback; and a summary."""
    profiles = list(profiles if profiles is not None else load_profiles(store))
    span = history_window(profiles, window=window)
    groups: list[Group] = []
    summary: dict[str, object] = {"experts": len(profiles)}
    if span is not None:
        cut, end = span
        summary.update(cut=cut, end=end)
        groups += project_groups(store, profiles, tokenize=tokenize, cut=cut, end=end, settings=settings,
                                 max_queries=max_queries, seed=seed)
        groups += paper_groups(store, profiles, tokenize=tokenize, cut=cut, end=end, settings=settings,
                               max_queries=max_queries and max_queries // 2, seed=seed)
    years = [x.start_year for p in profiles for x in p.projects if x.start_year is not None]
    ref = (max(years) + 1) if years else 0
    index = ExpertIndex(profiles, tokenize=tokenize, ref_year=ref, prior=graph_prior(profiles))
    groups += feedback_groups(store, tokenize=tokenize, index=index, settings=settings, synthetic=synthetic_feedback)
    counts: dict[str, int] = {}
    for g in groups:
        counts[g.source] = counts.get(g.source, 0) + 1
    summary["groups"] = dict(sorted(counts.items()))
    return groups, summary
