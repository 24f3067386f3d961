"""Near-duplicate technology demands: the same problem posted twice, reworded.

An enterprise re-posts a problem with a new title, another enterprise (or an agency) posts
the same problem in its own words, a description is shortened or padded. Two demands are
near duplicates when the cosine similarity of their TF-IDF vectors is at least
:data:`DUPLICATE_THRESHOLD`:

* **Text**: title + description, NFKC-normalised and lower-cased, without boilerplate
  clauses (:func:`strip_boilerplate`): a company's self-introduction and the cooperation
  terms, listed in ``data/dedup/boilerplate.txt``. Two different problems of one enterprise
  often share a long profile paragraph. That paragraph says nothing about the problem.
* **Features** (:class:`Features`): the content words of the jieba segmenter
  (:func:`ingest.nlp.content_words`: domain dictionary, stop words, punctuation, bare numbers
  and single characters dropped). CJK character bigrams, alone or added to the words, came
  within noise of this but no better (see the benchmark), so they stay available as options.
* **Weights**: sublinear term frequency ``1 + ln tf`` times smoothed IDF
  ``ln((1 + n) / (1 + df)) + 1``, fitted on the collection being compared, so words that
  every demand uses ("希望与高校院所专家合作") weigh little. Rows are L2-normalised.

The method and the threshold were chosen by ``python -m bench.dedup_threshold`` on
``data/dedup/pairs.jsonl`` (hand-written, see its SOURCE.md). That benchmark also scores the
alternatives: bigrams, bigrams + words, and Jaccard of character shingles (what MinHash
estimates), each with and without stripping.

All-pairs search (:meth:`DemandIndex.pairs`) is exact and avoids the n² dot products. It
uses prefix filtering (Bayardo, Ma & Srikant, WWW 2007). Features are ordered from most to
least common. Each demand indexes only its rarer features, after a prefix of common ones
that cannot reach the threshold on its own: the prefix's norm, and its sum of weight times
the feature's largest weight anywhere, both stay below the threshold. Two demands that share
no indexed feature share only features in one demand's prefix, so their cosine is below the
threshold. Candidates come from one sparse product over the indexed features, run in row
chunks. A candidate is scored exactly only when its shared indexed weight plus a bound on the
rest can reach the threshold. On 17,835 demands that all share one boilerplate sentence, this
scores about 1 pair in 700 (215k of 159M), and the result equals brute force.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

from graph.model import demand_text
from ingest.nlp import content_words, read_word_list

__all__ = [
    "Features",
    "DEFAULT_FEATURES",
    "DUPLICATE_THRESHOLD",
    "BOILERPLATE_PATH",
    "DemandText",
    "DuplicatePair",
    "load_boilerplate_markers",
    "strip_boilerplate",
    "demand_features",
    "DemandIndex",
    "demand_similarity",
    "find_duplicates",
    "duplicates_of",
]

log = logging.getLogger(__name__)


class Features(StrEnum):
    """What a demand's text is cut into before weighting."""

    BIGRAMS = "bigrams"
    WORDS = "words"
    BIGRAMS_WORDS = "bigrams+words"


DEFAULT_FEATURES = Features.WORDS
"""Chosen by ``python -m bench.dedup_threshold`` for the best mean held-out F1 over 50 seeded
stratified splits, with boilerplate stripped: words 0.972 ± 0.028, bigrams + words 0.969, bigrams 0.953,
and Jaccard of character 2-shingles (MinHash's target) 0.909. The top two are within noise."""

DUPLICATE_THRESHOLD = 0.4
"""Cosine at or above which two demands count as the same problem (with :data:`DEFAULT_FEATURES`).

Chosen by ``python -m bench.dedup_threshold``: the best F1 on the 0.05 grid over the 121 labelled
pairs of ``data/dedup/pairs.jsonl``, with a tie going to the higher threshold. There it gives
precision 1.000, recall 0.981 (51 of 52) and F1 0.990. The margin is thin. The nearest distinct
pair scores 0.389: one enterprise's heavy-metal test vs its pesticide-residue test, which share
the same buying context. The nearest duplicates score 0.408 and 0.412. With the IDF fitted on
17,675 extra NSFC texts, the best threshold is still 0.40 (F1 0.981)."""

BOILERPLATE_PATH = Path(__file__).resolve().parent.parent / "data" / "dedup" / "boilerplate.txt"

_EPS = 1e-6  # slack for float error and the 6-decimal rounding of reported scores
_CLAUSES = re.compile(r"[^，,。；;！？!?\n]+[，,。；;！？!?\n]?")
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")


