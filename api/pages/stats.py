"""统计看板: demands by field × province (a heat table), by status, and supply–demand gaps, as charts.

Charts are SVG drawn on the server by the Jinja templates from numbers computed here —
no chart library, nothing loaded at run time. The field × province matrix is the API's
(:func:`api.json.stats.demand_matrix`, shared memo). Gaps compare, per second-level
field (one below the top of its taxonomy), how many demands need it with how many
experts are ``EXPERT_IN`` it or any field below it, with the 缺口指数 of
:func:`recommend.analysis.supply_demand_gap` (需求数 ÷ (专家数 + 1)); fields without any
expert are listed apart.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint

from api.app import app_state
from api.auth import Permission, requires
from api.json.stats import demand_matrix
from api.pages.base import page_headers, render_page
from graph.model import NODE_SPECS, Label
from graph.store import GraphStore
from recommend.analysis import read_supply_demand

__all__ = ["bp", "HEAT_COLUMNS", "GAP_ROWS", "field_groups", "supply_demand", "gap_rows", "heat_table",
           "bar_chart"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_stats", __name__)
bp.after_request(page_headers)

HEAT_COLUMNS = 10
"""Provinces shown as columns of the heat table (the rest are summed in 其他地区)."""
GAP_ROWS = 15
"""Fields shown in the supply–demand gap chart."""
_MAX_DEPTH = 16
_HEAT_LEVELS = 5


def field_groups(parents: Mapping[str, str]) -> dict[str, str]:
    """Each field → its second-level ancestor (one below the root), or itself when it is a root.

    >>> field_groups({"a1": "a", "a11": "a1", "a111": "a11"})
    {'a1': 'a1', 'a11': 'a1', 'a111': 'a1', 'a': 'a'}
    """
    out: dict[str, str] = {}
    for start in [*parents, *sorted(set(parents.values()) - set(parents))]:
        chain = [start]
        while chain[-1] in parents and len(chain) <= _MAX_DEPTH:
            chain.append(parents[chain[-1]])
        out[start] = chain[-2] if len(chain) > 1 else chain[-1]
    return out


def gap_rows(demands: Mapping[str, set[str]], experts: Mapping[str, set[str]], names: Mapping[str, str], *,
             top: int = GAP_ROWS) -> dict[str, list[dict[str, Any]]]:
    """Fields needed by demands, split in two: ``short`` — fields with experts, by 缺口指数 (需求数 ÷
    (专家数 + 1), as :func:`recommend.analysis.supply_demand_gap`) descending, at most ``top`` — and
    ``uncovered`` — fields no expert is in, the most demands first (their index would only rank
    them by demand, and they would crowd out every field that has experts).

    >>> rows = gap_rows({"a": {"d1", "d2", "d3"}, "b": {"d1"}, "c": {"d3"}, "d": {"d4"}},
    ...                 {"a": {"e1"}, "b": set(), "d": {"e1", "e2"}}, {"a": "A", "b": "B", "c": "C", "d": "D"})
    >>> [(r["id"], r["index"]) for r in rows["short"]], [r["id"] for r in rows["uncovered"]]
    ([('a', 1.5), ('d', 0.333)], ['b', 'c'])
    """
    short, uncovered = [], []
    for fid, needing in demands.items():
        n_demands, n_experts = len(needing), len(experts.get(fid, ()))
        if not n_demands:
            continue
        row = {"id": fid, "name": names.get(fid, fid), "demands": n_demands, "experts": n_experts,
               "index": round(n_demands / (n_experts + 1), 3)}
        (short if n_experts else uncovered).append(row)
    short.sort(key=lambda r: (-r["index"], -r["demands"], r["id"]))
    uncovered.sort(key=lambda r: (-r["demands"], r["id"]))
    return {"short": short[:top], "uncovered": uncovered}


def supply_demand(store: GraphStore) -> dict[str, Any]:
    """Per second-level field: the demands that need it and the experts in it (each counted once).

    Reads through :func:`recommend.analysis.read_supply_demand` (the notebooks' reader), then
    groups fields under their second-level ancestor (:func:`field_groups`).
    """
    data = read_supply_demand(store)
    group = field_groups(data.field_parents)
    tally: dict[str, dict[str, set[str]]] = {"demands": {}, "experts": {}}
    for kind, links in (("demands", data.demand_fields), ("experts", data.expert_fields)):
        for node_id, fields in links.items():
            for fid in {group.get(f, f) for f in fields}:
                tally[kind].setdefault(fid, set()).add(node_id)

    def name(fid: str) -> str:
        own = data.field_names.get(fid, fid)
        parent = data.field_parents.get(fid)
        # Some taxonomies name their second level by its code only (nsfc2020 "C01"): say whose code it is.
        if parent is not None and own == fid.split(":", 1)[-1]:
            return f"{data.field_names.get(parent, parent)} {own}"
        return own

    names = {fid: name(fid) for fid in set(tally["demands"]) | set(tally["experts"])}
    rows = gap_rows(tally["demands"], tally["experts"], names)
    log.info("supply-demand: %d fields with demands, %d with experts", len(tally["demands"]), len(tally["experts"]))
    return {**rows, "fields_with_demands": len(tally["demands"])}


def heat_table(matrix: Mapping[str, Any], *, columns: int = HEAT_COLUMNS) -> dict[str, Any]:
    """The field × province matrix as table rows with a heat level (0–5) per cell."""
    regions = [r for r in matrix["regions"]]
    shown = regions[:columns]
    rest = {r["id"] for r in regions[columns:]}
    cells: dict[tuple[str | None, str | None], int] = {(c["field"], c["region"]): c["count"] for c in matrix["cells"]}
    rows = []
    for f in matrix["fields"]:
        counts = [cells.get((f["id"], r["id"]), 0) for r in shown]
        if rest:
            counts.append(sum(n for (fid, rid), n in cells.items() if fid == f["id"] and rid in rest))
        rows.append({"name": f["name"], "total": f["count"], "counts": counts})
    # 其他地区 sums many provinces: it would set the scale and wash out every other cell.
    peak = max((n for row in rows for n in row["counts"][:len(shown)]), default=0)
    for row in rows:
        row["cells"] = [{"count": n, "level": math.ceil(n / peak * _HEAT_LEVELS) if peak and n else 0,
                         "other": i >= len(shown)} for i, n in enumerate(row["counts"])]
    heads = [r["name"] for r in shown] + (["其他地区"] if rest else [])
    return {"heads": heads, "rows": rows, "peak": peak, "levels": list(range(1, _HEAT_LEVELS + 1))}


def bar_chart(items: list[tuple[str, int]], *, width: int = 320) -> dict[str, Any]:
    """Horizontal bars scaled to the largest value: ``[{"name", "value", "width"}]`` and the scale."""
    peak = max((v for _, v in items), default=0)
    return {"bars": [{"name": n, "value": v, "width": round(v / peak * width, 1) if peak else 0} for n, v in items],
            "width": width, "peak": peak}


@bp.get("/stats")
@requires(Permission.STATS_READ)
def dashboard() -> Any:
    """The dashboard: counts, demands by status, the field × province heat table and supply–demand gaps."""
    state = app_state()
    counts = state.store().counts()
    matrix = state.memo("demand_matrix", demand_matrix)
    gaps = state.memo("page_supply_demand", supply_demand)
    totals = [(NODE_SPECS[label].zh, counts.nodes.get(label.value, 0))
              for label in (Label.DEMAND, Label.ENTERPRISE, Label.EXPERT, Label.INSTITUTION, Label.PROJECT,
                            Label.FIELD)]
    demand_peak = max((r["demands"] for r in gaps["short"]), default=0)
    expert_peak = max((r["experts"] for r in gaps["short"]), default=0)
    short = [{**r, "demand_width": round(r["demands"] / demand_peak * 200, 1) if demand_peak else 0,
              "expert_width": round(r["experts"] / expert_peak * 200, 1) if expert_peak else 0}
             for r in gaps["short"]]  # copies: the memo is shared between requests
    return render_page("stats.html", active="pages_stats.dashboard", totals=totals, matrix=matrix,
                       heat=heat_table(matrix), status_chart=bar_chart([(s["status"], s["count"]) for s in matrix["by_status"]]),
                       fields=bar_chart([(f["name"], f["count"]) for f in matrix["fields"]]),
                       gaps=short, uncovered=gaps["uncovered"], gap_fields=gaps["fields_with_demands"])
