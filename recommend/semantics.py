"""Learned semantics: a latent (LSA) space over the shipped corpora, for query expansion and a dense similarity.

The model is built offline by :mod:`recommend.semantics_build` (``make semantics``) from the
project's own text — NSFC project titles and keywords, ChinaXiv papers, CSL papers, patent
titles and the 高新技术领域 names — as TF-IDF over words and ``#``-marked CJK character bigrams
(the analyzer of :mod:`recommend.retrieval`), reduced by a truncated SVD. Nothing is downloaded.

Here only the numbers are used, over token lists the caller made (the engine's tokenizer), so this
module needs no NLP of its own:

* :meth:`SemanticModel.vectors` folds texts into the latent space (unit vectors; a text with no
  known feature gets the zero vector);
* :meth:`SemanticModel.similarity` is the cosine of a demand and each expert profile, clipped to
  [0, 1] — the ``semantic`` score component (:mod:`recommend.scoring`), combined with BM25;
* :meth:`SemanticModel.expand` adds the words nearest to the query's words in the latent space
  (related terms such as 勒索软件 → 入侵检测), for finding text candidates;
* :class:`ProfileVectors` holds every indexed expert profile's vector, computed once when the expert
  text index is built or updated (:mod:`recommend.index_cache`), so a recommendation folds in only the
  query and takes one dot product per candidate (issue 13: cold requests were 1.71× BM25's).

The file is a NumPy ``.npz`` (no pickle); :func:`get_semantic_model` loads it once per process and
returns None when it is absent, so recommendations fall back to BM25 alone.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from graph.environment import env_value
from recommend.retrieval import cjk_bigrams, text_digest

__all__ = ["FORMAT", "DEFAULT_MODEL_PATH", "SemanticModel", "ProfileVectors", "features", "model_path",
           "get_semantic_model", "load_model", "save_model"]

log = logging.getLogger(__name__)

FORMAT = 1
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "var" / "models" / f"semantics-v{FORMAT}.npz"


def features(words: Sequence[str], text: str) -> list[str]:
    """The model's features of one text: its words plus ``#``-marked CJK bigrams of the text.

    >>> features(["锂电池", "回收"], "锂电池回收")
    ['锂电池', '回收', '#锂电', '#电池', '#池回', '#回收']
    """
    return [*words, *("#" + b for b in cjk_bigrams(text))]


def _unit_rows(m: np.ndarray) -> np.ndarray:
    """``m``'s rows scaled to unit length (zero rows stay zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", m, m))[:, None]
    return m / np.where(norms > 0, norms, 1.0)


