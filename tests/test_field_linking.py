"""Field linking: naive Bayes on a tiny hand-made training set, lexical name matching, and real data."""

from __future__ import annotations

import math

import pytest

from ingest.field_linking import (
    FieldLink,
    build_lexical_index,
    coverage,
    get_linker,
    lexical_features,
    lexical_features_of_name,
    link_fields,
    link_industries,
    rank_codes,
    rank_lexical,
    train_code_model,
)
from ingest.keywords import Background

TRAIN = [
    (["病毒", "复制", "宿主"], "C0107"),
    (["病毒", "感染"], "C0107"),
    (["细菌", "耐药"], "C0108"),
    (["细菌", "毒力", "宿主"], "C0108"),
    (["水稻", "开花"], "C0207"),
]


def test_naive_bayes_by_hand():
    model = train_code_model(TRAIN, alpha=1.0)
    # |V| = 9; term totals: C0107 5, C0108 5, C0207 2; priors 2/5, 2/5, 1/5.
    terms = ["细菌", "宿主"]
    expected = {
        "C0107": math.log(2 / 5) + math.log((0 + 1) / (5 + 9)) + math.log((1 + 1) / (5 + 9)),
        "C0108": math.log(2 / 5) + math.log((2 + 1) / (5 + 9)) + math.log((1 + 1) / (5 + 9)),
        "C0207": math.log(1 / 5) + math.log((0 + 1) / (2 + 9)) + math.log((0 + 1) / (2 + 9)),
    }
    z = sum(math.exp(s / 2) for s in expected.values())  # tempered by the 2 known terms
    ranked = rank_codes(model, terms, top_k=None)
    assert [c for c, _ in ranked] == ["C0108", "C0107", "C0207"]
    for code, weight in ranked:
        assert weight == pytest.approx(math.exp(expected[code] / 2) / z)
    assert sum(w for _, w in ranked) == pytest.approx(1.0)


def test_unknown_terms_leave_the_prior():
    model = train_code_model(TRAIN)
    assert [c for c, _ in rank_codes(model, ["机器视觉"], top_k=None)] == ["C0107", "C0108", "C0207"]
    uniform = rank_codes(model, [], top_k=None, prior=False)
    assert {round(w, 9) for _, w in uniform} == {round(1 / 3, 9)}


def test_a_term_counts_once_per_text():
    once = train_code_model([(["病毒"], "A"), (["细菌"], "B")])
    twice = train_code_model([(["病毒", "病毒"], "A"), (["细菌"], "B")])
    assert once == twice


@pytest.mark.parametrize(("examples", "alpha"), [([], 0.1), (TRAIN, 0.0)])
def test_bad_training_input_is_named(examples, alpha):
    with pytest.raises(ValueError):
        train_code_model(examples, alpha=alpha)


def test_coverage_is_idf_weighted():
    bg = Background(n_docs=99, df={"病毒": 99})  # idf(病毒) = 1, idf(unseen) = ln(100) + 1
    known = {"病毒": {"C0107": 2}}
    assert coverage(["病毒", "芯片"], known, bg) == pytest.approx(1 / (1 + math.log(100) + 1))
    assert coverage([], known, bg) == 0.0


NAMES = [("C01", "微生物学", None), ("C0107", "病毒学", "C01"), ("C02", "植物学", None), ("X", "电动机制造", None)]


def test_lexical_match_prefers_the_named_entry():
    index = build_lexical_index("t", NAMES, lexical_features_of_name)
    ranked = rank_lexical(index, lexical_features(["病毒学", "方法"]))
    assert ranked[0][0] == "C0107"
    assert all(0 < s <= 1 for _, s in ranked)


def test_one_shared_bigram_is_not_a_match():
    index = build_lexical_index("t", NAMES, lexical_features_of_name)
    assert rank_lexical(index, lexical_features(["耐药机制"])) == []
    assert [c for c, _ in rank_lexical(index, lexical_features(["耐药机制"]), require_term=False)] == ["X"]


def test_microbiology_text_links_to_a_c01_code():
    links = link_fields("嗜肺军团菌在水系和土壤中的遗传多样性与群体遗传学研究", schemes=["nsfc2020"])
    assert links and links[0].field_id.startswith("nsfc2020:C01")
    assert links[0].method == "naive_bayes" and links[0].name


def test_links_are_sorted_and_ids_name_their_scheme():
    links = link_fields("新型禽流感疫苗佐剂的研发与免疫效果评价")
    assert links == sorted(links, key=lambda link: (-link.weight, link.field_id))
    assert {link.scheme for link in links} == {"nsfc2020", "nsfc"}  # ht2016 has no vaccine field
    assert "ht2016:50101" not in {link.field_id for link in links}  # 研发服务 shares only the word 研发
    assert all(isinstance(link, FieldLink) and link.field_id == f"{link.scheme}:{link.code}" for link in links)
    assert "nsfc:C080902" in {link.field_id for link in links}  # 疫苗佐剂, pre-2020 scheme


def test_one_short_shared_word_is_not_a_topic():
    ids = {link.field_id for link in link_fields("益生菌发酵工艺优化 菌种选育 发酵工艺", schemes=["nsfc"])}
    assert "nsfc:F040601" not in ids  # 集成电路制造中的工艺技术 shares only 工艺


def test_off_topic_text_gets_small_life_science_weights():
    text = "锂离子电池正极材料表面缺陷的机器视觉检测"
    life = link_fields(text, schemes=["nsfc2020"])
    assert all(link.weight < 0.05 for link in life)
    assert "nsfc:F030410" in {link.field_id for link in link_fields(text, schemes=["nsfc"], top_k=3)}  # 机器视觉


def test_industry_is_proposed_from_names():
    assert link_industries("锂离子电池正极材料表面缺陷检测")[0].industry_id == "gbt4754:3841"


def test_unknown_scheme_is_named():
    with pytest.raises(ValueError, match="'ipc'"):
        get_linker().link("病毒", schemes=["ipc"])
