"""The expert index a server keeps: writes update it beside the serving one, reads never wait."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace

import pytest

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch
from recommend.index_cache import IndexCache, touched_experts
from recommend.profiles import ExpertProfile, load_profiles
from recommend.retrieval import ExpertIndex
from recommend.scoring import ProjectFact
from tests.test_recommend_engine import bigrams, world


def _new_expert() -> Batch:
    return (Batch()
            .add_nodes(Label.EXPERT, [{"id": "e:new", "name": "钱伟", "keywords": ["固态电解质"]}])
            .add_nodes(Label.PROJECT, [{"id": "p:9", "title": "固态电解质界面稳定性", "start_year": 2024}])
            .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, [{"start": "e:new", "end": "i:zju"}])
            .add_rels(RelType.LEADS, Label.EXPERT, Label.PROJECT, [{"start": "e:new", "end": "p:9"}]))


def test_a_write_outside_profiles_leaves_the_index_alone(store):
    store.write(world())
    cache = IndexCache(bigrams, recheck_seconds=0.0)
    first = cache.get(store)
    store.upsert_nodes(Label.DEMAND, [{"id": "d:2", "title": "另一条需求"}])  # like a push or a Delivery
    assert cache.get(store) is first
    cache.wait()
    assert cache.get(store) is first
    assert (cache.builds, cache.updates) == (1, 0)


@pytest.mark.parametrize("fork", [False, True])
def test_a_profile_write_is_served_after_a_background_update_without_waiting(store, fork):
    store.write(world())
    cache = IndexCache(bigrams, recheck_seconds=3600.0, settle_seconds=0.0, fork=fork)
    first = cache.get(store)
    assert "e:new" not in first.profiles
    store.write(_new_expert())
    assert cache.get(store) is first  # returned at once; the update runs beside it
    cache.wait()
    fresh = cache.get(store)
    assert "e:new" in fresh.profiles and fresh.search("固态电解质", k=1)[0][0] == "e:new"
    assert (cache.builds, cache.updates) == (1, 1)
    if not fork:  # unchanged profiles are not re-tokenised (built in this process: the very same words)
        assert fresh.words["e:li"][1] is first.words["e:li"][1]
    full = ExpertIndex(load_profiles(store), tokenize=bigrams, ref_year=fresh.ref_year)
    assert fresh.search("正极材料 缺陷检测", k=5) == full.search("正极材料 缺陷检测", k=5)


def test_a_burst_of_writes_is_coalesced_into_one_update(store):
    store.write(world())
    cache = IndexCache(bigrams, recheck_seconds=3600.0, settle_seconds=3600.0)
    first = cache.get(store)
    store.write(_new_expert())
    store.upsert_nodes(Label.EXPERT, [{"id": "e:li", "name": "李明", "keywords": ["正极材料", "钠电池"]}])
    assert cache.get(store) is first  # still settling: nothing started
    cache.wait()
    assert cache.updates == 0
    cache.settle_seconds = 0.0
    cache.get(store)
    cache.wait()
    fresh = cache.get(store)
    assert cache.updates == 1 and "e:new" in fresh.profiles and "钠电池" in fresh.profiles["e:li"].keywords


def test_a_project_write_updates_its_experts(store):
    store.write(world())
    cache = IndexCache(bigrams, background=False, recheck_seconds=3600.0)
    cache.get(store)
    store.upsert_nodes(Label.PROJECT, [{"id": "p:1", "title": "钠离子电池正极材料", "start_year": 2023}])
    cache.get(store)  # schedules (inline here)
    fresh = cache.get(store)
    assert any(p.title == "钠离子电池正极材料" for p in fresh.profiles["e:li"].projects)
    assert cache.updates == 1


def test_a_persisted_index_is_reused_while_current_and_rebuilt_after_another_process_writes(tmp_path):
    data, persist = tmp_path / "data", tmp_path / "index"
    with LocalStore(data) as store:
        store.write(world())
        built = IndexCache(bigrams, persist_dir=persist).get(store)
    with LocalStore(data) as store:
        again = IndexCache(bigrams, persist_dir=persist)
        loaded = again.get(store)
        assert again.builds == 0
        assert loaded.search("正极材料", k=3) == built.search("正极材料", k=3)
        with LocalStore(data) as other:
            other.write(_new_expert())  # another process: no listener here
        fresh = IndexCache(bigrams, persist_dir=persist)
        assert "e:new" in fresh.get(store).profiles and fresh.builds == 1


def test_touched_experts_names_experts_and_projects_of_a_batch():
    experts, projects = touched_experts(_new_expert())
    assert (experts, projects) == ({"e:new"}, {"p:9"})
    assert touched_experts(Batch().add_nodes(Label.DEMAND, [{"id": "d", "title": "t"}])) == (set(), set())


def _profiles(n: int, seed: int) -> list[ExpertProfile]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    weights = [1 / (i + 1) for i in range(len(vocab))]  # Zipf-like, as real profile words are
    return [ExpertProfile(f"e:{i:05d}", f"专家{i}", None, None, tuple(rng.choices(vocab, weights, k=rng.randint(2, 6))),
                          tuple(ProjectFact(f"p:{i}:{j}", " ".join(rng.choices(vocab, weights, k=8)), "lead", 2020 + j)
                                for j in range(rng.randint(1, 4))))
            for i in range(n)]


def test_a_few_changed_profiles_go_into_the_delta_and_rank_as_a_rebuilt_index_does():
    base = _profiles(2500, seed=1)
    first = ExpertIndex(base, tokenize=str.split, ref_year=2026, bigrams=False)
    assert first.patchable(10) and not first.patchable(60)  # 2 % of 2,500
    fresh = _profiles(12, seed=2)
    changed = [replace(p, id=base[i * 100].id) for i, p in enumerate(fresh[:8])]  # 8 rewritten profiles
    added = [replace(p, id=f"e:new{i}") for i, p in enumerate(fresh[8:])]  # 4 new experts
    removed = {base[7].id, base[8].id}
    patched = first.updated([*changed, *added], removed=removed)
    assert patched._bm25 is first._bm25  # the BM25 matrix is shared, not rebuilt
    now = {p.id: p for p in base if p.id not in removed} | {p.id: p for p in [*changed, *added]}
    full = ExpertIndex(sorted(now.values(), key=lambda p: p.id), tokenize=str.split, ref_year=2026, bigrams=False)
    assert set(patched.profiles) == set(full.profiles) and patched.profiles[base[100].id] == changed[1]
    rng = random.Random(3)
    queries = [" ".join(rng.sample([f"w{i}" for i in range(60)], 3)) for _ in range(30)]
    queries += [" ".join(p.projects[0].title.split()[:4]) for p in [*changed, *added]]  # aimed at the delta
    same = 0
    for query in queries:
        got, want = patched.search(query, k=10), full.search(query, k=10)
        assert not {i for i, s in got if s > 0} & removed
        same += [i for i, _ in got[:5]] == [i for i, _ in want[:5]]
        want_score = dict(want)
        assert all(abs(s - want_score[i]) < 0.02 for i, s in got if i in want_score), query  # scores /max
    assert same >= len(queries) - 2  # statistics drift a little: at most a near-tie swaps
    again = pickle.loads(pickle.dumps(patched))
    assert again.search(queries[0], k=5) == patched.search(queries[0], k=5)
    rebuilt = patched.updated([], rebuild=True)
    assert rebuilt._bm25 is not first._bm25 and not rebuilt._delta
    assert rebuilt.search(queries[-1], k=5) == full.search(queries[-1], k=5)


def test_a_tiny_index_is_rebuilt_whole_on_every_update(store):
    store.write(world())
    first = ExpertIndex(load_profiles(store), tokenize=bigrams, ref_year=2026)
    assert not first.patchable(1)  # exact and a matter of milliseconds
    store.write(_new_expert())
    fresh = first.updated(load_profiles(store, ids=["e:new"]))
    assert fresh._bm25 is not first._bm25 and fresh.search("固态电解质", k=1)[0][0] == "e:new"
    paper = Batch().add_nodes(Label.PAPER, [{"id": "paper:1", "title": "高镍正极材料"}])
    paper.add_rels(RelType.AUTHORED, Label.EXPERT, Label.PAPER, [{"start": "e:1", "end": "paper:1", "position": 1}])
    assert touched_experts(paper) == ({"e:1"}, {"paper:1"})  # papers are profile text too


def test_an_indexed_profile_has_the_candidates_text_so_its_words_are_reused(store):
    """The index and candidate gathering read the same projects and papers: the engine reuses the
    index's words instead of tokenising each candidate again (a paper author missed every time)."""
    from recommend.candidates import _facts, expert_records
    from recommend.text import profile_text

    store.write(world())
    store.write(_new_expert().add_nodes(Label.PAPER, [{"id": "paper:1", "title": "硫化物固态电解质", "year": 2022}])
                .add_rels(RelType.AUTHORED, Label.EXPERT, Label.PAPER, [{"start": "e:new", "end": "paper:1"}]))
    cache = IndexCache(bigrams)
    index = cache.get(store)
    [facts] = _facts(store, expert_records(store, ["e:new"]), {}, 2026)
    assert "硫化物固态电解质" in profile_text(facts)
    assert index.words_for("e:new", profile_text(facts), bigrams) == tuple(bigrams(profile_text(facts)))


