"""Honest abstention: how much evidence each recommended expert has, and when to say "we don't know".

Pure over plain data (the engine hands in the scored candidates and the demand's tokens).

* **Direct field evidence**: a graph path from one of the demand's fields to the expert that goes
  through that field itself or its sub-fields only (not up to a parent, not sideways to a related
  field): the expert is EXPERT_IN the field or leads a project in it. A path whose link rests on a printed
  中图分类号 alone (``FieldPath.basis``, issue 12) counts for listing and the supply gap, with strength 0.
* **Text evidence**: the share of the demand's distinct content terms (≥ 2 characters) that occur in
  the expert's profile (keywords and project titles) — an absolute coverage, unlike the text score,
  which is relative to the best candidate.
* **Weighted text evidence**: the same coverage with each term weighted by its specificity (the caller passes
  the semantic model's IDF over the shipped corpora, for the terms the model knows; terms it does not know
  are left out), so a profile that shares the demand's rare words (脱硫, 渗透汽化) counts more than one that
  shares its generic ones (系统, 技术, 需要); 0 without weights. Issue 13: on the SME dev split the plain
  coverage left 39 of 51 demands abstaining although most of their top 5 carried labelled evidence. Off by
  default (setting 0): it failed its adoption rule on the test split (docs/abstention-weighted-coverage.md).
* **Confidence** of one recommendation, in [0, 1]: ``max(direct strength, text coverage /
  TEXT_THRESHOLD capped at 1)`` where the direct strength is the best direct path's
  demand weight × expert weight; an expert with neither a graph path nor one matched term gets 0
  and is never listed.
* An expert is **listed** only with a path in the demand's fields or along their hierarchy, or at least
  one matched term (and text coverage ≥ the setting ``list_text_coverage``, 0 by default); a path through
  a related field alone is not evidence.
* The result **abstains** when none of the experts *shown* has a direct path of strength ≥
  :data:`STRONG_STRENGTH`, or one of strength ≥ :data:`DIRECT_STRENGTH` backed by text coverage ≥
  :data:`DIRECT_COVERAGE`, or text coverage ≥ :data:`TEXT_THRESHOLD`, or specificity-weighted text coverage
  ≥ :data:`WEIGHTED_THRESHOLD` (issue 13: a path of strength 0.5 —
  a field linked through the crosswalk at weight 0.5 — with no demand term in the expert's profile vouched
  for results whose other experts had no evidence; the thresholds were chosen on the SME demand set's dev
  split, ``bench/sme_demands.py``. Before, any candidate with a direct path
  anywhere in the list — often through a field linked at weight 0.5 — vouched for the five shown: the cause
  of the "confident nonsense" measured in ``bench/sme_demands.py``): it then says so (图谱中暂无该领域有直接依据的专家), gives the supply gap of
  the demand's fields and suggests the nearest fields the candidates do come from, and publishing
  the demand as a 揭榜 challenge.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.model import CLASS_BASIS
from recommend.scoring import ScoredExpert

__all__ = ["TEXT_THRESHOLD", "WEIGHTED_THRESHOLD", "DIRECT_STRENGTH", "STRONG_STRENGTH", "DIRECT_COVERAGE", "LIST_COVERAGE", "ABSTAIN_MESSAGE", "FEW_VOUCH_MESSAGE",
           "MIN_VOUCHING", "Evidence", "Verdict", "expert_evidence", "judge",
           "query_terms"]

TEXT_THRESHOLD = 0.34  # the default of the setting abstain_text_coverage (recommend.config)
"""Text coverage (share of the demand's terms found in a profile) that counts as evidence on its own."""
WEIGHTED_THRESHOLD = 0.0  # the default of the setting abstain_weighted_text_coverage (recommend.config)
"""Specificity-weighted text coverage that counts as evidence on its own; 0: off. 0.3 was chosen on the SME dev
split (abstained 39/51 -> 36/51, confident nonsense 0.016 unchanged) but on the test split, run once, it gave
confident nonsense 0.078 [0.053, 0.114] (> 0.05), so by the rule fixed beforehand
(docs/abstention-weighted-coverage.md) it is off by default."""
DIRECT_STRENGTH = 0.5  # the default of the setting abstain_direct_strength (recommend.config)
"""Strength (demand weight × expert weight) a shown expert's direct path needs to make the result trusted."""
STRONG_STRENGTH = 1.01  # the default of the setting abstain_strong_direct_strength (recommend.config)
"""Strength of a direct path that makes the result trusted on its own (weaker ones need DIRECT_COVERAGE too). Above 1
since subwords31b, so none does: a path into the demand's second-level field also needs some of the demand's words
(data/eval/sme-demands/DECISIONS.md: one strong path vouched for experts on another problem of that field)."""
DIRECT_COVERAGE = 0.15  # the default of the setting abstain_direct_text_coverage (recommend.config)
"""Text coverage an expert with a direct path weaker than STRONG_STRENGTH needs to make the result trusted."""
LIST_COVERAGE = 0.0  # the default of the setting list_text_coverage (recommend.config)
"""Text coverage an expert without a direct field path needs to be listed at all."""
ABSTAIN_MESSAGE = "图谱中暂无该领域有直接依据的专家"
FEW_VOUCH_MESSAGE = "展示的专家中仅 {n} 位有直接依据（{names}），其余推荐缺少直接依据"
"""The abstention's words when some shown experts vouch, but fewer than ``min_vouching`` (:func:`judge`)."""
MIN_VOUCHING = 1  # the default of the setting abstain_min_vouching_experts (recommend.config)
"""How many shown experts must vouch for a result to be trusted (all of them when fewer are listed)."""
CHALLENGE_SUGGESTION = "将需求发布为揭榜榜单，面向全社会征集解决方案"


@dataclass(frozen=True)
class Evidence:
    """What supports one expert for one demand."""

    direct_fields: tuple[str, ...]  # the demand's fields the expert has direct evidence in
    indirect: bool  # reached through a parent or related field only
    matched_terms: tuple[str, ...]
    text_coverage: float
    confidence: float
    list_coverage: float = 0.0  # the coverage that lets an expert without a field path be listed
    hierarchy_path: bool = False  # reached through a parent or sub-field of a demand's field (not a related one)
    direct_strength: float = 0.0  # the best direct path's demand weight × expert weight
    weighted_coverage: float = 0.0  # text coverage with each term weighted by its specificity (0 without weights)

    @property
    def listed(self) -> bool:
        """Whether the expert may be shown at all: a path in the demand's fields or along their hierarchy,
        or text evidence (matched terms covering at least ``list_coverage`` of the demand's terms). A
        related-field path or one generic word in common (模块, 终端, 功率) alone is neither."""
        return bool(self.direct_fields or self.hierarchy_path
                    or (self.matched_terms and self.text_coverage >= self.list_coverage))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"direct_fields": list(self.direct_fields), "indirect": self.indirect,
                "matched_terms": list(self.matched_terms), "text_coverage": round(self.text_coverage, 4),
                "weighted_text_coverage": round(self.weighted_coverage, 4),
                "confidence": round(self.confidence, 4)}


