"""End to end on the shipped demo: demands in an SME's own words reach experts with evidence in their field.

Issue 12's test of supply: a battery maker's cathode fade, a PCB plant's solder-joint inspection and a
dye works' wastewater, written here in enterprise wording (not taken from the SME evaluation set), go
through :func:`recommend.engine.recommend_for_text` on the whole demo graph. Each must link to fields of
its family (国家重点支持的高新技术领域 first-level fields, NSFC codes read through the crosswalk) and get a
top 5 whose explanation paths reach 项目 or 论文 nodes in those fields. The assertions are on fields and
evidence, never on expert names, so new supply may change who is recommended but not whether they fit.

They run as ``kgmatch recommend --text`` does: with the text index (``IndexCache``). Papers are linked to
fields by their printed 中图分类号 as well as by the NLP (``ingest.papers.clc_links``), so every field has paper
evidence (TM91 电池, TP391 视觉, X5/X7 污染控制) and the PCB demand's top 5 are all explained by papers of
its fields. Those papers are in its fields by their printed class alone (``basis: 中图分类号``: astronomy
data systems, tracking algorithms), which lists the experts but does not vouch for the result, so it says
图谱中暂无该领域有直接依据的专家 (:data:`_CLASS_ONLY`; data/eval/sme-demands/DECISIONS.md). For the battery and wastewater demands the index's text-only candidates (no field link, hence
no explanation path: aerospace co-authors matching 高温/表面, 高盐 bringing a saline-soil biologist) still
outrank the field paths' experts, so those two are ``xfail(strict=True)``. (For the battery demand some of them are
on topic — lithium-storage authors whose paper the NLP linked to 402 无机非金属材料, a field the demand's links
603/60302 do not reach — and some are not: 循环 matching recurrent networks.) Listing field-evidenced experts
first would pass them but was measured to cost the SME demand set (dev: P@5 0.588 → 0.459, confident
nonsense 0.086 → 0.216; see the branch e2e12 history), so the ranking is left alone: the fix is supply.
Measured again on branch e2e12b (data/eval/sme-demands/DECISIONS.md, dev and a fresh dev2): the top text-only
candidates match a *specific* word (锂离子电池, 高盐), so leaving generic words out of the text evidence
(``list_generic_spread`` on branch e2e12b, their spread over fields in the linker's corpora) does not set them aside; only with a
coverage floor as well (``list_text_coverage``) do both top 5 pass, and that costs P@5 and confident nonsense on
both splits; linking the key R&D titles with the supervised linker (全固态锂电池… → 603) brings one battery expert
with a path to the top but raised dev2's confident nonsense. Not adopted: both stay xfail. Since then (DECISIONS.md): hand-checked
verdicts on every paper (census12) and every NSFC project (water12) on batteries and wastewater give the on-topic
experts paths (郭光, 高盐偶氮染料降解, becomes first) but one checked path makes a whole list trusted and its text-only slots
confident nonsense; counting crosswalk-reached fields as one need (needs13) and calibrating text scores against the
query (calib13, adopted: it rescales, it does not reorder these top 5) leave the wastewater top 5 with text-only slots.
``test_without_text_index_…`` shows the field paths alone reach evidence in the right fields; the last test
(``xfail(strict=True)``) asks for more: evidence titles on the demand's own problem (锂/正极, 焊/视觉,
废水/脱盐), which the demo's supply does not have: 4 ChinaXiv papers mention lithium-ion cells or lithium
storage and none a cathode, its welding papers are metallurgy (TG) and its wastewater papers a handful; the
fields are right, the papers are about fuel cells, flow batteries, tracking algorithms and water resources.

Since academ30b the academicians' academy biographies are text evidence (their research sentences rank and list them,
they do not vouch for a list): judged blind on the SME set it raises P@5 from 0.46/0.52 to 0.61/0.62 (dev/dev2) and
lowers confident nonsense. They have no 项目/论文 node, so where they enter these top 5s (energy and environment
academicians without the text index) the assertions below that every path reaches one cannot hold: those cases are
``xfail(strict=True)`` naming the cause, and issue 12's end-to-end item stays open. (An optics academician entered the
PCB top 5 too until subwords31b, whose reranking also matches the words inside compounds: that top 5 is again
explained by papers of its fields.) Since nkrd32 the key R&D 课题 全固态锂电池材料与电池研究 is in 603, so its leader
陈继涛 enters the battery top 5 (3rd, with the text index) by a project path; the two academicians above him keep that
case a strict xfail.
"""

