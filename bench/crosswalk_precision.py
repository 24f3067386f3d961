"""Precision of the crosswalk's main links on a hand-checked sample, with a Wilson 95 % interval.

    python -m bench.crosswalk_precision            # score data/crosswalk/handcheck.csv
    python -m bench.crosswalk_precision --sample   # print a fresh seeded sample to label (does not overwrite)

The sample: 100 source codes drawn with ``random.Random(seed)`` from the expanded crosswalk's
main links (weight 1.0) of the schemes experts, patents and projects are indexed under (ipc,
nsfc, nsfc2020). Each was labelled by hand (``correct`` 1/0: is the main 高新技术领域 second-level
field a right home for the code?). The labeller also wrote the rules, so the figure is optimistic.
``handcheck.csv`` (seed 20261202) judged rules v1; the NSFC rules were then refined below the
department level, and ``handcheck-v2.csv`` (seed 20261203, a fresh sample: 4 codes in common)
judges the rules as shipped (``--sample --seed 20261203`` reproduces its rows).

The CLC rules are judged on papers, not on codes: ``clc-paper-sample.tsv`` (``--clc-sample``, seed
20261203) holds 10 links per first-level field drawn from the links a paper gets from its printed
中图分类号 alone (not found by the NLP, ``basis: 中图分类号``), each labelled by hand from the title:
``correct_level2`` (is the paper's work in the linked second-level field?) and ``correct_level1`` (in its
first-level field?). Labelled before any decision rested on it (issue 12: may such links vouch?).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.crosswalk import CROSSWALK_DIR, build_rows  # noqa: E402
from recommend.metrics import wilson_interval as wilson  # noqa: E402  (re-exported for the other benches)

__all__ = ["SEED", "HANDCHECK_PATH", "CLC_SAMPLE_PATH", "CLC_RULE_SAMPLE_PATH", "wilson", "draw_sample", "score",
           "clc_sample", "score_clc", "clc_rule_sample", "score_clc_rules", "vouching_rules", "term_links",
           "term_census", "score_term_census", "c0106_sample", "score_c0106", "main"]

SEED = 20261202
SEED_V2 = 20261203  # the second sample, drawn after the rules were refined (rules v2)
SAMPLE_SIZE = 100
HANDCHECK_PATH = CROSSWALK_DIR / "handcheck.csv"
HANDCHECK_V2_PATH = CROSSWALK_DIR / "handcheck-v2.csv"
CLC_SAMPLE_PATH = CROSSWALK_DIR / "clc-paper-sample.tsv"
CLC_COLUMNS = ("paper_id", "clc", "target", "target_name", "title", "keywords")
CLC_RULE_SAMPLE_PATH = CROSSWALK_DIR / "clc-rule-sample.tsv"
CLC_RULE_COLUMNS = ("rule", *CLC_COLUMNS)
SEED_RULES = 20261204  # the per-rule census of 航空航天's CLC rules (aero12)
TERM_CENSUS_PATH = CROSSWALK_DIR / "term-paper-census.tsv"
TERM_COLUMNS = ("paper_id", "clc", "fields", "target", "target_name", "title", "keywords")
SEED_TERMS = 20261205  # the census of papers naming an aerospace object in their own text (aero12)


def draw_sample(*, seed: int = SEED, size: int = SAMPLE_SIZE) -> list[dict[str, str]]:
    """The seeded sample of main links to label."""
    main = [r for r in build_rows() if r.weight == 1.0 and r.scheme in ("ipc", "nsfc", "nsfc2020")]
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(main)), size))
    return [{"scheme": main[i].scheme, "code": main[i].code, "name": main[i].name, "target": main[i].target,
             "target_name": main[i].target_name, "correct": ""} for i in picked]


def score(path: Path = HANDCHECK_PATH) -> dict[str, object]:
    """Precision overall and per scheme, with Wilson intervals."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["correct"] in ("0", "1")]
    out: dict[str, object] = {}
    for scheme in ("all", "ipc", "nsfc", "nsfc2020"):
        part = [r for r in rows if scheme == "all" or r["scheme"] == scheme]
        ok = sum(r["correct"] == "1" for r in part)
        lo, hi = wilson(ok, len(part))
        out[scheme] = {"n": len(part), "correct": ok, "precision": round(ok / len(part), 3) if part else None,
                       "ci95": [round(lo, 3), round(hi, 3)]}
    return out


