"""Shared machinery of the domain importers: one row in, node and relationship ops out.

A :class:`RowContext` collects the ops and the problems of one input row; the row's
ops are kept only when it has no problem, so nothing of a bad row is ever written.
Nodes that many rows share (an institution, a project's PI) are emitted once, by the
first good row that needs them, and only when they are not stored yet, so a re-load
changes nothing. :class:`Builder` is the base of one builder per kind
(:mod:`ingest.importers`, :mod:`ingest.nsfc`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from graph.errors import Msg, RowError
from graph.model import Label, RelType
from graph.store import GraphStore
from ingest.generic import NodeOp, RelOp
from ingest.mapping import FIELD_SCHEME_ORDER, KINDS, Column
from ingest.resolve import Resolver, institution_id, institution_type, normalize_org

__all__ = ["RowContext", "Builder", "clean"]


def clean(props: dict[str, Any]) -> dict[str, Any]:
    """Properties without empty values: a missing column never removes a stored property."""
    return {k: v for k, v in props.items() if v is not None and v != [] and v != ""}


@dataclass
class RowContext:
    """The ops and problems of one input row."""

    row: int
    kind: str
    where: dict[str, str]  # column name → the header as the file spells it
    failed: set[str] = field(default_factory=set)  # columns whose value could not be read
    errors: list[RowError] = field(default_factory=list)
    ops: list[NodeOp | RelOp] = field(default_factory=list)
    hooks: list[Callable[[], None]] = field(default_factory=list)

    def header(self, column: str) -> str:
        """How to name ``column`` to the person who wrote the file."""
        if column in self.where:
            return self.where[column]
        return next((c.zh for c in KINDS[self.kind] if c.name == column), column)

    def fail(self, column: str, reason: str) -> None:
        """Record a problem with ``column`` of this row."""
        self.errors.append(RowError(self.row, self.header(column), reason))
        self.failed.add(column)

    def require(self, rec: dict[str, Any], *columns: str) -> bool:
        """True when every column has a value; a problem for each empty one that was not already reported."""
        ok = True
        for column in columns:
            if rec.get(column) in (None, "", []):
                ok = False
                if column not in self.failed:
                    self.fail(column, Msg.REQUIRED)
        return ok

    def node(self, label: Label, props: dict[str, Any]) -> None:
        """Upsert a node (empty properties dropped)."""
        self.ops.append(NodeOp(self.row, label, clean(props)))

    def rel(self, rel_type: RelType, start_label: Label, start: str, end_label: Label, end: str,
            **props: Any) -> None:
        """Upsert a relationship between two ids."""
        self.ops.append(RelOp(self.row, rel_type, start_label, end_label, {"start": start, "end": end, **clean(props)}))

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` only if this row turns out good (e.g. remember a shared node was emitted)."""
        self.hooks.append(hook)


class Builder:
    """Turns the rows of one kind into ops; subclasses implement :meth:`build`."""

    kind: ClassVar[str]
    default_source: ClassVar[str] = "import"
    intake: bool = False  # a demand received now (form, API) rather than a file of existing ones
    text_limit: int = 5000  # the longest description (import_rows sets it)
    today: date = date.min  # import_rows sets it; the intake rules compare deadlines with it

    def __init__(self, store: GraphStore, resolver: Resolver, *, default_fields: Sequence[str] = (),
                 source: str | None = None) -> None:
        self.store = store
        self.resolver = resolver
        self.default_fields = tuple(default_fields)
        self.source = source
        self._ids: dict[str, int] = {}
        self._institutions: set[str] = set()

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns of this kind."""
        return KINDS[self.kind]

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """Add the ops of one row (already converted to canonical fields) to ``ctx``."""
        raise NotImplementedError

    def finish(self) -> list[NodeOp | RelOp]:
        """Ops that need every row first (aggregates); none by default."""
        return []

    # -- helpers for subclasses ----------------------------------------------------------------
    def source_of(self, rec: dict[str, Any]) -> str:
        """The row's source, else the load's, else the kind's default."""
        return str(rec.get("source") or self.source or self.default_source)

    def claim(self, ctx: RowContext, node_id: str | None, column: str) -> bool:
        """Whether ``node_id`` is new in this file (a repeat is a problem of ``column``)."""
        if not node_id:
            return False
        if node_id in self._ids:
            ctx.fail(column, Msg.DUPLICATE_ID.format(value=node_id, first=self._ids[node_id]))
            return False
        ctx.on_commit(lambda: self._ids.setdefault(node_id, ctx.row))
        return True

    def resolve(self, ctx: RowContext, column: str, lookup: Callable[[Any], str], value: Any) -> str | None:
        """``lookup(value)``, or ``None`` and a problem of ``column`` when it cannot be resolved."""
        try:
            return lookup(value)
        except ValueError as err:
            ctx.fail(column, str(err))
            return None

    def fields(self, ctx: RowContext, rec: dict[str, Any], *, use_default: bool = False) -> list[tuple[str, float]]:
        """The row's field references resolved to Field ids with weights (repeats merged, max weight)."""
        pairs = rec.get("fields") or ([(f, 1.0) for f in self.default_fields] if use_default else [])
        order = FIELD_SCHEME_ORDER[self.kind]
        out: dict[str, float] = {}
        for ref, weight in pairs:
            fid = self.resolve(ctx, "fields", lambda v: self.resolver.field(v, order), ref)
            if fid is not None:
                out[fid] = max(weight, out.get(fid, 0.0))
        return list(out.items())

    def located_in(self, ctx: RowContext, label: Label, node_id: str, rec: dict[str, Any]) -> None:
        """LOCATED_IN the row's ``region`` when it has one (it must resolve)."""
        if rec.get("region") is not None:
            rid = self.resolve(ctx, "region", self.resolver.region, rec["region"])
            if rid:
                ctx.rel(RelType.LOCATED_IN, label, node_id, Label.REGION, rid)

    def in_industry(self, ctx: RowContext, label: Label, node_id: str, rec: dict[str, Any]) -> None:
        """IN_INDUSTRY each of the row's industries (each must resolve)."""
        for value in rec.get("industry") or []:
            iid = self.resolve(ctx, "industry", self.resolver.industry, value)
            if iid:
                ctx.rel(RelType.IN_INDUSTRY, label, node_id, Label.INDUSTRY, iid)

    def institution(self, ctx: RowContext, name: str, *, source: str) -> str:
        """The id of the institution named ``name``; emitted (with its inferred region) when new."""
        name = normalize_org(name)
        iid = institution_id(name)
        if iid in self._institutions or iid in self.resolver.stored_ids(Label.INSTITUTION):
            return iid
        props = {"id": iid, "name": name, "source": source,
                 "type": institution_type(name, universities=self.resolver.universities)}
        ctx.node(Label.INSTITUTION, props)
        found = self.resolver.institution_region(name)
        if found:
            ctx.rel(RelType.LOCATED_IN, Label.INSTITUTION, iid, Label.REGION, found[0], source=found[1])
        ctx.on_commit(lambda: self._institutions.add(iid))
        return iid
