"""Push demands to experts, teams and service platforms (issue 16); the experts' inbox; accept or decline; reminders.

A push is keyed by demand and recipient (``push:<demand>:<label>:<recipient>``), so
pushing the same demand to the same expert twice records one push (the second is
reported as already pushed). Each new push carries a ``push.created`` webhook delivery
in the same batch; the first push of a 待对接 demand moves it to 对接中.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from graph.errors import ConflictError, Msg
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, Node, NodeRef
from workflow.common import (
    conflict,
    field_error,
    iso,
    load_versioned,
    new_id,
    parse_time,
    record,
    require_node,
    system_clock,
)
from workflow.demands import engage_demand_rows, open_demand
from workflow.outbox import add_delivery
from workflow.states import CHANNELS, PUSH

__all__ = ["PushResult", "push_id", "push_demands", "inbox", "respond", "send_reminders", "pushes_of_demand",
           "MIN_REMIND_HOURS", "MAX_REMIND_HOURS",
           "MAX_PUSHES", "SOLVER_LABELS", "PUSH_LABELS", "PAYLOAD_KEYS"]

MAX_PUSHES = 500
MIN_REMIND_HOURS = 1.0
"""Reminders wait at least this long, so no caller can re-send them to an expert on every call."""
MAX_REMIND_HOURS = 24.0 * 366 * 10
"""Ten years: anything longer is a typo (and beyond what a date can subtract)."""
"""At most this many (demand, recipient) pairs in one push."""
SOLVER_LABELS = (Label.EXPERT, Label.TEAM)
PUSH_LABELS = (*SOLVER_LABELS, Label.PLATFORM)
"""Who can be pushed a demand: experts, teams and service platforms (科研平台、公共服务平台, issue 16)."""
PENDING, ACCEPTED, DECLINED = PUSH.states


@dataclass
class PushResult:
    """What one push call did: pushes created and pairs skipped because they were pushed before."""

    created: list[Node] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    batch_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "created": [record(n) for n in self.created],
                "already_pushed": list(self.already)}


def push_id(demand_id: str, recipient: NodeRef) -> str:
    """The id of the push of ``demand_id`` to ``recipient``."""
    return f"push:{demand_id}:{recipient.label.value.lower()}:{recipient.id}"


def _recipients(store: GraphStore, targets: Sequence[NodeRef]) -> dict[NodeRef, Node]:
    if not targets:
        raise field_error("targets", Msg.workflow.NO_TARGETS)
    found: dict[NodeRef, Node] = {}
    for label in PUSH_LABELS:
        ids = list(dict.fromkeys(t.id for t in targets if t.label == label))
        found.update({n.ref: n for n in store.get_nodes(label, ids)})
    for t in targets:
        if t.label not in PUSH_LABELS:
            raise field_error("targets", Msg.workflow.BAD_CHOICE.format(choices="专家、专家团队、服务平台", value=t.label.value))
        if t not in found:
            require_node(store, t.label, t.id)  # raises NotFoundError naming it
    return found


def push_demands(store: GraphStore, demand_ids: Sequence[str], targets: Sequence[NodeRef], *, actor: str,
                 channel: str = CHANNELS[0], note: str = "", source: str = "recommendation",
                 scores: dict[str, float] | None = None, now: datetime | None = None) -> PushResult:
    """Push every demand of ``demand_ids`` to every recipient in ``targets`` (experts, teams or platforms), atomically.

    Raises:
        ValidationError: no recipients, an unknown channel, too many pairs.
        NotFoundError: a demand or recipient that does not exist.
        ConflictError: a demand already 已解决/已关闭, or changed concurrently.
    """
    now = now or system_clock()
    if channel not in CHANNELS:
        raise field_error("channel", Msg.workflow.BAD_CHOICE.format(choices="、".join(CHANNELS), value=channel))
    demand_ids = list(dict.fromkeys(str(d) for d in demand_ids))
    if not demand_ids:
        raise field_error("demand_ids", "不能为空")
    recipients = _recipients(store, targets)
    pairs = len(demand_ids) * len(recipients)
    if pairs > MAX_PUSHES:
        raise field_error("targets", Msg.workflow.TOO_MANY.format(limit=MAX_PUSHES, count=pairs))
    result = PushResult(batch_id=new_id("pb"))
    batch = Batch()
    rows: list[dict[str, Any]] = []
    for demand_id in demand_ids:
        demand = open_demand(store, demand_id, refused="不能再推送")
        engage_demand_rows(demand, batch)
        ids = {push_id(demand_id, r): r for r in recipients}
        existing = {n.id for n in store.get_nodes(Label.PUSH, list(ids))}
        for pid, recipient in ids.items():
            if pid in existing:
                result.already.append(pid)
                continue
            node = recipients[recipient]
            row = {"id": pid, "status": PENDING, "created_at": iso(now), "version": 1, "demand_id": demand_id,
                   "demand_title": str(demand.props.get("title", "")), "target_label": recipient.label.value,
                   "target_id": recipient.id, "target_name": node.name, "channel": channel, "actor": actor,
                   "note": note.strip(), "source": source, "batch_id": result.batch_id, "reminders": 0}
            if scores and recipient.id in scores:
                row["score"] = float(scores[recipient.id])
            rows.append(row)
            add_delivery(batch, "push.created", _payload(row), NodeRef(Label.PUSH, pid), now)
    if not rows:
        return result
    batch.add_nodes(Label.PUSH, rows)
    batch.add_rels(RelType.ABOUT, Label.PUSH, Label.DEMAND, [{"start": r["id"], "end": r["demand_id"]} for r in rows])
    for label in PUSH_LABELS:
        mine = [{"start": r["id"], "end": r["target_id"]} for r in rows if r["target_label"] == label.value]
        if mine:
            batch.add_rels(RelType.PUSHED_TO, Label.PUSH, label, mine)
    store.write(batch)
    result.created = store.get_nodes(Label.PUSH, [r["id"] for r in rows])
    return result


PAYLOAD_KEYS = ("id", "status", "demand_id", "demand_title", "target_label", "target_id", "target_name", "channel",
                "created_at", "answered_at", "reason", "reminders")
"""What the portal hears of a push in a webhook event (no contact details)."""


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in PAYLOAD_KEYS if row.get(k) is not None}


def pushes_of_demand(store: GraphStore, demand_id: str) -> list[Node]:
    """Every push of a demand, oldest first."""
    found = [nb.node for _, nb in store.expand([NodeRef(Label.DEMAND, demand_id)], direction=Direction.IN,
                                                rel_types=[RelType.ABOUT], labels=[Label.PUSH])]
    return sorted(found, key=lambda n: (str(n.props.get("created_at")), n.id))


def inbox(store: GraphStore, expert_id: str, *, status: str | None = None) -> list[Node]:
    """The pushes an expert received, directly or through a team they belong to, newest first."""
    expert = require_node(store, Label.EXPERT, expert_id)
    refs = [expert.ref] + [nb.node.ref for nb in store.neighbors(Label.EXPERT, expert_id, direction=Direction.OUT,
                                                                  rel_types=[RelType.MEMBER_OF])]
    if status is not None and status not in PUSH.states:
        raise field_error("status", Msg.workflow.BAD_CHOICE.format(choices="、".join(PUSH.states), value=status))
    pushes = {nb.node.id: nb.node for _, nb in store.expand(refs, direction=Direction.IN,
                                                             rel_types=[RelType.PUSHED_TO], labels=[Label.PUSH])}
    chosen = [p for p in pushes.values() if status is None or p.props.get("status") == status]
    return sorted(chosen, key=lambda n: (str(n.props.get("created_at")), n.id), reverse=True)


def respond(store: GraphStore, push: str, *, accept: bool, reason: str = "", responder: str,
            expert_id: str | None = None, now: datetime | None = None) -> Node:
    """Accept or decline a push (declining needs a reason); ``expert_id`` checks it is theirs.

    Raises:
        ConflictError: already answered (or answered concurrently).
        ValidationError: declining without a reason.
    """
    now = now or system_clock()
    node = load_versioned(store, Label.PUSH, push)
    if expert_id is not None and expert_id not in _owners(store, node.node):
        raise conflict(Msg.workflow.NOT_YOUR_PUSH.format(id=push, who=expert_id))
    current = str(node.props.get("status"))
    if current != PENDING:
        raise conflict(Msg.workflow.PUSH_ANSWERED.format(id=push, at=node.props.get("answered_at", ""), verdict=current))
    target = ACCEPTED if accept else DECLINED
    PUSH.check(push, current, target, "回复")
    if not accept and not reason.strip():
        raise field_error("reason", Msg.workflow.REASON_REQUIRED)
    row = node.updated(status=target, answered_at=iso(now), reason=reason.strip() or None, responder=responder)
    batch = Batch(expect=[node.expect]).add_nodes(Label.PUSH, [row])
    add_delivery(batch, "push.answered", _payload(row), node.node.ref, now)
    store.write(batch)
    return require_node(store, Label.PUSH, push)


def _owners(store: GraphStore, push: Node) -> set[str]:
    """The experts a push is for: its expert, or the members of its team (none for a platform's: the officer
    records the platform's answer)."""
    if push.props.get("target_label") == Label.EXPERT.value:
        return {str(push.props.get("target_id"))}
    if push.props.get("target_label") == Label.PLATFORM.value:
        return set()
    return {nb.node.id for nb in store.neighbors(Label.TEAM, str(push.props.get("target_id")),
                                                 direction=Direction.IN, rel_types=[RelType.MEMBER_OF])}


def _pending(store: GraphStore, limit: int) -> list[Node]:
    """Up to ``limit`` unanswered pushes, by id (paged: a big backlog is read in chunks)."""
    found: list[Node] = []
    while len(found) < limit:
        page = store.find_nodes(Label.PUSH, props={"status": PENDING}, skip=len(found), limit=min(500, limit - len(found)))
        found += page.nodes
        if not page.nodes or len(found) >= page.total:
            break
    return found


def send_reminders(store: GraphStore, *, after_hours: float, now: datetime | None = None,
                   limit: int = 100_000) -> list[str]:
    """Remind every push unanswered for ``after_hours`` since it was sent (or last reminded); the ids.

    Each reminder bumps ``reminders``, sets ``last_reminded_at`` and queues a
    ``push.reminder`` webhook delivery, guarded per push (a push answered meanwhile is skipped).
    """
    now = now or system_clock()
    if (isinstance(after_hours, bool) or not isinstance(after_hours, (int, float)) or not math.isfinite(after_hours)
            or not MIN_REMIND_HOURS <= after_hours <= MAX_REMIND_HOURS):
        what = f"{MIN_REMIND_HOURS:g} 到 {MAX_REMIND_HOURS:g} 之间的小时数"
        raise field_error("after_hours", Msg.workflow.BAD_NUMBER.format(what=what, value=after_hours))
    due_before = now - timedelta(hours=after_hours)
    reminded: list[str] = []
    for push in _pending(store, limit):
        last = str(push.props.get("last_reminded_at") or push.props.get("created_at"))
        if parse_time(last) > due_before:
            continue
        node = load_versioned(store, Label.PUSH, push.id)
        count = int(node.props.get("reminders") or 0) + 1
        row = node.updated(reminders=count, last_reminded_at=iso(now))
        batch = Batch(expect=[node.expect]).add_nodes(Label.PUSH, [row])
        add_delivery(batch, "push.reminder", _payload(row), push.ref, now)
        try:
            store.write(batch)
        except ConflictError:
            continue
        reminded.append(push.id)
    return reminded

