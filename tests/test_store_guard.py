"""Optimistic concurrency (``Batch.expect``), identically on the embedded store and real Neo4j.

Workflow facts (voucher balances, challenge states) are read, decided on and
written back with ``version + 1``; a guard makes the write fail, whole, when someone
else wrote in between.
"""

from __future__ import annotations

import threading

import pytest

from graph.errors import ConflictError
from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch, Expect, NodeRef

V, S = Label.VOUCHER, Label.SERVICE
VOUCHER = NodeRef(V, "v:1")


def _voucher(store) -> None:
    store.write(Batch()
                .add_nodes(V, [{"id": "v:1", "amount": 100.0, "balance": 100.0, "status": "有效", "version": 1}])
                .add_nodes(S, [{"id": "s:1", "service_type": "技术诊断", "date": "2026-11-01", "hours": 4.0,
                                "version": 1}]))


def _redeem(version: int, amount: float, balance: float) -> Batch:
    return (Batch(expect=[Expect(VOUCHER, version)])
            .add_nodes(V, [{"id": "v:1", "amount": 100.0, "balance": balance - amount, "status": "有效",
                            "version": version + 1}])
            .add_rels(RelType.REDEEMED_FOR, V, S, [{"start": "v:1", "end": "s:1", "amount": amount}]))


def test_a_write_whose_guard_holds_commits_and_bumps_the_version(store):
    _voucher(store)
    store.write(_redeem(1, 30.0, 100.0))
    assert store.get_node(V, "v:1").props["balance"] == 70.0
    assert store.get_node(V, "v:1").props["version"] == 2


def test_a_stale_guard_refuses_the_whole_batch_in_chinese(store):
    _voucher(store)
    store.write(_redeem(1, 30.0, 100.0))
    before = store.counts().as_dict()
    with pytest.raises(ConflictError) as err:
        store.write(_redeem(1, 30.0, 100.0).add_nodes(S, [{"id": "s:2", "service_type": "科技咨询",
                                                          "date": "2026-11-02", "hours": 1.0, "version": 1}]))
    assert "科技创新券「v:1」已被他人修改" in err.value.message and "第 1 版" in err.value.message
    assert store.counts().as_dict() == before
    assert store.get_node(V, "v:1").props["balance"] == 70.0


def test_a_guard_on_a_missing_node_fails(store):
    with pytest.raises(ConflictError, match="不存在"):
        store.write(Batch(expect=[Expect(NodeRef(V, "v:none"), 0)])
                    .add_nodes(S, [{"id": "s:9", "service_type": "科技咨询", "date": "2026-11-02", "hours": 1.0,
                                    "version": 1}]))
    assert store.get_node(S, "s:9") is None


def test_a_node_without_version_counts_as_version_zero(store):
    store.write(Batch().add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}]))
    store.write(Batch(expect=[Expect(NodeRef(Label.EXPERT, "e:1"), 0)])
                .add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟", "version": 1}]))
    assert store.get_node(Label.EXPERT, "e:1").props["version"] == 1


def _race(make_store, writers: int = 6) -> list[str]:
    """``writers`` threads read version 1, wait for each other, then all try to redeem 60 of 100."""
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        store = make_store()
        version = store.get_node(V, "v:1").props["version"]
        barrier.wait()
        try:
            store.write(_redeem(version, 60.0, 100.0))
            result = "ok"
        except ConflictError:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_of_concurrent_writers_on_separate_connections_exactly_one_wins_locally(tmp_path):
    first = LocalStore(tmp_path / "s")
    _voucher(first)
    opened: list[LocalStore] = []
    outcomes = _race(lambda: opened.append(LocalStore(tmp_path / "s")) or opened[-1])
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    reopened = LocalStore(tmp_path / "s")
    assert reopened.get_node(V, "v:1").props["balance"] == 40.0
    for s in [first, reopened, *opened]:
        s.close()


@pytest.mark.neo4j
def test_of_concurrent_writers_on_neo4j_exactly_one_wins(neo4j_store):
    _voucher(neo4j_store)
    outcomes = _race(lambda: neo4j_store)
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert neo4j_store.get_node(V, "v:1").props["balance"] == 40.0
    assert "_kgmatch_lock" not in neo4j_store.get_node(V, "v:1").props
