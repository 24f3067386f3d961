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

Paper authors (ChinaXiv, the papers ``kgmatch load demo`` loads: those with field links; one
record per name + normalised institution over all their papers, with the disciplines of their
papers' fields and their keywords, :func:`read_paper_records`) are drawn in three more strata,
appended after the others so that the first 166 pairs never change (:func:`draw_paper_pairs`):

* ``paper_same_inst``: a paper author and an NSFC / academician / key R&D record, same name and
  canonical institution — a seeded sample;
* ``paper_variant``: two paper authors, same name and canonical institution written differently — a
  seeded sample;
* ``paper_other_inst``: a paper author and a record of another source at another institution — a
  seeded sample.

It writes the pairs with an empty ``label`` column and the evidence a person labels from
(titles, specialty, the academician's biography, which names past employers). The labels are
written by hand afterwards (see ``data/people/SOURCE.md``); re-running the script with the same
seed gives the same pairs in the same order, and keeps labels already written for them.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ingest.identity import (
    COMMON_NAMES_FILE,
    DIVISION_AREAS,
    PROGRAMME_AREAS,
    RARE_NAME_INSTITUTIONS,
    PersonRecord,
    author_record,
    canonical_institution,
)
from ingest.papers import author_records, papers_as_drawn
from ingest.people import ACADEMICIANS_FILE, DEFAULT_PROGRAMME, NKRD_FILE
from ingest.resolve import DATA_ROOT, normalize_name, normalize_org

__all__ = ["SAMPLE_PATH", "HOLDOUT_PATH", "draw_holdout", "COLUMNS", "read_records", "draw_pairs", "main"]

SAMPLE_PATH = DATA_ROOT / "people" / "merge_pairs.csv"
HOLDOUT_PATH = DATA_ROOT / "people" / "merge_pairs_holdout.csv"
"""40 more ``paper_same_inst`` pairs (seed + 1, none of the sample's), drawn and labelled after the merge rule
had been tuned on :data:`SAMPLE_PATH`: the honest measure of the tuned rule."""
SEED = 20261202
COLUMNS = ("pair", "stratum", *(f"{s}_{c}" for s in "ab" for c in ("ref", "source", "name", "institution",
                                                                     "areas", "evidence")), "label", "note",
           "a_keywords", "b_keywords", "a_coauthors", "b_coauthors")
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


def read_paper_records() -> list[PersonRecord]:
    """One record per paper author (name + normalised institution) of the papers with NLP field links (those the
    demo loaded when the sample was drawn: the links of the printed 中图分类号, added later at load time, are not
    in the file's ``fields``), over the papers the sample was drawn from (the shipped ones and the reposts dup41 later
    left out, :func:`ingest.papers.papers_as_drawn`)."""
    rows = [r for r in papers_as_drawn() if r.get("fields")]
    out = []
    for a in author_records(rows):
        rec = author_record(a.name, a.institution, paper_ids=a.paper_ids, keywords=a.keywords, years=a.years,
                            fields=a.fields, coauthors=a.coauthors)
        text = "；".join(a.titles[:3]) + " 关键词：" + "、".join(a.keywords[:8])
        out.append(PersonRecord(f"paper:{a.name}@{a.institution}", "paper", a.name, a.institution, rec.areas,
                                rec.keywords, rec.years, text, rec.coauthors))
    return out


def common_names(records: Sequence[PersonRecord], authors: Sequence[PersonRecord]) -> str:
    """The content of :data:`ingest.identity.COMMON_NAMES_FILE`: names at more than
    :data:`~ingest.identity.RARE_NAME_INSTITUTIONS` canonical institutions among ``records`` and ``authors``."""
    places: dict[str, set[str | None]] = defaultdict(set)
    for r in (*records, *authors):
        if r.institution:
            places[r.key[0]].add(r.key[1])
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("name", "institutions"))
    for name in sorted(places):
        if len(places[name]) > RARE_NAME_INSTITUTIONS:
            writer.writerow((name, len(places[name])))
    return out.getvalue()


def draw_paper_pairs(papers: Sequence[PersonRecord], others: Sequence[PersonRecord], *, seed: int = SEED,
                     same_inst: int = 60, variants: int = 20,
                     other_inst: int = 20) -> list[tuple[str, PersonRecord, PersonRecord]]:
    """(stratum, paper author, other record) pairs of the same name, in a fixed order for ``seed``."""
    by_name: dict[str, list[PersonRecord]] = defaultdict(list)
    for r in others:
        by_name[r.key[0]].append(r)
    paper_names: dict[str, list[PersonRecord]] = defaultdict(list)
    for r in papers:
        paper_names[r.key[0]].append(r)
    strata: dict[str, list[tuple[PersonRecord, PersonRecord]]] = defaultdict(list)
    for name in sorted(paper_names):
        group = sorted(paper_names[name], key=lambda r: r.ref)
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if canonical_institution(a.institution) == canonical_institution(b.institution):
                    strata["paper_variant"].append((a, b))
            for b in sorted(by_name.get(name, []), key=lambda r: r.ref):
                if not b.institution:
                    continue
                same = canonical_institution(a.institution) == canonical_institution(b.institution)
                strata["paper_same_inst" if same else "paper_other_inst"].append((a, b))
    rng = random.Random(seed)
    out = []
    for stratum, n in (("paper_same_inst", same_inst), ("paper_variant", variants), ("paper_other_inst", other_inst)):
        pool = strata[stratum]
        out += [(stratum, a, b) for a, b in rng.sample(pool, min(n, len(pool)))]
    return out


def draw_holdout(papers: Sequence[PersonRecord], others: Sequence[PersonRecord], drawn: Sequence[tuple[str, str]], *,
                 seed: int = SEED + 1, n: int = 40) -> list[tuple[str, PersonRecord, PersonRecord]]:
    """``n`` paper_same_inst pairs not among ``drawn`` (their (a ref, b ref)), seeded."""
    pool = [(s, a, b) for s, a, b in draw_paper_pairs(papers, others, same_inst=10**6, variants=0, other_inst=0)
            if (a.ref, b.ref) not in set(drawn)]
    return sorted(random.Random(seed).sample(pool, min(n, len(pool))), key=lambda t: (t[1].ref, t[2].ref))


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
                    f"{side}_evidence": r.text.replace("\n", " "),
                    f"{side}_keywords": "；".join(sorted(r.keywords)),
                    f"{side}_coauthors": "；".join(sorted(r.coauthors))})
    return row


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or refresh, keeping labels) the sample file."""
    parser = argparse.ArgumentParser(prog="python -m ingest.identity_sample", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_PATH)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--holdout", action="store_true", help="write data/people/merge_pairs_holdout.csv instead")
    parser.add_argument("--common-names", action="store_true",
                        help="write data/people/common_names.csv (every ChinaXiv author is parsed: ~40 s)")
    args = parser.parse_args(argv)
    if args.common_names:
        rows = papers_as_drawn()  # as when the committed file was written (reposts included)
        authors = [PersonRecord(a.expert_id, "paper", a.name, a.institution) for a in author_records(rows)]
        COMMON_NAMES_FILE.write_text(common_names(read_records(), authors), encoding="utf-8")
        print(f"wrote {COMMON_NAMES_FILE}")  # noqa: T201 - a command-line report
        return 0
    old = {(r["a_ref"], r["b_ref"]): r for r in _rows(args.out)} if args.out.exists() else {}
    rows = []
    records, paper_records = read_records(), read_paper_records()
    pairs = draw_pairs(records, seed=args.seed) + draw_paper_pairs(paper_records, records, seed=args.seed)
    if args.holdout:
        args.out = HOLDOUT_PATH if args.out == SAMPLE_PATH else args.out
        old = {(r["a_ref"], r["b_ref"]): r for r in _rows(args.out)} if args.out.exists() else {}
        pairs = [("paper_same_inst_holdout", a, b) for _, a, b in
                 draw_holdout(paper_records, records, [(a.ref, b.ref) for _, a, b in pairs])]
    for i, (stratum, a, b) in enumerate(pairs, 1):
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
