"""The GraphStore contract, run identically against the embedded store and real Neo4j.

Every test here runs twice (``store`` is parametrized over both backends) and
asserts exact answers, so the two stores cannot drift apart.
"""

from __future__ import annotations

import json

import pytest

from graph.errors import NotFoundError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, Direction, NodeRef, RelFilter

E, INST, F, P = Label.EXPERT, Label.INSTITUTION, Label.FIELD, Label.PROJECT


def _world() -> Batch:
    """Two institutions, three experts, two fields, one project: small enough to check by hand."""
    return (
        Batch()
        .add_nodes(INST, [{"id": "i:thu", "name": "清华大学"}, {"id": "i:zju", "name": "浙江大学"}])
        .add_nodes(E, [{"id": "e:1", "name": "张伟", "keywords": ["锂离子电池", "正极材料"], "h": 30},
                       {"id": "e:2", "name": "李娜", "keywords": ["机器视觉"]},
                       {"id": "e:3", "name": "王芳"}])
        .add_nodes(F, [{"id": "f:E0207", "name": "无机非金属材料", "scheme": "nsfc"},
                       {"id": "f:E02", "name": "材料科学", "scheme": "nsfc"}])
        .add_nodes(P, [{"id": "p:1", "title": "高镍正极材料的界面调控", "amount": 58.0}])
        .add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:1", "end": "i:thu"}, {"start": "e:2", "end": "i:thu"},
                                           {"start": "e:3", "end": "i:zju"}])
        .add_rels(RelType.EXPERT_IN, E, F, [{"start": "e:1", "end": "f:E0207", "weight": 0.9, "source": "nsfc"}])
        .add_rels(RelType.SUBFIELD_OF, F, F, [{"start": "f:E0207", "end": "f:E02"}])
        .add_rels(RelType.LEADS, E, P, [{"start": "e:1", "end": "p:1"}])
        .add_rels(RelType.JOINS, E, P, [{"start": "e:3", "end": "p:1"}])
        .add_rels(RelType.IN_FIELD, P, F, [{"start": "p:1", "end": "f:E0207"}])
    )


def test_empty_store_counts_nothing(store):
    assert store.counts().as_dict() == {"nodes": {}, "relationships": {}}
    assert store.get_node(E, "nobody") is None
    assert store.list_nodes(E) == []


def test_write_then_counts_and_get(store):
    summary = store.write(_world())
    assert (summary.nodes, summary.relationships) == (8, 8)
    assert store.counts().as_dict() == {
        "nodes": {"Expert": 3, "Field": 2, "Institution": 2, "Project": 1},
        "relationships": {"EXPERT_IN": 1, "IN_FIELD": 1, "JOINS": 1, "LEADS": 1, "SUBFIELD_OF": 1, "WORKS_AT": 3},
    }
    node = store.get_node(E, "e:1")
    assert node is not None and node.name == "张伟"
    assert dict(node.props) == {"name": "张伟", "keywords": ["锂离子电池", "正极材料"], "h": 30}
    assert [n.id for n in store.get_nodes(E, ["e:3", "missing", "e:1"])] == ["e:3", "e:1"]


def test_node_ids_are_the_stored_ids_without_properties(store):
    store.write(_world())
    assert store.node_ids(E) == {"e:1", "e:2", "e:3"}
    assert store.node_ids(E, ["e:3", "missing", "e:1"]) == {"e:1", "e:3"}
    assert store.node_ids(P, []) == set() and store.node_ids(Label.DEMAND) == set()


def test_same_rows_twice_give_the_same_graph(store):
    store.write(_world())
    first = store.counts()
    before = store.subgraph(INST, "i:thu", depth=3).as_dict()
    store.write(_world())
    assert store.counts() == first
    assert store.subgraph(INST, "i:thu", depth=3).as_dict() == before


