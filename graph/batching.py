"""Write a batch of any size as a sequence of transactions the server accepts.

Issue 17: one 174k-row project file was one Neo4j transaction; the server refused it
(``MemoryPoolOutOfMemoryError`` under ``db.memory.transaction.max`` = 768 MiB), the driver
retried it as transient for two minutes, and nothing was written. Here a validated batch is cut
into sub-batches of at most ``store.batch_rows`` rows and about ``store.batch_bytes`` bytes of
row data — nodes before the relationships that need them — and committed one after another
(on Neo4j by ``KGMATCH_NEO4J_WRITERS`` threads at once, over disjoint partitions: :func:`write_in_batches`).
Every write is a MERGE on the key, so a load that stops part-way is resumed by loading the same
file again. A sub-batch the server refuses for memory is split in half and retried, down to
``min_rows``; below that the load stops with a Chinese error that says how many rows were
already committed and what to change.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from graph.errors import BatchTooLargeError, Msg, StoreError
from graph.store import Batch, GraphStore, NodeBatch, RelBatch, WriteSummary

__all__ = ["split_batch", "write_in_batches"]

log = logging.getLogger(__name__)


def _size(row: dict[str, Any]) -> int:
    return len(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8"))


def split_batch(batch: Batch, *, max_rows: int, max_bytes: int | None = None) -> Iterator[Batch]:
    """Sub-batches of ``batch`` in order (every node before any relationship), each at most
    ``max_rows`` rows and about ``max_bytes`` bytes; guards (``expect``, ``create``), ``replace_types`` and ``unlink`` go with the first.

    >>> b = Batch().add_nodes("Field", [{"id": str(i), "name": "x", "scheme": "s"} for i in range(5)])
    >>> [len(s) for s in split_batch(b, max_rows=2)]
    [2, 2, 1]
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    current = Batch(replace_types=list(batch.replace_types), expect=list(batch.expect), create=list(batch.create),
                    unlink=list(batch.unlink))
    rows = size = 0
    parts: list[NodeBatch | RelBatch] = [*batch.nodes, *batch.rels]
    for part in parts:
        for row in part.rows:
            cost = _size(row) if max_bytes else 0
            if rows and (rows >= max_rows or (max_bytes and size + cost > max_bytes)):
                yield current
                current, rows, size = Batch(), 0, 0
            target = current.nodes if isinstance(part, NodeBatch) else current.rels
            if not target or not _same_kind(target[-1], part):
                target.append(NodeBatch(part.label, []) if isinstance(part, NodeBatch)
                              else RelBatch(part.type, part.start_label, part.end_label, []))
            target[-1].rows.append(row)
            rows += 1
            size += cost
    if rows or current.replace_types or current.expect or current.unlink:
        yield current


def _same_kind(a: NodeBatch | RelBatch, b: NodeBatch | RelBatch) -> bool:
    if isinstance(a, NodeBatch) and isinstance(b, NodeBatch):
        return a.label is b.label
    if isinstance(a, RelBatch) and isinstance(b, RelBatch):
        return (a.type, a.start_label, a.end_label) == (b.type, b.start_label, b.end_label)
    return False


def write_in_batches(store: GraphStore, batch: Batch, *, max_rows: int | None = None, max_bytes: int | None = None,
                     min_rows: int = 500, on_commit: Callable[[int, int], None] | None = None,
                     writers: int | None = None) -> WriteSummary:
    """Commit ``batch`` as sub-batches sized for ``store`` (one transaction when it sets no limit).

    ``writers`` (default ``store.write_workers``: 1 embedded, ``KGMATCH_NEO4J_WRITERS`` on Neo4j): with more
    than one, a batch larger than one transaction is written by that many threads at once, in two phases
    (every node, then every relationship) over disjoint partitions: a node's rows all go to one writer
    (by label and id) and a relationship's rows to the writer of its start node, so no two writers ever
    write the same node or the same relationship and each key's rows keep their order (the stored graph is
    the one the sequential path stores). A batch with guards (``expect``, ``create``, ``replace_types``) is
    always written sequentially.

    ``on_commit(done, total)`` is called after each committed sub-batch (from the writer's thread).

    Raises:
        ValidationError: from the store, for the sub-batch that failed (earlier ones are committed).
        StoreError: the server refused a sub-batch even at ``min_rows`` rows (Chinese, with how
            many rows were committed before it).
    """
    max_rows = max_rows or store.batch_rows
    max_bytes = max_bytes or store.batch_bytes
    writers = max(1, writers or store.write_workers)
    total = len(batch)
    if not max_rows or total <= max_rows and not max_bytes:
        summary = store.write(batch)
        if on_commit is not None:
            on_commit(total, total)
        return summary
    progress = _Progress(total, on_commit)
    if writers > 1 and total > max_rows and not (batch.expect or batch.create or batch.replace_types or batch.unlink):
        for phase in _partitions(batch, writers):
            _run_writers(store, [list(split_batch(part, max_rows=max_rows, max_bytes=max_bytes)) for part in phase],
                         progress, min_rows)
    else:
        _commit_all(store, list(split_batch(batch, max_rows=max_rows, max_bytes=max_bytes)), progress, min_rows)
    return WriteSummary(nodes=progress.nodes, relationships=progress.rels)


