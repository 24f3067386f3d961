"""NSFC project lists → projects, PIs keyed by name + institution, institutions, fields, EXPERT_IN."""

from __future__ import annotations

import csv
import io

import pytest

from graph.model import Label, RelType
from graph.store import Direction
from ingest.importers import import_file
from ingest.nsfc import NSFC_PROJECT_FILES
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy

LIFESCI, MGMT, INFO = list(NSFC_PROJECT_FILES)


def _slice(source, target, keys: set[str], key_column: str):
    """Write the header and the rows of ``source`` whose ``key_column`` is in ``keys`` (real rows, a few)."""
    text = source.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in reader if r[key_column] in keys)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


@pytest.fixture
def codes(local_store):
    """A store with regions and both NSFC code schemes (what projects point into)."""
    for kind in ("gbt2260", "nsfc-codes", "nsfc2020-codes"):
        assert load_taxonomy(TAXONOMY_FILES[kind], kind, local_store).ok
    return local_store


def _out(store, label, node_id, rel):
    return sorted(nb.node.id for nb in store.neighbors(label, node_id, direction=Direction.OUT, rel_types=[rel]))


# 张雁 leads two C0102 projects at 天津大学 and one C0702 project at 中山大学 (real rows).
ZHANG_YAN = {"31570060", "31870049", "31871413"}


def test_lifesci_rows_become_projects_pis_institutions_and_fields(tmp_path, codes):
    path = _slice(LIFESCI, tmp_path / "c.csv", ZHANG_YAN | {"31730001", "31872618"}, "approval_no")
    report = import_file(path, "project", codes)
    assert report.ok and report.rows == 5
    project = codes.get_node(Label.PROJECT, "nsfc:31730001")
    assert dict(project.props) == {
        "title": "古菌真核类型引发酶的亚基性质与功能演化的研究", "approval_no": "31730001", "fund_type": "重点项目",
        "amount_wan": 293.0, "approval_year": 2017, "start_year": 2018, "end_year": 2022,
        "keywords": ["古菌", "功能演化", "DNA修复", "DNA复制", "古菌-真核生物引发酶"],
        "keywords_text": "古菌 功能演化 DNA修复 DNA复制 古菌-真核生物引发酶",
        "institution": "中国科学院微生物研究所", "pi": "黄力", "source": "nsfc"}
    expert = "expert:黄力@中国科学院微生物研究所"
    assert _out(codes, Label.PROJECT, project.id, RelType.IN_FIELD) == ["nsfc2020:C0101"]
    assert _out(codes, Label.EXPERT, expert, RelType.LEADS) == [project.id]
    assert _out(codes, Label.EXPERT, expert, RelType.WORKS_AT) == ["inst:中国科学院微生物研究所"]
    assert codes.get_node(Label.INSTITUTION, "inst:中国科学院微生物研究所").props["type"] == "科研院所"
    # located by the city in its name
    assert _out(codes, Label.INSTITUTION, "inst:中国科学院昆明植物研究所", RelType.LOCATED_IN) == ["region:530100"]
    assert _out(codes, Label.INSTITUTION, "inst:中山大学", RelType.LOCATED_IN) == ["region:440000"]


def test_same_name_at_two_institutions_is_two_experts(tmp_path, codes):
    assert import_file(_slice(LIFESCI, tmp_path / "c.csv", ZHANG_YAN, "approval_no"), "project", codes).ok
    experts = sorted(n.id for n in codes.list_nodes(Label.EXPERT))
    assert experts == ["expert:张雁@中山大学", "expert:张雁@天津大学"]
    weights = {(nb.rel.start.id, nb.node.id): dict(nb.rel.props)
               for e in experts for nb in codes.neighbors(Label.EXPERT, e, rel_types=[RelType.EXPERT_IN])}
    assert weights == {
        ("expert:张雁@中山大学", "nsfc2020:C0702"): {"weight": 0.5, "projects": 1, "last_year": 2019, "source": "nsfc"},
        ("expert:张雁@天津大学", "nsfc2020:C0102"): {"weight": 0.75, "projects": 2, "last_year": 2019, "source": "nsfc"},
    }


