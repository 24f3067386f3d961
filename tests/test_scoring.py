"""Scoring functions, filters and diversity on hand-checkable data."""

from __future__ import annotations

import math

import pytest

from recommend.config import DEFAULTS, resolve
from recommend.scoring import (
    CandidateFacts,
    DemandFacts,
    FieldPath,
    ProjectFact,
    apply_filters,
    availability,
    diversify,
    evidence,
    expert_type,
    field_match,
    region_proximity,
    score_candidates,
)

DEMAND = DemandFacts("d1", "高镍正极材料缺陷检测", {"f:battery": 2.0, "f:vision": 1.0},
                     province_id="region:330000", city_id="region:330100", year=2026)


def path(field: str, sim: float = 1.0, weight: float = 1.0, demand_weight: float = 1.0) -> FieldPath:
    return FieldPath(field, demand_weight, field, sim, weight, "expert_in", (field,))


@pytest.mark.parametrize(
    ("paths", "expected"),
    [([], 0.0), ([path("f:battery")], 2 / 3), ([path("f:vision")], 1 / 3),
     ([path("f:battery"), path("f:vision")], 1.0), ([path("f:battery", sim=0.5)], 1 / 3),
     ([path("f:battery", sim=0.5), path("f:battery", sim=1.0)], 2 / 3),  # the strongest path counts
     ([path("f:other")], 0.0)],
)
def test_field_match_is_the_needs_weighted_best_path(paths, expected):
    assert field_match(paths, DEMAND.fields) == pytest.approx(expected)


def test_expert_sharing_the_needed_field_ranks_first():
    alice = CandidateFacts("e:a", "甲", paths=(path("f:battery"),))
    bob = CandidateFacts("e:b", "乙", paths=(path("f:battery", sim=0.5),))
    carol = CandidateFacts("e:c", "丙")
    ranked = score_candidates(DEMAND, [carol, bob, alice], DEFAULTS)
    assert [s.id for s in ranked] == ["e:a", "e:b", "e:c"]
    top = ranked[0]
    assert top.contributions["field"] == pytest.approx(DEFAULTS["weight_field"] * 2 / 3)
    assert top.score == pytest.approx(sum(top.contributions.values()))
    assert top.covered_fields == {"f:battery"}


def test_ties_break_by_id():
    ranked = score_candidates(DEMAND, [CandidateFacts("e:2", "乙"), CandidateFacts("e:1", "甲")], DEFAULTS)
    assert [s.id for s in ranked] == ["e:1", "e:2"]


GRANT = {"grant_scale_wan": DEFAULTS["evidence_grant_scale_wan"], "member_share": DEFAULTS["project_member_share"]}
TYPES = {"lead": DEFAULTS["type_lead"], "talent": DEFAULTS["type_talent"], "pool": DEFAULTS["type_pool"]}
SAME = {"same_province": DEFAULTS["region_same_province"]}


def test_evidence_by_hand():
    recent = ProjectFact("p1", "t", "lead", 2026, None, 50.0)
    old = ProjectFact("p2", "t", "lead", 2016, None, 50.0)
    member = ProjectFact("p3", "t", "member", 2026, None, 50.0)
    size = 1 + math.log10(2)
    assert evidence([recent], year=2026, half_life=5, saturation=3, **GRANT) == pytest.approx(1 - math.exp(-size / 3))
    assert evidence([old], year=2026, half_life=5, saturation=3, **GRANT) == pytest.approx(1 - math.exp(-size / 4 / 3))
    assert evidence([member], year=2026, half_life=5, saturation=3, **GRANT) == pytest.approx(1 - math.exp(-size / 2 / 3))
    assert evidence([recent, old], year=2026, half_life=5, saturation=3, **GRANT) > evidence([recent], year=2026,
                                                                                      half_life=5, saturation=3, **GRANT)


def test_expert_type_region_and_availability():
    pi_talent = CandidateFacts("e", "x", projects=(ProjectFact("p", "t", "lead", fund_type="国家杰出青年科学基金"),))
    assert expert_type(pi_talent, **TYPES) == pytest.approx(0.8)
    assert expert_type(CandidateFacts("e", "x"), **TYPES) == 0.0
    assert region_proximity(DEMAND, CandidateFacts("e", "x", province_id="region:330000", city_id="region:330100"), **SAME) == 1.0
    assert region_proximity(DEMAND, CandidateFacts("e", "x", province_id="region:110000"), **SAME) == 0.0
    assert [availability(n) for n in (0, 1, -1)] == [1.0, 0.5, 1.0]


def test_filters_conflict_of_interest_exclusion_load_and_region():
    demand = DemandFacts("d", "", {}, 2026, province_id="region:330000", excluded_experts=frozenset({"e:x"}),
                         excluded_institutions=frozenset({"inst:zju"}))
    cands = [CandidateFacts("e:x", "排除"), CandidateFacts("e:zju", "同单位", institution_id="inst:zju"),
             CandidateFacts("e:tied", "有关联", tied_to_enterprise=True),
             CandidateFacts("e:busy", "忙", active_load=4, province_id="region:330000"),
             CandidateFacts("e:far", "外省", province_id="region:110000"),
             CandidateFacts("e:ok", "合格", province_id="region:330000")]
    kept, why = apply_filters(demand, cands, DEFAULTS)
    assert [c.id for c in kept] == ["e:far", "e:ok"]
    assert why == {"e:x": "在排除名单中", "e:zju": "利益冲突：与需求企业存在关联",
                   "e:tied": "利益冲突：与需求企业存在关联", "e:busy": "当前负荷 4 超过上限 3"}
    kept, why = apply_filters(demand, cands, resolve({"region_mode": "only", "max_load": 0}))
    assert [c.id for c in kept] == ["e:busy", "e:ok"] and why["e:far"] == "不在需求企业所在省份"


