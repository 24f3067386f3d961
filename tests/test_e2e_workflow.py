"""The whole programme for one demand, through the JSON API, on both stores.

intake (portal) → recommendation (officer) → push to the top expert → the expert accepts
(portal) → 科技专员 dispatch → service record → the enterprise's rating → a service that
solves the demand → the reports (JSON and Excel) show it: pushed, accepted, served, solved.
Every response is validated against the OpenAPI document (``test_api.CheckedClient``).
"""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from test_api import build_app, key_for, world

from api.auth import Role
from graph import clock
from graph.model import Label

TODAY = clock.today()


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _rows(workbook, sheet):
    values = list(workbook[sheet].iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=False)) for row in values[1:]]


def test_one_demand_from_intake_to_solved_shows_in_the_reports(store, tmp_path):
    store.write(world())
    client = build_app(store, tmp_path / "data").test_client()
    portal, officer, analyst = (key_for(client.application, r) for r in (Role.PORTAL, Role.OFFICER, Role.ANALYST))

    # intake: the portal submits the enterprise's demand
    demand = _ok(client.post("/api/v1/demands", headers=portal, json={
        "title": "高镍正极材料烧结一致性提升", "description": "高镍正极材料批次一致性差，希望优化烧结工艺",
        "enterprise": "杭州锂能科技有限公司", "fields": {"f:cathode": 1.0}, "region": "杭州市"}), 201)
    demand_id = demand["id"]
    assert demand["status"] == "待对接"

    # recommendation: the officer asks, and pushes the demand to the best expert
    rec = _ok(client.get(f"/api/v1/demands/{demand_id}/recommendations", headers=officer))
    top = rec["experts"][0]
    assert top["expert_id"] == "e:li"
    pushed = _ok(client.post(f"/api/v1/demands/{demand_id}/pushes", headers=officer, json={
        "targets": [{"label": "Expert", "id": top["expert_id"]}], "channel": "平台消息",
        "scores": {top["expert_id"]: top["score"]}}), 201)
    push_id = pushed["created"][0]["id"]
    assert store.get_node(Label.DEMAND, demand_id).props["status"] == "对接中"

    # the expert sees it in the inbox and accepts (through the portal)
    inbox = _ok(client.get("/api/v1/experts/e:li/inbox", headers=portal))
    assert [p["id"] for p in inbox["items"]] == [push_id]
    assert _ok(client.post(f"/api/v1/pushes/{push_id}/response", headers=portal,
                           json={"accept": True, "expert_id": "e:li"}))["status"] == "已接受"
    _ok(client.post(f"/api/v1/demands/{demand_id}/feedback", headers=officer,
                    json={"target": {"label": "Expert", "id": "e:li"}, "verdict": "采纳", "rank": 1}), 201)

    # 科技专员: dispatch, a service record, the enterprise's rating, then the service that solves it
    start, end = TODAY - timedelta(days=10), TODAY + timedelta(days=80)
    dispatch = _ok(client.post("/api/v1/dispatches", headers=officer, json={
        "expert_id": "e:li", "enterprise_id": "ent:1", "demand_id": demand_id, "start_date": start.isoformat(),
        "end_date": end.isoformat(), "service_types": ["技术诊断", "产品开发"]}), 201)
    first = _ok(client.post(f"/api/v1/dispatches/{dispatch['id']}/services", headers=officer, json={
        "date": (TODAY - timedelta(days=5)).isoformat(), "hours": 6, "service_type": "技术诊断",
        "content": "现场诊断烧结炉温场均匀性", "outcome": "找到温场偏差原因"}), 201)
    assert _ok(client.post(f"/api/v1/services/{first['id']}/rating", headers=portal,
                           json={"rating": 5, "comment": "专家很专业"}))["rating"] == 5
    solved = _ok(client.post(f"/api/v1/dispatches/{dispatch['id']}/services", headers=officer, json={
        "date": TODAY.isoformat(), "hours": 4, "service_type": "产品开发", "content": "优化烧结曲线并试产",
        "outcome": "批次一致性达标", "solved": True}), 201)
    assert store.get_node(Label.DEMAND, demand_id).props["status"] == "已解决"
    assert store.get_node(Label.DEMAND, demand_id).props["solved_by"] == solved["id"]

    # the reports: JSON for the period and region, and the Excel workbook (an analyst may read them)
    period = {"region": "浙江省", "start": (TODAY - timedelta(days=30)).isoformat(), "end": TODAY.isoformat()}
    outcomes = _ok(client.get("/api/v1/reports/outcomes", headers=analyst, query_string=period))
    row = next(r for r in outcomes["rows"] if r["demand_id"] == demand_id)
    assert (row["pushed"], row["accepted"], row["dispatches"], row["services"], row["hours"], row["solved"]) == \
        (1, 1, 1, 2, 10.0, "是")
    experts = _ok(client.get("/api/v1/reports/evaluation_expert", headers=analyst, query_string=period))["rows"]
    li = next(r for r in experts if r["id"] == "e:li")
    assert (li["enterprises"], li["solved"], li["services"], li["hours"], li["rating_mean"]) == (1, 1, 2, 10.0, 5.0)
    summary = _ok(client.get("/api/v1/reports/summary", headers=analyst, query_string=period))
    assert (summary["pushed"], summary["accepted"], summary["services"], summary["solved"]) == (1, 1, 2, 1)
    elsewhere = _ok(client.get("/api/v1/reports/outcomes", headers=analyst, query_string={**period, "region": "广东省"}))
    assert demand_id not in {r["demand_id"] for r in elsewhere["rows"]}

    response = client.get("/api/v1/reports/export.xlsx", headers=analyst, query_string=period)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    listed = {r["需求编号"]: r for r in _rows(book, "对接成果")}
    assert listed[demand_id]["是否解决"] == "是" and listed[demand_id]["推送人次"] == 1
    served = [r for r in _rows(book, "科技专员服务") if r["服务记录编号"] in (first["id"], solved["id"])]
    assert sorted(r["企业评分"] or 0 for r in served) == [0, 5]
    assert demand_id in {r["需求编号"] for r in _rows(book, "需求清单")}

    # and the next recommendation knows: the expert now carries a running dispatch as load
    again = _ok(client.get(f"/api/v1/demands/{demand_id}/recommendations", headers=officer))
    li = next(e for e in again["experts"] if e["expert_id"] == "e:li")
    assert "派驻任务共 1 项" in li["explanation"] and "曾作为科技专员派驻该企业 1 次" in li["explanation"]
