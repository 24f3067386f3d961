"""The workflow pages: pushing from the demand page, 采纳 / 不采纳, 对接记录, publishing a demand as a
揭榜 challenge, and the push list (answers, reminders, pushing a demand list). The challenge pages and the
delivery log are in tests/test_pages_challenges.py; the tests here that open them too check what every
workflow page shares (layout, who may write, escaping).

Every form is posted with the session's CSRF token, as a browser does; every refusal is shown
in Chinese with the right status and changes nothing in the store.
"""

from __future__ import annotations

import html as htmllib
import os
import re
from datetime import datetime, timedelta

import pytest
from browser.cdp import Chromium, find_chromium, is_local_url
from browser.server import serving
from helpers.pages import (
    FAR_DEADLINE,
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
from test_api import build_app
from test_pages import ESCAPED_IMG, ESCAPED_SCRIPT, HOSTILE_SCRIPT, PASSWORD, csrf_of, hostile_world, signed_in

from api.auth import Role
from api.pages import workflow as pages_workflow
from graph.model import Label
from graph.store import NodeRef
from workflow.common import BEIJING
from workflow.push import push_demands


@pytest.fixture
def app(hostile_app):
    """The app over a fresh embedded store holding :func:`test_pages.hostile_world`."""
    return hostile_app


def _teams_on_page(html: str) -> list[str]:
    return [htmllib.unescape(v) for v in re.findall(r"name=\"team\" value='([^']+)'", html)]


# -- every page opens ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST])
def test_each_workflow_page_renders_in_chinese_for_officers_and_analysts(app, officer, role):
    publish_challenge(officer)
    client = signed_in(app, role)
    for url, heading in (("/pushes", "<h1>需求推送</h1>"), ("/challenges", "<h1>揭榜挂帅</h1>"),
                         ("/challenges/ch:d:1", "<h1>高镍正极材料涂布缺陷检测"), ("/deliveries", "<h1>投递日志</h1>"),
                         ("/demands/d:1", "对接记录")):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (role, url)
        assert heading in html and '<html lang="zh-CN">' in html and "http://" not in html, (role, url)
        assert "Content-Security-Policy" in response.headers


def test_the_navigation_has_pushes_and_challenges(officer):
    html = officer.get("/pushes").get_data(as_text=True)
    nav = html[html.index('<nav aria-label="主导航">'):html.index("</nav>")]
    assert 'class="active" aria-current="page">推送</a>' in nav and ">揭榜挂帅</a>" in nav





# -- the demand page: push, feedback, records -----------------------------------------------------------------------


def test_pushing_ticked_experts_and_a_team_from_the_demand_page_creates_pushes(app, officer):
    html = officer.get("/demands/d:1").get_data(as_text=True)
    assert 'id="wf-push-form"' in html and 'name="expert" value="e:li" form="wf-push-form"' in html
    teams = _teams_on_page(html)
    assert teams and all(t.startswith("[") for t in teams)
    team = next(t for t in teams if '"e:zhao"' in t)  # e.g. ["e:li", "e:zhao"]
    response = post_form(officer, "/pushes/recommended",
                     {"demand_id": "d:1", "expert": ["e:li", "e:sun"], "team": [team], "channel": "短信",
                      "note": "请一周内答复"}, page="/demands/d:1")
    assert response.status_code == 200 and response.request.path == "/demands/d:1"
    assert flashes(response) == ["已推送 3 位专家"]
    pushes = {p.props["target_id"]: p.props for p in nodes_of(app, Label.PUSH)}
    assert sorted(pushes) == ["e:li", "e:sun", "e:zhao"]
    li = pushes["e:li"]
    assert (li["channel"], li["note"], li["source"], li["status"], li["actor"]) == (
        "短信", "请一周内答复", "recommendation", "待回复", "user-officer")
    assert li["score"] > 0  # the score the recommendation gave
    assert status_of(app, Label.DEMAND, "d:1") == "对接中"
    records = response.get_data(as_text=True).split('id="wf-records"')[1]
    assert records.count('<span class="status">待回复</span>') == 3 and "李明" in records and "推荐结果" in records

    again = post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "expert": ["e:li", "e:wang"]},
                  page="/demands/d:1")
    assert flashes(again) == ["已推送 1 位专家；1 位此前已推送过，未重复推送"]
    assert len(nodes_of(app, Label.PUSH)) == 4