def _ranked(insts: list[str]):
    cands = [CandidateFacts(f"e:{i:02d}", f"专家{i}", institution_id=inst, paths=(path("f:battery", sim=1 - i / 100),))
             for i, inst in enumerate(insts)]
    return score_candidates(DEMAND, cands, DEFAULTS)


def test_top_ten_is_not_ten_people_from_one_lab():
    ranked = _ranked(["lab:a"] * 12 + ["lab:b", "lab:c", "lab:d", "lab:e"])
    top = diversify(ranked, k=10, max_per_institution=3)
    assert len(top) == 10
    per_lab = {lab: sum(1 for s in top if s.facts.institution_id == lab) for lab in ("lab:a", "lab:b")}
    assert per_lab == {"lab:a": 6, "lab:b": 1}  # 3 first, the rest only after the other labs ran out
    assert [s.id for s in top[:7]] == ["e:00", "e:01", "e:02", "e:12", "e:13", "e:14", "e:15"]


def test_diversity_off_when_the_officer_asks():
    ranked = _ranked(["lab:a"] * 12)
    assert [s.id for s in diversify(ranked, k=10, max_per_institution=0)] == [s.id for s in ranked[:10]]


def test_settings_validation_names_the_setting():
    with pytest.raises(Exception) as info:
        resolve({"weight_field": -1, "top_kk": 3, "region_mode": "x"})
    messages = [e.message() for e in info.value.errors]
    assert "「weight_field」不能为负数" in messages and "「top_kk」不是可设置的推荐参数" in messages
    assert "「region_mode」只能是 prefer、only 或 any" in messages


def test_an_expert_known_by_papers_alone_is_explained_by_the_latest_paper():
    from recommend.explain import expert_sentence
    from recommend.profiles import PAPER_ROLE
    from recommend.scoring import ProjectFact, ScoredExpert

    papers = (ProjectFact("paper:a", "锂电池正极材料的表面包覆", PAPER_ROLE, 2019, 2019),
              ProjectFact("paper:b", "高镍三元正极材料的高温循环衰减机理", PAPER_ROLE, 2021, 2021))
    facts = CandidateFacts("expert:x", "张三", institution_name="某大学", projects=papers)
    scored = ScoredExpert(facts, 0.3, {"text": 1.0}, {"text": 0.3})
    sentence = expert_sentence(scored, [], year=2026)
    assert "发表论文 2 篇，最近为「高镍三元正极材料的高温循环衰减机理」（2021 年）" in sentence
    assert "主持项目" not in sentence


def test_candidate_bm25_gives_bm25s_numbers_bit_for_bit():
    """recommend.text.text_scores scores from the query's postings what bm25s scored after indexing every
    word of every candidate (issue 15 item 3): the same float32 numbers, on real demo demands as profiles
    and queries (repeated and unknown query words, empty documents)."""
    import json
    import random
    from pathlib import Path

    import bm25s
    import numpy as np

    from ingest.nlp import content_words
    from recommend.text import text_scores

    lines = (Path(__file__).parents[1] / "data/demo/demands.jsonl").read_text(encoding="utf-8").splitlines()
    words = [content_words(f"{r.get('title', '')}\n{r.get('description', '')}") for r in map(json.loads, lines[:200])]
    rng = random.Random(15)
    for k1, b in ((DEFAULTS["text_bm25_k1"], DEFAULTS["text_bm25_b"]), (1.2, 0.75), (0.9, 0.3)):
        for _ in range(20):
            docs = {f"e:{n}": w[:rng.randint(0, 40)] for n, w in enumerate(rng.sample(words, rng.randint(1, 60)))}
            query = rng.choice(words)[:rng.randint(1, 25)] + ["不在任何文档里"]
            query += query[:3]
            got = text_scores(query, docs, k1=k1, b=b)
            known = {t for d in docs.values() for t in d}
            q = [t for t in query if t in known]
            if not q:
                assert set(got.values()) == {0.0}
                continue
            index = bm25s.BM25(k1=k1, b=b)
            index.index([d or [""] for d in docs.values()], show_progress=False)
            raw = index.get_scores(q)
            top = float(raw.max())
            want = {i: float(s) / top if top > 0 else 0.0 for i, s in zip(docs, raw, strict=True)}
            assert got == want and np.isfinite(list(got.values())).all()


def test_text_floor_keeps_a_one_word_match_from_scoring_one():
    """calib13: with a floor, the best candidate scores 1 only when it covers enough of the query's matchable words
    (by idf); candidates matching one word each of a three-word query are scaled down, the ratios stay; a query word
    no candidate has does not count."""
    import pytest

    from recommend.text import bm25_ceiling, text_scores

    docs = {"salt": ["高盐", "土壤", "植物"], "city": ["城市", "交通", "规划"], "rice": ["水稻", "育种", "栽培"]}
    query = ["高盐", "城市", "水稻", "印染废水"]
    plain = text_scores(query, docs)
    assert max(plain.values()) == 1.0
    floored = text_scores(query, docs, floor=0.9)
    assert 0 < max(floored.values()) < 0.5
    assert {k: v / max(floored.values()) for k, v in floored.items()} == pytest.approx(plain)
    # a document of average length holding every matchable word once scores the ceiling: it is the 1
    full = {**docs, "all": ["高盐", "城市", "水稻"]}
    assert text_scores(query, full, floor=1.0)["all"] == pytest.approx(1.0, abs=1e-6)
    assert bm25_ceiling([1.0, 1.0], 1.0) == 1.0
    # no floor, or a floor below the best's share: as before
    assert text_scores(query, docs, floor=0.0) == plain
    assert text_scores(["高盐"], docs, floor=0.5) == text_scores(["高盐"], docs)
