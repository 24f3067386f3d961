"""Paper–field links checked by hand: ``data/papers/field_reviews.tsv``.

A person read a paper (title and keywords, the abstract when those do not decide) and said whether its
work is in a 高新技术领域 second-level field. Such a verdict is stronger than any rule that links papers to
fields, so the paper importer (:class:`ingest.papers.PaperBuilder`) applies it over them:

* verdict 1: the paper is ``IN_FIELD`` the field with ``basis: 人工核验`` (:data:`REVIEW_BASIS`), direct
  evidence for coverage and for the recommender's abstention like the NLP's links, whatever the rules say;
* verdict 0: the paper is not linked to the field, whatever made the link (the printed 中图分类号, the NLP).

A paper or field without a verdict is linked by the rules as before, so an unreviewed class-only link stays
untrusted (``basis: 中图分类号``). Decided for issue 12 under the rule written first in
``data/eval/sme-demands/DECISIONS.md`` (reviews12).

The shipped verdicts come from the two censuses of issue 12, each a hand-labelled reading of every link of
its kind in the shipped papers (``data/crosswalk/``):

``clc-rule-sample.tsv``     the class-only links of the CLC rules V → 301, V4 → 302, TP7 → 302
``term-paper-census.tsv``   papers whose title or keywords name an aerospace object, not linked to 30 otherwise

(``data/papers/energy-water-census.tsv``, the verdicts on every paper naming batteries, storage or wastewater, is
kept but not applied: census12 in DECISIONS.md, one checked path vouched for unrelated slots.)

with ``correct_level2`` (the rule's second-level field is right) and ``correct_level1`` (its first-level field
is): both right → 1 on the rule's field; first level right, second level wrong → 0 on it and 1 on its sibling
(a first-level field with exactly two second-level fields, as 30 航空航天); first level wrong → 0 on both.
Further verdicts are written by hand into ``data/papers/field_reviews_manual.tsv`` (same columns; ``review`` names
who checked and when). ``kgmatch review-queue [--field CODE]`` lists the links waiting for one (the class-only
links behind ``kgmatch coverage``'s 待核验 column) with the paper's title, keywords and class. A verdict that
contradicts another is refused, naming both. ``python -m ingest.field_reviews`` rewrites the shipped table from
the censuses and the hand-written file (deterministic), ``--check`` exits 1 when it differs; a fresh
``kgmatch load demo`` applies it (a reload adds and upgrades links; removing a link a store already holds needs a
fresh load: the store contract has no deletion).
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graph.model import REVIEW_BASIS
from ingest.resolve import DATA_ROOT

__all__ = ["REVIEWS_PATH", "REPOSTS_PATH", "MANUAL_PATH", "REVIEW_BASIS", "Review", "read_reviews", "paper_reviews",
           "kept_ids", "reviews_from_censuses", "shipped_reviews", "reviews_tsv", "main"]

REVIEWS_PATH = DATA_ROOT / "papers" / "field_reviews.tsv"
REPOSTS_PATH = DATA_ROOT / "papers" / "reposts.jsonl"
"""Manuscripts posted again under a new ChinaXiv id and left out of the shipped papers (dup41), each with
``same_as``: the id kept."""
MANUAL_PATH = DATA_ROOT / "papers" / "field_reviews_manual.tsv"
CROSSWALK_DIR = DATA_ROOT / "crosswalk"
HT2016_PATH = DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv"
CENSUSES: tuple[tuple[str, str], ...] = (
    ("clc-rule-census-2026-12-03", "clc-rule-sample.tsv"),
    ("term-census-2026-12-03", "term-paper-census.tsv"),
)
_COLUMNS = ("paper_id", "field", "verdict", "review")


@dataclass(frozen=True, order=True)
class Review:
    """One verdict: is ``paper``'s work in the ht2016 field ``field`` (a code such as ``301``)?"""

    paper: str  # the paper's stored id, e.g. chinaxiv:201706.00379
    field: str
    verdict: bool
    review: str


def _siblings() -> dict[str, list[str]]:
    with HT2016_PATH.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    children: dict[str, list[str]] = {}
    for r in rows:
        if r["level"] == "2":
            children.setdefault(r["parent_code"], []).append(r["code"])
    return {c: [s for s in kids if s != c] for kids in children.values() for c in kids}


