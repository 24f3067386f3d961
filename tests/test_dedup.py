"""Near-duplicate demands: similarity, the default threshold on the labelled set, all-pairs search, intake checks."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from ingest import dedup
from ingest.dedup import (
    DUPLICATE_THRESHOLD,
    DemandIndex,
    DemandText,
    DuplicatePair,
    demand_similarity,
    duplicates_of,
    find_duplicates,
    strip_boilerplate,
)

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "data" / "dedup" / "pairs.jsonl"


def _labelled() -> list[tuple[str, bool, DemandText, DemandText]]:
    """(pair id, is duplicate, a, b) for every line of data/dedup/pairs.jsonl."""
    out = []
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        a, b = (DemandText(r[s]["id"], r[s]["title"], r[s]["description"]) for s in "ab")
        out.append((r["pair"], r["label"] == "duplicate", a, b))
    return out


LABELLED = _labelled()
DEMANDS = {d.id: d for _, _, a, b in LABELLED for d in (a, b)}


def demand(short_id: str) -> DemandText:
    """A demand of the labelled set by its short id, e.g. ``B01``."""
    return DEMANDS[f"demand:{short_id}"]


@pytest.fixture(scope="module")
def labelled_index() -> DemandIndex:
    return DemandIndex(list(DEMANDS.values()))


def test_identical_texts_score_exactly_one():
    a = demand("B01")
    assert demand_similarity(a, a) == 1.0
    copy = DemandText("demand:copy", a.title, a.description)
    assert find_duplicates([a, copy, demand("B04")]) == [DuplicatePair("demand:B01", "demand:copy", 1.0)]


def test_nothing_in_common_scores_zero_and_an_empty_text_too():
    assert demand_similarity(demand("B01"), demand("B04")) == 0.0
    assert demand_similarity(demand("B01"), DemandText("empty", "", "")) == 0.0


def test_reworded_demand_scores_above_the_threshold(labelled_index):
    # B01 and D01: the same glutamate-yield problem, new title, sentences reworded and reordered.
    score = demand_similarity(demand("B01"), demand("D01"), corpus=list(DEMANDS.values()))
    assert score == labelled_index.similarity("demand:B01", "demand:D01") == pytest.approx(0.481647)
    assert score >= DUPLICATE_THRESHOLD


def test_same_company_boilerplate_does_not_make_a_duplicate(labelled_index):
    # D05 and N05 share the company profile and the cooperation terms word for word, but
    # one asks for a higher spore rate and the other for colonisation of saline soil.
    unstripped = DemandIndex(list(DEMANDS.values()), strip=False)
    assert unstripped.similarity("demand:D05", "demand:N05") == pytest.approx(0.42809)  # would be flagged
    assert labelled_index.similarity("demand:D05", "demand:N05") == pytest.approx(0.161551)
    assert labelled_index.similarity("demand:D05", "demand:N05") < DUPLICATE_THRESHOLD


def test_strip_boilerplate_drops_profile_and_terms_clauses_only():
    text = "某公司成立于2008年，是一家国家高新技术企业，年产酱油5万吨。发酵周期长。合作方式：合作开发，经费面议。"
    assert strip_boilerplate(text) == "年产酱油5万吨。发酵周期长。"
    assert strip_boilerplate("发酵周期长，产能受限。") == "发酵周期长，产能受限。"


def test_default_threshold_classifies_the_labelled_set_as_measured(labelled_index):
    # bench.dedup_threshold measured P 1.000, R 51/52, F1 102/103 = 0.990 at 0.40; p007 is the one miss.
    tp = fp = fn = 0
    missed = []
    for pair, duplicate, a, b in LABELLED:
        flagged = labelled_index.similarity(a.id, b.id) >= DUPLICATE_THRESHOLD
        tp += flagged and duplicate
        fp += flagged and not duplicate
        fn += duplicate and not flagged
        if duplicate and not flagged:
            missed.append(pair)
    assert DUPLICATE_THRESHOLD == 0.4
    assert (tp, fp, fn) == (51, 0, 1)
    assert 2 * tp / (2 * tp + fp + fn) == pytest.approx(102 / 103)
    assert missed == ["p007"]


def test_labelled_set_has_enough_pairs_of_each_label():
    assert sum(d for _, d, _, _ in LABELLED) == 52
    assert sum(not d for _, d, _, _ in LABELLED) == 69


def test_find_duplicates_lists_pairs_by_score_then_input_position():
    b01, b04 = demand("B01"), demand("B04")
    demands = [
        b01,                                                                    # 0
        b04,                                                                    # 1
        DemandText("b04-again", b04.title, b04.description + "本需求再次发布。"),  # 2: re-posted with a note
        DemandText("b01-retitled", "谷氨酸发酵产酸率低", b01.description),          # 3: new title only
        demand("N01"),                                                          # 4: same product, other problem
        DemandText("b04-copy", b04.title, b04.description),                     # 5: verbatim copy of 1
    ]
    found = find_duplicates(demands)
    assert [(p.a, p.b) for p in found] == [
        ("demand:B04", "b04-copy"),             # 1.0
        ("demand:B01", "b01-retitled"),         # same description
        ("demand:B04", "b04-again"),            # ties with the next (1 and 5 are the same text):
        ("b04-again", "b04-copy"),              # the earlier `a` comes first
    ]
    assert found[0].score == 1.0
    assert found[2].score == found[3].score
    assert all(x.score >= y.score for x, y in itertools.pairwise(found))


def test_find_duplicates_of_nothing_or_one_demand_is_empty():
    assert find_duplicates([]) == []
    assert find_duplicates([demand("B01")]) == []


def test_duplicates_of_finds_the_original_at_intake():
    existing = [d for d in DEMANDS.values() if d.id != "demand:D10"]
    new = demand("D10")  # B10 re-submitted with 【再次征集】 and a higher budget
    found = duplicates_of(new, existing)
    assert [(p.a, p.b) for p in found] == [("demand:B10", "demand:D10")]
    assert found[0].score == pytest.approx(0.748943)
    assert duplicates_of(new, DemandIndex(existing)) == found


def test_duplicates_of_skips_the_demand_itself_and_returns_nothing_for_a_new_problem():
    index = DemandIndex(list(DEMANDS.values()))
    assert [p.a for p in index.query(demand("B10"))] == ["demand:D10"]
    assert duplicates_of(DemandText("x", "工业机器人减速器寿命", "谐波减速器寿命短。"), index) == []


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5, "0.4", True])
def test_a_threshold_outside_zero_to_one_is_rejected(threshold):
    with pytest.raises(ValueError, match="threshold"):
        find_duplicates([demand("B01")], threshold=threshold)


def test_a_repeated_id_is_rejected_by_name():
    with pytest.raises(ValueError, match="demand:B01"):
        find_duplicates([demand("B01"), demand("B01")])


def test_shared_terms_explain_a_score(labelled_index):
    terms = [t for t, _ in labelled_index.shared_terms("demand:B01", "demand:D01", k=3)]
    assert terms == ["转化率", "谷氨酸棒杆菌", "糖酸"]


def _nsfc_demands(n: int) -> list[DemandText]:
    """Real NSFC project titles and keywords, posed as demands that all share one boilerplate sentence."""
    with (ROOT / "data" / "nsfc" / "nsfc_C_projects.csv").open(encoding="utf-8") as fh:
        rows = list(itertools.islice(csv.DictReader(fh), n))
    return [DemandText(f"p{k}", r["title"], "我公司希望与高校院所专家合作，共同解决"
                       + r["keywords"].replace("；", "、") + "等技术难题。") for k, r in enumerate(rows)]


@pytest.fixture(scope="module")
def nsfc_index() -> DemandIndex:
    return DemandIndex(_nsfc_demands(600))


@pytest.mark.parametrize("threshold", [0.2, 0.4, 0.6])
def test_all_pairs_search_equals_brute_force(nsfc_index, threshold):
    dense = (nsfc_index.matrix @ nsfc_index.matrix.T).toarray()
    rows, cols = np.triu_indices(len(nsfc_index), 1)
    keep = np.round(dense[rows, cols], 6) >= threshold
    expected = {(nsfc_index.ids[i], nsfc_index.ids[j]) for i, j in zip(rows[keep], cols[keep], strict=True)}
    found = nsfc_index.pairs(threshold=threshold)
    assert {(p.a, p.b) for p in found} == expected
    assert len(found) == len(expected)


def test_all_pairs_search_scores_a_small_share_of_all_pairs(nsfc_index):
    # Work, not wall-clock: every text shares the boilerplate, yet few pairs are scored.
    n = len(nsfc_index)
    assert dedup._all_pairs(nsfc_index.matrix, DUPLICATE_THRESHOLD).candidates < 0.01 * n * (n - 1) / 2