def test_profile_vectors_follow_updates_and_persist_with_the_index(tmp_path):
    """Issue 13: the index carries its profiles' semantic vectors; an update folds in the changed
    profiles only, and a persisted index brings them back without a rebuild."""
    import numpy as np

    from recommend.semantics_build import build_model

    model = build_model(["固态电解质 界面", "正极材料 高镍", "机器视觉 缺陷检测", "锂电池 正极材料"], tokenize=bigrams,
                        dims=2, min_df=1)
    data, persist = tmp_path / "data", tmp_path / "index"
    with LocalStore(data) as store:
        store.write(world())
        cache = IndexCache(bigrams, background=False, recheck_seconds=3600.0, persist_dir=persist, semantics=model)
        first = cache.get(store)
        assert set(first.vectors.rows) == set(first.profiles)
        li = first.vectors.matrix[first.vectors.rows["e:li"]].copy()
        store.write(_new_expert())
        cache.get(store)
        fresh = cache.get(store)
        assert cache.updates == 1 and "e:new" in fresh.vectors.rows
        assert np.array_equal(fresh.vectors.matrix[fresh.vectors.rows["e:li"]], li)
        [(_, digest, _, _)] = list(fresh.texts(["e:new"]))
        assert fresh.vectors.lookup(model, [("e:new", digest)])[1].all()
    with LocalStore(data) as store:
        again = IndexCache(bigrams, persist_dir=persist, semantics=model)
        loaded = again.get(store)
        assert again.builds == 0 and loaded.vectors.key == model.fingerprint
        assert set(loaded.vectors.rows) == set(loaded.profiles)
        without = IndexCache(bigrams, persist_dir=persist, semantics=None)  # the model was removed
        assert without.get(store).vectors is None and without.builds == 0


