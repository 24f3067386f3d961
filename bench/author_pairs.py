"""Precision and recall of (person, institution) pairs from paper author lines, on the hand labels.

    python -m bench.author_pairs [--split heldout|dev|all] [--show N]

The labels are ``data/papers/author_pairs_labelled.jsonl`` (210 ChinaXiv author lines labelled by
hand before :mod:`ingest.authors` was written; see ``data/papers/SOURCE.md``). A predicted pair
counts as correct when name and institution equal a labelled pair (after
:func:`ingest.resolve.normalize_name` / :func:`~ingest.resolve.normalize_org`); a pair predicted for
a name whose institution the text does not determine is wrong. Precision = correct / predicted,
recall = correct / labelled. Intervals: 95 % Wilson intervals on the pair counts (optimistic:
pairs of one line are not independent) and a 95 % percentile bootstrap over lines (2,000 seeded
resamples of whole lines, which respects that dependence). Name-level P/R is printed too.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from ingest.authors import parse_paper_authors
from ingest.resolve import DATA_ROOT, normalize_name, normalize_org
from recommend.metrics import wilson_interval

__all__ = ["LABELS", "score"]

LABELS = DATA_ROOT / "papers" / "author_pairs_labelled.jsonl"
TARGET_PRECISION, TARGET_RECALL = 0.95, 0.85


def _key(name: str, inst: str) -> tuple[str, str]:
    return normalize_name(name), normalize_org(inst)


def _bootstrap(per_line: list[tuple[int, int, int]], *, resamples: int = 2000,
               seed: int = 20261202) -> tuple[list[float], list[float]]:
    """95 % percentile intervals of precision and recall, resampling whole lines."""
    if not per_line:
        return [0.0, 1.0], [0.0, 1.0]
    rng = random.Random(seed)
    ps, rs = [], []
    for _ in range(resamples):
        sample = [per_line[rng.randrange(len(per_line))] for _ in per_line]
        tp, fp, fn = (sum(x[i] for x in sample) for i in range(3))
        ps.append(tp / (tp + fp) if tp + fp else 0.0)
        rs.append(tp / (tp + fn) if tp + fn else 0.0)
    ps.sort()
    rs.sort()
    lo, hi = int(0.025 * resamples), int(0.975 * resamples) - 1
    return [round(ps[lo], 4), round(ps[hi], 4)], [round(rs[lo], 4), round(rs[hi], 4)]


def score(split: str = "heldout", *, path: Path = LABELS, show: int = 0) -> dict[str, Any]:
    """Pair and name precision/recall of :func:`ingest.authors.parse_paper_authors` on one split."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if split == "all" or r["split"] == split]
    tp = fp = fn = name_tp = name_pred = name_gold = 0
    shown = 0
    per_line: list[tuple[int, int, int]] = []
    for row in rows:
        parsed = parse_paper_authors(row["authors"], row["affiliations"])
        gold = {_key(n, i) for n, i in row["pairs"]}
        pred = {_key(n, i) for n, i in parsed.pairs}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        per_line.append((len(gold & pred), len(pred - gold), len(gold - pred)))
        gold_names = {normalize_name(n) for n in row["names"]}
        pred_names = {normalize_name(n) for n in parsed.authors}
        name_tp += len(gold_names & pred_names)
        name_pred += len(pred_names)
        name_gold += len(gold_names)
        if show and shown < show and gold != pred:
            shown += 1
            print(f"--- {row['id']} {row['authors'][:60]!r}")
            print("   missing:", sorted(gold - pred))
            print("   wrong:  ", sorted(pred - gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    boot_p, boot_r = _bootstrap(per_line)
    return {
        "split": split, "lines": len(rows), "labelled_pairs": tp + fn, "predicted_pairs": tp + fp, "correct": tp,
        "precision": round(precision, 4), "precision_ci95": [round(x, 4) for x in wilson_interval(tp, tp + fp)],
        "recall": round(recall, 4), "recall_ci95": [round(x, 4) for x in wilson_interval(tp, tp + fn)],
        "precision_ci95_bootstrap": boot_p, "recall_ci95_bootstrap": boot_r,
        "name_precision": round(name_tp / name_pred, 4) if name_pred else 0.0,
        "name_recall": round(name_tp / name_gold, 4) if name_gold else 0.0,
        "targets": {"precision": TARGET_PRECISION, "recall": TARGET_RECALL},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="heldout", choices=("heldout", "dev", "all"))
    parser.add_argument("--show", type=int, default=0, help="print this many lines with errors")
    args = parser.parse_args(argv)
    result = score(args.split, show=args.show)
    print(f"{result['split']}: {result['lines']} lines, {result['labelled_pairs']} labelled pairs, "
          f"{result['predicted_pairs']} predicted, {result['correct']} correct")
    print(f"precision {result['precision']:.3f} Wilson {result['precision_ci95']} "
          f"bootstrap {result['precision_ci95_bootstrap']}  "
          f"recall {result['recall']:.3f} Wilson {result['recall_ci95']} bootstrap {result['recall_ci95_bootstrap']}  "
          f"names P {result['name_precision']:.3f} R {result['name_recall']:.3f}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
