"""The learned ranker: deterministic training, used by the engine when present, hand weights as fallback."""

from __future__ import annotations

import json

import pytest
from test_cli import kgmatch
from test_recommend_engine import bigrams, world

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch
from recommend.config import DEFAULTS
from recommend.engine import recommend_for_demand
from recommend.profiles import load_profiles
from recommend.ranker import (
    Group,
    RankerModel,
    apply_ranker,
    group_mrr,
    hand_weights,
    learned_weights,
    load_model,
    rank_group,
    save_model,
    select_ranker,
    train_ranker,
)
from recommend.ranker_data import Query, as_of, project_groups, query_groups
from recommend.scoring import COMPONENTS, CandidateFacts, FieldPath, ProjectFact, recent_match, title_match


def _groups(n: int = 12) -> list[Group]:
    """Relevant experts have high text and low availability; others the reverse (and some noise)."""
    out = []
    for q in range(n):
        cands = [(f"g{q}", {"text": 0.9 - 0.01 * q, "evidence": 0.5, "availability": 0.2}),
                 (f"a{q}", {"text": 0.3, "evidence": 0.5, "availability": 1.0}),
                 (f"b{q}", {"text": 0.5 + 0.02 * q, "evidence": 0.1, "availability": 0.9})]
        out.append(Group(f"q{q}", tuple(cands), frozenset({f"g{q}"})))
    return out


def test_training_is_deterministic_and_writes_the_same_bytes(tmp_path):
    a, b = train_ranker(_groups(), seed=3), train_ranker(_groups(), seed=3)
    assert a == b
    first = save_model(a, tmp_path / "one.json").read_bytes()
    second = save_model(b, tmp_path / "two.json").read_bytes()
    assert first == second
    assert load_model(tmp_path / "one.json") == RankerModel(a.weights, a.kind, json.loads(first)["meta"])


def test_learned_weights_follow_the_data_and_stay_non_negative():
    model = train_ranker(_groups())
    assert model.weights["text"] > model.weights["availability"] == 0.0  # availability predicts the others
    assert all(w >= 0 for w in model.weights.values())
    # components without variation in the data keep their hand weights (field, type, region here)
    for name in ("field", "type", "region"):
        assert model.weights[name] == hand_weights()[name]
    assert group_mrr(_groups(), model.weights) == 1.0 > group_mrr(_groups(), {"availability": 1.0})


def test_select_ranker_measures_both_learners_beside_the_hand_weights():
    model, table = select_ranker(_groups(20))
    assert "hand" in table and any(k.startswith("pairwise") for k in table) and any(k.startswith("pointwise") for k in table)
    assert model.meta["selection"] == table and model.kind in ("pairwise", "pointwise")


def test_no_usable_group_is_an_error_not_a_model():
    with pytest.raises(ValueError):
        train_ranker([Group("q", (("a", {"text": 1.0}),), frozenset({"zz"}))])


def test_rank_group_breaks_ties_by_id():
    g = Group("q", (("b", {"text": 0.5}), ("a", {"text": 0.5}), ("c", {"text": 0.9})), frozenset({"a"}))
    assert rank_group(g, {"text": 1.0}) == ["c", "a", "b"]


def test_model_generic_over_components(tmp_path):
    """A model trained before a component existed (or naming one that is gone) still applies: unknown names are
    ignored, missing ones keep their hand weight."""
    path = save_model(RankerModel({"text": 0.7, "retired": 0.3}, "pairwise"), tmp_path / "m.json")
    weights = learned_weights(load_model(path))
    assert set(weights) == {f"weight_{c}" for c in COMPONENTS}
    assert weights["weight_text"] == 0.7 and weights["weight_field"] == hand_weights()["field"]


def test_unreadable_model_falls_back_to_hand_weights(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "weights": {"text": -1}}', encoding="utf-8")
    assert load_model(bad) is None
    monkeypatch.setenv("KGMATCH_RANKER_MODEL", str(bad))
    settings = apply_ranker(dict(DEFAULTS))
    assert settings["ranker"] == "hand" and settings["weight_text"] == DEFAULTS["weight_text"]


