"""Supply and demand by technical field and region: the ONE definition behind ``GET /api/v1/stats/demands``,
the 统计看板 page and the notebooks.

Two steps, so the arithmetic is testable without a database:

1. :func:`read_supply_demand` reads plain data through :class:`~graph.store.GraphStore`: which fields
   each demand needs and where it is, which fields each expert is expert in (``EXPERT_IN``), the
   field (``SUBFIELD_OF``) and region (``PART_OF``) trees and each demand's status.
2. Pure functions count over that :class:`SupplyDemandData`.

Counting rules (one definition, documented in README.md):

- **Where a demand is**: the regions it is located in, or — when it names none — its enterprise's
  (as :mod:`workflow.selection` selects demands and the reports count them), rolled up to the
  province (``PART_OF`` until a region whose level is ``province``).
- **Demand matrix** (:func:`demand_matrix`, :func:`demands_by_field_and_province`): fields roll up to
  the top of their taxonomy (depth :data:`MATRIX_DEPTH` = 1). A demand needing fields under two
  top-level fields counts once in each row; every total counts distinct demands.
- **Supply–demand gap** (:func:`gap_rows`, :func:`supply_demand_gap`): per field at depth
  :data:`GAP_DEPTH` = 2 (one below the top: the tops of taxonomies gather thousands of experts and
  say nothing), 缺口指数 = 需求数 ÷ (专家数 + 1), where 需求数 counts the demands needing the field or
  one below it and 专家数 the experts ``EXPERT_IN`` it or one below it (each counted once).
  Fields without any expert are flagged ``uncovered``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analytics.tables import NO_FIELD, NO_REGION, Table
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node

__all__ = [
    "NO_FIELD",
    "NO_REGION",
    "OTHER_PROVINCES",
    "MATRIX_DEPTH",
    "GAP_DEPTH",
    "SupplyDemandData",
    "read_supply_demand",
    "roll_up",
    "field_at_depth",
    "demand_provinces",
    "demand_matrix",
    "store_demand_matrix",
    "demands_by_field_and_province",
    "experts_per_field",
    "gap_rows",
    "supply_demand_gap",
    "busiest_field",
]

OTHER_PROVINCES = "其他省份"
MATRIX_DEPTH = 1
"""The field level of the demand matrix: the top of each taxonomy."""
GAP_DEPTH = 2
"""The field level of the supply–demand gap: one below the top."""

_BATCH = 1000  # nodes per read: bounded queries on Neo4j, few round trips on the local store
_MAX_DEPTH = 32  # taxonomies are a few levels deep; a cycle in bad data must not loop forever


# -- plain data read through the store -----------------------------------------------------------
@dataclass(frozen=True)
class SupplyDemandData:
    """What the statistics are computed from: ids only, plus names, statuses and the two trees."""

    demand_fields: Mapping[str, frozenset[str]]  # demand id -> field ids it NEEDS
    demand_regions: Mapping[str, frozenset[str]]  # demand id -> its region ids, else its enterprise's
    expert_fields: Mapping[str, frozenset[str]]  # expert id -> field ids it is EXPERT_IN
    field_parents: Mapping[str, str]  # field id -> parent field id (SUBFIELD_OF)
    region_parents: Mapping[str, str]  # region id -> parent region id (PART_OF)
    provinces: frozenset[str]  # region ids whose level is "province"
    field_names: Mapping[str, str]
    region_names: Mapping[str, str]
    demand_status: Mapping[str, str] = field(default_factory=dict)  # demand id -> status ("未填写")


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
        d.id: frozenset(demand_links[RelType.LOCATED_IN].get(d.id, set())
                        or set().union(*(enterprise_regions.get(e, set()) for e in posted_by.get(d.id, ()))))
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
        demand_status={d.id: str(d.props.get("status") or "未填写") for d in demands},
    )


# -- roll-ups ------------------------------------------------------------------------------------
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


def field_at_depth(field_id: str, parents: Mapping[str, str], depth: int) -> str:
    """The ancestor of ``field_id`` at ``depth`` (1: the top of its taxonomy), itself when it is shallower.

    >>> tree = {"a1": "a", "a11": "a1", "a111": "a11"}
    >>> [field_at_depth(f, tree, 2) for f in ("a111", "a11", "a1", "a")], field_at_depth("a111", tree, 1)
    (['a1', 'a1', 'a1', 'a'], 'a')
    """
    chain = [field_id]
    while chain[-1] in parents and len(chain) <= _MAX_DEPTH:
        chain.append(parents[chain[-1]])
    return chain[-depth] if len(chain) >= depth else chain[0]


def demand_provinces(data: SupplyDemandData) -> dict[str, frozenset[str | None]]:
    """Each demand's provinces (``None``: nowhere known)."""
    return {d: frozenset(roll_up(r, data.region_parents, stop=data.provinces)
                         for r in data.demand_regions.get(d, ())) or frozenset({None})
            for d in data.demand_fields}


