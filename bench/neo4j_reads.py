"""Read transactions and queries per recommendation on Neo4j, and what each reads (issue 17 / 15).

Counts every ``execute_read`` (a transaction) and every query run inside it while one stored-demand and
one free-text recommendation run in process against ``KGMATCH_NEO4J_URI``, names the recommend/ function
that asked for each, and times Python CPU (this process) and the server's JVM CPU (``/proc/<pid>/stat``,
``--jvm-pid``) per request over ``--rounds`` rounds of ``--demands`` stored demands. ``--code DIR`` runs an
older checkout (``git archive <commit> | tar -x -C DIR``) for before/after; ``--answers FILE`` writes each
answer's experts and scores (to compare two checkouts)::

    KGMATCH_NEO4J_URI=bolt://127.0.0.1:7761 python bench/neo4j_reads.py --jvm-pid $(cat var/neo4j/neo4j.pid)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections import Counter
from pathlib import Path


def _jvm_cpu_s(pid: int | None) -> float:
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, help="run this checkout's code instead of the working tree")
    parser.add_argument("--demands", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jvm-pid", type=int)
    parser.add_argument("--answers", type=Path)
    parser.add_argument("--index-dir", type=Path,
                        help="load (or build and keep) the expert index here, e.g. DATA_DIR/index: no 10-minute build at 10x")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent  # bench/ingest.py would shadow the ingest package
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))

    import neo4j

    from graph.model import Label
    from graph.neo4j_store import Neo4jStore
    from ingest.field_linking import understand_demand
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand, recommend_for_text

    counting = {"on": False}
    tx_by: Counter[str] = Counter()
    queries_by: Counter[str] = Counter()

    def caller() -> str:
        for frame in reversed(traceback.extract_stack()[:-3]):
            if "/recommend/" in frame.filename:
                return f"{Path(frame.filename).stem}.{frame.name}:{frame.lineno}"
        return "?"

    real_read, real_begin = neo4j.Session.execute_read, neo4j.Session.begin_transaction
    real_runs = {cls: cls.run for cls in (neo4j.ManagedTransaction, neo4j.Transaction)}

    def execute_read(self, work, *a, **k):
        if counting["on"]:
            tx_by[caller()] += 1
        return real_read(self, work, *a, **k)

    def begin_transaction(self, *a, **k):  # GraphStore.reading's shared transaction
        if counting["on"]:
            tx_by[caller()] += 1
        return real_begin(self, *a, **k)

    def counted(cls):
        def run(self, query, *a, **k):
            if counting["on"]:
                queries_by[caller()] += 1
            return real_runs[cls](self, query, *a, **k)
        return run

    neo4j.Session.execute_read, neo4j.Session.begin_transaction = execute_read, begin_transaction
    for cls in real_runs:
        cls.run = counted(cls)

    store = Neo4jStore.from_env()
    index = IndexCache(content_words, background=False, persist_dir=args.index_dir).get(store)
    demands = [n for n in store.list_nodes(Label.DEMAND, limit=5000)]
    step = max(1, len(demands) // args.demands)
    chosen = demands[::step][:args.demands]
    texts = [f"{n.props.get('title', '')}\n{n.props.get('description', '')}" for n in chosen]

    def stored(x: int):
        return recommend_for_demand(store, chosen[x].id, tokenize=content_words, index=index, year=2026)

    def free(x: int):
        return recommend_for_text(store, texts[x], tokenize=content_words, understand=understand_demand, index=index)

    for x in range(len(chosen)):  # warm every cache a request keeps (records, field lists, linker)
        stored(x)
        free(x)
    report: dict = {}
    for name, fn in (("stored", stored), ("free", free)):
        tx_by.clear()
        queries_by.clear()
        counting["on"] = True
        fn(0)
        counting["on"] = False
        report[name] = {"transactions": sum(tx_by.values()), "queries": sum(queries_by.values()),
                        "by_caller": {k: [tx_by[k], queries_by[k]] for k in sorted({*tx_by, *queries_by})}}
    answers = {}
    for name, fn in (("stored", stored), ("free", free)):
        py, jvm = [], []
        for _ in range(args.rounds):
            p0, j0 = time.process_time(), _jvm_cpu_s(args.jvm_pid)
            for x in range(len(chosen)):
                rec = fn(x)
                answers[f"{name}:{chosen[x].id}"] = [[e.scored.id, round(e.scored.score, 9)] for e in rec.experts]
            py.append(round((time.process_time() - p0) * 1000 / len(chosen), 1))
            jvm.append(round((_jvm_cpu_s(args.jvm_pid) - j0) * 1000 / len(chosen), 1))
        report[name]["python_cpu_ms_per_request"] = py
        report[name]["jvm_cpu_ms_per_request"] = jvm
    report["load_average"] = os.getloadavg()
    if args.answers:
        args.answers.write_text(json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True))
    store.close()
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
