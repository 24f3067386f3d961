"""Learned semantics (recommend.semantics): a deterministic build, query expansion, the hybrid
``semantic`` component in scores and explanations, and the fallback when no model was built."""

from __future__ import annotations

import numpy as np
import pytest
from test_recommend_engine import bigrams, world

from recommend.abstention import expert_evidence
from recommend.candidates import demand_facts_for_text
from recommend.engine import recommend_for_demand, recommend_for_facts
from recommend.scoring import COMPONENT_ZH, COMPONENTS, CandidateFacts, FieldPath, ScoredExpert
from recommend.semantics import SemanticModel, get_semantic_model, load_model, save_model
from recommend.semantics_build import build_model, digest

TEXTS = [
    "勒索软件 入侵检测 网络安全", "勒索软件 网络安全 终端防护", "入侵检测 网络安全 流量分析",
    "终端防护 勒索软件 入侵检测", "流量分析 入侵检测 终端防护",
    "锂电池 正极材料 循环寿命", "正极材料 高镍 循环寿命", "锂电池 高镍 涂布", "涂布 正极材料 锂电池",
    "机器视觉 缺陷检测 表面", "缺陷检测 涂布 机器视觉", "表面 缺陷检测 机器视觉",
]


def words(text: str) -> list[str]:
    return text.split()


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return build_model(TEXTS, tokenize=words, dims=3, min_df=1)


def test_the_build_is_deterministic_and_round_trips(model, tmp_path):
    again = build_model(TEXTS, tokenize=words, dims=3, min_df=1)
    assert again.terms == model.terms
    assert np.array_equal(again.idf, model.idf) and np.array_equal(again.term_vectors, model.term_vectors)
    assert digest(again) == digest(model)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.terms == model.terms and np.array_equal(loaded.term_vectors, model.term_vectors)
    assert loaded.meta["dims"] == 3 and get_semantic_model(tmp_path / "m.npz") is not None


def test_expansion_adds_related_terms_only(model):
    added = model.expand(["勒索软件"], min_similarity=0.5)
    assert added and set(added) <= {"入侵检测", "网络安全", "终端防护", "流量分析"}
    assert "勒索软件" not in added
    assert not {"正极材料", "锂电池", "机器视觉"} & set(model.expand(["勒索软件"], min_similarity=0.0))
    assert model.expand(["不认识的词"]) == []


def test_similarity_is_higher_for_the_related_profile(model):
    sims = model.similarity(["勒索软件"], [["入侵检测", "流量分析"], ["正极材料", "锂电池"], []])
    assert sims[0] > 0.5 > sims[1] and sims[2] == 0.0
    assert all(0.0 <= s <= 1.0 for s in sims)


def test_a_missing_or_foreign_model_file_falls_back_to_none(tmp_path):
    assert get_semantic_model(tmp_path / "absent.npz") is None
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert get_semantic_model(bad) is None


def test_the_hybrid_component_is_scored_and_explained(store):
    store.write(world())
    corpus = ["高镍正极材料界面调控 正极材料 高镍", "正极极片涂布缺陷 正极材料", "机器视觉 电极缺陷检测",
              "缺陷检测 机器视觉 表面", "电池材料 正极材料 锂电池"]
    # all the corpus's dimensions: with fewer, which basis the decomposition picks for five texts is arbitrary
    m = build_model(corpus, tokenize=bigrams, dims=4, min_df=1)
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, semantics=m)
    assert "semantic" in COMPONENTS and COMPONENT_ZH["semantic"] == "语义相似"
    li = next(e for e in rec.experts if e.scored.id == "e:li")
    assert li.scored.components["semantic"] > 0
    assert "语义相似" in li.sentence
    assert rec.as_dict()["experts"][0]["components"]["semantic"] >= 0


def test_without_a_model_the_component_is_zero_and_the_ranking_is_bm25s(store):
    store.write(world())
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, semantics=None)
    assert rec.experts and all(e.scored.components["semantic"] == 0.0 for e in rec.experts)
    assert all("语义相似" not in e.sentence for e in rec.experts)


def test_one_generic_shared_word_without_a_direct_path_is_not_evidence():
    related = FieldPath("f:x", 1.0, "f:y", 0.5, 1.0, "expert_in", ("f:x", "f:y", "e"), ("related",))
    s = ScoredExpert(CandidateFacts("e", "某", paths=(related,)), 0.3, {}, {})
    query = ["光模块", "误码率", "光纤", "模块", "通信", "测试", "链路"]
    weak = expert_evidence(s, {"f:x": 1.0}, query, ["模块", "调控", "基因"], list_coverage=0.15)
    assert weak.matched_terms == ("模块",) and not weak.listed
    strong = expert_evidence(s, {"f:x": 1.0}, query, ["光模块", "误码率", "链路"], list_coverage=0.15)
    assert strong.listed
    direct = FieldPath("f:x", 1.0, "f:x", 1.0, 1.0, "expert_in", ("f:x", "e"))
    s2 = ScoredExpert(CandidateFacts("e", "某", paths=(direct,)), 0.3, {}, {})
    assert expert_evidence(s2, {"f:x": 1.0}, query, [], list_coverage=0.15).listed


def test_free_text_uses_the_model_passed(store):
    store.write(world())
    facts = demand_facts_for_text(store, "高镍正极材料", {"f:cathode": 1.0}, year=2026)
    m = build_model(["高镍正极材料 正极材料", "正极材料 锂电池", "缺陷检测 机器视觉"], tokenize=bigrams, dims=2,
                    min_df=1)
    with_model = recommend_for_facts(store, facts, tokenize=bigrams, semantics=m)
    without = recommend_for_facts(store, facts, tokenize=bigrams, semantics=None)
    assert any(e.scored.components["semantic"] > 0 for e in with_model.experts)
    assert all(e.scored.components["semantic"] == 0 for e in without.experts)


