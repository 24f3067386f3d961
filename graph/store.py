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
import contextlib
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from graph.errors import ConflictError, Msg, NotFoundError, RowError, ValidationError
from graph.model import KEY, NODE_SPECS, VERSION, Label, RelType, node_errors, rel_errors

__all__ = [
    "exists_error",
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
    "Unlink",
    "Expect",
    "WriteSummary",
    "RelFilter",
    "NodePage",
    "SEARCH_LABELS",
    "SEARCH_PROPERTIES",
    "GraphStore",
    "validate_batch",
    "stale_error",
    "version_of",
    "search_terms",
    "rank_search_hits",
    "props_match",
    "rel_weight",
    "cap_per_node",
    "WriteListener",
    "PerStore",
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


@dataclass(frozen=True)
class Expect:
    """A guard of :meth:`GraphStore.write`: node ``ref`` exists and its ``version`` is ``version``.

    Optimistic concurrency for workflow facts: a caller reads a node (a voucher's
    balance, a challenge's status), decides, and writes the change with
    ``version + 1`` guarded by ``Expect(ref, version)``. The store checks every guard
    inside the write transaction, after taking the node's write lock, so of two
    concurrent writers that read the same version exactly one commits; the other gets
    :class:`~graph.errors.ConflictError` and nothing of its batch is written. A missing
    ``version`` property counts as 0.
    """

    ref: NodeRef
    version: int


@dataclass(frozen=True)
class Unlink:
    """Every ``rel_type`` relationship from ``start`` to a node of ``end_label``: deleted by the batch that lists it,
    in its transaction, before its own relationships are written (a demand's fields set anew by an officer)."""

    rel_type: RelType
    start: NodeRef
    end_label: Label


@dataclass
class Batch:
    """Everything one :meth:`GraphStore.write` commits at once: nodes first, then relationships.

    ``replace_types`` lists relationship types whose every existing relationship is
    deleted first, in the same transaction, so a computed relation (``RELATED_TO``)
    can be recomputed atomically. ``expect`` lists guards (:class:`Expect`) that must
    all hold when the transaction runs, or nothing is written. ``create`` lists nodes this
    batch creates: if one of them exists when the transaction runs (another writer created
    it first), nothing is written and :class:`~graph.errors.ConflictError` is raised — an
    atomic "create, never overwrite" (``POST /api/v1/demands`` with an id). ``unlink`` lists
    :class:`Unlink` deletions of one node's relationships, done before the batch's own.
    """

    nodes: list[NodeBatch] = field(default_factory=list)
    rels: list[RelBatch] = field(default_factory=list)
    replace_types: list[RelType] = field(default_factory=list)
    expect: list[Expect] = field(default_factory=list)
    create: list[NodeRef] = field(default_factory=list)
    unlink: list[Unlink] = field(default_factory=list)

    @property
    def cleared_types(self) -> list[RelType]:
        """The relationship types of which this batch deletes some stored relationships (``replace_types``, and the
        types of ``unlink``): what a write listener must forget beyond the rows the batch writes."""
        return list(dict.fromkeys([*self.replace_types, *(u.rel_type for u in self.unlink)]))

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


@dataclass(frozen=True)
class RelFilter:
    """Keep nodes that have a ``rel_type`` relationship (``direction`` seen from the node)
    to a node of ``label`` whose id is one of ``ids``."""

    rel_type: RelType
    label: Label
    ids: tuple[str, ...]
    direction: Direction = Direction.OUT


@dataclass(frozen=True)
class NodePage:
    """One page of a filtered or searched node list, and how many nodes matched in all."""

    nodes: list[Node]
    total: int


SEARCH_LABELS: tuple[Label, ...] = (Label.EXPERT, Label.INSTITUTION, Label.ENTERPRISE, Label.DEMAND,
                                    Label.PROJECT, Label.FIELD, Label.TEAM, Label.PLATFORM)
"""The labels :meth:`GraphStore.search_nodes` covers (those of the ``entity_text`` index in schema.cypher)."""

SEARCH_PROPERTIES: tuple[str, ...] = ("name", "title", "keywords_text", "description")
"""The text properties searched (those the ``entity_text`` index covers)."""

_TERM_SPLIT = re.compile(r"[\s,，、;；。]+")
_MAX_TERMS, _MAX_TERM_CHARS = 10, 100


def search_terms(text: str) -> list[str]:
    """The lower-cased terms of a search query (split on spaces and ，、；).

    >>> search_terms("正极材料  缺陷检测，AI")
    ['正极材料', '缺陷检测', 'ai']

    Raises:
        ValidationError: an empty query, or more than 10 terms or a term over 100 characters.
    """
    terms = list(dict.fromkeys(t for t in _TERM_SPLIT.split(str(text).lower()) if t))
    if not terms:
        raise ValidationError(Msg.FIELD.format(field="q", reason=Msg.REQUIRED), errors=[RowError(None, "q", Msg.REQUIRED)])
    if len(terms) > _MAX_TERMS or any(len(t) > _MAX_TERM_CHARS for t in terms):
        reason = f"最多 {_MAX_TERMS} 个词，每个词不超过 {_MAX_TERM_CHARS} 个字"
        raise ValidationError(Msg.FIELD.format(field="q", reason=reason), errors=[RowError(None, "q", reason)])
    return terms


def search_labels(labels: Sequence[Label] | None) -> list[Label]:
    """The labels a search covers: ``labels`` (each must be searchable) or all :data:`SEARCH_LABELS`.

    Raises:
        ValidationError: a label that is not searchable (Chinese message naming it).
    """
    if not labels:
        return list(SEARCH_LABELS)
    out = []
    for value in labels:
        try:
            label = Label.parse(value)
        except ValueError as err:
            raise ValidationError(str(err), errors=[RowError(None, "labels", str(err))]) from err
        if label not in SEARCH_LABELS:
            reason = f"「{label.value}」不支持全文检索"
            raise ValidationError(Msg.FIELD.format(field="labels", reason=reason),
                                  errors=[RowError(None, "labels", reason)])
        out.append(label)
    return sorted(set(out), key=SEARCH_LABELS.index)


def search_text(props: Mapping[str, Any], names: Sequence[str] = SEARCH_PROPERTIES) -> str:
    """The lower-cased searchable text of a node's properties, one line per property."""
    return "\n".join(props[p] for p in names if isinstance(props.get(p), str)).lower()


def rank_search_hits(candidates: Iterable[Node], terms: Sequence[str], *, skip: int, limit: int) -> NodePage:
    """The exact answer of :meth:`GraphStore.search_nodes` from a superset of candidates.

    A node matches when every term is a substring of one of its :data:`SEARCH_PROPERTIES`
    (lower-cased). Order: name or title equal to the query, then name or title containing
    every term, then the rest; ties by (label, id). Both stores finish with this function,
    so their answers are identical whatever index found the candidates.
    """
    query = " ".join(terms)
    ranked = []
    for node in {n.ref: n for n in candidates}.values():
        if not all(t in search_text(node.props) for t in terms):
            continue
        head = search_text(node.props, ("name", "title"))
        tier = 0 if query in head.split("\n") else 1 if all(t in head for t in terms) else 2
        ranked.append((tier, node.label.value, node.id, node))
    ranked.sort(key=lambda r: r[:3])
    return NodePage([r[3] for r in ranked[skip:skip + limit]], len(ranked))


def _same_value(a: Any, b: Any) -> bool:
    """Equality as Cypher sees it: a boolean never equals a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def props_match(props: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether every ``wanted`` property equals the node's (a missing property never matches)."""
    return all(k in props and _same_value(props[k], v) for k, v in wanted.items())


def rel_weight(props: Mapping[str, Any]) -> float:
    """A relationship's ``weight`` for bounded traversal (1.0 when it has none).

    >>> rel_weight({"weight": 0.25}), rel_weight({})
    (0.25, 1.0)
    """
    value = props.get("weight")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 1.0


def _cap_key(pair: tuple[NodeRef, Neighbor]) -> tuple[float, str, str, str, str]:
    nb = pair[1]
    return (-rel_weight(nb.rel.props), nb.rel.type.value, nb.node.label.value, nb.node.id, nb.direction.value)


def cap_per_node(pairs: Iterable[tuple[NodeRef, Neighbor]], limit: int) -> list[tuple[NodeRef, Neighbor]]:
    """At most ``limit`` pairs per asked node: heaviest ``weight`` first (missing = 1.0), ties by
    (type, other label, other id, direction). The rule of ``expand(limit_per_node=…)`` on every store.
    """
    by_node: dict[NodeRef, list[tuple[NodeRef, Neighbor]]] = {}
    for pair in pairs:
        by_node.setdefault(pair[0], []).append(pair)
    out: list[tuple[NodeRef, Neighbor]] = []
    for ref in by_node:
        out += sorted(by_node[ref], key=_cap_key)[:limit]
    return out


WriteListener = Callable[["Batch"], None]
"""Called with each batch after it is committed (in the writing process only)."""


class _Current(Protocol):
    def on_write(self, batch: Batch) -> None: ...
    def refresh(self, store: GraphStore) -> None: ...


_C = TypeVar("_C", bound=_Current)


class PerStore(Generic[_C]):
    """One derived structure per store object (held weakly), kept current with that store's writes.

    ``PerStore(make)(store)`` makes the structure on first use, (re)adds its ``on_write`` as the store's
    write listener (a test may have emptied the listeners) and calls its ``refresh(store)`` (which
    catches another process's writes through :meth:`GraphStore.change_stamp`) on every lookup.
    """

    def __init__(self, make: Callable[[], _C]) -> None:
        self._make = make
        self._objects: weakref.WeakKeyDictionary[GraphStore, _C] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, store: GraphStore) -> _C:
        with self._lock:
            current = self._objects.get(store)
            if current is None:
                current = self._objects[store] = self._make()
        store.add_write_listener(current.on_write)
        current.refresh(store)
        return current


