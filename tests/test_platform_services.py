"""Service platforms as providers (issue 16 leftovers): found by the full-text search, pushed demands and
dispatched like experts, and activity and platform lists uploaded through the JSON API and the pages.

Storage is exercised on both stores (the ``store`` fixture); the interfaces on the embedded one, except the
JSON search and upload, which run on both.
"""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from datetime import datetime

import pytest
from click.testing import CliRunner
from helpers.pages import END, START, flashes, post_form, store_of
from test_api import build_app, key_for, world
from test_importers import _snapshot, _world
from test_pages import csrf_of, signed_in
from test_platforms import HEADER, ROWS, _csv

from api.auth import Role
from api.cli import main
from graph.errors import NotFoundError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, Direction, NodeRef
from ingest.importers import import_file
from workflow import dispatch, push
from workflow.common import BEIJING
from workflow.list_import import import_list

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)
GOOD_ROWS = ROWS[:2]
"""The two good rows of tests/test_platforms.py: 浙江大学新材料公共技术服务平台 and 宁波先进材料中试基地."""
ZJU, PILOT = "platform:浙江大学新材料公共技术服务平台", "platform:宁波先进材料中试基地"
PLATFORM = {"id": "platform:p1", "name": "杭州检验检测公共服务平台", "kind": "检验检测中心",
            "services": ["检验检测"], "keywords_text": "检验检测中心 检验检测"}


def _with_platform(store):
    """tests/test_api.py's world plus one platform (written as a loaded list would)."""
    store.write(world().add_nodes(Label.PLATFORM, [PLATFORM]))
    return store


# -- 1. the full-text search finds platforms -------------------------------------------------------------------
def test_platforms_are_searched_by_name_services_and_equipment_on_both_stores(store, tmp_path):
    _world(store, tmp_path)
    assert import_file(_csv(tmp_path, GOOD_ROWS), "platform", store).ok
    assert store.get_node(Label.PLATFORM, ZJU).props["keywords_text"] == (
        "公共技术服务平台 浙江大学 检验检测 仪器设备共享 扫描电子显微镜 X射线衍射仪")
    by_equipment = store.search_nodes("扫描电子显微镜")
    assert [(n.label, n.id) for n in by_equipment.nodes] == [(Label.PLATFORM, ZJU)]
    assert [n.id for n in store.search_nodes("中试熟化", labels=[Label.PLATFORM]).nodes] == [PILOT]
    app = build_app(store, tmp_path / store.backend)
    client, headers = app.test_client(), key_for(app, Role.ANALYST)
    body = client.get("/api/v1/platforms?q=x射线衍射仪", headers=headers).get_json()
    assert [p["id"] for p in body["items"]] == [ZJU] and body["total"] == 1
    assert body["items"][0]["props"]["kind"] == "公共技术服务平台"
    listed = client.get("/api/v1/platforms", headers=headers).get_json()
    assert [p["id"] for p in listed["items"]] == sorted([ZJU, PILOT])
    one = client.get(f"/api/v1/platforms/{ZJU}", headers=headers).get_json()
    assert {r["type"] for r in one["relations"]} >= {"HOSTED_BY", "SERVES_FIELD", "LOCATED_IN"}
    page = signed_in(app, Role.ANALYST).get("/graph?q=中试熟化").get_data(as_text=True)
    assert "宁波先进材料中试基地" in page and "服务平台" in page


@pytest.mark.neo4j
def test_init_schema_recreates_a_full_text_index_made_without_platforms(neo4j_store):
    with neo4j_store._driver.session() as session:
        session.run("DROP INDEX entity_text IF EXISTS").consume()
        session.run("CREATE FULLTEXT INDEX entity_text FOR (n:Expert|Institution) ON EACH [n.name] "
                    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}").consume()
    neo4j_store.init_schema()
    with neo4j_store._driver.session() as session:
        labels = session.run("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes WHERE name = 'entity_text' "
                             "RETURN labelsOrTypes").single()[0]
    assert "Platform" in labels and "Team" in labels
    neo4j_store.write(Batch().add_nodes(Label.PLATFORM, [PLATFORM]))
    assert [n.id for n in neo4j_store.search_nodes("检验检测").nodes] == ["platform:p1"]


