"""Honest abstention: every recommendation carries a confidence; without direct evidence the result says so."""

from __future__ import annotations

from test_recommend_engine import bigrams, world

from graph.model import Label, RelType
from recommend.abstention import ABSTAIN_MESSAGE, TEXT_THRESHOLD, expert_evidence, judge
from recommend.candidates import demand_facts_for_text
from recommend.engine import recommend_for_demand, recommend_for_facts
from recommend.scoring import CandidateFacts, FieldPath, ScoredExpert


def test_experts_with_direct_evidence_make_a_confident_result(store):
    store.write(world())
    rec = recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026)
    assert rec.verdict is not None and not rec.verdict.abstain
    li = next(e for e in rec.experts if e.scored.id == "e:li")
    assert li.evidence.direct_fields == ("f:cathode",) and li.evidence.confidence == 1.0
    wang = next(e for e in rec.experts if e.scored.id == "e:wang")  # only through the parent field
    assert wang.evidence.direct_fields == () and wang.evidence.confidence < li.evidence.confidence
    body = rec.as_dict()
    assert body["abstention"]["abstain"] is False
    assert all(0 <= e["confidence"] <= 1 and "evidence" in e for e in body["experts"])
    gap = {g["field"]: g["experts_with_direct_evidence"] for g in body["abstention"]["supply_gap"]}
    # e:li in 正极材料 (e:conf is filtered out: conflict of interest); e:sun and e:zhao (a project) in 缺陷检测
    assert gap["f:cathode"] == 1 and gap["f:inspect"] == 2


def test_a_demand_whose_field_has_no_expert_abstains_with_the_gap_and_suggestions(store):
    store.write(world())
    store.write(world().add_nodes(Label.FIELD, [{"id": "f:vocs", "name": "大气污染控制", "scheme": "t"}])
                .add_rels(RelType.RELATED_TO, Label.FIELD, Label.FIELD,
                          [{"start": "f:vocs", "end": "f:bat", "score": 0.5}]))
    facts = demand_facts_for_text(store, "喷涂车间VOCs在线监测", {"f:vocs": 1.0}, year=2026)
    rec = recommend_for_facts(store, facts, tokenize=bigrams)
    v = rec.verdict
    assert v.abstain and v.message == ABSTAIN_MESSAGE
    assert dict(v.gap) == {"f:vocs": 0}
    assert v.suggestions and v.suggestions[0][0] == "f:bat"  # the related field the candidates come from
    assert any("揭榜" in a for a in v.actions)
    body = rec.as_dict()["abstention"]
    assert body["supply_gap"] == [{"field": "f:vocs", "name": "大气污染控制", "experts_with_direct_evidence": 0}]
    assert body["suggested_fields"][0]["name"] == "电池材料"
    # what the user reads names the nearest field, never its id
    assert "查看相近领域「电池材料」的专家" in body["actions"] and not any("f:" in a for a in body["actions"])
    for e in rec.experts:  # whoever is still listed has a path or a matched term, and low confidence
        assert e.evidence.listed and e.evidence.confidence < 1


def test_an_expert_without_any_path_or_matched_term_is_never_listed(store):
    store.write(world())
    facts = demand_facts_for_text(store, "冷链物流温控", {}, year=2026)
    # text candidates with no shared term would come from the index; none here, and no field either
    rec = recommend_for_facts(store, facts, tokenize=bigrams)
    assert rec.experts == [] and rec.verdict.abstain


def test_text_evidence_alone_can_carry_a_result(store):
    store.write(world())
    facts = demand_facts_for_text(store, "高镍正极材料界面调控", {"f:bat": 1.0}, year=2026)
    rec = recommend_for_facts(store, facts, tokenize=bigrams)
    li = next(e for e in rec.experts if e.scored.id == "e:li")
    assert li.evidence.text_coverage >= TEXT_THRESHOLD
    assert not rec.verdict.abstain


