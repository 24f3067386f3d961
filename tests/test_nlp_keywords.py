"""Keyword extraction: boosted TF-IDF over a background corpus, checked by hand on tiny cases."""

from __future__ import annotations

import math

import pytest

from ingest.keywords import Background, Keyword, default_background, extract_keywords, rank_keywords
from ingest.nlp import Segmenter

# 100 background documents: 电池 and 检测 are common, 正极材料 rare, 锂离子电池 in two of them.
BG = Background(n_docs=99, df={"电池": 40, "检测": 30, "锂离子电池": 2, "正极材料": 1})


def idf(df: int) -> float:
    return math.log(100 / (df + 1)) + 1


def test_scores_are_tf_times_idf():
    ranked = rank_keywords(["检测", "正极材料", "检测"], BG)
    assert ranked == [
        Keyword("正极材料", round(idf(1), 6), False),
        Keyword("检测", round(2 * idf(30), 6), False),
    ]


def test_domain_terms_are_boosted():
    terms = ["检测", "检测", "检测", "检测", "电池", "电池", "电池"]
    plain = rank_keywords(terms, BG, top_k=1)
    boosted = rank_keywords(terms, BG, domain_terms=frozenset({"电池"}), top_k=1, domain_boost=2.0)
    assert plain[0].term == "检测" and boosted[0].term == "电池"
    assert boosted[0].domain_term is True


def test_a_term_inside_a_better_keyword_is_left_out():
    ranked = rank_keywords(["锂离子电池", "电池", "电池"], BG, top_k=5)
    assert [k.term for k in ranked] == ["锂离子电池"]


def test_ties_break_by_first_occurrence():
    bg = Background(n_docs=9, df={})
    assert [k.term for k in rank_keywords(["乙", "甲", "丙"], bg)] == ["乙", "甲", "丙"]


def test_no_terms_no_keywords():
    assert rank_keywords([], BG) == []


@pytest.mark.parametrize("kwargs", [{"top_k": 0}, {"domain_boost": 0.0}])
def test_bad_options_are_named(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        rank_keywords(["电池"], BG, **kwargs)


@pytest.mark.parametrize("segmenter", [s.value for s in Segmenter])
def test_demand_keywords_on_real_background(segmenter):
    text = ("我公司生产锂离子电池正极材料，产品表面存在划痕等缺陷，人工目检漏检率高，"
            "希望引入机器视觉技术实现缺陷检测自动化。")
    keywords = extract_keywords(text, segmenter=segmenter, top_k=5)
    assert {"锂离子电池", "正极材料", "机器视觉", "缺陷检测"} <= {k.term for k in keywords}
    assert all(k.domain_term for k in keywords[:4])
    assert [k.score for k in keywords] == sorted((k.score for k in keywords), reverse=True)


def test_shipped_background_is_large():
    assert default_background().n_docs > 20_000
