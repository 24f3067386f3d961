"""BM25 over expert profiles: the baseline to beat (bm25s defaults unless told otherwise).

A profile is the expert's keywords and all project titles (before ``ref_year`` when given),
analysed by ``tokenize`` (the segmenter kgmatch uses, or an analyzer with CJK bigrams);
ranking is the library's own ``retrieve`` (top k). :mod:`recommend.baselines.bm25_tuned`
picks ``k1``, ``b`` and the analyzer on the training part of an evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bm25s

from recommend.profiles import ExpertProfile

__all__ = ["BM25Baseline", "profile_document"]


def profile_document(profile: ExpertProfile, ref_year: int | None = None) -> str:
    """Keywords and every project title (started before ``ref_year`` when given), one per line."""
    titles = [x.title for x in profile.projects
              if ref_year is None or x.start_year is None or x.start_year < ref_year]
    return "\n".join([" ".join(profile.keywords), *titles])


class BM25Baseline:
    """Okapi BM25 (bm25s, default k1=1.5, b=0.75, Lucene IDF) over one document per expert."""

    def __init__(self, profiles: Sequence[ExpertProfile], *, tokenize: Callable[[str], list[str]],
                 k1: float = 1.5, b: float = 0.75, ref_year: int | None = None,
                 documents: Sequence[list[str]] | None = None):
        """``documents`` (one token list per profile, in order) skips tokenising when given."""
        self._tokenize = tokenize
        docs, ids = [], []
        for n, p in enumerate(profiles):
            tokens = documents[n] if documents is not None else tokenize(profile_document(p, ref_year))
            if tokens:
                ids.append(p.id)
                docs.append(tokens)
        self.ids = ids
        self._index = bm25s.BM25(k1=k1, b=b)
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
