"""One error handler, one shape: JSON under ``/api/``, ``error.html`` everywhere else.

JSON errors are ``{"ok": false, "error": <Chinese message>, "errors": [row/field errors],
"status": <int>}``. :class:`~graph.errors.KgmatchError` subclasses carry their HTTP
status; werkzeug's HTTP errors keep theirs with a Chinese message; anything else is a
500, logged with its traceback, whose details never reach the client.

:class:`ApiMsg` is the catalogue of the Chinese messages the web app shows.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from graph.errors import KgmatchError, RowError

__all__ = ["ApiMsg", "Unauthorized", "Forbidden", "error_body", "wants_json", "register_error_handlers"]

log = logging.getLogger(__name__)


class ApiMsg:
    """Chinese messages of the web app and JSON API; format with ``str.format``."""

    LOGIN_REQUIRED = "请先登录，或在请求头 X-API-Key 中提供 API 密钥"
    BAD_API_KEY = "API 密钥无效或已吊销"
    FORBIDDEN = "当前角色「{role}」无权执行此操作（需要权限「{permission}」）"
    NOT_DECLARED = "该地址未声明访问权限，已拒绝访问"
    BAD_LOGIN = "用户名或密码不正确"
    BAD_CSRF = "表单已过期，请刷新页面后重试"
    NOT_JSON = "请求体应为 JSON 对象（Content-Type: application/json）"
    BAD_INT = "应为 {low} 到 {high} 之间的整数，实际为「{value}」"
    BAD_NUMBER = "应为数字，实际为「{value}」"
    UNKNOWN_PARAM = "不是可用的查询参数"
    TOO_LONG = "不能超过 {limit} 个字"
    DEMAND_EXISTS = "需求编号「{id}」已存在"
    INTERNAL = "服务器内部错误，请稍后重试；已记录日志"
    HTTP = {
        400: "请求格式不正确",
        401: LOGIN_REQUIRED,
        403: "无权访问",
        404: "未找到该页面或接口",
        405: "不支持该请求方法",
        413: "请求体过大",
        415: "不支持的请求内容类型",
        429: "请求过于频繁，请稍后重试",
    }


class Unauthorized(KgmatchError):
    """No valid credentials: log in, or send a valid API key."""

    status = 401


class Forbidden(KgmatchError):
    """Authenticated, but the role lacks the permission."""

    status = 403


def error_body(message: str, status: int, errors: list[RowError] | None = None) -> dict[str, Any]:
    """The JSON error shape."""
    return {"ok": False, "error": message, "errors": [e.as_dict() for e in errors or []], "status": status}


_HTML_UNDER_API = ("/api/docs",)
"""Pages that live under ``/api/`` but are HTML (the API documentation page)."""


def wants_json(path: str | None = None) -> bool:
    """Whether errors for this path are JSON (the API) rather than HTML (the pages).

    >>> wants_json("/api/v1/demands"), wants_json("/api/docs"), wants_json("/demands")
    (True, False, False)
    """
    path = request.path if path is None else path
    return (path == "/api" or path.startswith("/api/")) and path.rstrip("/") not in _HTML_UNDER_API


def _respond(message: str, status: int, errors: list[RowError] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    if wants_json():
        response = jsonify(error_body(message, status, errors))
    else:
        html = render_template("error.html", message=message, status=status,
                               errors=[e.message() for e in errors or []])
        response = Response(html, mimetype="text/html")
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _kgmatch_error(err: KgmatchError) -> Response:
    if err.status >= 500:
        log.error("%s %s failed: %s", request.method, request.path, err.message, exc_info=err)
    else:
        log.info("%s %s -> %d: %s", request.method, request.path, err.status, err.message)
    return _respond(err.message, err.status, err.errors)


def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    message = ApiMsg.HTTP.get(status, err.name)
    headers = {"Allow": ", ".join(err.valid_methods)} if getattr(err, "valid_methods", None) else None
    return _respond(message, status, headers=headers)


def _unexpected(err: Exception) -> Response:
    if isinstance(err, HTTPException):  # raised inside a view and not caught by the handler above
        return _http_error(err)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(ApiMsg.INTERNAL, 500)


def register_error_handlers(app: Flask) -> None:
    """Install the one handler for every error the app can raise."""
    app.register_error_handler(KgmatchError, _kgmatch_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
