"""An officer corrects the technical fields a demand is filed under: the store's :class:`~graph.store.Unlink`
(one node's relationships of one type deleted in the batch's own transaction) and
:func:`workflow.demands.set_demand_fields`, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph.errors import ConflictError, NotFoundError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, Direction, Expect, NodeRef, Unlink
from workflow.demands import MAX_FIELDS, set_demand_fields

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def _world() -> Batch:
    fields = [{"id": "ht2016:603", "scheme": "ht2016", "code": "603", "level": 2, "name": "新型高效能量转换与储存技术"},
              {"id": "ht2016:601", "scheme": "ht2016", "code": "601", "level": 2, "name": "可再生清洁能源"},
              {"id": "ht2016:502", "scheme": "ht2016", "code": "502", "level": 2, "name": "检验检测认证与标准服务"},
              {"id": "ht2016:207", "scheme": "ht2016", "code": "207", "level": 2, "name": "农业生物技术"}]
    return (Batch()
            .add_nodes(Label.FIELD, fields)
            .add_nodes(Label.REGION, [{"id": "region:330100", "name": "杭州市", "code": "330100"}])
            .add_nodes(Label.DEMAND, [{"id": "d:1", "title": "储能电池一致性差", "status": "待对接"},
                                      {"id": "d:2", "title": "光伏组件热斑", "status": "待对接"}])
            .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD,
                      [{"start": "d:1", "end": "ht2016:207", "weight": 1.0, "method": "nlp"},
                       {"start": "d:1", "end": "ht2016:502", "weight": 0.6, "method": "nlp"},
                       {"start": "d:2", "end": "ht2016:601", "weight": 1.0, "method": "nlp"}])
            .add_rels(RelType.LOCATED_IN, Label.DEMAND, Label.REGION, [{"start": "d:1", "end": "region:330100"}]))


def _needs(store, demand_id: str) -> dict[str, dict]:
    return {nb.node.id: dict(nb.rel.props) for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.OUT,
                                                                    rel_types=[RelType.NEEDS])}


def test_unlink_deletes_one_nodes_relationships_of_one_type_in_the_batchs_transaction(store):
    store.write(_world())
    seen: list[Batch] = []
    store.add_write_listener(seen.append)
    batch = Batch(unlink=[Unlink(RelType.NEEDS, NodeRef(Label.DEMAND, "d:1"), Label.FIELD)])
    store.write(batch.add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD,
                               [{"start": "d:1", "end": "ht2016:502", "weight": 0.9}]))
    assert _needs(store, "d:1") == {"ht2016:502": {"weight": 0.9}}  # the old props are gone, not merged into
    assert set(_needs(store, "d:2")) == {"ht2016:601"}  # another demand keeps its links
    assert [nb.node.id for nb in store.neighbors(Label.DEMAND, "d:1", rel_types=[RelType.LOCATED_IN])] == ["region:330100"]
    assert store.counts().relationships["NEEDS"] == 2
    assert seen[-1].cleared_types == [RelType.NEEDS]  # listeners learn that NEEDS rows went away
    # a batch that fails (a missing end, then a stale guard) leaves the links as they were
    with pytest.raises(ValidationError):
        store.write(Batch(unlink=[Unlink(RelType.NEEDS, NodeRef(Label.DEMAND, "d:1"), Label.FIELD)])
                    .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD, [{"start": "d:1", "end": "ht2016:999"}]))
    with pytest.raises(ConflictError):
        store.write(Batch(unlink=[Unlink(RelType.NEEDS, NodeRef(Label.DEMAND, "d:1"), Label.FIELD)],
                          expect=[Expect(NodeRef(Label.DEMAND, "d:1"), 7)]))
    assert _needs(store, "d:1") == {"ht2016:502": {"weight": 0.9}} and store.counts().relationships["NEEDS"] == 2
    with pytest.raises(ValidationError):  # NEEDS does not start at a field
        store.write(Batch(unlink=[Unlink(RelType.NEEDS, NodeRef(Label.FIELD, "ht2016:502"), Label.DEMAND)]))


def test_an_officer_sets_a_demands_fields_anew_and_what_it_had_is_kept(store):
    store.write(_world())
    got = set_demand_fields(store, "d:1", ["603", "可再生清洁能源=0.5"], by="officer:王", now=NOW)
    assert got == [("ht2016:603", 1.0), ("ht2016:601", 0.5)]
    assert _needs(store, "d:1") == {"ht2016:603": {"weight": 1.0, "method": "officer"},
                                    "ht2016:601": {"weight": 0.5, "method": "officer"}}
    node = store.get_node(Label.DEMAND, "d:1")
    assert node.props["fields_before"] == ["ht2016:207", "ht2016:502"]
    assert (node.props["fields_set_by"], node.props["fields_set_at"]) == ("officer:王", "2026-12-06T17:30:00+08:00")
    assert node.props["version"] == 1 and node.props["title"] == "储能电池一致性差"
    assert set(_needs(store, "d:2")) == {"ht2016:601"}
    set_demand_fields(store, "d:1", {"ht2016:502": 1}, by="officer:李", now=NOW)
    node = store.get_node(Label.DEMAND, "d:1")
    assert node.props["fields_before"] == ["ht2016:601", "ht2016:603"] and node.props["version"] == 2
    assert set(_needs(store, "d:1")) == {"ht2016:502"}


@pytest.mark.parametrize(("fields", "reasons"), [
    ([], ["请至少选择一个技术领域"]),
    ("", ["请至少选择一个技术领域"]),
    (["603", "没有这个领域"], ["没有这个领域"]),
    (["603=1.5"], ["1.5"]),
    (["603", "x1", "x2"], ["x1", "x2"]),
])
def test_a_bad_correction_names_the_problem_and_changes_nothing(store, fields, reasons):
    store.write(_world())
    with pytest.raises(ValidationError) as err:
        set_demand_fields(store, "d:1", fields, by="officer:王", now=NOW)
    messages = [e.message() for e in err.value.errors]
    assert all(any(r in m for m in messages) for r in reasons), messages
    assert all(m.startswith("「fields」") for m in messages)  # the API's parameter, named
    assert set(_needs(store, "d:1")) == {"ht2016:207", "ht2016:502"}
    assert "fields_set_by" not in store.get_node(Label.DEMAND, "d:1").props


def test_too_many_fields_and_a_missing_demand_are_refused(store):
    many = [{"id": f"f:{i}", "scheme": "test", "code": str(i), "name": f"领域{i}"} for i in range(MAX_FIELDS + 1)]
    store.write(_world().add_nodes(Label.FIELD, many))
    with pytest.raises(ValidationError, match="一次最多 10 条，实际 11 条"):
        set_demand_fields(store, "d:1", [f"f:{i}" for i in range(MAX_FIELDS + 1)], by="officer:王", now=NOW)
    with pytest.raises(NotFoundError):
        set_demand_fields(store, "d:404", ["603"], by="officer:王", now=NOW)


def test_the_api_corrects_a_demands_fields_and_the_recommendation_follows(store, tmp_path):
    """``POST /api/v1/demands/<id>/fields``: officers only, checked against the OpenAPI document (CheckedClient),
    every problem named, the demand as stored in the answer; a cached recommendation is not served stale."""
    from test_api import build_app, key_for

    from api.auth import Role

    store.write(_world())
    app = build_app(store, tmp_path / "data")
    client = app.test_client()
    officer, viewer = key_for(app, Role.OFFICER), key_for(app, Role.ANALYST)
    before = client.get("/api/v1/demands/d:1/recommendations", headers=officer).get_json()
    assert {f["id"] for f in before["demand"]["fields"]} == {"ht2016:207", "ht2016:502"}
    assert client.post("/api/v1/demands/d:1/fields", json={"fields": ["603"]}, headers=viewer).status_code == 403
    got = client.post("/api/v1/demands/d:1/fields", json={"fields": {"ht2016:603": 1, "601": 0.4}}, headers=officer)
    assert got.status_code == 200
    assert [(f["id"], f["weight"]) for f in got.get_json()["fields"]] == [("ht2016:603", 1.0), ("ht2016:601", 0.4)]
    after = client.get("/api/v1/demands/d:1/recommendations", headers=officer).get_json()
    assert {f["id"] for f in after["demand"]["fields"]} == {"ht2016:601", "ht2016:603"}
    bad = client.post("/api/v1/demands/d:1/fields", json={"fields": ["603", "无此领域"], "x": 1}, headers=officer)
    assert bad.status_code == 400
    assert {e["field"] for e in bad.get_json()["errors"]} == {"x"}  # the body is checked before any lookup
    bad = client.post("/api/v1/demands/d:1/fields", json={"fields": ["603", "无此领域"]}, headers=officer)
    assert bad.status_code == 400 and "无此领域" in bad.get_json()["errors"][0]["reason"]
    assert client.post("/api/v1/demands/d:1/fields", json={"fields": 3}, headers=officer).status_code == 400
    assert client.post("/api/v1/demands/d:1/fields", json={}, headers=officer).status_code == 400
    assert client.post("/api/v1/demands/d:404/fields", json={"fields": ["603"]}, headers=officer).status_code == 404
    assert set(_needs(store, "d:1")) == {"ht2016:601", "ht2016:603"}


def test_the_linker_learns_from_the_fields_officers_corrected(store):
    """``officer_texts``: only demands an officer corrected, only the officer's links, as second-level ht2016 labels."""
    from ingest.field_model import officer_texts

    store.write(_world().add_nodes(Label.FIELD, [
        {"id": "ht2016:60301", "scheme": "ht2016", "code": "60301", "level": 3, "name": "高性能绿色电池"}]))
    assert officer_texts(store) == []  # the linker's own links teach it nothing
    store.write(Batch().add_nodes(Label.DEMAND, [{"id": "d:1", "title": "储能电池一致性差", "description": "电芯容量衰减不一致"}]))
    set_demand_fields(store, "d:1", ["ht2016:60301", "601=0.5"], by="officer:王", now=NOW)
    got = sorted((t.text, t.label, t.weight, t.source) for t in officer_texts(store))
    assert got == [("储能电池一致性差\n电芯容量衰减不一致", "601", 3.0, "officer"),  # every field a full label, as dem35
                   ("储能电池一致性差\n电芯容量衰减不一致", "603", 3.0, "officer")]


