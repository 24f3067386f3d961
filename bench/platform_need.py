"""Precision and recall of the platform-need detector on the hand-labelled examples.

    python -m bench.platform_need [--split test|dev|all] [--show] [--demo]

The labels are ``data/eval/platform-need/labelled.jsonl`` (100 demand texts written by hand
before :mod:`recommend.platform_need` was tuned; ids 1–2, 5–6, 9–10 … dev, ids 3–4, 7–8 … test; see its SOURCE.md).
A text is a positive when it needs any platform service; precision = true positives / predicted
positives, recall = true positives / labelled positives, each with a 95 % Wilson interval
(:func:`recommend.metrics.wilson_interval`). Kind-level agreement (the detected kinds equal the
labelled ones, on the true positives) is printed too. ``--demo`` also lists the demo's synthetic demands
(``data/demo/demands.jsonl``, unlabelled) the detector fires on, with the cue in context, for reading
by hand. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from graph.model import demand_text
from ingest.resolve import DATA_ROOT
from recommend.metrics import wilson_interval
from recommend.platform_need import detect_needs

__all__ = ["LABELS", "load_labels", "score"]

LABELS = DATA_ROOT / "eval" / "platform-need" / "labelled.jsonl"


def load_labels(path: Path = LABELS, *, split: str = "test") -> list[dict[str, Any]]:
    """The labelled rows of ``split`` (``dev``: ids 1–2, 5–6 …; ``test``: ids 3–4, 7–8 …; ``all``)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if split == "all":
        return rows
    return [r for r in rows if ((r["id"] - 1) // 2 % 2 == 0) == (split == "dev")]


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision, recall (with Wilson intervals) and the mistakes of the detector on ``rows``."""
    tp = fp = fn = tn = kinds_ok = 0
    mistakes = []
    for row in rows:
        found = detect_needs(row["text"])
        if found.needed and row["need"]:
            tp += 1
            kinds_ok += set(found.kinds) == set(row["kinds"])
        elif found.needed:
            fp += 1
            mistakes.append({"id": row["id"], "error": "false positive", "kinds": list(found.kinds)})
        elif row["need"]:
            fn += 1
            mistakes.append({"id": row["id"], "error": "false negative", "kinds": row["kinds"]})
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"n": len(rows), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(precision, 3), "precision_ci": [round(x, 3) for x in wilson_interval(tp, tp + fp)],
            "recall": round(recall, 3), "recall_ci": [round(x, 3) for x in wilson_interval(tp, tp + fn)],
            "kinds_exact_on_tp": round(kinds_ok / tp, 3) if tp else 0.0, "mistakes": mistakes}


def _demo() -> None:
    """The demo demands the detector fires on, each cue with a little context."""
    path = DATA_ROOT / "demo" / "demands.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    fired = 0
    for row in rows:
        text = demand_text(row.get("title"), row.get("description"))
        found = detect_needs(text)
        if not found.needed:
            continue
        fired += 1
        cues = [c for k in found.kinds for c in found.cues[k]][:3]
        context = " / ".join(text[max(0, text.find(c) - 12):text.find(c) + len(c) + 8].replace("\n", " ") for c in cues)
        print(f"  {row['id']} {'、'.join(found.kinds)} {row.get('title', '')[:24]} || {context}")
    print(f"demo: {fired} of {len(rows)} demands need a platform")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the scores of one split; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("test", "dev", "all"), default="test")
    parser.add_argument("--show", action="store_true", help="print the texts of the mistakes")
    parser.add_argument("--demo", action="store_true", help="list the demo demands that need a platform")
    args = parser.parse_args(argv)
    if args.demo:
        _demo()
    rows = load_labels(split=args.split)
    result = score(rows)
    by_id = {r["id"]: r for r in rows}
    print(f"split {args.split}: n={result['n']} precision {result['precision']} {result['precision_ci']} "
          f"recall {result['recall']} {result['recall_ci']} kinds exact (on TP) {result['kinds_exact_on_tp']}")
    if args.show:
        for m in result["mistakes"]:
            print(f"  {m['error']:<15} #{m['id']} {m['kinds']} {by_id[m['id']]['text']}")
    print(json.dumps({k: v for k, v in result.items() if k != "mistakes"}, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