def check_find_args(props: Mapping[str, Any] | None, related: Sequence[RelFilter], skip: int, limit: int) -> dict[str, Any]:
    """Validate :meth:`GraphStore.find_nodes` arguments; the property filter as a plain dict."""
    wanted = dict(props or {})
    errors = [RowError(None, str(k), Msg.BAD_TYPE.format(expected="文本、数字或布尔值", value=v))
              for k, v in wanted.items() if not isinstance(k, str) or not isinstance(v, (str, int, float, bool))
              or (isinstance(v, float) and v != v)]
    for f in related:
        RelType.parse(f.rel_type)
        Label.parse(f.label)
        Direction(f.direction)
    if skip < 0 or limit < 0:
        errors.append(RowError(None, "skip/limit", "不能为负数"))
    if errors:
        raise ValidationError.from_errors(errors)
    return wanted


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
    for u in batch.unlink:
        errors.extend(rel_errors(u.rel_type, u.start.label, u.end_label, {"start": u.start.id, "end": "-"}))
    if errors:
        raise ValidationError.from_errors(errors)


def stale_error(expect: Expect, actual: int | None) -> ConflictError:
    """The error for a guard that failed: the node is gone (``actual`` None) or at another version."""
    label = NODE_SPECS[expect.ref.label].zh
    if actual is None:
        return ConflictError(Msg.STALE_MISSING.format(label=label, id=expect.ref.id))
    return ConflictError(Msg.STALE.format(label=label, id=expect.ref.id, expected=expect.version, actual=actual))


