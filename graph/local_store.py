"""The embedded default store: SQLite on disk, read by index; no whole-graph load.

Why this shape: a batch acknowledged to the caller must survive ``kill -9``, and opening
the store, counting, looking up and paging must not depend on the graph's size (issue 17:
rebuilding an in-memory networkx graph on every open took 23 s at 10× the demo and 156 s at
50×). So SQLite in WAL mode with ``synchronous=FULL`` is both the truth and the index:

* ``nodes`` keyed by (label, id) and ``rels`` keyed by (type, start, end), with secondary
  indexes on each end, so a lookup, a page (keyset by id) or a node's relationships is an
  index seek; traversal (:meth:`LocalStore.expand`) joins the other end's properties in SQL;
* ``tallies`` keeps node counts per label and relationship counts per type, updated in the
  same transaction as the write, so :meth:`counts` (``kgmatch stats``) reads a few rows;
  it also keeps a write revision per label and type (:meth:`change_stamp`).

:meth:`LocalStore.write` validates, then commits the whole batch in one SQLite transaction.
Several processes may open the same directory (``kgmatch load`` while ``kgmatch serve``
runs): every read sees the latest committed state, because there is no second copy to
go stale. Each thread reads through its own connection, so reads run side by side.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from graph.environment import env_value
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
    cap_per_node,
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
CREATE INDEX IF NOT EXISTS rels_by_src ON rels (src_label, src_id, type);
CREATE INDEX IF NOT EXISTS rels_by_dst ON rels (dst_label, dst_id, type);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tallies (
    kind TEXT NOT NULL,   -- 'node' (per label) or 'rel' (per type)
    name TEXT NOT NULL,
    n    INTEGER NOT NULL,
    rev  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name)
) WITHOUT ROWID;
"""
_FORMAT_VERSION = "2"
_IDS = "(SELECT value FROM json_each(?))"  # a JSON array parameter as a set of ids
_LABELS = {m.value: m for m in Label}
_TYPES = {m.value: m for m in RelType}

_Key = tuple[str, str]  # (label value, id)


def default_data_dir() -> Path:
    """``$KGMATCH_DATA_DIR`` or ``var/`` under the current directory."""
    return Path(env_value("KGMATCH_DATA_DIR", empty_is_default=True))


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # json.dumps would build one per call


def _dumps(props: Mapping[str, Any]) -> str:
    return _ENCODER.encode(props)