from __future__ import annotations

import pytest

from graph.model import CLASS_BASIS, Label, RelType
from graph.store import Direction, NodeRef
from ingest.crosswalk import get_crosswalk
from ingest.field_linking import understand_demand
from ingest.nlp import content_words
from recommend.config import resolve
from recommend.engine import IndexCache, Recommendation, recommend_for_text

pytestmark = pytest.mark.slow

_EVIDENCE = {"project": Label.PROJECT, "paper": Label.PAPER}

# (text, the first-level 高新技术领域 fields of its family, the second-level field a top link must be in)
# and, below, words an evidence title on the demand's own problem would contain
DEMANDS = {
    "battery-cathode": (
        "三元正极材料高温循环衰减\n我公司生产动力电池用三元正极材料（NCM811），客户反馈电芯在45℃高温循环"
        "500周后容量保持率不到80%，拆解发现正极颗粒开裂、表面副反应严重。希望找锂离子电池正极材料方面的专家，"
        "在包覆改性、掺杂和电解液匹配上给出方案。",
        {"40", "60"}, {"401", "402", "403", "404", "405", "603"}),
    "pcb-inspection": (
        "PCB焊点缺陷自动光学检测\n我们是一家电路板贴装（SMT）工厂，回流焊后焊点的虚焊、桥连和少锡目前靠人工目检，"
        "漏检多、效率低。想上自动光学检测（AOI），需要机器视觉、图像识别和缺陷检测算法方面的专家帮忙开发。",
        {"10", "80"}, {"101", "102", "103", "106", "803", "804", "805"}),
    "wastewater": (
        "高盐印染废水处理与回用\n公司是印染企业，每天排放约3000吨高盐、高色度的印染废水，现有生化处理出水COD"
        "和色度不稳定，盐分高导致回用困难。希望与水处理专家合作，在高级氧化、膜分离脱盐和分盐结晶上找到"
        "经济可行的工艺。",
        {"70"}, {"701", "703", "707"}),
}


TERMS = {
    "battery-cathode": ("锂", "正极", "三元", "电极材料"),
    "pcb-inspection": ("焊", "电路板", "PCB", "视觉", "缺陷检测", "光学检测"),
    "wastewater": ("废水", "污水", "水处理", "脱盐", "膜分离", "高级氧化", "印染"),
}


def _family(field_id: str) -> set[str]:
    """First-level ht2016 codes of a field id: its own for ht2016, its crosswalk targets' for NSFC codes."""
    scheme, _, code = field_id.partition(":")
    if scheme == "ht2016":
        return {code[:2]}
    if scheme in ("nsfc", "nsfc2020"):
        return {target[:2] for target, _ in get_crosswalk().targets(scheme, code)}
    return set()


@pytest.fixture(scope="module")
def recommendations(demo_store) -> dict[str, Recommendation]:
    """The three demands recommended once on the demo, with the text index (as ``kgmatch recommend --text`` does)."""
    index = IndexCache(content_words).get(demo_store)
    return {name: recommend_for_text(demo_store, text, tokenize=content_words, understand=understand_demand,
                                     index=index)
            for name, (text, _, _) in DEMANDS.items()}


@pytest.fixture(scope="module")
def field_only(demo_store) -> dict[str, Recommendation]:
    """The same without the text index: candidates come from field paths only."""
    return {name: recommend_for_text(demo_store, text, tokenize=content_words, understand=understand_demand)
            for name, (text, _, _) in DEMANDS.items()}


def _evidence_fields(store, kind: str, node_id: str) -> set[str]:
    """The fields a project or paper is IN_FIELD of."""
    found = store.expand([NodeRef(_EVIDENCE[kind], node_id)], direction=Direction.OUT, rel_types=[RelType.IN_FIELD])
    return {nb.node.id for _, nb in found}


@pytest.mark.parametrize("name", DEMANDS)
def test_demand_links_to_fields_of_its_family(recommendations, name):
    _, family, level2 = DEMANDS[name]
    fields = recommendations[name].demand.fields
    strongest = max(fields, key=lambda f: (fields[f], f))
    assert _family(strongest) & family, (strongest, fields)
    assert any(f.startswith("ht2016:") and f.partition(":")[2][:3] in level2 for f in fields), fields


