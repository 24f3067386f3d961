"""Recommendation latency on two demo stores in one process (a data change measured as a ratio, not a wall clock).

    python -m bench.store_latency --baseline DIR_A --candidate DIR_B [--set-b NAME=VALUE ...] [--splits dev,dev2] [--rounds 3]

Every SME demand of the splits is linked once per store (the bench's linking), then recommended with the text index
on each store in turn (with ``--set-a``/``--set-b``: settings of each side, e.g. one store twice), round after round (interleaved, so both share the machine's noise); prints p50/p95 per store
and their ratios, and a last line of JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main(argv: list[str] | None = None) -> int:
    """Run the comparison."""
    from bench.judged_pool import parse_sets
    from bench.sme_demands import linked_demands, load_sme_demands
    from graph.local_store import LocalStore
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_facts

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--splits", default="dev,dev2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--set-a", action="append", default=[])
    ap.add_argument("--set-b", action="append", default=[])
    args = ap.parse_args(argv)
    overrides = {"baseline": parse_sets(args.set_a) or None, "candidate": parse_sets(args.set_b) or None}
    stores = {"baseline": LocalStore(args.baseline), "candidate": LocalStore(args.candidate)}
    prepared = {}
    for name, store in stores.items():
        index = IndexCache(content_words).get(store)
        demands = [x for split in args.splits.split(",") for x in linked_demands(store, load_sme_demands(split=split))]
        prepared[name] = (store, index, demands)
    times: dict[str, list[float]] = {name: [] for name in stores}
    for _ in range(args.rounds):
        for name, (store, index, demands) in prepared.items():
            for _, facts, keywords in demands:
                start = time.perf_counter()
                recommend_for_facts(store, facts, tokenize=content_words, index=index, keywords=keywords,
                                    overrides=overrides[name])
                times[name].append((time.perf_counter() - start) * 1000)
    out = {}
    for name, ms in times.items():
        ms.sort()
        out[name] = {"p50": round(statistics.median(ms), 1), "p95": round(ms[int(0.95 * (len(ms) - 1))], 1), "n": len(ms)}
    out["ratio_p50"] = round(out["candidate"]["p50"] / out["baseline"]["p50"], 3)
    out["ratio_p95"] = round(out["candidate"]["p95"] / out["baseline"]["p95"], 3)
    for store in stores.values():
        store.close()
    print(f"baseline p50 {out['baseline']['p50']} ms p95 {out['baseline']['p95']} ms; candidate p50 "
          f"{out['candidate']['p50']} ms p95 {out['candidate']['p95']} ms; ratio p50 {out['ratio_p50']} p95 {out['ratio_p95']}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