def test_profile_vectors_are_kept_and_recomputed_only_when_a_profile_changes(model):
    first = model.profile_vectors([("e:1", ["勒索软件", "入侵检测"], "勒索软件 入侵检测"), ("e:2", ["锂电池"], "锂电池")])
    kept = model._profiles["e:1"]
    again = model.profile_vectors([("e:1", ["勒索软件", "入侵检测"], "勒索软件 入侵检测")])
    assert np.array_equal(again[0], first[0]) and model._profiles["e:1"] is kept  # not recomputed
    changed = model.profile_vectors([("e:1", ["锂电池"], "锂电池")])  # a write changed the expert's projects
    assert np.allclose(changed[0], first[1]) and model._profiles["e:1"] is not kept


def test_a_candidate_further_down_does_not_vouch_for_the_experts_shown():
    from recommend.abstention import judge

    query = ["光模块", "误码率", "模块"]
    good_path = FieldPath("f:x", 1.0, "f:x", 1.0, 1.0, "expert_in", ("f:x", "e:good"))
    weak_path = FieldPath("f:x", 0.5, "f:x", 1.0, 0.6, "expert_in", ("f:x", "e:weak"))  # strength 0.3
    good = ScoredExpert(CandidateFacts("e:good", "甲", paths=(good_path,)), 0.2, {}, {})
    weak = ScoredExpert(CandidateFacts("e:weak", "乙", paths=(weak_path,)), 0.5, {}, {})
    vague = ScoredExpert(CandidateFacts("e:vague", "丙"), 0.6, {}, {})
    ev = {s.id: expert_evidence(s, {"f:x": 1.0}, query, ["模块", "基因"]) for s in (good, weak, vague)}
    ranked = [vague, weak, good]
    assert not judge({"f:x": 1.0}, ranked, ev).abstain  # judged over every candidate: e:good vouches
    shown = judge({"f:x": 1.0}, ranked, ev, shown=[vague, weak], direct_strength=0.5)
    assert shown.abstain and dict(shown.gap) == {"f:x": 2}  # the gap still counts every candidate
    assert not judge({"f:x": 1.0}, ranked, ev, shown=[vague, weak], direct_strength=0.3).abstain


def _battery_model() -> SemanticModel:
    corpus = ["高镍正极材料界面调控 正极材料 高镍", "正极极片涂布缺陷 正极材料", "机器视觉 电极缺陷检测",
              "缺陷检测 机器视觉 表面", "电池材料 正极材料 锂电池", "固态电解质 界面 锂电池"]
    return build_model(corpus, tokenize=bigrams, dims=3, min_df=1)


def test_the_index_carries_every_profile_vector_so_a_request_folds_in_only_its_query(store):
    """Issue 13: profile vectors are computed when the text index is built, not per request."""
    from recommend.index_cache import IndexCache
    from recommend.semantics import ProfileVectors

    store.write(world())
    m = _battery_model()
    index = IndexCache(bigrams, background=False, semantics=m).get(store)
    assert isinstance(index.vectors, ProfileVectors) and len(index.vectors) == len(index.profiles)
    assert index.vectors.key == m.fingerprint
    with_index = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, semantics=m, index=index)
    assert m._profiles == {}  # no candidate's profile was folded in during the request
    per_request = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, semantics=_battery_model(),
                                       index=None)
    sem = {e.scored.id: e.scored.components["semantic"] for e in with_index.experts}
    assert any(v > 0 for v in sem.values())
    for e in per_request.experts:  # the same numbers as folding each profile in at request time
        if e.scored.id in sem:
            assert sem[e.scored.id] == pytest.approx(e.scored.components["semantic"], abs=1e-4)


def test_profile_vectors_of_another_model_or_a_changed_text_are_not_used():
    from recommend.semantics import ProfileVectors

    m = _battery_model()
    pv = ProfileVectors.build(m, [("e:1", b"old", bigrams("正极材料"), "正极材料")])
    rows, found = pv.lookup(m, [("e:1", b"old"), ("e:1", b"new"), ("e:2", b"old")])
    assert found.tolist() == [True, False, False] and np.linalg.norm(rows[0]) == pytest.approx(1.0, abs=1e-5)
    other = build_model(["缺陷检测 机器视觉", "机器视觉 表面", "锂电池 正极"], tokenize=bigrams, dims=2, min_df=1)
    assert not other.fingerprint == m.fingerprint and not pv.lookup(other, [("e:1", b"old")])[1].any()
    again = pv.updated(m, [("e:2", b"d2", bigrams("机器视觉"), "机器视觉")], removed=["e:1"])
    assert set(again.rows) == {"e:2"} and again.lookup(m, [("e:2", b"d2")])[1].all()
    reused = ProfileVectors.build(m, [("e:1", b"old", [], "")], previous=pv)  # same digest: the row is reused
    assert np.array_equal(reused.matrix[0], pv.matrix[0])


def test_a_words_neighbours_are_computed_once_and_expand_the_same(model):
    first = model.expand(["勒索软件", "网络安全"], min_similarity=0.5)
    assert model._nearest and first
    kept = dict(model._nearest)
    assert model.expand(["勒索软件", "网络安全"], min_similarity=0.5) == first
    assert all(model._nearest[k] is v for k, v in kept.items())  # not recomputed