# -- 2. platforms are pushed demands, dispatched and recorded as providers ------------------------------------
def test_a_platform_is_pushed_a_demand_and_answered_by_the_officer_on_both_stores(store):
    _with_platform(store)
    target = NodeRef(Label.PLATFORM, "platform:p1")
    result = push.push_demands(store, ["d:1"], [target, NodeRef(Label.EXPERT, "e:li")], actor="officer", now=NOW)
    assert sorted(n.id for n in result.created) == ["push:d:1:expert:e:li", "push:d:1:platform:platform:p1"]
    pushed = store.get_node(Label.PUSH, "push:d:1:platform:platform:p1").props
    assert (pushed["target_label"], pushed["target_name"]) == ("Platform", "杭州检验检测公共服务平台")
    ends = store.neighbors(Label.PUSH, "push:d:1:platform:platform:p1", direction=Direction.OUT,
                           rel_types=[RelType.PUSHED_TO])
    assert [(nb.node.label, nb.node.id) for nb in ends] == [(Label.PLATFORM, "platform:p1")]
    assert push.push_demands(store, ["d:1"], [target], actor="officer", now=NOW).already == [
        "push:d:1:platform:platform:p1"]
    with pytest.raises(Exception, match="不是推送给"):  # no expert answers for a platform
        push.respond(store, "push:d:1:platform:platform:p1", accept=True, responder="portal", expert_id="e:li")
    answered = push.respond(store, "push:d:1:platform:platform:p1", accept=True, responder="officer", now=NOW)
    assert answered.props["status"] == "已接受"
    with pytest.raises(NotFoundError, match="未找到服务平台「platform:none」"):
        push.push_demands(store, ["d:2"], [NodeRef(Label.PLATFORM, "platform:none")], actor="officer", now=NOW)
    with pytest.raises(ValidationError, match="专家、专家团队、服务平台"):
        push.push_demands(store, ["d:2"], [NodeRef(Label.INSTITUTION, "i:zju")], actor="officer", now=NOW)
    assert store.get_node(Label.DEMAND, "d:2").props["status"] == "已对接"  # refusals changed nothing


def test_a_platform_is_dispatched_and_its_services_recorded_on_both_stores(store):
    _with_platform(store)
    d = dispatch.dispatch_provider(store, NodeRef(Label.PLATFORM, "platform:p1"), "ent:1", start_date="2026-11-01",
                                   end_date="2026-12-31", service_types=["检验检测", "技术诊断"], actor="officer",
                                   demand_id="d:1", mode="短期合作", now=NOW)
    p = d.props
    assert (p["provider_label"], p["provider_id"], p["provider_name"]) == ("Platform", "platform:p1", "杭州检验检测公共服务平台")
    assert (p["platform_id"], p.get("expert_id")) == ("platform:p1", None)
    ends = store.neighbors(Label.DISPATCH, d.id, direction=Direction.OUT, rel_types=[RelType.DISPATCHED])
    assert [(nb.node.label, nb.node.id) for nb in ends] == [(Label.PLATFORM, "platform:p1")]
    s = dispatch.record_service(store, d.id, date="2026-11-05", hours=4, service_type="检验检测",
                                content="极片涂层成分检测", solved=True, actor="officer", now=NOW)
    assert (s.props["platform_id"], s.props["provider_name"], s.props.get("expert_id")) == (
        "platform:p1", "杭州检验检测公共服务平台", None)
    assert store.get_node(Label.DEMAND, "d:1").props["status"] == "已解决"
    assert store.find_nodes(Label.SERVICE, props={"platform_id": "platform:p1"}).total == 1
    expert = dispatch.dispatch_expert(store, "e:li", "ent:1", start_date="2026-11-01", end_date="2026-11-30",
                                      service_types=["科技咨询"], actor="officer", now=NOW)
    assert (expert.props["expert_id"], expert.props["provider_label"]) == ("e:li", "Expert")
    with pytest.raises(ValidationError, match="应为 科技咨询、技术诊断、产品开发、成果转化、科学普及 之一，实际为「检验检测」"):
        dispatch.record_service(store, expert.id, date="2026-11-05", hours=1, service_type="检验检测", content="x",
                                actor="officer", now=NOW)  # testing is a platform's service, not an expert's
    with pytest.raises(ValidationError, match="专家、服务平台"):
        dispatch.dispatch_provider(store, NodeRef(Label.TEAM, "t:1"), "ent:1", start_date="2026-11-01",
                                   end_date="2026-11-30", service_types=["科技咨询"], actor="officer", now=NOW)
    assert store.count_nodes(Label.DISPATCH) == 2


