"""Platforms on the demo (issue 16): counts, and the cost of recommending platforms next to experts.

    python -m bench.platforms --data-dir DIR [--repeats 3] [--texts 10]

``DIR`` holds an embedded store with the demo loaded (``kgmatch --data-dir DIR load demo``).

Counts: platforms by kind, how many are HOSTED_BY an institution that has experts in the graph,
LOCATED_IN a region, SERVES_FIELD links by method (given codes or the field linker); the demo
demands whose text needs a platform service and how many of them get platforms.

Latency: for the demo demands that need a platform and the first ``--texts`` positive texts of the hand-labelled
examples (``data/eval/platform-need/labelled.jsonl``, understood once, outside the timing), each
recommendation is computed with platforms (``platform_top_k`` 5) and without (0), alternating
which goes first, ``--repeats`` times, in the same process on a warm index; the ratio of the
median times is printed (no wall-clock threshold). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.platform_need import load_labels
from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Direction
from ingest.field_linking import understand_demand
from ingest.nlp import content_words
from recommend.candidates import demand_facts, demand_facts_for_text
from recommend.engine import IndexCache, recommend_for_facts
from recommend.platform_need import detect_needs

__all__ = ["counts", "latency", "main"]


def counts(store: LocalStore) -> dict[str, Any]:
    """What the demo holds of platforms and which demo demands need them."""
    platforms = store.all_nodes(Label.PLATFORM)
    rels = store.expand([p.ref for p in platforms], direction=Direction.OUT,
                        rel_types=[RelType.HOSTED_BY, RelType.LOCATED_IN, RelType.SERVES_FIELD])
    hosts = {nb.node.id for _, nb in rels if nb.rel.type is RelType.HOSTED_BY}
    with_experts = {src.id for src, _ in store.expand(
        [nb.node.ref for _, nb in rels if nb.rel.type is RelType.HOSTED_BY], direction=Direction.IN,
        rel_types=[RelType.WORKS_AT], limit_per_node=1)}
    hosted = {src.id for src, nb in rels if nb.rel.type is RelType.HOSTED_BY and nb.node.id in with_experts}
    demands = store.all_nodes(Label.DEMAND)
    needing = [d.id for d in demands if detect_needs(
        "\n".join(str(d.props.get(k) or "") for k in ("title", "description"))).needed]
    return {"platforms": len(platforms), "by_kind": dict(Counter(str(p.props.get("kind")) for p in platforms)),
            "host_institutions": len(hosts), "hosted_by_institution_with_experts": len(hosted),
            "located": len({src.id for src, nb in rels if nb.rel.type is RelType.LOCATED_IN}),
            "serves_field": dict(Counter(str(nb.rel.props.get("method")) for _, nb in rels
                                         if nb.rel.type is RelType.SERVES_FIELD)),
            "demo_demands": len(demands), "demo_demands_needing_platforms": needing}


def latency(store: LocalStore, demand_ids: list[str], texts: list[str], *, repeats: int,
            index_dir: Path | None = None) -> dict[str, Any]:
    """Median seconds of recommend_for_facts with and without platforms, and platforms found."""
    index = IndexCache(content_words, background=False, persist_dir=index_dir).get(store)
    facts = [demand_facts(store, d) for d in demand_ids]
    for text in texts:
        understood = understand_demand(text, known=lambda f: store.get_node(Label.FIELD, f) is not None)
        facts.append(demand_facts_for_text(store, text, dict(understood.fields)))
    times: dict[int, list[float]] = {5: [], 0: []}
    found = []
    for demand in facts:
        recommend_for_facts(store, demand, tokenize=content_words, index=index)  # warm caches for this demand
        for r in range(repeats):
            for k in ((5, 0) if r % 2 == 0 else (0, 5)):
                start = time.perf_counter()
                rec = recommend_for_facts(store, demand, tokenize=content_words, index=index,
                                          overrides={"platform_top_k": k})
                times[k].append(time.perf_counter() - start)
                if k and r == 0:
                    found.append(len(rec.platforms.results) if rec.platforms else 0)
    with_p, without = statistics.median(times[5]), statistics.median(times[0])
    return {"demands": len(facts), "repeats": repeats, "median_s_with": round(with_p, 4),
            "median_s_without": round(without, 4), "ratio": round(with_p / without, 3),
            "with_platforms": sum(1 for n in found if n), "platforms_per_demand": round(statistics.mean(found), 2)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print counts and latency; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--texts", type=int, default=10, help="how many labelled positive texts to time (default 10)")
    args = parser.parse_args(argv)
    store = LocalStore(args.data_dir)
    try:
        c = counts(store)
        texts = [r["text"] for r in load_labels(split="all") if r["need"]][:args.texts]
        lat = latency(store, c["demo_demands_needing_platforms"], texts, repeats=args.repeats,
                      index_dir=args.data_dir / "index")
    finally:
        store.close()
    print(f"platforms {c['platforms']} {c['by_kind']}; hosted by an institution with experts "
          f"{c['hosted_by_institution_with_experts']}; located {c['located']}; SERVES_FIELD {c['serves_field']}")
    print(f"demo demands needing a platform: {len(c['demo_demands_needing_platforms'])} of {c['demo_demands']}")
    print(f"latency over {lat['demands']} demands: with platforms {lat['median_s_with']} s, without "
          f"{lat['median_s_without']} s, ratio {lat['ratio']}; got platforms {lat['with_platforms']}, "
          f"{lat['platforms_per_demand']} per demand")
    result = {**c, "demo_demands_needing_platforms": len(c["demo_demands_needing_platforms"]), "latency": lat}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
