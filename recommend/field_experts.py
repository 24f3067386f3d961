"""Per-field expert lists, built once per store and kept current on write (issue 15 item 3).

Candidate generation used to expand, for every request, each reached field's EXPERT_IN experts,
its IN_FIELD projects and papers, and their leaders, members and authors: tens of thousands of
relationships decoded and a :class:`~recommend.scoring.FieldPath` built for every path of every
expert reached, although only ``max_candidates`` of them are scored. Here the same facts are kept
per field, as arrays:

* the experts EXPERT_IN the field with the relationship's weight;
* one entry per (project IN_FIELD the field, person who LEADS or JOINS it): the person, the
  project's field link, the role, and the project's rank among the field's projects (heaviest link
  first), so the ``fanout_per_field`` bound of the old traversal is a slice;
* one entry per (paper IN_FIELD the field, author): the author, the link, first author or not.

Each EXPERT_IN and paper entry also says whether its link rests on a printed 中图分类号 alone
(``basis`` :data:`graph.model.CLASS_BASIS`), which the paths carry to the abstention.

The order inside each list is the one ``GraphStore.expand(limit_per_node=…)`` bounds by (heaviest
``weight`` first, ties by id), so a request gets exactly the experts, weights and evidence ids the
traversal gave. A request computes every reached expert's strongest path as one array product
per field, keeps the ``max_candidates`` strongest, and builds path objects for those alone
(:func:`recommend.candidates.gather_candidates`).

Kept current: the lists listen to their store's writes (:meth:`GraphStore.add_write_listener`);
a committed batch marks the fields and projects/papers it touched, and only those are re-read: by
the write itself when they are few (:data:`INLINE_MAX`), so the next request pays nothing for it
(issue 17), else (an import) by the next request. A change the listener did not see (another process wrote: the store's
:meth:`~GraphStore.change_stamp` of the five relationship types moved) rebuilds the lists, beside the
serving ones when they are large (:data:`BACKGROUND_FROM_EXPERTS`). One object per store object,
held weakly.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from graph.model import CLASS_BASIS, REVIEW_BASIS, Label, RelType
from graph.store import Batch, Direction, GraphStore, NodeRef, PerStore, rel_weight

__all__ = ["BACKGROUND_FROM_EXPERTS", "FIELD_EXPERT_TYPES", "FieldExpertLists", "FieldEntries", "field_expert_lists"]

log = logging.getLogger(__name__)

FIELD_EXPERT_TYPES: tuple[RelType, ...] = (RelType.EXPERT_IN, RelType.IN_FIELD, RelType.LEADS, RelType.JOINS,
                                           RelType.AUTHORED)
"""The relationships the lists are made of: a write of one of them updates them."""
_OUTPUTS = (Label.PROJECT, Label.PAPER)
_PEOPLE = {Label.PROJECT: (RelType.LEADS, RelType.JOINS), Label.PAPER: (RelType.AUTHORED,)}
_CHUNK = 2000  # node refs per expand while building
BACKGROUND_FROM_EXPERTS = 20_000
"""Lists of at least this many experts (the demo's size; a build takes seconds there) are rebuilt beside
the serving ones after another process's writes, not in front of a request."""
_INCREMENTAL_MAX = 5000  # touched fields + outputs beyond which a rebuild is cheaper than re-reading each
INLINE_MAX = 64
"""A write leaving at most this many fields and projects/papers to re-read brings them into the lists itself
(in its write listener), not the next request."""


@dataclass(frozen=True)
class FieldEntries:
    """One field's lists as arrays (expert and evidence ids as indexes into the owner's id lists)."""

    expert: np.ndarray  # EXPERT_IN: expert index, heaviest first (ties by id)
    expert_weight: np.ndarray  # EXPERT_IN.weight
    project_rank: np.ndarray  # the project's rank among the field's projects (0 = heaviest link)
    project_person: np.ndarray  # expert index
    project_link: np.ndarray  # IN_FIELD.weight of the project
    project_lead: np.ndarray  # bool: LEADS (else JOINS)
    project_id: np.ndarray  # project index
    paper_person: np.ndarray
    paper_link: np.ndarray
    paper_first: np.ndarray  # bool: AUTHORED.position == 1
    paper_id: np.ndarray  # paper index
    # the link's ``basis`` per EXPERT_IN / per paper entry ("" none; CLASS_BASIS, REVIEW_BASIS), None when none has one
    expert_basis: tuple[str, ...] | None = None
    paper_basis: tuple[str, ...] | None = None


_BASES = (CLASS_BASIS, REVIEW_BASIS)
"""The link bases the paths carry (a link with another basis, or none, is plain evidence)."""
_EMPTY_INT = np.zeros(0, dtype=np.int64)
_EMPTY_FLOAT = np.zeros(0, dtype=np.float64)
_EMPTY_BOOL = np.zeros(0, dtype=bool)


class _Ids:
    """Ids interned as growing integer indexes (readers index arrays made before a later append)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        i = self.index.get(value)
        if i is None:
            i = self.index[value] = len(self.ids)
            self.ids.append(value)
        return i


class FieldExpertLists:
    """Every field's experts and evidence, from one store; see the module docstring."""

    def __init__(self) -> None:
        self.experts = _Ids()
        self.outputs = {Label.PROJECT: _Ids(), Label.PAPER: _Ids()}
        # field -> [(expert, weight)] / [(output, link)], in the bounded traversal's order
        self._expert_in: dict[str, list[tuple[str, float]]] = {}
        self._linked: dict[Label, dict[str, list[tuple[str, float]]]] = {Label.PROJECT: {}, Label.PAPER: {}}
        self._basis: dict[str, dict[str, str]] = {}  # field -> {expert or paper: its link's basis}, non-empty bases only
        # output -> [(expert, flag)]: a project's (expert, leads) ordered by (type, id); a paper's (expert, first)
        self._people: dict[Label, dict[str, list[tuple[str, bool]]]] = {Label.PROJECT: {}, Label.PAPER: {}}
        self._fields_of: dict[NodeRef, set[str]] = {}
        self._entries: dict[str, FieldEntries] = {}
        self.stamp: tuple | None = None
        self.builds = 0  # full builds (tests and benchmarks)
        self.updates = 0  # incremental updates
        self._dirty_fields: set[str] = set()
        self._dirty_outputs: set[NodeRef] = set()
        self._dirty_links: dict[str, set[NodeRef]] = {}  # field -> experts / outputs whose link to it was written
        self._irregular: set[str] = set()  # fields with a weight rel_weight reads otherwise: re-read whole
        self._dirty_all = False
        self._store: Callable[[], GraphStore | None] = lambda: None  # the store refresh last read
        self.build_seconds = 0.0  # how long the last full build took
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()  # one refresh at a time
        self._dirty_lock = threading.Lock()  # the dirty sets (a writer never waits for a refresh)

    # -- reading -------------------------------------------------------------------------------
    def snapshot(self, fields: Iterable[str]) -> dict[str, FieldEntries]:
        """The arrays of those of ``fields`` that reach experts: one request reads one snapshot, so a
        concurrent update never mixes two versions of a field into one answer."""
        entries = self._entries
        return {f: e for f in fields if (e := entries.get(f)) is not None}

    def expert_id(self, index: int) -> str:
        """The expert id of an index in the arrays."""
        return self.experts.ids[index]

    def output_id(self, label: Label, index: int) -> str:
        """The project or paper id of an index in the arrays."""
        return self.outputs[label].ids[index]

    def expert_index(self, expert_id: str) -> int | None:
        """The index of an expert id, or None when no field list holds the expert."""
        return self.experts.index.get(expert_id)

    # -- keeping current -----------------------------------------------------------------------
    def on_write(self, batch: Batch) -> None:
        """The write listener: mark what the committed batch touched."""
        fields: set[str] = set()
        outputs: set[NodeRef] = set()
        links: dict[str, set[NodeRef]] = {}
        for rb in batch.rels:
            if ((rb.type is RelType.EXPERT_IN and rb.start_label is Label.EXPERT)
                    or (rb.type is RelType.IN_FIELD and rb.start_label in _OUTPUTS)):
                for r in rb.rows:  # only these links of the field are re-read (_read_links)
                    links.setdefault(r["end"], set()).add(NodeRef(rb.start_label, r["start"]))
            elif rb.type is RelType.EXPERT_IN:
                fields.update(r["end"] for r in rb.rows)
            elif rb.type in (RelType.LEADS, RelType.JOINS, RelType.AUTHORED) and rb.end_label in _OUTPUTS:
                outputs.update(NodeRef(rb.end_label, r["end"]) for r in rb.rows)
        whole = any(t in FIELD_EXPERT_TYPES for t in batch.cleared_types)
        if not (fields or outputs or links or whole):
            return
        with self._dirty_lock:
            self._dirty_fields |= fields
            self._dirty_outputs |= outputs
            for f, refs in links.items():
                self._dirty_links.setdefault(f, set()).update(refs)
            self._dirty_all = self._dirty_all or whole
            small = not self._dirty_all and self._dirty_count() <= INLINE_MAX
        store = self._store()
        if small and store is not None and self.stamp is not None:
            self.refresh(store)  # by the writer: the next request finds the lists current (issue 17)

    def _dirty_count(self) -> int:
        return len(self._dirty_fields) + len(self._dirty_outputs) + sum(len(r) for r in self._dirty_links.values())

    def refresh(self, store: GraphStore) -> None:
        """Bring the lists up to date with ``store``: re-read what this process's writes touched;
        rebuild when the store changed otherwise (another process) or a whole relation was replaced.

        After another process's writes, lists of at least :data:`BACKGROUND_FROM_EXPERTS` experts are
        rebuilt on a thread beside the current ones, which keep serving until the new ones swap in (as the
        expert index does), so no request waits for it; smaller lists, and this process's own writes
        (clear included), are brought up to date before the request reads them.
        """
        self._store = weakref.ref(store)
        worker = self._worker
        if worker is not None and worker.is_alive():
            return  # a rebuild is running beside: serve the current lists
        with self._lock:
            stamp = store.change_stamp((), FIELD_EXPERT_TYPES)
            with self._dirty_lock:
                dirty = bool(self._dirty_all or self._dirty_fields or self._dirty_outputs or self._dirty_links)
                if stamp == self.stamp and not dirty:
                    return
                fields, outputs, links = set(self._dirty_fields), set(self._dirty_outputs), dict(self._dirty_links)
                whole = self._dirty_all or not dirty or self._dirty_count() > _INCREMENTAL_MAX
                self._dirty_fields.clear()
                self._dirty_outputs.clear()
                self._dirty_links = {}
                self._dirty_all = False
            unseen = not dirty  # the stamp moved without a write of this process: another process wrote
            if unseen and self.stamp is not None and len(self.experts.ids) >= BACKGROUND_FROM_EXPERTS:
                self._worker = threading.Thread(target=self._rebuild_beside, args=(store, stamp),
                                                name="kgmatch-field-experts", daemon=True)
                self._worker.start()
                return
            try:
                if whole or self.stamp is None:
                    self._build(store)
                else:
                    self._update(store, fields, outputs, links)
            except BaseException:
                with self._dirty_lock:
                    self._dirty_all = True  # the next request tries again
                raise
            self.stamp = stamp

    def _rebuild_beside(self, store: GraphStore, stamp: tuple) -> None:
        with self._lock:
            try:
                self._build(store)
                self.stamp = stamp
            except Exception:  # the current lists keep serving; the next request tries again
                log.exception("rebuilding the field expert lists failed")
                with self._dirty_lock:
                    self._dirty_all = True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a rebuild running beside (tests and benchmarks)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _build(self, store: GraphStore) -> None:
        started = time.perf_counter()
        # New tables (only refresh reads them); requests go on reading the old entries until the swap.
        self._expert_in = {}
        self._linked = {Label.PROJECT: {}, Label.PAPER: {}}
        self._people = {Label.PROJECT: {}, Label.PAPER: {}}
        self._fields_of = {}
        self._basis = {}
        self._irregular = set()
        fields = [n.id for n in store.all_nodes(Label.FIELD)]
        outputs = self._read_fields(store, fields)
        self._read_outputs(store, outputs)
        self._entries = {f: e for f in fields if (e := self._flatten(f)) is not None}
        self.builds += 1
        self.build_seconds = time.perf_counter() - started
        log.info("built the field expert lists: %d fields, %d experts", len(self._entries), len(self.experts.ids))

    def _update(self, store: GraphStore, fields: set[str], outputs: set[NodeRef],
                links: Mapping[str, set[NodeRef]] | None = None) -> None:
        fields = fields | {f for f in links or {} if f in self._irregular}
        links = {f: refs for f, refs in (links or {}).items() if f not in fields}
        new_outputs, whole = self._read_links(store, links)
        fields |= whole
        new_outputs |= self._read_fields(store, sorted(fields))
        self._read_outputs(store, sorted(outputs | new_outputs))
        touched = fields | set(links)
        for ref in outputs:
            touched |= self._fields_of.get(ref, set())
        for f in sorted(touched):
            entries = self._flatten(f)
            if entries is None:
                self._entries.pop(f, None)
            else:
                self._entries[f] = entries
        self.updates += 1

    def _read_links(self, store: GraphStore, links: Mapping[str, set[NodeRef]]) -> tuple[set[NodeRef], set[str]]:
        """Splice the written links (expert EXPERT_IN field, project/paper IN_FIELD field) into their fields' lists,
        reading those links alone, not the whole fields (issue 17: a field of thousands re-read for one expert).
        The outputs not read before, and the fields to re-read whole after all (a link not found)."""
        refs = sorted({r for rs in links.values() for r in rs}, key=lambda r: (r.label.value, r.id))
        found: dict[tuple[NodeRef, str], Mapping] = {}
        for i in range(0, len(refs), _CHUNK):
            for src, nb in store.expand(refs[i:i + _CHUNK], direction=Direction.OUT,
                                        rel_types=[RelType.EXPERT_IN, RelType.IN_FIELD], labels=[Label.FIELD],
                                        node_props=False):
                if (nb.rel.type is RelType.EXPERT_IN) is (src.label is Label.EXPERT):
                    found[(src, nb.node.id)] = nb.rel.props
        new: set[NodeRef] = set()
        whole: set[str] = set()
        for f, mine in sorted(links.items()):
            if any((r, f) not in found for r in mine):  # replaced meanwhile: read the field as it is now
                whole.add(f)
                continue
            basis = self._basis.setdefault(f, {})
            for r in sorted(mine, key=lambda r: (r.label.value, r.id)):
                props = found[(r, f)]
                weight = float(props.get("weight", 1.0))
                if weight != rel_weight(props):
                    whole.add(f)
                    break
                entries = (self._expert_in if r.label is Label.EXPERT else self._linked[r.label]).setdefault(f, [])
                entries[:] = [e for e in entries if e[0] != r.id]
                bisect.insort(entries, (r.id, weight), key=lambda e: (-e[1], e[0]))
                basis.pop(r.id, None)
                if props.get("basis") in _BASES:
                    basis[r.id] = props["basis"]
                if r.label is not Label.EXPERT:
                    self._fields_of.setdefault(r, set()).add(f)
                    if r.id not in self._people[r.label]:
                        new.add(r)
        return new, whole

    def _read_fields(self, store: GraphStore, fields: Sequence[str]) -> set[NodeRef]:
        """Re-read the EXPERT_IN and IN_FIELD lists of ``fields``; the outputs not read before."""
        found: dict[str, dict[tuple[RelType, Label], list[tuple[tuple, str, float]]]] = {f: {} for f in fields}
        basis: dict[str, dict[str, str]] = {f: {} for f in fields}
        irregular: set[str] = set()
        for i in range(0, len(fields), _CHUNK):
            refs = [NodeRef(Label.FIELD, f) for f in fields[i:i + _CHUNK]]
            for src, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.EXPERT_IN, RelType.IN_FIELD],
                                        labels=[Label.EXPERT, *_OUTPUTS], node_props=False):
                key = (nb.rel.type, nb.node.label)
                if key not in ((RelType.EXPERT_IN, Label.EXPERT), (RelType.IN_FIELD, Label.PROJECT),
                               (RelType.IN_FIELD, Label.PAPER)):
                    continue
                weight = float(nb.rel.props.get("weight", 1.0))
                if weight != rel_weight(nb.rel.props):
                    irregular.add(src.id)
                found[src.id].setdefault(key, []).append(((-rel_weight(nb.rel.props), nb.node.id), nb.node.id, weight))
                if nb.rel.props.get("basis") in _BASES:
                    basis[src.id][nb.node.id] = nb.rel.props["basis"]
        new: set[NodeRef] = set()
        self._irregular = (self._irregular - set(fields)) | irregular
        for f, kinds in found.items():
            self._basis[f] = basis[f]
            self._expert_in[f] = [(i, w) for _, i, w in sorted(kinds.get((RelType.EXPERT_IN, Label.EXPERT), []))]
            for label in _OUTPUTS:
                old = self._linked[label].get(f, [])
                for out_id, _ in old:
                    self._fields_of.get(NodeRef(label, out_id), set()).discard(f)
                linked = [(i, w) for _, i, w in sorted(kinds.get((RelType.IN_FIELD, label), []))]
                self._linked[label][f] = linked
                for out_id, _ in linked:
                    ref = NodeRef(label, out_id)
                    self._fields_of.setdefault(ref, set()).add(f)
                    if out_id not in self._people[label]:
                        new.add(ref)
        return new

    def _read_outputs(self, store: GraphStore, outputs: Iterable[NodeRef]) -> None:
        """Re-read the people of these projects and papers."""
        for label in _OUTPUTS:
            ids = sorted({r.id for r in outputs if r.label is label})
            people: dict[str, list[tuple[tuple, str, bool]]] = {i: [] for i in ids}
            for i in range(0, len(ids), _CHUNK):
                refs = [NodeRef(label, x) for x in ids[i:i + _CHUNK]]
                for src, nb in store.expand(refs, direction=Direction.IN, rel_types=list(_PEOPLE[label]),
                                            labels=[Label.EXPERT], node_props=False):
                    flag = nb.rel.type is RelType.LEADS if label is Label.PROJECT else nb.rel.props.get("position") == 1
                    people[src.id].append(((nb.rel.type.value, nb.node.id), nb.node.id, flag))
            for out_id, found in people.items():
                self._people[label][out_id] = [(e, flag) for _, e, flag in sorted(found)]

    def _flatten(self, field: str) -> FieldEntries | None:
        experts = self._expert_in.get(field, [])
        projects = self._linked[Label.PROJECT].get(field, [])
        papers = self._linked[Label.PAPER].get(field, [])
        if not experts and not projects and not papers:
            return None
        rank, person, link, lead, pid = [], [], [], [], []
        for n, (project, weight) in enumerate(projects):
            for expert, leads in self._people[Label.PROJECT].get(project, []):
                rank.append(n)
                person.append(self.experts(expert))
                link.append(weight)
                lead.append(leads)
                pid.append(self.outputs[Label.PROJECT](project))
        a_person, a_link, a_first, a_id, a_basis = [], [], [], [], []
        basis = self._basis.get(field, {})
        for paper, weight in papers:
            for expert, first in self._people[Label.PAPER].get(paper, []):
                a_person.append(self.experts(expert))
                a_link.append(weight)
                a_first.append(first)
                a_id.append(self.outputs[Label.PAPER](paper))
                a_basis.append(basis.get(paper, ""))
        return FieldEntries(
            np.array([self.experts(e) for e, _ in experts], dtype=np.int64) if experts else _EMPTY_INT,
            np.array([w for _, w in experts], dtype=np.float64) if experts else _EMPTY_FLOAT,
            np.array(rank, dtype=np.int64) if rank else _EMPTY_INT,
            np.array(person, dtype=np.int64) if person else _EMPTY_INT,
            np.array(link, dtype=np.float64) if link else _EMPTY_FLOAT,
            np.array(lead, dtype=bool) if lead else _EMPTY_BOOL,
            np.array(pid, dtype=np.int64) if pid else _EMPTY_INT,
            np.array(a_person, dtype=np.int64) if a_person else _EMPTY_INT,
            np.array(a_link, dtype=np.float64) if a_link else _EMPTY_FLOAT,
            np.array(a_first, dtype=bool) if a_first else _EMPTY_BOOL,
            np.array(a_id, dtype=np.int64) if a_id else _EMPTY_INT,
            tuple(basis.get(e, "") for e, _ in experts) if basis.keys() & {e for e, _ in experts} else None,
            tuple(a_basis) if any(a_basis) else None,
        )

    # -- a request -----------------------------------------------------------------------------
    @staticmethod
    def strongest(snapshot: Mapping[str, FieldEntries], factors: Mapping[str, tuple[float, float]], *,
                  fanout: int | None, member_share: float) -> tuple[np.ndarray, np.ndarray]:
        """(expert indexes, strongest path strength) of every expert reached through the fields of
        ``factors``: field -> (largest, smallest) demand weight × similarity over the demand fields
        that reach it. A path's strength is that factor × its expert weight (EXPERT_IN.weight, or the
        output's link × 1 for a leader or first author, × ``member_share`` for anyone else), the same
        product :attr:`FieldPath.strength` computes."""
        idx: list[np.ndarray] = []
        val: list[np.ndarray] = []
        for field, (hi, lo) in factors.items():
            e = snapshot.get(field)
            if e is None:
                continue
            n = len(e.expert) if fanout is None else min(fanout, len(e.expert))
            cut = len(e.project_rank) if fanout is None else int(np.searchsorted(e.project_rank, fanout))
            weights = (e.expert_weight[:n],
                       np.where(e.project_lead[:cut], 1.0, member_share) * e.project_link[:cut],
                       np.where(e.paper_first, 1.0, member_share) * e.paper_link)
            for who, w in zip((e.expert[:n], e.project_person[:cut], e.paper_person), weights, strict=True):
                if len(who):
                    idx.append(who)
                    val.append(np.maximum(hi * w, lo * w))  # the max over the field's demand factors
        if not idx:
            return _EMPTY_INT, _EMPTY_FLOAT
        who_all = np.concatenate(idx)
        strength = np.full(int(who_all.max()) + 1, -np.inf)
        np.maximum.at(strength, who_all, np.concatenate(val))
        reached = np.flatnonzero(strength > -np.inf)
        return reached, strength[reached]


_LISTS: PerStore[FieldExpertLists] = PerStore(FieldExpertLists)


def field_expert_lists(store: GraphStore) -> FieldExpertLists:
    """The current lists of ``store``: built on first use, then updated by its writes (and rebuilt when
    another process changed the store)."""
    return _LISTS(store)
