"""The reference taxonomies: every shipped file loads whole, with the right counts and hierarchy."""

from __future__ import annotations

from collections import Counter

import pytest

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Direction
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One store with every shipped taxonomy (about a second), shared read-only by this module."""
    store = LocalStore(tmp_path_factory.mktemp("taxonomies"))
    reports = {kind: load_taxonomy(path, kind, store) for kind, path in TAXONOMY_FILES.items()}
    yield store, reports
    store.close()


def _parent(store, label, node_id, rel=RelType.SUBFIELD_OF):
    found = store.neighbors(label, node_id, direction=Direction.OUT, rel_types=[rel])
    return [nb.node.id for nb in found]


def _levels(store, label, scheme=None):
    nodes = store.list_nodes(label, limit=100_000)
    return Counter(n.props["level"] for n in nodes if scheme is None or n.props.get("scheme") == scheme)


@pytest.mark.parametrize(("kind", "nodes", "rels"), [
    ("gbt2260", 3347, 3316), ("gbt4754", 1642, 1622), ("ht2016", 314, 306),
    ("nsfc-codes", 2924, 2916), ("nsfc2020-codes", 231, 230), ("universities", 2820, 2820),
])
def test_each_shipped_taxonomy_loads_whole(world, kind, nodes, rels):
    report = world[1][kind]
    assert report.ok, [e.message() for e in report.errors[:5]]
    assert (report.nodes, report.relationships) == (nodes, rels)


def test_store_holds_the_union_of_the_taxonomies(world):
    assert world[0].counts().as_dict() == {
        "nodes": {"Field": 3469, "Industry": 1642, "Institution": 2820, "Region": 3347},
        "relationships": {"LOCATED_IN": 2820, "PART_OF": 4938, "SUBFIELD_OF": 3452},
    }


def test_hightech_fields_have_three_levels_under_their_parents(world):
    store = world[0]
    assert _levels(store, Label.FIELD, "ht2016") == {1: 8, 2: 52, 3: 254}
    node = store.get_node(Label.FIELD, "ht2016:10101")
    assert dict(node.props) == {"scheme": "ht2016", "code": "10101", "name": "基础软件", "level": 3}
    assert _parent(store, Label.FIELD, "ht2016:10101") == ["ht2016:101"]
    assert _parent(store, Label.FIELD, "ht2016:101") == ["ht2016:10"]
    assert _parent(store, Label.FIELD, "ht2016:10") == []


def test_nsfc_codes_hang_under_their_department(world):
    store = world[0]
    assert _levels(store, Label.FIELD, "nsfc") == {0: 8, 1: 86, 2: 1013, 3: 1817}
    chain, node = [], "nsfc:F020101"
    while node:
        chain.append(node)
        node = next(iter(_parent(store, Label.FIELD, node)), None)
    assert chain == ["nsfc:F020101", "nsfc:F0201", "nsfc:F02", "nsfc:F"]
    assert store.get_node(Label.FIELD, "nsfc:G").props["name"] == "管理科学部"
    assert store.get_node(Label.FIELD, "nsfc:F02").props["name_en"]


def test_post_2020_codes_are_a_separate_scheme_reusing_code_strings(world):
    store = world[0]
    old, new = store.get_nodes(Label.FIELD, ["nsfc:C0105", "nsfc2020:C0105"])
    assert old.props["name"] == "环境微生物学" and new.props["name"] == "微生物学新技术与新方法"
    assert _parent(store, Label.FIELD, "nsfc2020:C0105") == ["nsfc2020:C01"]
    assert _parent(store, Label.FIELD, "nsfc2020:C01") == ["nsfc2020:C"]
    # the data names no main code, so the name is the code itself
    assert dict(store.get_node(Label.FIELD, "nsfc2020:C01").props) == {
        "scheme": "nsfc2020", "code": "C01", "name": "C01", "level": 1}
    assert _levels(store, Label.FIELD, "nsfc2020") == {0: 1, 1: 21, 2: 209}


def test_industries_are_the_2011_edition_in_four_levels(world):
    store = world[0]
    assert _levels(store, Label.INDUSTRY) == {1: 20, 2: 96, 3: 432, 4: 1094}
    node = store.get_node(Label.INDUSTRY, "gbt4754:0170")
    assert node.props["name"] == "中药材种植" and node.props["edition"] == "2011"
    assert node.props["level_name"] == "小类" and node.props["section"] == "A"
    assert _parent(store, Label.INDUSTRY, "gbt4754:0170", RelType.PART_OF) == ["gbt4754:017"]
    assert _parent(store, Label.INDUSTRY, "gbt4754:017", RelType.PART_OF) == ["gbt4754:01"]
    assert _parent(store, Label.INDUSTRY, "gbt4754:01", RelType.PART_OF) == ["gbt4754:A"]


def test_regions_are_provinces_cities_counties(world):
    store = world[0]
    assert _levels(store, Label.REGION) == {"province": 31, "city": 342, "county": 2974}
    haidian = store.get_node(Label.REGION, "region:110108")
    assert haidian.props["name"] == "海淀区" and haidian.props["full_name"] == "北京市海淀区"
    assert _parent(store, Label.REGION, "region:110108", RelType.PART_OF) == ["region:110100"]
    assert _parent(store, Label.REGION, "region:110100", RelType.PART_OF) == ["region:110000"]
    assert store.get_node(Label.REGION, "region:441900003") is None  # towns are below GB/T 2260


def test_universities_are_located_in_their_province(world):
    store = world[0]
    tsinghua = store.get_node(Label.INSTITUTION, "inst:清华大学")
    assert tsinghua.props["type"] == "高校" and round(tsinghua.props["lat"], 1) == 40.0
    assert _parent(store, Label.INSTITUTION, "inst:清华大学", RelType.LOCATED_IN) == ["region:110000"]
    upc = store.get_node(Label.INSTITUTION, "inst:中国石油大学（华东）")  # "(华东)" in the list: brackets normalized
    assert _parent(store, Label.INSTITUTION, upc.id, RelType.LOCATED_IN) == ["region:370000"]
    assert "lat" not in store.get_node(Label.INSTITUTION, "inst:陆军装甲兵学院").props  # no coordinates known


def test_reloading_a_taxonomy_changes_nothing(world):
    store = world[0]
    before = (store.counts(), store.get_node(Label.FIELD, "ht2016:10101"))
    assert load_taxonomy(TAXONOMY_FILES["ht2016"], "ht2016", store).ok
    assert (store.counts(), store.get_node(Label.FIELD, "ht2016:10101")) == before


def test_bad_taxonomy_rows_are_named_and_good_rows_load(tmp_path, local_store):
    path = tmp_path / "fields.csv"
    path.write_text("code,name,level,parent_code\n"
                    "40,新材料,1,\n"
                    "401,金属材料,2,40\n"
                    "402,,2,40\n"
                    "401,重复,2,40\n"
                    "40201,子项,3,402\n"
                    "403,无机材料,二,40\n"
                    "501,孤儿,2,50\n", encoding="utf-8")
    report = load_taxonomy(path, "ht2016", local_store)
    assert [e.message() for e in report.errors] == [
        "第 4 行「name」不能为空",
        "第 5 行「code」编号「401」在本批数据中重复出现（第 3 行已有）",
        "第 6 行「code」上级编码「402」所在行（第 4 行）有误未导入",
        "第 7 行「level」应为1、2 或 3，实际为「二」",
        "第 8 行「code」未知的上级编码「50」（既不在本文件中，也尚未导入）",
    ]
    assert local_store.counts().as_dict() == {"nodes": {"Field": 2}, "relationships": {"SUBFIELD_OF": 1}}


def test_universities_need_their_province_region(tmp_path, local_store):
    path = tmp_path / "universities_by_province.json"
    path.write_text('{"北京": {"all": ["清华大学"]}}', encoding="utf-8")
    report = load_taxonomy(path, "universities", local_store)
    assert [e.message() for e in report.errors] == ["第 1 行「省份」未知的省份「北京」（请先导入地区 gbt2260）"]
    assert local_store.counts().nodes == {}
