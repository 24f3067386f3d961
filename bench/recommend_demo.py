"""Recommend for every demo demand on both stores: same order? how fast? how good are the teams?

    python -m bench.recommend_demo [--limit N] [--stores local,neo4j]

Loads the demo into a fresh embedded store (and into Neo4j, emptied first), runs
``recommend_for_demand`` for each demand on each store, and prints:

* whether both stores returned the identical ranking, teams and explanations;
* per-demand latency on each store (p50 / p95) and their ratio;
* team quality over all demands: coverage and communication cost of our teams vs
  RarestFirst (Lappas et al. 2009), computed on the same candidates.

The last line is one JSON object with those numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from graph.local_store import LocalStore
from graph.model import Label
from graph.neo4j_store import Neo4jStore
from graph.store import GraphStore
from ingest.demo import load_demo
from ingest.nlp import content_words
from recommend.engine import IndexCache, recommend_for_demand
from recommend.field_similarity import write_related_fields


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _demand_ids(store: GraphStore, limit: int | None) -> list[str]:
    ids, skip = [], 0
    while page := store.list_nodes(Label.DEMAND, skip=skip, limit=1000):
        ids += [n.id for n in page]
        skip += len(page)
    return ids[:limit] if limit else ids


def run(store: GraphStore, ids: list[str]) -> tuple[dict[str, dict], list[float]]:
    """Recommendations (as plain data) and seconds per demand."""
    index = IndexCache(content_words).get(store)
    out, times = {}, []
    for demand_id in ids:
        started = time.perf_counter()
        rec = recommend_for_demand(store, demand_id, tokenize=content_words, index=index, year=2026)
        times.append(time.perf_counter() - started)
        out[demand_id] = rec.as_dict()
    return out, times


def team_quality(results: dict[str, dict]) -> dict[str, float]:
    """Mean coverage and communication cost of our best team and of RarestFirst."""
    ours = [r["teams"][0] for r in results.values() if r["teams"]]
    base = [r["baseline_team"] for r in results.values() if r["baseline_team"]]
    mean = statistics.fmean
    return {
        "demands_with_team": len(ours),
        "ours_coverage": round(mean(t["coverage"] for t in ours), 4) if ours else 0.0,
        "ours_comm_cost": round(mean(t["communication_cost"] for t in ours), 3) if ours else 0.0,
        "ours_size": round(mean(len(t["members"]) for t in ours), 2) if ours else 0.0,
        "rarest_first_coverage": round(mean(t["coverage"] for t in base), 4) if base else 0.0,
        "rarest_first_comm_cost": round(mean(t["communication_cost"] for t in base), 3) if base else 0.0,
        "rarest_first_size": round(mean(len(t["members"]) for t in base), 2) if base else 0.0,
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison and print a summary and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--stores", default="local,neo4j")
    args = parser.parse_args(argv)
    stores = args.stores.split(",")
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as local:
        load_demo(local)
        write_related_fields(local)
        ids = _demand_ids(local, args.limit)
        local_out, local_t = run(local, ids)
        result["demands"] = len(ids)
        result["local_ms_p50"] = round(1000 * _pct(local_t, 0.5), 1)
        result["local_ms_p95"] = round(1000 * _pct(local_t, 0.95), 1)
        result["teams"] = team_quality(local_out)
        result["with_experts"] = sum(1 for r in local_out.values() if r["experts"])
        result["with_explanations"] = sum(1 for r in local_out.values()
                                          if r["experts"] and all(e["explanation"] for e in r["experts"]))
    if "neo4j" in stores:
        neo = Neo4jStore.from_env()
        try:
            neo.clear()
            neo.init_schema()
            load_demo(neo)
            write_related_fields(neo)
            neo_out, neo_t = run(neo, ids)
            same = [d for d in ids if neo_out[d] == local_out[d]]
            result["identical_on_both_stores"] = len(same)
            result["neo4j_ms_p50"] = round(1000 * _pct(neo_t, 0.5), 1)
            result["neo4j_ms_p95"] = round(1000 * _pct(neo_t, 0.95), 1)
            result["neo4j_vs_local_p50"] = round(_pct(neo_t, 0.5) / _pct(local_t, 0.5), 2)
        finally:
            neo.close()
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