def test_the_json_api_pushes_to_and_dispatches_a_platform_with_the_experts_permissions(local_store, tmp_path):
    app = build_app(_with_platform(local_store), tmp_path / "data")
    client, officer, analyst = app.test_client(), key_for(app, Role.OFFICER), key_for(app, Role.ANALYST)
    targets = {"targets": [{"label": "Platform", "id": "platform:p1"}]}
    assert client.post("/api/v1/demands/d:1/pushes", json=targets, headers=analyst).status_code == 403
    body = client.post("/api/v1/demands/d:1/pushes", json=targets, headers=officer).get_json()
    assert [(p["target_label"], p["target_id"]) for p in body["created"]] == [("Platform", "platform:p1")]
    order = {"platform_id": "platform:p1", "enterprise_id": "ent:1", "start_date": "2026-11-01",
             "end_date": "2026-12-31", "service_types": ["中试熟化"]}
    assert client.post("/api/v1/dispatches", json=order, headers=analyst).status_code == 403
    made = client.post("/api/v1/dispatches", json=order, headers=officer)
    assert made.status_code == 201 and made.get_json()["provider_name"] == "杭州检验检测公共服务平台"
    both = client.post("/api/v1/dispatches", json={**order, "expert_id": "e:li"}, headers=officer)
    assert both.status_code == 400 and both.get_json()["errors"][0]["reason"].startswith("请填写 expert_id")
    listed = client.get("/api/v1/dispatches?platform_id=platform:p1", headers=officer).get_json()
    assert [d["id"] for d in listed["items"]] == [made.get_json()["id"]]
    assert local_store.count_nodes(Label.DISPATCH) == 1


def test_the_pages_push_to_and_dispatch_a_platform(local_store, tmp_path):
    app = build_app(_with_platform(local_store), tmp_path / "data")
    client = signed_in(app, Role.OFFICER)
    page = post_form(client, "/pushes/batch?field=缺陷检测",
                     {"experts": "", "platforms": "杭州检验检测公共服务平台", "channel": "平台消息"},
                     page="/pushes/batch?field=缺陷检测")
    assert any("1 个服务平台" in f for f in flashes(page)), flashes(page)
    assert {p.props["demand_id"] for p in local_store.find_nodes(
        Label.PUSH, props={"target_id": "platform:p1"}).nodes} == {"d:1", "d:3"}
    ticked = post_form(client, "/pushes/recommended", {"demand_id": "d:2", "platform": "platform:p1",
                                                       "channel": "平台消息"}, page="/demands/d:2")
    assert flashes(ticked) == ["已推送 1 个服务平台"]
    assert local_store.get_node(Label.PUSH, "push:d:2:platform:platform:p1").props["source"] == "recommendation"
    response = post_form(client, "/dispatches", {"expert": "", "platform": "platform:p1", "enterprise": "ent:1",
                                                 "start_date": START, "end_date": END, "service_types": ["技术诊断"]},
                         page="/dispatches", follow=False)
    assert response.status_code == 303
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>服务平台</dt>" in detail and "杭州检验检测公共服务平台 → 杭州锂能科技有限公司" in htmllib.unescape(detail)
    both = post_form(client, "/dispatches", {"expert": "李明", "platform": "platform:p1", "enterprise": "ent:1",
                                             "start_date": START, "end_date": END, "service_types": ["技术诊断"]},
                     page="/dispatches", follow=False)
    assert both.status_code == 400 and "专家与服务平台只填一个" in both.get_data(as_text=True)
    assert local_store.count_nodes(Label.DISPATCH) == 1