def test_the_text_threshold_is_a_setting_and_zero_is_accepted(local_store):
    local_store.write(world())
    facts = demand_facts_for_text(local_store, "高镍正极材料界面调控", {"f:bat": 1.0}, year=2026)
    runs = {t: recommend_for_facts(local_store, facts, tokenize=bigrams, overrides={"abstain_text_coverage": t})
            for t in (0.0, 1.0)}  # 0 once divided by zero
    li = {t: next(e for e in r.experts if e.scored.id == "e:li") for t, r in runs.items()}
    assert li[0.0].evidence.text_coverage == li[1.0].evidence.text_coverage > 0
    assert li[0.0].evidence.confidence == 1.0 >= li[1.0].evidence.confidence
    assert all(0 <= e.evidence.confidence <= 1 for r in runs.values() for e in r.experts)


def test_a_weak_direct_path_vouches_only_with_some_of_the_demands_words_in_the_profile():
    """Issue 13: a path of strength 0.5 (a field the demand touches through the crosswalk at weight 0.5)
    without one of the demand's words in the profile no longer makes the experts shown look trusted."""
    from recommend.abstention import DIRECT_COVERAGE, STRONG_STRENGTH, expert_evidence, judge
    from recommend.scoring import CandidateFacts, FieldPath, ScoredExpert

    query = ["挥发性", "有机物", "在线", "监测"]

    def judged(strength: float, profile: list[str]) -> bool:
        path = FieldPath("f:x", strength, "f:x", 1.0, 1.0, "expert_in", ("f:x", "e"))
        s = ScoredExpert(CandidateFacts("e", "某", paths=(path,)), 0.5, {}, {})
        ev = {"e": expert_evidence(s, {"f:x": 1.0}, query, profile)}
        assert ev["e"].listed  # listed either way: the path is evidence, just not enough to vouch
        return not judge({"f:x": 1.0}, [s], ev, shown=[s]).abstain

    assert not judged(0.5, ["基因", "调控"])  # weak path, no demand word: abstains
    assert judged(0.5, ["在线", "监测"])  # weak path backed by half of the demand's words
    assert 0.25 >= DIRECT_COVERAGE and judged(0.5, ["监测"])  # one word of four
    assert judged(STRONG_STRENGTH, ["基因"])  # a strong path vouches on its own
    assert not judged(0.4, ["监测"])  # below abstain_direct_strength only text coverage ≥ 0.34 vouches
    assert judged(0.4, ["在线", "监测"])


def test_weighted_coverage_counts_rare_words_more_and_vouches_only_when_switched_on():
    """Issue 13: coverage weighted by word specificity (IDF): the rare word 脱硫 outweighs the generic 系统 and
    需要; it vouches for a result only with abstain_weighted_text_coverage > 0 (off by default, see
    docs/abstention-weighted-coverage.md)."""
    from recommend.abstention import WEIGHTED_THRESHOLD, expert_evidence, judge
    from recommend.scoring import CandidateFacts, ScoredExpert

    query = ["烟气", "脱硫", "系统", "需要"]
    weights = {"烟气": 4.0, "脱硫": 6.0, "系统": 1.0, "需要": 1.0}  # 改造 is unknown to the model: left out
    s = ScoredExpert(CandidateFacts("e", "某"), 0.5, {}, {})
    ev = expert_evidence(s, {}, [*query, "改造"], ["脱硫", "催化剂"], term_weights=weights)
    assert ev.text_coverage == 0.2 and ev.weighted_coverage == 0.5
    assert expert_evidence(s, {}, query, ["系统", "需要"], term_weights=weights).weighted_coverage == 0.1667
    assert expert_evidence(s, {}, query, ["脱硫"]).weighted_coverage == 0.0  # no weights, no weighted evidence
    assert WEIGHTED_THRESHOLD == 0.0 and judge({}, [s], {"e": ev}, shown=[s]).abstain
    assert not judge({}, [s], {"e": ev}, shown=[s], weighted_threshold=0.3).abstain


