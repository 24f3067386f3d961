"""The demo's seeded workflow history: made through the workflow rules, once, the same on both stores."""

from __future__ import annotations

from graph.model import Label, RelType
from graph.store import Batch
from workflow.demo import make_demo_history


def _world() -> Batch:
    L, R = Label, RelType
    demands = [{"id": f"d:{i:02d}", "title": f"需求{i}", "status": "待对接", "source": "synthetic",
                "posted": "2026-03-01", "keywords": ["缺陷检测"], "budget_wan": float(10 * i)} for i in range(30)]
    experts = [{"id": f"e:{i}", "name": f"专家{i}"} for i in range(6)]
    return (Batch()
            .add_nodes(L.ENTERPRISE, [{"id": f"ent:{i}", "name": f"企业{i}"} for i in range(5)])
            .add_nodes(L.DEMAND, demands).add_nodes(L.EXPERT, experts)
            .add_nodes(L.FIELD, [{"id": "f:1", "name": "缺陷检测", "scheme": "t"}])
            .add_rels(R.POSTED, L.ENTERPRISE, L.DEMAND, [{"start": f"ent:{i % 5}", "end": d["id"]}
                                                          for i, d in enumerate(demands)])
            .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": d["id"], "end": "f:1", "weight": 1.0} for d in demands])
            .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [{"start": e["id"], "end": "f:1", "weight": 1 - i / 10}
                                                       for i, e in enumerate(experts)]))


def _shape(store) -> dict:
    def statuses(label):
        return sorted(str(n.props.get("status")) for n in store.list_nodes(label, limit=10_000))
    return {"counts": store.counts().as_dict(), **{lb.value: statuses(lb) for lb in
                                                  (Label.PUSH, Label.CHALLENGE, Label.DEMAND, Label.VOUCHER)},
            "balances": sorted(n.props["balance"] for n in store.list_nodes(Label.VOUCHER, limit=100))}


def test_demo_history_covers_every_workflow_and_runs_once(store, local_store, tmp_path):
    store.write(_world())
    history = make_demo_history(store, demands=20)
    assert history.pushes > 20 and history.dispatches > 0 and history.services > 0 and history.challenges == 8
    counts = store.counts().as_dict()["nodes"]
    assert {"Push", "Dispatch", "Service", "Voucher", "Challenge", "Bid", "Feedback", "Delivery"} <= set(counts)
    challenge_states = {n.props["status"] for n in store.list_nodes(Label.CHALLENGE)}
    assert challenge_states == {"发布", "揭榜中", "已揭榜", "实施中", "已完成", "已关闭"}
    assert all(n.props["balance"] >= 0 for n in store.list_nodes(Label.VOUCHER))
    before = _shape(store)
    assert make_demo_history(store, demands=20) is None
    assert _shape(store) == before
    if store is not local_store:  # the same seed gives the same history on the other store
        local_store.write(_world())
        make_demo_history(local_store, demands=20)
        assert _shape(local_store) == before