class SemanticModel:
    """The latent space: vocabulary, idf weights and term vectors (``V × k``)."""

    CACHE_SIZE = 400_000

    def __init__(self, terms: Sequence[str], idf: np.ndarray, term_vectors: np.ndarray,
                 meta: dict | None = None) -> None:
        self.terms = list(terms)
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.term_vectors = np.asarray(term_vectors, dtype=np.float32)
        self.meta = dict(meta or {})
        # Stored in float32, computed with in float64: a float32 product's last bits depend on the machine's BLAS
        # kernel and thread count, and rounding scores to 6 decimals then still flips near-ties between machines
        # (the golden snapshot differed between two CPUs); float64 leaves 1e-16, far below any rounding.
        self._unit = _unit_rows(self.term_vectors.astype(np.float64))
        words = np.array([not t.startswith("#") and len(t) >= 2 for t in self.terms])
        self._word_ids = np.flatnonzero(words)
        self._word_unit = self._unit[self._word_ids]
        self._profiles: dict[str, tuple[tuple[bytes, int], np.ndarray]] = {}
        self._fingerprint: str | None = None
        self._nearest: dict[tuple[int, int], list[tuple[float, str]]] = {}  # (term, n) -> n nearest words

    @property
    def dims(self) -> int:
        """Number of latent dimensions."""
        return int(self.term_vectors.shape[1])

    @property
    def fingerprint(self) -> str:
        """A digest of the vocabulary and numbers (computed once): profile vectors computed with one model
        are used only with the same model (two builds of the same data have the same fingerprint)."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            h.update("\n".join(self.terms).encode())
            h.update(self.idf.tobytes())
            h.update(self.term_vectors.tobytes())
            self._fingerprint = h.hexdigest()[:24]
        return self._fingerprint

    def _tfidf(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for t in doc:
                i = self.vocab.get(t)
                if i is not None:
                    counts[i] = counts.get(i, 0) + 1
            for i, c in counts.items():
                rows.append(r)
                cols.append(i)
                vals.append((1.0 + math.log(c)) * float(self.idf[i]))
        m = sparse.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)),
                              shape=(len(docs), len(self.terms)))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        # float32 for the product with the term vectors (scipy's own loop: the same sums on every machine)
        return (sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ m).astype(np.float32).tocsr()

    def vectors(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """Unit latent vectors of feature lists (:func:`features`), one row each (float64); zero rows for
        unknown text."""
        if not docs:
            return np.zeros((0, self.dims))
        return _unit_rows(np.asarray(self._tfidf(docs) @ self.term_vectors).astype(np.float64))

    def profile_vectors(self, profiles: Sequence[tuple[str, Sequence[str], str]]) -> np.ndarray:
        """Unit vectors of expert profiles given as (expert id, words, text), one row each.

        Kept per expert with a digest of the text and words, so a recommendation folds in only the
        profiles that are new or changed since they were last seen (a write to an expert's projects
        changes the text, and the next recommendation recomputes that one vector); at most
        :attr:`CACHE_SIZE` experts are kept.
        """
        out = np.zeros((len(profiles), self.dims), dtype=np.float32)
        missing: list[int] = []
        keys = []
        for n, (expert_id, words, text) in enumerate(profiles):
            key = (text_digest(text), hash(tuple(words)))
            keys.append(key)
            hit = self._profiles.get(expert_id)
            if hit is not None and hit[0] == key:
                out[n] = hit[1]
            else:
                missing.append(n)
        if missing:
            fresh = self.vectors([features(profiles[n][1], profiles[n][2]) for n in missing]).astype(np.float32)
            if len(self._profiles) + len(missing) > self.CACHE_SIZE:
                self._profiles.clear()
            for row, n in zip(fresh, missing, strict=True):
                out[n] = row
                self._profiles[profiles[n][0]] = (keys[n], row)
        return out

    def similarity(self, query: Sequence[str], docs: Sequence[Sequence[str]]) -> np.ndarray:
        """Cosine of the query and each document in the latent space, clipped to [0, 1]."""
        if not docs:
            return np.zeros(0)
        q = self.vectors([query])[0]
        return np.clip(self.vectors(docs) @ q, 0.0, 1.0)

    def neighbours(self, word: str, *, n: int = 5) -> list[tuple[str, float]]:
        """The ``n`` words nearest to ``word`` (cosine of term vectors), best first, ties by word."""
        i = self.vocab.get(word)
        if i is None or not len(self._word_ids):
            return []
        sims = np.round(self._word_unit @ self._unit[i], 9)
        order = np.lexsort((self._word_ids, -sims))
        out = []
        for j in order:
            t = self.terms[self._word_ids[j]]
            if t != word:
                out.append((t, float(sims[j])))
            if len(out) == n:
                break
        return out

    def _nearest_words(self, term_ids: Sequence[int], n: int) -> list[list[tuple[float, str]]]:
        """The ``n`` words nearest to each term (cosine, in no particular order), kept per process: a word's
        neighbours are computed once (one product for all the words not seen yet)."""
        if not len(self._word_ids):
            return [[] for _ in term_ids]
        n = min(n, len(self._word_ids))
        found = {i: hit for i in dict.fromkeys(term_ids) if (hit := self._nearest.get((i, n))) is not None}
        todo = [i for i in dict.fromkeys(term_ids) if i not in found]
        if todo:
            sims = np.round(self._word_unit @ self._unit[todo].T, 9)  # exact ties (words of one vector) by index
            if len(self._nearest) + len(todo) > self.CACHE_SIZE:
                self._nearest.clear()  # other threads keep what they already read
            for col, i in enumerate(todo):
                top = np.argpartition(-sims[:, col], n - 1)[:n]
                found[i] = self._nearest[(i, n)] = [(float(sims[j, col]), self.terms[self._word_ids[j]]) for j in top]
        return [found[i] for i in term_ids]

    def expand(self, words: Sequence[str], *, text: str = "", per_word: int = 10, min_similarity: float = 0.6,
               min_query_similarity: float = 0.5, limit: int = 8) -> list[str]:
        """Related words for a query: the ``per_word`` nearest words of each known query word (≥ 2
        characters) with cosine ≥ ``min_similarity``, not in the query, kept when they are also close to
        the whole query (cosine with its latent vector — words plus ``text``'s bigrams — ≥
        ``min_query_similarity``), so a neighbour of one generic word does not drift the query; at most
        ``limit``, the closest to the query first.

        >>> m = SemanticModel(["电池", "锂电", "基因"], np.ones(3), np.array([[1.0, 0], [0.9, 0.1], [0, 1]]))
        >>> m.expand(["电池"])
        ['锂电']
        """
        query = [w for w in dict.fromkeys(words) if len(w) >= 2]
        seen = set(query)
        known = [self.vocab[w] for w in query if w in self.vocab]
        found: set[str] = set()
        for near in self._nearest_words(known, per_word + 1):
            found.update(t for s, t in near if s >= min_similarity and t not in seen)
        if not found:
            return []
        q = self.vectors([features(list(words), text)])[0]
        ranked = sorted(((round(float(self._unit[self.vocab[t]] @ q), 9), t) for t in found),
                        key=lambda st: (-st[0], st[1]))
        return [t for s, t in ranked if s >= min_query_similarity][:limit]


ProfileText = tuple[str, bytes, Sequence[str], str]
"""One indexed profile: (expert id, digest of its text, its words, its text)."""


class ProfileVectors:
    """The unit latent vectors of indexed expert profiles (plain numbers, pickled with the text index).

    Computed once per profile text when the expert index is built (:meth:`build`) or updated
    (:meth:`updated`, which folds in only the changed profiles); a recommendation looks its
    candidates up (:meth:`lookup`) by expert id and the digest of the candidate's profile text, so a
    profile changed since (or never indexed) is not looked up but folded in by the caller.
    ``key`` is the model's :attr:`SemanticModel.fingerprint`.

    An update of a large set (at least :data:`OVERLAY_FROM` profiles) keeps the changed profiles in an
    overlay beside the shared matrix instead of copying it (issue 17: at 10× the copy was ~80 MB per
    write); ``rows``, ``digests`` and ``matrix`` are then the shared base, :meth:`lookup`, ``in`` and
    ``len`` see the overlay too. Past :data:`OVERLAY_MAX` changed profiles the copy is made again.

    >>> m = SemanticModel(["电池", "基因"], np.ones(2), np.eye(2))
    >>> pv = ProfileVectors.build(m, [("e:1", b"d1", ["电池"], "电池"), ("e:2", b"d2", ["基因"], "基因")])
    >>> rows, found = pv.lookup(m, [("e:2", b"d2"), ("e:1", b"stale")])
    >>> rows[0].tolist(), found.tolist()
    ([0.0, 1.0], [True, False])
    """

    OVERLAY_FROM = 2000
    """Vectors of fewer profiles are copied whole on every update (a matter of microseconds)."""
    OVERLAY_MAX = 5000
    """Changed profiles kept beside the shared matrix before an update copies it whole again."""

    def __init__(self, key: str, ids: Sequence[str], digests: Sequence[bytes], matrix: np.ndarray) -> None:
        self.key = key
        self.rows = {i: n for n, i in enumerate(ids)}
        self.digests = list(digests)
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self._extra: dict[str, tuple[bytes, np.ndarray]] = {}  # the overlay: changed or added profiles
        self._dropped: frozenset[str] = frozenset()  # base rows no longer indexed (never in _extra)

    def __copy__(self) -> ProfileVectors:
        new = object.__new__(ProfileVectors)  # not through __getstate__, which folds the overlay in
        new.__dict__.update(self.__dict__)
        return new

    def __getstate__(self) -> dict:
        # pickled as one matrix (pickling copies it anyway), readable by code from before the overlay
        whole = self._compacted(self._extra, self._dropped) if self._extra or self._dropped else self
        return {k: v for k, v in whole.__dict__.items() if k not in ("_extra", "_dropped", "_ids")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"_extra": {}, "_dropped": frozenset(), **state})

    def __len__(self) -> int:
        return (len(self.rows) + sum(1 for i in self._extra if i not in self.rows)
                - sum(1 for i in self._dropped if i in self.rows))

    def __contains__(self, expert_id: object) -> bool:
        return expert_id in self._extra or (expert_id in self.rows and expert_id not in self._dropped)

    @classmethod
    def build(cls, model: SemanticModel, profiles: Iterable[ProfileText], *, previous: ProfileVectors | None = None,
              batch: int = 2000) -> ProfileVectors:
        """Vectors of every profile; rows of ``previous`` (same model, same text digest) are reused."""
        reuse = previous if previous is not None and previous.key == model.fingerprint else None
        if reuse is not None and (reuse._extra or reuse._dropped):
            reuse = reuse._compacted(reuse._extra, reuse._dropped)
        ids: list[str] = []
        digests: list[bytes] = []
        take: list[int] = []  # row of previous, or -1: fold in
        todo: list[tuple[Sequence[str], str]] = []  # features made per batch: all at once were ~5 KB an expert
        for expert_id, digest, words, text in profiles:
            ids.append(expert_id)
            digests.append(digest)
            n = reuse.rows.get(expert_id) if reuse is not None else None
            if n is not None and reuse.digests[n] == digest:
                take.append(n)
            else:
                take.append(-1)
                todo.append((words, text))
        matrix = np.zeros((len(ids), model.dims), dtype=np.float32)
        kept = np.array([t >= 0 for t in take], dtype=bool)
        if reuse is not None and kept.any():
            matrix[kept] = reuse.matrix[np.array([t for t in take if t >= 0])]
        fresh = np.flatnonzero(~kept)
        for start in range(0, len(todo), batch):
            matrix[fresh[start:start + batch]] = model.vectors([features(w, t) for w, t in todo[start:start + batch]])
        return cls(model.fingerprint, ids, digests, matrix)

    def updated(self, model: SemanticModel, changed: Iterable[ProfileText], removed: Iterable[str] = ()) -> ProfileVectors:
        """A copy with ``changed`` profiles folded in (replaced or added) and ``removed`` ids dropped: only the
        changed profiles are folded in, and a large set's matrix is shared, not copied (the milliseconds of a
        few profiles written)."""
        if self.key != model.fingerprint:
            raise ValueError("profile vectors of another semantic model")
        changed = list(changed)
        fresh = model.vectors([features(words, text) for _, _, words, text in changed])
        extra = dict(self._extra)
        dropped = set(self._dropped)
        for expert_id in removed:
            extra.pop(expert_id, None)
            if expert_id in self.rows:
                dropped.add(expert_id)
        for (expert_id, digest, _, _), vector in zip(changed, fresh, strict=True):
            extra[expert_id] = (digest, vector)
            dropped.discard(expert_id)
        if len(self.rows) < self.OVERLAY_FROM or len(extra) + len(dropped) > self.OVERLAY_MAX:
            return self._compacted(extra, dropped)
        new = copy.copy(self)
        new._extra, new._dropped = extra, frozenset(dropped)
        return new

    def _compacted(self, extra: dict[str, tuple[bytes, np.ndarray]], dropped: Iterable[str]) -> ProfileVectors:
        """The base with ``extra`` and ``dropped`` folded in: one matrix again."""
        gone = set(dropped) | set(extra)
        keep = [i for i in self.rows if i not in gone]
        rows = [self.rows[i] for i in keep]
        added = (np.array([v for _, v in extra.values()], dtype=np.float32) if extra
                 else np.zeros((0, self.matrix.shape[1]), dtype=np.float32))
        matrix = np.vstack([self.matrix[rows] if rows else np.zeros((0, self.matrix.shape[1]), dtype=np.float32),
                            added])
        return ProfileVectors(self.key, [*keep, *extra], [*(self.digests[n] for n in rows),
                                                           *(d for d, _ in extra.values())], matrix)

    def nearest(self, q: np.ndarray, *, k: int) -> list[tuple[str, float]]:
        """The ``k`` profiles closest to the unit query vector ``q`` (cosine > 0) as (expert id, cosine), best
        first, ties by id; the overlay's changed profiles replace their base rows, dropped ones are left out.

        >>> m = SemanticModel(["电池", "基因"], np.ones(2), np.eye(2))
        >>> pv = ProfileVectors.build(m, [("e:1", b"d1", ["电池"], "电池"), ("e:2", b"d2", ["基因"], "基因")])
        >>> pv.nearest(m.vectors([["电池"]])[0], k=5)
        [('e:1', 1.0)]
        """
        ids = self.__dict__.get("_ids")
        if ids is None:
            ids = self._ids = list(self.rows)
        q = np.asarray(q, dtype=np.float64)
        # screened in float32 (the whole matrix: no float64 copy of it), then the rows within a margin of the
        # k-th are scored again in float64 and rounded, so which rows tie at the k-th place (and their order,
        # by id) does not depend on the last bits the machine's BLAS kernel leaves in a float32 product
        s = self.matrix @ q.astype(np.float32) if len(ids) else np.zeros(0, dtype=np.float32)
        stale = [self.rows[i] for i in (*self._extra, *self._dropped) if i in self.rows]
        if stale:
            s = s.copy()
            s[stale] = 0.0
        found: list[tuple[float, str]] = []
        if len(s) and k > 0:
            top = (np.flatnonzero(s >= np.partition(s, len(s) - k)[len(s) - k] - 1e-4) if len(s) > k
                   else np.arange(len(s)))
            exact = np.round(self.matrix[top].astype(np.float64) @ q, 6)
            found = [(-float(v), ids[n]) for n, v in zip(top, exact, strict=True) if v > 0 and s[n] > 0]
        found += [(-v, i) for i, (_, vec) in self._extra.items() if (v := round(float(vec @ q), 6)) > 0]
        return [(i, -s_) for s_, i in sorted(found)[:k]]

    def lookup(self, model: SemanticModel, wanted: Sequence[tuple[str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
        """(rows, found) for (expert id, text digest) pairs: the stored vector where the model and the digest
        match, else a zero row with ``found`` False."""
        out = np.zeros((len(wanted), model.dims), dtype=np.float32)
        found = np.zeros(len(wanted), dtype=bool)
        if self.key != model.fingerprint:
            return out, found
        pos, at = [], []
        extra, dropped = self._extra, self._dropped
        for k, (expert_id, digest) in enumerate(wanted):
            hit = extra.get(expert_id)
            if hit is not None:
                if hit[0] == digest:
                    out[k] = hit[1]
                    found[k] = True
                continue
            n = self.rows.get(expert_id)
            if n is not None and self.digests[n] == digest and expert_id not in dropped:
                pos.append(n)
                at.append(k)
        if pos:
            out[at] = self.matrix[pos]
            found[at] = True
        return out, found


def model_path() -> Path:
    """``KGMATCH_SEMANTIC_MODEL``, else ``var/models/semantics-v1.npz`` in the repository."""
    value = env_value("KGMATCH_SEMANTIC_MODEL")
    return Path(value) if value else DEFAULT_MODEL_PATH


def save_model(model: SemanticModel, path: Path) -> None:
    """Write the model as one ``.npz`` (written to a temporary name, then moved into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, terms=np.array(model.terms, dtype=str), idf=model.idf,
                        term_vectors=model.term_vectors,
                        meta=np.array(json.dumps({"format": FORMAT, **model.meta}, ensure_ascii=False)))
    tmp.replace(path)


def load_model(path: Path) -> SemanticModel:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    FileNotFoundError
        No file; ValueError: not a model of this format.
    """
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: semantic model format {meta.get('format')}, expected {FORMAT}")
        return SemanticModel(z["terms"].tolist(), z["idf"], z["term_vectors"], meta)


_CACHE: dict[tuple[Path, float], SemanticModel | None] = {}
_LOCK = threading.Lock()


def get_semantic_model(path: Path | None = None) -> SemanticModel | None:
    """The model at ``path`` (default :func:`model_path`), loaded once per file version; None when absent
    (recommendations then use BM25 alone) or unreadable (logged)."""
    path = path or model_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    key = (path, mtime)
    with _LOCK:
        if key not in _CACHE:
            try:
                _CACHE[key] = load_model(path)
            except (OSError, ValueError, KeyError) as err:
                log.warning("ignoring the semantic model %s: %s", path, err)
                _CACHE[key] = None
        return _CACHE[key]
