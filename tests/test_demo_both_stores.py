"""Issue 12: ``kgmatch load demo`` gives the same graph on both stores: identical counts per label and
relationship type (what ``kgmatch stats`` prints) and an identical ``kgmatch coverage`` table.

The embedded side is the session's ``demo_store``; the Neo4j side loads the demo into the real server
(about a minute), through the same loader and importers.
"""

from __future__ import annotations

import pytest

from analytics.coverage import coverage_json, field_coverage, pending_links
from ingest.demo import load_demo

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]


def test_the_demo_loads_identically_on_neo4j(demo_store, neo4j_store):
    reports = load_demo(neo4j_store)
    assert reports and all(r.ok for r in reports), [r.source for r in reports if not r.ok]
    assert neo4j_store.counts().as_dict() == demo_store.counts().as_dict()
    assert coverage_json(field_coverage(neo4j_store)) == coverage_json(field_coverage(demo_store))
    assert pending_links(neo4j_store, "30") == pending_links(demo_store, "30") == []  # every aerospace link checked
    assert pending_links(neo4j_store, "701") == pending_links(demo_store, "701") != []