def _relevant_new_expert() -> Batch:
    """A new expert whose profile matches demand d:1 of the world (涂布缺陷检测) only by its text."""
    return (Batch()
            .add_nodes(Label.EXPERT, [{"id": "e:new", "name": "钱伟", "keywords": ["涂布缺陷检测", "正极极片"]}])
            .add_nodes(Label.PROJECT, [{"id": "p:9", "title": "正极极片涂布缺陷在线检测", "start_year": 2024}])
            .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, [{"start": "e:new", "end": "i:thu"}])
            .add_rels(RelType.LEADS, Label.EXPERT, Label.PROJECT, [{"start": "e:new", "end": "p:9"}]))


def test_a_small_write_is_folded_in_by_the_next_request_so_its_answer_has_the_new_expert(store, monkeypatch):
    """Issue 17: a few written profiles go into the serving index's delta in the next request itself
    (the touched experts re-read, nothing rebuilt, no background thread), so that request already
    recommends the new expert; the index before the write is left as it was."""
    import recommend.retrieval as retrieval
    from recommend.engine import recommend_for_demand

    monkeypatch.setattr(retrieval, "DELTA_FLOOR", 0)  # the world is tiny: let it take a delta as a 10× graph does
    monkeypatch.setattr(retrieval, "DELTA_SHARE", 1.0)
    store.write(world())
    cache = IndexCache(bigrams, recheck_seconds=3600.0, settle_seconds=3600.0, semantics=None)
    first = cache.get(store)
    before = recommend_for_demand(store, "d:1", tokenize=bigrams, index=first, year=2026)
    assert "e:new" not in {e.scored.id for e in before.experts}
    store.write(_relevant_new_expert())
    fresh = cache.get(store)
    assert fresh is not first and cache._worker is None  # folded in here, not on a thread
    assert (cache.builds, cache.updates) == (1, 1) and fresh._bm25 is first._bm25
    assert "e:new" in fresh.profiles and "e:new" not in first.profiles and len(fresh.profiles) == len(first.profiles) + 1
    assert fresh.search("涂布缺陷检测", k=1)[0][0] == "e:new"
    after = recommend_for_demand(store, "d:1", tokenize=bigrams, index=fresh, year=2026)
    assert "e:new" in {e.scored.id for e in after.experts}
    assert cache.get(store) is fresh  # nothing left to fold in
    store.upsert_nodes(Label.EXPERT, [{"id": "e:new", "name": "钱伟", "keywords": ["固态电解质"]}])  # a rewrite
    again = cache.get(store)
    assert again.profiles["e:new"].keywords == ("固态电解质",) and cache.updates == 2 and cache.builds == 1
    full = ExpertIndex(load_profiles(store), tokenize=bigrams, ref_year=again.ref_year)
    hits = [i for i, score in again.search("固态电解质", k=3) if score > 0]
    assert hits == [i for i, score in full.search("固态电解质", k=3) if score > 0] == ["e:new"]


