"""The embedded default store: networkx in memory for traversal, SQLite on disk for durability.

Why this shape: traversal and scoring want an in-memory graph (networkx), while a
batch acknowledged to the caller must survive ``kill -9``. SQLite in WAL mode with
``synchronous=FULL`` gives exactly that: :meth:`LocalStore.write` commits the whole
batch in one SQLite transaction *before* touching the in-memory graph, so a batch is
either on disk and in memory, or in neither. Reopening rebuilds the networkx graph
from the two tables.

Several processes may open the same directory (``kgmatch load`` while ``kgmatch
serve`` runs): each read checks SQLite's ``data_version`` and reloads when another
connection has committed since, so no process serves a stale graph.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from graph.errors import StoreError
from graph.model import Label, RelType
from graph.store import (
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
    check_find_args,
    exists_error,
    merge_props,
    missing_endpoint_errors,
    node_props,
    props_match,
    rank_search_hits,
    rel_props,
    search_labels,
    search_terms,
    search_text,
    stale_error,
    validate_batch,
    version_of,
)

__all__ = ["LocalStore", "default_data_dir"]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    label TEXT NOT NULL,
    id    TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (label, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rels (
    type      TEXT NOT NULL,
    src_label TEXT NOT NULL,
    src_id    TEXT NOT NULL,
    dst_label TEXT NOT NULL,
    dst_id    TEXT NOT NULL,
    props     TEXT NOT NULL,
    PRIMARY KEY (type, src_label, src_id, dst_label, dst_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_FORMAT_VERSION = "1"

_Key = tuple[str, str]  # (label value, id): the networkx node key


def default_data_dir() -> Path:
    """``$KGMATCH_DATA_DIR`` or ``var/`` under the current directory."""
    return Path(os.environ.get("KGMATCH_DATA_DIR") or "var")


def _dumps(props: dict[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False, sort_keys=True)


def _owner_only(path: Path) -> None:
    """Create ``path`` readable by its owner only (600), or tighten it; SQLite gives its ``-wal`` and
    ``-shm`` files the database file's mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            os.chmod(name, 0o600)