def test_pushing_nothing_or_a_bad_channel_is_refused_in_chinese_and_writes_nothing(app, officer):
    response = post_form(officer, "/pushes/recommended", {"demand_id": "d:1"}, page="/demands/d:1")
    assert response.status_code == 400 and field_errors(response, "targets") == ["请至少选择一位专家或团队"]
    assert "<h1>高镍正极材料涂布缺陷检测" in response.get_data(as_text=True)  # the demand page, shown again
    response = post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "expert": ["e:li"], "channel": "飞鸽"},
                     page="/demands/d:1")
    assert response.status_code == 400
    assert field_errors(response, "channel") == ["应为 平台消息、短信、邮件、电话 之一，实际为「飞鸽」"]
    assert 'name="expert" value="e:li" form="wf-push-form" aria-label="推送给 李明" checked' in response.get_data(
        as_text=True)  # the ticks are kept
    response = post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "expert": ["e:ghost"]}, page="/demands/d:1")
    assert response.status_code == 404 and "未找到专家「e:ghost」" in alerts(response)[0]
    response = post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "team": ["not json"]}, page="/demands/d:1")
    assert response.status_code == 400 and field_errors(response, "targets") == ["团队成员列表无效，请刷新页面后重新勾选"]
    assert nodes_of(app, Label.PUSH) == [] and status_of(app, Label.DEMAND, "d:1") == "待对接"


def test_feedback_is_recorded_with_rank_and_score_and_the_latest_verdict_is_shown(app, officer):
    response = post_form(officer, "/feedback", {"demand_id": "d:1", "target_id": "e:li", "verdict": "采纳"},
                     page="/demands/d:1")
    assert flashes(response) == ["已记录对「李明」的反馈：采纳"]
    html = response.get_data(as_text=True)
    row = html.split('value="e:li" form="wf-push-form"')[1].split('<td class="wf-verdict">')[1].split("<form")[0]
    assert '<span class="status wf-yes">采纳</span>' in row and "user-officer" in row  # next to the expert
    refused = post_form(officer, "/feedback", {"demand_id": "d:1", "target_id": "e:li", "verdict": "不采纳"},
                    page="/demands/d:1")
    assert refused.status_code == 400 and field_errors(refused, "reason") == ["拒绝时必须填写理由"]
    assert len(nodes_of(app, Label.FEEDBACK)) == 1
    response = post_form(officer, "/feedback", {"demand_id": "d:1", "target_id": "e:li", "verdict": "不采纳",
                                            "reason": "档期已满"}, page="/demands/d:1")
    assert flashes(response) == ["已记录对「李明」的反馈：不采纳（理由：档期已满）"]
    rows = sorted((f.props["verdict"], f.props["rank"], f.props["score"] > 0) for f in nodes_of(app, Label.FEEDBACK))
    assert rows == [("不采纳", 1, True), ("采纳", 1, True)]
    html = response.get_data(as_text=True)
    # the latest verdict wins within the same second: 不采纳 takes 李明 out of the recommendations
    assert 'value="e:li" form="wf-push-form"' not in html and "对接专员已标记不采纳（档期已满）" in html
    log = html.split("<h3>推荐反馈</h3>")[1].split("<h3>")[0]
    assert log.count("<tr>") == 3 and "档期已满" in log  # header + two verdicts, newest first
    assert log.index("wf-no") < log.index("wf-yes")


