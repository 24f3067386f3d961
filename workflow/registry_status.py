"""Enterprises by registry status (科技型中小企业, 高新技术企业, 专精特新 and its levels, 无资质), as of today.

The one reading behind the demand lists' ``registry`` filter (:mod:`workflow.selection`), the reports
(:mod:`analytics.programme_reports`) and the enterprise pages: every ``Registration`` node, judged by
:func:`ingest.registry.statuses_by_enterprise` on :func:`graph.clock.today`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from graph import clock
from graph.errors import Msg
from graph.model import Label
from graph.store import GraphStore
from ingest.registry import NO_REGISTRY, REGISTRY_CHOICES, statuses_by_enterprise
from workflow.common import field_error

__all__ = ["enterprise_statuses", "parse_registry_values", "enterprises_with"]


def enterprise_statuses(store: GraphStore, *, today: datetime.date | None = None) -> dict[str, list[str]]:
    """Enterprise id → the registry statuses it holds today (enterprises with none left out)."""
    rows = [{"id": n.id, **dict(n.props)} for n in store.all_nodes(Label.REGISTRATION)]
    return statuses_by_enterprise(rows, today or clock.today())


def parse_registry_values(values: Iterable[str], field: str = "registry") -> list[str]:
    """The registry filter's values, each one of :data:`~ingest.registry.REGISTRY_CHOICES`.

    Raises:
        ValidationError: another value (Chinese, naming ``field``).
    """
    chosen = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    for value in chosen:
        if value not in REGISTRY_CHOICES:
            raise field_error(field, Msg.registry.BAD_REGISTRY.format(value=value, choices="、".join(REGISTRY_CHOICES)))
    return chosen


def enterprises_with(store: GraphStore, values: Iterable[str], *, today: datetime.date | None = None) -> tuple[str, ...]:
    """The ids of enterprises holding any of ``values`` today (``无资质``: holding none), sorted."""
    wanted = set(values)
    statuses = enterprise_statuses(store, today=today)
    found = {e for e, held in statuses.items() if wanted & set(held)}
    if NO_REGISTRY in wanted:
        found |= {n.id for n in store.all_nodes(Label.ENTERPRISE)} - set(statuses)
    return tuple(sorted(found))
