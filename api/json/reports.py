"""报送 reports and 考核评价 statistics as JSON and as one Excel workbook.

Filters (all optional): ``region`` (id, GB/T 2260 code or exact name; everything below it
counts), ``start`` / ``end`` (YYYY-MM-DD, inclusive). Each fact counts by its own date
(:mod:`analytics.reports` explains how each report counts).
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, jsonify, request, send_file

from analytics.reports import RANKED, REPORTS, TOP_MAX, ReportFilter, report_rows, report_workbook, summary
from api.auth import Permission, requires
from api.state import app_state
from api.validation import bad_param, check_params, int_arg, list_arg
from graph import clock
from graph.errors import Msg

__all__ = ["bp", "XLSX"]

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILTERS = ("region", "start", "end")


def _filter() -> ReportFilter:
    return ReportFilter.parse(*(request.args.get(name) for name in _FILTERS), app_state().store())


@bp.get("/reports/summary")
@requires(Permission.REPORT_READ)
def report_summary() -> Any:
    """Headline numbers of the period and region."""
    check_params(_FILTERS)
    return jsonify(summary(app_state().store(), _filter()))


@bp.get("/reports/<kind>")
@requires(Permission.REPORT_READ)
def report(kind: str) -> Any:
    """One report's rows with its column titles; ``top`` keeps the first N rows of a ranked report (the talent list)."""
    check_params((*_FILTERS, "top"))
    top = int_arg("top", 0, 1, TOP_MAX) or None
    if top is not None and kind in REPORTS and kind not in RANKED:
        raise bad_param("top", Msg.api.TOP_NOT_RANKED.format(ranked="、".join(RANKED), kind=kind))
    flt = _filter()
    rows = report_rows(app_state().store(), kind, flt)[:top]  # ValidationError (400) for an unknown kind
    spec = REPORTS[kind]
    return jsonify({"kind": kind, "sheet": spec.sheet, "note": spec.note, "filter": flt.as_dict(),
                    "columns": [{"key": key, "title": title} for key, title, _ in spec.columns], "rows": rows})


@bp.get("/reports/export.xlsx")
@requires(Permission.REPORT_READ)
def export() -> Any:
    """The chosen reports (``kinds``, comma-separated; all by default) as one .xlsx workbook."""
    check_params((*_FILTERS, "kinds"))
    data = report_workbook(app_state().store(), list_arg("kinds"), _filter())
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=f"报送报表-{clock.today().isoformat()}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
