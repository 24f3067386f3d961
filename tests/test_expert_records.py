"""Candidates' evidence records kept across requests (recommend/expert_records.py): after any write, the
records served are the ones a fresh read gives."""

from __future__ import annotations

import pytest
from test_api import world

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch
from recommend.candidates import expert_records
from recommend.expert_records import ExpertRecordCache, expert_record_cache

EXPERTS = ["e:conf", "e:li", "e:none", "e:sun", "e:wang", "e:zhao"]


def _served(store) -> list:
    return expert_record_cache(store).get(store, EXPERTS, expert_records)


def _check(store) -> None:
    assert _served(store) == expert_records(store, EXPERTS)


@pytest.fixture
def world_store(local_store):
    local_store.write(world())
    return local_store


def test_records_are_read_once_then_kept(world_store):
    first = _served(world_store)
    assert [r.node.id for r in first] == ["e:conf", "e:li", "e:sun", "e:wang", "e:zhao"]  # e:none does not exist
    li = first[1]
    assert (li.institution.id, li.province_id, li.city_id) == ("i:zju", "region:330000", "region:330100")
    assert [p.id for p in li.projects] == ["p:1"]
    cache = expert_record_cache(world_store)
    misses = cache.misses
    assert _served(world_store) == first and cache.misses == misses + 1  # only e:none is asked again


@pytest.mark.parametrize("write", [
    pytest.param(lambda s: s.upsert_nodes(Label.EXPERT, [{"id": "e:li", "name": "李明明"}]), id="expert"),
    pytest.param(lambda s: s.upsert_nodes(Label.PROJECT, [{"id": "p:1", "title": "新题目", "start_year": 2026}]),
                 id="project"),
    pytest.param(lambda s: s.upsert_nodes(Label.INSTITUTION, [{"id": "i:zju", "name": "浙大"}]), id="institution"),
    pytest.param(lambda s: s.upsert_relationships(RelType.LOCATED_IN, Label.INSTITUTION, Label.REGION,
                                                  [{"start": "i:sysu", "end": "region:440300"}]), id="located"),
    pytest.param(lambda s: s.upsert_nodes(Label.REGION, [{"id": "region:330100", "name": "杭州市", "level": "county"}]), id="region"),
    pytest.param(lambda s: s.upsert_relationships(RelType.PART_OF, Label.REGION, Label.REGION,
                                                  [{"start": "region:330100", "end": "region:110000"}]), id="part-of"),
    pytest.param(lambda s: s.write(Batch().add_nodes(Label.PAPER, [{"id": "pa:1", "title": "论文", "year": 2024}])
                                   .add_rels(RelType.AUTHORED, Label.EXPERT, Label.PAPER,
                                             [{"start": "e:sun", "end": "pa:1", "position": 1}])), id="authored"),
    pytest.param(lambda s: s.upsert_relationships(RelType.JOINS, Label.EXPERT, Label.PROJECT,
                                                  [{"start": "e:wang", "end": "p:1"}]), id="joins"),
    pytest.param(lambda s: s.upsert_relationships(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION,
                                                  [{"start": "e:wang", "end": "i:partner"}]), id="works-at"),
    pytest.param(lambda s: s.write(Batch(replace_types=[RelType.WORKS_AT])), id="replace"),
    pytest.param(lambda s: s.clear(), id="clear"),
])
def test_a_write_of_this_process_is_seen(world_store, write):
    before = _served(world_store)
    write(world_store)
    assert expert_records(world_store, EXPERTS) != before  # the write changed a record
    _check(world_store)


def test_a_write_of_another_process_empties_it(world_store):
    _served(world_store)
    other = LocalStore(world_store.data_dir)  # another store object: no listener of ours sees its writes
    try:
        other.upsert_nodes(Label.PROJECT, [{"id": "p:2", "title": "别处改的题目"}])
    finally:
        other.close()
    cache = expert_record_cache(world_store)
    resets = cache.resets
    served = _served(world_store)
    assert cache.resets == resets  # the reset happened in expert_record_cache's refresh, before get
    assert [p.title for r in served if r.node.id == "e:zhao" for p in r.projects] == ["别处改的题目"]
    _check(world_store)


def test_an_unrelated_write_keeps_the_records(world_store):
    _served(world_store)
    cache = expert_record_cache(world_store)
    misses = cache.misses
    world_store.upsert_nodes(Label.DEMAND, [{"id": "d:9", "title": "另一个需求"}])
    world_store.upsert_relationships(RelType.LOCATED_IN, Label.DEMAND, Label.REGION,
                                     [{"start": "d:9", "end": "region:110000"}])
    _check(world_store)
    assert cache.misses == misses + 1  # e:none only: a demand's region is no expert's record


def test_records_read_across_a_write_are_not_kept(world_store):
    cache = ExpertRecordCache()
    world_store.add_write_listener(cache.on_write)
    cache.refresh(world_store)

    def load(store, ids):
        records = expert_records(store, ids)
        store.upsert_nodes(Label.EXPERT, [{"id": "e:li", "name": "李明明"}])  # commits while they are read
        return records

    served = cache.get(world_store, ["e:li"], load)
    assert served[0].node.name == "李明"  # this request's own read
    assert cache.get(world_store, ["e:li"], expert_records)[0].node.name == "李明明"  # not kept


def test_a_write_reads_the_records_it_dropped_again_itself(world_store, monkeypatch):
    """Issue 17: a write that drops a few records (and makes a new expert) reads them again in its own listener,
    so the next request reads none of them; what it keeps is what a fresh read gives."""
    _served(world_store)
    cache = expert_record_cache(world_store)
    world_store.write(Batch()
                      .add_nodes(Label.PROJECT, [{"id": "p:1", "title": "高镍正极材料涂布工艺（二期）"}])
                      .add_nodes(Label.EXPERT, [{"id": "e:none", "name": "新来的"}])
                      .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, [{"start": "e:none", "end": "i:zju"}]))
    misses = cache.misses
    assert _served(world_store) == expert_records(world_store, EXPERTS)
    assert cache.misses == misses  # e:li (p:1) and the new e:none were read by the write
    assert [p.title for r in _served(world_store) if r.node.id == "e:li" for p in r.projects] == ["高镍正极材料涂布工艺（二期）"]
    _check(world_store)
