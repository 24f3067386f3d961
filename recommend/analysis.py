"""Supply–demand statistics by field and region, and small tables for analysts' notebooks.

Two steps, so the arithmetic is testable without a database:

1. :func:`read_supply_demand` reads plain data through :class:`~graph.store.GraphStore`:
   which fields each demand needs and where it is, which fields each expert is expert
   in (``EXPERT_IN``), and the field (``SUBFIELD_OF``) and region (``PART_OF``) trees.
2. Pure functions count over that :class:`SupplyDemandData` and return a :class:`Table`
   (Jupyter shows it as an escaped HTML table): :func:`demands_by_field_and_province`,
   :func:`experts_per_field`, :func:`supply_demand_gap`; :func:`busiest_field` picks a
   field worth drawing.

Counting rules (the same as ``GET /api/v1/stats/demands``): fields roll up to the top
of their taxonomy, regions to the province; a demand's regions are its own and its
enterprise's. A demand needing fields under two top-level fields counts once in each
row, so a row's 合计 counts distinct demands and may be less than the sum of its cells.

The ``*_table`` helpers turn one :class:`~recommend.engine.Recommendation` into tables
(facts, experts with score components, paths, teams vs RarestFirst), so a notebook only
calls functions; :func:`rows_table` shows rows given as dicts (e.g. :mod:`workflow.reports`) the same way.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.model import NODE_SPECS, REL_SPECS, Label, RelType
from graph.store import Counts, Direction, GraphStore, Neighbor, Node
from recommend.engine import Recommendation, TeamResult
from recommend.explain import COMPONENT_ZH
from recommend.scoring import COMPONENTS

__all__ = [
    "NO_FIELD",
    "NO_REGION",
    "OTHER_PROVINCES",
    "Table",
    "rows_table",
    "SupplyDemandData",
    "read_supply_demand",
    "roll_up",
    "demands_by_field_and_province",
    "experts_per_field",
    "supply_demand_gap",
    "busiest_field",
    "counts_table",
    "properties_table",
    "neighbors_table",
    "demand_table",
    "expert_table",
    "sentence_table",
    "path_table",
    "team_table",
    "explanation_paths",
]

NO_FIELD = "未关联领域"
NO_REGION = "未填写地区"
OTHER_PROVINCES = "其他省份"

_BATCH = 1000  # nodes per read: bounded queries on Neo4j, few round trips on the local store
_MAX_DEPTH = 32  # taxonomies are a few levels deep; a cycle in bad data must not loop forever


# -- the table every helper returns --------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Table:
    """A small table of plain values; Jupyter renders it with :meth:`_repr_html_`."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Table({self.title!r}, {len(self.rows)} 行 × {len(self.columns)} 列)"

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}`` dicts (for JSON or pandas)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """The values of one column, top to bottom."""
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def _repr_html_(self) -> str:
        """An HTML ``<table class="kg-table">``; every value is escaped text."""
        def cell(tag: str, value: Any) -> str:
            return f"<{tag}>{html.escape('' if value is None else str(value))}</{tag}>"

        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        head = "".join(cell("th", c) for c in self.columns)
        body = "".join("<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in self.rows)
        return f'<table class="kg-table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def rows_table(rows: Iterable[Mapping[str, Any]], columns: Iterable[Sequence[Any]], title: str = "") -> Table:
    """Rows given as dicts (e.g. a report's) as a :class:`Table` with Chinese headings.

    Parameters:
        rows: one dict per row; a key missing from a row is an empty cell, keys not in ``columns`` are left out.
        columns: ``(key, heading, …)`` per column, in order; items after the heading (such as the Excel
            width of :data:`workflow.reports.REPORTS` columns) are ignored.
        title: the table's caption.

    Returns:
        A :class:`Table` whose columns are the headings.

    Examples:
        >>> rows = [{"id": "e1", "solved": 2, "hours": 6.5}, {"id": "e2", "solved": 0}]
        >>> table = rows_table(rows, [("id", "编号"), ("solved", "解决需求（项）", 14)], "考核")
        >>> table.columns, table.rows
        (('编号', '解决需求（项）'), (('e1', 2), ('e2', 0)))
        >>> rows_table(rows, [("hours", "时长")]).rows
        ((6.5,), (None,))
    """
    columns = tuple(columns)
    keys = tuple(c[0] for c in columns)
    return Table(tuple(str(c[1]) for c in columns), tuple(tuple(row.get(k) for k in keys) for row in rows), title)


# -- plain data read through the store -----------------------------------------------------------
@dataclass(frozen=True)
class SupplyDemandData:
    """What the statistics are computed from: ids only, plus names and the two trees."""

    demand_fields: Mapping[str, frozenset[str]]  # demand id -> field ids it NEEDS
    demand_regions: Mapping[str, frozenset[str]]  # demand id -> its and its enterprise's region ids
    expert_fields: Mapping[str, frozenset[str]]  # expert id -> field ids it is EXPERT_IN
    field_parents: Mapping[str, str]  # field id -> parent field id (SUBFIELD_OF)
    region_parents: Mapping[str, str]  # region id -> parent region id (PART_OF)
    provinces: frozenset[str]  # region ids whose level is "province"
    field_names: Mapping[str, str]
    region_names: Mapping[str, str]


def _links(store: GraphStore, nodes: Sequence[Node], rel_types: Sequence[RelType],
           direction: Direction = Direction.OUT, labels: Sequence[Label] | None = None) -> dict[RelType, dict[str, set[str]]]:
    """For each relationship type, node id -> ids at the other end (of ``labels``), in batches."""
    found: dict[RelType, dict[str, set[str]]] = {t: defaultdict(set) for t in rel_types}
    for i in range(0, len(nodes), _BATCH):
        refs = [n.ref for n in nodes[i:i + _BATCH]]
        for ref, nb in store.expand(refs, direction=direction, rel_types=rel_types, labels=labels):
            found[nb.rel.type][ref.id].add(nb.node.id)
    return found


def read_supply_demand(store: GraphStore) -> SupplyDemandData:
    """Read every demand, expert, field and region link the statistics need (bulk reads only)."""
    demands = store.all_nodes(Label.DEMAND)
    experts = store.all_nodes(Label.EXPERT)
    fields = store.all_nodes(Label.FIELD)
    regions = store.all_nodes(Label.REGION)
    demand_links = _links(store, demands, [RelType.NEEDS, RelType.LOCATED_IN])
    posted_by = _links(store, demands, [RelType.POSTED], Direction.IN)[RelType.POSTED]
    enterprise_ids = sorted({e for es in posted_by.values() for e in es})
    enterprise_regions = _links(store, store.get_nodes(Label.ENTERPRISE, enterprise_ids),
                                [RelType.LOCATED_IN])[RelType.LOCATED_IN]
    demand_regions = {
        d.id: frozenset(demand_links[RelType.LOCATED_IN].get(d.id, set()).union(
            *(enterprise_regions.get(e, set()) for e in posted_by.get(d.id, ()))))
        for d in demands}
    expert_links = _links(store, experts, [RelType.EXPERT_IN])[RelType.EXPERT_IN]
    field_parents = _links(store, fields, [RelType.SUBFIELD_OF], labels=[Label.FIELD])[RelType.SUBFIELD_OF]
    region_parents = _links(store, regions, [RelType.PART_OF], labels=[Label.REGION])[RelType.PART_OF]
    return SupplyDemandData(
        demand_fields={d.id: frozenset(demand_links[RelType.NEEDS].get(d.id, ())) for d in demands},
        demand_regions=demand_regions,
        expert_fields={e.id: frozenset(expert_links.get(e.id, ())) for e in experts},
        field_parents={f: min(ps) for f, ps in field_parents.items()},  # a taxonomy is a tree: one parent
        region_parents={r: min(ps) for r, ps in region_parents.items()},
        provinces=frozenset(r.id for r in regions if r.props.get("level") == "province"),
        field_names={f.id: f.name for f in fields},
        region_names={r.id: r.name for r in regions},
    )


# -- pure statistics -----------------------------------------------------------------------------
def roll_up(node_id: str, parents: Mapping[str, str], *, stop: Collection[str] = ()) -> str:
    """The first of ``node_id`` and its ancestors that is in ``stop``, else the topmost ancestor.

    Follows ``parents`` at most 32 steps, so a cycle in bad data ends.

    >>> tree = {"county": "city", "city": "province", "province": "country"}
    >>> roll_up("county", tree), roll_up("county", tree, stop={"province"}), roll_up("x", tree)
    ('country', 'province', 'x')
    """
    current = node_id
    for _ in range(_MAX_DEPTH):
        if current in stop or current not in parents:
            break
        current = parents[current]
    return current


def _field_of(data: SupplyDemandData, rolled: bool) -> Callable[[str], str]:
    return (lambda f: roll_up(f, data.field_parents)) if rolled else (lambda f: f)


def _demands_per_field(data: SupplyDemandData, rolled: bool) -> dict[str | None, set[str]]:
    """Field id (``None``: no field) -> ids of the demands needing it (or a field under it)."""
    field_of = _field_of(data, rolled)
    out: dict[str | None, set[str]] = defaultdict(set)
    for demand, fields in data.demand_fields.items():
        for f in {field_of(f) for f in fields} or {None}:
            out[f].add(demand)
    return out


def _experts_per_field(data: SupplyDemandData, rolled: bool) -> dict[str | None, set[str]]:
    """Field id (``None``: no field) -> ids of the experts in it (or in a field under it)."""
    field_of = _field_of(data, rolled)
    out: dict[str | None, set[str]] = defaultdict(set)
    for expert, fields in data.expert_fields.items():
        for f in {field_of(f) for f in fields} or {None}:
            out[f].add(expert)
    return out


def _by_size(groups: Mapping[str | None, Collection[str]]) -> list[str | None]:
    """Keys by group size (largest first), then id; ``None`` last."""
    return sorted(groups, key=lambda k: (k is None, -len(groups[k]), k or ""))


def _level(rolled: bool) -> str:
    """How fields were counted, for table titles."""
    return "顶层技术领域" if rolled else "技术领域"


def _field_name(data: SupplyDemandData, field_id: str | None) -> str:
    return NO_FIELD if field_id is None else data.field_names.get(field_id, field_id)


def demands_by_field_and_province(data: SupplyDemandData, *, roll_up_fields: bool = True,
                                  max_provinces: int | None = None) -> Table:
    """Demands per (field, province): one row per field, one column per province.

    Parameters
    ----------
    roll_up_fields : count under the top-level field (True) or the field as linked (False).
    max_provinces : keep the provinces with most demands as columns and merge the rest
        into 其他省份 (distinct demands); ``None`` keeps all. 未填写地区 is always last.

    Returns
    -------
    Table : columns 领域编号, 技术领域, 合计, the provinces…; rows by 合计 descending, then
        id, 未关联领域 last. Every count is of distinct demands.

    Raises
    ------
    ValueError : ``max_provinces`` below 0.

    Examples
    --------
    >>> data = SupplyDemandData({"d1": frozenset({"f1"})}, {"d1": frozenset({"p1"})}, {}, {}, {},
    ...                         frozenset({"p1"}), {"f1": "储能"}, {"p1": "浙江省"})
    >>> demands_by_field_and_province(data).rows
    (('f1', '储能', 1, 1),)
    """
    if max_provinces is not None and max_provinces < 0:
        raise ValueError(f"max_provinces 应为不小于 0 的整数，实际为「{max_provinces}」")
    field_of = _field_of(data, roll_up_fields)
    cells: dict[str | None, dict[str | None, set[str]]] = defaultdict(lambda: defaultdict(set))
    per_province: dict[str | None, set[str]] = defaultdict(set)
    for demand, fields in data.demand_fields.items():
        places = {roll_up(r, data.region_parents, stop=data.provinces)
                  for r in data.demand_regions.get(demand, ())} or {None}
        for f in {field_of(f) for f in fields} or {None}:
            for p in places:
                cells[f][p].add(demand)
                per_province[p].add(demand)
    provinces = _by_size(per_province)
    unknown = [None] if None in per_province else []
    named = [p for p in provinces if p is not None]
    shown, rest = (named, []) if max_provinces is None else (named[:max_provinces], named[max_provinces:])
    columns = ("领域编号", "技术领域", "合计", *(data.region_names.get(p, p) for p in shown),
               *([OTHER_PROVINCES] if rest else []), *([NO_REGION] if unknown else []))
    totals = {f: set().union(*row.values()) for f, row in cells.items()}
    rows = []
    for f in _by_size(totals):
        row = cells[f]
        counts = [len(row.get(p, ())) for p in shown]
        if rest:
            counts.append(len(set().union(*(row.get(p, set()) for p in rest))))
        if unknown:
            counts.append(len(row.get(None, ())))
        rows.append((f, _field_name(data, f), len(totals[f]), *counts))
    return Table(columns, tuple(rows), f"需求按{_level(roll_up_fields)} × 省份分布")


def experts_per_field(data: SupplyDemandData, *, roll_up_fields: bool = True) -> Table:
    """Distinct experts per field (``EXPERT_IN``, under the top-level field when rolled up).

    >>> data = SupplyDemandData({}, {}, {"e1": frozenset({"f1"}), "e2": frozenset()}, {}, {}, frozenset(),
    ...                         {"f1": "储能"}, {})
    >>> experts_per_field(data).rows
    (('f1', '储能', 1), (None, '未关联领域', 1))
    """
    groups = _experts_per_field(data, roll_up_fields)
    rows = tuple((f, _field_name(data, f), len(groups[f])) for f in _by_size(groups))
    return Table(("领域编号", "技术领域", "专家数"), rows, f"各{_level(roll_up_fields)}的专家数")


def supply_demand_gap(data: SupplyDemandData, *, roll_up_fields: bool = True, min_demands: int = 1,
                      limit: int | None = None) -> Table:
    """Fields with many demands and few experts: 缺口指数 = 需求数 ÷ (专家数 + 1).

    The + 1 keeps fields without any expert finite (and ranks them by demand).

    Parameters
    ----------
    roll_up_fields : compare top-level fields (True) or fields as linked (False).
    min_demands : leave out fields needed by fewer demands.
    limit : at most this many rows (``None``: all).

    Returns
    -------
    Table : columns 领域编号, 技术领域, 需求数, 专家数, 缺口指数 (3 decimals); rows by
        缺口指数 descending, then 需求数 descending, then id. Demands without a field are
        not a field and are left out.

    Raises
    ------
    ValueError : ``min_demands`` or ``limit`` below 0.

    Examples
    --------
    >>> data = SupplyDemandData({"d1": frozenset({"f1"}), "d2": frozenset({"f1", "f2"})}, {},
    ...                         {"e1": frozenset({"f2"})}, {}, {}, frozenset(), {"f1": "储能", "f2": "电池"}, {})
    >>> supply_demand_gap(data).rows
    (('f1', '储能', 2, 0, 2.0), ('f2', '电池', 1, 1, 0.5))
    """
    if min_demands < 0 or (limit is not None and limit < 0):
        raise ValueError(f"min_demands 与 limit 应为不小于 0 的整数，实际为「{min_demands}」「{limit}」")
    demand_groups = _demands_per_field(data, roll_up_fields)
    expert_groups = _experts_per_field(data, roll_up_fields)
    rows = []
    for f, demands in demand_groups.items():
        if f is None or len(demands) < min_demands:
            continue
        n_experts = len(expert_groups.get(f, ()))
        rows.append((f, _field_name(data, f), len(demands), n_experts, round(len(demands) / (n_experts + 1), 3)))
    rows.sort(key=lambda r: (-r[4], -r[2], r[0]))
    return Table(("领域编号", "技术领域", "需求数", "专家数", "缺口指数"), tuple(rows[:limit]),
                 f"供需缺口（{_level(roll_up_fields)}）")


def busiest_field(data: SupplyDemandData, *, below_top: bool = True) -> str | None:
    """The field (as linked, not rolled up) needed by most demands among those with an expert.

    With ``below_top`` (default) the tops of taxonomies are skipped: they gather thousands
    of experts and draw as crowds. Ties go to more experts, then the smaller id; ``None``
    when no such field exists.

    >>> data = SupplyDemandData({"d1": frozenset({"f1", "f2"}), "d2": frozenset({"f1"})}, {},
    ...                         {"e1": frozenset({"f2"})}, {"f1": "f0", "f2": "f0"}, {}, frozenset(), {}, {})
    >>> busiest_field(data)
    'f2'
    """
    demand_groups = _demands_per_field(data, False)
    expert_groups = _experts_per_field(data, False)
    ranked = sorted((-len(demand_groups[f]), -len(expert_groups[f]), f) for f in demand_groups
                    if f is not None and expert_groups.get(f) and (f in data.field_parents or not below_top))
    return ranked[0][2] if ranked else None


def counts_table(counts: Counts) -> Table:
    """Nodes per label and relationships per type, with their Chinese names (``store.counts()``)."""
    rows = [("节点", NODE_SPECS[Label.parse(k)].zh, k, n) for k, n in counts.nodes.items()]
    rows += [("关系", REL_SPECS[RelType.parse(k)].zh, k, n) for k, n in counts.relationships.items()]
    return Table(("类别", "名称", "类型", "数量"), tuple(rows), "图谱规模")


# -- one recommendation as tables ------------------------------------------------------------------
def _text(value: Any) -> Any:
    """Lists joined with 、 for display; other values unchanged."""
    return "、".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def properties_table(node: Node) -> Table:
    """A stored node's properties, one per row (sorted by name; lists joined with 、)."""
    rows = (("编号", node.id), *((k, _text(v)) for k, v in sorted(node.props.items())))
    return Table(("属性", "值"), tuple(rows), f"{NODE_SPECS[node.label].zh}：{node.name}")


def neighbors_table(neighbors: Sequence[Neighbor]) -> Table:
    """A node's relationships (``store.neighbors(...)``): relation and node type in Chinese, direction, id, name."""
    rows = tuple((REL_SPECS[nb.rel.type].zh, "指向" if nb.direction is Direction.OUT else "来自",
                  NODE_SPECS[nb.node.label].zh, nb.node.id, nb.node.name) for nb in neighbors)
    return Table(("关系", "方向", "类型", "编号", "名称"), rows, "相连的节点")


def demand_table(rec: Recommendation) -> Table:
    """What the recommender understood of the demand: fields with NEEDS weights, place, year, candidates."""
    d = rec.demand
    fields = "、".join(f"{rec.field_names.get(f, f)}（{w:g}）"
                      for f, w in sorted(d.fields.items(), key=lambda kv: (-kv[1], kv[0])))
    rows = (("需求编号", d.id), ("需求标题", rec.demand_name), ("所需领域（权重）", fields or NO_FIELD),
            ("所在省份", d.province_id or NO_REGION), ("所在城市", d.city_id or NO_REGION),
            ("参考年份", d.year), ("候选专家数", rec.candidates), ("排除专家数", len(rec.excluded)))
    return Table(("项目", "内容"), rows, "需求要点")


def expert_table(rec: Recommendation, *, contributions: bool = False) -> Table:
    """The recommended experts with each score component (in [0, 1]) or, with ``contributions``,
    each weight × component (they sum to 总分). Values rounded to 3 decimals."""
    rows = []
    for e in rec.experts:
        parts = e.scored.contributions if contributions else e.scored.components
        rows.append((e.rank, e.scored.facts.name, e.scored.facts.institution_name or "", round(e.scored.score, 3),
                     *(round(parts.get(c, 0.0), 3) for c in COMPONENTS)))
    kind = "加权贡献" if contributions else "分项得分"
    return Table(("名次", "专家", "单位", "总分", *(COMPONENT_ZH[c] for c in COMPONENTS)), tuple(rows),
                 f"推荐专家与{kind}")


def sentence_table(rec: Recommendation) -> Table:
    """Each recommended expert's Chinese explanation."""
    rows = tuple((e.rank, e.scored.facts.name, e.sentence) for e in rec.experts)
    return Table(("名次", "专家", "推荐理由"), rows, "推荐理由")


def path_table(rec: Recommendation) -> Table:
    """Each recommended expert's explanation paths, strongest first (strength rounded to 3 decimals)."""
    rows = tuple((e.rank, e.scored.facts.name, round(p.strength, 3), p.text()) for e in rec.experts for p in e.paths)
    return Table(("名次", "专家", "路径强度", "解释路径"), rows, "解释路径")


def _team_row(name: str, result: TeamResult) -> tuple[Any, ...]:
    t = result.team
    members = "、".join(f"{n}（牵头）" if i == t.leader else n for i, n, _ in result.members)
    return (name, members, round(t.coverage, 3), t.communication_cost, round(t.score, 3), result.sentence)


def team_table(rec: Recommendation) -> Table:
    """The alternative teams (方案 1, 2, …) and, last, the RarestFirst baseline team for comparison."""
    rows = [_team_row(f"方案 {n}", t) for n, t in enumerate(rec.teams, start=1)]
    if rec.rarest_first is not None:
        rows.append(_team_row("RarestFirst（对照）", rec.rarest_first))
    return Table(("方案", "成员", "覆盖度", "沟通代价", "得分", "说明"), tuple(rows), "推荐团队与 RarestFirst 对照")


def explanation_paths(rec: Recommendation, *, experts: int = 3) -> list[dict[str, Any]]:
    """The explanation paths of the top ``experts`` experts as plain dicts, for
    :func:`graph.visual.render_explanation` (paths share the demand node)."""
    return [p.as_dict() for e in rec.experts[:experts] for p in e.paths]

