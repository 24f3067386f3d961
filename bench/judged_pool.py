"""Blind pooled relevance judgments for two recommender configurations on the SME demand set.

The term measure of :mod:`bench.sme_demands` counts a slot as a hit when a labelled term is a substring of the
expert's titles, so a generic term rewards unrelated experts (低温 in a broiler-chicken paper for a lithium-battery
demand). For a decision between two configurations, the standard remedy is pooling (as TREC does): every expert
that either configuration shows in the top 5 of a demand whose top 5 differ is graded by a person who sees the
demand and the expert's own work, not which configuration showed it.

    python -m bench.judged_pool pool --baseline DIR_A [--set-a K=V ...] --candidate DIR_B [--set-b K=V ...] \\
        --out data/eval/sme-demands/judged-NAME.tsv --runs bench/results/judged-NAME-runs.json
    (a judge fills the grade column)
    python -m bench.judged_pool score --pool data/eval/sme-demands/judged-NAME.tsv --runs bench/results/judged-NAME-runs.json

``pool`` ranks every demand of dev, dev2 and test with both configurations (the bench's linking, hybrid, top 5),
writes the runs (per demand: each configuration's top 5, whether it abstained, and the bench's own nonsense flags)
and, for the demands whose top 5 differ, one pool row per (demand, expert) with the demand's text and the expert's
titles and keywords, shuffled with a fixed seed, grade empty. ``score`` reads the graded pool and prints, per split
and configuration, judged P@5 over the changed demands (slots graded ≥ 1) and judged confident nonsense over all
slots of the split (slots graded 0 in results that do not abstain; unchanged demands keep the bench's own flag,
which is the same for both configurations). Grades: 2 the expert's work addresses the demand's problem or core
technology, 1 same technical area, 0 a different area sharing only words.

One configuration judged whole (every shown slot of every demand), reusing grades already given:

    python -m bench.judged_pool pool --baseline DIR --runs R.json --out NEW.tsv --graded OLD.tsv [--graded …]
    python -m bench.judged_pool judged --runs R.json --pool OLD.tsv --pool NEW.tsv [--splits dev,dev2]
    python -m bench.judged_pool agree --pool A.tsv --pool B.tsv     # two judges on the same rows: Cohen's kappa

Two judges for one pool (``DIR/pool.tsv``): ``deal`` splits it by demand and adds 20 judged13 rows to each for
agreement; the judges write ``graded-a.tsv`` and ``graded-b.tsv``; ``collect`` writes ``DIR/graded.tsv``:

    python -m bench.judged_pool deal --dir DIR --seed N
    python -m bench.judged_pool collect --dir DIR

``--linker-a``/``--linker-b`` link the demands with another linker (``lexical``: issue 13's old linker), for a judged
old-vs-new comparison.

``judged`` gives judged P@5 (slots graded ≥ 1 over every demand's 5 slots, an empty slot a miss) and judged confident
nonsense (slots graded 0 in results that do not abstain, over the shown slots), with Wilson intervals; a (demand,
expert) graded in several files takes the first file's grade.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crosswalk_precision import wilson  # noqa: E402

__all__ = ["SPLITS", "JUDGED_FILES", "runs", "pool_rows", "score", "read_grades", "judged", "agreement", "deal",
           "collect", "main"]

SPLITS = ("dev", "dev2", "test")
_SME = Path(__file__).resolve().parent.parent / "data" / "eval" / "sme-demands"
JUDGED_FILES = (_SME / "judged-trust14.tsv", _SME / "judged13" / "primary.tsv", _SME / "judged-linker13" / "graded.tsv",
                _SME / "judged-bm25-13" / "graded.tsv", _SME / "judged-academ30" / "graded.tsv",
                _SME / "judged-subwords31" / "graded.tsv", _SME / "judged-nkrd32" / "graded.tsv")
"""The committed grades, in order of precedence (``bench.sme_demands`` reports judged figures from them)."""
SEED = 14
_POOL_COLUMNS = ("row", "demand", "demand_text", "expert", "work", "grade")


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``--set-a``/``--set-b`` NAME=VALUE pairs typed like the settings' defaults (the CLI's own parser)."""
    from recommend.config import settings_from_text

    return settings_from_text(dict(pair.split("=", 1) for pair in pairs))


