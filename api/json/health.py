"""``GET /api/v1/health``: is the store reachable, and how much is in it.

Public on purpose (load balancers and monitoring probe it without credentials): it
shows the backend name and node/relationship counts, never any record.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify

from api.auth import public
from api.state import app_state
from graph.errors import KgmatchError

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@bp.get("/health")
@public
def health() -> Any:
    """Store backend, whether it answers, and counts; 503 when it does not answer."""
    state = app_state()
    try:
        counts = state.store().counts()
    except KgmatchError as err:
        log.warning("health check: %s store unavailable: %s", state.backend, err.message)
        body = {"ok": False, "backend": state.backend, "reachable": False, "counts": None, "error": err.message}
        return jsonify(body), 503
    return jsonify({"ok": True, "backend": state.backend, "reachable": True, "counts": counts.as_dict(),
                    "error": None})