@dataclass(frozen=True)
class Verdict:
    """Whether the recommendation can be trusted, and what to do when it cannot."""

    abstain: bool
    confidence: float  # the best listed expert's confidence
    message: str
    gap: tuple[tuple[str, int], ...]  # (demand field, candidates with direct evidence there)
    suggestions: tuple[tuple[str, int], ...]  # (nearest field the candidates come from, how many)
    actions: tuple[str, ...]  # what the user can do; a field is written ``{field}`` (see ``action_texts``)
    backed: tuple[str, ...] = ()  # the shown experts whose own evidence vouches (bench.judged_pool records it per slot)

    def action_texts(self, names: Mapping[str, str]) -> list[str]:
        """The actions in words, each field by its name (``names``; the id when it has none).

        >>> Verdict(True, 0.1, "", (), (("ht2016:706", 3),), ("查看相近领域「{ht2016:706}」的专家",)).action_texts(
        ...     {"ht2016:706": "固体废弃物处置与综合利用技术"})
        ['查看相近领域「固体废弃物处置与综合利用技术」的专家']
        """
        return [re.sub(r"\{([^{}]+)\}", lambda m: names.get(m.group(1), m.group(1)), a) for a in self.actions]

    def as_dict(self, names: Mapping[str, str]) -> dict[str, Any]:
        """Plain data for JSON (field names from ``names``)."""
        return {"abstain": self.abstain, "confidence": round(self.confidence, 4), "message": self.message,
                "supply_gap": [{"field": f, "name": names.get(f, f), "experts_with_direct_evidence": n}
                               for f, n in self.gap],
                "suggested_fields": [{"field": f, "name": names.get(f, f), "candidates": n}
                                     for f, n in self.suggestions],
                "actions": self.action_texts(names)}


