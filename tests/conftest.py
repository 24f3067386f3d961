"""Fixtures that build the world: a fresh embedded store per test, a real Neo4j wiped per test.

Neo4j tests need the server that `make test` starts (deploy/neo4j). When it cannot
be reached the tests FAIL — unless a developer explicitly sets KGMATCH_SKIP_NEO4J=1,
in which case they are reported as skipped with that reason. CI never sets it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from api.auth import Role
from graph.errors import StoreUnavailableError
from graph.local_store import LocalStore
from graph.store import GraphStore

_neo4j_failure: str | None = None


@pytest.fixture(scope="session", autouse=True)
def _small_field_linker(tmp_path_factory) -> Iterator[None]:
    """Tests link demands with a small build of the supervised field linker (300 rows per source),
    trained once per session on first use, unless KGMATCH_FIELD_MODEL names a model already."""
    if os.environ.get("KGMATCH_FIELD_MODEL"):
        yield
        return
    path = tmp_path_factory.mktemp("field-linker") / "field_linker-small.pkl"
    os.environ["KGMATCH_FIELD_MODEL"] = str(path)
    os.environ["KGMATCH_FIELD_MODEL_SMALL"] = "1"
    yield
    os.environ.pop("KGMATCH_FIELD_MODEL", None)
    os.environ.pop("KGMATCH_FIELD_MODEL_SMALL", None)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Iterator[LocalStore]:
    """The shipped demo (`kgmatch load demo`) loaded once per session into an embedded store (~30 s+).
    Read-only: tests that write need their own store."""
    from ingest.demo import load_demo

    store = LocalStore(tmp_path_factory.mktemp("demo") / "store")
    load_demo(store)
    yield store
    store.close()
@pytest.fixture(scope="session", autouse=True)
def _no_trained_ranker(tmp_path_factory) -> Iterator[None]:
    """Tests rank with the hand weights unless they train a ranker themselves: KGMATCH_RANKER_MODEL points
    at a file that does not exist, so a model a developer trained into var/models/ never changes a test."""
    if os.environ.get("KGMATCH_RANKER_MODEL"):
        yield
        return
    os.environ["KGMATCH_RANKER_MODEL"] = str(tmp_path_factory.mktemp("ranker") / "absent-ranker.json")
    yield
    os.environ.pop("KGMATCH_RANKER_MODEL", None)


@pytest.fixture
def local_store(tmp_path) -> Iterator[LocalStore]:
    """A fresh embedded store in a temporary directory."""
    store = LocalStore(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture(scope="session")
def _neo4j_session_store() -> Iterator[GraphStore]:
    from graph.neo4j_store import Neo4jStore

    if os.environ.get("KGMATCH_SKIP_NEO4J") == "1":
        pytest.skip("KGMATCH_SKIP_NEO4J=1 was set by hand: Neo4j tests not run")
    try:
        store = Neo4jStore.from_env()
    except StoreUnavailableError as err:
        pytest.fail(f"Neo4j is required for this test and is not reachable ({err.message}). "
                    "Run `make neo4j` (or `make test`, which starts it).", pytrace=False)
    store.init_schema()
    yield store
    store.clear()
    store.close()


@pytest.fixture
def neo4j_store(_neo4j_session_store) -> GraphStore:
    """The real Neo4j server, emptied before the test (constraints stay)."""
    _neo4j_session_store.clear()
    _neo4j_session_store._listeners.clear()  # write listeners of earlier tests (index caches)
    return _neo4j_session_store


@pytest.fixture(params=["local", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request) -> GraphStore:
    """Each conformance test runs once per backend, on an empty store."""
    if request.param == "local":
        return request.getfixturevalue("local_store")
    return request.getfixturevalue("neo4j_store")


@pytest.fixture
def app(local_store, tmp_path):
    """The web app over a fresh embedded store holding the tiny API world (tests/test_api.py)."""
    from test_api import build_app, world

    local_store.write(world())
    return build_app(local_store, tmp_path / "data")


@pytest.fixture
def client(app):
    """A test client of ``app``; under /api/v1 it validates every response against the OpenAPI document."""
    return app.test_client()


@pytest.fixture
def hostile_app(local_store, tmp_path):
    """The web app over a fresh embedded store holding :func:`test_pages.hostile_world` (the page tests' world)."""
    from test_api import build_app
    from test_pages import hostile_world

    local_store.write(hostile_world())
    return build_app(local_store, tmp_path / "data")


@pytest.fixture
def officer(app):
    """A browser session of an officer on ``app`` (the API tests override it with an API key)."""
    from test_pages import signed_in

    return signed_in(app, Role.OFFICER)


@pytest.fixture
def analyst(app):
    """A browser session of an analyst on ``app`` (the API tests override it with an API key)."""
    from test_pages import signed_in

    return signed_in(app, Role.ANALYST)
