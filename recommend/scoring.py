"""Scoring as pure functions over plain data: no store, no Flask, no globals.

:mod:`recommend.candidates` gathers :class:`DemandFacts` and :class:`CandidateFacts`
from the graph; everything here only computes. Every component is in [0, 1] and the
score is ``Σ weight × component`` with the weights of :mod:`recommend.config`, so
each expert's explanation can show exactly what each component contributed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.bm25 import cjk_bigrams

__all__ = [
    "ProjectFact",
    "FieldPath",
    "DemandFacts",
    "CandidateFacts",
    "ScoredExpert",
    "Component",
    "COMPONENT_TABLE",
    "COMPONENTS",
    "COMPONENT_ZH",
    "components_markdown",
    "field_match",
    "evidence",
    "expert_type",
    "expert_types",
    "EXPERT_TYPES",
    "region_proximity",
    "availability",
    "activity_features",
    "activity",
    "retrieval",
    "cjk_bigrams",
    "title_match",
    "work_matches",
    "recent_match",
    "score_candidates",
    "apply_filters",
    "diversify",
    "same_evidence",
    "works_key",
]

TALENT_FUND_TYPES = ("国家杰出青年科学基金", "优秀青年科学基金项目", "创新研究群体项目", "长江学者")

EXPERT_TYPES: tuple[str, ...] = ("人才计划入选者", "科技计划项目承担者", "基金项目负责人", "专家库专家")
"""The expert types officers filter by (setting ``expert_type``): talent programmes (院士, 杰青, 优青 …),
leaders of national programme projects (国家重点研发计划), NSFC PIs, members of the expert pool."""


@dataclass(frozen=True, slots=True)  # slots: millions of them in a 100× index (issue 15)
class ProjectFact:
    """One project of a candidate, as evidence."""

    id: str
    title: str
    role: str  # "lead" or "member"
    start_year: int | None = None
    end_year: int | None = None
    amount_wan: float | None = None
    fund_type: str | None = None


@dataclass(frozen=True)
class FieldPath:
    """One way a candidate reaches a field the demand needs, for scoring and explanation.

    ``via`` lists the node ids from the demand's field to the expert, e.g.
    ``("nsfc:E0207", "nsfc:E02", "expert:…")`` or ``("nsfc:E0207", "nsfc:31730001", "expert:…")``.
    """

    demand_field: str
    demand_weight: float  # NEEDS.weight
    expert_field: str
    similarity: float  # 1 for the same field, decayed along SUBFIELD_OF / RELATED_TO
    expert_weight: float  # EXPERT_IN.weight, or a project's contribution
    kind: str  # "expert_in" or "project"
    via: tuple[str, ...] = ()
    field_hops: tuple[str, ...] = ()  # "parent" / "child" / "related" for each field-to-field step in via
    role: str = ""  # for kind "project": "lead" or "member"
    basis: str = ""  # graph.model.CLASS_BASIS: rests on a printed 中图分类号 alone (not direct evidence); REVIEW_BASIS: checked by hand

    @property
    def strength(self) -> float:
        """How much this path supports the match: the product of its three weights."""
        return self.demand_weight * self.similarity * self.expert_weight


@dataclass(frozen=True)
class DemandFacts:
    """What the demand asks for."""

    id: str
    text: str
    fields: Mapping[str, float]  # field id -> NEEDS weight
    year: int  # the reference year for recency: the posted year, else "this year" (workflow.common.this_year)
    region_ids: frozenset[str] = frozenset()  # the enterprise's city and province ids
    province_id: str | None = None
    city_id: str | None = None
    excluded_experts: frozenset[str] = frozenset()
    excluded_institutions: frozenset[str] = frozenset()  # conflict of interest: ties to the enterprise
    declined: Mapping[str, str] = field(default_factory=dict)  # expert id -> why (declined push, 不采纳)
    enterprise_ids: frozenset[str] = frozenset()  # who posted it


@dataclass(frozen=True)
class CandidateFacts:
    """Everything the graph says about one candidate expert, as plain data."""

    id: str
    name: str
    institution_id: str | None = None
    institution_name: str | None = None
    province_id: str | None = None
    city_id: str | None = None
    paths: tuple[FieldPath, ...] = ()
    projects: tuple[ProjectFact, ...] = ()
    keywords: tuple[str, ...] = ()
    research: tuple[str, ...] = ()  # an academician's research sentences (academy biography): matched, never vouching
    text_score: float = 0.0  # text relevance in [0, 1], computed by recommend.text
    semantic_score: float = 0.0  # latent-space similarity in [0, 1] (recommend.semantics); 0 without the model
    retrieval_score: float = 0.0  # whole-graph text index score / the query's best over every expert (recommend.retrieval)
    activity_score: float = 0.0  # the activity prior on a log scale in [0, 1] (:func:`activity`); 0 without one
    in_expert_pool: bool = False
    talent_titles: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()  # national programmes whose projects the expert leads (科技计划项目承担者)
    active_load: int = 0  # projects running in the reference year + unanswered pushes + active dispatches
    tied_to_enterprise: bool = False  # conflict of interest: works for the enterprise
    served_enterprise: int = 0  # 科技专员 dispatches to this demand's enterprise (a fact shown, not a conflict)


@dataclass(frozen=True)
class ScoredExpert:
    """A candidate with its score and each component's weighted contribution."""

    facts: CandidateFacts
    score: float
    components: Mapping[str, float]  # raw component values in [0, 1]
    contributions: Mapping[str, float]  # weight × component
    covered_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        """The expert's id."""
        return self.facts.id


