"""Trim the ChinaXiv header metadata to what kgmatch uses: data/papers/papers.jsonl.

    python data/papers/derive.py /work/shared/data/raw/chinaxiv-2016-2022/papers.jsonl data/papers/papers.jsonl

Keeps Chinese-language papers (``language == "zh"``) with a non-empty title and author line, the
highest version per id, and the fields the product reads: id, month, title, authors,
affiliations, keywords, abstract (cut to 160 characters), clc. Output is sorted by id, one JSON
object per line, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ABSTRACT_CHARS = 160
FIELDS = ("id", "month", "title", "authors", "affiliations", "keywords", "abstract", "clc")


def trim(rows: list[dict]) -> list[dict]:
    """The kept rows, trimmed (highest version per id, zh papers with title and authors)."""
    best: dict[str, dict] = {}
    for row in rows:
        if row.get("language") != "zh" or not row.get("title") or not row.get("authors"):
            continue
        old = best.get(row["id"])
        if old is None or row["version"] > old["version"]:
            best[row["id"]] = row
    out = []
    for pid in sorted(best):
        row = best[pid]
        kept = {key: row.get(key) for key in FIELDS}
        kept["abstract"] = (row.get("abstract") or "")[:ABSTRACT_CHARS]
        out.append(kept)
    return out


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    with source.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    kept = trim(rows)
    with target.open("w", encoding="utf-8") as fh:
        for row in kept:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows read, {len(kept)} written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
