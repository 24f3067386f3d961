"""The outbox: every event the portal must hear of is a ``Delivery`` node written in the same
batch as the fact it announces, so a push can never exist without its notification.

:mod:`workflow.webhook` sends pending deliveries to the portal's webhook, with retries;
nothing is lost while the portal is down: the delivery stays ``待投递`` (visible in the
delivery log) until a send succeeds, and then it is ``已投递`` exactly once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from graph.model import Label, RelType
from graph.store import Batch, NodeRef
from workflow.common import iso, new_id

__all__ = ["PENDING", "DELIVERED", "DELIVERY_STATUSES", "EVENTS", "add_delivery"]

PENDING = "待投递"
DELIVERED = "已投递"
DELIVERY_STATUSES = (PENDING, DELIVERED)

EVENTS: dict[str, str] = {
    "push.created": "需求推送给专家",
    "push.reminder": "推送未回复提醒",
    "push.answered": "专家回复推送",
    "challenge.published": "揭榜榜单发布",
    "challenge.status": "揭榜榜单状态变更",
}
"""The webhook events and what each means (Chinese, for the delivery log page)."""


def add_delivery(batch: Batch, event: str, payload: dict[str, Any], subject: NodeRef, now: datetime) -> str:
    """Append a pending Delivery of ``event`` about ``subject`` (a Push or Challenge) to ``batch``; its id."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    delivery_id = new_id("dl")
    at = iso(now)
    body = {"id": delivery_id, "event": event, "created_at": at, "data": payload}
    batch.add_nodes(Label.DELIVERY, [{
        "id": delivery_id, "event": event, "status": PENDING, "created_at": at, "version": 1,
        "payload": json.dumps(body, ensure_ascii=False, sort_keys=True),
        "subject_label": subject.label.value, "subject_id": subject.id,
        "attempts": 0, "next_attempt_at": at,
    }])
    batch.add_rels(RelType.NOTIFIES, Label.DELIVERY, subject.label, [{"start": delivery_id, "end": subject.id}])
    return delivery_id
