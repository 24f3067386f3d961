"""The precomputed per-field expert lists (recommend.field_experts): the same candidates and paths as
a traversal of the graph, kept current by writes, on both stores."""

from __future__ import annotations

from graph.local_store import LocalStore
from graph.model import CLASS_BASIS, REVIEW_BASIS, Label, RelType
from graph.store import Batch, NodeRef
from recommend import field_experts
from recommend.candidates import demand_facts, gather_candidates
from recommend.config import resolve
from recommend.field_experts import field_expert_lists
from tests.test_recommend_engine import world


def _candidates(store, demand_id: str = "d:1", **overrides) -> dict[str, set[tuple]]:
    demand = demand_facts(store, demand_id, year=2026)
    found, _ = gather_candidates(store, demand, resolve({"text_candidates": 0, **overrides}))
    return {c.id: {(p.kind, p.via, p.role, p.expert_weight) for p in c.paths} for c in found}


def _new_project(store, expert: str = "e:new", project: str = "p:new", field: str = "f:cathode") -> None:
    store.write(Batch()
                .add_nodes(Label.EXPERT, [{"id": expert, "name": "钱新"}])
                .add_nodes(Label.PROJECT, [{"id": project, "title": "富锂锰基正极材料", "start_year": 2025}])
                .add_rels(RelType.LEADS, Label.EXPERT, Label.PROJECT, [{"start": expert, "end": project}])
                .add_rels(RelType.IN_FIELD, Label.PROJECT, Label.FIELD, [{"start": project, "end": field}]))


def test_lists_give_the_paths_of_the_graph(store):
    store.write(world())
    found = _candidates(store)
    # d:1 needs f:cathode and f:inspect: e:li by EXPERT_IN and by leading p:1, e:zhao by leading p:2
    assert ("expert_in", ("f:cathode", "e:li"), "", 1.0) in found["e:li"]
    assert ("project", ("f:cathode", "p:1", "e:li"), "lead", 1.0) in found["e:li"]
    assert ("project", ("f:inspect", "p:2", "e:zhao"), "lead", 1.0) in found["e:zhao"]
    assert {"e:li", "e:conf", "e:sun", "e:zhao"} <= set(found)


def test_a_new_project_written_after_the_first_request_brings_its_leader(store):
    store.write(world())
    assert "e:new" not in _candidates(store)
    lists = field_expert_lists(store)
    builds = lists.builds
    _new_project(store)
    found = _candidates(store)
    assert ("project", ("f:cathode", "p:new", "e:new"), "lead", 1.0) in found["e:new"]
    assert lists.builds == builds and lists.updates >= 1  # updated in place, not rebuilt


def test_a_changed_weight_and_a_new_member_are_seen(store):
    store.write(world())
    _candidates(store)
    store.upsert_relationships(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD,
                               [{"start": "e:conf", "end": "f:cathode", "weight": 0.4}])
    store.upsert_relationships(RelType.JOINS, Label.EXPERT, Label.PROJECT, [{"start": "e:wang", "end": "p:1"}])
    found = _candidates(store)
    assert ("expert_in", ("f:cathode", "e:conf"), "", 0.4) in found["e:conf"]
    assert ("project", ("f:cathode", "p:1", "e:wang"), "member", 0.5) in found["e:wang"]
    assert _candidates(store, fanout_per_field=1).keys() < found.keys()  # e:conf (0.4) is past the bound


def test_clear_empties_the_lists(store):
    store.write(world())
    assert _candidates(store)
    store.clear()
    store.write(Batch().add_nodes(Label.FIELD, [{"id": "f:cathode", "name": "正极材料", "scheme": "t"}])
                .add_nodes(Label.DEMAND, [{"id": "d:1", "title": "正极"}])
                .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD, [{"start": "d:1", "end": "f:cathode", "weight": 1.0}]))
    assert _candidates(store) == {}


def test_another_process_writing_the_same_store_is_seen(tmp_path):
    first = LocalStore(tmp_path / "store")
    first.write(world())
    assert "e:new" not in _candidates(first)
    other = LocalStore(tmp_path / "store")  # another store object: its writes are not notified to `first`
    _new_project(other)
    other.close()
    assert "e:new" in _candidates(first)
    first.close()


def test_a_slow_rebuild_runs_beside_the_serving_lists(tmp_path, monkeypatch):
    monkeypatch.setattr(field_experts, "BACKGROUND_FROM_EXPERTS", 1)  # every list counts as large
    first = LocalStore(tmp_path / "store")
    first.write(world())
    assert "e:new" not in _candidates(first)
    lists = field_expert_lists(first)
    other = LocalStore(tmp_path / "store")
    _new_project(other)
    other.close()
    lists.refresh(first)  # starts the rebuild on a thread and returns at once
    lists.wait()
    assert lists.builds == 2
    assert "e:new" in _candidates(first)
    first.close()


