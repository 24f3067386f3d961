"""End-to-end recommendation on a tiny world, identical on both stores.

World: a battery enterprise in 杭州 posts a demand needing 正极材料 (weight 2) and
缺陷检测 (weight 1). 正极材料 is a child of 电池材料. Experts:
- e:li    浙江大学 (杭州): EXPERT_IN 正极材料, leads a recent cathode project → best single expert
- e:wang  清华大学 (北京): EXPERT_IN 电池材料 (the parent field) → reached through the hierarchy
- e:zhao  浙江大学: leads a 缺陷检测 project, COLLABORATES with e:li → the natural team mate
- e:sun   中山大学: EXPERT_IN 缺陷检测 too, no ties
- e:conf  the enterprise's own partner institute → conflict of interest, filtered out
"""

from __future__ import annotations

import pytest

from graph.model import Label, RelType
from graph.store import Batch
from recommend.engine import recommend_for_demand


def bigrams(text: str) -> list[str]:
    chars = [c for c in text if not c.isspace()]
    return [a + b for a, b in zip(chars, chars[1:], strict=False)]


def world() -> Batch:
    L, R = Label, RelType
    return (
        Batch()
        .add_nodes(L.REGION, [{"id": "r:33", "name": "浙江省", "level": "province"},
                              {"id": "r:3301", "name": "杭州市", "level": "city"},
                              {"id": "r:11", "name": "北京市", "level": "province"},
                              {"id": "r:44", "name": "广东省", "level": "province"}])
        .add_nodes(L.FIELD, [{"id": "f:bat", "name": "电池材料", "scheme": "t"},
                             {"id": "f:cathode", "name": "正极材料", "scheme": "t"},
                             {"id": "f:inspect", "name": "缺陷检测", "scheme": "t"}])
        .add_nodes(L.INSTITUTION, [{"id": "i:zju", "name": "浙江大学"}, {"id": "i:thu", "name": "清华大学"},
                                   {"id": "i:sysu", "name": "中山大学"}, {"id": "i:partner", "name": "合作研究院"}])
        .add_nodes(L.EXPERT, [{"id": "e:li", "name": "李明", "keywords": ["正极材料", "高镍"]},
                              {"id": "e:wang", "name": "王强", "keywords": ["电池材料"]},
                              {"id": "e:zhao", "name": "赵磊", "keywords": ["机器视觉"]},
                              {"id": "e:sun", "name": "孙丽", "keywords": ["缺陷检测"]},
                              {"id": "e:conf", "name": "冯军", "keywords": ["正极材料"]}])
        .add_nodes(L.PROJECT, [{"id": "p:1", "title": "高镍正极材料界面调控", "start_year": 2023, "end_year": 2025,
                                "amount_wan": 58.0, "fund_type": "面上项目"},
                               {"id": "p:2", "title": "基于机器视觉的电极缺陷检测", "start_year": 2021, "end_year": 2023}])
        .add_nodes(L.ENTERPRISE, [{"id": "ent:1", "name": "杭州锂能科技有限公司", "conflict_institutions": ["i:partner"]}])
        .add_nodes(L.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "description": "需要识别正极极片涂布缺陷",
                               "posted": "2026-03-01"}])
        .add_rels(R.PART_OF, L.REGION, L.REGION, [{"start": "r:3301", "end": "r:33"}])
        .add_rels(R.LOCATED_IN, L.INSTITUTION, L.REGION, [{"start": "i:zju", "end": "r:3301"}, {"start": "i:thu", "end": "r:11"},
                                                          {"start": "i:sysu", "end": "r:44"}])
        .add_rels(R.LOCATED_IN, L.ENTERPRISE, L.REGION, [{"start": "ent:1", "end": "r:3301"}])
        .add_rels(R.SUBFIELD_OF, L.FIELD, L.FIELD, [{"start": "f:cathode", "end": "f:bat"}])
        .add_rels(R.WORKS_AT, L.EXPERT, L.INSTITUTION, [{"start": "e:li", "end": "i:zju"}, {"start": "e:wang", "end": "i:thu"},
                                                        {"start": "e:zhao", "end": "i:zju"}, {"start": "e:sun", "end": "i:sysu"},
                                                        {"start": "e:conf", "end": "i:partner"}])
        .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [{"start": "e:li", "end": "f:cathode", "weight": 1.0},
                                                   {"start": "e:wang", "end": "f:bat", "weight": 1.0},
                                                   {"start": "e:sun", "end": "f:inspect", "weight": 1.0},
                                                   {"start": "e:conf", "end": "f:cathode", "weight": 1.0}])
        .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": "e:li", "end": "p:1"}, {"start": "e:zhao", "end": "p:2"}])
        .add_rels(R.IN_FIELD, L.PROJECT, L.FIELD, [{"start": "p:1", "end": "f:cathode"}, {"start": "p:2", "end": "f:inspect"}])
        .add_rels(R.COLLABORATES, L.EXPERT, L.EXPERT, [{"start": "e:li", "end": "e:zhao", "count": 2}])
        .add_rels(R.POSTED, L.ENTERPRISE, L.DEMAND, [{"start": "ent:1", "end": "d:1"}])
        .add_rels(R.NEEDS, L.DEMAND, L.FIELD, [{"start": "d:1", "end": "f:cathode", "weight": 2.0},
                                               {"start": "d:1", "end": "f:inspect", "weight": 1.0}])
    )