def runs(path: Path, overrides: dict[str, Any], *, linker: str | None = None,
         semantic: bool = True, splits: tuple[str, ...] = SPLITS) -> dict[str, dict[str, Any]]:
    """Every SME demand of ``splits`` (:data:`SPLITS` by default) ranked on the store at ``path`` (demands linked by ``linker``, default the
    product's; ``semantic`` False: BM25 only, no semantic model): top 5, abstention, the bench's flags, and each shown
    expert's name and work (titles and keywords)."""
    from bench.expert_evidence import bench_nonsense
    from bench.sme_demands import linked_demands, load_sme_demands
    from graph.local_store import LocalStore
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_facts
    from recommend.scoring import works_key

    out: dict[str, dict[str, Any]] = {}
    with LocalStore(path) as store:
        index = IndexCache(content_words).get(store)
        for split in splits:
            for d, facts, keywords in linked_demands(store, load_sme_demands(split=split), linker=linker):
                rec = recommend_for_facts(store, facts, tokenize=content_words, index=index, keywords=keywords,
                                          overrides={**overrides, "top_k": 5}, **({} if semantic else {"semantics": None}))
                abstains = rec.verdict is not None and rec.verdict.abstain
                shown = []
                for e in rec.experts[:5]:
                    s = e.scored
                    titles = list(dict.fromkeys(p.title for p in s.facts.projects))[:6]
                    stated = [*s.facts.keywords, *s.facts.research]  # keywords, an academician's research sentences
                    shown.append({"id": s.id, "name": f"{s.facts.name}（{s.facts.institution_name or ''}）",
                                  "work": "；".join(titles) + (f"｜关键词：{'、'.join(stated[:8])}" if stated else ""),
                                  "bench_nonsense": bench_nonsense(s, d),
                                  "backed": rec.verdict is not None and s.id in rec.verdict.backed,
                                  "works": sorted(works_key(s.facts) or ())})
                out[d.id] = {"split": split, "text": d.text, "abstain": abstains, "top": shown}
    return out


def pool_rows(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]] | None = None, *, seed: int = SEED,
              graded: frozenset[tuple[str, str]] = frozenset(),
              whole: frozenset[str] = frozenset()) -> list[dict[str, str]]:
    """One row per (demand, expert) to grade, shuffled with ``seed``, grade empty: with ``b``, the union of both top 5s
    of the demands whose top 5 differ (of every demand of the splits in ``whole``: a fresh split judged whole);
    without, every shown expert of every demand of ``a``. Pairs in ``graded`` are left out (already judged).

    >>> top = lambda *ids: [{"id": i, "name": i, "work": "…"} for i in ids]
    >>> a = {"x1": {"split": "dev", "text": "t", "top": top("e1")}, "y1": {"split": "dev8", "text": "t", "top": top("e2")}}
    >>> [(r["demand"], r["expert"]) for r in pool_rows(a, a)], [r["expert"] for r in pool_rows(a, a, whole=frozenset({"dev8"}))]
    ([], ['e2'])
    """
    rows = []
    for did in sorted(a):
        ids_a = [e["id"] for e in a[did]["top"]]
        if b is not None and ids_a == [e["id"] for e in b[did]["top"]] and a[did]["split"] not in whole:
            continue
        experts = {e["id"]: e for e in a[did]["top"] + (b[did]["top"] if b is not None else [])}
        for eid in sorted(experts):
            if (did, eid) in graded:
                continue
            rows.append({"demand": did, "demand_text": a[did]["text"].replace("\n", " ｜ "), "expert": eid,
                         "work": f"{experts[eid]['name']}：{experts[eid]['work']}", "grade": ""})
    random.Random(seed).shuffle(rows)
    return [{"row": str(n), **r} for n, r in enumerate(rows, start=1)]


