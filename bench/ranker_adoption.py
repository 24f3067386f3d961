"""Is the learned ranker the default? The adoption rule, written down before anything was measured.

    kgmatch --data-dir DIR load demo                                   # once
    kgmatch --data-dir DIR train-ranker --out var/models/ranker-v1.json
    python -m bench.ranker_adoption --data-dir DIR --model var/models/ranker-v1.json [--split dev|test]

PRE-REGISTERED RULE (issue 13; committed before the first measurement, not to be changed after it).
The model that ``kgmatch train-ranker`` writes from the demo graph (``kgmatch load demo``, default
options, seed 0) is made the default of ``make demo`` (and so of the CLI, the JSON API and the pages,
which all read ``var/models/ranker-v1.json`` when it is present) only if ALL of these hold:

1. **PI dev split**: on the dev part of the training groups (the latest query year of the graph's own
   project/paper history, :func:`recommend.ranker.dev_split`), the MRR of the chosen learner is
   strictly higher than the hand weights' (the ``selection`` table the model carries);
2. **SME dev set, P@5**: on ``python -m bench.sme_demands --split dev`` (the default engine: hybrid,
   with the semantic model), expert P@5 by evidence terms over the shown slots with the learned
   weights is not lower than with the hand weights;
3. **SME dev set, confident nonsense**: on the same run, the confident-nonsense rate with the learned
   weights is not higher than with the hand weights.

Both weightings run in one process on the same store, demands and links. When one condition fails,
``make demo`` does not train, the hand weights stay the default, and the report says which condition
failed. The SME test split is measured once, after the decision (``--split test``), and reported
whatever it shows; nothing is tuned on it. The abstention is not part of the rule and is not changed.

The last line printed is one JSON object with every number and the verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

__all__ = ["RULE", "adopt", "main"]

RULE = ("pi_dev_mrr(learned) > pi_dev_mrr(hand) and sme_dev_p@5(learned) >= sme_dev_p@5(hand) "
        "and sme_dev_confident_nonsense(learned) <= sme_dev_confident_nonsense(hand)")


def adopt(pi_dev: dict[str, float], chosen: str, sme: dict[str, dict]) -> tuple[bool, list[str]]:
    """The verdict of :data:`RULE` and the conditions that failed.

    ``pi_dev`` is the model's ``selection`` table ({"hand": MRR, "pairwise C=1.0": MRR, …}), ``chosen``
    the chosen learner's row name (or "hand"), ``sme`` the ``hand`` / ``learned`` rows of
    :func:`bench.sme_demands.measure` (hybrid configuration).

    >>> row = lambda p, c: {"p_at_5_terms": {"rate": p}, "confident_nonsense": {"rate": c}}
    >>> adopt({"hand": 0.3, "pairwise C=1.0": 0.4}, "pairwise C=1.0", {"hand": row(0.5, 0.02), "learned": row(0.5, 0.01)})
    (True, [])
    >>> adopt({"hand": 0.3, "pairwise C=1.0": 0.4}, "pairwise C=1.0", {"hand": row(0.5, 0.02), "learned": row(0.4, 0.03)})[1]
    ['sme_dev_p@5', 'sme_dev_confident_nonsense']
    """
    failed = []
    if chosen == "hand" or not pi_dev.get(chosen, 0.0) > pi_dev.get("hand", 0.0):
        failed.append("pi_dev_mrr")
    hand, learned = sme["hand"], sme["learned"]
    if learned["p_at_5_terms"]["rate"] < hand["p_at_5_terms"]["rate"]:
        failed.append("sme_dev_p@5")
    if learned["confident_nonsense"]["rate"] > hand["confident_nonsense"]["rate"]:
        failed.append("sme_dev_confident_nonsense")
    return not failed, failed


def main(argv: list[str] | None = None) -> int:
    """Measure both weightings on the SME split, apply the rule, print a table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="embedded store holding `kgmatch load demo`")
    parser.add_argument("--model", type=Path, required=True, help="the model `kgmatch train-ranker` wrote")
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    args = parser.parse_args(argv)
    os.environ["KGMATCH_RANKER_MODEL"] = str(args.model.resolve())
    from bench.sme_demands import CONFIGS, load_sme_demands, measure
    from graph.local_store import LocalStore
    from recommend.ranker import load_model

    model = load_model(args.model)
    if model is None:
        raise SystemExit(f"no usable model at {args.model}")
    selection = dict(model.meta.get("selection", {}))
    chosen = "hand" if model.kind == "hand" else f"{model.kind} C={model.meta.get('c')}"
    demands = load_sme_demands(split=args.split)
    configs = {"hand": (True, {**CONFIGS["hybrid"][1], "ranker": "hand"}),
               "learned": (True, {**CONFIGS["hybrid"][1], "ranker": "learned"})}
    with LocalStore(args.data_dir) as store:
        sme = measure(store, demands, configs=configs)
    ok, failed = adopt(selection, chosen, sme)
    for name in ("hand", "learned"):
        r = sme[name]
        print(f"{name:8s} P@5(terms) {r['p_at_5_terms']['rate']} {r['p_at_5_terms']['ci95']}  "
              f"P@5(all slots) {r['p_at_5_all_slots']['rate']}  confident nonsense {r['confident_nonsense']['rate']} "
              f"{r['confident_nonsense']['ci95']}  abstained {r['abstained']}/{len(demands)}")
    print(f"PI dev MRR: hand {selection.get('hand')}, {chosen} {selection.get(chosen)}")
    print(f"split {args.split}: rule {'PASSES' if ok else 'FAILS'}" + (f" ({', '.join(failed)})" if failed else ""))
    print(json.dumps({"split": args.split, "n": len(demands), "rule": RULE, "adopt": ok, "failed": failed,
                      "chosen": chosen, "weights": dict(model.weights), "pi_dev": selection,
                      "sme": {k: {m: v for m, v in sme[k].items() if not m.startswith("ms_")} for k in ("hand", "learned")}},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
