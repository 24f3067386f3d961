"""图谱浏览: find any entity by name (``GraphStore.search_nodes``), then draw its neighbourhood.

The neighbourhood comes from ``GraphStore.subgraph`` (depth 1 to ``KGMATCH_GRAPH_MAX_DEPTH``,
at most ``KGMATCH_GRAPH_MAX_NODES`` nodes, optionally only some labels and relationship
types — members of :class:`~graph.model.Label` / :class:`~graph.model.RelType`, never
request text) and is drawn by :mod:`render`: crowds collapsed into "另有 N 位专家…",
capped, laid out in Python, drawn offline with the vendored vis-network. A table lists
the same nodes, so the page works without the canvas; double-clicking a node (our own
``static/pages/graph.js``) opens its neighbourhood.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, request, url_for
from markupsafe import Markup

from api.auth import Permission, requires
from api.pages.base import page_headers, render_page
from api.state import app_state
from api.validation import bad_param, parse_choices
from graph.errors import Msg, ValidationError
from graph.model import NODE_SPECS, REL_SPECS, Label, RelType
from graph.store import SEARCH_LABELS, Node, NodeRef
from render import LABEL_STYLES, node_key, prepare_subgraph, render_drawing

__all__ = ["bp", "DRAW_LIMITS", "SEARCH_LIMIT"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_graph", __name__)
bp.after_request(page_headers)

DRAW_LIMITS = (50, 100, 150, 300)
"""How many nodes a drawing may show (the reader picks; crowds are collapsed first)."""
SEARCH_LIMIT = 50
"""Search hits listed on one page."""


def _int(name: str, default: int, choices: list[int]) -> int:
    raw = request.args.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = -1
    if value not in choices:
        raise bad_param(name, Msg.pages.BAD_OPTION.format(choices="、".join(str(c) for c in choices), value=raw))
    return value


@bp.get("/graph")
@requires(Permission.GRAPH_READ)
def explore() -> Any:
    """The search form and, with ``q``, the matching entities (each a link to its neighbourhood)."""
    query = request.args.get("q", "").strip()
    chosen = request.args.get("label", "")
    labels = parse_choices([chosen], Label.parse, "label") if chosen else []
    hits: list[Node] = []
    total, error = 0, ""
    if "q" in request.args:
        if not query:
            error = Msg.pages.SEARCH_EMPTY
        else:
            try:
                found = app_state().store().search_nodes(query, labels=labels or None, limit=SEARCH_LIMIT)
                hits, total = found.nodes, found.total
            except ValidationError as err:
                error = err.errors[0].reason if err.errors else err.message
    results = [{"label": n.label.value, "zh": NODE_SPECS[n.label].zh, "name": n.name, "id": n.id,
                "url": url_for("pages_graph.node", label=n.label.value, node_id=n.id)} for n in hits]
    return render_page("graph.html", status=400 if error else 200, active="pages_graph.explore", query=query,
                       chosen=chosen, search_labels=[(lb.value, NODE_SPECS[lb].zh) for lb in SEARCH_LABELS],
                       results=results, total=total, error=error,
                       no_results=Msg.pages.NO_RESULTS.format(query=query) if query and not hits and not error else "",
                       centre=None)


@bp.get("/graph/<label>/<path:node_id>")
@requires(Permission.GRAPH_READ)
def node(label: str, node_id: str) -> Any:
    """One node's neighbourhood: type filters, depth 1–3, capped, drawn with the vendored vis-network."""
    cfg = current_app.config
    centre_label = parse_choices([label], Label.parse, "label")[0]
    max_depth = int(cfg["KGMATCH_GRAPH_MAX_DEPTH"])
    depth = _int("depth", 1, list(range(1, max_depth + 1)))
    draw_limit = _int("max_nodes", 150, [n for n in DRAW_LIMITS if n <= int(cfg["KGMATCH_GRAPH_MAX_NODES"])] or [1])
    labels = parse_choices(request.args.getlist("labels"), Label.parse, "labels")
    rel_types = parse_choices(request.args.getlist("rel_types"), RelType.parse, "rel_types")
    store = app_state().store()
    sub = store.subgraph(centre_label, node_id, depth=depth, max_nodes=int(cfg["KGMATCH_GRAPH_MAX_NODES"]),
                         rel_types=rel_types or None, labels=labels or None)
    centre = sub.nodes[0]
    drawing = prepare_subgraph(sub, center=NodeRef(centre_label, node_id), max_nodes=draw_limit)
    by_key = {node_key(n): n for n in sub.nodes}
    kept = {"depth": depth, "max_nodes": draw_limit, "labels": [lb.value for lb in labels],
            "rel_types": [r.value for r in rel_types]}

    def link(n: Node) -> str:
        return url_for("pages_graph.node", label=n.label.value, node_id=n.id, **kept)

    links = [link(by_key[d.key]) if d.key in by_key else None for d in drawing.nodes]
    title = f"{NODE_SPECS[centre.label].zh}「{centre.name}」的 {depth} 跳邻域"
    # render escapes every name itself and loads vis-network from /static only.
    graph_html = Markup(render_drawing(drawing, title=title, height="600px"))
    listed = [{"zh": NODE_SPECS[d.label].zh, "name": by_key[d.key].name, "id": by_key[d.key].id, "url": links[i],
               "colour": LABEL_STYLES[d.label].color, "centre": d.key == drawing.center}
              for i, d in enumerate(drawing.nodes) if d.key in by_key]
    aggregates = [d.tooltip for d in drawing.nodes if d.aggregate]
    log.info("graph page %s %s: depth %d, %d of %d nodes drawn", centre_label.value, node_id, depth,
             len(drawing.nodes), len(sub.nodes))
    return render_page(
        "graph.html", active="pages_graph.explore", query="", chosen="", results=[], total=0, error="",
        no_results="", search_labels=[(lb.value, NODE_SPECS[lb].zh) for lb in SEARCH_LABELS],
        centre={"label": centre.label.value, "zh": NODE_SPECS[centre.label].zh, "name": centre.name, "id": centre.id},
        graph_html=graph_html, links=links, listed=listed, aggregates=aggregates,
        notes=list(drawing.notes), depth=depth, depths=list(range(1, max_depth + 1)), draw_limit=draw_limit,
        draw_limits=[n for n in DRAW_LIMITS if n <= int(cfg["KGMATCH_GRAPH_MAX_NODES"])],
        label_choices=[(lb.value, NODE_SPECS[lb].zh, not labels or lb in labels) for lb in Label],
        rel_choices=[(r.value, REL_SPECS[r].zh, not rel_types or r in rel_types) for r in RelType],
        fetched=len(sub.nodes), truncated=sub.truncated)
