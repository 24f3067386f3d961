"""BM25 tuned on the training part of an evaluation: grid over ``k1``, ``b`` and the analyzer.

An untuned BM25 (bm25s defaults, whole words only) flatters any system compared with it. Here
the training part is the evaluation graph's own recent history: projects started in the last
``window`` years before ``ref_year`` are pseudo-queries (their PI relevant) against profiles as of
``ref_year - window``; the grid point with the best MRR there is then indexed as of ``ref_year``.
The queries of the evaluation are never seen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from recommend import metrics
from recommend.baselines.bm25 import BM25Baseline, profile_document
from recommend.profiles import ExpertProfile
from recommend.retrieval import analyzer, cjk_bigrams

__all__ = ["K1_GRID", "B_GRID", "ANALYZERS", "BM25Choice", "analyzers", "tune_bm25", "tuned_bm25"]

Tokenize = Callable[[str], list[str]]
K1_GRID = (0.5, 0.9, 1.2, 1.5, 2.0)
B_GRID = (0.0, 0.2, 0.4, 0.6, 0.75, 0.9)
ANALYZERS = ("words", "bigrams", "words+bigrams")


@dataclass(frozen=True)
class BM25Choice:
    """The chosen grid point and the training MRR of every point."""

    k1: float
    b: float
    analyzer: str
    train_mrr: float
    grid: dict[tuple[float, float, str], float]
    train_queries: int


def analyzers(tokenize: Tokenize) -> dict[str, Tokenize]:
    """The analyzers in the grid: segmenter words, CJK character bigrams, both (``#``-marked bigrams)."""
    return {"words": tokenize, "bigrams": cjk_bigrams, "words+bigrams": analyzer(tokenize)}


def tune_bm25(profiles: Sequence[ExpertProfile], *, tokenize: Tokenize, ref_year: int, window: int = 2,
              max_queries: int = 600, seed: int = 0, k1_grid: Sequence[float] = K1_GRID,
              b_grid: Sequence[float] = B_GRID, analyzer_names: Sequence[str] = ANALYZERS) -> BM25Choice:
    """Pick (k1, b, analyzer) by MRR on pseudo-queries from the last ``window`` years before ``ref_year``."""
    cut = ref_year - window
    known = {p.id for p in profiles if any(x.start_year is not None and x.start_year < cut for x in p.projects)}
    queries = sorted({(x.title, p.id) for p in profiles if p.id in known for x in p.projects
                      if x.role == "lead" and x.start_year is not None and cut <= x.start_year < ref_year})
    if len(queries) > max_queries:
        rng = np.random.default_rng(seed)
        queries = [queries[i] for i in sorted(rng.choice(len(queries), max_queries, replace=False))]
    texts = [profile_document(p, cut) for p in profiles]
    grid: dict[tuple[float, float, str], float] = {}
    for name in analyzer_names:
        analyze = analyzers(tokenize)[name]
        docs = [analyze(t) for t in texts]
        query_tokens = [analyze(title) for title, _ in queries]
        for k1, b in itertools.product(k1_grid, b_grid):
            index = BM25Baseline(profiles, tokenize=analyze, k1=k1, b=b, documents=docs)
            position = {e: i for i, e in enumerate(index.ids)}
            rr = []
            for (_, gold), tokens in zip(queries, query_tokens, strict=True):
                tokens = [t for t in tokens if t in index._vocab]
                g = position.get(gold)
                if not tokens or g is None:
                    rr.append(0.0)
                    continue
                s = index._index.get_scores(tokens)
                rr.append(0.0 if s[g] <= 0 else 1.0 / (1 + int((s > s[g]).sum())))
            grid[(k1, b, name)] = metrics.mean(rr)
    best = max(grid, key=lambda key: (grid[key], -key[0], -key[1], key[2]))
    return BM25Choice(best[0], best[1], best[2], grid[best], grid, len(queries))


def tuned_bm25(profiles: Sequence[ExpertProfile], *, tokenize: Tokenize, ref_year: int,
               **options) -> tuple[BM25Baseline, BM25Choice]:
    """:func:`tune_bm25`, then that BM25 over every profile as of ``ref_year``."""
    choice = tune_bm25(profiles, tokenize=tokenize, ref_year=ref_year, **options)
    return BM25Baseline(profiles, tokenize=analyzers(tokenize)[choice.analyzer], k1=choice.k1, b=choice.b,
                        ref_year=ref_year), choice
