"""Field similarity: taxonomy structure plus co-occurrence in the data → ``RELATED_TO {score}``.

For every pair of fields with *some* evidence in the data (experts in common, or
keywords in common among their projects) the score is::

    score = t · wu_palmer(a, b) + (1 − t) · max(cos_experts(a, b), cos_keywords(a, b))

* ``wu_palmer`` = 2·depth(lowest common ancestor) / (depth(a) + depth(b)) inside one
  scheme (0 across schemes or without a common ancestor); depth of a root is 1.
* ``cos_experts``: cosine of the two fields' expert sets (EXPERT_IN, or leading a
  project IN_FIELD the field).
* ``cos_keywords``: cosine of TF-IDF keyword vectors of the fields' projects.

Pairs where one field is an ancestor of the other are left out (SUBFIELD_OF already
says so). Each field keeps its ``top_k`` best partners above ``min_score``. Pure over
plain data; :func:`field_infos` reads that data through the GraphStore contract.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, NodeRef

__all__ = ["FieldInfo", "RelatedPair", "field_infos", "related_fields", "wu_palmer", "write_related_fields"]

_CHUNK = 1000


@dataclass(frozen=True)
class FieldInfo:
    """One field as the similarity sees it."""

    id: str
    scheme: str
    parent: str | None
    experts: frozenset[str]
    keywords: tuple[str, ...]  # with repetition: one entry per project mention


@dataclass(frozen=True)
class RelatedPair:
    """Two related fields (``a < b``) and the parts of their score."""

    a: str
    b: str
    score: float
    taxonomy: float
    experts: float
    keywords: float


def _ancestors(field_id: str, parent: dict[str, str | None]) -> list[str]:
    chain, seen = [field_id], {field_id}
    while (p := parent.get(chain[-1])) and p not in seen:
        chain.append(p)
        seen.add(p)
    return chain


def wu_palmer(a: str, b: str, parent: dict[str, str | None]) -> float:
    """Wu–Palmer similarity in a forest given by ``parent`` (0 without a common ancestor).

    >>> tree = {"E": None, "E02": "E", "E0207": "E02", "E0203": "E02"}
    >>> round(wu_palmer("E0207", "E0203", tree), 3)
    0.667
    >>> wu_palmer("E0207", "X", tree)
    0.0
    """
    up_a, up_b = _ancestors(a, parent), _ancestors(b, parent)
    common = set(up_b)
    lca = next((x for x in up_a if x in common), None)
    if lca is None:
        return 0.0
    depth = {x: len(_ancestors(x, parent)) for x in (a, b, lca)}
    return 2 * depth[lca] / (depth[a] + depth[b])


def _cosine(rows: list[Counter[str]]) -> sparse.csr_matrix:
    vocab = {t: i for i, t in enumerate(sorted({t for r in rows for t in r}))}
    data, ri, ci = [], [], []
    for i, r in enumerate(rows):
        for t, c in r.items():
            ri.append(i)
            ci.append(vocab[t])
            data.append(float(c))
    m = sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), max(len(vocab), 1)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = sparse.diags(1.0 / norms) @ m
    return (m @ m.T).tocsr()


def related_fields(infos: Sequence[FieldInfo], *, top_k: int = 10, min_score: float = 0.2,
                   taxonomy_weight: float = 0.3) -> list[RelatedPair]:
    """The RELATED_TO pairs, sorted by (a, b)."""
    ids = [f.id for f in infos]
    parent = {f.id: f.parent for f in infos}
    scheme = {f.id: f.scheme for f in infos}
    experts = _cosine([Counter(dict.fromkeys(f.experts, 1)) for f in infos])
    df = Counter(k for f in infos for k in set(f.keywords))
    n = max(len(infos), 1)
    tfidf = [Counter({k: c * math.log(1 + n / df[k]) for k, c in Counter(f.keywords).items()}) for f in infos]
    keywords = _cosine(tfidf)
    evidence = (experts + keywords).tocoo()
    candidates: dict[tuple[int, int], RelatedPair] = {}
    for i, j in zip(evidence.row, evidence.col, strict=True):
        if i >= j:
            continue
        a, b = ids[i], ids[j]
        if a in _ancestors(b, parent) or b in _ancestors(a, parent):
            continue
        e, k = float(experts[i, j]), float(keywords[i, j])
        t = wu_palmer(a, b, parent) if scheme[a] == scheme[b] else 0.0
        score = taxonomy_weight * t + (1 - taxonomy_weight) * max(e, k)
        if score >= min_score:
            lo, hi = (a, b) if a < b else (b, a)
            candidates[(i, j)] = RelatedPair(lo, hi, round(score, 4), round(t, 4), round(e, 4), round(k, 4))
    per_field: dict[str, list[RelatedPair]] = {}
    for pair in candidates.values():
        per_field.setdefault(pair.a, []).append(pair)
        per_field.setdefault(pair.b, []).append(pair)
    kept: set[tuple[str, str]] = set()
    for pairs in per_field.values():
        for pair in sorted(pairs, key=lambda p: (-p.score, p.a, p.b))[:top_k]:
            kept.add((pair.a, pair.b))
    return sorted((p for p in candidates.values() if (p.a, p.b) in kept), key=lambda p: (p.a, p.b))


def field_infos(store: GraphStore) -> list[FieldInfo]:
    """Every field with its parent, experts and project keywords, read through the store."""
    fields = []
    skip = 0
    while batch := store.list_nodes(Label.FIELD, skip=skip, limit=5000):
        fields += batch
        skip += len(batch)
    parent: dict[str, str] = {}
    experts: dict[str, set[str]] = {}
    keywords: dict[str, list[str]] = {}
    for start in range(0, len(fields), _CHUNK):
        refs = [f.ref for f in fields[start:start + _CHUNK]]
        for src, nb in store.expand(refs, direction=Direction.OUT, rel_types=[RelType.SUBFIELD_OF]):
            parent.setdefault(src.id, nb.node.id)
        for src, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.EXPERT_IN], labels=[Label.EXPERT]):
            experts.setdefault(src.id, set()).add(nb.node.id)
        projects = store.expand(refs, direction=Direction.IN, rel_types=[RelType.IN_FIELD], labels=[Label.PROJECT])
        by_project: dict[str, list[str]] = {}
        for src, nb in projects:
            by_project.setdefault(nb.node.id, []).append(src.id)
            words = nb.node.props.get("keywords", [])
            keywords.setdefault(src.id, []).extend(w for w in words if isinstance(w, str))
        leads = store.expand([NodeRef(Label.PROJECT, p) for p in sorted(by_project)], direction=Direction.IN,
                             rel_types=[RelType.LEADS], labels=[Label.EXPERT])
        for src, nb in leads:
            for f in by_project[src.id]:
                experts.setdefault(f, set()).add(nb.node.id)
    return [FieldInfo(f.id, str(f.props.get("scheme", "")), parent.get(f.id), frozenset(experts.get(f.id, ())),
                      tuple(sorted(keywords.get(f.id, [])))) for f in fields]


def write_related_fields(store: GraphStore, *, top_k: int = 10, min_score: float = 0.2) -> int:
    """Recompute RELATED_TO from the graph and replace the stored ones in one batch; returns how many."""
    pairs = related_fields(field_infos(store), top_k=top_k, min_score=min_score)
    rows = [{"start": p.a, "end": p.b, "score": p.score, "taxonomy": p.taxonomy, "experts": p.experts,
             "keywords": p.keywords} for p in pairs]
    store.write(Batch(replace_types=[RelType.RELATED_TO]).add_rels(RelType.RELATED_TO, Label.FIELD, Label.FIELD, rows))
    return len(rows)
