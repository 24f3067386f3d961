"""Offline ranking metrics, one function each, with the formula and which direction is better.

Every function takes ``ranked`` (the system's ranking, best first, of item ids) and
``relevant`` (the set of relevant ids) for ONE query; average over queries with
:func:`mean`. All are in [0, 1] and higher is better.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence

import numpy as np

__all__ = ["reciprocal_rank", "hit_at_k", "precision_at_k", "recall_at_k", "ndcg_at_k", "mean", "wilson_interval",
           "bootstrap_interval", "paired_ratio_interval"]


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str]) -> float:
    """RR = 1 / rank of the first relevant item (0 when none is ranked). Higher is better.

    >>> reciprocal_rank(["a", "b", "c"], {"b"})
    0.5
    >>> reciprocal_rank(["a"], {"z"})
    0.0
    """
    for rank, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def hit_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Hit@k = 1 if any relevant item is in the top k, else 0. Higher is better.

    >>> hit_at_k(["a", "b", "c"], {"c"}, 2), hit_at_k(["a", "b", "c"], {"c"}, 3)
    (0.0, 1.0)
    """
    _check_k(k)
    return 1.0 if any(item in relevant for item in ranked[:k]) else 0.0


def precision_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """P@k = |top k ∩ relevant| / k. Higher is better.

    >>> precision_at_k(["a", "b", "c", "d"], {"a", "c"}, 4)
    0.5
    """
    _check_k(k)
    return sum(1 for item in ranked[:k] if item in relevant) / k


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """R@k = |top k ∩ relevant| / |relevant| (0 when nothing is relevant). Higher is better.

    >>> recall_at_k(["a", "b", "c"], {"a", "z"}, 2)
    0.5
    """
    _check_k(k)
    if not relevant:
        return 0.0
    return sum(1 for item in ranked[:k] if item in relevant) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """nDCG@k with binary gains: DCG = Σ_{i≤k, item_i relevant} 1/log2(i+1), divided by the
    DCG of an ideal ranking (all relevant items first). Higher is better.

    >>> ndcg_at_k(["a", "b"], {"a"}, 10)
    1.0
    >>> round(ndcg_at_k(["x", "a"], {"a"}, 10), 4)
    0.6309
    """
    _check_k(k)
    dcg = sum(1.0 / math.log2(i + 1) for i, item in enumerate(ranked[:k], start=1) if item in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def mean(values: Iterable[float]) -> float:
    """The arithmetic mean (0 for no values), for averaging a metric over queries.

    >>> mean([1.0, 0.5, 0.0])
    0.5
    """
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def wilson_interval(successes: int, n: int, *, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n`` (95 % for ``z`` = 1.96), for
    reporting measured rates on small samples; ``(0, 1)`` when ``n`` is 0.

    centre = (p + z²/2n) / (1 + z²/n), half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).

    >>> [round(x, 3) for x in wilson_interval(9, 10)]
    [0.596, 0.982]
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_interval(values: Sequence[float], *, resamples: int = 1000, seed: int = 0,
                       level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of per-query ``values`` (e.g. reciprocal ranks),
    resampling queries with replacement (seeded, so the same values give the same interval).

    >>> bootstrap_interval([1.0, 1.0, 1.0])
    (1.0, 1.0)
    >>> bootstrap_interval([])
    (0.0, 0.0)
    """
    if not len(values):
        return 0.0, 0.0
    v = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(resamples, len(v)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def paired_ratio_interval(values: Sequence[float], baseline: Sequence[float], *, resamples: int = 1000,
                          seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Paired bootstrap interval of ``mean(values) / mean(baseline)`` over the same queries
    (higher is better for the first system when the metric is higher-is-better).

    >>> paired_ratio_interval([1.0, 0.5], [0.5, 0.25])
    (2.0, 2.0)
    """
    if not len(values) or len(values) != len(baseline):
        return 0.0, 0.0
    a, b = np.asarray(values, dtype=float), np.asarray(baseline, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(resamples, len(a)))
    num, den = a[idx].mean(axis=1), b[idx].mean(axis=1)
    ratios = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    lo, hi = np.quantile(ratios, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)