def test_publishing_a_demand_as_a_challenge_opens_it(app, officer):
    response = publish_challenge(officer, title="涂布缺陷检测揭榜")
    assert response.request.path == "/challenges/ch:d:1"
    assert flashes(response) == ["已发布揭榜榜单「涂布缺陷检测揭榜」（编号 ch:d:1），当前状态：发布"]
    html = response.get_data(as_text=True)
    assert '<li class="wf-step current" aria-current="step">发布</li>' in html
    assert "涂布缺陷识别准确率 ≥ 99%" in html and "80.00" in html and FAR_DEADLINE in html
    demand = officer.get("/demands/d:1").get_data(as_text=True)
    assert 'href="/challenges/ch:d:1">涂布缺陷检测揭榜</a>' in demand and "发布为揭榜榜单</button>" not in demand
    again = publish_challenge(officer)
    assert again.status_code == 409 and "需求「d:1」已发布为榜单「ch:d:1」（发布）" in alerts(again)[0]


def test_a_bad_challenge_form_names_each_input_and_publishes_nothing(app, officer):
    response = publish_challenge(officer, conditions="", deadline="2000-01-01", reward_wan="很多")
    assert response.status_code == 400 and field_errors(response, "conditions") == ["不能为空"]
    response = publish_challenge(officer, deadline="2000-01-01")
    assert response.status_code == 400 and field_errors(response, "deadline") == ["截止日期 2000-01-01 已过"]
    assert 'value="2000-01-01"' in response.get_data(as_text=True)  # the values are kept
    response = publish_challenge(officer, reward_wan="很多")
    assert field_errors(response, "reward_wan") == ["应为数字（万元），实际为「很多」"]
    assert nodes_of(app, Label.CHALLENGE) == []











# -- /pushes --------------------------------------------------------------------------------------------------------


def test_the_push_list_filters_and_records_an_answer_given_by_phone(app, officer):
    post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "expert": ["e:li", "e:sun"]}, page="/demands/d:1")
    html = officer.get("/pushes?status=待回复&recipient=e:li").get_data(as_text=True)
    assert html.count('name="push_id"') == 1 and "高镍正极材料涂布缺陷检测" in html and "待回复 <b>2</b>" in html
    push = "push:d:1:expert:e:li"
    refused = post_form(officer, "/pushes/answer?status=待回复", {"push_id": push, "answer": "decline"})
    assert refused.status_code == 400 and field_errors(refused, "reason") == ["拒绝时必须填写理由"]
    assert status_of(app, Label.PUSH, push) == "待回复"
    response = post_form(officer, "/pushes/answer?status=待回复", {"push_id": push, "answer": "decline", "reason": "出差中"})
    assert response.request.full_path == "/pushes?status=%E5%BE%85%E5%9B%9E%E5%A4%8D"  # the filters are kept
    assert flashes(response) == ["已记录「李明」谢绝推送「高镍正极材料涂布缺陷检测」"]
    props = store_of(app).get_node(Label.PUSH, push).props
    assert (props["status"], props["reason"], props["responder"]) == ("已谢绝", "出差中", "user-officer")
    twice = post_form(officer, "/pushes/answer", {"push_id": push, "answer": "accept"})
    assert twice.status_code == 409 and "不能重复回复" in alerts(twice)[0]
    accepted = post_form(officer, "/pushes/answer", {"push_id": "push:d:1:expert:e:sun", "answer": "accept"})
    assert flashes(accepted) == ["已记录「孙丽」接受推送「高镍正极材料涂布缺陷检测」"]
    assert "已谢绝 <b>1</b>" in accepted.get_data(as_text=True) and "已接受 <b>1</b>" in accepted.get_data(as_text=True)


