"""Recommendation latency with the learned ranker vs the hand weights, on the demo, in one process.

    python -m bench.pi_ranker_latency --data-dir DIR --model var/models/ranker-v1.json [--limit 100] [--rounds 2]

``DIR`` holds an embedded store with the demo loaded (``kgmatch --data-dir DIR load demo``). Each
demand is recommended with ``ranker=hand`` and ``ranker=learned`` alternately (the order flips every
round so neither always runs warm), with one text index built beforehand; prints p50/p95 per mode,
their ratios (learned / hand), how many top-10 lists differ, and one JSON line.

``--today-without recent``: the ``hand`` runs also score without those components (rows of
:data:`recommend.scoring.COMPONENT_TABLE` added since, swapped out in this process only), so the ratio is
the learned ranker with its new components against the engine as it was before them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.recommend_demo import _demand_ids, _pct
from graph.local_store import LocalStore
from ingest.nlp import content_words
from recommend.engine import IndexCache, recommend_for_demand


def main() -> None:
    """Run the comparison and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cpu", action="store_true", help="process CPU time instead of wall time (a loaded machine)")
    parser.add_argument("--warmup", action="store_true",
                        help="one untimed pass over every demand first (the first request of a demand fills its caches)")
    parser.add_argument("--today-without", default="", help="components the hand runs leave out (comma-separated)")
    args = parser.parse_args()
    import recommend.scoring as scoring

    full = scoring.COMPONENT_TABLE
    today = tuple(c for c in full if c.name not in set(filter(None, args.today_without.split(","))))
    clock = time.process_time if args.cpu else time.perf_counter
    os.environ["KGMATCH_RANKER_MODEL"] = str(args.model)
    with LocalStore(args.data_dir) as store:
        ids = _demand_ids(store, args.limit)
        index = IndexCache(content_words).get(store)
        times: dict[str, list[float]] = {"hand": [], "learned": []}
        tops: dict[str, dict[str, list[str]]] = {"hand": {}, "learned": {}}
        applied: set[str] = set()
        for demand_id in ids if args.warmup else ():
            recommend_for_demand(store, demand_id, tokenize=content_words, index=index, year=2026)
        for r in range(args.rounds):
            for demand_id in ids:
                for mode in (("hand", "learned") if (r % 2 == 0) else ("learned", "hand")):
                    scoring.COMPONENT_TABLE = today if mode == "hand" else full
                    started = clock()
                    rec = recommend_for_demand(store, demand_id, tokenize=content_words, index=index, year=2026,
                                               overrides={"ranker": mode})
                    times[mode].append(clock() - started)
                    scoring.COMPONENT_TABLE = full
                    tops[mode][demand_id] = [e.scored.id for e in rec.experts]
                    applied.add(f"{mode}->{rec.settings['ranker']}")
    row = {mode: {"p50_ms": round(1000 * _pct(t, 0.5), 1), "p95_ms": round(1000 * _pct(t, 0.95), 1)}
           for mode, t in times.items()}
    ratio = {k: round(row["learned"][k] / row["hand"][k], 3) for k in ("p50_ms", "p95_ms")}
    differ = sum(1 for d in ids if tops["hand"][d] != tops["learned"][d])
    first_differ = sum(1 for d in ids if tops["hand"][d][:1] != tops["learned"][d][:1])
    for mode in ("hand", "learned"):
        print(f"{mode:<8} p50 {row[mode]['p50_ms']:>8} ms   p95 {row[mode]['p95_ms']:>8} ms")
    print(f"learned/hand: p50 ×{ratio['p50_ms']}, p95 ×{ratio['p95_ms']}; top-10 differs for {differ}/{len(ids)} "
          f"demands, top-1 for {first_differ}; modes applied: {sorted(applied)}")
    print(json.dumps({"demands": len(ids), "rounds": args.rounds, **row, "ratio": ratio, "top10_differs": differ,
                      "top1_differs": first_differ, "applied": sorted(applied)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
