"""Drawing the knowledge graph in a web page: offline, escaped, bounded and laid out in Python.

Pages run on a government intranet with no Internet access, and the data (names of
enterprises, demands, experts) is typed in by people, so every drawing here is:

* **offline**: the page loads vis-network from a configurable *local* URL (by default
  the copy vendored in ``api/static/vendor/vis-network/``, see its ``SOURCE.md``) and
  contains no ``http://`` or ``https://`` at all. pyvis 0.3.2 builds the node, edge and
  option objects; its own page template is never used, because it links Bootstrap and
  (in ``local`` mode) vis-network from CDNs, inserts ``heading`` unescaped and, when a
  tooltip contains ``href``, assigns the tooltip to ``innerHTML``.
* **escaped**: names are plain text. Text in HTML goes through :func:`html.escape`; the
  graph travels as JSON in a ``<script type="application/json">`` block made safe by
  :func:`script_json`; the one inline script is a constant that reads that JSON and
  draws with ``textContent`` only (tooltips are our own element, never vis-network's
  ``title`` popup). A strict Content-Security-Policy can allow it by
  :data:`INIT_SCRIPT_CSP_HASH` or by a ``nonce``.
* **bounded**: :func:`prepare_subgraph` collapses crowds (a node with more than
  ``aggregate_over`` neighbours of one label shows ``aggregate_over - 1`` of them and one
  node "另有 37 位专家…") and caps the drawing at ``max_nodes``.
* **laid out in Python**: positions come from a seeded networkx spring layout and the
  page draws with physics off, so a few hundred nodes appear at once instead of after a
  long in-browser simulation (``bench/graph_layout.py`` measures both).

Everything is pure over plain data: no Flask, no store. Labels come from
:class:`graph.model.Label`; Chinese names from ``NODE_SPECS`` and ``REL_SPECS``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import networkx as nx
import numpy as np

from graph.errors import Msg, ValidationError
from graph.model import NODE_SPECS, REL_SPECS, Label
from graph.store import Node, NodeRef, Relationship, Subgraph

__all__ = [
    "DEFAULT_SCRIPT_URL",
    "DEFAULT_CSS_URL",
    "DEFAULT_MAX_NODES",
    "DEFAULT_AGGREGATE_OVER",
    "INIT_SCRIPT",
    "INIT_SCRIPT_CSP_HASH",
    "LabelStyle",
    "LABEL_STYLES",
    "DrawNode",
    "DrawEdge",
    "Drawing",
    "node_key",
    "script_json",
    "prepare_subgraph",
    "explanation_graph",
    "layout_positions",
    "layered_positions",
    "build_payload",
    "render_drawing",
    "render_subgraph",
    "render_explanation",
    "render_page",
]

DEFAULT_SCRIPT_URL = "/static/vendor/vis-network/vis-network.min.js"
DEFAULT_CSS_URL = "/static/vendor/vis-network/vis-network.min.css"
DEFAULT_MAX_NODES = 150
DEFAULT_AGGREGATE_OVER = 10
DEFAULT_HEIGHT = "640px"

# End-user text of this module (Chinese). TODO(lead): move into graph.errors.Msg.
_MSG_URL = "只能是本站的相对地址（不能含协议或主机名，如 http:// 或 //），实际为「{value}」"
_MSG_HEIGHT = "应为 CSS 长度，如 640px、70vh，实际为「{value}」"
_MSG_AT_LEAST = "应为不小于 {minimum} 的整数，实际为「{value}」"
_MSG_CENTRE = "中心节点「{value}」不在子图中"
_MSG_STEP = "第 {path} 条路径第 {step} 步应有文本字段 kind、id、name、link"
_MSG_KIND = "第 {path} 条路径第 {step} 步的节点类型「{value}」未知"
_MSG_NONCE = "只能包含字母、数字和 +/=_-，实际为「{value}」"
_NOTE_STORE_TRUNCATED = "图谱较大，只取了中心节点附近的部分节点。"
_NOTE_CAPPED = "另有 {count} 个节点超出显示上限（{cap} 个），未显示。"
_NOTE_ORPHANS = "另有 {count} 个节点只与已折叠的节点相连，未显示。"
_AGGREGATE_LABEL = "另有 {count} {measure}{zh}…"
_AGGREGATE_TIP = "{hub} 的{zh}共 {total} {measure}，图中列出 {shown} {measure}，其余 {count} {measure}未逐一显示。"
_LEGEND_AGGREGATE = "折叠的节点"
_NO_SCRIPT = "图形组件 vis-network 未能加载，请联系管理员检查静态文件。"


@dataclass(frozen=True)
class LabelStyle:
    """How nodes of one label look: fill colour, vis-network shape, Chinese measure word."""

    color: str
    shape: str
    measure: str  # 量词: 另有 37 「位」专家


# Shapes whose label sits below the shape, so every node has the same size; colour tells
# labels that share a shape apart. Colours: Tableau 10 (distinct for colour-blind readers).
LABEL_STYLES: dict[Label, LabelStyle] = {
    Label.ENTERPRISE: LabelStyle("#F28E2B", "square", "家"),
    Label.DEMAND: LabelStyle("#E15759", "diamond", "项"),
    Label.FIELD: LabelStyle("#59A14F", "hexagon", "个"),
    Label.INDUSTRY: LabelStyle("#B07AA1", "hexagon", "个"),
    Label.REGION: LabelStyle("#9C755F", "triangleDown", "个"),
    Label.EXPERT: LabelStyle("#4E79A7", "dot", "位"),
    Label.TEAM: LabelStyle("#76B7B2", "star", "个"),
    Label.INSTITUTION: LabelStyle("#EDC948", "triangle", "家"),
    Label.PROJECT: LabelStyle("#FF9DA7", "square", "个"),
    Label.PATENT: LabelStyle("#BAB0AC", "triangle", "件"),
    Label.PAPER: LabelStyle("#BAB0AC", "dot", "篇"),
    Label.ACHIEVEMENT: LabelStyle("#BAB0AC", "star", "项"),
    # workflow facts: muted greys and teals so they never outshout the domain graph
    Label.PUSH: LabelStyle("#8CD17D", "square", "条"),
    Label.CHALLENGE: LabelStyle("#D37295", "star", "个"),
    Label.BID: LabelStyle("#FABFD2", "triangle", "份"),
    Label.DISPATCH: LabelStyle("#499894", "hexagon", "次"),
    Label.SERVICE: LabelStyle("#86BCB6", "square", "条"),
    Label.VOUCHER: LabelStyle("#F1CE63", "diamond", "张"),
    Label.FEEDBACK: LabelStyle("#D4A6C8", "triangleDown", "条"),
    Label.DELIVERY: LabelStyle("#79706E", "dot", "条"),
}
_LABEL_ORDER = {label: i for i, label in enumerate(Label)}
_KIND_LABELS = {label.value.lower(): label for label in Label}  # explanation step kinds: "expert", …
_FONT_FACE = "Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
_LABEL_CHARS = 12  # longer names are shortened on the canvas; the tooltip has them whole
_EDGE_LABELS_UP_TO = 80  # relationship names drawn on edges only in small drawings


# -- plain data ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DrawNode:
    """One node to draw. ``key`` is unique in the drawing; ``aggregate`` > 0 means it stands
    for that many collapsed nodes of ``label``."""

    key: str
    label: Label
    name: str
    tooltip: str
    aggregate: int = 0


@dataclass(frozen=True)
class DrawEdge:
    """One edge to draw, from ``source`` to ``target`` (node keys)."""

    source: str
    target: str
    text: str  # the relationship's Chinese name ("" for none)
    tooltip: str
    width: float = 1.0
    directed: bool = True


@dataclass(frozen=True)
class Drawing:
    """What one picture shows: nodes, edges, the centre, and notes on what was left out."""

    nodes: tuple[DrawNode, ...]
    edges: tuple[DrawEdge, ...]
    center: str | None = None
    notes: tuple[str, ...] = ()
    truncated: bool = False
    hidden: Mapping[str, int] = field(default_factory=dict)  # "capped" / "orphans" → count


def node_key(ref: NodeRef | Node) -> str:
    """The drawing key of a stored node: ``"<label>:<id>"`` (unique across labels)."""
    return f"{ref.label.value}:{ref.id}"


# -- escaping ------------------------------------------------------------------------------------
_SCRIPT_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    ord("/"): "\\/",  # so no "http://" (and no "</") survives in the page, whatever the data
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(data: Any) -> str:
    """JSON that is safe as the text of a ``<script>`` element and parses back to ``data``.

    ``<``, ``>``, ``&``, ``/`` and U+2028/U+2029 are written as JSON escapes, so no
    ``</script>``, ``<!--`` or URL can appear; NaN and infinities are refused.

    >>> script_json({"name": "</script><b>&"})
    '{"name":"\\\\u003c\\\\/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    >>> json.loads(script_json(["a/b"])) == ["a/b"]
    True
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_JSON_ESCAPES)