def test_the_cli_pushes_to_and_dispatches_a_platform(tmp_path):
    from test_cli_workflow import graph_lines

    data, src = tmp_path / "var", tmp_path / "world.jsonl"
    src.write_text(graph_lines(world().add_nodes(Label.PLATFORM, [PLATFORM])), encoding="utf-8")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--store", "local", "--data-dir", str(data), *args])

    assert run("load", str(src)).exit_code == 0
    pushed = run("push", "d:1", "--to", "平台:platform:p1", "--json")
    assert pushed.exit_code == 0, pushed.output
    assert [p["target_label"] for p in json.loads(pushed.stdout)["created"]] == ["Platform"]
    made = run("dispatch", "platform:p1", "ent:1", "--platform", "--from", "2026-11-01", "--to", "2026-12-31",
               "--type", "检验检测")
    assert made.exit_code == 0 and "已派驻：" in made.output and "杭州检验检测公共服务平台 → 杭州锂能科技有限公司" in made.output
    missing = run("dispatch", "platform:none", "ent:1", "--platform", "--from", "2026-11-01", "--to", "2026-12-31",
                  "--type", "技术诊断")
    assert missing.exit_code == 1 and "未找到服务平台「platform:none」" in missing.output


# -- 3. activity and platform lists uploaded through the JSON API and the pages -------------------------------
def _file(text: str, name: str = "清单.csv"):
    return (io.BytesIO(text.encode("utf-8")), name)


ACTIVITIES_OK = ("活动名称,活动类型,开始日期,地区,名额,技术领域\n"
                 "创新方法专项培训,专项培训,2099/3/1,杭州市,50,电池材料\n"
                 "锂电池项目路演,项目路演,2099-04-01,330100,,\n")
ACTIVITIES_BAD = ACTIVITIES_OK + "投融资对接会,路演,2099-04-40,,abc,\n"


def test_a_bad_platform_list_writes_nothing_and_a_good_one_loads_once_on_both_stores(store, tmp_path):
    _world(store, tmp_path)
    app = build_app(store, tmp_path / store.backend)
    client, officer = app.test_client(), key_for(app, Role.OFFICER)
    before = _snapshot(store)
    bad = client.post("/api/v1/platforms/import", data={"file": _file("\n".join([HEADER, *ROWS]) + "\n")},
                      headers=officer, content_type="multipart/form-data")
    assert bad.status_code == 400
    body = bad.get_json()
    assert body["error"] == "服务平台与基地清单有 5 行有误，整个文件未导入；请按提示修改后重新上传"
    assert [e["row"] for e in body["errors"]] == [4, 5, 6, 7, 8]
    assert body["errors"][1]["message"].startswith("第 5 行「服务内容」不能为空")
    assert _snapshot(store) == before  # the two good rows were not written either
    good = client.post("/api/v1/platforms/import", data={"file": _file("\n".join([HEADER, *GOOD_ROWS]) + "\n")},
                       headers=officer, content_type="multipart/form-data")
    assert good.status_code == 200 and good.get_json()["rows"] == 2
    assert store.count_nodes(Label.PLATFORM) == 2
    loaded = _snapshot(store)
    client.post("/api/v1/platforms/import", data={"file": _file("\n".join([HEADER, *GOOD_ROWS]) + "\n")},
                headers=officer, content_type="multipart/form-data")
    assert _snapshot(store) == loaded


def test_a_bad_activity_list_writes_nothing_on_both_stores(store, tmp_path):
    store.write(world())
    bad = tmp_path / "活动清单.csv"
    bad.write_text(ACTIVITIES_BAD, encoding="utf-8")
    result = import_list(store, "activity", bad, actor="officer", now=NOW)
    assert not result.ok and {(e.row, e.field) for e in result.errors} == {(4, "kind"), (4, "start_date"),
                                                                           (4, "capacity")}
    assert store.count_nodes(Label.ACTIVITY) == 0
    bad.write_text(ACTIVITIES_OK, encoding="utf-8")
    assert import_list(store, "activity", bad, actor="officer", now=NOW).rows == 2
    assert store.count_nodes(Label.ACTIVITY) == 2


def test_the_json_upload_checks_permission_file_type_and_emptiness(local_store, tmp_path):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data")
    client, officer, analyst = app.test_client(), key_for(app, Role.OFFICER), key_for(app, Role.ANALYST)
    url = "/api/v1/activities/import"
    assert client.post(url, data={"file": _file(ACTIVITIES_OK)}, headers=analyst,
                       content_type="multipart/form-data").status_code == 403
    missing = client.post(url, data={}, headers=officer, content_type="multipart/form-data")
    assert missing.status_code == 400 and missing.get_json()["errors"][0] == {
        "row": None, "field": "file", "reason": "请选择要上传的文件", "message": "「file」请选择要上传的文件"}
    wrong = client.post(url, data={"file": _file("x", "清单.txt")}, headers=officer, content_type="multipart/form-data")
    assert wrong.status_code == 400 and "不支持的文件类型「.txt」" in wrong.get_json()["error"]
    empty = client.post(url, data={"file": _file("")}, headers=officer, content_type="multipart/form-data")
    assert empty.status_code == 400 and "上传的文件是空的" in empty.get_json()["error"]
    ok = client.post(url, data={"file": _file(ACTIVITIES_OK)}, headers=officer, content_type="multipart/form-data")
    assert ok.status_code == 200 and ok.get_json() == {
        "ok": True, "kind": "activity", "rows": 2, "errors": [],
        "message": "活动清单：已导入 2 行（重复导入不会重复写入）"}
    assert local_store.count_nodes(Label.ACTIVITY) == 2