@dataclass(frozen=True)
class DemandText:
    """The text of one demand that duplicate detection compares: its title and description."""

    id: str
    title: str
    description: str = ""

    @property
    def text(self) -> str:
        """Title and description, one per line."""
        return demand_text(self.title, self.description)

    @classmethod
    def from_props(cls, demand_id: str, props: Mapping[str, Any]) -> DemandText:
        """From a stored Demand node's properties (``title``, ``description``; missing ones are empty)."""
        return cls(demand_id, str(props.get("title") or ""), str(props.get("description") or ""))


@dataclass(frozen=True)
class DuplicatePair:
    """Two demands that state the same problem, and their similarity.

    ``a`` is the demand that comes first: earlier in the input of :func:`find_duplicates`,
    or the existing one in :func:`duplicates_of`. ``b`` duplicates it.
    """

    a: str
    b: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"a": self.a, "b": self.b, "score": self.score}


@cache
def load_boilerplate_markers(path: Path = BOILERPLATE_PATH) -> tuple[str, ...]:
    """The boilerplate clause markers of ``data/dedup/boilerplate.txt`` (cached per path)."""
    return tuple(read_word_list(path))


def _normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def strip_boilerplate(text: str, *, markers: Iterable[str] | None = None) -> str:
    """``text`` without the clauses that contain a boilerplate marker (company profile, cooperation terms).

    Clauses end at ，。；！？ or a line break. A clause that contains a marker is dropped whole.
    Clauses that only mention the company's product or size are kept.

    >>> strip_boilerplate("某某公司成立于2012年，是一家国家高新技术企业，年产菌剂2万吨。芽孢率低。合作方式：合作开发。")
    '年产菌剂2万吨。芽孢率低。'
    """
    marks = tuple(markers) if markers is not None else load_boilerplate_markers()
    return "".join(c for c in _CLAUSES.findall(text) if not any(m in c for m in marks))


def _bigrams(text: str) -> list[str]:
    """CJK character bigrams of each CJK run (a lone character stays) plus Latin/digit words.

    The same analysis as ``recommend.retrieval.cjk_bigrams``, copied here because ``ingest``
    may not import ``recommend``. ``text`` is already normalised.
    """
    out: list[str] = []
    for run in _RUNS.findall(text):
        if run[0].isascii() or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def demand_features(text: str, *, features: Features | str = DEFAULT_FEATURES, strip: bool = True) -> list[str]:
    """The features of one demand text, in order (bigrams are marked with ``#``).

    >>> demand_features("锂电池隔膜的缺陷检测")
    ['锂电池', '隔膜', '缺陷检测']
    >>> demand_features("锂电池隔膜", features="bigrams+words")
    ['锂电池', '隔膜', '#锂电', '#电池', '#池隔', '#隔膜']
    """
    kind = Features(features)
    clean = _normalize(strip_boilerplate(text) if strip else text)
    out: list[str] = []
    if kind in (Features.WORDS, Features.BIGRAMS_WORDS):
        out.extend(content_words(clean))
    if kind in (Features.BIGRAMS, Features.BIGRAMS_WORDS):
        out.extend("#" + b for b in _bigrams(clean))
    return out


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    return float(threshold)


def _idf(df: np.ndarray | float, n: int) -> np.ndarray | float:
    """Smoothed inverse document frequency: ``ln((1 + n) / (1 + df)) + 1``."""
    return np.log((1 + n) / (1 + np.asarray(df, dtype=float))) + 1


def _weights(counts: Counter[str], vocab: Mapping[str, int], idf: np.ndarray,
             unseen_idf: float) -> tuple[np.ndarray, np.ndarray]:
    """(columns, L2-normalised weights) of one document; unseen features count in the norm only."""
    cols, vals, norm2 = [], [], 0.0
    for feature, count in counts.items():
        col = vocab.get(feature)
        w = (1 + math.log(count)) * (idf[col] if col is not None else unseen_idf)
        norm2 += w * w
        if col is not None:
            cols.append(col)
            vals.append(w)
    norm = math.sqrt(norm2) or 1.0
    return np.asarray(cols, dtype=np.int64), np.asarray(vals, dtype=float) / norm