def field_match(paths: Sequence[FieldPath], demand_fields: Mapping[str, float]) -> float:
    """How well the candidate's fields cover the demand's, in [0, 1].

    For each field the demand needs, take the strongest path reaching it; the match
    is the NEEDS-weighted mean of those, so covering every needed field fully gives 1.

    >>> p = FieldPath("f1", 1.0, "f1", 1.0, 1.0, "expert_in")
    >>> field_match([p], {"f1": 1.0, "f2": 1.0})
    0.5
    >>> field_match([], {})
    0.0
    """
    total = sum(demand_fields.values())
    if total <= 0:
        return 0.0
    best: dict[str, float] = {}
    for p in paths:
        best[p.demand_field] = max(best.get(p.demand_field, 0.0), p.similarity * min(p.expert_weight, 1.0))
    return min(1.0, sum(demand_fields.get(f, 0.0) * s for f, s in best.items()) / total)


def evidence(projects: Sequence[ProjectFact], *, year: int, half_life: float, saturation: float,
             grant_scale_wan: float, member_share: float) -> float:
    """Project evidence in [0, 1): recency-weighted count, larger grants counting more.

    Each project weighs ``0.5 ** (age / half_life)`` × ``(1 + log10(1 + amount / grant_scale_wan))``
    (with the default 50 万元 scale a 50-万元 grant counts about 1.3); leading counts fully,
    membership ``member_share``. The sum ``s`` becomes ``1 - exp(-s / saturation)``.

    >>> one = [ProjectFact("p", "t", "lead", 2026, None, 0.0)]
    >>> round(evidence(one, year=2026, half_life=5, saturation=1, grant_scale_wan=50, member_share=0.5), 3)
    0.632
    >>> evidence([], year=2026, half_life=5, saturation=3, grant_scale_wan=50, member_share=0.5)
    0.0
    """
    total = 0.0
    for p in projects:
        age = max(0, year - p.start_year) if p.start_year else half_life * 2
        size = 1.0 + math.log10(1.0 + (p.amount_wan or 0.0) / grant_scale_wan)
        role = 1.0 if p.role == "lead" else member_share
        total += (0.5 ** (age / half_life)) * size * role
    return 1.0 - math.exp(-total / saturation) if saturation > 0 else 0.0


