"""One error handler, one shape: JSON under ``/api/``, ``error.html`` everywhere else.

JSON errors are ``{"ok": false, "error": <Chinese message>, "errors": [row/field errors],
"status": <int>}``. :class:`~graph.errors.KgmatchError` subclasses carry their HTTP
status; werkzeug's HTTP errors keep theirs with a Chinese message; anything else is a
500, logged with its traceback, whose details never reach the client.

Its Chinese messages are ``Msg.api`` of the one catalogue, :mod:`graph.messages`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from graph.errors import KgmatchError, Msg, RowError

__all__ = ["Unauthorized", "Forbidden", "error_body", "wants_json", "register_error_handlers"]

log = logging.getLogger(__name__)


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
    message = Msg.api.HTTP.get(status, err.name)
    headers = {"Allow": ", ".join(err.valid_methods)} if getattr(err, "valid_methods", None) else None
    return _respond(message, status, headers=headers)


def _unexpected(err: Exception) -> Response:
    if isinstance(err, HTTPException):  # raised inside a view and not caught by the handler above
        return _http_error(err)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(Msg.api.INTERNAL, 500)


def register_error_handlers(app: Flask) -> None:
    """Install the one handler for every error the app can raise."""
    app.register_error_handler(KgmatchError, _kgmatch_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
