"""The matchmaking workflows on both stores: every rule refuses in Chinese and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from graph.errors import ConflictError, NotFoundError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, GraphStore, NodeRef
from workflow import challenge, dispatch, feedback, push, vouchers
from workflow.common import BEIJING
from workflow.outbox import PENDING

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)
E1, E2, TEAM = NodeRef(Label.EXPERT, "e:1"), NodeRef(Label.EXPERT, "e:2"), NodeRef(Label.TEAM, "t:1")
ENT = NodeRef(Label.ENTERPRISE, "ent:1")


def _world(store: GraphStore) -> None:
    store.write(Batch()
                .add_nodes(Label.ENTERPRISE, [{"id": "ent:1", "name": "杭州智检科技有限公司"},
                                              {"id": "ent:2", "name": "宁波新材料有限公司"}])
                .add_nodes(Label.DEMAND, [{"id": "d:1", "title": "锂电池极片涂布缺陷在线检测", "status": "待对接"},
                                          {"id": "d:2", "title": "高镍正极材料烧结工艺优化", "status": "待对接"}])
                .add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}, {"id": "e:2", "name": "李娜"}])
                .add_nodes(Label.TEAM, [{"id": "t:1", "name": "机器视觉团队"}])
                .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND,
                          [{"start": "ent:1", "end": "d:1"}, {"start": "ent:2", "end": "d:2"}])
                .add_rels(RelType.MEMBER_OF, Label.EXPERT, Label.TEAM, [{"start": "e:2", "end": "t:1"}]))


@pytest.fixture
def world(store):
    _world(store)
    return store


def _status(store: GraphStore, label: Label, node_id: str) -> str:
    return store.get_node(label, node_id).props["status"]


# -- push, inbox, respond, reminders -----------------------------------------------------------
def test_push_records_each_pair_once_moves_the_demand_and_queues_a_delivery(world):
    result = push.push_demands(world, ["d:1"], [E1, TEAM], actor="officer", channel="短信", now=NOW)
    assert sorted(n.id for n in result.created) == ["push:d:1:expert:e:1", "push:d:1:team:t:1"]
    assert _status(world, Label.DEMAND, "d:1") == "对接中"
    again = push.push_demands(world, ["d:1"], [E1, E2], actor="officer", now=NOW)
    assert [n.id for n in again.created] == ["push:d:1:expert:e:2"] and again.already == ["push:d:1:expert:e:1"]
    counts = world.counts().as_dict()
    assert counts["nodes"]["Push"] == 3 and counts["nodes"]["Delivery"] == 3
    deliveries = world.find_nodes(Label.DELIVERY, props={"status": PENDING}).nodes
    assert {d.props["event"] for d in deliveries} == {"push.created"}
    assert [n.id for n in push.pushes_of_demand(world, "d:1")] == sorted(
        ["push:d:1:expert:e:1", "push:d:1:team:t:1", "push:d:1:expert:e:2"])


def test_inbox_includes_team_pushes_and_respond_is_once_only(world):
    push.push_demands(world, ["d:1", "d:2"], [E2, TEAM], actor="officer", now=NOW)
    assert len(push.inbox(world, "e:2")) == 4  # two demands, to e:2 and to e:2's team
    assert push.inbox(world, "e:1") == []
    with pytest.raises(ValidationError, match="理由"):
        push.respond(world, "push:d:1:expert:e:2", accept=False, responder="portal", now=NOW)
    with pytest.raises(ConflictError, match="不是推送给"):
        push.respond(world, "push:d:1:expert:e:2", accept=True, responder="portal", expert_id="e:1", now=NOW)
    done = push.respond(world, "push:d:1:team:t:1", accept=True, responder="portal", expert_id="e:2", now=NOW)
    assert done.props["status"] == "已接受" and done.props["answered_at"].startswith("2026-11-27T10:00")
    with pytest.raises(ConflictError, match="不能重复回复"):
        push.respond(world, "push:d:1:team:t:1", accept=False, reason="没空", responder="portal", now=NOW)
    assert _status(world, Label.PUSH, "push:d:1:team:t:1") == "已接受"
    assert [n.id for n in push.inbox(world, "e:2", status="已接受")] == ["push:d:1:team:t:1"]


def test_reminders_go_to_unanswered_pushes_after_the_configured_time(world):
    push.push_demands(world, ["d:1"], [E1, E2], actor="officer", now=NOW)
    push.respond(world, "push:d:1:expert:e:2", accept=True, responder="portal", now=NOW)
    assert push.send_reminders(world, after_hours=72, now=NOW + timedelta(hours=71)) == []
    assert push.send_reminders(world, after_hours=72, now=NOW + timedelta(hours=73)) == ["push:d:1:expert:e:1"]
    # reminded once per period, not on every run
    assert push.send_reminders(world, after_hours=72, now=NOW + timedelta(hours=74)) == []
    assert world.get_node(Label.PUSH, "push:d:1:expert:e:1").props["reminders"] == 1
    assert len(world.find_nodes(Label.DELIVERY, props={"event": "push.reminder"}).nodes) == 1


def test_pushing_refuses_unknown_recipients_and_closed_demands_and_writes_nothing(world):
    before = world.counts().as_dict()
    with pytest.raises(NotFoundError, match="专家「e:404」"):
        push.push_demands(world, ["d:1"], [E1, NodeRef(Label.EXPERT, "e:404")], actor="o", now=NOW)
    with pytest.raises(ValidationError, match="至少选择"):
        push.push_demands(world, ["d:1"], [], actor="o", now=NOW)
    with pytest.raises(ValidationError, match="channel"):
        push.push_demands(world, ["d:1"], [E1], actor="o", channel="飞鸽传书", now=NOW)
    assert world.counts().as_dict() == before


# -- 科技专员 dispatch, services, ratings ---------------------------------------------------------
def _dispatch(store: GraphStore, demand: str | None = "d:1"):
    return dispatch.dispatch_expert(store, "e:1", "ent:1", start_date="2026-11-01", end_date="2026-12-31",
                                    service_types=["技术诊断", "产品开发"], actor="officer", demand_id=demand, now=NOW)


def test_a_service_that_solves_the_demand_marks_it_solved_in_the_same_write(world):
    d = _dispatch(world)
    assert d.props["status"] == "派驻中" and _status(world, Label.DEMAND, "d:1") == "对接中"
    s1 = dispatch.record_service(world, d.id, date="2026-11-05", hours=6, service_type="技术诊断",
                                 content="现场诊断涂布机纠偏系统", actor="officer", now=NOW)
    assert s1.props["hours"] == 6.0 and not s1.props["solved"]
    s2 = dispatch.record_service(world, d.id, date="2026-11-20", hours="3.5", service_type="产品开发",
                                 content="视觉检测算法上线", outcome="漏检率降至 0.5%", solved=True,
                                 actor="officer", now=NOW)
    demand = world.get_node(Label.DEMAND, "d:1").props
    assert demand["status"] == "已解决" and demand["solved_by"] == s2.id
    assert [s.id for s in dispatch.services_of_dispatch(world, d.id)] == [s1.id, s2.id]
    rated = dispatch.rate_service(world, s2.id, rating=5, comment="解决了大问题", rated_by="ent:1", now=NOW)
    assert rated.props["rating"] == 5
    with pytest.raises(ConflictError, match="不能重复评价"):
        dispatch.rate_service(world, s2.id, rating=1, rated_by="ent:1", now=NOW)
    assert world.get_node(Label.SERVICE, s2.id).props["rating"] == 5


@pytest.mark.parametrize(("changes", "field"), [
    ({"date": "2026-10-31"}, "date"), ({"hours": 0}, "hours"), ({"hours": 25}, "hours"),
    ({"hours": "半天"}, "hours"), ({"service_type": "吃饭"}, "service_type"), ({"content": " "}, "content"),
    ({"date": "2026-13-01"}, "date"),
])
def test_bad_service_records_name_the_field_and_write_nothing(world, changes, field):
    d = _dispatch(world)
    before = world.counts().as_dict()
    args = {"date": "2026-11-05", "hours": 2, "service_type": "科技咨询", "content": "咨询", **changes}
    with pytest.raises(ValidationError) as err:
        dispatch.record_service(world, d.id, actor="officer", now=NOW, **args)
    assert err.value.errors[0].field == field
    assert world.counts().as_dict() == before


def test_an_ended_dispatch_takes_no_more_services_and_ends_once(world):
    d = _dispatch(world, demand=None)
    dispatch.end_dispatch(world, d.id, actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="已结束"):
        dispatch.record_service(world, d.id, date="2026-11-05", hours=2, service_type="科技咨询", content="x",
                                actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="最终状态"):
        dispatch.end_dispatch(world, d.id, actor="officer", now=NOW)
    with pytest.raises(ValidationError, match="不是「宁波新材料有限公司」发布的"):
        dispatch.dispatch_expert(world, "e:1", "ent:2", start_date="2026-11-01", end_date="2026-12-01",
                                 service_types=["科技咨询"], actor="o", demand_id="d:1", now=NOW)
    with pytest.raises(ValidationError, match="end_date|早于"):
        dispatch.dispatch_expert(world, "e:1", "ent:1", start_date="2026-12-01", end_date="2026-11-01",
                                 service_types=["科技咨询"], actor="o", now=NOW)


# -- 揭榜 ------------------------------------------------------------------------------------
def test_challenge_runs_through_its_status_machine_and_refuses_invalid_moves(world):
    c = challenge.publish_challenge(world, "d:2", conditions="需有中试线经验", deadline="2026-12-31",
                                    reward_wan=50, actor="officer", now=NOW)
    assert c.props["status"] == "发布" and c.props["enterprise_id"] == "ent:2"
    with pytest.raises(ConflictError, match="只有「揭榜中」"):
        challenge.submit_bid(world, c.id, E1, proposal="方案", actor="portal", now=NOW)
    with pytest.raises(ConflictError, match="允许的下一状态：揭榜中、已关闭"):
        challenge.advance(world, c.id, "实施中", actor="officer", now=NOW)
    assert _status(world, Label.CHALLENGE, c.id) == "发布"
    challenge.advance(world, c.id, "揭榜中", actor="officer", now=NOW)
    b1 = challenge.submit_bid(world, c.id, E1, proposal="低温烧结+掺杂", actor="portal", now=NOW)
    b2 = challenge.submit_bid(world, c.id, TEAM, proposal="团队方案", actor="portal", now=NOW)
    with pytest.raises(ConflictError, match="已对榜单"):
        challenge.submit_bid(world, c.id, E1, proposal="再来一次", actor="portal", now=NOW)
    challenge.select_bid(world, c.id, b2.id, actor="officer", now=NOW)
    assert world.get_node(Label.BID, b1.id).props["status"] == "未中选"
    assert world.get_node(Label.CHALLENGE, c.id).props["winner_id"] == "t:1"
    with pytest.raises(ConflictError, match="只有「揭榜中」"):
        challenge.submit_bid(world, c.id, E2, proposal="迟到的方案", actor="portal", now=NOW)
    challenge.advance(world, c.id, "实施中", actor="officer", now=NOW)
    challenge.advance(world, c.id, "已完成", actor="officer", now=NOW)
    assert _status(world, Label.DEMAND, "d:2") == "已解决"
    with pytest.raises(ConflictError, match="最终状态「已完成」"):
        challenge.advance(world, c.id, "已关闭", reason="重复", actor="officer", now=NOW)
    history = world.get_node(Label.CHALLENGE, c.id).props["history"]
    assert [h.split()[1] for h in history] == ["发布", "揭榜中", "已揭榜", "实施中", "已完成"]
    awarded = world.neighbors(Label.CHALLENGE, c.id, rel_types=[RelType.AWARDED_TO])
    assert [n.node.id for n in awarded] == ["t:1"]


def test_challenge_deadline_close_reason_and_one_per_demand(world):
    c = challenge.publish_challenge(world, "d:1", conditions="条件", deadline="2026-11-30", reward_wan=0,
                                    actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="已发布为榜单"):
        challenge.publish_challenge(world, "d:1", conditions="条件", deadline="2026-11-30", reward_wan=0,
                                    actor="officer", now=NOW)
    challenge.advance(world, c.id, "揭榜中", actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="截止日期 2026-11-30 已过"):
        challenge.submit_bid(world, c.id, E1, proposal="方案", actor="portal", now=NOW + timedelta(days=4))
    with pytest.raises(ValidationError, match="理由"):
        challenge.advance(world, c.id, "已关闭", actor="officer", now=NOW)
    closed = challenge.advance(world, c.id, "已关闭", reason="企业已自行解决", actor="officer", now=NOW)
    assert closed.props["status"] == "已关闭" and closed.props["closed_reason"] == "企业已自行解决"
    with pytest.raises(ValidationError, match="已过"):
        challenge.publish_challenge(world, "d:2", conditions="条件", deadline="2026-01-01", reward_wan=1,
                                    actor="officer", now=NOW)


# -- 创新券 ----------------------------------------------------------------------------------
def _service(store: GraphStore) -> str:
    d = _dispatch(store)
    return dispatch.record_service(store, d.id, date="2026-11-05", hours=8, service_type="技术诊断",
                                   content="诊断", actor="officer", now=NOW).id


def test_vouchers_never_go_negative_and_a_service_is_paid_once(world):
    service = _service(world)
    v = vouchers.issue_voucher(world, ENT, amount=5000, valid_until="2027-06-30", actor="officer", now=NOW)
    assert v.props["balance"] == 5000.0 and v.props["status"] == "有效"
    with pytest.raises(ConflictError, match="余额 5000.00 元，不足以兑付 6000.00 元"):
        vouchers.redeem_voucher(world, v.id, service, amount=6000, actor="officer", now=NOW)
    assert world.get_node(Label.VOUCHER, v.id).props["balance"] == 5000.0
    after = vouchers.redeem_voucher(world, v.id, service, amount=3000, actor="officer", now=NOW)
    assert after.props["balance"] == 2000.0
    before = world.counts().as_dict()
    with pytest.raises(ConflictError, match="不能重复兑付"):
        vouchers.redeem_voucher(world, v.id, service, amount=1000, actor="officer", now=NOW)
    other = vouchers.issue_voucher(world, E1, amount=800, valid_until="2027-06-30", actor="officer", now=NOW)
    with pytest.raises(ConflictError, match="不能重复兑付"):  # another voucher, same service: refused too
        vouchers.redeem_voucher(world, other.id, service, amount=100, actor="officer", now=NOW)
    assert world.counts().as_dict()["relationships"] == {**before["relationships"], "ISSUED_TO": 2}
    assert world.get_node(Label.VOUCHER, v.id).props["balance"] == 2000.0
    assert [r["amount"] for r in vouchers.redemptions_of(world, v.id)] == [3000.0]


def test_voucher_rules_holder_expiry_void_and_amounts(world):
    service = _service(world)
    stranger = vouchers.issue_voucher(world, NodeRef(Label.ENTERPRISE, "ent:2"), amount=100,
                                      valid_until="2027-01-01", actor="o", now=NOW)
    with pytest.raises(ConflictError, match="不是服务记录"):
        vouchers.redeem_voucher(world, stranger.id, service, amount=10, actor="o", now=NOW)
    v = vouchers.issue_voucher(world, ENT, amount=100, valid_until="2026-12-01", actor="o", now=NOW)
    with pytest.raises(ConflictError, match="已于 2026-12-01 过期"):
        vouchers.redeem_voucher(world, v.id, service, amount=10, actor="o", now=NOW + timedelta(days=5))
    for bad in (0, -5, "一百", 1e9):
        with pytest.raises(ValidationError):
            vouchers.redeem_voucher(world, v.id, service, amount=bad, actor="o", now=NOW)
    vouchers.void_voucher(world, v.id, reason="企业注销", actor="o", now=NOW)
    with pytest.raises(ConflictError, match="已作废"):
        vouchers.redeem_voucher(world, v.id, service, amount=10, actor="o", now=NOW)
    with pytest.raises(ValidationError, match="holder"):
        vouchers.issue_voucher(world, NodeRef(Label.TEAM, "t:1"), amount=1, valid_until="2027-01-01", actor="o",
                               now=NOW)
    exact = vouchers.issue_voucher(world, ENT, amount=100, valid_until="2027-01-01", actor="o", now=NOW)
    assert vouchers.redeem_voucher(world, exact.id, service, amount=100, actor="o", now=NOW).props["status"] == "已用完"


# -- feedback --------------------------------------------------------------------------------
def test_feedback_is_stored_with_reason_and_the_latest_verdict_wins(world):
    with pytest.raises(ValidationError, match="理由"):
        feedback.record_feedback(world, "d:1", E1, verdict="不采纳", actor="officer", now=NOW)
    feedback.record_feedback(world, "d:1", E1, verdict="不采纳", reason="研究方向偏理论", actor="officer",
                             rank=1, score=0.82, now=NOW)
    feedback.record_feedback(world, "d:1", E1, verdict="采纳", actor="officer", now=NOW + timedelta(minutes=5))
    feedback.record_feedback(world, "d:1", TEAM, verdict="采纳", actor="officer", now=NOW)
    latest = feedback.latest_verdicts(world, "d:1")
    assert latest[("Expert", "e:1")].props["verdict"] == "采纳"
    assert latest[("Team", "t:1")].props["verdict"] == "采纳"
    rows = feedback.feedback_rows(world)
    assert [(r["target_id"], r["verdict"]) for r in rows][-1] == ("e:1", "采纳")  # oldest first
    rejected = [r for r in rows if r["verdict"] == "不采纳"]
    assert len(rejected) == 1 and rejected[0]["reason"] == "研究方向偏理论"
    assert rejected[0]["rank"] == 1 and rejected[0]["score"] == 0.82


def test_the_reminder_thread_reminds_old_unanswered_pushes_in_the_background(local_store):
    import time

    from workflow.common import system_clock
    from workflow.webhook import Reminders

    _world(local_store)
    push.push_demands(local_store, ["d:1"], [E1], actor="officer", now=system_clock() - timedelta(hours=100))
    push.push_demands(local_store, ["d:2"], [E1], actor="officer", now=system_clock() - timedelta(hours=1))
    job = Reminders(local_store, after_hours=72, interval=0.05).start()
    try:
        deadline = time.monotonic() + 20
        while job.reminded < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        job.stop(5)
    assert not job.running and job.failed_passes == 0
    assert local_store.get_node(Label.PUSH, "push:d:1:expert:e:1").props["reminders"] == 1
    assert local_store.get_node(Label.PUSH, "push:d:2:expert:e:1").props["reminders"] == 0


def test_concurrent_redemptions_never_overdraw_a_voucher(store):
    """Six officers at once, each paying 3,000 of a different service from a 10,000 voucher:
    three succeed, three are refused (balance or a concurrent change), never below zero."""
    import threading

    _world(store)
    d = _dispatch(store)
    services = [dispatch.record_service(store, d.id, date=f"2026-11-{i + 2:02d}", hours=2, service_type="科技咨询",
                                        content=f"第 {i + 1} 次咨询", actor="officer", now=NOW).id for i in range(6)]
    v = vouchers.issue_voucher(store, ENT, amount=10000, valid_until="2027-06-30", actor="officer", now=NOW)
    barrier, outcomes, lock = threading.Barrier(6), [], threading.Lock()

    def pay(service: str) -> None:
        barrier.wait()
        for _ in range(10):  # a refresh-and-retry officer: try again after a concurrent change
            try:
                vouchers.redeem_voucher(store, v.id, service, amount=3000, actor="officer", now=NOW)
                result = "paid"
            except ConflictError as err:
                if "已被他人修改" in err.message:
                    continue
                result = "refused"
            break
        else:
            result = "gave up"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["paid"] * 3 + ["refused"] * 3
    after = store.get_node(Label.VOUCHER, v.id).props
    assert after["balance"] == 1000.0 and len(vouchers.redemptions_of(store, v.id)) == 3
    paid = [s for s in services if store.get_node(Label.SERVICE, s).props.get("redeemed_by") == v.id]
    assert len(paid) == 3
