"""Paper–field links checked by hand (issue 12, reviews12): the table, its derivation, and the importer on both stores."""

from __future__ import annotations

import json

import pytest
from test_papers import _real_rows

from analytics.coverage import field_coverage
from graph.model import CLASS_BASIS, Label, RelType
from graph.store import Direction, NodeRef
from ingest import field_reviews
from ingest.field_reviews import REVIEW_BASIS, Review, read_reviews, reviews_from_censuses, shipped_reviews
from ingest.importers import import_file
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy
from recommend.abstention import expert_evidence
from recommend.candidates import demand_facts_for_text, gather_candidates
from recommend.config import resolve
from recommend.explain import explain_paths
from recommend.scoring import ScoredExpert

VERIFIED = "201706.00379"   # V231 → 301 (class only), verdict 1: 亚音轴流压气机转子…
SIBLING = "201605.00186"    # V123.4 → 301 (class only); the census says 航天 (302), not 航空
REJECTED = "202206.00061"   # TP183;TP751 → 302 (class only), verdict 0: an image-homography method
NAMED = "201711.01268"      # 卫星双模授时设备…: no class or NLP link to 30, verdict 1 on 302 (term census)


def test_the_shipped_table_is_the_censuses_verdicts():
    assert field_reviews.main(["--check"]) == 0
    shipped = read_reviews()
    assert shipped == shipped_reviews() == reviews_from_censuses()  # the hand-written file ships empty
    by = {(r.paper, r.field): r.verdict for r in shipped}
    assert by[(f"chinaxiv:{VERIFIED}", "301")] is True
    assert by[(f"chinaxiv:{SIBLING}", "301")] is False and by[(f"chinaxiv:{SIBLING}", "302")] is True
    assert by[(f"chinaxiv:{REJECTED}", "302")] is False and by[(f"chinaxiv:{REJECTED}", "301")] is False
    assert by[(f"chinaxiv:{NAMED}", "302")] is True


