"""The Flask app factory: settings, one store per process, one expert index per app, blueprints.

``create_app(test_config=None, *, store=None)`` applies the settings of
:mod:`api.settings` (defaults → ``instance/config.py`` → environment → ``test_config``),
keeps one :class:`~graph.store.GraphStore` for the life of the process (the one passed
in, or one opened on first use from ``KGMATCH_STORE``/``KGMATCH_DATA_DIR`` and closed by
:meth:`AppState.close` at exit — never per request), one
:class:`~recommend.engine.IndexCache`, the users file and the audit log, then installs
the one error handler, the permission check and the blueprints.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from api.auth import AuditLog, UserStore, init_auth
from api.errors import register_error_handlers, wants_json
from api.limits import init_limits
from api.methods import init_methods
from api.sessions import RevokedSessions
from api.settings import defaults, from_env
from api.throttle import LoginThrottle
from graph import open_store
from graph.store import GraphStore
from ingest.nlp import content_words
from ingest.resolve import Resolver
from recommend.engine import IndexCache
from recommend.retrieval import ExpertIndex

__all__ = ["AppState", "create_app", "app_state"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class _HtmlSafeJSON(DefaultJSONProvider):
    """UTF-8 JSON (Chinese stays readable) with ``<``, ``>`` and ``&`` escaped, so data such
    as ``<script>`` can never be read as markup, whatever a client does with the body."""

    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class AppState:
    """What one app keeps for its lifetime: the store, the expert index, users and the audit log."""

    def __init__(self, config: Mapping[str, Any], store: GraphStore | None) -> None:
        self._config = config
        self._store = store
        self.owns_store = store is None
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        self.index_cache = IndexCache(content_words)
        self._memo: dict[str, tuple[Any, Any]] = {}
        self._memo_lock = threading.Lock()
        data_dir = Path(config["KGMATCH_DATA_DIR"])
        self.data_dir = data_dir
        self.users = UserStore(Path(config["KGMATCH_USERS_FILE"] or data_dir / "users.json"))
        self.audit = AuditLog(Path(config["KGMATCH_AUDIT_LOG"] or data_dir / "audit.jsonl"))
        self.revoked_sessions = RevokedSessions(data_dir / "revoked_sessions.json")
        self.login_throttle = LoginThrottle(max_per_user=int(config["KGMATCH_LOGIN_MAX_FAILURES"]),
                                            lock_seconds=float(config["KGMATCH_LOGIN_LOCK_SECONDS"]))

    @property
    def backend(self) -> str:
        """The configured backend name (known even when the store cannot be opened)."""
        return self._store.backend if self._store is not None else str(self._config["KGMATCH_STORE"])

    def store(self) -> GraphStore:
        """The process's one store, opened on first use.

        Raises:
            StoreUnavailableError / StoreError: the store cannot be opened (retried next call).
        """
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(str(self._config["KGMATCH_STORE"]),
                                             data_dir=str(self._config["KGMATCH_DATA_DIR"]))
                    log.info("opened the %s store", self._store.backend)
        return self._store

    def index(self) -> ExpertIndex:
        """The expert text index for the store as it is now (built once, rebuilt when counts change)."""
        store = self.store()
        with self._index_lock:
            return self.index_cache.get(store)

    def memo(self, name: str, compute: Callable[[GraphStore], T]) -> T:
        """``compute(store)``, cached until the store's counts change (derived read models)."""
        store = self.store()
        key = store.counts()
        with self._memo_lock:
            hit = self._memo.get(name)
            if hit is not None and hit[0] == key:
                return hit[1]
        value = compute(store)
        with self._memo_lock:
            self._memo[name] = (key, value)
        return value

    def resolver(self) -> Resolver:
        """A reference resolver (regions, industries, fields by code or name), rebuilt when counts change."""
        return self.memo("resolver", Resolver)

    def close(self) -> None:
        """Close the store if this app opened it (idempotent)."""
        with self._lock:
            if self._store is not None and self.owns_store:
                self._store.close()
                log.info("closed the %s store", self._store.backend)
                self._store = None


def app_state() -> AppState:
    """The :class:`AppState` of the current app."""
    return current_app.extensions["kgmatch"]


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
    proxies = int(app.config.get("KGMATCH_TRUSTED_PROXIES") or 0)
    if proxies > 0:  # only then is X-Forwarded-For believed (sign-in throttle, rate limit, audit)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["KGMATCH_DATA_DIR"]))

    state = AppState(app.config, store)
    app.extensions["kgmatch"] = state
    if state.owns_store:
        atexit.register(state.close)

    register_error_handlers(app)
    init_auth(app)
    init_methods(app)  # before the permission check: see api/methods.py
    init_limits(app)  # rate limit after the permission check (it counts per caller); recommendation pool
    app.after_request(_headers)
    from api import json as json_api  # the blueprints import app_state from here
    from api import pages

    for blueprint in json_api.BLUEPRINTS + pages.BLUEPRINTS:
        app.register_blueprint(blueprint)
    log.debug("created the app (%s store, data in %s)", state.backend, state.data_dir)
    return app
