"""统计看板: demands by field × province (a heat table), by status, and supply–demand gaps, as charts.

Charts are SVG drawn on the server by the Jinja templates from numbers computed here —
no chart library, nothing loaded at run time. The field × province matrix is the API's
(:func:`analytics.supply_demand.store_demand_matrix`, shared memo); gaps are
:func:`analytics.supply_demand.gap_rows` (per second-level field, 需求数 ÷ (专家数 + 1)), with
fields without any expert listed apart — the same numbers the notebooks show.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint

from analytics.coverage import field_coverage
from analytics.supply_demand import gap_rows, read_supply_demand, store_demand_matrix
from api.auth import Permission, requires
from api.pages.base import page_headers, render_page
from api.pages.coverage import coverage_view
from api.state import app_state
from graph.model import NODE_SPECS, Label
from graph.store import GraphStore

__all__ = ["bp", "HEAT_COLUMNS", "GAP_ROWS", "supply_demand", "heat_table", "bar_chart"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_stats", __name__)
bp.after_request(page_headers)

HEAT_COLUMNS = 10
"""Provinces shown as columns of the heat table (the rest are summed in 其他地区)."""
GAP_ROWS = 15
"""Fields shown in the supply–demand gap chart."""
_HEAT_LEVELS = 5


def supply_demand(store: GraphStore, *, top: int = GAP_ROWS) -> dict[str, Any]:
    """The gap chart's rows (:func:`analytics.supply_demand.gap_rows`, the notebooks' definition), split
    in two: ``short`` — fields with experts, by 缺口指数 descending, at most ``top`` — and ``uncovered`` —
    fields no expert is in, the most demands first (their index would only rank them by demand, and
    they would crowd out every field that has experts)."""
    rows = gap_rows(read_supply_demand(store))
    short = [r for r in rows if not r["uncovered"]][:top]
    uncovered = sorted((r for r in rows if r["uncovered"]), key=lambda r: (-r["demands"], r["id"]))
    log.info("supply-demand: %d fields with demands, %d short", len(rows), len(short))
    return {"short": short, "uncovered": uncovered, "fields_with_demands": len(rows)}


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
    matrix = state.memo("demand_matrix", store_demand_matrix)
    gaps = state.memo("page_supply_demand", supply_demand)
    supply = state.memo("page_field_coverage", field_coverage)
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
                       gaps=short, uncovered=gaps["uncovered"], gap_fields=gaps["fields_with_demands"],
                       coverage=coverage_view(supply))
