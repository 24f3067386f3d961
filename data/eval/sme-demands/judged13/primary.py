"""The grade judged13 uses per (demand, expert): the judge whose seeded third holds the row (see split.py).

    python data/eval/sme-demands/judged13/primary.py   # writes primary.tsv next to this file

trust14's grades take precedence where they exist (``bench.judged_pool judged --pool judged-trust14.tsv --pool
judged13/primary.tsv``); the overlap rows' other grades only measure agreement.
"""

import csv
import random
from pathlib import Path

from split import pool_rows, thirds  # this directory's split.py (run as a script, its directory is on sys.path)

HERE = Path(__file__).resolve().parent
COLS = ["row", "demand", "demand_text", "expert", "work", "grade"]


def main() -> None:
    rows = pool_rows()
    owner = {(rows[i]["demand"], rows[i]["expert"]): j + 1
             for j, third in enumerate(thirds(len(rows), random.Random(1313))) for i in third}  # split.py's draw
    graded = {}
    for j in (1, 2, 3):
        with (HERE / f"graded{j}.tsv").open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                if owner.get((r["demand"], r["expert"])) == j:
                    graded[(r["demand"], r["expert"])] = r["grade"]
    assert len(graded) == len(rows), (len(graded), len(rows))
    with (HERE / "primary.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "grade": graded[(r["demand"], r["expert"])]})


if __name__ == "__main__":
    main()
