"""Authors listed at several institutions of one paper: draw the labelled samples and score the primary-institution rule.

``python -m bench.multi_affiliation [--json]`` counts the (paper, printed name) occurrences of the shipped papers
whose affiliation markers name two or more institutions, re-draws the two seeded samples and checks they are the
ones labelled in ``data/people/multi_affiliation_sample.tsv`` (affil12, seed 20261207) and
``multi_affiliation_sample_b.tsv`` (affil12b, seed 20261208, affil12's cases excluded), and scores
:func:`ingest.papers.primary_institution` on them (rules and bars: data/eval/sme-demands/DECISIONS.md):

* ``agrees``: the rule's institution is the labelled ``workplace``;
* ``worse`` (sample b): the rule's institution is not among those the printed markers really give the person
  (``right``), so keying by it loses today's right node;
* ``one_person`` (sample a): the labelled count of cases without a pairing error of the author parser.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Sequence
from pathlib import Path

from ingest.authors import parse_paper_authors
from ingest.papers import institutions_by_author, papers_as_drawn, primary_institution
from ingest.resolve import DATA_ROOT

SAMPLE_A = DATA_ROOT / "people" / "multi_affiliation_sample.tsv"
SAMPLE_B = DATA_ROOT / "people" / "multi_affiliation_sample_b.tsv"
SEED_A, SEED_B, SIZE = 20261207, 20261208, 40

Case = tuple[str, str, list[str]]  # (paper id as printed, name, institutions in the order listed)


def occurrences() -> list[Case]:
    """Every (paper, printed name) whose pairs name ≥ 2 institutions (normalised, first-listed order), sorted; over the
    papers the samples were drawn from (the shipped ones and the reposts dup41 later left out,
    :func:`ingest.papers.papers_as_drawn`)."""
    out = []
    for row in papers_as_drawn():
        parsed = parse_paper_authors(row.get("authors") or "", row.get("affiliations") or "")
        out += [(row["id"], name, insts) for name, insts in institutions_by_author(parsed.pairs).items()
                if len(insts) > 1]
    return sorted(out, key=lambda c: (c[0], c[1]))


def draws(cases: list[Case]) -> tuple[list[Case], list[Case]]:
    """The two seeded samples (b excludes a's cases)."""
    a = random.Random(SEED_A).sample(cases, SIZE)
    seen = {(p, n) for p, n, _ in a}
    b = random.Random(SEED_B).sample([c for c in cases if (c[0], c[1]) not in seen], SIZE)
    return a, b


def read_sample(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def score() -> dict[str, object]:
    """The figures of both samples, and whether the shipped files are the seeded draws."""
    cases = occurrences()
    a, b = draws(cases)
    rows_a, rows_b = read_sample(SAMPLE_A), read_sample(SAMPLE_B)

    def same(rows: list[dict[str, str]], drawn: list[Case]) -> bool:
        return [(r["paper_id"], r["name"], r["institutions"].split("|")) for r in rows] == drawn

    def agrees(rows: list[dict[str, str]]) -> int:
        return sum(primary_institution(r["institutions"].split("|")) == r["workplace"] for r in rows)

    worse = [r["n"] for r in rows_b if primary_institution(r["institutions"].split("|")) not in r["right"].split("|")]
    return {
        "occurrences": len(cases),
        "sample_a": {"is_seeded_draw": same(rows_a, a), "n": len(rows_a), "agrees": agrees(rows_a),
                     "one_person": sum(r["one_person"] == "1" for r in rows_a)},
        "sample_b": {"is_seeded_draw": same(rows_b, b), "n": len(rows_b), "agrees": agrees(rows_b),
                     "worse": len(worse), "worse_cases": worse,
                     "better": sum(len(r["right"].split("|")) >= 2
                                   or (r["right"] != r["institutions"]
                                       and primary_institution(r["institutions"].split("|")) in r["right"].split("|"))
                                   for r in rows_b)},
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = score()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))  # noqa: T201
    else:
        a, b = result["sample_a"], result["sample_b"]
        print(f"occurrences {result['occurrences']}; sample a: agrees {a['agrees']}/{a['n']}, "  # noqa: T201
              f"one_person {a['one_person']}/{a['n']}; sample b: agrees {b['agrees']}/{b['n']}, worse {b['worse']}, "
              f"better {b['better']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
