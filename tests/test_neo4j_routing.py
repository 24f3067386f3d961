"""Issue 15 item 5: the Neo4j store through a routing ``neo4j://`` URI (cluster, Aura).

A single server answers the routing protocol (it is router, reader and writer at once), so the
routing driver, the routing table and the access modes are exercised against the test server:
reads run as read transactions (a write inside one is refused by the server) and writes go to
the writer.
"""

from __future__ import annotations

import dataclasses

import pytest

from graph.errors import StoreError
from graph.model import Label
from graph.store import Batch

pytestmark = pytest.mark.neo4j


@pytest.fixture
def routed(neo4j_store):
    from graph.neo4j_store import Neo4jStore

    settings = neo4j_store.settings
    scheme, rest = settings.uri.split("://", 1)
    assert scheme in ("bolt", "neo4j"), settings.uri
    store = Neo4jStore(dataclasses.replace(settings, uri=f"neo4j://{rest}"))
    yield store
    store.close()


def test_a_neo4j_uri_routes_reads_to_readers_and_writes_to_the_writer(routed, neo4j_store):
    import neo4j

    assert routed.routed and neo4j_store.routed == neo4j_store.settings.uri.startswith("neo4j")
    assert isinstance(routed._driver, neo4j.Neo4jDriver)  # the routing driver, not a direct one
    routed.write(Batch().add_nodes(Label.INSTITUTION, [{"id": "i:route", "name": "路由大学"}]))
    assert routed.get_node(Label.INSTITUTION, "i:route").props["name"] == "路由大学"
    assert neo4j_store.get_node(Label.INSTITUTION, "i:route") is not None  # the same database
    table = routed._driver._pool.routing_tables[routed.settings.database]
    assert table.readers and table.writers and table.routers
    with pytest.raises(StoreError, match="AccessMode"):  # reads run in read transactions
        routed._read(lambda tx: tx.run("CREATE (:Institution {id: 'i:sneaky'})").consume())
    assert neo4j_store.get_node(Label.INSTITUTION, "i:sneaky") is None
    with routed.reading():  # the shared read transaction of a block is a read transaction too
        assert routed.get_node(Label.INSTITUTION, "i:route") is not None
        with pytest.raises(StoreError, match="AccessMode"):
            routed._read(lambda tx: tx.run("CREATE (:Institution {id: 'i:sneaky'})").consume())
        assert routed.get_node(Label.INSTITUTION, "i:route") is not None  # the next read opens another
    assert neo4j_store.get_node(Label.INSTITUTION, "i:sneaky") is None
    assert routed.counts().nodes.get("Institution") == 1
