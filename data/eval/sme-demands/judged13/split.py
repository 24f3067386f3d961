"""How judged13's pool was split among three judges (data/eval/sme-demands/DECISIONS.md, judged13).

    python data/eval/sme-demands/judged13/split.py   # from the repository root; rewrites pool1-3.tsv (grades empty)

Each judge gets a seeded third of ``judged13-pool.tsv`` plus the same overlap block (30 of its rows and 30 of
``judged-trust14.tsv``'s, grades blanked), shuffled, rows renumbered.
"""

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLS = ["row", "demand", "demand_text", "expert", "work", "grade"]


def pool_rows() -> list[dict[str, str]]:
    """The rows of ``judged13-pool.tsv``."""
    with (HERE.parent / "judged13-pool.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def thirds(n: int, rng: random.Random) -> list[list[int]]:
    """The seeded split of ``n`` row indexes into three judges' thirds (``rng`` goes on to draw the overlap)."""
    idx = list(range(n))
    rng.shuffle(idx)
    return [sorted(idx[i::3]) for i in range(3)]


def main() -> None:
    rows = pool_rows()
    with (HERE.parent / "judged-trust14.tsv").open(encoding="utf-8") as fh:
        old = list(csv.DictReader(fh, delimiter="\t"))
    rng = random.Random(1313)
    thirds_ = thirds(len(rows), rng)
    overlap_new = [rows[i] for i in sorted(rng.sample(range(len(rows)), 30))]
    overlap_old = [dict(r, grade="") for r in (old[i] for i in sorted(rng.sample(range(len(old)), 30)))]
    for j, third in enumerate(thirds_):
        mine = [rows[i] for i in third]
        allrows = mine + [r for r in overlap_new if r not in mine] + overlap_old
        random.Random(100 + j).shuffle(allrows)
        with (HERE / f"pool{j + 1}.tsv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=COLS, delimiter="\t", lineterminator="\n")
            w.writeheader()
            for n, r in enumerate(allrows, 1):
                w.writerow({**{k: r[k] for k in COLS}, "row": str(n), "grade": ""})


if __name__ == "__main__":
    main()