def test_a_model_that_kept_the_hand_weights_says_hand(tmp_path, monkeypatch):
    """train-ranker writes kind "hand" when no learner beats the hand weights on the dev year: a
    recommendation then says it used the hand weights, not a learned model."""
    kept = save_model(RankerModel(hand_weights(), "hand", {"selection": {"hand": 0.07}}), tmp_path / "kept.json")
    monkeypatch.setenv("KGMATCH_RANKER_MODEL", str(kept))
    settings = apply_ranker(dict(DEFAULTS))
    assert settings["ranker"] == "hand" and all(settings[f"weight_{c}"] == DEFAULTS[f"weight_{c}"] for c in COMPONENTS)


def _region_only(tmp_path) -> str:
    """A model that ranks by region alone (so its ordering is unmistakable)."""
    weights = {c: 0.0 for c in COMPONENTS} | {"region": 1.0}
    return str(save_model(RankerModel(weights, "pairwise"), tmp_path / "ranker.json"))


def test_engine_uses_the_model_when_present_and_hand_weights_when_absent(store, tmp_path, monkeypatch):
    store.write(world())
    hand = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, overrides={"max_per_institution": 0})
    assert hand.settings["ranker"] == "hand" and hand.experts[0].scored.id == "e:li"  # no model: the fallback
    monkeypatch.setenv("KGMATCH_RANKER_MODEL", _region_only(tmp_path))
    learned = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, overrides={"max_per_institution": 0})
    assert learned.settings["ranker"] == "learned" and learned.settings["weight_region"] == 1.0
    scores = [e.scored.score for e in learned.experts]
    assert scores == sorted(scores, reverse=True)
    assert [e.scored.components["region"] for e in learned.experts] == sorted(
        (e.scored.components["region"] for e in learned.experts), reverse=True)
    assert {e.scored.id for e in learned.experts[:2]} == {"e:li", "e:zhao"}  # the two in 杭州 first
    assert learned.experts[0].scored.contributions["field"] == 0.0  # explanations show the learned weights
    # the setting (per call) and the environment both select the hand weights again
    again = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026,
                                 overrides={"max_per_institution": 0, "ranker": "hand"})
    assert [e.scored.id for e in again.experts] == [e.scored.id for e in hand.experts]
    monkeypatch.setenv("KGMATCH_RANKER", "hand")
    by_env = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, overrides={"max_per_institution": 0})
    assert by_env.settings["ranker"] == "hand" and [e.scored.id for e in by_env.experts] == [e.scored.id for e in hand.experts]


def test_a_weight_set_per_call_wins_over_the_model(local_store, tmp_path, monkeypatch):
    local_store.write(world())
    monkeypatch.setenv("KGMATCH_RANKER_MODEL", _region_only(tmp_path))
    rec = recommend_for_demand(local_store, "d:1", tokenize=bigrams, year=2026, overrides={"weight_field": 0.5})
    assert rec.settings["weight_field"] == 0.5 and rec.settings["weight_region"] == 1.0


def test_as_of_hides_later_projects_and_paths_through_them():
    p_old = ProjectFact("p:old", "旧", "lead", 2010, 2012)
    p_new = ProjectFact("p:new", "新", "lead", 2015, 2018)
    path = FieldPath("f", 1.0, "f", 1.0, 1.0, "project", ("f", "p:new", "e"))
    facts = CandidateFacts("e", "某", projects=(p_old, p_new), paths=(path,), active_load=5)
    seen = as_of(facts, 2014)
    assert seen.projects == (p_old,) and seen.paths == () and seen.active_load == 0
    assert as_of(facts, 2020, hide={"p:old"}).projects == (p_new,)


def test_as_of_drops_expert_in_paths_that_later_projects_made_and_undated_keywords():
    """EXPERT_IN counts every project, the query's own included: a field only later projects reach is not
    the expert's field as of the cut; a field that only earlier work reaches stays."""
    p_old = ProjectFact("p:old", "旧", "lead", 2010, 2012)
    p_new = ProjectFact("p:new", "新", "lead", 2015, 2018)
    made_later = FieldPath("f", 1.0, "f", 1.0, 0.75, "expert_in", ("f", "e"))
    via_later = FieldPath("f", 1.0, "f", 1.0, 1.0, "project", ("f", "p:new", "e"))
    earlier = FieldPath("g", 1.0, "g", 1.0, 0.5, "expert_in", ("g", "e"))
    facts = CandidateFacts("e", "某", projects=(p_old, p_new), paths=(made_later, via_later, earlier),
                           keywords=("后来论文的关键词",))
    seen = as_of(facts, 2014)
    assert seen.paths == (earlier,) and seen.keywords == facts.keywords
    assert as_of(facts, 2014, undated=False).keywords == ()
    assert as_of(facts, 2020).paths == facts.paths  # nothing later: every path stays


