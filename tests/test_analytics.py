"""analytics/: supply–demand roll-ups, the gap index and notebook tables on a world small enough to count by hand.

World (field ids f:*, region ids r:*):
- fields: 储能 (f:A) with children 电池 (f:A1) and 氢能 (f:A2); 材料 (f:B) alone.
- regions: 浙江省 (r:330000) ⊃ 杭州市 (r:330100); 江苏省 (r:320000) ⊃ 南京市 (r:320100).
- demands: d1 needs 电池, in 杭州; d2 needs 电池 + 氢能, in 南京 (counts once under 储能);
  d3 needs 材料, no place of its own, posted by an enterprise in 南京; d4 needs nothing, in 杭州;
  d5 needs 材料, no place at all.
- experts: e1 in 电池; e2 in 电池 and 氢能; e3 in 材料; e4 in nothing.
"""

from __future__ import annotations

import html

import pytest

from analytics import (
    SupplyDemandData,
    Table,
    busiest_field,
    counts_table,
    demand_table,
    demands_by_field_and_province,
    expert_table,
    experts_per_field,
    explanation_paths,
    neighbors_table,
    path_table,
    properties_table,
    read_supply_demand,
    sentence_table,
    supply_demand_gap,
    team_table,
)
from analytics.supply_demand import NO_FIELD, NO_REGION, OTHER_PROVINCES, demand_matrix, gap_rows, roll_up
from graph.model import Label, RelType
from graph.store import Batch, Counts, Direction, Neighbor, Node, Relationship
from recommend.engine import ExpertResult, Recommendation, TeamResult
from recommend.explain import ExplainedPath, PathStep
from recommend.scoring import CandidateFacts, DemandFacts, ScoredExpert
from recommend.teams import Team

FIELD_NAMES = {"f:A": "储能", "f:A1": "电池", "f:A2": "氢能", "f:B": "材料"}
REGION_NAMES = {"r:330000": "浙江省", "r:330100": "杭州市", "r:320000": "江苏省", "r:320100": "南京市"}


def _set(*ids: str) -> frozenset[str]:
    return frozenset(ids)


DATA = SupplyDemandData(
    demand_fields={"d1": _set("f:A1"), "d2": _set("f:A1", "f:A2"), "d3": _set("f:B"), "d4": _set(),
                   "d5": _set("f:B")},
    demand_regions={"d1": _set("r:330100"), "d2": _set("r:320100"), "d3": _set("r:320100"), "d4": _set("r:330100"),
                    "d5": _set()},
    expert_fields={"e1": _set("f:A1"), "e2": _set("f:A1", "f:A2"), "e3": _set("f:B"), "e4": _set()},
    field_parents={"f:A1": "f:A", "f:A2": "f:A"},
    region_parents={"r:330100": "r:330000", "r:320100": "r:320000"},
    provinces=_set("r:330000", "r:320000"),
    field_names=FIELD_NAMES,
    region_names=REGION_NAMES,
    demand_status={f"d{i}": "未填写" for i in range(1, 6)},
)


def world() -> Batch:
    """DATA as a stored graph."""
    L, R = Label, RelType
    return (
        Batch()
        .add_nodes(L.FIELD, [{"id": k, "name": v, "scheme": "t"} for k, v in FIELD_NAMES.items()])
        .add_nodes(L.REGION, [{"id": k, "name": v, "level": "city" if k.endswith("0100") else "province"}
                              for k, v in REGION_NAMES.items()])
        .add_nodes(L.DEMAND, [{"id": f"d{i}", "title": f"需求{i}"} for i in range(1, 6)])
        .add_nodes(L.EXPERT, [{"id": f"e{i}", "name": f"专家{i}"} for i in range(1, 5)])
        .add_nodes(L.ENTERPRISE, [{"id": "ent:1", "name": "南京某企业"}])
        .add_rels(R.SUBFIELD_OF, L.FIELD, L.FIELD, [{"start": c, "end": p} for c, p in DATA.field_parents.items()])
        .add_rels(R.PART_OF, L.REGION, L.REGION, [{"start": c, "end": p} for c, p in DATA.region_parents.items()])
        .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": d, "end": f} for d, fs in DATA.demand_fields.items()
                                               for f in sorted(fs)])
        .add_rels(R.LOCATED_IN, L.DEMAND, L.REGION, [{"start": "d1", "end": "r:330100"},
                                                     {"start": "d2", "end": "r:320100"},
                                                     {"start": "d4", "end": "r:330100"}])
        .add_rels(R.LOCATED_IN, L.ENTERPRISE, L.REGION, [{"start": "ent:1", "end": "r:320100"}])
        .add_rels(R.POSTED, L.ENTERPRISE, L.DEMAND, [{"start": "ent:1", "end": "d3"}])
        .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [{"start": e, "end": f} for e, fs in DATA.expert_fields.items()
                                                   for f in sorted(fs)])
    )