def test_the_upload_page_needs_csrf_shows_row_errors_and_writes_all_or_nothing(local_store, tmp_path):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data")
    client = signed_in(app, Role.OFFICER)
    page = client.get("/lists").get_data(as_text=True)
    assert 'action="/lists/activities"' in page and 'action="/lists/platforms"' in page
    forged = client.post("/lists/activities", data={"file": _file(ACTIVITIES_OK)}, content_type="multipart/form-data")
    assert forged.status_code == 403 and local_store.count_nodes(Label.ACTIVITY) == 0
    token = csrf_of(page)
    bad = client.post("/lists/activities", data={"csrf_token": token, "file": _file(ACTIVITIES_BAD)},
                      content_type="multipart/form-data")
    html = htmllib.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 400 and "活动清单有 1 行有误，整个文件未导入" in html
    assert re.search(r"<td class=\"num\">4</td><td>kind</td><td>未知的活动类型「路演」", html)
    assert local_store.count_nodes(Label.ACTIVITY) == 0
    done = client.post("/lists/activities", data={"csrf_token": token, "file": _file(ACTIVITIES_OK)},
                       content_type="multipart/form-data", follow_redirects=True)
    assert flashes(done) == ["活动清单：已导入 2 行（重复导入不会重复写入）"]
    assert local_store.count_nodes(Label.ACTIVITY) == 2
    analyst = signed_in(app, Role.ANALYST)
    assert analyst.get("/lists").status_code == 403
    assert store_of(app) is local_store


def test_a_platforms_service_is_reported_under_its_name_and_counts_no_expert(local_store):
    from analytics.programme_reports import service_mode_rows
    from analytics.report_facts import read_facts
    from analytics.reports import ReportFilter, service_rows

    _with_platform(local_store)
    d = dispatch.dispatch_provider(local_store, NodeRef(Label.PLATFORM, "platform:p1"), "ent:1",
                                   start_date="2026-11-01", end_date="2026-12-31", service_types=["技术诊断"],
                                   actor="officer", mode="短期合作", now=NOW)
    dispatch.record_service(local_store, d.id, date="2026-11-05", hours=4, service_type="技术诊断",
                            content="极片涂层成分检测", actor="officer", now=NOW)
    facts = read_facts(local_store)
    assert [(r["expert"], r["hours"]) for r in service_rows(facts, ReportFilter())] == [("杭州检验检测公共服务平台", 4.0)]
    short = next(r for r in service_mode_rows(facts, ReportFilter()) if r["service_mode"] == "短期合作")
    assert (short["dispatches"], short["experts"], short["enterprises_served"]) == (1, 0, 1)


def test_the_demand_page_lets_an_officer_tick_recommended_platforms_to_push(app):
    from test_platforms import _platform_world

    store_of(app).write(_platform_world())
    officer = signed_in(app, Role.OFFICER)
    page = officer.get("/demands/d:test").get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox" name="platform" value="([^"]+)" form="wf-push-form"', page)
    assert boxes == ["pf:hz", "pf:sz"]
    assert 'name="platform"' not in signed_in(app, Role.ANALYST).get("/demands/d:test").get_data(as_text=True)
    done = post_form(officer, "/pushes/recommended", {"demand_id": "d:test", "platform": boxes, "channel": "平台消息"},
                     page="/demands/d:test")
    assert flashes(done) == ["已推送 2 个服务平台"]
    assert sorted(n.props["target_id"] for n in store_of(app).find_nodes(Label.PUSH, props={"demand_id": "d:test"}).nodes) \
        == ["pf:hz", "pf:sz"]
