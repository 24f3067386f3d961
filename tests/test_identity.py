"""One person, one node: institution canonicalisation, the merge rule, and its score on the labelled sample."""

from __future__ import annotations

import csv

import pytest

from bench.identity_eval import loader_decision, score_pairs, wilson
from ingest.identity import (
    COMMON_NAMES_FILE,
    RARE_NAME_INSTITUTIONS,
    PersonIndex,
    PersonRecord,
    author_record,
    canonical_institution,
    name_institutions,
    same_person,
)
from ingest.identity_sample import (
    HOLDOUT_PATH,
    SAMPLE_PATH,
    draw_pairs,
    draw_paper_pairs,
    read_paper_records,
    read_records,
)


@pytest.mark.parametrize(("raw", "canonical"), [
    ("复旦大学附属中山医院", "复旦大学"),
    ("中科院物理所", "中国科学院物理研究所"),
    ("中国科学院力学所", "中国科学院力学研究所"),
    ("华中理工大学", "华中科技大学"),
    ("中国石油大学(华东)", "中国石油大学（华东）"),
    ("北京航空航天大学管理学院", "北京航空航天大学"),
    ("中国科学院微生物研究所", "中国科学院微生物研究所"),
    ("", None),
])
def test_canonical_institution(raw, canonical):
    assert canonical_institution(raw) == canonical


def _rec(ref, name, inst, areas="", keywords=()):
    return PersonRecord(ref, "test", name, inst, frozenset(areas), frozenset(keywords))


@pytest.mark.parametrize(("a", "b", "same", "reason"), [
    (_rec("1", "王伟", "浙江大学", "C"), _rec("2", "王伟", "浙江大学医学院附属第一医院", "CH"), True, "同名同单位且学科相同"),
    (_rec("1", "王伟", "浙江大学", "C"), _rec("2", "王伟", "浙江大学", "G"), False, "同名同单位但学科不同"),
    (_rec("1", "王伟", "浙江大学", "C"), _rec("2", "王伟", "复旦大学", "C"), False, "工作单位不同"),
    (_rec("1", "王伟", None, "C"), _rec("2", "王伟", None, "C"), False, "缺少工作单位，不凭姓名合并"),
    (_rec("1", "王伟", "浙江大学", "", ("锂电池",)), _rec("2", "王伟", "浙江大学", "", ("锂电池", "正极")), True,
     "同名同单位且关键词重合"),
    (_rec("1", "王伟", "浙江大学", "", ("锂电池",)), _rec("2", "王伟", "浙江大学", "", ("水稻",)), False,
     "同名同单位但关键词无重合"),
    (_rec("1", "王伟", "浙江大学"), _rec("2", "王伟", "浙江大学", "C"), True, "同名同单位，无相互矛盾的证据"),
    (_rec("1", "王伟", "浙江大学", "C"), _rec("2", "王玮", "浙江大学", "C"), False, "姓名不同"),
])
def test_same_person_rule(a, b, same, reason):
    verdict = same_person(a, b)
    assert (verdict.same, verdict.reason) == (same, reason)
    assert same_person(b, a) == verdict


def test_index_merges_splits_and_finds_the_split_again():
    index = PersonIndex()
    first = _rec("n1", "李丹", "清华大学", "F")
    assert index.resolve(first).expert_id == "expert:李丹@清华大学"
    index.add("expert:李丹@清华大学", first)
    chemist = _rec("a1", "李丹", "清华大学", "B")
    split = index.resolve(chemist)
    assert (split.expert_id, split.merged) == ("expert:李丹@清华大学~B", False)
    index.add(split.expert_id, chemist)
    again = index.resolve(_rec("a2", "李丹", "清华大学", "B"))
    assert (again.expert_id, again.merged) == ("expert:李丹@清华大学~B", True)
    assert index.split_id(_rec("g1", "李丹", "清华大学", "G")) == "expert:李丹@清华大学~G"
    assert index.split_id(_rec("f2", "李丹", "清华大学", "F")) == "expert:李丹@清华大学"


