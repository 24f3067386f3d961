"""How field accuracy grows with the labelled enterprise demands the linker learns from (dem35's learning curve).

    python -m bench.demand_learning_curve [--splits dev,dev2,dev8] [--out FILE]

For n = 0 … 12, one full model is trained on today's training text with the first n files of
:data:`ingest.field_model.DEMAND_TRAIN_FILES` (dev3 … dev7, dev9 … dev15: 64 demands each) as its ``demands`` source
(learned, and remembered by its demand memory, mem38), and every demand of the held-out splits (never training text:
dev, dev2, dev8) is ranked by :func:`ingest.field_linking.rank_demand`; accuracy@1/@3 with Wilson 95 % intervals.
n = 10 is the shipped linker.
This is a measurement, not a decision: the splits it reads were all seen before (dev8 decided dem36). It answers how
much the fields officers correct (``kgmatch train-linker --from-store``) may be worth, in demands.
Prints a table, then one JSON line (also written to ``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.field_linking import accuracy_at, cell  # noqa: E402
from bench.sme_demands import load_sme_demands  # noqa: E402

__all__ = ["curve", "main"]

HELD_OUT = ("dev", "dev2", "dev8")


def curve(splits: tuple[str, ...] = HELD_OUT, *, steps: int | None = None, small: bool = False) -> list[dict[str, object]]:
    """One row per number of demand files learnt from (the first ``steps`` only, when given; ``small``: the tests'
    small build): demands taught, and @1/@3 per held-out split and pooled."""
    from ingest.field_linking import rank_demand
    from ingest.field_model import DEMAND_TRAIN_FILES, train_field_model, training_texts

    if any(f"{s}.tsv" in DEMAND_TRAIN_FILES for s in splits):
        raise SystemExit(f"a split of {splits} is training text ({DEMAND_TRAIN_FILES})")
    held = {s: load_sme_demands(split=s) for s in splits}
    rows: list[dict[str, object]] = []
    for n in range(len(DEMAND_TRAIN_FILES) + 1 if steps is None else steps):
        files = DEMAND_TRAIN_FILES[:n]
        texts = training_texts(demand_files=files, per_source=300 if small else None)
        started = time.perf_counter()
        model = train_field_model(texts=texts, small=small)
        taught = [t for t in texts if t.source == "demands"]
        row: dict[str, object] = {"files": list(files), "demands": len({t.text for t in taught}), "labels": len(taught),
                                  "train_s": round(time.perf_counter() - started, 1)}
        pooled: dict[int, list[int]] = {1: [0, 0], 3: [0, 0]}
        for split, demands in held.items():
            ranked = [[c for c, _ in rank_demand(d.text, top_k=3, model=model)] for d in demands]
            gold = [d.fields for d in demands]
            for k in (1, 3):
                hits, total = accuracy_at(ranked, gold, k)
                row[f"{split}@{k}"] = cell(hits, total)
                pooled[k][0] += hits
                pooled[k][1] += total
        for k in (1, 3):
            row[f"pooled@{k}"] = cell(*pooled[k])
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Train, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default=",".join(HELD_OUT))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    splits = tuple(s for s in args.splits.split(",") if s)
    rows = curve(splits)
    print("labelled demands learnt from → accuracy@1 / @3 (95% Wilson CI)")
    for row in rows:
        cells = "  ".join(f"{s} {row[f'{s}@1']['acc']:.3f}/{row[f'{s}@3']['acc']:.3f}"  # type: ignore[index]
                          for s in (*splits, "pooled"))
        print(f"  {row['demands']:4d}  {cells}")
    result = {"splits": list(splits), "rows": rows}
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
