"""The crosswalk: rules checked, expanded deterministically, longest prefix wins, the shipped file is current."""

from __future__ import annotations

import csv

import pytest

from bench.crosswalk_precision import (
    C0106_SAMPLE_PATH,
    CLC_RULE_SAMPLE_PATH,
    CLC_SAMPLE_PATH,
    TERM_CENSUS_PATH,
    c0106_sample,
    clc_rule_sample,
    clc_sample,
    score,
    score_c0106,
    score_clc,
    score_clc_rules,
    score_term_census,
    term_census,
    vouching_rules,
    wilson,
)
from ingest.crosswalk import CROSSWALK_PATH, Crosswalk, Rule, build_rows, crosswalk_csv, get_crosswalk, load_rules


def test_shipped_crosswalk_is_the_expansion_of_the_rules():
    assert CROSSWALK_PATH.read_text(encoding="utf-8") == crosswalk_csv(build_rows())


def test_longest_prefix_decides():
    cw = get_crosswalk()
    assert cw.targets("ipc", "H04L")[0] == ("104", 1.0)
    assert [t for t, _ in cw.targets("ipc", "H04L")] == ["104", "103", "107"]
    assert cw.targets("ipc", "H01M") == [("603", 1.0)]  # batteries, not the H01 default
    assert cw.targets("nsfc", "F020801")[0][0] == "103"  # F0208's rule, not F02's
    assert cw.targets("clc", "TP393.08")[0][0] == "103"
    assert cw.targets("ipc", "A47B") == []  # furniture: no high-tech field
    assert cw.targets("ipc", "Z99Z") == []


def test_every_rule_target_is_a_second_level_field():
    rows = build_rows()
    ht = {r.target for r in rows if r.target_scheme == "ht2016"}
    assert ht and all(len(code) == 3 for code in ht)
    # every first-level field is reached by IPC (patents) and something else labelled
    assert {c[0] for c in ht} == set("12345678")


def test_codes_for_field_reverse_direction():
    cw = get_crosswalk()
    assert "F0208" in cw.codes_for_field("nsfc", "107", main_only=False)
    assert "F0208" not in cw.codes_for_field("nsfc", "107")
    assert "C20" in cw.codes_for_field("nsfc2020", "206")


@pytest.mark.parametrize(("line", "message"), [
    ("ipcx,H04,104", "「scheme」未知"),
    ("ipc,H04,999", "「targets」含未知编码：「999」"),
    ("ipc,,104", "「prefix」为空或重复"),
])
def test_bad_rules_are_named_by_line(tmp_path, line, message):
    path = tmp_path / "rules.csv"
    path.write_text(f"scheme,prefix,targets\nipc,H01,106\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 3 行") as err:
        load_rules(path)
    assert message in str(err.value)


def test_repeated_prefix_is_rejected(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text("scheme,prefix,targets\nipc,H01,106\nipc,H01,102\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 3 行「prefix」"):
        load_rules(path)


def test_crosswalk_lookup_on_a_tiny_rule_set():
    cw = Crosswalk([Rule("ipc", "B6", ("807",), 2), Rule("ipc", "B64", ("301",), 3), Rule("ipc", "B64G", ("302",), 4)])
    assert cw.targets("ipc", "B64G") == [("302", 1.0)]
    assert cw.targets("ipc", "B64C") == [("301", 1.0)]
    assert cw.targets("ipc", "B60L") == [("807", 1.0)]


def test_handcheck_precision_is_scored_with_an_interval():
    result = score()
    overall = result["all"]
    assert overall["n"] == 100
    lo, hi = overall["ci95"]
    assert lo <= overall["precision"] <= hi
    assert [round(x, 3) for x in wilson(0, 10)] == [0.0, 0.278]


def _committed_draw(path, drawn: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of a committed, hand-labelled TSV, checked to be the seeded draw (its columns, in its order)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [{k: r[k] for k in drawn[0]} for r in rows] == drawn
    return rows


def _precision_within_intervals(result: dict) -> None:
    for entry in result.values():
        for column in ("correct_level2", "correct_level1"):
            lo, hi = entry[column]["ci95"]
            assert lo <= entry[column]["precision"] <= hi


def test_the_clc_paper_sample_is_the_seeded_draw_fully_labelled_and_scored():
    """Issue 12: links from a paper's printed 中图分类号 alone, judged on papers (10 per first-level field)."""
    rows = _committed_draw(CLC_SAMPLE_PATH, clc_sample())
    assert all(r["correct_level2"] in ("0", "1") and r["correct_level1"] in ("0", "1") for r in rows)
    assert all(r["correct_level1"] == "1" for r in rows if r["correct_level2"] == "1")  # a right field is in its level
    result = score_clc()
    assert result["all"]["n"] == 80 and sorted(result) == ["1", "2", "3", "4", "5", "6", "7", "8", "all"]
    _precision_within_intervals(result)


def test_the_clc_rule_census_of_aerospace_is_the_seeded_draw_fully_labelled_and_decides_by_the_registered_rule():
    """Issue 12 (aero12): every class-only link of the CLC rules whose main target is in 30 航空航天, judged per rule."""
    rows = _committed_draw(CLC_RULE_SAMPLE_PATH, clc_rule_sample(["V", "V4", "TP7"]))  # the census, in seeded order
    assert all(r["correct_level2"] in ("0", "1") and r["correct_level1"] in ("0", "1") for r in rows)
    assert all(r["correct_level1"] == "1" for r in rows if r["correct_level2"] == "1")
    assert {r["target"][0] for r in rows} == {"3"}
    result = score_clc_rules()
    assert sorted(result) == ["TP7", "V", "V*", "V4"]
    assert result["V*"]["n"] == result["V"]["n"] + result["V4"]["n"] == sum(r["rule"] in ("V", "V4") for r in rows)
    _precision_within_intervals(result)
    vouch = vouching_rules(result)
    assert sorted(vouch) == ["TP7", "V*"]  # V and V4 are judged together
    for name, ok in vouch.items():  # the registered rule, applied to the labels as they are
        lower = result[name]["correct_level1"]["ci95"][0]
        level2 = min(result[r]["correct_level2"]["precision"] for r in result[name]["rules"])
        assert ok == (lower >= 0.85 and level2 >= 0.80)


def test_the_term_census_of_aerospace_papers_is_every_link_fully_labelled():
    """Issue 12 (aero12): papers whose own title/keywords name an aerospace object, where the NLP found no 30 field."""
    rows = _committed_draw(TERM_CENSUS_PATH, term_census())  # the census, in seeded order
    assert all(r[c] in ("0", "1") for r in rows for c in ("seen", "correct_level2", "correct_level1"))
    assert all(r["correct_level1"] == "1" for r in rows if r["correct_level2"] == "1")
    assert {r["target"] for r in rows} <= {"301", "302"}
    result = score_term_census()
    assert result["all"]["n"] == len(rows) and result["unseen"]["n"] == sum(r["seen"] == "0" for r in rows)
    _precision_within_intervals(result)


def test_the_nsfc2020_c0106_project_sample_is_the_seeded_draw_fully_labelled():
    """Issue 12 (aero12): C0106 微生物与环境互作 projects, is their work at home in 706 or in 201?"""
    rows = _committed_draw(C0106_SAMPLE_PATH, c0106_sample())
    assert all(r["in_706"] in ("0", "1") and r["in_201"] in ("0", "1") for r in rows)
    result = score_c0106()
    assert result["in_706"]["n"] == len(rows) == 30
    for entry in result.values():
        lo, hi = entry["ci95"]
        assert lo <= entry["share"] <= hi