def reviews_from_censuses(directory: Path = CROSSWALK_DIR, extra: Sequence[Review] = ()) -> list[Review]:
    """The verdicts the censuses give (rules in the module docstring) and ``extra`` ones, sorted; a contradiction
    raises ValueError naming both reviews."""
    siblings = _siblings()
    out: dict[tuple[str, str], Review] = {}

    def put(r: Review) -> None:
        old = out.setdefault((r.paper, r.field), r)
        if old.verdict != r.verdict:
            raise ValueError(f"{r.paper} {r.field}: {old.review} says {int(old.verdict)}, {r.review} says {int(r.verdict)}")

    for review, name in CENSUSES:
        with (directory / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                paper, target = f"chinaxiv:{row['paper_id'].strip()}", row["target"].strip()
                level1, level2 = row["correct_level1"].strip() == "1", row["correct_level2"].strip() == "1"
                others = siblings.get(target, [])
                put(Review(paper, target, level1 and level2, review))
                if level1 and not level2:
                    if len(others) != 1:
                        raise ValueError(f"{paper}: {target} has {len(others)} siblings, the right field is unknown")
                    put(Review(paper, others[0], True, review))
                elif not level1:
                    for other in others:
                        put(Review(paper, other, False, review))
    for r in extra:
        put(r)
    return sorted(out.values())


def shipped_reviews(manual: Path | None = None) -> list[Review]:
    """What ``data/papers/field_reviews.tsv`` holds: the censuses' verdicts and the hand-written ones."""
    return reviews_from_censuses(extra=read_reviews(manual or MANUAL_PATH))


def reviews_tsv(reviews: Sequence[Review]) -> str:
    """The table's text (tab-separated, a header row)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(_COLUMNS)
    for r in reviews:
        w.writerow((r.paper, r.field, int(r.verdict), r.review))
    return buf.getvalue()


def read_reviews(path: Path = REVIEWS_PATH) -> list[Review]:
    """The rows of a reviews table (none when the file does not exist); a malformed row raises ValueError."""
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            verdict = (row.get("verdict") or "").strip()
            if verdict not in ("0", "1") or not (row.get("paper_id") or "").strip() or not (row.get("field") or "").strip():
                raise ValueError(f"{path.name} 第 {n} 行：paper_id、field 不能为空，verdict 必须是 0 或 1")
            out.append(Review(row["paper_id"].strip(), row["field"].strip(), verdict == "1", (row.get("review") or "").strip()))
    return out


def kept_ids(path: Path = REPOSTS_PATH) -> dict[str, str]:
    """{stored id of a repost: stored id of the record kept} (dup41; empty when the file is missing)."""
    import json

    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {f"chinaxiv:{r['id']}": f"chinaxiv:{r['same_as']}" for r in rows}


@cache
def _by_paper() -> Mapping[str, Mapping[str, bool]]:
    out: dict[str, dict[str, bool]] = {}
    for r in read_reviews():
        out.setdefault(r.paper, {})[f"ht2016:{r.field}"] = r.verdict
    # A verdict on a repost holds for the record kept, the same manuscript (dup41); the kept record's own verdict on
    # that field, if any, stands.
    for repost, kept in kept_ids().items():
        for field, verdict in out.get(repost, {}).items():
            out.setdefault(kept, {}).setdefault(field, verdict)
    return out


def paper_reviews(paper: str) -> Mapping[str, bool]:
    """The shipped verdicts on one paper: ``ht2016:<code>`` → in the field or not (empty when none); a verdict given
    on a repost of it counts (:func:`kept_ids`)."""
    return _by_paper().get(paper, {})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ingest.field_reviews [--check]``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when the shipped table differs from the censuses")
    args = ap.parse_args(argv)
    text = reviews_tsv(shipped_reviews())
    if args.check:
        same = REVIEWS_PATH.exists() and REVIEWS_PATH.read_text(encoding="utf-8") == text
        print("一致" if same else f"{REVIEWS_PATH} 与普查表及人工核验表不一致：请运行 python -m ingest.field_reviews")
        return 0 if same else 1
    REVIEWS_PATH.write_text(text, encoding="utf-8")
    rows = text.count("\n") - 1
    print(f"写入 {REVIEWS_PATH}：{rows} 条核验结论")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
