"""Each candidate's evidence facts, kept across requests and dropped on write (issue 15 item 3).

A recommendation scores its ~450 candidates on facts read from the graph around each of them: the
expert node, the institution it WORKS_AT (and the province and city that institution is LOCATED_IN,
climbing PART_OF), and the projects it LEADS or JOINS and the papers it AUTHORED. They were read again
for every request (a bulk ``expand`` and the region climb: the largest part of candidate gathering
once the per-field lists of :mod:`recommend.field_experts` made the paths cheap). Here they are kept per
expert, as :class:`ExpertRecord` values built by the caller's loader
(:func:`recommend.candidates.expert_records`), and dropped when a write may have changed them:

* the write listener (:meth:`GraphStore.add_write_listener`) drops (and, when they are few, reads again at
  once, :data:`RELOAD_MAX`, so the next request does not) the record of an expert whose node
  or WORKS_AT / LEADS / JOINS / AUTHORED relationships a committed batch wrote, of every expert of a
  project, paper or institution the batch wrote (its node, or the institution's LOCATED_IN), and every
  record when regions or PART_OF change or a whole relation is replaced (``clear`` included);
* a change the listener did not see (another process wrote: the store's
  :meth:`~GraphStore.change_stamp` of those labels and types moved without a write of this process)
  drops every record.

A record being built while a write commits is not kept (a generation counter), so a request never
keeps facts older than a write it raced with. What depends on the request (the paths, the year's
active projects, the workflow load) is never cached. Bounded (:data:`MAX_RECORDS`, oldest first out).
One cache per store object, held weakly.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graph.model import Label, RelType
from graph.store import Batch, GraphStore, Node, PerStore
from recommend.scoring import ProjectFact

__all__ = ["MAX_RECORDS", "RELOAD_MAX", "RECORD_LABELS", "RECORD_TYPES", "ExpertRecord", "ExpertRecordCache", "expert_record_cache"]

RECORD_LABELS: tuple[Label, ...] = (Label.EXPERT, Label.PROJECT, Label.PAPER, Label.INSTITUTION, Label.REGION)
RECORD_TYPES: tuple[RelType, ...] = (RelType.WORKS_AT, RelType.LEADS, RelType.JOINS, RelType.AUTHORED,
                                     RelType.LOCATED_IN, RelType.PART_OF)
"""What a record is read from: a write of one of these labels or types may change records."""
_OWN = (RelType.WORKS_AT, RelType.LEADS, RelType.JOINS, RelType.AUTHORED)  # the expert's own relationships
MAX_RECORDS = 60_000
"""Records kept at most (a few KB each); beyond, the oldest go first."""
RELOAD_MAX = 64
"""A write that drops at most this many records reads them again itself (see :meth:`ExpertRecordCache.on_write`)."""


@dataclass(frozen=True)
class ExpertRecord:
    """What a candidate's facts are built from, independent of the request."""

    node: Node
    institution: Node | None  # its name only (recommend.candidates.RECORD_PROPS)
    province_id: str | None
    city_id: str | None
    projects: tuple[ProjectFact, ...]  # projects and papers, in the order the store lists the relationships


log = logging.getLogger(__name__)

Loader = Callable[[GraphStore, Sequence[str]], list[ExpertRecord]]
"""``load(store, expert_ids)``: the records of those ids that exist (any order)."""