def _tfidf(docs: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, dict[str, int], np.ndarray]:
    """The L2-normalised TF-IDF matrix of tokenised documents, its vocabulary and IDF vector."""
    counts = [Counter(d) for d in docs]
    vocab: dict[str, int] = {}
    for c in counts:
        for feature in c:
            vocab.setdefault(feature, len(vocab))
    df = np.zeros(len(vocab), dtype=np.int64)
    for c in counts:
        df[[vocab[f] for f in c]] += 1
    idf = _idf(df, len(docs))
    indptr, indices, data = [0], [], []
    for c in counts:
        cols, vals = _weights(c, vocab, idf, 0.0)
        order = np.argsort(cols)
        indices.append(cols[order])
        data.append(vals[order])
        indptr.append(indptr[-1] + len(cols))
    matrix = sparse.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else np.zeros(0, np.int64),
         np.asarray(indptr)), shape=(len(docs), len(vocab)))
    return matrix, vocab, idf


def _score(value: float) -> float:
    """Scores are reported to 6 decimals, so equal texts score exactly 1.0 and order is stable."""
    return round(float(value), 6)


def _row_dots(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[k]] · matrix[cols[k]]`` for every k."""
    if not len(rows):
        return np.zeros(0)
    return np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()


class _Found(NamedTuple):
    """What :func:`_all_pairs` found: row pairs ``i < j`` with their cosines, and how many pairs it scored."""

    i: np.ndarray
    j: np.ndarray
    scores: np.ndarray
    candidates: int


def _all_pairs(matrix: sparse.csr_matrix, threshold: float, *, chunk: int = 512) -> _Found:
    """Every (i, j, cosine) with i < j whose cosine may round to ``threshold`` or more, by prefix filtering.

    Rows must be L2-normalised. See the module docstring for why no pair is missed.
    """
    n, width = matrix.shape
    if n < 2 or matrix.nnz == 0:
        return _Found(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0)
    df = np.bincount(matrix.indices, minlength=width)
    max_weight = np.zeros(width)
    np.maximum.at(max_weight, matrix.indices, matrix.data)
    rank = np.empty(width, dtype=np.int64)
    rank[np.lexsort((np.arange(width), -df))] = np.arange(width)  # 0 = most common feature
    lengths = np.diff(matrix.indptr)
    row_of = np.repeat(np.arange(n), lengths)
    order = np.lexsort((rank[matrix.indices], row_of))  # within each row, most common first
    data, cols = matrix.data[order], matrix.indices[order]
    heads = matrix.indptr[:-1][lengths > 0]

    def _within_rows(values: np.ndarray) -> np.ndarray:
        """Running sums of ``values`` that restart at each row."""
        total = np.cumsum(values)
        offset = np.zeros(n)
        offset[lengths > 0] = total[heads] - values[heads]
        return total - np.repeat(offset, lengths)

    # What a prefix can add to any cosine: at most its norm, and at most sum(x_f * max weight of f).
    squares = _within_rows(data * data)
    bound = np.minimum(np.sqrt(squares), _within_rows(data * max_weight[cols]))
    in_prefix = bound < threshold - _EPS
    keep = ~in_prefix
    prefix_bound = np.zeros(n)
    np.maximum.at(prefix_bound, row_of[in_prefix], bound[in_prefix])
    prefix_norm2 = np.zeros(n)
    np.maximum.at(prefix_norm2, row_of[in_prefix], squares[in_prefix])
    ranks = rank[cols]
    cut = np.full(n, width, dtype=np.int64)  # rank of each row's first indexed feature
    np.minimum.at(cut, row_of[keep], ranks[keep])
    key = row_of * (width + 1) + ranks  # increasing: rows in order, ranks ascending within a row

    def _norm_below(rows: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """The norm of each row's features ranked below ``limit``."""
        pos = np.searchsorted(key, rows * (width + 1) + limit) - 1
        inside = pos >= matrix.indptr[rows]
        return np.sqrt(np.where(inside, squares[np.maximum(pos, 0)], 0.0))

    indexed = sparse.csr_matrix(
        (data[keep], cols[keep], np.concatenate([[0], np.cumsum(np.bincount(row_of[keep], minlength=n))])),
        shape=matrix.shape)
    indexed_t = indexed.T.tocsr()
    found_i, found_j, found_s = [], [], []
    candidates = 0
    for start in range(0, n, chunk):
        block = (indexed[start:start + chunk] @ indexed_t).tocoo()
        i = block.row.astype(np.int64) + start
        j = block.col.astype(np.int64)
        upper = j > i
        i, j, shared = i[upper], j[upper], block.data[upper]
        # The rest of the cosine comes from features ranked below the larger cut, all in that row's
        # prefix: at most its prefix bound, and at most its prefix norm times the other row's norm there.
        big = np.where(cut[i] >= cut[j], i, j)
        small = np.where(cut[i] >= cut[j], j, i)
        rest = np.minimum(prefix_bound[big], np.sqrt(prefix_norm2[big]) * _norm_below(small, cut[big]))
        ok = shared + rest >= threshold - _EPS
        i, j = i[ok], j[ok]
        candidates += len(i)
        scores = _row_dots(matrix, i, j)
        hit = scores >= threshold - _EPS
        found_i.append(i[hit])
        found_j.append(j[hit])
        found_s.append(scores[hit])
    log.debug("all-pairs: %d rows, %d indexed of %d entries, %d candidate pairs scored", n, indexed.nnz,
              matrix.nnz, candidates)
    return _Found(np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_s), candidates)