def _census(path, rows):
    head = "rule\tpaper_id\tclc\ttarget\ttarget_name\ttitle\tkeywords\tcorrect_level2\tcorrect_level1\n"
    path.write_text(head + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")


def test_derivation_rules_and_contradictions(tmp_path, monkeypatch):
    monkeypatch.setattr(field_reviews, "CENSUSES", (("a", "a.tsv"), ("b", "b.tsv")))
    _census(tmp_path / "a.tsv", [("V", "1", "V2", "301", "航空技术", "t", "k", "1", "1"),
                                 ("V", "2", "V1", "301", "航空技术", "t", "k", "0", "1"),
                                 ("TP7", "3", "TP7", "302", "航天技术", "t", "k", "0", "0")])
    _census(tmp_path / "b.tsv", [("x", "1", "", "301", "航空技术", "t", "k", "1", "1")])  # agrees: kept once
    got = reviews_from_censuses(tmp_path)
    assert got == [Review("chinaxiv:1", "301", True, "a"), Review("chinaxiv:2", "301", False, "a"),
                   Review("chinaxiv:2", "302", True, "a"), Review("chinaxiv:3", "301", False, "a"),
                   Review("chinaxiv:3", "302", False, "a")]
    _census(tmp_path / "b.tsv", [("x", "3", "", "302", "航天技术", "t", "k", "1", "1")])
    with pytest.raises(ValueError, match="chinaxiv:3 302"):
        reviews_from_censuses(tmp_path)


def test_hand_written_verdicts_join_the_censuses_and_a_contradiction_is_refused(tmp_path):
    manual = tmp_path / "manual.tsv"
    manual.write_text("paper_id\tfield\tverdict\treview\nchinaxiv:202001.00001\t701\t0\t张三 2026-12-04\n",
                      encoding="utf-8")
    got = shipped_reviews(manual)
    assert Review("chinaxiv:202001.00001", "701", False, "张三 2026-12-04") in got
    assert len(got) == len(reviews_from_censuses()) + 1
    manual.write_text(f"paper_id\tfield\tverdict\treview\nchinaxiv:{VERIFIED}\t301\t0\t李四 2026-12-04\n",
                      encoding="utf-8")
    with pytest.raises(ValueError, match="clc-rule-census-2026-12-03 says 1, 李四 2026-12-04 says 0"):
        shipped_reviews(manual)


def test_a_malformed_row_is_named(tmp_path):
    path = tmp_path / "r.tsv"
    path.write_text("paper_id\tfield\tverdict\treview\nchinaxiv:1\t301\t1\tx\nchinaxiv:2\t302\tyes\tx\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 3 行"):
        read_reviews(path)


def test_a_persons_verdict_overrides_the_rules_when_papers_load(tmp_path, store):
    assert load_taxonomy(TAXONOMY_FILES["ht2016"], "ht2016", store).ok
    rows = _real_rows(VERIFIED, SIBLING, REJECTED, NAMED)
    rows = [{**r, "fields": {f: w for f, w in r["fields"].items() if f.startswith("ht2016:")}} for r in rows]
    rows = [{**r, "fields": {"ht2016:302": 0.3}} if r["id"] == REJECTED else r for r in rows]  # an NLP link too
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert import_file(path, "paper", store).ok

    def links(pid: str) -> dict[str, str]:
        return {nb.node.id: nb.rel.props.get("basis") for nb in store.neighbors(
            Label.PAPER, f"chinaxiv:{pid}", direction=Direction.OUT, rel_types=[RelType.IN_FIELD])
            if nb.node.id.startswith("ht2016:30")}

    assert links(VERIFIED) == {"ht2016:301": REVIEW_BASIS}
    assert links(SIBLING) == {"ht2016:302": REVIEW_BASIS}
    assert links(REJECTED) == {}
    assert links(NAMED) == {"ht2016:302": REVIEW_BASIS}
    # what the links imply for the authors: direct evidence (not the class-only basis), counted by coverage
    authors = [nb.node.id for nb in store.neighbors(Label.PAPER, f"chinaxiv:{VERIFIED}", direction=Direction.IN,
                                                     rel_types=[RelType.AUTHORED])]
    assert authors
    bases = {src.id: nb.rel.props["basis"] for src, nb in store.expand(
        [NodeRef(Label.EXPERT, a) for a in authors], direction=Direction.OUT, rel_types=[RelType.EXPERT_IN])
        if nb.node.id == "ht2016:301"}
    assert set(bases) == set(authors) and CLASS_BASIS not in bases.values()
    aero = next(f for f in field_coverage(store) if f.code == "30")
    reached = {nb.node.id for pid in (VERIFIED, SIBLING, NAMED) for nb in store.neighbors(
        Label.PAPER, f"chinaxiv:{pid}", direction=Direction.IN, rel_types=[RelType.AUTHORED])}
    assert aero.experts == len(reached) and aero.by_kind["论文"] == len(reached)
    # reloading the same file changes nothing
    before = store.counts().as_dict()
    assert import_file(path, "paper", store).ok
    assert store.counts().as_dict() == before


def test_a_checked_link_is_direct_evidence_and_the_explanation_says_so(tmp_path, store):
    """The path through a paper a person put in 301 carries basis 人工核验: it has strength (unlike a class-only
    link) and the explanation shows 所属论文（人工核验）."""
    assert load_taxonomy(TAXONOMY_FILES["ht2016"], "ht2016", store).ok
    (row,) = _real_rows(VERIFIED)
    row = {**row, "fields": {}}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_file(path, "paper", store).ok
    demand = demand_facts_for_text(store, "压气机叶尖泄漏流", {"ht2016:301": 1.0})
    candidates, _ = gather_candidates(store, demand, resolve({}))
    first = next(nb.node.id for nb in store.neighbors(Label.PAPER, f"chinaxiv:{VERIFIED}", direction=Direction.IN,
                                                     rel_types=[RelType.AUTHORED]) if nb.rel.props["position"] == 1)
    facts = next(c for c in candidates if c.id == first)
    papers = [p for p in facts.paths if p.kind == "paper"]
    assert papers and {p.basis for p in papers} == {REVIEW_BASIS}
    evidence = expert_evidence(ScoredExpert(facts, 0.5, {}, {}), demand.fields, [], [])
    assert evidence.direct_fields == ("ht2016:301",) and evidence.direct_strength > 0
    shown = explain_paths("d", "压气机", ScoredExpert(facts, 0.5, {}, {}), {})
    assert f"所属论文（{REVIEW_BASIS}）" in {step.link for p in shown for step in p.steps if step.kind == "paper"}


def test_the_energy_water_census_is_complete_and_not_applied():
    """census12 (DECISIONS.md): every shipped paper naming batteries/storage (→ 603) or wastewater (→ 701) in its title
    or keywords has one verdict; the census was not adopted, so none of it is in the shipped table."""
    import csv
    import re

    from ingest.papers import papers_as_drawn
    from ingest.resolve import DATA_ROOT

    with (DATA_ROOT / "papers" / "energy-water-census.tsv").open(encoding="utf-8", newline="") as fh:
        census = {(r["paper_id"], r["field"]): r["verdict"] for r in csv.DictReader(fh, delimiter="\t")}
    expected = set()
    for paper in papers_as_drawn():  # the shipped papers and the reposts dup41 later left out
        text = paper.get("title", "") + " " + " ".join(paper.get("keywords") or [])
        if re.search("电池|储能|储锂|储钠|超级电容", text):
            expected.add((f"chinaxiv:{paper['id']}", "603"))
        elif re.search("废水|污水|水处理|脱盐|印染", text):
            expected.add((f"chinaxiv:{paper['id']}", "701"))
    assert set(census) == expected and len(census) == 26
    assert set(census.values()) == {"0", "1"}
    shipped = {(r.paper, r.field) for r in read_reviews()}
    assert not shipped & set(census)


def test_the_water_project_census_is_complete_and_not_applied():
    """water12 (DECISIONS.md): every shipped NSFC project naming wastewater, dyes or sludge in its title or keywords has
    one verdict for 701; the census was not adopted, so no shipped table holds it."""
    import csv
    import re

    from ingest.nsfc import NSFC_PROJECT_FILES
    from ingest.resolve import DATA_ROOT

    with (DATA_ROOT / "enrich" / "water-project-census.tsv").open(encoding="utf-8", newline="") as fh:
        census = {(r["project_id"], r["field"]): r["verdict"] for r in csv.DictReader(fh, delimiter="\t")}
    expected = set()
    for path in NSFC_PROJECT_FILES:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                text = (row.get("title") or row.get("项目名称") or "") + " " + (row.get("keywords") or "")
                if re.search("废水|污水|水处理|脱盐|印染|染料|污泥", text):
                    expected.add((f"nsfc:{row.get('approval_no') or row.get('项目批准号')}", "701"))
    assert set(census) == expected and len(census) == 19
    assert sorted(census.values()).count("1") == 11
    assert not {p for p, _ in census} & {r.paper for r in read_reviews()}
