"""Papers → Paper, author experts (name + institution), AUTHORED, COLLABORATES, EXPERT_IN 论文, on both stores."""

from __future__ import annotations

import json

import pytest

from graph.model import CLASS_BASIS, Label, RelType
from graph.store import Direction, NodeRef
from ingest.importers import import_file
from ingest.papers import EVIDENCE_SOURCE, FIELDS_BASIS, PAPERS_FILE
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy
from recommend.abstention import expert_evidence
from recommend.candidates import collaboration_graph, demand_facts_for_text, gather_candidates
from recommend.config import resolve
from recommend.explain import explain_paths, team_sentence
from recommend.scoring import ScoredExpert
from recommend.teams import Team

REAL_IDS = ("201601.00052", "201601.00053", "201604.01028")


def _real_rows(*ids: str) -> list[dict]:
    rows = {}
    with PAPERS_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] in ids:
                rows[row["id"]] = row
    return [rows[i] for i in ids]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def fields_store(store):
    """Either store with the ht2016 fields (what the paper rows point into)."""
    assert load_taxonomy(TAXONOMY_FILES["ht2016"], "ht2016", store).ok
    return store


def _rows_with_fields():
    a, b, c = _real_rows(*REAL_IDS)
    a = {**a, "fields": {"ht2016:10104": 0.2}, "clc": ""}      # both 王颖 papers in one field: two papers' evidence
    b = {**b, "fields": {"ht2016:10104": 0.1}, "clc": ""}      # (their printed 中图分类号 left out: see the last test)
    c = {**c, "fields": {}, "clc": ""}
    return [a, b, c]


def test_real_papers_become_papers_authors_and_ties(tmp_path, fields_store):
    store = fields_store
    report = import_file(_write(tmp_path / "p.jsonl", _rows_with_fields()), "paper", store)
    assert report.ok and report.rows == 3, report.errors
    paper = store.get_node(Label.PAPER, "chinaxiv:201604.01028")
    assert paper.props["title"] == "调频连续波合成孔径雷达回波建模与信号分析"
    assert paper.props["authors"] == ["蔡永俊", "张祥坤", "姜景山"] and paper.props["year"] == 2016
    cai = "expert:蔡永俊@中国科学院空间科学与应用研究中心"
    authored = {(nb.node.id, nb.rel.props["position"]) for nb in store.neighbors(
        Label.EXPERT, cai, direction=Direction.OUT, rel_types=[RelType.AUTHORED])}
    assert authored == {("chinaxiv:201604.01028", 1)}
    # 蔡永俊1,2: 中国科学院大学 and the centre, one person keyed by the centre (ingest.papers.primary_institution)
    assert store.get_node(Label.EXPERT, "expert:蔡永俊@中国科学院大学") is None
    assert store.get_node(Label.INSTITUTION, "inst:中国科学院大学") is None  # nobody of these papers is keyed there
    works = [nb.node.id for nb in store.neighbors(Label.EXPERT, cai, rel_types=[RelType.WORKS_AT])]
    assert works == ["inst:中国科学院空间科学与应用研究中心"]
    # co-authorship of two real papers: one relationship per pair, smaller id first
    wang, zhang = "expert:王颖@中国科学院文献情报中心", "expert:张智雄@中国科学院文献情报中心"
    ties = store.neighbors(Label.EXPERT, wang, rel_types=[RelType.COLLABORATES])
    tie = next(nb for nb in ties if nb.node.id == zhang)
    assert tie.rel.props["papers"] == ["chinaxiv:201601.00052", "chinaxiv:201601.00053"]
    assert (tie.rel.props["count"], tie.rel.props["first_year"], tie.rel.props["last_year"]) == (2, 2016, 2016)
    out = store.neighbors(Label.EXPERT, min(wang, zhang), direction=Direction.OUT, rel_types=[RelType.COLLABORATES])
    assert max(wang, zhang) in {nb.node.id for nb in out}
    # field evidence: two papers in ht2016:10104 → 1 − 0.5² for each author of both
    expert_in = {nb.node.id: dict(nb.rel.props) for nb in store.neighbors(
        Label.EXPERT, wang, direction=Direction.OUT, rel_types=[RelType.EXPERT_IN])}
    assert expert_in == {"ht2016:10104": {"weight": 0.75, "papers": 2, "last_year": 2016, "source": EVIDENCE_SOURCE,
                                          "basis": FIELDS_BASIS}}
    assert "本体实体检索" in store.get_node(Label.EXPERT, wang).props["keywords"]


