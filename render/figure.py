"""Drawings as HTML: the vis-network payload (built with pyvis), a Jinja template for the figure and
the page, and the script from the app's ``static/js/kg-graph.js``. Offline and escaped:

* **offline**: the page loads vis-network from a configurable *local* URL (by default the copy
  vendored in ``api/static/vendor/vis-network/``, see its ``SOURCE.md``) and contains no
  ``http://`` or ``https://`` at all. pyvis 0.3.2 builds the node, edge and option objects; its own
  page template is never used, because it links Bootstrap and (in ``local`` mode) vis-network from
  CDNs, inserts ``heading`` unescaped and, when a tooltip contains ``href``, assigns the tooltip to
  ``innerHTML``.
* **escaped**: names are plain text. Text in HTML is escaped by the templates' ``text`` filter
  (``/`` too, so data never spells a URL); the graph travels as JSON in a
  ``<script type="application/json">`` block made safe by :func:`script_json`; the one inline
  script is the constant file ``api/static/js/kg-graph.js`` (no data is ever written into it),
  which reads that JSON and draws with ``textContent`` only (tooltips are our own element, never
  vis-network's ``title`` popup). A strict Content-Security-Policy allows it by
  :data:`INIT_SCRIPT_CSP_HASH` or by a ``nonce``; it is inlined rather than linked so that
  exported pages and notebooks work from a file.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from graph.errors import Msg, ValidationError
from graph.model import NODE_SPECS, Label
from graph.store import NodeRef, Subgraph
from recommend.explain import ExplainedPath
from render.drawing import (
    DEFAULT_AGGREGATE_OVER,
    DEFAULT_MAX_NODES,
    LABEL_STYLES,
    DrawEdge,
    Drawing,
    at_least,
    explanation_graph,
    prepare_subgraph,
)
from render.layout import layered_positions, layout_positions

__all__ = [
    "DEFAULT_SCRIPT_URL",
    "DEFAULT_CSS_URL",
    "SCRIPT_FILE",
    "INIT_SCRIPT",
    "INIT_SCRIPT_CSP_HASH",
    "script_json",
    "build_payload",
    "render_drawing",
    "render_subgraph",
    "render_explanation",
    "render_page",
]

DEFAULT_SCRIPT_URL = "/static/vendor/vis-network/vis-network.min.js"
DEFAULT_CSS_URL = "/static/vendor/vis-network/vis-network.min.css"
DEFAULT_HEIGHT = "640px"
SCRIPT_FILE = Path(__file__).resolve().parent.parent / "api" / "static" / "js" / "kg-graph.js"
"""The figure's script, served by the app as ``/static/js/kg-graph.js`` and inlined in every figure."""

# End-user text of this module (Chinese).
_MSG_URL = "只能是本站的相对地址（不能含协议或主机名，如 http:// 或 //），实际为「{value}」"
_MSG_HEIGHT = "应为 CSS 长度，如 640px、70vh，实际为「{value}」"
_MSG_NONCE = "只能包含字母、数字和 +/=_-，实际为「{value}」"
_LEGEND_AGGREGATE = "折叠的节点"
_NO_SCRIPT = "图形组件 vis-network 未能加载，请联系管理员检查静态文件。"
_FONT_FACE = "Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
_LABEL_CHARS = 12  # longer names are shortened on the canvas; the tooltip has them whole
_EDGE_LABELS_UP_TO = 80  # relationship names drawn on edges only in small drawings


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


def _short(name: str, limit: int = _LABEL_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


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
    at_least("stabilization_iterations", stabilization_iterations, 1)
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
# The one inline script: the constant file api/static/js/kg-graph.js (no data is ever written into it),
# so a CSP may allow it by hash; it finds its own figure and data through document.currentScript, puts
# text in with textContent only, and styles with the CSSOM (allowed under a strict style-src).
INIT_SCRIPT = SCRIPT_FILE.read_text(encoding="utf-8").removesuffix("\n")

INIT_SCRIPT_CSP_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(INIT_SCRIPT.encode()).digest()).decode() + "'"
"""The ``script-src`` source that allows :data:`INIT_SCRIPT` under a Content-Security-Policy."""


def _legend(drawing: Drawing) -> list[dict[str, Any]]:
    present = {n.label for n in drawing.nodes}
    items: list[dict[str, Any]] = [{"color": LABEL_STYLES[label].color, "name": NODE_SPECS[label].zh, "hollow": False}
                                   for label in Label if label in present]
    if any(n.aggregate for n in drawing.nodes):
        items.append({"color": "#777777", "name": _LEGEND_AGGREGATE, "hollow": True})
    return items


def _text_filter(value: Any) -> Markup:
    return Markup(_text(str(value)))


_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                         autoescape=select_autoescape(["html"]), keep_trailing_newline=True)
_TEMPLATES.filters["text"] = _text_filter
_TEMPLATES.filters["script_json"] = lambda data: Markup(script_json(data))


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
    _local_url("script_url", script_url)
    _local_url("css_url", css_url)
    if nonce is not None and not _NONCE.match(nonce):
        raise ValidationError(Msg.FIELD.format(field="nonce", reason=_MSG_NONCE.format(value=nonce)))
    payload = build_payload(drawing, positions=positions, physics=physics, height=height, seed=seed,
                            stabilization_iterations=stabilization_iterations)
    return _TEMPLATES.get_template("figure.html").render(
        title=title, legend=_legend(drawing), notes=drawing.notes, include_library=include_library,
        css_url=css_url, script_url=script_url, payload=payload, nonce=nonce, init_script=Markup(INIT_SCRIPT)
    ).removesuffix("\n")


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


def render_explanation(paths: Iterable[ExplainedPath], *, title: str = "", script_url: str = DEFAULT_SCRIPT_URL,
                       css_url: str = DEFAULT_CSS_URL, height: str = "360px", include_library: bool = True,
                       nonce: str | None = None, positions: Mapping[str, tuple[float, float]] | None = None) -> str:
    """An HTML fragment drawing explanation paths (:class:`recommend.explain.ExplainedPath`), demand
    first; by default in columns by hop distance (:func:`render.layout.layered_positions`). Empty
    paths give an empty string."""
    paths = list(paths)
    nodes, edges = explanation_graph(paths)
    if not nodes:
        return ""
    drawing = Drawing(tuple(nodes), tuple(edges), nodes[0].key)
    if positions is None:
        positions = layered_positions(drawing.nodes, drawing.edges, center=drawing.center)
    return render_drawing(drawing, title=title, script_url=script_url, css_url=css_url, height=height,
                          positions=positions, include_library=include_library, nonce=nonce)


def render_page(*fragments: str, title: str, lang: str = "zh-CN") -> str:
    """A standalone HTML document around fragments from the ``render_*`` functions (exports, notebooks).

    ``title`` is plain text. The fragments are trusted HTML: pass only what this module
    rendered. Their script and stylesheet URLs must resolve where the page is opened
    (copy ``api/static/vendor/vis-network/`` beside an exported file and pass relative URLs).
    """
    return _TEMPLATES.get_template("page.html").render(title=title, lang=lang,
                                                       fragments=Markup("\n".join(fragments)))
