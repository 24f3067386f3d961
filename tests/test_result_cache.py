"""The recommendation result cache (recommend/result_cache.py): the same answers, never a stale one."""

from __future__ import annotations

import json
import threading

from test_api import build_app, key_for, world
from test_pages import signed_in

from api.auth import Role
from graph.local_store import LocalStore
from graph.model import Label
from ingest.nlp import content_words
from recommend.engine import recommend_for_demand
from recommend.result_cache import ResultCache, recommendation_for_demand


def _body(rec) -> str:
    return json.dumps(rec.as_dict(), ensure_ascii=False, sort_keys=True)


def _fresh(store, demand_id="d:1", **kw) -> str:
    return _body(recommend_for_demand(store, demand_id, tokenize=content_words, semantics=None, **kw))


def _cached(cache, store, demand_id="d:1", **kw):
    return recommendation_for_demand(cache, store, demand_id, tokenize=content_words, semantics=None, **kw)


def test_a_repeat_is_a_hit_with_the_same_answer(local_store):
    local_store.write(world())
    cache = ResultCache()
    first = _cached(cache, local_store)
    again = _cached(cache, local_store)
    assert again is first and (cache.hits, cache.misses) == (1, 1)
    assert _body(again) == _fresh(local_store)
    other = _cached(cache, local_store, overrides={"top_k": 2})  # other parameters: another answer
    assert cache.misses == 2 and len(other.experts) == 2
    assert _body(other) == _fresh(local_store, overrides={"top_k": 2})
    assert _cached(cache, local_store, "d:3") is not first and cache.misses == 3


def test_a_write_changes_the_next_answer(local_store):
    local_store.write(world())
    cache = ResultCache()
    before = _cached(cache, local_store)
    assert before.experts[0].scored.id == "e:li"
    local_store.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "excluded_experts": ["e:li"]}])
    after = _cached(cache, local_store)
    assert after is not before and cache.hits == 0
    assert "e:li" not in [e.scored.id for e in after.experts]
    assert _body(after) == _fresh(local_store)


def test_a_write_of_another_process_changes_the_next_answer(local_store):
    local_store.write(world())
    cache = ResultCache()
    before = _cached(cache, local_store)
    other = LocalStore(local_store.data_dir)  # another store object: its writes reach no listener of ours
    try:
        other.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "excluded_experts": ["e:li"]}])
    finally:
        other.close()
    after = _cached(cache, local_store)
    assert after is not before and "e:li" not in [e.scored.id for e in after.experts]
    assert _body(after) == _fresh(local_store)


def test_an_answer_computed_across_a_write_is_not_kept(local_store):
    local_store.write(world())
    cache = ResultCache()
    calls = []

    def compute():
        calls.append(1)
        if len(calls) == 1:  # a write commits while the first answer is being computed
            local_store.upsert_nodes(Label.DEMAND, [{"id": "d:9", "title": "另一个需求"}])
        return object()

    first = cache.get(local_store, "k", (), compute)
    second = cache.get(local_store, "k", (), compute)
    assert first is not second and len(calls) == 2
    assert cache.get(local_store, "k", (), compute) is second and len(calls) == 2


def test_bounded_least_recently_used_first(local_store):
    cache = ResultCache(max_entries=2)
    a = cache.get(local_store, "a", (), object)
    cache.get(local_store, "b", (), object)
    assert cache.get(local_store, "a", (), object) is a  # a used last: b goes first
    cache.get(local_store, "c", (), object)
    assert len(cache) == 2
    assert cache.get(local_store, "a", (), object) is a
    assert cache.misses == 3 and cache.hits == 2
    off = ResultCache(max_entries=0)
    assert off.get(local_store, "a", (), object) is not off.get(local_store, "a", (), object)


def test_a_new_index_or_model_empties_it(local_store):
    cache = ResultCache()
    model_a, model_b = object(), object()
    first = cache.get(local_store, "k", (model_a,), object)
    assert cache.get(local_store, "k", (model_a,), object) is first
    assert cache.get(local_store, "k", (model_b,), object) is not first