def test_ranking_explanations_and_teams(store):
    store.write(world())
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026)
    ids = [e.scored.id for e in rec.experts]
    assert ids[0] == "e:li"
    assert "e:conf" not in ids and rec.excluded == {"e:conf": "利益冲突：与需求企业存在关联"}
    assert set(ids) == {"e:li", "e:wang", "e:zhao", "e:sun"}
    top = rec.experts[0]
    assert top.paths[0].text() == "高镍正极材料涂布缺陷检测 →需要→ 正极材料 →擅长→ 李明"
    assert "李明（浙江大学）" in top.sentence and "主持项目 1 项" in top.sentence
    wang = next(e for e in rec.experts if e.scored.id == "e:wang")
    assert wang.paths[0].text() == "高镍正极材料涂布缺陷检测 →需要→ 正极材料 →上级领域→ 电池材料 →擅长→ 王强"
    assert wang.scored.components["field"] == pytest.approx(2 / 3 * 0.5)
    best_team = rec.teams[0]
    assert best_team.team.members == ("e:li", "e:zhao") and best_team.team.coverage == 1.0
    assert "成员之间有直接合作关系" in best_team.sentence
    assert rec.rarest_first is not None and rec.rarest_first.team.coverage == 1.0


@pytest.mark.neo4j
def test_same_answer_on_both_stores(tmp_path, local_store, neo4j_store):
    answers = []
    for s in (local_store, neo4j_store):
        s.write(world())
        answers.append(recommend_for_demand(s, "d:1", tokenize=bigrams, year=2026).as_dict())
    assert answers[0] == answers[1]


@pytest.mark.neo4j
def test_a_recommendation_reads_neo4j_in_one_transaction(neo4j_store, monkeypatch):
    import neo4j

    neo4j_store.write(world())
    opened: list[str] = []
    for name in ("execute_read", "begin_transaction"):
        real = getattr(neo4j.Session, name)
        monkeypatch.setattr(neo4j.Session, name, lambda self, *a, _real=real, _name=name, **k:
                            opened.append(_name) or _real(self, *a, **k))
    rec = recommend_for_demand(neo4j_store, "d:1", tokenize=bigrams, year=2026)
    assert rec.experts and opened == ["begin_transaction"]
    opened.clear()
    assert neo4j_store.get_node(Label.DEMAND, "d:1") is not None and opened == ["execute_read"]  # outside: its own


def test_a_team_names_its_members_joint_projects_and_papers(store):
    L, R = Label, RelType
    store.write(world().add_nodes(L.PAPER, [{"id": "pa:1", "title": "高镍正极缺陷的视觉识别"}])
                .add_rels(R.COLLABORATES, L.EXPERT, L.EXPERT, [{"start": "e:li", "end": "e:zhao", "count": 2,
                                                                "papers": ["pa:1"], "projects": ["p:2"]}]))
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026)
    assert "李明 与 赵磊 合作发表《高镍正极缺陷的视觉识别》" in rec.teams[0].sentence
    assert "李明 与 赵磊 共同承担「基于机器视觉的电极缺陷检测」" in rec.teams[0].sentence


def test_filters_come_from_settings(store):
    store.write(world())
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, overrides={"region_mode": "only"})
    assert [e.scored.id for e in rec.experts] == ["e:li", "e:zhao"]
    assert rec.excluded["e:wang"] == "不在需求企业所在省份"


def _coauthors() -> Batch:
    """Two authors of one paper on 缺陷检测 and nothing else: the same body of evidence."""
    L, R = Label, RelType
    return (world().add_nodes(L.EXPERT, [{"id": "e:qian", "name": "钱进"}, {"id": "e:zhou", "name": "周文"}])
            .add_nodes(L.PAPER, [{"id": "pa:2", "title": "极片涂布缺陷的视觉检测", "year": 2024}])
            .add_rels(R.WORKS_AT, L.EXPERT, L.INSTITUTION, [{"start": "e:qian", "end": "i:sysu"},
                                                            {"start": "e:zhou", "end": "i:sysu"}])
            .add_rels(R.AUTHORED, L.EXPERT, L.PAPER, [{"start": "e:qian", "end": "pa:2"}, {"start": "e:zhou", "end": "pa:2"}])
            .add_rels(R.IN_FIELD, L.PAPER, L.FIELD, [{"start": "pa:2", "end": "f:inspect", "weight": 1.0}]))


def test_coauthors_with_the_same_works_share_one_slot_when_asked(store):
    store.write(_coauthors())
    both = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026)
    ids = [e.scored.id for e in both.experts]
    assert {"e:qian", "e:zhou"} <= set(ids)  # the default lists each author
    assert all(e.same_evidence == () and "依据相同" not in e.sentence for e in both.experts)
    assert len(ids) == 6
    one = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026, overrides={"max_same_evidence": 1, "top_k": 5})
    shown = [e for e in one.experts if e.scored.id in ("e:qian", "e:zhou")]
    assert len(shown) == 1
    other = ({"e:qian", "e:zhou"} - {shown[0].scored.id}).pop()
    name = {"e:qian": "钱进", "e:zhou": "周文"}[other]
    assert shown[0].same_evidence == ((other, name),)
    assert f"依据相同的合作者：{name}（同一批项目、论文，未单列）" in shown[0].sentence
    assert shown[0].as_dict()["same_evidence"] == [{"expert_id": other, "name": name}]
    # every other expert keeps their place: only the second author of the same paper gives up a slot (with top_k 6 or
    # more, too few others would remain and it would fill the last slot)
    assert [i for i in ids if i != other] == [e.scored.id for e in one.experts]
