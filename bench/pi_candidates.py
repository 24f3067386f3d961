"""How many text candidates? Recall of the true PI among the engine's candidates, MRR, and CPU per request.

    python -m bench.pi_candidates recall --split var/eval/g2014 --k 50,100,200 [--setting semantic_candidates]
    python -m bench.pi_candidates cpu --data-dir DIR --k 50,100,200 [--demands 30] [--rounds 2] [--setting NAME]

``recall``: for each ``text_candidates`` value, the engine's query groups of a split made by
``bench.pi_split`` (cached by :func:`bench.pi_ranker.build_groups`): the training groups (the split's
own history, the graph two years earlier; what anything may be chosen on) and the test groups (the
split's queries). Per value: the share of queries whose true PI is among the candidates, and the MRR
with the hand weights and with the ranker selected on the training groups (its dev-year table), on
both parts; test MRR with a 95 % bootstrap interval. The value is chosen on the training part only.

``cpu``: process CPU time per recommendation on a loaded demo store (stored demands spread over the
store), each ``text_candidates`` value (or of ``--setting``, e.g. ``semantic_candidates``) in turn per
demand so all see the same machine load; median and p95 per value and the ratio to the first value.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bench.pi_ranker import build_groups, report
from recommend.ranker import Group, hand_weights, rank_group, select_ranker


def _in_pool(groups: list[Group]) -> float:
    return round(sum(1 for g in groups if any(e in g.relevant for e, _ in g.candidates)) / max(len(groups), 1), 4)


def recall(split: Path, ks: list[int], setting: str = "text_candidates") -> dict[int, dict[str, object]]:
    """Recall at the candidates and MRR (hand, learned) per ``text_candidates`` value."""
    out: dict[int, dict[str, object]] = {}
    for k in ks:
        started = time.perf_counter()
        train, test = build_groups(split, k, setting=setting)
        model, table = select_ranker(train)
        chosen = "hand" if model.kind == "hand" else f"{model.kind} C={model.meta.get('c')}"
        out[k] = {"train_groups": len(train), "train_gold_among_candidates": _in_pool(train),
                  "train_dev_selection": table, "chosen": chosen,
                  "test_gold_among_candidates": _in_pool(test),
                  "test_hand": report(test, [rank_group(g, hand_weights()) for g in test]),
                  "test_learned": report(test, [rank_group(g, model.weights) for g in test]),
                  "weights": dict(model.weights), "seconds": round(time.perf_counter() - started, 1)}
        row = out[k]
        print(f"{setting}={k:<4} train recall {row['train_gold_among_candidates']}  dev {table}  "
              f"test recall {row['test_gold_among_candidates']}  test MRR hand {row['test_hand']['mrr']} "
              f"{row['test_hand']['mrr_ci']}  learned ({chosen}) {row['test_learned']['mrr']} {row['test_learned']['mrr_ci']}",
              flush=True)
    return out


def cpu(data_dir: Path, ks: list[int], *, demands: int = 30, rounds: int = 2,
        setting: str = "text_candidates") -> dict[str, object]:
    """CPU seconds per recommendation for each ``text_candidates`` value (interleaved per demand)."""
    from graph.local_store import LocalStore
    from graph.model import Label
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand

    with LocalStore(data_dir) as store:
        nodes = store.all_nodes(Label.DEMAND)
        step = max(1, len(nodes) // demands)
        ids = [n.id for n in nodes[::step][:demands]]
        index = IndexCache(content_words).get(store)
        for k in ks:  # warm-up
            recommend_for_demand(store, ids[0], tokenize=content_words, index=index, overrides={setting: k})
        times: dict[int, list[float]] = {k: [] for k in ks}
        for r in range(rounds):
            for n, demand_id in enumerate(ids):
                for k in (ks if (n + r) % 2 == 0 else ks[::-1]):
                    started = time.process_time()
                    recommend_for_demand(store, demand_id, tokenize=content_words, index=index,
                                         overrides={setting: k})
                    times[k].append(time.process_time() - started)
    base = statistics.median(times[ks[0]])
    out: dict[str, object] = {"demands": len(ids), "rounds": rounds, "setting": setting}
    for k in ks:
        ordered = sorted(times[k])
        med, p95 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        out[str(k)] = {"cpu_ms_p50": round(1000 * med, 1), "cpu_ms_p95": round(1000 * p95, 1),
                       "ratio_p50": round(med / base, 3)}
        print(f"{setting}={k:<4} CPU p50 {1000 * med:.1f} ms  p95 {1000 * p95:.1f} ms  ratio {med / base:.3f}")
    return out


def main() -> None:
    """Parse the arguments, run ``recall`` or ``cpu``, print one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("recall")
    r.add_argument("--split", type=Path, required=True)
    r.add_argument("--k", default="50,100,200")
    r.add_argument("--setting", default="text_candidates")
    c = sub.add_parser("cpu")
    c.add_argument("--data-dir", type=Path, required=True)
    c.add_argument("--k", default="50,100,200")
    c.add_argument("--demands", type=int, default=30)
    c.add_argument("--rounds", type=int, default=2)
    c.add_argument("--setting", default="text_candidates")
    args = parser.parse_args()
    ks = [int(x) for x in args.k.split(",")]
    if args.command == "recall":
        print(json.dumps({str(k): v for k, v in recall(args.split, ks, args.setting).items()}, ensure_ascii=False))
    else:
        print(json.dumps(cpu(args.data_dir, ks, demands=args.demands, rounds=args.rounds, setting=args.setting), ensure_ascii=False))


if __name__ == "__main__":
    main()
