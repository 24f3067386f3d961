"""Read-only, streamed reads of a local store's SQLite file, for the bulk export (``ingest/bulk.py``).

Paging a large store through ``list_nodes`` / ``expand`` decodes every node once per page and keeps a
label's rows in memory; this reads the tables of :mod:`graph.local_store` straight, in key order, one
row at a time, and asks SQLite (its JSON functions, in C) which property types occur, so a caller
can write each file in one pass with bounded memory.

The file is opened read-only (``mode=ro``): nothing of the staged store is written. When it has no
``-wal`` file (no process has it open, everything checkpointed) it is opened ``immutable``, which also
creates no ``-shm`` file beside it; the store must then not be written while it is read. Every read
of one :class:`LocalRows` is in one transaction: one snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from graph.errors import StoreError

__all__ = ["LocalRows", "PropType"]

# (property name, JSON type of the value, for an array the distinct JSON types of its items joined by ",")
PropType = tuple[str, str, str | None]

_TYPES = ("SELECT DISTINCT j.key, j.type, CASE j.type WHEN 'array' THEN "
          "(SELECT group_concat(DISTINCT e.type) FROM json_each(j.value) e) END FROM {table} t, json_each(t.props) j "
          "WHERE {where} AND t.props != '{{}}' AND j.type != 'null'")
_NODE = "t.label = ?"
_REL = "t.type = ? AND t.src_label = ? AND t.dst_label = ?"


class LocalRows:
    """The nodes and relationships of the local store in ``data_dir`` (its ``graph.sqlite``), read-only."""

    def __init__(self, data_dir: str | Path) -> None:
        path = Path(data_dir) / "graph.sqlite"
        if not path.is_file():
            raise StoreError(f"本地图数据目录 {data_dir} 中没有 graph.sqlite")
        immutable = "" if path.with_name(path.name + "-wal").exists() else "&immutable=1"
        try:
            self._db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro{immutable}", uri=True,
                                       isolation_level=None, check_same_thread=False)
            self._db.execute("BEGIN")  # one snapshot for every read
        except sqlite3.Error as err:
            raise StoreError(f"无法只读打开本地图数据库 {path}：{err}") from err

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> LocalRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def node_types(self, label: str) -> list[PropType]:
        """Each (property, JSON type[, item types]) present on nodes of ``label``; ``null`` values left out."""
        return self._db.execute(_TYPES.format(table="nodes", where=_NODE), (label,)).fetchall()

    def nodes(self, label: str) -> Iterator[tuple[str, str]]:
        """(id, properties as JSON text) of every node of ``label``, ordered by id."""
        yield from self._db.execute("SELECT id, props FROM nodes WHERE label = ? ORDER BY id", (label,))

    def rel_groups(self) -> list[tuple[str, str, str]]:
        """Every (start label, type, end label) that some relationship has."""
        return self._db.execute("SELECT DISTINCT src_label, type, dst_label FROM rels").fetchall()

    def rel_types(self, rel_type: str, start: str, end: str) -> list[PropType]:
        """As :meth:`node_types`, for the relationships of one (type, start label, end label)."""
        return self._db.execute(_TYPES.format(table="rels", where=_REL), (rel_type, start, end)).fetchall()

    def rels(self, rel_type: str, start: str, end: str) -> Iterator[tuple[str, str, str]]:
        """(start id, end id, properties as JSON text) of those relationships, ordered by start id, end id."""
        sql = "SELECT src_id, dst_id, props FROM rels WHERE type = ? AND src_label = ? AND dst_label = ? ORDER BY src_id, dst_id"
        yield from self._db.execute(sql, (rel_type, start, end))
