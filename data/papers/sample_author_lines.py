"""Draw the author-line sample that was labelled by hand: data/papers/author_sample.jsonl.

    python data/papers/sample_author_lines.py

Seeded (``SEED``) and drawn across the whole of ``papers.jsonl``: 160 lines uniformly at random
plus 50 lines from the stratum the source notes as hardest (a run of >= 7 Han characters in the
author line, i.e. names typeset without separators). Each sampled line is assigned to ``dev``
(used while writing the parser) or ``heldout`` (scored only; never looked at while tuning) by a
second seeded shuffle: 90 dev, 120 held-out.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SEED = 20261202
HERE = Path(__file__).resolve().parent
UNIFORM, GLUED, DEV = 160, 50, 90


def main() -> int:
    rows = [json.loads(line) for line in (HERE / "papers.jsonl").open(encoding="utf-8")]
    rng = random.Random(SEED)
    uniform = rng.sample(range(len(rows)), UNIFORM)
    taken = set(uniform)
    glued_pool = [i for i, r in enumerate(rows) if i not in taken and re.search(r"[\u4e00-\u9fff]{7,}", r["authors"])]
    glued = rng.sample(glued_pool, GLUED)
    picked = [(i, "uniform") for i in uniform] + [(i, "glued") for i in glued]
    order = list(range(len(picked)))
    random.Random(SEED + 1).shuffle(order)
    dev = set(order[:DEV])
    with (HERE / "author_sample.jsonl").open("w", encoding="utf-8") as fh:
        for k, (i, stratum) in enumerate(picked):
            r = rows[i]
            fh.write(json.dumps({"id": r["id"], "split": "dev" if k in dev else "heldout", "stratum": stratum,
                                 "authors": r["authors"], "affiliations": r["affiliations"]},
                                ensure_ascii=False) + "\n")
    print(f"{len(picked)} lines written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
