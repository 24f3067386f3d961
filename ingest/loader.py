"""Validate every row first, then write the good rows (one transaction, or batches sized for the store).

The contract users rely on: good rows load; each bad row is reported in Chinese
with its row number, field and reason, and listed in an error file; nothing of a
bad row is written (a relationship whose endpoint is a bad row is bad too); loading
the same file again changes nothing. On a store that limits its transactions (Neo4j) the good
rows are committed in batches (:func:`graph.batching.write_in_batches`): a load the server stops
part-way is resumed by loading the same file again.

A large file is checked and written in chunks of input rows (:class:`ChunkedLoad`,
``KGMATCH_LOAD_CHUNK_ROWS``) so that memory does not grow with the file: each row gets the
verdict and message of a one-pass check (the checks carry their state across chunks), and the
stored graph is the one a single transaction gives. A failed chunk write leaves the earlier chunks
committed and nothing of that chunk; loading the same file again resumes it.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from graph.batching import write_in_batches
from graph.environment import env_value, variable
from graph.errors import Msg, RowError, StoreError
from graph.model import NODE_SPECS, Label, node_errors, rel_errors
from graph.store import Batch, GraphStore, NodeRef
from ingest.generic import NodeOp, RelOp, parse_row
from ingest.readers import read_rows

__all__ = ["ChunkedLoad", "LoadReport", "chunk_rows", "cycle_collection_paused", "load_file", "load_ops",
           "write_chunked", "write_error_file"]

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """What a load did: rows written and rows rejected (with reasons)."""

    source: str
    nodes: int = 0
    relationships: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_file: Path | None = None
    rows: int = 0  # input rows that were written (a domain row may become several nodes and relationships)

    @property
    def rejected_rows(self) -> int:
        """How many distinct rows were rejected."""
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        """True when every row loaded."""
        return not self.errors


_GC_LOCK = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Run a load without Python's cyclic garbage collector, then restore it.

    A load keeps every op of the file alive until the write, so each automatic full collection
    walks all of them again, for nothing: ~1/3 of the time of a 17,400-row project file
    (bench/load_rate.py). Nothing of a load needs the collector (its few cycles are freed by the
    collection that follows). Nested and concurrent loads (threads of the web app) share one pause:
    the collector is back when the last of them ends, as it was before the first.
    """
    global _gc_pausers, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


@dataclass
class _Carry:
    """What the checks of one file remember from its earlier chunks (:class:`ChunkedLoad`).

    One chunk's checks then give every row the verdict and the message the whole file in one
    transaction would: a node id repeated in a later chunk is a duplicate of its first row, a
    relationship to a node whose row was bad names that row, and a relationship whose endpoint is
    not known yet waits for the later chunks (nodes may follow the relationships that need them)."""

    seen: dict[tuple[Label, str], int] = field(default_factory=dict)  # node → its first row in the file
    not_good: set[tuple[Label, str]] = field(default_factory=set)  # nodes of earlier chunks that were not written
    seen_rels: dict[tuple[str, Label, str, Label, str], int] = field(default_factory=dict)
    bad_rows: set[int] = field(default_factory=set)
    errors_seen: int = 0  # how many of the load's errors ``bad_rows`` already holds


