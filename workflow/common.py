"""What every workflow module shares: the clock, ids, Chinese messages, and reading a node for update."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.clock import BEIJING, Clock, fixed_clock, system_clock, this_year, today
from graph.errors import ConflictError, Msg, NotFoundError, RowError, ValidationError
from graph.model import KEY, NODE_SPECS, VERSION, Label, RelType
from graph.store import Direction, Expect, GraphStore, Node, version_of

__all__ = [
    "BEIJING",
    "Clock",
    "system_clock",
    "this_year",
    "today",
    "fixed_clock",
    "iso",
    "parse_time",
    "parse_date",
    "new_id",
    "field_error",
    "conflict",
    "require_node",
    "Versioned",
    "load_versioned",
    "full_row",
    "enterprise_of_demand",
    "record",
]

def iso(moment: datetime) -> str:
    """``2026-11-27T17:30:00+08:00``: seconds, Beijing time."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def parse_time(value: str) -> datetime:
    """An ISO time written by :func:`iso` (naive values are taken as Beijing time)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def parse_date(value: Any, field: str) -> str:
    """A ``YYYY-MM-DD`` date as text; ValidationError naming ``field`` otherwise."""
    try:
        return datetime.strptime(str(value).strip(), "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise field_error(field, Msg.workflow.BAD_DATE.format(value=value)) from None


def new_id(prefix: str) -> str:
    """A fresh id such as ``push:3f2a…`` (uuid4 hex, 12 characters: unique enough, short to read)."""
    return f"{prefix}:{uuid.uuid4().hex[:12]}"


def field_error(field: str, reason: str) -> ValidationError:
    """A ValidationError naming ``field`` (the API answers 400 with it under ``errors``)."""
    return ValidationError(Msg.FIELD.format(field=field, reason=reason), errors=[RowError(None, field, reason)])


def conflict(message: str) -> ConflictError:
    """A refusal because of stored state (HTTP 409)."""
    return ConflictError(message)


def require_node(store: GraphStore, label: Label, node_id: str) -> Node:
    """The node, or NotFoundError with the Chinese name of its label."""
    node = store.get_node(label, str(node_id or ""))
    if node is None:
        raise NotFoundError(Msg.NOT_FOUND.format(label=NODE_SPECS[label].zh, id=node_id))
    return node


@dataclass(frozen=True)
class Versioned:
    """A node read for update: its properties and the guard that a write of it needs."""

    node: Node

    @property
    def props(self) -> Mapping[str, Any]:
        return self.node.props

    @property
    def version(self) -> int:
        return version_of(self.node.props)

    @property
    def expect(self) -> Expect:
        return Expect(self.node.ref, self.version)

    def updated(self, **changes: Any) -> dict[str, Any]:
        """The full row of this node with ``changes`` applied and the version bumped."""
        return full_row(self.node, **changes, **{VERSION: self.version + 1})


def load_versioned(store: GraphStore, label: Label, node_id: str) -> Versioned:
    """Read a node for a guarded update (NotFoundError when it does not exist)."""
    return Versioned(require_node(store, label, node_id))


def full_row(node: Node, **changes: Any) -> dict[str, Any]:
    """A node row with every stored property plus ``changes`` (``None`` removes a property)."""
    return {KEY: node.id, **dict(node.props), **changes}


def enterprise_of_demand(store: GraphStore, demand_id: str) -> str | None:
    """The id of the enterprise that posted a demand (None when unknown)."""
    posted = store.neighbors(Label.DEMAND, demand_id, direction=Direction.IN, rel_types=[RelType.POSTED],
                             labels=[Label.ENTERPRISE], limit=1)
    return posted[0].node.id if posted else None


def record(node: Node) -> dict[str, Any]:
    """A workflow node as plain data for people and clients: ``id`` and its set properties,
    without the internal ``version`` guard."""
    return {"id": node.id, **{k: v for k, v in node.props.items() if k != VERSION and v is not None}}