# -- reading -------------------------------------------------------------------------------------
def test_read_supply_demand_returns_the_stored_world(store):
    store.write(world())
    assert read_supply_demand(store) == DATA


def test_read_supply_demand_of_an_empty_store_is_empty(store):
    data = read_supply_demand(store)
    assert data == SupplyDemandData({}, {}, {}, {}, {}, frozenset(), {}, {})
    assert demands_by_field_and_province(data).rows == ()
    assert supply_demand_gap(data).rows == ()
    assert busiest_field(data) is None


# -- roll_up ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("node", "stop", "expected"), [
    ("r:330100", (), "r:330000"),
    ("r:330100", ("r:330100",), "r:330100"),  # the node itself may be where to stop
    ("r:330000", (), "r:330000"),
    ("unknown", (), "unknown"),
])
def test_roll_up_climbs_to_the_first_stop_or_the_top(node, stop, expected):
    assert roll_up(node, DATA.region_parents, stop=stop) == expected


def test_roll_up_ends_on_a_cycle():
    assert roll_up("a", {"a": "b", "b": "a"}) in {"a", "b"}


# -- demands by field × province ------------------------------------------------------------------
def test_demands_by_top_field_and_province():
    table = demands_by_field_and_province(DATA)
    assert table.title == "需求按顶层技术领域 × 省份分布"
    assert table.columns == ("领域编号", "技术领域", "合计", "江苏省", "浙江省", NO_REGION)
    assert table.rows == (
        ("f:A", "储能", 2, 1, 1, 0),  # d2 needs two fields under 储能 and counts once
        ("f:B", "材料", 2, 1, 0, 1),  # d3 is placed through its enterprise, d5 has no place
        (None, NO_FIELD, 1, 0, 1, 0),
    )


def test_the_api_matrix_is_the_same_definition_as_the_table():
    matrix = demand_matrix(DATA)
    table = demands_by_field_and_province(DATA)
    assert [(f["id"], f["count"]) for f in matrix["fields"]] == list(zip(table.column("领域编号"), table.column("合计"),
                                                                          strict=True))
    assert [(r["name"], r["count"]) for r in matrix["regions"]] == [("江苏省", 2), ("浙江省", 2), (NO_REGION, 1)]
    assert matrix["total"] == 5 and matrix["by_status"] == [{"status": "未填写", "count": 5}]


def test_a_demand_with_a_region_of_its_own_is_not_also_counted_where_its_enterprise_is(store):
    store.write(world().add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND, [{"start": "ent:1", "end": "d1"}]))
    data = read_supply_demand(store)
    assert data.demand_regions["d1"] == _set("r:330100") and data.demand_regions["d3"] == _set("r:320100")


@pytest.mark.parametrize(("max_provinces", "columns", "rows"), [
    (1, ("江苏省", OTHER_PROVINCES, NO_REGION), [(1, 1, 0), (1, 0, 1), (0, 1, 0)]),
    (0, (OTHER_PROVINCES, NO_REGION), [(2, 0), (1, 1), (1, 0)]),
    (5, ("江苏省", "浙江省", NO_REGION), [(1, 1, 0), (1, 0, 1), (0, 1, 0)]),
])
def test_provinces_beyond_the_limit_merge_into_other(max_provinces, columns, rows):
    table = demands_by_field_and_province(DATA, max_provinces=max_provinces)
    assert table.columns[3:] == columns
    assert [r[3:] for r in table.rows] == rows
    assert table.column("合计") == [2, 2, 1]


def test_other_provinces_counts_distinct_demands():
    data = SupplyDemandData({"d": _set("f")}, {"d": _set("p1", "p2")}, {}, {}, {}, _set("p1", "p2"), {"f": "F"},
                            {"p1": "一", "p2": "二"})
    table = demands_by_field_and_province(data, max_provinces=0)
    assert table.columns == ("领域编号", "技术领域", "合计", OTHER_PROVINCES)
    assert table.rows == (("f", "F", 1, 1),)


def test_negative_max_provinces_is_refused():
    with pytest.raises(ValueError, match="max_provinces"):
        demands_by_field_and_province(DATA, max_provinces=-1)