def expert_types(facts: CandidateFacts) -> tuple[str, ...]:
    """The :data:`EXPERT_TYPES` the candidate is, in that order.

    >>> expert_types(CandidateFacts("e", "张伟", talent_titles=("中国工程院院士",), programmes=("国家重点研发计划",)))
    ('人才计划入选者', '科技计划项目承担者')
    """
    found = []
    if facts.talent_titles or any(p.fund_type in TALENT_FUND_TYPES for p in facts.projects):
        found.append(EXPERT_TYPES[0])
    if facts.programmes:
        found.append(EXPERT_TYPES[1])
    if any(p.role == "lead" and p.id.startswith("nsfc:") for p in facts.projects):
        found.append(EXPERT_TYPES[2])
    if facts.in_expert_pool:
        found.append(EXPERT_TYPES[3])
    return tuple(found)


def expert_type(facts: CandidateFacts, *, lead: float, talent: float, pool: float) -> float:
    """Expert type in [0, 1]: project PI or programme project leader ``lead``, talent programme + ``talent``,
    expert pool + ``pool`` (by default 0.5, 0.3 and 0.2: settings ``type_lead``, ``type_talent``, ``type_pool``).

    >>> expert_type(CandidateFacts("e", "张伟", in_expert_pool=True), lead=0.5, talent=0.3, pool=0.2)
    0.2
    >>> expert_type(CandidateFacts("e", "张伟", talent_titles=("中国科学院院士",), programmes=("国家重点研发计划",)),
    ...             lead=0.5, talent=0.3, pool=0.2)
    0.8
    """
    types = expert_types(facts)
    value = 0.0
    if any(p.role == "lead" for p in facts.projects) or EXPERT_TYPES[1] in types:
        value += lead
    if EXPERT_TYPES[0] in types:
        value += talent
    if EXPERT_TYPES[3] in types:
        value += pool
    return min(1.0, value)


def region_proximity(demand: DemandFacts, facts: CandidateFacts, *, same_province: float) -> float:
    """1 in the same city, ``same_province`` (setting ``region_same_province``, 0.6) in the same province, else 0.

    >>> d = DemandFacts("d", "", {}, 2026, province_id="region:330000", city_id="region:330100")
    >>> region_proximity(d, CandidateFacts("e", "x", province_id="region:330000"), same_province=0.6)
    0.6
    """
    if demand.city_id and facts.city_id == demand.city_id:
        return 1.0
    if demand.province_id and facts.province_id == demand.province_id:
        return same_province
    return 0.0


def availability(active_load: int) -> float:
    """1 / (1 + load): an expert with nothing running is fully available.

    >>> availability(0), availability(3)
    (1.0, 0.25)
    """
    return 1.0 / (1.0 + max(0, active_load))


def activity_features(projects: Sequence[ProjectFact], year: int) -> tuple[int, int, int] | None:
    """(years since the last start, at most 8; projects, at most 4; 1 if one still runs in ``year``) from the
    projects (and papers) that started before ``year``; None without any. The features of the activity
    prior (:class:`recommend.retrieval.ActivityPrior`) and of :func:`activity`.

    >>> activity_features([ProjectFact("p", "t", "lead", 2010, 2013), ProjectFact("q", "t", "lead", 2012, 2016)], 2014)
    (2, 2, 1)
    >>> activity_features([ProjectFact("p", "t", "lead", 2015, 2018)], 2014) is None
    True
    """
    past = [p for p in projects if p.start_year is not None and p.start_year < year]
    if not past:
        return None
    last = max(p.start_year for p in past if p.start_year is not None)
    running = any((p.end_year or p.start_year or 0) >= year for p in past)
    return (min(year - last, 8), min(len(past), 4), int(running))


