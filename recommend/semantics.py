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
  (related terms such as 勒索软件 → 入侵检测), for finding text candidates.

The file is a NumPy ``.npz`` (no pickle); :func:`get_semantic_model` loads it once per process and
returns None when it is absent, so recommendations fall back to BM25 alone.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from graph.environment import env_value
from recommend.retrieval import cjk_bigrams, text_digest

__all__ = ["FORMAT", "DEFAULT_MODEL_PATH", "SemanticModel", "features", "model_path", "get_semantic_model",
           "load_model", "save_model"]

log = logging.getLogger(__name__)

FORMAT = 1
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "var" / "models" / f"semantics-v{FORMAT}.npz"


def features(words: Sequence[str], text: str) -> list[str]:
    """The model's features of one text: its words plus ``#``-marked CJK bigrams of the text.

    >>> features(["锂电池", "回收"], "锂电池回收")
    ['锂电池', '回收', '#锂电', '#电池', '#池回', '#回收']
    """
    return [*words, *("#" + b for b in cjk_bigrams(text))]


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
        norms = np.linalg.norm(self.term_vectors, axis=1, keepdims=True)
        self._unit = self.term_vectors / np.where(norms > 0, norms, 1.0)
        words = np.array([not t.startswith("#") and len(t) >= 2 for t in self.terms])
        self._word_ids = np.flatnonzero(words)
        self._word_unit = self._unit[self._word_ids]
        self._profiles: dict[str, tuple[tuple[bytes, int], np.ndarray]] = {}

    @property
    def dims(self) -> int:
        """Number of latent dimensions."""
        return int(self.term_vectors.shape[1])

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
                vals.append((1.0 + np.log(c)) * self.idf[i])
        m = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)),
                              shape=(len(docs), len(self.terms)))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        return sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)).astype(np.float32) @ m

    def vectors(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """Unit latent vectors of feature lists (:func:`features`), one row each; zero rows for unknown text."""
        if not docs:
            return np.zeros((0, self.dims), dtype=np.float32)
        z = np.asarray(self._tfidf(docs) @ self.term_vectors, dtype=np.float32)
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        return z / np.where(norms > 0, norms, 1.0)

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
            fresh = self.vectors([features(profiles[n][1], profiles[n][2]) for n in missing])
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
        return np.clip(self.vectors(docs) @ q, 0.0, 1.0).astype(np.float64)

    def neighbours(self, word: str, *, n: int = 5) -> list[tuple[str, float]]:
        """The ``n`` words nearest to ``word`` (cosine of term vectors), best first, ties by word."""
        i = self.vocab.get(word)
        if i is None or not len(self._word_ids):
            return []
        sims = self._word_unit @ self._unit[i]
        order = np.lexsort((self._word_ids, -sims))
        out = []
        for j in order:
            t = self.terms[self._word_ids[j]]
            if t != word:
                out.append((t, float(sims[j])))
            if len(out) == n:
                break
        return out

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
        if known and len(self._word_ids):
            sims = self._word_unit @ self._unit[known].T  # one product for every query word
            n = min(per_word + 1, sims.shape[0])
            for col in range(sims.shape[1]):
                top = np.argpartition(-sims[:, col], n - 1)[:n]
                found.update(t for j in top if sims[j, col] >= min_similarity
                             and (t := self.terms[self._word_ids[j]]) not in seen)
        if not found:
            return []
        q = self.vectors([features(list(words), text)])[0]
        ranked = sorted(((float(self._unit[self.vocab[t]] @ q), t) for t in found), key=lambda st: (-st[0], st[1]))
        return [t for s, t in ranked if s >= min_query_similarity][:limit]


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