class ExpertRecordCache:
    """Records by expert id, dropped on write; see the module docstring."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self.max_records = max_records
        self._records: dict[str, ExpertRecord] = {}
        self._by_output: dict[str, set[str]] = {}  # project / paper id -> experts whose records list it
        self._by_institution: dict[str, set[str]] = {}
        self._generation = 0  # moves with every write that may change a record
        self._seen_write = False  # a write of this process since the stamp was taken
        self.stamp: tuple | None = None
        self.hits = 0
        self.misses = 0
        self.resets = 0  # every record dropped (tests and benchmarks)
        self._store: Callable[[], GraphStore | None] = lambda: None  # the store refresh last saw
        self._loader: Loader | None = None  # the last loader whose records were kept
        self._reloading = False
        self._lock = threading.Lock()

    # -- keeping current -----------------------------------------------------------------------
    def on_write(self, batch: Batch) -> None:
        """The write listener: drop the records the committed batch may have changed."""
        experts: set[str] = set()
        outputs: set[str] = set()
        institutions: set[str] = set()
        whole = any(t in RECORD_TYPES for t in batch.cleared_types)
        relevant = whole
        for nb in batch.nodes:
            if nb.label not in RECORD_LABELS:
                continue
            relevant = True
            ids = {r["id"] for r in nb.rows}
            if nb.label is Label.EXPERT:
                experts |= ids
            elif nb.label in (Label.PROJECT, Label.PAPER):
                outputs |= ids
            elif nb.label is Label.INSTITUTION:
                institutions |= ids
            else:  # a region's level or name
                whole = True
        for rb in batch.rels:
            if rb.type not in RECORD_TYPES:
                continue
            relevant = True
            if rb.type in _OWN and rb.start_label is Label.EXPERT:
                experts.update(r["start"] for r in rb.rows)
            elif rb.type is RelType.LOCATED_IN and rb.start_label is Label.INSTITUTION:
                institutions.update(r["start"] for r in rb.rows)
            elif rb.type is RelType.PART_OF or rb.type in _OWN:
                whole = True
        if not relevant:
            return
        with self._lock:
            self._generation += 1
            self._seen_write = True
            if whole:
                self._reset()
                return
            for o in outputs:
                experts |= self._by_output.get(o, set())
            for i in institutions:
                experts |= self._by_institution.get(i, set())
            for e in experts:
                self._drop(e)
        if experts and len(experts) <= RELOAD_MAX:
            self._reload(sorted(experts))

    def _reload(self, ids: list[str]) -> None:
        """Read the records a write dropped (or made) again right away, in the writer's thread, so the next request
        finds them (issue 17: the first request after a write read them); kept unless another write came meanwhile."""
        store, load = self._store(), self._loader
        with self._lock:
            if store is None or load is None or self._reloading:
                return
            self._reloading = True
            generation = self._generation
        try:
            loaded = load(store, ids)
        except Exception:  # only a head start: the next request reads them and reports its errors
            log.warning("reading the written experts' records again failed", exc_info=True)
            loaded = []
        with self._lock:
            self._reloading = False
            if generation == self._generation:
                for record in loaded:
                    self._keep(record)

    def clear(self) -> None:
        """Forget every record (benchmarks: the cost of a request that finds none)."""
        with self._lock:
            self._generation += 1
            self._reset()

    def _reset(self) -> None:
        self._records, self._by_output, self._by_institution = {}, {}, {}
        self.resets += 1

    def _drop(self, expert_id: str) -> None:
        record = self._records.pop(expert_id, None)
        if record is None:
            return
        for p in record.projects:
            mine = self._by_output.get(p.id)
            if mine is not None:
                mine.discard(expert_id)
                if not mine:
                    del self._by_output[p.id]
        if record.institution is not None:
            mine = self._by_institution.get(record.institution.id)
            if mine is not None:
                mine.discard(expert_id)
                if not mine:
                    del self._by_institution[record.institution.id]

    def _keep(self, record: ExpertRecord) -> None:
        self._drop(record.node.id)
        self._records[record.node.id] = record
        for p in record.projects:
            self._by_output.setdefault(p.id, set()).add(record.node.id)
        if record.institution is not None:
            self._by_institution.setdefault(record.institution.id, set()).add(record.node.id)

    def refresh(self, store: GraphStore) -> None:
        """Drop every record when the store changed without a write of this process (another process)."""
        self._store = weakref.ref(store)
        stamp = store.change_stamp(RECORD_LABELS, RECORD_TYPES)
        with self._lock:
            if stamp != self.stamp:
                if not self._seen_write:
                    self._reset()
                    self._generation += 1
                self.stamp = stamp
            self._seen_write = False

    # -- a request -----------------------------------------------------------------------------
    def get(self, store: GraphStore, ids: Sequence[str], load: Loader) -> list[ExpertRecord]:
        """The records of those ``ids`` that exist, in the order of ``ids``: kept ones, the rest read with
        ``load`` (and kept unless a write committed meanwhile)."""
        with self._lock:
            generation = self._generation
            found = {i: r for i in ids if (r := self._records.get(i)) is not None}
        missing = [i for i in ids if i not in found]
        self.hits += len(found)
        self.misses += len(missing)
        if missing:
            loaded = load(store, missing)
            with self._lock:
                if generation == self._generation:  # no write since the reads began: the records are current
                    self._loader = load
                    for record in loaded:
                        self._keep(record)
                    if len(self._records) > self.max_records:
                        for old in list(self._records)[:len(self._records) - int(0.9 * self.max_records)]:
                            self._drop(old)
            found.update((r.node.id, r) for r in loaded)
        return [r for i in ids if (r := found.get(i)) is not None]


_CACHES: PerStore[ExpertRecordCache] = PerStore(ExpertRecordCache)


def expert_record_cache(store: GraphStore) -> ExpertRecordCache:
    """The record cache of ``store``, current with its writes (and emptied when another process wrote)."""
    return _CACHES(store)