def activity(projects: Sequence[ProjectFact], year: int, rates: Mapping[tuple[int, int, int], float],
             base_rate: float) -> float:
    """How likely the expert starts a new project soon, on a log scale between the least and the most
    likely group of ``rates``, in [0, 1]: ``log(rate / least) / log(most / least)`` with
    ``rate = rates[activity_features(projects, year)]`` (``base_rate`` for an unseen group or no project).
    ``rates`` are P(starts a project within two years | features), estimated from the graph's own history
    (:func:`recommend.retrieval.fit_activity_prior`); a log scale because the index adds the log prior
    to its text score. No rates, or all equal, give 0.

    >>> rates = {(3, 1, 0): 0.4, (1, 1, 1): 0.1, (8, 1, 0): 0.025}
    >>> activity([ProjectFact("p", "t", "lead", 2011, 2013)], 2014, rates, 0.2)
    1.0
    >>> activity([ProjectFact("p", "t", "lead", 2013, 2016)], 2014, rates, 0.2)
    0.5
    >>> activity([], 2014, rates, 0.2), activity([], 2014, {}, 0.2)
    (0.75, 0.0)
    """
    values = [*rates.values(), base_rate]
    least, most = min(values), max(values)
    if least <= 0 or most <= least:
        return 0.0
    f = activity_features(projects, year)
    rate = rates.get(f, base_rate) if f is not None else base_rate
    return max(0.0, min(1.0, math.log(rate / least) / math.log(most / least)))


def retrieval(score: float) -> float:
    """The whole-graph text index score of the expert for this demand, already divided by the best
    over every indexed expert (:meth:`recommend.retrieval.ExpertIndex.text_scores`), clipped to [0, 1].

    >>> retrieval(0.5), retrieval(1.2), retrieval(-0.1)
    (0.5, 1.0, 0.0)
    """
    return max(0.0, min(1.0, score))


@lru_cache(maxsize=1 << 16)
def _grams(text: str) -> frozenset[str]:
    return frozenset(cjk_bigrams(text))


def title_match(text: str, titles: Sequence[str]) -> float:
    """How closely one single title matches the text, in [0, 1]: the best Dice overlap
    ``2|A ∩ B| / (|A| + |B|)`` between the text's character bigrams (:func:`cjk_bigrams`) and one title's.
    A profile sums its titles (``text``, ``retrieval``); this asks whether one project or paper is about
    the demand (expert finding's document model beside the candidate model, Balog et al., SIGIR 2006).

    >>> title_match("锂电池正极材料", ["城市交通治理", "锂电池正极材料的制备"])
    0.8
    >>> title_match("锂电池", []), title_match("", ["锂电池"])
    (0.0, 0.0)
    """
    query = _grams(text)
    if not query:
        return 0.0
    best = 0
    best_size = 1
    for title in titles:
        grams = _grams(title)
        shared = len(query & grams)
        if shared and shared * best_size > best * (len(query) + len(grams)):
            best, best_size = shared, len(query) + len(grams)
    return 2.0 * best / best_size if best else 0.0


WORK_MATCH_MIN = 0.2
"""A project or paper title "matches" the demand when its bigram Dice overlap with the demand text
(:func:`title_match` for one title) is at least this (two shared bigrams out of about ten each)."""


def work_matches(text: str, projects: Sequence[ProjectFact], *, min_match: float = WORK_MATCH_MIN
                 ) -> list[tuple[float, int | None]]:
    """(Dice overlap, start year) of each distinct work (project or paper title; the same title once, with its
    latest year) whose title matches ``text`` by at least ``min_match``; best first.

    >>> works = [ProjectFact("p", "锂电池正极材料的制备", "lead", 2012), ProjectFact("q", "城市交通治理", "lead", 2015),
    ...          ProjectFact("r", "锂电池正极材料的制备", "paper", 2014)]
    >>> work_matches("锂电池正极材料", works)
    [(0.8, 2014)]
    """
    best: dict[str, tuple[float, int | None]] = {}
    for p in projects:
        if not p.title:
            continue
        dice = title_match(text, [p.title])
        if dice < min_match:
            continue
        seen = best.get(p.title)
        year = p.start_year if seen is None else max((y for y in (seen[1], p.start_year) if y is not None), default=None)
        best[p.title] = (dice, year)
    return sorted(best.values(), key=lambda dy: (-dy[0], -(dy[1] or 0)))