def test_upsert_merges_properties_and_none_removes(store):
    store.write(_world())
    store.upsert_nodes(E, [{"id": "e:1", "name": "张伟", "title_zh": "教授", "h": None}])
    assert dict(store.get_node(E, "e:1").props) == {"name": "张伟", "keywords": ["锂离子电池", "正极材料"],
                                                   "title_zh": "教授"}
    store.upsert_relationships(RelType.EXPERT_IN, E, F, [{"start": "e:1", "end": "f:E0207", "weight": 0.5}])
    rel = store.neighbors(E, "e:1", rel_types=[RelType.EXPERT_IN])[0].rel
    assert dict(rel.props) == {"weight": 0.5, "source": "nsfc"}
    assert store.counts().relationships["EXPERT_IN"] == 1


def test_list_nodes_pages_by_id(store):
    store.write(_world())
    assert [n.id for n in store.list_nodes(E)] == ["e:1", "e:2", "e:3"]
    assert [n.id for n in store.list_nodes(E, skip=1, limit=1)] == ["e:2"]


def test_neighbors_by_type_direction_and_label(store):
    store.write(_world())
    found = store.neighbors(E, "e:1")
    assert [(n.rel.type.value, n.direction.value, n.node.id) for n in found] == [
        ("EXPERT_IN", "out", "f:E0207"), ("LEADS", "out", "p:1"), ("WORKS_AT", "out", "i:thu")]
    into = store.neighbors(INST, "i:thu", direction=Direction.IN)
    assert [(n.node.id, n.rel.start, n.rel.end) for n in into] == [
        ("e:1", NodeRef(E, "e:1"), NodeRef(INST, "i:thu")), ("e:2", NodeRef(E, "e:2"), NodeRef(INST, "i:thu"))]
    assert store.neighbors(INST, "i:thu", direction=Direction.OUT) == []
    on_project = store.neighbors(P, "p:1", labels=[E])
    assert [(n.rel.type.value, n.node.id) for n in on_project] == [("JOINS", "e:3"), ("LEADS", "e:1")]
    assert len(store.neighbors(E, "e:1", limit=2)) == 2
    assert store.neighbors(E, "missing") == []


def test_subgraph_is_bounded_breadth_first_and_ordered(store):
    store.write(_world())
    sub = store.subgraph(INST, "i:thu", depth=1)
    assert [n.id for n in sub.nodes] == ["i:thu", "e:1", "e:2"]
    assert not sub.truncated
    deep = store.subgraph(INST, "i:thu", depth=2)
    assert [n.id for n in deep.nodes] == ["i:thu", "e:1", "e:2", "f:E0207", "p:1"]
    assert [r.type.value for r in deep.relationships] == ["EXPERT_IN", "LEADS", "WORKS_AT", "WORKS_AT"]
    capped = store.subgraph(INST, "i:thu", depth=2, max_nodes=4)
    assert [n.id for n in capped.nodes] == ["i:thu", "e:1", "e:2", "f:E0207"]
    assert capped.truncated
    only_fields = store.subgraph(E, "e:1", depth=2, rel_types=[RelType.EXPERT_IN, RelType.SUBFIELD_OF])
    assert [n.id for n in only_fields.nodes] == ["e:1", "f:E0207", "f:E02"]
    with pytest.raises(NotFoundError, match="未找到专家「nobody」"):
        store.subgraph(E, "nobody")


