"""Upload an activity list or a platform list over JSON (issue 16): ``multipart/form-data`` with one ``file``.

The same files ``kgmatch activity import`` and ``kgmatch load --kind platform`` read (CSV, XLSX, JSON,
JSON lines; Chinese or English headers), through the one use case :func:`workflow.list_import.import_list`:
all or nothing — a bad row means nothing is written and a Chinese 400 lists every row and column at fault.
The request is bounded by ``KGMATCH_MAX_REQUEST_BYTES`` (413 beyond it).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify

from api.auth import Permission, requires
from api.json.common import actor
from api.state import app_state
from api.validation import check_params, uploaded_file
from graph.errors import ValidationError
from workflow.list_import import import_list

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("lists", __name__, url_prefix="/api/v1")


def _upload(kind: str) -> Any:
    check_params(())
    with uploaded_file("file") as path:
        result = import_list(app_state().store(), kind, path, actor=actor())
    if not result.ok:
        raise ValidationError(result.text(), errors=result.errors)
    log.info("%s uploaded a %s list: %d rows", actor(), kind, result.rows)
    return jsonify(result.as_dict())


@bp.post("/activities/import")
@requires(Permission.ACTIVITY_MANAGE)
def import_activities() -> Any:
    """Upload an activity list (``file``): every row validated, all written or none."""
    return _upload("activity")


@bp.post("/platforms/import")
@requires(Permission.DEMAND_WRITE)
def import_platforms() -> Any:
    """Upload a platform list (``file``): every row validated, all written or none."""
    return _upload("platform")
