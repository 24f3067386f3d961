"""What the activity reports and recommendations cost, as ratios against baselines measured in the same run.

    python -m bench.activities --data-dir DIR [--store local|neo4j] [--repeat 5]

On a store holding ``kgmatch load demo`` (the synthetic activity history included):

* report vs read: building the activity report (by kind) vs reading every
  Activity node (the floor any report pays — the counters live on the nodes);
* enrolment walk: counting enrolments by walking every ENROLLED_IN relationship, vs the report
  (what the counters save);
* recommendation: recommending activities for every enterprise vs reading every Activity node once.

Prints the demo's counts and one JSON object as the last line. Best of ``--repeat`` interleaved runs (the least noisy figure on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from analytics.activities import activity_report, read_activities
from graph import open_store
from graph.model import Label, RelType
from graph.store import Direction, GraphStore
from recommend.activities import recommend_for_enterprise


def _best(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """The best (minimum) time of each function over ``repeat`` interleaved rounds: on a shared machine
    the minimum is the least noisy estimate of what the code itself costs."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: min(values) for name, values in times.items()}


def _walk_enrolments(store: GraphStore) -> int:
    acts = store.all_nodes(Label.ACTIVITY)
    pairs = store.expand([a.ref for a in acts], direction=Direction.IN, rel_types=[RelType.ENROLLED_IN])
    return len(pairs)


def measure(store: GraphStore, repeat: int) -> dict[str, Any]:
    """The counts and the timing ratios (see the module docstring)."""
    acts = read_activities(store)
    enterprises = store.all_nodes(Label.ENTERPRISE)
    counts = {"activities": len(acts), "enrolled": sum(int(a.get("enrolled") or 0) for a in acts),
              "attended": sum(int(a.get("attended") or 0) for a in acts),
              "enrolment_rels": _walk_enrolments(store),
              "closed": sum(a.get("status") == "已结束" for a in acts),
              "challenges_launched": sum(len(a.get("challenge_ids") or ()) for a in acts),
              "synthetic": sum(a.get("source") == "synthetic" for a in acts)}
    day = "2026-12-02"
    recommended = [recommend_for_enterprise(store, e.id, today=day) for e in enterprises]
    counts["enterprises"] = len(enterprises)
    counts["enterprises_with_recommendations"] = sum(bool(r) for r in recommended)
    best = _best({"read": lambda: read_activities(store),
                  "report": lambda: activity_report(store, by="kind"),
                  "walk": lambda: _walk_enrolments(store)}, repeat)
    read, report, walk = best["read"], best["report"], best["walk"]
    rec = _best({"rec": lambda: [recommend_for_enterprise(store, e.id, today=day) for e in enterprises]},
                max(1, repeat // 4))["rec"]
    return {"counts": counts, "read_s": round(read, 5), "report_s": round(report, 5),
            "report_vs_read": round(report / read, 2) if read else None,
            "walk_enrolments_s": round(walk, 5), "walk_vs_report": round(walk / report, 2) if report else None,
            "recommend_all_enterprises_s": round(rec, 4),
            "recommend_per_enterprise_vs_read": round(rec / len(enterprises) / read, 2) if read and enterprises else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="local store directory holding the demo")
    parser.add_argument("--store", default="local", choices=("local", "neo4j"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    store = open_store(args.store, data_dir=args.data_dir)
    try:
        result = measure(store, args.repeat)
    finally:
        store.close()
    for key, value in result["counts"].items():
        print(f"{key:<36}{value:>8}")
    print(f"activity report vs reading the Activity nodes:      {result['report_vs_read']}×")
    print(f"walking ENROLLED_IN vs the report:                  {result['walk_vs_report']}×")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
