"""The pages in a real browser: headless Chromium (Debian's ``chromium``) driven over the DevTools protocol.

The app serves a tiny world (tests/test_pages.py's, with a demand titled
``<script>alert(1)</script>`` and an expert named ``<img src=x onerror=alert(1)>``) on
127.0.0.1. The browser signs in, analyses and submits a demand through the form, reads
its recommendations, explores the graph and opens the hostile pages. The test fails if
any request leaves 127.0.0.1, if any JavaScript dialog opens, if any script throws or
the console reports an error (a Content-Security-Policy violation included), or if a
graph canvas stays blank.

Chromium is required: when it is missing the test FAILS with the install hint (CI installs
it: ``apt-get install -y chromium fonts-wqy-microhei``). A developer may set
``KGMATCH_SKIP_BROWSER=1`` by hand to skip it, and pytest reports it as skipped with that reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser.cdp import Chromium, find_chromium, is_local_url
from browser.server import serving
from test_api import build_app
from test_pages import HOSTILE_IMG, HOSTILE_SCRIPT, PASSWORD, hostile_world

from graph.model import Label, RelType
from graph.store import Batch
from ingest.field_linking import understand_demand

pytestmark = pytest.mark.slow

DEMAND_TITLE = "高镍正极材料涂布缺陷检测"
DEMAND_TEXT = "需要识别正极极片涂布过程中的缺陷，提高锂电池良品率"

# How many non-white pixels a drawn graph has at least (a blank canvas has none).
_INK = """(function () {
  const canvas = document.querySelector(".kg-graph canvas");
  if (!canvas) { return -1; }
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) { ink += 1; }
  }
  return ink;
})()"""
_DRAWN = "document.querySelector('.kg-graph[data-drawn=\"1\"]') !== null"


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium executable; the test fails without one unless KGMATCH_SKIP_BROWSER=1 was set by hand."""
    if os.environ.get("KGMATCH_SKIP_BROWSER") == "1":
        pytest.skip("KGMATCH_SKIP_BROWSER=1 was set by hand: browser tests not run")
    found = find_chromium()
    if found is None:
        pytest.fail("The browser test needs Chromium and it is not installed. Install it with "
                    "`apt-get install -y chromium fonts-wqy-microhei` (the Makefile's test target does), "
                    "or set KGMATCH_CHROMIUM to its path.", pytrace=False)
    return found


def _linked_fields() -> Batch:
    """The fields the NLP links DEMAND_TITLE to, as nodes with 李明 expert in each, so the form's
    suggestions and the recommendations are real whatever the shipped model proposes."""
    understood = understand_demand(f"{DEMAND_TITLE}\n{DEMAND_TEXT}")
    ids = [f for f, _ in understood.fields]
    assert ids, "the NLP linked the demand text to no field"
    return (Batch()
            .add_nodes(Label.FIELD, [{"id": f, "name": f"领域 {f}", "scheme": f.split(":")[0]} for f in ids])
            .add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, [{"start": "e:li", "end": f, "weight": 1.0}
                                                                      for f in ids]))


def _ink(browser: Chromium) -> int:
    browser.wait_until(_DRAWN)
    return int(browser.evaluate(_INK))


def _double_click_node(browser: Chromium, href_part: str) -> None:
    """Double-click the drawn node whose link contains ``href_part`` and wait for the next page."""
    point = browser.evaluate(f"""(function (part) {{
      const figure = document.querySelector(".kg-graph");
      const links = Array.from(document.querySelectorAll("#kg-node-links li")).map(li => li.dataset.href);
      const index = links.findIndex(h => h.includes(part));
      const dom = figure.kgNetwork.canvasToDOM(figure.kgNetwork.getPositions([index])[index]);
      const box = figure.querySelector(".kg-graph-canvas").getBoundingClientRect();
      return {{x: box.left + dom.x, y: box.top + dom.y}};
    }})({json.dumps(href_part)})""")
    for count in (1, 2):
        for kind in ("mousePressed", "mouseReleased"):
            browser.send("Input.dispatchMouseEvent", type=kind, x=point["x"], y=point["y"], button="left",
                         clickCount=count)
    browser.wait_for_event("Page.loadEventFired")


