"""The service pages: 科技专员派驻 (list, form, detail, service records, ratings), 科技创新券 (list, issue,
redeem, void). 报送与考核 (/reports) is in tests/test_pages_reports.py.

Forms are posted as a browser does (session, CSRF token); effects are checked in the store.
The world is :func:`test_pages.hostile_world`: 李明 (e:li), 杭州锂能 (ent:1) posting d:1 (待对接),
and an expert named ``<img src=x onerror=alert(1)>``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers.pages import END, START, TODAY, add_service, alerts, field_errors, flashes, post_form, store_of
from test_api import key_for
from test_pages import ESCAPED_IMG, ESCAPED_SCRIPT, HOSTILE_IMG, HOSTILE_SCRIPT, csrf_of, signed_in

from api.auth import Role
from graph.model import Label
from graph.store import NodeRef
from workflow.dispatch import dispatch_expert
from workflow.vouchers import issue_voucher, redeem_voucher

UNTIL = (TODAY + timedelta(days=365)).isoformat()
ENTERPRISE = NodeRef(Label.ENTERPRISE, "ent:1")


@pytest.fixture
def app(hostile_app):
    """The app over a fresh embedded store holding :func:`test_pages.hostile_world`."""
    return hostile_app


def _post(client, page: str, url: str, **data):
    """Post a form of ``page`` with the session's CSRF token."""
    return post_form(client, url, data, page=page, follow=False)


def _dispatch(app, **kwargs):
    args = {"start_date": START, "end_date": END, "service_types": ["科技咨询"], "actor": "setup",
            "demand_id": "d:1", **kwargs}
    return dispatch_expert(store_of(app), "e:li", "ent:1", **args)


def _voucher(app, amount=1000, holder=ENTERPRISE):
    return issue_voucher(store_of(app), holder, amount=amount, valid_until=UNTIL, actor="setup")


def _balance(app, voucher_id) -> float:
    return store_of(app).get_node(Label.VOUCHER, voucher_id).props["balance"]


def _balance_shown(html: str) -> str:
    return re.search(r'<b id="balance">([^<]+)</b>', html).group(1)