def test_an_academy_biography_lists_and_ranks_an_expert_but_does_not_vouch_for_the_list(store):
    """academ30b: the research sentences of an academician's biography are text evidence for ranking and listing;
    the same words as the expert's keywords (from their projects and papers) make the result trusted, the biography
    alone does not."""
    from recommend.index_cache import IndexCache

    text = "电芯高温循环衰减"
    sentence = "长期从事三元正极材料高温循环衰减机理研究"
    store.write(world().add_nodes(Label.EXPERT, [{"id": "e:acad", "name": "甲院士", "research": [sentence]}]))
    facts = demand_facts_for_text(store, text, {"f:none": 1.0}, year=2026)
    rec = recommend_for_facts(store, facts, tokenize=bigrams, index=IndexCache(bigrams).get(store))
    acad = next(e for e in rec.experts if e.scored.id == "e:acad")
    assert acad.rank == 1 and acad.evidence.listed and acad.evidence.text_coverage >= TEXT_THRESHOLD
    assert "院士简介称其「" + sentence + "」" in acad.sentence
    assert rec.verdict.abstain  # the biography does not vouch

    store.write(world().add_nodes(Label.EXPERT, [{"id": "e:acad", "name": "甲院士", "research": None,
                                                 "keywords": [sentence]}]))
    rec = recommend_for_facts(store, facts, tokenize=bigrams, index=IndexCache(bigrams).get(store))
    assert rec.experts[0].scored.id == "e:acad" and not rec.verdict.abstain  # the same words, stated as keywords


def test_no_path_vouches_alone_by_default_it_needs_some_of_the_demands_words():
    # a path of full strength into the demand's field: a shape-memory-alloy sensor expert for a gas-sensor demand
    path = FieldPath("f:sensor", 1.0, "f:sensor", 1.0, 1.0, "expert_in", ("child",))
    expert = ScoredExpert(CandidateFacts("e:msma", "某", paths=(path,)), 0.5, {}, {})
    words = ["可燃气体", "传感器", "漂移", "中毒", "催化", "燃烧", "报警器"]
    one_word = expert_evidence(expert, {"f:sensor": 1.0}, words, ["传感器", "形状记忆合金"])
    assert one_word.direct_strength == 1.0 and one_word.text_coverage < 0.15
    assert judge({"f:sensor": 1.0}, [expert], {"e:msma": one_word}).abstain
    # the same path with some of the demand's words (2 of 7) makes the list trusted
    on_topic = expert_evidence(expert, {"f:sensor": 1.0}, words, ["传感器", "催化", "燃烧"])
    assert not judge({"f:sensor": 1.0}, [expert], {"e:msma": on_topic}).abstain
    # the old rule (a path of strength ≥ 0.75 vouches alone) is still a setting
    assert not judge({"f:sensor": 1.0}, [expert], {"e:msma": one_word}, strong_strength=0.75).abstain


