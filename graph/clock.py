"""The one clock: Beijing time, fixable in tests (:func:`fixed_clock`).

Every layer asks it for "now", "today" and "this year", so a page, the JSON API, the CLI and an
import agree on the date even when the host runs in UTC (16:00 UTC is already tomorrow in Beijing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = ["BEIJING", "Clock", "system_clock", "this_year", "today", "fixed_clock"]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Every workflow time is stored as ISO 8601 in Beijing time, so stored strings sort chronologically."""

Clock = Callable[[], datetime]


_fixed: datetime | None = None


def system_clock() -> datetime:
    """Now, in Beijing time: the one clock (workflows take it as a default; tests pass their own
    or fix it with :func:`fixed_clock`)."""
    return _fixed if _fixed is not None else datetime.now(UTC).astimezone(BEIJING)


def today() -> date:
    """Today's date in Beijing time by :func:`system_clock` (never ``date.today()``, the host's zone)."""
    return system_clock().date()


def this_year() -> int:
    """"This year" (Beijing time) by :func:`system_clock`: the reference year of free-text demands,
    stored demands without a posted date, and the text index."""
    return system_clock().year


@contextmanager
def fixed_clock(moment: datetime) -> Iterator[datetime]:
    """Within the block :func:`system_clock` (and so :func:`this_year`) answers ``moment`` (for tests)."""
    global _fixed
    before, _fixed = _fixed, moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
    try:
        yield _fixed
    finally:
        _fixed = before


