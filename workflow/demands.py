"""The demand's own moves, shared by every workflow that touches one (push, dispatch, service, 揭榜).

The machine is :data:`workflow.states.DEMAND`: 待对接 → 对接中 → 已解决, 已关闭 from either
open state. Each helper adds guarded rows to the caller's batch, so the demand moves in the
same transaction as the fact that moved it.
"""

from __future__ import annotations

from datetime import datetime

from graph.errors import Msg
from graph.model import Label
from graph.store import Batch, GraphStore
from workflow.common import Versioned, conflict, iso, load_versioned
from workflow.states import DEMAND, demand_state

__all__ = ["open_demand", "engage_demand_rows", "solve_demand_rows"]

ENGAGED, SOLVED = "对接中", "已解决"


def open_demand(store: GraphStore, demand_id: str, *, refused: str) -> Versioned:
    """The demand read for update; ConflictError when it is 已解决/已关闭 (``refused`` says what, e.g. 「不能再推送」)."""
    demand = load_versioned(store, Label.DEMAND, demand_id)
    status = demand_state(demand.props.get("status"))
    if DEMAND.final(status):
        raise conflict(Msg.workflow.DEMAND_SOLVED.format(id=demand_id, status=status) + f"，{refused}")
    return demand


def engage_demand_rows(demand: Versioned, batch: Batch) -> None:
    """Add "待对接 → 对接中" to ``batch`` (guarded); a demand already engaged stays as it is."""
    if demand_state(demand.props.get("status")) == DEMAND.initial:
        batch.expect.append(demand.expect)
        batch.add_nodes(Label.DEMAND, [demand.updated(status=ENGAGED)])


def solve_demand_rows(store: GraphStore, demand_id: str, batch: Batch, *, by: str, now: datetime) -> None:
    """Add "demand → 已解决" to ``batch`` (guarded); a demand already solved stays as it is."""
    demand = load_versioned(store, Label.DEMAND, demand_id)
    status = demand_state(demand.props.get("status"))
    if status == SOLVED:
        return
    DEMAND.check(demand_id, status, SOLVED, "标记为已解决")
    batch.expect.append(demand.expect)
    batch.add_nodes(Label.DEMAND, [demand.updated(status=SOLVED, solved_at=iso(now), solved_by=by)])