class DemandIndex:
    """TF-IDF vectors of a fixed collection of demands, for all-pairs search and intake checks.

    The IDF is fitted on the indexed demands. Build the index once and reuse it for many
    :meth:`query` calls, e.g. while importing a file.

    Parameters
    ----------
    demands
        The collection; ids must be unique.
    features
        How texts are cut (default :data:`DEFAULT_FEATURES`, the setting the threshold was chosen for).
    strip
        Ignore boilerplate clauses (:func:`strip_boilerplate`); default True.

    Raises
    ------
    ValueError
        When an id occurs twice (the message names it).
    """

    def __init__(self, demands: Sequence[DemandText], *, features: Features | str = DEFAULT_FEATURES,
                 strip: bool = True) -> None:
        seen: set[str] = set()
        for d in demands:
            if d.id in seen:
                raise ValueError(f"demand id {d.id!r} occurs more than once")
            seen.add(d.id)
        self.features = Features(features)
        self.strip = strip
        self.ids: tuple[str, ...] = tuple(d.id for d in demands)
        self._position = {i: k for k, i in enumerate(self.ids)}
        tokens = [demand_features(d.text, features=self.features, strip=strip) for d in demands]
        self.matrix, self._vocab, self._idf = _tfidf(tokens)
        self._terms = sorted(self._vocab, key=self._vocab.__getitem__)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, demand_id: object) -> bool:
        return demand_id in self._position

    def _row(self, demand_id: str) -> int:
        try:
            return self._position[demand_id]
        except KeyError as err:
            raise KeyError(f"demand {demand_id!r} is not in the index") from err

    def vector(self, demand: DemandText) -> sparse.csr_matrix:
        """The normalised 1 × V vector of a demand outside the index, weighted with the index's IDF.

        A feature the index never saw gets the IDF of a feature in no document. It counts in the norm but matches nothing.
        """
        counts = Counter(demand_features(demand.text, features=self.features, strip=self.strip))
        cols, vals = _weights(counts, self._vocab, self._idf, float(_idf(0, len(self))))
        return sparse.csr_matrix((vals, (np.zeros(len(cols), np.int64), cols)), shape=(1, len(self._vocab)))

    def similarity(self, a: str, b: str) -> float:
        """The cosine similarity of two indexed demands, by id (6 decimals)."""
        i, j = self._row(a), self._row(b)
        return _score(_row_dots(self.matrix, np.array([i]), np.array([j]))[0])

    def shared_terms(self, a: str, b: str, *, k: int = 8) -> list[tuple[str, float]]:
        """The ``k`` features that contribute most to the similarity of two indexed demands, largest first."""
        va, vb = self.matrix[self._row(a)], self.matrix[self._row(b)]
        both = va.multiply(vb).tocoo()
        top = sorted(zip(both.col.tolist(), both.data.tolist(), strict=True), key=lambda cw: (-cw[1], cw[0]))[:k]
        return [(self._terms[c], round(w, 4)) for c, w in top]

    def pairs(self, *, threshold: float = DUPLICATE_THRESHOLD) -> list[DuplicatePair]:
        """Every pair of indexed demands scoring at least ``threshold``.

        Sorted by score (highest first), then by the index order of ``a`` and then ``b``.
        ``a`` comes before ``b`` in the index.
        """
        t = _check_threshold(threshold)
        i, j, s, _ = _all_pairs(self.matrix, t)
        rows = sorted((-_score(x), int(p), int(q)) for p, q, x in zip(i, j, s, strict=True) if _score(x) >= t)
        log.info("%d near-duplicate pairs among %d demands at threshold %.2f", len(rows), len(self), t)
        return [DuplicatePair(self.ids[p], self.ids[q], -neg) for neg, p, q in rows]

    def query(self, demand: DemandText, *, threshold: float = DUPLICATE_THRESHOLD) -> list[DuplicatePair]:
        """The indexed demands that ``demand`` duplicates, as ``DuplicatePair(existing, demand.id, score)``.

        Sorted by score (highest first), then index order. If ``demand``'s id is already indexed, that demand is skipped.
        """
        t = _check_threshold(threshold)
        if not len(self):
            return []
        scores = np.asarray((self.matrix @ self.vector(demand).T).todense()).ravel()
        hits = [(-_score(s), k) for k, s in enumerate(scores)
                if _score(s) >= t and self.ids[k] != demand.id]
        return [DuplicatePair(self.ids[k], demand.id, -neg) for neg, k in sorted(hits)]


