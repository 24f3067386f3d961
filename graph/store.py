"""The GraphStore contract: the one interface every backend implements.

``recommend/`` and ``api/`` read the graph only through this contract, and
``ingest/`` writes through it, so the embedded store (:mod:`graph.local_store`) and
the Neo4j store (:mod:`graph.neo4j_store`) are interchangeable. The conformance
suite (``tests/test_store_conformance.py``) runs the same tests against both and
demands identical answers, so every ordering here is specified, never left to a
backend.

Semantics shared by both stores:

* Nodes are keyed by ``(label, id)``. Upserting a node merges its properties into
  the stored ones (``SET n += row``); a property given as ``None`` is removed.
* A relationship is keyed by ``(type, start, end)``: at most one of a type between
  two nodes, in one direction. Upserting merges its properties the same way.
* :meth:`GraphStore.write` is all-or-nothing: the whole batch is validated first
  (labels, types, required properties, property types, endpoints that exist either
  in the store or in the same batch) and then committed in one transaction. When it
  returns, the batch is durable.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graph.errors import Msg, NotFoundError, RowError, ValidationError
from graph.model import KEY, NODE_SPECS, Label, RelType, node_errors, rel_errors

__all__ = [
    "Direction",
    "NodeRef",
    "Node",
    "Relationship",
    "Neighbor",
    "Subgraph",
    "Counts",
    "NodeBatch",
    "RelBatch",
    "Batch",
    "WriteSummary",
    "GraphStore",
    "validate_batch",
]


class Direction(StrEnum):
    """Which relationships of a node to follow, seen from that node."""

    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True, order=True)
class NodeRef:
    """The key of a node: its label and its id."""

    label: Label
    id: str

    def as_dict(self) -> dict[str, str]:
        """Plain data for JSON."""
        return {"label": self.label.value, "id": self.id}


@dataclass(frozen=True)
class Node:
    """A stored node; ``props`` holds every property except the key ``id``."""

    label: Label
    id: str
    props: Mapping[str, Any]

    @property
    def ref(self) -> NodeRef:
        """This node's key."""
        return NodeRef(self.label, self.id)

    @property
    def name(self) -> str:
        """The human-readable name: ``name``, else ``title``, else the id."""
        return str(self.props.get("name") or self.props.get("title") or self.id)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"label": self.label.value, "id": self.id, "props": dict(self.props)}


@dataclass(frozen=True)
class Relationship:
    """A stored relationship from ``start`` to ``end``."""

    type: RelType
    start: NodeRef
    end: NodeRef
    props: Mapping[str, Any]

    def sort_key(self) -> tuple[str, str, str, str, str]:
        """The order every store lists relationships in."""
        return (self.type.value, self.start.label.value, self.start.id, self.end.label.value, self.end.id)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"type": self.type.value, "start": self.start.as_dict(), "end": self.end.as_dict(),
                "props": dict(self.props)}


@dataclass(frozen=True)
class Neighbor:
    """One relationship of a node and the node at its other end."""

    rel: Relationship
    node: Node
    direction: Direction  # OUT: the asked node is the start; IN: it is the end

    def sort_key(self) -> tuple[str, str, str, str]:
        """The order :meth:`GraphStore.neighbors` returns: type, direction, label, id."""
        return (self.rel.type.value, self.direction.value, self.node.label.value, self.node.id)


@dataclass(frozen=True)
class Subgraph:
    """A bounded piece of the graph around a node, for drawing."""

    nodes: list[Node]
    relationships: list[Relationship]
    truncated: bool  # True when max_nodes cut off nodes that were reachable within depth

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"nodes": [n.as_dict() for n in self.nodes],
                "relationships": [r.as_dict() for r in self.relationships],
                "truncated": self.truncated}


@dataclass(frozen=True)
class Counts:
    """How many nodes per label and relationships per type (zeros omitted, keys sorted)."""

    nodes: dict[str, int]
    relationships: dict[str, int]

    def as_dict(self) -> dict[str, dict[str, int]]:
        """The shape ``kgmatch stats --json`` prints."""
        return {"nodes": dict(self.nodes), "relationships": dict(self.relationships)}


@dataclass
class NodeBatch:
    """Rows of one label; each row is ``{"id": ..., **properties}``."""

    label: Label
    rows: list[dict[str, Any]]


@dataclass
class RelBatch:
    """Rows of one relationship type between two labels; each row is ``{"start", "end", **properties}``."""

    type: RelType
    start_label: Label
    end_label: Label
    rows: list[dict[str, Any]]


