"""The expert text index a process serves from: built once, kept current without making reads wait.

Issue 17: every write (even a webhook Delivery) changed the store's counts, and the next
recommendation rebuilt the whole index while holding a lock (9.4 s embedded, 23.6 s on
Neo4j at the demo's size, minutes at 50×). Here:

* **Only profile changes count.** The index depends on experts, their projects, papers and
  institutions (:data:`PROFILE_LABELS`, :data:`PROFILE_TYPES`); :meth:`GraphStore.change_stamp`
  over those decides whether it is stale, so a push, a service record or a Delivery never
  touches it.
* **A write updates the affected profiles.** The cache listens to the store's committed
  batches (:meth:`GraphStore.add_write_listener`); the experts a batch touches are re-read
  and re-tokenised, the rest keep their words (:meth:`ExpertIndex.updated`).
* **A few changed profiles cost milliseconds, and the next answer sees them.** Up to
  :data:`INLINE_MAX` experts and outputs written by this process are folded into the index by
  the write itself (the writer's thread, in the store's write listener, so the next recommendation
  pays nothing for it), or by the next :meth:`IndexCache.get` when another thread was folding in
  then (their profiles re-read, tokenised and put into the
  index's delta beside its BM25 matrix, :meth:`ExpertIndex.updated`; their semantic vectors into an
  overlay beside the shared matrix): no work proportional to the graph, no rebuild, fork or
  unpickling (issue 17: the next recommendation after a write within 1.5× of the one before, and it
  already finds the new expert). Only a larger change (or another process's writes) rebuilds, in a
  forked child beside the serving index. The persisted copy is written by a forked child too, by
  the background check (``recheck_seconds``), not after every small write.
* **Reads never wait for a rebuild.** :meth:`IndexCache.get` returns the serving index at once; a
  larger update or a full rebuild (after another process wrote) runs on a background thread beside
  it and is swapped in when complete. Only the very first index of a process is waited for,
  and that one comes from disk when a persisted index is current (``persist_dir``), so
  ``kgmatch recommend ID`` does not rebuild it on every call.
* **Profile vectors ride with the index.** With a semantic model (:mod:`recommend.semantics`),
  every profile's latent vector is computed when the index is built or updated (only the changed
  profiles on an update) and kept on it (:class:`recommend.semantics.ProfileVectors`, persisted
  with it), so a recommendation folds in only its query (issue 13: cold requests cost 1.71× BM25's).
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, NodeRef
from recommend.config import DEFAULTS
from recommend.profiles import load_profiles
from recommend.retrieval import ExpertIndex, Tokenize, graph_prior, tokenized_profiles
from recommend.semantics import ProfileVectors, SemanticModel, get_semantic_model
from workflow.common import this_year

__all__ = ["INLINE_MAX", "PROFILE_LABELS", "PROFILE_TYPES", "IndexCache", "touched_experts"]

log = logging.getLogger(__name__)

PROFILE_LABELS: tuple[Label, ...] = (Label.EXPERT, Label.PROJECT, Label.PAPER, Label.INSTITUTION)
PROFILE_TYPES: tuple[RelType, ...] = (RelType.WORKS_AT, RelType.LEADS, RelType.JOINS, RelType.AUTHORED)
_OUTPUTS: tuple[Label, ...] = (Label.PROJECT, Label.PAPER)
"""The labels of an expert's outputs in a profile (their titles are profile text)."""
INLINE_MAX = 64
"""At most this many experts and projects/papers written by this process are folded in by the next
request itself (milliseconds); more are updated on the background thread after ``settle_seconds``."""
_FORMAT = 6  # 2: profiles carry authored papers; 3: ExpertIndex with a delta; 4: with the activity prior; 5: with profile vectors; 6: slotted profile records


class _NotPatchable(Exception):
    """The written profiles do not fit in the index's delta: the background update rebuilds."""


class _Default:
    """The default of ``semantics``: :func:`recommend.semantics.get_semantic_model` (None when not built)."""


_DEFAULT_SEMANTICS = _Default()