# -- access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.ADMIN])
def test_the_service_pages_open_for_officers_analysts_and_admins(app, role):
    dispatch = _dispatch(app)
    service = add_service(app, dispatch.id)
    voucher = _voucher(app)
    redeem_voucher(store_of(app), voucher.id, service.id, amount=100, actor="setup")
    client = signed_in(app, role)
    for url in ("/dispatches", f"/dispatches/{dispatch.id}", "/vouchers", f"/vouchers/{voucher.id}",
                "/dispatches?status=派驻中&expert=李明", "/vouchers?status=有效&holder_type=enterprise&holder=杭州"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    nav = client.get("/dispatches").get_data(as_text=True)
    assert 'class="active" aria-current="page">科技专员</a>' in nav and ">创新券</a>" in nav


def test_the_portal_may_read_and_rate_but_not_dispatch(app):
    dispatch = _dispatch(app)
    service = add_service(app, dispatch.id)
    client = signed_in(app, Role.PORTAL)
    url = f"/dispatches/{dispatch.id}"
    html = client.get(url).get_data(as_text=True)
    assert "记录服务" not in html and "结束派驻" not in html and "企业评价</button>" in html
    assert _post(client, url, f"{url}/services/{service.id}/rating", rating="5").status_code == 303
    assert store_of(app).get_node(Label.SERVICE, service.id).props["rated_by"] == "user-portal"
    assert _post(client, url, "/dispatches").status_code == 403


def test_an_analyst_sees_no_write_forms_and_every_post_is_refused(app):
    dispatch = _dispatch(app)
    service = add_service(app, dispatch.id)
    voucher = _voucher(app)
    client = signed_in(app, Role.ANALYST)
    for url in ("/dispatches", f"/dispatches/{dispatch.id}", "/vouchers", f"/vouchers/{voucher.id}"):
        html = client.get(url).get_data(as_text=True)
        assert 'method="post" action="/logout"' in html
        assert len(re.findall(r'method="post"', html)) == 1, url  # only the logout form
    token = csrf_of(client.get("/dispatches").get_data(as_text=True))
    posts = ("/dispatches", f"/dispatches/{dispatch.id}/services", f"/dispatches/{dispatch.id}/end",
             f"/dispatches/{dispatch.id}/services/{service.id}/rating", "/vouchers", f"/vouchers/{voucher.id}/redeem",
             f"/vouchers/{voucher.id}/void")
    for url in posts:
        response = client.post(url, data={"csrf_token": token, "rating": "5", "service_id": service.id,
                                          "amount": "10", "reason": "测试"})
        assert response.status_code == 403, url
        assert "当前角色「analyst」无权执行此操作" in response.get_data(as_text=True)
    store = store_of(app)
    assert store.get_node(Label.SERVICE, service.id).props.get("rating") is None
    assert _balance(app, voucher.id) == 1000 and store.count_nodes(Label.DISPATCH) == 1


def test_forms_without_the_csrf_token_are_refused(app):
    client = signed_in(app, Role.OFFICER)
    response = client.post("/dispatches", data={"expert": "e:li"})
    assert response.status_code == 403 and "表单已过期，请刷新页面后重试" in response.get_data(as_text=True)
    assert store_of(app).count_nodes(Label.DISPATCH) == 0


def test_unknown_dispatches_and_vouchers_are_404_in_chinese(app):
    client = signed_in(app, Role.OFFICER)
    response = client.get("/dispatches/dsp:none")
    assert response.status_code == 404 and "未找到科技专员派驻「dsp:none」" in response.get_data(as_text=True)
    response = client.get("/vouchers/vch:none")
    assert response.status_code == 404 and "未找到科技创新券「vch:none」" in response.get_data(as_text=True)


# -- the whole way, through the forms -----------------------------------------------------------------------


def test_dispatch_record_solve_rate_issue_and_redeem_through_the_forms(app):
    client = signed_in(app, Role.OFFICER)
    store = store_of(app)
    response = _post(client, "/dispatches", "/dispatches", expert="李明", enterprise="杭州锂能科技有限公司",
                     demand="d:1", start_date=START, end_date=END, service_types=["科技咨询", "技术诊断"],
                     note="首期派驻")
    assert response.status_code == 303
    dispatch_id = response.headers["Location"].removeprefix("/dispatches/")
    dispatch = store.get_node(Label.DISPATCH, dispatch_id)
    assert (dispatch.props["expert_id"], dispatch.props["enterprise_id"]) == ("e:li", "ent:1")
    assert dispatch.props["service_types"] == ["科技咨询", "技术诊断"] and dispatch.props["actor"] == "user-officer"
    assert store.get_node(Label.DEMAND, "d:1").props["status"] == "对接中"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == [f"已派驻 李明 到 杭州锂能科技有限公司（编号 {dispatch_id}）。"]
    listed = client.get("/dispatches").get_data(as_text=True)
    assert f'href="/dispatches/{dispatch_id}">李明</a>' in listed and "杭州锂能科技有限公司" in listed

    detail = f"/dispatches/{dispatch_id}"
    response = _post(client, detail, f"{detail}/services", date=TODAY.isoformat(), hours="3.5",
                     service_type="技术诊断", content="诊断涂布缺陷成因", outcome="给出工艺参数调整方案", solved="1")
    assert response.status_code == 303
    page = client.get(detail).get_data(as_text=True)
    assert flashes(page) == [f"已记录 {TODAY.isoformat()} 的服务（3.5 小时）。", "需求「高镍正极材料涂布缺陷检测」已标记为已解决。"]
    assert store.get_node(Label.DEMAND, "d:1").props["status"] == "已解决"
    (service,) = [n for n in store.find_nodes(Label.SERVICE).nodes]
    assert service.props["solved"] is True and service.props["hours"] == 3.5
    assert "诊断涂布缺陷成因" in page and "给出工艺参数调整方案" in page and '<span class="status">已解决</span>' in page
    assert re.search(r"<b>1</b><span>服务次数</span>", page) and re.search(r"<b>3.5</b><span>服务时长（小时）</span>", page)

    rating_url = f"{detail}/services/{service.id}/rating"
    response = _post(client, detail, rating_url, rating="4", comment="响应及时")
    assert response.status_code == 303 and store.get_node(Label.SERVICE, service.id).props["rating"] == 4
    page = client.get(detail).get_data(as_text=True)
    assert "4 分" in page and "响应及时" in page and f'action="{rating_url}"' not in page
    again = client.post(rating_url, data={"csrf_token": csrf_of(page), "rating": "1"})
    assert again.status_code == 409
    assert f"服务记录「{service.id}」已于" in again.get_data(as_text=True) and "不能重复评价" in again.get_data(as_text=True)
    assert store.get_node(Label.SERVICE, service.id).props["rating"] == 4

    response = _post(client, "/vouchers", "/vouchers", holder_type="enterprise", holder="ent:1", amount="5000",
                     valid_until=UNTIL, programme="2026 年科技创新券", note="")
    assert response.status_code == 303
    voucher_id = response.headers["Location"].removeprefix("/vouchers/")
    voucher_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(voucher_page) == [f"已向 杭州锂能科技有限公司 发放创新券 5,000.00 元（编号 {voucher_id}）。"]
    assert _balance_shown(voucher_page) == "5,000.00"
    assert f'<option value="{service.id}">' in voucher_page  # the unpaid service is offered
    listed = client.get("/vouchers").get_data(as_text=True)
    assert f">{voucher_id}</a>" in listed and "2026 年科技创新券" in listed

    response = _post(client, f"/vouchers/{voucher_id}", f"/vouchers/{voucher_id}/redeem", service_id=service.id,
                     amount="1200.5")
    assert response.status_code == 303 and _balance(app, voucher_id) == 3799.5
    voucher_page = client.get(f"/vouchers/{voucher_id}").get_data(as_text=True)
    assert flashes(voucher_page) == ["已兑付 1,200.50 元，余额 3,799.50 元。"]
    assert _balance_shown(voucher_page) == "3,799.50" and f"#svc-{service.id}" in voucher_page
    page = client.get(detail).get_data(as_text=True)
    assert "1,200.50 元" in page and f'href="/vouchers/{voucher_id}"' in page

    response = _post(client, detail, f"{detail}/end")
    assert response.status_code == 303 and store.get_node(Label.DISPATCH, dispatch_id).props["status"] == "已结束"
    page = client.get(detail).get_data(as_text=True)
    assert "结束派驻</button>" not in page and 'id="record-service"' not in page


# -- refusals ------------------------------------------------------------------------------------------------


def test_over_redemption_is_refused_in_chinese_with_409_and_the_balance_is_unchanged(app):
    dispatch = _dispatch(app)
    service = add_service(app, dispatch.id)
    voucher = _voucher(app, amount=500)
    client = signed_in(app, Role.OFFICER)
    url = f"/vouchers/{voucher.id}"
    response = _post(client, url, f"{url}/redeem", service_id=service.id, amount="500.01")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert alerts(html) == [f"创新券「{voucher.id}」余额 500.00 元，不足以兑付 500.01 元"]
    assert _balance(app, voucher.id) == 500 and _balance_shown(html) == "500.00"
    assert 'value="500.01"' in html  # the form keeps what was typed
    assert "redeemed_by" not in store_of(app).get_node(Label.SERVICE, service.id).props


def test_a_service_is_never_paid_twice(app):
    dispatch = _dispatch(app)
    service = add_service(app, dispatch.id)
    first, second = _voucher(app, amount=1000), _voucher(app, amount=800)
    client = signed_in(app, Role.OFFICER)
    assert _post(client, f"/vouchers/{first.id}", f"/vouchers/{first.id}/redeem", service_id=service.id,
                 amount="300").status_code == 303
    for voucher in (first, second):
        url = f"/vouchers/{voucher.id}"
        response = _post(client, url, f"{url}/redeem", service_id=service.id, amount="100")
        html = response.get_data(as_text=True)
        assert response.status_code == 409, voucher.id
        (alert,) = alerts(html)
        assert alert.startswith(f"服务记录「{service.id}」已用创新券「{first.id}」兑付过") and "不能重复兑付" in alert
    assert (_balance(app, first.id), _balance(app, second.id)) == (700, 800)
    assert _balance_shown(client.get(f"/vouchers/{first.id}").get_data(as_text=True)) == "700.00"


def test_a_voucher_of_someone_else_and_a_void_voucher_cannot_pay(app):
    dispatch = _dispatch(app)
    service = add_service(app, dispatch.id)
    stranger = _voucher(app, holder=NodeRef(Label.EXPERT, "e:wang"))
    client = signed_in(app, Role.OFFICER)
    url = f"/vouchers/{stranger.id}"
    response = _post(client, url, f"{url}/redeem", service_id=service.id, amount="10")
    assert response.status_code == 409 and "不是服务记录" in response.get_data(as_text=True)
    voucher = _voucher(app)
    url = f"/vouchers/{voucher.id}"
    response = _post(client, url, f"{url}/void", reason="")
    assert response.status_code == 400 and field_errors(response.get_data(as_text=True), "reason") == ["作废必须填写理由"]
    assert _post(client, url, f"{url}/void", reason="企业注销").status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "企业注销" in page and '<span class="status">已作废</span>' in page and "兑付</button>" not in page
    response = client.post(f"{url}/redeem", data={"csrf_token": csrf_of(page), "service_id": service.id,
                                                  "amount": "10"})
    assert response.status_code == 409
    assert alerts(response.get_data(as_text=True)) == [f"创新券「{voucher.id}」状态为「已作废」，不能兑付"]
    assert _balance(app, voucher.id) == 1000


def test_redeem_form_problems_are_named_next_to_their_inputs(app):
    voucher = _voucher(app)
    client = signed_in(app, Role.OFFICER)
    url = f"/vouchers/{voucher.id}"
    html = _post(client, url, f"{url}/redeem", service_id="svc:none", amount="").get_data(as_text=True)
    assert field_errors(html, "service_id") == ["未找到服务记录「svc:none」"] and field_errors(html, "amount") == ["不能为空"]
    response = _post(client, url, f"{url}/redeem", service_id=add_service(app, _dispatch(app).id).id, amount="-5")
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "amount")[0].startswith("应为大于 0、不超过")
    assert _balance(app, voucher.id) == 1000


