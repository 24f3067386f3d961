"""Issue 14 item 9: the OpenAPI document says what the server does (limits, empty values, methods)."""

from __future__ import annotations

import pytest
from test_api import key_for

from api.auth import Role


@pytest.fixture
def doc(app, client):
    return client.get("/api/v1/openapi.json", headers=key_for(app, Role.OFFICER)).get_json()


def _body(doc, path, method="post"):
    ref = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_limits_the_server_enforces_are_in_the_document(doc):
    page = next(p for p in doc["paths"]["/api/v1/demands"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 1_000_000
    assert _body(doc, "/api/v1/vouchers/{voucher_id}/redemptions")["properties"]["amount"]["maximum"] == 10_000_000
    remind = _body(doc, "/api/v1/pushes/reminders")["properties"]["after_hours"]
    assert remind["minimum"] == 1 and remind["maximum"] > 80_000
    for path, name in [("/api/v1/challenges/{challenge_id}/bids", "proposal"),
                       ("/api/v1/vouchers/{voucher_id}/void", "reason"),
                       ("/api/v1/challenges/{challenge_id}/select", "bid_id")]:
        assert _body(doc, path)["properties"][name]["minLength"] == 1, (path, name)
    target = _body(doc, "/api/v1/demands/{demand_id}/pushes")["properties"]["targets"]["items"]
    assert target["properties"]["id"]["minLength"] == 1


def test_post_demands_refuses_extra_properties_and_says_so(app, client, doc):
    schema = _body(doc, "/api/v1/demands")
    assert schema["additionalProperties"] is False and "需求标题" in schema["properties"]
    response = client.post("/api/v1/demands", json={"title": "检测", "colour": "red"}, headers=key_for(app, Role.PORTAL))
    assert response.status_code == 400


def test_an_integral_number_is_an_integer_as_json_schema_says(app, client):
    response = client.post("/api/v1/services/svc:none/rating", json={"rating": 3.0}, headers=key_for(app, Role.PORTAL))
    assert response.status_code == 404, response.get_json()  # the rating was read; the service does not exist
    half = client.post("/api/v1/services/svc:none/rating", json={"rating": 3.5}, headers=key_for(app, Role.PORTAL))
    assert half.status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/demands?page=", "/api/v1/demands?status=", "/api/v1/experts?per_page=",
                                 "/api/v1/pushes?status="])
def test_an_empty_query_parameter_is_refused(app, client, url):
    response = client.get(url, headers=key_for(app, Role.OFFICER))
    assert response.status_code == 400 and "不能为空" in response.get_json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/challenges/ch:1/bids", "/api/v1/vouchers/v:1/void",
                                  "/api/v1/dispatches/dp:1/services", "/api/v1/demands/d:1/challenge"])
def test_options_on_a_post_only_path_does_not_advertise_get(app, client, path):
    response = client.options(path, headers=key_for(app, Role.OFFICER))
    assert "GET" not in response.headers["Allow"] and "POST" in response.headers["Allow"]
    assert client.get(path, headers=key_for(app, Role.OFFICER)).status_code == 405


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/pushes/reminders", {"after_hours": None}, "after_hours"),  # found by `make fuzz`: was a 200
    ("/api/v1/recommendations", {"text": "锂电池正极材料", "settings": None}, "settings"),  # was a 200
    ("/api/v1/demands", {"title": "正极材料", "标题": None}, "标题"),  # was a 201
])
def test_a_null_the_document_does_not_allow_is_refused_naming_the_key(app, client, doc, path, body, field):
    schema = _body(doc, path)["properties"][field]
    assert "null" not in str(schema.get("type")), schema  # the document does not allow it ...
    response = client.post(path, json=body, headers=key_for(app, Role.OFFICER))
    assert response.status_code == 400  # ... and neither does the server
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    assert "不能为 null" in response.get_json()["error"]


def test_a_null_the_document_allows_is_accepted(app, client, doc):
    assert "null" in _body(doc, "/api/v1/activities")["properties"]["capacity"]["type"]
    body = {"title": "电池材料路演", "kind": "项目路演", "start_date": "2030-06-01"}
    with_null = client.post("/api/v1/activities", json={**body, "capacity": None}, headers=key_for(app, Role.OFFICER))
    assert with_null.status_code == 201, with_null.get_json()
    without = client.post("/api/v1/activities", json=body, headers=key_for(app, Role.OFFICER))
    assert with_null.get_json()["capacity"] == without.get_json()["capacity"]  # null means "not given"


@pytest.mark.parametrize("url", ["/api/v1/reports/export.xlsx?kinds=,",  # found by `make fuzz`: was every report
                                 "/api/v1/reports/export.xlsx?kinds=supply_demand,,",
                                 "/api/v1/graph/Expert/e:li?rel_types=,"])
def test_an_empty_item_of_a_list_parameter_is_refused(app, client, url):
    response = client.get(url, headers=key_for(app, Role.OFFICER))
    assert response.status_code == 400
    assert "空项" in response.get_json()["error"]