def touched_experts(batch: Batch) -> tuple[set[str], set[str]]:
    """(expert ids, output ids: projects and papers) whose profiles a committed batch may have changed."""
    experts: set[str] = set()
    projects: set[str] = set()
    for nb in batch.nodes:
        if nb.label is Label.EXPERT:
            experts.update(r["id"] for r in nb.rows)
        elif nb.label in _OUTPUTS:
            projects.update(r["id"] for r in nb.rows)
    for rb in batch.rels:
        if rb.type in PROFILE_TYPES and rb.start_label is Label.EXPERT:
            experts.update(r["start"] for r in rb.rows)
    if any(t in PROFILE_TYPES for t in batch.cleared_types):
        experts.add("*")
    return experts, projects


class IndexCache:
    """One :class:`ExpertIndex` per store object, kept current in the background.

    ``recheck_seconds``: how often the store is asked whether another process changed the
    profiles (one small query). ``background=False`` runs updates inline (tests, CLI).
    ``settle_seconds``: a burst of writes (an import's batches, a workflow step's several writes)
    is coalesced into one update, started once no write came for that long; the update thread
    pauses every few hundred profiles so the requests it runs beside keep the interpreter.
    ``fork``: in the background, build in a forked child process (another core) and load its result.
    ``semantics``: the model whose profile vectors the index carries (default: the one at
    :func:`recommend.semantics.model_path`, looked up at each build; None: no vectors).
    """

    def __init__(self, tokenize: Tokenize, *, recheck_seconds: float = 30.0, persist_dir: Path | None = None,
                 background: bool = True, settle_seconds: float = 2.0, fork: bool = True,
                 semantics: SemanticModel | _Default | None = _DEFAULT_SEMANTICS) -> None:
        self.tokenize = tokenize
        self.semantics = semantics
        self.recheck_seconds = recheck_seconds
        self.persist_dir = Path(persist_dir) if persist_dir is not None else None
        self.background = background
        self.fork = fork
        self.settle_seconds = settle_seconds if background else 0.0
        self._last_write = 0.0
        self.builds = 0  # full builds from the graph (for tests and benchmarks)
        self.updates = 0  # incremental updates
        self._index: ExpertIndex | None = None
        self._store_id: int | None = None
        self._stamp: tuple | None = None
        self._checked = 0.0
        self._dirty_experts: set[str] = set()
        self._dirty_projects: set[str] = set()
        self._lock = threading.Lock()  # guards the fields above, never held while building
        self._first = threading.Lock()  # only the first build of a store is waited for
        self._worker: threading.Thread | None = None
        self._patching = False  # a request is folding a small write in (guarded by _lock)
        self._unsaved = False  # the serving index was patched inline and not persisted since
        self._listening: set[int] = set()

    # -- the serving path ------------------------------------------------------------------
    def get(self, store: GraphStore) -> ExpertIndex:
        """The serving index for ``store``: at once, except the first time in this process."""
        with self._lock:
            index = self._index if self._store_id == id(store) else None
        if index is None:
            return self._first_index(store)
        now = time.monotonic()
        with self._lock:
            dirty = bool(self._dirty_experts or self._dirty_projects)
            due = (dirty and now - self._last_write >= self.settle_seconds) or now - self._checked >= self.recheck_seconds
        if dirty:
            patched = self._fold_in(store, index)
            if patched is not None:
                return patched
        if due:
            self._schedule(store)
        return index

    def _fold_in(self, store: GraphStore, index: ExpertIndex) -> ExpertIndex | None:
        """:meth:`_patch_inline` when the written profiles are few and nobody else is folding or updating."""
        with self._lock:
            inline = (bool(self._dirty_experts or self._dirty_projects) and not self._patching
                      and "*" not in self._dirty_experts
                      and len(self._dirty_experts) + len(self._dirty_projects) <= INLINE_MAX
                      and not (self._worker is not None and self._worker.is_alive()))
            if not inline:
                return None
            self._patching = True
        try:
            return self._patch_inline(store, index)
        finally:
            with self._lock:
                self._patching = False

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a running background update (tests and benchmarks)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _first_index(self, store: GraphStore) -> ExpertIndex:
        with self._first:
            with self._lock:
                if self._index is not None and self._store_id == id(store):
                    return self._index
            self._listen(store)
            stamp = self._stamp_of(store)
            index = self._load(store, stamp)
            if index is None:
                index = self._build(store)
                self._save(store, stamp, index)
            elif self._model_changed(index):  # a persisted index of another (or no) semantic model
                self._attach_vectors(index)
                self._save(store, stamp, index)
            with self._lock:
                self._index, self._store_id, self._stamp = index, id(store), stamp
                self._checked = time.monotonic()
                self._dirty_experts.clear()
                self._dirty_projects.clear()
            return index

    def warm(self, store: GraphStore) -> None:
        """For a server about to listen: the index of ``store``, and the work of :meth:`_patch_inline` done once
        for one stored expert, result dropped, so that the first write's fold-in does not pay for planning its
        reads (Neo4j plans a query the first time it sees its text: the first write after a server start took
        3.8× the request before it, the later ones ~1.2×)."""
        index = self.get(store)
        if not index.patchable(1) or not len(index):
            return
        try:
            self._project_people(store, ["\x00warm"])
            first = load_profiles(store, ids=[index.ids[0]])
            # the whole fold-in once, result dropped: its first use builds lazily made parts as well
            self._patch_vectors(index.updated(first, removed=(), rebuild=False), index, [p.id for p in first], set())
        except Exception:  # only a warm-up: the fold-in itself reports its errors
            log.warning("warming the expert index's fold-in reads failed", exc_info=True)

    def _listen(self, store: GraphStore) -> None:
        if id(store) not in self._listening:
            ref = weakref.ref(store)
            store.add_write_listener(lambda batch: self._on_write(batch, ref))
            self._listening.add(id(store))

    def _on_write(self, batch: Batch, ref: Callable[[], GraphStore | None] = lambda: None) -> None:
        """The write listener: mark the touched profiles, and when all written since the last fold-in are still
        few (:data:`INLINE_MAX`) fold them into the serving index right here, by the writer, so the next
        request finds the index current and pays nothing for the write (issue 17). More (an import) are left
        to the background update, as before; a write while another thread folds in, to the next request."""
        experts, projects = touched_experts(batch)
        if not (experts or projects):
            return
        with self._lock:
            self._dirty_experts |= experts
            self._dirty_projects |= projects
            self._last_write = time.monotonic()
            store = ref()
            index = self._index if store is not None and self._store_id == id(store) else None
        if index is not None and store is not None:
            self._fold_in(store, index)

    # -- keeping it current ----------------------------------------------------------------
    def _patch_inline(self, store: GraphStore, index: ExpertIndex) -> ExpertIndex | None:
        """Fold this process's few written profiles into ``index`` now, in the request: the touched experts
        (and the people of touched projects and papers) are re-read, nothing else. None when they do not
        fit in the delta (the background update takes them, after ``settle_seconds``)."""
        with self._lock:
            experts, projects = set(self._dirty_experts), set(self._dirty_projects)
            self._dirty_experts.clear()
            self._dirty_projects.clear()
        try:
            if not index.patchable(max(1, len(experts))):  # a small index, or a full delta: no query at all
                raise _NotPatchable
            stamp = self._stamp_of(store)  # before reading: a later write moves it again
            experts |= self._project_people(store, projects)
            if not index.patchable(len(experts)):
                raise _NotPatchable
            changed = load_profiles(store, ids=sorted(experts))
            gone = experts - {p.id for p in changed}
            fresh = self._patch_vectors(index.updated(changed, removed=gone, rebuild=False), index,
                                        [p.id for p in changed], gone)
        except Exception as err:  # the background update takes them over
            if not isinstance(err, _NotPatchable):
                log.exception("folding a write into the expert index failed")
            with self._lock:
                self._dirty_experts |= experts
                self._dirty_projects |= projects
            return None
        with self._lock:
            if self._index is not index:  # swapped meanwhile: let the background update redo it on the new one
                self._dirty_experts |= experts
                self._dirty_projects |= projects
                return None
            self._index, self._stamp = fresh, stamp
            self._unsaved = self.persist_dir is not None
            self.updates += 1
        log.info("expert index: folded in %d changed profiles", len(experts))
        return fresh

    def _schedule(self, store: GraphStore) -> None:
        with self._lock:
            if self._patching or (self._worker is not None and self._worker.is_alive()):
                return
            self._checked = time.monotonic()
            if not self.background:
                self._worker = None
            else:
                self._worker = threading.Thread(target=self._refresh, args=(store,), name="kgmatch-index",
                                                 daemon=True)
                self._worker.start()
                return
        self._refresh(store)

    def _refresh(self, store: GraphStore) -> None:
        """Bring the index up to date beside the serving one, then swap it in."""
        try:
            with self._lock:
                experts, projects = set(self._dirty_experts), set(self._dirty_projects)
                self._dirty_experts.clear()
                self._dirty_projects.clear()
                index, old_stamp = self._index, self._stamp
            stamp = self._stamp_of(store)
            if index is None:
                return
            if not experts and not projects and stamp == old_stamp:
                if self._unsaved:  # patched by requests since the last save: persist it now, beside them
                    self._unsaved = False
                    self._save(store, stamp, index)
                return
            if "*" in experts or (not experts and not projects):
                # Another process changed profiles (or a whole relation was replaced): re-read all,
                # reusing the words of every profile whose text did not change.
                profiles = load_profiles(store)
                fresh = self._beside(lambda: self._attach_vectors(
                    ExpertIndex(profiles, tokenize=self.tokenize, ref_year=index.ref_year,
                                prior=graph_prior(profiles), token_cache=index.words, pause=self._pause),
                    previous=index.vectors))
                self.builds += 1
            else:
                experts |= self._project_people(store, projects)
                changed = load_profiles(store, ids=sorted(experts))
                gone = experts - {p.id for p in changed}
                if index.patchable(len(experts)):  # milliseconds: here, no fork, no unpickling
                    fresh = self._patch_vectors(index.updated(changed, removed=gone, rebuild=False), index,
                                                [p.id for p in changed], gone)
                else:
                    fresh = self._beside(lambda: self._attach_vectors(
                        index.updated(changed, removed=gone, pause=self._pause, rebuild=True), previous=index.vectors))
                self.updates += 1
            with self._lock:
                self._index, self._stamp = fresh, stamp
                self._unsaved = False
            self._save(store, stamp, fresh)
            log.info("expert index updated (%d experts)", len(fresh.profiles))
        except Exception:  # the old index keeps serving; the next check retries
            log.exception("updating the expert index failed")
            with self._lock:
                self._dirty_experts.add("*")

    def _beside(self, build: Callable[[], ExpertIndex]) -> ExpertIndex:
        """Run ``build`` in a forked child process when updating in the background, so the
        tokenising and BM25 indexing use another core instead of the serving process's
        interpreter; the result comes back pickled through a temporary file. Falls back to
        building in this thread when fork is unavailable or the child fails."""
        if not (self.background and self.fork and hasattr(os, "fork")):
            return build()
        fd, tmp = tempfile.mkstemp(prefix="kgmatch-index-")
        os.close(fd)
        try:
            pid = os.fork()
            if pid == 0:  # the child: build, write, leave without running any of the parent's cleanup
                code = 1
                try:
                    index = build()
                    with open(tmp, "wb") as fh:
                        pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    code = 0
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)  # waits without holding the interpreter
            if status != 0:
                log.warning("building the expert index in a child process failed (status %d); building here", status)
                return build()
            with open(tmp, "rb") as fh:
                return pickle.load(fh)  # written just now by our own child
        finally:
            os.unlink(tmp)

    def _pause(self) -> None:
        if self.background:
            time.sleep(0.002)

    @staticmethod
    def _project_people(store: GraphStore, projects: Iterable[str]) -> set[str]:
        refs = [NodeRef(label, p) for p in sorted(projects) for label in _OUTPUTS]
        if not refs:
            return set()
        pairs = store.expand(refs, direction=Direction.IN, rel_types=[RelType.LEADS, RelType.JOINS, RelType.AUTHORED],
                             labels=[Label.EXPERT])
        return {nb.node.id for _, nb in pairs}

    def _build(self, store: GraphStore) -> ExpertIndex:
        profiles = load_profiles(store)
        ref_year = this_year() + 1
        words = tokenized_profiles(profiles, self.tokenize, ref_year=ref_year)  # on every core, for a large store
        index = ExpertIndex(profiles, tokenize=self.tokenize, ref_year=ref_year, prior=graph_prior(profiles),
                            k1=float(DEFAULTS["index_bm25_k1"]), b=float(DEFAULTS["index_bm25_b"]), token_cache=words)
        del words
        self._attach_vectors(index)
        self.builds += 1
        log.info("built the expert text index over %d experts", len(index))
        return index

    # -- the profiles' semantic vectors ----------------------------------------------------
    def _model(self) -> SemanticModel | None:
        return get_semantic_model() if isinstance(self.semantics, _Default) else self.semantics

    def _model_changed(self, index: ExpertIndex) -> bool:
        model = self._model()
        vectors = index.vectors
        return (model.fingerprint if model else None) != (vectors.key if isinstance(vectors, ProfileVectors) else None)

    def _attach_vectors(self, index: ExpertIndex, previous: object | None = None) -> ExpertIndex:
        """Compute every profile's vector onto ``index`` (reusing ``previous``'s rows of unchanged texts)."""
        model = self._model()
        old = previous if isinstance(previous, ProfileVectors) else None
        index.vectors = ProfileVectors.build(model, index.texts(), previous=old) if model is not None else None
        return index

    def _patch_vectors(self, fresh: ExpertIndex, old: ExpertIndex, changed: list[str], gone: Iterable[str]) -> ExpertIndex:
        """Fold only the ``changed`` profiles' vectors into ``fresh`` (a patched copy of ``old``)."""
        model = self._model()
        if model is None:
            fresh.vectors = None
        elif isinstance(old.vectors, ProfileVectors) and old.vectors.key == model.fingerprint:
            fresh.vectors = old.vectors.updated(model, fresh.texts(changed), removed=gone)
        else:
            self._attach_vectors(fresh)
        return fresh

    @staticmethod
    def _stamp_of(store: GraphStore) -> tuple:
        return (store.backend, store.change_stamp(PROFILE_LABELS, PROFILE_TYPES))

    # -- persistence -----------------------------------------------------------------------
    def _path(self, store: GraphStore) -> Path | None:
        if self.persist_dir is None:
            return None
        return self.persist_dir / f"experts-{store.backend}.pickle"

    def _identity(self, store: GraphStore, stamp: tuple) -> dict[str, Any]:
        where = getattr(store, "path", None) or getattr(getattr(store, "settings", None), "uri", None)
        db = getattr(getattr(store, "settings", None), "database", None)
        return {"format": _FORMAT, "where": str(where), "database": db, "stamp": stamp,
                "tokenize": f"{self.tokenize.__module__}.{self.tokenize.__qualname__}",
                "ref_year": this_year() + 1, "k1": float(DEFAULTS["index_bm25_k1"]),
                "b": float(DEFAULTS["index_bm25_b"])}

    def _load(self, store: GraphStore, stamp: tuple) -> ExpertIndex | None:
        path = self._path(store)
        if path is None or not path.is_file():
            return None
        try:
            with path.open("rb") as fh:
                identity = pickle.load(fh)
                if identity != self._identity(store, stamp):
                    return None
                index = pickle.load(fh)  # our own file in the data directory, written by _save
        except Exception as err:  # a damaged or foreign file: rebuild
            log.warning("ignoring the persisted expert index %s: %s", path, err)
            return None
        log.info("loaded the expert index from %s", path)
        return index if isinstance(index, ExpertIndex) else None

    def _save(self, store: GraphStore, stamp: tuple, index: ExpertIndex) -> None:
        path = self._path(store)
        if path is None:
            return
        if self.background and self.fork and hasattr(os, "fork") and threading.current_thread() is self._worker:
            # pickling a whole index holds the interpreter for seconds at 10×: a child writes it
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    self._write(path, store, stamp, index)
                    code = 0
                finally:
                    os._exit(code)
            os.waitpid(pid, 0)  # this (update) thread waits without holding the interpreter
            return
        self._write(path, store, stamp, index)

    def _write(self, path: Path, store: GraphStore, stamp: tuple, index: ExpertIndex) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".experts-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(self._identity(store, stamp), fh, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # readers see the old file or the new one, never half of one
        except OSError as err:
            log.warning("could not persist the expert index to %s: %s", path, err)
