"""Issue 16 on the demo: counts of registry status, service modes, cooperation forms and the talent list, and
what the new reports cost against reading the nodes they aggregate (ratios measured in the same run).

    kgmatch --data-dir /tmp/kgdemo load demo            # once (the demo with its workflow history)
    python -m bench.programme --data-dir /tmp/kgdemo [--repeat 5]
    python -m bench.programme --store neo4j [--repeat 5]  # a Neo4j holding the demo (KGMATCH_NEO4J_URI)

Per report kind (``registry``, ``service_modes``, ``cooperation_forms``, ``talent``) the median time of
:func:`analytics.reports.report_rows` (which reads the facts from the store, then aggregates) is divided by
the median time of reading every node those facts are made of (``all_nodes`` of Demand, Push, Dispatch,
Service, Challenge, Registration: the floor any report pays); the time of :func:`read_facts` alone and of the
pure aggregation over facts already read show where the rest goes. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from analytics.reports import REPORTS, ReportFilter, read_facts, report_rows
from graph.local_store import LocalStore
from graph.model import Label
from graph.store import GraphStore

__all__ = ["KINDS", "counts", "timings", "main"]

KINDS = ("registry", "service_modes", "cooperation_forms", "talent")
_READ = (Label.DEMAND, Label.PUSH, Label.DISPATCH, Label.SERVICE, Label.CHALLENGE, Label.REGISTRATION)


def _median(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def counts(store: GraphStore) -> dict[str, Any]:
    """What the demo holds of issue 16's facts."""
    regs = store.all_nodes(Label.REGISTRATION)
    facts = read_facts(store)
    dispatches, services = facts.dispatches, facts.services
    return {
        "registrations": dict(Counter(str(n.props.get("kind")) for n in regs)),
        "srdi_levels": dict(Counter(str(n.props.get("level")) for n in regs if n.props.get("level"))),
        "enterprises": store.count_nodes(Label.ENTERPRISE),
        "enterprises_with_status": len(facts.registry_status),
        "demands_by_status": {r["registry"]: r["demands"] for r in report_rows(store, "registry", ReportFilter())},
        "dispatches_by_mode": dict(Counter(str(d.get("service_mode") or "（未填写）") for d in dispatches)),
        "services_by_form": dict(Counter(str(s.get("cooperation_form")) for s in services if s.get("cooperation_form"))),
        "talent_list": len(report_rows(store, "talent", ReportFilter())),
        "experts_with_services": len({s.get("expert_id") for s in services}),
    }


def timings(store: GraphStore, repeat: int) -> dict[str, Any]:
    """Median seconds of each report vs reading its nodes, and the ratio."""
    flt = ReportFilter()
    floor = _median(lambda: [store.all_nodes(label) for label in _READ], repeat)
    facts_s = _median(lambda: read_facts(store), repeat)
    facts = read_facts(store)
    out: dict[str, Any] = {"read_nodes_s": round(floor, 4), "read_facts_s": round(facts_s, 4),
                           "read_facts_ratio": round(facts_s / floor, 2)}
    for kind in KINDS:
        took = _median(lambda kind=kind: report_rows(store, kind, flt), repeat)
        pure = _median(lambda kind=kind: REPORTS[kind].build(facts, flt), repeat)
        out[kind] = {"report_s": round(took, 4), "ratio": round(took / floor, 2), "aggregate_s": round(pure, 5)}
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="the embedded store holding the demo")
    parser.add_argument("--store", choices=("local", "neo4j"), default="local")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.store == "neo4j":
        from graph.neo4j_store import Neo4jStore

        store: GraphStore = Neo4jStore.from_env()
    else:
        if not args.data_dir:
            parser.error("--data-dir is required with --store local")
        store = LocalStore(args.data_dir)
    try:
        result = {"store": args.store, "counts": counts(store), "timings": timings(store, args.repeat)}
    finally:
        store.close()
    t = result["timings"]
    for kind in KINDS:
        print(f"{kind}: {t[kind]['report_s'] * 1000:.0f} ms vs reading the nodes {t['read_nodes_s'] * 1000:.0f} ms "  # noqa: T201
              f"(×{t[kind]['ratio']:.2f}); of which aggregating {t[kind]['aggregate_s'] * 1000:.1f} ms")
    print(f"read_facts alone: {t['read_facts_s'] * 1000:.0f} ms (×{t['read_facts_ratio']:.2f})")  # noqa: T201
    print(json.dumps(result, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