def test_invalid_batch_writes_nothing(store):
    store.write(_world())
    before = store.counts()
    bad = (Batch().add_nodes(E, [{"id": "e:9", "name": "赵磊"}, {"id": "e:10", "name": ""}])
           .add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:9", "end": "i:thu"}]))
    with pytest.raises(ValidationError) as info:
        store.write(bad)
    assert [e.message() for e in info.value.errors] == ["第 2 行「name」不能为空"]
    assert store.counts() == before
    assert store.get_node(E, "e:9") is None


def test_missing_endpoint_rolls_back_the_whole_batch(store):
    store.write(_world())
    before = store.counts()
    bad = (Batch().add_nodes(E, [{"id": "e:9", "name": "赵磊"}])
           .add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:9", "end": "i:thu"}, {"start": "e:9", "end": "i:pku"}]))
    with pytest.raises(ValidationError) as info:
        store.write(bad)
    assert [e.message() for e in info.value.errors] == ["第 3 行「end」引用的机构「i:pku」不存在"]
    assert store.counts() == before
    assert store.get_node(E, "e:9") is None


def test_missing_endpoints_after_merged_relationships_roll_back_and_are_all_named(store):
    # Neo4j merges a relationship chunk first and looks for missing ends only when a row found none:
    # the relationships merged before the miss (same type, earlier type) must go with the rollback,
    # and every missing end of the batch is still named, in row order
    store.write(_world())
    before = store.counts()
    bad = (Batch().add_nodes(E, [{"id": "e:9", "name": "赵磊"}])
           .add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:9", "end": "i:thu"}, {"start": "e:9", "end": "i:thu"},
                                                  {"start": "e:9", "end": "i:pku"}])
           .add_rels(RelType.EXPERT_IN, E, F, [{"start": "e:9", "end": "f:E02"}, {"start": "e:404", "end": "f:E02"}]))
    with pytest.raises(ValidationError) as info:
        store.write(bad)
    assert [e.message() for e in info.value.errors] == ["第 4 行「end」引用的机构「i:pku」不存在",
                                                        "第 6 行「start」引用的专家「e:404」不存在"]
    assert store.counts() == before
    assert store.get_node(E, "e:9") is None


def test_a_repeated_relationship_row_merges_once(store):
    store.write(_world())
    batch = (Batch().add_nodes(E, [{"id": "e:9", "name": "赵磊"}])
             .add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:9", "end": "i:thu"}, {"start": "e:9", "end": "i:thu"}]))
    store.write(batch)
    assert [n.node.id for n in store.neighbors(E, "e:9")] == ["i:thu"]


def test_endpoints_may_come_in_the_same_batch(store):
    batch = (Batch().add_nodes(E, [{"id": "e:9", "name": "赵磊"}]).add_nodes(INST, [{"id": "i:pku", "name": "北京大学"}])
             .add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:9", "end": "i:pku"}]))
    store.write(batch)
    assert [n.node.name for n in store.neighbors(E, "e:9")] == ["北京大学"]


def test_clear_empties_the_store(store):
    store.write(_world())
    store.clear()
    assert store.counts().as_dict() == {"nodes": {}, "relationships": {}}


def test_replace_types_recomputes_a_relation_atomically(store):
    store.write(_world())
    store.upsert_relationships(RelType.RELATED_TO, F, F, [{"start": "f:E0207", "end": "f:E02", "score": 0.9}])
    fresh = (Batch(replace_types=[RelType.RELATED_TO])
             .add_rels(RelType.RELATED_TO, F, F, [{"start": "f:E02", "end": "f:E0207", "score": 0.4}]))
    store.write(fresh)
    related = store.neighbors(F, "f:E02", rel_types=[RelType.RELATED_TO])
    assert [(n.direction.value, dict(n.rel.props)) for n in related] == [("out", {"score": 0.4})]
    assert store.counts().relationships["RELATED_TO"] == 1
    bad = (Batch(replace_types=[RelType.RELATED_TO])
           .add_rels(RelType.RELATED_TO, F, F, [{"start": "f:E02", "end": "f:missing", "score": 0.1}]))
    with pytest.raises(ValidationError):
        store.write(bad)
    assert store.counts().relationships["RELATED_TO"] == 1  # the failed recompute deleted nothing


D, ENT, REG = Label.DEMAND, Label.ENTERPRISE, Label.REGION


def _demands() -> Batch:
    """Three demands, two fields, two regions: enough for every filter and for search."""
    return (
        Batch()
        .add_nodes(F, [{"id": "f:bat", "name": "电池材料", "scheme": "t"},
                       {"id": "f:vision", "name": "机器视觉", "scheme": "t"}])
        .add_nodes(REG, [{"id": "r:hz", "name": "杭州市"}, {"id": "r:sz", "name": "深圳市"}])
        .add_nodes(ENT, [{"id": "ent:1", "name": "杭州锂能科技有限公司", "description": "锂离子电池正极材料"}])
        .add_nodes(D, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "status": "待对接", "urgent": True},
                       {"id": "d:2", "title": "电池包热失控预警", "status": "已对接", "budget": 50},
                       {"id": "d:3", "title": "AI 视觉质检", "status": "待对接", "budget": 50.0,
                        "keywords_text": "缺陷检测 深度学习", "urgent": 1}])
        .add_nodes(E, [{"id": "e:1", "name": "张伟", "keywords_text": "正极材料 锂离子电池"},
                       {"id": "e:2", "name": "正极材料", "description": "同名的专家（排在最前）"}])
        .add_rels(RelType.NEEDS, D, F, [{"start": "d:1", "end": "f:bat"}, {"start": "d:1", "end": "f:vision"},
                                        {"start": "d:2", "end": "f:bat"}, {"start": "d:3", "end": "f:vision"}])
        .add_rels(RelType.LOCATED_IN, D, REG, [{"start": "d:1", "end": "r:hz"}, {"start": "d:2", "end": "r:sz"},
                                               {"start": "d:3", "end": "r:hz"}])
        .add_rels(RelType.POSTED, ENT, D, [{"start": "ent:1", "end": "d:1"}])
    )