def demand_similarity(a: DemandText, b: DemandText, *, corpus: Sequence[DemandText] = (),
                      features: Features | str = DEFAULT_FEATURES) -> float:
    """How alike two demands are, from 0 (nothing shared) to 1 (the same text, boilerplate aside).

    Cosine of sublinear TF-IDF vectors over the content words of title + description
    (by default), with boilerplate clauses ignored (see the module docstring).

    Parameters
    ----------
    a, b
        The two demands.
    corpus
        Demands to fit the IDF on, together with ``a`` and ``b``. An entry with the id of
        ``a`` or ``b`` is skipped, so each counts once. Pass the demands you
        compare against: :data:`DUPLICATE_THRESHOLD` was chosen with IDF fitted on about 160
        demands. With no corpus, the IDF comes from the two texts alone, so shared words
        weigh less than unshared ones. Scores then run lower, which is the cautious direction.
    features
        How texts are cut; :data:`DEFAULT_FEATURES` unless you are comparing methods.

    Returns
    -------
    float
        The cosine in [0, 1], rounded to 6 decimals. Two identical texts give exactly 1.0.

    Examples
    --------
    >>> a = DemandText("d1", "提高谷氨酸发酵产酸率", "我公司谷氨酸发酵产酸偏低，希望与高校院所专家合作优化补料工艺。")
    >>> demand_similarity(a, a)
    1.0
    >>> b = DemandText("d2", "谷氨酸发酵水平偏低", "谷氨酸发酵产酸率偏低，拟与专家合作，优化补料工艺，提高产酸。")
    >>> c = DemandText("d3", "发酵尾气除臭", "我公司发酵车间尾气异味大，希望与高校院所专家合作开发除臭工艺。")
    >>> demand_similarity(a, b) > DUPLICATE_THRESHOLD > demand_similarity(a, c)
    True
    >>> demand_similarity(a, DemandText("d4", "", ""))
    0.0

    References
    ----------
    .. [1] Manning, Raghavan & Schütze, *Introduction to Information Retrieval*, ch. 6 (tf-idf, cosine).
    .. [2] Bayardo, Ma & Srikant, "Scaling up all pairs similarity search", WWW 2007 (prefix filtering).
    """
    others = [d for d in corpus if d.id not in (a.id, b.id)]
    docs = [demand_features(d.text, features=features) for d in (*others, a, b)]
    matrix, _, _ = _tfidf(docs)
    n = matrix.shape[0]
    return _score(_row_dots(matrix, np.array([n - 2]), np.array([n - 1]))[0])


def find_duplicates(demands: Sequence[DemandText], *, threshold: float = DUPLICATE_THRESHOLD,
                    features: Features | str = DEFAULT_FEATURES) -> list[DuplicatePair]:
    """Every pair of ``demands`` that states the same problem (cosine ≥ ``threshold``).

    The IDF is fitted on ``demands``. The search is exact and sub-quadratic in practice
    (:meth:`DemandIndex.pairs`). Pairs are sorted by score (highest first), then by input
    position. ``a`` is the demand that comes first in ``demands``, so pass demands oldest
    first to make ``b`` the later copy.

    Raises
    ------
    ValueError
        For a threshold outside (0, 1] or an id that occurs twice.
    """
    _check_threshold(threshold)
    return DemandIndex(demands, features=features).pairs(threshold=threshold)


def duplicates_of(new: DemandText, existing: Sequence[DemandText] | DemandIndex, *,
                  threshold: float = DUPLICATE_THRESHOLD) -> list[DuplicatePair]:
    """The existing demands that ``new`` duplicates, best first, as ``DuplicatePair(existing_id, new.id, score)``.

    ``existing`` may be a ready :class:`DemandIndex` (build it once per import). If a
    sequence is given, an index is built from it on every call. The IDF comes from the
    existing demands, so a score can differ slightly from the same pair's score in
    :func:`find_duplicates` over all the demands (at most 0.024 on the labelled set).
    """
    _check_threshold(threshold)
    index = existing if isinstance(existing, DemandIndex) else DemandIndex(existing)
    return index.query(new, threshold=threshold)
