"""Sign in and out of the pages (session cookie), and ``GET /api/v1/me``.

The login form is minimal on purpose: the pages use their own ``login.html`` when
there is one (it gets ``error``, ``next`` and ``csrf_token()``), else the fallback below.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, render_template_string, request, session
from jinja2 import TemplateNotFound

from api.auth import ROLE_PERMISSIONS, authenticated, check_csrf, current_principal, log_in, public
from api.state import app_state
from graph.errors import Msg

__all__ = ["bp", "safe_next"]

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

_FALLBACK_FORM = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>登录 - kgmatch</title></head>
<body><main><h1>登录</h1>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ url_for('auth.login') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="next" value="{{ next }}">
<p><label>用户名 <input name="username" autocomplete="username" required></label></p>
<p><label>密码 <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">登录</button></p>
</form></main></body></html>
"""


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a local path only (no open redirect), else the home page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    has_home = any(rule.rule == "/" for rule in current_app.url_map.iter_rules())
    return "/" if has_home else "/api/docs"


def _form(error: str | None, status: int) -> Any:
    context = {"error": error, "next": request.values.get("next", "")}
    try:
        html = render_template("login.html", **context)
    except TemplateNotFound:
        html = render_template_string(_FALLBACK_FORM, **context)
    return html, status


@bp.get("/login")
@public
def login_form() -> Any:
    """The login page."""
    return _form(None, 200)


@bp.post("/login")
@public
def login() -> Any:
    """Check the password; start a session and go to ``next``, or show the form again (401; 429 while
    the name or address is locked after repeated failures, see :mod:`api.throttle`)."""
    check_csrf()
    name = request.form.get("username", "").strip()
    throttle = app_state().login_throttle
    locked = throttle.locked_for(name, request.remote_addr)
    if locked > 0:  # not even checked: a locked account must not tell a right password from a wrong one
        log.warning("login for %r from %s refused: locked for %.0f s", name, request.remote_addr, locked)
        return _form(throttle.message(locked), 429)
    principal = app_state().users.check_password(name, request.form.get("password", ""))
    if principal is None:
        log.info("failed login for %r from %s", name, request.remote_addr)
        throttle.failed(name, request.remote_addr)
        return _form(Msg.api.BAD_LOGIN, 401)
    throttle.succeeded(name)
    log_in(principal)
    log.info("user %s (%s) signed in", principal.name, principal.role.value)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
@public
def logout() -> Any:
    """End the session."""
    check_csrf()
    session.clear()
    return redirect("/login")


@bp.get("/api/v1/me")
@authenticated
def me() -> Any:
    """Who is calling, with which role and permissions."""
    principal = current_principal()
    assert principal is not None  # the permission check let only signed-in callers through
    return jsonify({"name": principal.name, "role": principal.role.value, "kind": principal.kind,
                    "permissions": sorted(p.value for p in ROLE_PERMISSIONS[principal.role])})