def _check_ops(ops: Sequence[NodeOp | RelOp], store: GraphStore, errors: list[RowError],
               carry: _Carry | None = None, deferred: list[RelOp] | None = None,
               recheck: bool = False) -> list[NodeOp | RelOp]:
    """The ops that are valid; the reasons for the others go to ``errors``.

    ``carry``: the state of the file's earlier chunks (updated). ``deferred``: when given, a
    relationship whose only problem is an endpoint neither in the file so far nor stored is put
    there instead of rejected (a later chunk may hold that node); the last check passes none.
    ``recheck``: ``ops`` are relationships deferred so, checked again (not duplicates of themselves).
    Nodes are keyed by plain ``(label, id)`` tuples here (a :class:`NodeRef` per endpoint cost
    more than the checks themselves on a large file)."""
    carry = carry if carry is not None else _Carry()
    bad_rows = carry.bad_rows  # rows the reading and building found bad, and rows of bad nodes (as in one pass)
    bad_rows.update(e.row for e in errors[carry.errors_seen:])
    seen = carry.seen
    earlier = len(seen) > 0  # nodes of earlier chunks: in ``seen``, and written unless in ``not_good``
    good_nodes: dict[tuple[Label, str], NodeOp] = {}
    rel_ops: list[RelOp] = []
    chunk_refs: list[tuple[Label, str]] = []
    for op in ops:
        if not isinstance(op, NodeOp):
            rel_ops.append(op)
            continue
        problems = node_errors(op.label, op.props, row_no=op.row_no)
        key = op.props.get("id")
        ref = (op.label, key) if isinstance(key, str) else None
        if ref is not None and ref in seen:
            problems.append(RowError(op.row_no, "id", Msg.DUPLICATE_ID.format(value=key, first=seen[ref])))
        if ref is not None and ref not in seen:
            seen[ref] = op.row_no
            chunk_refs.append(ref)
        if problems:
            errors.extend(problems)
            bad_rows.add(op.row_no)
        elif op.row_no not in bad_rows and ref is not None:
            good_nodes[ref] = op
    first_here = set(chunk_refs) if earlier else set()

    def written_before(ref: tuple[Label, str]) -> bool:  # a node of an earlier chunk that was written
        return earlier and ref in seen and ref not in first_here and ref not in carry.not_good

    # Which relationship endpoints are not in this file must already be stored.
    wanted: dict[Label, set[str]] = {}
    for op in rel_ops:
        for label, key in ((op.start_label, op.props.get("start")), (op.end_label, op.props.get("end"))):
            if isinstance(key, str) and (label, key) not in seen:
                wanted.setdefault(label, set()).add(key)
    stored = {(label, i) for label, ids in wanted.items() for i in store.node_ids(label, sorted(ids))}
    good: list[NodeOp | RelOp] = [op for op in good_nodes.values()]
    seen_rels = carry.seen_rels
    for op in rel_ops:
        problems = rel_errors(op.type, op.start_label, op.end_label, op.props, row_no=op.row_no)
        checked = len(problems)
        missing = 0
        for end_name, label in (("start", op.start_label), ("end", op.end_label)):
            key = op.props.get(end_name)
            if not isinstance(key, str):
                continue
            ref = (label, key)
            if ref in good_nodes or ref in stored or written_before(ref):
                continue
            if ref in seen:
                problems.append(RowError(op.row_no, end_name, f"引用的{NODE_SPECS[label].zh}「{key}」所在行（第 {seen[ref]} 行）有误未导入"))
            else:
                problems.append(RowError(op.row_no, end_name, Msg.MISSING_ENDPOINT.format(label=NODE_SPECS[label].zh, id=key)))
                missing += 1
        rkey = (op.type.value, op.start_label, str(op.props.get("start")), op.end_label, str(op.props.get("end")))
        if rkey in seen_rels and not problems and not (recheck and seen_rels[rkey] == op.row_no):
            problems.append(RowError(op.row_no, "start/end", f"同一关系在第 {seen_rels[rkey]} 行已出现"))
        seen_rels.setdefault(rkey, op.row_no)
        if deferred is not None and missing and len(problems) == checked + missing:
            deferred.append(op)  # only endpoints not known yet: a later chunk may bring them
            continue
        if problems:
            errors.extend(problems)
        elif op.row_no not in bad_rows:
            good.append(op)
    for ref in chunk_refs:
        if ref not in good_nodes:
            carry.not_good.add(ref)
    carry.not_good.difference_update(good_nodes)
    carry.errors_seen = len(errors)  # (a bad relationship does not make its row's other ops bad: as in one pass)
    return good


