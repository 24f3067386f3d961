"""Blind pooled judgments (bench.judged_pool): what is pooled, how grades are read and scored, and that the committed
judgments cover what their runs showed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bench.judged_pool import agreement, collect, deal, pool_rows, read_grades, score

ROOT = Path(__file__).resolve().parent.parent
SME = ROOT / "data" / "eval" / "sme-demands"


def _run(tops: dict[str, list[str]], abstain: dict[str, bool] | None = None, split: str = "dev") -> dict:
    return {d: {"split": split, "text": f"{d} 标题\n描述", "abstain": (abstain or {}).get(d, False),
                "top": [{"id": e, "name": e, "work": f"{e} 的论文", "bench_nonsense": e.startswith("x")} for e in ids]}
            for d, ids in tops.items()}


def test_a_pool_holds_the_union_of_the_changed_demands_only_shuffled_and_blind():
    a = _run({"d1": ["e1", "e2"], "d2": ["e1", "e3"]})
    b = _run({"d1": ["e1", "e2"], "d2": ["e3", "e4"]})
    rows = pool_rows(a, b)
    assert sorted((r["demand"], r["expert"]) for r in rows) == [("d2", "e1"), ("d2", "e3"), ("d2", "e4")]
    assert [r["row"] for r in rows] == ["1", "2", "3"] and all(r["grade"] == "" for r in rows)
    assert rows == pool_rows(a, b)  # seeded: the same runs give the same file
    assert all("baseline" not in json.dumps(r) and "candidate" not in json.dumps(r) for r in rows)
    assert "｜" in rows[0]["demand_text"] and "\n" not in rows[0]["demand_text"]
    # one configuration judged whole, leaving out what was graded already
    whole = pool_rows(a, graded=frozenset({("d1", "e1")}))
    assert sorted((r["demand"], r["expert"]) for r in whole) == [("d1", "e2"), ("d2", "e1"), ("d2", "e3")]


def _write(path: Path, grades: dict[tuple[str, str], str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["row", "demand", "demand_text", "expert", "work", "grade"])
        for n, ((d, e), g) in enumerate(grades.items(), 1):
            w.writerow([n, d, "t", e, "w", g])
    return path


def test_grades_first_file_wins_and_a_missing_grade_is_refused(tmp_path):
    one = _write(tmp_path / "a.tsv", {("d", "x"): "2"})
    two = _write(tmp_path / "b.tsv", {("d", "x"): "0", ("d", "y"): "1"})
    assert read_grades([one, two]) == {("d", "x"): 2, ("d", "y"): 1}
    with pytest.raises(SystemExit, match="grade must be 0, 1 or 2"):
        read_grades([_write(tmp_path / "c.tsv", {("d", "z"): ""})])


def test_score_judges_the_changed_demands_and_keeps_the_bench_flag_elsewhere():
    a = _run({"d1": ["e1", "x9"], "d2": ["e1", "e3"]}, abstain={"d2": True})
    b = _run({"d1": ["e1", "x9"], "d2": ["e3", "e4"]})
    grades = {("d2", "e1"): 2, ("d2", "e3"): 0, ("d2", "e4"): 1}
    out = score(grades, {"baseline": a, "candidate": b}, ("dev",))["dev"]
    assert out["changed"] == 1
    # d1 unchanged: its x9 slot is nonsense by the bench's flag, in a trusted result, for both
    assert out["baseline"]["judged_p5"] == 0.5 and out["baseline"]["confident_slots"] == 1  # d2 abstains
    assert out["candidate"]["judged_p5"] == 0.5 and out["candidate"]["confident_slots"] == 2  # e3 graded 0, trusted


def test_two_judges_get_whole_demands_and_the_same_agreement_rows_and_their_grades_are_collected(tmp_path):
    rows = pool_rows(_run({f"q{i}": [f"e{i}", f"f{i}"] for i in range(6)}))
    with (tmp_path / "pool.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    deal(tmp_path, seed=1)
    dealt = {j: (tmp_path / f"pool-{j}.tsv").read_text(encoding="utf-8") for j in "ab"}
    dealt = {j: list(csv.DictReader(io.StringIO(text), delimiter="\t")) for j, text in dealt.items()}
    own = {j: {r["demand"] for r in dealt[j] if r["demand"].startswith("q")} for j in "ab"}
    assert own["a"] | own["b"] == {f"q{i}" for i in range(6)} and not own["a"] & own["b"]  # a demand goes to one judge
    shared = {j: {(r["demand"], r["expert"]) for r in dealt[j] if not r["demand"].startswith("q")} for j in "ab"}
    assert len(shared["a"]) == 20 and shared["a"] == shared["b"]  # the same judged13 rows, grades blanked
    assert all(r["grade"] == "" for j in "ab" for r in dealt[j])
    for j in "ab":  # each judge grades their file: 2 for an e-expert, 0 otherwise
        graded = [{**r, "grade": "2" if r["expert"].startswith("e") else "0"} for r in dealt[j]]
        with (tmp_path / f"graded-{j}.tsv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(graded[0]), delimiter="\t", lineterminator="\n")
            w.writeheader()
            w.writerows(graded)
    collect(tmp_path)
    grades = read_grades([tmp_path / "graded.tsv"])
    assert grades == {(r["demand"], r["expert"]): 2 if r["expert"].startswith("e") else 0 for r in rows}


def test_agreement_counts_only_pairs_both_judges_graded():
    a = {("d", "x"): 2, ("d", "y"): 0, ("d", "z"): 1}
    b = {("d", "x"): 1, ("d", "y"): 0, ("e", "q"): 2}
    got = agreement(a, b)
    assert got["pairs"] == 2 and got["exact"] == 0.5 and got["relevant_agreement"] == 1.0


def test_the_committed_trust14_judgments_cover_every_changed_slot():
    """Every expert either configuration showed for a demand whose top 5 changed has a grade, and nothing else does."""
    grades = read_grades([SME / "judged-trust14.tsv"])
    runs = json.loads((ROOT / "bench" / "results" / "judged-trust14-runs.json").read_text(encoding="utf-8"))
    a, b = runs["baseline"], runs["candidate"]
    changed = {d for d in a if [e["id"] for e in a[d]["top"]] != [e["id"] for e in b[d]["top"]]}
    expected = {(d, e["id"]) for d in changed for e in a[d]["top"] + b[d]["top"]}
    assert set(grades) == expected and len(expected) == 259


def test_the_default_products_judgments_cover_every_shown_slot():
    """judged13: every expert the default product showed for every SME demand of dev, dev2 and test has a grade
    (trust14's or the judge whose third the row was), so its judged figures are over all slots."""
    grades = read_grades([SME / "judged-trust14.tsv", SME / "judged13" / "primary.tsv"])
    run = json.loads((ROOT / "bench" / "results" / "judged-main-runs.json").read_text(encoding="utf-8"))["baseline"]
    shown = {(d, e["id"]) for d, r in run.items() for e in r["top"]}
    assert len(run) == 166 and shown <= set(grades)
    # each judge's file holds the overlap block besides its own third
    for j in (1, 2, 3):
        assert len(read_grades([SME / "judged13" / f"graded{j}.tsv"])) >= 60
