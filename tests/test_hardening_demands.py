"""Issue 14 items 3–5: demands are validated once (form, API, import), re-imports leave the workflow
alone, and creating a demand with a given id is atomic — on both stores."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from test_api import build_app, key_for, world

from api.auth import Role
from graph import clock
from graph.errors import ConflictError
from graph.model import Label, RelType
from graph.store import Batch, Direction, NodeRef
from ingest.importers import import_rows
from ingest.readers import Row

TOMORROW = (clock.today() + timedelta(days=30)).isoformat()


def _needs(store, demand_id: str) -> dict[str, float]:
    pairs = store.expand([NodeRef(Label.DEMAND, demand_id)], direction=Direction.OUT, rel_types=[RelType.NEEDS])
    return {nb.node.id: float(nb.rel.props.get("weight", 1.0)) for _, nb in pairs}


# -- item 3: a re-import changes only the columns the file carries; status belongs to the workflow ------


def test_a_partial_reimport_keeps_status_keywords_and_fields(store):
    store.write(world())
    store.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "status": "已解决",
                                       "keywords": ["高镍", "涂布"]}])
    before = _needs(store, "d:1")
    report = import_rows([Row(2, {"id": "d:1", "title": "高镍正极材料涂布缺陷在线检测", "phone": "13800000009"})],
                         "demand", store, source="partial.csv")
    assert report.ok, report.errors
    props = store.get_node(Label.DEMAND, "d:1").props
    assert props["status"] == "已解决"
    assert props["keywords"] == ["高镍", "涂布"]
    assert (props["title"], props["phone"]) == ("高镍正极材料涂布缺陷在线检测", "13800000009")
    assert _needs(store, "d:1") == before


def test_a_reimport_cannot_reopen_a_solved_demand_through_its_status_column(store):
    store.write(world())
    store.upsert_nodes(Label.DEMAND, [{"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "status": "已解决"}])
    report = import_rows([Row(2, {"id": "d:1", "title": "高镍正极材料涂布缺陷检测", "status": "待对接"})],
                         "demand", store, source="again.csv")
    assert report.ok
    assert store.get_node(Label.DEMAND, "d:1").props["status"] == "已解决"


def test_a_new_demand_row_takes_a_status_only_from_the_workflow_states(store):
    store.write(world())
    report = import_rows([Row(2, {"id": "d:new", "title": "新需求", "status": "<b>随便</b>"}),
                          Row(3, {"id": "d:old", "title": "历史需求", "status": "已解决"})],
                         "demand", store, source="new.csv")
    assert [(e.row, e.field) for e in report.errors] == [(2, "status")]
    assert store.get_node(Label.DEMAND, "d:new") is None
    assert store.get_node(Label.DEMAND, "d:old").props["status"] == "已解决"


# -- item 4: one validation for form, API and import ---------------------------------------------------


@pytest.mark.parametrize("body, field", [
    ({"title": False}, "title"),
    ({"title": 12345}, "title"),
    ({"title": "12345"}, "title"),
    ({"title": "x" * 20_000}, "title"),
    ({"title": "电池检测", "budget_wan": -50}, "budget_wan"),
    ({"title": "电池检测", "budget_wan": 1e300}, "budget_wan"),
    ({"title": "电池检测", "deadline": "1999-01-01"}, "deadline"),
    ({"title": "电池检测", "status": "已解决"}, "status"),
    ({"title": "电池检测", "status": "<b>随便</b>"}, "status"),
    ({"title": "电池检测", "description": ["a"]}, "description"),
    ({"title": "电池检测", "contact": True}, "contact"),
])
def test_the_demand_api_refuses_what_the_intake_form_refuses(app, client, body, field):
    before = app.extensions["kgmatch"].store().count_nodes(Label.DEMAND)
    response = client.post("/api/v1/demands", json=body, headers=key_for(app, Role.PORTAL))
    assert response.status_code == 400, response.get_json()
    errors = response.get_json()["errors"]
    assert field in {e["field"] for e in errors}, errors
    assert app.extensions["kgmatch"].store().count_nodes(Label.DEMAND) == before  # nothing written


def test_the_demand_api_still_creates_a_good_demand(app, client):
    body = {"title": "高镍正极涂布缺陷检测", "budget_wan": 50, "deadline": TOMORROW, "status": "待对接"}
    response = client.post("/api/v1/demands", json=body, headers=key_for(app, Role.PORTAL))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "待对接"


def test_the_intake_form_uses_the_same_rules(app, officer):
    from helpers.pages import field_errors, post_form

    response = post_form(officer, "/demands/new", {"title": "12345", "budget_wan": "-1", "deadline": "1999-01-01",
                                                   "action": "submit"}, page="/demands/new")
    assert response.status_code == 400
    assert field_errors(response, "title") and field_errors(response, "budget_wan")
    assert field_errors(response, "deadline")


def test_an_import_refuses_a_deadline_before_the_posted_date_and_a_negative_budget(store):
    store.write(world())
    report = import_rows([Row(2, {"id": "d:x", "title": "电池检测", "posted": "2024-03-01", "deadline": "2023-01-01"}),
                          Row(3, {"id": "d:y", "title": "电池检测二", "budget_wan": "-5"}),
                          Row(4, {"id": "d:z", "title": "电池检测三", "posted": "2020-01-01", "deadline": "2020-06-01"})],
                         "demand", store, source="x.csv")
    assert sorted((e.row, e.field) for e in report.errors) == [(2, "deadline"), (3, "budget_wan")]
    assert store.get_node(Label.DEMAND, "d:z") is not None  # history may have past deadlines


def test_the_importer_knows_the_workflows_demand_states():
    from ingest.demand_rules import DEMAND_STATUSES
    from workflow.states import DEMAND

    assert DEMAND_STATUSES == DEMAND.states and DEMAND_STATUSES[0] == DEMAND.initial


def test_check_demand_values_names_each_problem_in_chinese():
    from ingest.demand_rules import check_demand_values

    problems = check_demand_values({"title": "!!!", "budget_wan": -1.0, "deadline": "2020-01-01"},
                                   today=date(2026, 1, 1), text_limit=5000, intake=True)
    assert {field for field, _ in problems} == {"title", "budget_wan", "deadline"}
    assert all(reason and not reason.isascii() for _, reason in problems)


# -- item 5: creating a demand with a given id is atomic ----------------------------------------------


def test_a_create_guard_lets_exactly_one_of_two_writers_create_a_node(store):
    store.write(world())
    ref = NodeRef(Label.DEMAND, "d:race")
    store.write(Batch(create=[ref]).add_nodes(Label.DEMAND, [{"id": "d:race", "title": "第一"}]))
    with pytest.raises(ConflictError):
        store.write(Batch(create=[ref]).add_nodes(Label.DEMAND, [{"id": "d:race", "title": "第二"}]))
    assert store.get_node(Label.DEMAND, "d:race").props["title"] == "第一"


def test_concurrent_creates_of_one_demand_id_give_one_201_and_the_rest_409(store, tmp_path):
    store.write(world())
    app = build_app(store, tmp_path / "data")
    headers = key_for(app, Role.PORTAL)
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    titles: list[str] = []

    def post(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/demands", json={"id": "d:race", "title": f"并发需求{n}号"}, headers=headers)
        statuses.append(response.status_code)
        if response.status_code == 201:
            titles.append(response.get_json()["title"])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 7
    assert store.get_node(Label.DEMAND, "d:race").props["title"] == titles[0]  # the winner's, not the last writer's
