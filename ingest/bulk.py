"""Bulk initial load of an empty Neo4j database with ``neo4j-admin database import full`` (issue 15 item 4).

The rows are built once, by the ordinary loaders: stage the files into an embedded store
(``kgmatch --data-dir STAGE load …``, any kinds, ``demo`` included — the same validation, identity
resolution and properties as a load straight into Neo4j). :func:`write_csvs` then writes every node
and relationship of that store as neo4j-admin CSV files (one file per label and per (type, start
label, end label), typed headers, ``id`` as the ID of the label's id space), and
:func:`import_command` gives the arguments that import them. ``kgmatch --store neo4j bulk-import
STAGE`` runs it all against the local server of ``deploy/neo4j`` (stop, import, start, apply
``schema.cypher``); with ``--csv-only`` it writes the files and prints the command for any other
Neo4j 5 installation.

Exactly what a normal load stores: a property is written with the Neo4j type the driver would have
given it (``int`` → long, ``float`` → double, ``bool`` → boolean, ``str`` → string, lists → arrays);
an absent or ``None`` property is an empty unquoted cell (no property), an empty string a quoted
``""``. When one property has different types on nodes of one label (or relationships of one
type) the rows are split into one file per type combination, so nothing is coerced.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import StoreError
from graph.local_export import LocalRows, PropType
from graph.local_store import LocalStore
from graph.model import Label
from graph.store import GraphStore

__all__ = ["BulkFiles", "DEPLOY_DIR", "empty_error", "import_command", "run_import", "write_csvs"]

log = logging.getLogger(__name__)

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "neo4j"
ARRAY_DELIMITER = "\x1f"  # ASCII unit separator: never in our text, so list items need no escaping
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass
class BulkFiles:
    """What :func:`write_csvs` wrote: the files per label / relationship type and the row counts."""

    directory: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)  # (label, file)
    relationships: list[tuple[str, Path]] = field(default_factory=list)  # (type, file)
    multiline: list[Path] = field(default_factory=list)  # files with a line break inside a value
    node_count: int = 0
    relationship_count: int = 0

    @property
    def rows(self) -> int:
        """Nodes plus relationships."""
        return self.node_count + self.relationship_count


def empty_error(nodes: int) -> StoreError:
    """The refusal when the target database already holds data."""
    return StoreError(f"目标 Neo4j 数据库不是空的（已有 {nodes} 个节点）：批量导入（neo4j-admin database import）"
                      "只能写入空库，否则会覆盖现有数据。请改用 kgmatch --store neo4j load 逐个文件增量导入，"
                      "或确认可以删除现有数据后先运行 kgmatch --store neo4j init --reset。")


# -- types -----------------------------------------------------------------------------------------
def _kind(value: Any, where: str) -> str:
    """The neo4j-admin column type of one value (what the driver would have stored)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        kinds = {_kind(v, where) for v in value}
        if not kinds:
            return "empty[]"
        if len(kinds) > 1 or next(iter(kinds)).endswith("[]"):
            raise StoreError(f"{where} 的列表混有不同类型的值（{'、'.join(sorted(kinds))}），Neo4j 不能保存")
        return next(iter(kinds)) + "[]"
    raise StoreError(f"{where} 的值类型 {type(value).__name__} 不能保存到 Neo4j")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "string":
        return _quote(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("long", "double"):
        return repr(value)
    if kind == "empty[]":
        return '""'
    if kind == "string[]":
        if any(ARRAY_DELIMITER in v for v in value):
            raise StoreError("列表值中含有不可见的分隔符 U+001F，无法批量导入")
        return _quote(ARRAY_DELIMITER.join(value))
    return _quote(ARRAY_DELIMITER.join(_cell(v, kind[:-2]) for v in value))


def _header_type(kind: str) -> str:
    return "string[]" if kind == "empty[]" else kind


def _column(name: str, kind: str) -> str:
    if not _NAME.match(name):
        raise StoreError(f"属性名「{name}」不能写进 neo4j-admin 的表头")
    return name if kind == "string" else f"{name}:{_header_type(kind)}"


# -- writing ---------------------------------------------------------------------------------------
_SIMPLE = {"true": "boolean", "false": "boolean", "integer": "long", "real": "double", "text": "string"}


def _sql_kind(json_type: str, items: str | None) -> str | None:
    """The column type of a value SQLite's JSON functions typed (an array with its items' types), or
    None when Neo4j cannot store it (then :func:`_kind` over the values themselves says why)."""
    if json_type in _SIMPLE:
        return _SIMPLE[json_type]
    if json_type == "array":
        if items is None:
            return "empty[]"
        kinds = {_SIMPLE.get(t) for t in items.split(",")}
        if None not in kinds and len(kinds) == 1:
            return f"{kinds.pop()}[]"
    return None


def _kinds(found: list[PropType], values: Callable[[], Iterator[str]], where: str, skip: str = "") -> dict[str, set[str]]:
    """Every property's column types; ``values()`` (the rows' JSON texts) is read only to name a refused value."""
    kinds: dict[str, set[str]] = {}
    for key, json_type, items in found:
        if key == skip:
            continue
        kind = _sql_kind(json_type, items)
        if kind is None:
            for text in values():
                value = json.loads(text).get(key)
                if value is not None:
                    _kind(value, f"{where}.{key}")  # raises for the first value Neo4j cannot store
            raise StoreError(f"{where}.{key} 的值类型（{json_type}）不能保存到 Neo4j")
        kinds.setdefault(key, set()).add(kind)
    return kinds


class _Writer:
    """One CSV being written: its path, columns (name → type), rows, and whether a value broke a line."""

    def __init__(self, path: Path, head: list[str], columns: list[tuple[str, str]]) -> None:
        self.path, self.columns, self.multiline, self.count = path, columns, False, 0
        self.fh = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self.fh.write(",".join(head) + "\n")

    def row(self, prefix: str, props: dict[str, Any]) -> None:
        line = prefix + "".join("," + _cell(props.get(k), t) for k, t in self.columns) if props else \
            prefix + "," * len(self.columns)
        if not self.multiline and ("\n" in line or "\r" in line):
            self.multiline = True
        self.fh.write(line + "\n")
        self.count += 1


def _stream(rows: Iterator[tuple[str, str]], kinds: dict[str, set[str]], where: str, stem: Path,
            id_head: list[str], skip: str = "") -> list[_Writer]:
    """Write ``rows`` (the row's quoted id cells, its properties as JSON text) into ``{stem}-{n}.csv``, one
    file per combination of types of the properties that have several, in the order they first occur."""
    mixed = sorted(k for k, v in kinds.items() if len(v) > 1)
    first = {k: min(kinds[k]) for k in mixed}  # rows without the property go with this type's group
    fixed = [(k, next(iter(v))) for k, v in sorted(kinds.items()) if k not in mixed]
    writers: dict[tuple, _Writer] = {}
    try:
        for prefix, text in rows:
            props = {} if text == "{}" else json.loads(text)
            if skip:
                props.pop(skip, None)
            key = tuple(_kind(props[k], where) if props.get(k) is not None else first[k] for k in mixed)
            writer = writers.get(key)
            if writer is None:
                columns = [*fixed, *zip(mixed, key, strict=True)]
                writer = writers[key] = _Writer(stem.with_name(f"{stem.name}-{len(writers)}.csv"),
                                                [*id_head, *(_column(k, t) for k, t in columns)], columns)
            writer.row(prefix, props)
    finally:
        for writer in writers.values():
            writer.fh.close()
    return list(writers.values())


def write_csvs(source: LocalStore | Path, directory: Path) -> BulkFiles:
    """Every node and relationship of the local store ``source`` (a store or its data directory) as
    neo4j-admin CSV files in ``directory`` (emptied first).

    Streamed from the store's SQLite file opened read-only (:class:`graph.local_export.LocalRows`):
    memory does not grow with the store. Nodes in id order, one label after the other, each followed
    by the relationships that start at it by (type, end label), in (start id, end id) order.
    """
    data_dir = source.data_dir if isinstance(source, LocalStore) else Path(source)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.csv"):
        old.unlink()
    files = BulkFiles(directory.resolve())

    def add(written: list[_Writer], into: list[tuple[str, Path]], name: str) -> int:
        into.extend((name, w.path) for w in written)
        files.multiline.extend(w.path for w in written if w.multiline)
        return sum(w.count for w in written)

    with LocalRows(data_dir) as store:
        groups = store.rel_groups()
        for label in Label:
            name = label.value
            kinds = _kinds(store.node_types(name), lambda name=name: (p for _, p in store.nodes(name)), name, skip="id")
            rows = ((_quote(i), p) for i, p in store.nodes(name))
            files.node_count += add(_stream(rows, kinds, name, files.directory / f"nodes-{name}", [f"id:ID({name})"],
                                            skip="id"), files.nodes, name)
            for rel_type, end in sorted((t, e) for s, t, e in groups if s == name):
                where = f"{rel_type}({name}→{end})"
                kinds = _kinds(store.rel_types(rel_type, name, end),
                               lambda t=rel_type, s=name, e=end: (p for _, _, p in store.rels(t, s, e)), where)
                rows = ((f"{_quote(s)},{_quote(d)}", p) for s, d, p in store.rels(rel_type, name, end))
                written = _stream(rows, kinds, where, files.directory / f"rels-{rel_type}-{name}-{end}",
                                  [f":START_ID({name})", f":END_ID({end})"])
                files.relationship_count += add(written, files.relationships, rel_type)
    log.info("bulk CSVs in %s: %d nodes, %d relationships", files.directory, files.node_count,
             files.relationship_count)
    return files


def import_command(files: BulkFiles, *, database: str = "neo4j", off_heap: str = "1g") -> list[str]:
    """The arguments of ``neo4j-admin database import full`` for ``files`` (the database name last)."""
    args = [f"--nodes={label}={path}" for label, path in files.nodes]
    args += [f"--relationships={rel_type}={path}" for rel_type, path in files.relationships]
    args += ["--array-delimiter=U+001F", "--id-type=string", "--overwrite-destination=true",
             f"--max-off-heap-memory={off_heap}", f"--report-file={files.directory / 'import.report'}"]
    if files.multiline:
        args += ["--multiline-fields=true"]
    return [*args, database]


def run_import(files: BulkFiles, *, database: str = "neo4j", neo4j_home: str | None = None,
               bolt_port: int | None = None, log_file: Path | None = None, off_heap: str = "1g") -> float:
    """Stop the local server of ``deploy/neo4j``, import ``files`` into ``database``, start it again.

    Returns the seconds the import itself took (neo4j-admin). The caller has checked the database is empty.

    Raises:
        StoreError: the import failed (the server is started again either way; the log is named).
    """
    env = dict(os.environ)
    if neo4j_home is not None:
        env["KGMATCH_NEO4J_HOME"] = neo4j_home
    if bolt_port is not None:
        env["KGMATCH_NEO4J_BOLT_PORT"] = str(bolt_port)
    log_file = log_file or files.directory / "import.log"
    args = import_command(files, database=database, off_heap=off_heap)
    log.info("neo4j-admin database import full %s", shlex.join(args))
    with log_file.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        done = subprocess.run(["bash", str(DEPLOY_DIR / "import.sh"), *args], env=env, stdout=out,
                              stderr=subprocess.STDOUT, check=False)
        took = time.perf_counter() - started
    if done.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        raise StoreError(f"neo4j-admin 批量导入失败（退出码 {done.returncode}），数据库仍为空或未改变；"
                         f"详见 {log_file}：\n" + "\n".join(tail))
    seconds = _import_seconds(log_file)
    return seconds if seconds is not None else took


def _import_seconds(log_file: Path) -> float | None:
    """The importer's own duration, from the line import.sh prints around it."""
    found = re.findall(r"^\[neo4j\] import took (\d+(?:\.\d+)?) s", log_file.read_text(encoding="utf-8",
                                                                                       errors="replace"), re.M)
    return float(found[-1]) if found else None


def local_server(uri: str, bolt_port: int) -> bool:
    """Whether ``uri`` is the server ``deploy/neo4j`` runs on this machine on ``bolt_port``."""
    match = re.match(r"^(?:bolt|neo4j)://(127\.0\.0\.1|localhost)(?::(\d+))?/?$", uri.strip())
    return bool(match) and int(match.group(2) or 7687) == bolt_port


def counts_total(store: GraphStore) -> int:
    """How many nodes ``store`` holds (from the count store on Neo4j)."""
    return sum(store.counts().nodes.values())


def shell_command(args: Sequence[str]) -> str:
    """The command line a person runs on another Neo4j 5 installation (the database stopped)."""
    return "neo4j-admin database import full " + shlex.join(args)
