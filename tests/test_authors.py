"""Author-line splitting and affiliation parsing (ingest/authors.py), scored on the hand labels."""

from __future__ import annotations

import pytest

from bench.author_pairs import TARGET_PRECISION, TARGET_RECALL, score
from ingest.authors import normalize_institution, parse_paper_authors, split_author_line


def test_heldout_pairs_meet_the_precision_and_recall_targets():
    result = score("heldout")
    assert result["lines"] == 120 and result["labelled_pairs"] > 500
    assert result["precision"] >= TARGET_PRECISION, result
    assert result["recall"] >= TARGET_RECALL, result


@pytest.mark.parametrize(("line", "names"), [
    ("王颖张智雄 孙辉雷枫", ["王颖", "张智雄", "孙辉", "雷枫"]),
    ("夏 冰孟庆石 解竞静 吴维达", ["夏冰", "孟庆石", "解竞静", "吴维达"]),
    ("刘朝乔石石彪1.2*", ["刘朝乔", "石石彪"]),
    ("陈代文余 冰 虞 洁 罗钧秋", ["陈代文", "余冰", "虞洁", "罗钧秋"]),
    ("种群结构与分布格局研究", []),
    ("欧阳伟，王静", ["欧阳伟", "王静"]),
])
def test_run_together_and_spaced_names_split_by_the_name_model(line, names):
    assert [a.name for a in split_author_line(line)[0]] == names


def test_markers_glued_to_the_next_name_belong_to_the_name_before():
    tokens, _ = split_author_line("王珊珊1.2.3 高海娜2.3赵圣国2.3王加启1,2.3闫素梅1\\*")
    assert [(t.name, sorted(t.markers)) for t in tokens] == [
        ("王珊珊", ["1", "2", "3"]), ("高海娜", ["2", "3"]), ("赵圣国", ["2", "3"]),
        ("王加启", ["1", "2", "3"]), ("闫素梅", ["1"])]


def test_ocr_superscript_one_and_postcode_glued_to_the_next_number():
    parsed = parse_paper_authors("蔡永俊1² 张祥坤」姜景山1",
                                 "（1.中国科学院微波遥感技术重点实验室空间科学与应用研究中心，北京100190;2.中国科学院大学，北京100049)")
    assert set(parsed.pairs) == {
        ("蔡永俊", "中国科学院空间科学与应用研究中心"), ("蔡永俊", "中国科学院大学"),
        ("张祥坤", "中国科学院空间科学与应用研究中心"), ("姜景山", "中国科学院空间科学与应用研究中心")}
    glued = parse_paper_authors("刘朝乔石石彪1.2*", "1中国科学院大学公共政策与管理学院北京1000492中国科学院科技战略咨询研究院北京100190")
    assert glued.institutions == ("中国科学院大学", "中国科学院科技战略咨询研究院")


def test_names_glued_to_the_affiliation_are_cut_at_the_institution():
    parsed = parse_paper_authors("向元彬，周世兴，黄从德四川农业大学林学院", "黄从德四川农业大学林学院，四川省林业生态工程省级重点实验室，成都611130")
    assert parsed.pairs == (("向元彬", "四川农业大学"), ("周世兴", "四川农业大学"), ("黄从德", "四川农业大学"))


def test_author_without_a_marker_among_numbered_institutions_gets_no_pair():
    parsed = parse_paper_authors("周伟²杨萱杨华³", "(1．中国科学院空间科学与应用研究中心北京100190;2.中国科学院大学,北京100049;"
                                 "3.内蒙古电子信息职业技术学院 内蒙古 呼和浩特010011)")
    assert parsed.institutions_of("杨萱") == []
    assert parsed.institutions_of("杨华") == ["内蒙古电子信息职业技术学院"]


@pytest.mark.parametrize(("unit", "institution"), [
    ("内蒙古农业大学动物科学学院", "内蒙古农业大学"),
    ("南方医科大学珠江医院核医学科", "南方医科大学珠江医院"),
    ("中国农业科学院北京畜牧兽医研究所", "中国农业科学院北京畜牧兽医研究所"),
    ("广西壮族自治区中国科学院广西植物研究所", "中国科学院广西植物研究所"),
    ("中国石油大学(华东)党委学生工作处", "中国石油大学（华东）"),
    ("广东美的制冷设备有限公司", "广东美的制冷设备有限公司"),
    ("北京", None),
])
def test_units_normalise_to_the_independent_institution(unit, institution):
    result = normalize_institution(unit)
    assert (result[0] if result else None) == institution
