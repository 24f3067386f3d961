"""报送与考核, :mod:`api.pages.reports`: the headline numbers, the evaluation tables by
expert, institution and region, the region and period filters, and the Excel export.

The world is :func:`test_pages.hostile_world` plus a dispatch of 李明 (e:li) to 杭州锂能 (ent:1) with one
service that solved d:1, recorded through :mod:`workflow.dispatch`.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from helpers.pages import END, START, TODAY, add_service, field_errors, store_of
from openpyxl import load_workbook
from test_pages import ESCAPED_IMG, ESCAPED_SCRIPT, HOSTILE_IMG, HOSTILE_SCRIPT, signed_in

from analytics.reports import REPORTS
from api.auth import Role
from graph import clock
from workflow.dispatch import dispatch_expert, rate_service


@pytest.fixture
def app(hostile_app):
    """The app over a fresh embedded store holding :func:`test_pages.hostile_world`."""
    return hostile_app


def _served(app, expert="e:li", **kwargs):
    """A dispatch of ``expert`` to 杭州锂能 (西湖区) with one 4-hour service that solved d:1, rated 4."""
    dispatch = dispatch_expert(store_of(app), expert, "ent:1", start_date=START, end_date=END,
                               service_types=["科技咨询"], demand_id="d:1", actor="setup")
    service = add_service(app, dispatch.id, solved=True, **kwargs)
    rate_service(store_of(app), service.id, rating=4, rated_by="setup")
    return service


def _headline(html: str) -> dict[str, str]:
    return dict(re.findall(r'<b id="h-(\w+)">([^<]+)</b>', html))


def _table(html: str, by: str) -> list[list[str]]:
    part = html[html.index(f'id="eval-{by}"'):]
    part = part[:part.index("</section>")]
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", part, re.S)]
    return [row for row in cells if row]  # not the header


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST])
def test_reports_show_the_headline_numbers_and_the_evaluation_by_expert_institution_and_region(app, role):
    _served(app)
    html = signed_in(app, role).get("/reports").get_data(as_text=True)
    assert 'class="active" aria-current="page">报送与考核</a>' in html
    numbers = _headline(html)
    assert (numbers["services"], numbers["solved"], numbers["hours"], numbers["rating_mean"]) == ("1", "1", "4.0", "4.00")
    assert (numbers["dispatches"], numbers["enterprises_served"]) == ("1", "1")
    assert _table(html, "expert") == [["1", "李明", "浙江大学", "1", "1", "1", "4.00", "4.00", "1", "0", "0", "–"]]
    assert _table(html, "institution")[0][:6] == ["1", "浙江大学", "1", "1", "1", "1"]
    assert _table(html, "region")[0][:2] == ["1", "浙江省"]
    assert 'href="#eval-expert">按专家（1）</a>' in html
    assert 'href="/reports/export.xlsx?kinds=evaluation_expert"' in html
    for kind, spec in REPORTS.items():
        assert f'name="kinds" value="{kind}" checked> {spec.sheet}</label>' in html


def test_the_region_and_period_narrow_the_reports(app):
    _served(app)
    client = signed_in(app, Role.ANALYST)
    inside = client.get(f"/reports?region=浙江省&start={START}&end={END}").get_data(as_text=True)
    assert _headline(inside)["services"] == "1" and "浙江省（含下级地区）" in inside
    assert _table(inside, "region")[0][1] == "杭州市"  # one level below the chosen region
    assert 'href="/reports/export.xlsx?region=%E6%B5%99%E6%B1%9F%E7%9C%81&amp;start=' in inside
    elsewhere = client.get("/reports?region=广东省").get_data(as_text=True)
    assert _headline(elsewhere)["services"] == "0" and _table(elsewhere, "expert") == []
    later = client.get(f"/reports?start={(TODAY + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert _headline(later)["services"] == "0"


@pytest.mark.parametrize(("query", "name", "message"), [
    ("start=明天", "start", "应为日期 YYYY-MM-DD，实际为「明天」"),
    ("start=2026-05-01&end=2026-01-01", "end", "结束日期 2026-01-01 早于开始日期 2026-05-01"),
    ("region=火星", "region", "未知的地区「火星」（请填写省市县名称或 6 位行政区划代码）"),
])
def test_bad_report_filters_are_named_in_chinese(app, query, name, message):
    response = signed_in(app, Role.ANALYST).get(f"/reports?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and field_errors(html, name) == [message]
    assert "筛选条件有误，请修改后重试。" in html and 'id="h-services"' not in html


def test_the_reports_are_refused_to_the_portal(app):
    client = signed_in(app, Role.PORTAL)
    for url in ("/reports", "/reports/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403 and "需要权限「report:read」" in response.get_data(as_text=True)
    assert ">报送与考核</a>" not in client.get("/dispatches").get_data(as_text=True)


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.get_data()), read_only=True)


def test_the_export_downloads_the_chosen_reports_with_a_chinese_file_name(app):
    _served(app)
    client = signed_in(app, Role.ANALYST)
    before = clock.today()  # the day of the request, not of the suite's start: a run can cross midnight in Beijing
    response = client.get("/reports/export.xlsx?kinds=evaluation_expert,services&region=浙江省")
    days = {before, clock.today()}
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert any(f"filename*=UTF-8''{quote(f'报送报表_{day.isoformat()}.xlsx')}" in disposition for day in days), disposition
    assert response.headers["Cache-Control"] == "no-store"
    book = _workbook(response)
    assert book.sheetnames == ["考核评价（专家）", "科技专员服务", "说明"]
    rows = list(book["考核评价（专家）"].iter_rows(values_only=True))
    assert rows[0][:3] == ("专家编号", "专家", "所在单位") and rows[1][:3] == ("e:li", "李明", "浙江大学")
    about = dict(row[:2] for row in book["说明"].iter_rows(values_only=True))
    assert about["地区"].startswith("浙江省") and about["科技专员服务（行数）"] == 1
    repeated = _workbook(client.get("/reports/export.xlsx?kinds=demands&kinds=outcomes"))
    assert repeated.sheetnames == ["需求清单", "对接成果", "说明"]
    every = _workbook(client.get("/reports/export.xlsx"))
    assert every.sheetnames == [spec.sheet for spec in REPORTS.values()] + ["说明"]


def test_the_export_refuses_unknown_kinds_and_bad_filters_in_chinese(app):
    client = signed_in(app, Role.ANALYST)
    response = client.get("/reports/export.xlsx?kinds=secrets")
    assert response.status_code == 400 and "实际为「secrets」" in response.get_data(as_text=True)
    response = client.get("/reports/export.xlsx?start=昨天")
    assert response.status_code == 400 and "应为日期 YYYY-MM-DD，实际为「昨天」" in response.get_data(as_text=True)


def test_hostile_names_in_the_reports_are_text(app):
    _served(app, expert="e:evil", content=HOSTILE_SCRIPT)
    html = signed_in(app, Role.ANALYST).get("/reports").get_data(as_text=True)
    assert HOSTILE_IMG not in html and HOSTILE_SCRIPT not in html and ESCAPED_IMG in html
    assert ESCAPED_SCRIPT in html  # the institution of the hostile expert
