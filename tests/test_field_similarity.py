"""Field similarity on a taxonomy small enough to compute by hand, and RELATED_TO on both stores."""

from __future__ import annotations

import math

import pytest

from graph.model import Label, RelType
from graph.store import Batch
from recommend.field_similarity import FieldInfo, field_infos, related_fields

TREE = [FieldInfo("E", "s", None, frozenset(), ()),
        FieldInfo("E02", "s", "E", frozenset({"a"}), ()),
        FieldInfo("E0207", "s", "E02", frozenset({"a", "b"}), ("光电", "薄膜")),
        FieldInfo("E0203", "s", "E02", frozenset({"b"}), ("陶瓷",)),
        FieldInfo("X1", "other", None, frozenset({"a"}), ("光电",))]


def test_scores_by_hand():
    pairs = {(p.a, p.b): p for p in related_fields(TREE, min_score=0.0)}
    sib = pairs[("E0203", "E0207")]
    assert sib.taxonomy == pytest.approx(2 * 2 / 6, abs=1e-4)
    assert sib.experts == pytest.approx(1 / math.sqrt(2), abs=1e-4)
    assert sib.score == pytest.approx(0.3 * 2 / 3 + 0.7 / math.sqrt(2), abs=1e-3)
    cross = pairs[("E0207", "X1")]
    assert cross.taxonomy == 0.0 and cross.keywords > 0
    assert ("E02", "E0207") not in pairs  # an ancestor pair is the hierarchy's business
    assert ("E0203", "X1") not in pairs  # no shared expert or keyword: no evidence, no pair


def test_threshold_and_top_k():
    # E02 shares expert a with X1 exactly: 0.7 · 1.0 = 0.7; the siblings score 0.695; E0207–X1 0.495.
    assert {(p.a, p.b) for p in related_fields(TREE, min_score=0.6)} == {("E02", "X1"), ("E0203", "E0207")}
    # top_k=1: every field keeps its best partner, so E0207–X1 (second for both) goes.
    assert {(p.a, p.b) for p in related_fields(TREE, min_score=0.0, top_k=1)} == {("E02", "X1"), ("E0203", "E0207")}
    assert len(related_fields(TREE, min_score=0.0, top_k=2)) == 3


def test_field_infos_read_the_graph_the_same_on_both_stores(store):
    batch = (Batch()
             .add_nodes(Label.FIELD, [{"id": f.id, "name": f.id, "scheme": f.scheme} for f in TREE])
             .add_nodes(Label.EXPERT, [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}])
             .add_nodes(Label.PROJECT, [{"id": "p1", "title": "薄膜", "keywords": ["光电", "薄膜"]}])
             .add_rels(RelType.SUBFIELD_OF, Label.FIELD, Label.FIELD,
                       [{"start": f.id, "end": f.parent} for f in TREE if f.parent])
             .add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD,
                       [{"start": "a", "end": "E0207"}, {"start": "b", "end": "E0203"}, {"start": "a", "end": "X1"}])
             .add_rels(RelType.IN_FIELD, Label.PROJECT, Label.FIELD, [{"start": "p1", "end": "E0207"}])
             .add_rels(RelType.LEADS, Label.EXPERT, Label.PROJECT, [{"start": "b", "end": "p1"}]))
    store.write(batch)
    infos = {f.id: f for f in field_infos(store)}
    assert infos["E0207"].experts == {"a", "b"} and infos["E0207"].parent == "E02"
    assert infos["E0207"].keywords == ("光电", "薄膜") and infos["E"].parent is None
