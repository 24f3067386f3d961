"""How subwords31's pool was split between two judges (data/eval/sme-demands/DECISIONS.md, subwords31).

    python data/eval/sme-demands/judged-subwords31/split.py   # from the repository root; writes pool-a.tsv, pool-b.tsv

The demands of ``pool.tsv`` are shuffled (seed 31) and dealt alternately to judge a and judge b, so a demand's rows
go to one judge; each judge also gets the same 20 rows of ``judged13/primary.tsv`` (seeded, grades blanked) for
agreement. Each file is shuffled and its rows renumbered; the grade column is empty.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("row", "demand", "demand_text", "expert", "work", "grade")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def main() -> None:
    rng = random.Random(31)
    rows = _read(HERE / "pool.tsv")
    demands = sorted({r["demand"] for r in rows})
    rng.shuffle(demands)
    side = {d: "ab"[i % 2] for i, d in enumerate(demands)}
    overlap = rng.sample(_read(HERE.parent / "judged13" / "primary.tsv"), 20)
    for judge in "ab":
        mine = [dict(r) for r in rows if side[r["demand"]] == judge] + [{**r, "grade": ""} for r in overlap]
        rng.shuffle(mine)
        with (HERE / f"pool-{judge}.tsv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            for i, r in enumerate(mine, start=1):
                w.writerow({**r, "row": i})


if __name__ == "__main__":
    main()
