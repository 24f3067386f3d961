"""The graph model: labels, relationship types and their rules, in one place.

This module is the single source of truth for the schema. No other module spells a
label or relationship type as a string literal: they take :class:`Label` and
:class:`RelType` members (which are ``str`` subclasses, so they go straight into
Cypher builders and JSON). Because labels and types cannot be Cypher parameters,
the Neo4j store only ever interpolates values that passed :func:`Label.parse` /
:func:`RelType.parse`.

Every node is keyed by ``(label, id)``: ``id`` is unique within its label
(a uniqueness constraint in ``schema.cypher``), so loading the same rows twice
changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph.errors import Msg, RowError

__all__ = [
    "Label",
    "RelType",
    "NodeSpec",
    "RelSpec",
    "NODE_SPECS",
    "REL_SPECS",
    "KEY",
    "VERSION",
    "CLASS_BASIS",
    "REVIEW_BASIS",
    "WORKFLOW_LABELS",
    "PLATFORM_KINDS",
    "node_errors",
    "rel_errors",
    "property_error",
    "demand_text",
]

KEY = "id"
"""The key property of every label."""

VERSION = "version"
"""The optimistic-concurrency counter of workflow nodes (see ``graph.store.Expect``)."""

CLASS_BASIS = "中图分类号"
"""``basis`` of a field link that rests only on a printed 中图分类号 read through the crosswalk (a paper's IN_FIELD,
and the EXPERT_IN its authors get from such links alone): it reaches experts, but the recommender does not count
it as direct evidence when deciding whether to abstain (:mod:`recommend.abstention`)."""

REVIEW_BASIS = "人工核验"
"""``basis`` of a paper's field link a person checked (:mod:`ingest.field_reviews`): direct evidence, and the
explanation says so (所属论文（人工核验）)."""


class Label(StrEnum):
    """Node labels of DESIGN.md."""

    ENTERPRISE = "Enterprise"
    DEMAND = "Demand"
    FIELD = "Field"
    INDUSTRY = "Industry"
    REGION = "Region"
    EXPERT = "Expert"
    TEAM = "Team"
    INSTITUTION = "Institution"
    PROJECT = "Project"
    PATENT = "Patent"
    PAPER = "Paper"
    ACHIEVEMENT = "Achievement"
    # workflow facts (the matchmaking programme): who was pushed what, dispatched where, paid how
    PUSH = "Push"
    CHALLENGE = "Challenge"
    BID = "Bid"
    DISPATCH = "Dispatch"
    SERVICE = "Service"
    VOUCHER = "Voucher"
    FEEDBACK = "Feedback"
    DELIVERY = "Delivery"
    # -- activities and training (issue 16): 大赛、路演、展示、宣讲、培训
    ACTIVITY = "Activity"
    # enterprise registry status (issue 16): 科技型中小企业 入库, 高新技术企业 certificate, 专精特新
    REGISTRATION = "Registration"
    # issue 16, platforms: 公共技术服务平台, 创新人才培养示范基地, 中试基地, 检验检测中心 (see PLATFORM_KINDS)
    PLATFORM = "Platform"

    def __str__(self) -> str:  # so f-strings and Cypher builders see "Expert"
        return self.value

    @classmethod
    def parse(cls, value: Any) -> Label:
        """The member named by ``value``; ``ValueError`` with a Chinese message otherwise."""
        try:
            return cls(value)
        except ValueError as err:
            raise ValueError(Msg.UNKNOWN_LABEL.format(value=value)) from err


class RelType(StrEnum):
    """Relationship types of DESIGN.md (direction matters; names are verbs)."""

    POSTED = "POSTED"
    NEEDS = "NEEDS"
    IN_INDUSTRY = "IN_INDUSTRY"
    LOCATED_IN = "LOCATED_IN"
    WORKS_AT = "WORKS_AT"
    EXPERT_IN = "EXPERT_IN"
    MEMBER_OF = "MEMBER_OF"
    LEADS = "LEADS"
    JOINS = "JOINS"
    IN_FIELD = "IN_FIELD"
    SUBFIELD_OF = "SUBFIELD_OF"
    PART_OF = "PART_OF"
    RELATED_TO = "RELATED_TO"
    COLLABORATES = "COLLABORATES"
    AUTHORED = "AUTHORED"
    DUPLICATE_OF = "DUPLICATE_OF"
    UNDERTAKES = "UNDERTAKES"
    # workflow facts
    ABOUT = "ABOUT"
    PUSHED_TO = "PUSHED_TO"
    SUBMITTED = "SUBMITTED"
    BIDS_ON = "BIDS_ON"
    AWARDED_TO = "AWARDED_TO"
    DISPATCHED = "DISPATCHED"
    SERVES = "SERVES"
    RECORDS = "RECORDS"
    ISSUED_TO = "ISSUED_TO"
    REDEEMED_FOR = "REDEEMED_FOR"
    CONCERNS = "CONCERNS"
    NOTIFIES = "NOTIFIES"
    # -- activities and training (issue 16)
    ENROLLED_IN = "ENROLLED_IN"
    COVERS = "COVERS"
    LAUNCHED = "LAUNCHED"
    # enterprise registry status (issue 16)
    HOLDS = "HOLDS"
    # issue 16, platforms
    HOSTED_BY = "HOSTED_BY"
    SERVES_FIELD = "SERVES_FIELD"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: Any) -> RelType:
        """The member named by ``value``; ``ValueError`` with a Chinese message otherwise."""
        try:
            return cls(value)
        except ValueError as err:
            raise ValueError(Msg.UNKNOWN_REL_TYPE.format(value=value)) from err


@dataclass(frozen=True)
class NodeSpec:
    """What a label requires: its Chinese name and the properties every node must have."""

    label: Label
    zh: str
    required: tuple[str, ...] = ("name",)


@dataclass(frozen=True)
class RelSpec:
    """Which labels a relationship type may connect, start to end."""

    type: RelType
    zh: str
    start: frozenset[Label]
    end: frozenset[Label]


def _labels(*labels: Label) -> frozenset[Label]:
    return frozenset(labels)


WORKFLOW_LABELS = (Label.PUSH, Label.CHALLENGE, Label.BID, Label.DISPATCH, Label.SERVICE, Label.VOUCHER,
                   Label.FEEDBACK, Label.DELIVERY)
"""Labels of workflow facts (written by :mod:`workflow`, never by loaders)."""

L = Label
NODE_SPECS: dict[Label, NodeSpec] = {
    s.label: s
    for s in (
        NodeSpec(L.ENTERPRISE, "企业"),
        NodeSpec(L.DEMAND, "技术需求", ("title",)),
        NodeSpec(L.FIELD, "技术领域", ("name", "scheme")),
        NodeSpec(L.INDUSTRY, "行业"),
        NodeSpec(L.REGION, "地区"),
        NodeSpec(L.EXPERT, "专家"),
        NodeSpec(L.TEAM, "专家团队"),
        NodeSpec(L.INSTITUTION, "机构"),
        NodeSpec(L.PROJECT, "项目", ("title",)),
        NodeSpec(L.PATENT, "专利", ("title",)),
        NodeSpec(L.PAPER, "论文", ("title",)),
        NodeSpec(L.ACHIEVEMENT, "成果", ("title",)),
        NodeSpec(L.PUSH, "需求推送", ("status", "created_at", "version")),
        NodeSpec(L.CHALLENGE, "揭榜榜单", ("title", "status", "created_at", "version")),
        NodeSpec(L.BID, "揭榜方案", ("status", "created_at", "version")),
        NodeSpec(L.DISPATCH, "科技专员派驻", ("service_type", "start_date", "end_date", "status", "version")),
        NodeSpec(L.SERVICE, "服务记录", ("service_type", "date", "hours", "version")),
        NodeSpec(L.VOUCHER, "科技创新券", ("amount", "balance", "status", "version")),
        NodeSpec(L.FEEDBACK, "推荐反馈", ("verdict", "created_at")),
        NodeSpec(L.DELIVERY, "推送投递", ("event", "status", "created_at", "version")),
        # enterprise registry status (issue 16): one node per registration (a year's 入库, a certificate)
        NodeSpec(L.REGISTRATION, "企业资质", ("kind", "number", "year")),
    )
}

_OUTPUTS = _labels(L.PATENT, L.PAPER, L.ACHIEVEMENT)
_SOLVERS = _labels(L.EXPERT, L.TEAM)
R = RelType
REL_SPECS: dict[RelType, RelSpec] = {
    s.type: s
    for s in (
        RelSpec(R.POSTED, "发布", _labels(L.ENTERPRISE), _labels(L.DEMAND)),
        RelSpec(R.NEEDS, "需要", _labels(L.DEMAND), _labels(L.FIELD)),
        RelSpec(R.IN_INDUSTRY, "属于行业", _labels(L.ENTERPRISE, L.DEMAND), _labels(L.INDUSTRY)),
        RelSpec(R.LOCATED_IN, "位于", _labels(L.ENTERPRISE, L.INSTITUTION, L.DEMAND), _labels(L.REGION)),
        RelSpec(R.WORKS_AT, "就职于", _labels(L.EXPERT), _labels(L.INSTITUTION)),
        RelSpec(R.EXPERT_IN, "擅长", _labels(L.EXPERT), _labels(L.FIELD)),
        RelSpec(R.MEMBER_OF, "成员", _labels(L.EXPERT), _labels(L.TEAM)),
        RelSpec(R.LEADS, "主持", _labels(L.EXPERT), _labels(L.PROJECT)),
        RelSpec(R.JOINS, "参与", _labels(L.EXPERT), _labels(L.PROJECT)),
        RelSpec(R.IN_FIELD, "所属领域", _labels(L.PROJECT, *_OUTPUTS), _labels(L.FIELD)),
        RelSpec(R.SUBFIELD_OF, "下级领域", _labels(L.FIELD), _labels(L.FIELD)),
        RelSpec(R.PART_OF, "隶属", _labels(L.REGION, L.INDUSTRY), _labels(L.REGION, L.INDUSTRY)),
        RelSpec(R.RELATED_TO, "相关领域", _labels(L.FIELD), _labels(L.FIELD)),
        RelSpec(R.COLLABORATES, "合作", _labels(L.EXPERT), _labels(L.EXPERT)),
        RelSpec(R.AUTHORED, "产出", _labels(L.EXPERT, L.TEAM), _OUTPUTS),
        RelSpec(R.DUPLICATE_OF, "疑似重复", _labels(L.DEMAND), _labels(L.DEMAND)),
        RelSpec(R.UNDERTAKES, "承担", _labels(L.ENTERPRISE), _labels(L.PROJECT)),
        RelSpec(R.ABOUT, "针对需求", _labels(L.PUSH, L.CHALLENGE, L.DISPATCH, L.SERVICE, L.FEEDBACK),
                _labels(L.DEMAND)),
        RelSpec(R.PUSHED_TO, "推送给", _labels(L.PUSH), _SOLVERS),
        RelSpec(R.SUBMITTED, "提交", _SOLVERS, _labels(L.BID)),
        RelSpec(R.BIDS_ON, "揭榜", _labels(L.BID), _labels(L.CHALLENGE)),
        RelSpec(R.AWARDED_TO, "由其揭榜", _labels(L.CHALLENGE), _SOLVERS),
        RelSpec(R.DISPATCHED, "派出", _labels(L.DISPATCH), _labels(L.EXPERT)),
        RelSpec(R.SERVES, "服务企业", _labels(L.DISPATCH), _labels(L.ENTERPRISE)),
        RelSpec(R.RECORDS, "记录", _labels(L.SERVICE), _labels(L.DISPATCH)),
        RelSpec(R.ISSUED_TO, "发放给", _labels(L.VOUCHER), _labels(L.ENTERPRISE, L.EXPERT)),
        RelSpec(R.REDEEMED_FOR, "兑付", _labels(L.VOUCHER), _labels(L.SERVICE)),
        RelSpec(R.CONCERNS, "评价对象", _labels(L.FEEDBACK), _SOLVERS),
        RelSpec(R.NOTIFIES, "通知", _labels(L.DELIVERY), _labels(L.PUSH, L.CHALLENGE)),
        # enterprise registry status (issue 16)
        RelSpec(R.HOLDS, "持有资质", _labels(L.ENTERPRISE), _labels(L.REGISTRATION)),
    )
}

# -- activities and training (issue 16) ----------------------------------------------------------------
# An Activity (创新创业大赛, 项目路演, 高新技术展示, 政策宣讲, 创业辅导培训, 专项培训) is a workflow
# fact: officers publish it, enterprises and experts enrol (ENROLLED_IN carries the enrolment's
# status, attendance and outcome), it COVERS technical fields (for recommending it to enterprises)
# and may have LAUNCHED 揭榜 challenges.
NODE_SPECS[L.ACTIVITY] = NodeSpec(L.ACTIVITY, "创新活动", ("title", "kind", "status", "start_date", "version"))
REL_SPECS.update({
    R.ENROLLED_IN: RelSpec(R.ENROLLED_IN, "报名参加", _labels(L.ENTERPRISE, L.EXPERT), _labels(L.ACTIVITY)),
    R.COVERS: RelSpec(R.COVERS, "涉及领域", _labels(L.ACTIVITY), _labels(L.FIELD)),
    R.LAUNCHED: RelSpec(R.LAUNCHED, "发起揭榜", _labels(L.ACTIVITY), _labels(L.CHALLENGE)),
})
WORKFLOW_LABELS = (*WORKFLOW_LABELS, L.ACTIVITY)
del L, R

# -- issue 16, platforms: providers that are not people (services offered, equipment, fields served).
#    (Platform)-[:HOSTED_BY]->(Institution), (Platform)-[:SERVES_FIELD {weight, method}]->(Field),
#    (Platform)-[:LOCATED_IN]->(Region).
PLATFORM_KINDS = ("公共技术服务平台", "创新人才培养示范基地", "中试基地", "检验检测中心", "大型仪器共享平台",
                  "共性技术研发平台")
"""The kinds of platform an office lists (``Platform.kind``)."""

NODE_SPECS[Label.PLATFORM] = NodeSpec(Label.PLATFORM, "服务平台", ("name", "kind"))
REL_SPECS[RelType.HOSTED_BY] = RelSpec(RelType.HOSTED_BY, "依托单位", _labels(Label.PLATFORM),
                                       _labels(Label.INSTITUTION))
REL_SPECS[RelType.SERVES_FIELD] = RelSpec(RelType.SERVES_FIELD, "服务领域", _labels(Label.PLATFORM),
                                          _labels(Label.FIELD))
REL_SPECS[RelType.LOCATED_IN] = RelSpec(RelType.LOCATED_IN, REL_SPECS[RelType.LOCATED_IN].zh,
                                        REL_SPECS[RelType.LOCATED_IN].start | {Label.PLATFORM},
                                        REL_SPECS[RelType.LOCATED_IN].end)
# A platform is pushed demands and dispatched to enterprises like an expert (issue 16, services to platforms):
#    (Push)-[:PUSHED_TO]->(Platform), (Dispatch)-[:DISPATCHED]->(Platform).
for _type in (RelType.PUSHED_TO, RelType.DISPATCHED):
    REL_SPECS[_type] = RelSpec(_type, REL_SPECS[_type].zh, REL_SPECS[_type].start, REL_SPECS[_type].end | {Label.PLATFORM})
del _type

_SCALARS = (str, int, float, bool)
_EXACT_OK = frozenset({str, int, bool})  # always storable (a float may be NaN)


def property_error(value: Any) -> str | None:
    """Why ``value`` cannot be stored as a property (Chinese), or ``None`` if it can.

    Both stores accept exactly what Neo4j accepts: a string, integer, float or
    boolean, or a list of one of those types. ``None`` is accepted and means
    "remove this property" on upsert.

    >>> property_error(["锂电池", "正极材料"]) is None
    True
    >>> property_error({"a": 1})
    '应为文本、数字、布尔值或它们的列表，实际为「dict」'
    """
    if value is None or type(value) in _EXACT_OK:  # the common case, before the general checks
        return None
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and value != value:  # NaN never round-trips
            return Msg.BAD_TYPE.format(expected="数字", value="NaN")
        return None
    if isinstance(value, (list, tuple)):
        kinds = {bool if isinstance(v, bool) else (float if isinstance(v, (int, float)) else type(v))
                 for v in value}
        if all(isinstance(v, _SCALARS) for v in value) and len(kinds) <= 1:
            return None
        return Msg.BAD_TYPE.format(expected="同一类型的文本、数字或布尔值列表", value=value)
    return Msg.BAD_TYPE.format(expected="文本、数字、布尔值或它们的列表", value=type(value).__name__)


def demand_text(title: object, description: object = "") -> str:
    """A demand's text as everything that reads it sees it (the linker and its training, the recommender, duplicate
    detection, the intake form, the importer): the title, a new line, the description, each stripped; a missing or
    blank part is left out.

    >>> demand_text(" 锂电池正极 ", "高温循环衰减快")
    '锂电池正极\\n高温循环衰减快'
    >>> demand_text(None, "只有描述"), demand_text("只有标题", "  "), demand_text("", None)
    ('只有描述', '只有标题', '')
    """
    return "\n".join(part for part in (str(title or "").strip(), str(description or "").strip()) if part)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def node_errors(label: Label, row: Mapping[str, Any], *, row_no: int | None = None) -> list[RowError]:
    """Every problem with one node row of ``label`` (empty list when it is valid)."""
    spec = NODE_SPECS[label]
    errors: list[RowError] = []
    key = row.get(KEY)
    if _is_blank(key):
        errors.append(RowError(row_no, KEY, Msg.REQUIRED))
    elif not isinstance(key, str):
        errors.append(RowError(row_no, KEY, Msg.BAD_TYPE.format(expected="文本", value=key)))
    for name in spec.required:
        if _is_blank(row.get(name)):
            errors.append(RowError(row_no, name, Msg.REQUIRED))
    for name, value in row.items():
        why = property_error(value)
        if why:
            errors.append(RowError(row_no, name, why))
    return errors


def rel_errors(
    rel_type: RelType, start_label: Label, end_label: Label, row: Mapping[str, Any], *, row_no: int | None = None
) -> list[RowError]:
    """Every problem with one relationship row (``start`` and ``end`` ids plus properties)."""
    spec = REL_SPECS[rel_type]
    errors: list[RowError] = []
    if start_label not in spec.start or end_label not in spec.end:
        errors.append(
            RowError(row_no, "type", Msg.REL_ENDPOINT.format(rel=rel_type.value, start=start_label.value, end=end_label.value))
        )
    for end in ("start", "end"):
        value = row.get(end)
        if _is_blank(value):
            errors.append(RowError(row_no, end, Msg.REQUIRED))
        elif not isinstance(value, str):
            errors.append(RowError(row_no, end, Msg.BAD_TYPE.format(expected="文本", value=value)))
    for name, value in row.items():
        if name in ("start", "end"):
            continue
        why = property_error(value)
        if why:
            errors.append(RowError(row_no, name, why))
    return errors
