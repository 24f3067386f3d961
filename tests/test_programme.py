"""Issue 16: service modes on dispatches, cooperation forms on service outcomes, the reports by registry status,
mode and form, and the talent-programme list — workflow and reports on both stores, then the JSON API, the
CLI and the pages."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from helpers.pages import END, START, TODAY, field_errors, post_form, store_of
from openpyxl import load_workbook
from test_api import build_app, key_for
from test_pages import signed_in

from analytics.reports import REPORTS, ReportFilter, read_facts, report_workbook, talent_list
from analytics.talent import TalentRule, adjusted_rating, rank_talent
from api.auth import Role
from graph.clock import BEIJING
from graph.errors import ValidationError
from graph.model import Label, RelType
from graph.store import Batch, GraphStore
from workflow.dispatch import dispatch_expert, rate_service, record_service

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)
ALL = ReportFilter()
FAR = "2099-12-31"


def _world(store: GraphStore) -> GraphStore:
    """Enterprises a (高企 + 专精特新“小巨人”), b (科技型中小企业, expired 高企), c (none); experts x, y, z."""
    store.write(Batch()
                .add_nodes(Label.ENTERPRISE, [{"id": "ent:a", "name": "甲公司"}, {"id": "ent:b", "name": "乙公司"},
                                              {"id": "ent:c", "name": "丙公司"}])
                .add_nodes(Label.DEMAND, [{"id": f"d:{i}", "title": f"需求{i}", "status": "待对接", "posted": "2026-05-01"}
                                          for i in range(1, 5)])
                .add_nodes(Label.EXPERT, [{"id": "e:x", "name": "许"}, {"id": "e:y", "name": "杨"},
                                          {"id": "e:z", "name": "郑"}])
                .add_nodes(Label.REGISTRATION, [
                    {"id": "reg:1", "kind": "高新技术企业", "number": "GR202444000001", "year": 2024,
                     "issued_on": "2024-12-01", "expires_on": "2027-11-30", "enterprise_id": "ent:a"},
                    {"id": "reg:2", "kind": "专精特新", "number": "x", "year": 2025, "level": "专精特新“小巨人”企业",
                     "expires_on": "2027-12-31", "enterprise_id": "ent:a"},
                    {"id": "reg:3", "kind": "科技型中小企业", "number": "202644010512000123", "year": 2026,
                     "expires_on": "2027-12-31", "enterprise_id": "ent:b"},
                    {"id": "reg:4", "kind": "高新技术企业", "number": "GR202044000001", "year": 2020,
                     "issued_on": "2020-12-01", "expires_on": "2023-11-30", "enterprise_id": "ent:b"}])
                .add_rels(RelType.HOLDS, Label.ENTERPRISE, Label.REGISTRATION, [
                    {"start": "ent:a", "end": "reg:1"}, {"start": "ent:a", "end": "reg:2"},
                    {"start": "ent:b", "end": "reg:3"}, {"start": "ent:b", "end": "reg:4"}])
                .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND, [
                    {"start": "ent:a", "end": "d:1"}, {"start": "ent:a", "end": "d:2"},
                    {"start": "ent:b", "end": "d:3"}, {"start": "ent:c", "end": "d:4"}]))
    return store


def _serve(store, expert, enterprise, demand, *, mode, form=None, ratings=(5,), solved=True, hours=4):
    d = dispatch_expert(store, expert, enterprise, start_date="2026-06-01", end_date="2026-09-30",
                        service_types=["技术诊断"], actor="t", demand_id=demand, mode=mode, now=NOW)
    for i, rating in enumerate(ratings):
        last = i == len(ratings) - 1
        s = record_service(store, d.id, date=f"2026-07-{10 + i:02d}", hours=hours, service_type="技术诊断",
                           content="现场诊断", outcome="方案", solved=solved and last, actor="t",
                           form=form if last else None, now=NOW)
        if rating:
            rate_service(store, s.id, rating=rating, rated_by="ent", now=NOW)
    return d


@pytest.fixture
def history(store):
    _world(store)
    _serve(store, "e:x", "ent:a", "d:1", mode="长期派驻", form="联合实验室", ratings=(5, 4))
    _serve(store, "e:x", "ent:b", "d:3", mode="短期合作", form="合作开发项目", ratings=(5,))
    _serve(store, "e:y", "ent:a", "d:2", mode="兼职创新", ratings=(4, 4, 5))
    _serve(store, "e:z", "ent:c", "d:4", mode=None, ratings=(3,))
    return store


# -- the workflow --------------------------------------------------------------------------------------------
def test_dispatch_mode_and_service_form_are_recorded_and_optional(store):
    _world(store)
    d = dispatch_expert(store, "e:x", "ent:a", start_date="2026-06-01", end_date="2026-06-30",
                        service_types=["科技咨询"], actor="t", mode="长期派驻", now=NOW)
    s = record_service(store, d.id, date="2026-06-02", hours=2, service_type="科技咨询", content="座谈",
                       form="共建新型研发机构", actor="t", now=NOW)
    assert d.props["service_mode"] == "长期派驻"
    assert (s.props["cooperation_form"], s.props["service_mode"]) == ("共建新型研发机构", "长期派驻")
    plain = dispatch_expert(store, "e:y", "ent:b", start_date="2026-06-01", end_date="2026-06-30",
                            service_types=["科技咨询"], actor="t", now=NOW)  # records without them stay valid
    assert "service_mode" not in plain.props
    plain_service = record_service(store, plain.id, date="2026-06-02", hours=1, service_type="科技咨询",
                                   content="电话", actor="t", now=NOW)
    assert "cooperation_form" not in plain_service.props and "service_mode" not in plain_service.props
    before = store.counts().as_dict()
    with pytest.raises(ValidationError, match="未知的服务方式「驻场」") as err:
        dispatch_expert(store, "e:x", "ent:a", start_date="2026-06-01", end_date="2026-06-30",
                        service_types=["科技咨询"], actor="t", mode="驻场", now=NOW)
    assert err.value.errors[0].field == "service_mode"
    with pytest.raises(ValidationError, match="未知的合作形式「技术转让」"):
        record_service(store, d.id, date="2026-06-03", hours=1, service_type="科技咨询", content="x",
                       form="技术转让", actor="t", now=NOW)
    assert store.counts().as_dict() == before


# -- the reports (both stores) ---------------------------------------------------------------------------------
def _by(rows, key):
    return {r[key]: r for r in rows}


def test_reports_by_registry_status_mode_and_form(history):
    facts = read_facts(history)
    assert facts.registry_status == {"ent:a": ["高新技术企业", "专精特新", "专精特新“小巨人”企业"],
                                     "ent:b": ["科技型中小企业"]}
    reg = _by(REPORTS["registry"].build(facts, ALL), "registry")
    assert list(reg) == ["科技型中小企业", "高新技术企业", "专精特新", "专精特新“小巨人”企业", "无资质", "合计"]
    assert (reg["高新技术企业"]["listed"], reg["高新技术企业"]["demands"], reg["高新技术企业"]["solved"]) == (1, 2, 2)
    assert (reg["高新技术企业"]["services"], reg["高新技术企业"]["hours"]) == (5, 20.0)
    assert (reg["科技型中小企业"]["demands"], reg["科技型中小企业"]["solved"], reg["科技型中小企业"]["services"]) == (1, 1, 1)
    assert (reg["无资质"]["listed"], reg["无资质"]["enterprises"], reg["无资质"]["demands"]) == (0, 1, 1)
    assert (reg["合计"]["demands"], reg["合计"]["services"], reg["合计"]["listed"]) == (4, 7, 2)

    modes = _by(REPORTS["service_modes"].build(facts, ALL), "service_mode")
    assert list(modes) == ["兼职创新", "长期派驻", "短期合作", "（未填写）", "合计"]
    assert (modes["兼职创新"]["dispatches"], modes["兼职创新"]["services"], modes["兼职创新"]["rating_mean"]) == (1, 3, 4.33)
    assert (modes["长期派驻"]["solved"], modes["（未填写）"]["services"], modes["合计"]["dispatches"]) == (1, 1, 4)

    forms = _by(REPORTS["cooperation_forms"].build(facts, ALL), "cooperation_form")
    assert list(forms) == ["联合实验室", "合作开发项目", "合计"]
    assert (forms["联合实验室"]["services"], forms["联合实验室"]["solved"], forms["合计"]["experts"]) == (1, 1, 1)
    later = ReportFilter(start="2026-08-01")
    assert REPORTS["cooperation_forms"].build(facts, later) == []


def test_talent_list_ranks_by_solved_then_enterprises_with_evidence(history):
    rows = talent_list(history, ALL)
    assert [(r["rank"], r["id"]) for r in rows] == [(1, "e:x"), (2, "e:y")]  # e:z: rating 3 is below 4.0
    top = rows[0]
    assert (top["solved"], top["enterprises"], top["services"], top["hours"], top["ratings"]) == (2, 2, 3, 12.0, 3)
    assert top["reason"] == "解决需求 2 项、服务企业 2 家、服务 3 次共 12 小时、平均评分 4.67（3 次评价）"
    assert talent_list(history, ALL, top=1) == rows[:1]
    book = load_workbook(io.BytesIO(report_workbook(history, ["talent"], ALL)))
    sheet = book["人才计划推荐名单"]
    assert [c.value for c in sheet[1]][:3] == ["排名", "专家编号", "专家"] and sheet["B2"].value == "e:x"


# -- the ranking rule (pure) -------------------------------------------------------------------------------
def _row(i, solved=1, enterprises=1, mean=4.5, ratings=2, hours=10.0):
    return {"id": i, "solved": solved, "enterprises": enterprises, "rating_mean": mean, "ratings": ratings,
            "hours": hours, "services": 2}


@pytest.mark.parametrize(("rows", "order"), [
    ([_row("a", solved=1), _row("b", solved=2)], ["b", "a"]),
    ([_row("a", enterprises=1), _row("b", enterprises=3)], ["b", "a"]),
    ([_row("a", mean=5.0, ratings=1), _row("b", mean=4.8, ratings=20)], ["b", "a"]),  # shrunk rating
    ([_row("a", hours=5), _row("b", hours=9)], ["b", "a"]),
    ([_row("b"), _row("a")], ["a", "b"]),  # a full tie: by id
    ([_row("a", solved=0), _row("b", ratings=0, mean=None), _row("c", mean=3.9)], []),  # none eligible
])
def test_ranking_rule(rows, order):
    assert [r["id"] for r in rank_talent(rows)] == order


def test_the_rule_is_a_parameter_and_the_prior_is_documented():
    assert adjusted_rating(4.0, 2, TalentRule(prior_mean=5.0, prior_weight=2)) == 4.5
    loose = TalentRule(min_solved=0, min_rating=3.0)
    assert [r["id"] for r in rank_talent([_row("a", solved=0, mean=3.2)], rule=loose)] == ["a"]
    assert rank_talent([]) == [] and rank_talent([_row("a")], top=0) == []


# -- JSON API ------------------------------------------------------------------------------------------------
def _holds_hnte(app) -> None:
    store_of(app).write(Batch()
                        .add_nodes(Label.REGISTRATION, [{"id": "reg:1", "kind": "高新技术企业", "number": "GR202433000001",
                                                         "year": 2024, "issued_on": "2024-12-01",
                                                         "expires_on": FAR, "enterprise_id": "ent:1"}])
                        .add_rels(RelType.HOLDS, Label.ENTERPRISE, Label.REGISTRATION, [{"start": "ent:1", "end": "reg:1"}]))


def test_api_filters_demands_by_registry_and_records_modes(client, app):
    officer = key_for(app, Role.OFFICER)
    _holds_hnte(app)
    listed = client.get("/api/v1/demands", headers=officer, query_string={"registry": "高新技术企业"}).get_json()
    posted = {nb.node.id for nb in store_of(app).neighbors(Label.ENTERPRISE, "ent:1", rel_types=[RelType.POSTED])}
    assert {d["id"] for d in listed["items"]} == posted and listed["total"] == len(posted)
    assert client.get("/api/v1/demands", headers=officer, query_string={"registry": "专精特新"}).get_json()["total"] == 0
    bad = client.get("/api/v1/demands", headers=officer, query_string={"registry": "瞪羚"})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "registry"

    body = {"expert_id": "e:li", "enterprise_id": "ent:1", "start_date": START, "end_date": END,
            "service_types": ["科技咨询"], "service_mode": "兼职创新"}
    made = client.post("/api/v1/dispatches", headers=officer, json=body)
    assert made.status_code == 201 and made.get_json()["service_mode"] == "兼职创新"
    refused = client.post("/api/v1/dispatches", headers=officer, json={**body, "service_mode": "驻场"})
    assert refused.status_code == 400 and "未知的服务方式" in refused.get_json()["error"]
    dispatch_id = made.get_json()["id"]
    service = client.post(f"/api/v1/dispatches/{dispatch_id}/services", headers=officer,
                          json={"date": TODAY.isoformat(), "hours": 3, "service_type": "科技咨询", "content": "座谈",
                                "cooperation_form": "联合实验室"})
    assert service.status_code == 201 and service.get_json()["cooperation_form"] == "联合实验室"
    found = client.get("/api/v1/services", headers=officer, query_string={"cooperation_form": "联合实验室"}).get_json()
    assert [s["id"] for s in found["items"]] == [service.get_json()["id"]]
    by_mode = client.get("/api/v1/dispatches", headers=officer, query_string={"service_mode": "兼职创新"}).get_json()
    assert [d["id"] for d in by_mode["items"]] == [dispatch_id]
    for kind in ("registry", "service_modes", "cooperation_forms", "talent"):
        table = client.get(f"/api/v1/reports/{kind}", headers=officer)
        assert table.status_code == 200, kind
    forms = client.get("/api/v1/reports/cooperation_forms", headers=officer).get_json()["rows"]
    assert forms[0]["cooperation_form"] == "联合实验室" and forms[0]["services"] == 1


@pytest.mark.parametrize("top, rows", [(None, ["e:x", "e:y"]), ("1", ["e:x"]), ("5", ["e:x", "e:y"])])
def test_api_cuts_the_talent_list_to_its_top_n(history, tmp_path, top, rows):
    app = build_app(history, tmp_path / "data")
    table = app.test_client().get("/api/v1/reports/talent", headers=key_for(app, Role.ANALYST),
                                  query_string={} if top is None else {"top": top})
    assert table.status_code == 200
    assert [(r["rank"], r["id"]) for r in table.get_json()["rows"]] == list(enumerate(rows, start=1))


@pytest.mark.parametrize("kind, top, text", [
    ("talent", "0", "应为 1 到 1000 之间的整数，实际为「0」"), ("talent", "1001", "实际为「1001」"),
    ("talent", "前三", "实际为「前三」"), ("talent", "", "不能为空"),
    ("services", "3", "只能用于排名名单（talent），报表「services」没有排名")])
def test_api_refuses_a_bad_top_in_chinese_naming_it(client, app, kind, top, text):
    refused = client.get(f"/api/v1/reports/{kind}", headers=key_for(app, Role.ANALYST), query_string={"top": top})
    body = refused.get_json()
    assert refused.status_code == 400 and body["errors"][0]["field"] == "top" and text in body["error"]


def test_list_push_selects_by_registry(client, app):
    _holds_hnte(app)
    officer = key_for(app, Role.OFFICER)
    target = [{"label": "Expert", "id": "e:li"}]
    pushed = client.post("/api/v1/pushes", headers=officer, json={"filters": {"registry": "高新技术企业"}, "targets": target})
    assert pushed.status_code == 201, pushed.get_json()
    assert {p["demand_id"] for p in pushed.get_json()["created"]} == {"d:1"}
    bad = client.post("/api/v1/pushes", headers=officer, json={"filters": {"registry": "瞪羚"}, "targets": target})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "filters.registry"


# -- CLI -----------------------------------------------------------------------------------------------------
def test_cli_loads_a_registry_list_dispatches_with_a_mode_and_prints_the_talent_list(tmp_path):
    from test_cli_workflow import Cli

    cli = Cli(tmp_path)
    path = tmp_path / "高企.csv"
    path.write_text("企业名称,统一社会信用代码,证书编号,发证日期\n"
                    "杭州示例有限公司,91330106MA27XL0E2X,GR202533000123,2025-11-20\n"
                    "杭州旧证有限公司,91330106MA27XL0E3X,GR201933000123,2019-11-20\n", encoding="utf-8")
    result = cli("load", str(path), "--kind", "hnte", ok=False)
    assert result.exit_code != 0 and "第 3 行「证书编号」" in result.output + result.stderr
    assert "到期" in result.output + result.stderr
    cli("dispatch", "e:none", "ent:91330106MA27XL0E2X", "--from", START, "--to", END, "--type", "科技咨询",
        "--mode", "短期合作", ok=False)  # an unknown expert: refused, nothing written
    refused = cli("dispatch", "e:1", "ent:91330106MA27XL0E2X", "--from", START, "--to", END, "--type", "科技咨询",
                  "--mode", "驻场", ok=False)
    assert refused.exit_code == 2  # click refuses a value outside the choices
    listed = cli.json("talent")
    assert listed["rows"] == [] and listed["rule"]["min_rating"] == 4.0
    out = tmp_path / "talent.xlsx"
    assert "共 0 位" in cli("talent", "--out", str(out)).output and out.exists()
    dry = cli("push-list", "--registry", "高新技术企业", "--to", "Expert:e:1", "--dry-run", ok=False)
    assert "没有符合条件" in dry.output + dry.stderr


# -- pages ---------------------------------------------------------------------------------------------------
def test_pages_record_mode_and_form_and_show_the_programme_reports(hostile_app):
    app = hostile_app
    client = signed_in(app, Role.OFFICER)
    store = store_of(app)
    response = post_form(client, "/dispatches", {"expert": "李明", "enterprise": "杭州锂能科技有限公司", "demand": "d:1",
                                                 "start_date": START, "end_date": END, "service_types": ["科技咨询"],
                                                 "service_mode": "长期派驻"}, page="/dispatches", follow=False)
    assert response.status_code == 303
    dispatch_id = response.headers["Location"].removeprefix("/dispatches/")
    assert store.get_node(Label.DISPATCH, dispatch_id).props["service_mode"] == "长期派驻"
    detail = f"/dispatches/{dispatch_id}"
    bad = post_form(client, f"{detail}/services", {"date": TODAY.isoformat(), "hours": "2", "service_type": "科技咨询",
                                                    "content": "座谈", "cooperation_form": "技术转让"}, page=detail,
                    follow=False)
    assert bad.status_code == 400 and "未知的合作形式" in " ".join(field_errors(bad.get_data(as_text=True),
                                                                         "cooperation_form"))
    good = post_form(client, f"{detail}/services", {"date": TODAY.isoformat(), "hours": "2", "service_type": "科技咨询",
                                                     "content": "座谈", "outcome": "签约", "solved": "1",
                                                     "cooperation_form": "联合实验室"}, page=detail, follow=False)
    assert good.status_code == 303
    page = client.get(detail).get_data(as_text=True)
    assert "长期派驻" in page and "联合实验室" in page
    assert "长期派驻" in client.get("/dispatches", query_string={"service_mode": "长期派驻"}).get_data(as_text=True)
    reports = client.get("/reports").get_data(as_text=True)
    for title in ("专项行动", "人才计划推荐名单", "按企业资质", "按服务方式", "按合作形式"):
        assert title in reports
    store.write(Batch()
                .add_nodes(Label.REGISTRATION, [{"id": "reg:1", "kind": "专精特新", "number": "x", "year": 2025,
                                                 "level": "专精特新中小企业", "expires_on": FAR, "enterprise_id": "ent:1"}])
                .add_rels(RelType.HOLDS, Label.ENTERPRISE, Label.REGISTRATION, [{"start": "ent:1", "end": "reg:1"}]))
    detail_page = client.get("/demands/d:1").get_data(as_text=True)
    assert "企业资质" in detail_page and "专精特新中小企业" in detail_page
    demands = client.get("/demands", query_string={"registry": "高新技术企业"})
    assert demands.status_code == 200 and "企业资质" in demands.get_data(as_text=True)
    assert client.get("/demands", query_string={"registry": "瞪羚"}).status_code == 400


def test_talent_report_through_the_past_year(history):
    last_year = ReportFilter(start=(NOW - timedelta(days=365)).date().isoformat(), end=NOW.date().isoformat())
    assert [r["id"] for r in talent_list(history, last_year)] == ["e:x", "e:y"]
