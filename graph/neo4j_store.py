"""GraphStore on Neo4j 5.x through the official ``neo4j`` driver (Bolt).

One driver per process, opened by :meth:`Neo4jStore.from_env` and closed by
:meth:`close`. Reads run in ``execute_read``, writes in ``execute_write``; every
transaction function consumes its results and returns plain data, and is idempotent
(MERGE on the key), so the driver may retry it. All Cypher lives in
:mod:`graph.cypher`.

Beyond one server: a ``neo4j://`` or ``neo4j+s://`` URI (a causal cluster, Aura) makes the
driver route — every read here is an ``execute_read`` and goes to a reader (a follower or read
replica), every write an ``execute_write`` to the leader; the schema and the chunked clear, which
run as auto-commit statements, open their sessions in write mode explicitly. ``bolt://`` talks to
one server. A single server answers the routing protocol too (it is reader, writer and router),
which is how the routing code path is tested (tests/test_neo4j_routing.py).

Connection failures are bounded: the driver would otherwise retry for about 30 s
when the server is down. We verify connectivity on open with a short connection
timeout and cap retries, and raise :class:`StoreUnavailableError` with a Chinese
message that says what to check.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graph import cypher
from graph.environment import env_value, variable
from graph.errors import BatchTooLargeError, KgmatchError, Msg, StoreError, StoreUnavailableError
from graph.model import Label, RelType
from graph.store import (
    SEARCH_LABELS,
    SEARCH_PROPERTIES,
    Batch,
    Counts,
    Direction,
    GraphStore,
    Neighbor,
    Node,
    NodePage,
    NodeRef,
    Relationship,
    RelFilter,
    WriteSummary,
    cap_per_node,
    check_find_args,
    exists_error,
    missing_endpoint_errors,
    node_props,
    rank_search_hits,
    rel_props,
    search_labels,
    search_terms,
    stale_error,
    validate_batch,
)

__all__ = ["Neo4jSettings", "Neo4jStore"]

log = logging.getLogger(__name__)

_CHUNK = 5000  # rows per UNWIND statement: big enough to amortise, small enough for the heap
_HAN_PHRASE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
"""Terms the cjk analyzer turns into a bigram phrase that every text containing them matches."""


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to connect; every field has an environment variable."""

    uri: str = variable("KGMATCH_NEO4J_URI").default
    user: str = variable("KGMATCH_NEO4J_USER").default
    password: str = variable("KGMATCH_NEO4J_PASSWORD").default
    database: str = variable("KGMATCH_NEO4J_DATABASE").default
    connect_timeout: float = variable("KGMATCH_NEO4J_TIMEOUT").default  # seconds for one connection attempt
    retry_time: float = 3.0  # seconds the driver may spend retrying a transaction (a lost server: fail fast)
    writers: int = variable("KGMATCH_NEO4J_WRITERS").default  # transactions at once when loading a large batch

    @classmethod
    def from_env(cls) -> Neo4jSettings:
        """Read ``KGMATCH_NEO4J_URI``, ``_USER``, ``_PASSWORD``, ``_DATABASE``, ``_TIMEOUT``, ``_WRITERS`` (:mod:`graph.environment`)."""
        timeout = float(env_value("KGMATCH_NEO4J_TIMEOUT"))
        return cls(
            uri=env_value("KGMATCH_NEO4J_URI"),
            user=env_value("KGMATCH_NEO4J_USER"),
            password=env_value("KGMATCH_NEO4J_PASSWORD"),
            database=env_value("KGMATCH_NEO4J_DATABASE"),
            connect_timeout=timeout,
            retry_time=timeout,  # a lost server is reported within seconds, as the README says
            writers=max(1, int(env_value("KGMATCH_NEO4J_WRITERS"))),
        )


def _props(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k != "id"}


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Tuples become lists so the driver sends them as Cypher lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in props.items()}


