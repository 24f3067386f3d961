"""NLP field links for NSFC projects: linking real titles, EXPERT_IN by hand, idempotent loading, the shipped file."""

from __future__ import annotations

import csv
import io

import pytest

from graph.model import Label, RelType
from graph.store import Batch, Direction
from ingest.demo import demo_plan
from ingest.enrich import (
    LINK_RULES,
    PROJECT_FIELDS_PATH,
    ProjectText,
    build_linkers,
    expert_fields,
    link_projects,
    load_enrichment,
    project_fields_csv,
    read_projects,
)
from ingest.importers import import_file
from ingest.nsfc import NSFC_PROJECT_FILES
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy

LIFESCI, MGMT, INFO = list(NSFC_PROJECT_FILES)
# 徐小林@南京大学 leads three G projects; the first two are about supply chains (real rows).
XU = {"71471085", "71171105", "70801035"}


@pytest.fixture(scope="module")
def linkers():
    """The department linkers over the shipped NLP data (built once: loading jieba takes a moment)."""
    return build_linkers()


def _links(linkers, department: str, text: str) -> dict[str, float]:
    return {fid: w for _, fid, w in link_projects([ProjectText("p", department, text)], linkers)}


def _slice(source, target, keys: set[str], key_column: str):
    """The header and the rows of ``source`` whose ``key_column`` is in ``keys``."""
    reader = csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"), newline=""))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in reader if r[key_column] in keys)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


@pytest.mark.parametrize(("department", "title", "expected"), [
    # supply chain → both G codes that name it, and the ht2016 service field
    ("G", "可分割产品的供应链优化与协调机制研究", {"nsfc:G0212", "nsfc:G010303", "ht2016:50602"}),
    ("G", "企业人力资源管理", {"nsfc:G0205"}),
    ("G", "传统企业电子商务系统成功关键因素研究", {"nsfc:G021102", "ht2016:50601"}),
    # 理论与方法 is in ten G code names: alone it is no evidence for 决策理论与方法
    ("G", "转换桥的理论与方法", set()),
    # management titles never reach engineering ht2016 fields (集成电路 through 大规模)
    ("G", "基于大规模定制的服务业顾客保留理论及实证研究", set()),
    # life science: natural-product biosynthesis is a 生物与新医药 field; archaeal enzymes are none
    ("C", "吡咯烷抗生素茴香霉素的生物合成机制研究；茴香霉素；生物合成；吡咯烷", {"ht2016:20105"}),
    ("C", "古菌真核类型引发酶的亚基性质与功能演化的研究；古菌；功能演化；DNA修复；DNA复制", set()),
    # a department without rules gets nothing
    ("E", "可分割产品的供应链优化与协调机制研究", set()),
])
def test_real_titles_link_to_the_fields_they_name(linkers, department, title, expected):
    assert set(_links(linkers, department, title)) == expected


def test_c_links_stay_in_the_life_science_areas_of_ht2016(linkers):
    links = _links(linkers, "C", "层级结构可注射性水凝胶在骨组织工程中的应用研究；组织工程；水凝胶")
    assert list(links) == ["ht2016:40405"]  # 组织工程用材料制备技术
    assert all(fid.startswith(("ht2016:20", "ht2016:404", "ht2016:706")) for fid in links)


def test_read_projects_uses_the_importer_ids_departments_and_keywords(tmp_path):
    c_rows = read_projects(_slice(LIFESCI, tmp_path / "c.csv", {"31730001"}, "approval_no"))
    assert c_rows == [ProjectText("nsfc:31730001", "C",
                                  "古菌真核类型引发酶的亚基性质与功能演化的研究；古菌；功能演化；DNA修复；DNA复制；古菌-真核生物引发酶")]
    g_rows = read_projects(_slice(MGMT, tmp_path / "g.csv", {"71171105"}, "项目批准号"), ("nsfc:G",))
    assert g_rows == [ProjectText("nsfc:71171105", "G", "可分割产品的供应链优化与协调机制研究")]


@pytest.mark.parametrize(("links", "leaders", "years", "expected"), [
    ([], {}, {}, []),
    ([("p1", "f")], {}, {}, []),  # no PI stored
    ([("p1", "f")], {"p1": ["e"]}, {"p1": 2012}, [("e", "f", 0.5, 1, 2012)]),
    ([("p1", "f"), ("p2", "f"), ("p3", "f")], {"p1": ["e"], "p2": ["e"], "p3": ["e"]}, {"p1": 2009, "p2": 2015},
     [("e", "f", 0.875, 3, 2015)]),
    ([("p1", "f"), ("p1", "g"), ("p2", "f")], {"p1": ["a"], "p2": ["b"]}, {},
     [("a", "f", 0.5, 1, None), ("a", "g", 0.5, 1, None), ("b", "f", 0.5, 1, None)]),
])
def test_expert_weight_is_one_minus_half_to_the_linked_projects(links, leaders, years, expected):
    rows = expert_fields(links, leaders, years)
    assert [(r["start"], r["end"], r["weight"], r["projects"], r.get("last_year")) for r in rows] == expected
    assert all(r["source"] == "nlp" for r in rows)


@pytest.fixture
def xu(tmp_path, local_store):
    """A store with the nsfc and ht2016 codes and 徐小林's three G projects (nsfc:G from the data)."""
    for kind in ("nsfc-codes", "ht2016"):
        assert load_taxonomy(TAXONOMY_FILES[kind], kind, local_store).ok
    assert import_file(_slice(MGMT, tmp_path / "g.csv", XU, "项目批准号"), "project", local_store,
                       default_fields=["nsfc:G"]).ok
    return local_store


