"""Feedback: the officer accepts (采纳) or rejects (不采纳) a recommended expert or team, with a reason.

Stored as ``Feedback`` nodes (ABOUT the demand, CONCERNS the expert or team) with the
rank and score the recommendation gave, so they can be exported for learning
(:func:`feedback_rows`) and the latest verdict shown next to each recommendation.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, Node, NodeRef
from workflow.common import BEIJING, field_error, iso, require_node, system_clock
from workflow.push import SOLVER_LABELS
from workflow.states import VERDICTS

__all__ = ["record_feedback", "feedback_of_demand", "latest_verdicts", "feedback_rows"]


def record_feedback(store: GraphStore, demand_id: str, target: NodeRef, *, verdict: str, reason: str = "",
                    actor: str, rank: int | None = None, score: float | None = None,
                    now: datetime | None = None) -> Node:
    """Record a verdict on a recommended expert or team; 不采纳 needs a reason."""
    now = now or system_clock()
    if verdict not in VERDICTS:
        raise field_error("verdict", Msg.workflow.BAD_CHOICE.format(choices="、".join(VERDICTS), value=verdict))
    if verdict == VERDICTS[1] and not reason.strip():
        raise field_error("reason", Msg.workflow.REASON_REQUIRED)
    if target.label not in SOLVER_LABELS:
        raise field_error("target", Msg.workflow.BAD_CHOICE.format(choices="专家、专家团队", value=target.label.value))
    demand = require_node(store, Label.DEMAND, demand_id)
    who = require_node(store, target.label, target.id)
    # Time-ordered id (microseconds, then random): two verdicts within one second still sort in order,
    # so latest_verdicts() never picks the older one.
    fid = f"fb:{now.astimezone(BEIJING):%Y%m%d%H%M%S%f}:{uuid.uuid4().hex[:6]}"
    row: dict[str, Any] = {"id": fid, "verdict": verdict, "reason": reason.strip(), "created_at": iso(now),
                           "actor": actor, "demand_id": demand.id, "demand_title": str(demand.props.get("title")),
                           "target_label": target.label.value, "target_id": target.id, "target_name": who.name}
    if rank is not None:
        row["rank"] = int(rank)
    if score is not None:
        row["score"] = float(score)
    store.write(Batch().add_nodes(Label.FEEDBACK, [row])
                .add_rels(RelType.ABOUT, Label.FEEDBACK, Label.DEMAND, [{"start": fid, "end": demand_id}])
                .add_rels(RelType.CONCERNS, Label.FEEDBACK, target.label, [{"start": fid, "end": target.id}]))
    return require_node(store, Label.FEEDBACK, fid)


def feedback_of_demand(store: GraphStore, demand_id: str) -> list[Node]:
    """The feedback on a demand's recommendations, newest first."""
    found = [nb.node for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.IN,
                                               rel_types=[RelType.ABOUT], labels=[Label.FEEDBACK])]
    return sorted(found, key=lambda n: (str(n.props.get("created_at")), n.id), reverse=True)


def latest_verdicts(store: GraphStore, demand_id: str) -> dict[tuple[str, str], Node]:
    """The latest feedback per (label, id) of expert or team, for one demand."""
    latest: dict[tuple[str, str], Node] = {}
    for node in feedback_of_demand(store, demand_id):
        latest.setdefault((str(node.props.get("target_label")), str(node.props.get("target_id"))), node)
    return latest


def feedback_rows(store: GraphStore) -> list[dict[str, Any]]:
    """Every feedback as plain rows (for export and learning), oldest first."""
    rows = [{"id": n.id, **dict(n.props)} for n in store.all_nodes(Label.FEEDBACK)]
    return sorted(rows, key=lambda r: (str(r.get("created_at")), r["id"]))
