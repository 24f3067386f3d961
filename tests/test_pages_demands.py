"""The demand pages: the intake form (validation, suggestions, creation), the filtered list with
pagination and Excel export, and one demand with its recommendations, contacts masked per role."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from test_api import build_app
from test_pages import ESCAPED_IMG, ESCAPED_SCRIPT, HOSTILE_SCRIPT, csrf_of, hostile_world, signed_in

from api.auth import Role
from api.pages import demands as pages_demands
from api.pages import intake as pages_intake
from api.pages.demands import EXPORT_COLUMNS
from graph import clock
from graph.model import Label, RelType
from graph.store import Direction
from ingest.field_linking import DemandUnderstanding, IndustryLink


@pytest.fixture
def app(local_store, tmp_path):
    """The app over a fresh embedded store holding :func:`test_pages.hostile_world`."""
    local_store.write(hostile_world())
    return build_app(local_store, tmp_path / "data")


# -- the intake form -------------------------------------------------------------------------------------


def _post(client, **data):
    token = csrf_of(client.get("/demands/new").get_data(as_text=True))
    return client.post("/demands/new", data={"csrf_token": token, "action": "submit", **data})


def _error_of(html: str, name: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="{name}-error">([^<]+)</p>', html)


def _demand_count(app) -> int:
    return app.extensions["kgmatch"].store().count_nodes(Label.DEMAND)


def test_the_form_has_every_input_with_chinese_labels_and_a_csrf_token(app):
    html = signed_in(app, Role.OFFICER).get("/demands/new").get_data(as_text=True)
    labels = re.findall(r'<label for="in-(\w+)">([^<]+)<', html)
    assert labels == [("title", "需求标题"), ("description", "需求描述"), ("enterprise", "需求企业"),
                      ("region", "所在地区"), ("industry", "所属行业"), ("budget_wan", "预算（万元）"),
                      ("deadline", "截止日期"), ("keywords", "关键词")]
    assert 'name="csrf_token"' in html and 'value="analyse"' in html and 'value="submit"' in html


def test_a_bad_form_shows_every_problem_in_chinese_keeps_the_values_and_writes_nothing(app):
    client = signed_in(app, Role.OFFICER)
    before = _demand_count(app)
    response = _post(client, title="", description="需要识别正极极片涂布缺陷", enterprise="不存在的公司",
                     region="火星", industry="ZZ99", budget_wan="-3", deadline="2000-01-01", keywords="高镍、涂布")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "表单有 6 处需要修改，请查看标红的项目。" in html
    assert _error_of(html, "title") == ["不能为空"]
    assert _error_of(html, "budget_wan") == ["应为不小于 0 且不超过 10000000 的数字（万元），实际为「-3」"]
    assert _error_of(html, "deadline") == [f"不能早于今天（{clock.today().isoformat()}）"]
    assert _error_of(html, "enterprise")[0].startswith("未知的企业「不存在的公司」")
    assert _error_of(html, "region")[0].startswith("未知的地区「火星」")
    assert _error_of(html, "industry")[0].startswith("未知的行业「ZZ99」")
    assert ">需要识别正极极片涂布缺陷</textarea>" in html and 'value="火星"' in html and 'value="高镍、涂布"' in html
    assert 'value="2000-01-01"' in html and 'aria-invalid="true" aria-describedby="region-error"' in html
    assert _demand_count(app) == before


def test_too_long_and_unparsable_values_are_named(app):
    client = signed_in(app, Role.OFFICER)
    app.config["KGMATCH_TEXT_MAX_CHARS"] = 10
    html = _post(client, title="长" * 201, description="长" * 11, budget_wan="很多", deadline="明天").get_data(as_text=True)
    assert _error_of(html, "title") == ["不能超过 200 个字"]
    assert _error_of(html, "description") == ["不能超过 10 个字"]
    assert _error_of(html, "budget_wan") == ["应为数字，实际为「很多」"]  # the importer's own words (issue 14)
    assert _error_of(html, "deadline") == ["应为日期（如 2024-03-01），实际为「明天」"]


def test_a_good_form_creates_the_demand_through_the_importer_and_opens_its_recommendations(app):
    client = signed_in(app, Role.OFFICER)
    response = _post(client, title="高镍正极材料涂布缺陷检测", description="需要识别正极极片涂布缺陷",
                     enterprise="杭州锂能科技有限公司", region="杭州市", industry="38", budget_wan="80",
                     deadline="2099-12-31", keywords="高镍、涂布", field_option=["f:cathode=1.0", "f:inspect=0.5"],
                     fields=["f:cathode=1.0"])
    assert response.status_code == 302
    demand_id = response.headers["Location"].removeprefix("/demands/")
    assert re.fullmatch(r"demand:web-[0-9a-f]{16}", demand_id)
    store = app.extensions["kgmatch"].store()
    node = store.get_node(Label.DEMAND, demand_id)
    assert node.props["title"] == "高镍正极材料涂布缺陷检测" and node.props["budget_wan"] == 80.0
    assert (node.props["deadline"], node.props["posted"]) == ("2099-12-31", clock.today().isoformat())
    assert node.props["keywords"] == ["高镍", "涂布"] and node.props["source"] == "web"
    assert node.props["status"] == "待对接"
    links = {(nb.rel.type, nb.node.id, nb.rel.props.get("weight"))
             for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.BOTH)}
    assert links == {(RelType.NEEDS, "f:cathode", 1.0), (RelType.IN_INDUSTRY, "gbt4754:38", None),
                     (RelType.LOCATED_IN, "region:330100", None), (RelType.POSTED, "ent:1", None)}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"需求已提交（编号 {demand_id}），以下是系统推荐的专家与团队。" in page
    assert re.search(r'<td class="num rank">1</td>\s*<td><a href="[^"]+">李明</a>', page)


def test_analysing_suggests_fields_and_industries_checked_and_keeps_the_values(app, monkeypatch):
    seen = {}

    def understand(text, *, keywords=(), known=lambda _: True):
        seen["text"] = text
        return DemandUnderstanding(("高镍", "涂布"), (("f:cathode", 1.0), ("f:inspect", 0.5), ("nsfc:gone", 0.4)))

    monkeypatch.setattr(pages_intake, "understand_demand", understand)
    monkeypatch.setattr(pages_intake, "link_industries",
                        lambda text: [IndustryLink("gbt4754:38", "38", "电气机械和器材制造业", 0.3),
                                      IndustryLink("gbt4754:99", "99", "不存在", 0.2)])
    client = signed_in(app, Role.OFFICER)
    before = _demand_count(app)
    token = csrf_of(client.get("/demands/new").get_data(as_text=True))
    response = client.post("/demands/new", data={"csrf_token": token, "action": "analyse", "title": "涂布缺陷检测",
                                                 "description": "正极极片", "budget_wan": "50"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and seen["text"] == "涂布缺陷检测\n正极极片"
    assert "已根据需求文本给出建议的技术领域与行业，请勾选后提交。" in html
    assert re.findall(r'name="fields" value="([^"]+)" checked>([^<]+)<', html) == [
        ("f:cathode=1.0", "正极材料 "), ("f:inspect=0.5", "缺陷检测 ")]
    assert re.findall(r'name="industry_pick" value="([^"]+)" checked>([^<]+)<', html) == [
        ("gbt4754:38", "电气机械和器材制造业")]
    assert 'name="field_option" value="f:cathode=1.0"' in html and "nsfc:gone" not in html and "不存在" not in html
    assert 'value="高镍、涂布"' in html and 'value="50"' in html and 'value="涂布缺陷检测"' in html
    assert _demand_count(app) == before  # analysing writes nothing


def test_analysing_without_text_asks_for_it(app):
    client = signed_in(app, Role.OFFICER)
    token = csrf_of(client.get("/demands/new").get_data(as_text=True))
    html = client.post("/demands/new", data={"csrf_token": token, "action": "analyse"}).get_data(as_text=True)
    assert _error_of(html, "title") == ["请先填写需求标题或描述，再点「分析需求」"]


@pytest.mark.slow
def test_analysing_runs_the_real_nlp(app):
    client = signed_in(app, Role.OFFICER)
    token = csrf_of(client.get("/demands/new").get_data(as_text=True))
    response = client.post("/demands/new", data={"csrf_token": token, "action": "analyse",
                                                 "title": "高镍正极材料涂布缺陷检测"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The tiny world has none of the taxonomies' fields, so nothing the linker proposes is kept.
    assert "未能从文本中识别出技术领域" in html
    assert re.search(r'id="in-keywords" name="keywords" type="text" value="[^"]*涂布', html)


def test_a_field_that_was_not_offered_is_refused(app):
    client = signed_in(app, Role.OFFICER)
    html = _post(client, title="需求", fields=["f:cathode=1.0"]).get_data(as_text=True)
    assert _error_of(html, "fields") == ["选项无效，请重新分析需求后再勾选"]
    html = _post(client, title="需求", field_option=["f:cathode=7"], fields=["f:cathode=7"]).get_data(as_text=True)
    assert "选项无效，请重新分析需求后再勾选" in _error_of(html, "fields")


def _with_taxonomy(app) -> None:
    """Two first-level and three second-level fields of the 2016 taxonomy (one with a hostile name)."""
    from graph.store import Batch

    rows = [{"id": "ht2016:60", "scheme": "ht2016", "code": "60", "level": 1, "name": "新能源与节能"},
            {"id": "ht2016:50", "scheme": "ht2016", "code": "50", "level": 1, "name": "高技术服务"},
            {"id": "ht2016:603", "scheme": "ht2016", "code": "603", "level": 2, "name": "新型高效能量转换与储存技术"},
            {"id": "ht2016:601", "scheme": "ht2016", "code": "601", "level": 2, "name": "可再生清洁能源"},
            {"id": "ht2016:502", "scheme": "ht2016", "code": "502", "level": 2, "name": HOSTILE_SCRIPT},
            {"id": "ht2016:60301", "scheme": "ht2016", "code": "60301", "level": 3, "name": "高性能绿色电池"}]
    app.extensions["kgmatch"].store().write(Batch().add_nodes(Label.FIELD, rows))


def test_a_field_the_linker_missed_is_picked_from_the_whole_taxonomy(app):
    """「另选领域」: every stored second-level ht2016 field under its first-level name, in code order; the pick is
    stored at weight 1 beside the checked suggestions, kept when the form comes back, and anything else is refused."""
    _with_taxonomy(app)
    client = signed_in(app, Role.OFFICER)
    html = client.get("/demands/new").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S)
    assert [(g, re.findall(r'<option value="([^"]+)"', body)) for g, body in groups] == [
        ("高技术服务", ["ht2016:502"]), ("新能源与节能", ["ht2016:601", "ht2016:603"])]
    assert ESCAPED_SCRIPT in html and HOSTILE_SCRIPT not in html
    response = _post(client, title="储能电站电池一致性差", enterprise="杭州锂能科技有限公司",
                     field_option=["f:cathode=1.0", "f:inspect=0.5"], fields=["f:inspect=0.5"],
                     field_other="ht2016:603")
    assert response.status_code == 302
    demand_id = response.headers["Location"].removeprefix("/demands/")
    store = app.extensions["kgmatch"].store()
    needs = {(nb.node.id, nb.rel.props.get("weight"), nb.rel.props.get("method"))
             for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.OUT) if nb.rel.type == RelType.NEEDS}
    assert needs == {("f:inspect", 0.5, "input"), ("ht2016:603", 1.0, "input")}
    before = _demand_count(app)
    for bad in ("ht2016:60", "ht2016:60301", "f:cathode", "ht2016:999"):  # a first- or third-level field, not ht2016
        html = _post(client, title="需求", field_other=bad).get_data(as_text=True)
        assert _error_of(html, "field_other") == [f"「{bad}」不是可选的二级技术领域，请从列表中选择"]
    assert _demand_count(app) == before
    html = _post(client, title="", field_other="ht2016:601").get_data(as_text=True)  # another input is wrong
    assert re.search(r'<option value="ht2016:601" selected>601 可再生清洁能源</option>', html)


def test_an_officer_corrects_a_stored_demands_fields_on_its_page(app):
    """「更正技术领域」 on the demand page: uncheck a wrong field, add one from the whole taxonomy; the page says who
    corrected it; a correction that leaves nothing, or adds what the catalog does not offer, is refused in Chinese
    with the form kept open and nothing changed; without demand:write there is no form."""
    _with_taxonomy(app)
    store = app.extensions["kgmatch"].store()
    demand_id = next(n.id for n in store.all_nodes(Label.DEMAND) if n.props.get("title") == "高镍正极材料涂布缺陷检测")
    before = {nb.node.id for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.OUT,
                                                   rel_types=[RelType.NEEDS])}
    client = signed_in(app, Role.OFFICER)
    page = client.get(f"/demands/{demand_id}").get_data(as_text=True)
    assert "更正技术领域" in page and set(re.findall(r'name="keep" value="([^"]+)" checked', page)) == before
    token = csrf_of(page)
    keep = sorted(before)[:1]

    def post(**data):
        return client.post("/demands/fields", data={"csrf_token": token, "demand_id": demand_id, **data})

    for data, reason in (({}, "请至少选择一个技术领域"), ({"keep": keep, "add": "ht2016:60"}, "「ht2016:60」不是可选的二级技术领域")):
        refused = post(**data)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400 and reason in html and '<details class="wf-correct" open>' in html
    assert {nb.node.id for nb in store.neighbors(Label.DEMAND, demand_id, direction=Direction.OUT,
                                                 rel_types=[RelType.NEEDS])} == before
    done = post(keep=keep, add="ht2016:603")
    assert done.status_code == 303, re.findall(r"role=\"alert\">([^<]+)<", done.get_data(as_text=True))
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"已更正需求「{demand_id}」的技术领域：" in page and "人工更正）" in page
    needs = {(nb.node.id, nb.rel.props.get("method")) for nb in store.neighbors(
        Label.DEMAND, demand_id, direction=Direction.OUT, rel_types=[RelType.NEEDS])}
    assert needs == {(keep[0], "officer"), ("ht2016:603", "officer")}
    assert "更正技术领域" not in signed_in(app, Role.ANALYST).get(f"/demands/{demand_id}").get_data(as_text=True)
    assert signed_in(app, Role.ANALYST).post("/demands/fields", data={"csrf_token": token}).status_code in (400, 403)


# -- the list -----------------------------------------------------------------------------------------------


def _titles(html: str) -> list[str]:
    return re.findall(r'<td><a href="/demands/[^"]+">([^<]+)</a></td>', html)


@pytest.mark.parametrize(("query", "titles"), [
    ("", ["高镍正极材料涂布缺陷检测", "电池包热失控预警", "机器视觉质检", ESCAPED_SCRIPT]),
    ("?region=浙江省", ["高镍正极材料涂布缺陷检测", ESCAPED_SCRIPT]),
    ("?region=440300", ["电池包热失控预警"]),
    ("?field=电池材料", ["高镍正极材料涂布缺陷检测", "电池包热失控预警", ESCAPED_SCRIPT]),
    ("?field=f:inspect&status=待对接", ["高镍正极材料涂布缺陷检测", "机器视觉质检"]),
    ("?industry=C", ["高镍正极材料涂布缺陷检测", "电池包热失控预警"]),
    ("?status=已对接", ["电池包热失控预警"]),
    ("?region=浙江省&industry=38", ["高镍正极材料涂布缺陷检测"]),
])
def test_the_list_filters_like_the_api(app, query, titles):
    client = signed_in(app, Role.ANALYST)
    html = client.get(f"/demands{query}").get_data(as_text=True)
    assert _titles(html) == titles
    assert f"共 {len(titles)} 条" in html


def test_the_list_keeps_the_filters_in_its_inputs_and_suggests_values(app):
    html = signed_in(app, Role.ANALYST).get("/demands?region=浙江省&status=待对接").get_data(as_text=True)
    assert 'id="f-region" name="region" type="search" value="浙江省"' in html
    assert '<option value="待对接" selected>' in html
    assert '<option value="浙江省">' in html and '<option value="正极材料">' in html
    assert 'href="/demands/export.xlsx?region=%E6%B5%99%E6%B1%9F%E7%9C%81&amp;status=%E5%BE%85%E5%AF%B9%E6%8E%A5"' in html


def test_a_bad_filter_is_named_next_to_its_input(app):
    response = signed_in(app, Role.ANALYST).get("/demands?region=火星")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "筛选条件有误，请修改后重试。" in html
    assert re.search(r'id="region-error">未知的地区「火星」', html) and _titles(html) == []


def test_the_list_is_paginated_with_the_filters_kept(local_store, tmp_path):
    local_store.write(hostile_world())
    small = build_app(local_store, tmp_path / "data", KGMATCH_PER_PAGE=1)
    client = signed_in(small, Role.ANALYST)
    first = client.get("/demands?region=浙江省").get_data(as_text=True)
    assert _titles(first) == ["高镍正极材料涂布缺陷检测"] and "共 2 条，第 1 / 2 页" in first
    assert 'href="/demands?region=%E6%B5%99%E6%B1%9F%E7%9C%81&amp;page=2">下一页' in first
    second = client.get("/demands?region=浙江省&page=2").get_data(as_text=True)
    assert _titles(second) == [ESCAPED_SCRIPT] and "上一页" in second and "下一页" not in second
    assert _titles(client.get("/demands?page=abc").get_data(as_text=True)) == ["高镍正极材料涂布缺陷检测"]


# -- Excel ----------------------------------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    return book, [[c.value for c in row] for row in book["需求清单"].iter_rows()]


def test_excel_export_holds_the_filtered_rows_with_contacts_masked(app):
    client = signed_in(app, Role.ANALYST)
    response = client.get("/demands/export.xlsx?region=浙江省&status=待对接")
    assert "attachment" in response.headers["Content-Disposition"] and ".xlsx" in response.headers["Content-Disposition"]
    book, rows = _sheet(response)
    assert rows[0] == [header for _, header, _ in EXPORT_COLUMNS]
    by_header = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["需求编号"] for r in by_header] == ["d:1", "d:evil"]
    first = by_header[0]
    assert (first["需求标题"], first["需求企业"], first["技术领域"], first["所属行业"], first["所在地区"]) == (
        "高镍正极材料涂布缺陷检测", "杭州锂能科技有限公司", "正极材料、缺陷检测", "电气机械和器材制造业", "西湖区")
    assert (first["需求状态"], first["预算（万元）"], first["发布日期"], first["关键词"]) == (
        "待对接", 50.0, "2026-03-01", "高镍、涂布")
    assert (first["联系人"], first["联系电话"], first["电子邮箱"]) == ("周经理", "139****0002", "z***@liion.example.com")
    assert by_header[1]["需求标题"] == HOSTILE_SCRIPT  # a spreadsheet cell is text, not markup
    about = {row[0].value: row[1].value for row in book["筛选条件"].iter_rows()}
    assert about["所在地区"] == "浙江省" and about["需求状态"] == "待对接" and about["所属行业"] == "（全部）"
    assert about["匹配的需求"] == 2
    assert audit_lines(app) == []


def audit_lines(app) -> list[dict]:
    events, _ = app.extensions["kgmatch"].audit.read(limit=1000)
    return events


def test_excel_export_shows_officers_the_contacts_and_audits_it(app):
    _, rows = _sheet(signed_in(app, Role.OFFICER).get("/demands/export.xlsx?status=待对接"))
    assert [r[12] for r in rows[1:]] == ["13900000002", None, None]
    events = audit_lines(app)
    assert [(e["label"], e["id"], e["path"], e["actor"]) for e in events] == [
        (Label.DEMAND.value, "d:1", "/demands/export.xlsx", "user-officer")]


def test_excel_export_says_when_it_stopped_at_its_cap(app, monkeypatch):
    monkeypatch.setattr(pages_demands, "EXPORT_MAX_ROWS", 2)
    book, rows = _sheet(signed_in(app, Role.ANALYST).get("/demands/export.xlsx"))
    assert [r[0] for r in rows[1:]] == ["d:1", "d:2"]
    about = {row[0].value: row[1].value for row in book["筛选条件"].iter_rows()}
    assert about["匹配的需求"] == 4 and about["说明"] == "匹配 4 条，超过单次导出上限，只导出了前 2 条"


def test_excel_cells_are_text_never_formulas(app):
    store = app.extensions["kgmatch"].store()
    store.upsert_nodes(Label.DEMAND, [{"id": "d:formula", "title": '=HYPERLINK("http://x.example","点我")',
                                       "status": "待对接"}])
    response = signed_in(app, Role.ANALYST).get("/demands/export.xlsx?status=待对接")
    book = load_workbook(io.BytesIO(response.data))
    cells = [row[1] for row in book["需求清单"].iter_rows(min_row=2)]
    formula = next(c for c in cells if str(c.value).startswith("="))
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://x.example","点我")'


# -- one demand ---------------------------------------------------------------------------------------------------


def test_the_detail_page_shows_the_demand_experts_teams_and_the_explanation_graph(app):
    html = signed_in(app, Role.ANALYST).get("/demands/d:1").get_data(as_text=True)
    assert "<h1>高镍正极材料涂布缺陷检测" in html and "杭州锂能科技有限公司" in html and "需要识别正极极片涂布缺陷" in html
    ranks = re.findall(r'<td class="num rank">(\d+)</td>\s*<td><a href="([^"]+)">([^<]+)</a>', html)
    assert ranks[0] == ("1", f"/graph/{Label.EXPERT.value}/e:li", "李明")
    assert "冯军" not in [name for _, _, name in ranks]  # conflict of interest: excluded
    assert "已排除 1 位候选专家" in html and "e:conf" in html
    assert "与需求所需的「正极材料」直接对应" in html and "高镍正极材料涂布缺陷检测 →需要→ 正极材料" in html
    assert re.search(r'<rect x="0.0" y="1" width="[\d.]+" height="12" fill="#4E79A7"><title>领域匹配 [\d.]+</title>', html)
    assert "<h3>方案 1</h3>" in html and "覆盖率" in html and "沟通成本" in html
    assert "对照：RarestFirst 基线团队" in html and "方案 1 与 RarestFirst 基线对比" in html
    assert '<figure class="kg-graph">' in html and "推荐理由：需求—领域—项目—专家路径" in html
    assert 'src="/static/vendor/vis-network/vis-network.min.js"' in html


def test_contacts_on_the_detail_page_are_masked_without_contact_read(app):
    html = signed_in(app, Role.ANALYST).get("/demands/d:1").get_data(as_text=True)
    assert "139****0002" in html and "z***@liion.example.com" in html and "138****0001" in html
    assert "13900000002" not in html and "13800000001" not in html and "liming@zju.edu.cn" not in html
    assert audit_lines(app) == []


def test_officers_see_contacts_on_the_detail_page_and_each_view_is_audited(app):
    html = signed_in(app, Role.OFFICER).get("/demands/d:1").get_data(as_text=True)
    assert "13900000002" in html and "电话：13800000001" in html and "邮箱：liming@zju.edu.cn" in html
    events = sorted((e["label"], e["id"], e["path"], e["fields"] == ["phone", "email"]) for e in audit_lines(app))
    assert events == [(Label.DEMAND.value, "d:1", "/demands/d:1", True), (Label.EXPERT.value, "e:li", "/demands/d:1", True)]


def test_the_detail_page_takes_top_k_and_refuses_too_many(app):
    client = signed_in(app, Role.ANALYST)
    html = client.get("/demands/d:1?top_k=1").get_data(as_text=True)
    assert len(re.findall(r'<td class="num rank">', html)) == 1 and '<option value="1" selected>' in html
    response = client.get("/demands/d:1?top_k=999")
    assert response.status_code == 400 and "「top_k」应为 0 到 50 之间的整数，实际为「999」" in response.get_data(as_text=True)


def test_a_hostile_demand_and_one_without_fields_open(app):
    html = signed_in(app, Role.ANALYST).get("/demands/d:evil").get_data(as_text=True)
    assert f"<h1>{ESCAPED_SCRIPT}" in html and ESCAPED_IMG in html
    store = app.extensions["kgmatch"].store()
    store.upsert_nodes(Label.DEMAND, [{"id": "d:bare", "title": "空需求"}])
    response = signed_in(app, Role.ANALYST).get("/demands/d:bare")
    assert response.status_code == 200 and "<h1>空需求" in response.get_data(as_text=True)