def _read_pool(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def read_grades(paths: list[Path]) -> dict[tuple[str, str], int]:
    """(demand, expert) → grade over graded pool files; the first file's grade wins where several grade a pair."""
    out: dict[tuple[str, str], int] = {}
    for path in paths:
        for r in _read_pool(path):
            if r["grade"] not in ("0", "1", "2"):
                raise SystemExit(f"{path.name} row {r['row']}: grade must be 0, 1 or 2, got {r['grade']!r}")
            out.setdefault((r["demand"], r["expert"]), int(r["grade"]))
    return out


def judged(run: dict[str, dict[str, Any]], grades: dict[tuple[str, str], int],
           splits: tuple[str, ...] = SPLITS) -> dict[str, Any]:
    """One configuration judged whole, per split: judged P@5 over 5 slots per demand (an empty slot is a miss),
    the share graded 2, and judged confident nonsense over the shown slots. Where the run records whether each
    shown expert is backed (slot32), also the slot-level confident nonsense (slots graded 0 presented as backed) and,
    over the slots of trusted results, how many backed / unbacked slots there are and how many of each are graded 0.
    Where it records each shown expert's work ids (same33), also ``distinct``: relevant slots counted once per set of
    works (an expert without works counts alone), over 5 slots per demand.

    >>> run = {"d1": {"split": "dev", "abstain": False, "top": [{"id": "a", "backed": True}, {"id": "b", "backed": False}]},
    ...        "d2": {"split": "dev", "abstain": True, "top": [{"id": "a", "backed": False}]}}
    >>> r = judged(run, {("d1", "a"): 2, ("d1", "b"): 0, ("d2", "a"): 0}, ("dev",))["dev"]
    >>> r["p5"], r["grade2"], r["confident_nonsense"], r["nonsense"], r["backed_nonsense"], r["trusted_slots"]
    (0.1, 0.1, 0.333, 0.667, 0.0, {'backed': [1, 0], 'unbacked': [1, 1]})
    >>> co = {"d1": {"split": "dev", "abstain": False, "top": [{"id": "a", "works": ["p"]}, {"id": "b", "works": ["p"]},
    ...                                                        {"id": "c", "works": []}, {"id": "d", "works": ["q"]}]}}
    >>> judged(co, {("d1", "a"): 2, ("d1", "b"): 1, ("d1", "c"): 1, ("d1", "d"): 0}, ("dev",))["dev"]["distinct"]
    0.4
    """
    out: dict[str, Any] = {}
    for split in splits:
        demands = [d for d in run if run[d]["split"] == split]
        rel = two = shown = zero = confident = backed_zero = 0
        trusted = {"backed": [0, 0], "unbacked": [0, 0]}  # [slots, graded 0]
        recorded = all("backed" in e for d in demands for e in run[d]["top"])
        with_works = all("works" in e for d in demands for e in run[d]["top"])
        distinct = 0
        for d in demands:
            if with_works:  # one body of work per relevant slot: the same works, or the expert alone without any
                distinct += len({tuple(e["works"]) or (e["id"],) for e in run[d]["top"][:5] if grades[(d, e["id"])] >= 1})
            for e in run[d]["top"][:5]:
                g = grades[(d, e["id"])]
                shown += 1
                rel += g >= 1
                two += g == 2
                zero += g == 0
                confident += g == 0 and not run[d]["abstain"]
                if recorded:
                    backed_zero += g == 0 and bool(e["backed"])
                    if not run[d]["abstain"]:
                        kind = trusted["backed" if e["backed"] else "unbacked"]
                        kind[0] += 1
                        kind[1] += g == 0
        slots = 5 * len(demands)
        out[split] = {"demands": len(demands), "slots": slots, "shown": shown,
                      "p5": round(rel / slots, 3), "p5_ci": [round(x, 3) for x in wilson(rel, slots)],
                      "grade2": round(two / slots, 3),
                      "nonsense": round(zero / shown, 3) if shown else None,
                      "confident_nonsense": round(confident / shown, 3) if shown else None,
                      "confident_ci": [round(x, 3) for x in wilson(confident, shown)], "confident_slots": confident,
                      "abstained": sum(run[d]["abstain"] for d in demands)}
        if with_works:
            out[split]["distinct"] = round(distinct / slots, 3)
            out[split]["distinct_ci"] = [round(x, 3) for x in wilson(distinct, slots)]
        if recorded:
            out[split] |= {"backed_nonsense": round(backed_zero / shown, 3) if shown else None,
                           "backed_ci": [round(x, 3) for x in wilson(backed_zero, shown)], "trusted_slots": trusted}
    return out


def agreement(a: dict[tuple[str, str], int], b: dict[tuple[str, str], int]) -> dict[str, Any]:
    """Two judges on the pairs both graded: exact agreement, Cohen's kappa on the grades (weighted linearly) and on
    relevant (≥ 1) vs not.

    >>> agreement({("d", "x"): 2, ("d", "y"): 0}, {("d", "x"): 2, ("d", "y"): 0})["exact"]
    1.0
    """
    from sklearn.metrics import cohen_kappa_score

    both = sorted(set(a) & set(b))
    ga, gb = [a[k] for k in both], [b[k] for k in both]
    rel_a, rel_b = [int(g >= 1) for g in ga], [int(g >= 1) for g in gb]
    return {"pairs": len(both), "exact": round(sum(x == y for x, y in zip(ga, gb, strict=True)) / len(both), 3),
            "kappa_linear": round(float(cohen_kappa_score(ga, gb, weights="linear")), 3) if len(set(ga + gb)) > 1 else None,
            "relevant_agreement": round(sum(x == y for x, y in zip(rel_a, rel_b, strict=True)) / len(both), 3),
            "kappa_relevant": round(float(cohen_kappa_score(rel_a, rel_b)), 3) if len(set(rel_a + rel_b)) > 1 else None}


def score(grades: dict[tuple[str, str], int], both: dict[str, dict[str, dict[str, Any]]],
          splits: tuple[str, ...] = SPLITS) -> dict[str, Any]:
    """Judged P@5 over the changed demands and judged confident nonsense over all slots, per split and configuration
    (``grades``: :func:`read_grades` of the graded pool)."""
    names = list(both)
    first = both[names[0]]
    out: dict[str, Any] = {}
    for split in splits:
        demands = [d for d in first if first[d]["split"] == split]
        changed = [d for d in demands if [e["id"] for e in both[names[0]][d]["top"]] != [e["id"] for e in both[names[1]][d]["top"]]]
        row: dict[str, Any] = {"demands": len(demands), "changed": len(changed)}
        for name in names:
            run = both[name]
            rel = two = slots_changed = 0
            confident = slots = 0
            for d in demands:
                for e in run[d]["top"]:
                    slots += 1
                    if d in changed:
                        g = grades[(d, e["id"])]
                        slots_changed += 1
                        rel += g >= 1
                        two += g == 2
                        confident += g == 0 and not run[d]["abstain"]
                    else:
                        confident += e["bench_nonsense"] and not run[d]["abstain"]
            lo, hi = wilson(rel, slots_changed)
            clo, chi = wilson(confident, slots)
            row[name] = {"judged_p5": round(rel / slots_changed, 3) if slots_changed else None,
                         "judged_p5_ci": [round(lo, 3), round(hi, 3)], "grade2": round(two / slots_changed, 3) if slots_changed else None,
                         "slots_changed": slots_changed, "judged_confident_nonsense": round(confident / slots, 3) if slots else None,
                         "confident_ci": [round(clo, 3), round(chi, 3)], "confident_slots": confident, "slots": slots,
                         "abstained": sum(run[d]["abstain"] for d in demands)}
        out[split] = row
    return out


def _write_pool(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=_POOL_COLUMNS, delimiter="\t", lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def deal(folder: Path, seed: int, *, overlap: int = 20) -> None:
    """``folder/pool.tsv`` → ``pool-a.tsv``, ``pool-b.tsv`` for two judges: the demands are shuffled (``seed``) and
    dealt alternately, so a demand's rows go to one judge; each judge also gets the same ``overlap`` rows of
    ``judged13/primary.tsv`` (grades blanked) to measure agreement. Each file is shuffled and its rows renumbered."""
    rng = random.Random(seed)
    rows = _read_pool(folder / "pool.tsv")
    demands = sorted({r["demand"] for r in rows})
    rng.shuffle(demands)
    side = {d: "ab"[i % 2] for i, d in enumerate(demands)}
    shared = rng.sample(_read_pool(_SME / "judged13" / "primary.tsv"), overlap)
    for judge in "ab":
        mine = [dict(r) for r in rows if side[r["demand"]] == judge] + [{**r, "grade": ""} for r in shared]
        rng.shuffle(mine)
        _write_pool(folder / f"pool-{judge}.tsv", [{**r, "row": str(i)} for i, r in enumerate(mine, start=1)])


def collect(folder: Path) -> None:
    """``folder/graded.tsv``: the rows of ``pool.tsv`` with the grade judge a or b gave in ``graded-a.tsv`` /
    ``graded-b.tsv`` (by demand and expert; the shared judged13 rows only measure agreement); a row no judge graded
    is refused."""
    grades = {(r["demand"], r["expert"]): r["grade"] for judge in "ab" if (folder / f"graded-{judge}.tsv").exists()
              for r in _read_pool(folder / f"graded-{judge}.tsv")}  # a pool of one demand has one judge
    rows = _read_pool(folder / "pool.tsv")
    missing = [r["row"] for r in rows if grades.get((r["demand"], r["expert"]), "") not in ("0", "1", "2")]
    if missing:
        raise SystemExit(f"rows without a grade: {missing}")
    _write_pool(folder / "graded.tsv", [{**r, "grade": grades[(r["demand"], r["expert"])]} for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pool")
    p.add_argument("--baseline", type=Path, required=True)
    p.add_argument("--set-a", action="append", default=[])
    p.add_argument("--candidate", type=Path, default=None)
    p.add_argument("--set-b", action="append", default=[])
    p.add_argument("--linker-a", default=None, help="linker of the baseline (default: the product's)")
    p.add_argument("--linker-b", default=None, help="linker of the candidate (e.g. lexical, the old one)")
    p.add_argument("--bm25-b", action="store_true", help="the candidate without the semantic model (BM25 only)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--runs", type=Path, required=True)
    p.add_argument("--graded", type=Path, action="append", default=[], help="pairs already graded here are left out")
    p.add_argument("--splits", default=",".join(SPLITS), help="the demand splits ranked (comma-separated)")
    p.add_argument("--whole", default="", help="splits whose every shown expert is pooled, changed or not")
    s = sub.add_parser("score")
    s.add_argument("--pool", type=Path, required=True)
    s.add_argument("--runs", type=Path, required=True)
    s.add_argument("--splits", default=",".join(SPLITS), help="comma-separated (test only once, after the decision)")
    j = sub.add_parser("judged")
    j.add_argument("--runs", type=Path, required=True)
    j.add_argument("--run", default="baseline", help="which configuration of the runs file")
    j.add_argument("--pool", type=Path, action="append", required=True)
    j.add_argument("--splits", default=",".join(SPLITS))
    g = sub.add_parser("agree")
    g.add_argument("--pool", type=Path, action="append", required=True)
    d = sub.add_parser("deal", help="pool.tsv of a folder → pool-a.tsv, pool-b.tsv for two judges")
    d.add_argument("--dir", type=Path, required=True)
    d.add_argument("--seed", type=int, required=True)
    c = sub.add_parser("collect", help="graded-a.tsv, graded-b.tsv of a folder → graded.tsv")
    c.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.cmd == "deal":
        deal(args.dir, args.seed)
        return 0
    if args.cmd == "collect":
        collect(args.dir)
        return 0
    if args.cmd == "pool":
        splits = tuple(args.splits.split(","))
        a = runs(args.baseline, parse_sets(args.set_a), linker=args.linker_a, splits=splits)
        b = (runs(args.candidate, parse_sets(args.set_b), linker=args.linker_b, semantic=not args.bm25_b, splits=splits)
             if args.candidate is not None else None)
        rows = pool_rows(a, b, graded=frozenset(read_grades(args.graded)),
                         whole=frozenset(filter(None, args.whole.split(","))))
        _write_pool(args.out, rows)
        args.runs.parent.mkdir(parents=True, exist_ok=True)
        both = {"baseline": a} if b is None else {"baseline": a, "candidate": b}
        args.runs.write_text(json.dumps(both, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print(f"{len(rows)} pool rows over {len({r['demand'] for r in rows})} demands -> {args.out}")
        return 0
    if args.cmd == "agree":
        first, *others = args.pool
        a = read_grades([first])
        for other in others:
            print(other.name, json.dumps(agreement(a, read_grades([other])), ensure_ascii=False))
        return 0
    if args.cmd == "judged":
        run = json.loads(args.runs.read_text(encoding="utf-8"))[args.run]
        result = judged(run, read_grades(args.pool), tuple(args.splits.split(",")))
        for split, r in result.items():
            print(f"{split}: {r['demands']} demands  judged P@5 {r['p5']} {r['p5_ci']}  grade 2 {r['grade2']}  nonsense "
                  f"{r['nonsense']}  judged confident nonsense {r['confident_nonsense']} {r['confident_ci']} "
                  f"({r['confident_slots']}/{r['shown']})  abstained {r['abstained']}"
                  + (f"  slot-level confident nonsense {r['backed_nonsense']} {r['backed_ci']}  trusted results' slots "
                     f"[slots, graded 0]: {r['trusted_slots']}" if "backed_nonsense" in r else "")
                  + (f"  distinct relevant {r['distinct']} {r['distinct_ci']}" if "distinct" in r else ""))
        print(json.dumps(result, ensure_ascii=False))
        return 0
    result = score(read_grades([args.pool]), json.loads(args.runs.read_text(encoding="utf-8")),
                   tuple(args.splits.split(",")))
    for split, row in result.items():
        print(f"{split}: {row['demands']} demands, {row['changed']} changed")
        for name in ("baseline", "candidate"):
            r = row[name]
            print(f"  {name:<10} judged P@5 (changed) {r['judged_p5']} {r['judged_p5_ci']}  grade 2 {r['grade2']}  "
                  f"judged confident nonsense {r['judged_confident_nonsense']} {r['confident_ci']} "
                  f"({r['confident_slots']}/{r['slots']})  abstained {r['abstained']}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
