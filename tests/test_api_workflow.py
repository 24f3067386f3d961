"""The workflow JSON API: pushes and the inbox, 科技专员 dispatches and services, 揭榜 challenges,
创新券 vouchers, feedback and the delivery log — each happy path, and each refusal in Chinese
with the stored state unchanged. Every response is validated against the OpenAPI document
(:class:`test_api.CheckedClient`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_api import build_app, key_for, world

from api.auth import Role
from graph.model import Label, RelType
from graph.store import Batch
from workflow.common import iso, system_clock
from workflow.push import MAX_PUSHES

FAR = "2099-12-31"
"""A deadline / expiry date that is always in the future."""


@pytest.fixture
def officer(app):
    return key_for(app, Role.OFFICER)


@pytest.fixture
def portal(app):
    return key_for(app, Role.PORTAL)


@pytest.fixture
def analyst(app):
    return key_for(app, Role.ANALYST)


def _expert(expert_id):
    return {"label": "Expert", "id": expert_id}


def _error(response, status):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["ok"] is False and body["status"] == status
    return body


def _fields(body):
    return [e["field"] for e in body["errors"]]


def _status(store, label, node_id):
    return store.get_node(label, node_id).props.get("status")


def _push(client, headers, demand="d:1", experts=("e:li",), **extra):
    return client.post(f"/api/v1/demands/{demand}/pushes",
                       json={"targets": [_expert(e) for e in experts], **extra}, headers=headers)


# -- pushes ---------------------------------------------------------------------------------------


def test_push_a_demand_to_recommended_experts_once(client, officer, local_store):
    response = _push(client, officer, experts=("e:li", "e:zhao"), channel="短信", note="请尽快联系",
                     scores={"e:li": 0.91})
    assert response.status_code == 201
    body = response.get_json()
    by_target = {p["target_id"]: p for p in body["created"]}
    assert set(by_target) == {"e:li", "e:zhao"} and body["already_pushed"] == []
    li = by_target["e:li"]
    assert li["id"] == "push:d:1:expert:e:li" and li["status"] == "待回复" and li["score"] == 0.91
    assert li["actor"] == "test-officer" and li["channel"] == "短信" and li["source"] == "recommendation"
    assert "version" not in li and "score" not in by_target["e:zhao"]
    assert _status(local_store, Label.DEMAND, "d:1") == "对接中"
    again = _push(client, officer, experts=("e:li",))
    assert again.status_code == 200
    assert again.get_json()["created"] == [] and again.get_json()["already_pushed"] == ["push:d:1:expert:e:li"]
    listed = client.get("/api/v1/demands/d:1/pushes", headers=officer).get_json()
    assert listed["total"] == 2 and {p["target_id"] for p in listed["items"]} == {"e:li", "e:zhao"}


def test_an_analyst_cannot_push(client, analyst, local_store):
    body = _error(_push(client, analyst), 403)
    assert "analyst" in body["error"] and "push:write" in body["error"]
    assert local_store.find_nodes(Label.PUSH).total == 0
    assert _status(local_store, Label.DEMAND, "d:1") == "待对接"


def test_push_body_errors_name_every_field_in_chinese(client, officer, local_store):
    body = _error(client.post("/api/v1/demands/d:1/pushes", json={"channel": 5, "notes": "x"}, headers=officer), 400)
    assert set(_fields(body)) == {"targets", "channel", "notes"}
    messages = [e["message"] for e in body["errors"]]
    assert "「targets」不能为空" in messages and "「channel」应为文本，实际为「5」" in messages
    assert any(m.startswith("「notes」不是可用的字段") for m in messages)
    body = _error(client.post("/api/v1/demands/d:1/pushes", json={"targets": [{"label": "Institution", "id": "i:zju"}]},
                              headers=officer), 400)
    assert _fields(body) == ["targets[0]"] and "Expert、Team" in body["error"]
    body = _error(_push(client, officer, channel="微信"), 400)
    assert _fields(body) == ["channel"] and "平台消息" in body["error"]
    assert _error(_push(client, officer, experts=("e:nobody",)), 404)["error"] == "未找到专家「e:nobody」"
    assert _error(_push(client, officer, demand="d:nope"), 404)["error"] == "未找到技术需求「d:nope」"
    _error(client.post("/api/v1/demands/d:1/pushes", data="targets=e:li", headers=officer), 400)
    assert local_store.find_nodes(Label.PUSH).total == 0


def test_push_a_demand_list_selected_by_region(client, officer, local_store):
    local_store.write(Batch().add_nodes(Label.DEMAND, [{"id": "d:hz", "title": "杭州需求", "status": "待对接"},
                                                       {"id": "d:done", "title": "已解决需求", "status": "已解决"}])
                      .add_rels(RelType.LOCATED_IN, Label.DEMAND, Label.REGION,
                                [{"start": "d:hz", "end": "region:330100"},
                                 {"start": "d:done", "end": "region:330106"}]))
    response = client.post("/api/v1/pushes", json={"filters": {"region": "浙江省"}, "targets": [_expert("e:wang")],
                                                   "note": "浙江省需求清单"}, headers=officer)
    assert response.status_code == 201
    body = response.get_json()
    assert body["demand_ids"] == ["d:1", "d:hz"] and body["skipped"] == ["d:done"]  # 深圳 d:2 and d:3 not in 浙江
    assert {p["demand_id"] for p in body["created"]} == {"d:1", "d:hz"}
    assert {p["source"] for p in body["created"]} == {"list"} and len({p["batch_id"] for p in body["created"]}) == 1
    listed = client.get("/api/v1/pushes", query_string={"target_id": "e:wang", "status": "待回复"}, headers=officer)
    assert listed.get_json()["total"] == 2
    assert _status(local_store, Label.DEMAND, "d:hz") == "对接中"


def test_push_a_demand_list_by_ids_and_the_refusals(client, officer, local_store):
    response = client.post("/api/v1/pushes", json={"demand_ids": ["d:1", "d:3"], "targets": [_expert("e:sun")]},
                           headers=officer)
    assert response.status_code == 201 and len(response.get_json()["created"]) == 2
    both = {"demand_ids": ["d:1"], "filters": {"region": "浙江省"}, "targets": [_expert("e:sun")]}
    assert _fields(_error(client.post("/api/v1/pushes", json=both, headers=officer), 400)) == ["demand_ids"]
    neither = {"targets": [_expert("e:sun")]}
    assert _fields(_error(client.post("/api/v1/pushes", json=neither, headers=officer), 400)) == ["demand_ids"]
    empty = {"filters": {}, "targets": [_expert("e:sun")]}
    assert "至少填写一个筛选条件" in _error(client.post("/api/v1/pushes", json=empty, headers=officer), 400)["error"]
    mars = {"filters": {"region": "火星"}, "targets": [_expert("e:sun")]}
    body = _error(client.post("/api/v1/pushes", json=mars, headers=officer), 400)
    assert _fields(body) == ["filters.region"] and "火星" in body["error"]
    nothing = {"filters": {"region": "北京市"}, "targets": [_expert("e:sun")]}
    assert "没有符合筛选条件" in _error(client.post("/api/v1/pushes", json=nothing, headers=officer), 400)["error"]
    many = {"demand_ids": ["d:1", "d:3"], "targets": [_expert(f"e:{i}") for i in range(MAX_PUSHES // 2 + 1)]}
    body = _error(client.post("/api/v1/pushes", json=many, headers=officer), 400)
    assert body["error"] == f"「targets」一次最多推送 {MAX_PUSHES} 条（需求 × 专家或团队），实际 2 × 251 = 502 条"
    local_store.write(Batch().add_nodes(Label.DEMAND, [{"id": "d:2", "title": "固态电解质界面", "status": "已解决"}]))
    closed = {"demand_ids": ["d:2"], "targets": [_expert("e:sun")]}
    assert "不能再推送" in _error(client.post("/api/v1/pushes", json=closed, headers=officer), 409)["error"]
    assert local_store.find_nodes(Label.PUSH).total == 2


def test_push_lists_refuse_unknown_filters_and_statuses(client, officer):
    _push(client, officer)
    assert _fields(_error(client.get("/api/v1/pushes?state=x", headers=officer), 400)) == ["state"]
    body = _error(client.get("/api/v1/pushes?status=已读", headers=officer), 400)
    assert _fields(body) == ["status"] and "待回复" in body["error"]
    assert client.get("/api/v1/pushes?demand_id=d:1&per_page=1", headers=officer).get_json()["total"] == 1
    assert _error(client.get("/api/v1/demands/d:nope/pushes", headers=officer), 404)


def test_the_inbox_and_answering_a_push(client, officer, portal, local_store):
    _push(client, officer, experts=("e:li",))
    _push(client, officer, demand="d:3", experts=("e:li",))
    inbox = client.get("/api/v1/experts/e:li/inbox", headers=portal).get_json()
    assert inbox["total"] == 2 and {p["demand_id"] for p in inbox["items"]} == {"d:1", "d:3"}
    pid = "push:d:1:expert:e:li"
    url = f"/api/v1/pushes/{pid}/response"
    body = _error(client.post(url, json={"accept": False}, headers=portal), 400)
    assert body["error"] == "「reason」拒绝时必须填写理由" and _status(local_store, Label.PUSH, pid) == "待回复"
    assert _fields(_error(client.post(url, json={"accept": "yes"}, headers=portal), 400)) == ["accept"]
    assert _fields(_error(client.post(url, json={}, headers=portal), 400)) == ["accept"]
    assert "不是推送给「e:zhao」" in _error(client.post(url, json={"accept": True, "expert_id": "e:zhao"},
                                                           headers=portal), 409)["error"]
    response = client.post(url, json={"accept": True, "expert_id": "e:li"}, headers=portal)
    assert response.status_code == 200
    answered = response.get_json()
    assert answered["status"] == "已接受" and answered["responder"] == "test-portal" and answered["answered_at"]
    again = _error(client.post(url, json={"accept": False, "reason": "没空"}, headers=portal), 409)
    assert "不能重复回复" in again["error"] and _status(local_store, Label.PUSH, pid) == "已接受"
    pending = client.get("/api/v1/experts/e:li/inbox?status=待回复", headers=portal).get_json()
    assert [p["demand_id"] for p in pending["items"]] == ["d:3"]
    assert _error(client.get("/api/v1/experts/e:nobody/inbox", headers=portal), 404)
    assert _error(client.post("/api/v1/pushes/push:nope/response", json={"accept": True}, headers=portal), 404)


def test_reminders_for_pushes_left_unanswered(app, client, officer, local_store):
    _push(client, officer, experts=("e:li", "e:zhao"))
    old = local_store.get_node(Label.PUSH, "push:d:1:expert:e:li")
    long_ago = iso(system_clock() - timedelta(hours=80))
    local_store.write(Batch().add_nodes(Label.PUSH, [{"id": old.id, **dict(old.props), "created_at": long_ago}]))
    response = client.post("/api/v1/pushes/reminders", json={}, headers=officer)
    assert response.get_json() == {"after_hours": 72.0, "reminded": ["push:d:1:expert:e:li"]}
    assert app.config["KGMATCH_PUSH_REMIND_HOURS"] == 72
    reminded = local_store.get_node(Label.PUSH, old.id).props
    assert reminded["reminders"] == 1 and reminded["last_reminded_at"] > long_ago
    soon = client.post("/api/v1/pushes/reminders", json={"after_hours": 1}, headers=officer)
    assert soon.get_json()["reminded"] == []  # just reminded
    body = _error(client.post("/api/v1/pushes/reminders", json={"after_hours": "soon"}, headers=officer), 400)
    assert _fields(body) == ["after_hours"]
    assert _fields(_error(client.post("/api/v1/pushes/reminders", json={"after_hours": -1}, headers=officer),
                          400)) == ["after_hours"]


def test_the_reminder_default_comes_from_the_setting(local_store, tmp_path):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data", KGMATCH_PUSH_REMIND_HOURS=1)
    response = app.test_client().post("/api/v1/pushes/reminders", json={}, headers=key_for(app, Role.OFFICER))
    assert response.get_json()["after_hours"] == 1.0


# -- 科技专员 dispatches and services --------------------------------------------------------------


def _dispatch(client, officer, **extra):
    payload = {"expert_id": "e:li", "enterprise_id": "ent:1", "demand_id": "d:1", "start_date": "2026-03-01",
               "end_date": "2026-08-31", "service_types": ["技术诊断", "产品开发"], **extra}
    payload = {k: v for k, v in payload.items() if v is not None}  # None: leave the key out (null is a 400)
    response = client.post("/api/v1/dispatches", json=payload, headers=officer)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _service(client, officer, dispatch_id, **extra):
    payload = {"date": "2026-03-10", "hours": 6, "service_type": "技术诊断", "content": "现场诊断涂布缺陷", **extra}
    return client.post(f"/api/v1/dispatches/{dispatch_id}/services", json=payload, headers=officer)


def test_dispatch_record_services_rate_and_end(client, officer, portal, local_store):
    dispatch = _dispatch(client, officer, note="驻企三个月")
    assert dispatch["status"] == "派驻中" and dispatch["expert_name"] == "李明" and dispatch["demand_id"] == "d:1"
    assert _status(local_store, Label.DEMAND, "d:1") == "对接中"
    did = dispatch["id"]
    first = _service(client, officer, did)
    assert first.status_code == 201
    service = first.get_json()
    assert service["hours"] == 6 and service["solved"] is False and service["enterprise_id"] == "ent:1"
    detail = client.get(f"/api/v1/dispatches/{did}", headers=officer).get_json()
    assert [s["id"] for s in detail["services"]] == [service["id"]]
    rated = client.post(f"/api/v1/services/{service['id']}/rating", json={"rating": 5, "comment": "解决了问题"},
                        headers=portal)
    assert rated.status_code == 200
    assert rated.get_json()["rating"] == 5 and rated.get_json()["rated_by"] == "test-portal"
    twice = _error(client.post(f"/api/v1/services/{service['id']}/rating", json={"rating": 1}, headers=portal), 409)
    assert "不能重复评价" in twice["error"]
    assert _fields(_error(client.post(f"/api/v1/services/{service['id']}/rating", json={"rating": 4.5},
                                      headers=portal), 400)) == ["rating"]
    solved = _service(client, officer, did, date="2026-04-01", solved=True, outcome="良率提升")
    assert solved.status_code == 201 and _status(local_store, Label.DEMAND, "d:1") == "已解决"
    assert client.get("/api/v1/services", query_string={"dispatch_id": did}, headers=officer).get_json()["total"] == 2
    assert client.get("/api/v1/dispatches?expert_id=e:li&status=派驻中", headers=officer).get_json()["total"] == 1
    ended = client.post(f"/api/v1/dispatches/{did}/end", json={}, headers=officer)
    assert ended.status_code == 200 and ended.get_json()["status"] == "已结束"
    assert "已结束" in _error(_service(client, officer, did, date="2026-05-01"), 409)["error"]
    assert _error(client.post(f"/api/v1/dispatches/{did}/end", json={}, headers=officer), 409)
    assert client.get(f"/api/v1/services?dispatch_id={did}", headers=officer).get_json()["total"] == 2


def test_dispatch_refusals_name_the_field(client, officer, portal, local_store):
    body = _error(client.post("/api/v1/dispatches", json={"expert_id": "e:li"}, headers=officer), 400)
    assert set(_fields(body)) == {"enterprise_id", "start_date", "end_date", "service_types"}
    body = _error(client.post("/api/v1/dispatches", json={
        "expert_id": "e:li", "enterprise_id": "ent:1", "start_date": "2026-03-01", "end_date": "2026-02-01",
        "service_types": ["技术诊断"]}, headers=officer), 400)
    assert body["error"] == "「end_date」结束日期 2026-02-01 早于开始日期 2026-03-01"
    did = _dispatch(client, officer, demand_id=None)["id"]
    outside = _error(_service(client, officer, did, date="2027-01-01"), 400)
    assert _fields(outside) == ["date"] and "不在派驻期" in outside["error"]
    assert _fields(_error(_service(client, officer, did, hours=25), 400)) == ["hours"]
    assert _fields(_error(_service(client, officer, did, solved=True), 400)) == ["solved"]
    assert _error(_service(client, officer, "dsp:nope"), 404)
    assert _error(client.post("/api/v1/dispatches", json={}, headers=portal), 403)
    assert local_store.find_nodes(Label.SERVICE).total == 0
    assert _error(client.get("/api/v1/dispatches/dsp:nope", headers=officer), 404)


# -- 揭榜 challenges ------------------------------------------------------------------------------


def _publish(client, headers, demand="d:1"):
    response = client.post(f"/api/v1/demands/{demand}/challenge",
                           json={"conditions": "良率提升到 99%", "deadline": FAR, "reward_wan": 80}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _move(client, headers, cid, status, reason=""):
    return client.post(f"/api/v1/challenges/{cid}/status", json={"status": status, "reason": reason}, headers=headers)


def test_challenge_from_publication_to_completion(client, officer, portal, local_store):
    published = _publish(client, portal)
    cid = published["id"]
    assert cid == "ch:d:1" and published["status"] == "发布" and published["title"] == "高镍正极材料涂布缺陷检测"
    assert published["enterprise_id"] == "ent:1" and published["actor"] == "test-portal"
    bid_url = f"/api/v1/challenges/{cid}/bids"
    early = _error(client.post(bid_url, json={"bidder": _expert("e:li"), "proposal": "方案"}, headers=portal), 409)
    assert "只有「揭榜中」的榜单接受揭榜方案" in early["error"]
    assert _move(client, officer, cid, "揭榜中").get_json()["status"] == "揭榜中"
    bid = client.post(bid_url, json={"bidder": _expert("e:li"), "proposal": "高镍正极界面调控方案"}, headers=portal)
    assert bid.status_code == 201 and bid.get_json()["status"] == "已提交"
    other = client.post(bid_url, json={"bidder": _expert("e:zhao"), "proposal": "机器视觉方案"}, headers=portal)
    assert other.status_code == 201
    twice = _error(client.post(bid_url, json={"bidder": _expert("e:li"), "proposal": "再来"}, headers=portal), 409)
    assert "已对榜单「ch:d:1」提交过方案" in twice["error"]
    select = f"/api/v1/challenges/{cid}/select"
    assert _error(client.post(select, json={"bid_id": bid.get_json()["id"]}, headers=portal), 403)
    assert _status(local_store, Label.CHALLENGE, cid) == "揭榜中"
    chosen = client.post(select, json={"bid_id": bid.get_json()["id"]}, headers=officer)
    assert chosen.status_code == 200
    detail = chosen.get_json()
    assert detail["status"] == "已揭榜" and detail["winner_id"] == "e:li"
    assert {b["bidder_id"]: b["status"] for b in detail["bids"]} == {"e:li": "已中选", "e:zhao": "未中选"}
    assert _move(client, officer, cid, "实施中").status_code == 200
    done = _move(client, officer, cid, "已完成")
    assert done.get_json()["status"] == "已完成" and _status(local_store, Label.DEMAND, "d:1") == "已解决"
    assert done.get_json()["completed_at"] >= done.get_json()["opened_at"]
    assert [h.split()[1] for h in done.get_json()["history"]] == ["发布", "揭榜中", "已揭榜", "实施中", "已完成"]
    listed = client.get("/api/v1/challenges?status=已完成", headers=portal).get_json()
    assert [c["id"] for c in listed["items"]] == [cid]


def test_challenge_refuses_an_invalid_transition_and_keeps_its_state(client, officer, portal, local_store):
    cid = _publish(client, officer)["id"]
    body = _error(_move(client, officer, cid, "已完成"), 409)
    assert body["error"] == "揭榜榜单「ch:d:1」当前状态为「发布」，不能验收完成（允许的下一状态：揭榜中、已关闭）"
    assert client.get(f"/api/v1/challenges/{cid}", headers=portal).get_json()["status"] == "发布"
    assert _fields(_error(_move(client, officer, cid, "已关闭"), 400)) == ["reason"]
    assert _fields(_error(_move(client, officer, cid, "已揭榜"), 400)) == ["status"]
    assert _fields(_error(_move(client, officer, cid, "暂停"), 400)) == ["status"]
    assert _error(_move(client, portal, cid, "揭榜中"), 403)
    closed = _move(client, officer, cid, "已关闭", reason="企业已自行解决")
    assert closed.get_json()["closed_reason"] == "企业已自行解决"
    final = _error(_move(client, officer, cid, "揭榜中"), 409)
    assert final["error"] == "揭榜榜单「ch:d:1」已是最终状态「已关闭」，不能再开始揭榜"
    assert _status(local_store, Label.CHALLENGE, cid) == "已关闭"
    again = _error(client.post("/api/v1/demands/d:1/challenge",
                               json={"conditions": "x", "deadline": FAR, "reward_wan": 1}, headers=officer), 409)
    assert "已发布为榜单" in again["error"]
    bad = _error(client.post("/api/v1/demands/d:3/challenge", json={"conditions": "x", "deadline": "2020-01-01",
                                                                   "reward_wan": "八十"}, headers=officer), 400)
    assert _fields(bad) == ["reward_wan"]
    assert _error(client.get("/api/v1/challenges/ch:nope", headers=portal), 404)


# -- 创新券 vouchers --------------------------------------------------------------------------------


def test_voucher_issue_redeem_and_void(client, officer, local_store):
    issued = client.post("/api/v1/vouchers", json={"holder": {"label": "Enterprise", "id": "ent:1"}, "amount": 1000,
                                                   "valid_until": FAR, "note": "首批"}, headers=officer)
    assert issued.status_code == 201
    voucher = issued.get_json()
    assert voucher["balance"] == 1000 and voucher["status"] == "有效" and voucher["programme"] == "科技创新券"
    vid = voucher["id"]
    did = _dispatch(client, officer)["id"]
    first = _service(client, officer, did).get_json()["id"]
    second = _service(client, officer, did, date="2026-03-11").get_json()["id"]
    url = f"/api/v1/vouchers/{vid}/redemptions"
    paid = client.post(url, json={"service_id": first, "amount": 600}, headers=officer)
    assert paid.status_code == 201
    assert paid.get_json()["balance"] == 400 and [r["service_id"] for r in paid.get_json()["redemptions"]] == [first]
    assert local_store.get_node(Label.SERVICE, first).props["redeemed_by"] == vid
    over = _error(client.post(url, json={"service_id": second, "amount": 500}, headers=officer), 409)
    assert over["error"] == f"创新券「{vid}」余额 400.00 元，不足以兑付 500.00 元"
    twice = _error(client.post(url, json={"service_id": first, "amount": 100}, headers=officer), 409)
    assert "不能重复兑付" in twice["error"]
    detail = client.get(f"/api/v1/vouchers/{vid}", headers=officer).get_json()
    assert detail["balance"] == 400 and len(detail["redemptions"]) == 1 and detail["redemptions"][0]["amount"] == 600
    assert "redeemed_by" not in local_store.get_node(Label.SERVICE, second).props
    assert _fields(_error(client.post(url, json={"service_id": second, "amount": "all"}, headers=officer),
                          400)) == ["amount"]
    assert _fields(_error(client.post(f"/api/v1/vouchers/{vid}/void", json={}, headers=officer), 400)) == ["reason"]
    voided = client.post(f"/api/v1/vouchers/{vid}/void", json={"reason": "企业注销"}, headers=officer)
    assert voided.status_code == 200 and voided.get_json()["status"] == "已作废"
    assert "不能兑付" in _error(client.post(url, json={"service_id": second, "amount": 1}, headers=officer), 409)["error"]
    listed = client.get("/api/v1/vouchers", query_string={"holder_id": "ent:1", "status": "已作废"}, headers=officer)
    assert [v["id"] for v in listed.get_json()["items"]] == [vid]
    assert _fields(_error(client.get("/api/v1/vouchers?holder_label=Team", headers=officer), 400)) == ["holder_label"]


def test_voucher_refusals(client, officer, analyst, local_store):
    body = _error(client.post("/api/v1/vouchers", json={"holder": {"label": "Team", "id": "t:1"}, "amount": 0,
                                                        "valid_until": FAR}, headers=officer), 400)
    assert _fields(body) == ["holder"]
    body = _error(client.post("/api/v1/vouchers", json={"holder": {"label": "Enterprise", "id": "ent:1"},
                                                        "amount": 0, "valid_until": FAR}, headers=officer), 400)
    assert _fields(body) == ["amount"]
    assert _error(client.post("/api/v1/vouchers", json={"holder": {"label": "Expert", "id": "e:li"}, "amount": 5,
                                                        "valid_until": FAR}, headers=analyst), 403)
    assert local_store.find_nodes(Label.VOUCHER).total == 0


# -- feedback and deliveries ----------------------------------------------------------------------


def test_feedback_on_recommendations(client, officer, analyst):
    url = "/api/v1/demands/d:1/feedback"
    body = _error(client.post(url, json={"target": _expert("e:conf"), "verdict": "不采纳"}, headers=officer), 400)
    assert body["error"] == "「reason」拒绝时必须填写理由"
    assert _fields(_error(client.post(url, json={"target": _expert("e:li"), "verdict": "好"}, headers=officer),
                          400)) == ["verdict"]
    assert _error(client.post(url, json={"target": _expert("e:li"), "verdict": "采纳"}, headers=analyst), 403)
    given = client.post(url, json={"target": _expert("e:li"), "verdict": "采纳", "rank": 1, "score": 0.9},
                        headers=officer)
    assert given.status_code == 201 and given.get_json()["target_name"] == "李明" and given.get_json()["rank"] == 1
    client.post(url, json={"target": _expert("e:conf"), "verdict": "不采纳", "reason": "利益冲突"}, headers=officer)
    mine = client.get(url, headers=analyst).get_json()
    assert mine["total"] == 2 and {f["verdict"] for f in mine["items"]} == {"采纳", "不采纳"}
    rejected = client.get("/api/v1/feedback?verdict=不采纳", headers=analyst).get_json()
    assert [f["target_id"] for f in rejected["items"]] == ["e:conf"] and rejected["items"][0]["reason"] == "利益冲突"
    assert _error(client.get("/api/v1/demands/d:nope/feedback", headers=analyst), 404)


def test_the_delivery_log_and_retrying_a_delivery(client, officer, analyst):
    _push(client, officer)
    pending = client.get("/api/v1/deliveries?status=待投递", headers=analyst).get_json()
    assert pending["total"] == 1
    delivery = pending["items"][0]
    assert delivery["event"] == "push.created" and delivery["subject_id"] == "push:d:1:expert:e:li"
    retried = client.post(f"/api/v1/deliveries/{delivery['id']}/retry", json={}, headers=officer)
    assert retried.status_code == 200 and retried.get_json()["next_attempt_at"] >= delivery["next_attempt_at"]
    assert _error(client.post(f"/api/v1/deliveries/{delivery['id']}/retry", json={}, headers=analyst), 403)
    assert _error(client.post("/api/v1/deliveries/dl:nope/retry", json={}, headers=officer), 404)
    assert _fields(_error(client.get("/api/v1/deliveries?status=失败", headers=analyst), 400)) == ["status"]
    assert client.get("/api/v1/deliveries?status=已投递", headers=analyst).get_json()["total"] == 0


def test_write_bodies_must_be_json_objects(client, officer):
    for url in ("/api/v1/dispatches/x/end", "/api/v1/pushes/reminders", "/api/v1/vouchers"):
        assert "JSON 对象" in _error(client.post(url, data="x", headers=officer), 400)["error"]
    assert _fields(_error(client.post("/api/v1/dispatches/x/end", json={"now": 1}, headers=officer), 400)) == ["now"]


# -- one flow over both stores --------------------------------------------------------------------


def test_push_answer_challenge_and_voucher_on_each_store(store, tmp_path):
    store.write(world())
    app = build_app(store, tmp_path / "data")
    client = app.test_client()
    officer, portal = key_for(app, Role.OFFICER), key_for(app, Role.PORTAL)
    assert _push(client, officer, experts=("e:li", "e:sun")).status_code == 201
    answered = client.post("/api/v1/pushes/push:d:1:expert:e:sun/response",
                           json={"accept": False, "reason": "方向不符", "expert_id": "e:sun"}, headers=portal)
    assert answered.get_json()["status"] == "已谢绝"
    statuses = {p["target_id"]: p["status"] for p in client.get("/api/v1/pushes?demand_id=d:1",
                                                                 headers=officer).get_json()["items"]}
    assert statuses == {"e:li": "待回复", "e:sun": "已谢绝"}
    cid = _publish(client, portal)["id"]
    assert _move(client, officer, cid, "揭榜中").status_code == 200
    bid = client.post(f"/api/v1/challenges/{cid}/bids", json={"bidder": _expert("e:li"), "proposal": "方案"},
                      headers=portal).get_json()
    assert client.post(f"/api/v1/challenges/{cid}/select", json={"bid_id": bid["id"]},
                       headers=officer).get_json()["winner_id"] == "e:li"
    assert _error(_move(client, officer, cid, "揭榜中"), 409)
    assert client.get(f"/api/v1/challenges/{cid}", headers=portal).get_json()["status"] == "已揭榜"
    vid = client.post("/api/v1/vouchers", json={"holder": {"label": "Expert", "id": "e:li"}, "amount": 300.5,
                                                "valid_until": FAR}, headers=officer).get_json()["id"]
    did = _dispatch(client, officer)["id"]
    sid = _service(client, officer, did).get_json()["id"]
    url = f"/api/v1/vouchers/{vid}/redemptions"
    assert _error(client.post(url, json={"service_id": sid, "amount": 400}, headers=officer), 409)
    assert client.post(url, json={"service_id": sid, "amount": 300.5}, headers=officer).get_json()["status"] == "已用完"
    assert _error(client.post(url, json={"service_id": sid, "amount": 1}, headers=officer), 409)
    assert client.get(f"/api/v1/vouchers/{vid}", headers=officer).get_json()["balance"] == 0
    assert client.get("/api/v1/deliveries", headers=officer).get_json()["total"] == 2 + 1 + 3  # pushes, answer, 榜单
