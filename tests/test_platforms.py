"""Service platforms and bases (issue 16): import, need detection, scoring, recommendation next to experts.

Both stores: the importer (Chinese headers, per-row Chinese errors, idempotent reload) and the end-to-end
recommendation — a demand worded by hand that asks for testing and shared instruments gets platforms
with graph paths; a pure research demand gets none.
"""

from __future__ import annotations

import html as htmllib
import json

import pytest
from test_api import key_for
from test_importers import _snapshot, _world
from test_pages import signed_in

from api.auth import Role
from graph.errors import ValidationError
from graph.messages import Msg
from graph.model import Label, RelType
from graph.store import Batch, Direction
from ingest.demo import PLATFORMS_PATH, DemoStep, demo_plan
from ingest.importers import import_file
from ingest.nlp import content_words
from ingest.synthetic_platforms import generate
from ingest.synthetic_platforms import hosts as synthetic_hosts
from recommend.config import resolve
from recommend.engine import recommend_for_demand
from recommend.platform_need import detect_needs, service_kinds
from recommend.platforms import PlatformFacts, score_platforms
from recommend.scoring import DemandFacts

HEADER = "平台名称,平台类型,依托单位,所在地区,服务内容,主要仪器设备,技术领域"
ROWS = [
    "浙江大学新材料公共技术服务平台,公共技术服务平台,浙江大学,杭州市,检验检测；仪器设备共享,扫描电子显微镜；X射线衍射仪,40201",
    "宁波先进材料中试基地,中试基地,宁波示例材料研究院,宁波市,中试熟化；工艺放大,中试反应釜,40201=0.6；601",
    "杭州某孵化器,孵化器,浙江大学,杭州市,创业辅导,,40201",
    "杭州无服务平台,检验检测中心,浙江大学,杭州市,,,40201",
    "火星检测中心,检验检测中心,浙江大学,火星市,检验检测,,40201",
    "浙江大学新材料公共技术服务平台,公共技术服务平台,浙江大学,杭州市,检验检测,,40201",
    "杭州代码错误检测中心,检验检测中心,浙江大学,杭州市,检验检测,,99999",
]


def _csv(tmp_path, rows=ROWS):
    path = tmp_path / "平台清单.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _out(store, node_id, rel):
    found = store.neighbors(Label.PLATFORM, node_id, direction=Direction.OUT, rel_types=[rel])
    return {nb.node.id: dict(nb.rel.props) for nb in found}


def test_platform_list_with_chinese_headers_loads_good_rows_and_names_bad_ones(tmp_path, store):
    _world(store, tmp_path)
    report = import_file(_csv(tmp_path), "platform", store)
    messages = [e.message() for e in report.errors]
    assert messages[0] == ("第 4 行「平台类型」平台类型应为：公共技术服务平台、创新人才培养示范基地、中试基地、检验检测中心、"
                           "大型仪器共享平台、共性技术研发平台；实际为「孵化器」")
    assert messages[1] == "第 5 行「服务内容」" + Msg.platforms.NO_SERVICES
    assert messages[2].startswith("第 6 行「所在地区」未知的地区「火星市」")
    assert messages[3] == "第 7 行「平台名称」编号「platform:浙江大学新材料公共技术服务平台」在本批数据中重复出现（第 2 行已有）"
    assert messages[4].startswith("第 8 行「技术领域」未知的") and "99999" in messages[4]
    assert (report.rows, report.rejected_rows) == (2, 5)
    pid = "platform:浙江大学新材料公共技术服务平台"
    node = store.get_node(Label.PLATFORM, pid)
    assert node.props["kind"] == "公共技术服务平台"
    assert node.props["services"] == ["检验检测", "仪器设备共享"]
    assert node.props["equipment"] == ["扫描电子显微镜", "X射线衍射仪"]
    assert _out(store, pid, RelType.HOSTED_BY) == {"inst:浙江大学": {}}
    assert _out(store, pid, RelType.LOCATED_IN) == {"region:330100": {}}
    assert _out(store, pid, RelType.SERVES_FIELD) == {"ht2016:40201": {"weight": 1.0, "method": "input"}}
    pilot = "platform:宁波先进材料中试基地"
    assert _out(store, pilot, RelType.SERVES_FIELD) == {"ht2016:40201": {"weight": 0.6, "method": "input"},
                                                       "ht2016:601": {"weight": 1.0, "method": "input"}}
    assert _out(store, pilot, RelType.LOCATED_IN) == {"region:330200": {}}
    assert store.get_node(Label.INSTITUTION, "inst:宁波示例材料研究院") is not None
    # loading the same file again changes nothing
    before = _snapshot(store)
    import_file(_csv(tmp_path), "platform", store)
    assert _snapshot(store) == before


