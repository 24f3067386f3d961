"""render/: offline, escaped, bounded drawings; and, where Chromium exists, a real browser check."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.model import Label, RelType
from graph.store import Node, Relationship, Subgraph
from recommend.explain import ExplainedPath, PathStep
from render import (
    INIT_SCRIPT,
    INIT_SCRIPT_CSP_HASH,
    LABEL_STYLES,
    SCRIPT_FILE,
    DrawEdge,
    Drawing,
    DrawNode,
    build_payload,
    explanation_graph,
    layered_positions,
    layout_positions,
    node_key,
    prepare_subgraph,
    render_drawing,
    render_explanation,
    render_page,
    render_subgraph,
    script_json,
)

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "api" / "static" / "vendor" / "vis-network"
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',  # a tooltip with "href" switches pyvis to its innerHTML popup
    "</script><script>alert(1)</script>",
    "<!--<script>",
    "https://evil.example/x",
    "行\u2028分\u2029段",
]
_DATA = re.compile(r'<script type="application/json" class="kg-graph-data">(.*?)</script>', re.S)


def _node(label: Label, node_id: str, name: str | None = None) -> Node:
    return Node(label, node_id, {"name": name or node_id})


def _rel(rel_type: RelType, start: Node, end: Node) -> Relationship:
    return Relationship(rel_type, start.ref, end.ref, {})


def _hostile_subgraph() -> Subgraph:
    centre = _node(Label.DEMAND, "d1", HOSTILE[0])
    others = [_node(Label.FIELD, f"f{i}", name) for i, name in enumerate(HOSTILE[1:])]
    return Subgraph([centre, *others], [_rel(RelType.NEEDS, centre, f) for f in others], False)


def _crowd() -> Subgraph:
    """A field with 12 experts (e01–e03 at inst1, e12 alone at inst2) and 4 projects."""
    field = _node(Label.FIELD, "f0", "储能")
    experts = [_node(Label.EXPERT, f"e{i:02d}") for i in range(1, 13)]
    inst1, inst2 = _node(Label.INSTITUTION, "inst1"), _node(Label.INSTITUTION, "inst2")
    projects = [_node(Label.PROJECT, f"p{i}") for i in range(1, 5)]
    rels = [_rel(RelType.EXPERT_IN, e, field) for e in experts]
    rels += [_rel(RelType.WORKS_AT, e, inst1) for e in experts[:3]] + [_rel(RelType.WORKS_AT, experts[11], inst2)]
    rels += [_rel(RelType.IN_FIELD, p, field) for p in projects]
    return Subgraph([field, *experts, inst1, inst2, *projects], sorted(rels, key=Relationship.sort_key), False)


def _embedded(page: str) -> dict:
    (text,) = _DATA.findall(page)
    return json.loads(text)


def _paths() -> list[ExplainedPath]:
    def step(kind: str, node_id: str, name: str, link: str = "") -> PathStep:
        return PathStep(kind, node_id, name, link)

    return [
        ExplainedPath((step("demand", "d1", "退役电池回收"), step("field", "f1", "储能", "需要"),
                       step("project", "p1", "梯次利用", "所属项目"), step("expert", "e1", "张三", "负责人")), 0.9),
        ExplainedPath((step("demand", "d1", "退役电池回收"), step("field", "f1", "储能", "需要"),
                       step("expert", "e2", "李四", "擅长")), 0.4),
        ExplainedPath((step("demand", "d1", "退役电池回收"), step("field", "f1", "储能", "需要"),
                       step("expert", "e1", "张三", "擅长")), 0.3),
    ]


# -- offline -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("physics", [False, True])
def test_pages_contain_no_internet_url_even_when_the_data_does(physics):
    fragment = render_subgraph(_hostile_subgraph(), title="https://evil.example/标题", physics=physics)
    explanation = render_explanation(_paths(), include_library=False)
    page = render_page(fragment, explanation, title="http://evil.example/")
    assert "http://" not in page and "https://" not in page
    assert '<script src="/static/vendor/vis-network/vis-network.min.js"></script>' in page
    assert '<link rel="stylesheet" href="/static/vendor/vis-network/vis-network.min.css">' in page
    assert page.count("vis-network.min.js") == 1  # the second graph reuses the library


def test_script_and_css_urls_are_configurable_local_paths():
    fragment = render_subgraph(_crowd(), script_url="../vendor/vis.js", css_url="vis.css")
    assert '<script src="../vendor/vis.js"></script>' in fragment and 'href="vis.css"' in fragment


@pytest.mark.parametrize("url", ["https://cdn.example/vis.js", "http://10.0.0.1/vis.js", "//cdn.example/vis.js",
                                 "javascript:alert(1)", "/\\cdn.example/vis.js", "", 'a.js" onload="x'])
def test_urls_with_a_scheme_or_host_are_refused(url):
    with pytest.raises(ValidationError, match="script_url"):
        render_subgraph(_crowd(), script_url=url)
    with pytest.raises(ValidationError, match="css_url"):
        render_subgraph(_crowd(), css_url=url)


def test_vendored_vis_network_is_present_with_its_source_note():
    assert (VENDOR / "vis-network.min.js").stat().st_size > 100_000
    assert (VENDOR / "vis-network.min.css").is_file()
    note = (VENDOR / "SOURCE.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((VENDOR / "vis-network.min.js").read_bytes()).hexdigest()
    assert "vis-network" in note and "9.1.2" in note and "Apache-2.0" in note and digest in note


def test_pyvis_own_template_is_why_we_render_our_own():
    """pyvis 0.3.2's page links CDNs in every mode, prints the heading raw and may use innerHTML."""
    from pyvis.network import Network

    for mode in ("local", "in_line", "remote"):
        net = Network(cdn_resources=mode, heading="<script>alert(1)</script>")
        net.add_node(1, label="x", title=HOSTILE[2])
        page = net.generate_html()
        assert "https://" in page, mode
        assert "<h1><script>alert(1)</script></h1>" in page, mode
        assert "popup.innerHTML = nodeData[0].title" in page, mode


