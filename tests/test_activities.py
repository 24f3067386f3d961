"""创新活动与培训 on both stores: lifecycle, refusals in Chinese, 揭榜 from an activity, recommendation."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from analytics.reports import ReportFilter, read_facts, report_workbook
from graph.errors import ConflictError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, GraphStore, NodeRef
from recommend.activities import recommend_for_demand, recommend_for_enterprise
from workflow import activities
from workflow.common import BEIJING

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)
ENT1, ENT2 = NodeRef(Label.ENTERPRISE, "ent:1"), NodeRef(Label.ENTERPRISE, "ent:2")
E1 = NodeRef(Label.EXPERT, "e:1")


def _world(store: GraphStore) -> None:
    store.write(Batch()
                .add_nodes(Label.ENTERPRISE, [{"id": "ent:1", "name": "杭州智检科技有限公司"},
                                              {"id": "ent:2", "name": "宁波新材料有限公司"}])
                .add_nodes(Label.DEMAND, [{"id": "d:1", "title": "锂电池极片涂布缺陷在线检测", "status": "待对接"},
                                          {"id": "d:2", "title": "高镍正极材料烧结工艺优化", "status": "已解决"}])
                .add_nodes(Label.FIELD, [{"id": "f:energy", "name": "新能源", "scheme": "t"},
                                         {"id": "f:battery", "name": "锂电池", "scheme": "t"},
                                         {"id": "f:bio", "name": "生物医药", "scheme": "t"}])
                .add_nodes(Label.REGION, [{"id": "330100", "name": "杭州市"}])
                .add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}])
                .add_rels(RelType.SUBFIELD_OF, Label.FIELD, Label.FIELD, [{"start": "f:battery", "end": "f:energy"}])
                .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD, [{"start": "d:1", "end": "f:battery", "weight": 1.0},
                                                                    {"start": "d:2", "end": "f:bio", "weight": 1.0}])
                .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND,
                          [{"start": "ent:1", "end": "d:1"}, {"start": "ent:1", "end": "d:2"}]))


@pytest.fixture
def world(store):
    _world(store)
    return store


def _activity(store: GraphStore, **values) -> str:
    base = {"title": "锂电池技术项目路演", "kind": "项目路演", "start_date": "2026-12-10", "region": "330100",
            "capacity": 2, "fields": "f:battery", "organiser": "杭州市科技局"}
    return activities.create_activity(store, {**base, **values}, actor="officer", now=NOW).id


def test_activity_lifecycle_enrol_attend_close(world):
    aid = _activity(world)
    node = world.get_node(Label.ACTIVITY, aid)
    assert node.props["status"] == "报名中" and node.props["region_name"] == "杭州市"
    assert node.props["field_ids"] == ["f:battery"]
    activities.enrol(world, aid, ENT1, actor="portal", now=NOW)
    activities.enrol(world, aid, E1, actor="portal", now=NOW)
    activities.advance_activity(world, aid, "进行中", actor="officer", now=NOW)
    activities.mark_enrolment(world, aid, ENT1, "已出席", outcome="达成合作意向 1 项", actor="officer", now=NOW)
    closed = activities.advance_activity(world, aid, "已结束", outcome="路演 8 个项目，签约意向 3 项",
                                         actor="officer", now=NOW)
    assert closed.props["status"] == "已结束" and closed.props["attended"] == 1 and closed.props["enrolled"] == 2
    rows = {r["id"]: r for r in activities.enrolments_of(world, aid)}
    assert rows["ent:1"]["status"] == "已出席" and rows["ent:1"]["outcome"] == "达成合作意向 1 项"
    assert rows["e:1"]["status"] == "缺席"  # never marked: absent when the held activity closed
    assert [a["activity_id"] for a in activities.activities_of(world, ENT1)] == [aid]
    assert len(closed.props["history"]) == 3 and closed.props["version"] == 6


def test_enrolment_refuses_duplicates_full_and_closed_activities(world):
    aid = _activity(world, capacity=1)
    activities.enrol(world, aid, ENT1, actor="portal", now=NOW)
    with pytest.raises(ConflictError, match="不能重复报名"):
        activities.enrol(world, aid, ENT1, actor="portal", now=NOW)
    with pytest.raises(ConflictError, match="名额已满"):
        activities.enrol(world, aid, ENT2, actor="portal", now=NOW)
    activities.mark_enrolment(world, aid, ENT1, "已取消", actor="portal", now=NOW)  # frees the seat
    activities.enrol(world, aid, ENT2, actor="portal", now=NOW)
    activities.advance_activity(world, aid, "已结束", outcome="因故取消", actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="已结束，不能再报名"):
        activities.enrol(world, aid, E1, actor="portal", now=NOW)
    with pytest.raises(ConflictError, match="已是最终状态"):
        activities.advance_activity(world, aid, "进行中", actor="officer", now=NOW)
    assert world.get_node(Label.ACTIVITY, aid).props["enrolled"] == 1


def test_draft_refuses_enrolment_and_bad_input_names_the_field(world):
    aid = _activity(world)
    draft = activities.create_activity(world, {"title": "政策宣讲会", "kind": "政策宣讲", "start_date": "2026-12-01"},
                                       actor="officer", publish=False, now=NOW)
    with pytest.raises(ConflictError, match="只有「报名中」的活动接受报名"):
        activities.enrol(world, draft.id, ENT1, actor="portal", now=NOW)
    with pytest.raises(ValidationError) as err:
        activities.create_activity(world, {"title": "", "kind": "茶话会", "start_date": "2026-13-01",
                                           "capacity": "-1", "fields": "不存在的领域"}, actor="o", now=NOW)
    fields = {e.field for e in err.value.errors}
    assert fields == {"title", "kind", "start_date", "capacity", "fields"}
    with pytest.raises(ConflictError, match="已报名|已存在"):
        activities.create_activity(world, {"id": aid, "title": "x", "kind": "政策宣讲", "start_date": "2026-12-01"},
                                   actor="o", now=NOW)
    with pytest.raises(ValidationError, match="企业或专家"):
        activities.enrol(world, aid, NodeRef(Label.DEMAND, "d:1"), actor="portal", now=NOW)
    assert world.count_nodes(Label.ACTIVITY) == 2


def test_challenge_launched_from_an_activity_is_linked(world):
    aid = _activity(world)
    node = activities.launch_challenge(world, aid, "d:1", conditions="三个月内完成样机", deadline="2026-12-31",
                                       reward_wan=20, actor="officer", now=NOW)
    assert node.props["activity_id"] == aid and node.props["status"] == "发布"
    assert [c.id for c in activities.challenges_of(world, aid)] == [node.id]
    assert world.get_node(Label.ACTIVITY, aid).props["challenge_ids"] == [node.id]
    with pytest.raises(ConflictError, match="已发布为榜单"):
        activities.launch_challenge(world, aid, "d:1", conditions="x", deadline="2026-12-31", reward_wan=1,
                                    actor="officer", now=NOW)
    activities.advance_activity(world, aid, "已结束", outcome="结束", actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="不能再发起揭榜"):
        activities.launch_challenge(world, aid, "d:2", conditions="x", deadline="2026-12-31", reward_wan=1,
                                    actor="officer", now=NOW)


def test_recommended_activities_follow_the_enterprise_demand_fields(world):
    exact = _activity(world, title="锂电池路演")
    broad = _activity(world, title="新能源专项培训", kind="专项培训", topic="创新方法", fields="新能源")
    _activity(world, title="生物医药展", kind="高新技术展示", fields="f:bio")  # only a solved demand needs it
    past = _activity(world, title="往期锂电路演", start_date="2026-11-01")
    ranked = recommend_for_enterprise(world, "ent:1", today="2026-11-27")
    assert [m.id for m in ranked] == [exact, broad]
    assert ranked[0].gaps == ("f:battery",) and ranked[0].score == 1.5 and ranked[1].score == 0.9
    assert past not in [m.id for m in ranked]
    activities.enrol(world, exact, ENT1, actor="portal", now=NOW)
    assert [m.id for m in recommend_for_demand(world, "d:1", today="2026-11-27")] == [broad]
    assert recommend_for_enterprise(world, "ent:2", today="2026-11-27") == []


# -- import and the synthetic demo history, on both stores -----------------------------------------------------
def test_activity_list_import_is_idempotent_and_names_bad_rows(world, tmp_path):
    from workflow.activity_import import import_activities

    src = tmp_path / "活动清单.csv"
    src.write_text("活动名称,活动类型,开始日期,结束日期,地区,名额,技术领域,状态,活动成效\n"
                   "锂电池技术路演,项目路演,2026/12/10,2026/12/11,杭州市,30,锂电池；f:energy,报名中,\n"
                   "往期政策宣讲,政策宣讲,2026-03-01,,,,,已结束,解读政策 5 项\n"
                   "坏的一行,路演,2026-12-40,2026-12-01,,-5,不存在,作废,\n", encoding="utf-8")
    first = import_activities(world, src, actor="officer", now=NOW)
    assert len(first.created) == 2 and {(e.row, e.field) for e in first.errors} == {
        (4, "kind"), (4, "start_date"), (4, "capacity"), (4, "fields"), (4, "status")}
    assert any(e.message().startswith("第 4 行「kind」未知的活动类型「路演」") for e in first.errors)
    again = import_activities(world, src, actor="officer", now=NOW)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 2
    roadshow = world.get_node(Label.ACTIVITY, first.created[0])
    assert roadshow.props["field_ids"] == ["f:battery", "f:energy"] and roadshow.props["end_date"] == "2026-12-11"
    assert world.get_node(Label.ACTIVITY, first.created[1]).props["status"] == "已结束"
    assert world.count_nodes(Label.ACTIVITY) == 2


def _demo_snapshot(store: GraphStore) -> list[tuple]:
    acts = store.all_nodes(Label.ACTIVITY)
    enrolments = sorted((r["id"], a.id, r["status"]) for a in acts for r in activities.enrolments_of(store, a.id))
    return [(a.id, a.props["title"], a.props["status"], a.props.get("enrolled")) for a in acts] + enrolments


def _demo_world() -> Batch:
    more = [{"id": f"ent:{i}", "name": f"示例企业{i}"} for i in range(3, 12)]
    demands = [{"id": f"d:x{i}", "title": f"锂电池需求{i}", "status": "待对接"} for i in range(3, 12)]
    return (Batch().add_nodes(Label.ENTERPRISE, more).add_nodes(Label.DEMAND, demands)
            .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND,
                      [{"start": f"ent:{i}", "end": f"d:x{i}"} for i in range(3, 12)])
            .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD,
                      [{"start": f"d:x{i}", "end": f} for i in range(3, 12) for f in ("f:battery", "f:bio")])
            .add_rels(RelType.LOCATED_IN, Label.ENTERPRISE, Label.REGION,
                      [{"start": f"ent:{i}", "end": "330100"} for i in range(1, 12)]))


def test_demo_history_is_seeded_synthetic_and_refers_to_loaded_enterprises(world):
    from workflow.activity_demo import make_activity_history

    extra = _demo_world()
    world.write(extra)
    made = make_activity_history(world, count=14)
    assert made is not None and made.activities == 14 and made.enrolments > 0 and made.closed > 0
    assert make_activity_history(world, count=14) is None  # once per store
    acts = world.all_nodes(Label.ACTIVITY)
    assert all(a.props["source"] == "synthetic" for a in acts)
    enterprise_ids = {e.id for e in world.all_nodes(Label.ENTERPRISE)}
    enrolled = {r["id"] for a in acts for r in activities.enrolments_of(world, a.id) if r["label"] == "Enterprise"}
    assert enrolled and enrolled <= enterprise_ids
    assert {a.props["region_name"] for a in acts} == {"杭州市"}
    snapshot = _demo_snapshot(world)
    world.clear()
    _world(world)
    world.write(extra)
    make_activity_history(world, count=14)
    assert _demo_snapshot(world) == snapshot  # same seed, same store content → same history


class _Interleaved:
    """The store, but ``meanwhile`` runs (another officer's request) just before the first write."""

    def __init__(self, store: GraphStore, meanwhile) -> None:
        self._store, self._meanwhile = store, meanwhile

    def write(self, batch):
        if self._meanwhile is not None:
            self._meanwhile, run = None, self._meanwhile
            run()
        return self._store.write(batch)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_two_enrolments_racing_for_the_last_seat_never_both_succeed(world):
    aid = _activity(world, capacity=1)
    racing = _Interleaved(world, lambda: activities.enrol(world, aid, ENT2, actor="portal", now=NOW))
    with pytest.raises(ConflictError, match="已被他人修改"):
        activities.enrol(racing, aid, ENT1, actor="portal", now=NOW)
    assert [r["id"] for r in activities.enrolments_of(world, aid)] == ["ent:2"]
    assert world.get_node(Label.ACTIVITY, aid).props["enrolled"] == 1
    closing = _Interleaved(world, lambda: activities.advance_activity(world, aid, "已结束", outcome="取消",
                                                                      actor="officer", now=NOW))
    with pytest.raises(ConflictError, match="已被他人修改"):
        activities.mark_enrolment(closing, aid, ENT2, "已取消", actor="portal", now=NOW)
    assert activities.enrolments_of(world, aid)[0]["status"] == "已报名"


@pytest.mark.neo4j
def test_demo_history_is_the_same_on_both_stores(local_store, neo4j_store):
    from workflow.activity_demo import make_activity_history

    for each in (local_store, neo4j_store):
        _world(each)
        each.write(_demo_world())
        make_activity_history(each, count=14)
    assert _demo_snapshot(local_store) == _demo_snapshot(neo4j_store)


def test_the_workbook_has_the_activity_report_by_kind_for_a_region_and_period(world):
    roadshow = _activity(world)  # 项目路演 in 杭州市 (330100) on 2026-12-10
    activities.enrol(world, roadshow, ENT1, actor="portal", now=NOW)
    activities.enrol(world, roadshow, E1, actor="portal", now=NOW)
    activities.advance_activity(world, roadshow, "进行中", actor="officer", now=NOW)
    activities.mark_enrolment(world, roadshow, ENT1, "已出席", actor="officer", now=NOW)
    activities.advance_activity(world, roadshow, "已结束", outcome="签约意向 2 项", actor="officer", now=NOW)
    _activity(world, title="政策宣讲会", kind="政策宣讲", region="宁波")  # a region no Region node has: kept as text
    _activity(world, title="上年路演", start_date="2025-06-01")
    assert len(read_facts(world).activities) == 3

    december = ReportFilter("330100", "2026-12-01", "2026-12-31", "杭州市")
    book = load_workbook(io.BytesIO(report_workbook(world, ["activities"], december, now=NOW)))
    assert book.sheetnames == ["活动与培训", "说明"]
    sheet = book["活动与培训"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["活动类型", "活动数", "已举办", "报名数", "出席数", "出席率", "发起揭榜"],
        ["项目路演", 1, 1, 2, 1, 0.5, 0],
        ["合计", 1, 1, 2, 1, 0.5, 0]]
    assert sheet["F2"].number_format == "0.0%"
    about = {row[0].value: row[1].value for row in book["说明"].iter_rows()}
    assert about["活动与培训（行数）"] == 2 and "按活动类型汇总" in about["活动与培训（口径）"]

    every = load_workbook(io.BytesIO(report_workbook(world, ["activities"], ReportFilter(), now=NOW)))["活动与培训"]
    assert sorted((r[0].value, r[1].value) for r in every.iter_rows(min_row=2)) == [
        ("合计", 3), ("政策宣讲", 1), ("项目路演", 2)]
    with pytest.raises(ValidationError, match="「kind」应为 .*activities"):
        report_workbook(world, ["activity"], december)
