"""``GET /api/v1/audit``: the audit log, newest first (admins only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from api.auth import Permission, requires
from api.state import app_state
from api.validation import check_params, page_args, page_body

__all__ = ["bp"]

bp = Blueprint("audit", __name__, url_prefix="/api/v1")


@bp.get("/audit")
@requires(Permission.AUDIT_READ)
def audit_log() -> Any:
    """A page of audit events, newest first."""
    check_params(("page", "per_page"))
    page, per_page = page_args()
    events, total = app_state().audit.read(skip=(page - 1) * per_page, limit=per_page)
    return jsonify(page_body(events, page, per_page, total))
