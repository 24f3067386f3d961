"""揭榜解题: publish a demand as an open challenge, take bids, select one, follow it to the end.

The status machine is :data:`workflow.states.CHALLENGE`. Every change is guarded by the
challenge's version, so a bid can never slip in after the officer selected a winner or
closed the challenge. A completed challenge marks its demand 已解决 in the same batch.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, Node, NodeRef
from workflow.common import (
    conflict,
    enterprise_of_demand,
    field_error,
    iso,
    load_versioned,
    parse_date,
    require_node,
    system_clock,
)
from workflow.demands import open_demand, solve_demand_rows
from workflow.outbox import add_delivery
from workflow.push import SOLVER_LABELS
from workflow.states import CHALLENGE

__all__ = ["challenge_id", "publish_challenge", "submit_bid", "select_bid", "advance",
           "bids_of", "challenge_of_demand", "ACTIONS", "STAMPS", "PAYLOAD_KEYS"]

PUBLISHED, BIDDING, AWARDED, RUNNING, DONE, CLOSED = CHALLENGE.states
SUBMITTED, CHOSEN, NOT_CHOSEN = "已提交", "已中选", "未中选"
ACTIONS = {BIDDING: "开始揭榜", AWARDED: "确定揭榜方", RUNNING: "开始实施", DONE: "验收完成", CLOSED: "关闭"}
"""The Chinese verb of each move, keyed by the state it leads to."""
STAMPS = {BIDDING: "opened_at", AWARDED: "awarded_at", RUNNING: "started_at", DONE: "completed_at",
          CLOSED: "closed_at"}
"""The property that records when a challenge entered each state."""


def challenge_id(demand_id: str) -> str:
    """One challenge per demand."""
    return f"ch:{demand_id}"


def _reward(value: Any) -> float:
    try:
        reward = float(value)
    except (TypeError, ValueError):
        raise field_error("reward_wan", Msg.workflow.BAD_NUMBER.format(what="数字（万元）", value=value)) from None
    if reward < 0 or not math.isfinite(reward):  # NaN and inf too ("inf" from a form)
        raise field_error("reward_wan", Msg.workflow.BAD_NUMBER.format(what="不小于 0 的数字（万元）", value=value))
    return round(reward, 2)


PAYLOAD_KEYS = ("id", "title", "status", "demand_id", "deadline", "reward_wan", "conditions", "winner_id",
                "winner_name")
"""What the portal hears of a challenge in a webhook event."""


def _event(batch: Batch, node_row: dict[str, Any], now: datetime, event: str = "challenge.status") -> None:
    add_delivery(batch, event, {k: node_row[k] for k in PAYLOAD_KEYS if node_row.get(k) is not None},
                 NodeRef(Label.CHALLENGE, node_row["id"]), now)


def publish_challenge(store: GraphStore, demand_id: str, *, conditions: str, deadline: str, reward_wan: Any,
                      actor: str, title: str = "", now: datetime | None = None) -> Node:
    """Publish a demand as a 揭榜 challenge (status 发布), with a ``challenge.published`` webhook event.

    Raises:
        ConflictError: the demand already has a challenge, or is 已解决/已关闭.
        ValidationError: no conditions, a bad deadline or reward, a deadline in the past.
    """
    now = now or system_clock()
    demand = open_demand(store, demand_id, refused="不能发布揭榜")
    cid = challenge_id(demand_id)
    existing = store.get_node(Label.CHALLENGE, cid)
    if existing is not None:
        raise conflict(Msg.workflow.CHALLENGE_EXISTS.format(demand=demand_id, id=cid, status=existing.props.get("status")))
    if not conditions.strip():
        raise field_error("conditions", "不能为空")
    day = parse_date(deadline, "deadline")
    if day < iso(now)[:10]:
        raise field_error("deadline", f"截止日期 {day} 已过")
    row = {"id": cid, "title": title.strip() or str(demand.props.get("title")), "status": PUBLISHED,
           "created_at": iso(now), "version": 1, "conditions": conditions.strip(), "deadline": day,
           "reward_wan": _reward(reward_wan), "actor": actor, "demand_id": demand_id,
           "enterprise_id": enterprise_of_demand(store, demand_id), "history": [f"{iso(now)} {PUBLISHED} {actor}"]}
    batch = Batch().add_nodes(Label.CHALLENGE, [row])
    batch.add_rels(RelType.ABOUT, Label.CHALLENGE, Label.DEMAND, [{"start": cid, "end": demand_id}])
    _event(batch, row, now, "challenge.published")
    store.write(batch)
    return require_node(store, Label.CHALLENGE, cid)


def _move(store: GraphStore, cid: str, target: str, *, actor: str, now: datetime, reason: str = "",
          extra: dict[str, Any] | None = None) -> tuple[Batch, dict[str, Any]]:
    """A guarded batch that moves challenge ``cid`` to ``target`` (checked against the machine)."""
    node = load_versioned(store, Label.CHALLENGE, cid)
    CHALLENGE.check(cid, str(node.props.get("status")), target, ACTIONS[target])
    history = [*list(node.props.get("history") or []), f"{iso(now)} {target} {actor} {reason}".strip()]
    row = node.updated(status=target, history=history, **{STAMPS[target]: iso(now)}, **(extra or {}))
    batch = Batch(expect=[node.expect]).add_nodes(Label.CHALLENGE, [row])
    _event(batch, row, now)
    return batch, row


def submit_bid(store: GraphStore, cid: str, bidder: NodeRef, *, proposal: str, actor: str,
               now: datetime | None = None) -> Node:
    """An expert or team bids on a challenge in 揭榜中, before its deadline, once.

    Raises:
        ConflictError: the challenge is not 揭榜中, the deadline passed, or the bidder bid already.
    """
    now = now or system_clock()
    if bidder.label not in SOLVER_LABELS:
        raise field_error("bidder", Msg.workflow.BAD_CHOICE.format(choices="专家、专家团队", value=bidder.label.value))
    who = require_node(store, bidder.label, bidder.id)
    challenge = load_versioned(store, Label.CHALLENGE, cid)
    status = str(challenge.props.get("status"))
    if status != BIDDING:
        raise conflict(Msg.workflow.BID_CLOSED.format(id=cid, status=status))
    if iso(now)[:10] > str(challenge.props.get("deadline")):
        raise conflict(Msg.workflow.BID_LATE.format(id=cid, deadline=challenge.props.get("deadline")))
    if not proposal.strip():
        raise field_error("proposal", "不能为空")
    bid_id = f"bid:{cid}:{bidder.label.value.lower()}:{bidder.id}"
    if store.get_node(Label.BID, bid_id) is not None:
        raise conflict(Msg.workflow.BID_TWICE.format(who=who.name, id=cid, bid=bid_id))
    row = {"id": bid_id, "status": SUBMITTED, "created_at": iso(now), "version": 1, "proposal": proposal.strip(),
           "challenge_id": cid, "bidder_label": bidder.label.value, "bidder_id": bidder.id,
           "bidder_name": who.name, "actor": actor}
    # Guarded by the challenge: a bid and "select"/"close" never interleave.
    batch = Batch(expect=[challenge.expect]).add_nodes(Label.CHALLENGE, [challenge.updated()])
    batch.add_nodes(Label.BID, [row])
    batch.add_rels(RelType.SUBMITTED, bidder.label, Label.BID, [{"start": bidder.id, "end": bid_id}])
    batch.add_rels(RelType.BIDS_ON, Label.BID, Label.CHALLENGE, [{"start": bid_id, "end": cid}])
    store.write(batch)
    return require_node(store, Label.BID, bid_id)


def bids_of(store: GraphStore, cid: str) -> list[Node]:
    """The bids on a challenge, oldest first."""
    found = [nb.node for nb in store.neighbors(Label.CHALLENGE, cid, direction=Direction.IN,
                                               rel_types=[RelType.BIDS_ON])]
    return sorted(found, key=lambda n: (str(n.props.get("created_at")), n.id))


def select_bid(store: GraphStore, cid: str, bid_id: str, *, actor: str, now: datetime | None = None) -> Node:
    """揭榜中 → 已揭榜: the officer selects one bid; the others become 未中选."""
    now = now or system_clock()
    bids = {b.id: b for b in bids_of(store, cid)}
    if bid_id not in bids:
        require_node(store, Label.BID, bid_id)
        raise conflict(Msg.workflow.BID_NOT_ON.format(bid=bid_id, id=cid))
    chosen = bids[bid_id].props
    batch, _ = _move(store, cid, AWARDED, actor=actor, now=now,
                     extra={"winner_bid": bid_id, "winner_label": chosen["bidder_label"],
                            "winner_id": chosen["bidder_id"], "winner_name": chosen.get("bidder_name")})
    batch.add_nodes(Label.BID, [{"id": b.id, **dict(b.props), "status": CHOSEN if b.id == bid_id else NOT_CHOSEN,
                                 "version": int(b.props.get("version") or 0) + 1} for b in bids.values()])
    winner = Label.parse(chosen["bidder_label"])
    batch.add_rels(RelType.AWARDED_TO, Label.CHALLENGE, winner, [{"start": cid, "end": chosen["bidder_id"],
                                                                  "bid": bid_id, "at": iso(now)}])
    store.write(batch)
    return require_node(store, Label.CHALLENGE, cid)


def advance(store: GraphStore, cid: str, target: str, *, actor: str, reason: str = "",
            now: datetime | None = None) -> Node:
    """Move a challenge to 揭榜中 / 实施中 / 已完成 / 已关闭 (已揭榜 goes through :func:`select_bid`).

    Closing needs a reason; completing marks the demand 已解决 in the same batch.
    """
    now = now or system_clock()
    if target == AWARDED:
        raise field_error("status", "确定揭榜方请选择一个揭榜方案（select）")
    if target not in ACTIONS:
        raise field_error("status", Msg.workflow.BAD_CHOICE.format(choices="、".join(ACTIONS), value=target))
    if target == CLOSED and not reason.strip():
        raise field_error("reason", "关闭榜单必须填写理由")
    batch, row = _move(store, cid, target, actor=actor, now=now, reason=reason.strip(),
                       extra={"closed_reason": reason.strip()} if target == CLOSED else None)
    if target == DONE:
        solve_demand_rows(store, str(row["demand_id"]), batch, by=cid, now=now)
    store.write(batch)
    return require_node(store, Label.CHALLENGE, cid)


def challenge_of_demand(store: GraphStore, demand_id: str) -> Node | None:
    """The demand's challenge, if it was published as one."""
    return store.get_node(Label.CHALLENGE, challenge_id(demand_id))