class _Progress:
    """Rows committed so far, shared by the writers."""

    def __init__(self, total: int, on_commit: Callable[[int, int], None] | None) -> None:
        self.total, self.on_commit = total, on_commit
        self.done = self.nodes = self.rels = 0
        self.lock = threading.Lock()

    def add(self, rows: int, summary: WriteSummary) -> None:
        with self.lock:
            self.done += rows
            self.nodes += summary.nodes
            self.rels += summary.relationships
            if self.on_commit is not None:
                self.on_commit(self.done, self.total)


def _commit_all(store: GraphStore, parts: list[Batch], progress: _Progress, min_rows: int,
                stop: threading.Event | None = None) -> None:
    """Commit ``parts`` in order; a part the server refuses for memory is halved and retried."""
    pending = list(reversed(parts))
    while pending:
        if stop is not None and stop.is_set():  # another writer failed: stop at a transaction boundary
            return
        part = pending.pop()
        try:
            summary = store.write(part)
        except BatchTooLargeError as err:
            if len(part) // 2 < min_rows or part.expect or part.create:
                raise StoreError(Msg.BATCH_REFUSED.format(what="一批写入", rows=len(part), reason=str(err),
                                                          done=progress.done)) from err
            log.warning("the server refused %d rows for memory; splitting the batch", len(part))
            halves = list(split_batch(part, max_rows=(len(part) + 1) // 2))
            pending.extend(reversed(halves))
            continue
        progress.add(len(part), summary)


def _slot(label: str, node_id: str, writers: int) -> int:
    """The writer of a node (stable across runs and processes)."""
    return zlib.crc32(f"{label}\x00{node_id}".encode()) % writers


def _partitions(batch: Batch, writers: int) -> tuple[list[Batch], list[Batch]]:
    """``batch`` as (node batches, relationship batches), one of each per writer, disjoint by key."""
    nodes = [Batch() for _ in range(writers)]
    for nb in batch.nodes:
        rows: list[list[dict[str, Any]]] = [[] for _ in range(writers)]
        for row in nb.rows:
            rows[_slot(nb.label.value, str(row["id"]), writers)].append(row)
        for target, mine in zip(nodes, rows, strict=True):
            if mine:
                target.nodes.append(NodeBatch(nb.label, mine))
    rels = [Batch() for _ in range(writers)]
    for rb in batch.rels:
        rows = [[] for _ in range(writers)]
        for row in rb.rows:
            rows[_slot(rb.start_label.value, str(row["start"]), writers)].append(row)
        for target, mine in zip(rels, rows, strict=True):
            if mine:  # by end node (stable: a key's rows keep their order): every writer locks shared ends in one order
                mine.sort(key=lambda row: str(row["end"]))
                target.rels.append(RelBatch(rb.type, rb.start_label, rb.end_label, mine))
    return [b for b in nodes if len(b)], [b for b in rels if len(b)]


def _run_writers(store: GraphStore, queues: list[list[Batch]], progress: _Progress, min_rows: int) -> None:
    """One thread per queue; the first error stops the others at their next transaction and is raised."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def work(parts: list[Batch]) -> None:
        try:
            _commit_all(store, parts, progress, min_rows, stop)
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread below
            errors.append(err)
            stop.set()

    threads = [threading.Thread(target=work, args=(q,), name=f"kgmatch-writer-{n}") for n, q in enumerate(queues)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
