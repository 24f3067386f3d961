"""The Chinese web pages: who may open which page, navigation, headers, escaping, the graph explorer
and the dashboard. The demand pages (form, list, Excel, detail) are in tests/test_pages_demands.py,
which imports the fixtures and helpers below.

The world is tests/test_api.py's, plus hostile names: a demand titled ``<script>alert(1)</script>``
and an expert named ``<img src=x onerror=alert(1)>`` (at an institution with a script for a name),
both on 正极材料, so they appear in lists, recommendations, graphs and charts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_api import build_app, key_for, world

from api.auth import ROLE_PERMISSIONS, Permission, Role
from api.pages.base import NAV
from graph.model import Label, RelType
from graph.store import Batch
from render import INIT_SCRIPT_CSP_HASH

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"
PASSWORD = "correct horse battery"

EXPERT_LI = f"/graph/{Label.EXPERT.value}/e:li"
PAGES: tuple[tuple[str, Permission], ...] = (
    ("/demands/new", Permission.DEMAND_WRITE),
    ("/demands", Permission.DEMAND_READ),
    ("/demands?region=浙江省&status=待对接", Permission.DEMAND_READ),
    ("/demands/d:1", Permission.DEMAND_READ),
    ("/demands/export.xlsx", Permission.DEMAND_READ),
    ("/graph", Permission.GRAPH_READ),
    ("/graph?q=李明", Permission.GRAPH_READ),
    (EXPERT_LI, Permission.GRAPH_READ),
    ("/stats", Permission.STATS_READ),
)
"""Every page (one URL or more each) and the permission it needs."""


def hostile_world() -> Batch:
    """:func:`test_api.world` plus a hostile demand title, expert name and institution name."""
    L, R = Label, RelType
    return (
        world()
        .add_nodes(L.DEMAND, [{"id": "d:evil", "title": HOSTILE_SCRIPT, "description": HOSTILE_IMG, "status": "待对接",
                               "posted": "2026-03-02", "keywords": [HOSTILE_IMG]}])
        .add_nodes(L.INSTITUTION, [{"id": "i:evil", "name": HOSTILE_SCRIPT}])
        .add_nodes(L.EXPERT, [{"id": "e:evil", "name": HOSTILE_IMG, "keywords": ["正极材料"],
                               "keywords_text": "正极材料"}])
        .add_rels(R.WORKS_AT, L.EXPERT, L.INSTITUTION, [{"start": "e:evil", "end": "i:evil"}])
        .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [{"start": "e:evil", "end": "f:cathode", "weight": 0.9}])
        .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": "d:evil", "end": "f:cathode", "weight": 1.0}])
        .add_rels(R.LOCATED_IN, L.DEMAND, L.REGION, [{"start": "d:evil", "end": "region:330106"}])
    )


@pytest.fixture
def app(local_store, tmp_path) -> Flask:
    """The app over a fresh embedded store holding :func:`hostile_world`."""
    local_store.write(hostile_world())
    return build_app(local_store, tmp_path / "data")


def csrf_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(app: Flask, role: Role | str) -> FlaskClient:
    """A client with a browser session of a user of ``role`` (signed in through the login form)."""
    role = Role(role)
    name = f"user-{role.value}"
    app.extensions["kgmatch"].users.add_user(name, role.value, PASSWORD, replace=True)
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def audit_events(app: Flask) -> list[dict]:
    """The audit log's events, oldest first."""
    events, _ = app.extensions["kgmatch"].audit.read(limit=10_000)
    return events[::-1]


# -- access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_each_page_opens_for_the_roles_that_may_and_is_refused_in_chinese_otherwise(app, role):
    client = signed_in(app, role)
    for url, permission in PAGES:
        response = client.get(url)
        if permission in ROLE_PERMISSIONS[role]:
            assert response.status_code == 200, (role, url, response.status_code)
        else:
            body = response.get_data(as_text=True)
            assert response.status_code == 403, (role, url)
            assert f"当前角色「{role.value}」无权执行此操作（需要权限「{permission.value}」）" in body


def test_anonymous_visitors_are_sent_to_the_login_form(app):
    client = app.test_client()
    for url, _ in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/"), url
    assert client.post("/demands/new", data={"title": "x"}).status_code == 401