def query_terms(tokens: Sequence[str]) -> list[str]:
    """The query's terms the text evidence counts: its distinct words of two characters or more, sorted.

    >>> query_terms(["锂电池", "的", "正极", "锂电池"])
    ['正极', '锂电池']
    """
    return sorted({t for t in tokens if len(t) >= 2})


def expert_evidence(scored: ScoredExpert, demand_fields: Mapping[str, float], query_tokens: Sequence[str],
                    profile_tokens: Sequence[str], *, text_threshold: float = TEXT_THRESHOLD,
                    list_coverage: float = LIST_COVERAGE, term_weights: Mapping[str, float] | None = None,
                    terms: Sequence[str] | None = None) -> Evidence:
    """The evidence behind one scored candidate. ``term_weights``: each term's specificity (e.g. its IDF);
    the weighted coverage is over the weighted terms only (0 without any). ``terms``: ``query_terms(query_tokens)``
    when the caller has it (one query, hundreds of candidates).

    >>> from recommend.scoring import CandidateFacts, FieldPath
    >>> path = FieldPath("f", 1.0, "f", 1.0, 0.5, "expert_in", ("f", "e"))
    >>> s = ScoredExpert(CandidateFacts("e", "某", paths=(path,)), 0.5, {}, {})
    >>> ev = expert_evidence(s, {"f": 1.0}, ["锂电池", "正极"], ["锂电池", "回收"])
    >>> ev.direct_fields, ev.matched_terms, ev.confidence
    (('f',), ('锂电池',), 1.0)
    >>> by_class = FieldPath("f", 1.0, "f", 1.0, 1.0, "paper", ("f", "p", "e"), basis="中图分类号")
    >>> ev = expert_evidence(ScoredExpert(CandidateFacts("e", "某", paths=(by_class,)), 0.5, {}, {}), {"f": 1.0}, [], [])
    >>> ev.direct_fields, ev.direct_strength
    (('f',), 0.0)
    >>> expert_evidence(s, {}, ["锂电池", "需要"], ["锂电池"], term_weights={"锂电池": 3.0, "需要": 1.0}).weighted_coverage
    0.75
    """
    direct: dict[str, float] = {}
    indirect = hierarchy = False
    for p in scored.facts.paths:
        if p.demand_field not in demand_fields:
            continue
        if all(h == "child" for h in p.field_hops):
            # a link resting on a printed 中图分类号 alone lists the expert but has no strength (one a person
            # checked, basis 人工核验, is ordinary direct evidence)
            strength = 0.0 if p.basis == CLASS_BASIS else p.demand_weight * p.expert_weight
            direct[p.demand_field] = max(direct.get(p.demand_field, 0.0), strength)
        else:
            indirect = True
            hierarchy = hierarchy or all(h in ("child", "parent") for h in p.field_hops)
    terms = query_terms(query_tokens) if terms is None else terms
    profile = set(profile_tokens)
    matched = tuple(t for t in terms if t in profile)
    coverage = len(matched) / len(terms) if terms else 0.0
    weights = {t: float(term_weights[t]) for t in terms if term_weights and term_weights.get(t, 0.0) > 0}
    total = sum(weights.values())
    weighted = sum(w for t, w in weights.items() if t in profile) / total if total > 0 else 0.0
    text_conf = min(1.0, coverage / text_threshold) if text_threshold > 0 else float(coverage > 0)
    strength = max(direct.values(), default=0.0)
    confidence = max(min(1.0, strength * 2), text_conf) if direct or matched else (0.1 if indirect else 0.0)
    return Evidence(tuple(sorted(direct)), indirect and not direct, matched, coverage, round(confidence, 4),
                    list_coverage, hierarchy and not direct, round(strength, 4), round(weighted, 4))


