"""What only the Neo4j store must show: bounded, readable failure when the server is away."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graph.errors import StoreUnavailableError
from graph.neo4j_store import Neo4jSettings, Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
BOUND_SECONDS = 5.0  # the promise to users: a readable error within 5 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a hung server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_dead_server_gives_a_chinese_error_with_bounded_driver_timeouts(kind, request):
    port = _free_port() if kind == "refused" else request.getfixturevalue("silent_server")
    settings = Neo4jSettings(uri=f"bolt://127.0.0.1:{port}")
    # The bound is configuration, not a stopwatch: connection and transaction retries are capped by
    # KGMATCH_NEO4J_TIMEOUT (a wall-clock assertion fails on a loaded machine for no fault of the code).
    assert settings.connect_timeout <= BOUND_SECONDS and settings.retry_time <= BOUND_SECONDS
    with pytest.raises(StoreUnavailableError) as info:
        Neo4jStore(settings)
    assert "无法连接图数据库" in info.value.message and "make neo4j" in info.value.message
    assert info.value.status == 503


def test_cli_says_what_to_check_when_neo4j_is_down(tmp_path):
    env = {**os.environ, "KGMATCH_NEO4J_URI": f"bolt://127.0.0.1:{_free_port()}", "KGMATCH_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "api.cli", "--store", "neo4j", "stats"], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)  # a hang guard, not a speed check
    assert result.returncode == 1
    assert "错误：无法连接图数据库" in result.stderr and "KGMATCH_NEO4J_PASSWORD" in result.stderr


@pytest.mark.neo4j
def test_wrong_password_is_named(neo4j_store):
    settings = Neo4jSettings.from_env()
    bad = Neo4jSettings(uri=settings.uri, user=settings.user, password="not-the-password")
    with pytest.raises(StoreUnavailableError, match="拒绝了登录"):
        Neo4jStore(bad)


@pytest.mark.neo4j
def test_schema_applies_twice_and_has_the_cjk_fulltext_index(neo4j_store):
    neo4j_store.init_schema()
    neo4j_store.init_schema()
    with neo4j_store._driver.session(database=neo4j_store.settings.database) as session:
        constraints = {r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name")}
        index = session.run("SHOW FULLTEXT INDEXES YIELD name, options WHERE name = 'entity_text' "
                            "RETURN options").single()
    assert {"expert_id", "demand_id", "field_id"} <= constraints
    assert index["options"]["indexConfig"]["fulltext.analyzer"] == "cjk"
    assert neo4j_store.ping()


@pytest.mark.neo4j
def test_counts_from_one_stats_call_equal_a_count_query_per_label_and_type(neo4j_store, monkeypatch):
    """`kgmatch stats` on Neo4j reads the count store with one db.stats.retrieve call (one plan, not ~45: the
    first call after a server start at 10× fell from 4.5 s to 0.4 s); where the server refuses the procedure it
    counts per label and type, with the same answer."""
    from graph import cypher
    from graph.model import Label, RelType
    from graph.store import Batch

    neo4j_store.write(Batch().add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}, {"id": "e:2", "name": "李娜"}])
                      .add_nodes(Label.FIELD, [{"id": "f:1", "name": "电池", "scheme": "nsfc"}])
                      .add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, [{"start": "e:1", "end": "f:1"}]))
    one_call = neo4j_store.counts()
    monkeypatch.setattr(cypher, "GRAPH_COUNTS", "CALL db.no_such_procedure() YIELD data RETURN data")
    per_label = neo4j_store.counts()
    assert one_call == per_label
    assert one_call.as_dict() == {"nodes": {"Expert": 2, "Field": 1}, "relationships": {"EXPERT_IN": 1}}
