"""Recommendation cost of a setting: the same requests under two sets of overrides, alternating in one process.

    python -m bench.settings_latency --data-dir DIR --a NAME=VALUE [--a ...] [--b NAME=VALUE ...] [--limit 60] [--rounds 3]

``DIR`` holds an embedded store with the demo loaded. Each stored demand (the first ``--limit``) is
recommended with the text index under overrides ``a`` and ``b`` (empty = the defaults) alternately, the
order flipped every round so neither always runs warm, after one untimed pass of each. Times are process
CPU seconds (the machine is shared). Prints p50/p95 per mode and the ratios b / a, how many top-10 lists
differ, and one JSON line. calib13 (issue 13): ``--a text_floor_coverage=0 --a retrieval_floor_coverage=0``.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

from bench.recommend_demo import _demand_ids, _pct
from graph.local_store import LocalStore
from ingest.nlp import content_words
from recommend.config import settings_from_text
from recommend.engine import IndexCache, recommend_for_demand


def _overrides(pairs: list[str]) -> dict:
    return settings_from_text(dict(p.split("=", 1) for p in pairs))


def main() -> None:
    """Run the comparison and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--a", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--b", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    store = LocalStore(args.data_dir)
    index = IndexCache(content_words).get(store)
    modes = {"a": _overrides(args.a), "b": _overrides(args.b)}
    demands = _demand_ids(store, args.limit)
    top: dict[str, dict[str, list[str]]] = {"a": {}, "b": {}}
    for mode, overrides in modes.items():  # untimed: fills the caches both modes share
        for d in demands:
            rec = recommend_for_demand(store, d, tokenize=content_words, index=index, overrides=overrides)
            top[mode][d] = [e.scored.id for e in rec.experts[:10]]
    gc.collect()
    gc.freeze()
    times: dict[str, dict[str, list[float]]] = {"a": {d: [] for d in demands}, "b": {d: [] for d in demands}}
    for r in range(args.rounds):
        order = ("a", "b") if r % 2 == 0 else ("b", "a")
        for d in demands:
            for mode in order:
                started = time.process_time()
                recommend_for_demand(store, d, tokenize=content_words, index=index, overrides=modes[mode])
                times[mode][d].append(time.process_time() - started)
    med = {m: sorted(sorted(ts)[len(ts) // 2] for ts in times[m].values()) for m in modes}
    out = {m: {"p50_ms": round(1000 * _pct(med[m], 0.5), 2), "p95_ms": round(1000 * _pct(med[m], 0.95), 2)}
           for m in modes}
    out["ratio_p50"] = round(out["b"]["p50_ms"] / out["a"]["p50_ms"], 3)
    out["ratio_p95"] = round(out["b"]["p95_ms"] / out["a"]["p95_ms"], 3)
    out["top10_differ"] = sum(top["a"][d] != top["b"][d] for d in demands)
    out["demands"] = len(demands)
    print(f"a {args.a or 'defaults'}: p50 {out['a']['p50_ms']} ms, p95 {out['a']['p95_ms']} ms (CPU, median of "
          f"{args.rounds} rounds per demand)")
    print(f"b {args.b or 'defaults'}: p50 {out['b']['p50_ms']} ms, p95 {out['b']['p95_ms']} ms")
    print(f"b / a: p50 ×{out['ratio_p50']}, p95 ×{out['ratio_p95']}; top 10 differs on {out['top10_differ']} of "
          f"{len(demands)} demands")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
