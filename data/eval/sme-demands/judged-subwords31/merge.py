"""subwords31's graded.tsv: the rows of ``pool.tsv`` with the grade judge a or judge b gave (by demand and expert);
the 20 judged13 rows each judge also graded are left out (they measure agreement, ``agree``).

    python data/eval/sme-demands/judged-subwords31/merge.py   # from the repository root
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("row", "demand", "demand_text", "expert", "work", "grade")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def main() -> None:
    grades = {(r["demand"], r["expert"]): r["grade"] for judge in "ab" for r in _read(HERE / f"graded-{judge}.tsv")}
    rows = _read(HERE / "pool.tsv")
    missing = [r["row"] for r in rows if grades.get((r["demand"], r["expert"]), "") not in ("0", "1", "2")]
    if missing:
        raise SystemExit(f"rows without a grade: {missing}")
    with (HERE / "graded.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "grade": grades[(r["demand"], r["expert"])]})


if __name__ == "__main__":
    main()