def _snapshot(store):
    """Every paper, author and their relationships with all properties."""
    out = []
    for label in (Label.PAPER, Label.EXPERT, Label.INSTITUTION):
        for node in store.all_nodes(label):
            out.append((label.value, node.id, sorted(node.props.items(), key=str)))
            out += sorted((nb.rel.type.value, nb.node.id, sorted(nb.rel.props.items(), key=str))
                          for nb in store.neighbors(label, node.id))
    return sorted(out, key=str)


def test_reloading_papers_changes_nothing(tmp_path, fields_store):
    store = fields_store
    path = _write(tmp_path / "p.jsonl", _rows_with_fields())
    assert import_file(path, "paper", store).ok
    before = (store.counts().as_dict(), _snapshot(store))
    again = import_file(path, "paper", store)
    assert again.ok and (store.counts().as_dict(), _snapshot(store)) == before
    tie = store.neighbors(Label.EXPERT, "expert:王颖@中国科学院文献情报中心", rel_types=[RelType.COLLABORATES])
    assert {nb.rel.props["count"] for nb in tie if nb.node.id.startswith("expert:张智雄")} == {2}


def test_loading_papers_one_file_at_a_time_gives_the_same_ties_and_evidence(tmp_path, fields_store):
    store = fields_store
    rows = _rows_with_fields()
    for i, row in enumerate(rows):
        assert import_file(_write(tmp_path / f"p{i}.jsonl", [row]), "paper", store).ok
    wang = "expert:王颖@中国科学院文献情报中心"
    tie = next(nb for nb in store.neighbors(Label.EXPERT, wang, rel_types=[RelType.COLLABORATES])
               if nb.node.id == "expert:张智雄@中国科学院文献情报中心")
    assert tie.rel.props["count"] == 2
    expert_in = store.neighbors(Label.EXPERT, wang, direction=Direction.OUT, rel_types=[RelType.EXPERT_IN])
    assert [(nb.rel.props["weight"], nb.rel.props["papers"]) for nb in expert_in] == [(0.75, 2)]


def test_bad_paper_rows_are_reported_in_chinese_and_good_rows_load(tmp_path, fields_store):
    store = fields_store
    good = {**_real_rows("201604.01028")[0], "fields": {}}
    rows = [good, {"id": "x1", "authors": "王颖"}, {**good, "id": "x2", "month": "2017-13"},
            {**good, "id": "x3", "fields": {"ht2016:99999": 1}}, {**good, "id": "x4", "year": 1066, "month": None}]
    report = import_file(_write(tmp_path / "bad.jsonl", rows), "paper", store)
    messages = sorted(e.message() for e in report.errors)
    assert report.rows == 1 and report.rejected_rows == 4
    assert any(m.startswith("第 2 行「论文题目」不能为空") for m in messages), messages
    assert any(m.startswith("第 3 行「month」格式不正确：「2017-13」") for m in messages), messages
    assert any(m.startswith("第 4 行「fields」") and "ht2016:99999" in m for m in messages), messages
    assert any(m.startswith("第 5 行「year」格式不正确：「1066」") for m in messages), messages
    assert store.get_node(Label.PAPER, "chinaxiv:x2") is None and store.get_node(Label.PAPER, "chinaxiv:201604.01028")


def test_paper_evidence_reaches_candidates_with_paper_paths_and_real_ties(tmp_path, fields_store):
    store = fields_store
    assert import_file(_write(tmp_path / "p.jsonl", _rows_with_fields()), "paper", store).ok
    demand = demand_facts_for_text(store, "知识组织", {"ht2016:10104": 1.0})
    candidates, _ = gather_candidates(store, demand, resolve({}))
    wang = next(c for c in candidates if c.id == "expert:王颖@中国科学院文献情报中心")
    kinds = {(p.kind, p.role) for p in wang.paths}
    assert ("paper", "first") in kinds and ("expert_in", "") in kinds
    paper_path = next(p for p in wang.paths if p.kind == "paper")
    assert paper_path.via[-2].startswith("chinaxiv:") and paper_path.expert_weight == pytest.approx(0.2)
    assert sorted((f.id, f.role, f.start_year) for f in wang.projects) == [
        ("chinaxiv:201601.00052", "paper", 2016), ("chinaxiv:201601.00053", "paper", 2016)]
    assert wang.active_load == 0  # papers are evidence, not current load
    graph = collaboration_graph(store, candidates)
    edge = graph["expert:王颖@中国科学院文献情报中心"]["expert:张智雄@中国科学院文献情报中心"]
    assert edge["kind"] == "collaborates" and edge["papers"] == ("chinaxiv:201601.00052", "chinaxiv:201601.00053")