def test_a_bad_dispatch_form_shows_every_problem_in_chinese_keeps_the_values_and_writes_nothing(app):
    client = signed_in(app, Role.OFFICER)
    response = _post(client, "/dispatches", "/dispatches", expert="无名氏", enterprise="不存在的公司", demand="d:none",
                     start_date="", end_date="明天", note="保留的备注")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "表单有 6 处需要修改，请查看标红的项目。" in alerts(html)[0]
    assert field_errors(html, "expert") == ["未找到专家「无名氏」（请填写专家编号或准确的姓名）"]
    assert field_errors(html, "enterprise")[0].startswith("未知的企业「不存在的公司」")
    assert field_errors(html, "demand") == ["未找到需求「d:none」（请填写需求编号）"]
    assert field_errors(html, "start_date") == ["不能为空"] and field_errors(html, "service_types") == ["请至少选择一种服务类型"]
    assert field_errors(html, "end_date") == ["应为日期 YYYY-MM-DD，实际为「明天」"]
    assert 'value="无名氏"' in html and ">保留的备注</textarea>" in html and 'value="明天"' in html
    response = _post(client, "/dispatches", "/dispatches", expert="e:li", enterprise="ent:1", start_date=END,
                     end_date=START, service_types=["科技咨询"])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and field_errors(html, "end_date") == [f"结束日期 {START} 早于开始日期 {END}"]
    assert 'value="科技咨询" checked' in html
    assert store_of(app).count_nodes(Label.DISPATCH) == 0