def test_platform_list_with_english_keys_and_linked_fields(tmp_path, local_store):
    _world(local_store, tmp_path)
    path = tmp_path / "platforms.jsonl"
    rows = [{"platform_name": "杭州陶瓷材料检验检测中心", "platform_kind": "检验检测中心", "host_institution": "浙江大学",
             "services": ["材料成分分析", "力学性能测试"], "equipment": ["万能材料试验机"], "region_code": "330100"},
            {"platform_name": "北京仪器共享平台", "platform_kind": "大型仪器共享平台", "host_institution": "清华大学",
             "services": "仪器设备共享；机时共享", "fields": ["40201"]}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = import_file(path, "platform", local_store)
    assert report.ok, [e.message() for e in report.errors]
    linked = _out(local_store, "platform:杭州陶瓷材料检验检测中心", RelType.SERVES_FIELD)
    assert all(f.startswith("ht2016:") and p["method"] == "nlp" for f, p in linked.items())
    # no region given: the host's, inferred from its name (清华大学 → 北京市 in the shipped universities list)
    assert _out(local_store, "platform:北京仪器共享平台", RelType.LOCATED_IN) == {"region:110000": {"source": "universities-cn"}}


def test_a_platform_list_without_a_services_column_fails_as_a_whole(tmp_path, local_store):
    _world(local_store, tmp_path)
    path = tmp_path / "p.csv"
    path.write_text("平台名称,平台类型\n甲平台,中试基地\n", encoding="utf-8")
    with pytest.raises(Exception, match="服务内容"):
        import_file(path, "platform", local_store)
    assert local_store.count_nodes(Label.PLATFORM) == 0


@pytest.mark.parametrize(("text", "kinds"), [
    ("新研制的传感器外壳需要做盐雾试验和高低温循环试验，出具检测报告", ("检验检测",)),
    ("发酵工艺已在5升罐上验证，希望找中试基地在500升发酵罐上做放大试验", ("中试",)),
    ("初创公司没有扫描电镜，想借用高校的仪器看一下粉末形貌", ("设备共享",)),
    ("研究钙钛矿薄膜的缺陷钝化机理，提高器件稳定性", ()),
    ("开发基于深度学习的焊缝缺陷检测算法", ()),
    ("企业可提供中试车间和检测实验室，希望专家研究菌株的代谢调控机理", ()),
])
def test_needs_are_detected_from_own_wording(text, kinds):
    assert detect_needs(text).kinds == kinds


def test_services_are_read_as_needs():
    assert service_kinds("中试熟化") == ("中试",)
    assert service_kinds("电磁兼容测试") == ("检验检测",)
    assert service_kinds("大型仪器开放共享") == ("设备共享",)
    assert service_kinds("共性技术研发") == ("共性技术",)


def _demand(text, **kw):
    return DemandFacts("d", text, kw.pop("fields", {"f:a": 1.0}), 2026, **kw)


def test_scoring_prefers_the_platform_that_serves_the_need_in_the_field_and_nearby():
    settings = resolve()
    text = "需要对样品做物相分析并出具检测报告，企业没有X射线衍射仪，希望借用共享仪器"
    needs = detect_needs(text)
    assert needs.kinds == ("检验检测", "设备共享")
    near = PlatformFacts("p:near", "近", "公共技术服务平台", services=("物相分析", "仪器设备共享"),
                         equipment=("X射线衍射仪",), fields={"f:a": 1.0}, province_id="r:33", city_id="r:3301")
    far = PlatformFacts("p:far", "远", "检验检测中心", services=("材料成分分析",), fields={"f:b": 1.0},
                        province_id="r:44", city_id="r:4403")
    pilot = PlatformFacts("p:pilot", "中试", "中试基地", services=("中试熟化",), fields={"f:a": 1.0},
                          province_id="r:33", city_id="r:3301")
    demand = _demand(text, province_id="r:33", city_id="r:3301")
    scored = score_platforms(needs, demand, [far, pilot, near], {"f:a": "f:top", "f:b": "f:top"}, settings)
    assert [s.id for s in scored] == ["p:near", "p:far"]  # the pilot base serves no needed kind
    best = scored[0]
    assert best.covered_needs == ("检验检测", "设备共享")
    assert best.matched_terms == ("物相分析", "X射线衍射仪")
    assert best.components == {"service": 1.0, "field": 1.0, "region": 1.0}
    assert scored[1].field_match[2] == "sibling" and scored[1].region_match is None
    assert score_platforms(detect_needs("研究物相转变机理"), demand, [near], {}, settings) == []


def test_the_named_share_setting_splits_the_service_component():
    text = "需要对样品做物相分析并出具检测报告，企业没有X射线衍射仪，希望借用共享仪器"
    needs = detect_needs(text)
    lab = PlatformFacts("p", "检测", "检验检测中心", services=("物相分析",), equipment=("X射线衍射仪",),
                        fields={"f:a": 1.0})
    service = {}
    for share in (0.0, 0.4, 1.0):
        scored = score_platforms(needs, _demand(text), [lab], {}, resolve({"platform_named_share": share}))
        assert scored[0].covered_needs == ("检验检测",) and len(scored[0].matched_terms) == 2
        service[share] = scored[0].components["service"]
    # one of the two needed kinds served (0.5), both named services or instruments found (1.0)
    assert service == pytest.approx({0.0: 0.5, 0.4: 0.6 * 0.5 + 0.4 * 1.0, 1.0: 1.0})
    with pytest.raises(ValidationError, match="platform_named_share"):
        resolve({"platform_named_share": 1.5})


def test_a_platform_with_nothing_in_common_but_its_kind_is_not_listed():
    lab = PlatformFacts("p", "检测中心", "检验检测中心", services=("检验检测",), fields={"f:z": 1.0})
    needs = detect_needs("需要送检并出具检测报告")
    assert score_platforms(needs, _demand("需要送检并出具检测报告"), [lab], {}, resolve()) == []


def test_the_synthetic_list_is_seeded_marked_committed_and_in_the_demo():
    rows = generate()
    assert rows == generate()
    assert all(r["source"] == "synthetic" and r["services"] for r in rows)
    assert all(r["fields"] for r in rows)  # load demo needs no field linker
    committed = [json.loads(line) for line in PLATFORMS_PATH.read_text(encoding="utf-8").splitlines()]
    assert committed == rows  # data/platforms/platforms.jsonl is what the seeded code writes
    hosts = {name for name, _ in synthetic_hosts()}
    assert {r["host"] for r in rows} <= hosts
    assert DemoStep(PLATFORMS_PATH, "platform") in demo_plan()


# -- end to end, both stores ---------------------------------------------------------------------------------

TESTING = "正极材料粉体需要做物相分析和形貌表征，公司没有X射线衍射仪和扫描电镜，希望借用共享仪器并出具检测报告"
RESEARCH = "希望与高校合作研究高镍正极材料循环衰减的失效机理，提出掺杂改性方案"


def _platform_world() -> Batch:
    """Three platforms around the tiny API world: one in 杭州 serving 正极材料, one in 深圳, a pilot base."""
    L, R = Label, RelType
    return (
        Batch()
        .add_nodes(L.PLATFORM, [
            {"id": "pf:hz", "name": "浙江大学<材料>公共技术服务平台", "kind": "公共技术服务平台",
             "services": ["物相分析", "仪器设备共享"], "equipment": ["X射线衍射仪", "扫描电子显微镜"], "host": "浙江大学"},
            {"id": "pf:sz", "name": "深圳检验检测中心", "kind": "检验检测中心", "services": ["材料成分分析"],
             "equipment": ["扫描电子显微镜"]},
            {"id": "pf:pilot", "name": "杭州中试基地", "kind": "中试基地", "services": ["中试熟化"]}])
        .add_rels(R.HOSTED_BY, L.PLATFORM, L.INSTITUTION, [{"start": "pf:hz", "end": "i:zju"}])
        .add_rels(R.LOCATED_IN, L.PLATFORM, L.REGION, [{"start": "pf:hz", "end": "region:330100"},
                                                         {"start": "pf:sz", "end": "region:440300"},
                                                         {"start": "pf:pilot", "end": "region:330100"}])
        .add_rels(R.SERVES_FIELD, L.PLATFORM, L.FIELD, [{"start": "pf:hz", "end": "f:cathode", "weight": 1.0},
                                                          {"start": "pf:sz", "end": "f:bat", "weight": 1.0},
                                                          {"start": "pf:pilot", "end": "f:cathode", "weight": 1.0}])
        .add_nodes(L.DEMAND, [{"id": "d:test", "title": "正极粉体检测", "description": TESTING, "status": "待对接"},
                              {"id": "d:research", "title": "正极失效机理", "description": RESEARCH, "status": "待对接"}])
        .add_rels(R.POSTED, L.ENTERPRISE, L.DEMAND, [{"start": "ent:1", "end": "d:test"},
                                                       {"start": "ent:1", "end": "d:research"}])
        .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": "d:test", "end": "f:cathode", "weight": 1.0},
                                                 {"start": "d:research", "end": "f:cathode", "weight": 1.0}])
    )