def _page(page) -> tuple[list[str], int]:
    return [n.id for n in page.nodes], page.total


@pytest.mark.parametrize(("props", "related", "expected"), [
    (None, [], (["d:1", "d:2", "d:3"], 3)),
    ({"status": "待对接"}, [], (["d:1", "d:3"], 2)),
    ({"budget": 50}, [], (["d:2", "d:3"], 2)),  # 50 equals 50.0, as in Cypher
    ({"urgent": True}, [], (["d:1"], 1)),  # but a boolean never equals 1
    ({"status": "没有"}, [], ([], 0)),
    (None, [RelFilter(RelType.NEEDS, F, ("f:bat",))], (["d:1", "d:2"], 2)),
    (None, [RelFilter(RelType.NEEDS, F, ("f:bat", "f:vision"))], (["d:1", "d:2", "d:3"], 3)),
    (None, [RelFilter(RelType.NEEDS, F, ("f:bat",)), RelFilter(RelType.LOCATED_IN, REG, ("r:hz",))], (["d:1"], 1)),
    ({"status": "待对接"}, [RelFilter(RelType.LOCATED_IN, REG, ("r:hz", "r:missing"))], (["d:1", "d:3"], 2)),
    (None, [RelFilter(RelType.POSTED, ENT, ("ent:1",), Direction.IN)], (["d:1"], 1)),
    (None, [RelFilter(RelType.POSTED, ENT, ("ent:1",), Direction.BOTH)], (["d:1"], 1)),
    (None, [RelFilter(RelType.POSTED, ENT, ("ent:1",), Direction.OUT)], ([], 0)),  # demands post nothing
    (None, [RelFilter(RelType.NEEDS, F, ())], ([], 0)),
])
def test_find_nodes_filters_by_properties_and_relationships(store, props, related, expected):
    store.write(_demands())
    assert _page(store.find_nodes(D, props=props, related=related)) == expected


def test_find_nodes_pages_by_id_and_counts_all(store):
    store.write(_demands())
    assert _page(store.find_nodes(D, skip=1, limit=1)) == (["d:2"], 3)
    assert _page(store.find_nodes(D, skip=5, limit=10)) == ([], 3)
    assert _page(store.find_nodes(Label.TEAM)) == ([], 0)
    assert dict(store.find_nodes(D, limit=1).nodes[0].props)["title"] == "高镍正极材料涂布缺陷检测"
    with pytest.raises(ValidationError, match="「status」应为文本、数字或布尔值"):
        store.find_nodes(D, props={"status": ["待对接"]})


@pytest.mark.parametrize(("query", "labels", "expected"), [
    ("正极材料", None, (["e:2", "d:1", "ent:1", "e:1"], 4)),  # exact name, then title hits, then by (label, id)
    ("正极材料", [E], (["e:2", "e:1"], 2)),
    ("缺陷检测", None, (["d:1", "d:3"], 2)),  # d:3 through keywords_text
    ("缺陷检测 涂布", None, (["d:1"], 1)),  # every term must match
    ("缺陷检测，深度学习", [D], (["d:3"], 1)),
    ("ai", None, (["d:3"], 1)),  # not a Han phrase: scanned, case-insensitive
    ("视", None, (["d:3", "f:vision"], 2)),  # a single character: scanned
    ("热失控", [D, ENT], (["d:2"], 1)),
    ("量子计算", None, ([], 0)),
])
def test_search_nodes_matches_every_term_in_the_same_order(store, query, labels, expected):
    store.write(_demands())
    assert _page(store.search_nodes(query, labels=labels)) == expected