def test_with_two_vouching_experts_required_one_backed_expert_does_not_trust_the_list_but_is_named():
    from recommend.abstention import FEW_VOUCH_MESSAGE

    words = ["齿轮", "热处理", "变形", "渗碳", "淬火"]
    path = FieldPath("f:metal", 0.5, "f:metal", 1.0, 1.0, "expert_in", ("child",))
    backed = ScoredExpert(CandidateFacts("e:jiang", "江某", paths=(path,)), 0.6, {}, {})
    others = [ScoredExpert(CandidateFacts(f"e:{i}", f"某{i}"), 0.5, {}, {}) for i in range(4)]
    evidence = {"e:jiang": expert_evidence(backed, {"f:metal": 1.0}, words, ["热处理", "合金"])}
    evidence |= {s.id: expert_evidence(s, {"f:metal": 1.0}, words, ["变形", "隧道"]) for s in others}
    shown = [backed, *others]
    assert all(ev.listed for ev in evidence.values())
    assert not judge({"f:metal": 1.0}, shown, evidence, shown=shown).abstain  # today's rule: one vouches for five
    two = judge({"f:metal": 1.0}, shown, evidence, shown=shown, min_vouching=2)
    assert two.abstain and two.message == FEW_VOUCH_MESSAGE.format(n=1, names="江某") and "江某" in two.message
    assert two.backed == ("e:jiang",)  # the verdict says which shown experts vouch (recorded per slot by the bench)
    # nobody vouching keeps the general words; a list of one backed expert is trusted (all of those shown vouch)
    assert judge({"f:metal": 1.0}, others, evidence, shown=others, min_vouching=2).message == ABSTAIN_MESSAGE
    assert not judge({"f:metal": 1.0}, [backed], evidence, shown=[backed], min_vouching=2).abstain
    # two vouching experts trust the list
    second = ScoredExpert(CandidateFacts("e:li", "李某", paths=(path,)), 0.55, {}, {})
    evidence["e:li"] = expert_evidence(second, {"f:metal": 1.0}, words, ["渗碳", "淬火"])
    assert not judge({"f:metal": 1.0}, [backed, second, *others], evidence, shown=[backed, second, *others],
                     min_vouching=2).abstain


def test_with_corroboration_a_lone_vouching_expert_needs_a_neighbour_with_evidence_of_its_own():
    """corro37 (setting abstain_corroboration, default off): one backed expert beside four that share only one word of
    seven does not trust the list; one neighbour with a path in the demand's field, or with two of the words, does."""
    from recommend.abstention import FEW_VOUCH_MESSAGE

    words = ["齿轮", "热处理", "变形", "渗碳", "淬火", "畸变", "校直"]
    path = FieldPath("f:metal", 0.5, "f:metal", 1.0, 1.0, "expert_in", ("child",))
    backed = ScoredExpert(CandidateFacts("e:jiang", "江某", paths=(path,)), 0.6, {}, {})
    others = [ScoredExpert(CandidateFacts(f"e:{i}", f"某{i}"), 0.5, {}, {}) for i in range(4)]
    evidence = {"e:jiang": expert_evidence(backed, {"f:metal": 1.0}, words, ["热处理", "渗碳", "合金"])}
    evidence |= {s.id: expert_evidence(s, {"f:metal": 1.0}, words, ["变形", "隧道"]) for s in others}
    shown = [backed, *others]
    assert all(ev.listed for ev in evidence.values()) and evidence["e:0"].text_coverage < 0.15
    assert not judge({"f:metal": 1.0}, shown, evidence, shown=shown).abstain  # off: one vouches for five
    lone = judge({"f:metal": 1.0}, shown, evidence, shown=shown, corroboration=True)
    assert lone.abstain and lone.message == FEW_VOUCH_MESSAGE.format(n=1, names="江某") and lone.backed == ("e:jiang",)
    # a neighbour with a field path of its own (no words needed), or with 2 of the 7 words (≥ 0.15), corroborates
    near = ScoredExpert(CandidateFacts("e:wang", "王某", paths=(path,)), 0.55, {}, {})
    evidence["e:wang"] = expert_evidence(near, {"f:metal": 1.0}, words, ["隧道"])
    assert not judge({"f:metal": 1.0}, [*shown, near], evidence, shown=[*shown, near], corroboration=True).abstain
    worded = ScoredExpert(CandidateFacts("e:li", "李某"), 0.55, {}, {})
    evidence["e:li"] = expert_evidence(worded, {"f:metal": 1.0}, words, ["畸变", "校直"])
    assert not evidence["e:li"].direct_fields
    assert not judge({"f:metal": 1.0}, [*shown, worded], evidence, shown=[*shown, worded], corroboration=True).abstain