def _rels(store, label, node_id, rel_type):
    return {nb.node.id: dict(nb.rel.props)
            for nb in store.neighbors(label, node_id, direction=Direction.OUT, rel_types=[rel_type])}


def _snapshot(store):
    """Every relationship of every expert and every project IN_FIELD, with properties."""
    rels = [nb.rel for e in store.list_nodes(Label.EXPERT) for nb in store.neighbors(Label.EXPERT, e.id)]
    rels += [nb.rel for p in store.list_nodes(Label.PROJECT)
             for nb in store.neighbors(Label.PROJECT, p.id, rel_types=[RelType.IN_FIELD])]
    return {(r.type, r.start.id, r.end.id): dict(r.props) for r in rels}


def _enrichment(tmp_path, rows):
    path = tmp_path / "project_fields.csv"
    path.write_text(project_fields_csv(rows), encoding="utf-8")
    return path


def test_load_adds_nlp_links_keeps_real_codes_and_reloading_changes_nothing(tmp_path, xu):
    path = _enrichment(tmp_path, [
        ("nsfc:71171105", "ht2016:50602", 0.0724), ("nsfc:71171105", "nsfc:G0212", 0.0633),
        ("nsfc:71471085", "nsfc:G0212", 0.054),
        ("nsfc:71471085", "nsfc:G", 0.2),  # the data's own code: stays as the data says
        ("nsfc:99999999", "nsfc:G0212", 0.05),  # project not stored: skipped, not an error
        ("nsfc:70801035", "nsfc:G9999", 0.05),  # field not stored: skipped
    ])
    report = load_enrichment(xu, path)
    assert report.ok and report.relationships == 5  # 3 IN_FIELD + 2 EXPERT_IN
    assert _rels(xu, Label.PROJECT, "nsfc:71171105", RelType.IN_FIELD) == {
        "nsfc:G": {}, "nsfc:G0212": {"weight": 0.0633, "method": "nlp"}, "ht2016:50602": {"weight": 0.0724, "method": "nlp"}}
    assert _rels(xu, Label.PROJECT, "nsfc:71471085", RelType.IN_FIELD)["nsfc:G"] == {}
    assert _rels(xu, Label.EXPERT, "expert:徐小林@南京大学", RelType.EXPERT_IN) == {
        "nsfc:G": {"weight": 0.875, "projects": 3, "last_year": 2015, "source": "nsfc"},
        "nsfc:G0212": {"weight": 0.75, "projects": 2, "last_year": 2015, "source": "nlp"},
        "ht2016:50602": {"weight": 0.5, "projects": 1, "last_year": 2012, "source": "nlp"},
    }
    before = (_snapshot(xu), xu.counts())
    again = load_enrichment(xu, path)
    assert again.ok and again.relationships == 0
    assert (_snapshot(xu), xu.counts()) == before


def test_an_existing_expert_in_from_another_source_keeps_the_stronger_weight(tmp_path, xu):
    expert = "expert:徐小林@南京大学"
    xu.write(Batch().add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, [
        {"start": expert, "end": "nsfc:G0212", "weight": 0.9, "source": "expert_pool"},
        {"start": expert, "end": "ht2016:50602", "weight": 0.3, "source": "expert_pool"}]))
    path = _enrichment(tmp_path, [("nsfc:71171105", "ht2016:50602", 0.07), ("nsfc:71171105", "nsfc:G0212", 0.06),
                                  ("nsfc:71471085", "ht2016:50602", 0.06)])
    assert load_enrichment(xu, path).ok
    found = _rels(xu, Label.EXPERT, expert, RelType.EXPERT_IN)
    assert found["nsfc:G0212"] == {"weight": 0.9, "source": "expert_pool"}  # 0.9 > 0.5: kept
    assert found["ht2016:50602"] == {"weight": 0.75, "projects": 2, "last_year": 2015, "source": "nlp"}  # 0.75 > 0.3


def test_rows_that_are_not_project_field_links_are_reported(tmp_path, xu):
    path = tmp_path / "bad.csv"
    path.write_text("type,start_label,start,end_label,end,weight:float,method\n"
                    "IN_FIELD,Project,nsfc:71171105,Field,nsfc:G0212,0.06,nlp\n"
                    "EXPERT_IN,Expert,expert:徐小林@南京大学,Field,nsfc:G0212,0.5,nlp\n", encoding="utf-8")
    report = load_enrichment(xu, path)
    assert [e.row for e in report.errors] == [3]
    assert "nsfc:G0212" in _rels(xu, Label.PROJECT, "nsfc:71171105", RelType.IN_FIELD)


def test_the_shipped_file_is_what_the_builder_makes(linkers):
    shipped = list(csv.reader(io.StringIO(PROJECT_FIELDS_PATH.read_text(encoding="utf-8"), newline="")))
    assert shipped[0] == ["type", "start_label", "start", "end_label", "end", "weight:float", "method"]
    projects = [p for path, fields in NSFC_PROJECT_FILES.items() for p in read_projects(path, fields)[:250]]
    ids = {p.id for p in projects}
    fresh = list(csv.reader(io.StringIO(project_fields_csv(link_projects(projects, linkers, LINK_RULES)), newline="")))
    assert len(fresh) > 40
    assert fresh[1:] == [row for row in shipped[1:] if row[2] in ids]


def test_the_demo_loads_the_enrichment_right_after_the_nsfc_projects():
    kinds = [(step.kind, step.path) for step in demo_plan()]
    at = kinds.index(("enrichment", PROJECT_FIELDS_PATH))
    assert [k for k, _ in kinds[at - len(NSFC_PROJECT_FILES):at]] == ["project"] * len(NSFC_PROJECT_FILES)
