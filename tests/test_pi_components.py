"""Issue 13 (PI retrieval): the ``retrieval`` and ``activity`` components, the candidate union of field and
text-index candidates, the ranker's history bias and dev split, and the evaluation on real titles."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from test_recommend_engine import bigrams, world

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch
from recommend.candidates import demand_facts
from recommend.config import resolve
from recommend.engine import recommend_for_demand, score_demand
from recommend.profiles import ExpertProfile, load_profiles
from recommend.ranker import HISTORY_BIASED, Group, dev_split, hand_weights, select_ranker, train_ranker
from recommend.ranker_data import Query, project_groups, query_groups
from recommend.retrieval import ActivityPrior, ExpertIndex, fit_activity_prior, graph_prior
from recommend.scoring import COMPONENTS, ProjectFact, activity, activity_features, retrieval

ROOT = Path(__file__).resolve().parent.parent
G_FILE = ROOT / "data" / "nsfc" / "nsfc_G_projects_start_le2015.csv"


# -- the pure functions ----------------------------------------------------------------------------
def test_activity_is_the_prior_on_a_log_scale_between_the_least_and_most_likely_group():
    rates = {(4, 1, 0): 0.4, (1, 1, 1): 0.1, (8, 1, 0): 0.05}
    finished = [ProjectFact("p", "t", "lead", 2010, 2013)]
    running = [ProjectFact("p", "t", "lead", 2013, 2016)]
    assert activity_features(finished, 2014) == (4, 1, 0) and activity_features(running, 2014) == (1, 1, 1)
    assert activity(finished, 2014, rates, 0.2) == 1.0
    assert activity(running, 2014, rates, 0.2) == pytest.approx(1 / 3)
    assert activity([ProjectFact("p", "t", "lead", 1990, 1991)], 2014, rates, 0.2) == 0.0  # 8+ years idle: least
    assert activity(finished, 2014, {}, 0.2) == 0.0  # no prior: no component
    # The same features as the index's prior (one implementation): the order of the two agrees.
    profile = ExpertProfile("e", "甲", None, None, (), tuple(finished))
    prior = ActivityPrior(rates, 0.2)
    assert prior.log_prior(profile, 2014) == pytest.approx(math.log(0.4))


def test_retrieval_is_clipped_to_the_unit_interval():
    assert (retrieval(0.25), retrieval(1.5), retrieval(-1.0)) == (0.25, 1.0, 0.0)


# -- candidates: fields ∪ text index, each scored by the index ----------------------------------------
def _text_only_expert() -> Batch:
    """An expert no field path reaches, whose project shares the demand's words (found only by the index),
    and one whose project shares nothing."""
    L, R = Label, RelType
    return (Batch()
            .add_nodes(L.EXPERT, [{"id": "e:text", "name": "周涛"}, {"id": "e:none", "name": "吴昊"}])
            .add_nodes(L.PROJECT, [{"id": "p:t", "title": "正极极片涂布缺陷的在线检测", "start_year": 2022,
                                    "end_year": 2024},
                                   {"id": "p:n", "title": "城市交通拥堵治理", "start_year": 2022, "end_year": 2024}])
            .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": "e:text", "end": "p:t"}, {"start": "e:none", "end": "p:n"}]))


def _index(store) -> ExpertIndex:
    profiles = load_profiles(store)
    return ExpertIndex(profiles, tokenize=bigrams, ref_year=2027, prior=graph_prior(profiles))


def test_text_index_hits_join_the_field_candidates_up_to_the_cap(local_store):
    local_store.write(world())
    local_store.write(_text_only_expert())
    demand = demand_facts(local_store, "d:1", year=2026)
    index = _index(local_store)
    settings = resolve()
    with_text = score_demand(local_store, demand, settings, tokenize=bigrams, index=index, semantics=None)
    ids = {s.id for s in with_text.scored}
    assert "e:text" in ids and "e:none" not in ids  # the index found the one sharing words, not the other
    text = next(s for s in with_text.scored if s.id == "e:text")
    assert text.components["field"] == 0.0 and 0.0 < text.components["retrieval"] <= 1.0
    # retrieval is the index score over the whole graph divided by the best: the best expert has 1
    assert max(s.components["retrieval"] for s in with_text.scored) == 1.0
    assert all(0.0 <= s.components["activity"] <= 1.0 for s in with_text.scored)
    fields_only = score_demand(local_store, demand, {**settings, "text_candidates": 0}, tokenize=bigrams,
                               index=index, semantics=None)
    assert "e:text" not in {s.id for s in fields_only.scored}
    # still scored by the index: a field candidate keeps its retrieval value without the text candidates
    by_id = {s.id: s.components["retrieval"] for s in with_text.scored}
    assert all(by_id[s.id] == s.components["retrieval"] for s in fields_only.scored)
    capped = score_demand(local_store, demand, {**settings, "text_candidates": 1}, tokenize=bigrams,
                          index=index, semantics=None)
    assert len({s.id for s in capped.scored} - {s.id for s in fields_only.scored}) <= 1


def test_no_index_means_no_retrieval_and_no_activity(local_store):
    local_store.write(world())
    rec = recommend_for_demand(local_store, "d:1", tokenize=bigrams, year=2026)
    assert rec.experts and all(e.scored.components["retrieval"] == e.scored.components["activity"] == 0.0
                               for e in rec.experts)


def test_activity_alone_never_lists_an_expert_without_evidence(local_store):
    """Even ranked by the activity prior alone, only experts with a path in the demand's fields or a matched
    demand word are listed (README: honest abstention)."""
    local_store.write(world())
    local_store.write(_text_only_expert())
    weights = {f"weight_{c}": 0.0 for c in COMPONENTS} | {"weight_activity": 1.0}
    rec = recommend_for_demand(local_store, "d:1", tokenize=bigrams, year=2026, index=_index(local_store),
                               overrides={**weights, "ranker": "hand"}, semantics=None)
    listed = {e.scored.id for e in rec.experts}
    assert "e:none" not in listed
    for e in rec.experts:
        assert e.evidence is not None and e.evidence.listed
        assert e.evidence.direct_fields or e.evidence.hierarchy_path or e.evidence.matched_terms


# -- the ranker: history bias and the dev split by year ------------------------------------------------
def _lead_groups(n: int = 16) -> list[Group]:
    """Pseudo-queries where every relevant expert is a leader (type 0.5) and most others are not: type would
    look decisive although it is so by construction."""
    out = []
    for q in range(n):
        cands = ((f"g{q}", {"retrieval": 0.9, "type": 0.5, "activity": 0.6}),
                 (f"a{q}", {"retrieval": 0.95 if q % 4 == 0 else 0.4, "type": 0.0, "activity": 0.5}),
                 (f"b{q}", {"retrieval": 0.3, "type": 0.5, "activity": 0.2}))
        out.append(Group(f"q{q}", cands, frozenset({f"g{q}"}), year=2012 + q % 2))
    return out


def test_history_biased_components_keep_their_hand_weight_unless_officers_feedback_teaches_them():
    model = train_ranker(_lead_groups())
    assert set(HISTORY_BIASED) <= set(model.meta["kept_hand"])
    assert model.weights["type"] == hand_weights()["type"] and model.weights["retrieval"] > 0
    with_feedback = _lead_groups() + [Group("d", (("x", {"type": 0.5, "retrieval": 0.1}),
                                                  ("y", {"type": 0.0, "retrieval": 0.9})), frozenset({"x"}),
                                            source="feedback")]
    assert "type" in train_ranker(with_feedback).meta["learned"]
    assert "type" in train_ranker(_lead_groups(), fixed=()).meta["learned"]


def test_dev_split_is_by_year_and_selection_can_keep_the_hand_weights():
    fit, dev = dev_split(_lead_groups())
    assert {g.year for g in fit} == {2012} and {g.year for g in dev} == {2013}
    no_years = [Group(g.query, g.candidates, g.relevant) for g in _lead_groups()]
    a, b = dev_split(no_years, seed=1)
    assert len(a) == len(b) == 8 and dev_split(no_years, seed=1) == (a, b)
    # hand weights that rank every dev group right cannot be beaten: they are kept
    perfect = [Group(f"q{i}", (("g", {"field": 1.0, "text": 0.0}), ("o", {"field": 0.0, "text": 1.0})),
                     frozenset({"g"}), year=2012 + i % 2) for i in range(6)]
    perfect += [Group("n", (("g", {"field": 0.0, "text": 1.0}), ("o", {"field": 1.0, "text": 0.0})),
                      frozenset({"g"}), year=2012)]
    model, table = select_ranker(perfect)
    assert table["hand"] == 1.0 and (model.kind == "hand") == all(v < 1.0 for k, v in table.items() if k != "hand")
    assert model.meta["groups"] == len(perfect) and model.meta["selection"] == table  # what train-ranker prints


def _history() -> Batch:
    L, R = Label, RelType
    projects = [("p1", "锂电池正极材料", 2010, "e:a"), ("p2", "城市交通信号控制", 2011, "e:b"),
                ("p3", "锂电池正极材料循环寿命", 2014, "e:a"), ("p4", "城市交通信号优化", 2015, "e:b"),
                ("p5", "供应链金融风险", 2012, "e:c"), ("p6", "供应链金融信用评价", 2015, "e:c"),
                ("p7", "锂电池隔膜材料", 2012, "e:d")]
    return (Batch()
            .add_nodes(L.EXPERT, [{"id": e, "name": e} for e in ("e:a", "e:b", "e:c", "e:d")])
            .add_nodes(L.PROJECT, [{"id": i, "title": t, "start_year": y, "end_year": y + 2} for i, t, y, _ in projects])
            .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": e, "end": i} for i, _, _, e in projects]))


def test_ranker_training_on_a_tiny_world_learns_the_index_components(tmp_path):
    with LocalStore(tmp_path / "var") as store:
        store.write(_history())
        profiles = load_profiles(store)
        groups = project_groups(store, profiles, tokenize=bigrams, cut=2014, end=2016)
    assert sorted(g.year for g in groups) == [2014, 2015, 2015]
    for g in groups:
        comps = dict(g.candidates)[next(iter(g.relevant))]
        assert comps["retrieval"] > 0 and set(comps) == set(COMPONENTS)
    model = train_ranker(groups)
    assert set(model.weights) == set(COMPONENTS) and all(w >= 0 for w in model.weights.values())
    assert model.weights["type"] == hand_weights()["type"]


# -- the evaluation on real titles ---------------------------------------------------------------------
@pytest.mark.skipif(not G_FILE.exists(), reason="the NSFC-G file is not shipped here")
def test_engine_groups_never_fail_on_real_titles(tmp_path):
    """Real NSFC-G titles (the shortest ones too, e.g. 电子健康) as queries over a graph of real earlier projects:
    every query gives a group (maybe empty, a miss), every component stays in [0, 1]."""
    from ingest.evaluation_data import load_evaluation_projects
    from ingest.nlp import content_words

    with G_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    early = [r for r in rows if (r.get("起止年月") or "")[:4].isdigit() and int(r["起止年月"][:4]) < 2008][:250]
    late = sorted((r for r in rows if (r.get("起止年月") or "")[:4] in ("2014", "2015")),
                  key=lambda r: (len(r["项目名称"]), r["项目名称"]))
    titles = [r["项目名称"] for r in late[:15]] + ["电子健康", "ß", ""]
    path = tmp_path / "P.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(early)
    with LocalStore(tmp_path / "var") as store:
        load_evaluation_projects(path, store)
        profiles = load_profiles(store)
        groups = query_groups(store, [Query(t, frozenset({"nobody"})) for t in titles], tokenize=content_words,
                              year=2008, index=ExpertIndex(profiles, tokenize=content_words, ref_year=2008,
                                                           prior=fit_activity_prior(profiles, ref_year=2008)))
    assert len(groups) == len(titles)
    assert groups[-1].candidates == () and groups[-2].candidates == ()  # no known word: an empty group
    assert any(g.candidates for g in groups)
    for g in groups:
        for _, comps in g.candidates:
            assert set(comps) == set(COMPONENTS) and all(0.0 <= v <= 1.0 for v in comps.values())


def test_selection_keeps_the_hand_weights_when_no_learner_beats_them_on_the_dev_year():
    """The earlier year teaches text, the dev year rewards field (as the hand weights do): the hand weights stay,
    and the model says so (kind ``hand``, with what ``kgmatch train-ranker`` prints)."""
    def group(q: str, year: int, good: dict, other: dict) -> Group:
        return Group(q, (("g", good), ("o", other)), frozenset({"g"}), year=year)
    groups = [group(f"a{i}", 2012, {"text": 1.0, "field": 0.0}, {"text": 0.0, "field": 1.0}) for i in range(6)]
    groups += [group(f"b{i}", 2013, {"text": 0.0, "field": 1.0}, {"text": 1.0, "field": 0.0}) for i in range(6)]
    model, table = select_ranker(groups)
    assert table["hand"] == 1.0 and all(v < 1.0 for k, v in table.items() if k != "hand")
    assert model.kind == "hand" and model.weights == hand_weights() and model.meta["groups"] == 12
