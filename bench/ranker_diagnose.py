"""Where does the true PI lose? Component values of the relevant expert against the winners, on the dev part.

    python -m bench.ranker_diagnose --split var/eval/g2014            # a bench.pi_split directory
    python -m bench.ranker_diagnose --data-dir DIR                    # a store holding `kgmatch load demo`

The groups are those the ranker is chosen on: a split's training groups (:func:`bench.pi_ranker.build_groups`,
cached) or the demo graph's own history (:func:`recommend.ranker_data.training_groups`, what
``kgmatch train-ranker`` uses). Only the dev part (:func:`recommend.ranker.dev_split`, the latest query year)
is read. For the queries whose relevant expert is among the candidates but ranked below ``--low`` by the
hand weights, each component's mean for the relevant expert and for the hand weights' top candidate, and the
share of those queries where the relevant expert's value is higher (ties apart); then each component alone
as a ranking (MRR over every dev query; ties broken by id). Nothing is fitted here. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from recommend.ranker import Group, dev_split, group_mrr, hand_weights, rank_group
from recommend.scoring import COMPONENTS


def diagnose(groups: list[Group], *, low: int = 10) -> dict[str, object]:
    """The comparison table and the one-component MRRs over the dev part of ``groups``."""
    _, dev = dev_split(groups)
    hand = hand_weights()
    in_pool = [g for g in dev if any(e in g.relevant for e, _ in g.candidates)]
    lost = []
    for g in in_pool:
        ranked = rank_group(g, hand)
        pos = next(i for i, e in enumerate(ranked) if e in g.relevant)
        if pos >= low:
            comps = dict(g.candidates)
            lost.append((comps[ranked[pos]], comps[ranked[0]]))
    table = {}
    for name in COMPONENTS:
        gold = [float(a.get(name, 0.0)) for a, _ in lost]
        top = [float(b.get(name, 0.0)) for _, b in lost]
        higher = sum(1 for a, b in zip(gold, top, strict=True) if a > b + 1e-12)
        lower = sum(1 for a, b in zip(gold, top, strict=True) if a < b - 1e-12)
        table[name] = {"gold_mean": round(sum(gold) / max(len(gold), 1), 4),
                       "top_mean": round(sum(top) / max(len(top), 1), 4),
                       "gold_higher": higher, "gold_lower": lower,
                       "alone_mrr": round(group_mrr(dev, {name: 1.0}), 4)}
    return {"dev_queries": len(dev), "gold_among_candidates": len(in_pool), f"gold_below_{low}": len(lost),
            "hand_mrr": round(group_mrr(dev, hand), 4), "components": table}


def main() -> None:
    """Build or load the groups, print the table, one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--split", type=Path)
    where.add_argument("--data-dir", type=Path)
    parser.add_argument("--low", type=int, default=10)
    args = parser.parse_args()
    if args.split is not None:
        from bench.pi_ranker import build_groups

        groups = build_groups(args.split)[0]
    else:
        from graph.local_store import LocalStore
        from ingest.nlp import content_words
        from recommend.ranker_data import training_groups

        with LocalStore(args.data_dir) as store:
            groups = training_groups(store, tokenize=content_words)[0]
    out = diagnose(groups, low=args.low)
    print(f"dev queries {out['dev_queries']}, relevant among candidates {out['gold_among_candidates']}, "
          f"ranked below {args.low} by the hand weights {out[f'gold_below_{args.low}']}, hand MRR {out['hand_mrr']}")
    print(f"{'component':<13} {'relevant':>9} {'top-1':>7} {'rel>top':>8} {'rel<top':>8} {'alone MRR':>10}")
    for name, row in out["components"].items():
        print(f"{name:<13} {row['gold_mean']:>9.3f} {row['top_mean']:>7.3f} {row['gold_higher']:>8} "
              f"{row['gold_lower']:>8} {row['alone_mrr']:>10.4f}")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
