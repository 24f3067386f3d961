"""Draw the labelled sample of person-record pairs (``data/people/merge_pairs.csv``), seeded.

``python -m ingest.identity_sample`` reads the shipped person sources — NSFC PIs of
``data/nsfc/`` (C, G, F0208; one record per exact name + 依托单位), the academicians and the
国家重点研发计划 leaders of ``data/people/`` — and draws pairs of records **with the same name**
(pairs with different names are never merged, so they measure nothing) in three strata:

* ``same_inst``: the same institution after :func:`ingest.identity.canonical_institution`, from two
  sources or two NSFC departments — every such pair (true matches and the hard negatives: same
  name, same institution, different field);
* ``inst_variant``: the same canonical institution written differently within one source
  (复旦大学 / 复旦大学附属中山医院) — a seeded sample;
* ``other_inst``: different institutions across sources (people move; most are homonyms) — a
  seeded sample.

It writes the pairs with an empty ``label`` column and the evidence a person labels from
(titles, specialty, the academician's biography, which names past employers). The labels are
written by hand afterwards (see ``data/people/SOURCE.md``); re-running the script with the same
seed gives the same pairs in the same order, and keeps labels already written for them.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ingest.identity import DIVISION_AREAS, PROGRAMME_AREAS, PersonRecord, canonical_institution
from ingest.people import ACADEMICIANS_FILE, DEFAULT_PROGRAMME, NKRD_FILE
from ingest.resolve import DATA_ROOT, normalize_name, normalize_org

__all__ = ["SAMPLE_PATH", "COLUMNS", "read_records", "draw_pairs", "main"]

SAMPLE_PATH = DATA_ROOT / "people" / "merge_pairs.csv"
SEED = 20261202
COLUMNS = ("pair", "stratum", *(f"{s}_{c}" for s in "ab" for c in ("ref", "source", "name", "institution",
                                                                     "areas", "evidence")), "label", "note")
_NSFC = (("nsfc_C_projects.csv", "pi_name", "institution", "title", "C"),
         ("nsfc_G_projects_start_le2015.csv", "负责人", "依托单位", "项目名称", "G"),
         ("nsfc_F0208_projects_approved_le2014.csv", "负责人", "依托单位", "项目名称", "F"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_records(root: Path = DATA_ROOT) -> list[PersonRecord]:
    """One record per person as each source lists them (NSFC: per exact name + 依托单位 and department)."""
    records: list[PersonRecord] = []
    for file, name_col, inst_col, title_col, dept in _NSFC:
        titles: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in _rows(root / "nsfc" / file):
            if row.get(name_col) and row.get(inst_col):
                titles[(normalize_name(row[name_col]), normalize_org(row[inst_col]))].append(row[title_col])
        for (name, inst), ts in sorted(titles.items()):
            records.append(PersonRecord(f"nsfc-{dept}:{name}@{inst}", f"nsfc-{dept}", name, inst, frozenset(dept),
                                        text="；".join(ts[:3])))
    for row in _rows(root / ACADEMICIANS_FILE.relative_to(DATA_ROOT)):
        division = row["division"]
        records.append(PersonRecord(
            f"academician:{row['academy']}/{division}/{row['name']}", "academician", normalize_name(row["name"]),
            normalize_org(row["institution"]) if row["institution"] else None, DIVISION_AREAS.get(division, frozenset()),
            text=f"{division}；{row['specialty']}；{row['intro'][:260]}"))
    leaders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in _rows(root / NKRD_FILE.relative_to(DATA_ROOT)):
        if row["leader"]:
            leaders[(normalize_name(row["leader"]), normalize_org(row["institution"]))].append(row["title"])
    for (name, inst), ts in sorted(leaders.items()):
        records.append(PersonRecord(f"nkrd:{name}@{inst}", "nkrd", name, inst, PROGRAMME_AREAS[DEFAULT_PROGRAMME],
                                    text="；".join(ts[:3])))
    return records


def draw_pairs(records: Sequence[PersonRecord], *, seed: int = SEED, variants: int = 40,
               others: int = 90) -> list[tuple[str, PersonRecord, PersonRecord]]:
    """(stratum, a, b) pairs of same-name records, in a fixed order for ``seed``."""
    by_name: dict[str, list[PersonRecord]] = defaultdict(list)
    for r in records:
        by_name[r.key[0]].append(r)
    strata: dict[str, list[tuple[PersonRecord, PersonRecord]]] = defaultdict(list)
    for name in sorted(by_name):
        group = sorted(by_name[name], key=lambda r: r.ref)
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if not (a.institution and b.institution):
                    continue
                same_canon = canonical_institution(a.institution) == canonical_institution(b.institution)
                if a.source != b.source and same_canon:
                    strata["same_inst"].append((a, b))
                elif a.source == b.source and same_canon:
                    strata["inst_variant"].append((a, b))
                elif a.source != b.source:
                    strata["other_inst"].append((a, b))
    rng = random.Random(seed)
    out = [("same_inst", a, b) for a, b in strata["same_inst"]]
    for stratum, n in (("inst_variant", variants), ("other_inst", others)):
        pool = strata[stratum]
        out += [(stratum, a, b) for a, b in rng.sample(pool, min(n, len(pool)))]
    return out


def _row(i: int, stratum: str, a: PersonRecord, b: PersonRecord) -> dict[str, str]:
    row = {"pair": f"p{i:03d}", "stratum": stratum, "label": "", "note": ""}
    for side, r in (("a", a), ("b", b)):
        row.update({f"{side}_ref": r.ref, f"{side}_source": r.source, f"{side}_name": r.name,
                    f"{side}_institution": r.institution or "", f"{side}_areas": "".join(sorted(r.areas)),
                    f"{side}_evidence": r.text.replace("\n", " ")})
    return row


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or refresh, keeping labels) the sample file."""
    parser = argparse.ArgumentParser(prog="python -m ingest.identity_sample", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_PATH)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    old = {(r["a_ref"], r["b_ref"]): r for r in _rows(args.out)} if args.out.exists() else {}
    rows = []
    for i, (stratum, a, b) in enumerate(draw_pairs(read_records(), seed=args.seed), 1):
        row = _row(i, stratum, a, b)
        if (a.ref, b.ref) in old:
            row["label"], row["note"] = old[(a.ref, b.ref)]["label"], old[(a.ref, b.ref)]["note"]
        rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out}: {len(rows)} pairs")  # noqa: T201 - a command-line report
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