def recent_match(text: str, projects: Sequence[ProjectFact], *, year: int, half_life: float,
                 min_match: float = WORK_MATCH_MIN) -> float:
    """Recency-weighted text evidence in [0, 1): each matching work (:func:`work_matches`) adds its overlap
    × ``0.5 ** (age / half_life)`` (an undated work counts as ``2 × half_life`` old); the sum ``s`` becomes
    ``1 - exp(-s)``. Someone who works on the demand's topic now, not only a decade ago.

    >>> works = [ProjectFact("p", "锂电池正极材料的制备", "lead", 2016)]
    >>> round(recent_match("锂电池正极材料", works, year=2016, half_life=5), 3)
    0.551
    >>> round(recent_match("锂电池正极材料", works, year=2026, half_life=5), 3)
    0.181
    >>> recent_match("城市交通", works, year=2016, half_life=5)
    0.0
    """
    total = 0.0
    for dice, start in work_matches(text, projects, min_match=min_match):
        age = max(0, year - start) if start else 2 * half_life
        total += dice * 0.5 ** (age / half_life)
    return 1.0 - math.exp(-total)


# -- the score components: ONE table --------------------------------------------------------------
ComponentFn = Callable[[DemandFacts, CandidateFacts, Mapping[str, object]], float]


@dataclass(frozen=True)
class Component:
    """One score component: its name, Chinese label, default weight (the ``weight_<name>`` setting),
    what the weight setting means, the :class:`CandidateFacts` fields it reads, and its function
    ``(demand, candidate, settings) -> value in [0, 1]``.

    Adding a component is one row here plus its function: the weight setting
    (:mod:`recommend.config`), the explanation labels (:data:`COMPONENT_ZH`), the scores and the
    README table (:func:`components_markdown`) all derive from this table.
    """

    name: str
    zh: str
    weight: float
    help: str
    uses: tuple[str, ...]
    compute: ComponentFn


def _f(settings: Mapping[str, object], name: str) -> float:
    return float(settings[name])  # type: ignore[arg-type]


