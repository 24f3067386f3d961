"""Text retrieval over experts, the activity prior, calibration and the PI-retrieval harness."""

from __future__ import annotations

from recommend.baselines.bm25 import BM25Baseline
from recommend.evaluation import METRIC_KEYS, PiQuery, pi_retrieval, score_system
from recommend.profiles import ExpertProfile
from recommend.retrieval import ActivityPrior, ExpertIndex, analyzer, cjk_bigrams, fit_activity_prior
from recommend.scoring import ProjectFact


def expert(eid: str, *projects: tuple[str, int, int]) -> ExpertProfile:
    facts = tuple(ProjectFact(f"{eid}:{i}", t, "lead", s, e) for i, (t, s, e) in enumerate(projects))
    return ExpertProfile(eid, eid, None, None, (), facts)


WORLD = [
    expert("busy", ("供应链金融风险管理", 2012, 2015)),  # started last year: busy
    expert("free", ("供应链金融信用评价", 2010, 2013)),  # finished: free for the next
    expert("other", ("城市交通拥堵治理", 2010, 2013)),
]


def test_bigrams_keep_latin_words_and_lone_characters():
    assert cjk_bigrams("供应链 x 金") == ["供应", "应链", "x", "金"]
    assert analyzer(str.split)("供应链 金融") == ["供应链", "金融", "#供应", "#应链", "#金融"]


def test_text_alone_cannot_tell_busy_from_free_but_the_prior_can():
    plain = ExpertIndex(WORLD, tokenize=str.split, ref_year=2014)
    scores = dict(plain.search("供应链金融", k=3))
    assert scores["busy"] == scores["free"] > scores["other"]
    # As of 2014: busy started 2 years ago and still runs; free started 4 years ago and has finished.
    prior = ActivityPrior({(2, 1, 1): 0.02, (4, 1, 0): 0.4}, base_rate=0.1)
    with_prior = ExpertIndex(WORLD, tokenize=str.split, ref_year=2014, prior=prior, prior_weight=0.2)
    assert [i for i, _ in with_prior.search("供应链金融", k=3)] == ["free", "busy", "other"]


def test_later_projects_are_invisible_to_an_earlier_index():
    index = ExpertIndex(WORLD, tokenize=str.split, ref_year=2011)
    assert index.ids == ["free", "other"]  # busy's only project starts in 2012


def test_search_is_deterministic_on_ties_and_bounded():
    index = ExpertIndex(WORLD, tokenize=str.split, ref_year=2016)
    assert [i for i, _ in index.search("供应链金融", k=10)] == ["busy", "free", "other"]  # ties by position
    assert index.search("无关", k=10) == []  # no known word: an empty ranking (issue 13 item 5)
    assert len(index.search("供应链", k=1)) == 1
    assert ExpertIndex([], tokenize=str.split, ref_year=2016).search("x") == []


def test_score_system_by_hand():
    ranked = {"q1": [("a", 1.0), ("b", 0.5)], "q2": [("a", 1.0), ("b", 0.5)]}
    result = score_system(lambda t: ranked[t], [PiQuery("q1", "a"), PiQuery("q2", "b")])
    assert (result["mrr"], result["hit@1"], result["hit@5"]) == (0.75, 0.5, 1.0)
    assert set(result) == set(METRIC_KEYS)


def test_pi_retrieval_reports_both_systems_and_the_ablation():
    profiles = WORLD + [expert(f"x{i}", (f"城市交通{i}号课题", 2008, 2011)) for i in range(5)]
    queries = [PiQuery("供应链金融创新", "free"), PiQuery("城市交通治理研究", "other")]
    result = pi_retrieval(profiles, queries, tokenize=lambda t: cjk_bigrams(t), k=5)
    assert result["queries"] == 2
    for system in ("kgmatch", "bm25", "bm25-tuned"):  # no store: no engine rows
        assert set(result[system]) == {*METRIC_KEYS, "mrr_ci", "hit@10_ci"}
        assert 0.0 <= result[system]["mrr"] <= 1.0
    assert result["systems"] == ["kgmatch", "bm25", "bm25-tuned"] and result["relative"]["bm25"]["baseline"] == "bm25-tuned"
    assert list(result["ablation"])[-1] == "+ activity prior (= kgmatch)"
    assert result["ablation"]["+ activity prior (= kgmatch)"]["mrr"] == result["kgmatch"]["mrr"]


def test_baseline_matches_on_shared_words():
    base = BM25Baseline(WORLD, tokenize=cjk_bigrams)
    assert base.search("城市交通", k=1)[0][0] == "other"


def test_prior_weight_zero_is_text_only():
    prior = fit_activity_prior(WORLD, ref_year=2014)
    weighted = ExpertIndex(WORLD, tokenize=str.split, ref_year=2014, prior=prior, prior_weight=0.0)
    text_only = ExpertIndex(WORLD, tokenize=str.split, ref_year=2014)
    assert weighted.search("供应链金融") == text_only.search("供应链金融")


def test_index_floor_scales_a_weak_best_match_and_leaves_the_order():
    """calib13: the whole-index score of a query matching one word of the best profile is below 1 with a floor,
    every score scaled alike (the candidates chosen from it do not change)."""
    import numpy as np

    index = ExpertIndex(WORLD, tokenize=str.split, ref_year=2014)
    query = "供应链金融风险管理 城市交通拥堵治理 水稻 育种 锂电池 正极"
    plain = index.text_scores(query)
    scores, scale = index.scaled_text_scores(query, floor=0.9)
    floored = scores * scale
    assert plain.max() == 1.0 and 0 < floored.max() < 1.0
    assert np.allclose(floored / floored.max(), plain)
    assert np.array_equal(scores, plain) and index.scaled_text_scores(query, floor=0.0)[1] == 1.0