def _assert_top5_evidence(store, rec: Recommendation, family: set[str], *, trusted: bool = True) -> None:
    top = rec.experts[:5]
    assert len(top) == 5 and (rec.verdict is None or rec.verdict.abstain is not trusted), rec.verdict
    with_evidence = 0
    for expert in top:
        evidence = [(step.kind, step.id) for path in expert.paths for step in path.steps if step.kind in _EVIDENCE]
        in_family = [(kind, node) for kind, node in evidence
                     if any(_family(f) & family for f in _evidence_fields(store, kind, node))]
        with_evidence += bool(in_family)
    # every one of the top 5 is explained by a 项目 or 论文 of the demand's field family
    assert with_evidence == 5, [(e.scored.id, [p.text() for p in e.paths]) for e in top]


_TEXT_ONLY = pytest.mark.xfail(reason="text-only candidates of the text index (no field path) outrank the field "
                                     "paths' experts; listing those first costs the SME set (supply)", strict=True)


_ACADEMICIAN = "an academician, reached by the research sentences of their academy biography (academ30b, "\
               "data/eval/sme-demands/DECISIONS.md), is in the top 5: academicians have no 项目/论文 node, so no path of theirs " \
               "reaches one"
_ACADEMICIAN_IN_TOP5 = pytest.mark.xfail(reason=_ACADEMICIAN, strict=True)


_CLASS_ONLY = {"pcb-inspection"}
"""Results whose experts shown reach the demand's fields through papers linked by their printed 中图分类号 alone, or
by links too weak to vouch: explained by papers of the right fields, and abstaining (the class is not direct evidence)."""


@pytest.mark.parametrize("name", [pytest.param("battery-cathode", marks=_TEXT_ONLY),
                                  "pcb-inspection",
                                  pytest.param("wastewater", marks=_TEXT_ONLY)])
def test_top5_explanations_reach_projects_or_papers_in_the_field(recommendations, demo_store, name):
    _assert_top5_evidence(demo_store, recommendations[name], DEMANDS[name][1], trusted=name not in _CLASS_ONLY)
    if name in _CLASS_ONLY:
        direct = [p for e in recommendations[name].experts[:5] for p in e.scored.facts.paths
                  if p.demand_field in recommendations[name].demand.fields and all(h == "child" for h in p.field_hops)]
        # the evidence is class-only, or too weak to vouch (an NLP link of weight 0.03 to 803, since affil12b)
        weak = resolve({})["abstain_direct_strength"]
        assert any(p.basis == CLASS_BASIS for p in direct)
        assert all(p.basis == CLASS_BASIS or p.demand_weight * p.expert_weight < weak for p in direct), \
            {(p.kind, p.basis, p.demand_weight * p.expert_weight) for p in direct}


_WEAK_PATHS_ONLY = {"pcb-inspection", "wastewater"}
"""Field-only results whose experts shown have direct paths of strength < 0.75 (fields linked through the
crosswalk) and under 15 % of the demand's terms in their profiles (the evidence is on fuel cells, astronomy
data, water resources: see the last test): since issue 13's abstain_direct_text_coverage they say so
(图谱中暂无该领域有直接依据的专家) while still listing the experts their field paths find."""


@pytest.mark.parametrize("name", [pytest.param("battery-cathode", marks=pytest.mark.xfail(
                                      reason=_ACADEMICIAN + "; and the result abstains: the biography does not vouch",
                                      strict=True)),
                                  "pcb-inspection", pytest.param("wastewater", marks=_ACADEMICIAN_IN_TOP5)])
def test_without_text_index_top5_field_paths_reach_projects_or_papers_in_the_field(field_only, demo_store, name):
    _assert_top5_evidence(demo_store, field_only[name], DEMANDS[name][1], trusted=name not in _WEAK_PATHS_ONLY)


@pytest.mark.xfail(reason="the field family is coarse: the paths reach fuel-cell, flow-battery, tracking-algorithm and "
                          "water-resource papers of the right fields, not the demand's own problem (supply: ChinaXiv has "
                          "no cathode paper and a handful on wastewater)", strict=True)
@pytest.mark.parametrize("name", DEMANDS)
def test_without_text_index_top5_evidence_is_on_the_demands_own_problem(field_only, name):
    titles = [step.name for e in field_only[name].experts[:5] for path in e.paths for step in path.steps
              if step.kind in _EVIDENCE]
    on_problem = [e.scored.id for e in field_only[name].experts[:5]
                  if any(t in step.name for path in e.paths for step in path.steps if step.kind in _EVIDENCE
                         for t in TERMS[name])]
    assert len(on_problem) >= 3, sorted(set(titles))