def _ids(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


def _like_term(term: str) -> str | None:
    """A LIKE pattern that finds ``term`` inside a node's JSON text, or None when JSON would
    escape one of its characters (then only the exact check in Python applies)."""
    if any(c in term for c in '"\\') or any(ord(c) < 0x20 for c in term):
        return None
    return "%" + term.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
def _owner_only(path: Path) -> None:
    """Create ``path`` readable by its owner only (600), or tighten it; SQLite gives its ``-wal`` and
    ``-shm`` files the database file's mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            os.chmod(name, 0o600)


class LocalStore(GraphStore):
    """GraphStore over SQLite in ``data_dir`` (default ``var/``)."""

    backend = "local"

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__()
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.path = self.data_dir / "graph.sqlite"
        self._lock = threading.RLock()  # serialises writers of this process
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            _owner_only(self.path)  # it holds phone numbers and e-mails: like users, audit and keys, 600
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch is one transaction.
            self._db = self._connect()
            self._db.execute("PRAGMA synchronous=FULL")
            with self._lock:
                self._migrate()
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"无法打开本地图数据目录 {self.data_dir}：{err}") from err

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages per connection
        db.create_function("kg_lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)
        return db

    def _migrate(self) -> None:
        """Create the tables; a store written by format 1 gets its indexes and tallies once."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None or row[0] != _FORMAT_VERSION:
                db.execute("DELETE FROM tallies")
                db.execute("INSERT INTO tallies (kind, name, n) SELECT 'node', label, count(*) FROM nodes GROUP BY label")
                db.execute("INSERT INTO tallies (kind, name, n) SELECT 'rel', type, count(*) FROM rels GROUP BY type")
                db.execute("INSERT INTO meta VALUES ('format', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           (_FORMAT_VERSION,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection (SQLite releases the GIL while it works)."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise StoreError(f"本地图数据库已关闭：{self.data_dir}")
            db = self._connect()
            self._local.db = db
            with self._lock:
                self._readers.append(db)
        return db

    # -- lifecycle ---------------------------------------------------------------------------
    def init_schema(self) -> None:
        """The tables are created on open; nothing else to do."""

    def close(self) -> None:
        """Close every SQLite connection of this store."""
        with self._lock:
            self._closed = True
            for db in self._readers:
                db.close()
            self._readers.clear()
            self._db.close()

    def clear(self) -> None:
        """Delete everything, durably."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM rels")
            self._db.execute("DELETE FROM nodes")
            self._db.execute("UPDATE tallies SET n = 0, rev = rev + 1")
            self._db.execute("COMMIT")
        self._notify(Batch(replace_types=list(RelType)))  # caches built on write listeners start over

    # -- writes ------------------------------------------------------------------------------
    def write(self, batch: Batch) -> WriteSummary:
        """Validate, then commit the whole batch in one SQLite transaction."""
        validate_batch(batch)
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                raise StoreError(f"本地图数据库正忙或不可写：{err}") from err
            try:
                self._check_expect(batch)
                replaced = {t.value for t in batch.replace_types}
                unlinked: dict[str, int] = {}
                for u in batch.unlink:  # first, so the plan below sees the relationships as gone
                    cur = db.execute("DELETE FROM rels WHERE type = ? AND src_label = ? AND src_id = ? AND dst_label = ?",
                                     (u.rel_type.value, u.start.label.value, u.start.id, u.end_label.value))
                    unlinked[u.rel_type.value] = unlinked.get(u.rel_type.value, 0) + cur.rowcount
                node_rows, new_nodes = self._plan_nodes(batch)
                rel_rows, new_rels = self._plan_rels(batch, node_rows, replaced)
                for rtype in sorted(replaced):
                    db.execute("DELETE FROM rels WHERE type = ?", (rtype,))
                    db.execute("UPDATE tallies SET n = 0 WHERE kind = 'rel' AND name = ?", (rtype,))
                db.executemany(
                    "INSERT INTO nodes VALUES (?, ?, ?) ON CONFLICT (label, id) DO UPDATE SET props = excluded.props",
                    ((k[0], k[1], _dumps(p)) for k, p in sorted(node_rows.items())))  # key order; no list of all rows
                db.executemany(
                    "INSERT INTO rels VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type, src_label, src_id, dst_label, dst_id)"
                    " DO UPDATE SET props = excluded.props",
                    ((t, s[0], s[1], e[0], e[1], _dumps(p)) for (t, s, e), p in sorted(rel_rows.items())))
                touched = [("node", lb, new_nodes.get(lb, 0)) for lb in sorted({k[0] for k in node_rows})]
                touched += [("rel", t, new_rels.get(t, 0) - unlinked.get(t, 0))
                            for t in sorted({k[0] for k in rel_rows} | replaced | set(unlinked))]
                db.executemany("INSERT INTO tallies (kind, name, n, rev) VALUES (?, ?, ?, 1) ON CONFLICT (kind, name)"
                               " DO UPDATE SET n = n + excluded.n, rev = rev + 1", touched)
                db.execute("COMMIT")
            except BaseException as err:
                db.execute("ROLLBACK")
                if isinstance(err, sqlite3.Error):
                    raise StoreError(f"写入本地图数据库失败，本批数据未保存：{err}") from err
                raise
        summary = WriteSummary(nodes=sum(len(b.rows) for b in batch.nodes),
                               relationships=sum(len(b.rows) for b in batch.rels))
        self._notify(batch)
        return summary

    def _check_expect(self, batch: Batch) -> None:
        """Raise ConflictError unless every guard holds (called inside the write transaction)."""
        for ref in batch.create:
            if self._db.execute("SELECT 1 FROM nodes WHERE label = ? AND id = ?",
                                (ref.label.value, ref.id)).fetchone() is not None:
                raise exists_error(ref)
        for expect in batch.expect:
            row = self._db.execute("SELECT props FROM nodes WHERE label = ? AND id = ?",
                                   (expect.ref.label.value, expect.ref.id)).fetchone()
            actual = version_of(json.loads(row[0])) if row else None
            if actual != expect.version:
                raise stale_error(expect, actual)

    def _stored_props(self, label: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 5000):
            rows = self._db.execute(f"SELECT id, props FROM nodes WHERE label = ? AND id IN {_IDS}",
                                    (label, _ids(ids[i:i + 5000])))
            out.update((k, json.loads(p)) for k, p in rows)
        return out

    def _existing(self, label: str, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 5000):
            found.update(r[0] for r in self._db.execute(f"SELECT id FROM nodes WHERE label = ? AND id IN {_IDS}",
                                                        (label, _ids(ids[i:i + 5000]))))
        return found

    def _plan_nodes(self, batch: Batch) -> tuple[dict[_Key, dict[str, Any]], dict[str, int]]:
        """The merged properties of each touched node, and how many nodes per label are new."""
        wanted: dict[str, list[str]] = {}
        for nb in batch.nodes:
            wanted.setdefault(nb.label.value, []).extend(row["id"] for row in nb.rows)
        stored = {label: self._stored_props(label, sorted(set(ids))) for label, ids in wanted.items()}
        nodes: dict[_Key, dict[str, Any]] = {}
        new: dict[str, int] = {}
        for nb in batch.nodes:
            label = nb.label.value
            for row in nb.rows:
                key = (label, row["id"])
                old = nodes.get(key)
                if old is None:
                    old = stored[label].get(row["id"])
                    if old is None:
                        new[label] = new.get(label, 0) + 1
                        old = {}
                nodes[key] = merge_props(old, node_props(row))
        return nodes, new

    def _plan_rels(self, batch: Batch, nodes: Mapping[_Key, Any],
                   replaced: set[str]) -> tuple[dict[tuple[str, _Key, _Key], dict[str, Any]], dict[str, int]]:
        """The merged properties of each touched relationship, and how many per type are new.

        Raises:
            ValidationError: an endpoint is neither stored nor in the batch (nothing written).
        """
        ends: dict[str, set[str]] = {}
        for rb in batch.rels:
            for row in rb.rows:
                for label, key in ((rb.start_label.value, row["start"]), (rb.end_label.value, row["end"])):
                    if (label, key) not in nodes:
                        ends.setdefault(label, set()).add(key)
        present = {label: self._existing(label, sorted(ids)) for label, ids in ends.items()}
        rels: dict[tuple[str, _Key, _Key], dict[str, Any]] = {}
        new: dict[str, int] = {}
        missing: list[tuple[int, str, NodeRef]] = []
        row_no = sum(len(b.rows) for b in batch.nodes)
        for rb in batch.rels:
            rtype, sl, el = rb.type.value, rb.start_label.value, rb.end_label.value
            stored: dict[tuple[str, str], dict[str, Any]] = {}
            if rtype not in replaced:
                starts = sorted({row["start"] for row in rb.rows})
                for i in range(0, len(starts), 5000):
                    for si, di, props in self._db.execute(
                            f"SELECT src_id, dst_id, props FROM rels WHERE type = ? AND src_label = ? AND dst_label = ?"
                            f" AND src_id IN {_IDS}", (rtype, sl, el, _ids(starts[i:i + 5000]))):
                        stored[(si, di)] = json.loads(props)
            for row in rb.rows:
                row_no += 1
                start, end = (sl, row["start"]), (el, row["end"])
                for end_name, key, label in (("start", start, rb.start_label), ("end", end, rb.end_label)):
                    if key not in nodes and key[1] not in present.get(key[0], ()):
                        missing.append((row_no, end_name, NodeRef(label, key[1])))
                rkey = (rtype, start, end)
                old = rels.get(rkey)
                if old is None:
                    old = stored.get((start[1], end[1]))
                    if old is None:
                        new[rtype] = new.get(rtype, 0) + 1
                        old = {}
                rels[rkey] = merge_props(old, rel_props(row))
        if missing:
            raise missing_endpoint_errors(missing)
        return rels, new

    # -- reads -------------------------------------------------------------------------------
    def get_nodes(self, label: Label, ids: Sequence[str]) -> list[Node]:
        """Existing nodes in the order of ``ids``."""
        label = Label.parse(label)
        ids = list(ids)
        if not ids:
            return []
        db = self._reader()
        found: dict[str, str] = {}
        for i in range(0, len(ids), 5000):
            found.update(db.execute(f"SELECT id, props FROM nodes WHERE label = ? AND id IN {_IDS}",
                                    (label.value, _ids(ids[i:i + 5000]))))
        return [Node(label, i, json.loads(found[i])) for i in ids if i in found]

    def node_ids(self, label: Label, ids: Sequence[str] | None = None) -> set[str]:
        """Ids only, from the primary key (no property is decoded)."""
        label = Label.parse(label)
        db = self._reader()
        if ids is None:
            return {r[0] for r in db.execute("SELECT id FROM nodes WHERE label = ?", (label.value,))}
        ids = list(ids)
        found: set[str] = set()
        for i in range(0, len(ids), 5000):
            found.update(r[0] for r in db.execute(f"SELECT id FROM nodes WHERE label = ? AND id IN {_IDS}",
                                                  (label.value, _ids(ids[i:i + 5000]))))
        return found

    def list_nodes(self, label: Label, *, skip: int = 0, limit: int = 100, after: str | None = None) -> list[Node]:
        """A page of nodes of ``label`` ordered by id (an index range scan)."""
        label = Label.parse(label)
        sql, args = "SELECT id, props FROM nodes WHERE label = ?", [label.value]
        if after is not None:
            sql, args = sql + " AND id > ?", [*args, after]
        rows = self._reader().execute(sql + " ORDER BY id LIMIT ? OFFSET ?", (*args, limit, skip))
        return [Node(label, i, json.loads(p)) for i, p in rows]

    def all_nodes(self, label: Label, *, page: int = 1000) -> list[Node]:
        """Every node of ``label`` ordered by id, in one index scan."""
        label = Label.parse(label)
        rows = self._reader().execute("SELECT id, props FROM nodes WHERE label = ? ORDER BY id", (label.value,))
        return [Node(label, i, json.loads(p)) for i, p in rows]

    def expand(self, refs: Sequence[NodeRef], *, direction: Direction = Direction.BOTH,
               rel_types: Sequence[RelType] | None = None, labels: Sequence[Label] | None = None,
               limit_per_node: int | None = None,
               node_props: bool | Sequence[str] = True) -> list[tuple[NodeRef, Neighbor]]:
        """Relationships of each node in ``refs``, filtered; see :meth:`GraphStore.expand`.

        One indexed query per (label of ``refs``, direction) joins the other end's properties;
        with ``limit_per_node`` a window function keeps each node's heaviest relationships; with
        property names as ``node_props``, SQLite picks those out of the stored JSON (one small array
        decoded per row instead of the whole node).
        """
        direction = Direction(direction)
        types = sorted({RelType.parse(t).value for t in rel_types}) if rel_types else None
        others = sorted({Label.parse(x).value for x in labels}) if labels else None
        by_label: dict[str, list[str]] = {}
        for ref in refs:
            by_label.setdefault(Label.parse(ref.label).value, []).append(ref.id)
        dirs = [d for d in (Direction.OUT, Direction.IN) if direction in (d, Direction.BOTH)]
        keys = None if isinstance(node_props, bool) else [k for k in dict.fromkeys(node_props) if k != "id"]
        out: list[tuple[NodeRef, Neighbor]] = []
        db = self._reader()
        db.execute("BEGIN")  # one snapshot for every query of this call
        try:
            for label, ids in by_label.items():
                me_label = _LABELS[label]
                mine_refs: dict[str, NodeRef] = {}  # one key object per asked node, shared by its rows
                for dirn in dirs:
                    me, them = ("src", "dst") if dirn is Direction.OUT else ("dst", "src")
                    where = [f"r.{me}_label = ?", f"r.{me}_id IN {_IDS}"]
                    args: list[Any] = [label, _ids(dict.fromkeys(ids))]
                    if types is not None:
                        where.append(_in("r.type", types))
                        args += types
                    if others is not None:
                        where.append(_in(f"r.{them}_label", others))
                        args += others
                    inner = (f"SELECT r.{me}_id AS me, r.type AS type, r.{them}_label AS ol, r.{them}_id AS oi, "
                             f"r.props AS rp FROM rels r WHERE {' AND '.join(where)}")
                    if limit_per_node is not None:
                        inner = (f"SELECT me, type, ol, oi, rp FROM (SELECT *, row_number() OVER (PARTITION BY me "
                                 f"ORDER BY coalesce(json_extract(rp, '$.weight'), 1.0) DESC, type, ol, oi) AS rn "
                                 f"FROM ({inner})) WHERE rn <= ?")
                        args.append(limit_per_node)
                    # several paths: json_extract gives a JSON array (one path would give the bare value)
                    paths = ["$." + json.dumps(k, ensure_ascii=False) for k in keys or ()]
                    paths += paths if len(paths) == 1 else []
                    other_props = "n.props" if keys is None else f"json_extract(n.props, {', '.join('?' * len(paths))})"
                    sql = (f"SELECT x.me, x.type, x.ol, x.oi, x.rp, {other_props} FROM ({inner}) x "
                           f"JOIN nodes n ON n.label = x.ol AND n.id = x.oi") if node_props and keys != [] else \
                        f"SELECT x.me, x.type, x.ol, x.oi, x.rp, NULL FROM ({inner}) x"
                    if paths:  # the select's parameters come before the query's own
                        args = [*paths, *args]
                    for me_id, rtype, ol, oi, rp, np_ in db.execute(sql, args):
                        mine = mine_refs.get(me_id)
                        if mine is None:
                            mine = mine_refs[me_id] = NodeRef(me_label, me_id)
                        other = NodeRef(_LABELS[ol], oi)
                        start, end = (mine, other) if dirn is Direction.OUT else (other, mine)
                        # most relationships carry no property: no decoder call for "{}"
                        rel = Relationship(_TYPES[rtype], start, end, {} if rp == "{}" else json.loads(rp))
                        if keys is not None:
                            props = {k: v for k, v in zip(keys, json.loads(np_), strict=False) if v is not None} if np_ else {}
                        else:
                            props = json.loads(np_) if np_ and np_ != "{}" else {}
                        out.append((mine, Neighbor(rel, Node(other.label, oi, props), dirn)))
        finally:
            db.execute("COMMIT")
        if limit_per_node is not None and direction is Direction.BOTH:
            out = cap_per_node(out, limit_per_node)
        return out

    def find_nodes(self, label: Label, *, props: Mapping[str, Any] | None = None,
                   related: Sequence[RelFilter] = (), skip: int = 0, limit: int = 100) -> NodePage:
        """Filtered page of nodes; see :meth:`GraphStore.find_nodes`.

        SQL narrows the candidates (property values through ``json_extract``, relationship
        filters through the end indexes); :func:`props_match` decides exactly.
        """
        label = Label.parse(label)
        wanted = check_find_args(props, related, skip, limit)
        where, args = ["n.label = ?"], [label.value]
        for key, value in wanted.items():
            where.append("json_extract(n.props, ?) = ?")
            args += ["$." + json.dumps(key, ensure_ascii=False), value]
        for f in related:
            dirn = Direction(f.direction)
            rtype, other, ids = RelType.parse(f.rel_type).value, Label.parse(f.label).value, _ids(f.ids)
            parts = []
            if dirn in (Direction.OUT, Direction.BOTH):  # node -> other
                parts.append(f"n.id IN (SELECT src_id FROM rels WHERE dst_label = ? AND dst_id IN {_IDS} "
                             f"AND type = ? AND src_label = ?)")
                args += [other, ids, rtype, label.value]
            if dirn in (Direction.IN, Direction.BOTH):  # other -> node
                parts.append(f"n.id IN (SELECT dst_id FROM rels WHERE src_label = ? AND src_id IN {_IDS} "
                             f"AND type = ? AND dst_label = ?)")
                args += [other, ids, rtype, label.value]
            where.append("(" + " OR ".join(parts) + ")")
        rows = self._reader().execute(f"SELECT n.id, n.props FROM nodes n WHERE {' AND '.join(where)} ORDER BY n.id",
                                      args)
        found = [(i, p) for i, p in ((i, json.loads(p)) for i, p in rows) if props_match(p, wanted)]
        return NodePage([Node(label, i, p) for i, p in found[skip:skip + limit]], len(found))

    def search_nodes(self, text: str, *, labels: Sequence[Label] | None = None, skip: int = 0,
                     limit: int = 20) -> NodePage:
        """SQL narrows by substring of the lower-cased JSON text; :func:`rank_search_hits` decides."""
        terms = search_terms(text)
        wanted = [label.value for label in search_labels(labels)]
        where, args = [_in("label", wanted)], list(wanted)
        for term in terms:
            pattern = _like_term(term)
            if pattern is not None:
                where.append("kg_lower(props) LIKE ? ESCAPE '!'")
                args.append(pattern)
        rows = self._reader().execute(f"SELECT label, id, props FROM nodes WHERE {' AND '.join(where)}", args)
        candidates = []
        for lb, i, p in rows:
            props = json.loads(p)
            if all(t in search_text(props) for t in terms):
                candidates.append(Node(_LABELS[lb], i, props))
        return rank_search_hits(candidates, terms, skip=skip, limit=limit)

    def counts(self) -> Counts:
        """From the tallies kept with every write: a few rows, whatever the graph's size."""
        rows = list(self._reader().execute("SELECT kind, name, n FROM tallies WHERE n > 0 ORDER BY kind, name"))
        return Counts(nodes={name: n for kind, name, n in rows if kind == "node"},
                      relationships={name: n for kind, name, n in rows if kind == "rel"})

    def change_stamp(self, labels: Sequence[Label] = (), rel_types: Sequence[RelType] = ()) -> tuple:
        """Write revisions of these labels and types: changes whenever a write touches one of them."""
        names = [("node", Label.parse(x).value) for x in labels] + [("rel", RelType.parse(t).value) for t in rel_types]
        revs = dict(((k, n), r) for k, n, r in self._reader().execute("SELECT kind, name, rev FROM tallies"))
        return tuple(revs.get(key, 0) for key in names)
