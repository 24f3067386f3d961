"""报送与考核: the reports page and its Excel workbook.

* ``/reports``: headline numbers and the 考核评价 tables by expert, institution and region,
  for a region and period, with links to the Excel reports (:mod:`analytics.reports`);
* ``/reports/export.xlsx``: the chosen reports as one workbook.

A bad region or period is named in Chinese next to its input (HTTP 400).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, request, send_file, url_for
from werkzeug.datastructures import MultiDict

from analytics.reports import HEADLINES, REPORTS, ReportFilter, evaluation, read_facts, report_workbook, summarize
from api.auth import Permission, requires
from api.pages.base import page_headers, render_page
from api.pages.forms import filter_errors
from api.state import app_state
from graph.errors import ValidationError
from workflow.common import system_clock

__all__ = ["bp", "EVALUATION_TABLES", "PROGRAMME_TABLES", "REPORT_TOP", "report_kinds"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_reports", __name__)
bp.after_request(page_headers)

EVALUATION_TABLES: tuple[tuple[str, str], ...] = (("expert", "按专家"), ("institution", "按机构"), ("region", "按地区"))
"""The 考核评价 tables of the reports page: ``by`` of :func:`analytics.reports.evaluation`, tab name."""

PROGRAMME_TABLES: tuple[str, ...] = ("talent", "registry", "service_modes", "cooperation_forms")
"""The 专项行动 tables of the reports page (issue 16): report kinds of :data:`analytics.reports.REPORTS`."""

REPORT_TOP = 50
"""Rows shown per 考核评价 table (the Excel workbook has them all)."""

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_REPORT_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("region", "地区", "地区名称或行政区划代码，如 浙江省、330100"),
    ("start", "开始日期", ""),
    ("end", "结束日期", ""),
)


def _report_filter() -> tuple[ReportFilter | None, dict[str, str], dict[str, list[str]]]:
    """The request's region and period: the filter, the values typed, and problems per input."""
    values = {name: request.args.get(name, "").strip() for name, _, _ in _REPORT_FILTERS}
    try:
        return ReportFilter.parse(values["region"], values["start"], values["end"], app_state().store()), values, {}
    except ValidationError as err:
        return None, values, filter_errors(err, fields=values, other="region") or {"region": [err.message]}


def report_kinds(args: MultiDict[str, str]) -> list[str]:
    """The report kinds asked for: ``kinds`` repeated or comma-separated (none means every report)."""
    return [k.strip() for value in args.getlist("kinds") for k in value.split(",") if k.strip()]


def _export_url(values: Mapping[str, str], kinds: Sequence[str] = ()) -> str:
    args = {k: v for k, v in values.items() if v}
    if kinds:
        args["kinds"] = ",".join(kinds)
    return url_for("pages_reports.report_export", **args)


@bp.get("/reports")
@requires(Permission.REPORT_READ)
def reports() -> Any:
    """报送与考核: headline numbers and the 考核评价 tables for a region and period, links to the Excel reports."""
    flt, values, errors = _report_filter()
    headline, tables, programme = None, [], []
    if flt is not None:
        facts = read_facts(app_state().store())
        headline = summarize(facts, flt)
        for by, tab in EVALUATION_TABLES:
            kind = f"evaluation_{by}"
            rows = evaluation(facts, flt, by=by)
            tables.append({"by": by, "tab": tab, "sheet": REPORTS[kind].sheet, "note": REPORTS[kind].note,
                           "columns": [c for c in REPORTS[kind].columns if c[0] != "id"], "rows": rows[:REPORT_TOP],
                           "total": len(rows), "export_url": _export_url(values, [kind])})
        for kind in PROGRAMME_TABLES:
            spec = REPORTS[kind]
            rows = spec.build(facts, flt)
            programme.append({"by": kind, "tab": spec.sheet, "sheet": spec.sheet, "note": spec.note,
                              "columns": [c for c in spec.columns if c[0] != "id"], "rows": rows[:REPORT_TOP],
                              "total": len(rows), "export_url": _export_url(values, [kind])})
    return render_page("reports.html", status=400 if errors else 200, active="pages_reports.reports",
                       filters=_REPORT_FILTERS, values=values, errors=errors, flt=flt, headline=headline,
                       headlines=HEADLINES, tables=tables, programme=programme, top=REPORT_TOP,
                       kinds=[(kind, spec.sheet) for kind, spec in REPORTS.items()],
                       export_url=_export_url(values) if flt is not None else "")


@bp.get("/reports/export.xlsx")
@requires(Permission.REPORT_READ)
def report_export() -> Any:
    """The reports as one Excel workbook (``kinds``; all when none), for the request's region and period."""
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in _REPORT_FILTERS}
    flt = ReportFilter.parse(values["region"], values["start"], values["end"], store)
    kinds = report_kinds(request.args)
    data = report_workbook(store, kinds, flt)
    log.info("exported reports %s to Excel", ",".join(kinds) or "(all)")
    response = send_file(io.BytesIO(data), mimetype=_XLSX, as_attachment=True,
                         download_name=f"报送报表_{system_clock().date().isoformat()}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
