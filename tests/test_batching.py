"""Loading a batch of any size: sub-batches the server accepts, a clear error when it refuses."""

from __future__ import annotations

import pytest

from graph.batching import split_batch, write_in_batches
from graph.errors import BatchTooLargeError, Msg, StoreError, ValidationError
from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch


def _big(n: int) -> Batch:
    return (Batch()
            .add_nodes(Label.INSTITUTION, [{"id": "i:0", "name": "浙江大学"}])
            .add_nodes(Label.EXPERT, [{"id": f"e:{i:05d}", "name": f"专家{i}", "keywords": ["电池", "材料"]}
                                      for i in range(n)])
            .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, [{"start": f"e:{i:05d}", "end": "i:0"}
                                                                         for i in range(n)]))


def test_split_batch_keeps_every_row_once_and_nodes_before_relationships():
    parts = list(split_batch(_big(25), max_rows=10))
    assert [len(p) for p in parts] == [10, 10, 10, 10, 10, 1]
    seen_rel = False
    for p in parts:
        if p.nodes:
            assert not seen_rel
        seen_rel = seen_rel or bool(p.rels)
    assert sum(len(p) for p in parts) == len(_big(25))


def test_split_batch_bounds_bytes_too():
    parts = list(split_batch(_big(20), max_rows=1000, max_bytes=400))
    assert len(parts) > 1 and all(len(p) >= 1 for p in parts)


class _Picky(LocalStore):
    """A store whose server refuses transactions over ``refuse_over`` rows, as Neo4j does for memory."""

    batch_rows = 40
    refuse_over = 15
    attempts: list[int]

    def write(self, batch):
        self.attempts.append(len(batch))
        if len(batch) > self.refuse_over:
            raise BatchTooLargeError(Msg.BATCH_TOO_LARGE.format(code="MemoryPoolOutOfMemoryError", rows=len(batch)))
        return super().write(batch)


def test_a_refused_batch_is_split_until_the_server_accepts_it(tmp_path):
    store = _Picky(tmp_path)
    store.attempts = []
    summary = write_in_batches(store, _big(50), min_rows=5)
    assert (summary.nodes, summary.relationships) == (51, 50)
    assert store.counts().as_dict() == {"nodes": {"Expert": 50, "Institution": 1}, "relationships": {"WORKS_AT": 50}}
    assert max(a for a in store.attempts if a <= store.refuse_over) <= store.refuse_over


def test_a_batch_refused_even_when_small_stops_with_a_chinese_error_and_resumes(tmp_path):
    store = _Picky(tmp_path)
    store.attempts = []
    store.refuse_over = 2
    with pytest.raises(StoreError) as err:
        write_in_batches(store, _big(50), max_rows=10, min_rows=5)
    assert "导入中断" in str(err.value) and "重新导入同一文件即可续上" in str(err.value)
    assert store.counts().nodes == {}  # the very first batch was refused: nothing committed
    store.refuse_over = 10
    write_in_batches(store, _big(50), max_rows=10, min_rows=5)
    write_in_batches(store, _big(50), max_rows=10, min_rows=5)  # again: MERGE, nothing doubles
    assert store.counts().relationships == {"WORKS_AT": 50}


def _hungry_upsert(threshold: int, calls: list[int]):
    """``cypher.upsert_nodes`` that makes the real server run out of transaction memory
    (``MemoryPoolOutOfMemoryError``) when a statement carries more than ``threshold`` rows."""
    from graph import cypher
    real = cypher.upsert_nodes

    def build(label):
        calls.append(1)
        return (f"UNWIND range(1, CASE WHEN size($rows) > {threshold} THEN 40000000 ELSE 1 END) AS i "
                f"WITH collect(toString(i)) AS hog WITH size(hog) AS h " + real(label))
    return build