def test_reminders_go_to_pushes_unanswered_for_the_hours_given(app, officer):
    old = datetime.now(BEIJING) - timedelta(hours=100)
    push_demands(store_of(app), ["d:1"], [NodeRef(Label.EXPERT, "e:li")], actor="test", now=old)
    push_demands(store_of(app), ["d:3"], [NodeRef(Label.EXPERT, "e:sun")], actor="test")
    html = officer.get("/pushes").get_data(as_text=True)
    assert 'name="after_hours" type="number" min="1" step="any" class="wf-hours"\n           value="72"' in html
    response = post_form(officer, "/pushes/remind", {"after_hours": "72"})
    assert flashes(response) == ["已对 1 条超过 72 小时未回复的推送发送提醒"]
    assert store_of(app).get_node(Label.PUSH, "push:d:1:expert:e:li").props["reminders"] == 1
    assert store_of(app).get_node(Label.PUSH, "push:d:3:expert:e:sun").props["reminders"] == 0
    assert flashes(post_form(officer, "/pushes/remind", {"after_hours": "72"})) == ["没有超过 72 小时未回复的推送"]
    bad = post_form(officer, "/pushes/remind", {"after_hours": "三天"})
    assert bad.status_code == 400 and field_errors(bad, "after_hours") == ["应为正数（小时），实际为「三天」"]


def test_a_filtered_demand_list_is_pushed_to_experts_by_id_or_name(app, officer):
    html = officer.get("/pushes/batch?region=浙江省").get_data(as_text=True)
    assert "符合条件的需求：2 条" in html and 'action="/pushes/batch?region=' in html
    response = post_form(officer, "/pushes/batch?region=浙江省", {"experts": "李明、e:wang", "channel": "邮件"},
                     page="/pushes/batch")
    assert flashes(response) == ["已将 2 条需求推送给 2 位专家：新建推送 4 条"]
    pushes = sorted((p.props["demand_id"], p.props["target_id"], p.props["source"]) for p in nodes_of(app, Label.PUSH))
    assert pushes == [("d:1", "e:li", "list"), ("d:1", "e:wang", "list"), ("d:evil", "e:li", "list"),
                      ("d:evil", "e:wang", "list")]
    again = post_form(officer, "/pushes/batch?region=浙江省", {"experts": "e:li"}, page="/pushes/batch")
    assert flashes(again) == ["已将 2 条需求推送给 1 位专家：新建推送 0 条；2 条此前已推送过"]


def test_the_demand_list_links_its_filters_to_the_list_push_page_for_those_who_may_push(officer, analyst):
    html = officer.get("/demands?region=浙江省&industry=&page=1").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">按当前筛选推送给专家</a>', html)
    assert link is not None
    url = htmllib.unescape(link.group(1))
    assert url == "/pushes/batch?region=%E6%B5%99%E6%B1%9F%E7%9C%81"  # the filters kept; paging and blanks dropped
    assert "符合条件的需求：2 条" in officer.get(url).get_data(as_text=True)
    assert "按当前筛选推送给专家" not in analyst.get("/demands?region=浙江省").get_data(as_text=True)


def test_a_demand_list_push_refuses_too_many_pairs_unknown_experts_and_bad_filters(app, officer, monkeypatch):
    monkeypatch.setattr(pages_workflow, "MAX_PUSHES", 3)
    response = post_form(officer, "/pushes/batch?region=浙江省", {"experts": "e:li, e:wang"}, page="/pushes/batch")
    assert response.status_code == 400 and field_errors(response, "experts") == ["一次最多 3 条，实际 4 条"]
    response = post_form(officer, "/pushes/batch", {"experts": "e:li\n无名氏"}, page="/pushes/batch")
    assert response.status_code == 400
    assert field_errors(response, "experts") == ["未找到专家「无名氏」（请填写专家编号或准确的姓名）"]
    response = post_form(officer, "/pushes/batch?region=火星", {"experts": "e:li"}, page="/pushes/batch")
    assert response.status_code == 400 and "未知的地区「火星」" in response.get_data(as_text=True)
    response = post_form(officer, "/pushes/batch?status=已对接", {"experts": ""}, page="/pushes/batch")
    assert field_errors(response, "experts") == ["请至少选择一位专家或团队"]
    assert nodes_of(app, Label.PUSH) == []





