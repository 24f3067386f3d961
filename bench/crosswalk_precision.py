"""Precision of the crosswalk's main links on a hand-checked sample, with a Wilson 95 % interval.

    python -m bench.crosswalk_precision            # score data/crosswalk/handcheck.csv
    python -m bench.crosswalk_precision --sample   # print a fresh seeded sample to label (does not overwrite)

The sample: 100 source codes drawn with ``random.Random(seed)`` from the expanded crosswalk's
main links (weight 1.0) of the schemes experts, patents and projects are indexed under (ipc,
nsfc, nsfc2020). Each was labelled by hand (``correct`` 1/0: is the main 高新技术领域 second-level
field a right home for the code?). The labeller also wrote the rules, so the figure is optimistic.
``handcheck.csv`` (seed 20261202) judged rules v1; the NSFC rules were then refined below the
department level, and ``handcheck-v2.csv`` (seed 20261203, a fresh sample: 4 codes in common)
judges the rules as shipped (``--sample --seed 20261203`` reproduces its rows).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.crosswalk import CROSSWALK_DIR, build_rows  # noqa: E402
from recommend.metrics import wilson_interval as wilson  # noqa: E402  (re-exported for the other benches)

__all__ = ["SEED", "HANDCHECK_PATH", "wilson", "draw_sample", "score", "main"]

SEED = 20261202
SEED_V2 = 20261203  # the second sample, drawn after the rules were refined (rules v2)
SAMPLE_SIZE = 100
HANDCHECK_PATH = CROSSWALK_DIR / "handcheck.csv"
HANDCHECK_V2_PATH = CROSSWALK_DIR / "handcheck-v2.csv"


def draw_sample(*, seed: int = SEED, size: int = SAMPLE_SIZE) -> list[dict[str, str]]:
    """The seeded sample of main links to label."""
    main = [r for r in build_rows() if r.weight == 1.0 and r.scheme in ("ipc", "nsfc", "nsfc2020")]
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(main)), size))
    return [{"scheme": main[i].scheme, "code": main[i].code, "name": main[i].name, "target": main[i].target,
             "target_name": main[i].target_name, "correct": ""} for i in picked]


def score(path: Path = HANDCHECK_PATH) -> dict[str, object]:
    """Precision overall and per scheme, with Wilson intervals."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["correct"] in ("0", "1")]
    out: dict[str, object] = {}
    for scheme in ("all", "ipc", "nsfc", "nsfc2020"):
        part = [r for r in rows if scheme == "all" or r["scheme"] == scheme]
        ok = sum(r["correct"] == "1" for r in part)
        lo, hi = wilson(ok, len(part))
        out[scheme] = {"n": len(part), "correct": ok, "precision": round(ok / len(part), 3) if part else None,
                       "ci95": [round(lo, 3), round(hi, 3)]}
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the sample to label, or the precision of the labelled one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.sample:
        writer = csv.DictWriter(sys.stdout, ["scheme", "code", "name", "target", "target_name", "correct"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(draw_sample(seed=args.seed))
        return 0
    results = {"rules_v1_sample_seed_20261202": score(HANDCHECK_PATH),
               "rules_v2_sample_seed_20261203": score(HANDCHECK_V2_PATH)}
    for name, result in results.items():
        print(name)
        for scheme, r in result.items():
            print(f"  {scheme:9s} n={r['n']:3d} precision={r['precision']} 95% CI {r['ci95']}")
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