def test_a_write_too_large_for_the_delta_is_left_to_the_background_update(store):
    store.write(world())
    cache = IndexCache(bigrams, recheck_seconds=3600.0, settle_seconds=0.0, semantics=None)
    first = cache.get(store)  # five experts: below DELTA_FLOOR, every update rebuilds
    store.write(_relevant_new_expert())
    assert cache.get(store) is first  # not folded in: the background update rebuilds beside it
    cache.wait()
    assert "e:new" in cache.get(store).profiles and cache.builds == 1 and cache.updates == 1


def test_profile_vectors_of_a_large_set_keep_changes_beside_the_shared_matrix(monkeypatch):
    """An update of a large set's vectors shares the matrix (an overlay of the changed rows), answers
    as a full copy does, pickles, and is folded into one matrix again past OVERLAY_MAX."""
    import numpy as np

    from recommend.semantics import ProfileVectors
    from recommend.semantics_build import build_model

    model = build_model(["固态电解质 界面", "正极材料 高镍", "机器视觉 缺陷检测", "锂电池 正极材料"], tokenize=bigrams,
                        dims=2, min_df=1)
    texts = ["正极材料", "缺陷检测", "固态电解质", "机器视觉", "锂电池"]
    profiles = [(f"e:{i}", f"d{i}".encode(), bigrams(t), t) for i, t in enumerate(texts)]
    base = ProfileVectors.build(model, profiles)
    changed = [("e:1", b"d1x", bigrams("高镍正极"), "高镍正极"), ("e:9", b"d9", bigrams("固态电解质界面"), "固态电解质界面")]
    copied = base.updated(model, changed, removed=["e:2"])  # a small set: copied whole
    monkeypatch.setattr(ProfileVectors, "OVERLAY_FROM", 0)
    shared = base.updated(model, changed, removed=["e:2"])
    assert shared.matrix is base.matrix and copied.matrix is not base.matrix
    assert len(shared) == len(copied) == 5 and "e:2" not in shared and "e:9" in shared and "e:2" in base
    wanted = [("e:0", b"d0"), ("e:1", b"d1"), ("e:1", b"d1x"), ("e:2", b"d2"), ("e:9", b"d9"), ("e:3", b"d3")]
    rows_s, found_s = shared.lookup(model, wanted)
    rows_c, found_c = copied.lookup(model, wanted)
    assert found_s.tolist() == found_c.tolist() == [True, False, True, False, True, True]
    assert np.allclose(rows_s, rows_c)
    assert base.lookup(model, [("e:1", b"d1"), ("e:2", b"d2")])[1].all()  # the serving set is unchanged
    again = pickle.loads(pickle.dumps(shared))
    assert np.allclose(again.lookup(model, wanted)[0], rows_c)
    rebuilt = ProfileVectors.build(model, [*profiles[:1], *changed], previous=shared)  # reuses the overlay's rows
    assert np.allclose(rebuilt.lookup(model, [("e:9", b"d9")])[0], rows_c[4:5])
    monkeypatch.setattr(ProfileVectors, "OVERLAY_MAX", 1)
    folded = shared.updated(model, [("e:4", b"d4x", bigrams("锂电池 正极"), "锂电池 正极")])
    assert folded.matrix is not base.matrix and not folded._extra and len(folded) == 5
    assert set(folded.rows) == {"e:0", "e:1", "e:3", "e:4", "e:9"}