def test_a_small_write_updates_the_lists_itself_and_they_equal_a_fresh_build(store, monkeypatch):
    """Issue 17: a write touching few fields and projects brings the lists up to date in its own listener (the
    next request re-reads nothing), a large one is left to the next request, and either way the lists equal
    lists built from scratch."""
    store.write(world())
    lists = field_expert_lists(store)
    before = _candidates(store)
    updates = lists.updates
    _new_project(store)
    assert lists.updates == updates + 1 and not lists._dirty_fields and not lists._dirty_outputs  # by the write
    refreshed: list[int] = []
    monkeypatch.setattr(lists, "_update", lambda *a: refreshed.append(1))
    after = _candidates(store)
    assert not refreshed and after != before and "e:new" in after  # the request found them current
    monkeypatch.undo()
    monkeypatch.setattr(field_experts, "INLINE_MAX", 1)  # as if the write touched many
    _new_project(store, expert="e:new2", project="p:new2")
    assert lists.updates == updates + 1 and lists._dirty_links == {"f:cathode": {NodeRef(Label.PROJECT, "p:new2")}}
    after = _candidates(store)
    assert lists.updates == updates + 2 and "e:new2" in after
    monkeypatch.undo()
    whole: list[list[str]] = []
    read_fields = lists._read_fields
    monkeypatch.setattr(lists, "_read_fields", lambda st, fs: whole.append(list(fs)) or read_fields(st, fs))
    store.write(Batch()  # a changed weight, a new expert and a class-only link: only these links are read
                .add_nodes(Label.EXPERT, [{"id": "e:new3", "name": "周新"}])
                .add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD,
                          [{"start": "e:conf", "end": "f:cathode", "weight": 0.4},
                           {"start": "e:new3", "end": "f:cathode", "weight": 0.7, "basis": CLASS_BASIS},
                           {"start": "e:new3", "end": "f:inspect", "weight": 1.0}])
                .add_nodes(Label.PAPER, [{"id": "a:new", "title": "高镍正极包覆"}])  # a link a person checked
                .add_rels(RelType.IN_FIELD, Label.PAPER, Label.FIELD,
                          [{"start": "a:new", "end": "f:cathode", "basis": REVIEW_BASIS}])
                .add_rels(RelType.AUTHORED, Label.EXPERT, Label.PAPER, [{"start": "e:new3", "end": "a:new", "position": 1}]))
    assert lists.updates == updates + 3 and all(not fs for fs in whole)  # no field re-read whole
    found = _candidates(store)
    assert ("expert_in", ("f:cathode", "e:conf"), "", 0.4) in found["e:conf"]
    assert ("expert_in", ("f:inspect", "e:new3"), "", 1.0) in found["e:new3"]
    fresh = field_experts.FieldExpertLists()
    fresh.refresh(store)
    fields = sorted(lists._entries)
    assert fields == sorted(fresh._entries)
    for f in fields:
        mine, theirs = lists.snapshot([f])[f], fresh.snapshot([f])[f]
        assert [lists.expert_id(i) for i in mine.expert] == [fresh.expert_id(i) for i in theirs.expert]
        assert [lists.expert_id(i) for i in mine.project_person] == [fresh.expert_id(i) for i in theirs.project_person]
        assert mine.project_rank.tolist() == theirs.project_rank.tolist()
        assert mine.expert_weight.tolist() == theirs.expert_weight.tolist()
        assert [lists.output_id(Label.PROJECT, i) for i in mine.project_id] == \
            [fresh.output_id(Label.PROJECT, i) for i in theirs.project_id]
        assert mine.project_link.tolist() == theirs.project_link.tolist()
        assert mine.expert_basis == theirs.expert_basis and mine.paper_basis == theirs.paper_basis
    assert lists._basis["f:cathode"] == fresh._basis["f:cathode"]
    assert fresh._basis["f:cathode"].get("e:new3") == CLASS_BASIS and fresh._basis["f:cathode"].get("a:new") == REVIEW_BASIS
    assert [p for p, b in fresh._basis["f:cathode"].items() if b == REVIEW_BASIS] == ["a:new"]
    cands, _ = gather_candidates(store, demand_facts(store, "d:1", year=2026), resolve({"text_candidates": 0}))
    assert {p.basis for c in cands if c.id == "e:new3" for p in c.paths if p.kind == "paper"} == {REVIEW_BASIS}
