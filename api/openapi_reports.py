"""The reports part of the OpenAPI document (``/api/v1/reports…``), merged into :func:`api.openapi.build_openapi`."""

from __future__ import annotations

from typing import Any

from analytics.reports import REPORTS
from api.auth import Permission
from api.openapi import _INT, _NUM, _STR, _json, _nullable, _obj, _op, _param, _ref

__all__ = ["REPORT_TAG", "report_operations", "report_schemas"]

REPORT_TAG = "报送与考核"
_CELL = {"type": ["string", "number", "integer", "boolean", "null"]}


def report_schemas() -> dict[str, Any]:
    """Component schemas of the report endpoints."""
    flt = _obj({"region": _nullable(_STR), "region_name": _STR, "start": _nullable(_STR), "end": _nullable(_STR)})
    return {
        "ReportFilter": flt,
        "ReportSummary": _obj({"filter": _ref("ReportFilter"), "demands": _INT, "pushed": _INT, "accepted": _INT,
                               "dispatches": _INT, "enterprises_served": _INT, "services": _INT, "hours": _NUM,
                               "solved": _INT, "rating_mean": _nullable(_NUM), "ratings": _INT}),
        "ReportTable": _obj({"kind": {"type": "string", "enum": list(REPORTS)}, "sheet": _STR, "note": _STR,
                             "filter": _ref("ReportFilter"),
                             "columns": {"type": "array", "items": _obj({"key": _STR, "title": _STR})},
                             "rows": {"type": "array", "items": {"type": "object", "additionalProperties": _CELL}}}),
    }


def report_operations() -> dict[str, Any]:
    """Path → method → operation for the report endpoints."""
    filters = [_param("region", "query", _STR, "地区：编号、GB/T 2260 代码或名称，含下级地区"),
               _param("start", "query", {"type": "string", "format": "date"}, "起始日期 YYYY-MM-DD（含）"),
               _param("end", "query", {"type": "string", "format": "date"}, "截止日期 YYYY-MM-DD（含）")]
    kinds = "、".join(f"`{k}`（{v.sheet}）" for k, v in REPORTS.items())
    xlsx = {"description": "Excel 工作簿（每种报表一个工作表，另有「说明」表）",
            "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}  # binary: no schema
    return {
        "/api/v1/reports/summary": {"get": _op(
            "reports_api.report_summary", Permission.REPORT_READ, REPORT_TAG, "对接工作概况（期内、地区内）",
            _json(_ref("ReportSummary"), "概况数字"), params=filters)},
        "/api/v1/reports/export.xlsx": {"get": _op(
            "reports_api.export", Permission.REPORT_READ, REPORT_TAG, "导出报送报表（Excel）", xlsx,
            params=[_param("kinds", "query", {"type": "array", "items": {"type": "string", "enum": list(REPORTS)}},
                           "报表种类（逗号分隔，默认全部）", style="form"), *filters])},
        "/api/v1/reports/{kind}": {"get": _op(
            "reports_api.report", Permission.REPORT_READ, REPORT_TAG, "单种报表的数据行",
            _json(_ref("ReportTable"), "列标题与数据行"),
            params=[_param("kind", "path", {"type": "string", "enum": list(REPORTS)}, f"报表种类：{kinds}"),
                    *filters])},
    }
