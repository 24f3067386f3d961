"""No route is open by accident: walk EVERY route of the app without credentials, with a bad key
and with each role, and check 401/403 against the permission matrix.

Only the endpoints in :data:`ALLOW_LIST` may answer without credentials; a view that
declares no permission is refused for everyone (even an admin).
"""

from __future__ import annotations

import logging

import pytest
from test_api import build_app, key_for

from api.auth import PUBLIC, ROLE_PERMISSIONS, Permission, Role, required_permission

ALLOW_LIST = {"static", "health.health", "auth.login_form", "auth.login", "auth.logout"}
"""Endpoints anyone may call: static files, the health probe, signing in and out."""

_SAMPLE_VALUES = {"label": "Expert", "filename": "api_docs.css"}


def _routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method of the app."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        values = {arg: _SAMPLE_VALUES.get(arg, "x") for arg in rule.arguments}
        url = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return out


CSRF_FORMS = {"auth.login", "auth.logout"}
"""Public form posts: without the session's CSRF token they are refused (403) for everyone."""


class _Answer:
    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response.headers
        response.close()  # static files hold an open file until closed


def _call(client, method, url, headers=None):
    return _Answer(client.open(url, method=method, headers=headers or {}, json={} if method == "POST" else None))


def test_the_walk_covers_the_whole_api(app):
    endpoints = {e for e, _, _ in _routes(app)}
    assert len(endpoints) >= 20
    assert {"demands.create_demand", "recommendations.for_demand", "graph.neighbourhood", "docs.api_docs"} <= endpoints


def test_only_the_allow_list_is_public(app):
    public = {endpoint for endpoint, _, _ in _routes(app) if required_permission(app, endpoint) is PUBLIC}
    assert public == ALLOW_LIST


def test_every_route_declares_a_permission(app):
    undeclared = [endpoint for endpoint, _, _ in _routes(app) if required_permission(app, endpoint) is None]
    assert undeclared == []


def test_every_protected_route_refuses_anonymous_callers(app):
    client = app.test_client()
    for endpoint, method, url in _routes(app):
        if endpoint in ALLOW_LIST:
            continue
        response = _call(client, method, url)
        if url.startswith("/api/v1") or method != "GET":
            assert response.status_code == 401, (endpoint, method, response.status_code)
        else:  # a page: the browser is sent to the login form
            assert response.status_code == 302, (endpoint, method, response.status_code)
            assert response.headers["Location"].startswith("/login?next="), endpoint


def test_every_protected_route_refuses_a_bad_api_key(app):
    client = app.test_client()
    bad = {"X-API-Key": "kgm_00000000_" + "x" * 43}
    for endpoint, method, url in _routes(app):
        if endpoint not in ALLOW_LIST:
            assert _call(client, method, url, bad).status_code == 401, endpoint


@pytest.mark.parametrize("role", list(Role))
def test_every_route_follows_the_permission_matrix(app, role):
    client = app.test_client()
    headers = key_for(app, role)
    for endpoint, method, url in _routes(app):
        needed = required_permission(app, endpoint)
        status = _call(client, method, url, headers).status_code
        if (isinstance(needed, Permission) and needed not in ROLE_PERMISSIONS[role]) or endpoint in CSRF_FORMS:
            assert status == 403, (role, endpoint, method, status)
        else:
            assert status not in (401, 403), (role, endpoint, method, status)


def test_every_role_is_refused_something_but_the_admin(app):
    for role in (Role.OFFICER, Role.ANALYST, Role.PORTAL):
        assert set(Permission) - ROLE_PERMISSIONS[role], role
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)


def test_a_route_that_declares_nothing_is_refused_even_to_admins(local_store, tmp_path, caplog):
    app = build_app(local_store, tmp_path / "data")

    @app.get("/api/v1/forgotten")
    def forgotten():
        return {"secret": True}

    with caplog.at_level(logging.ERROR, logger="api.auth"):
        response = app.test_client().get("/api/v1/forgotten", headers=key_for(app, Role.ADMIN))
    assert response.status_code == 403 and response.get_json()["error"] == "该地址未声明访问权限，已拒绝访问"
    assert "declares no permission" in caplog.text