def test_team_sentence_names_the_joint_papers():
    team = Team(("a", "b"), "a", frozenset({"f"}), 1.0, 1.0, 0.5)
    text = team_sentence(team, {"a": "王颖", "b": "张智雄"}, {"f": "知识组织"}, 1,
                         joint_papers=[("a", "b", ["基于本体的国史知识检索平台构建研究", "科技知识组织体系开放引擎系统的设计与实现"])])
    assert "成员之间有直接合作关系" in text
    assert "王颖 与 张智雄 合作发表《基于本体的国史知识检索平台构建研究》、《科技知识组织体系开放引擎系统的设计与实现》" in text


def test_team_sentence_names_the_joint_projects():
    team = Team(("a", "b"), "a", frozenset({"f"}), 1.0, 1.0, 0.5)
    text = team_sentence(team, {"a": "秦拯", "b": "刘某"}, {"f": "新材料"}, 1,
                         joint_projects=[("a", "b", ["锂电池正极材料的高通量计算与设计"])])
    assert "秦拯 与 刘某 共同承担「锂电池正极材料的高通量计算与设计」" in text


def test_team_sentence_of_a_partly_connected_team_says_partly_and_names_each_title_once():
    """A team where one member has no tie to the others (cost DISCONNECTED) but two members wrote together: the
    sentence does not claim that no member has a tie, and a title listed twice for a pair is named once."""
    from recommend.teams import DISCONNECTED

    team = Team(("a", "b", "c"), "a", frozenset({"f"}), 1.0, DISCONNECTED, 0.5)
    title = "氨氮胁迫下饥饿再投喂对黄颡鱼幼鱼生长性能的影响"
    text = team_sentence(team, {"a": "张木子", "b": "李冰", "c": "曾毅"}, {"f": "农业生物技术"}, 1,
                         joint_papers=[("a", "b", [title, title])])
    assert "部分成员之间尚无合作或同单位关系（张木子 与 李冰 合作发表《" + title + "》）" in text
    alone = team_sentence(team, {"a": "张木子", "b": "李冰", "c": "曾毅"}, {"f": "农业生物技术"}, 1)
    assert "，成员之间尚无合作或同单位关系。" in alone
    many = team_sentence(team, {"a": "甲", "b": "乙", "c": "丙"}, {"f": "x"}, 1,
                         joint_papers=[("a", "b", ["一", "二", "一", "三"])])
    assert "甲 与 乙 合作发表《一》、《二》等 3 篇论文" in many


NSFC_C = ("approval_no,title,fund_type,application_code,pi_name,institution,funding_wan_yuan,approval_year,end_year,"
          "keywords\n"
          "31770001,胡杨异形叶光保护机制,面上项目,C0301,王海珍,塔里木大学,60,2017,2021,胡杨\n"
          "31770002,黑曲霉次级代谢调控,面上项目,C0501,王斌,华南理工大学,60,2017,2021,黑曲霉\n")