def test_search_nodes_pages_and_validates(store):
    store.write(_demands())
    assert _page(store.search_nodes("正极材料", skip=1, limit=2)) == (["d:1", "ent:1"], 4)
    with pytest.raises(ValidationError, match="「q」不能为空"):
        store.search_nodes("  ，")
    with pytest.raises(ValidationError, match="不支持全文检索"):
        store.search_nodes("杭州", labels=[REG])


def test_all_nodes_pages_through_every_node_in_id_order(store):
    store.write(_world())
    assert [n.id for n in store.all_nodes(E, page=2)] == ["e:1", "e:2", "e:3"]
    assert [n.id for n in store.all_nodes(E, page=3)] == ["e:1", "e:2", "e:3"]
    assert store.all_nodes(Label.TEAM) == []


def test_list_nodes_after_an_id_pages_by_keyset(store):
    store.write(_world())
    assert [n.id for n in store.list_nodes(E, after="e:1")] == ["e:2", "e:3"]
    assert [n.id for n in store.list_nodes(E, after="e:2", limit=1)] == ["e:3"]
    assert store.list_nodes(E, after="e:3") == []


def _fanout_world() -> Batch:
    """One field with five experts of varied EXPERT_IN weight (two tie, one has none = 1.0)."""
    return (
        Batch()
        .add_nodes(F, [{"id": "f:1", "name": "电池", "scheme": "nsfc"}, {"id": "f:2", "name": "视觉", "scheme": "nsfc"}])
        .add_nodes(E, [{"id": f"e:{i}", "name": f"专家{i}"} for i in range(1, 6)])
        .add_rels(RelType.EXPERT_IN, E, F, [
            {"start": "e:1", "end": "f:1", "weight": 0.5}, {"start": "e:2", "end": "f:1", "weight": 0.9},
            {"start": "e:3", "end": "f:1"}, {"start": "e:4", "end": "f:1", "weight": 0.5},
            {"start": "e:5", "end": "f:1", "weight": 0.1}, {"start": "e:5", "end": "f:2", "weight": 0.7}])
    )


@pytest.mark.parametrize(("direction", "limit", "expected"), [
    (Direction.IN, 1, {"f:1": ["e:3"], "f:2": ["e:5"]}),
    (Direction.IN, 3, {"f:1": ["e:3", "e:2", "e:1"], "f:2": ["e:5"]}),  # weight desc, ties by id
    (Direction.BOTH, 4, {"f:1": ["e:3", "e:2", "e:1", "e:4"], "f:2": ["e:5"]}),
    (Direction.IN, None, {"f:1": ["e:1", "e:2", "e:3", "e:4", "e:5"], "f:2": ["e:5"]}),
])
def test_expand_limit_per_node_keeps_the_heaviest_relationships(store, direction, limit, expected):
    store.write(_fanout_world())
    pairs = store.expand([NodeRef(F, "f:1"), NodeRef(F, "f:2")], direction=direction,
                         rel_types=[RelType.EXPERT_IN], limit_per_node=limit)
    got: dict[str, set[str]] = {}
    for ref, nb in pairs:
        got.setdefault(ref.id, set()).add(nb.node.id)
    assert got == {k: set(v) for k, v in expected.items()}
    assert len(pairs) == sum(len(v) for v in expected.values())


@pytest.mark.parametrize("limit", [None, 2])
def test_expand_without_node_props_gives_the_same_pairs_with_empty_props(store, limit):
    store.write(_fanout_world())
    refs = [NodeRef(F, "f:1"), NodeRef(F, "f:2")]

    def pairs(**kw):
        return sorted((ref.id, nb.node.label.value, nb.node.id, nb.rel.type.value, json.dumps(nb.rel.props, sort_keys=True))
                      for ref, nb in store.expand(refs, direction=Direction.IN, limit_per_node=limit, **kw))

    bare = store.expand(refs, direction=Direction.IN, limit_per_node=limit, node_props=False)
    assert pairs(node_props=False) == pairs() and len(bare) == (6 if limit is None else 3)
    assert all(nb.node.props == {} for _, nb in bare)
    assert any(nb.node.props for _, nb in store.expand(refs, direction=Direction.IN))


