"""Whole recommendations for stored demands, kept across requests until the next write (issue 15).

A recommendation costs ~140 ms of CPU on the demo (two cores serve ~14 a second at best); a portal
and officers ask for the same demand's list again and again (the demand page, the JSON API, the
workflow forms that re-rank after a step). :class:`ResultCache` keeps the answers:

* **Keyed by everything an answer depends on besides the graph:** the demand id, every request
  parameter (the overrides and the year), the settings they resolve to (the learned ranker's weights
  included, :func:`recommend.ranker.apply_ranker`), "this year" (the clock), the tokenizer, and the
  serving expert index and semantic model objects (a new index or model — an index update swapped in,
  a rebuilt model file — empties the cache).
* **Never stale:** any write this process commits empties it (the store's write listener), except one of
  only the webhook outbox, which no recommendation reads (:data:`UNREAD_LABELS`), and a write
  of another process does too (the store's :meth:`~GraphStore.change_stamp` over every label and type but those,
  read before each lookup: the local store keeps exact revisions; Neo4j's stamp is the counts, so a
  property-only change by another process goes unseen there, as for the expert index). An answer whose
  computation raced with a write is returned to its own request but not kept (a generation counter).
* **Bounded:** at most ``max_entries`` answers (least recently used go first); 0 turns it off.
* **One computation per key at a time:** concurrent requests for the same answer wait for the first.

The JSON API (``GET /api/v1/demands/<id>/recommendations``) and the pages (the demand page and the
workflow forms' ranking) call :func:`recommendation_for_demand` with the app's one cache
(:class:`api.state.AppState`), so they share it. Cached answers are shared objects: callers only read them.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from typing import Any

from graph.errors import ValidationError
from graph.model import Label, RelType
from graph.store import Batch, GraphStore
from recommend.config import resolve
from recommend.engine import DEFAULT_SEMANTICS, Recommendation, recommend_for_demand
from recommend.ranker import apply_ranker
from recommend.retrieval import ExpertIndex
from recommend.semantics import SemanticModel, get_semantic_model
from recommend.text import Tokenize
from workflow.common import this_year

__all__ = ["UNREAD_LABELS", "UNREAD_TYPES", "ResultCache", "recommendation_for_demand"]

UNREAD_LABELS: tuple[Label, ...] = (Label.DELIVERY,)
UNREAD_TYPES: tuple[RelType, ...] = (RelType.NOTIFIES,)
"""What no recommendation reads: the webhook outbox (a Delivery NOTIFIES its Push or Challenge). A write of these
alone (the webhook dispatcher claiming, delivering, retrying) keeps the answers (tests/test_result_cache.py records
a recommendation's reads and checks it)."""
_READ_LABELS = tuple(x for x in Label if x not in UNREAD_LABELS)
_READ_TYPES = tuple(t for t in RelType if t not in UNREAD_TYPES)


def _unread(batch: Batch) -> bool:
    """Whether ``batch`` writes only what no recommendation reads."""
    return (not batch.cleared_types and all(nb.label in UNREAD_LABELS for nb in batch.nodes)
            and all(rb.type in UNREAD_TYPES for rb in batch.rels))


class ResultCache:
    """Answers by key, for one store at a time; see the module docstring."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, tuple, Any]] = OrderedDict()
        self._running: dict[tuple, Future] = {}
        self._context: tuple = ()
        self._store: weakref.ReferenceType[GraphStore] | None = None
        self._generation = 0
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def on_write(self, batch: Batch) -> None:
        """The write listener: a committed batch empties the cache, unless it wrote only what no recommendation
        reads (:data:`UNREAD_LABELS`, :data:`UNREAD_TYPES`)."""
        if (batch.nodes or batch.rels) and _unread(batch):
            return
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def clear(self) -> None:
        """Forget every answer."""
        self.on_write(Batch())

    def get(self, store: GraphStore, key: Hashable, context: tuple, compute: Callable[[], Any]) -> Any:
        """The answer of ``key``: kept when the store is unchanged since it was computed and ``context``
        (objects compared by identity) is the same, else ``compute()`` (kept unless a write raced with it)."""
        if self.max_entries <= 0:
            return compute()
        store.add_write_listener(self.on_write)  # again each time: a test may have emptied the listeners
        with self._lock:
            generation = self._generation
            if self._store is None or self._store() is not store or not _same(context, self._context):
                self._entries.clear()
                self._store, self._context = weakref.ref(store), context
        stamp = store.change_stamp(_READ_LABELS, _READ_TYPES)  # after the generation: see the module docstring
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == generation == self._generation and entry[1] == stamp:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[2]
            running = self._running.get((key, generation, stamp))
            mine = running is None
            if mine:
                running = self._running[(key, generation, stamp)] = Future()
                self.misses += 1
        if not mine:
            return running.result()
        try:
            value = compute()
        except BaseException as err:
            running.set_exception(err)
            with self._lock:
                self._running.pop((key, generation, stamp), None)
            raise
        running.set_result(value)
        with self._lock:
            self._running.pop((key, generation, stamp), None)
            if generation == self._generation and _same(context, self._context):
                self._entries[key] = (generation, stamp, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _canonical(value: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(value or {}), sort_keys=True, ensure_ascii=False, default=repr)


def recommendation_for_demand(cache: ResultCache | None, store: GraphStore, demand_id: str, *, tokenize: Tokenize,
                              overrides: Mapping[str, Any] | None = None, year: int | None = None,
                              index: ExpertIndex | None = None,
                              semantics: SemanticModel | None | Any = DEFAULT_SEMANTICS) -> Recommendation:
    """:func:`recommend.engine.recommend_for_demand`, answered from ``cache`` when it holds the same
    answer (the same demand, parameters, settings, models and graph); the same answer either way.

    Raises:
        NotFoundError: no such demand.
        ValidationError: a bad setting in ``overrides``.
    """
    model = get_semantic_model() if semantics is DEFAULT_SEMANTICS else semantics

    def compute() -> Recommendation:
        return recommend_for_demand(store, demand_id, tokenize=tokenize, overrides=overrides, year=year, index=index,
                                    semantics=model)

    if cache is None or cache.max_entries <= 0:
        return compute()
    try:
        settings = apply_ranker(resolve(overrides), overrides)
    except ValidationError:
        return compute()  # the error the engine raises, in its order (an unknown demand first)
    key = ("demand", demand_id, _canonical(overrides), year, _canonical(settings), this_year(),
           f"{tokenize.__module__}.{getattr(tokenize, '__qualname__', repr(tokenize))}")
    return cache.get(store, key, (index, model, tokenize), compute)