# -- experts and the gap ---------------------------------------------------------------------------
def test_experts_per_top_field_count_each_expert_once():
    assert experts_per_field(DATA).rows == (("f:A", "储能", 2), ("f:B", "材料", 1), (None, NO_FIELD, 1))
    assert experts_per_field(DATA, depth=2).rows == (
        ("f:A1", "电池", 2), ("f:A2", "氢能", 1), ("f:B", "材料", 1), (None, NO_FIELD, 1))


def test_gap_ranks_second_level_fields_with_many_demands_per_expert_first():
    table = supply_demand_gap(DATA)
    assert table.title == "供需缺口（二级技术领域）"
    assert table.columns == ("领域编号", "技术领域", "需求数", "专家数", "缺口指数")
    assert table.rows == (("f:B", "材料", 2, 1, 1.0), ("f:A1", "电池", 2, 2, 0.667), ("f:A2", "氢能", 1, 1, 0.5))
    assert supply_demand_gap(DATA, min_demands=2).column("领域编号") == ["f:B", "f:A1"]
    assert supply_demand_gap(DATA, limit=1).column("领域编号") == ["f:B"]
    assert [r["uncovered"] for r in gap_rows(DATA)] == [False, False, False]
    assert supply_demand_gap(DATA, depth=1).rows == (("f:B", "材料", 2, 1, 1.0), ("f:A", "储能", 2, 2, 0.667))
    assert supply_demand_gap(DATA, depth=1).title == "供需缺口（顶层技术领域）"


def test_gap_ties_go_to_more_demands_then_id():
    data = SupplyDemandData({"d1": _set("f:x"), "d2": _set("f:y"), "d3": _set("f:y"), "d4": _set("f:w")}, {},
                            {"e1": _set("f:y")}, {}, {}, frozenset(), {}, {})
    # f:x 1/(0+1) = 1.0, f:y 2/(1+1) = 1.0 (more demands first), f:w 1.0 after f:x by id
    assert supply_demand_gap(data).column("领域编号") == ["f:y", "f:w", "f:x"]


def test_field_without_experts_has_a_finite_gap():
    data = SupplyDemandData({"d1": _set("f")}, {}, {}, {}, {}, frozenset(), {}, {})
    assert supply_demand_gap(data).rows == (("f", "f", 1, 0, 1.0),)  # unknown name falls back to the id


@pytest.mark.parametrize("kwargs", [{"min_demands": -1}, {"limit": -1}, {"depth": 0}])
def test_gap_refuses_negative_arguments(kwargs):
    with pytest.raises(ValueError):
        supply_demand_gap(DATA, **kwargs)


def test_busiest_field_skips_taxonomy_roots_and_fields_without_experts():
    assert busiest_field(DATA) == "f:A1"  # f:B has as many demands but fewer experts… and is a root
    no_experts = SupplyDemandData(DATA.demand_fields, {}, {}, DATA.field_parents, {}, frozenset(), {}, {})
    assert busiest_field(no_experts) is None
    roots_only = SupplyDemandData({"d": _set("f:B")}, {}, {"e": _set("f:B")}, {}, {}, frozenset(), {}, {})
    assert busiest_field(roots_only) is None
    assert busiest_field(roots_only, below_top=False) == "f:B"


# -- tables ----------------------------------------------------------------------------------------
def test_table_html_escapes_every_value():
    table = Table(("名称", "<b>"), (("<script>alert(1)</script>", None), ("a&b", 1.5)), title="<i>标题</i>")
    out = table._repr_html_()
    assert "<script>" not in out and "<b>" not in out and "<i>" not in out
    assert html.escape("<script>alert(1)</script>") in out and "<td></td>" in out and "<td>1.5</td>" in out
    assert out.startswith('<table class="kg-table"><caption>&lt;i&gt;标题&lt;/i&gt;</caption>')
    assert table.as_dicts() == [{"名称": "<script>alert(1)</script>", "<b>": None}, {"名称": "a&b", "<b>": 1.5}]
    assert len(table) == 2 and repr(table) == "Table('<i>标题</i>', 2 行 × 2 列)"


def test_counts_table_names_labels_and_types_in_chinese():
    table = counts_table(Counts({"Demand": 3, "Expert": 2}, {"NEEDS": 4}))
    assert table.rows == (("节点", "技术需求", "Demand", 3), ("节点", "专家", "Expert", 2), ("关系", "需要", "NEEDS", 4))


def test_properties_table_lists_id_then_sorted_properties():
    node = Node(Label.DEMAND, "d1", {"title": "电池回收", "keywords": ["锂", "钴"], "budget_wan": 50.0})
    table = properties_table(node)
    assert table.rows == (("编号", "d1"), ("budget_wan", 50.0), ("keywords", "锂、钴"), ("title", "电池回收"))
    assert table.title == "技术需求：电池回收"