def _per_field(links: Mapping[str, frozenset[str]], data: SupplyDemandData,
               depth: int) -> dict[str | None, set[str]]:
    """Field id at ``depth`` (``None``: no field) -> ids of the demands or experts linked to it or below."""
    out: dict[str | None, set[str]] = defaultdict(set)
    for node, fields in links.items():
        for f in {field_at_depth(f, data.field_parents, depth) for f in fields} or {None}:
            out[f].add(node)
    return out


def _by_size(groups: Mapping[str | None, Collection[str]]) -> list[str | None]:
    """Keys by group size (largest first), then id; ``None`` last."""
    return sorted(groups, key=lambda k: (k is None, -len(groups[k]), k or ""))


def _field_name(data: SupplyDemandData, field_id: str | None) -> str:
    if field_id is None:
        return NO_FIELD
    own = data.field_names.get(field_id, field_id)
    parent = data.field_parents.get(field_id)
    # Some taxonomies name their second level by its code only (nsfc2020 "C01"): say whose code it is.
    if parent is not None and own == field_id.split(":", 1)[-1]:
        return f"{data.field_names.get(parent, parent)} {own}"
    return own


def _level(depth: int) -> str:
    return {1: "顶层技术领域", 2: "二级技术领域", 3: "三级技术领域"}.get(depth, f"{depth} 级技术领域")


# -- the demand matrix -----------------------------------------------------------------------------
def _cells(data: SupplyDemandData) -> dict[str | None, dict[str | None, set[str]]]:
    """Top-level field -> province -> demand ids."""
    places = demand_provinces(data)
    cells: dict[str | None, dict[str | None, set[str]]] = defaultdict(lambda: defaultdict(set))
    for demand, fields in data.demand_fields.items():
        for f in {field_at_depth(f, data.field_parents, MATRIX_DEPTH) for f in fields} or {None}:
            for p in places[demand]:
                cells[f][p].add(demand)
    return cells


def demand_matrix(data: SupplyDemandData) -> dict[str, Any]:
    """Demands per (top-level field, province) and per status, as ``GET /api/v1/stats/demands`` returns
    them: ``fields`` and ``regions`` with distinct-demand counts (largest first; 未关联领域 and 未填写地区
    last), ``cells`` by field then region."""
    cells = _cells(data)
    per_field = {f: set().union(*row.values()) for f, row in cells.items()}
    per_region: dict[str | None, set[str]] = defaultdict(set)
    for row in cells.values():
        for p, ids in row.items():
            per_region[p].update(ids)

    def axis(groups: Mapping[str | None, set[str]], names: Mapping[str, str], missing: str) -> list[dict[str, Any]]:
        return [{"id": k, "name": names.get(k, k) if k else missing, "count": len(groups[k])} for k in _by_size(groups)]

    status: dict[str, int] = defaultdict(int)
    for s in data.demand_status.values():
        status[s] += 1
    return {
        "total": len(data.demand_fields),
        "by_status": [{"status": s, "count": n} for s, n in sorted(status.items(), key=lambda kv: (-kv[1], kv[0]))],
        "fields": axis(per_field, data.field_names, NO_FIELD),
        "regions": axis(per_region, data.region_names, NO_REGION),
        "cells": [{"field": f, "region": r, "count": len(ids)}
                  for f, row in sorted(cells.items(), key=lambda kv: kv[0] or "~")
                  for r, ids in sorted(row.items(), key=lambda kv: kv[0] or "~")],
    }