# -- escaping ----------------------------------------------------------------------------------------
def test_hostile_names_never_appear_unescaped():
    page = render_page(render_subgraph(_hostile_subgraph(), title=HOSTILE[1] + HOSTILE[2]), title=HOSTILE[0])
    for name in HOSTILE:
        assert name not in page, name
    assert page.count("<script") == 3  # vis-network, the JSON data, the constant init script
    assert page.count("</script>") == 3
    assert "<img" not in page and "<a " not in page and "<!--" not in page
    assert "&lt;script&gt;alert(1)&lt;&#47;script&gt;" in page  # the <title>, <h1> as text
    assert "innerHTML" not in page and "outerHTML" not in page


def test_embedded_json_parses_back_to_the_same_data():
    subgraph = _hostile_subgraph()
    page = render_subgraph(subgraph, seed=11)
    data = _embedded(page)
    assert data == build_payload(prepare_subgraph(subgraph), seed=11)
    assert [tip.split("\n")[0].split("：", 1)[1] for tip in data["nodeTips"]] == HOSTILE
    assert all("title" not in item for item in data["nodes"] + data["edges"])  # vis-network's popup never runs


def test_script_end_tag_in_a_name_cannot_break_out():
    (text,) = _DATA.findall(render_subgraph(_hostile_subgraph()))
    assert "</" not in text and "<!--" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(script_json({"a": "</script>\u2028"})) == {"a": "</script>\u2028"}


def test_the_init_script_is_constant_text_only_and_allowed_by_its_csp_hash():
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in INIT_SCRIPT
    digest = base64.b64encode(hashlib.sha256(INIT_SCRIPT.encode()).digest()).decode()
    assert INIT_SCRIPT_CSP_HASH == f"'sha256-{digest}'"
    fragment = render_subgraph(_hostile_subgraph(), nonce="abc123")
    assert f'<script nonce="abc123">{INIT_SCRIPT}</script>' in fragment
    with pytest.raises(ValidationError, match="nonce"):
        render_subgraph(_hostile_subgraph(), nonce='x" onload="alert(1)')


