"""创新活动与培训 over JSON (responses validated against the OpenAPI document) and on the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_api import key_for

from api.auth import Role
from api.cli import main

FUTURE = "2099-06-01"


@pytest.fixture
def officer(app):
    return key_for(app, Role.OFFICER)


@pytest.fixture
def portal(app):
    return key_for(app, Role.PORTAL)


def _create(client, headers, **extra):
    body = {"title": "电池材料技术项目路演", "kind": "项目路演", "start_date": FUTURE, "region": "330100",
            "capacity": 1, "fields": ["f:cathode"], **extra}
    return client.post("/api/v1/activities", json=body, headers=headers)


def test_activity_api_lifecycle_and_refusals(client, app, officer, portal):
    assert _create(client, portal).status_code == 403  # the portal enrols, it does not publish
    made = _create(client, officer)
    assert made.status_code == 201, made.get_json()
    aid = made.get_json()["id"]
    assert made.get_json()["region_name"] == "杭州市"
    ent = {"label": "Enterprise", "id": "ent:1"}
    ok = client.post(f"/api/v1/activities/{aid}/enrolments", json={"enroller": ent}, headers=portal)
    assert ok.status_code == 201 and ok.get_json()["status"] == "已报名"
    twice = client.post(f"/api/v1/activities/{aid}/enrolments", json={"enroller": ent}, headers=portal)
    assert twice.status_code == 409 and "不能重复报名" in twice.get_json()["error"]
    full = client.post(f"/api/v1/activities/{aid}/enrolments", json={"enroller": {"label": "Expert", "id": "e:li"}},
                       headers=portal)
    assert full.status_code == 409 and "名额已满" in full.get_json()["error"]
    launched = client.post(f"/api/v1/activities/{aid}/challenge", headers=officer, json={
        "demand_id": "d:1", "conditions": "三个月内完成", "deadline": FUTURE, "reward_wan": 30})
    assert launched.status_code == 201 and launched.get_json()["activity_id"] == aid
    assert client.post(f"/api/v1/activities/{aid}/status", json={"status": "进行中"}, headers=officer).status_code == 200
    att = client.post(f"/api/v1/activities/{aid}/attendance", headers=officer,
                      json={"enroller": ent, "status": "已出席", "outcome": "签约意向 1 项"})
    assert att.status_code == 200 and att.get_json()["outcome"] == "签约意向 1 项"
    no_outcome = client.post(f"/api/v1/activities/{aid}/status", json={"status": "已结束"}, headers=officer)
    assert no_outcome.status_code == 400 and no_outcome.get_json()["errors"][0]["field"] == "outcome"
    closed = client.post(f"/api/v1/activities/{aid}/status", json={"status": "已结束", "outcome": "路演 5 个项目"},
                         headers=officer)
    assert closed.get_json()["status"] == "已结束" and closed.get_json()["attended"] == 1
    late = client.post(f"/api/v1/activities/{aid}/enrolments", json={"enroller": {"label": "Expert", "id": "e:li"}},
                       headers=portal)
    assert late.status_code == 409 and "已结束" in late.get_json()["error"]
    detail = client.get(f"/api/v1/activities/{aid}", headers=portal).get_json()
    assert [e["status"] for e in detail["enrolments"]] == ["已出席"]
    assert [c["id"] for c in detail["challenges"]] == [launched.get_json()["id"]]
    report = client.get("/api/v1/activity-report?by=kind", headers=officer).get_json()
    assert report["rows"][-1] == {"group": "合计", "activities": 1, "held": 1, "enrolled": 1, "attended": 1,
                                  "attendance_rate": 1.0, "challenges": 1}


def test_activity_api_bad_input_names_fields(client, officer):
    bad = client.post("/api/v1/activities", json={"title": "x", "kind": "茶话会", "start_date": "明天"}, headers=officer)
    assert bad.status_code == 400
    assert {e["field"] for e in bad.get_json()["errors"]} == {"kind", "start_date"}
    assert client.get("/api/v1/activity-recommendations", headers=officer).status_code == 400


def test_recommended_activities_for_an_enterprise_over_the_api(client, officer):
    aid = _create(client, officer, title="电池材料专项培训", kind="专项培训", topic="创新方法", fields=["电池材料"],
                  capacity=0).get_json()["id"]
    _create(client, officer, title="无关的展示会", kind="高新技术展示", fields=[])
    found = client.get("/api/v1/activity-recommendations?enterprise_id=ent:1", headers=officer).get_json()["items"]
    assert [m["id"] for m in found] == [aid]
    assert found[0]["matched_fields"] == ["f:cathode"]  # 电池材料 is the parent of the needed 正极材料


def test_cli_imports_an_activity_list_idempotently_with_row_errors(local_store, tmp_path):
    local_store.write(__import__("test_api").world())
    data = tmp_path / "store"
    src = tmp_path / "acts.csv"
    src.write_text("活动名称,活动类型,开始日期,地区,名额,技术领域,培训主题\n"
                   "创新方法专项培训,专项培训,2099/3/1,杭州市,50,电池材料,创新方法\n"
                   "投融资对接会,路演,2099-04-01,,,,\n"
                   "Policy talk,政策宣讲,2099年5月1日,330100,abc,,\n", encoding="utf-8")
    runner = CliRunner()
    local_store.close()
    args = ["--store", "local", "--data-dir", str(data), "activity", "import", str(src)]
    first = runner.invoke(main, args)
    assert first.exit_code == 1
    assert "第 3 行「kind」未知的活动类型「路演」" in first.output and "第 4 行「capacity」" in first.output
    again = runner.invoke(main, args)
    assert "导入 0 个新活动、更新 0 个" in again.output
    shown = runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "list", "--json"])
    acts = json.loads(shown.output)
    assert len(acts) == 1 and acts[0]["field_ids"] == ["f:bat"] and acts[0]["region"] == "region:330100"
    en = tmp_path / "acts_en.csv"
    en.write_text("id,title,kind,start_date,capacity\nact:x,Roadshow,项目路演,2099-01-02,10\n", encoding="utf-8")
    assert runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "import", str(en)]).exit_code == 0
    enrol = runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "enrol", "act:x", "--who", "Enterprise:ent:1"])
    assert enrol.exit_code == 0, enrol.output
    twice = runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "enrol", "act:x", "--who", "企业:ent:1"])
    assert twice.exit_code == 1 and "不能重复报名" in twice.output
    # a changed row updates the description but keeps the enrolment counter
    en.write_text("id,title,kind,start_date,capacity\nact:x,Roadshow 2,项目路演,2099-01-02,10\n", encoding="utf-8")
    assert "更新 1 个" in runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "import", str(en)]).output
    shown = json.loads(runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "show", "act:x", "--json"]).output)
    assert shown["title"] == "Roadshow 2" and shown["enrolled"] == 1 and shown["enrolments"][0]["id"] == "ent:1"
    recommended = runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "recommend",
                                       "--enterprise", "ent:1", "--json"])
    assert recommended.exit_code == 0 and json.loads(recommended.output)[0]["id"].startswith("act:imp-")
    report = runner.invoke(main, ["--store", "local", "--data-dir", str(data), "activity", "report", "--json"])
    assert json.loads(report.output)[-1]["activities"] == 2
