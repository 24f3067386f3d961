"""Which methods a URL allows, counting only its most specific route.

Ids may contain ``/`` (``<path:…>``), so ``GET /api/v1/challenges/<path:id>`` also matches
``/api/v1/challenges/ch:1/bids``, whose own route is POST only. Werkzeug would then answer
``OPTIONS`` with ``Allow: GET, POST`` and send a ``GET`` to the wrong view (a 404 about an id
「ch:1/bids」). Here each method's route is found, and only the routes with the most literal
characters count: ``OPTIONS`` lists their methods, and any other method is a 405 with ``Allow``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

__all__ = ["allowed_methods", "init_methods"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_VARIABLE = re.compile(r"<[^>]*>")


def _literal_length(rule: str) -> int:
    return len(_VARIABLE.sub("", rule))


def allowed_methods(path: str) -> list[str]:
    """The methods of the most specific routes that match ``path`` (empty when none does)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    found: dict[str, int] = {}
    for method in _METHODS:
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            continue
        found[method] = _literal_length(rule.rule)
    if not found:
        return []
    best = max(found.values())
    return [m for m in _METHODS if found.get(m) == best]


def _check_method() -> Any:
    """Before every API request: answer OPTIONS, refuse a method of a less specific route."""
    if not request.path.startswith("/api/") or request.url_rule is None and request.method != "OPTIONS":
        return None
    allowed = allowed_methods(request.path)
    if not allowed:
        return None
    if request.method == "OPTIONS":
        response = current_app.response_class(status=200)
        response.headers["Allow"] = ", ".join([*allowed, *(["HEAD"] if "GET" in allowed else []), "OPTIONS"])
        return response
    method = "GET" if request.method == "HEAD" else request.method
    if method not in allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    return None


def init_methods(app: Flask) -> None:
    """Install the check (before the permission check, so OPTIONS needs no credentials)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check_method)