def _field(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return field_match(c.paths, demand.fields)


def _text(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return max(0.0, min(1.0, c.text_score))


def _semantic(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return max(0.0, min(1.0, c.semantic_score))


def _evidence(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return evidence(c.projects, year=demand.year, half_life=_f(settings, "evidence_half_life_years"),
                    saturation=_f(settings, "evidence_saturation"),
                    grant_scale_wan=_f(settings, "evidence_grant_scale_wan"),
                    member_share=_f(settings, "project_member_share"))


def _type(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return expert_type(c, lead=_f(settings, "type_lead"), talent=_f(settings, "type_talent"),
                       pool=_f(settings, "type_pool"))


def _region(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    if settings.get("region_mode") == "any":  # "不考虑": region neither filters nor scores
        return 0.0
    return region_proximity(demand, c, same_province=_f(settings, "region_same_province"))


def _availability(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return availability(c.active_load)


def _retrieval(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return retrieval(c.retrieval_score)


def _activity(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return max(0.0, min(1.0, c.activity_score))


def _title(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return title_match(demand.text, [p.title for p in c.projects])


def _recent(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return recent_match(demand.text, c.projects, year=demand.year, half_life=_f(settings, "evidence_half_life_years"))


COMPONENT_TABLE: tuple[Component, ...] = (
    Component("field", "领域匹配", 0.22, "需求所需领域与专家擅长领域的匹配度（含上下位与相关领域）", ("paths",), _field),
    Component("text", "文本相关", 0.156, "需求文本与专家项目、关键词的文本相关度（BM25，除以候选中的最高分；最高者也只匹配需求一小部分时按 text_floor_coverage 折减）",
              ("text_score", "keywords", "projects"), _text),
    Component("semantic", "语义相似", 0.125, "需求与专家资料在语义空间中的相似度（离线由 NSFC、论文、专利语料训练的 LSA，"
              "与 BM25 文本相关合成混合文本分；没有语义模型时为 0）", ("semantic_score", "keywords", "projects"), _semantic),
    Component("retrieval", "全库检索", 0.2, "全库文本检索（BM25，词加汉字二元组）的得分除以本需求在全部专家中的最高分（最高者也只匹配需求一小部分时按 retrieval_floor_coverage 折减）："
              "与其他专家相比有多相关（文本检索补充的候选与领域候选同样计分）", ("retrieval_score", "keywords", "projects"),
              _retrieval),
    Component("title", "单项匹配", 0.0, "与需求最接近的一个项目或论文名称的汉字二元组重合度（Dice）：整份资料之外，"
              "看是否有一项成果正是这个题目（人工权重为 0，由学习排序决定）", ("projects",), _title),
    Component("recent", "近期成果", 0.0, "与需求名称相符（字二元组 Dice ≥ 0.2）的项目或论文按新近程度加权之和（半衰期同项目证据）："
              "现在仍在做这个题目，而不只是多年前做过（人工权重为 0，由学习排序决定）", ("projects",), _recent),
    Component("evidence", "项目证据", 0.094, "项目证据：数量、新近程度与资助规模", ("projects",), _evidence),
    Component("activity", "活跃度", 0.05, "按图谱自身历史估计的近期承担新项目的可能性（距上一项目年数、项目数、是否在研），"
              "取对数后在最不活跃与最活跃一组之间归一到 0–1", ("activity_score", "projects"), _activity),
    Component("type", "专家类型", 0.031, "专家类型：项目负责人（含科技计划项目承担者）、人才计划、专家库成员",
              ("projects", "talent_titles", "programmes", "in_expert_pool"), _type),
    Component("region", "地域邻近", 0.062, "地域邻近：同城、同省", ("city_id", "province_id"), _region),
    Component("availability", "可用性", 0.062, "当前负荷越低越可用（在研项目、待处理推送）", ("active_load",), _availability),
)
"""The score components in display order (see :class:`Component`)."""

COMPONENTS: tuple[str, ...] = tuple(c.name for c in COMPONENT_TABLE)
"""Score component names, in display order; each has a ``weight_<name>`` setting."""
COMPONENT_ZH: dict[str, str] = {c.name: c.zh for c in COMPONENT_TABLE}
"""Each component's Chinese label, as the explanations show it."""


def components_markdown() -> str:
    """The README's table of score components (a test checks README.md contains it verbatim)."""
    lines = ["| 分项 | 中文名 | 权重参数 | 默认权重 | 使用的专家事实 |", "|---|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.zh} | `weight_{c.name}` | `{c.weight}` | {'、'.join(f'`{u}`' for u in c.uses)} |"
              for c in COMPONENT_TABLE]
    return "\n".join(lines)


def score_candidates(demand: DemandFacts, candidates: Sequence[CandidateFacts],
                     settings: Mapping[str, object]) -> list[ScoredExpert]:
    """Score every candidate with each row of :data:`COMPONENT_TABLE`; sorted by score (desc), then id,
    so ties are stable. A demand field counts as covered when a path reaches it with a match of at
    least ``covered_min_match``."""
    weights = {c.name: _f(settings, f"weight_{c.name}") for c in COMPONENT_TABLE}
    covered_min = _f(settings, "covered_min_match")
    scored = []
    for facts in candidates:
        components = {c.name: c.compute(demand, facts, settings) for c in COMPONENT_TABLE}
        contributions = {c: weights[c] * v for c, v in components.items()}
        covered = frozenset(p.demand_field for p in facts.paths
                            if p.similarity * min(p.expert_weight, 1.0) >= covered_min)
        scored.append(ScoredExpert(facts, sum(contributions.values()), components, contributions, covered))
    scored.sort(key=lambda s: (-s.score, s.id))
    return scored


def apply_filters(demand: DemandFacts, candidates: Sequence[CandidateFacts],
                  settings: Mapping[str, object]) -> tuple[list[CandidateFacts], dict[str, str]]:
    """Drop candidates the officer must not see; returns (kept, {expert id: Chinese reason}).

    Conflict of interest (the expert's institution is tied to the enterprise, or the
    expert has prior ties to it), the exclusion list, experts who declined this demand's
    push or whom the officer marked 不采纳 for it, the maximum load, and
    ``region_mode == "only"`` (same province only; ``"any"`` ignores region here and in the score), and
    ``expert_type`` (only experts of that type).
    """
    kept: list[CandidateFacts] = []
    excluded: dict[str, str] = {}
    max_load = int(settings["max_load"])  # type: ignore[arg-type]
    for c in candidates:
        if c.id in demand.excluded_experts:
            excluded[c.id] = "在排除名单中"
        elif c.id in demand.declined:
            excluded[c.id] = demand.declined[c.id]
        elif c.tied_to_enterprise or (c.institution_id and c.institution_id in demand.excluded_institutions):
            excluded[c.id] = "利益冲突：与需求企业存在关联"
        elif max_load and c.active_load > max_load:
            excluded[c.id] = f"当前负荷 {c.active_load} 超过上限 {max_load}"
        elif settings["region_mode"] == "only" and demand.province_id and c.province_id != demand.province_id:
            excluded[c.id] = "不在需求企业所在省份"
        elif settings.get("expert_type") and settings["expert_type"] not in expert_types(c):
            excluded[c.id] = f"不是{settings['expert_type']}"
        else:
            kept.append(c)
    return kept, excluded


def works_key(facts: CandidateFacts) -> frozenset[str] | None:
    """The expert's body of evidence: the ids of every project and paper their record holds (None without any,
    e.g. an academician known by the academy biography alone, who is never grouped with anyone)."""
    return frozenset(p.id for p in facts.projects) or None


def diversify(ranked: Sequence[ScoredExpert], *, k: int, max_per_institution: int,
              max_same_evidence: int = 0) -> list[ScoredExpert]:
    """The top ``k`` with at most ``max_per_institution`` from one institution and at most ``max_same_evidence``
    with the same body of evidence (:func:`works_key`: co-authors of the same papers and projects, nothing else).

    Greedy in score order; experts skipped by either rule fill the list only if too few others remain. A limit of 0
    switches its rule off, so ``max_per_institution=0`` (and the default ``max_same_evidence``) keeps the ranking.

    >>> a, b, c = (ScoredExpert(CandidateFacts(i, i, institution_id="u", projects=(ProjectFact(w, "t", "paper"),)), 1, {}, {})
    ...            for i, w in (("a", "p1"), ("b", "p1"), ("c", "p2")))
    >>> [s.id for s in diversify([a, b, c], k=2, max_per_institution=0, max_same_evidence=1)]
    ['a', 'c']
    >>> [s.id for s in diversify([a, b, c], k=3, max_per_institution=0, max_same_evidence=1)]
    ['a', 'c', 'b']
    """
    if max_per_institution <= 0 and max_same_evidence <= 0:
        return list(ranked[:k])
    chosen: list[ScoredExpert] = []
    skipped: list[ScoredExpert] = []
    per_inst: dict[str, int] = {}
    per_works: dict[frozenset[str], int] = {}
    for s in ranked:
        if len(chosen) == k:
            break
        inst = s.facts.institution_id or f"(none:{s.id})"
        works = works_key(s.facts) if max_same_evidence > 0 else None
        if (0 < max_per_institution <= per_inst.get(inst, 0)) or \
                (works is not None and per_works.get(works, 0) >= max_same_evidence):
            skipped.append(s)
            continue
        per_inst[inst] = per_inst.get(inst, 0) + 1
        if works is not None:
            per_works[works] = per_works.get(works, 0) + 1
        chosen.append(s)
    chosen.extend(skipped[: k - len(chosen)])
    return chosen


def same_evidence(shown: Sequence[ScoredExpert], ranked: Sequence[ScoredExpert]) -> dict[str, tuple[ScoredExpert, ...]]:
    """For each shown expert, the listed candidates not shown whose body of evidence is the same (:func:`works_key`),
    in rank order: the co-authors :func:`diversify` set aside, named with the expert who stands for them.

    >>> a, b = (ScoredExpert(CandidateFacts(i, i, projects=(ProjectFact("p1", "t", "paper"),)), 1, {}, {}) for i in "ab")
    >>> [s.id for s in same_evidence([a], [a, b])["a"]]
    ['b']
    """
    ids = {s.id for s in shown}
    groups: dict[frozenset[str], list[ScoredExpert]] = {}
    for s in ranked:
        if s.id not in ids and (key := works_key(s.facts)) is not None:
            groups.setdefault(key, []).append(s)
    return {s.id: tuple(groups[key]) for s in shown if (key := works_key(s.facts)) is not None and key in groups}
