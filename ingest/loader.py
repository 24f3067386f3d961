"""Validate every row first, then write the good rows (one transaction, or batches sized for the store).

The contract users rely on: good rows load; each bad row is reported in Chinese
with its row number, field and reason, and listed in an error file; nothing of a
bad row is written (a relationship whose endpoint is a bad row is bad too); loading
the same file again changes nothing. On a store that limits its transactions (Neo4j) the good
rows are committed in batches (:func:`graph.batching.write_in_batches`): a load the server stops
part-way is resumed by loading the same file again.
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
from graph.errors import Msg, RowError
from graph.model import NODE_SPECS, Label, node_errors, rel_errors
from graph.store import Batch, GraphStore, NodeRef
from ingest.generic import NodeOp, RelOp, parse_row
from ingest.readers import read_rows

__all__ = ["LoadReport", "cycle_collection_paused", "load_ops", "load_file", "write_error_file"]

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


def _check_ops(ops: Sequence[NodeOp | RelOp], store: GraphStore, errors: list[RowError]) -> list[NodeOp | RelOp]:
    """The ops that are valid; the reasons for the others go to ``errors``.

    Nodes are keyed by plain ``(label, id)`` tuples here (a :class:`NodeRef` per endpoint cost
    more than the checks themselves on a large file)."""
    bad_rows = {e.row for e in errors}
    seen: dict[tuple[Label, str], int] = {}
    good_nodes: dict[tuple[Label, str], NodeOp] = {}
    rel_ops: list[RelOp] = []
    for op in ops:
        if not isinstance(op, NodeOp):
            rel_ops.append(op)
            continue
        problems = node_errors(op.label, op.props, row_no=op.row_no)
        key = op.props.get("id")
        ref = (op.label, key) if isinstance(key, str) else None
        if ref is not None and ref in seen:
            problems.append(RowError(op.row_no, "id", Msg.DUPLICATE_ID.format(value=key, first=seen[ref])))
        if ref is not None:
            seen.setdefault(ref, op.row_no)
        if problems:
            errors.extend(problems)
            bad_rows.add(op.row_no)
        elif op.row_no not in bad_rows and ref is not None:
            good_nodes[ref] = op
    # Which relationship endpoints are not in this file must already be stored.
    wanted: dict[Label, set[str]] = {}
    for op in rel_ops:
        for label, key in ((op.start_label, op.props.get("start")), (op.end_label, op.props.get("end"))):
            if isinstance(key, str) and (label, key) not in seen:
                wanted.setdefault(label, set()).add(key)
    stored = {(label, i) for label, ids in wanted.items() for i in store.node_ids(label, sorted(ids))}
    good: list[NodeOp | RelOp] = [op for op in good_nodes.values()]
    seen_rels: dict[tuple[str, Label, str, Label, str], int] = {}
    for op in rel_ops:
        problems = rel_errors(op.type, op.start_label, op.end_label, op.props, row_no=op.row_no)
        for end_name, label in (("start", op.start_label), ("end", op.end_label)):
            key = op.props.get(end_name)
            if not isinstance(key, str):
                continue
            ref = (label, key)
            if ref in good_nodes or (ref in stored):
                continue
            if ref in seen:
                problems.append(RowError(op.row_no, end_name, f"引用的{NODE_SPECS[label].zh}「{key}」所在行（第 {seen[ref]} 行）有误未导入"))
            else:
                problems.append(RowError(op.row_no, end_name, Msg.MISSING_ENDPOINT.format(label=NODE_SPECS[label].zh, id=key)))
        rkey = (op.type.value, op.start_label, str(op.props.get("start")), op.end_label, str(op.props.get("end")))
        if rkey in seen_rels and not problems:
            problems.append(RowError(op.row_no, "start/end", f"同一关系在第 {seen_rels[rkey]} 行已出现"))
        seen_rels.setdefault(rkey, op.row_no)
        if problems:
            errors.extend(problems)
        elif op.row_no not in bad_rows:
            good.append(op)
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


def load_ops(ops: Sequence[NodeOp | RelOp], store: GraphStore, *, source: str,
             errors: list[RowError] | None = None, create: Sequence[NodeRef] = (),
             all_or_nothing: bool = False) -> LoadReport:
    """Validate ``ops`` (plus reading ``errors`` already found) and write the good ones atomically.

    ``create``: nodes that must not exist when the write commits (``Batch.create``).
    ``all_or_nothing``: write nothing when any row is bad (a file uploaded through the web).
    """
    errors = list(errors or [])
    good = _check_ops(ops, store, errors)
    report = LoadReport(source=source, errors=sorted(errors, key=lambda e: (e.row or 0, e.field)))
    if good and not (all_or_nothing and report.errors):
        batch = _to_batch(good)
        batch.create.extend(create)
        summary = write_in_batches(store, batch)
        report.nodes, report.relationships = summary.nodes, summary.relationships
        report.rows = len({op.row_no for op in good})
    log.info("loaded %s: %d nodes, %d relationships, %d rows rejected", source, report.nodes,
             report.relationships, report.rejected_rows)
    return report


def load_file(path: Path, store: GraphStore, *, progress: bool = False) -> LoadReport:
    """Load one file in the generic format (see :mod:`ingest.generic`)."""
    with cycle_collection_paused():
        return _load_file(path, store, progress=progress)


def _load_file(path: Path, store: GraphStore, *, progress: bool) -> LoadReport:
    errors: list[RowError] = []
    ops: list[NodeOp | RelOp] = []
    rows = read_rows(path, errors)
    for row in tqdm(rows, desc=f"读取 {path.name}", unit="行", disable=not progress):
        op = parse_row(row.number, row.values, errors)
        if op is not None:
            ops.append(op)
    return load_ops(ops, store, source=str(path), errors=errors)


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
