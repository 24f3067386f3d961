"""What one app keeps for its lifetime (:class:`AppState`) and how a view reaches it (:func:`app_state`).

One :class:`~graph.store.GraphStore` for the life of the process (the one passed to
:func:`api.app.create_app`, or one opened on first use from ``KGMATCH_STORE``/``KGMATCH_DATA_DIR`` and
closed by :meth:`AppState.close` at exit — never per request), one
:class:`~recommend.engine.IndexCache`, the users file, the audit log and the login throttle. The
blueprints import this module, never the factory, so the factory can import them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app

from api.auth import AuditLog, UserStore
from api.sessions import RevokedSessions
from api.throttle import LoginThrottle
from graph import open_store
from graph.store import GraphStore
from ingest.nlp import content_words
from ingest.resolve import Resolver
from recommend.index_cache import IndexCache
from recommend.result_cache import ResultCache
from recommend.retrieval import ExpertIndex

__all__ = ["AppState", "app_state"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class AppState:
    """What one app keeps for its lifetime: the store, the expert index, users and the audit log."""

    def __init__(self, config: Mapping[str, Any], store: GraphStore | None) -> None:
        self._config = config
        self._store = store
        self.owns_store = store is None
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        data_dir = Path(config["KGMATCH_DATA_DIR"])
        self.index_cache = IndexCache(content_words, persist_dir=data_dir / "index")
        self.results = ResultCache(int(config["KGMATCH_RESULT_CACHE"]))  # the API's and the pages' answers
        self._memo: dict[str, tuple[Any, Any]] = {}
        self._memo_lock = threading.Lock()
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
