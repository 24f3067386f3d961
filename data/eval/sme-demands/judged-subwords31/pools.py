"""subwords31's judge files (data/eval/sme-demands/DECISIONS.md, subwords31), from the repository root:

    python data/eval/sme-demands/judged-subwords31/pools.py split   # writes pool-a.tsv, pool-b.tsv (grades empty)
    python data/eval/sme-demands/judged-subwords31/pools.py merge   # writes graded.tsv from graded-a.tsv, graded-b.tsv

``split``: the demands of ``pool.tsv`` are shuffled (seed 31) and dealt alternately to judge a and judge b, so a
demand's rows go to one judge; each judge also gets the same 20 rows of ``judged13/primary.tsv`` (seeded, grades
blanked) for agreement. Each file is shuffled and its rows renumbered.

``merge``: the rows of ``pool.tsv`` with the grade judge a or judge b gave (by demand and expert); the 20 judged13 rows
each judge also graded are left out (they measure agreement).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("row", "demand", "demand_text", "expert", "work", "grade")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def split() -> None:
    rng = random.Random(31)
    rows = _read(HERE / "pool.tsv")
    demands = sorted({r["demand"] for r in rows})
    rng.shuffle(demands)
    side = {d: "ab"[i % 2] for i, d in enumerate(demands)}
    overlap = rng.sample(_read(HERE.parent / "judged13" / "primary.tsv"), 20)
    for judge in "ab":
        mine = [dict(r) for r in rows if side[r["demand"]] == judge] + [{**r, "grade": ""} for r in overlap]
        rng.shuffle(mine)
        _write(HERE / f"pool-{judge}.tsv", [{**r, "row": str(i)} for i, r in enumerate(mine, start=1)])


def merge() -> None:
    grades = {(r["demand"], r["expert"]): r["grade"] for judge in "ab" for r in _read(HERE / f"graded-{judge}.tsv")}
    rows = _read(HERE / "pool.tsv")
    missing = [r["row"] for r in rows if grades.get((r["demand"], r["expert"]), "") not in ("0", "1", "2")]
    if missing:
        raise SystemExit(f"rows without a grade: {missing}")
    _write(HERE / "graded.tsv", [{**r, "grade": grades[(r["demand"], r["expert"])]} for r in rows])


if __name__ == "__main__":
    {"split": split, "merge": merge}[sys.argv[1]]()
