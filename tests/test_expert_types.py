"""Expert types (人才计划入选者, 科技计划项目承担者, …): the scoring component, the filter in CLI, API and pages."""

from __future__ import annotations

import pytest
from test_api import check_against_openapi
from test_pages import signed_in

from api.auth import Role
from graph.errors import ValidationError
from graph.model import Label
from graph.store import Batch
from recommend.config import DEFAULTS, resolve
from recommend.scoring import (
    EXPERT_TYPES,
    CandidateFacts,
    DemandFacts,
    ProjectFact,
    apply_filters,
    expert_type,
    expert_types,
)

ACADEMICIAN = CandidateFacts("e:a", "院士", talent_titles=("中国工程院院士",))
PROGRAMME = CandidateFacts("e:k", "承担者", programmes=("国家重点研发计划·材料基因工程关键技术与支撑平台",))
NSFC_PI = CandidateFacts("e:n", "负责人", projects=(ProjectFact("nsfc:1", "t", "lead"),))
JIEQING = CandidateFacts("e:j", "杰青", projects=(ProjectFact("nsfc:2", "t", "lead", fund_type="国家杰出青年科学基金"),))


@pytest.mark.parametrize(("facts", "types", "score"), [
    (ACADEMICIAN, ("人才计划入选者",), 0.3),
    (PROGRAMME, ("科技计划项目承担者",), 0.5),
    (NSFC_PI, ("基金项目负责人",), 0.5),
    (JIEQING, ("人才计划入选者", "基金项目负责人"), 0.8),
    (CandidateFacts("e:x", "无"), (), 0.0),
])
def test_types_and_the_type_component(facts, types, score):
    assert expert_types(facts) == types
    weights = {name: float(DEFAULTS[f"type_{name}"]) for name in ("lead", "talent", "pool")}
    assert expert_type(facts, **weights) == pytest.approx(score)


def test_the_filter_keeps_only_the_chosen_type():
    demand = DemandFacts("d", "", {}, 2026)
    kept, why = apply_filters(demand, [ACADEMICIAN, PROGRAMME, NSFC_PI, JIEQING],
                              resolve({"expert_type": "人才计划入选者"}))
    assert [c.id for c in kept] == ["e:a", "e:j"]
    assert why == {"e:k": "不是人才计划入选者", "e:n": "不是人才计划入选者"}
    assert len(apply_filters(demand, [ACADEMICIAN, PROGRAMME], resolve({}))[0]) == 2


def test_an_unknown_type_is_a_chinese_error_naming_the_setting():
    with pytest.raises(ValidationError) as err:
        resolve({"expert_type": "诺贝尔奖得主"})
    assert [e.message() for e in err.value.errors] == ["「expert_type」只能是" + "、".join(EXPERT_TYPES) + "，或留空"]


def _flag(local_store):
    local_store.write(Batch().add_nodes(Label.EXPERT, [{"id": "e:wang", "name": "王强",
                                                        "talent_titles": ["中国科学院院士"]}]))


def test_api_filters_recommendations_by_expert_type(app, local_store, officer):
    _flag(local_store)
    response = officer.get("/api/v1/demands/d:1/recommendations", query_string={"expert_type": "人才计划入选者"})
    assert response.status_code == 200
    check_against_openapi(app, response)
    body = response.get_json()
    assert [e["expert_id"] for e in body["experts"]] == ["e:wang"]
    assert body["settings"]["expert_type"] == "人才计划入选者"
    bad = officer.get("/api/v1/demands/d:1/recommendations", query_string={"expert_type": "x"})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "expert_type"


def test_openapi_lists_the_expert_types(officer):
    document = officer.get("/api/v1/openapi.json").get_json()
    params = document["paths"]["/api/v1/demands/{demand_id}/recommendations"]["get"]["parameters"]
    schema = next(p["schema"] for p in params if p["name"] == "expert_type")
    assert schema["enum"] == ["", *EXPERT_TYPES]


def test_demand_page_offers_and_applies_the_type_filter(app, local_store):
    _flag(local_store)
    html = signed_in(app, Role.OFFICER).get("/demands/d:1?expert_type=人才计划入选者").get_data(as_text=True)
    assert '<option value="人才计划入选者" selected>人才计划入选者</option>' in html
    assert "王强" in html and "李明" not in html.split('id="experts-h"')[1].split("</table>")[0]


def test_dashboard_shows_expert_supply_per_field(app, local_store):
    local_store.write(Batch()
                      .add_nodes(Label.FIELD, [{"id": "ht2016:10", "name": "电子信息", "scheme": "ht2016", "code": "10",
                                                "level": 1}])
                      .add_rels("EXPERT_IN", Label.EXPERT, Label.FIELD,
                                [{"start": "e:li", "end": "ht2016:10", "weight": 0.5, "source": "academician"}]))
    html = signed_in(app, Role.ANALYST).get("/stats").get_data(as_text=True)
    section = html.split('id="coverage-h"')[1]
    assert "10 电子信息" in section and "差 199 位" in section