# -- who may write, and escaping ------------------------------------------------------------------------------------


def test_analysts_see_no_write_forms_and_their_posts_are_refused(app, officer, analyst):
    publish_challenge(officer)
    move_challenge(officer, "揭榜中")
    post_form(officer, "/pushes/recommended", {"demand_id": "d:1", "expert": ["e:li"]}, page="/demands/d:1")
    demand = analyst.get("/demands/d:1").get_data(as_text=True)
    assert "对接记录" in demand and "wf-push-form" not in demand and 'name="verdict"' not in demand
    assert "发布为揭榜榜单</button>" not in demand
    pushes = analyst.get("/pushes").get_data(as_text=True)
    assert "发送未回复提醒" not in pushes and 'name="push_id"' not in pushes and "按需求清单推送" not in pushes
    challenge = analyst.get("/challenges/ch:d:1").get_data(as_text=True)
    assert "<form method=\"post\"" not in challenge.split("</header>")[1]
    token = csrf_of(analyst.get("/pushes").get_data(as_text=True))
    for url, data in (("/pushes/recommended", {"demand_id": "d:1", "expert": "e:sun"}),
                      ("/feedback", {"demand_id": "d:1", "target_id": "e:li", "verdict": "采纳"}),
                      ("/challenges", {"demand_id": "d:3", "conditions": "x", "deadline": FAR_DEADLINE}),
                      ("/challenges/bid", {"challenge_id": "ch:d:1", "bidder_label": "Expert", "bidder": "e:sun",
                                           "proposal": "x"}),
                      ("/challenges/select", {"challenge_id": "ch:d:1", "bid_id": "x"}),
                      ("/challenges/status", {"challenge_id": "ch:d:1", "status": "已关闭", "reason": "x"}),
                      ("/pushes/answer", {"push_id": "push:d:1:expert:e:li", "answer": "accept"}),
                      ("/pushes/remind", {"after_hours": "1"}), ("/pushes/batch", {"experts": "e:li"}),
                      ("/deliveries/retry", {"delivery_id": "x"})):
        response = analyst.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 403, url
        assert "当前角色「analyst」无权执行此操作" in response.get_data(as_text=True), url
    assert analyst.get("/pushes/batch").status_code == 403
    assert len(nodes_of(app, Label.PUSH)) == 1 and nodes_of(app, Label.FEEDBACK) == [] and len(nodes_of(app, Label.CHALLENGE)) == 1


def test_a_form_without_the_csrf_token_is_refused(app, officer):
    response = officer.post("/pushes/recommended", data={"demand_id": "d:1", "expert": "e:li"})
    assert response.status_code == 403 and "表单已过期，请刷新页面后重试" in response.get_data(as_text=True)
    assert nodes_of(app, Label.PUSH) == []


