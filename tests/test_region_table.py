"""The region hierarchy kept across requests (recommend/region_table.py) and the change stamps of a reading block:
after a write of this store object or of another one (another process, e.g. the other API worker), the
province and city a recommendation sees are the ones a fresh read gives. Both stores."""

from __future__ import annotations

import pytest
from test_api import world

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch
from recommend.candidates import _levels, _read_regions, _region_levels
from recommend.region_table import region_table_cache

START = {"region:330106"}  # 西湖区 → 杭州市 → 浙江省


def _other(store):
    """A second store object on the same data: its writes reach no listener of ``store``."""
    if isinstance(store, LocalStore):
        return LocalStore(store.data_dir)
    from graph.neo4j_store import Neo4jStore

    return Neo4jStore(store.settings)


def _fresh(store, ids=START):
    """The levels from regions read afresh (no cache), climbing as the cached table does."""
    table, frontier = {}, sorted(ids)
    while frontier:
        table.update(_read_regions(store, frontier))
        frontier = sorted({p for r in frontier if table[r] for p in table[r][1]} - set(table))
    return _levels(table, ids)


@pytest.fixture
def world_store(store):
    store.write(world())
    return store


def test_regions_are_read_once_then_kept(world_store):
    cache = region_table_cache(world_store)
    before = cache.misses  # the Neo4j store object is shared by the session's tests: count from here
    assert _region_levels(world_store, START) == ("region:330000", "region:330100")
    misses = cache.misses
    assert misses - before == 3  # the three levels (the world's write emptied the table)
    assert _region_levels(world_store, START) == ("region:330000", "region:330100")
    assert cache.misses == misses  # nothing read again
    assert _region_levels(world_store, {"region:440300", "region:330100"}) == _fresh(
        world_store, {"region:440300", "region:330100"})
    assert cache.misses == misses + 2  # 深圳市 and 广东省 only


@pytest.mark.parametrize("write", [
    pytest.param(lambda s: s.upsert_relationships(RelType.PART_OF, Label.REGION, Label.REGION,
                                                  [{"start": "region:330106", "end": "region:110000"}]), id="part-of"),
    pytest.param(lambda s: s.upsert_nodes(Label.REGION, [{"id": "region:330100", "name": "杭州市", "level": "county"}]),
                 id="level"),
    pytest.param(lambda s: s.write(Batch(replace_types=[RelType.PART_OF])), id="replace"),
])
def test_a_write_of_this_store_object_is_seen(world_store, write):
    before = _region_levels(world_store, START)
    write(world_store)
    assert _fresh(world_store) != before  # the write changed the answer
    assert _region_levels(world_store, START) == _fresh(world_store)


def test_a_write_of_another_process_is_seen(world_store):
    before = _region_levels(world_store, START)
    other = _other(world_store)
    try:  # 西湖区 also PART_OF 北京市, which sorts before 浙江省: the province changes
        other.upsert_relationships(RelType.PART_OF, Label.REGION, Label.REGION,
                                   [{"start": "region:330106", "end": "region:110000"}])
    finally:
        other.close()
    assert _fresh(world_store) == ("region:110000", "region:330100") != before
    with world_store.reading():  # as a recommendation asks: the stamp from the block's one count read
        assert _region_levels(world_store, START) == ("region:110000", "region:330100")


def test_an_unrelated_write_keeps_the_regions(world_store):
    _region_levels(world_store, START)
    cache = region_table_cache(world_store)
    resets = cache.resets
    world_store.upsert_nodes(Label.DEMAND, [{"id": "d:9", "title": "另一个需求"}])
    world_store.upsert_relationships(RelType.LOCATED_IN, Label.DEMAND, Label.REGION,
                                     [{"start": "d:9", "end": "region:110000"}])
    assert _region_levels(world_store, START) == _fresh(world_store)
    assert cache.resets == resets


def test_change_stamps_in_a_reading_block(world_store):
    labels, types = (Label.EXPERT, Label.REGION), (RelType.WORKS_AT, RelType.PART_OF)
    outside = world_store.change_stamp(labels, types)
    with world_store.reading():
        assert world_store.change_stamp(labels, types) == outside
        assert world_store.change_stamp((Label.REGION,), ()) == world_store.change_stamp((Label.REGION,))
        world_store.upsert_nodes(Label.EXPERT, [{"id": "e:new", "name": "新专家"}])  # a write in the block
        inside = world_store.change_stamp(labels, types)
    assert inside == world_store.change_stamp(labels, types) != outside


def test_ties_among_a_set_of_experts(store):
    """GraphStore.ties (the collaboration graph's read): on Neo4j one filtered query, the same as the
    expand-based default; ties to experts outside the set are left out."""
    from graph.store import GraphStore

    experts = [{"id": f"e:{n}", "name": f"专家{n}"} for n in range(5)]
    store.write(Batch().add_nodes(Label.EXPERT, experts).add_rels(RelType.COLLABORATES, Label.EXPERT, Label.EXPERT, [
        {"start": "e:0", "end": "e:1", "papers": ["pa:1"]}, {"start": "e:2", "end": "e:1", "projects": ["p:1"]},
        {"start": "e:1", "end": "e:2", "papers": ["pa:2"]}, {"start": "e:0", "end": "e:4"}, {"start": "e:3", "end": "e:0"}]))
    ties = store.ties(Label.EXPERT, ["e:2", "e:0", "e:1", "e:9"], RelType.COLLABORATES)
    assert [(r.start.id, r.end.id) for r in ties] == [("e:0", "e:1"), ("e:1", "e:2"), ("e:2", "e:1")]
    assert ties[0].props.get("papers") == ["pa:1"] and ties[2].props.get("projects") == ["p:1"]
    assert ties == GraphStore.ties(store, Label.EXPERT, ["e:2", "e:0", "e:1", "e:9"], RelType.COLLABORATES)
    assert store.ties(Label.EXPERT, [], RelType.COLLABORATES) == []
