"""One error shape: Chinese JSON under /api/, error.html elsewhere; 500s logged; the offline docs page."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask import render_template
from test_api import build_app, key_for

from api.auth import Role, permission_matrix_markdown
from api.settings import APP_SETTINGS, from_env, settings_markdown
from graph.errors import ValidationError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_unknown_api_path_is_a_json_404_in_chinese(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.get_json() == {"ok": False, "error": "未找到该页面或接口", "errors": [], "status": 404}


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/v1/health")
    assert response.status_code == 405 and response.get_json()["error"] == "不支持该请求方法"
    assert "GET" in response.headers["Allow"]


def test_too_large_a_body_is_a_json_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/v1/demands", json={"title": "长" * 200}, headers=key_for(app, Role.PORTAL))
    assert response.status_code == 413 and response.get_json()["error"] == "请求体过大"


def test_pages_get_error_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "未找到该页面或接口" in response.get_data(as_text=True)


def test_unknown_exceptions_are_500_logged_with_traceback(app, client, caplog):
    def broken():
        raise RuntimeError("disk on fire")

    app.extensions["kgmatch"].store = broken
    with caplog.at_level(logging.ERROR, logger="api.errors"):
        response = client.get("/api/v1/stats", headers=key_for(app, Role.ANALYST))
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"] == "服务器内部错误，请稍后重试；已记录日志" and "disk" not in response.get_data(as_text=True)
    record = next(r for r in caplog.records if r.name == "api.errors")
    assert record.exc_info and "disk on fire" in caplog.text


def test_error_html_escapes_messages(app):
    with app.test_request_context("/x"):
        html = render_template("error.html", message="<script>alert(1)</script>", status=400,
                               errors=["第 1 行「<b>」不能为空"])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_api_docs_page_lists_every_operation_and_needs_no_network(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "zhou", "password": "correct horse", "csrf_token": token})
    html = client.get("/api/docs").get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for op in item.values():
            assert f'id="{op["operationId"]}"' in html and path in html
    assert "http://" not in html and "https://" not in html
    css = client.get("/static/api_docs.css")
    assert css.status_code == 200 and "http" not in css.get_data(as_text=True)
    css.close()


def test_settings_come_from_the_environment_typed():
    assert from_env({"KGMATCH_MAX_PER_PAGE": "50", "KGMATCH_COOKIE_SECURE": "no"}) == {
        "KGMATCH_MAX_PER_PAGE": 50, "SESSION_COOKIE_SECURE": False}
    with pytest.raises(ValidationError, match="「KGMATCH_PER_PAGE」应为整数，实际为「many」"):
        from_env({"KGMATCH_PER_PAGE": "many"})


def test_env_settings_apply_to_the_app(local_store, tmp_path, monkeypatch):
    monkeypatch.setenv("KGMATCH_MAX_PER_PAGE", "5")
    app = build_app(local_store, tmp_path)
    response = app.test_client().get("/api/v1/demands?per_page=6", headers=key_for(app, Role.PORTAL))
    assert response.status_code == 400 and "1 到 5" in response.get_json()["error"]


def test_every_setting_has_help_and_an_environment_variable():
    assert len({s.name for s in APP_SETTINGS}) == len(APP_SETTINGS)
    for s in APP_SETTINGS:
        assert s.help and s.env.startswith("KGMATCH_"), s.name


def test_readme_documents_every_setting_and_the_permission_matrix():
    readme = README.read_text(encoding="utf-8")
    assert settings_markdown() in readme
    assert permission_matrix_markdown() in readme
