"""Incremental batched writes into a populated Neo4j database, in graph rows per second (issue 15 item 4).

    KGMATCH_NEO4J_URI=bolt://127.0.0.1:7741 python -m bench.neo4j_writes \
        --projects 20000 --batch-rows 2000,20000,60000 --writers 1,2 [--repeat 2]

The initial load has its own path (``kgmatch --store neo4j bulk-import``); this measures the other one,
what ``kgmatch load`` and every officer's write go through: :func:`graph.batching.write_in_batches` →
:meth:`graph.neo4j_store.Neo4jStore.write` (``UNWIND`` statements, one transaction per batch, the
endpoint check of each relationship chunk). The rows have the shape a project file's load writes: per
project a ``Project`` and its PI ``Expert`` (titles, keywords, years, amounts), the PI's ``LEADS``, the
project's ``IN_FIELD`` and the PI's ``EXPERT_IN`` to fields drawn Zipf-like from the database's own
``Field`` nodes, and ``WORKS_AT`` to one of its ``Institution`` nodes — so relationships land on the
existing, busy nodes of a large graph, as they do in a real incremental load. Graph rows = nodes +
relationships written.

For each (rows per transaction, writers) the projects are new (ids ``benchw:<run>:...``, seeded), so
every row is a create, written by the product's own path with ``writers`` threads (the partitioned writers
of :func:`~graph.batching.write_in_batches`: every node first, then every relationship, each key with one
writer; the shared field and institution nodes are linked to by all writers, which is where two can still
wait on each other's locks: the driver retries a deadlock, counted as ``retries``). After each
configuration the stored counts are checked against what was written, and at the end every
``benchw:`` node is deleted (with its relationships), leaving the database as it was.

Printed: one JSON line per configuration — graph rows, seconds, graph rows/s, the client's and (with
``KGMATCH_NEO4J_HOME``) the server JVM's CPU seconds per 10k rows, transactions, retries seen — and a
last line with the best configuration and its ratio to the first (the baseline in the same run).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import sys
import time

from bench.scale import _cpu_seconds, neo4j_server_pid
from graph.batching import write_in_batches
from graph.model import Label, RelType
from graph.neo4j_store import Neo4jStore
from graph.store import Batch

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯"
_WORDS = ("锂离子电池 正极材料 高镍 循环寿命 固态电解质 机器视觉 缺陷检测 焊点 印制电路板 储能 催化 膜分离 废水处理 "
          "冷链 物流优化 传感器 边缘计算 深度学习 复合材料 疲劳寿命 涂层 腐蚀 光伏 逆变器 电机控制 数字孪生").split()


def project_batch(run: str, first: int, count: int, fields: list[str], insts: list[str], seed: int) -> Batch:
    """``count`` projects (numbers ``first`` ...) with their PIs and links, as one Batch."""
    rng = random.Random(f"{seed}:{run}:{first}")
    weights = [1.0 / (k + 1) for k in range(len(fields))]  # Zipf-like: a few fields get most projects
    projects, experts, leads, in_field, expert_in, works = [], [], [], [], [], []
    for k in range(first, first + count):
        words = rng.sample(_WORDS, 4)
        pid, eid = f"benchw:{run}:p{k}", f"benchw:{run}:e{k}"
        projects.append({"id": pid, "title": f"{words[0]}{words[1]}的{words[2]}研究", "keywords": words,
                         "keywords_text": " ".join(words), "year": rng.randint(2010, 2024),
                         "amount": round(rng.uniform(20, 300), 1), "synthetic": True})
        experts.append({"id": eid, "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                        "keywords": words[:3], "keywords_text": " ".join(words[:3]), "synthetic": True})
        leads.append({"start": eid, "end": pid, "role": "负责人"})
        chosen = set(rng.choices(fields, weights=weights, k=2))
        in_field += [{"start": pid, "end": f, "weight": 1.0} for f in sorted(chosen)]
        expert_in += [{"start": eid, "end": f, "weight": round(rng.random(), 3)} for f in sorted(chosen)]
        works.append({"start": eid, "end": rng.choice(insts)})
    return (Batch().add_nodes(Label.PROJECT, projects).add_nodes(Label.EXPERT, experts)
            .add_rels(RelType.LEADS, Label.EXPERT, Label.PROJECT, leads)
            .add_rels(RelType.IN_FIELD, Label.PROJECT, Label.FIELD, in_field)
            .add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, expert_in)
            .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, works))


def _cpu_self() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _cpu_pid(pid: int | None) -> float:
    return _cpu_seconds(pid) if pid else 0.0


class _Retries(logging.Handler):
    """Counts the driver's "will be retried" warnings (deadlocks between writers, transient errors)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retried" in record.getMessage():
            self.seen += 1


_RETRIES = _Retries()


