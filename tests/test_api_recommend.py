"""Recommendations through the API: stored demands on both stores, free text, validated options."""

from __future__ import annotations

import pytest
from test_api import build_app, key_for, world

from api.auth import Role


@pytest.fixture
def officer(app):
    return key_for(app, Role.OFFICER)


def test_recommendations_for_a_demand_identical_on_both_stores(store, tmp_path):
    store.write(world())
    app = build_app(store, tmp_path / store.backend)
    response = app.test_client().get("/api/v1/demands/d:1/recommendations", headers=key_for(app, Role.PORTAL))
    assert response.status_code == 200
    body = response.get_json()
    assert [e["expert_id"] for e in body["experts"]][0] == "e:li"
    assert {e["expert_id"] for e in body["experts"]} == {"e:li", "e:wang", "e:zhao", "e:sun"}
    assert body["excluded"] == [{"expert_id": "e:conf", "reason": "利益冲突：与需求企业存在关联"}]
    assert body["experts"][0]["paths"][0]["text"] == "高镍正极材料涂布缺陷检测 →需要→ 正极材料 →擅长→ 李明"
    assert body["teams"][0]["leader"] in ("e:li", "e:zhao")
    assert {m["expert_id"] for m in body["teams"][0]["members"]} == {"e:li", "e:zhao"}
    assert body["demand"]["fields"][0] == {"id": "f:cathode", "name": "正极材料", "weight": 2.0}


def test_recommendation_options_are_applied(client, officer):
    body = client.get("/api/v1/demands/d:1/recommendations?top_k=2&region_mode=only&weight_region=0.5",
                      headers=officer).get_json()
    assert [e["expert_id"] for e in body["experts"]] == ["e:li", "e:zhao"]
    assert body["settings"]["top_k"] == 2 and body["settings"]["weight_region"] == 0.5
    assert body["settings"]["region_mode"] == "only"
    body = client.get("/api/v1/demands/d:1/recommendations?top_k=3&max_per_institution=1", headers=officer).get_json()
    assert sorted(e["institution_id"] for e in body["experts"]) == ["i:sysu", "i:thu", "i:zju"]


@pytest.mark.parametrize(("query", "field", "reason"), [
    ("top_k=abc", "top_k", "应为数字，实际为「abc」"),
    ("top_k=51", "top_k", "应为 0 到 50 之间的整数，实际为「51」"),
    ("region_mode=nowhere", "region_mode", "只能是 prefer、only 或 any"),
    ("weight_field=-1", "weight_field", "不能为负数"),
    ("weight_colour=1", "weight_colour", "不是可设置的推荐参数"),
    ("team_count=11", "team_count", "应为 0 到 10 之间的整数，实际为「11」"),
])
def test_recommendation_options_are_validated_in_chinese(client, officer, query, field, reason):
    response = client.get(f"/api/v1/demands/d:1/recommendations?{query}", headers=officer)
    assert response.status_code == 400
    error = response.get_json()["errors"][0]
    assert (error["field"], error["reason"]) == (field, reason)


def test_recommendations_for_an_unknown_demand_are_404(client, officer):
    response = client.get("/api/v1/demands/d:none/recommendations", headers=officer)
    assert response.status_code == 404 and response.get_json()["error"] == "未找到技术需求「d:none」"


def test_recommendations_for_free_text(client, officer):
    response = client.post("/api/v1/recommendations",
                           json={"text": "高镍正极材料\n我公司需要提升正极材料循环寿命", "region": "杭州市",
                                 "settings": {"top_k": 3}}, headers=officer)
    assert response.status_code == 200
    body = response.get_json()
    assert body["demand"]["id"] == "(text)" and body["demand"]["title"] == "高镍正极材料"
    assert body["keywords"] and len(body["experts"]) <= 3
    assert "e:li" in [e["expert_id"] for e in body["experts"]]  # found through the text index at least


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "text"),
    ({"text": "   "}, "text"),
    ({"text": 42}, "text"),
    ({"text": "锂电池", "region": "火星"}, "region"),
    ({"text": "锂电池", "settings": {"top_k": "十"}}, "top_k"),
    ({"text": "锂电池", "settings": []}, "settings"),
    ({"text": "锂电池", "colour": "red"}, "colour"),
    ({"text": "锂" * 5001}, "text"),
])
def test_free_text_input_is_validated(client, officer, payload, field):
    response = client.post("/api/v1/recommendations", json=payload, headers=officer)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == field