def test_expand_with_property_names_gives_only_those_the_node_has(store):
    store.write(_world())
    refs = [NodeRef(E, "e:1"), NodeRef(E, "e:3")]
    whole = store.expand(refs, direction=Direction.OUT, rel_types=[RelType.WORKS_AT, RelType.LEADS, RelType.JOINS])
    some = store.expand(refs, direction=Direction.OUT, rel_types=[RelType.WORKS_AT, RelType.LEADS, RelType.JOINS],
                        node_props=["title", "name", "missing", "id"])

    def key(pair):
        return pair[0].id, pair[1].rel.type.value, pair[1].node.id

    assert sorted(map(key, some)) == sorted(map(key, whole))
    props = {(ref.id, nb.node.id): dict(nb.node.props) for ref, nb in some}
    assert props == {("e:1", "i:thu"): {"name": "清华大学"}, ("e:1", "p:1"): {"title": "高镍正极材料的界面调控"},
                     ("e:3", "i:zju"): {"name": "浙江大学"}, ("e:3", "p:1"): {"title": "高镍正极材料的界面调控"}}
    lists = store.expand([NodeRef(INST, "i:thu")], direction=Direction.IN, rel_types=[RelType.WORKS_AT],
                         node_props=["keywords", "h"])
    assert {nb.node.id: dict(nb.node.props) for _, nb in lists} == {
        "e:1": {"keywords": ["锂离子电池", "正极材料"], "h": 30}, "e:2": {"keywords": ["机器视觉"]}}
    for names, want in ((["name"], {"name": "张伟"}), (["id"], {}), ([], {})):
        one = store.expand([NodeRef(INST, "i:thu")], direction=Direction.IN, rel_types=[RelType.WORKS_AT], node_props=names)
        assert {nb.node.id: dict(nb.node.props) for _, nb in one}["e:1"] == want and len(one) == 2


def test_reads_in_a_reading_block_give_the_same_answers_and_see_writes(store):
    store.write(_world())
    refs = [NodeRef(E, "e:1"), NodeRef(F, "f:E0207")]

    def reads():
        return (store.get_nodes(E, ["e:3", "e:1"]),
                sorted((r.id, nb.node.id, nb.rel.type.value) for r, nb in store.expand(refs)),
                store.find_nodes(E, related=[RelFilter(RelType.WORKS_AT, INST, ("i:thu",))]),
                store.change_stamp([E], [RelType.WORKS_AT]))

    outside = reads()
    with store.reading():
        assert reads() == outside
        with store.reading():  # a nested block joins the outer one
            assert reads() == outside
        assert store.get_node(E, "e:9") is None
        store.upsert_nodes(E, [{"id": "e:9", "name": "新专家"}])  # a write commits on its own
        assert store.get_node(E, "e:9") is not None  # and the block's next read sees it
    assert reads()[0] == outside[0] and store.get_node(E, "e:9") is not None


def test_change_stamp_moves_when_its_labels_change_and_not_otherwise(store):
    store.write(_world())
    before = store.change_stamp([E, P], [RelType.LEADS])
    store.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "检测"}])
    assert store.change_stamp([E, P], [RelType.LEADS]) == before
    store.upsert_nodes(E, [{"id": "e:9", "name": "新专家"}])
    assert store.change_stamp([E, P], [RelType.LEADS]) != before


def test_write_listeners_see_each_committed_batch(store):
    seen: list[int] = []
    store.add_write_listener(lambda batch: seen.append(len(batch)))
    store.write(_world())
    with pytest.raises(ValidationError):
        store.write(Batch().add_rels(RelType.WORKS_AT, E, INST, [{"start": "e:1", "end": "nowhere"}]))
    assert seen == [16]
