"""The JSON API's foundations, and the helpers the other tests/test_api_*.py files import.

Every response to a ``/api/v1`` request made through :class:`CheckedClient` is validated
against the app's own OpenAPI document (openapi-core), so no test can pass on a body
the document does not describe.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.testing import MockRequest
from openapi_spec_validator import validate

from api.app import create_app
from api.auth import Role
from api.openapi import build_openapi, rule_to_path
from graph.model import Label, RelType
from graph.store import Batch, GraphStore

# -- helpers imported by the other API test files ------------------------------------------------


@functools.cache
def _openapi(config_json: str) -> tuple[OpenAPI, dict[str, Any]]:
    document = build_openapi(json.loads(config_json))
    return OpenAPI.from_dict(document), document


def _limits(app: Flask) -> str:
    keys = sorted(k for k in app.config if k.startswith(("KGMATCH_PER", "KGMATCH_MAX", "KGMATCH_GRAPH", "KGMATCH_TEXT")))
    return json.dumps({k: app.config[k] for k in keys}, sort_keys=True, default=str)


def check_against_openapi(app: Flask, response: Any) -> None:
    """Validate one ``/api/v1`` response: its operation's schema, or the Error schema when no
    operation matches (404 for an unknown path, 405 for a wrong method, 403 for an undeclared route)."""
    checker, document = _openapi(_limits(app))
    sent = response.request  # its body was consumed by the app: describe the request without it
    request = MockRequest("http://localhost", sent.method, sent.path, args=sent.args.to_dict(flat=False))
    try:
        checker.validate_response(request, WerkzeugOpenAPIResponse(response))
    except PathError:
        schema = {"$ref": "#/components/schemas/Error", "components": document["components"]}
        Draft202012Validator(schema).validate(response.get_json())
        assert response.status_code in (403, 404, 405), response.status_code


class CheckedClient(FlaskClient):
    """A test client that checks every ``/api/v1`` response against the OpenAPI document."""

    checked = 0

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/v1") and request.method not in ("HEAD", "OPTIONS"):
            check_against_openapi(self.application, response)
            CheckedClient.checked += 1
        return response


def build_app(store: GraphStore, data_dir: Path, **config: Any) -> Flask:
    """The app over ``store`` with its users, keys and audit log in ``data_dir``."""
    # No recommendation time budget unless a test sets one: a wall-clock limit would make tests flaky on a busy
    # machine (the first free-text request loads the segmenter); tests/test_hardening_limits.py tests the budget.
    app = create_app({"TESTING": True, "KGMATCH_DATA_DIR": str(data_dir), "SECRET_KEY": "test",
                      "KGMATCH_RECOMMEND_BUDGET": 0, **config},
                     store=store)
    app.test_client_class = CheckedClient
    return app


def key_for(app: Flask, role: Role | str) -> dict[str, str]:
    """Headers with an API key of ``role`` (created once per app)."""
    keys = app.config.setdefault("_TEST_KEYS", {})
    role = Role(role)
    if role not in keys:
        keys[role] = app.extensions["kgmatch"].users.add_key(f"test-{role.value}", role.value)
    return {"X-API-Key": keys[role]}


def world() -> Batch:
    """A tiny matchmaking world, small enough to check by hand.

    浙江省 ⊃ 杭州市 ⊃ 西湖区; 广东省 ⊃ 深圳市; 北京市. Fields: 电池材料 ⊃ 正极材料, 缺陷检测.
    Industry 制造业 ⊃ 电气机械和器材制造业. 杭州锂能 (西湖区) posts d:1 (正极材料 ×2, 缺陷检测),
    d:2 (电池材料, 深圳市, 已对接) and d:3 (缺陷检测, no region) are unattached.
    李明 (浙江大学, 正极材料, phone and email) is the best expert for d:1; 赵磊 collaborates
    with him on inspection; 冯军 is at the enterprise's partner institute (conflict of interest).
    """
    L, R = Label, RelType
    return (
        Batch()
        .add_nodes(L.REGION, [
            {"id": "region:330000", "code": "330000", "name": "浙江省", "full_name": "浙江省", "level": "province"},
            {"id": "region:330100", "code": "330100", "name": "杭州市", "full_name": "浙江省杭州市", "level": "city"},
            {"id": "region:330106", "code": "330106", "name": "西湖区", "full_name": "浙江省杭州市西湖区",
             "level": "county"},
            {"id": "region:440000", "code": "440000", "name": "广东省", "full_name": "广东省", "level": "province"},
            {"id": "region:440300", "code": "440300", "name": "深圳市", "full_name": "广东省深圳市", "level": "city"},
            {"id": "region:110000", "code": "110000", "name": "北京市", "full_name": "北京市", "level": "province"}])
        .add_nodes(L.FIELD, [{"id": "f:bat", "name": "电池材料", "scheme": "t"},
                             {"id": "f:cathode", "name": "正极材料", "scheme": "t"},
                             {"id": "f:inspect", "name": "缺陷检测", "scheme": "t"}])
        .add_nodes(L.INDUSTRY, [{"id": "gbt4754:C", "code": "C", "name": "制造业", "section": "C"},
                                {"id": "gbt4754:38", "code": "38", "name": "电气机械和器材制造业", "section": "C"}])
        .add_nodes(L.INSTITUTION, [{"id": "i:zju", "name": "浙江大学"}, {"id": "i:thu", "name": "清华大学"},
                                   {"id": "i:sysu", "name": "中山大学"}, {"id": "i:partner", "name": "合作研究院"}])
        .add_nodes(L.EXPERT, [
            {"id": "e:li", "name": "李明", "keywords": ["正极材料", "高镍"], "keywords_text": "正极材料 高镍",
             "phone": "13800000001", "email": "liming@zju.edu.cn"},
            {"id": "e:wang", "name": "王强", "keywords": ["电池材料"], "keywords_text": "电池材料"},
            {"id": "e:zhao", "name": "赵磊", "keywords": ["机器视觉"], "keywords_text": "机器视觉 缺陷检测"},
            {"id": "e:sun", "name": "孙丽", "keywords": ["缺陷检测"], "keywords_text": "缺陷检测"},
            {"id": "e:conf", "name": "冯军", "keywords": ["正极材料"]}])
        .add_nodes(L.PROJECT, [{"id": "p:1", "title": "高镍正极材料界面调控", "start_year": 2023, "end_year": 2025,
                                "amount_wan": 58.0, "fund_type": "面上项目"},
                               {"id": "p:2", "title": "基于机器视觉的电极缺陷检测", "start_year": 2021,
                                "end_year": 2023}])
        .add_nodes(L.ENTERPRISE, [{"id": "ent:1", "name": "杭州锂能科技有限公司", "conflict_institutions": ["i:partner"],
                                   "phone": "057188886666", "email": "hr@liion.example.com"}])
        .add_nodes(L.DEMAND, [
            {"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "description": "需要识别正极极片涂布缺陷",
             "posted": "2026-03-01", "status": "待对接", "contact": "周经理", "phone": "13900000002",
             "email": "zhou@liion.example.com", "keywords": ["高镍", "涂布"], "budget_wan": 50.0},
            {"id": "d:2", "title": "电池包热失控预警", "status": "已对接", "posted": "2026-02-01"},
            {"id": "d:3", "title": "机器视觉质检", "status": "待对接"}])
        .add_rels(R.PART_OF, L.REGION, L.REGION, [{"start": "region:330100", "end": "region:330000"},
                                                  {"start": "region:330106", "end": "region:330100"},
                                                  {"start": "region:440300", "end": "region:440000"}])
        .add_rels(R.PART_OF, L.INDUSTRY, L.INDUSTRY, [{"start": "gbt4754:38", "end": "gbt4754:C"}])
        .add_rels(R.LOCATED_IN, L.INSTITUTION, L.REGION, [{"start": "i:zju", "end": "region:330100"},
                                                          {"start": "i:thu", "end": "region:110000"},
                                                          {"start": "i:sysu", "end": "region:440000"}])
        .add_rels(R.LOCATED_IN, L.ENTERPRISE, L.REGION, [{"start": "ent:1", "end": "region:330106"}])
        .add_rels(R.LOCATED_IN, L.DEMAND, L.REGION, [{"start": "d:1", "end": "region:330106"},
                                                     {"start": "d:2", "end": "region:440300"}])
        .add_rels(R.IN_INDUSTRY, L.DEMAND, L.INDUSTRY, [{"start": "d:1", "end": "gbt4754:38"},
                                                        {"start": "d:2", "end": "gbt4754:C"}])
        .add_rels(R.SUBFIELD_OF, L.FIELD, L.FIELD, [{"start": "f:cathode", "end": "f:bat"}])
        .add_rels(R.WORKS_AT, L.EXPERT, L.INSTITUTION, [
            {"start": "e:li", "end": "i:zju"}, {"start": "e:wang", "end": "i:thu"}, {"start": "e:zhao", "end": "i:zju"},
            {"start": "e:sun", "end": "i:sysu"}, {"start": "e:conf", "end": "i:partner"}])
        .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [
            {"start": "e:li", "end": "f:cathode", "weight": 1.0}, {"start": "e:wang", "end": "f:bat", "weight": 1.0},
            {"start": "e:sun", "end": "f:inspect", "weight": 1.0}, {"start": "e:conf", "end": "f:cathode", "weight": 1.0}])
        .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": "e:li", "end": "p:1"}, {"start": "e:zhao", "end": "p:2"}])
        .add_rels(R.IN_FIELD, L.PROJECT, L.FIELD, [{"start": "p:1", "end": "f:cathode"},
                                                   {"start": "p:2", "end": "f:inspect"}])
        .add_rels(R.COLLABORATES, L.EXPERT, L.EXPERT, [{"start": "e:li", "end": "e:zhao", "count": 2}])
        .add_rels(R.POSTED, L.ENTERPRISE, L.DEMAND, [{"start": "ent:1", "end": "d:1"}])
        .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": "d:1", "end": "f:cathode", "weight": 2.0},
                                               {"start": "d:1", "end": "f:inspect", "weight": 1.0},
                                               {"start": "d:2", "end": "f:bat", "weight": 1.0},
                                               {"start": "d:3", "end": "f:inspect", "weight": 1.0}])
    )


# -- fixtures -------------------------------------------------------------------------------------


# -- tests ----------------------------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1(app):
    document = build_openapi(app.config)
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_api_route_is_documented_with_its_permission_and_nothing_else_is(app):
    from api.auth import required_permission

    document = build_openapi(app.config)
    documented = {(path, method.upper()): op for path, item in document["paths"].items() for method, op in item.items()}
    served = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served[(rule_to_path(rule.rule), method)] = rule.endpoint
    assert set(documented) == set(served)
    for key, endpoint in served.items():
        op = documented[key]
        assert op["operationId"] == endpoint
        declared = required_permission(app, endpoint)
        assert op["x-permission"] == getattr(declared, "value", repr(declared).lower()), key


def test_health_is_public_and_reports_the_store(app, client):
    response = client.get("/api/v1/health", headers=key_for(app, Role.ANALYST))  # counts need stats:read
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["reachable"] and body["backend"] == "local"
    assert body["counts"]["nodes"]["Expert"] == 5 and body["counts"]["relationships"]["NEEDS"] == 4


def test_health_is_503_when_the_store_cannot_be_opened(tmp_path, monkeypatch):
    monkeypatch.setenv("KGMATCH_NEO4J_URI", "bolt://127.0.0.1:1")
    monkeypatch.setenv("KGMATCH_NEO4J_TIMEOUT", "0.5")
    app = create_app({"TESTING": True, "KGMATCH_STORE": "neo4j", "KGMATCH_DATA_DIR": str(tmp_path), "SECRET_KEY": "t"})
    app.test_client_class = CheckedClient
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["reachable"] is False and body["backend"] == "neo4j" and "无法连接图数据库" in body["error"]
    app.extensions["kgmatch"].close()


def test_the_app_opens_the_configured_store_once_and_closes_it(tmp_path):
    app = create_app({"TESTING": True, "KGMATCH_DATA_DIR": str(tmp_path), "SECRET_KEY": "t"})
    state = app.extensions["kgmatch"]
    first = state.store()
    assert state.store() is first and first.backend == "local" and (tmp_path / "graph.sqlite").exists()
    state.close()
    assert state._store is None
    state.close()  # idempotent


def test_session_key_is_created_once_per_data_dir(tmp_path):
    a = create_app({"TESTING": True, "KGMATCH_DATA_DIR": str(tmp_path)}, store=None)
    b = create_app({"TESTING": True, "KGMATCH_DATA_DIR": str(tmp_path)}, store=None)
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] and len(a.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_me_says_who_is_calling(app, client):
    body = client.get("/api/v1/me", headers=key_for(app, Role.ANALYST)).get_json()
    assert body["role"] == "analyst" and body["kind"] == "api_key" and "contact:read" not in body["permissions"]


def test_responses_are_never_cached_and_not_sniffed(app, client):
    response = client.get("/api/v1/stats", headers=key_for(app, Role.ANALYST))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_stats_counts_and_demand_matrix(app, client):
    headers = key_for(app, Role.ANALYST)
    assert client.get("/api/v1/stats", headers=headers).get_json()["nodes"]["Demand"] == 3
    body = client.get("/api/v1/stats/demands", headers=headers).get_json()
    assert body["total"] == 3
    assert body["by_status"] == [{"status": "待对接", "count": 2}, {"status": "已对接", "count": 1}]
    assert body["cells"] == [
        {"field": "f:bat", "region": "region:330000", "count": 1},  # d:1 needs 正极材料 ⊂ 电池材料, in 西湖区 ⊂ 浙江省
        {"field": "f:bat", "region": "region:440000", "count": 1},  # d:2 in 深圳市 ⊂ 广东省
        {"field": "f:inspect", "region": "region:330000", "count": 1},
        {"field": "f:inspect", "region": None, "count": 1},  # d:3 has no region
    ]
    assert body["fields"][0] == {"id": "f:bat", "name": "电池材料", "count": 2}
    assert {"id": None, "name": "未填写地区", "count": 1} in body["regions"]


def test_every_checked_response_was_validated(app, client):
    before = CheckedClient.checked
    client.get("/api/v1/health")
    client.get("/api/v1/nowhere")
    assert CheckedClient.checked == before + 2
