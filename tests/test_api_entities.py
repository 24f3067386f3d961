"""Experts, institutions, enterprises (list, Chinese search, detail) and the graph neighbourhood."""

from __future__ import annotations

import pytest
from test_api import build_app, key_for, world

from api.auth import Role


@pytest.fixture
def analyst(app):
    return key_for(app, Role.ANALYST)


def test_expert_list_and_chinese_search_identical_on_both_stores(store, tmp_path):
    store.write(world())
    app = build_app(store, tmp_path / store.backend)
    client, headers = app.test_client(), key_for(app, Role.PORTAL)
    body = client.get("/api/v1/experts?per_page=2", headers=headers).get_json()
    assert [e["id"] for e in body["items"]] == ["e:conf", "e:li"] and body["total"] == 5
    body = client.get("/api/v1/experts?q=缺陷检测", headers=headers).get_json()
    assert [e["id"] for e in body["items"]] == ["e:sun", "e:zhao"] and body["total"] == 2
    body = client.get("/api/v1/experts?q=正极材料 高镍", headers=headers).get_json()
    assert [(e["id"], e["props"]["phone"], e["masked"]) for e in body["items"]] == [("e:li", "138****0001", True)]
    body = client.get("/api/v1/institutions?q=浙江", headers=headers).get_json()
    assert [e["name"] for e in body["items"]] == ["浙江大学"]


def test_entity_detail_lists_relations(client, analyst):
    body = client.get("/api/v1/experts/e:li", headers=analyst).get_json()
    assert body["name"] == "李明" and body["props"]["email"] == "l***@zju.edu.cn"
    relations = {(r["type"], r["direction"]): r for r in body["relations"]}
    assert relations[("WORKS_AT", "out")]["items"] == [{"id": "i:zju", "name": "浙江大学", "props": {}}]
    assert relations[("EXPERT_IN", "out")]["items"][0]["props"] == {"weight": 1.0}
    assert relations[("COLLABORATES", "out")]["total"] == 1
    inst = client.get("/api/v1/institutions/i:zju", headers=analyst).get_json()
    assert next(r for r in inst["relations"] if r["type"] == "WORKS_AT")["total"] == 2


def test_unknown_entities_are_chinese_404s(client, analyst):
    response = client.get("/api/v1/enterprises/ent:none", headers=analyst)
    assert response.status_code == 404 and response.get_json()["error"] == "未找到企业「ent:none」"


def test_search_validates_the_query(client, analyst):
    response = client.get("/api/v1/experts?q=" + "+".join(f"词{i}" for i in range(11)), headers=analyst)
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "q"


def test_graph_neighbourhood_is_bounded_and_masked(client, analyst):
    body = client.get("/api/v1/graph/Expert/e:li?depth=1", headers=analyst).get_json()
    assert body["centre"] == {"label": "Expert", "id": "e:li"}
    assert [n["id"] for n in body["nodes"]] == ["e:li", "e:zhao", "f:cathode", "i:zju", "p:1"]
    assert body["nodes"][0]["props"]["phone"] == "138****0001" and not body["truncated"]
    capped = client.get("/api/v1/graph/Expert/e:li?depth=2&max_nodes=3", headers=analyst).get_json()
    assert len(capped["nodes"]) == 3 and capped["truncated"]
    only = client.get("/api/v1/graph/Demand/d:1?rel_types=NEEDS&labels=Field", headers=analyst).get_json()
    assert [n["id"] for n in only["nodes"]] == ["d:1", "f:cathode", "f:inspect"]
    assert {r["type"] for r in only["relationships"]} == {"NEEDS"}


@pytest.mark.parametrize(("url", "field", "message"), [
    ("/api/v1/graph/Person/x", "label", "「label」未知的节点类型「Person」"),
    ("/api/v1/graph/Expert/e:li?rel_types=KNOWS", "rel_types", "「rel_types」未知的关系类型「KNOWS」"),
    ("/api/v1/graph/Expert/e:li?labels=Expert,Alien", "labels", "「labels」未知的节点类型「Alien」"),
    ("/api/v1/graph/Expert/e:li?depth=4", "depth", "「depth」应为 1 到 3 之间的整数，实际为「4」"),
    ("/api/v1/graph/Expert/e:li?max_nodes=501", "max_nodes", "「max_nodes」应为 1 到 500 之间的整数，实际为「501」"),
])
def test_graph_parameters_are_validated_against_the_model(client, analyst, url, field, message):
    response = client.get(url, headers=analyst)
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"][0]["field"] == field and body["error"] == message


def test_graph_of_a_missing_node_is_404(client, analyst):
    response = client.get("/api/v1/graph/Expert/nobody", headers=analyst)
    assert response.status_code == 404 and response.get_json()["error"] == "未找到专家「nobody」"