def test_experts_sharing_a_name_must_be_given_by_id(app):
    store_of(app).upsert_nodes(Label.EXPERT, [{"id": "e:li2", "name": "李明"}])
    client = signed_in(app, Role.OFFICER)
    html = _post(client, "/dispatches", "/dispatches", expert="李明", enterprise="ent:1", start_date=START,
                 end_date=END, service_types=["科技咨询"]).get_data(as_text=True)
    assert field_errors(html, "expert") == ["有 2 位专家名为「李明」：e:li、e:li2；请填写专家编号"]


def test_service_records_are_refused_outside_the_period_and_after_the_end(app):
    dispatch = _dispatch(app, demand_id=None)
    client = signed_in(app, Role.OFFICER)
    url = f"/dispatches/{dispatch.id}"
    late = (TODAY + timedelta(days=60)).isoformat()
    response = _post(client, url, f"{url}/services", date=late, hours="25", service_type="科技咨询", content="",
                     solved="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and field_errors(html, "content") == ["不能为空"]
    response = _post(client, url, f"{url}/services", date=late, hours="2", service_type="科技咨询", content="咨询")
    assert field_errors(response.get_data(as_text=True), "date") == [f"服务日期 {late} 不在派驻期 {START} 至 {END} 之内"]
    response = _post(client, url, f"{url}/services", date=TODAY.isoformat(), hours="2", service_type="科技咨询",
                     content="咨询", solved="1")
    assert field_errors(response.get_data(as_text=True), "solved") == ["该派驻没有关联需求，无法标记需求已解决"]
    assert _post(client, url, f"{url}/end").status_code == 303
    response = _post(client, url, f"{url}/end")
    assert response.status_code == 409 and "已是最终状态「已结束」，不能再结束" in response.get_data(as_text=True)
    response = client.post(f"{url}/services", data={"csrf_token": csrf_of(client.get(url).get_data(as_text=True)),
                                                    "date": TODAY.isoformat(), "hours": "2",
                                                    "service_type": "科技咨询", "content": "咨询"})
    assert response.status_code == 409
    assert f"派驻「{dispatch.id}」已结束（已结束），不能再记录服务" in response.get_data(as_text=True)
    assert store_of(app).count_nodes(Label.SERVICE) == 0


def test_a_bad_rating_is_named_and_a_service_of_another_dispatch_is_refused(app):
    first, second = _dispatch(app), _dispatch(app, demand_id=None)
    service = add_service(app, first.id)
    client = signed_in(app, Role.OFFICER)
    url = f"/dispatches/{first.id}"
    response = _post(client, url, f"{url}/services/{service.id}/rating", rating="9")
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "rating") == ["评分应为 1 到 5 的整数，实际为「9」"]
    other = f"/dispatches/{second.id}"
    response = _post(client, other, f"{other}/services/{service.id}/rating", rating="5")
    assert response.status_code == 404
    assert f"服务记录「{service.id}」不属于派驻「{second.id}」" in response.get_data(as_text=True)
    assert store_of(app).get_node(Label.SERVICE, service.id).props.get("rating") is None


