"""Issue 14 item 8: the smaller holes — file modes, what the public health probe shows."""

from __future__ import annotations

import os
import stat

from test_api import key_for

from api.auth import Role
from graph.local_store import LocalStore


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_embedded_store_files_are_readable_by_the_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        with LocalStore(tmp_path / "var") as store:
            store.upsert_nodes("Expert", [{"id": "e:1", "name": "张三", "phone": "13800000001"}])
            files = sorted(p for p in (tmp_path / "var").iterdir() if p.name.startswith("graph.sqlite"))
            assert files and all(_mode(p) == 0o600 for p in files), [(p.name, oct(_mode(p))) for p in files]
        assert _mode(tmp_path / "var") == 0o700
    finally:
        os.umask(old)


def test_an_existing_world_readable_store_is_tightened_on_open(tmp_path):
    LocalStore(tmp_path / "var").close()
    os.chmod(tmp_path / "var" / "graph.sqlite", 0o644)
    LocalStore(tmp_path / "var").close()
    assert _mode(tmp_path / "var" / "graph.sqlite") == 0o600


def test_health_without_login_shows_no_counts(client):
    body = client.get("/api/v1/health").get_json()
    assert body["ok"] and body["reachable"] and body["counts"] is None


def test_health_shows_counts_to_who_may_read_statistics(app, client):
    body = client.get("/api/v1/health", headers=key_for(app, Role.ANALYST)).get_json()
    assert body["counts"]["nodes"]["Expert"] == 5
    portal = client.get("/api/v1/health", headers=key_for(app, Role.PORTAL)).get_json()
    assert portal["counts"] is None  # the portal has no stats:read
