"""What makes a demand acceptable: one set of rules for the intake form, the JSON API and the importer.

The importer (:class:`ingest.importers.DemandBuilder`) applies them to every demand row, so
``POST /api/v1/demands`` and the intake page, which both create demands through it, cannot
accept what a file may not carry, and the other way round. Two things depend on where the
demand comes from:

* **intake** (the form and the API: a demand received now) — the deadline may not be in the
  past, and a new demand starts as 待对接 (its status belongs to the workflow);
* **import** (a file of existing demands, possibly historical) — the deadline may not be before
  the demand's own posted date, and the status, if given, must be one of the workflow's states.
  Re-importing a stored demand never changes its status (see the importer).

Every problem is returned as (field, Chinese reason), for the caller to name the row and column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from ingest.mapping import column, convert

__all__ = ["DEMAND_STATUSES", "INITIAL_STATUS", "TITLE_LIMIT", "SHORT_LIMIT", "DEFAULT_TEXT_LIMIT", "BUDGET_LIMIT",
           "DemandMsg", "check_demand_values", "check_demand_text_inputs"]

DEMAND_STATUSES = ("待对接", "对接中", "已解决", "已关闭")
"""The states of a demand (``workflow.states.DEMAND``; ingest does not import workflow, a test keeps them equal)."""
INITIAL_STATUS = DEMAND_STATUSES[0]
TITLE_LIMIT = 200
SHORT_LIMIT = 200
DEFAULT_TEXT_LIMIT = 5000
"""The description's limit unless the caller passes its own (the web app's ``KGMATCH_TEXT_MAX_CHARS``)."""
BUDGET_LIMIT = 10_000_000.0
"""万元: a thousand billion yuan; anything larger is a typo."""
_SHORT_TEXT = ("contact", "source", "enterprise", "region")


class DemandMsg:
    """The Chinese reasons of :func:`check_demand_values`."""

    TITLE_NO_TEXT = "应包含文字（不能只有数字或符号），实际为「{value}」"
    TOO_LONG = "不能超过 {limit} 个字"
    BAD_BUDGET = "应为不小于 0 且不超过 {limit:.0f} 的数字（万元），实际为「{value:g}」"
    DEADLINE_PAST = "不能早于今天（{today}）"
    DEADLINE_BEFORE_POSTED = "截止日期不能早于发布日期（{posted}），实际为「{value}」"
    STATUS_INTAKE = "新提交的需求状态只能是「{initial}」（之后由推送、派驻、服务记录等对接流程改变），实际为「{value}」"
    STATUS_UNKNOWN = "应为 {choices} 之一，实际为「{value}」"


def _day(text: str) -> str:
    """A ``YYYY-MM-DD`` or ``YYYY-MM`` date as comparable text (a month counts from its first day)."""
    return text if len(text) >= 10 else f"{text}-01"


def check_demand_values(rec: Mapping[str, Any], *, today: date, text_limit: int = DEFAULT_TEXT_LIMIT,
                        intake: bool) -> list[tuple[str, str]]:
    """Problems of one demand's values (already converted by :func:`ingest.mapping.convert`).

    ``intake`` is True for the form and the API (a demand received ``today``), False for a file.

    >>> check_demand_values({"title": "涂布缺陷检测", "budget_wan": 50.0}, today=date(2026, 1, 1), intake=True)
    []
    >>> [f for f, _ in check_demand_values({"title": "123", "status": "已解决"}, today=date(2026, 1, 1), intake=True)]
    ['title', 'status']
    """
    problems: list[tuple[str, str]] = []
    title = rec.get("title")
    if isinstance(title, str) and title:
        if not any(ch.isalpha() for ch in title):
            problems.append(("title", DemandMsg.TITLE_NO_TEXT.format(value=title[:40])))
        if len(title) > TITLE_LIMIT:
            problems.append(("title", DemandMsg.TOO_LONG.format(limit=TITLE_LIMIT)))
    description = rec.get("description")
    if isinstance(description, str) and len(description) > text_limit:
        problems.append(("description", DemandMsg.TOO_LONG.format(limit=text_limit)))
    for name in _SHORT_TEXT:
        value = rec.get(name)
        if isinstance(value, str) and len(value) > SHORT_LIMIT:
            problems.append((name, DemandMsg.TOO_LONG.format(limit=SHORT_LIMIT)))
    budget = rec.get("budget_wan")
    if budget is not None and (not math.isfinite(budget) or not 0 <= budget <= BUDGET_LIMIT):
        problems.append(("budget_wan", DemandMsg.BAD_BUDGET.format(limit=BUDGET_LIMIT, value=budget)))
    deadline, posted = rec.get("deadline"), rec.get("posted")
    if isinstance(deadline, str):
        if intake and _day(deadline) < today.isoformat():
            problems.append(("deadline", DemandMsg.DEADLINE_PAST.format(today=today.isoformat())))
        elif isinstance(posted, str) and _day(deadline) < _day(posted):
            problems.append(("deadline", DemandMsg.DEADLINE_BEFORE_POSTED.format(posted=posted, value=deadline)))
    status = rec.get("status")
    if status is not None:
        if intake and status != INITIAL_STATUS:
            problems.append(("status", DemandMsg.STATUS_INTAKE.format(initial=INITIAL_STATUS, value=status)))
        elif not intake and status not in DEMAND_STATUSES:
            problems.append(("status", DemandMsg.STATUS_UNKNOWN.format(choices="、".join(DEMAND_STATUSES),
                                                                       value=status)))
    return problems


def check_demand_text_inputs(values: Mapping[str, str], *, today: date, text_limit: int = DEFAULT_TEXT_LIMIT,
                             ) -> list[tuple[str, str]]:
    """:func:`check_demand_values` of a form's text inputs (importer field names → text), each converted
    as the importer converts it first; an input that does not convert is a problem of its own.

    >>> check_demand_text_inputs({"title": "检测", "budget_wan": "abc"}, today=date(2026, 1, 1))[0][0]
    'budget_wan'
    """
    rec: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name, text in values.items():
        try:
            rec[name] = convert(column("demand", name), text)
        except KeyError:
            continue  # not an importer field (the caller's own input)
        except ValueError as err:
            problems.append((name, str(err)))
    return problems + check_demand_values(rec, today=today, text_limit=text_limit, intake=True)
