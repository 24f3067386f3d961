"""Demands through the API: create like the importer, list with filters and pages, get one."""

from __future__ import annotations

import json

import pytest
from test_api import build_app, key_for, world

from api.auth import Role
from graph.model import Label


@pytest.fixture
def portal(app):
    return key_for(app, Role.PORTAL)


def _ids(response):
    return [d["id"] for d in response.get_json()["items"]]


def test_create_demand_resolves_references_like_the_importer(app, client, portal, local_store):
    payload = {"title": "锂电池正极材料烧结工艺优化", "description": "提升高镍正极一致性", "enterprise": "杭州锂能科技有限公司",
               "fields": {"f:cathode": 0.8}, "industry": "38", "region": "杭州市", "budget_wan": "30",
               "phone": "13912345678"}
    response = client.post("/api/v1/demands", json=payload, headers=portal)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"].startswith("demand:api-") and response.headers["Location"].endswith(body["id"])
    assert body["enterprise"] == {"id": "ent:1", "name": "杭州锂能科技有限公司"}
    assert body["fields"] == [{"id": "f:cathode", "name": "正极材料", "weight": 0.8}]
    assert body["industries"] == [{"id": "gbt4754:38", "name": "电气机械和器材制造业"}]
    assert body["regions"] == [{"id": "region:330100", "name": "杭州市"}]
    assert body["status"] == "待对接" and body["budget_wan"] == 30.0 and body["source"] == "api"
    assert body["phone"] == "139****5678"  # the portal may not read contact details
    stored = local_store.get_node(Label.DEMAND, body["id"])
    assert stored.props["phone"] == "13912345678" and stored.props["title"] == payload["title"]
    assert client.get(response.headers["Location"], headers=portal).get_json() == body


def test_create_demand_accepts_chinese_keys_and_links_fields_from_text(client, portal):
    response = client.post("/api/v1/demands", json={"需求编号": "d:new", "需求标题": "正极材料缺陷检测", "所在地区": "330106"},
                           headers=portal)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == "d:new" and body["regions"] == [{"id": "region:330106", "name": "西湖区"}]
    assert body["keywords"]  # the importer's NLP extracted keywords from the title


def test_create_demand_reports_the_importers_chinese_row_and_field_errors(client, portal, local_store):
    before = local_store.counts()
    response = client.post("/api/v1/demands", json={"title": "", "region": "火星", "fields": "f:nope"}, headers=portal)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400
    messages = [e["message"] for e in body["errors"]]
    assert "第 1 行「title」不能为空" in messages
    assert any(m.startswith("第 1 行「region」未知的地区「火星」") for m in messages)
    assert any(m.startswith("第 1 行「fields」未知的技术领域「f:nope」") for m in messages)
    assert body["error"].startswith("第 1 行")
    assert local_store.counts() == before  # nothing of a bad demand is written


def test_create_demand_refuses_unknown_keys_non_objects_and_existing_ids(client, portal):
    response = client.post("/api/v1/demands", json={"title": "x", "titel": "y"}, headers=portal)
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "titel"
    response = client.post("/api/v1/demands", json=["not", "an", "object"], headers=portal)
    assert response.status_code == 400 and "JSON 对象" in response.get_json()["error"]
    response = client.post("/api/v1/demands", data="title=x", headers=portal)
    assert response.status_code == 400
    response = client.post("/api/v1/demands", json={"id": "d:1", "title": "重复"}, headers=portal)
    assert response.status_code == 409 and response.get_json()["error"] == "需求编号「d:1」已存在"


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"title": "正极材料", "标题": None}, "标题", "不能为 null；没有值的字段请省略"),  # found by `make fuzz`: was a 201
    ({"title": "正极材料", "region_code": None}, "region_code", "不能为 null；没有值的字段请省略"),
    ({"title": 42}, "title", "应为文本，实际为「42」"),
    ({"title": "正极材料", "description": True}, "description", "应为文本，实际为「True」"),
    ({"title": "正极材料", "keywords": ["正极", 3]}, "keywords", "应为文本或文本数组，实际为「['正极', 3]」"),
    ({"title": "正极材料", "budget_wan": {"万": 1}}, "budget_wan", "应为数字或文本，实际为「{'万': 1}」"),
])
def test_create_demand_refuses_null_and_wrong_json_types_naming_the_field(client, portal, local_store, body, field,
                                                                           message):
    before = local_store.counts()
    response = client.post("/api/v1/demands", json=body, headers=portal)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert [(e["field"], e["message"].split("」", 1)[-1]) for e in errors] == [(field, message)]
    assert local_store.counts() == before