def test_warming_runs_the_fold_in_once_and_serves_the_index_as_built(store, monkeypatch):
    """Issue 17: the first write after a start paid for Neo4j planning the fold-in's reads (3.8× the request
    before it at 10×); ``serve`` warms the cache, which runs the fold-in once for one stored expert and drops
    the result."""
    import recommend.retrieval as retrieval

    monkeypatch.setattr(retrieval, "DELTA_FLOOR", 0)
    monkeypatch.setattr(retrieval, "DELTA_SHARE", 1.0)
    store.write(world())
    asked: list[tuple[Label, tuple[str, ...]]] = []
    get_nodes = store.get_nodes
    monkeypatch.setattr(store, "get_nodes", lambda label, ids: asked.append((label, tuple(ids))) or get_nodes(label, ids))
    cache = IndexCache(bigrams, recheck_seconds=3600.0, settle_seconds=3600.0, semantics=None)
    first = cache.get(store)
    assert (Label.EXPERT, (first.ids[0],)) not in asked  # a one-shot use (kgmatch recommend ID) does not warm
    cache.warm(store)
    assert (Label.EXPERT, (first.ids[0],)) in asked  # the warm-up read one stored expert's profile
    assert cache.get(store) is first and (cache.builds, cache.updates) == (1, 0)
    assert sorted(first.profiles) == sorted(p.id for p in load_profiles(store))  # nothing added or dropped


def test_a_small_write_is_folded_in_by_the_writer_and_one_during_a_fold_in_by_the_next_request(store, monkeypatch):
    """Issue 17: a small profile write is folded into the serving index by the write itself (its listener), so
    the next request finds the index current and does no work for it; a write while another thread is folding
    in is left to the next request."""
    import recommend.retrieval as retrieval

    monkeypatch.setattr(retrieval, "DELTA_FLOOR", 0)
    monkeypatch.setattr(retrieval, "DELTA_SHARE", 1.0)
    store.write(world())
    cache = IndexCache(bigrams, recheck_seconds=3600.0, settle_seconds=3600.0, semantics=None)
    first = cache.get(store)
    store.write(_relevant_new_expert())
    assert cache.updates == 1 and not cache._dirty_experts  # folded in by the write, before any request
    fresh = cache.get(store)
    assert fresh is not first and "e:new" in fresh.profiles and cache.updates == 1 and cache._worker is None
    cache._patching = True  # another thread is folding in
    store.upsert_nodes(Label.EXPERT, [{"id": "e:new", "name": "钱伟", "keywords": ["固态电解质"]}])
    assert cache.updates == 1 and cache._dirty_experts == {"e:new"}
    cache._patching = False
    again = cache.get(store)  # the next request folds it in
    assert again.profiles["e:new"].keywords == ("固态电解质",) and cache.updates == 2 and cache.builds == 1