def test_platforms_are_recommended_for_a_testing_demand_and_not_for_research(store):
    from test_api import world

    store.write(world())
    store.write(_platform_world())
    rec = recommend_for_demand(store, "d:test", tokenize=content_words)
    body = rec.as_dict()["platforms"]
    assert body["needs"]["kinds"] == ["检验检测", "设备共享"]
    assert [p["platform_id"] for p in body["items"]] == ["pf:hz", "pf:sz"]
    top = body["items"][0]
    assert top["components"] == {"service": 1.0, "field": 1.0, "region": 1.0}
    assert top["host"] == "浙江大学" and top["host_id"] == "i:zju"
    texts = [p["text"] for p in top["paths"]]
    assert "正极粉体检测 →提到→ 物相分析 →服务→ 浙江大学<材料>公共技术服务平台" in texts
    assert "正极粉体检测 →需要→ 正极材料 →服务领域→ 浙江大学<材料>公共技术服务平台" in texts
    assert "正极粉体检测 →位于→ 杭州市 →所在地→ 浙江大学<材料>公共技术服务平台" in texts
    assert "依托浙江大学" in top["explanation"] and "与需求同城" in top["explanation"]
    second = body["items"][1]
    assert "正极粉体检测 →需要→ 正极材料 →上级领域→ 电池材料 →服务领域→ 深圳检验检测中心" in [p["text"] for p in second["paths"]]
    assert second["matched_terms"] == ["扫描电子显微镜"]  # the demand says 扫描电镜
    assert second["explanation"].startswith("深圳检验检测中心（检验检测中心）可提供")
    assert rec.experts  # the experts are still there, next to the platforms
    research = recommend_for_demand(store, "d:research", tokenize=content_words).as_dict()["platforms"]
    assert research == {"needs": {"needed": False, "kinds": [], "cues": {}}, "items": [],
                        "note": Msg.platforms.NONE_NEEDED}
    off = recommend_for_demand(store, "d:test", tokenize=content_words, overrides={"platform_top_k": 0})
    assert off.platforms.results == ()