@pytest.mark.neo4j
def test_neo4j_refusing_a_transaction_for_memory_is_not_retried_and_the_batch_is_split(neo4j_store, monkeypatch):
    from graph import cypher
    calls: list[int] = []
    monkeypatch.setattr(cypher, "upsert_nodes", _hungry_upsert(1000, calls))
    batch = Batch().add_nodes(Label.EXPERT, [{"id": f"e:{i:05d}", "name": f"专家{i}"} for i in range(2000)])
    with pytest.raises(BatchTooLargeError, match="事务内存不足"):
        neo4j_store.write(batch)
    assert len(calls) == 1  # the driver did not run the transaction again
    assert neo4j_store.counts().nodes == {}
    calls.clear()
    summary = write_in_batches(neo4j_store, batch, max_rows=5000, min_rows=200)
    assert summary.nodes == 2000 and len(calls) == 3  # refused once, then two halves
    assert neo4j_store.counts().nodes == {"Expert": 2000}


def _twice(n: int) -> Batch:
    """``_big(n)`` and then every expert again with a new keyword, and each WORKS_AT again with a role:
    the later row of a key must win, as in one sequential load."""
    again = (Batch()
             .add_nodes(Label.EXPERT, [{"id": f"e:{i:05d}", "name": f"专家{i}", "keywords": ["储能"]} for i in range(n)])
             .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION,
                       [{"start": f"e:{i:05d}", "end": "i:0", "role": "教授"} for i in range(n)]))
    batch = _big(n)
    batch.nodes += again.nodes
    batch.rels += again.rels
    return batch


def test_parallel_writers_store_what_one_writer_stores(store):
    seen: list[tuple[int, int]] = []
    summary = write_in_batches(store, _twice(60), max_rows=7, writers=3, on_commit=lambda d, t: seen.append((d, t)))
    assert (summary.nodes, summary.relationships) == (121, 120)
    assert seen[-1] == (241, 241) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert store.counts().as_dict() == {"nodes": {"Expert": 60, "Institution": 1}, "relationships": {"WORKS_AT": 60}}
    for i in (0, 17, 59):  # the second row of each key won
        assert store.get_node(Label.EXPERT, f"e:{i:05d}").props["keywords"] == ["储能"]
        [rel] = [n.rel for n in store.neighbors(Label.EXPERT, f"e:{i:05d}")]
        assert rel.props.get("role") == "教授"


def test_parallel_writers_partition_by_key_and_put_nodes_first():
    from graph.batching import _partitions
    nodes, rels = _partitions(_twice(40), 3)
    node_owner: dict[str, int] = {}
    for n, part in enumerate(nodes):
        assert not part.rels
        for nb in part.nodes:
            for row in nb.rows:
                assert node_owner.setdefault(row["id"], n) == n  # a node's rows: one writer
    assert len(node_owner) == 41 and len({*node_owner.values()}) == 3
    for n, part in enumerate(rels):
        assert not part.nodes
        for rb in part.rels:
            assert all(node_owner[row["start"]] == n for row in rb.rows)  # with its start node's writer


def test_a_failing_writer_stops_the_others_and_its_error_is_raised(tmp_path):
    store = LocalStore(tmp_path)
    bad = _big(40)
    bad.rels[0].rows.append({"start": "e:00003", "end": "i:nowhere"})
    with pytest.raises(ValidationError, match="i:nowhere"):
        write_in_batches(store, bad, max_rows=5, writers=2)
    assert store.counts().nodes == {"Expert": 40, "Institution": 1}  # the node phase was committed: loading again resumes
    store.close()


def test_parallel_writers_split_a_refused_batch_too(tmp_path):
    store = _Picky(tmp_path)
    store.attempts = []
    summary = write_in_batches(store, _big(50), min_rows=5, writers=2)
    assert (summary.nodes, summary.relationships) == (51, 50)
    assert store.counts().relationships == {"WORKS_AT": 50}
    assert max(a for a in store.attempts if a <= store.refuse_over) <= store.refuse_over
