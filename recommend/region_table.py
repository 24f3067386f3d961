"""The region hierarchy (each region's level and PART_OF parents), kept across requests (issue 17).

Every recommendation climbs PART_OF from the demand's regions to the province (:func:`recommend.candidates.
_region_levels`): on Neo4j one ``get_nodes`` and one ``expand`` per level, 4 of a stored recommendation's 21 queries,
for reference data that changes only when regions are imported. Here each region's entry (level, parent ids; None when
the region does not exist) is kept once read, and dropped, all of them, when regions may have changed:

* the write listener (:meth:`GraphStore.add_write_listener`): a committed batch that writes a Region node, a PART_OF
  relationship, or replaces PART_OF (``clear`` included);
* a change the listener did not see (another process, e.g. the other API worker, wrote): the store's
  :meth:`~GraphStore.change_stamp` of Region and PART_OF moved. On Neo4j the stamp is their counts, so another
  process's property-only change of a region's level goes unseen, as for the other caches there.

An entry read while a write commits is not kept (a generation counter). One cache per store object, held weakly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from graph.model import Label, RelType
from graph.store import Batch, GraphStore, PerStore

__all__ = ["RegionEntry", "RegionTableCache", "region_table_cache"]

RegionEntry = tuple[object, tuple[str, ...]] | None
"""(level, parent ids in id order), or None for a region that does not exist."""

Reader = Callable[[GraphStore, Sequence[str]], dict[str, RegionEntry]]
"""``read(store, region_ids)``: the entry of each of those ids (every id a key)."""


class RegionTableCache:
    """Region entries by id, dropped on a write of regions; see the module docstring."""

    def __init__(self) -> None:
        self._entries: dict[str, RegionEntry] = {}
        self._generation = 0
        self.stamp: tuple | None = None
        self.hits = 0
        self.misses = 0
        self.resets = 0
        self._lock = threading.Lock()

    def on_write(self, batch: Batch) -> None:
        """The write listener: drop every entry when the batch wrote regions or PART_OF."""
        if (RelType.PART_OF in batch.cleared_types or any(nb.label is Label.REGION for nb in batch.nodes)
                or any(rb.type is RelType.PART_OF for rb in batch.rels)):
            with self._lock:
                self._reset()

    def _reset(self) -> None:
        self._generation += 1
        self._entries = {}
        self.resets += 1

    def refresh(self, store: GraphStore) -> None:
        """Drop every entry when the store's regions changed since the last look (another process wrote)."""
        stamp = store.change_stamp((Label.REGION,), (RelType.PART_OF,))
        with self._lock:
            if stamp != self.stamp:
                if self.stamp is not None:
                    self._reset()
                self.stamp = stamp

    def table(self, store: GraphStore, region_ids: Iterable[str], read: Reader) -> dict[str, RegionEntry]:
        """The entry of every region reachable from ``region_ids`` up PART_OF (kept ones, the rest read with ``read``
        one level at a time and kept unless a write of regions committed meanwhile)."""
        with self._lock:
            generation, kept = self._generation, self._entries
        table: dict[str, RegionEntry] = {}
        frontier = sorted(set(region_ids))
        while frontier:
            missing = [r for r in frontier if r not in kept]
            self.hits += len(frontier) - len(missing)
            self.misses += len(missing)
            if missing:
                got = read(store, missing)
                with self._lock:
                    if generation == self._generation:
                        self._entries.update(got)
                table.update(got)
            table.update((r, kept[r]) for r in frontier if r not in table)
            frontier = sorted({p for r in frontier if (e := table[r]) is not None for p in e[1]} - set(table))
        return table


_CACHES: PerStore[RegionTableCache] = PerStore(RegionTableCache)


def region_table_cache(store: GraphStore) -> RegionTableCache:
    """The region cache of ``store``, current with its writes (and emptied when another process wrote regions)."""
    return _CACHES(store)
