"""Text relevance of a demand to expert profiles: BM25 over token lists (bm25s's numbers, from the query's postings).

Pure over plain data: the caller tokenizes (``ingest.nlp`` does it for the CLI and the
API), so ``recommend`` needs no NLP of its own. A profile is the expert's keywords and
the titles of their projects; the most recent project is counted twice, because what
someone works on now predicts what they can solve next.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from recommend.config import DEFAULTS
from recommend.scoring import CandidateFacts

__all__ = ["Tokenize", "profile_text", "text_scores", "bm25_idf", "bm25_ceiling"]

Tokenize = Callable[[str], list[str]]


def profile_text(facts: CandidateFacts) -> str:
    """The text an expert is matched on: keywords and research sentences, project titles, the latest title again
    (the text :mod:`recommend.retrieval` indexes for the same expert)."""
    titles = [p.title for p in sorted(facts.projects, key=lambda p: (p.start_year or 0, p.id))]
    latest = titles[-1:] if titles else []
    return "\n".join([" ".join([*facts.keywords, *facts.research]), *titles, *latest])


def text_scores(query_tokens: Sequence[str], docs: Mapping[str, Sequence[str]], *,
                k1: float = DEFAULTS["text_bm25_k1"], b: float = DEFAULTS["text_bm25_b"],
                floor: float = 0.0) -> dict[str, float]:
    """BM25 of the query against each document, divided by the best, so the top is 1.

    With ``floor`` > 0 (setting ``text_floor_coverage``) it is divided by at least ``floor`` × the
    score of a document of average length holding every matchable query word once (:func:`bm25_ceiling`):
    when even the best covers only a small share of the query, nobody scores 1.

    ``k1`` and ``b`` are the settings ``text_bm25_k1`` and ``text_bm25_b`` (this reranking of the
    candidates, not the whole-graph index of :mod:`recommend.retrieval`, which has its own).

    Documents with no query term score 0; an empty query or corpus gives all zeros.

    >>> text_scores(["电池"], {"a": ["锂", "电池"], "b": ["机器", "视觉"]})
    {'a': 1.0, 'b': 0.0}
    """
    ids = list(docs)
    if not ids:
        return {}
    wanted = set(query_tokens)
    postings: dict[str, tuple[list[int], list[int]]] = {t: ([], []) for t in wanted}  # term -> (docs, counts)
    for pos, i in enumerate(ids):
        hits = [w for w in docs[i] if w in wanted]
        for t, c in (Counter(hits).items() if hits else ()):
            postings[t][0].append(pos)
            postings[t][1].append(c)
    query_tokens = [t for t in query_tokens if postings[t][0]]
    if not query_tokens:  # no query term in any document
        return {i: 0.0 for i in ids}
    raw = _bm25(query_tokens, postings, [len(docs[i]) or 1 for i in ids], k1, b)
    top = float(raw.max())
    if floor > 0:
        idf = {t: bm25_idf(len(ids), len(postings[t][0])) for t in set(query_tokens)}
        top = max(top, floor * bm25_ceiling([idf[t] for t in query_tokens], k1))
    return {i: (float(s) / top if top > 0 else 0.0) for i, s in zip(ids, raw, strict=True)}


def bm25_idf(n: int, df: int) -> float:
    """Lucene's BM25 idf of a word in ``df`` of ``n`` documents (bm25s's ``idf_method="lucene"``)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def bm25_ceiling(idfs: Sequence[float], k1: float) -> float:
    """The BM25 of a document of average length that holds each query word (their ``idfs``) once.

    >>> round(bm25_ceiling([2.0, 1.0], 1.2), 4)
    1.3636
    """
    return sum(idfs) / (1.0 + k1)


def _bm25(query: Sequence[str], postings: Mapping[str, tuple[list[int], list[int]]], lengths: list[int],
          k1: float, b: float) -> np.ndarray:
    """bm25s's ``BM25(k1, b).index(docs).get_scores(query)`` (method and idf "lucene", float32) from the query
    terms' postings alone, bit for bit: the same float64 term weights stored as float32, the same float32
    sums in query order (issue 15 item 3: bm25s builds a whole index over the candidates' every word per
    request; an empty document counts as one word, as the ``[""]`` it was given before)."""
    n = len(lengths)
    length = np.asarray(lengths)
    avgdl = length.mean()
    weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for t in dict.fromkeys(query):
        rows, counts = postings[t]
        rows_a = np.asarray(rows)
        tf = np.asarray(counts, dtype=np.float32)
        idf = np.float32(bm25_idf(n, len(rows)))
        tfc = tf / (k1 * ((1 - b) + b * length[rows_a] / avgdl) + tf)
        weights[t] = (rows_a, (idf * tfc).astype(np.float32))
    raw = np.zeros(n, dtype=np.float32)
    for t in query:  # a repeated query term counts again
        rows_a, w = weights[t]
        raw[rows_a] += w
    return raw
