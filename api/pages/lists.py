"""清单导入: upload an activity list or a platform list through the pages (issue 16).

Two forms (a file each, CSRF-checked): 活动清单 for ``activity:manage``, 服务平台与基地清单 for
``demand:write``. Both go through :func:`workflow.list_import.import_list` — the JSON API's use case,
over the importers ``kgmatch`` uses — all or nothing: a bad row means nothing is written, and the page
lists every problem in Chinese with its row and column. The request is bounded by
``KGMATCH_MAX_REQUEST_BYTES``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, url_for

from api.auth import Permission, may, requires
from api.pages.base import check_form, page_headers, render_page
from api.pages.forms import actor_name, done
from api.state import app_state
from api.validation import uploaded_file
from graph.errors import RowError, ValidationError
from workflow.list_import import LIST_KINDS, UPLOAD_SUFFIXES, import_list

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_lists", __name__)
bp.after_request(page_headers)

_PERMISSIONS = {"activity": Permission.ACTIVITY_MANAGE, "platform": Permission.DEMAND_WRITE}

def _page(*, kind: str = "", note: str = "", errors: list[RowError] | None = None, status: int = 200) -> Response:
    forms = [{"kind": k, "title": LIST_KINDS[k], "action": url_for(f"pages_lists.upload_{k}")}
             for k, permission in _PERMISSIONS.items() if may(permission)]
    return render_page("lists.html", status=status, active="pages_lists.lists", forms=forms, kind=kind, note=note,
                       errors=[e.as_dict() for e in errors or []], suffixes="、".join(UPLOAD_SUFFIXES))

@bp.get("/lists")
@requires(Permission.DEMAND_WRITE)
def lists() -> Any:
    """The upload forms the caller may use."""
    return _page()

def _upload(kind: str) -> Any:
    check_form()
    try:
        with uploaded_file("file") as path:
            result = import_list(app_state().store(), kind, path, actor=actor_name())
    except ValidationError as err:
        return _page(kind=kind, note=err.message, errors=err.errors, status=400)
    if not result.ok:
        return _page(kind=kind, note=result.text(), errors=result.errors, status=400)
    log.info("%s uploaded a %s list through the pages: %d rows", actor_name(), kind, result.rows)
    return done(url_for("pages_lists.lists"), result.text())

@bp.post("/lists/activities")
@requires(Permission.ACTIVITY_MANAGE)
def upload_activity() -> Any:
    """Upload an activity list: all rows or none."""
    return _upload("activity")

@bp.post("/lists/platforms")
@requires(Permission.DEMAND_WRITE)
def upload_platform() -> Any:
    """Upload a platform list: all rows or none."""
    return _upload("platform")