def test_expert_weight_counts_stored_projects_and_reloading_changes_nothing(tmp_path, codes):
    first = _slice(LIFESCI, tmp_path / "a.csv", {"31570060"}, "approval_no")
    second = _slice(LIFESCI, tmp_path / "b.csv", {"31870049"}, "approval_no")
    assert import_file(first, "project", codes).ok
    rel = ("expert:张雁@天津大学", "nsfc2020:C0102")

    def weight():
        found = codes.neighbors(Label.EXPERT, rel[0], rel_types=[RelType.EXPERT_IN])
        return [(nb.node.id, nb.rel.props["weight"], nb.rel.props["projects"]) for nb in found]

    assert weight() == [(rel[1], 0.5, 1)]
    assert import_file(second, "project", codes).ok
    assert weight() == [(rel[1], 0.75, 2)]
    before = codes.counts()
    for path in (first, second, first):
        assert import_file(path, "project", codes).ok
    assert codes.counts() == before and weight() == [(rel[1], 0.75, 2)]


def test_nsfc_chinese_layout_is_accepted_as_is(tmp_path, codes):
    path = _slice(MGMT, tmp_path / "g.csv", {"71541001", "70501003", "70771039", "1404701"}, "项目批准号")
    assert path.read_text(encoding="utf-8").splitlines()[0] == "项目批准号,项目类别,项目名称,依托单位,负责人,金额,起止年月,总评"
    report = import_file(path, "project", codes, default_fields=["nsfc:G"])
    assert report.ok and report.rows == 4
    project = codes.get_node(Label.PROJECT, "nsfc:71541001")
    assert {k: project.props[k] for k in ("fund_type", "amount_wan", "start_year", "end_year", "pi", "rating")} == {
        "fund_type": "应急项目", "amount_wan": 25.0, "start_year": 2015, "end_year": 2016, "pi": "洪俊杰",
        "rating": "无需评估"}
    assert _out(codes, Label.PROJECT, project.id, RelType.IN_FIELD) == ["nsfc:G"]
    experts = {n.id for n in codes.list_nodes(Label.EXPERT)}
    assert "expert:李平@北京航空航天大学" in experts  # "李   平" in the file
    assert "expert:陈洪根@郑州航空工业管理学院" not in experts  # not in the slice
    assert codes.get_node(Label.INSTITUTION, "inst:华北电力大学（北京）") is not None  # "(北京)" in the file


def test_unknown_code_and_missing_institution_are_row_errors(tmp_path, codes):
    path = tmp_path / "p.csv"
    path.write_text("approval_no,title,application_code,pi_name,institution,funding_wan_yuan\n"
                    "1,好项目,C0101,王芳,浙江大学,50\n"
                    "2,坏代码,C9999,李强,浙江大学,50\n"
                    "3,无单位,C0101,赵磊,,50\n"
                    "4,坏金额,C0101,钱多,浙江大学,五十\n", encoding="utf-8")
    report = import_file(path, "project", codes)
    assert [e.message() for e in report.errors] == [
        "第 3 行「application_code」未知的技术领域「C9999」（请填写领域编码，如 ht2016:40201、nsfc2020:C0101，或准确的领域名称）",
        "第 4 行「institution」不能为空：没有专家编号时，专家由姓名加工作单位（依托单位）识别",
        "第 5 行「funding_wan_yuan」应为数字，实际为「五十」",
    ]
    assert sorted(n.id for n in codes.list_nodes(Label.PROJECT)) == ["nsfc:1"]
    assert [n.id for n in codes.list_nodes(Label.EXPERT)] == ["expert:王芳@浙江大学"]