def _with_search_text(props: dict) -> dict:
    """Add ``keywords_text`` (keywords joined by spaces) so the CJK full-text index covers
    keywords: Neo4j's full-text index reads string properties, not lists."""
    keywords = props.get("keywords")
    if isinstance(keywords, list) and keywords and "keywords_text" not in props:
        return {**props, "keywords_text": " ".join(str(k) for k in keywords)}
    return props


def _to_batch(ops: Iterable[NodeOp | RelOp]) -> Batch:
    """Group ops by label / type into one Batch (nodes before relationships)."""
    batch = Batch()
    nodes: dict[Label, list[dict]] = {}
    rels: dict[tuple, list[dict]] = {}
    for op in ops:
        if isinstance(op, NodeOp):
            nodes.setdefault(op.label, []).append(_with_search_text(op.props))
        else:
            rels.setdefault((op.type, op.start_label, op.end_label), []).append(op.props)
    for label, rows in nodes.items():
        batch.add_nodes(label, rows)
    for (rel_type, start, end), rows in rels.items():
        batch.add_rels(rel_type, start, end, rows)
    return batch


def chunk_rows() -> int:
    """Input rows per chunk of a large file (``KGMATCH_LOAD_CHUNK_ROWS``; 0 = the whole file in one)."""
    try:
        return max(0, int(env_value("KGMATCH_LOAD_CHUNK_ROWS")))
    except ValueError:
        return int(variable("KGMATCH_LOAD_CHUNK_ROWS").default)


class ChunkedLoad:
    """Validate and write one file's ops chunk after chunk, so memory does not grow with the file.

    The reader / builder hands over the ops of each chunk of input rows (:meth:`write`), then
    the ops that need every row (a builder's ``finish``: :meth:`write` again, any number of
    times), then calls :meth:`report`. The builder keeps its cross-row state across chunks
    (claims, the person index, the aggregates of ``finish``), and the checks keep theirs
    (:class:`_Carry`), so every row gets the verdict and message of the one-transaction load and
    the stored graph is the same.

    What a failure means: a bad row never stops the load (it is reported, the good rows load), as
    before. If a chunk's write fails (disk, store, interruption), the chunks before it are
    committed, nothing of that chunk is, and the error says which rows and how many went in:
    loading the same file again resumes it — every write merges on the key and the builders
    count what is stored, so the result is the graph of one uninterrupted load.
    """

    def __init__(self, store: GraphStore, *, source: str, errors: list[RowError] | None = None,
                 create: Sequence[NodeRef] = (), all_or_nothing: bool = False) -> None:
        self.store, self.source = store, source
        self.errors: list[RowError] = errors if errors is not None else []
        self.create, self.all_or_nothing = list(create), all_or_nothing
        self.carry = _Carry()
        self.deferred: list[RelOp] = []
        self.nodes = self.relationships = self.chunks = 0
        self._rows = bytearray()  # one byte per input row number: written
        self._hold = all_or_nothing or bool(self.create)  # then one batch of every good op, by report()
        self._held: list[NodeOp | RelOp] = []

    def _mark(self, ops: Iterable[NodeOp | RelOp]) -> None:
        rows = self._rows
        for op in ops:
            n = op.row_no or 0
            if n >= len(rows):
                rows.extend(bytes(max(n + 1 - len(rows), len(rows))))
            rows[n] = 1

    def _commit(self, good: list[NodeOp | RelOp], *, final: bool) -> None:
        if self._hold and not final:
            self._held.extend(good)
            return
        if not good:
            return
        batch = _to_batch(good)
        if final:
            batch.create.extend(self.create)
        rows = [op.row_no or 0 for op in good]
        try:
            summary = write_in_batches(self.store, batch)
        except StoreError as err:
            if not self.chunks:
                raise
            first, last = min(rows), max(rows)
            where = f"第 {first} 行" if first == last else f"第 {first}–{last} 行"
            raise StoreError(Msg.CHUNK_FAILED.format(rows=where, reason=err.message,
                                                     done=sum(self._rows)), errors=err.errors) from err
        self.chunks += 1
        self.nodes += summary.nodes
        self.relationships += summary.relationships
        self._mark(good)

    def write(self, ops: Sequence[NodeOp | RelOp], *, last: bool = False) -> None:
        """Check one chunk's ops against the file so far and commit the good ones (one transaction,
        or the store's batches). ``last``: no later chunk follows (nothing is deferred)."""
        self._commit(_check_ops(ops, self.store, self.errors, self.carry, None if last else self.deferred),
                     final=False)
        if not last:
            gc.collect(1)  # the chunk's own cycles, if any (the load pauses the collector): cheap, the young objects only

    def report(self) -> LoadReport:
        """Check the relationships that waited for later chunks, write them, and say what was loaded."""
        if self.deferred:
            deferred, self.deferred = self.deferred, []
            self._commit(_check_ops(deferred, self.store, self.errors, self.carry, recheck=True), final=False)
        errors = sorted(self.errors, key=lambda e: (e.row or 0, e.field))
        report = LoadReport(source=self.source, errors=errors)
        if self._hold:
            held, self._held = self._held, []
            if not (self.all_or_nothing and errors):
                self._commit(held, final=True)
        report.nodes, report.relationships = self.nodes, self.relationships
        report.rows = sum(self._rows)
        log.info("loaded %s: %d nodes, %d relationships, %d rows rejected (%d chunks)", self.source, report.nodes,
                 report.relationships, report.rejected_rows, self.chunks)
        return report


