"""Score person resolution on the labelled sample: merge precision and recall with 95 % Wilson intervals.

``python -m bench.identity_eval [--json]`` reads ``data/people/merge_pairs.csv`` (drawn by
:mod:`ingest.identity_sample`, labelled by hand), decides every pair the way the loaders do
(:func:`loader_decision`) and counts, over the pairs labelled ``same`` or ``different``
(``unsure`` ones are left out and reported):

* precision = merged pairs that are one person / merged pairs (a wrong merge fuses two people's evidence);
* recall = merged pairs that are one person / pairs that are one person.

Both come with the Wilson score interval at 95 %, the sample being small.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.identity import PersonRecord, same_person
from ingest.identity_sample import SAMPLE_PATH
from recommend.metrics import wilson_interval

__all__ = ["MergeScore", "wilson", "loader_decision", "score_pairs", "main"]


@dataclass(frozen=True)
class MergeScore:
    """Counts and rates of one evaluation."""

    pairs: int
    unsure: int
    true_merges: int
    false_merges: int
    missed_merges: int
    true_splits: int
    precision: float
    precision_ci: tuple[float, float]
    recall: float
    recall_ci: tuple[float, float]
    by_stratum: dict[str, dict[str, int]]


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson interval of :func:`recommend.metrics.wilson_interval`, rounded to 4 places for the report.

    >>> wilson(30, 30)
    (0.8865, 1.0)
    """
    low, high = wilson_interval(successes, n)
    return round(low, 4), round(high, 4)


def _record(row: dict[str, str], side: str) -> PersonRecord:
    def words(column: str) -> frozenset[str]:
        return frozenset(k for k in (row.get(f"{side}_{column}") or "").split("；") if k)

    return PersonRecord(row[f"{side}_ref"], row[f"{side}_source"], row[f"{side}_name"],
                        row[f"{side}_institution"] or None, frozenset(row[f"{side}_areas"]), words("keywords"),
                        coauthors=words("coauthors"))


def loader_decision(a: PersonRecord, b: PersonRecord) -> bool:
    """Whether the loaders put the two records on one node: :func:`ingest.identity.same_person`
    (NSFC lists through :meth:`~ingest.identity.PersonIndex.split_id`, the others through
    :meth:`~ingest.identity.PersonIndex.resolve`, paper authors included, all decide by it)."""
    return same_person(a, b).same


def score_pairs(path: Path = SAMPLE_PATH) -> MergeScore:
    """Evaluate the loaders' decisions against the labels of ``path``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tp = fp = fn = tn = unsure = 0
    by_stratum: dict[str, dict[str, int]] = {}
    for row in rows:
        label = row["label"].strip()
        if label not in ("same", "different"):
            unsure += 1
            continue
        merged = loader_decision(_record(row, "a"), _record(row, "b"))
        outcome = ("tp" if label == "same" else "fp") if merged else ("fn" if label == "same" else "tn")
        counts = by_stratum.setdefault(row["stratum"], {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
        counts[outcome] += 1
        tp, fp, fn, tn = tp + (outcome == "tp"), fp + (outcome == "fp"), fn + (outcome == "fn"), tn + (outcome == "tn")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return MergeScore(len(rows), unsure, tp, fp, fn, tn, round(precision, 4), wilson(tp, tp + fp), round(recall, 4),
                      wilson(tp, tp + fn), by_stratum)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the score (a line of text, or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.identity_eval", description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE_PATH)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    score = score_pairs(args.sample)
    if args.json:
        print(json.dumps(asdict(score), ensure_ascii=False))  # noqa: T201 - the command's output
    else:
        print(f"pairs {score.pairs} (unsure {score.unsure}); merge precision {score.precision:.3f} "  # noqa: T201
              f"[{score.precision_ci[0]:.3f}, {score.precision_ci[1]:.3f}], recall {score.recall:.3f} "
              f"[{score.recall_ci[0]:.3f}, {score.recall_ci[1]:.3f}]; by stratum {score.by_stratum}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