def clc_sample(*, seed: int = SEED_V2, per_level: int = 10) -> list[dict[str, str]]:
    """The seeded sample of class-only paper links to label: ``per_level`` per first-level field, drawn from the papers
    as they were when it was labelled: ``papers.jsonl``, the 45 rows title37 and the reposts dup41 later left out
    (:func:`ingest.papers.papers_as_drawn`)."""
    from ingest.papers import clc_links, papers_as_drawn
    from ingest.resolve import DATA_ROOT

    with (DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv").open(
            encoding="utf-8", newline="") as fh:
        names = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    by_level: dict[str, list[tuple[str, ...]]] = {}
    for paper in papers_as_drawn(left_out=True):
        for field in clc_links(paper.get("clc")):
            if field in (paper.get("fields") or {}):
                continue  # the NLP found it too: not a class-only link
            code = field.partition(":")[2]
            by_level.setdefault(code[0], []).append(
                (paper["id"], paper["clc"], code, names.get(code, ""), paper["title"].replace("\t", " "),
                 "；".join((paper.get("keywords") or [])[:4])))
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    for level in sorted(by_level):
        items = sorted(by_level[level])
        rng.shuffle(items)
        out += [dict(zip(CLC_COLUMNS, item, strict=True)) for item in items[:per_level]]
    return out


def _class_only_links() -> list[tuple[str, tuple[str, ...]]]:
    """Every class-only paper link of the papers the census was drawn from (the shipped papers and the reposts dup41
    later left out, :func:`ingest.papers.papers_as_drawn`) as ``(rule prefix, row)`` (row as :data:`CLC_COLUMNS`)."""
    from ingest.crosswalk import NONE, get_crosswalk
    from ingest.papers import papers_as_drawn
    from ingest.resolve import DATA_ROOT

    with (DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv").open(
            encoding="utf-8", newline="") as fh:
        names = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    crosswalk = get_crosswalk()
    out: list[tuple[str, tuple[str, ...]]] = []
    for paper in papers_as_drawn():
        seen: set[str] = set()
        for code in re.split(r"[;；,，、\s]+", (paper.get("clc") or "").upper()):
            rule = crosswalk.rule_for("clc", code) if code else None
            if rule is None or rule.targets[0] == NONE or rule.targets[0] in seen:
                continue
            seen.add(rule.targets[0])
            if f"ht2016:{rule.targets[0]}" in (paper.get("fields") or {}):
                continue  # the NLP found it too: not a class-only link
            out.append((rule.prefix, (paper["id"], paper["clc"], rule.targets[0], names.get(rule.targets[0], ""),
                                      paper["title"].replace("\t", " "),
                                      "；".join((paper.get("keywords") or [])[:4]))))
    return out


def clc_rule_sample(rules: list[str], *, seed: int = SEED_RULES) -> list[dict[str, str]]:
    """Every class-only paper link made by one of ``rules`` (CLC rule prefixes), in a seeded order: a census per rule.

    A paper's link to a field is attributed to the first of its printed codes that gives that field (as
    :func:`ingest.papers.clc_links` links it once).
    """
    wanted = set(rules)
    items = sorted((prefix, *row) for prefix, row in _class_only_links() if prefix in wanted)
    random.Random(seed).shuffle(items)
    return [dict(zip(CLC_RULE_COLUMNS, item, strict=True)) for item in items]


