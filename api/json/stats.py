"""Statistics: counts, and demands by technical field × region (for the supply–demand dashboards).

The matrix is :func:`analytics.supply_demand.demand_matrix` — the one definition the pages and the
notebooks use (fields rolled up to the top of their taxonomy, a demand where it is located or else
where its enterprise is, rolled up to the province, distinct demands per row and column). It is
recomputed only when the store's counts change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from analytics.supply_demand import store_demand_matrix
from api.auth import Permission, requires
from api.state import app_state
from api.validation import check_params

__all__ = ["bp"]

bp = Blueprint("stats", __name__, url_prefix="/api/v1")


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
    return jsonify(app_state().memo("demand_matrix", store_demand_matrix))