def test_paper_authors_plug_in_as_records_with_keywords():
    index = PersonIndex()
    index.add("expert:王颖@中国科学院文献情报中心", _rec("e", "王颖", "中国科学院文献情报中心", "", ("知识图谱",)))
    author = author_record("王颖", "中国科学院文献情报中心", paper_ids=["chinaxiv:1"], keywords=["知识图谱", "实体识别"],
                           years=[2019, 2018])
    assert author.years == (2018, 2019) and author.source == "paper"
    found = index.resolve(author)
    assert (found.expert_id, found.merged) == ("expert:王颖@中国科学院文献情报中心", True)
    stranger = author_record("王颖", "中国科学院文献情报中心", keywords=["水稻育种"])
    assert index.resolve(stranger).expert_id == "expert:王颖@中国科学院文献情报中心~paper"


def test_wilson_interval():
    low, high = wilson(27, 27)
    assert 0.87 < low < 0.88 and high == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_the_sample_is_drawn_by_the_committed_script():
    with SAMPLE_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = read_records()
    drawn = draw_pairs(records) + draw_paper_pairs(read_paper_records(), records)
    assert [(r["stratum"], r["a_ref"], r["b_ref"]) for r in rows] == [(s, a.ref, b.ref) for s, a, b in drawn]
    assert len(rows) >= 150 and all(r["label"] in ("same", "different", "unsure") for r in rows)
    hard_negatives = [r for r in rows if r["stratum"] == "same_inst" and r["label"] == "different"]
    assert len(hard_negatives) >= 3
    assert all(not (set(r["a_areas"]) & set(r["b_areas"])) for r in hard_negatives)


def test_merge_precision_on_the_holdout_drawn_after_tuning_meets_the_target():
    score = score_pairs(HOLDOUT_PATH)
    assert score.pairs == 40 and score.true_merges >= 20
    assert score.precision >= 0.97


def test_merge_precision_on_the_labelled_sample_meets_the_target():
    score = score_pairs()
    assert score.pairs >= 150
    assert score.true_merges + score.false_merges >= 20  # enough merges to say something
    assert score.precision >= 0.97
    assert score.precision_ci[0] <= score.precision <= score.precision_ci[1]
    assert 0 < score.recall <= 1


def test_nsfc_lists_merge_institution_renames_but_keep_hard_negatives_apart():
    index = PersonIndex()
    old = PersonRecord("1", "nsfc-G", "王伟", "华中理工大学", frozenset("G"))
    eid = index.split_id(old)
    assert eid == "expert:王伟@华中理工大学"
    index.add(eid, old)
    renamed = PersonRecord("2", "nsfc-G", "王伟", "华中科技大学", frozenset("G"))
    assert index.split_id(renamed) == eid  # 华中理工大学 is 华中科技大学 since 2000 (institution_aliases.csv)
    assert loader_decision(old, renamed) is True
    index.add(eid, renamed)
    biologist = PersonRecord("3", "nsfc-C", "王伟", "华中科技大学", frozenset("C"))
    assert name_institutions("王伟") > RARE_NAME_INSTITUTIONS
    assert index.split_id(biologist) == "expert:王伟@华中科技大学"  # the id is free: another person
    assert loader_decision(old, biologist) is False


@pytest.mark.parametrize(("name", "same"), [("王斌", False), ("欧训民", True)])
def test_disciplines_disagreeing_split_common_names_only(name, same):
    paper = author_record(name, "华南理工大学", keywords=["复合材料"], fields=["nsfc:E0301"])
    pi = PersonRecord("n", "nsfc-C", name, "华南理工大学", frozenset("C"))
    verdict = same_person(paper, pi)
    assert verdict.same is same
    assert verdict.reason == ("同名同单位，学科不同但姓名罕见" if same else "同名同单位但学科不同")


def test_a_shared_coauthor_is_agreement():
    a = author_record("吕毅", "西安交通大学", fields=["nsfc:C0101"], coauthors=["刘学民", "郑幸龙"])
    b = author_record("吕毅", "西安交通大学第一附属医院", fields=["nsfc:A0101"], coauthors=["郑幸龙"])
    assert same_person(a, b).reason == "同名同单位且有共同合作者"
    c = author_record("吕毅", "西安交通大学第一附属医院", fields=["nsfc:A0101"], coauthors=["吕毅", "王五"])
    assert c.coauthors == frozenset({"王五"})


def test_common_names_file_lists_only_names_at_several_institutions():
    with COMMON_NAMES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == sorted(rows, key=lambda r: r["name"]) and len(rows) > 1000
    assert all(int(r["institutions"]) > RARE_NAME_INSTITUTIONS for r in rows)
    assert {"王伟", "刘勇", "李丹", "黄卓"} <= {r["name"] for r in rows}  # the hard negatives' names are common
