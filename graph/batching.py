"""Write a batch of any size as a sequence of transactions the server accepts.

Issue 17: one 174k-row project file was one Neo4j transaction; the server refused it
(``MemoryPoolOutOfMemoryError`` under ``db.memory.transaction.max`` = 768 MiB), the driver
retried it as transient for two minutes, and nothing was written. Here a validated batch is cut
into sub-batches of at most ``store.batch_rows`` rows and about ``store.batch_bytes`` bytes of
row data — nodes before the relationships that need them — and committed one after another.
Every write is a MERGE on the key, so a load that stops part-way is resumed by loading the same
file again. A sub-batch the server refuses for memory is split in half and retried, down to
``min_rows``; below that the load stops with a Chinese error that says how many rows were
already committed and what to change.
"""

from __future__ import annotations

import json
import logging
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
    ``max_rows`` rows and about ``max_bytes`` bytes; guards and ``replace_types`` go with the first.

    >>> b = Batch().add_nodes("Field", [{"id": str(i), "name": "x", "scheme": "s"} for i in range(5)])
    >>> [len(s) for s in split_batch(b, max_rows=2)]
    [2, 2, 1]
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    current = Batch(replace_types=list(batch.replace_types), expect=list(batch.expect))
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
    if rows or current.replace_types or current.expect:
        yield current


def _same_kind(a: NodeBatch | RelBatch, b: NodeBatch | RelBatch) -> bool:
    if isinstance(a, NodeBatch) and isinstance(b, NodeBatch):
        return a.label is b.label
    if isinstance(a, RelBatch) and isinstance(b, RelBatch):
        return (a.type, a.start_label, a.end_label) == (b.type, b.start_label, b.end_label)
    return False


def write_in_batches(store: GraphStore, batch: Batch, *, max_rows: int | None = None, max_bytes: int | None = None,
                     min_rows: int = 500, on_commit: Callable[[int, int], None] | None = None) -> WriteSummary:
    """Commit ``batch`` as sub-batches sized for ``store`` (one transaction when it sets no limit).

    ``on_commit(done, total)`` is called after each committed sub-batch.

    Raises:
        ValidationError: from the store, for the sub-batch that failed (earlier ones are committed).
        StoreError: the server refused a sub-batch even at ``min_rows`` rows (Chinese, with how
            many rows were committed before it).
    """
    max_rows = max_rows or store.batch_rows
    max_bytes = max_bytes or store.batch_bytes
    total = len(batch)
    if not max_rows or total <= max_rows and not max_bytes:
        summary = store.write(batch)
        if on_commit is not None:
            on_commit(total, total)
        return summary
    done = nodes = rels = 0
    pending = list(split_batch(batch, max_rows=max_rows, max_bytes=max_bytes))
    pending.reverse()
    while pending:
        part = pending.pop()
        try:
            summary = store.write(part)
        except BatchTooLargeError as err:
            if len(part) // 2 < min_rows or part.expect:
                raise StoreError(Msg.BATCH_REFUSED.format(what="一批写入", rows=len(part), reason=str(err),
                                                          done=done)) from err
            log.warning("the server refused %d rows for memory; splitting the batch", len(part))
            halves = list(split_batch(part, max_rows=(len(part) + 1) // 2))
            pending.extend(reversed(halves))
            continue
        done += len(part)
        nodes += summary.nodes
        rels += summary.relationships
        if on_commit is not None:
            on_commit(done, total)
    return WriteSummary(nodes=nodes, relationships=rels)