def judge(demand_fields: Mapping[str, float], ranked: Sequence[ScoredExpert],
          evidence: Mapping[str, Evidence], *, top: int = 3, text_threshold: float = TEXT_THRESHOLD,
          shown: Sequence[ScoredExpert] | None = None, direct_strength: float = DIRECT_STRENGTH,
          strong_strength: float = STRONG_STRENGTH, direct_coverage: float = DIRECT_COVERAGE,
          weighted_threshold: float = WEIGHTED_THRESHOLD, vouching: Mapping[str, Evidence] | None = None,
          min_vouching: int = MIN_VOUCHING, corroboration: bool = False) -> Verdict:
    """The verdict over all scored candidates (``ranked``) and the evidence of each.

    The result is trusted only when one of the experts ``shown`` (default: all of ``ranked``) has a
    direct path of strength ≥ ``strong_strength`` (demand weight × expert weight: a field the demand
    mainly needs), or one of strength ≥ ``direct_strength`` and text coverage ≥ ``direct_coverage`` (a
    field it touches through the crosswalk at weight 0.5 counts only with some of the demand's words in
    the profile), or text coverage ≥ ``text_threshold``, or specificity-weighted text coverage ≥
    ``weighted_threshold`` (0 turns that off): a candidate with evidence further down the list
    does not vouch for the experts shown. ``vouching``: for the experts it names, the evidence that may vouch when it
    differs from what lists them (an academician's biography lists and ranks them, it does not vouch: the engine
    passes their evidence without it). ``min_vouching``: how many of the shown experts must vouch (all of them when
    fewer are shown); with some but too few, the result abstains and its message names the ones that vouch.
    ``corroboration``: a lone vouching expert is not enough when no other shown expert has evidence of its own (a
    direct path in one of the demand's fields, or text coverage ≥ ``direct_coverage``; a biography does not count):
    the result then abstains, naming the one that vouches. The supply gap counts every candidate.

    >>> judge({"f": 1.0}, [], {}).abstain
    True
    >>> from recommend.scoring import CandidateFacts
    >>> shown = [ScoredExpert(CandidateFacts(i, i), 0.5, {}, {}) for i in ("a", "b")]
    >>> backed = Evidence(("f",), False, ("锂电池",), 0.2, 1.0, direct_strength=0.5)
    >>> bare = Evidence((), False, ("电池",), 0.05, 0.15)
    >>> near = Evidence(("f",), False, (), 0.0, 0.0)
    >>> [judge({"f": 1.0}, shown, {"a": backed, "b": other}, corroboration=on).abstain
    ...  for other, on in ((bare, False), (bare, True), (near, True))]
    [False, True, False]
    """
    gap = Counter({f: 0 for f in demand_fields})
    near: Counter[str] = Counter()
    for s in ranked:
        ev = evidence.get(s.id)
        if ev is None:
            continue
        for f in ev.direct_fields:
            gap[f] += 1
        for p in s.facts.paths:
            near[p.expert_field] += 1
    vouching = vouching or {}
    # (what lists the expert, what may vouch for the list): the same evidence unless ``vouching`` names the expert
    looked_at = [(s, evidence[s.id], vouching.get(s.id, evidence[s.id])) for s in (ranked if shown is None else shown)
                 if s.id in evidence]
    strong = [s for s, listed, ev in looked_at if listed.listed and (
        ev.text_coverage >= text_threshold or 0 < weighted_threshold <= ev.weighted_coverage or (ev.direct_fields and (
        ev.direct_strength >= strong_strength
        or (ev.direct_strength >= direct_strength and ev.text_coverage >= direct_coverage))))]
    best = max((ev.confidence for _, ev, _ in looked_at if ev.listed), default=0.0)
    needed = max(1, min(min_vouching, sum(1 for _, ev, _ in looked_at if ev.listed)))
    abstain = len(strong) < needed
    if corroboration and len(strong) == 1 and not abstain:
        others = [ev for s, listed, ev in looked_at if listed.listed and s is not strong[0]]
        abstain = bool(others) and not any(ev.direct_fields or ev.text_coverage >= direct_coverage for ev in others)
    gaps = tuple(sorted(gap.items(), key=lambda fn: (fn[1], -demand_fields[fn[0]], fn[0])))
    suggestions = tuple((f, n) for f, n in sorted(near.items(), key=lambda fn: (-fn[1], fn[0]))
                        if f not in demand_fields)[:top]
    if abstain:
        actions = tuple([*(f"查看相近领域「{{{f}}}」的专家" for f, _ in suggestions[:2]), CHALLENGE_SUGGESTION])
        message = FEW_VOUCH_MESSAGE.format(n=len(strong), names="、".join(x.facts.name for x in strong)) if strong \
            else ABSTAIN_MESSAGE
        return Verdict(True, best, message, gaps, suggestions, actions, tuple(x.id for x in strong))
    return Verdict(False, best, "", gaps, suggestions, (), tuple(x.id for x in strong))