def _text(value: str) -> str:
    """Escape ``value`` for HTML text or a quoted attribute; ``/`` too, so data never spells a URL."""
    return html.escape(value, quote=True).replace("/", "&#47;")


def _local_url(name: str, url: str) -> str:
    """``url`` if it is a path on this site (no scheme, no host); ValidationError otherwise."""
    parts = urlsplit(url)
    if (not url or parts.scheme or parts.netloc or url.startswith("//") or "\\" in url
            or any(c.isspace() or c in "\"'<>" for c in url)):
        raise ValidationError(Msg.FIELD.format(field=name, reason=_MSG_URL.format(value=url)))
    return html.escape(url, quote=True)


_CSS_LENGTH = re.compile(r"^\d{1,5}(\.\d{1,3})?(px|vh|em|rem|%)$")
_NONCE = re.compile(r"^[A-Za-z0-9+/=_-]{1,200}$")


def _at_least(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(Msg.FIELD.format(field=name, reason=_MSG_AT_LEAST.format(minimum=minimum, value=value)))
    return value


def _short(name: str, limit: int = _LABEL_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


# -- subgraph → drawing: aggregate, drop orphans, cap --------------------------------------------
def _node_tooltip(node: Node) -> str:
    return f"{NODE_SPECS[node.label].zh}：{node.name}\n编号：{node.id}"


def _rel_tooltip(rel: Relationship, names: Mapping[NodeRef, str]) -> str:
    return f"{names[rel.start]} —{REL_SPECS[rel.type].zh}→ {names[rel.end]}"


def prepare_subgraph(subgraph: Subgraph, *, center: NodeRef | None = None, max_nodes: int = DEFAULT_MAX_NODES,
                     aggregate_over: int = DEFAULT_AGGREGATE_OVER) -> Drawing:
    """Turn a store subgraph into a bounded :class:`Drawing`.

    Parameters
    ----------
    subgraph : the nodes and relationships to draw (``GraphStore.subgraph`` output).
    center : the node the picture is about; default the first node of ``subgraph``
        (``GraphStore.subgraph`` lists its centre first).
    max_nodes : at most this many nodes are drawn, aggregate nodes included; the nodes
        nearest the centre are kept (then aggregates, then by label and id).
    aggregate_over : crowd size. Hubs are visited nearest the centre first; when a hub
        has more than ``aggregate_over`` neighbours of one label one hop farther from the
        centre, the ``aggregate_over - 1`` best connected stay and the rest become one
        aggregate node "另有 N 位专家…". Nodes then cut off from the centre are dropped.

    Returns
    -------
    Drawing : deterministic for the same input; ``notes`` tell the reader (in Chinese)
        what was left out, ``hidden`` counts it.

    Raises
    ------
    ValidationError : ``max_nodes`` < 1, ``aggregate_over`` < 2, or ``center`` is not in
        the subgraph.

    Examples
    --------
    >>> from graph.store import Node
    >>> hub = Node(Label.FIELD, "f1", {"name": "储能"})
    >>> prepare_subgraph(Subgraph([hub], [], False)).nodes[0].name
    '储能'
    """
    _at_least("max_nodes", max_nodes, 1)
    _at_least("aggregate_over", aggregate_over, 2)
    nodes: dict[NodeRef, Node] = {n.ref: n for n in subgraph.nodes}
    if not nodes:
        return Drawing((), (), None, (_NOTE_STORE_TRUNCATED,) if subgraph.truncated else (), subgraph.truncated)
    centre = center if center is not None else subgraph.nodes[0].ref
    if centre not in nodes:
        raise ValidationError(Msg.FIELD.format(field="center", reason=_MSG_CENTRE.format(value=node_key(centre))))
    names = {ref: n.name for ref, n in nodes.items()}

    graph = nx.MultiGraph()
    graph.add_nodes_from(sorted(nodes))
    for rel in subgraph.relationships:
        if rel.start in nodes and rel.end in nodes:
            graph.add_edge(rel.start, rel.end, rel=rel)
    dist = nx.single_source_shortest_path_length(graph, centre)
    reachable_before = set(dist)
    far = len(nodes) + 1  # nodes not connected to the centre sort after every connected one

    aggregates: list[tuple[NodeRef, DrawNode, DrawEdge]] = []  # hub, aggregate node, its edge to the hub
    hubs = sorted(nodes, key=lambda r: (dist.get(r, far), _LABEL_ORDER[r.label], r.id))
    for hub in hubs:
        if hub not in graph:
            continue
        children: dict[Label, list[NodeRef]] = defaultdict(list)
        for other in set(graph.neighbors(hub)):
            if other != centre and dist.get(other, far) == dist.get(hub, far) + 1:
                children[other.label].append(other)
        for label in sorted(children, key=_LABEL_ORDER.__getitem__):
            crowd = children[label]
            if len(crowd) <= aggregate_over:
                continue
            crowd.sort(key=lambda r: (-graph.degree(r), r.id))
            collapsed = crowd[aggregate_over - 1:]
            aggregates.append((hub, *_aggregate(hub, label, collapsed, len(crowd), graph, names)))
            graph.remove_nodes_from(collapsed)

    # Nodes that hung only on collapsed ones are dropped, with any crowd they had collapsed.
    reachable_after = set(nx.node_connected_component(graph, centre))
    orphans = sorted((reachable_before & set(graph)) - reachable_after)
    graph.remove_nodes_from(orphans)
    n_orphans = len(orphans) + sum(agg.aggregate for hub, agg, _ in aggregates if hub not in graph)
    aggregates = [item for item in aggregates if item[0] in graph]
    dist_after = nx.single_source_shortest_path_length(graph, centre)

    ranked: list[tuple[tuple[int, int, int, str], DrawNode]] = []
    for ref in graph:
        ranked.append(((dist_after.get(ref, far), 1, _LABEL_ORDER[ref.label], ref.id),
                       DrawNode(node_key(ref), ref.label, names[ref], _node_tooltip(nodes[ref]))))
    for hub, agg, _ in aggregates:
        ranked.append(((dist_after.get(hub, far) + 1, 0, _LABEL_ORDER[agg.label], agg.key), agg))
    ranked.sort(key=lambda item: item[0])
    capped = max(0, len(ranked) - max_nodes)
    kept = [node for _, node in ranked[:max_nodes]]
    kept_keys = {n.key for n in kept}

    edges = [DrawEdge(node_key(rel.start), node_key(rel.end), REL_SPECS[rel.type].zh, _rel_tooltip(rel, names))
             for _, _, rel in sorted(graph.edges(data="rel"), key=lambda e: e[2].sort_key())]
    edges += [edge for _, _, edge in aggregates]
    edges = [e for e in edges if e.source in kept_keys and e.target in kept_keys]

    notes = []
    if subgraph.truncated:
        notes.append(_NOTE_STORE_TRUNCATED)
    if n_orphans:
        notes.append(_NOTE_ORPHANS.format(count=n_orphans))
    if capped:
        notes.append(_NOTE_CAPPED.format(count=capped, cap=max_nodes))
    hidden = {k: v for k, v in (("orphans", n_orphans), ("capped", capped)) if v}
    return Drawing(tuple(kept), tuple(edges), node_key(centre), tuple(notes),
                   subgraph.truncated or capped > 0, hidden)


def _aggregate(hub: NodeRef, label: Label, collapsed: list[NodeRef], total: int, graph: nx.MultiGraph,
               names: Mapping[NodeRef, str]) -> tuple[DrawNode, DrawEdge]:
    """The aggregate node standing for ``collapsed`` neighbours of ``hub`` and its edge to the hub."""
    spec, style = NODE_SPECS[label], LABEL_STYLES[label]
    count = len(collapsed)
    key = f"+{node_key(hub)}>{label.value}"
    tip = _AGGREGATE_TIP.format(hub=names[hub], zh=spec.zh, total=total, shown=total - count, count=count,
                                measure=style.measure)
    node = DrawNode(key, label, _AGGREGATE_LABEL.format(count=count, measure=style.measure, zh=spec.zh), tip, count)
    # One arrow when every collapsed relationship has the same type and direction.
    kinds = {(rel.type, rel.start == hub) for ref in collapsed for rel in _rels_between(graph, hub, ref)}
    if len(kinds) == 1:
        ((rel_type, outward),) = kinds
        text = REL_SPECS[rel_type].zh
        source, target = (node_key(hub), key) if outward else (key, node_key(hub))
        edge = DrawEdge(source, target, text, f"{names[hub]} —{text}— {node.name}")
    else:
        edge = DrawEdge(node_key(hub), key, "", node.name, directed=False)
    return node, edge


def _rels_between(graph: nx.MultiGraph, a: NodeRef, b: NodeRef) -> list[Relationship]:
    return [data["rel"] for data in graph.get_edge_data(a, b, default={}).values()]


# -- explanation paths → drawing -----------------------------------------------------------------
def explanation_graph(paths: Iterable[Mapping[str, Any]]) -> tuple[list[DrawNode], list[DrawEdge]]:
    """The small graph behind recommendation explanations, from plain path dicts.

    Each path is ``ExplainedPath.as_dict()`` of ``recommend/explain.py``: ``{"steps": [{"kind",
    "id", "name", "link"}, …], "strength": float}``, where ``kind`` is a label in lower case
    ("demand", "field", "project", "expert", …) and ``link`` names the relationship from the
    previous step. Nodes shared by several paths are drawn once; an edge's width grows with
    the strongest path through it.

    Returns
    -------
    (nodes, edges) : in first-seen order.

    Raises
    ------
    ValidationError : a step lacks a text field or names an unknown kind.

    Examples
    --------
    >>> path = {"steps": [{"kind": "demand", "id": "d1", "name": "电池回收", "link": ""},
    ...                   {"kind": "field", "id": "f1", "name": "储能", "link": "需要"},
    ...                   {"kind": "expert", "id": "e1", "name": "张三", "link": "擅长"}], "strength": 0.5}
    >>> nodes, edges = explanation_graph([path])
    >>> [n.name for n in nodes], [e.text for e in edges]
    (['电池回收', '储能', '张三'], ['需要', '擅长'])
    """
    nodes: dict[str, DrawNode] = {}
    edges: dict[tuple[str, str, str], tuple[DrawEdge, float]] = {}
    for p_no, path in enumerate(paths, start=1):
        strength = float(path.get("strength") or 0.0)
        previous: DrawNode | None = None
        for s_no, step in enumerate(path.get("steps") or (), start=1):
            if not all(isinstance(step.get(k), str) for k in ("kind", "id", "name", "link")):
                raise ValidationError(Msg.FIELD.format(field="steps", reason=_MSG_STEP.format(path=p_no, step=s_no)))
            label = _KIND_LABELS.get(step["kind"])
            if label is None:
                raise ValidationError(Msg.FIELD.format(
                    field="kind", reason=_MSG_KIND.format(path=p_no, step=s_no, value=step["kind"])))
            key = f"{label.value}:{step['id']}"
            name = step["name"] or step["id"]
            node = nodes.setdefault(key, DrawNode(key, label, name, f"{NODE_SPECS[label].zh}：{name}"))
            if previous is not None and previous.key != key:
                edge_key = (previous.key, key, step["link"])
                best = max(strength, edges[edge_key][1]) if edge_key in edges else strength
                tip = f"{previous.name} —{step['link']}→ {node.name}（最强路径强度 {best:.2f}）"
                edges[edge_key] = (DrawEdge(previous.key, key, step["link"], tip, 1.0 + 4.0 * min(best, 1.0)), best)
            previous = node
    return list(nodes.values()), [edge for edge, _ in edges.values()]


# -- layout ----------------------------------------------------------------------------------------
_DENSE_LAYOUT_UP_TO = 2000  # n×n float32 work arrays: 16 MB each at 2000 nodes


def _spring(n: int, pairs: Sequence[tuple[int, int]], *, seed: int, iterations: int) -> np.ndarray:
    """Fruchterman–Reingold positions in about [0, 1]², as networkx's dense solver computes them.

    Same forces and cooling as ``networkx.spring_layout`` (repulsion k²/d, attraction
    d²/k along edges, k = 1/√n, step 0.1 cooling linearly), vectorised with the Gram
    matrix (d² = |p|² + |q|² − 2p·q) in float32, so no n×n×2 array is built: about 10×
    faster than networkx at 1000 nodes (networkx switches to a per-node Python loop
    from 500 nodes). Reference: T. Fruchterman, E. Reingold, "Graph drawing by
    force-directed placement", Software: Practice and Experience 21(11), 1991.
    """
    adjacency = np.zeros((n, n), dtype=np.float32)
    if pairs:
        ends = np.asarray(pairs, dtype=np.intp)
        adjacency[ends[:, 0], ends[:, 1]] = 1.0
        adjacency[ends[:, 1], ends[:, 0]] = 1.0
    pos = np.random.default_rng(seed).random((n, 2)).astype(np.float32)
    k = np.float32(1.0 / math.sqrt(n))
    step = np.float32(0.1)
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        sq = (pos * pos).sum(axis=1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * (pos @ pos.T)
        np.clip(d2, 1e-4, None, out=d2)
        force = (k * k) / d2 - adjacency * np.sqrt(d2) / k  # per unit of (p_i - p_j)
        shift = pos * force.sum(axis=1)[:, None] - force @ pos
        length = np.sqrt((shift * shift).sum(axis=1))
        np.clip(length, 0.01, None, out=length)
        pos += shift * (step / length)[:, None]
        step -= cooling
    return pos


def layout_positions(nodes: Sequence[DrawNode], edges: Sequence[DrawEdge], *, center: str | None = None,
                     seed: int = 7, iterations: int = 50, spacing: float = 50.0) -> dict[str, tuple[float, float]]:
    """Canvas positions (pixels) from a seeded spring layout, the centre at (0, 0).

    Fruchterman–Reingold on the undirected graph (:func:`_spring`; above 2000 nodes
    ``networkx.spring_layout``, which needs less memory), rescaled so the farthest node is
    ``spacing * sqrt(n) + 100`` pixels from the centre (from the mean position when there
    is no centre), rounded to 0.1 px. Same input and seed, same positions.

    >>> a = DrawNode("a", Label.FIELD, "a", "a"); b = DrawNode("b", Label.EXPERT, "b", "b")
    >>> pos = layout_positions([a, b], [DrawEdge("b", "a", "", "")], center="a")
    >>> pos["a"], round(math.dist(pos["a"], pos["b"]))
    ((0.0, 0.0), 171)
    """
    _at_least("iterations", iterations, 1)
    keys = list(dict.fromkeys(n.key for n in nodes))
    if not keys:
        return {}
    index = {key: i for i, key in enumerate(keys)}
    pairs = sorted({(index[e.source], index[e.target]) for e in edges
                    if e.source in index and e.target in index and e.source != e.target})
    if len(keys) == 1:
        raw = np.zeros((1, 2))
    elif len(keys) <= _DENSE_LAYOUT_UP_TO:
        raw = _spring(len(keys), pairs, seed=seed, iterations=iterations).astype(np.float64)
    else:
        graph = nx.Graph()
        graph.add_nodes_from(range(len(keys)))
        graph.add_edges_from(pairs)
        found = nx.spring_layout(graph, seed=seed, iterations=iterations)
        raw = np.array([found[i] for i in range(len(keys))], dtype=np.float64)
    origin = raw[index[center]] if center in index else raw.mean(axis=0)
    raw = raw - origin
    reach = float(np.sqrt((raw * raw).sum(axis=1)).max()) or 1.0
    raw *= (spacing * math.sqrt(len(keys)) + 100.0) / reach
    return {key: (round(float(x), 1) + 0.0, round(float(y), 1) + 0.0) for key, (x, y) in zip(keys, raw, strict=True)}


def layered_positions(nodes: Sequence[DrawNode], edges: Sequence[DrawEdge], *, center: str | None = None,
                      column: float = 220.0, row: float = 80.0) -> dict[str, tuple[float, float]]:
    """Left-to-right columns by hop distance from ``center`` (default the first node): for paths.

    >>> n = [DrawNode(k, Label.FIELD, k, k) for k in "abc"]
    >>> layered_positions(n, [DrawEdge("a", "b", "", ""), DrawEdge("a", "c", "", "")])
    {'a': (0.0, 0.0), 'b': (220.0, -40.0), 'c': (220.0, 40.0)}
    """
    keys = [n.key for n in nodes]
    if not keys:
        return {}
    graph = nx.Graph()
    graph.add_nodes_from(keys)
    graph.add_edges_from((e.source, e.target) for e in edges if e.source in graph and e.target in graph)
    start = center if center in graph else keys[0]
    dist = nx.single_source_shortest_path_length(graph, start)
    last = max(dist.values()) + 1
    columns: dict[int, list[str]] = defaultdict(list)
    for key in keys:
        columns[dist.get(key, last)].append(key)
    positions = {}
    for depth, members in columns.items():
        for i, key in enumerate(members):
            positions[key] = (depth * column, (i - (len(members) - 1) / 2) * row)
    return {k: positions[k] for k in keys}


# -- the page payload ------------------------------------------------------------------------------
def _merge_parallel(edges: Sequence[DrawEdge], keys: set[str]) -> list[DrawEdge]:
    """One edge per pair of nodes: parallel and opposite relationships are drawn as one line."""
    pairs: dict[frozenset[str], list[DrawEdge]] = {}
    for edge in edges:
        if edge.source in keys and edge.target in keys and edge.source != edge.target:
            pairs.setdefault(frozenset((edge.source, edge.target)), []).append(edge)
    merged = []
    for group in pairs.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        first = group[0]
        texts = list(dict.fromkeys(e.text for e in group if e.text))
        same_way = all(e.directed and (e.source, e.target) == (first.source, first.target) for e in group)
        merged.append(DrawEdge(first.source, first.target, "、".join(texts), "\n".join(e.tooltip for e in group),
                               max(e.width for e in group), same_way))
    return merged


def _pyvis_network(**kwargs: Any) -> Any:
    """A pyvis Network, imported late: pyvis pulls in IPython, which pages should not pay for at import."""
    from pyvis.network import Network

    return Network(**kwargs)


def build_payload(drawing: Drawing, *, positions: Mapping[str, tuple[float, float]] | None = None,
                  physics: bool = False, height: str = DEFAULT_HEIGHT, seed: int = 7,
                  stabilization_iterations: int = 200) -> dict[str, Any]:
    """The JSON object a page embeds: vis-network nodes, edges and options (built with pyvis),
    plus plain-text tooltips, which the page shows with ``textContent``.

    Node and edge ids are their indexes in ``nodeTips`` / ``edgeTips``. Labels are plain
    text (vis-network draws them on the canvas); no node or edge carries a ``title``, so
    vis-network's own popup never runs. With ``physics`` off every node needs a position.
    """
    if not _CSS_LENGTH.match(height):
        raise ValidationError(Msg.FIELD.format(field="height", reason=_MSG_HEIGHT.format(value=height)))
    _at_least("stabilization_iterations", stabilization_iterations, 1)
    index = {node.key: i for i, node in enumerate(drawing.nodes)}
    edges = _merge_parallel(drawing.edges, set(index))
    if not physics and positions is None:
        positions = layout_positions(drawing.nodes, edges, center=drawing.center, seed=seed)

    net = _pyvis_network(height=height, width="100%", directed=True, cdn_resources="local")
    for node in drawing.nodes:
        style = LABEL_STYLES[node.label]
        is_centre = node.key == drawing.center
        options: dict[str, Any] = {
            "color": {"background": "#FFFFFF" if node.aggregate else style.color, "border": style.color,
                      "highlight": {"background": style.color, "border": "#333333"},
                      "hover": {"background": style.color, "border": "#333333"}},
            "size": 24 if is_centre else 14,
            "borderWidth": 3 if is_centre else 1,
        }
        if node.aggregate:
            options["shapeProperties"] = {"borderDashes": [4, 3]}
            options["borderWidth"] = 2
        if is_centre:
            options["font"] = {"size": 16, "bold": True}
        if positions is not None and node.key in positions:
            options["x"], options["y"] = positions[node.key]
        net.add_node(index[node.key], label=_short(node.name) if not node.aggregate else node.name,
                     shape="box" if node.aggregate else style.shape, **options)
    show_edge_text = len(edges) <= _EDGE_LABELS_UP_TO
    for i, edge in enumerate(edges):
        extra: dict[str, Any] = {"label": edge.text} if show_edge_text and edge.text else {}
        net.add_edge(index[edge.source], index[edge.target], id=i, width=edge.width,
                     arrows="to" if edge.directed else {"to": {"enabled": False}}, **extra)

    net.toggle_physics(physics)
    net.options.physics.stabilization.iterations = stabilization_iterations
    net.options.edges.smooth.enabled = False  # straight lines: no support nodes, cheapest to draw
    net.options.interaction.hideEdgesOnDrag = len(edges) > 300
    vis_nodes, vis_edges, _heading, _height, _width, options_json = net.get_network_data()
    options = json.loads(options_json)
    options["interaction"].update({"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                                   "keyboard": False, "multiselect": False})
    options["edges"]["color"] = {"color": "#9AA4B1", "highlight": "#333333", "hover": "#333333", "inherit": False}
    options["edges"]["font"] = {"size": 11, "color": "#555555", "strokeWidth": 3, "align": "middle",
                                "face": _FONT_FACE}
    options["nodes"] = {"font": {"size": 13, "color": "#222222", "face": _FONT_FACE, "multi": False}}
    options["layout"] = {"randomSeed": seed, "improvedLayout": physics}
    return {
        "height": height,
        "nodes": vis_nodes,
        "edges": vis_edges,
        "options": options,
        "nodeTips": [node.tooltip for node in drawing.nodes],
        "edgeTips": [edge.tooltip for edge in edges],
        "physics": physics,
        "noScript": _NO_SCRIPT,
    }


# -- HTML ------------------------------------------------------------------------------------------
# The one inline script. It is constant (no data is ever written into it), so a CSP may allow
# it by hash; it finds its own figure and data through document.currentScript, puts text in
# with textContent only, and styles with the CSSOM (allowed under a strict style-src).
INIT_SCRIPT = """(function () {
  "use strict";
  var host = document.currentScript.parentNode;
  var box = host.querySelector(".kg-graph-canvas");
  var tip = host.querySelector(".kg-graph-tip");
  var data = JSON.parse(host.querySelector("script.kg-graph-data").textContent);
  host.style.position = "relative";
  host.style.margin = "0 0 1em 0";
  box.style.height = data.height;
  box.style.width = "100%";
  box.style.border = "1px solid #DDDDDD";
  box.style.background = "#FFFFFF";
  var legend = host.querySelector(".kg-graph-legend");
  if (legend) {
    legend.style.listStyle = "none";
    legend.style.padding = "0";
    legend.style.display = "flex";
    legend.style.flexWrap = "wrap";
    legend.style.gap = "0.3em 1.2em";
  }
  host.querySelectorAll(".kg-graph-swatch").forEach(function (el) {
    el.style.display = "inline-block";
    el.style.width = "0.9em";
    el.style.height = "0.9em";
    el.style.marginRight = "0.3em";
    el.style.verticalAlign = "-0.1em";
    el.style.border = "1px solid " + el.getAttribute("data-color");
    el.style.background = el.hasAttribute("data-hollow") ? "#FFFFFF" : el.getAttribute("data-color");
  });
  tip.style.position = "absolute";
  tip.style.zIndex = "10";
  tip.style.pointerEvents = "none";
  tip.style.whiteSpace = "pre-line";
  tip.style.maxWidth = "22em";
  tip.style.padding = "0.4em 0.6em";
  tip.style.background = "#FFFFF0";
  tip.style.border = "1px solid #999999";
  tip.style.borderRadius = "3px";
  tip.style.fontSize = "13px";
  tip.style.boxShadow = "2px 2px 6px rgba(0, 0, 0, 0.2)";
  function say(event) { host.dispatchEvent(new CustomEvent(event, {bubbles: true})); }
  if (typeof vis === "undefined") {
    box.textContent = data.noScript;
    say("kggraph:failed");
    return;
  }
  var network = new vis.Network(box, {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)},
                                data.options);
  function show(text, pointer) {
    if (typeof text !== "string" || !pointer) { return; }
    tip.textContent = text;
    tip.style.left = (box.offsetLeft + pointer.DOM.x + 14) + "px";
    tip.style.top = (box.offsetTop + pointer.DOM.y + 14) + "px";
    tip.hidden = false;
  }
  function hide() { tip.hidden = true; }
  network.on("hoverNode", function (p) { show(data.nodeTips[p.node], p.pointer); });
  network.on("hoverEdge", function (p) { show(data.edgeTips[p.edge], p.pointer); });
  ["blurNode", "blurEdge", "dragStart", "zoom"].forEach(function (e) { network.on(e, hide); });
  network.once("afterDrawing", function () { host.setAttribute("data-drawn", "1"); say("kggraph:drawn"); });
  network.once("stabilized", function () { say("kggraph:stabilized"); });
  host.kgNetwork = network;
})();"""

INIT_SCRIPT_CSP_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(INIT_SCRIPT.encode()).digest()).decode() + "'"
"""The ``script-src`` source that allows :data:`INIT_SCRIPT` under a Content-Security-Policy."""


def _legend(drawing: Drawing) -> str:
    present = {n.label for n in drawing.nodes}
    items = [f'<li><span class="kg-graph-swatch" data-color="{_text(LABEL_STYLES[label].color)}"></span>'
             f"{_text(NODE_SPECS[label].zh)}</li>" for label in Label if label in present]
    if any(n.aggregate for n in drawing.nodes):
        items.append(f'<li><span class="kg-graph-swatch" data-color="#777777" data-hollow="1"></span>'
                     f"{_text(_LEGEND_AGGREGATE)}</li>")
    return f'<ul class="kg-graph-legend" aria-label="图例">{"".join(items)}</ul>' if items else ""


def render_drawing(drawing: Drawing, *, title: str = "", script_url: str = DEFAULT_SCRIPT_URL,
                   css_url: str = DEFAULT_CSS_URL, height: str = DEFAULT_HEIGHT, physics: bool = False,
                   positions: Mapping[str, tuple[float, float]] | None = None, seed: int = 7,
                   stabilization_iterations: int = 200, include_library: bool = True,
                   nonce: str | None = None) -> str:
    """An HTML fragment (one ``<figure>``) that draws ``drawing``; embed it in any page.

    Parameters
    ----------
    title : caption, plain text (escaped).
    script_url, css_url : where this site serves the vendored vis-network; paths only
        (a scheme or host is refused, so pages never reach out of the intranet).
    height : CSS height of the canvas.
    physics : False (default) draws at once at precomputed ``positions`` (default
        :func:`layout_positions`); True lets vis-network simulate, bounded by
        ``stabilization_iterations``.
    include_library : False for the second and later graphs of one page.
    nonce : CSP nonce for the inline script (or allow :data:`INIT_SCRIPT_CSP_HASH`).

    The figure dispatches ``kggraph:drawn`` after its first drawing (and sets
    ``data-drawn="1"``), ``kggraph:stabilized`` when physics settles, and
    ``kggraph:failed`` when vis-network did not load.

    Raises
    ------
    ValidationError : a URL with a scheme or host, a bad height, or a bad nonce.
    """
    script = _local_url("script_url", script_url)
    css = _local_url("css_url", css_url)
    if nonce is not None and not _NONCE.match(nonce):
        raise ValidationError(Msg.FIELD.format(field="nonce", reason=_MSG_NONCE.format(value=nonce)))
    payload = build_payload(drawing, positions=positions, physics=physics, height=height, seed=seed,
                            stabilization_iterations=stabilization_iterations)
    label = _text(title or "知识图谱")
    parts = ['<figure class="kg-graph">']
    if title:
        parts.append(f'<figcaption class="kg-graph-title">{_text(title)}</figcaption>')
    parts.append(f'<div class="kg-graph-canvas" role="img" aria-label="{label}"></div>')
    parts.append('<div class="kg-graph-tip" role="tooltip" hidden></div>')
    parts.append(_legend(drawing))
    parts.extend(f'<p class="kg-graph-note">{_text(note)}</p>' for note in drawing.notes)
    if include_library:
        parts.append(f'<link rel="stylesheet" href="{css}">')
        parts.append(f'<script src="{script}"></script>')
    parts.append(f'<script type="application/json" class="kg-graph-data">{script_json(payload)}</script>')
    nonce_attr = f' nonce="{nonce}"' if nonce else ""
    parts.append(f"<script{nonce_attr}>{INIT_SCRIPT}</script>")
    parts.append("</figure>")
    return "\n".join(p for p in parts if p)


def render_subgraph(subgraph: Subgraph, *, center: NodeRef | None = None, title: str = "",
                    script_url: str = DEFAULT_SCRIPT_URL, css_url: str = DEFAULT_CSS_URL,
                    max_nodes: int = DEFAULT_MAX_NODES, aggregate_over: int = DEFAULT_AGGREGATE_OVER,
                    height: str = DEFAULT_HEIGHT, physics: bool = False, seed: int = 7,
                    stabilization_iterations: int = 200, include_library: bool = True,
                    nonce: str | None = None) -> str:
    """An HTML fragment drawing a store subgraph: :func:`prepare_subgraph` then :func:`render_drawing`."""
    drawing = prepare_subgraph(subgraph, center=center, max_nodes=max_nodes, aggregate_over=aggregate_over)
    return render_drawing(drawing, title=title, script_url=script_url, css_url=css_url, height=height,
                          physics=physics, seed=seed, stabilization_iterations=stabilization_iterations,
                          include_library=include_library, nonce=nonce)


def render_explanation(paths: Iterable[Mapping[str, Any]], *, title: str = "", script_url: str = DEFAULT_SCRIPT_URL,
                       css_url: str = DEFAULT_CSS_URL, height: str = "360px", include_library: bool = True,
                       nonce: str | None = None) -> str:
    """An HTML fragment drawing explanation paths left to right, demand first."""
    nodes, edges = explanation_graph(paths)
    drawing = Drawing(tuple(nodes), tuple(edges), nodes[0].key if nodes else None)
    positions = layered_positions(drawing.nodes, drawing.edges, center=drawing.center)
    return render_drawing(drawing, title=title, script_url=script_url, css_url=css_url, height=height,
                          positions=positions, include_library=include_library, nonce=nonce)


def render_page(*fragments: str, title: str, lang: str = "zh-CN") -> str:
    """A standalone HTML document around fragments from the ``render_*`` functions (exports, notebooks).

    ``title`` is plain text. The fragments are trusted HTML: pass only what this module
    rendered. Their script and stylesheet URLs must resolve where the page is opened
    (copy ``api/static/vendor/vis-network/`` beside an exported file and pass relative URLs).
    """
    head = (f'<!DOCTYPE html>\n<html lang="{_text(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_text(title)}</title>\n</head>\n<body>\n<h1>{_text(title)}</h1>\n")
    return head + "\n".join(fragments) + "\n</body>\n</html>\n"