def test_a_user_signs_in_submits_a_demand_reads_recommendations_and_explores_the_graph(
        chromium, local_store, tmp_path):
    local_store.write(hostile_world())
    local_store.write(_linked_fields())
    app = build_app(local_store, tmp_path / "data")
    app.extensions["kgmatch"].users.add_user("zhou", "officer", PASSWORD)
    shots = tmp_path / "screenshots"
    with serving(app) as base, Chromium(chromium, width=1366, height=900, timeout=60) as browser:
        # Signing in from a page sends the user back to it.
        browser.navigate(f"{base}/demands/new")
        assert browser.evaluate("location.pathname") == "/login"
        browser.fill({"#username": "zhou", "#password": PASSWORD})
        browser.submit("document.querySelector('form').submit()")
        assert browser.evaluate("location.pathname") == "/demands/new"

        # 分析需求: the suggested fields come back checked, the typed values stay.
        browser.fill({"#in-title": DEMAND_TITLE, "#in-description": DEMAND_TEXT, "#in-region": "杭州市"})
        browser.submit("document.querySelector('button[value=analyse]').click()")
        checked = browser.evaluate("document.querySelectorAll('input[name=fields]:checked').length")
        assert checked >= 1 and browser.evaluate("document.querySelector('#in-region').value") == "杭州市"
        browser.screenshot(shots / "form.png")

        # 提交需求: the demand opens with its recommendations and the explanation graph.
        browser.submit("document.querySelector('button[value=submit]').click()")
        assert browser.evaluate("location.pathname").startswith("/demands/demand:web-")
        assert browser.evaluate("document.querySelector('h1').firstChild.textContent.trim()") == DEMAND_TITLE
        assert "需求已提交" in browser.evaluate("document.querySelector('.flash').textContent")
        assert browser.evaluate("document.querySelector('td.rank + td a').textContent") == "李明"
        assert _ink(browser) > 500
        browser.screenshot(shots / "recommendations.png")

        # 图谱浏览: search, open the expert, draw; double-click a node to move on.
        browser.navigate(f"{base}/graph")
        browser.fill({"#q": "李明"})
        browser.submit("document.querySelector('form[role=search]').submit()")
        browser.submit("document.querySelector('.card table a').click()")
        assert browser.evaluate("document.querySelector('#centre-h').textContent") == "专家：李明"
        assert _ink(browser) > 500
        browser.screenshot(shots / "graph.png")
        _double_click_node(browser, "i:zju")
        assert browser.evaluate("document.querySelector('#centre-h').textContent") == "机构：浙江大学"
        assert _ink(browser) > 200

        # Hostile names are text: shown literally, never run.
        browser.navigate(f"{base}/demands/d:evil")
        assert browser.evaluate("document.querySelector('h1').firstChild.textContent.trim()") == HOSTILE_SCRIPT
        assert _ink(browser) > 200
        browser.navigate(f"{base}/graph/{Label.EXPERT.value}/e:evil?depth=2")
        assert browser.evaluate("document.querySelector('#centre-h').textContent") == f"专家：{HOSTILE_IMG}"
        assert _ink(browser) > 200
        browser.navigate(f"{base}/demands/d:1")
        assert HOSTILE_IMG in browser.evaluate("document.body.innerText") and _ink(browser) > 200
        browser.navigate(f"{base}/graph?q=alert")
        browser.navigate(f"{base}/stats")
        assert browser.evaluate("document.querySelectorAll('svg.chart rect').length") > 5
        browser.screenshot(shots / "stats.png")
        browser.navigate(f"{base}/demands")
        assert HOSTILE_SCRIPT in browser.evaluate("document.body.innerText")

        requests, dialogs = list(browser.requests), list(browser.dialogs)
        exceptions, console = list(browser.exceptions), list(browser.console_errors)
    assert requests and all(u.startswith(base) or u.startswith("data:") for u in requests if is_local_url(u))
    assert [u for u in requests if not is_local_url(u)] == [], "the pages reached outside 127.0.0.1"
    assert dialogs == [], "a JavaScript dialog opened: hostile data ran as script"
    assert exceptions == [] and console == []
    for name in ("form.png", "recommendations.png", "graph.png", "stats.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_driver_flags_outside_addresses():
    assert not is_local_url("https://unpkg.com/vis-network/standalone/umd/vis-network.min.js")
    assert not is_local_url("http://10.0.0.1/x") and is_local_url("http://localhost:5000/")
    assert is_local_url(Path("/tmp/x.png").resolve().as_uri().replace("file://", "data:"))
