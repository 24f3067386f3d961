"""Statistics: counts, and demands by technical field × region (for the supply–demand dashboards).

The matrix rolls each demand's needed fields up to the top of their taxonomy
(``SUBFIELD_OF``) and its regions up to the province (``PART_OF``). A demand that
needs fields under two top-level fields counts once in each row, so ``total`` (distinct
demands) can be less than the sum of the cells. It is recomputed only when the store's
counts change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from api.auth import Permission, requires
from api.state import app_state
from api.validation import check_params
from recommend.demand_matrix import demand_matrix

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
    return jsonify(app_state().memo("demand_matrix", demand_matrix))
