"""Bounded, weight-ordered fan-out in candidate generation: the same on both stores."""

from __future__ import annotations

from graph.model import Label, RelType
from recommend.candidates import demand_facts, gather_candidates
from recommend.config import resolve
from recommend.engine import recommend_for_demand
from tests.test_recommend_engine import bigrams, world


def _heavier_li(store) -> None:
    store.write(world())
    store.upsert_relationships(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD,
                               [{"start": "e:conf", "end": "f:cathode", "weight": 0.4}])


def test_fanout_keeps_the_heaviest_experts_of_each_field(store):
    _heavier_li(store)
    demand = demand_facts(store, "d:1", year=2026)
    wide, _ = gather_candidates(store, demand, resolve({"text_candidates": 0}))
    narrow, _ = gather_candidates(store, demand, resolve({"text_candidates": 0, "fanout_per_field": 1}))
    assert "e:conf" in {c.id for c in wide}
    kept = {c.id for c in narrow}
    assert "e:conf" not in kept and "e:li" in kept  # f:cathode: e:li (1.0) before e:conf (0.4)
    assert kept < {c.id for c in wide}


def test_fanout_zero_means_unbounded_and_changes_nothing(store):
    store.write(world())
    default = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026).as_dict()
    unbounded = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026,
                                     overrides={"fanout_per_field": 0}).as_dict()
    default["settings"].pop("fanout_per_field")
    unbounded["settings"].pop("fanout_per_field")
    assert default == unbounded