def _count(store: Neo4jStore, query: str, **params) -> int:
    with store._session() as session:  # noqa: SLF001 - a bench reading its own rows back
        return int(session.run(query, **params).single()[0])


def run_config(store: Neo4jStore, run: str, projects: int, batch_rows: int, writers: int, fields: list[str],
               insts: list[str], seed: int, server: int | None) -> dict:
    """Write ``projects`` new projects in transactions of ``batch_rows`` graph rows by ``writers`` threads."""
    whole = project_batch(run, 0, projects, fields, insts, seed)
    rows = len(whole)
    commits: list[int] = []
    retries0 = _RETRIES.seen
    cpu0, srv0, started = _cpu_self(), _cpu_pid(server), time.perf_counter()
    # the product's path: sub-batches of batch_rows, written by `writers` threads over disjoint partitions
    write_in_batches(store, whole, max_rows=batch_rows, writers=writers, on_commit=lambda done, total: commits.append(done))
    took = time.perf_counter() - started
    cpu, srv = _cpu_self() - cpu0, _cpu_pid(server) - srv0
    nodes = _count(store, "MATCH (n) WHERE n.id STARTS WITH $p RETURN count(n)", p=f"benchw:{run}:")
    rels = _count(store, "MATCH (n:Expert)-[r]->() WHERE n.id STARTS WITH $p RETURN count(r)", p=f"benchw:{run}:") \
        + _count(store, "MATCH (n:Project)-[r:IN_FIELD]->() WHERE n.id STARTS WITH $p RETURN count(r)",
                 p=f"benchw:{run}:")
    expected_nodes = sum(len(b.rows) for b in whole.nodes)
    expected_rels = sum(len(b.rows) for b in whole.rels)
    per10k = 10_000 / rows
    return {"run": run, "batch_rows": batch_rows, "writers": writers, "graph_rows": rows, "transactions": len(commits),
            "retries": _RETRIES.seen - retries0,
            "s": round(took, 2), "graph_rows_per_s": round(rows / took),
            "client_cpu_s_per_10k": round(cpu * per10k, 2), "server_cpu_s_per_10k": round(srv * per10k, 2) if server else None,
            "stored_as_written": nodes == expected_nodes and rels == expected_rels,
            "stored": {"nodes": nodes, "relationships": rels}, "loadavg": round(os.getloadavg()[0], 2)}


def cleanup(store: Neo4jStore) -> int:
    """Delete every ``benchw:`` node and its relationships, in transactions of 10k nodes."""
    deleted = 0
    while True:
        n = _count(store, "MATCH (n) WHERE n.id STARTS WITH 'benchw:' WITH n LIMIT 10000 "
                          "DETACH DELETE n RETURN count(*)")
        deleted += n
        if n == 0:
            return deleted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20_000, help="new projects per configuration")
    parser.add_argument("--batch-rows", default="2000,20000", help="graph rows per transaction, comma-separated")
    parser.add_argument("--writers", default="1,2", help="parallel writers, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over all configurations (interleaved)")
    parser.add_argument("--fields", type=int, default=2000, help="existing Field nodes to link to")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    logging.getLogger("neo4j").addHandler(_RETRIES)
    logging.getLogger("neo4j").propagate = False  # counted, not printed
    store = Neo4jStore.from_env()
    server = neo4j_server_pid()
    try:
        fields = [n.id for n in store.all_nodes(Label.FIELD)[:args.fields]]  # by id: the same set each run
        insts = [n.id for n in store.all_nodes(Label.INSTITUTION)[:5000]]
        if not fields or not insts:
            raise SystemExit("the database needs Field and Institution nodes (load the 10× graph first)")
        print(json.dumps({"existing_fields": len(fields), "existing_institutions": len(insts),
                          "nodes_before": sum(store.counts().nodes.values())}), flush=True)
        cleanup(store)
        warm = project_batch("warm", 0, 2000, fields, insts, args.seed)  # the JVM compiles the statements first
        write_in_batches(store, warm)
        results = []
        for rnd in range(args.repeat):
            for b in (int(x) for x in args.batch_rows.split(",")):
                for w in (int(x) for x in args.writers.split(",")):
                    row = run_config(store, f"r{rnd}b{b}w{w}", args.projects, b, w, fields, insts, args.seed, server)
                    print(json.dumps(row, ensure_ascii=False), flush=True)
                    results.append(row)
        deleted = cleanup(store)
    finally:
        store.close()
    best = max(results, key=lambda r: r["graph_rows_per_s"])
    print(json.dumps({"best": {k: best[k] for k in ("batch_rows", "writers", "graph_rows_per_s")},
                      "best_vs_first": round(best["graph_rows_per_s"] / results[0]["graph_rows_per_s"], 2),
                      "all_stored_as_written": all(r["stored_as_written"] for r in results),
                      "deleted_after": deleted}), flush=True)
    return 0 if all(r["stored_as_written"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