@pytest.mark.parametrize("height", ["640px", "70vh", "100%"])
def test_height_is_a_css_length(height):
    assert _embedded(render_subgraph(_crowd(), height=height))["height"] == height


def test_a_height_that_is_not_a_css_length_is_refused():
    with pytest.raises(ValidationError, match="height"):
        render_subgraph(_crowd(), height="1px;background:url(x)")


# -- aggregation and the cap ---------------------------------------------------------------------------
def test_crowds_collapse_into_one_aggregate_node_per_label():
    drawing = prepare_subgraph(_crowd(), aggregate_over=3)
    assert [n.key for n in drawing.nodes] == [
        node_key(_node(Label.FIELD, "f0")),
        f"+{Label.FIELD.value}:f0>{Label.EXPERT.value}", f"+{Label.FIELD.value}:f0>{Label.PROJECT.value}",
        node_key(_node(Label.EXPERT, "e01")), node_key(_node(Label.EXPERT, "e02")),
        node_key(_node(Label.PROJECT, "p1")), node_key(_node(Label.PROJECT, "p2")),
        node_key(_node(Label.INSTITUTION, "inst1")),
    ]
    aggregates = {n.name: n.aggregate for n in drawing.nodes if n.aggregate}
    assert aggregates == {"另有 10 位专家…": 10, "另有 2 个项目…": 2}
    assert len(drawing.edges) == 8
    assert {(e.text, e.target) for e in drawing.edges if e.source.startswith("+")} == {
        ("擅长", drawing.center), ("所属领域", drawing.center)}
    assert drawing.hidden == {"orphans": 1}  # inst2 hung only on e12, which was collapsed
    assert drawing.notes == ("另有 1 个节点只与已折叠的节点相连，未显示。",)
    assert not drawing.truncated


def test_the_cap_keeps_the_nodes_nearest_the_centre():
    drawing = prepare_subgraph(_crowd(), aggregate_over=3, max_nodes=5)
    assert len(drawing.nodes) == 5 and drawing.truncated
    assert [n.aggregate for n in drawing.nodes] == [0, 10, 2, 0, 0]
    assert len(drawing.edges) == 4
    assert drawing.hidden == {"orphans": 1, "capped": 3}
    assert "另有 3 个节点超出显示上限（5 个），未显示。" in drawing.notes


def test_a_crowd_behind_a_collapsed_node_goes_with_it():
    field = _node(Label.FIELD, "f0")
    experts = [_node(Label.EXPERT, f"e{i}") for i in range(1, 5)]
    inst_a, inst_b = _node(Label.INSTITUTION, "a"), _node(Label.INSTITUTION, "b")
    staff = [_node(Label.EXPERT, f"x{i}") for i in range(1, 4)]
    rels = [_rel(RelType.EXPERT_IN, e, field) for e in experts] + [_rel(RelType.WORKS_AT, experts[0], inst_a),
                                                                   _rel(RelType.WORKS_AT, experts[3], inst_b)]
    rels += [_rel(RelType.WORKS_AT, x, inst_b) for x in staff]
    drawing = prepare_subgraph(Subgraph([field, *experts, inst_a, inst_b, *staff], rels, False), aggregate_over=2)
    # e4 is collapsed, so institution b, the one staff member it kept and its "另有 2 位专家…" go too.
    assert [n.key for n in drawing.nodes] == [node_key(field), f"+{node_key(field)}>{Label.EXPERT.value}",
                                              node_key(experts[0]), node_key(inst_a)]
    assert drawing.hidden == {"orphans": 4} and len(drawing.edges) == 3


def test_no_aggregation_up_to_the_threshold():
    drawing = prepare_subgraph(_crowd(), aggregate_over=12)
    assert len(drawing.nodes) == 19 and not any(n.aggregate for n in drawing.nodes)
    assert len(drawing.edges) == 12 + 4 + 4


def test_a_store_truncated_subgraph_says_so():
    crowd = _crowd()
    drawing = prepare_subgraph(Subgraph(crowd.nodes, crowd.relationships, True))
    assert drawing.truncated and drawing.notes[0].startswith("图谱较大")


