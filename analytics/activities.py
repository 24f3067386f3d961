"""Reports on activities and training: how many were held, by kind, region or period, with their
enrolment and attendance counts.

The counts come from each activity's ``enrolled`` / ``attended`` counters (kept by
:mod:`workflow.activities` in the same guarded batch as each enrolment), so a report reads the
Activity nodes once and never walks the ENROLLED_IN relationships — its cost is reading the nodes
(``bench/activities.py`` measures the ratio).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from analytics.report_book import Column
from analytics.report_facts import Facts, region_chain
from graph.errors import Msg
from graph.model import Label
from graph.store import GraphStore
from workflow.common import field_error
from workflow.states import ACTIVITY

__all__ = ["ACTIVITY_REPORT_BY", "PERIODS", "ACTIVITY_COLUMNS", "ACTIVITY_SHEET_COLUMNS", "activity_summary",
           "activity_report", "activity_rows", "read_activities"]

ACTIVITY_REPORT_BY = {"kind": "活动类型", "region": "地区", "period": "时间", "status": "状态"}
"""What an activity report may group by, and the Chinese column name of the group."""
PERIODS = {"month": 7, "quarter": 0, "year": 4}
"""Period granularities (the prefix length of ``start_date``; quarters are computed)."""
ACTIVITY_COLUMNS = {"group": "分组", "activities": "活动数", "held": "已举办", "enrolled": "报名数",
                    "attended": "出席数", "attendance_rate": "出席率", "challenges": "发起揭榜"}
"""The report's columns and their Chinese headers (pages and exports)."""
ACTIVITY_SHEET_COLUMNS: tuple[Column, ...] = (
    ("group", ACTIVITY_REPORT_BY["kind"], 16), *((key, ACTIVITY_COLUMNS[key], 10) for key in (
        "activities", "held", "enrolled", "attended", "attendance_rate", "challenges")))
"""The columns of the workbook's activity sheet (:func:`activity_rows`: grouped by kind)."""
_ENDED = ACTIVITY.states[-1]


def read_activities(store: GraphStore) -> list[dict[str, Any]]:
    """Every activity's properties (with ``id``), ordered by id."""
    return [{"id": n.id, **dict(n.props)} for n in store.all_nodes(Label.ACTIVITY)]


def _period(day: str, period: str) -> str:
    if period == "quarter":
        return f"{day[:4]}Q{(int(day[5:7]) - 1) // 3 + 1}" if len(day) >= 7 else "未知"
    return day[:PERIODS[period]] or "未知"


def _group(act: Mapping[str, Any], by: str, period: str) -> str:
    if by == "period":
        return _period(str(act.get("start_date") or ""), period)
    if by == "region":
        return str(act.get("region_name") or act.get("region") or "") or "未填写"
    return str(act.get(by) or "") or "未填写"


def activity_summary(activities: Iterable[Mapping[str, Any]], *, by: str = "kind", period: str = "month",
                     since: str = "", until: str = "") -> list[dict[str, Any]]:
    """Activities grouped by ``by`` (kind / region / period / status) with their counts, a total row last.

    ``since``/``until`` (``YYYY-MM-DD``, inclusive) filter on the start date.

    >>> acts = [{"kind": "项目路演", "status": "已结束", "start_date": "2026-03-02", "enrolled": 10, "attended": 8},
    ...         {"kind": "政策宣讲", "status": "报名中", "start_date": "2026-05-01", "enrolled": 4, "attended": 0}]
    >>> [(r["group"], r["activities"], r["enrolled"], r["attended"]) for r in activity_summary(acts, by="period",
    ...                                                                                           period="quarter")]
    [('2026Q1', 1, 10, 8), ('2026Q2', 1, 4, 0), ('合计', 2, 14, 8)]
    """
    if by not in ACTIVITY_REPORT_BY:
        raise field_error("by", Msg.workflow.BAD_CHOICE.format(choices="、".join(ACTIVITY_REPORT_BY), value=by))
    if period not in PERIODS:
        raise field_error("period", Msg.workflow.BAD_CHOICE.format(choices="、".join(PERIODS), value=period))
    groups: dict[str, dict[str, Any]] = {}
    total = {"group": "合计", "activities": 0, "held": 0, "enrolled": 0, "attended": 0, "challenges": 0}
    for act in activities:
        day = str(act.get("start_date") or "")
        if (since and day < since) or (until and day > until):
            continue
        key = _group(act, by, period)
        row = groups.setdefault(key, {"group": key, "activities": 0, "held": 0, "enrolled": 0, "attended": 0,
                                      "challenges": 0})
        held = act.get("status") == _ENDED and bool(act.get("started_at") or int(act.get("attended") or 0))
        for target in (row, total):
            target["activities"] += 1
            target["held"] += int(held)
            target["enrolled"] += int(act.get("enrolled") or 0)
            target["attended"] += int(act.get("attended") or 0)
            target["challenges"] += len(act.get("challenge_ids") or ())
    rows = [groups[k] for k in sorted(groups)] + [total]
    for row in rows:
        row["attendance_rate"] = round(row["attended"] / row["enrolled"], 3) if row["enrolled"] else 0.0
    return rows


def activity_report(store: GraphStore, *, by: str = "kind", period: str = "month", since: str = "",
                    until: str = "") -> list[dict[str, Any]]:
    """:func:`activity_summary` over the stored activities."""
    return activity_summary(read_activities(store), by=by, period=period, since=since, until=until)


def activity_rows(facts: Facts, flt: Any) -> list[dict[str, Any]]:
    """The workbook's activity report: :func:`activity_summary` by kind over the activities that start in the
    period of ``flt`` (a :class:`analytics.reports.ReportFilter`) and are held in its region or below it.

    An activity without a start date counts only without a period; one whose region was not resolved to a
    Region only without a region.

    >>> from analytics.reports import ReportFilter
    >>> facts = Facts(regions={"region:330100": {"id": "region:330100", "name": "杭州市", "parent": "region:330000"},
    ...                        "region:330000": {"id": "region:330000", "name": "浙江省", "parent": None}},
    ...               activities=[{"kind": "项目路演", "start_date": "2026-03-02", "region": "region:330100",
    ...                            "enrolled": 10, "attended": 8}, {"kind": "政策宣讲", "start_date": "2025-05-01"}])
    >>> [(r["group"], r["activities"], r["attended"]) for r in activity_rows(facts, ReportFilter("region:330000"))]
    [('项目路演', 1, 8), ('合计', 1, 8)]
    >>> [r["group"] for r in activity_rows(facts, ReportFilter(start="2025-01-01", end="2025-12-31"))]
    ['政策宣讲', '合计']
    """
    chosen = [a for a in facts.activities if flt.covers(a.get("start_date"))
              and (flt.region is None or flt.region in region_chain(facts.regions, a.get("region")))]
    return activity_summary(chosen, by="kind")