def test_signing_in_lands_on_the_demand_list(app):
    client = signed_in(app, Role.ANALYST)
    assert client.get("/").headers["Location"] == "/demands"
    anonymous = app.test_client()
    token = csrf_of(anonymous.get("/login").get_data(as_text=True))
    response = anonymous.post("/login", data={"username": "user-analyst", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_the_login_page_is_styled_chinese_and_keeps_next(app):
    html = app.test_client().get("/login?next=/stats").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "/static/pages/kgmatch.css" in html
    assert 'name="next" value="/stats"' in html and "用户名" in html and "密码" in html


def test_navigation_shows_the_user_the_role_and_only_the_pages_the_role_may_open(app):
    html = signed_in(app, Role.ANALYST).get("/demands").get_data(as_text=True)
    nav = html[html.index('<nav aria-label="主导航">'):html.index("</nav>")]
    assert re.findall(r">([^<>]+)</a>", nav) == ["需求清单", "图谱浏览", "统计看板", "推送", "揭榜挂帅", "科技专员",
                                                 "创新券", "活动与培训", "报送与考核", "API 文档"]
    assert 'class="active" aria-current="page">需求清单' in nav
    assert "user-analyst" in html and "政策分析人员" in html and "退出" in html
    officer = signed_in(app, Role.OFFICER).get("/demands/new").get_data(as_text=True)
    assert ">需求录入</a>" in officer and "对接专员" in officer
    portal_nav = [e for e, _, p in NAV if p in ROLE_PERMISSIONS[Role.PORTAL]]
    assert "pages_reports.reports" not in portal_nav and "pages_workflow.pushes" in portal_nav


def test_logging_out_from_the_navigation_ends_the_session(app):
    client = signed_in(app, Role.OFFICER)
    html = client.get("/stats").get_data(as_text=True)
    form = html[html.index('action="/logout"'):]
    assert client.post("/logout", data={"csrf_token": csrf_of(form)}).status_code == 302
    assert client.get("/stats").status_code == 302


def test_pages_send_a_same_origin_content_security_policy_and_are_not_cached(app):
    client = signed_in(app, Role.ADMIN)
    for url, _ in PAGES:
        response = client.get(url)
        if url.endswith(".xlsx"):
            assert response.headers["Cache-Control"] == "no-store"
            continue
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and f"script-src 'self' {INIT_SCRIPT_CSP_HASH}" in csp, url
        assert "object-src 'none'" in csp and response.headers["Cache-Control"] == "no-store"


def test_api_keys_may_post_the_form_without_a_csrf_token_but_sessions_may_not(app):
    headers = key_for(app, Role.PORTAL)
    response = app.test_client().post("/demands/new", data={"title": ""}, headers=headers)
    assert response.status_code == 400 and "不能为空" in response.get_data(as_text=True)
    client = signed_in(app, Role.OFFICER)
    response = client.post("/demands/new", data={"title": "需求", "action": "submit"})
    assert response.status_code == 403 and "表单已过期，请刷新页面后重试" in response.get_data(as_text=True)


def test_error_pages_keep_the_layout(app):
    client = signed_in(app, Role.OFFICER)
    response = client.get("/demands/d:none")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "未找到技术需求「d:none」" in html
    assert "/static/pages/kgmatch.css" in html and ">需求清单</a>" in html


# -- escaping and offline ---------------------------------------------------------------------------------

HOSTILE_PAGES = (
    "/demands", "/demands?status=待对接", "/demands/d:evil", "/demands/d:1", f"/graph/{Label.DEMAND.value}/d:evil",
    f"/graph/{Label.EXPERT.value}/e:evil?depth=2", f"/graph/{Label.INSTITUTION.value}/i:evil", "/graph?q=alert",
    "/graph?q=<script>", EXPERT_LI + "?depth=2", "/stats", "/demands?region=<script>alert(1)</script>",
)


def test_hostile_names_are_shown_as_text_on_every_page(app):
    client = signed_in(app, Role.ADMIN)
    for url in HOSTILE_PAGES:
        html = client.get(url).get_data(as_text=True)
        assert HOSTILE_SCRIPT not in html and HOSTILE_IMG not in html, url
        assert "onerror=alert(1)>" not in html and "<script>alert" not in html, url
    detail = client.get("/demands/d:evil").get_data(as_text=True)
    assert f"<h1>{ESCAPED_SCRIPT}" in detail and ESCAPED_IMG in detail
    rec = client.get("/demands/d:1").get_data(as_text=True)
    assert ESCAPED_IMG in rec and ESCAPED_SCRIPT in rec  # the expert and their institution
    graph = client.get(f"/graph/{Label.EXPERT.value}/e:evil").get_data(as_text=True)
    assert f"<strong>{ESCAPED_IMG}</strong>" in graph and "\\u003cimg src=x onerror=alert(1)\\u003e" in graph
    found = client.get("/graph?q=alert").get_data(as_text=True)
    assert f">{ESCAPED_SCRIPT}</a>" in found and f">{ESCAPED_IMG}</a>" in found


def test_hostile_input_in_the_form_is_shown_back_as_text(app):
    client = signed_in(app, Role.OFFICER)
    token = csrf_of(client.get("/demands/new").get_data(as_text=True))
    response = client.post("/demands/new", data={"csrf_token": token, "action": "submit", "title": "",
                                                 "description": HOSTILE_SCRIPT, "region": HOSTILE_IMG})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and HOSTILE_SCRIPT not in html and HOSTILE_IMG not in html
    assert f">{ESCAPED_SCRIPT}</textarea>" in html and f'value="{ESCAPED_IMG}"' in html


def test_no_page_template_or_own_static_file_names_an_outside_address(app):
    client = signed_in(app, Role.ADMIN)
    for url in [u for u, _ in PAGES if not u.endswith(".xlsx")] + list(HOSTILE_PAGES) + ["/login"]:
        html = client.get(url).get_data(as_text=True)
        assert "http://" not in html and "https://" not in html, url
        assert not re.search(r'(src|href)="//', html), url
    own = [*(ROOT / "api" / "static" / "pages").iterdir(), *(ROOT / "api" / "templates").glob("*.html")]
    assert len(own) >= 10
    for path in own:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path
    for name in ("kgmatch.css", "graph.js"):
        response = client.get(f"/static/pages/{name}")
        assert response.status_code == 200
        response.close()


# -- graph explorer -----------------------------------------------------------------------------------------


def test_search_lists_entities_with_links_to_their_neighbourhood(app):
    client = signed_in(app, Role.ANALYST)
    html = client.get("/graph?q=浙江").get_data(as_text=True)
    assert f'href="/graph/{Label.INSTITUTION.value}/i:zju">浙江大学</a>' in html
    only = client.get(f"/graph?q=正极材料&label={Label.EXPERT.value}").get_data(as_text=True)
    assert ">李明</a>" in only and ">正极材料</a>" not in only
    assert "请输入要查找的名称或关键词" in client.get("/graph?q=+").get_data(as_text=True)
    assert "没有找到匹配「量子引力」的节点" in client.get("/graph?q=量子引力").get_data(as_text=True)


def test_a_neighbourhood_is_drawn_offline_and_listed(app):
    html = signed_in(app, Role.ANALYST).get(EXPERT_LI).get_data(as_text=True)
    assert '<figure class="kg-graph">' in html and 'src="/static/vendor/vis-network/vis-network.min.js"' in html
    assert 'class="kg-graph-data"' in html and "/static/pages/graph.js" in html
    listed = html[html.index('id="list-h"'):]
    for name in ("李明", "浙江大学", "正极材料", "高镍正极材料界面调控", "赵磊"):
        assert f">{name}<" in listed, name
    links = re.findall(r'<li data-href="([^"]*)"></li>', html)
    assert f"/graph/{Label.INSTITUTION.value}/i:zju?depth=1&amp;max_nodes=150" in links
    assert "专家「李明」的 1 跳邻域" in html


def test_type_filters_and_depth_shape_the_neighbourhood(app):
    client = signed_in(app, Role.ANALYST)
    only = client.get(f"{EXPERT_LI}?labels={Label.INSTITUTION.value}").get_data(as_text=True)
    listed = re.findall(r"<td><a href=\"[^\"]+\">([^<]+)</a></td>", only)
    assert listed == ["浙江大学"]
    rel = client.get(f"{EXPERT_LI}?rel_types={RelType.COLLABORATES.value}").get_data(as_text=True)
    assert re.findall(r"<td><a href=\"[^\"]+\">([^<]+)</a></td>", rel) == ["赵磊"]
    deep = client.get(f"{EXPERT_LI}?depth=2").get_data(as_text=True)
    assert ">杭州市<" in deep and ">杭州市<" not in client.get(EXPERT_LI).get_data(as_text=True)
    checked = re.findall(r'name="labels" value="(\w+)" checked', only)
    assert checked == [Label.INSTITUTION.value]


@pytest.mark.parametrize(("query", "status", "message"), [
    ("?depth=9", 400, "「depth」应为 1、2、3 之一，实际为「9」"),
    ("?labels=Person", 400, "未知的节点类型「Person」"),
    ("?rel_types=KNOWS", 400, "未知的关系类型「KNOWS」"),
])
def test_bad_graph_options_are_refused_in_chinese(app, query, status, message):
    response = signed_in(app, Role.ANALYST).get(EXPERT_LI + query)
    assert response.status_code == status and message in response.get_data(as_text=True)


def test_unknown_nodes_and_labels_are_404_and_400(app):
    client = signed_in(app, Role.ANALYST)
    missing = client.get(f"/graph/{Label.EXPERT.value}/e:nobody")
    assert missing.status_code == 404 and "未找到专家「e:nobody」" in missing.get_data(as_text=True)
    assert client.get("/graph/Person/p1").status_code == 400


# -- dashboard ----------------------------------------------------------------------------------------------


def test_dashboard_shows_counts_the_heat_table_and_the_gaps(app):
    html = signed_in(app, Role.ANALYST).get("/stats").get_data(as_text=True)
    tiles = dict((name, int(n)) for n, name in re.findall(r"<b>([\d,]+)</b><span>([^<]+)</span>", html))
    assert tiles["技术需求"] == 4 and tiles["专家"] == 6 and tiles["机构"] == 5
    heat = html[html.index('<table class="heat">'):html.index("</table>", html.index('<table class="heat">'))]
    heads = re.findall(r'<th class="num">([^<]+)</th>', heat)
    assert heads[:2] == ["浙江省", "广东省"] and heads[-1] == "合计"
    battery = re.search(r"<tr><th>电池材料</th>(.*?)</tr>", heat).group(1)
    assert re.findall(r">(\d+)<", battery)[:2] == ["2", "1"]  # d:1 and d:evil in 浙江省, d:2 in 广东省
    gaps = html[html.index('aria-label="供需缺口图"'):]
    names = re.findall(r'<text x="240" y="[\d.]+" text-anchor="end">([^<]+)</text>', gaps)
    # 缺口指数 = demands / (experts + 1): 缺陷检测 2 / 2, 正极材料 2 / 4 and 电池材料 1 / 2 (a tie: more demands first)
    assert names == ["缺陷检测", "正极材料", "电池材料"]
    assert re.findall(r'<text class="head" x="750" y="[\d.]+">([\d.]+)</text>', gaps) == ["1.000", "0.500", "0.500"]


def test_dashboard_bars_are_server_side_svg(app):
    html = signed_in(app, Role.ANALYST).get("/stats").get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3 and "<script" not in html


def test_fields_no_expert_is_in_are_listed_apart_from_the_gap_chart(app):
    store = app.extensions["kgmatch"].store()
    store.write(Batch()
                .add_nodes(Label.FIELD, [{"id": "f:recycle", "name": "电池回收", "scheme": "t"}])
                .add_rels(RelType.SUBFIELD_OF, Label.FIELD, Label.FIELD, [{"start": "f:recycle", "end": "f:bat"}])
                .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD, [{"start": "d:2", "end": "f:recycle", "weight": 1.0},
                                                                      {"start": "d:3", "end": "f:recycle", "weight": 1.0}]))
    html = signed_in(app, Role.ANALYST).get("/stats").get_data(as_text=True)
    assert "尚无专家归入的领域（1 个）" in html and '<span class="tag">电池回收（2）</span>' in html
    chart = html[html.index('aria-label="供需缺口图"'):html.index("尚无专家归入的领域")]
    assert "电池回收" not in chart
