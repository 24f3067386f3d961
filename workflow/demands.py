"""The demand's own moves, shared by every workflow that touches one (push, dispatch, service, 揭榜).

The machine is :data:`workflow.states.DEMAND`: 待对接 → 对接中 → 已解决, 已关闭 from either
open state. Each helper adds guarded rows to the caller's batch, so the demand moves in the
same transaction as the fact that moved it.

:func:`set_demand_fields` is an officer's correction of the technical fields a demand is filed
under (the linker's choice, or the importer's): the demand's NEEDS links are replaced in one
guarded transaction, marked ``method="officer"``, and the fields it had before are kept on the
demand (``fields_before``) beside who corrected it and when — the labelled pairs a later linker
can learn from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, NodeRef, Unlink
from ingest.mapping import FIELD_SCHEME_ORDER, column, convert
from ingest.resolve import Resolver
from workflow.common import Versioned, conflict, field_error, iso, load_versioned
from workflow.states import DEMAND, demand_state

__all__ = ["open_demand", "engage_demand_rows", "solve_demand_rows", "set_demand_fields", "MAX_FIELDS"]

MAX_FIELDS = 10
"""At most this many fields per correction (a demand is filed under a few fields, not a taxonomy)."""

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


def set_demand_fields(store: GraphStore, demand_id: str, fields: Any, *, by: str, now: datetime,
                      resolver: Resolver | None = None) -> list[tuple[str, float]]:
    """Replace the demand's technical fields (NEEDS) with ``fields``, as the importer reads them: field ids, codes or
    exact names with optional weights (``{"ht2016:603": 1}``, ``["603", "601=0.5"]``, ``"603；601=0.5"``).

    One guarded write: the old links go and the new ones (``method="officer"``) come in the same transaction, with
    ``fields_before``, ``fields_set_by`` and ``fields_set_at`` on the demand. Returns the fields set, strongest first.

    Raises:
        NotFoundError: no such demand.
        ValidationError: no field, too many, a bad weight, or a reference that names no stored field (all named,
            nothing written).
        ConflictError: the demand changed since it was read (another writer).
    """
    demand = load_versioned(store, Label.DEMAND, demand_id)
    try:
        pairs = convert(column("demand", "fields"), fields) or []
    except ValueError as err:
        raise field_error("fields", str(err)) from None
    if not pairs:
        raise field_error("fields", Msg.workflow.NO_FIELDS)
    resolver = resolver or Resolver(store)
    chosen: dict[str, float] = {}
    errors: list[RowError] = []
    for ref, weight in pairs:
        try:
            fid = resolver.field(ref, FIELD_SCHEME_ORDER["demand"])
        except ValueError as err:
            errors.append(RowError(None, "fields", str(err)))
            continue
        chosen[fid] = max(weight, chosen.get(fid, 0.0))
    if len(chosen) > MAX_FIELDS:
        errors.append(RowError(None, "fields", Msg.workflow.TOO_MANY.format(limit=MAX_FIELDS, count=len(chosen))))
    if errors:
        raise ValidationError.from_errors(errors)
    before = sorted(nb.node.id for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.OUT,
                                                          rel_types=[RelType.NEEDS], labels=[Label.FIELD]))
    batch = Batch(expect=[demand.expect], unlink=[Unlink(RelType.NEEDS, NodeRef(Label.DEMAND, demand_id), Label.FIELD)])
    batch.add_nodes(Label.DEMAND, [demand.updated(fields_before=before, fields_set_by=by, fields_set_at=iso(now))])
    batch.add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD,
                   [{"start": demand_id, "end": fid, "weight": w, "method": "officer"} for fid, w in chosen.items()])
    store.write(batch)
    return sorted(chosen.items(), key=lambda fw: (-fw[1], fw[0]))