def test_paper_authors_merge_into_pis_only_when_the_evidence_agrees(tmp_path, fields_store):
    store = fields_store
    assert load_taxonomy(TAXONOMY_FILES["nsfc-codes"], "nsfc-codes", store).ok
    (tmp_path / "c.csv").write_text(NSFC_C, encoding="utf-8")
    assert import_file(tmp_path / "c.csv", "project", store).ok
    rows = [{"id": "t1", "title": "土壤水分梯度对灰胡杨光合作用的影响", "authors": "王海珍1 韩路1",
             "affiliations": "1塔里木大学植物科学学院，阿拉尔843300", "keywords": ["灰胡杨"], "month": "2017-05",
             "fields": {"nsfc:C0301": 0.2}},
            {"id": "t2", "title": "酸处理对聚酰亚胺纤维性能的影响", "authors": "王斌1 李四1",
             "affiliations": "1华南理工大学材料科学与工程学院，广州510640", "keywords": ["复合材料"], "month": "2017-05",
             "fields": {"nsfc:E0301": 0.2}}]
    path = _write(tmp_path / "p.jsonl", rows)
    assert import_file(path, "paper", store).ok
    authors = {nb.node.id for nb in store.neighbors(Label.PAPER, "chinaxiv:t1", rel_types=[RelType.AUTHORED])}
    assert "expert:王海珍@塔里木大学" in authors  # the NSFC PI: same name, institution and discipline
    pi = store.get_node(Label.EXPERT, "expert:王海珍@塔里木大学")
    assert pi.props["source"] == "nsfc"  # a merged expert keeps its source
    ties = {nb.node.id for nb in store.neighbors(Label.EXPERT, pi.id, rel_types=[RelType.COLLABORATES])}
    assert ties == {"expert:韩路@塔里木大学"}
    # 王斌 is a common name and materials ≠ microbiology: the PI stays apart, the author is another expert
    authors = {nb.node.id for nb in store.neighbors(Label.PAPER, "chinaxiv:t2", rel_types=[RelType.AUTHORED])}
    assert "expert:王斌@华南理工大学" not in authors and "expert:王斌@华南理工大学~E" in authors
    before = (store.counts().as_dict(), _snapshot(store))
    assert import_file(path, "paper", store).ok
    assert (store.counts().as_dict(), _snapshot(store)) == before


def test_printed_clc_links_a_paper_but_a_link_resting_on_it_alone_does_not_vouch(tmp_path, fields_store):
    """The real papers' printed 中图分类号 (G250.7 → 503, TP393 → 103 through the crosswalk) link them at load time; a
    field only the class gives is basis 中图分类号 on IN_FIELD, on the EXPERT_IN it implies and on the path, which the
    abstention lists with strength 0; a field the row's own ``fields`` also names is an ordinary link."""
    store = fields_store
    a, b, _ = _real_rows(*REAL_IDS)
    rows = [{**a, "fields": {}}, {**b, "fields": {"ht2016:103": 0.4}}]
    assert (a["clc"], b["clc"]) == ("G250.7", "TP393")
    assert import_file(_write(tmp_path / "p.jsonl", rows), "paper", store).ok
    links = {(src.id, nb.node.id): nb.rel.props for src, nb in store.expand(
        [NodeRef(Label.PAPER, "chinaxiv:201601.00052"), NodeRef(Label.PAPER, "chinaxiv:201601.00053")],
        direction=Direction.OUT, rel_types=[RelType.IN_FIELD])}
    assert links[("chinaxiv:201601.00052", "ht2016:503")]["basis"] == CLASS_BASIS
    assert links[("chinaxiv:201601.00053", "ht2016:103")] == {"weight": 0.4, "basis": FIELDS_BASIS}
    wang = "expert:王颖@中国科学院文献情报中心"
    expert_in = {nb.node.id: nb.rel.props["basis"] for nb in store.neighbors(
        Label.EXPERT, wang, direction=Direction.OUT, rel_types=[RelType.EXPERT_IN])}
    assert expert_in == {"ht2016:503": CLASS_BASIS, "ht2016:103": FIELDS_BASIS}
    settings = resolve({})
    for field, basis, strength in (("ht2016:503", CLASS_BASIS, 0.0), ("ht2016:103", "", 0.5)):
        demand = demand_facts_for_text(store, "知识组织", {field: 1.0})
        candidates, _ = gather_candidates(store, demand, settings)
        facts = next(c for c in candidates if c.id == wang)
        assert {p.basis for p in facts.paths} == {basis}
        evidence = expert_evidence(ScoredExpert(facts, 0.5, {}, {}), demand.fields, [], [])
        assert evidence.direct_fields == (field,) and evidence.listed and evidence.direct_strength == strength
        shown = explain_paths("d", "知识组织", ScoredExpert(facts, 0.5, {}, {}), {})
        links = {step.link for path in shown for step in path.steps if step.kind == "paper"}
        assert links == {f"所属论文（{CLASS_BASIS}）" if basis else "所属论文"}