@pytest.mark.parametrize(("kwargs", "field"), [({"max_nodes": 0}, "max_nodes"), ({"aggregate_over": 1}, "aggregate_over"),
                                               ({"center": _node(Label.EXPERT, "nobody").ref}, "center")])
def test_bad_bounds_or_centre_are_refused(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        prepare_subgraph(_crowd(), **kwargs)


def test_an_empty_subgraph_draws_nothing_without_error():
    page = render_subgraph(Subgraph([], [], False))
    assert _embedded(page)["nodes"] == []


def test_relationships_both_ways_are_one_line():
    a, b = _node(Label.FIELD, "a"), _node(Label.FIELD, "b")
    drawing = prepare_subgraph(Subgraph([a, b], [_rel(RelType.RELATED_TO, a, b), _rel(RelType.RELATED_TO, b, a)], False))
    edges = build_payload(drawing)["edges"]
    assert len(edges) == 1 and edges[0]["label"] == "相关领域" and edges[0]["arrows"] == {"to": {"enabled": False}}


# -- layout ------------------------------------------------------------------------------------------
def test_layout_is_deterministic_for_a_seed_and_centred():
    drawing = prepare_subgraph(_crowd())
    first = layout_positions(drawing.nodes, drawing.edges, center=drawing.center, seed=3)
    assert first == layout_positions(drawing.nodes, drawing.edges, center=drawing.center, seed=3)
    assert first != layout_positions(drawing.nodes, drawing.edges, center=drawing.center, seed=4)
    assert first[drawing.center] == (0.0, 0.0) and set(first) == {n.key for n in drawing.nodes}


def test_precomputed_layout_draws_without_physics_and_physics_mode_is_bounded():
    still = build_payload(prepare_subgraph(_crowd()))
    assert still["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in still["nodes"])
    moving = build_payload(prepare_subgraph(_crowd()), physics=True, stabilization_iterations=150)
    assert moving["options"]["physics"]["enabled"] is True
    assert moving["options"]["physics"]["stabilization"]["iterations"] == 150
    assert not any("x" in n for n in moving["nodes"])


def test_every_label_has_a_style_and_the_legend_is_chinese():
    assert set(LABEL_STYLES) == set(Label)
    page = render_subgraph(_crowd(), aggregate_over=3)
    legend = re.search(r'<ul class="kg-graph-legend".*?</ul>', page).group(0)
    assert re.findall(r"</span>([^<]+)</li>", legend) == ["技术领域", "专家", "机构", "项目", "折叠的节点"]


# -- explanation graphs ------------------------------------------------------------------------------
def test_explanation_paths_share_nodes_and_keep_the_strongest_edge():
    nodes, edges = explanation_graph(_paths())
    assert [n.name for n in nodes] == ["退役电池回收", "储能", "梯次利用", "张三", "李四"]
    assert [(e.text, e.width) for e in edges] == [("需要", 1 + 4 * 0.9), ("所属项目", 1 + 4 * 0.9),
                                                  ("负责人", 1 + 4 * 0.9), ("擅长", 1 + 4 * 0.4),
                                                  ("擅长", 1 + 4 * 0.3)]
    assert nodes[0].label is Label.DEMAND and nodes[3].label is Label.EXPERT


def test_explanation_layout_runs_left_to_right_from_the_demand():
    nodes, edges = explanation_graph(_paths())
    pos = layered_positions(nodes, edges)
    assert [pos[n.key][0] for n in nodes] == [0.0, 220.0, 440.0, 440.0, 440.0]
    assert _embedded(render_explanation(_paths()))["nodes"][0]["x"] == 0.0


def test_explanation_steps_of_an_unknown_kind_are_refused():
    with pytest.raises(ValidationError, match="wizard"):
        explanation_graph([ExplainedPath((PathStep("wizard", "w", "w", ""),), 1.0)])


def test_the_figure_script_is_the_static_file_and_its_csp_hash():
    text = SCRIPT_FILE.read_text(encoding="utf-8")
    assert text.rstrip("\n") == INIT_SCRIPT and INIT_SCRIPT in render_explanation(_paths())
    digest = base64.b64encode(hashlib.sha256(INIT_SCRIPT.encode()).digest()).decode()
    assert INIT_SCRIPT_CSP_HASH == f"'sha256-{digest}'"


def test_render_drawing_accepts_hand_made_drawings():
    drawing = Drawing((DrawNode("x", Label.TEAM, "攻关组", "团队：攻关组"),), (DrawEdge("x", "x", "", ""),), "x")
    data = _embedded(render_drawing(drawing, title="团队"))
    assert data["nodes"][0]["label"] == "攻关组" and data["edges"] == []


# -- a real browser ----------------------------------------------------------------------------------
_PROBE = """
window.__dialogs = [];
["alert", "confirm", "prompt", "print"].forEach(function (n) {
  window[n] = function (m) { window.__dialogs.push(n + ":" + String(m)); };
});
document.addEventListener("kggraph:drawn", function (ev) {
  var fig = ev.target, canvas = fig.querySelector("canvas"), net = fig.kgNetwork, tips = [];
  var px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data, inked = 0;
  for (var i = 0; i < px.length; i += 4) {
    if (px[i + 3] > 0 && (px[i] < 240 || px[i + 1] < 240 || px[i + 2] < 240)) { inked++; }
  }
  var ids = net.body.nodeIndices.slice();
  function hoverNext() {
    if (!ids.length) { return finish(); }
    var id = ids.shift(), dom = net.canvasToDOM(net.getPositions([id])[id]), r = canvas.getBoundingClientRect();
    canvas.dispatchEvent(new MouseEvent("mousemove", {clientX: r.left + dom.x, clientY: r.top + dom.y, bubbles: true}));
    setTimeout(function () {
      var tip = fig.querySelector(".kg-graph-tip");
      tips.push({hidden: tip.hidden, text: tip.textContent, children: tip.children.length});
      hoverNext();
    }, 400);
  }
  function finish() {
    var pre = document.createElement("pre");
    pre.id = "kg-result";
    pre.textContent = JSON.stringify({canvas: [canvas.width, canvas.height], inked: inked, tips: tips,
      dialogs: window.__dialogs, images: document.images.length, scripts: document.scripts.length});
    document.body.appendChild(pre);
  }
  hoverNext();
});
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    if os.environ.get("KGMATCH_SKIP_BROWSER") == "1":
        pytest.skip("KGMATCH_SKIP_BROWSER=1 was set by hand: browser check not run")
    pytest.fail("Chromium is not installed: `make browser-deps` (apt-get install chromium fonts-wqy-microhei)",
                pytrace=False)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_real_browser_draws_the_hostile_graph_and_no_dialog_fires(tmp_path):
    chromium = _chromium()
    site = tmp_path / "site"
    shutil.copytree(VENDOR, site / "vendor")
    (site / "probe.js").write_text(_PROBE, encoding="utf-8")
    fragment = render_subgraph(_hostile_subgraph(), title=HOSTILE[2], script_url="vendor/vis-network.min.js",
                               css_url="vendor/vis-network.min.css")
    page = render_page(fragment, title=HOSTILE[0]).replace("<head>", '<head>\n<script src="probe.js"></script>', 1)
    (site / "index.html").write_text(page, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=15000", "--dump-dom", f"http://127.0.0.1:{server.server_port}/index.html"],
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    found = re.search(r'<pre id="kg-result">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    result = json.loads(html.unescape(found.group(1)))
    assert result["dialogs"] == [] and result["images"] == 0 and result["scripts"] == 4
    assert result["canvas"][0] > 0 and result["inked"] > 500  # something was drawn
    assert len(result["tips"]) == len(HOSTILE)
    for tip in result["tips"]:
        assert not tip["hidden"] and tip["children"] == 0  # shown, as text only
    shown = sorted(tip["text"].split("\n")[0].split("：", 1)[1] for tip in result["tips"])
    assert shown == sorted(HOSTILE)