def test_concurrent_requests_for_one_answer_compute_it_once(local_store):
    cache = ResultCache()
    started, release = threading.Event(), threading.Event()
    calls = []

    def compute():
        calls.append(1)
        started.set()
        release.wait(10)
        return object()

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get(local_store, "k", (), compute)))
    first.start()
    started.wait(10)
    second = threading.Thread(target=lambda: results.append(cache.get(local_store, "k", (), compute)))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert len(calls) == 1 and len(results) == 2 and results[0] is results[1]


def test_the_api_and_the_demand_page_share_it(local_store, tmp_path):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data")
    results = app.extensions["kgmatch"].results
    client = app.test_client()
    headers = key_for(app, Role.OFFICER)
    first = client.get("/api/v1/demands/d:1/recommendations", headers=headers)
    assert first.status_code == 200 and (results.hits, results.misses) == (0, 1)
    again = client.get("/api/v1/demands/d:1/recommendations", headers=headers)
    assert again.get_json() == first.get_json() and results.hits == 1
    page = signed_in(app, Role.OFFICER).get("/demands/d:1")  # the demand page reads the same answer
    assert page.status_code == 200 and results.hits == 2 and results.misses == 1
    local_store.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "excluded_experts": ["e:li"]}])
    after = client.get("/api/v1/demands/d:1/recommendations", headers=headers).get_json()
    assert "e:li" not in [e["expert_id"] for e in after["experts"]] and results.misses == 2


def test_a_write_of_the_webhook_outbox_alone_keeps_the_answers_and_no_recommendation_reads_it(local_store, monkeypatch):
    """Issue 17: the webhook dispatcher writes Delivery nodes all the time (claimed, delivered, retried); no
    recommendation reads them (its reads, recorded here, never return a Delivery or a NOTIFIES), so such a write
    keeps every answer; a push (its Delivery rides in the same batch) still changes the answer."""
    from graph.model import RelType
    from graph.store import Batch, NodeRef
    from recommend.result_cache import UNREAD_LABELS, UNREAD_TYPES
    from workflow.push import push_demands

    local_store.write(world())
    push_demands(local_store, ["d:1"], [NodeRef(Label.EXPERT, "e:sun")], actor="test")
    delivery = local_store.find_nodes(Label.DELIVERY, limit=1).nodes[0]
    assert local_store.neighbors(Label.DELIVERY, delivery.id)[0].rel.type is RelType.NOTIFIES
    seen_labels: set = set()
    seen_types: set = set()
    for name in ("get_nodes", "get_node", "list_nodes", "all_nodes", "find_nodes", "expand"):
        method = getattr(local_store, name)

        def recording(*args, _method=method, _name=name, **kwargs):
            out = _method(*args, **kwargs)
            if _name == "expand":
                for _, nb in out:
                    seen_labels.add(nb.node.label)
                    seen_types.add(nb.rel.type)
            else:
                seen_labels.add(Label.parse(args[0]))
            return out

        monkeypatch.setattr(local_store, name, recording)
    cache = ResultCache()
    before = _cached(cache, local_store)
    assert Label.PUSH in seen_labels and RelType.ABOUT in seen_types  # the recording sees the workflow reads
    assert not seen_labels & set(UNREAD_LABELS) and not seen_types & set(UNREAD_TYPES)
    monkeypatch.undo()
    local_store.write(Batch().add_nodes(Label.DELIVERY, [{**delivery.props, "id": delivery.id, "status": "已投递"}]))
    assert _cached(cache, local_store) is before and cache.hits == 1  # kept
    assert _body(before) == _fresh(local_store)  # and the same as computed afresh
    push_demands(local_store, ["d:1"], [NodeRef(Label.EXPERT, "e:li")], actor="test")
    after = _cached(cache, local_store)
    assert after is not before and cache.misses == 2 and _body(after) == _fresh(local_store)