def _history_with_newcomer() -> Batch:
    """甲 led an earlier battery project and a later one (the query); 丁 appears only with a later battery
    project, yet is EXPERT_IN the field (the edge counts every project) and so a field candidate."""
    L, R = Label, RelType
    return (Batch()
            .add_nodes(L.FIELD, [{"id": "f:bat", "name": "储能电池", "scheme": "t"}])
            .add_nodes(L.EXPERT, [{"id": "e:a", "name": "甲"}, {"id": "e:b", "name": "乙"}, {"id": "e:d", "name": "丁"}])
            .add_nodes(L.PROJECT, [{"id": i, "title": t, "start_year": y, "end_year": y + 2} for i, t, y in
                                   [("p1", "锂电池正极材料制备", 2010), ("p2", "电池回收工艺", 2011),
                                    ("p3", "锂电池正极材料循环寿命", 2014), ("p6", "锂电池负极材料", 2014)]])
            .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": "e:a", "end": "p1"}, {"start": "e:b", "end": "p2"},
                                                     {"start": "e:a", "end": "p3"}, {"start": "e:d", "end": "p6"}])
            .add_rels(R.IN_FIELD, L.PROJECT, L.FIELD, [{"start": p, "end": "f:bat", "weight": 1.0}
                                                       for p in ("p1", "p2", "p3", "p6")])
            .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [{"start": "e:a", "end": "f:bat", "weight": 0.75},
                                                       {"start": "e:b", "end": "f:bat", "weight": 0.5},
                                                       {"start": "e:d", "end": "f:bat", "weight": 0.5}]))


def test_history_groups_draw_negatives_from_experts_with_earlier_output(store):
    """Every relevant expert of a history pseudo-query had output before the cut, so a candidate without
    any (丁, whose only project is later) would teach "has output" rather than relevance: left out."""
    store.write(_history_with_newcomer())
    profiles = load_profiles(store)
    (group,) = project_groups(store, profiles, tokenize=bigrams, cut=2013, end=2015)
    assert group.relevant == {"e:a"} and {e for e, _ in group.candidates} == {"e:a", "e:b"}
    plain = query_groups(store, [Query(group.query, group.relevant, {"f:bat": 1.0})], tokenize=bigrams,
                         year=2013, profiles=profiles)[0]
    assert "e:d" in {e for e, _ in plain.candidates}  # without history=True (an evaluation) everyone stays
    assert dict(plain.candidates)["e:d"]["field"] == 0.0  # its EXPERT_IN came from the later project only


def _history() -> Batch:
    """Two experts with early projects in different topics and a later project each (the pseudo-queries)."""
    L, R = Label, RelType
    projects = [("p1", "锂电池正极材料制备优化", 2010), ("p2", "城市交通拥堵治理优化", 2010),
                ("p3", "锂电池正极材料循环寿命优化", 2014), ("p4", "城市交通信号优化", 2014),
                ("p5", "农村电商信任机制优化", 2011)]
    return (Batch()
            .add_nodes(L.EXPERT, [{"id": "e:a", "name": "甲"}, {"id": "e:b", "name": "乙"}, {"id": "e:c", "name": "丙"}])
            .add_nodes(L.PROJECT, [{"id": i, "title": t, "start_year": y, "end_year": y + 2} for i, t, y in projects])
            .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": "e:a", "end": "p1"}, {"start": "e:b", "end": "p2"},
                                                     {"start": "e:a", "end": "p3"}, {"start": "e:b", "end": "p4"},
                                                     {"start": "e:c", "end": "p5"}]))


def test_pseudo_queries_never_see_themselves(store):
    store.write(_history())
    groups = project_groups(store, load_profiles(store), tokenize=bigrams, cut=2013, end=2015)
    assert sorted(g.query for g in groups) == ["城市交通信号优化", "锂电池正极材料循环寿命优化"]
    for g in groups:
        assert len(g.candidates) == 3  # everyone shares 优化
        assert rank_group(g, hand_weights())[0] in g.relevant  # the PI of the earlier project on the same topic
        pi = dict(g.candidates)[next(iter(g.relevant))]
        assert pi["evidence"] < 0.5  # as of 2013: the query's own project (2014) is not evidence