def score_clc_rules(path: Path = CLC_RULE_SAMPLE_PATH,
                    units: dict[str, tuple[str, ...]] | None = None) -> dict[str, dict[str, object]]:
    """Precision per rule and per unit (rules judged together at the first level), second and first level."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["correct_level1"] in ("0", "1")]
    groups = {r: (r,) for r in sorted({r["rule"] for r in rows})} | dict(units or CLC_RULE_UNITS)
    out: dict[str, dict[str, object]] = {}
    for name, members in groups.items():
        part = [r for r in rows if r["rule"] in members]
        out[name] = {"rules": list(members), **_levels_precision(part)}
    return out


def _levels_precision(rows: list[dict[str, str]]) -> dict[str, object]:
    """n, and the share of ``rows`` judged right at the second and at the first level, with 95 % Wilson intervals."""
    entry: dict[str, object] = {"n": len(rows)}
    for column in ("correct_level2", "correct_level1"):
        ok = sum(r[column] == "1" for r in rows)
        lo, hi = wilson(ok, len(rows))
        entry[column] = {"correct": ok, "precision": round(ok / len(rows), 3) if rows else None,
                         "ci95": [round(lo, 3), round(hi, 3)]}
    return entry


def term_links(title: object, keywords: object, fields: object = None) -> list[str]:
    """ht2016 fields a paper's own title and keywords name outright by the aerospace words of
    :func:`ingest.people.specialty_term_fields` (航空发动机, 运载火箭, 卫星导航 …), for the first-level fields
    in which ``fields`` (the NLP's links) has none. Judged only (term-paper-census.tsv): not used by the loader.

    >>> term_links("探空火箭回收伞结构的开伞动载仿真分析", ["探空火箭"]), term_links("三叶木通微卫星分子标记开发", [])
    (['ht2016:30202'], [])
    >>> term_links("小卫星编队网络性能仿真", [], {"ht2016:302": 0.4})
    []
    """
    from ingest.people import specialty_term_fields

    words = [k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else []
    text = "；".join([str(title or ""), *words])
    found = {str(f).partition(":")[2][:2] for f in (fields or {}) if str(f).startswith("ht2016:")}
    return [f for f in specialty_term_fields(text) if f.partition(":")[2][:2] not in found]


def term_census(*, seed: int = SEED_TERMS, level1: str = "3") -> list[dict[str, str]]:
    """Every link a paper would get from the aerospace words of its own title and keywords
    (:func:`term_links`) where the NLP found no field of that first level, one row per
    (paper, second-level field), in a seeded order; over the papers the census was drawn from (the shipped papers and
    the reposts dup41 later left out, :func:`ingest.papers.papers_as_drawn`)."""
    from ingest.papers import papers_as_drawn
    from ingest.resolve import DATA_ROOT

    with (DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv").open(
            encoding="utf-8", newline="") as fh:
        names = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    items: list[tuple[str, ...]] = []
    for paper in papers_as_drawn():
        links = term_links(paper.get("title"), paper.get("keywords"), paper.get("fields"))
        by_level2: dict[str, list[str]] = {}
        for fid in links:
            code = fid.partition(":")[2]
            if code.startswith(level1):
                by_level2.setdefault(code[:3], []).append(code)
        for level2, codes in sorted(by_level2.items()):
            items.append((paper["id"], paper.get("clc") or "", "|".join(codes), level2, names.get(level2, ""),
                          paper["title"].replace("\t", " "), "；".join((paper.get("keywords") or [])[:4])))
    items.sort()
    random.Random(seed).shuffle(items)
    return [dict(zip(TERM_COLUMNS, item, strict=True)) for item in items]


def score_term_census(path: Path = TERM_CENSUS_PATH) -> dict[str, dict[str, object]]:
    """Precision of the term links at the second and first level: all, and the rows not seen before the rule."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["correct_level1"] in ("0", "1")]
    out: dict[str, dict[str, object]] = {}
    for name, part in (("all", rows), ("unseen", [r for r in rows if r["seen"] != "1"])):
        out[name] = _levels_precision(part)
    return out


C0106_SAMPLE_PATH = CROSSWALK_DIR / "nsfc2020-C0106-sample.tsv"
SEED_C0106 = 20261206


def c0106_sample(*, seed: int = SEED_C0106, size: int = 30) -> list[dict[str, str]]:
    """The seeded sample of the shipped NSFC C projects under nsfc2020 C0106 微生物与环境互作 (aero12)."""
    from ingest.resolve import DATA_ROOT

    with (DATA_ROOT / "nsfc" / "nsfc_C_projects.csv").open(encoding="utf-8", newline="") as fh:
        rows = sorted((r for r in csv.DictReader(fh) if r["application_code"].startswith("C0106")),
                      key=lambda r: r["approval_no"])
    return [{"approval_no": r["approval_no"], "application_code": r["application_code"], "title": r["title"]}
            for r in random.Random(seed).sample(rows, size)]


def score_c0106(path: Path = C0106_SAMPLE_PATH) -> dict[str, dict[str, object]]:
    """Share of the C0106 sample whose work is at home in 706 (environment) and in 201 (medical biotechnology)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out: dict[str, dict[str, object]] = {}
    for column in ("in_706", "in_201"):
        ok = sum(r[column] == "1" for r in rows)
        lo, hi = wilson(ok, len(rows))
        out[column] = {"n": len(rows), "correct": ok, "share": round(ok / len(rows), 3), "ci95": [round(lo, 3), round(hi, 3)]}
    return out


CLC_RULE_UNITS: dict[str, tuple[str, ...]] = {"V*": ("V", "V4")}
"""Rules judged together at the first level (both say CLC class V 航空、航天; DECISIONS.md, aero12)."""
VOUCH_LOWER_BOUND = 0.85  # first level, Wilson 95 % lower bound of the unit (pre-registered, DECISIONS.md aero12)
VOUCH_LEVEL2 = 0.80  # second level, point precision of each rule of the unit


def vouching_rules(result: dict[str, dict[str, object]]) -> dict[str, bool]:
    """Per judged unit (a rule not in a unit is its own): may its class-only links vouch? The pre-registered rule."""
    in_unit = {r for members in CLC_RULE_UNITS.values() for r in members}
    out: dict[str, bool] = {}
    for name, entry in result.items():
        members = entry["rules"]
        if name not in CLC_RULE_UNITS and name in in_unit:
            continue  # judged with its unit
        level1 = entry["correct_level1"]
        out[name] = bool(level1["ci95"][0] >= VOUCH_LOWER_BOUND and all(  # type: ignore[index]
            result[r]["correct_level2"]["precision"] >= VOUCH_LEVEL2 for r in members))  # type: ignore[index,operator]
    return out


def score_clc(path: Path = CLC_SAMPLE_PATH) -> dict[str, dict[str, object]]:
    """Precision of class-only paper links at the second and first level, overall and per first-level field."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out: dict[str, dict[str, object]] = {}
    for level in ["all", *sorted({r["target"][0] for r in rows})]:
        part = [r for r in rows if level == "all" or r["target"][0] == level]
        entry: dict[str, object] = {"n": len(part)}
        for column in ("correct_level2", "correct_level1"):
            ok = sum(r[column] == "1" for r in part)
            lo, hi = wilson(ok, len(part))
            entry[column] = {"correct": ok, "precision": round(ok / len(part), 3),
                             "ci95": [round(lo, 3), round(hi, 3)]}
        out[level] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the sample to label, or the precision of the labelled one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--clc-sample", action="store_true", help="print the class-only paper links to label")
    parser.add_argument("--clc-rule-sample", metavar="RULES",
                        help="print every class-only paper link of these CLC rules (comma-separated), seeded order")
    parser.add_argument("--term-census", action="store_true",
                        help="print every aerospace link papers get from the words of their own title, seeded order")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.term_census:
        writer = csv.DictWriter(sys.stdout, [*TERM_COLUMNS, "seen", "correct_level2", "correct_level1"],
                                delimiter="\t", lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(term_census())
        return 0
    if args.clc_rule_sample:
        writer = csv.DictWriter(sys.stdout, [*CLC_RULE_COLUMNS, "correct_level2", "correct_level1"], delimiter="\t",
                                lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(clc_rule_sample(args.clc_rule_sample.split(","),
                                         seed=SEED_RULES if args.seed == SEED else args.seed))
        return 0
    if args.clc_sample:
        writer = csv.DictWriter(sys.stdout, [*CLC_COLUMNS, "correct_level2", "correct_level1"], delimiter="\t",
                                lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(clc_sample(seed=SEED_V2 if args.seed == SEED else args.seed))
        return 0
    if args.sample:
        writer = csv.DictWriter(sys.stdout, ["scheme", "code", "name", "target", "target_name", "correct"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(draw_sample(seed=args.seed))
        return 0
    results = {"rules_v1_sample_seed_20261202": score(HANDCHECK_PATH),
               "rules_v2_sample_seed_20261203": score(HANDCHECK_V2_PATH)}
    for name, result in results.items():
        print(name)
        for scheme, r in result.items():
            print(f"  {scheme:9s} n={r['n']:3d} precision={r['precision']} 95% CI {r['ci95']}")
    clc = score_clc()
    print("clc_class_only_paper_links_seed_20261203 (second level | first level)")
    for level, r in clc.items():
        l2, l1 = r["correct_level2"], r["correct_level1"]
        print(f"  {level:4s} n={r['n']:3d} {l2['precision']} {l2['ci95']} | {l1['precision']} {l1['ci95']}")
    rules = score_clc_rules()
    vouch = vouching_rules(rules)
    print("clc_rule_census_seed_20261204 (second level | first level; vouches iff first-level lower bound ≥ "
          f"{VOUCH_LOWER_BOUND} and every rule's second level ≥ {VOUCH_LEVEL2})")
    for name, r in rules.items():
        l2, l1 = r["correct_level2"], r["correct_level1"]
        verdict = "" if name not in vouch else ("  vouches" if vouch[name] else "  does not vouch")
        print(f"  {name:4s} n={r['n']:3d} {l2['correct']}/{r['n']} {l2['precision']} {l2['ci95']} | "
              f"{l1['correct']}/{r['n']} {l1['precision']} {l1['ci95']}{verdict}")
    terms = score_term_census()
    print("term_paper_census_seed_20261205 (papers whose own title/keywords name an aerospace object; "
          "second level | first level)")
    for name, r in terms.items():
        l2, l1 = r["correct_level2"], r["correct_level1"]
        print(f"  {name:6s} n={r['n']:3d} {l2['correct']}/{r['n']} {l2['precision']} {l2['ci95']} | "
              f"{l1['correct']}/{r['n']} {l1['precision']} {l1['ci95']}")
    c0106 = score_c0106()
    print("nsfc2020_C0106_projects_seed_20261206 (share at home in 706 | in 201)")
    print(f"  n={c0106['in_706']['n']} {c0106['in_706']['correct']} {c0106['in_706']['share']} {c0106['in_706']['ci95']} | "
          f"{c0106['in_201']['correct']} {c0106['in_201']['share']} {c0106['in_201']['ci95']}")
    print(json.dumps({**results, "clc_class_only_paper_links_seed_20261203": clc, "nsfc2020_C0106": c0106,
                      "clc_rule_census_seed_20261204": rules, "clc_rules_vouching": vouch,
                      "term_paper_census_seed_20261205": terms}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
