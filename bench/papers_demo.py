"""What the ChinaXiv papers add to the demo: load time and real ties in the recommended teams.

    python -m bench.papers_demo [--demands 100] [--seed 12]

In one run, two fresh embedded stores get ``kgmatch load demo``'s steps (files, related fields,
demo workflow history): one without the papers (before), one with them (after). Printed:

* the wall-clock load time of each and their ratio (the target: after ≤ 3 × before);
* counts of papers, experts, AUTHORED and COLLABORATES after;
* for a seeded sample of demo demands, ``recommend_for_demand`` on both stores: how many of the
  recommended teams (all alternatives, RarestFirst not counted) have at least one pair of members
  with a real COLLABORATES tie (joint papers, one key R&D project), and how many demands get at
  least one such team;
* after: paper authors resolved onto experts of other sources (NSFC PIs, academicians, key R&D
  leaders: ``merged_authors``), and the experts with direct evidence per first-level 高新技术领域
  (:func:`analytics.coverage.field_coverage`, what ``kgmatch coverage`` prints).

The last line is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from analytics.coverage import field_coverage
from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Direction, GraphStore
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


def _merged_authors(store: GraphStore) -> dict[str, int]:
    """Experts with AUTHORED papers, by the source of their node (a source other than the papers' = a merge)."""
    papers = [n.ref for n in store.all_nodes(Label.PAPER)]
    authors = {nb.node.id: str(nb.node.props.get("source") or "") for _, nb in store.expand(
        papers, direction=Direction.IN, rel_types=[RelType.AUTHORED], labels=[Label.EXPERT])}
    by_source = Counter(authors.values())
    return {"authors": len(authors), "merged_authors": sum(n for s, n in by_source.items() if s != "chinaxiv"),
            **{f"authors_from_{s}": n for s, n in sorted(by_source.items())}}


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
    parser.add_argument("--skip-before", action="store_true", help="load only the store with papers")
    args = parser.parse_args(argv)
    before, t_before = _load(papers=False) if not args.skip_before else (None, float("nan"))
    after, t_after = _load(papers=True)
    counts = after.counts().as_dict()
    ids = sorted(n.id for n in after.all_nodes(Label.DEMAND))
    sample = sorted(random.Random(args.seed).sample(ids, min(args.demands, len(ids))))
    result = {
        "load_seconds_before": round(t_before, 1), "load_seconds_after": round(t_after, 1),
        "load_ratio": round(t_after / t_before, 2),
        "after_counts": {k: counts["nodes"].get(k, 0) for k in ("Paper", "Expert")}
        | {k: counts["relationships"].get(k, 0) for k in ("AUTHORED", "COLLABORATES", "EXPERT_IN")}
        | _merged_authors(after),
        "ties_before": _ties(before, sample) if before is not None else None, "ties_after": _ties(after, sample),
        "coverage_first_level": {f"{r.code} {r.name}": r.experts for r in field_coverage(after) if r.level == 1},
    }
    print(f"demo load: before {t_before:.1f} s, after {t_after:.1f} s, ratio {result['load_ratio']}")
    print(f"after: {result['after_counts']}")
    print(f"coverage (first level, experts with direct evidence): {result['coverage_first_level']}")
    for key in ("ties_before", "ties_after"):
        t = result[key]
        if t is None:
            continue
        print(f"{key}: {t['teams_with_real_tie']}/{t['teams']} teams with a real COLLABORATES tie, "
              f"{t['demands_with_a_tied_team']}/{t['demands']} demands with such a team")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