def demands_by_field_and_province(data: SupplyDemandData, *, max_provinces: int | None = None) -> Table:
    """:func:`demand_matrix` as a table: one row per top-level field, one column per province.

    Parameters
    ----------
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
    cells = _cells(data)
    per_province: dict[str | None, set[str]] = defaultdict(set)
    for row in cells.values():
        for p, ids in row.items():
            per_province[p].update(ids)
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
    return Table(columns, tuple(rows), f"需求按{_level(MATRIX_DEPTH)} × 省份分布")


def experts_per_field(data: SupplyDemandData, *, depth: int = MATRIX_DEPTH) -> Table:
    """Distinct experts per field at ``depth`` (``EXPERT_IN`` the field or one below it).

    >>> data = SupplyDemandData({}, {}, {"e1": frozenset({"f1"}), "e2": frozenset()}, {}, {}, frozenset(),
    ...                         {"f1": "储能"}, {})
    >>> experts_per_field(data).rows
    (('f1', '储能', 1), (None, '未关联领域', 1))
    """
    groups = _per_field(data.expert_fields, data, depth)
    rows = tuple((f, _field_name(data, f), len(groups[f])) for f in _by_size(groups))
    return Table(("领域编号", "技术领域", "专家数"), rows, f"各{_level(depth)}的专家数")


# -- the supply–demand gap -------------------------------------------------------------------------
def gap_rows(data: SupplyDemandData, *, depth: int = GAP_DEPTH) -> list[dict[str, Any]]:
    """Every field at ``depth`` that demands need: ``id``, ``name``, ``demands``, ``experts``, ``index``
    (缺口指数 = 需求数 ÷ (专家数 + 1), 3 decimals) and ``uncovered`` (no expert); by index descending,
    then demands descending, then id.

    >>> data = SupplyDemandData({"d1": frozenset({"f1"}), "d2": frozenset({"f1", "f2"})}, {},
    ...                         {"e1": frozenset({"f2"})}, {}, {}, frozenset(), {"f1": "储能", "f2": "电池"}, {})
    >>> [(r["id"], r["demands"], r["experts"], r["index"], r["uncovered"]) for r in gap_rows(data)]
    [('f1', 2, 0, 2.0, True), ('f2', 1, 1, 0.5, False)]
    """
    demands = _per_field(data.demand_fields, data, depth)
    experts = _per_field(data.expert_fields, data, depth)
    rows = []
    for f, needing in demands.items():
        if f is None:
            continue
        n_experts = len(experts.get(f, ()))
        rows.append({"id": f, "name": _field_name(data, f), "demands": len(needing), "experts": n_experts,
                     "index": round(len(needing) / (n_experts + 1), 3), "uncovered": n_experts == 0})
    rows.sort(key=lambda r: (-r["index"], -r["demands"], r["id"]))
    return rows


def supply_demand_gap(data: SupplyDemandData, *, depth: int = GAP_DEPTH, min_demands: int = 1,
                      limit: int | None = None) -> Table:
    """:func:`gap_rows` as a table: columns 领域编号, 技术领域, 需求数, 专家数, 缺口指数. ``depth`` other
    than :data:`GAP_DEPTH` looks closer (or wider) with the same index; the API and the pages use the default.

    Raises
    ------
    ValueError : ``depth`` below 1, ``min_demands`` or ``limit`` below 0.
    """
    if depth < 1:
        raise ValueError(f"depth 应为不小于 1 的整数，实际为「{depth}」")
    if min_demands < 0 or (limit is not None and limit < 0):
        raise ValueError(f"min_demands 与 limit 应为不小于 0 的整数，实际为「{min_demands}」「{limit}」")
    rows = [(r["id"], r["name"], r["demands"], r["experts"], r["index"]) for r in gap_rows(data, depth=depth)
            if r["demands"] >= min_demands]
    return Table(("领域编号", "技术领域", "需求数", "专家数", "缺口指数"), tuple(rows[:limit]),
                 f"供需缺口（{_level(depth)}）")


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
    demand_groups: dict[str, set[str]] = defaultdict(set)
    expert_groups: dict[str, set[str]] = defaultdict(set)
    for groups, links in ((demand_groups, data.demand_fields), (expert_groups, data.expert_fields)):
        for node, fields in links.items():
            for f in fields:
                groups[f].add(node)
    ranked = sorted((-len(demand_groups[f]), -len(expert_groups[f]), f) for f in demand_groups
                    if expert_groups.get(f) and (f in data.field_parents or not below_top))
    return ranked[0][2] if ranked else None


def store_demand_matrix(store: GraphStore) -> dict[str, Any]:
    """:func:`demand_matrix` of ``store`` as it is now: the matrix of ``GET /api/v1/stats/demands`` and of
    the statistics and demand pages (the app memoises it until the store's counts change)."""
    return demand_matrix(read_supply_demand(store))
