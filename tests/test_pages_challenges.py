"""The 揭榜挂帅 pages (the list, a challenge with its status machine, bids, selecting the winner, moving
the status) and the webhook delivery log with 「立即重试」: :mod:`api.pages.challenges`.

Publishing a demand as a challenge is a form of the demand page, tested in tests/test_pages_workflow.py.
Every form is posted with the session's CSRF token, as a browser does; every refusal is shown in Chinese
with the right status and changes nothing in the store.
"""

from __future__ import annotations

import re

import pytest
from helpers.pages import (
    alerts,
    field_errors,
    flashes,
    move_challenge,
    nodes_of,
    post_form,
    publish_challenge,
    status_of,
    store_of,
)

from graph.model import Label
from workflow.outbox import DELIVERED


@pytest.fixture
def app(hostile_app):
    """The app over a fresh embedded store holding :func:`test_pages.hostile_world`."""
    return hostile_app


# -- 揭榜挂帅 -----------------------------------------------------------------------------------------------------------


def test_an_unknown_challenge_is_a_chinese_404(officer):
    response = officer.get("/challenges/ch:nope")
    assert response.status_code == 404 and "未找到揭榜榜单「ch:nope」" in response.get_data(as_text=True)


def test_a_challenge_goes_from_bidding_to_running_and_refuses_a_wrong_move(app, officer):
    publish_challenge(officer)
    assert flashes(move_challenge(officer, "揭榜中")) == ["榜单已开始揭榜，当前状态：揭榜中"]
    response = post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Expert", "bidder": "孙丽",
                                                  "proposal": "机器视觉 + 深度学习检测涂布缺陷"}, page="/challenges/ch:d:1")
    bid_sun = "bid:ch:d:1:expert:e:sun"
    assert flashes(response) == [f"已代「孙丽」提交揭榜方案（编号 {bid_sun}）"]
    post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Expert", "bidder": "e:li",
                                       "proposal": "高镍材料工艺优化"}, page="/challenges/ch:d:1")
    twice = post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Expert", "bidder": "e:li",
                                               "proposal": "再来一次"}, page="/challenges/ch:d:1")
    assert twice.status_code == 409 and "已对榜单「ch:d:1」提交过方案" in alerts(twice)[0]
    unknown = post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Expert", "bidder": "无名氏",
                                                 "proposal": "x"}, page="/challenges/ch:d:1")
    assert unknown.status_code == 400 and field_errors(unknown, "bidder") == ["未找到专家「无名氏」（请填写专家编号或准确的姓名）"]
    html = officer.get("/challenges/ch:d:1").get_data(as_text=True)
    assert html.count("确定揭榜方</button>") == 2 and "机器视觉 + 深度学习检测涂布缺陷" in html

    response = post_form(officer, "/challenges/select", {"challenge_id": "ch:d:1", "bid_id": bid_sun},
                     page="/challenges/ch:d:1")
    assert flashes(response) == ["已确定揭榜方：孙丽，榜单状态：已揭榜"]
    bids = {b.id: b.props["status"] for b in nodes_of(app, Label.BID)}
    assert bids == {bid_sun: "已中选", "bid:ch:d:1:expert:e:li": "未中选"}
    assert flashes(move_challenge(officer, "实施中")) == ["榜单已开始实施，当前状态：实施中"]

    wrong = move_challenge(officer, "揭榜中")
    assert wrong.status_code == 409
    assert alerts(wrong) == ["揭榜榜单「ch:d:1」当前状态为「实施中」，不能开始揭榜（允许的下一状态：已完成、已关闭）"]
    assert status_of(app, Label.CHALLENGE, "ch:d:1") == "实施中"
    no_reason = move_challenge(officer, "已关闭")
    assert no_reason.status_code == 400 and field_errors(no_reason, "reason") == ["关闭榜单必须填写理由"]
    assert status_of(app, Label.CHALLENGE, "ch:d:1") == "实施中"

    html = officer.get("/challenges/ch:d:1").get_data(as_text=True)
    steps = re.findall(r'<li class="wf-step (\w+)[^"]*"[^>]*>([^<]+)</li>', html)
    assert steps == [("done", "发布"), ("done", "揭榜中"), ("done", "已揭榜"), ("current", "实施中"), ("todo", "已完成"),
                     ("todo", "已关闭")]
    moves = re.findall(r'name="status" value="([^"]+)"', html)
    assert moves == ["已完成", "已关闭"]  # only the allowed next states
    history = html.split('id="history-h"')[1]
    assert [s for s in re.findall(r'<span class="status">([^<]+)</span>', history)] == ["发布", "揭榜中", "已揭榜", "实施中"]
    assert flashes(move_challenge(officer, "已完成")) == ["榜单已验收完成，当前状态：已完成"]
    assert status_of(app, Label.DEMAND, "d:1") == "已解决"