def test_train_linker_from_store_counts_the_corrected_demands(tmp_path):
    import pickle

    from click.testing import CliRunner

    from api.cli import main
    from graph.local_store import LocalStore

    data = tmp_path / "var"
    with LocalStore(data) as store:
        store.write(_world())
        set_demand_fields(store, "d:2", ["603"], by="officer:王", now=NOW)
    out = tmp_path / "linker.pkl"
    result = CliRunner().invoke(main, ["--store", "local", "--data-dir", str(data), "train-linker", "--small",
                                       "--from-store", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "库中人工更正过技术领域的需求：1 条（1 个标注）" in result.output
    model = pickle.loads(out.read_bytes())
    assert model.meta["rows"]["officer"] == 1
    # mem38: the corrected demand is remembered with the officer's field, and moves the vote for its own wording
    # towards it (one correction among 640 labelled demands, many about 光伏 under 601, does not outvote them)
    from graph.model import demand_text
    from ingest.field_model import DemandMemory

    with LocalStore(data) as store:
        node = store.get_node(Label.DEMAND, "d:2")
    text = demand_text(node.props["title"], node.props.get("description"))  # the one layout (graph.model)
    memory = model.memory
    assert memory.labels[memory.texts.index(text)] == (("603", 3.0),)
    others = [(t, labels) for t, labels in zip(memory.texts, memory.labels, strict=True) if t != text]
    without = DemandMemory(tuple(t for t, _ in others), tuple(labels for _, labels in others))
    assert memory.votes(text).get("603", 0.0) > without.votes(text).get("603", 0.0)