def exists_error(ref: NodeRef) -> ConflictError:
    """The error for a :attr:`Batch.create` node that another writer created first."""
    return ConflictError(Msg.EXISTS.format(label=NODE_SPECS[ref.label].zh, id=ref.id))


def version_of(props: Mapping[str, Any]) -> int:
    """A node's optimistic-concurrency version (0 when it has none)."""
    value = props.get(VERSION)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


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
    batch_rows: int | None = None  # loading a file: rows per transaction (None = the whole file in one)
    batch_bytes: int | None = None  # and at most about this much row data (JSON bytes) per transaction
    write_workers: int = 1  # writers of one large batch at once (graph.batching.write_in_batches)

    def __init__(self) -> None:
        self._listeners: list[WriteListener] = []

    def add_write_listener(self, listener: WriteListener) -> None:
        """Call ``listener(batch)`` after every batch this store object commits (e.g. to update an
        index incrementally). Writes by other processes are not seen: poll :meth:`change_stamp`.
        Adding a listener that is already registered changes nothing (a cache may re-register on every use).
        :meth:`clear` notifies listeners with a batch that replaces every relationship type."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def _notify(self, batch: Batch) -> None:
        for listener in list(getattr(self, "_listeners", ())):
            try:
                listener(batch)
            except Exception:  # a listener must never fail a write that is already committed
                logging.getLogger(__name__).exception("write listener failed")

    def change_stamp(self, labels: Sequence[Label] = (), rel_types: Sequence[RelType] = ()) -> tuple:
        """A value that changes when nodes of ``labels`` or relationships of ``rel_types`` change.

        The default is their counts (a property-only update goes unseen); the local store keeps
        exact write revisions.
        """
        counts = self.counts()
        return (tuple(counts.nodes.get(Label.parse(x).value, 0) for x in labels)
                + tuple(counts.relationships.get(RelType.parse(t).value, 0) for t in rel_types))

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Run the reads of this thread inside the block together, with the same answers: on Neo4j in one
        read transaction opened at the first read (a recommendation's ~25 reads pay for one transaction, not
        one each); on the embedded store nothing changes. Nested blocks join the outer one; writes run in
        their own transactions as outside."""
        yield

    # -- lifecycle ---------------------------------------------------------------------------
    @abc.abstractmethod
    def init_schema(self) -> None:
        """Create constraints and indexes (Neo4j) or the on-disk files (local); idempotent."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files; the store is unusable afterwards."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (tests and ``kgmatch init --reset``); then notify the write
        listeners with a batch whose ``replace_types`` lists every relationship type."""

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
    def list_nodes(self, label: Label, *, skip: int = 0, limit: int = 100, after: str | None = None) -> list[Node]:
        """A page of the nodes of ``label``, ordered by id; with ``after``, only ids greater than it
        (keyset paging: each page costs the same however deep it is)."""

    @abc.abstractmethod
    def expand(self, refs: Sequence[NodeRef], *, direction: Direction = Direction.BOTH,
               rel_types: Sequence[RelType] | None = None,
               labels: Sequence[Label] | None = None,
               limit_per_node: int | None = None,
               node_props: bool | Sequence[str] = True) -> list[tuple[NodeRef, Neighbor]]:
        """Every relationship of each node in ``refs`` (filtered by type, direction and the
        other end's label) as ``(from_ref, neighbor)`` pairs, in no particular order.

        ``node_props=False``: the neighbours come without properties (``props == {}``), for callers
        that need only their ids and the relationship (candidate paths), so nothing is decoded.
        A sequence of property names: only those of them the neighbour has (evidence records read
        a project's title and years, not its abstract; issue 15 item 3).

        With ``limit_per_node``, at most that many per node of ``refs``: the heaviest by the
        relationship's ``weight`` (missing = 1.0), ties as :func:`cap_per_node` orders them —
        bounded fan-out for candidate generation, the same on every store.

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

    def ties(self, label: Label, ids: Sequence[str], rel_type: RelType) -> list[Relationship]:
        """The relationships of ``rel_type`` between two nodes of ``label`` whose ids are both in ``ids``, each once,
        in :meth:`Relationship.sort_key` order (the ties among a recommendation's candidates: issue 17, where reading
        every relationship of each and keeping the few among them read ~150 rows for ~10). Built on :meth:`expand`;
        Neo4j answers it with one filtered query."""
        label = Label.parse(label)
        wanted = set(ids)
        found = {nb.rel.sort_key(): nb.rel for _, nb in self.expand(
            [NodeRef(label, i) for i in sorted(wanted)], direction=Direction.OUT, rel_types=[rel_type],
            labels=[label], node_props=False) if nb.node.id in wanted}
        return [found[k] for k in sorted(found)]

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

    def all_nodes(self, label: Label, *, page: int = 1000) -> list[Node]:
        """Every node of ``label`` ordered by id, read in pages of ``page`` (for reports and indexes)."""
        nodes: list[Node] = []
        while True:
            chunk = self.list_nodes(label, limit=page, after=nodes[-1].id if nodes else None)
            nodes += chunk
            if len(chunk) < page:
                return nodes

    def node_ids(self, label: Label, ids: Sequence[str] | None = None) -> set[str]:
        """The ids of the stored nodes of ``label`` (only those among ``ids`` when given): existence
        without reading properties (loads check references and new nodes with it)."""
        if ids is None:
            return {n.id for n in self.all_nodes(label, page=10_000)}
        return {n.id for n in self.get_nodes(label, ids)}

    @abc.abstractmethod
    def find_nodes(self, label: Label, *, props: Mapping[str, Any] | None = None,
                   related: Sequence[RelFilter] = (), skip: int = 0, limit: int = 100) -> NodePage:
        """A page of the nodes of ``label`` ordered by id, filtered, and how many matched in all.

        ``props``: each property must equal the given scalar (a boolean never equals a
        number). ``related``: for each :class:`RelFilter` the node needs such a
        relationship to one of its ids (filters combine with AND, ids within one with OR).

        Raises:
            ValidationError: a filter value that is not a scalar, or a negative skip/limit.
        """

    @abc.abstractmethod
    def search_nodes(self, text: str, *, labels: Sequence[Label] | None = None, skip: int = 0,
                     limit: int = 20) -> NodePage:
        """Chinese full-text search over the :data:`SEARCH_LABELS` (or ``labels``, a subset of them).

        The answer is defined by :func:`rank_search_hits` over :func:`search_terms`; Neo4j
        finds candidates with its ``entity_text`` (cjk) index, the local store by scanning.

        Raises:
            ValidationError: an empty query, or a label that is not searchable.
        """

    @abc.abstractmethod
    def counts(self) -> Counts:
        """Nodes per label and relationships per type."""

    def count_nodes(self, label: Label) -> int:
        """How many nodes of one label."""
        return self.counts().nodes.get(Label.parse(label).value, 0)