def test_a_bid_names_an_unknown_team_and_a_bad_bidder_type_in_chinese(app, officer):
    publish_challenge(officer)
    move_challenge(officer, "揭榜中")
    unknown = post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Team", "bidder": "无名队",
                                                 "proposal": "x"}, page="/challenges/ch:d:1")
    assert unknown.status_code == 400
    assert field_errors(unknown, "bidder") == ["未找到专家团队「无名队」（请填写专家团队编号或准确的名称）"]
    bad = post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Nobody", "bidder": "e:li",
                                             "proposal": "x"}, page="/challenges/ch:d:1")
    assert bad.status_code == 400 and field_errors(bad, "bidder_label") == ["应为 专家、专家团队 之一，实际为「Nobody」"]
    assert nodes_of(app, Label.BID) == []


def test_the_challenge_list_counts_and_filters_by_status(app, officer):
    publish_challenge(officer)
    publish_challenge(officer, demand_id="d:3")
    move_challenge(officer, "揭榜中", challenge_id="ch:d:3")
    html = officer.get("/challenges").get_data(as_text=True)
    assert "全部 <b>2</b>" in html and "发布 <b>1</b>" in html and "揭榜中 <b>1</b>" in html and "已完成 <b>0</b>" in html
    filtered = officer.get("/challenges?status=揭榜中").get_data(as_text=True)
    assert 'href="/challenges/ch:d:3"' in filtered and 'href="/challenges/ch:d:1"' not in filtered
    bad = officer.get("/challenges?status=乱写")
    assert bad.status_code == 400 and "应为 发布、揭榜中、已揭榜、实施中、已完成、已关闭 之一，实际为「乱写」" in bad.get_data(as_text=True)


# -- /deliveries ----------------------------------------------------------------------------------------------------


def test_the_delivery_log_lists_events_and_retries_a_pending_one(app, officer, analyst):
    post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "expert": ["e:li"]}, page="/demands/d:1")
    html = officer.get("/deliveries?status=待投递").get_data(as_text=True)
    assert "需求推送给专家" in html and "push.created" in html and "push:d:1:expert:e:li" in html
    assert html.count("立即重试</button>") == 1 and "待投递 <b>1</b>" in html
    assert "立即重试" not in analyst.get("/deliveries").get_data(as_text=True)
    delivery = nodes_of(app, Label.DELIVERY)[0]
    response = post_form(officer, "/deliveries/retry?status=待投递", {"delivery_id": delivery.id}, page="/deliveries")
    assert flashes(response) == [f"已安排立即重试投递「{delivery.id}」，将在下一轮投递中发送"]
    assert response.request.path == "/deliveries"
    store_of(app).upsert_nodes(Label.DELIVERY, [{"id": delivery.id, **delivery.props, "status": DELIVERED,
                                               "delivered_at": "2026-01-01T00:00:00+08:00"}])
    done = post_form(officer, "/deliveries/retry", {"delivery_id": delivery.id}, page="/deliveries")
    assert done.status_code == 409 and "已投递，无需重发" in alerts(done)[0]
    bad = officer.get("/deliveries?status=丢了")
    assert bad.status_code == 400
