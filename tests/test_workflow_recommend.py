"""Workflow facts feed the next recommendation, identically on both stores.

A declined push or a 不采纳 verdict removes the expert from that demand's list (with the
reason shown under "excluded"); unanswered pushes and running dispatches count as load.
"""

from __future__ import annotations

from datetime import datetime

from test_recommend_engine import bigrams, world

from graph.model import Label
from graph.store import Batch, NodeRef
from recommend.engine import recommend_for_demand
from workflow import dispatch, feedback, push
from workflow.common import BEIJING

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)
LI, SUN = NodeRef(Label.EXPERT, "e:li"), NodeRef(Label.EXPERT, "e:sun")


def _ranked(store, **overrides):
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, overrides=overrides or None)
    data = rec.as_dict()
    return [e["expert_id"] for e in data["experts"]], {x["expert_id"]: x["reason"] for x in data["excluded"]}


def test_declines_and_rejections_leave_the_list_with_their_reason(store):
    store.write(world())
    ranked, _ = _ranked(store)
    assert "e:li" in ranked and "e:sun" in ranked
    push.push_demands(store, ["d:1"], [LI], actor="officer", now=NOW)
    push.respond(store, "push:d:1:expert:e:li", accept=False, reason="近期出国访学", responder="portal", now=NOW)
    feedback.record_feedback(store, "d:1", SUN, verdict="不采纳", reason="方向不符", actor="officer", now=NOW)
    ranked, excluded = _ranked(store)
    assert "e:li" not in ranked and "e:sun" not in ranked
    assert excluded["e:li"] == "已谢绝本需求的推送（近期出国访学）"
    assert excluded["e:sun"] == "对接专员已标记不采纳（方向不符）"
    feedback.record_feedback(store, "d:1", SUN, verdict="采纳", actor="officer", now=NOW.replace(hour=11))
    ranked, excluded = _ranked(store)
    assert "e:sun" in ranked and "e:sun" not in excluded


def test_unanswered_pushes_and_running_dispatches_count_as_load(store):
    store.write(world())
    store.write(Batch().add_nodes(Label.DEMAND, [{"id": "d:2", "title": "另一项需求"}]))
    push.push_demands(store, ["d:2"], [LI], actor="officer", now=NOW)
    dispatch.dispatch_expert(store, "e:li", "ent:1", start_date="2026-11-01", end_date="2026-12-31",
                             service_types=["科技咨询"], actor="officer", now=NOW)
    _, excluded = _ranked(store, max_load=1)
    assert excluded["e:li"] == "当前负荷 2 超过上限 1"  # one unanswered push + one running dispatch
    push.respond(store, "push:d:2:expert:e:li", accept=True, responder="portal", now=NOW)
    ranked, excluded = _ranked(store, max_load=1)
    assert "e:li" in ranked and "e:li" not in excluded
