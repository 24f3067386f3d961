"""Join the hand labels (author_labels.txt) with the drawn sample: author_pairs_labelled.jsonl.

    python data/papers/label_pairs.py

Each output line: id, split (dev|heldout), stratum, the raw authors/affiliations, ``names`` (every
person named, in order), ``pairs`` (the correct (name, institution) pairs) and ``unknown`` (names
whose institution the text does not determine). Fails loudly when the two files disagree.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_label_line(line: str) -> tuple[str, list[str], list[tuple[str, str]], list[str], list[str]]:
    """One label line → (paper id, institutions, pairs, names, unknown names)."""
    pid, insts_text, names_text = (part.strip() for part in line.split("|"))
    insts = [s.strip() for s in insts_text.split(";") if s.strip()]
    pairs: list[tuple[str, str]] = []
    names: list[str] = []
    unknown: list[str] = []
    for token in names_text.split():
        name, _, which = token.partition(":")
        names.append(name)
        if which == "-":
            unknown.append(name)
        elif which:
            pairs.extend((name, insts[int(i) - 1]) for i in which.split(","))
        else:
            pairs.extend((name, inst) for inst in insts)
    return pid, insts, pairs, names, unknown


def main() -> int:
    sample = [json.loads(line) for line in (HERE / "author_sample.jsonl").open(encoding="utf-8")]
    labels = [line for line in (HERE / "author_labels.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    if len(sample) != len(labels):
        raise SystemExit(f"{len(sample)} sampled lines but {len(labels)} labels")
    with (HERE / "author_pairs_labelled.jsonl").open("w", encoding="utf-8") as fh:
        for row, line in zip(sample, labels, strict=True):
            pid, _insts, pairs, names, unknown = parse_label_line(line)
            if pid != row["id"]:
                raise SystemExit(f"label for {pid} where the sample has {row['id']}")
            fh.write(json.dumps({**row, "names": names, "pairs": [list(p) for p in pairs], "unknown": unknown},
                                ensure_ascii=False) + "\n")
    n_pairs = sum(len(parse_label_line(line)[2]) for line in labels)
    print(f"{len(labels)} lines, {n_pairs} pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