@dataclass
class Batch:
    """Everything one :meth:`GraphStore.write` commits at once: nodes first, then relationships.

    ``replace_types`` lists relationship types whose every existing relationship is
    deleted first, in the same transaction, so a computed relation (``RELATED_TO``)
    can be recomputed atomically.
    """

    nodes: list[NodeBatch] = field(default_factory=list)
    rels: list[RelBatch] = field(default_factory=list)
    replace_types: list[RelType] = field(default_factory=list)

    def add_nodes(self, label: Label, rows: Iterable[Mapping[str, Any]]) -> Batch:
        """Append node rows of one label; returns self for chaining."""
        self.nodes.append(NodeBatch(Label.parse(label), [dict(r) for r in rows]))
        return self

    def add_rels(self, rel_type: RelType, start_label: Label, end_label: Label,
                 rows: Iterable[Mapping[str, Any]]) -> Batch:
        """Append relationship rows of one type; returns self for chaining."""
        self.rels.append(RelBatch(RelType.parse(rel_type), Label.parse(start_label), Label.parse(end_label),
                                  [dict(r) for r in rows]))
        return self

    def __len__(self) -> int:
        return sum(len(b.rows) for b in self.nodes) + sum(len(b.rows) for b in self.rels)


@dataclass(frozen=True)
class WriteSummary:
    """What a committed batch contained (rows, not distinct changes)."""

    nodes: int
    relationships: int


def validate_batch(batch: Batch) -> None:
    """Check every row of ``batch`` against the model; raise one ValidationError listing all problems.

    Row numbers count 1-based through the whole batch in order (nodes, then
    relationships), so a caller that built the batch from one file can map them back.
    Endpoint existence needs the store and is checked by each backend.
    """
    errors: list[RowError] = []
    row_no = 0
    for nb in batch.nodes:
        for row in nb.rows:
            row_no += 1
            errors.extend(node_errors(nb.label, row, row_no=row_no))
    for rb in batch.rels:
        for row in rb.rows:
            row_no += 1
            errors.extend(rel_errors(rb.type, rb.start_label, rb.end_label, row, row_no=row_no))
            if rb.start_label == rb.end_label and row.get("start") == row.get("end"):
                errors.append(RowError(row_no, "end", "不能与起点相同"))
    if errors:
        raise ValidationError.from_errors(errors)


def missing_endpoint_errors(missing: Iterable[tuple[int, str, NodeRef]]) -> ValidationError:
    """The error for relationship rows whose endpoints exist neither in the store nor in the batch."""
    errors = [RowError(row_no, end, Msg.MISSING_ENDPOINT.format(label=NODE_SPECS[ref.label].zh, id=ref.id))
              for row_no, end, ref in missing]
    return ValidationError.from_errors(errors)


def node_props(row: Mapping[str, Any]) -> dict[str, Any]:
    """A node row without its key: the properties to merge."""
    return {k: v for k, v in row.items() if k != KEY}


def rel_props(row: Mapping[str, Any]) -> dict[str, Any]:
    """A relationship row without its endpoints: the properties to merge."""
    return {k: v for k, v in row.items() if k not in ("start", "end")}