def test_api_and_pages_show_platforms_escaped(app):
    from test_api import world  # noqa: F401  (the app fixture holds it)

    store = app.extensions["kgmatch"].store()
    store.write(_platform_world())
    client = app.test_client()
    response = client.post("/api/v1/recommendations", json={"text": TESTING, "region": "330100"},
                           headers=key_for(app, Role.OFFICER))
    assert response.status_code == 200, response.get_json()
    platforms = response.get_json()["platforms"]
    assert platforms["needs"]["kinds"] == ["检验检测", "设备共享"]
    assert platforms["items"][0]["platform_id"] == "pf:hz"
    stored = client.get("/api/v1/demands/d:research/recommendations", headers=key_for(app, Role.OFFICER))
    assert stored.get_json()["platforms"]["items"] == []
    page = signed_in(app, Role.OFFICER).get("/demands/d:test").get_data(as_text=True)
    assert "推荐平台与基地" in page
    assert "浙江大学&lt;材料&gt;公共技术服务平台" in page and "浙江大学<材料>" not in page
    assert htmllib.unescape("浙江大学&lt;材料&gt;") in htmllib.unescape(page)


def test_the_graph_explorer_draws_a_platform_and_its_neighbours(app):
    store = app.extensions["kgmatch"].store()
    store.write(_platform_world())
    officer = signed_in(app, Role.OFFICER)
    page = officer.get("/graph/Platform/pf:hz")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "服务平台" in text and "浙江大学&lt;材料&gt;公共技术服务平台" in text and "<材料>" not in text
    body = app.test_client().get("/api/v1/graph/Platform/pf:hz", headers=key_for(app, Role.OFFICER)).get_json()
    assert {n["id"] for n in body["nodes"]} >= {"pf:hz", "i:zju", "region:330100", "f:cathode"}


def test_cli_prints_platforms_next_to_experts_and_says_why_there_are_none(tmp_path):
    from test_api import world
    from test_cli import kgmatch

    from graph.local_store import LocalStore

    data = tmp_path / "var"
    with LocalStore(data) as local:
        local.write(world())
        local.write(_platform_world())
    out = kgmatch("recommend", "d:test", data_dir=data)
    assert out.returncode == 0, out.stderr
    assert "推荐平台与基地（识别到的平台服务需要：检验检测、设备共享）：" in out.stdout
    assert "  1. 浙江大学<材料>公共技术服务平台（公共技术服务平台）得分 1.000" in out.stdout
    research = kgmatch("recommend", "d:research", data_dir=data)
    assert f"推荐平台与基地：无（{Msg.platforms.NONE_NEEDED}）" in research.stdout


def test_the_intake_preview_shows_platforms_for_the_text_as_it_stands(app):
    from helpers.pages import post_form

    store = app.extensions["kgmatch"].store()
    store.write(_platform_world())
    officer = signed_in(app, Role.OFFICER)
    response = post_form(officer, "/demands/new", {"title": "正极粉体检测", "description": TESTING, "region": "330100",
                                                   "action": "analyse"}, page="/demands/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "推荐平台与基地" in page and "浙江大学&lt;材料&gt;公共技术服务平台" in page