def test_hostile_titles_names_and_reasons_are_escaped_everywhere(app, officer):
    response = post_form(officer, "/pushes/recommended", {"demand_id": "d:evil", "expert": ["e:evil"]},
                     page="/demands/d:evil")
    assert flashes(response) == ["已推送 1 位专家"]
    post_form(officer, "/pushes/answer", {"push_id": "push:d:evil:expert:e:evil", "answer": "decline",
                                      "reason": HOSTILE_SCRIPT})
    post_form(officer, "/feedback", {"demand_id": "d:evil", "target_id": "e:evil", "verdict": "不采纳",
                                 "reason": HOSTILE_SCRIPT}, page="/demands/d:evil")
    publish_challenge(officer, demand_id="d:evil", conditions=HOSTILE_SCRIPT)
    move_challenge(officer, "揭榜中", challenge_id="ch:d:evil")
    post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:evil", "bidder_label": "Expert", "bidder": "e:evil",
                                       "proposal": HOSTILE_SCRIPT}, page="/challenges/ch:d:evil")
    for url in ("/pushes", "/demands/d:evil", "/challenges", "/challenges/ch:d:evil", "/deliveries"):
        html = officer.get(url).get_data(as_text=True)
        assert HOSTILE_SCRIPT not in html and "<img src=x" not in html, url
        assert ESCAPED_SCRIPT in html or url == "/deliveries", url
    pushes = officer.get("/pushes").get_data(as_text=True)
    assert ESCAPED_IMG in pushes and pushes.count(ESCAPED_SCRIPT) == 2  # the demand title and the reason
    refused = post_form(officer, "/challenges/bid", {"challenge_id": "ch:d:evil", "bidder_label": "Expert",
                                                 "bidder": HOSTILE_SCRIPT, "proposal": "x"}, page="/challenges/ch:d:evil")
    assert refused.status_code == 400 and HOSTILE_SCRIPT not in refused.get_data(as_text=True)


# -- in a real browser ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    """Chromium, as tests/test_browser.py finds it: required unless KGMATCH_SKIP_BROWSER=1 was set by hand."""
    if os.environ.get("KGMATCH_SKIP_BROWSER") == "1":
        pytest.skip("KGMATCH_SKIP_BROWSER=1 was set by hand: browser tests not run")
    found = find_chromium()
    if found is None:
        pytest.fail("The browser test needs Chromium: `apt-get install -y chromium fonts-wqy-microhei`, "
                    "or set KGMATCH_CHROMIUM to its path.", pytrace=False)
    return found


@pytest.mark.slow
def test_the_push_form_of_the_demand_page_works_in_chromium(chromium, local_store, tmp_path):
    """The checkboxes sit in the experts table and the teams, outside the push form: they belong to it through
    their ``form`` attribute, which only a real browser honours."""
    local_store.write(hostile_world())
    app = build_app(local_store, tmp_path / "data")
    app.extensions["kgmatch"].users.add_user("zhou", "officer", PASSWORD)
    with serving(app) as base, Chromium(chromium, width=1366, height=900, timeout=60) as browser:
        browser.navigate(f"{base}/login?next=/demands/d:1")
        browser.fill({"#username": "zhou", "#password": PASSWORD})
        browser.submit("document.querySelector('form').submit()")
        assert browser.evaluate("location.pathname") == "/demands/d:1"
        browser.evaluate("document.querySelector('input[name=expert][value=\"e:sun\"]').checked = true")
        members = browser.evaluate("JSON.parse(document.querySelector('input[name=team]').value)")
        browser.evaluate("document.querySelector('input[name=team]').checked = true")
        browser.fill({"#wf-note": "请一周内答复"})
        browser.submit("document.querySelector('#wf-push-form button[type=submit]').click()")
        assert browser.evaluate("location.pathname") == "/demands/d:1"
        expected = len({"e:sun", *members})
        assert browser.evaluate("document.querySelector('.flash').textContent") == f"已推送 {expected} 位专家"
        assert browser.evaluate("document.querySelectorAll('#wf-records .wf-pushes tbody tr').length") == expected
        browser.navigate(f"{base}/demands/d:evil")
        assert browser.evaluate("document.querySelector('h1').firstChild.textContent.trim()") == HOSTILE_SCRIPT
        requests, dialogs = list(browser.requests), list(browser.dialogs)
        exceptions, console = list(browser.exceptions), list(browser.console_errors)
    assert [u for u in requests if not is_local_url(u)] == [] and dialogs == []
    assert exceptions == [] and console == []
    pushes = local_store.list_nodes(Label.PUSH, limit=100)
    assert sorted(p.props["target_id"] for p in pushes) == sorted({"e:sun", *members})
    assert {p.props["note"] for p in pushes} == {"请一周内答复"}