def test_a_bad_voucher_form_is_named_and_writes_nothing(app):
    client = signed_in(app, Role.OFFICER)
    html = _post(client, "/vouchers", "/vouchers", holder_type="expert", holder="无名氏", amount="很多",
                 valid_until="2000-01-01").get_data(as_text=True)
    assert field_errors(html, "holder") == ["未找到专家「无名氏」（请填写专家编号或准确的姓名）"]
    response = _post(client, "/vouchers", "/vouchers", holder_type="expert", holder="李明", amount="很多",
                     valid_until=UNTIL)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "amount") == ["应为金额（元），实际为「很多」"]
    html = _post(client, "/vouchers", "/vouchers", holder_type="expert", holder="李明", amount="100",
                 valid_until="2000-01-01").get_data(as_text=True)
    assert field_errors(html, "valid_until") == ["有效期 2000-01-01 已过"]
    html = _post(client, "/vouchers", "/vouchers", holder_type="team", holder="x", amount="1",
                 valid_until=UNTIL).get_data(as_text=True)
    assert field_errors(html, "holder_type") == ["请选择企业或专家"]
    assert store_of(app).count_nodes(Label.VOUCHER) == 0


# -- lists -----------------------------------------------------------------------------------------------------


def test_lists_filter_by_status_and_by_a_name_or_id(app):
    ended = _dispatch(app, demand_id=None)
    client = signed_in(app, Role.OFFICER)
    _post(client, f"/dispatches/{ended.id}", f"/dispatches/{ended.id}/end")
    active = dispatch_expert(store_of(app), "e:evil", "ent:1", start_date=START, end_date=END,
                             service_types=["成果转化"], actor="setup")
    links = r'href="/dispatches/(dsp:[0-9a-f]+)"'
    assert set(re.findall(links, client.get("/dispatches").get_data(as_text=True))) == {ended.id, active.id}
    assert re.findall(links, client.get("/dispatches?status=已结束").get_data(as_text=True)) == [ended.id]
    assert re.findall(links, client.get("/dispatches?expert=李").get_data(as_text=True)) == [ended.id]
    assert re.findall(links, client.get("/dispatches?expert=e:evil").get_data(as_text=True)) == [active.id]
    assert re.findall(links, client.get("/dispatches?enterprise=不存在").get_data(as_text=True)) == []
    _voucher(app)
    expert_voucher = _voucher(app, holder=NodeRef(Label.EXPERT, "e:li"))
    vlinks = r'href="/vouchers/(vch:[0-9a-f]+)"'
    assert re.findall(vlinks, client.get("/vouchers?holder_type=expert").get_data(as_text=True)) == [expert_voucher.id]
    assert re.findall(vlinks, client.get("/vouchers?holder=李明").get_data(as_text=True)) == [expert_voucher.id]
    assert len(re.findall(vlinks, client.get("/vouchers?status=有效").get_data(as_text=True))) == 2
    assert re.findall(vlinks, client.get("/vouchers?status=已作废").get_data(as_text=True)) == []


