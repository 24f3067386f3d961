"""recommend/metrics.py on tiny rankings checked by hand."""

from __future__ import annotations

import math

import pytest

from recommend.metrics import hit_at_k, mean, ndcg_at_k, precision_at_k, recall_at_k, reciprocal_rank

RANKED = ["e1", "e2", "e3", "e4", "e5"]


@pytest.mark.parametrize(("relevant", "rr"), [({"e1"}, 1.0), ({"e3"}, 1 / 3), ({"e3", "e2"}, 0.5), ({"x"}, 0.0),
                                              (set(), 0.0)])
def test_reciprocal_rank(relevant, rr):
    assert reciprocal_rank(RANKED, relevant) == pytest.approx(rr)


@pytest.mark.parametrize(("k", "hit"), [(1, 0.0), (3, 0.0), (4, 1.0), (10, 1.0)])
def test_hit_at_k(k, hit):
    assert hit_at_k(RANKED, {"e4"}, k) == hit


def test_precision_and_recall():
    assert precision_at_k(RANKED, {"e1", "e4", "x"}, 4) == 0.5
    assert recall_at_k(RANKED, {"e1", "e4", "x"}, 4) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, set(), 4) == 0.0


def test_ndcg_by_hand():
    # relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RANKED, {"e2", "e4"}, 10) == pytest.approx(expected)
    assert ndcg_at_k(RANKED, {"e2", "e4"}, 1) == 0.0
    assert ndcg_at_k([], {"e1"}, 5) == 0.0


def test_bad_k_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        hit_at_k(RANKED, {"e1"}, 0)


def test_mean():
    assert mean([]) == 0.0 and mean([1, 0]) == 0.5
