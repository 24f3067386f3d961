"""BM25 over expert profiles, with the bm25s library's defaults: the baseline to beat.

A profile is the expert's keywords and all project titles, tokenized by the same
segmenter kgmatch uses; ranking is the library's own ``retrieve`` (top k).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bm25s

from recommend.profiles import ExpertProfile

__all__ = ["BM25Baseline"]


class BM25Baseline:
    """Okapi BM25 (bm25s, k1=1.5, b=0.75, Lucene IDF) over one document per expert."""

    def __init__(self, profiles: Sequence[ExpertProfile], *, tokenize: Callable[[str], list[str]]):
        self._tokenize = tokenize
        docs, ids = [], []
        for p in profiles:
            tokens = tokenize("\n".join([" ".join(p.keywords), *(x.title for x in p.projects)]))
            if tokens:
                ids.append(p.id)
                docs.append(tokens)
        self.ids = ids
        self._index = bm25s.BM25()
        self._vocab = frozenset(t for doc in docs for t in doc)
        if docs:
            self._index.index(docs, show_progress=False)

    def search(self, text: str, *, k: int = 100) -> list[tuple[str, float]]:
        """The ``k`` best experts as (id, score), best first."""
        tokens = [t for t in self._tokenize(text) if t in self._vocab]
        if not self.ids or not tokens:  # no known word: an empty ranking (bm25s fails on an empty query)
            return []
        k = min(k, len(self.ids))
        docs, scores = self._index.retrieve([tokens], k=k, show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