def test_text_components_of_pseudo_queries_read_only_earlier_work(store):
    """The per-work components (``title``, ``recent``) of a pseudo-query's PI are those of the PI's earlier
    titles: the query's own project (same title, so a Dice of 1) and anything from the cut on are not seen."""
    store.write(_history())
    groups = project_groups(store, load_profiles(store), tokenize=bigrams, cut=2013, end=2015)
    earlier = {"e:a": [ProjectFact("p1", "锂电池正极材料制备优化", "lead", 2010)],
               "e:b": [ProjectFact("p2", "城市交通拥堵治理优化", "lead", 2010)],
               "e:c": [ProjectFact("p5", "农村电商信任机制优化", "lead", 2011)]}
    for g in groups:
        for expert, comps in g.candidates:
            works = earlier[expert]
            assert comps["title"] == pytest.approx(title_match(g.query, [w.title for w in works]))
            assert comps["recent"] == pytest.approx(recent_match(g.query, works, year=2013,
                                                                 half_life=DEFAULTS["evidence_half_life_years"]))
        pi = dict(g.candidates)[next(iter(g.relevant))]
        assert 0.0 < pi["title"] < 1.0 and 0.0 < pi["recent"] < 1.0

def test_train_ranker_command_is_deterministic(tmp_path):
    data = tmp_path / "var"
    with LocalStore(data) as store:
        store.write(_history())
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    for out in (one, two):
        result = kgmatch("train-ranker", "--out", str(out), "--window", "2", data_dir=data)
        assert result.returncode == 0, result.stderr
        assert "已写入排序模型" in result.stdout
    assert one.read_bytes() == two.read_bytes()
    assert set(json.loads(one.read_text(encoding="utf-8"))["weights"]) == set(COMPONENTS)


def test_train_ranker_without_history_fails_in_chinese_and_writes_nothing(tmp_path):
    data = tmp_path / "var"
    LocalStore(data).close()
    out = tmp_path / "m.json"
    result = kgmatch("train-ranker", "--out", str(out), data_dir=data)
    assert result.returncode == 1 and "没有可用于训练排序模型的历史" in result.stderr and not out.exists()


def test_officers_feedback_becomes_a_group_but_synthetic_feedback_does_not(store):
    from datetime import datetime

    from graph.store import NodeRef
    from recommend.ranker_data import feedback_groups
    from recommend.retrieval import ExpertIndex
    from workflow.feedback import record_feedback

    store.write(world())
    at = datetime(2026, 3, 5, 10, 0)
    record_feedback(store, "d:1", NodeRef(Label.EXPERT, "e:sun"), verdict="采纳", actor="officer", now=at)
    record_feedback(store, "d:1", NodeRef(Label.EXPERT, "e:wang"), verdict="不采纳", reason="方向不符",
                    actor="officer", now=at)
    index = ExpertIndex(load_profiles(store), tokenize=bigrams, ref_year=2027)
    [group] = feedback_groups(store, tokenize=bigrams, index=index)
    assert group.source == "feedback" and group.relevant == {"e:sun"}
    assert {"e:sun", "e:wang", "e:li"} <= {e for e, _ in group.candidates}  # 不采纳 is a negative, not filtered out
    store.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "source": "synthetic"}])
    assert feedback_groups(store, tokenize=bigrams, index=index) == []
    assert len(feedback_groups(store, tokenize=bigrams, index=index, synthetic=True)) == 1


def test_diagnosis_compares_the_relevant_expert_with_the_winner_on_the_dev_year():
    from bench.ranker_diagnose import diagnose

    def group(q: int, year: int) -> Group:
        cands = [(f"w{q}", {"retrieval": 1.0, "activity": 0.2})] + [
            (f"o{q}-{i}", {"retrieval": 0.9 - 0.01 * i, "activity": 0.5}) for i in range(12)] + [
            (f"g{q}", {"retrieval": 0.5, "activity": 0.9})]
        return Group(f"q{q}", tuple(cands), frozenset({f"g{q}"}), year=year)

    out = diagnose([group(0, 2012), group(1, 2013), group(2, 2013)], low=10)
    assert out["dev_queries"] == 2 and out["gold_below_10"] == 2
    assert out["components"]["retrieval"]["gold_lower"] == 2 and out["components"]["activity"]["gold_higher"] == 2
    assert out["components"]["activity"]["alone_mrr"] == 1.0