class LocalStore(GraphStore):
    """GraphStore over networkx + SQLite in ``data_dir`` (default ``var/``)."""

    backend = "local"

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.path = self.data_dir / "graph.sqlite"
        self._lock = threading.RLock()
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            _owner_only(self.path)  # it holds phone numbers and e-mails: like users, audit and keys, 600
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch is one transaction.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (_FORMAT_VERSION,))
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"无法打开本地图数据目录 {self.data_dir}：{err}") from err
        self._graph = nx.MultiDiGraph()
        self._data_version = -1
        self._sync()

    # -- lifecycle ---------------------------------------------------------------------------
    def init_schema(self) -> None:
        """The tables are created on open; nothing else to do."""

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._db.close()

    def clear(self) -> None:
        """Delete everything, durably."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM rels")
            self._db.execute("DELETE FROM nodes")
            self._db.execute("COMMIT")
            self._graph = nx.MultiDiGraph()

    def _sync(self) -> None:
        """Reload the in-memory graph when another connection committed since we last looked."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return
        graph = nx.MultiDiGraph()
        for label, node_id, props in self._db.execute("SELECT label, id, props FROM nodes"):
            graph.add_node((label, node_id), props=json.loads(props))
        for rtype, sl, si, dl, di, props in self._db.execute("SELECT * FROM rels"):
            graph.add_edge((sl, si), (dl, di), key=rtype, props=json.loads(props))
        self._graph = graph
        self._data_version = version
        log.debug("local store loaded %d nodes, %d relationships", graph.number_of_nodes(),
                  graph.number_of_edges())

    # -- writes ------------------------------------------------------------------------------
    def write(self, batch: Batch) -> WriteSummary:
        """Validate, commit to SQLite in one transaction, then apply to the in-memory graph."""
        validate_batch(batch)
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                raise StoreError(f"本地图数据库正忙或不可写：{err}") from err
            try:
                self._sync()
                self._check_expect(batch)
                replaced = {t.value for t in batch.replace_types}
                node_rows, rel_rows = self._plan(batch, replaced)
                for rtype in sorted(replaced):
                    self._db.execute("DELETE FROM rels WHERE type = ?", (rtype,))
                self._db.executemany(
                    "INSERT INTO nodes VALUES (?, ?, ?) ON CONFLICT (label, id) DO UPDATE SET props = excluded.props",
                    [(k[0], k[1], _dumps(p)) for k, p in node_rows.items()])
                self._db.executemany(
                    "INSERT INTO rels VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type, src_label, src_id, dst_label, dst_id)"
                    " DO UPDATE SET props = excluded.props",
                    [(t, s[0], s[1], e[0], e[1], _dumps(p)) for (t, s, e), p in rel_rows.items()])
                self._db.execute("COMMIT")
            except BaseException as err:
                self._db.execute("ROLLBACK")
                if isinstance(err, sqlite3.Error):
                    raise StoreError(f"写入本地图数据库失败，本批数据未保存：{err}") from err
                raise
            if replaced:
                self._graph.remove_edges_from([(s, e, t) for s, e, t in self._graph.edges(keys=True) if t in replaced])
            for key, props in node_rows.items():
                self._graph.add_node(key, props=props)
            for (rtype, start, end), props in rel_rows.items():
                self._graph.add_edge(start, end, key=rtype, props=props)
        return WriteSummary(nodes=sum(len(b.rows) for b in batch.nodes),
                            relationships=sum(len(b.rows) for b in batch.rels))

    def _check_expect(self, batch: Batch) -> None:
        """Raise ConflictError unless every guard holds (called inside the write transaction)."""
        for ref in batch.create:
            if (ref.label.value, ref.id) in self._graph:
                raise exists_error(ref)
        for expect in batch.expect:
            key = (expect.ref.label.value, expect.ref.id)
            actual = version_of(self._graph.nodes[key]["props"]) if key in self._graph else None
            if actual != expect.version:
                raise stale_error(expect, actual)

    def _plan(self, batch: Batch, replaced: set[str]) -> tuple[dict[_Key, dict[str, Any]], dict[tuple[str, _Key, _Key], dict[str, Any]]]:
        """The merged properties each touched node and relationship will have after ``batch``."""
        nodes: dict[_Key, dict[str, Any]] = {}
        for nb in batch.nodes:
            for row in nb.rows:
                key = (nb.label.value, row["id"])
                old = nodes.get(key)
                if old is None:
                    old = self._graph.nodes[key]["props"] if key in self._graph else {}
                nodes[key] = merge_props(old, node_props(row))
        rels: dict[tuple[str, _Key, _Key], dict[str, Any]] = {}
        missing: list[tuple[int, str, NodeRef]] = []
        row_no = sum(len(b.rows) for b in batch.nodes)
        for rb in batch.rels:
            for row in rb.rows:
                row_no += 1
                start, end = (rb.start_label.value, row["start"]), (rb.end_label.value, row["end"])
                for end_name, key, label in (("start", start, rb.start_label), ("end", end, rb.end_label)):
                    if key not in nodes and key not in self._graph:
                        missing.append((row_no, end_name, NodeRef(label, key[1])))
                rkey = (rb.type.value, start, end)
                old = rels.get(rkey)
                if old is None:
                    data = (self._graph.get_edge_data(start, end, rb.type.value)
                            if start in self._graph and rb.type.value not in replaced else None)
                    old = data["props"] if data else {}
                rels[rkey] = merge_props(old, rel_props(row))
        if missing:
            raise missing_endpoint_errors(missing)
        return nodes, rels

    # -- reads -------------------------------------------------------------------------------
    def _node(self, key: _Key) -> Node:
        return Node(Label(key[0]), key[1], self._graph.nodes[key]["props"])

    def get_nodes(self, label: Label, ids: Sequence[str]) -> list[Node]:
        """Existing nodes in the order of ``ids``."""
        label = Label.parse(label)
        with self._lock:
            self._sync()
            return [self._node((label.value, i)) for i in ids if (label.value, i) in self._graph]

    def list_nodes(self, label: Label, *, skip: int = 0, limit: int = 100) -> list[Node]:
        """A page of nodes of ``label`` ordered by id."""
        label = Label.parse(label)
        with self._lock:
            self._sync()
            keys = sorted(k for k in self._graph if k[0] == label.value)
            return [self._node(k) for k in keys[skip:skip + limit]]

    def expand(self, refs: Sequence[NodeRef], *, direction: Direction = Direction.BOTH,
               rel_types: Sequence[RelType] | None = None,
               labels: Sequence[Label] | None = None) -> list[tuple[NodeRef, Neighbor]]:
        """Relationships of each node in ``refs``, filtered; see :meth:`GraphStore.expand`."""
        direction = Direction(direction)
        types = {RelType.parse(t).value for t in rel_types} if rel_types else None
        other_labels = {Label.parse(label).value for label in labels} if labels else None
        out: list[tuple[NodeRef, Neighbor]] = []
        with self._lock:
            self._sync()
            g = self._graph
            for ref in refs:
                key = (Label.parse(ref.label).value, ref.id)
                if key not in g:
                    continue
                edges = []
                if direction in (Direction.OUT, Direction.BOTH):
                    edges += [(Direction.OUT, s, e, t, d) for s, e, t, d in g.out_edges(key, keys=True, data=True)]
                if direction in (Direction.IN, Direction.BOTH):
                    edges += [(Direction.IN, s, e, t, d) for s, e, t, d in g.in_edges(key, keys=True, data=True)]
                for dirn, s, e, t, d in edges:
                    other = e if dirn is Direction.OUT else s
                    if (types is not None and t not in types) or (other_labels is not None and other[0] not in other_labels):
                        continue
                    rel = Relationship(RelType(t), NodeRef(Label(s[0]), s[1]), NodeRef(Label(e[0]), e[1]), d["props"])
                    out.append((ref, Neighbor(rel, self._node(other), dirn)))
        return out

    def _related_keys(self, label: Label, f: RelFilter) -> set[_Key]:
        """Keys of ``label`` nodes that pass one relationship filter."""
        g, rtype, found = self._graph, RelType.parse(f.rel_type).value, set()
        direction = Direction(f.direction)
        for other_id in f.ids:
            other = (Label.parse(f.label).value, other_id)
            if other not in g:
                continue
            if direction in (Direction.OUT, Direction.BOTH):  # node -> other
                found.update(s for s, _, t in g.in_edges(other, keys=True) if t == rtype and s[0] == label.value)
            if direction in (Direction.IN, Direction.BOTH):  # other -> node
                found.update(e for _, e, t in g.out_edges(other, keys=True) if t == rtype and e[0] == label.value)
        return found

    def find_nodes(self, label: Label, *, props: Mapping[str, Any] | None = None,
                   related: Sequence[RelFilter] = (), skip: int = 0, limit: int = 100) -> NodePage:
        """Filtered page of nodes; see :meth:`GraphStore.find_nodes`."""
        label = Label.parse(label)
        wanted = check_find_args(props, related, skip, limit)
        with self._lock:
            self._sync()
            keys: set[_Key] | None = None
            for f in related:
                hits = self._related_keys(label, f)
                keys = hits if keys is None else keys & hits
            pool = keys if keys is not None else (k for k in self._graph if k[0] == label.value)
            found = sorted(k for k in pool if props_match(self._graph.nodes[k]["props"], wanted))
            return NodePage([self._node(k) for k in found[skip:skip + limit]], len(found))

    def search_nodes(self, text: str, *, labels: Sequence[Label] | None = None, skip: int = 0,
                     limit: int = 20) -> NodePage:
        """Scan the searchable labels; :func:`rank_search_hits` decides matches and order."""
        terms = search_terms(text)
        wanted = {label.value for label in search_labels(labels)}
        with self._lock:
            self._sync()
            nodes = self._graph.nodes
            candidates = [self._node(k) for k in nodes if k[0] in wanted
                          and all(t in search_text(nodes[k]["props"]) for t in terms)]
        return rank_search_hits(candidates, terms, skip=skip, limit=limit)

    def counts(self) -> Counts:
        """Counted in SQLite, which is the truth the graph was built from."""
        with self._lock:
            nodes = dict(self._db.execute("SELECT label, count(*) FROM nodes GROUP BY label ORDER BY label"))
            rels = dict(self._db.execute("SELECT type, count(*) FROM rels GROUP BY type ORDER BY type"))
        return Counts(nodes=nodes, relationships=rels)
