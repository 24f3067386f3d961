"""Issue 13 (PI-retrieval recall): candidates from the latent space (``semantic_candidates``) join the field and
text candidates; an expert they bring without evidence is scored but never listed."""

from __future__ import annotations

import numpy as np
from test_pi_components import _index, _text_only_expert
from test_recommend_engine import bigrams, world

from recommend.candidates import demand_facts
from recommend.config import resolve
from recommend.engine import recommend_for_demand, score_demand
from recommend.semantics import ProfileVectors, SemanticModel


def _model() -> SemanticModel:
    """A latent space where 交通 and 涂布 point the same way: 城市交通拥堵治理 is close to a coating demand
    without sharing a word with it."""
    return SemanticModel(["#交通", "#涂布"], np.ones(2), np.array([[1.0, 0.0], [1.0, 0.0]]))


def test_latent_space_neighbours_join_the_candidates_up_to_the_cap(local_store):
    local_store.write(world())
    local_store.write(_text_only_expert())
    demand = demand_facts(local_store, "d:1", year=2026)
    model = _model()
    index = _index(local_store)
    index.vectors = ProfileVectors.build(model, index.texts())
    settings = resolve()
    off = score_demand(local_store, demand, settings, tokenize=bigrams, index=index, semantics=model)
    assert "e:none" not in {s.id for s in off.scored}  # no field path, no shared word: not a candidate today
    on = score_demand(local_store, demand, {**settings, "semantic_candidates": 5}, tokenize=bigrams, index=index,
                      semantics=model)
    found = {s.id for s in on.scored}
    assert "e:none" in found and {s.id for s in off.scored} <= found  # a union: nobody lost
    none = next(s for s in on.scored if s.id == "e:none")
    assert none.components["semantic"] > 0.9 and none.components["text"] == 0.0
    # without the index's vectors (or with another model's) the source is silent, never an error
    index.vectors = None
    assert {s.id for s in score_demand(local_store, demand, {**settings, "semantic_candidates": 5}, tokenize=bigrams,
                                       index=index, semantics=model).scored} == {s.id for s in off.scored}


def test_a_latent_space_candidate_without_evidence_is_never_listed(local_store):
    local_store.write(world())
    local_store.write(_text_only_expert())
    model = _model()
    index = _index(local_store)
    index.vectors = ProfileVectors.build(model, index.texts())
    rec = recommend_for_demand(local_store, "d:1", tokenize=bigrams, year=2026, index=index, semantics=model,
                               overrides={"semantic_candidates": 5, "top_k": 50})
    assert rec.experts and "e:none" not in {e.scored.id for e in rec.experts}


def test_nearest_reads_the_overlay_and_leaves_dropped_profiles_out():
    model = SemanticModel(["电池", "基因"], np.ones(2), np.eye(2))
    base = ProfileVectors.build(model, [(f"e:{n}", b"d", ["基因"], "基因") for n in range(ProfileVectors.OVERLAY_FROM)]
                                + [("e:bat", b"d", ["电池"], "电池")])
    q = model.vectors([["电池"]])[0]
    assert base.nearest(q, k=3) == [("e:bat", 1.0)]
    moved = base.updated(model, [("e:7", b"x", ["电池"], "电池")], removed=["e:bat"])
    assert moved.nearest(q, k=3) == [("e:7", 1.0)]  # e:7 now near through the overlay, e:bat dropped
    assert [i for i, _ in moved.nearest(model.vectors([["基因"]])[0], k=2)] == ["e:0", "e:1"]  # ties by id
