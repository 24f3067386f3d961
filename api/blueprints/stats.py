"""Statistics: counts, and demands by technical field × region (for the supply–demand dashboards).

The matrix is :func:`analytics.supply_demand.demand_matrix` — the one definition the pages and the
notebooks use (fields rolled up to the top of their taxonomy, a demand where it is located or else
where its enterprise is, rolled up to the province, distinct demands per row and column). It is
recomputed only when the store's counts change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from analytics.supply_demand import demand_matrix as matrix_of
from analytics.supply_demand import read_supply_demand
from api.app import app_state
from api.auth import Permission, requires
from api.blueprints._common import check_params
from graph.store import GraphStore

__all__ = ["bp", "demand_matrix"]

bp = Blueprint("stats", __name__, url_prefix="/api/v1")

def demand_matrix(store: GraphStore) -> dict[str, Any]:
    """Demands per (top-level field, province) and per status (:func:`analytics.supply_demand.demand_matrix`)."""
    return matrix_of(read_supply_demand(store))


@bp.get("/stats")
@requires(Permission.STATS_READ)
def counts() -> Any:
    """Nodes per label and relationships per type."""
    check_params(())
    return jsonify(app_state().store().counts().as_dict())


@bp.get("/stats/demands")
@requires(Permission.STATS_READ)
def demands_by_field_and_region() -> Any:
    """Demands by top-level field × province, and by status."""
    check_params(())
    return jsonify(app_state().memo("demand_matrix", demand_matrix))
