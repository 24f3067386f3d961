"""Rows per second loading the same graph three ways, in one run, and their ratios.

    python -m bench.ingest [--experts 2000] [--seed 7]

1. Neo4j, ``UNWIND $rows`` batches (what :class:`graph.neo4j_store.Neo4jStore` does),
2. Neo4j, one MERGE statement per row (the naive way, the baseline),
3. the embedded store (SQLite + networkx).

Each path starts from an empty store and loads identical synthetic rows (seeded);
the last line is one JSON object with rows/s per path and the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.neo4j_store import Neo4jStore
from graph.store import Batch, GraphStore

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def synthetic_batch(n_experts: int, seed: int) -> Batch:
    """Institutions, experts, fields and their WORKS_AT / EXPERT_IN relationships (seeded)."""
    rng = random.Random(seed)
    insts = [{"id": f"bench:i{k}", "name": f"基准机构{k}"} for k in range(max(1, n_experts // 20))]
    fields = [{"id": f"bench:f{k}", "name": f"基准领域{k}", "scheme": "bench"} for k in range(200)]
    experts = [{"id": f"bench:e{k}", "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                "keywords": rng.sample(["锂离子电池", "正极材料", "机器视觉", "缺陷检测", "储能", "催化"], 2)}
               for k in range(n_experts)]
    works = [{"start": e["id"], "end": rng.choice(insts)["id"]} for e in experts]
    expert_in = [{"start": e["id"], "end": f["id"], "weight": round(rng.random(), 3)}
                 for e in experts for f in rng.sample(fields, 3)]
    return (Batch().add_nodes(Label.INSTITUTION, insts).add_nodes(Label.FIELD, fields)
            .add_nodes(Label.EXPERT, experts)
            .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, works)
            .add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, expert_in))


def _timed(store: GraphStore, load) -> float:
    store.clear()
    started = time.perf_counter()
    load()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    """Run the three loads and print a table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    batch = synthetic_batch(args.experts, args.seed)
    rows = len(batch)
    neo = Neo4jStore.from_env()
    neo.init_schema()
    try:
        warm = synthetic_batch(200, args.seed + 1)  # let the JVM compile both paths before timing
        _timed(neo, lambda: neo.write(warm))
        _timed(neo, lambda: neo.write_row_by_row(warm))
        t_unwind = _timed(neo, lambda: neo.write(batch))
        counts = neo.counts()
        t_per_row = _timed(neo, lambda: neo.write_row_by_row(batch))
        assert neo.counts() == counts, "both Neo4j paths must store the same graph"
        neo.clear()
    finally:
        neo.close()
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as local:
        t_local = _timed(local, lambda: local.write(batch))
        assert local.counts() == counts, "the embedded store must store the same graph"
    result = {
        "rows": rows,
        "rows_per_s": {"neo4j_unwind": round(rows / t_unwind), "neo4j_per_row": round(rows / t_per_row),
                       "local": round(rows / t_local)},
        "ratio_unwind_vs_per_row": round(t_per_row / t_unwind, 2),
        "ratio_local_vs_neo4j_unwind": round(t_unwind / t_local, 2),
    }
    print(f"{'path':<16}{'seconds':>10}{'rows/s':>12}")
    for name, secs in (("neo4j UNWIND", t_unwind), ("neo4j per-row", t_per_row), ("local", t_local)):
        print(f"{name:<16}{secs:>10.2f}{rows / secs:>12.0f}")
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
