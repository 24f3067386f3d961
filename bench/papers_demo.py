"""What the ChinaXiv papers add to the demo: load time and real ties in the recommended teams.

    python -m bench.papers_demo [--demands 100] [--seed 12]

In one run, two fresh embedded stores get ``kgmatch load demo``'s steps (files, related fields,
demo workflow history): one without the papers (before), one with them (after). Printed:

* the wall-clock load time of each and their ratio (the target: after ≤ 3 × before);
* counts of papers, experts, AUTHORED and COLLABORATES after;
* for a seeded sample of demo demands, ``recommend_for_demand`` on both stores: how many of the
  recommended teams (all alternatives, RarestFirst not counted) have at least one pair of members
  with a real COLLABORATES tie, and how many demands get at least one such team.

The last line is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
import time
from pathlib import Path

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import GraphStore
from ingest.demo import load_demo
from ingest.nlp import content_words
from recommend.engine import IndexCache, recommend_for_demand
from recommend.field_similarity import write_related_fields
from workflow.demo import make_demo_history


def _load(papers: bool) -> tuple[GraphStore, float]:
    store = LocalStore(Path(tempfile.mkdtemp(prefix="kgmatch-papers-bench-")))
    started = time.perf_counter()
    load_demo(store, papers=papers)
    write_related_fields(store)
    make_demo_history(store)
    return store, time.perf_counter() - started


def _ties(store: GraphStore, demand_ids: list[str]) -> dict[str, int]:
    index = IndexCache(content_words).get(store)
    teams = tied = demands_tied = 0
    for did in demand_ids:
        rec = recommend_for_demand(store, did, tokenize=content_words, index=index)
        any_tied = False
        for result in rec.teams:
            members = list(result.team.members)
            teams += 1
            pairs = set(itertools.combinations(sorted(members), 2))
            linked = any((min(a, nb.node.id), max(a, nb.node.id)) in pairs
                         for a in members for nb in store.neighbors(Label.EXPERT, a, rel_types=[RelType.COLLABORATES]))
            tied += linked
            any_tied |= linked
        demands_tied += any_tied
    return {"demands": len(demand_ids), "teams": teams, "teams_with_real_tie": tied,
            "demands_with_a_tied_team": demands_tied}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demands", type=int, default=100, help="demo demands to recommend for (seeded sample)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    before, t_before = _load(papers=False)
    after, t_after = _load(papers=True)
    counts = after.counts().as_dict()
    ids = sorted(n.id for n in after.all_nodes(Label.DEMAND))
    sample = sorted(random.Random(args.seed).sample(ids, min(args.demands, len(ids))))
    result = {
        "load_seconds_before": round(t_before, 1), "load_seconds_after": round(t_after, 1),
        "load_ratio": round(t_after / t_before, 2),
        "after_counts": {k: counts["nodes"].get(k, 0) for k in ("Paper", "Expert")}
        | {k: counts["relationships"].get(k, 0) for k in ("AUTHORED", "COLLABORATES", "EXPERT_IN")},
        "ties_before": _ties(before, sample), "ties_after": _ties(after, sample),
    }
    print(f"demo load: before {t_before:.1f} s, after {t_after:.1f} s, ratio {result['load_ratio']}")
    print(f"after: {result['after_counts']}")
    for key in ("ties_before", "ties_after"):
        t = result[key]
        print(f"{key}: {t['teams_with_real_tie']}/{t['teams']} teams with a real COLLABORATES tie, "
              f"{t['demands_with_a_tied_team']}/{t['demands']} demands with such a team")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
