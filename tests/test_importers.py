"""Domain importers: CSV / XLSX / JSON with Chinese or English headers, references resolved, bad rows named."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import ingest.demo
from graph.errors import ValidationError
from graph.model import Label, RelType
from graph.store import Direction
from ingest.demo import DemoStep, load_demo
from ingest.importers import import_file
from ingest.loader import write_error_file
from ingest.taxonomies import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent

REGIONS = [
    {"code": "33", "name": "浙江省", "children": [
        {"code": "3301", "name": "杭州市", "children": [{"code": "330106", "name": "西湖区"}]},
        {"code": "3302", "name": "宁波市", "children": []}]},
    {"code": "11", "name": "北京市", "children": [
        {"code": "1101", "name": "市辖区", "children": [{"code": "110108", "name": "海淀区"}]}]},
]
INDUSTRIES = "C,　,　,　,制造业\n　,38,　,　,电气机械和器材制造业\n　,　,384,　,  电池制造\n　,　,　,3841,    锂离子电池制造\n"
FIELDS = ("code,name,level,parent_code\n40,新材料,1,\n402,无机非金属材料,2,40\n40201,高性能结构陶瓷材料,3,402\n"
          "60,新能源与节能,1,\n601,可再生清洁能源,2,60\n")
ENTERPRISES = [
    {"id": "ent:91330106MA27XL0E2X", "name": "杭州示例新材料有限公司", "credit_code": "91330106MA27XL0E2X",
     "region": "浙江省杭州市", "industry": "C3841", "scale": "小型", "high_tech": True, "established": "2016/5/12",
     "keywords": ["锂电池", "正极材料"], "source": "synthetic"},
    {"name": "宁波示例电池有限公司", "region": "330200", "industry": ["3841", "电池制造"], "source": "synthetic"},
]
DEMANDS = [
    {"id": "demand:00001", "title": "高镍三元正极材料循环寿命提升", "enterprise": "ent:91330106MA27XL0E2X",
     "fields": {"ht2016:40201": 0.8, "601": 0.2}, "industry": "C3841", "region": "330100", "posted": "2024-03-01",
     "budget_wan": 50, "keywords": ["高镍", "循环寿命"], "source": "synthetic"},
    {"title": "废旧电池回收工艺", "enterprise": "宁波示例电池有限公司", "fields": "高性能结构陶瓷材料"},
]


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _jsonl(path: Path, rows: list[dict]) -> Path:
    return _write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def _taxonomies(tmp_path: Path) -> dict[str, Path]:
    return {"gbt2260": _write(tmp_path / "regions.json", json.dumps(REGIONS, ensure_ascii=False)),
            "gbt4754": _write(tmp_path / "industries.csv", INDUSTRIES),
            "ht2016": _write(tmp_path / "fields.csv", FIELDS)}


def _world(store, tmp_path: Path):
    """Tiny regions, industries and fields: what enterprises and demands point into."""
    for kind, path in _taxonomies(tmp_path).items():
        assert load_taxonomy(path, kind, store).ok
    return store


def _out(store, label, node_id, rel):
    found = store.neighbors(label, node_id, direction=Direction.OUT, rel_types=[rel])
    return {nb.node.id: dict(nb.rel.props) for nb in found}


def _snapshot(store):
    nodes = {(label, n.id): dict(n.props) for label in Label for n in store.list_nodes(label, limit=10_000)}
    rels = {(nb.rel.type, nb.rel.start.id, nb.rel.end.id): dict(nb.rel.props)
            for label, node_id in nodes for nb in store.neighbors(label, node_id, direction=Direction.OUT)}
    return nodes, rels


def test_demo_format_enterprises_and_demands_resolve_their_references(tmp_path, local_store):
    store = _world(local_store, tmp_path)
    assert import_file(_jsonl(tmp_path / "enterprises.jsonl", ENTERPRISES), "enterprise", store).ok
    assert import_file(_jsonl(tmp_path / "demands.jsonl", DEMANDS), "demand", store).ok
    hangzhou = store.get_node(Label.ENTERPRISE, "ent:91330106MA27XL0E2X")
    assert hangzhou.props["established"] == "2016-05-12" and hangzhou.props["high_tech"] is True
    assert _out(store, Label.ENTERPRISE, hangzhou.id, RelType.LOCATED_IN) == {"region:330100": {}}
    assert _out(store, Label.ENTERPRISE, hangzhou.id, RelType.IN_INDUSTRY) == {"gbt4754:3841": {}}
    ningbo = "ent:宁波示例电池有限公司"  # no id, no credit code: keyed by name
    assert set(_out(store, Label.ENTERPRISE, ningbo, RelType.IN_INDUSTRY)) == {"gbt4754:3841", "gbt4754:384"}
    demand = store.get_node(Label.DEMAND, "demand:00001")
    assert demand.props["status"] == "待对接" and demand.props["source"] == "synthetic"
    assert _out(store, Label.DEMAND, demand.id, RelType.NEEDS) == {"ht2016:40201": {"weight": 0.8, "method": "input"},
                                                                   "ht2016:601": {"weight": 0.2, "method": "input"}}
    assert _out(store, Label.ENTERPRISE, hangzhou.id, RelType.POSTED) == {"demand:00001": {}}
    assert _out(store, Label.DEMAND, demand.id, RelType.LOCATED_IN) == {"region:330100": {}}
    second = "demand:" + hashlib.sha1(f"{ningbo}|废旧电池回收工艺".encode()).hexdigest()[:16]
    assert _out(store, Label.ENTERPRISE, ningbo, RelType.POSTED) == {second: {}}
    assert _out(store, Label.DEMAND, second, RelType.NEEDS) == {"ht2016:40201": {"weight": 1.0, "method": "input"}}


def test_a_demand_without_fields_is_understood_by_nlp(tmp_path, local_store):
    store = _world(local_store, tmp_path)
    rows = [{"id": "demand:nlp", "title": "高性能结构陶瓷材料烧结开裂", "description": "我公司生产结构陶瓷部件，烧结后开裂率高。"}]
    assert import_file(_jsonl(tmp_path / "demands.jsonl", rows), "demand", store).ok
    needs = _out(store, Label.DEMAND, "demand:nlp", RelType.NEEDS)
    # the supervised linker's best second-level field scales to 1; the name-similar third-level field
    # is kept because the crosswalk puts it under that field
    assert needs["ht2016:402"] == {"weight": 1.0, "method": "nlp"}
    assert 0 < needs["ht2016:40201"]["weight"] < 1
    assert set(needs) <= {"ht2016:40", "ht2016:402", "ht2016:40201", "ht2016:60", "ht2016:601"}  # stored fields only
    keywords = store.get_node(Label.DEMAND, "demand:nlp").props["keywords"]
    assert "结构陶瓷" in "".join(keywords) and len(keywords) <= 8


def test_the_lexical_linker_stays_available_as_the_baseline(tmp_path, local_store, monkeypatch):
    monkeypatch.setenv("KGMATCH_LINKER", "lexical")
    store = _world(local_store, tmp_path)
    rows = [{"id": "demand:nlp", "title": "高性能结构陶瓷材料烧结开裂", "description": "我公司生产结构陶瓷部件，烧结后开裂率高。"}]
    assert import_file(_jsonl(tmp_path / "demands.jsonl", rows), "demand", store).ok
    needs = _out(store, Label.DEMAND, "demand:nlp", RelType.NEEDS)
    assert needs["ht2016:40201"] == {"weight": 1.0, "method": "nlp"}  # the best name match scales to 1


def test_bad_rows_are_named_in_chinese_and_only_good_rows_load(tmp_path, local_store):
    store = _world(local_store, tmp_path)
    before = store.counts()
    lines = ["企业名称,统一社会信用代码,所在地区,所属行业,员工人数,联系电话",
             "杭州甲公司,91330106MA27XL0E2X,浙江省杭州市西湖区,C3841,120,0571-88888888",
             ",91330106MA27XL0E3Y,杭州市,3841,10,",
             "杭州乙公司,,火星市,3841,10,",
             "杭州丙公司,,杭州市,C9999,10,",
             "杭州丁公司,,杭州市,3841,很多,",
             "杭州戊公司,91330106MA27XL0E2X,杭州市,3841,5,"]
    data = "\n".join(lines).encode("utf-8") + "\n杭州".encode() + b"\xff\xfe" + "公司,,杭州市,,1,\n".encode()
    path = _write(tmp_path / "企业.csv", data + "宁波己公司,,宁波市,,8,13800000000\n".encode())
    report = import_file(path, "enterprise", store)
    messages = [e.message() for e in report.errors]
    assert messages[:5] == [
        "第 3 行「企业名称」不能为空",
        "第 4 行「所在地区」未知的地区「火星市」（请填写省市县名称或 6 位行政区划代码）",
        "第 5 行「所属行业」未知的行业「C9999」（GB/T 4754-2011 代码或名称）",
        "第 6 行「员工人数」应为整数，实际为「很多」",
        "第 7 行「统一社会信用代码」编号「ent:91330106MA27XL0E2X」在本批数据中重复出现（第 2 行已有）",
    ]
    assert messages[5].startswith("第 8 行「编码」文件编码无法识别（请保存为 UTF-8 或 GBK）")
    assert (report.rows, report.rejected_rows) == (2, 6)
    errors = write_error_file(report, tmp_path / "err.csv").read_text(encoding="utf-8-sig").splitlines()
    assert errors[0] == "行号,字段,原因,说明" and len(errors) == 7
    added = {k: v - before.nodes.get(k, 0) for k, v in store.counts().nodes.items()}
    assert {k: v for k, v in added.items() if v} == {"Enterprise": 2}
    assert sorted(n.id for n in store.list_nodes(Label.ENTERPRISE)) == ["ent:91330106MA27XL0E2X", "ent:宁波己公司"]
    assert _out(store, Label.ENTERPRISE, "ent:91330106MA27XL0E2X", RelType.LOCATED_IN) == {"region:330106": {}}
    assert store.get_node(Label.ENTERPRISE, "ent:91330106MA27XL0E2X").props["employees"] == 120


def test_bad_demand_references_and_values_are_row_errors(tmp_path, local_store):
    store = _world(local_store, tmp_path)
    assert import_file(_jsonl(tmp_path / "e.jsonl", ENTERPRISES[:1]), "enterprise", store).ok
    path = _write(tmp_path / "demands.csv", "\n".join([
        "需求标题,需求企业,技术领域,发布日期,预算（万元）,电子邮箱",
        "正极材料改性,杭州示例新材料有限公司,40201=0.8；601=0.2,2024年3月1日,50,a@b.cn",
        ",杭州示例新材料有限公司,40201,,,",
        "某需求,不存在公司,40201,,,",
        "某需求2,91330106MA27XL0E2X,40201=1.5,,,",
        "某需求3,91330106MA27XL0E2X,99999,,,",
        "某需求4,91330106MA27XL0E2X,40201,2024-13-01,,",
        "某需求5,91330106MA27XL0E2X,40201,,,not-an-email"]) + "\n")
    report = import_file(path, "demand", store)
    assert [e.message() for e in report.errors] == [
        "第 3 行「需求标题」不能为空",
        "第 4 行「需求企业」未知的企业「不存在公司」（请先导入该企业，或填写企业编号、统一社会信用代码）",
        "第 5 行「技术领域」权重应为大于 0、不超过 1 的数字，实际为「1.5」",
        "第 6 行「技术领域」未知的技术领域「99999」（请填写领域编码，如 ht2016:40201、nsfc2020:C0101，或准确的领域名称）",
        "第 7 行「发布日期」应为日期（如 2024-03-01），实际为「2024-13-01」",
        "第 8 行「电子邮箱」格式不正确：「not-an-email」（应为电子邮箱，如 name@example.com）",
    ]
    [demand] = store.list_nodes(Label.DEMAND)
    assert demand.props["posted"] == "2024-03-01" and demand.props["budget_wan"] == 50.0


def test_xlsx_experts_load_with_excel_row_numbers(tmp_path, local_store):
    store = _world(local_store, tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["专家姓名", "工作单位", "职称", "研究方向", "技术领域", "电子邮箱", "出生年份"])
    sheet.append(["张伟", "浙江大学", "教授", "锂离子电池；正极材料", "ht2016:40201", "zw@zju.edu.cn", 1975])
    sheet.append(["张伟", "宁波大学", "副教授", None, "601=0.5", None, None])
    sheet.append(["王芳", None, "研究员", None, None, None, None])
    sheet.append([None] * 7)
    sheet.append(["李强", "浙江大学", None, None, None, None, "一九八〇"])
    book.save(tmp_path / "专家.xlsx")
    report = import_file(tmp_path / "专家.xlsx", "expert", store)
    assert [e.message() for e in report.errors] == [
        "第 4 行「工作单位」不能为空：没有专家编号时，专家由姓名加工作单位（依托单位）识别",
        "第 6 行「出生年份」应为整数，实际为「一九八〇」",
    ]
    assert sorted(n.id for n in store.list_nodes(Label.EXPERT)) == ["expert:张伟@宁波大学", "expert:张伟@浙江大学"]
    zhang = store.get_node(Label.EXPERT, "expert:张伟@浙江大学")
    assert zhang.props["keywords"] == ["锂离子电池", "正极材料"] and zhang.props["birth_year"] == 1975
    assert _out(store, Label.EXPERT, zhang.id, RelType.EXPERT_IN) == {"ht2016:40201": {"weight": 1.0, "source": "import"}}
    assert _out(store, Label.EXPERT, zhang.id, RelType.WORKS_AT) == {"inst:浙江大学": {}}
    # a new institution: type and province from the shipped universities list
    assert store.get_node(Label.INSTITUTION, "inst:浙江大学").props["type"] == "高校"
    assert _out(store, Label.INSTITUTION, "inst:浙江大学", RelType.LOCATED_IN) == {
        "region:330000": {"source": "universities-cn"}}


def test_gbk_csv_with_english_headers_loads(tmp_path, local_store):
    store = _world(local_store, tmp_path)
    path = _write(tmp_path / "inst.csv", "Name,Type,Region,Lat,Lon\n某某研究院,科研院所,海淀区,39.98,116.31\n".encode("gbk"))
    assert import_file(path, "institution", store).ok
    node = store.get_node(Label.INSTITUTION, "inst:某某研究院")
    assert dict(node.props) == {"name": "某某研究院", "type": "科研院所", "lat": 39.98, "lon": 116.31, "source": "import"}
    assert _out(store, Label.INSTITUTION, node.id, RelType.LOCATED_IN) == {"region:110108": {}}


def test_a_file_without_a_required_column_is_refused_whole(tmp_path, local_store):
    path = _write(tmp_path / "e.csv", "统一社会信用代码,所在地区\n91330106MA27XL0E2X,杭州市\n")
    with pytest.raises(ValidationError, match="表头缺少必需的列「企业名称」"):
        import_file(path, "enterprise", local_store)
    assert local_store.counts().nodes == {}


def test_importing_everything_twice_changes_nothing(tmp_path, store):
    """Both backends: the same files loaded again leave every node and relationship as it was."""
    _world(store, tmp_path)
    files = [(_jsonl(tmp_path / "e.jsonl", ENTERPRISES), "enterprise"),
             (_jsonl(tmp_path / "d.jsonl", DEMANDS), "demand"),
             (_jsonl(tmp_path / "x.jsonl", [{"name": "张伟", "institution": "浙江大学", "fields": ["40201"]}]), "expert"),
             (_write(tmp_path / "p.csv", "项目批准号,项目名称,依托单位,负责人,金额,起止年月,申请代码\n"
                                         "51572001,陶瓷材料研究,浙江大学,张伟,60,2016.01-2019.12,40201\n"
                                         "51572002,陶瓷材料再研究,浙江大学,张伟,60,2017.01-2020.12,40201\n"), "project")]
    for path, kind in files:
        report = import_file(path, kind, store)
        assert report.ok, [e.message() for e in report.errors]
    first = _snapshot(store)
    assert first[1][(RelType.EXPERT_IN, "expert:张伟@浙江大学", "ht2016:40201")] == {
        "weight": 0.75, "projects": 2, "last_year": 2017, "source": "nsfc"}
    for path, kind in files:
        assert import_file(path, kind, store).ok
    assert _snapshot(store) == first


def test_load_demo_loads_taxonomies_projects_then_the_demo_folder(tmp_path, local_store, monkeypatch):
    taxonomies = _taxonomies(tmp_path)
    monkeypatch.setattr(ingest.demo, "TAXONOMY_FILES", taxonomies)
    projects = _write(tmp_path / "projects.csv", "项目批准号,项目名称,依托单位,负责人,金额,起止年月\n"
                                                 "71541001,管理研究,浙江大学,洪俊杰,25,2015.05-2016.02\n")
    monkeypatch.setattr(ingest.demo, "project_files", lambda: [(projects, ("ht2016:40",))])
    monkeypatch.setattr(ingest.demo, "people_files", lambda: [])
    monkeypatch.setattr(ingest.demo, "PATENTS_PATH", tmp_path / "no-patents.csv")  # tests/test_patents.py loads them
    monkeypatch.setattr(ingest.demo, "PLATFORMS_PATH", tmp_path / "no-platforms.jsonl")  # tests/test_platforms.py
    papers = tmp_path / "papers.jsonl"  # only papers with field links are in the demo
    _jsonl(papers, [{"id": "1", "title": "论文甲", "authors": "王颖1 张智雄1", "affiliations": "1浙江大学，杭州310058",
                     "fields": {"ht2016:40": 0.2}},
                    {"id": "2", "title": "论文乙", "authors": "李四1", "affiliations": "1浙江大学", "fields": {}}])
    monkeypatch.setattr(ingest.demo, "PAPERS_FILE", papers)
    demo = tmp_path / "demo"
    demo.mkdir()
    _jsonl(demo / "demands.jsonl", DEMANDS[:1])
    _jsonl(demo / "enterprises.jsonl", ENTERPRISES)
    _write(demo / "notes.csv", "ignored\n")
    plan = ingest.demo.demo_plan(demo_dir=demo)
    assert [(s.path.name, s.kind) for s in plan] == [
        ("regions.json", "gbt2260"), ("industries.csv", "gbt4754"), ("fields.csv", "ht2016"),
        ("projects.csv", "project"), ("papers.jsonl", "paper-linked"), ("enterprises.jsonl", "enterprise"),
        ("demands.jsonl", "demand")]
    assert plan[3] == DemoStep(projects, "project", ("ht2016:40",))
    reports = load_demo(local_store, demo_dir=demo)
    assert all(r.ok for r in reports)
    assert local_store.counts().nodes == {"Demand": 1, "Enterprise": 2, "Expert": 3, "Field": 5, "Industry": 4,
                                          "Institution": 1, "Paper": 1, "Project": 1, "Region": 7}


def test_cli_load_with_kind_reports_bad_rows_and_exits_non_zero(tmp_path):
    env = {**os.environ, "KGMATCH_DATA_DIR": str(tmp_path / "var"), "KGMATCH_STORE": "local"}

    def kgmatch(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)

    for kind, path in _taxonomies(tmp_path).items():
        assert kgmatch("load", str(path), "--kind", kind).returncode == 0
    path = _write(tmp_path / "企业.csv", "企业名称,所在地区\n甲公司,杭州市\n乙公司,火星\n")
    result = kgmatch("load", str(path), "--kind", "enterprise", "--errors", str(tmp_path / "err.csv"))
    assert result.returncode == 1
    assert "第 3 行「所在地区」未知的地区「火星」" in result.stderr
    assert "共 1 行数据有误未导入，1 行已导入" in result.stderr
    assert (tmp_path / "err.csv").exists()
    stats = json.loads(kgmatch("stats", "--json").stdout)
    assert stats["nodes"]["Enterprise"] == 1 and stats["relationships"]["LOCATED_IN"] == 1
    assert kgmatch("load", "none.csv", "--kind", "demand").returncode == 2
