"""What the workflows cost, as ratios against baselines measured in the same run.

    python -m bench.workflow [--stores local,neo4j] [--pairs 200] [--demo-dir /tmp/kgdemo]

Per store, on a fresh graph of 50 demands, 20 experts and one voucher:

* guard overhead: ``--pairs`` voucher balance updates written with ``Batch.expect``
  (read, lock, compare inside the transaction) vs the same writes without a guard;
* batched push: one ``push_demands`` call for 50 demands × 4 experts vs 200 calls of one pair.

With ``--demo-dir`` (a store holding ``kgmatch load demo``, workflow history included),
also: recommendation latency for 40 demands with the workflow reads (load, declines)
vs the same run with them disabled, and building all six reports vs reading every
workflow node (the floor any report pays). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from graph.local_store import LocalStore
from graph.model import WORKFLOW_LABELS, Label, RelType
from graph.store import Batch, Expect, GraphStore, NodeRef
from workflow import push, reports, vouchers
from workflow.common import BEIJING

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _world(store: GraphStore) -> None:
    store.clear()
    store.write(Batch()
                .add_nodes(Label.ENTERPRISE, [{"id": "ent:1", "name": "杭州智检科技有限公司"}])
                .add_nodes(Label.DEMAND, [{"id": f"d:{i:03d}", "title": f"锂电池极片缺陷检测需求{i}", "status": "待对接"}
                                          for i in range(50)])
                .add_nodes(Label.EXPERT, [{"id": f"e:{i:02d}", "name": f"专家{i}"} for i in range(20)])
                .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND,
                          [{"start": "ent:1", "end": f"d:{i:03d}"} for i in range(50)]))


def guard_overhead(store: GraphStore, n: int) -> dict[str, float]:
    """Seconds for ``n`` guarded vs unguarded single-node writes (alternated to share noise)."""
    _world(store)
    v = vouchers.issue_voucher(store, NodeRef(Label.ENTERPRISE, "ent:1"), amount=1_000_000, valid_until="2027-12-31",
                               actor="bench", now=NOW)
    row = {"id": v.id, **dict(v.props)}
    guarded = plain = 0.0
    for _ in range(n):
        version = int(row["version"])
        row = {**row, "balance": row["balance"] - 1, "version": version + 1}
        guarded += _timed(lambda r=row, ver=version: store.write(
            Batch(expect=[Expect(NodeRef(Label.VOUCHER, v.id), ver)]).add_nodes(Label.VOUCHER, [r])))
        row = {**row, "balance": row["balance"] - 1, "version": version + 2}
        plain += _timed(lambda r=row: store.write(Batch().add_nodes(Label.VOUCHER, [r])))
    return {"guarded_ms": 1000 * guarded / n, "plain_ms": 1000 * plain / n, "ratio": guarded / plain}


def batched_push(store: GraphStore) -> dict[str, float]:
    """One push of 50 demands × 4 experts vs 200 single-pair pushes."""
    demands = [f"d:{i:03d}" for i in range(50)]
    experts = [NodeRef(Label.EXPERT, f"e:{i:02d}") for i in range(4)]
    _world(store)
    one = _timed(lambda: push.push_demands(store, demands, experts, actor="bench", now=NOW))
    _world(store)
    many = _timed(lambda: [push.push_demands(store, [d], [e], actor="bench", now=NOW) for d in demands for e in experts])
    return {"batched_s": one, "single_s": many, "speedup": many / one}


def demo_costs(data_dir: str, n: int = 40) -> dict[str, float]:
    """Recommendation with vs without workflow reads; all reports vs reading all workflow nodes."""
    from ingest.nlp import content_words
    from recommend import candidates
    from recommend.engine import IndexCache, recommend_for_demand

    store = LocalStore(data_dir)
    pushed = sorted({n.props["demand_id"] for n in store.list_nodes(Label.PUSH, limit=100_000)})[:n]
    cache = IndexCache(content_words)
    index = cache.get(store)
    recommend_for_demand(store, pushed[0], tokenize=content_words, index=index)  # warm up

    def run() -> list[float]:
        return [_timed(lambda d=d: recommend_for_demand(store, d, tokenize=content_words, index=index))
                for d in pushed]

    with_wf, without = [], []
    original_load, original_declined = candidates._workflow_load, candidates._declined
    for _ in range(2):  # alternate to share the machine's noise
        with_wf += run()
        candidates._workflow_load, candidates._declined = (lambda s, r, e=frozenset(): ({}, {})), (lambda a: {})
        try:
            without += run()
        finally:
            candidates._workflow_load, candidates._declined = original_load, original_declined
    flt = reports.ReportFilter()
    floor = _timed(lambda: [store.list_nodes(label, limit=1_000_000) for label in WORKFLOW_LABELS])
    build = _timed(lambda: reports.report_workbook(store, list(reports.REPORTS), flt))
    return {"recommend_p50_ms_with": 1000 * statistics.median(with_wf),
            "recommend_p50_ms_without": 1000 * statistics.median(without),
            "recommend_ratio": statistics.median(with_wf) / statistics.median(without),
            "reports_s": build, "read_workflow_nodes_s": floor, "reports_ratio": build / floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="local,neo4j")
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--demo-dir", default=None)
    args = parser.parse_args()
    result: dict[str, Any] = {}
    for name in args.stores.split(","):
        if name == "local":
            tmp = tempfile.TemporaryDirectory()
            store: GraphStore = LocalStore(tmp.name)
        else:
            from graph.neo4j_store import Neo4jStore
            store = Neo4jStore.from_env()
            store.init_schema()
        result[name] = {"guard": guard_overhead(store, args.pairs), "push": batched_push(store)}
        store.clear()
        store.close()
        g, p = result[name]["guard"], result[name]["push"]
        print(f"{name}: guarded write {g['guarded_ms']:.2f} ms vs plain {g['plain_ms']:.2f} ms (×{g['ratio']:.2f}); "
              f"push 200 pairs batched {p['batched_s']:.2f} s vs one by one {p['single_s']:.2f} s "
              f"(×{p['speedup']:.1f} faster)")
    if args.demo_dir:
        result["demo"] = d = demo_costs(args.demo_dir)
        print(f"demo: recommend p50 {d['recommend_p50_ms_with']:.0f} ms with workflow reads vs "
              f"{d['recommend_p50_ms_without']:.0f} ms without (×{d['recommend_ratio']:.2f}); all reports "
              f"{d['reports_s']:.2f} s vs reading the workflow nodes {d['read_workflow_nodes_s']:.2f} s "
              f"(×{d['reports_ratio']:.1f})")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