def merge_props(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``SET n += new`` semantics: new values win, ``None`` removes, lists are stored as lists."""
    merged = dict(old)
    for key, value in new.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = list(value) if isinstance(value, tuple) else value
    return merged


class GraphStore(abc.ABC):
    """The contract of a knowledge-graph store. Use as a context manager to close it."""

    backend: str = "abstract"

    # -- lifecycle ---------------------------------------------------------------------------
    @abc.abstractmethod
    def init_schema(self) -> None:
        """Create constraints and indexes (Neo4j) or the on-disk files (local); idempotent."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files; the store is unusable afterwards."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (tests and ``kgmatch init --reset``)."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ------------------------------------------------------------------------------
    @abc.abstractmethod
    def write(self, batch: Batch) -> WriteSummary:
        """Validate and commit ``batch`` atomically; durable when this returns.

        Raises:
            ValidationError: a row is invalid or names an endpoint that does not exist;
                nothing was written.
            StoreError / StoreUnavailableError: the backend failed; nothing was written.
        """

    def upsert_nodes(self, label: Label, rows: Iterable[Mapping[str, Any]]) -> WriteSummary:
        """Merge node rows of one label on their id (one atomic batch)."""
        return self.write(Batch().add_nodes(label, rows))

    def upsert_relationships(self, rel_type: RelType, start_label: Label, end_label: Label,
                             rows: Iterable[Mapping[str, Any]]) -> WriteSummary:
        """Merge relationship rows ``{"start", "end", **props}`` of one type (one atomic batch)."""
        return self.write(Batch().add_rels(rel_type, start_label, end_label, rows))

    # -- reads -------------------------------------------------------------------------------
    @abc.abstractmethod
    def get_nodes(self, label: Label, ids: Sequence[str]) -> list[Node]:
        """The nodes of ``label`` with these ids that exist, in the order of ``ids``."""

    def get_node(self, label: Label, node_id: str) -> Node | None:
        """One node by key, or ``None``."""
        found = self.get_nodes(label, [node_id])
        return found[0] if found else None

    @abc.abstractmethod
    def list_nodes(self, label: Label, *, skip: int = 0, limit: int = 100) -> list[Node]:
        """A page of the nodes of ``label``, ordered by id."""

    @abc.abstractmethod
    def expand(self, refs: Sequence[NodeRef], *, direction: Direction = Direction.BOTH,
               rel_types: Sequence[RelType] | None = None,
               labels: Sequence[Label] | None = None) -> list[tuple[NodeRef, Neighbor]]:
        """Every relationship of each node in ``refs`` (filtered by type, direction and the
        other end's label) as ``(from_ref, neighbor)`` pairs, in no particular order.

        The one traversal primitive: :meth:`neighbors` and :meth:`subgraph` are built on it,
        so both stores share their ordering and bounding rules.
        """

    def neighbors(self, label: Label, node_id: str, *, direction: Direction = Direction.BOTH,
                  rel_types: Sequence[RelType] | None = None, labels: Sequence[Label] | None = None,
                  limit: int | None = None) -> list[Neighbor]:
        """The node's relationships and the nodes at their other ends, sorted by
        (type, direction, label, id), at most ``limit``."""
        pairs = self.expand([NodeRef(Label.parse(label), node_id)], direction=Direction(direction),
                            rel_types=rel_types, labels=labels)
        found = sorted((nb for _, nb in pairs), key=Neighbor.sort_key)
        return found if limit is None else found[:limit]

    def subgraph(self, label: Label, node_id: str, *, depth: int = 1, max_nodes: int = 100,
                 rel_types: Sequence[RelType] | None = None,
                 labels: Sequence[Label] | None = None) -> Subgraph:
        """The nodes within ``depth`` hops of a node (both directions), for drawing.

        Breadth-first: the centre, then each hop's new nodes sorted by (label, id),
        until ``max_nodes``; ``truncated`` says whether reachable nodes were left out.
        Relationships are those followed between kept nodes, sorted.

        Raises:
            NotFoundError: the centre node does not exist.
        """
        centre = self.get_node(label, node_id)
        if centre is None:
            raise NotFoundError(Msg.NOT_FOUND.format(label=NODE_SPECS[Label.parse(label)].zh, id=node_id))
        if depth < 0 or max_nodes < 1:
            raise ValidationError(Msg.FIELD.format(field="depth/max_nodes", reason="必须为正数"))
        kept: dict[NodeRef, Node] = {centre.ref: centre}
        rels: dict[tuple[str, str, str, str, str], Relationship] = {}
        frontier = [centre.ref]
        truncated = False
        for _ in range(depth):
            if not frontier or truncated:
                break
            pairs = self.expand(frontier, rel_types=rel_types, labels=labels)
            new_nodes = {nb.node.ref: nb.node for _, nb in pairs if nb.node.ref not in kept}
            room = max_nodes - len(kept)
            ordered = sorted(new_nodes)
            if len(ordered) > room:
                truncated = True
                ordered = ordered[:room]
            for ref in ordered:
                kept[ref] = new_nodes[ref]
            for _, nb in pairs:
                if nb.rel.start in kept and nb.rel.end in kept:
                    rels[nb.rel.sort_key()] = nb.rel
            frontier = ordered
        return Subgraph(nodes=list(kept.values()), relationships=[rels[k] for k in sorted(rels)],
                        truncated=truncated)

    @abc.abstractmethod
    def counts(self) -> Counts:
        """Nodes per label and relationships per type."""

    def count_nodes(self, label: Label) -> int:
        """How many nodes of one label."""
        return self.counts().nodes.get(Label.parse(label).value, 0)