def test_hostile_title_comes_back_as_escaped_data(client, portal):
    title = "<script>alert(1)</script>"
    response = client.post("/api/v1/demands", json={"title": title, "fields": "f:inspect"}, headers=portal)
    assert response.status_code == 201
    assert b"<script>" not in response.data and b"\\u003cscript\\u003e" in response.data
    assert response.get_json()["title"] == title
    assert json.loads(client.get(response.headers["Location"], headers=portal).data)["title"] == title


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["d:1", "d:2", "d:3"]),
    ("?status=待对接", ["d:1", "d:3"]),
    ("?region=浙江省", ["d:1"]),  # 西湖区 ⊂ 杭州市 ⊂ 浙江省
    ("?region=330000", ["d:1"]),
    ("?region=region:440000,北京市", ["d:2"]),
    ("?industry=C", ["d:1", "d:2"]),  # 38 ⊂ C
    ("?industry=gbt4754:38", ["d:1"]),
    ("?field=f:bat", ["d:1", "d:2"]),  # 正极材料 ⊂ 电池材料
    ("?field=缺陷检测&status=待对接", ["d:1", "d:3"]),
    ("?field=f:inspect&region=深圳市", []),
])
def test_list_demands_filters(client, portal, query, expected):
    response = client.get(f"/api/v1/demands{query}", headers=portal)
    assert response.status_code == 200
    assert _ids(response) == expected and response.get_json()["total"] == len(expected)


def test_list_demands_items_carry_their_links(client, portal):
    first = client.get("/api/v1/demands?per_page=1", headers=portal).get_json()["items"][0]
    assert first["id"] == "d:1" and first["enterprise"]["id"] == "ent:1"
    assert [f["id"] for f in first["fields"]] == ["f:cathode", "f:inspect"]  # by weight
    assert first["phone"] == "139****0002" and first["email"] == "z***@liion.example.com"


def test_list_demands_pages(client, portal):
    body = client.get("/api/v1/demands?per_page=2&page=2", headers=portal).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 3) and [d["id"] for d in body["items"]] == ["d:3"]
    assert client.get("/api/v1/demands?page=9", headers=portal).get_json()["items"] == []


@pytest.mark.parametrize(("query", "field", "message"), [
    ("?per_page=101", "per_page", "「per_page」应为 1 到 100 之间的整数，实际为「101」"),
    ("?page=0", "page", "「page」应为 1 到 1000000 之间的整数，实际为「0」"),
    ("?per_page=abc", "per_page", "「per_page」应为 1 到 100 之间的整数，实际为「abc」"),
    ("?region=火星", "region", "「region」未知的地区「火星」（请填写省市县名称或 6 位行政区划代码）"),
    ("?colour=red", "colour", "「colour」不是可用的查询参数"),
])
def test_list_demands_rejects_bad_parameters_in_chinese(client, portal, query, field, message):
    response = client.get(f"/api/v1/demands{query}", headers=portal)
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"][0]["field"] == field and body["error"] == message


def test_get_unknown_demand_is_a_chinese_404(client, portal):
    response = client.get("/api/v1/demands/d:nope", headers=portal)
    assert response.status_code == 404 and response.get_json()["error"] == "未找到技术需求「d:nope」"


def test_list_demands_filters_and_pages_on_both_stores(store, tmp_path):
    store.write(world())
    app = build_app(store, tmp_path / store.backend)
    client = app.test_client()
    headers = key_for(app, Role.OFFICER)
    body = client.get("/api/v1/demands?industry=C&per_page=1&page=2", headers=headers).get_json()
    assert [d["id"] for d in body["items"]] == ["d:2"] and body["total"] == 2
    assert body["items"][0]["regions"] == [{"id": "region:440300", "name": "深圳市"}]
    body = client.get("/api/v1/demands?region=浙江省&status=待对接", headers=headers).get_json()
    assert [d["id"] for d in body["items"]] == ["d:1"] and body["items"][0]["phone"] == "13900000002"
