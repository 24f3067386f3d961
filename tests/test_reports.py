"""报送 reports and 考核评价: pure aggregation over hand-made facts, and a real flow on both stores."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from analytics.reports import (
    REPORTS,
    Facts,
    ReportFilter,
    demand_rows,
    evaluation,
    outcome_rows,
    read_facts,
    report_workbook,
    service_rows,
    summarize,
    summary,
)
from graph.errors import ValidationError
from graph.model import Label, RelType
from graph.store import Batch, GraphStore, NodeRef
from workflow.challenge import advance, publish_challenge, select_bid, submit_bid
from workflow.common import BEIJING
from workflow.dispatch import dispatch_expert, rate_service, record_service
from workflow.push import push_demands, push_id, respond
from workflow.vouchers import issue_voucher, redeem_voucher

ALL = ReportFilter()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=BEIJING)


# -- hand-made facts ---------------------------------------------------------------------------------


def facts() -> Facts:
    """浙江省 ⊃ 杭州市 ⊃ 西湖区, 浙江省 ⊃ 宁波市; 北京市 ⊃ 市辖区 ⊃ 东城区. Experts a, b (team t) at
    institution i1, c at no institution; enterprises e1 (西湖区), e2 (宁波市), e3 (东城区)."""
    regions = {
        "r:zj": {"id": "r:zj", "name": "浙江省", "level": "province", "parent": None},
        "r:hz": {"id": "r:hz", "name": "杭州市", "level": "city", "parent": "r:zj"},
        "r:xh": {"id": "r:xh", "name": "西湖区", "level": "county", "parent": "r:hz"},
        "r:nb": {"id": "r:nb", "name": "宁波市", "level": "city", "parent": "r:zj"},
        "r:bj": {"id": "r:bj", "name": "北京市", "level": "province", "parent": None},
        "r:bjx": {"id": "r:bjx", "name": "市辖区", "level": "city", "parent": "r:bj"},
        "r:dc": {"id": "r:dc", "name": "东城区", "level": "county", "parent": "r:bjx"},
    }
    return Facts(
        regions=regions,
        enterprises={"e1": {"id": "e1", "name": "杭州甲", "region": "r:xh"},
                     "e2": {"id": "e2", "name": "宁波乙", "region": "r:nb"},
                     "e3": {"id": "e3", "name": "北京丙", "region": "r:dc"}},
        institutions={"i1": {"id": "i1", "name": "浙江大学", "region": "r:hz"}},
        experts={"a": {"id": "a", "name": "甲专家", "institutions": ["i1"]},
                 "b": {"id": "b", "name": "乙专家", "institutions": ["i1"]},
                 "c": {"id": "c", "name": "丙专家", "institutions": []}},
        teams={"t": {"id": "t", "name": "团队", "members": ["a", "b"]}},
        demands={
            "d1": {"id": "d1", "title": "需求一", "status": "已解决", "posted": "2026-01-05", "solved_at":
                   "2026-02-10T09:00:00+08:00", "enterprise": "e1", "region": "r:xh", "industries": ["制造业"],
                   "fields": ["正极材料", "电池材料"], "budget_wan": 30.0, "deadline": "2026-06-30"},
            "d2": {"id": "d2", "title": "需求二", "status": "对接中", "posted": "2026-02-01", "enterprise": "e2",
                   "region": "r:nb", "industries": [], "fields": []},
            "d3": {"id": "d3", "title": "需求三", "status": "已解决", "posted": "2026-02-20", "solved_at":
                   "2026-03-05T12:00:00+08:00", "enterprise": "e3", "region": "r:dc", "industries": [], "fields": []},
            "d4": {"id": "d4", "title": "需求四", "status": "待对接", "posted": None, "enterprise": None,
                   "region": None, "industries": [], "fields": []},
        },
        pushes=[
            {"id": "p1", "demand_id": "d1", "target_label": "Expert", "target_id": "a", "status": "已接受",
             "created_at": "2026-01-10T10:00:00+08:00"},
            {"id": "p2", "demand_id": "d1", "target_label": "Team", "target_id": "t", "status": "待回复",
             "created_at": "2026-01-10T10:00:00+08:00"},
            {"id": "p3", "demand_id": "d2", "target_label": "Expert", "target_id": "c", "status": "已谢绝",
             "created_at": "2026-02-03T10:00:00+08:00"},
            {"id": "p4", "demand_id": "d3", "target_label": "Expert", "target_id": "c", "status": "已接受",
             "created_at": "2026-02-21T10:00:00+08:00"},
        ],
        dispatches=[{"id": "x1", "expert_id": "a", "enterprise_id": "e1", "demand_id": "d1",
                     "start_date": "2026-01-15", "end_date": "2026-03-31", "status": "派驻中"}],
        services=[
            {"id": "s1", "dispatch_id": "x1", "expert_id": "a", "enterprise_id": "e1", "demand_id": "d1",
             "date": "2026-01-20", "hours": 4.0, "service_type": "技术诊断", "content": "诊断", "rating": 4,
             "solved": False},
            {"id": "s2", "dispatch_id": "x1", "expert_id": "a", "enterprise_id": "e1", "demand_id": "d1",
             "date": "2026-02-10", "hours": 3.5, "service_type": "产品开发", "content": "=SUM(A1)", "rating": 5,
             "solved": True, "redeemed_amount": 1200.0},
            {"id": "s3", "dispatch_id": "x2", "expert_id": "c", "enterprise_id": "e2", "demand_id": None,
             "date": "2026-02-11", "hours": 2.0, "service_type": "科技咨询", "content": "咨询", "solved": False},
        ],
        challenges=[{"id": "ch:d3", "demand_id": "d3", "status": "已完成", "winner_label": "Team", "winner_id": "t",
                     "created_at": "2026-02-22T10:00:00+08:00",
                     "completed_at": "2026-03-05T12:00:00+08:00",
                     "history": ["2026-02-22T10:00:00+08:00 发布 officer", "2026-03-05T12:00:00+08:00 已完成 officer"]}],
    )


def test_filter_covers_inclusive_bounds_and_undated_facts_only_without_a_period():
    flt = ReportFilter(start="2026-02-01", end="2026-02-28")
    assert flt.covers("2026-02-01") and flt.covers("2026-02-28T23:59:59+08:00")
    assert not flt.covers("2026-01-31") and not flt.covers("2026-03-01") and not flt.covers(None)
    assert ALL.covers(None) and ALL.covers("1999-01-01")


def test_demand_rows_by_posted_date_with_region_names_and_period():
    rows = demand_rows(facts(), ALL)
    assert [r["id"] for r in rows] == ["d4", "d1", "d2", "d3"]  # undated first
    d1 = rows[1]
    assert d1 == {"id": "d1", "title": "需求一", "enterprise": "杭州甲", "region": "浙江省杭州市", "industry": "制造业",
                  "fields": "正极材料、电池材料", "status": "已解决", "posted": "2026-01-05", "deadline": "2026-06-30",
                  "budget_wan": 30.0}
    assert rows[3]["region"] == "北京市"  # the 市辖区 placeholder is not a name
    assert [r["id"] for r in demand_rows(facts(), ReportFilter(start="2026-02-01"))] == ["d2", "d3"]
    assert [r["id"] for r in demand_rows(facts(), ReportFilter(region="r:zj"))] == ["d1", "d2"]
    assert [r["id"] for r in demand_rows(facts(), ReportFilter(region="r:hz"))] == ["d1"]


def test_outcome_rows_count_each_fact_in_its_period_and_end_with_totals():
    rows = outcome_rows(facts(), ALL)
    assert [r["demand_id"] for r in rows] == ["d1", "d2", "d3", "合计"]
    assert rows[0] == {"demand_id": "d1", "title": "需求一", "enterprise": "杭州甲", "region": "浙江省杭州市",
                       "pushed": 2, "accepted": 1, "declined": 0, "pending": 1, "dispatches": 1, "services": 2,
                       "hours": 7.5, "solved": "是", "solved_at": "2026-02-10", "challenge": ""}
    assert rows[2]["challenge"] == "已完成" and rows[2]["solved"] == "是"
    assert rows[-1] == {"demand_id": "合计", "title": "共 3 条需求", "enterprise": "", "region": "", "pushed": 4,
                        "accepted": 2, "declined": 1, "pending": 1, "dispatches": 1, "services": 2, "hours": 7.5,
                        "solved": 2, "solved_at": "", "challenge": 1}
    # January: d1 was pushed, dispatched and served once, not yet solved by the end of the period
    january = outcome_rows(facts(), ReportFilter(start="2026-01-01", end="2026-01-31"))
    assert [r["demand_id"] for r in january] == ["d1", "合计"]
    assert (january[0]["services"], january[0]["hours"], january[0]["solved"], january[0]["solved_at"]) == (1, 4.0, "否", "")
    # February: no push or dispatch of d1, but its second service and its solving
    february = outcome_rows(facts(), ReportFilter(start="2026-02-01", end="2026-02-28"))
    assert [(r["demand_id"], r["pushed"], r["services"], r["solved"]) for r in february[:-1]] == [
        ("d1", 0, 1, "是"), ("d2", 1, 0, "否"), ("d3", 1, 0, "否")]
    march = outcome_rows(facts(), ReportFilter(start="2026-03-01", end="2026-03-31"))
    assert [(r["demand_id"], r["solved"]) for r in march[:-1]] == [("d3", "是")]


def test_consecutive_periods_add_up_to_the_whole():
    whole = outcome_rows(facts(), ALL)[-1]
    parts = [outcome_rows(facts(), ReportFilter(start=s, end=e))[-1]
             for s, e in (("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-12-31"))]
    for key in ("pushed", "accepted", "declined", "pending", "dispatches", "services", "hours"):
        assert sum(p[key] for p in parts) == whole[key], key


def test_service_rows_by_date_with_enterprise_region_and_voucher():
    rows = service_rows(facts(), ALL)
    assert [r["id"] for r in rows] == ["s1", "s2", "s3"]
    assert rows[1] == {"date": "2026-02-10", "expert": "甲专家", "institution": "浙江大学", "enterprise": "杭州甲",
                       "region": "浙江省杭州市", "service_type": "产品开发", "hours": 3.5, "content": "=SUM(A1)",
                       "outcome": "", "solved": "是", "rating": 5, "redeemed_amount": 1200.0, "id": "s2"}
    assert rows[2]["institution"] == "" and rows[2]["region"] == "浙江省宁波市" and rows[2]["rating"] is None
    assert [r["id"] for r in service_rows(facts(), ReportFilter(region="r:nb"))] == ["s3"]
    assert [r["id"] for r in service_rows(facts(), ReportFilter(start="2026-02-10", end="2026-02-10"))] == ["s2"]


def test_evaluation_by_expert_credits_team_members_and_sorts_by_solved_then_hours():
    rows = evaluation(facts(), ALL, by="expert")
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0] == {"id": "a", "name": "甲专家", "institution": "浙江大学", "enterprises": 1, "solved": 2,
                       "services": 2, "hours": 7.5, "rating_mean": 4.5, "ratings": 2, "pushes": 2, "accepted": 1,
                       "acceptance_rate": 0.5}
    # b: only through the team — its pending push and the challenge it won
    assert rows[1] == {"id": "b", "name": "乙专家", "institution": "浙江大学", "enterprises": 0, "solved": 1,
                       "services": 0, "hours": 0.0, "rating_mean": None, "ratings": 0, "pushes": 1, "accepted": 0,
                       "acceptance_rate": 0.0}
    assert (rows[2]["solved"], rows[2]["hours"], rows[2]["rating_mean"], rows[2]["acceptance_rate"]) == (0, 2.0, None, 0.5)


def test_evaluation_by_institution_counts_a_team_push_once():
    rows = evaluation(facts(), ALL, by="institution")
    assert [r["id"] for r in rows] == ["i1", ""]
    assert rows[0] == {"id": "i1", "name": "浙江大学", "experts": 2, "enterprises": 1, "solved": 2, "services": 2,
                       "hours": 7.5, "rating_mean": 4.5, "ratings": 2, "pushes": 2, "accepted": 1,
                       "acceptance_rate": 0.5}
    assert rows[1]["name"] == "（未登记单位）" and rows[1]["pushes"] == 2


def test_evaluation_by_region_groups_one_level_below_the_filter():
    rows = evaluation(facts(), ALL, by="region")
    assert [(r["id"], r["name"], r["solved"], r["pushes"], r["services"]) for r in rows] == [
        ("r:zj", "浙江省", 1, 3, 3), ("r:bj", "北京市", 1, 1, 0)]
    cities = evaluation(facts(), ReportFilter(region="r:zj"), by="region")
    assert [(r["id"], r["experts"], r["hours"], r["pushes"]) for r in cities] == [
        ("r:hz", 2, 7.5, 2), ("r:nb", 1, 2.0, 1)]
    assert [r["id"] for r in evaluation(facts(), ReportFilter(region="r:nb"), by="region")] == ["r:nb"]


def test_evaluation_period_and_bad_grouping():
    march = evaluation(facts(), ReportFilter(start="2026-03-01"), by="expert")
    assert [(r["id"], r["solved"], r["pushes"]) for r in march] == [("a", 1, 0), ("b", 1, 0)]  # the challenge only
    assert evaluation(Facts(), ALL, by="expert") == []
    with pytest.raises(ValidationError, match="「by」应为 expert、institution、region 之一"):
        evaluation(facts(), ALL, by="team")


def test_summarize_headline_numbers():
    assert summarize(facts(), ALL) == {
        "filter": {"region": None, "region_name": "", "start": None, "end": None}, "demands": 4, "pushed": 4,
        "accepted": 2, "dispatches": 1, "enterprises_served": 2, "services": 3, "hours": 9.5, "solved": 2,
        "rating_mean": 4.5, "ratings": 2}
    hz = summarize(facts(), ReportFilter(region="r:hz", start="2026-02-01"))
    assert (hz["demands"], hz["pushed"], hz["services"], hz["hours"], hz["solved"], hz["rating_mean"]) == (
        0, 0, 1, 3.5, 1, 5.0)
    assert summarize(Facts(), ALL)["rating_mean"] is None


def test_every_report_kind_has_unique_headers_and_a_sheet_name_excel_accepts():
    assert list(REPORTS) == ["demands", "outcomes", "services", "evaluation_expert", "evaluation_institution",
                             "evaluation_region", "registry", "service_modes", "cooperation_forms", "talent",
                             "activities"]
    for kind, spec in REPORTS.items():
        assert len(spec.sheet) <= 31 and not set(spec.sheet) & set(":\\/?*[]")
        assert len({c[0] for c in spec.columns}) == len(spec.columns)
        rows = spec.build(facts(), ALL)
        assert rows or kind in ("cooperation_forms", "talent"), spec.sheet  # the facts record no form, no rating
        assert all(set(r) == {c[0] for c in spec.columns} for r in rows), spec.sheet


# -- parsing the filter ------------------------------------------------------------------------------


def regions_batch() -> Batch:
    rows = [("330000", "浙江省", "浙江省", "province"), ("330100", "杭州市", "浙江省杭州市", "city"),
            ("330106", "西湖区", "浙江省杭州市西湖区", "county"), ("440000", "广东省", "广东省", "province"),
            ("440300", "深圳市", "广东省深圳市", "city"), ("120000", "天津市", "天津市", "province"),
            ("120100", "市辖区", "天津市", "city"), ("120101", "和平区", "天津市和平区", "county"),
            ("210000", "辽宁省", "辽宁省", "province"), ("210200", "大连市", "辽宁省大连市", "city"),
            ("210202", "中山区", "辽宁省大连市中山区", "county"), ("440200", "韶关市", "广东省韶关市", "city"),
            ("442000", "中山市", "广东省中山市", "city"), ("110000", "北京市", "北京市", "province"),
            ("110100", "市辖区", "北京市", "city")]
    batch = Batch().add_nodes(Label.REGION, [{"id": f"region:{c}", "code": c, "name": n, "full_name": f, "level": lv}
                                             for c, n, f, lv in rows])
    parent = {"330100": "330000", "330106": "330100", "440300": "440000", "120100": "120000", "120101": "120100",
              "210200": "210000", "210202": "210200", "440200": "440000", "442000": "440000",
              "110100": "110000"}
    return batch.add_rels(RelType.PART_OF, Label.REGION, Label.REGION,
                          [{"start": f"region:{c}", "end": f"region:{p}"} for c, p in parent.items()])


@pytest.mark.parametrize(("value", "region_id", "name"), [
    ("region:330100", "region:330100", "浙江省杭州市"), ("330100", "region:330100", "浙江省杭州市"),
    ("33", "region:330000", "浙江省"), ("330106001", "region:330106", "浙江省杭州市西湖区"),
    ("杭州市", "region:330100", "浙江省杭州市"), ("浙江省杭州市西湖区", "region:330106", "浙江省杭州市西湖区"),
    (" 广东省 ", "region:440000", "广东省"), (None, None, ""), ("", None, "")])
def test_filter_parse_resolves_an_id_code_or_exact_name(local_store, value, region_id, name):
    local_store.write(regions_batch())
    flt = ReportFilter.parse(value, " 2026-01-01 ", "", local_store)
    assert (flt.region, flt.region_name, flt.start, flt.end) == (region_id, name, "2026-01-01", None)


@pytest.mark.parametrize(("region", "start", "end", "message"), [
    (None, "2026-13-01", None, "「start」应为日期 YYYY-MM-DD，实际为「2026-13-01」"),
    (None, None, "明天", "「end」应为日期 YYYY-MM-DD，实际为「明天」"),
    (None, "2026-03-01", "2026-02-01", "「end」结束日期 2026-02-01 早于开始日期 2026-03-01"),
    ("火星", None, None, "「region」未知的地区「火星」"),
    ("999999", None, None, "「region」未知的地区代码「999999」"),
    ("市辖区", None, None, "「region」未知的地区「市辖区」"),  # a placeholder, as the importer and API read it
    ("中山区", None, None, None),  # one 中山区 only (中山市 is another name)
])
def test_filter_parse_refuses_bad_input_in_chinese(local_store, region, start, end, message):
    local_store.write(regions_batch())
    if message is None:
        assert ReportFilter.parse(region, start, end, local_store).region == "region:210202"
        return
    with pytest.raises(ValidationError) as err:
        ReportFilter.parse(region, start, end, local_store)
    assert message in err.value.message and err.value.errors[0].field in ("region", "start", "end")


# -- a real flow on both stores ----------------------------------------------------------------------

TITLE = "=HYPERLINK(\"http://evil.example\",\"高镍正极材料涂布缺陷检测\")"


def world() -> Batch:
    """Regions as in :func:`regions_batch`; 浙江大学 (杭州市) with 李明 and 赵磊 (team 正极材料团队),
    中山大学 (广东省) with 陈静; 杭州锂能 (西湖区) posts d:1 (its own region 西湖区) and d:3;
    深圳视觉 (深圳市) posts d:2."""
    L, R = Label, RelType
    return (
        regions_batch()
        .add_nodes(L.INDUSTRY, [{"id": "gbt4754:C", "code": "C", "name": "制造业"},
                                {"id": "gbt4754:38", "code": "38", "name": "电气机械和器材制造业"}])
        .add_nodes(L.FIELD, [{"id": "f:bat", "name": "电池材料", "scheme": "t", "code": "B"},
                             {"id": "f:cathode", "name": "正极材料", "scheme": "t", "code": "B01"},
                             {"id": "f:vision", "name": "机器视觉", "scheme": "t", "code": "V"}])
        .add_nodes(L.INSTITUTION, [{"id": "i:zju", "name": "浙江大学"}, {"id": "i:sysu", "name": "中山大学"}])
        .add_nodes(L.EXPERT, [{"id": "e:li", "name": "李明"}, {"id": "e:zhao", "name": "赵磊"},
                              {"id": "e:chen", "name": "陈静"}])
        .add_nodes(L.TEAM, [{"id": "t:1", "name": "正极材料团队"}])
        .add_nodes(L.ENTERPRISE, [{"id": "ent:1", "name": "杭州锂能科技有限公司"},
                                  {"id": "ent:2", "name": "深圳视觉科技有限公司"}])
        .add_nodes(L.DEMAND, [
            {"id": "d:1", "title": TITLE, "status": "待对接", "posted": "2026-03-01", "deadline": "2026-06-30",
             "budget_wan": 50.0},
            {"id": "d:2", "title": "电池包热失控预警", "status": "待对接", "posted": "2026-02-01"},
            {"id": "d:3", "title": "机器视觉质检", "status": "待对接", "posted": "2026-04-15"}])
        .add_rels(R.PART_OF, L.INDUSTRY, L.INDUSTRY, [{"start": "gbt4754:38", "end": "gbt4754:C"}])
        .add_rels(R.SUBFIELD_OF, L.FIELD, L.FIELD, [{"start": "f:cathode", "end": "f:bat"}])
        .add_rels(R.WORKS_AT, L.EXPERT, L.INSTITUTION, [{"start": "e:li", "end": "i:zju"},
                                                        {"start": "e:zhao", "end": "i:zju"},
                                                        {"start": "e:chen", "end": "i:sysu"}])
        .add_rels(R.MEMBER_OF, L.EXPERT, L.TEAM, [{"start": "e:li", "end": "t:1"}, {"start": "e:zhao", "end": "t:1"}])
        .add_rels(R.LOCATED_IN, L.INSTITUTION, L.REGION, [{"start": "i:zju", "end": "region:330100"},
                                                          {"start": "i:sysu", "end": "region:440000"}])
        .add_rels(R.LOCATED_IN, L.ENTERPRISE, L.REGION, [{"start": "ent:1", "end": "region:330106"},
                                                         {"start": "ent:2", "end": "region:440300"}])
        .add_rels(R.LOCATED_IN, L.DEMAND, L.REGION, [{"start": "d:1", "end": "region:330106"}])
        .add_rels(R.POSTED, L.ENTERPRISE, L.DEMAND, [{"start": "ent:1", "end": "d:1"}, {"start": "ent:2", "end": "d:2"},
                                                     {"start": "ent:1", "end": "d:3"}])
        .add_rels(R.IN_INDUSTRY, L.DEMAND, L.INDUSTRY, [{"start": "d:1", "end": "gbt4754:38"},
                                                        {"start": "d:2", "end": "gbt4754:C"}])
        .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": "d:1", "end": "f:cathode", "weight": 1.0},
                                               {"start": "d:1", "end": "f:vision", "weight": 0.5},
                                               {"start": "d:2", "end": "f:bat", "weight": 1.0},
                                               {"start": "d:3", "end": "f:vision", "weight": 1.0}])
    )


def run_flow(store: GraphStore) -> dict[str, str]:
    """push → accept/decline → dispatch → two services (one solves d:1) → rating → voucher; a 揭榜
    challenge on d:3 won by the team. Returns the generated ids."""
    store.write(world())
    expert, team = (lambda i: NodeRef(Label.EXPERT, i)), NodeRef(Label.TEAM, "t:1")
    push_demands(store, ["d:1"], [expert("e:li"), team, expert("e:chen")], actor="officer", now=at("2026-03-10"))
    push_demands(store, ["d:2"], [expert("e:chen")], actor="officer", now=at("2026-03-11"))
    respond(store, push_id("d:1", expert("e:li")), accept=True, responder="e:li", now=at("2026-03-10", 12))
    respond(store, push_id("d:1", expert("e:chen")), accept=False, reason="时间冲突", responder="e:chen",
            now=at("2026-03-10", 13))
    respond(store, push_id("d:2", expert("e:chen")), accept=True, responder="e:chen", now=at("2026-03-11", 12))
    dispatch = dispatch_expert(store, "e:li", "ent:1", start_date="2026-03-10", end_date="2026-06-30",
                               service_types=["技术诊断"], actor="officer", demand_id="d:1", now=at("2026-03-10", 14))
    first = record_service(store, dispatch.id, date="2026-03-12", hours=6, service_type="技术诊断",
                           content="-现场诊断涂布线", outcome="找到缺陷成因", solved=True, actor="officer",
                           now=at("2026-03-12", 18))
    second = record_service(store, dispatch.id, date="2026-03-13", hours="2.5", service_type="科技咨询",
                            content="工艺复核", actor="officer", now=at("2026-03-13", 18))
    rate_service(store, first.id, rating=5, comment="很好", rated_by="ent:1", now=at("2026-03-14"))
    voucher = issue_voucher(store, NodeRef(Label.ENTERPRISE, "ent:1"), amount=10000, valid_until="2026-12-31",
                            actor="officer", now=at("2026-03-01"))
    redeem_voucher(store, voucher.id, first.id, amount=3000, actor="officer", now=at("2026-03-15"))
    cid = publish_challenge(store, "d:3", conditions="识别率 99%", deadline="2026-05-31", reward_wan=20,
                            actor="officer", now=at("2026-04-16")).id
    advance(store, cid, "揭榜中", actor="officer", now=at("2026-04-16", 11))
    bid = submit_bid(store, cid, team, proposal="深度学习方案", actor="e:li", now=at("2026-04-18"))
    select_bid(store, cid, bid.id, actor="officer", now=at("2026-04-20"))
    advance(store, cid, "实施中", actor="officer", now=at("2026-04-21"))
    advance(store, cid, "已完成", actor="officer", now=at("2026-04-30"))
    return {"dispatch": dispatch.id, "first": first.id, "second": second.id, "voucher": voucher.id, "challenge": cid}


def expected_rows(ids: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """What every report shows after :func:`run_flow`, without a filter."""
    tail = {"enterprises": 1, "solved": 2, "services": 2, "hours": 8.5, "rating_mean": 5.0, "ratings": 1}
    none = {"enterprises": 0, "services": 0, "hours": 0.0, "rating_mean": None, "ratings": 0}
    return {
        "demands": [
            {"id": "d:2", "title": "电池包热失控预警", "enterprise": "深圳视觉科技有限公司", "region": "广东省深圳市",
             "industry": "制造业", "fields": "电池材料", "status": "对接中", "posted": "2026-02-01", "deadline": "",
             "budget_wan": None},
            {"id": "d:1", "title": TITLE, "enterprise": "杭州锂能科技有限公司", "region": "浙江省杭州市",
             "industry": "电气机械和器材制造业", "fields": "正极材料、机器视觉", "status": "已解决",
             "posted": "2026-03-01", "deadline": "2026-06-30", "budget_wan": 50.0},
            {"id": "d:3", "title": "机器视觉质检", "enterprise": "杭州锂能科技有限公司", "region": "浙江省杭州市",
             "industry": "", "fields": "机器视觉", "status": "已解决", "posted": "2026-04-15", "deadline": "",
             "budget_wan": None}],
        "outcomes": [
            {"demand_id": "d:2", "title": "电池包热失控预警", "enterprise": "深圳视觉科技有限公司", "region": "广东省深圳市",
             "pushed": 1, "accepted": 1, "declined": 0, "pending": 0, "dispatches": 0, "services": 0, "hours": 0.0,
             "solved": "否", "solved_at": "", "challenge": ""},
            {"demand_id": "d:1", "title": TITLE, "enterprise": "杭州锂能科技有限公司", "region": "浙江省杭州市",
             "pushed": 3, "accepted": 1, "declined": 1, "pending": 1, "dispatches": 1, "services": 2, "hours": 8.5,
             "solved": "是", "solved_at": "2026-03-12", "challenge": ""},
            {"demand_id": "d:3", "title": "机器视觉质检", "enterprise": "杭州锂能科技有限公司", "region": "浙江省杭州市",
             "pushed": 0, "accepted": 0, "declined": 0, "pending": 0, "dispatches": 0, "services": 0, "hours": 0.0,
             "solved": "是", "solved_at": "2026-04-30", "challenge": "已完成"},
            {"demand_id": "合计", "title": "共 3 条需求", "enterprise": "", "region": "", "pushed": 4, "accepted": 2,
             "declined": 1, "pending": 1, "dispatches": 1, "services": 2, "hours": 8.5, "solved": 2, "solved_at": "",
             "challenge": 1}],
        "services": [
            {"date": "2026-03-12", "expert": "李明", "institution": "浙江大学", "enterprise": "杭州锂能科技有限公司",
             "region": "浙江省杭州市", "service_type": "技术诊断", "hours": 6.0, "content": "-现场诊断涂布线",
             "outcome": "找到缺陷成因", "solved": "是", "rating": 5, "redeemed_amount": 3000.0, "id": ids["first"]},
            {"date": "2026-03-13", "expert": "李明", "institution": "浙江大学", "enterprise": "杭州锂能科技有限公司",
             "region": "浙江省杭州市", "service_type": "科技咨询", "hours": 2.5, "content": "工艺复核", "outcome": "",
             "solved": "否", "rating": None, "redeemed_amount": None, "id": ids["second"]}],
        "evaluation_expert": [
            {"id": "e:li", "name": "李明", "institution": "浙江大学", **tail, "pushes": 2, "accepted": 1,
             "acceptance_rate": 0.5},
            {"id": "e:zhao", "name": "赵磊", "institution": "浙江大学", **none, "solved": 1, "pushes": 1, "accepted": 0,
             "acceptance_rate": 0.0},
            {"id": "e:chen", "name": "陈静", "institution": "中山大学", **none, "solved": 0, "pushes": 2, "accepted": 1,
             "acceptance_rate": 0.5}],
        "evaluation_institution": [
            {"id": "i:zju", "name": "浙江大学", "experts": 2, **tail, "pushes": 2, "accepted": 1, "acceptance_rate": 0.5},
            {"id": "i:sysu", "name": "中山大学", "experts": 1, **none, "solved": 0, "pushes": 2, "accepted": 1,
             "acceptance_rate": 0.5}],
        "evaluation_region": [
            {"id": "region:330000", "name": "浙江省", "experts": 3, **tail, "pushes": 3, "accepted": 1,
             "acceptance_rate": 0.3333},
            {"id": "region:440000", "name": "广东省", "experts": 1, **none, "solved": 0, "pushes": 1, "accepted": 1,
             "acceptance_rate": 1.0}],
    }


def test_a_real_flow_gives_every_report_and_the_workbook(store):
    ids = run_flow(store)
    facts_read = read_facts(store)
    expected = expected_rows(ids)
    for kind, spec in REPORTS.items():
        if kind in expected:  # issue 16's kinds: tests/test_programme.py
            assert spec.build(facts_read, ALL) == expected[kind], kind

    zhejiang = ReportFilter.parse("浙江省", "2026-03-01", "2026-03-31", store)
    assert [r["id"] for r in demand_rows(facts_read, zhejiang)] == ["d:1"]
    assert [(r["id"], r["hours"]) for r in evaluation(facts_read, zhejiang, by="region")] == [("region:330100", 8.5)]
    assert summary(store, ALL) == {
        "filter": ALL.as_dict(), "demands": 3, "pushed": 4, "accepted": 2, "dispatches": 1, "enterprises_served": 1,
        "services": 2, "hours": 8.5, "solved": 2, "rating_mean": 5.0, "ratings": 1}

    data = report_workbook(store, [], zhejiang, now=at("2026-04-01"))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [spec.sheet for spec in REPORTS.values()] + ["说明"]
    for spec in REPORTS.values():
        sheet = book[spec.sheet]
        assert [c.value for c in sheet[1]] == [header for _, header, _ in spec.columns]
        assert all(c.font.b for c in sheet[1])
    demands = book["需求清单"]
    assert [c.value for c in demands[2]] == ["d:1", TITLE, "杭州锂能科技有限公司", "浙江省杭州市", "电气机械和器材制造业",
                                             "正极材料、机器视觉", "已解决", "2026-03-01", "2026-06-30", 50]
    assert demands.max_row == 2
    title = demands["B2"]
    assert title.data_type == "s" and title.quotePrefix  # text, never a formula
    services = book["科技专员服务"]
    assert [c.value for c in services[2]][:12] == ["2026-03-12", "李明", "浙江大学", "杭州锂能科技有限公司",
                                                   "浙江省杭州市", "技术诊断", 6, "-现场诊断涂布线", "找到缺陷成因", "是",
                                                   5, 3000]
    assert services["H2"].quotePrefix and not services["H3"].quotePrefix
    outcomes = book["对接成果"]
    assert [c.value for c in outcomes[3]][:11] == ["合计", "共 1 条需求", None, None, 3, 1, 1, 1, 1, 2, 8.5]
    assert book["考核评价（地区）"]["B2"].value == "杭州市"
    about = {row[0].value: row[1].value for row in book["说明"].iter_rows()}
    assert about["生成时间"] == "2026-04-01T10:00:00+08:00"
    assert about["地区"] == "浙江省（region:330000，含下级地区）"
    assert (about["开始日期"], about["结束日期"]) == ("2026-03-01", "2026-03-31")
    assert about["需求清单（行数）"] == 1 and about["对接成果（行数）"] == 2 and about["科技专员服务（行数）"] == 2
    assert store.backend in about["数据来源"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(re.search(r"<f[ >]", s) for s in sheets)  # no formula anywhere


def test_workbook_of_some_kinds_and_an_unknown_kind(local_store):
    run_flow(local_store)
    book = load_workbook(io.BytesIO(report_workbook(local_store, ["services", "services", "demands"], ALL)))
    assert book.sheetnames == ["科技专员服务", "需求清单", "说明"]
    with pytest.raises(ValidationError, match="「kind」应为 demands"):
        report_workbook(local_store, ["demands", "budget"], ALL)


def _normalised(store: GraphStore, ids: dict[str, str]) -> dict[str, Any]:
    names = {v: k for k, v in ids.items()}
    facts_read = read_facts(store)
    rows = {kind: spec.build(facts_read, ALL) for kind, spec in REPORTS.items()}
    for row in rows["services"]:
        row["id"] = names[row["id"]]
    return {"rows": rows, "summary": summarize(facts_read, ALL)}


@pytest.mark.neo4j
def test_both_stores_give_identical_rows(local_store, neo4j_store):
    assert _normalised(local_store, run_flow(local_store)) == _normalised(neo4j_store, run_flow(neo4j_store))
