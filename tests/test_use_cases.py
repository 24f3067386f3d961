"""One use case, one implementation: the CLI, the JSON API and the pages give the same answer.

All three run over the same embedded store (the tiny world of ``tests/test_api.py`` plus d:4, a
demand with no region of its own posted by 杭州锂能, which is in 西湖区): the CLI opens the store's
directory itself, the app is given the store.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from test_api import build_app, key_for, world
from test_cli_workflow import Cli
from test_pages import csrf_of, signed_in

from api.auth import Role
from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch
from ingest.field_linking import understand_demand
from ingest.nlp import content_words
from recommend.engine import IndexCache, recommend_for_demand, recommend_for_text

TEXT = "高镍正极材料涂布缺陷检测，需要机器视觉方面的专家"


def _extra() -> Batch:
    return (Batch()
            .add_nodes(Label.DEMAND, [{"id": "d:4", "title": "极片缺陷在线检测", "status": "待对接"}])
            .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND, [{"start": "ent:1", "end": "d:4"}])
            .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD, [{"start": "d:4", "end": "f:inspect", "weight": 1.0}]))


@pytest.fixture
def three(tmp_path):
    """(cli, api client + headers, signed-in page client, store) over one store."""
    store = LocalStore(tmp_path / "var")
    store.write(world())
    store.write(_extra())
    app = build_app(store, tmp_path / "data")
    cli = Cli(tmp_path)
    assert cli.data == tmp_path / "var"
    yield cli, app.test_client(), key_for(app, Role.OFFICER), signed_in(app, Role.OFFICER), store
    store.close()


# -- demand selection (list push) ------------------------------------------------------------------
def _page_preview(page, query: str) -> list[str]:
    html = page.get(f"/pushes/batch?{query}").get_data(as_text=True)
    block = html.split('class="wf-preview"', 1)[1].split("</ul>", 1)[0] if 'class="wf-preview"' in html else ""
    return sorted(re.findall(r'/demands/([^"]+)"', block))


@pytest.mark.parametrize("region", ["浙江省", "330000", "region:330000", "杭州市", "330100"])
def test_list_push_selects_the_same_demands_through_cli_api_and_page(three, region):
    cli, api, headers, page, _ = three
    via_cli = sorted(d["id"] for d in cli.json("push-list", "--region", region, "--to", "Expert:e:sun", "--dry-run"))
    via_page = _page_preview(page, f"region={quote(region)}")
    pushed = api.post("/api/v1/pushes", headers=headers,
                      json={"filters": {"region": region}, "targets": [{"label": "Expert", "id": "e:sun"}]})
    assert pushed.status_code == 201, pushed.get_json()
    via_api = sorted(pushed.get_json()["demand_ids"])
    # d:4 has no region of its own: it is where its enterprise (西湖区 ⊂ 杭州市 ⊂ 浙江省) is
    assert via_cli == via_page == via_api == ["d:1", "d:4"]


def test_list_push_by_field_and_industry_agrees_too(three):
    cli, api, headers, page, _ = three
    via_cli = sorted(d["id"] for d in cli.json("push-list", "--field", "缺陷检测", "--to", "Expert:e:sun", "--dry-run"))
    via_page = _page_preview(page, "field=" + quote("缺陷检测"))
    pushed = api.post("/api/v1/pushes", headers=headers,
                      json={"filters": {"field": "缺陷检测"}, "targets": [{"label": "Expert", "id": "e:sun"}]})
    assert via_cli == via_page == sorted(pushed.get_json()["demand_ids"]) == ["d:1", "d:3", "d:4"]


def test_demand_lists_use_the_same_selection(three):
    _, api, headers, page, _ = three
    listed = api.get("/api/v1/demands?region=" + quote("杭州市"), headers=headers).get_json()
    assert [d["id"] for d in listed["items"]] == ["d:1", "d:4"] and listed["total"] == 2
    html = page.get("/demands?region=330100").get_data(as_text=True)
    assert "极片缺陷在线检测" in html and "高镍正极材料涂布缺陷检测" in html and "电池包热失控预警" not in html


def test_an_unknown_region_is_the_same_chinese_error_everywhere(three):
    cli, api, headers, page, _ = three
    reason = "未知的地区「火星」"
    assert reason in cli.fails("push-list", "--region", "火星", "--to", "Expert:e:sun")
    assert reason in cli.fails("recommend", "--text", TEXT, "--region", "火星")
    body = api.post("/api/v1/recommendations", headers=headers, json={"text": TEXT, "region": "火星"}).get_json()
    assert body["errors"][0]["field"] == "region" and reason in body["errors"][0]["message"]
    assert reason in page.get("/pushes/batch?region=" + quote("火星")).get_data(as_text=True)


# -- free-text recommendation ----------------------------------------------------------------------
def _page_ranking(page, region: str) -> list[tuple[str, str]]:
    form = page.get("/demands/new").get_data(as_text=True)
    html = page.post("/demands/new", data={"csrf_token": csrf_of(form), "action": "analyse", "title": TEXT,
                                           "region": region}).get_data(as_text=True)
    table = html.split('id="preview"', 1)[1].split("</table>", 1)[0]
    return [(name, score) for _, name, _, score in
            re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td><td>([\d.]+)</td></tr>", table)]


@pytest.mark.parametrize("region", ["杭州市", "330100", "region:330100"])
def test_free_text_recommendation_ranks_the_same_through_cli_api_and_page(three, region):
    cli, api, headers, page, store = three
    via_cli = cli.json("recommend", "--text", TEXT, "--region", region)
    via_api = api.post("/api/v1/recommendations", headers=headers, json={"text": TEXT, "region": region}).get_json()
    ranking = [(e["expert_id"], e["score"], e["components"]["region"]) for e in via_api["experts"]]
    assert ranking == [(e["expert_id"], e["score"], e["components"]["region"]) for e in via_cli["experts"]]
    on_page = _page_ranking(page, region)  # the page prints 3 decimals of the exact score, the API rounds to 4
    assert [n for n, _ in on_page] == [e["name"] for e in via_api["experts"]]
    assert all(abs(float(s) - e["score"]) <= 0.00051 for (_, s), e in zip(on_page, via_api["experts"], strict=True))
    direct = recommend_for_text(store, TEXT, tokenize=content_words, understand=understand_demand,
                                region_id="region:330100", index=IndexCache(content_words).get(store))
    assert [(e.scored.id, round(e.scored.score, 4)) for e in direct.experts] == [r[:2] for r in ranking]
    # 浙江大学 is in 杭州市: the region was understood (by name, code and id alike)
    assert {e["expert_id"]: e["components"]["region"] for e in via_api["experts"]}["e:li"] == 1.0


# -- region_mode=any -------------------------------------------------------------------------------
def test_region_mode_any_ignores_region(three):
    store = three[-1]
    prefer = recommend_for_demand(store, "d:1", tokenize=content_words)
    anywhere = recommend_for_demand(store, "d:1", tokenize=content_words, overrides={"region_mode": "any"})
    without = recommend_for_demand(store, "d:1", tokenize=content_words, overrides={"weight_region": 0.0})
    assert any(e.scored.components["region"] > 0 for e in prefer.experts)
    assert all(e.scored.components["region"] == 0 for e in anywhere.experts)
    assert [(e.scored.id, e.scored.score) for e in anywhere.experts] == \
        [(e.scored.id, e.scored.score) for e in without.experts]
    only = recommend_for_demand(store, "d:1", tokenize=content_words, overrides={"region_mode": "only"})
    assert "不在需求企业所在省份" in only.excluded.values()
    assert not any("省份" in why for why in anywhere.excluded.values())