def test_every_shipped_title_is_stored_as_plain_text(tmp_path):
    """clean12: no shipped ChinaXiv title keeps LaTeX math, a Markdown escape or a PDF line break between two Chinese
    characters once imported; titles without them are stored exactly as given."""
    import re

    from graph.local_store import LocalStore
    from ingest.papers import plain_title

    titles = [json.loads(line)["title"] for line in PAPERS_FILE.read_text(encoding="utf-8").splitlines()]
    marked = [t for t in titles if re.search(r"[$\\]|[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", t)]
    assert len(marked) > 500
    for t in titles:
        plain = plain_title(t)
        assert not re.search(r"[$\\]|mathbf|mathrm|[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", plain), (t, plain)
        if t not in marked:
            assert plain == t.strip()
    # the importer stores the plain title
    rows = tmp_path / "p.jsonl"
    rows.write_text(json.dumps({"id": "x1", "title": "土壤 $\\mathbf { C O } _ { 2 }$ 通量的 影响", "authors": "王颖1",
                                "affiliations": "1. 北京大学"}, ensure_ascii=False) + "\n", encoding="utf-8")
    store = LocalStore(tmp_path / "db")
    assert import_file(rows, "paper", store).ok
    assert store.get_node(Label.PAPER, "chinaxiv:x1").props["title"] == "土壤 CO2 通量的影响"


def test_the_papers_left_out_are_those_whose_title_is_not_a_title():
    """title37: data/papers/left_out.jsonl holds exactly the rows derive.py's not_a_title rejects; none is loaded."""
    import importlib.util
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "data" / "papers"
    spec = importlib.util.spec_from_file_location("derive", folder / "derive.py")
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    left = [json.loads(line) for line in (folder / "left_out.jsonl").read_text(encoding="utf-8").splitlines()]
    kept = [json.loads(line) for line in (folder / "papers.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(left) == 45 and all(derive.not_a_title(r["title"]) for r in left)
    assert not any(derive.not_a_title(r["title"]) for r in kept)
    assert not {r["id"] for r in left} & {r["id"] for r in kept}


def test_one_paper_one_record_reposts_are_left_out_and_point_to_the_record_kept():
    """dup41: no two shipped papers are one manuscript (same title and authors, marks and spaces aside); every repost
    left out names a shipped record of the same manuscript that prints at least as much; no repost is shipped."""
    import importlib.util
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "data" / "papers"
    spec = importlib.util.spec_from_file_location("derive", folder / "derive.py")
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    kept = {r["id"]: r for r in map(json.loads, (folder / "papers.jsonl").read_text(encoding="utf-8").splitlines())}
    reposts = [json.loads(line) for line in (folder / "reposts.jsonl").read_text(encoding="utf-8").splitlines()]
    keys = [derive.same_paper_key(r) for r in kept.values()]
    assert len(keys) == len(set(keys))
    assert len(reposts) == 535 and not {r["id"] for r in reposts} & set(kept)
    printed = lambda r: (bool(r.get("clc")), bool(r.get("keywords")), bool(r.get("affiliations")))  # noqa: E731
    for r in reposts:
        original = kept[r["same_as"]]
        assert derive.same_paper_key(original) == derive.same_paper_key(r)
        assert printed(original) >= printed(r)


def test_a_verdict_given_on_a_repost_counts_for_the_record_kept(tmp_path):
    """dup41: the hand verdicts of data/papers/field_reviews.tsv were given on papers as they were; one given on a
    record later left out as a repost applies to the record kept, unless that record has its own verdict."""
    from ingest.field_reviews import kept_ids, paper_reviews, read_reviews

    kept = kept_ids()
    assert len(kept) == 535 and all(k.startswith("chinaxiv:") and v.startswith("chinaxiv:") for k, v in kept.items())
    own = {(r.paper, f"ht2016:{r.field}"): r.verdict for r in read_reviews()}
    carried = [(kept[p], f, v) for (p, f), v in own.items() if p in kept and (kept[p], f) not in own]
    assert carried  # at least one verdict travels (one does in the shipped table)
    assert all(paper_reviews(p)[f] == v for p, f, v in carried)
    assert all(paper_reviews(p).get(f) == v for (p, f), v in own.items())
    missing = tmp_path / "none.jsonl"
    assert kept_ids(missing) == {}
