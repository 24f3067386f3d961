"""The 创新活动与培训 pages: publish, enrol, refusals shown in Chinese, attendance, close, 揭榜 from an
activity, the recommended activities on the demand page — and every stored text escaped."""

from __future__ import annotations

import pytest
from helpers.pages import alerts, field_errors, flashes, post_form, store_of
from test_pages import HOSTILE_IMG, HOSTILE_SCRIPT

from graph.model import Label
from graph.store import NodeRef
from workflow import activities

FUTURE = "2099-06-01"


@pytest.fixture
def app(hostile_app):
    return hostile_app


def _publish(client, **data):
    form = {"title": "正极材料技术项目路演", "kind": "项目路演", "start_date": FUTURE, "region": "杭州市",
            "capacity": "1", "fields": "正极材料", **data}
    return post_form(client, "/activities/new", form, page="/activities")


def test_activity_pages_run_the_whole_lifecycle_with_chinese_refusals(app, officer):
    published = _publish(officer)
    [message] = flashes(published)
    assert message.startswith("已创建活动「正极材料技术项目路演」") and message.endswith("当前状态：报名中")
    [node] = store_of(app).find_nodes(Label.ACTIVITY).nodes
    page = f"/activities/{node.id}"
    enrolled = post_form(officer, "/activities/enrol", {"activity_id": node.id, "enroller_label": "Enterprise",
                                                        "enroller": "杭州锂能科技有限公司"}, page=page)
    assert flashes(enrolled) == ["已为「杭州锂能科技有限公司」报名"]
    twice = post_form(officer, "/activities/enrol", {"activity_id": node.id, "enroller_label": "Enterprise",
                                                     "enroller": "ent:1"}, page=page)
    assert twice.status_code == 409 and "不能重复报名" in alerts(twice)[0]
    full = post_form(officer, "/activities/enrol", {"activity_id": node.id, "enroller_label": "Expert",
                                                    "enroller": "e:li"}, page=page)
    assert full.status_code == 409 and "名额已满" in alerts(full)[0]
    launched = post_form(officer, "/activities/challenge", {"activity_id": node.id, "demand_id": "d:1",
                                                            "conditions": "三个月", "deadline": FUTURE,
                                                            "reward_wan": "10"}, page=page)
    assert flashes(launched)[0].startswith("已由本活动发起揭榜榜单")
    assert store_of(app).get_node(Label.CHALLENGE, "ch:d:1").props["activity_id"] == node.id
    assert f'href="/activities/{node.id}"' in officer.get("/challenges/ch:d:1").get_data(as_text=True)
    post_form(officer, "/activities/status", {"activity_id": node.id, "status": "进行中"}, page=page)
    marked = post_form(officer, "/activities/attendance", {"activity_id": node.id, "enroller_label": "Enterprise",
                                                           "enroller": "ent:1", "status": "已出席",
                                                           "outcome": "达成合作意向"}, page=page)
    assert flashes(marked) == ["已记录「杭州锂能科技有限公司」：已出席"]
    no_outcome = post_form(officer, "/activities/status", {"activity_id": node.id, "status": "已结束"}, page=page)
    assert no_outcome.status_code == 400 and field_errors(no_outcome, "outcome")
    closed = post_form(officer, "/activities/status", {"activity_id": node.id, "status": "已结束",
                                                       "outcome": "路演 6 个项目"}, page=page)
    assert flashes(closed) == ["已结束活动，当前状态：已结束"]
    html = officer.get(page).get_data(as_text=True)
    assert "达成合作意向" in html and "路演 6 个项目" in html and "ch:d:1" in html
    assert 'action="/activities/enrol"' not in html  # a closed activity shows no enrolment form
    listing = officer.get("/activities?by=period").get_data(as_text=True)
    assert "合计" in listing and "正极材料技术项目路演" in listing


def test_bad_activity_form_is_shown_again_with_field_errors(app, officer):
    bad = _publish(officer, title="", kind="茶话会", start_date="下周")
    assert bad.status_code == 400
    assert field_errors(bad, "title") and field_errors(bad, "start_date")
    assert store_of(app).count_nodes(Label.ACTIVITY) == 0
    assert officer.get("/activities?status=胡写").status_code == 400


def test_analyst_sees_activities_but_cannot_publish(app, analyst):
    assert analyst.get("/activities").status_code == 200
    assert 'action="/activities/new"' not in analyst.get("/activities").get_data(as_text=True)


def test_activity_pages_escape_stored_text_and_demand_page_recommends(app, officer):
    store = store_of(app)
    act = activities.create_activity(store, {"title": HOSTILE_SCRIPT, "kind": "专项培训", "start_date": FUTURE,
                                             "fields": ["f:bat"], "description": HOSTILE_IMG, "topic": HOSTILE_IMG,
                                             "organiser": HOSTILE_SCRIPT}, actor="officer")
    activities.enrol(store, act.id, NodeRef(Label.EXPERT, "e:evil"), actor="portal", note=HOSTILE_IMG)
    for url in ("/activities", f"/activities/{act.id}", "/demands/d:evil"):
        html = officer.get(url).get_data(as_text=True)
        assert HOSTILE_SCRIPT not in html and HOSTILE_IMG not in html, url
    demand_page = officer.get("/demands/d:1").get_data(as_text=True)
    assert "推荐活动与培训" in demand_page and f"/activities/{act.id}" in demand_page
