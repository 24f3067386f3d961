"""The reports part of the OpenAPI document (``/api/v1/reports…``), merged into :func:`api.openapi.build_openapi`."""

from __future__ import annotations

from typing import Any

from analytics.reports import RANKED, REPORTS, TOP_MAX
from api.auth import Permission
from api.openapi.schema import INT, NUM, STR, json_content, nullable, obj, operation, parameter, schema_ref

__all__ = ["REPORT_TAG", "report_operations", "report_schemas"]

REPORT_TAG = "报送与考核"
_CELL = {"type": ["string", "number", "integer", "boolean", "null"]}


def report_schemas() -> dict[str, Any]:
    """Component schemas of the report endpoints."""
    flt = obj({"region": nullable(STR), "region_name": STR, "start": nullable(STR), "end": nullable(STR)})
    return {
        "ReportFilter": flt,
        "ReportSummary": obj({"filter": schema_ref("ReportFilter"), "demands": INT, "pushed": INT, "accepted": INT,
                               "dispatches": INT, "enterprises_served": INT, "services": INT, "hours": NUM,
                               "solved": INT, "rating_mean": nullable(NUM), "ratings": INT}),
        "ReportTable": obj({"kind": {"type": "string", "enum": list(REPORTS)}, "sheet": STR, "note": STR,
                             "filter": schema_ref("ReportFilter"),
                             "columns": {"type": "array", "items": obj({"key": STR, "title": STR})},
                             "rows": {"type": "array", "items": {"type": "object", "additionalProperties": _CELL}}}),
    }


def report_operations() -> dict[str, Any]:
    """Path → method → operation for the report endpoints."""
    filters = [parameter("region", "query", STR, "地区：编号、GB/T 2260 代码或名称，含下级地区"),
               parameter("start", "query", {"type": "string", "format": "date"}, "起始日期 YYYY-MM-DD（含）"),
               parameter("end", "query", {"type": "string", "format": "date"}, "截止日期 YYYY-MM-DD（含）")]
    kinds = "、".join(f"`{k}`（{v.sheet}）" for k, v in REPORTS.items())
    xlsx = {"description": "Excel 工作簿（每种报表一个工作表，另有「说明」表）",
            "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}  # binary: no schema
    return {
        "/api/v1/reports/summary": {"get": operation(
            "reports_api.report_summary", Permission.REPORT_READ, REPORT_TAG, "对接工作概况（期内、地区内）",
            json_content(schema_ref("ReportSummary"), "概况数字"), params=filters)},
        "/api/v1/reports/export.xlsx": {"get": operation(
            "reports_api.export", Permission.REPORT_READ, REPORT_TAG, "导出报送报表（Excel）", xlsx,
            params=[parameter("kinds", "query", {"type": "array", "items": {"type": "string", "enum": list(REPORTS)}},
                           "报表种类（逗号分隔，默认全部）", style="form"), *filters])},
        "/api/v1/reports/{kind}": {"get": operation(
            "reports_api.report", Permission.REPORT_READ, REPORT_TAG, "单种报表的数据行",
            json_content(schema_ref("ReportTable"), "列标题与数据行"),
            params=[parameter("kind", "path", {"type": "string", "enum": list(REPORTS)}, f"报表种类：{kinds}"),
                    *filters,
                    parameter("top", "query", {"type": "integer", "minimum": 1, "maximum": TOP_MAX},
                              f"只返回排名前 N 行（1–{TOP_MAX}），仅用于排名名单："
                              + "、".join(f"`{k}`（{REPORTS[k].sheet}）" for k in RANKED)
                              + "；其他报表给出该参数返回 400")])},
    }
