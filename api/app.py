"""The Flask app factory, and nothing else: settings, the app's state, the error handler, the blueprints.

``create_app(test_config=None, *, store=None)`` applies the settings of
:mod:`api.settings` (defaults → ``instance/config.py`` → environment → ``test_config``),
keeps an :class:`~api.state.AppState` (one store per process, one expert index per app,
users, audit log), then installs the one error handler, the permission check and the
blueprints of the JSON API (:mod:`api.json`) and of the pages (:mod:`api.pages`).
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from api import json as json_api
from api import pages
from api.auth import init_auth
from api.errors import register_error_handlers, wants_json
from api.settings import defaults, from_env
from api.state import AppState
from graph.store import GraphStore

__all__ = ["create_app"]

log = logging.getLogger(__name__)


class _HtmlSafeJSON(DefaultJSONProvider):
    """UTF-8 JSON (Chinese stays readable) with ``<``, ``>`` and ``&`` escaped, so data such
    as ``<script>`` can never be read as markup, whatever a client does with the body."""

    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _secret_key(data_dir: Path) -> str:
    """The persisted session key of this data directory, created (mode 600) on first use."""
    path = data_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
        log.info("created a new session key in %s", path)
        return key


def _headers(response: Response) -> Response:
    """Headers every response carries; API answers hold personal data and are never cached."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if wants_json():
        response.headers["Cache-Control"] = "no-store"
    return response


def create_app(test_config: Mapping[str, Any] | None = None, *, store: GraphStore | None = None) -> Flask:
    """Build the kgmatch web app (JSON API under ``/api/v1``, login, API docs).

    Parameters:
        test_config: settings that override everything else (tests).
        store: the store to serve; the caller keeps ownership. Without it the app opens
            the configured store on first use and closes it at exit.
    """
    app = Flask("api", instance_relative_config=True)
    app.json = _HtmlSafeJSON(app)
    app.config.from_mapping(defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(from_env(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["KGMATCH_DATA_DIR"]))

    state = AppState(app.config, store)
    app.extensions["kgmatch"] = state
    if state.owns_store:
        atexit.register(state.close)

    register_error_handlers(app)
    init_auth(app)
    app.after_request(_headers)
    for blueprint in json_api.BLUEPRINTS + pages.BLUEPRINTS:
        app.register_blueprint(blueprint)
    log.debug("created the app (%s store, data in %s)", state.backend, state.data_dir)
    return app