def test_neighbors_table_names_relations_and_directions_in_chinese():
    demand, field = Node(Label.DEMAND, "d1", {"title": "电池回收"}), Node(Label.FIELD, "f:A1", {"name": "电池"})
    ent = Node(Label.ENTERPRISE, "ent:1", {"name": "某企业"})
    neighbors = [Neighbor(Relationship(RelType.NEEDS, demand.ref, field.ref, {}), field, Direction.OUT),
                 Neighbor(Relationship(RelType.POSTED, ent.ref, demand.ref, {}), ent, Direction.IN)]
    assert neighbors_table(neighbors).rows == (("需要", "指向", "技术领域", "f:A1", "电池"),
                                               ("发布", "来自", "企业", "ent:1", "某企业"))


def _recommendation() -> Recommendation:
    """Two experts and one alternative team, made by hand."""
    demand = DemandFacts("d1", "电池回收", {"f:A1": 1.0, "f:A2": 0.5}, province_id="r:330000", city_id="r:330100",
                         year=2026)

    def expert(rank: int, eid: str, name: str, score: float, field: float) -> ExpertResult:
        components = {"field": field, "text": 0.5, "evidence": 0.0, "type": 0.0, "region": 1.0, "availability": 1.0}
        contributions = {k: v / 10 for k, v in components.items()}
        scored = ScoredExpert(CandidateFacts(eid, name, "i:zju", "浙江大学"), score, components, contributions)
        path = ExplainedPath((PathStep("demand", "d1", "电池回收", ""), PathStep("field", "f:A1", "电池", "需要"),
                              PathStep("expert", eid, name, "擅长")), field)
        return ExpertResult(rank, scored, (path,), f"{name}的理由。")

    experts = [expert(1, "e1", "李明", 0.61234, 1.0), expert(2, "e2", "王强", 0.4, 0.66666)]
    team = TeamResult(Team(("e1", "e2"), "e1", frozenset({"f:A1", "f:A2"}), 1.0, 2.0, 0.5066),
                      (("e1", "李明", "浙江大学"), ("e2", "王强", "浙江大学")), "团队说明。")
    solo = TeamResult(Team(("e2",), "e2", frozenset({"f:A1"}), 0.6667, 0.0, 0.26667), (("e2", "王强", "浙江大学"),),
                      "对照说明。")
    return Recommendation(demand, "电池回收", experts, [team], solo, {"e9": "利益冲突"},
                          {"f:A1": "电池", "f:A2": "氢能"}, candidates=3)


def test_demand_table_shows_what_the_recommender_understood():
    assert demand_table(_recommendation()).rows == (
        ("需求编号", "d1"), ("需求标题", "电池回收"), ("所需领域（权重）", "电池（1）、氢能（0.5）"),
        ("所在省份", "r:330000"), ("所在城市", "r:330100"), ("参考年份", 2026), ("候选专家数", 3), ("排除专家数", 1))


def test_expert_table_shows_components_or_contributions():
    table = expert_table(_recommendation())
    assert table.columns == ("名次", "专家", "单位", "总分", "领域匹配", "文本相关", "语义相似", "全库检索", "单项匹配", "近期成果",
                             "项目证据", "活跃度", "专家类型", "地域邻近", "可用性")
    assert table.rows == ((1, "李明", "浙江大学", 0.612, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0),
                          (2, "王强", "浙江大学", 0.4, 0.667, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0))
    assert expert_table(_recommendation(), contributions=True).rows[0][4:] == (
        0.1, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.1)


def test_sentence_and_path_tables_list_each_expert():
    rec = _recommendation()
    assert sentence_table(rec).rows == ((1, "李明", "李明的理由。"), (2, "王强", "王强的理由。"))
    assert path_table(rec).rows == ((1, "李明", 1.0, "电池回收 →需要→ 电池 →擅长→ 李明"),
                                    (2, "王强", 0.667, "电池回收 →需要→ 电池 →擅长→ 王强"))


def test_team_table_puts_rarest_first_last():
    assert team_table(_recommendation()).rows == (
        ("方案 1", "李明（牵头）、王强", 1.0, 2.0, 0.507, "团队说明。"),
        ("RarestFirst（对照）", "王强（牵头）", 0.667, 0.0, 0.267, "对照说明。"))


def test_explanation_paths_are_the_typed_paths_of_the_top_experts():
    paths = explanation_paths(_recommendation(), experts=1)
    assert [p.text() for p in paths] == ["电池回收 →需要→ 电池 →擅长→ 李明"]
    assert paths[0].steps[0] == PathStep("demand", "d1", "电池回收", "")
    assert len(explanation_paths(_recommendation())) == 2