class Neo4jStore(GraphStore):
    """GraphStore over a Neo4j 5.x server."""

    backend = "neo4j"
    batch_rows = 20_000  # rows per transaction when loading files (graph.batching.write_in_batches)
    batch_bytes = 64 << 20  # and at most about this much row data per transaction

    @property
    def write_workers(self) -> int:  # type: ignore[override]
        """Transactions at once for one large batch (``KGMATCH_NEO4J_WRITERS``; bench/neo4j_writes.py)."""
        return self.settings.writers

    def __init__(self, settings: Neo4jSettings) -> None:
        super().__init__()
        self.settings = settings
        self._local = threading.local()  # this thread's shared read transaction (:meth:`reading`)
        try:
            self._driver = neo4j.GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                connection_timeout=settings.connect_timeout,
                connection_acquisition_timeout=settings.connect_timeout + 0.5,
                max_transaction_retry_time=settings.retry_time,
                # Counting a type that has no relationship yet is normal here, not worth a warning.
                notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF,
            )
            self._driver.verify_connectivity()
        except Exception as err:
            if getattr(self, "_driver", None) is not None:
                self._driver.close()
            raise self._unavailable(err) from err

    @classmethod
    def from_env(cls) -> Neo4jStore:
        """Connect with :meth:`Neo4jSettings.from_env`."""
        return cls(Neo4jSettings.from_env())

    def _unavailable(self, err: BaseException) -> KgmatchError:
        if isinstance(err, AuthError):
            return StoreUnavailableError(Msg.STORE_AUTH.format(uri=self.settings.uri))
        return StoreUnavailableError(Msg.STORE_UNAVAILABLE.format(uri=self.settings.uri, detail=type(err).__name__))

    @property
    def routed(self) -> bool:
        """Whether the driver routes (``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://``): reads to readers."""
        return self.settings.uri.split("://", 1)[0] in ("neo4j", "neo4j+s", "neo4j+ssc")

    def _session(self, access: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        """A session; managed transactions pick their access mode (execute_read / execute_write),
        auto-commit statements run in ``access`` (write: on a cluster, at the leader)."""
        return self._driver.session(database=self.settings.database, default_access_mode=access)

    def _read(self, work: Any, *args: Any) -> Any:
        local = self._local
        try:
            if getattr(local, "shared", False):  # inside reading(): this thread's one transaction
                if local.tx is None:
                    local.session = self._session(neo4j.READ_ACCESS)
                    local.tx = local.session.begin_transaction()
                return work(local.tx, *args)
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work, *args)
        except (ServiceUnavailable, SessionExpired, AuthError, Neo4jError) as err:
            if getattr(local, "shared", False):
                self._end_shared()  # a failed transaction cannot run the next read: that one opens another
            if isinstance(err, (ServiceUnavailable, SessionExpired, AuthError)):
                raise self._unavailable(err) from err
            raise StoreError(f"Neo4j 查询失败：{err.code}") from err

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """The reads of this thread in the block share one read transaction (``begin_transaction`` on a
        read session, so a routing driver sends it to a reader), opened at the first read and rolled back
        at the end (it wrote nothing). Unlike ``execute_read`` it is not retried on a transient error."""
        local = self._local
        if getattr(local, "shared", False):
            yield
            return
        local.shared, local.session, local.tx, local.stamps = True, None, None, None
        try:
            yield
        finally:
            self._end_shared()
            local.shared, local.stamps = False, None

    def _end_shared(self) -> None:
        local = self._local
        tx, session = local.tx, local.session
        local.tx = local.session = None
        try:
            if tx is not None:
                tx.close()
        except (DriverError, Neo4jError):  # reads only: nothing is lost; the session's close resets the connection
            log.debug("closing a shared read transaction failed", exc_info=True)
        finally:
            if session is not None:
                session.close()

    def _write(self, work: Any, *args: Any) -> Any:
        self._local.stamps = None  # a reading() block's counts (change_stamp) are read again after a write
        try:
            with self._session() as session:
                return session.execute_write(work, *args)
        except KgmatchError:
            raise
        except (ServiceUnavailable, SessionExpired, AuthError) as err:
            raise self._unavailable(err) from err
        except Neo4jError as err:
            raise StoreError(f"写入 Neo4j 失败，本批数据未保存：{err.code}") from err

    # -- lifecycle ---------------------------------------------------------------------------
    def init_schema(self) -> None:
        """Apply ``schema.cypher`` (every statement is ``IF NOT EXISTS``), then wait for indexes.

        A full-text index made by an older schema (other labels: platforms joined in issue 16) is
        dropped first, so the statement recreates it with :data:`~graph.store.SEARCH_LABELS`.
        """
        try:
            with self._session() as session:
                found = session.run(cypher.FULLTEXT_LABELS, index=cypher.FULLTEXT_INDEX).single()
                if found is not None and sorted(found["labels"]) != sorted(x.value for x in SEARCH_LABELS):
                    log.warning("full-text index %s covers %s: recreating it", cypher.FULLTEXT_INDEX, found["labels"])
                    session.run(cypher.DROP_FULLTEXT).consume()
                for statement in cypher.schema_statements():
                    session.run(statement).consume()
                session.run("CALL db.awaitIndexes(300)").consume()
        except (ServiceUnavailable, SessionExpired) as err:
            raise self._unavailable(err) from err
        except ClientError as err:
            raise StoreError(f"应用 schema.cypher 失败：{err.code} {err.message}") from err

    def close(self) -> None:
        """Close the driver (and its connection pool)."""
        self._driver.close()

    def clear(self) -> None:
        """Delete every node and relationship in chunks; constraints and indexes stay."""
        try:
            with self._session() as session:
                for statement in cypher.CLEAR_ALL:
                    session.run(statement).consume()
        except (ServiceUnavailable, SessionExpired) as err:
            raise self._unavailable(err) from err
        self._local.stamps = None
        self._notify(Batch(replace_types=list(RelType)))  # caches built on write listeners start over

    def ping(self) -> bool:
        """One round trip; True when the server answers."""
        return self._read(lambda tx: tx.run(cypher.PING).single()["ok"] == 1)

    # -- writes ------------------------------------------------------------------------------
    def write(self, batch: Batch) -> WriteSummary:
        """Validate, then MERGE everything in one managed write transaction."""
        validate_batch(batch)
        self._write(self._write_batch, batch)
        self._notify(batch)
        return WriteSummary(nodes=sum(len(b.rows) for b in batch.nodes),
                            relationships=sum(len(b.rows) for b in batch.rels))

    def write_row_by_row(self, batch: Batch) -> WriteSummary:
        """The naive way, kept to measure against: one MERGE statement per row, in one transaction.

        Only ``bench/ingest.py`` uses it; it skips endpoint checks, so load trusted data only.
        """
        validate_batch(batch)

        def work(tx: neo4j.ManagedTransaction) -> None:
            for nb in batch.nodes:
                query = cypher.upsert_node_one(nb.label)
                for r in nb.rows:
                    tx.run(query, id=r["id"], props=_clean(node_props(r))).consume()
            for rb in batch.rels:
                query = cypher.upsert_rel_one(rb.type, rb.start_label, rb.end_label)
                for r in rb.rows:
                    tx.run(query, start=r["start"], end=r["end"], props=_clean(rel_props(r))).consume()

        self._write(work)
        return WriteSummary(nodes=sum(len(b.rows) for b in batch.nodes),
                            relationships=sum(len(b.rows) for b in batch.rels))

    @staticmethod
    def _write_batch(tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        try:
            Neo4jStore._write_batch_in(tx, batch)
        except Neo4jError as err:
            if "MemoryPoolOutOfMemoryError" in (err.code or ""):
                # Raised as a non-driver error so execute_write does not retry it for minutes.
                raise BatchTooLargeError(Msg.BATCH_TOO_LARGE.format(code=err.code, rows=len(batch))) from err
            raise

    @staticmethod
    def _write_batch_in(tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        Neo4jStore._create_first(tx, batch)
        Neo4jStore._check_expect(tx, batch)
        for rel_type in batch.replace_types:
            tx.run(cypher.delete_type(rel_type)).consume()
        for u in batch.unlink:
            tx.run(cypher.unlink(u.rel_type, u.start.label, u.end_label), id=u.start.id).consume()
        for nb in batch.nodes:
            rows = [{"id": r["id"], "props": _clean(node_props(r))} for r in nb.rows]
            for i in range(0, len(rows), _CHUNK):
                tx.run(cypher.upsert_nodes(nb.label), rows=rows[i:i + _CHUNK]).consume()
        row_no = sum(len(b.rows) for b in batch.nodes)
        missing: list[tuple[int, str, NodeRef]] = []
        for rb in batch.rels:
            rows = [{"i": row_no + n + 1, "start": r["start"], "end": r["end"], "props": _clean(rel_props(r))}
                    for n, r in enumerate(rb.rows)]
            row_no += len(rows)
            for i in range(0, len(rows), _CHUNK):
                chunk = rows[i:i + _CHUNK]
                # merge first, and look for the missing ends only when some row found none: one statement per
                # chunk when the batch is good (the usual case), and a batch with any missing end still fails
                # whole, naming every missing end (the raise below rolls back what was merged)
                if not missing:
                    merged = tx.run(cypher.upsert_rels(rb.type, rb.start_label, rb.end_label), rows=chunk).single()
                    if merged is not None and merged["n"] == len(chunk):
                        continue
                for rec in tx.run(cypher.missing_endpoints(rb.start_label, rb.end_label), rows=chunk):
                    if rec["no_start"]:
                        missing.append((rec["i"], "start", NodeRef(rb.start_label, rec["start"])))
                    if rec["no_end"]:
                        missing.append((rec["i"], "end", NodeRef(rb.end_label, rec["end"])))
        if missing:
            # Raising inside the transaction function rolls the whole batch back.
            raise missing_endpoint_errors(missing)

    @staticmethod
    def _create_first(tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        """CREATE each node of ``batch.create`` before anything else: the unique constraint on ``id``
        makes a concurrent creator wait for us and then fail (or us fail if it committed first)."""
        for ref in batch.create:
            try:
                tx.run(cypher.create_node(ref.label), id=ref.id).consume()
            except ConstraintError as err:
                raise exists_error(ref) from err

    @staticmethod
    def _check_expect(tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        """Lock every guarded node, then compare versions; raising rolls the transaction back."""
        by_label: dict[Label, list[str]] = {}
        for expect in batch.expect:
            by_label.setdefault(expect.ref.label, []).append(expect.ref.id)
        actual: dict[NodeRef, int] = {}
        for label, ids in sorted(by_label.items()):
            tx.run(cypher.lock_nodes(label), ids=sorted(set(ids))).consume()
            for rec in tx.run(cypher.node_versions(label), ids=sorted(set(ids))):
                actual[NodeRef(label, rec["id"])] = rec["version"]
        for expect in batch.expect:
            if actual.get(expect.ref) != expect.version:
                raise stale_error(expect, actual.get(expect.ref))

    # -- reads -------------------------------------------------------------------------------
    def get_nodes(self, label: Label, ids: Sequence[str]) -> list[Node]:
        """Existing nodes in the order of ``ids``."""
        label = Label.parse(label)

        def work(tx: neo4j.ManagedTransaction) -> dict[str, dict[str, Any]]:
            return {r["id"]: r["props"] for r in tx.run(cypher.get_nodes(label), ids=list(ids))}

        found = self._read(work)
        return [Node(label, i, _props(found[i])) for i in ids if i in found]

    def list_nodes(self, label: Label, *, skip: int = 0, limit: int = 100, after: str | None = None) -> list[Node]:
        """A page of nodes of ``label`` ordered by id."""
        label = Label.parse(label)
        query = cypher.list_nodes(label, after=after is not None)

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[str, dict[str, Any]]]:
            return [(r["id"], r["props"]) for r in tx.run(query, skip=skip, limit=limit, after=after)]

        return [Node(label, i, _props(p)) for i, p in self._read(work)]

    def expand(self, refs: Sequence[NodeRef], *, direction: Direction = Direction.BOTH,
               rel_types: Sequence[RelType] | None = None,
               labels: Sequence[Label] | None = None,
               limit_per_node: int | None = None,
               node_props: bool | Sequence[str] = True) -> list[tuple[NodeRef, Neighbor]]:
        """Relationships of each node in ``refs``, one query per (label, direction); with
        ``limit_per_node`` each node's heaviest (see :func:`~graph.store.cap_per_node`); with property
        names as ``node_props``, only those (a list of values in the query, paired with the names here)."""
        direction = Direction(direction)
        types = sorted({RelType.parse(t).value for t in rel_types}) if rel_types else None
        other = sorted({Label.parse(x).value for x in labels}) if labels else None
        by_label: dict[Label, list[str]] = {}
        for ref in refs:
            by_label.setdefault(Label.parse(ref.label), []).append(ref.id)
        dirs = [d for d in (Direction.OUT, Direction.IN) if direction in (d, Direction.BOTH)]
        keys = None if isinstance(node_props, bool) else [k for k in dict.fromkeys(node_props) if k != "id"]

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[Label, Direction, neo4j.Record]]:
            rows = []  # the records themselves (tuples of plain values): Record.data() copied every value again
            for label, ids in by_label.items():
                for dirn in dirs:
                    query = cypher.expand(label, outgoing=dirn is Direction.OUT, limited=limit_per_node is not None,
                                          node_props=node_props if keys is None else "keys",
                                          rel_types=[RelType(t) for t in types] if types else None)
                    rows += [(label, dirn, r) for r in tx.run(query, ids=ids, types=types, labels=other,
                                                              limit=limit_per_node, keys=keys)]
            return rows

        out: list[tuple[NodeRef, Neighbor]] = []
        for label, dirn, (from_id, rel_type, r_props, other_label, other_id, other_props) in self._read(work):
            me = NodeRef(label, from_id)  # the columns of cypher.expand, in order
            them = NodeRef(Label(other_label), other_id)
            start, end = (me, them) if dirn is Direction.OUT else (them, me)
            rel = Relationship(RelType(rel_type), start, end, r_props)
            props = _props(other_props) if keys is None else \
                {k: v for k, v in zip(keys, other_props, strict=True) if v is not None}
            out.append((me, Neighbor(rel, Node(them.label, them.id, props), dirn)))
        return out if limit_per_node is None else cap_per_node(out, limit_per_node)

    def ties(self, label: Label, ids: Sequence[str], rel_type: RelType) -> list[Relationship]:
        """See :meth:`GraphStore.ties`: one query that keeps only the relationships among ``ids``."""
        label, rel_type = Label.parse(label), RelType.parse(rel_type)
        query = cypher.ties(label, rel_type)

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[str, str, dict[str, Any]]]:
            return [(r["start"], r["end"], r["props"]) for r in tx.run(query, ids=sorted(set(ids)))]

        found = {(s, e): p for s, e, p in self._read(work)}
        return [Relationship(rel_type, NodeRef(label, s), NodeRef(label, e), found[s, e]) for s, e in sorted(found)]

    def change_stamp(self, labels: Sequence[Label] = (), rel_types: Sequence[RelType] = ()) -> tuple:
        """The counts of these labels and types, in one query (a property-only update goes unseen).

        Inside :meth:`reading`, the counts of every label and type are read once, with the block's first stamp, and
        every stamp of the block is taken from them (a request's caches ask for several: one query, not one each);
        a write of this thread in the block reads them again."""
        labels, rel_types = [Label.parse(x) for x in labels], [RelType.parse(t) for t in rel_types]
        local = self._local
        if getattr(local, "shared", False):
            every = getattr(local, "stamps", None)
            if every is None:
                counts = self._read(lambda tx: tx.run(cypher.count_subset(list(Label), list(RelType))).single()["counts"])
                every = local.stamps = dict(zip([*Label, *RelType], counts, strict=True))
            return tuple(every[x] for x in (*labels, *rel_types))
        query = cypher.count_subset(labels, rel_types)
        return tuple(self._read(lambda tx: tx.run(query).single()["counts"]))

    def find_nodes(self, label: Label, *, props: Mapping[str, Any] | None = None,
                   related: Sequence[RelFilter] = (), skip: int = 0, limit: int = 100) -> NodePage:
        """Filtered page of nodes and the total, in one read transaction."""
        label = Label.parse(label)
        wanted = check_find_args(props, related, skip, limit)
        shape = [(RelType.parse(f.rel_type), {Direction.OUT: True, Direction.IN: False}.get(Direction(f.direction)),
                  Label.parse(f.label)) for f in related]
        params: dict[str, Any] = {"props": [{"key": k, "value": v} for k, v in wanted.items()],
                                  **{f"rel_{i}": list(f.ids) for i, f in enumerate(related)}}

        def work(tx: neo4j.ManagedTransaction) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
            total = tx.run(cypher.find_nodes(label, shape, count=True), **params).single()["total"]
            rows = tx.run(cypher.find_nodes(label, shape, count=False), skip=skip, limit=limit, **params)
            return total, [(r["id"], r["props"]) for r in rows]

        total, rows = self._read(work)
        return NodePage([Node(label, i, _props(p)) for i, p in rows], total)

    def search_nodes(self, text: str, *, labels: Sequence[Label] | None = None, skip: int = 0,
                     limit: int = 20) -> NodePage:
        """Candidates from the ``entity_text`` (cjk) index when every term is a Han phrase of two
        or more characters, else from a scan; :func:`rank_search_hits` gives the exact answer."""
        terms = search_terms(text)
        wanted = search_labels(labels)
        if all(_HAN_PHRASE.fullmatch(t) for t in terms):
            query = cypher.SEARCH_FULLTEXT
            params: dict[str, Any] = {"index": cypher.FULLTEXT_INDEX, "labels": [x.value for x in wanted],
                                      "search": " AND ".join(f'"{t}"' for t in terms)}
        else:
            query = cypher.search_scan(wanted)
            params = {"terms": terms, "fields": list(SEARCH_PROPERTIES)}

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[str, str, dict[str, Any]]]:
            return [(r["label"], r["id"], r["props"]) for r in tx.run(query, **params)]

        candidates = [Node(Label(lb), i, _props(p)) for lb, i, p in self._read(work)]
        return rank_search_hits(candidates, terms, skip=skip, limit=limit)

    def counts(self) -> Counts:
        """Per label and per type, from Neo4j's count store: one ``db.stats.retrieve`` call, or a count query per
        label and type where the server refuses the procedure (a user without the right to call it)."""
        try:
            row = self._read(lambda tx: tx.run(cypher.GRAPH_COUNTS).single())
        except StoreError:
            row = None
        if row is not None:
            labels, types = {x.value for x in Label}, {t.value for t in RelType}
            nodes = {e["label"]: e["count"] for e in row["nodes"] if e.get("label") in labels}
            rels = {e["relationshipType"]: e["count"] for e in row["rels"]
                    if e.get("relationshipType") in types and "startLabel" not in e and "endLabel" not in e}
            return Counts(nodes={k: v for k, v in sorted(nodes.items()) if v},
                          relationships={k: v for k, v in sorted(rels.items()) if v})

        def work(tx: neo4j.ManagedTransaction) -> Counts:
            nodes = {lb.value: tx.run(cypher.count_label(lb)).single()["c"] for lb in Label}
            rels = {t.value: tx.run(cypher.count_type(t)).single()["c"] for t in RelType}
            return Counts(nodes={k: v for k, v in sorted(nodes.items()) if v},
                          relationships={k: v for k, v in sorted(rels.items()) if v})

        return self._read(work)