def test_the_dispatch_list_pages(app):
    app.config["KGMATCH_PER_PAGE"] = 2
    for _ in range(3):
        _dispatch(app, demand_id=None)
    client = signed_in(app, Role.OFFICER)
    first = client.get("/dispatches?status=派驻中").get_data(as_text=True)
    assert "共 3 条，第 1 / 2 页" in first and 'href="/dispatches?status=%E6%B4%BE%E9%A9%BB%E4%B8%AD&amp;page=2"' in first
    second = client.get("/dispatches?status=派驻中&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/dispatches/dsp:', second)) == 1


# -- escaping --------------------------------------------------------------------------------------------------


def test_hostile_text_is_shown_as_text(app):
    dispatch = dispatch_expert(store_of(app), "e:evil", "ent:1", start_date=START, end_date=END,
                               service_types=["科技咨询"], note=HOSTILE_SCRIPT, actor="setup")
    client = signed_in(app, Role.OFFICER)
    url = f"/dispatches/{dispatch.id}"
    assert _post(client, url, f"{url}/services", date=TODAY.isoformat(), hours="1", service_type="科技咨询",
                 content=HOSTILE_SCRIPT, outcome=HOSTILE_IMG).status_code == 303
    service = store_of(app).find_nodes(Label.SERVICE).nodes[0]
    assert _post(client, url, f"{url}/services/{service.id}/rating", rating="5",
                 comment=HOSTILE_SCRIPT).status_code == 303
    voucher = _voucher(app, holder=NodeRef(Label.EXPERT, "e:evil"))
    bad = _post(client, "/dispatches", "/dispatches", expert=HOSTILE_SCRIPT, enterprise=HOSTILE_IMG,
                note=HOSTILE_SCRIPT)
    pages = [client.get(u) for u in ("/dispatches", url, "/vouchers", f"/vouchers/{voucher.id}")] + [bad]
    for response in pages:
        html = response.get_data(as_text=True)
        assert HOSTILE_SCRIPT not in html and HOSTILE_IMG not in html and "<script>alert" not in html
    detail = pages[1].get_data(as_text=True)
    assert detail.count(ESCAPED_SCRIPT) == 3 and ESCAPED_IMG in detail  # note, content, comment; outcome, name
    assert f'value="{ESCAPED_SCRIPT}"' in bad.get_data(as_text=True)


# -- the route walk with an API key ----------------------------------------------------------------------------


def test_api_keys_post_without_a_csrf_token(app):
    dispatch = _dispatch(app)
    response = app.test_client().post(f"/dispatches/{dispatch.id}/services", headers=key_for(app, Role.OFFICER),
                                      data={"date": TODAY.isoformat(), "hours": "2", "service_type": "科技咨询",
                                            "content": "远程咨询"})
    assert response.status_code == 303 and store_of(app).count_nodes(Label.SERVICE) == 1