def load_ops(ops: Sequence[NodeOp | RelOp], store: GraphStore, *, source: str,
             errors: list[RowError] | None = None, create: Sequence[NodeRef] = (),
             all_or_nothing: bool = False) -> LoadReport:
    """Validate ``ops`` (plus reading ``errors`` already found) and write the good ones atomically.

    ``create``: nodes that must not exist when the write commits (``Batch.create``).
    ``all_or_nothing``: write nothing when any row is bad (a file uploaded through the web).
    """
    loading = ChunkedLoad(store, source=source, errors=list(errors or []), create=create,
                          all_or_nothing=all_or_nothing)
    loading.write(ops, last=True)
    return loading.report()


def load_file(path: Path, store: GraphStore, *, progress: bool = False) -> LoadReport:
    """Load one file in the generic format (see :mod:`ingest.generic`)."""
    with cycle_collection_paused():
        return _load_file(path, store, progress=progress)


def _load_file(path: Path, store: GraphStore, *, progress: bool) -> LoadReport:
    errors: list[RowError] = []
    loading = ChunkedLoad(store, source=str(path), errors=errors)
    step = chunk_rows()
    ops: list[NodeOp | RelOp] = []
    rows = read_rows(path, errors)
    for count, row in enumerate(tqdm(rows, desc=f"读取 {path.name}", unit="行", disable=not progress), start=1):
        op = parse_row(row.number, row.values, errors)
        if op is not None:
            ops.append(op)
        if step and count % step == 0:
            loading.write(ops)
            ops = []
    loading.write(ops)
    return loading.report()


def write_chunked(loading: ChunkedLoad, ops: list[NodeOp | RelOp], step: int) -> None:
    """Hand ``ops`` (emptied as it goes) to ``loading`` ``step`` at a time (all at once when 0)."""
    if not step:
        loading.write(ops)
        ops.clear()
        return
    ops.reverse()
    while ops:
        part = ops[-step:]
        del ops[-step:]
        part.reverse()
        loading.write(part)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(text: str) -> str:
    """A cell Excel will not run: text starting like a formula gets a leading apostrophe.

    >>> _inert("=1+2"), _inert("第 3 行")
    ("'=1+2", '第 3 行')
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_error_file(report: LoadReport, path: Path) -> Path:
    """Write the rejected rows as a CSV a person can open in Excel (UTF-8 with BOM)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["行号", "字段", "原因", "说明"])
        for e in report.errors:
            writer.writerow([e.row if e.row is not None else "", *(_inert(t) for t in (e.field, e.reason, e.message()))])
    report.error_file = path
    return path
