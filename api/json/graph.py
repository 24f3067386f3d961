"""``GET /api/v1/graph/{label}/{id}``: the neighbourhood of any node, for drawing.

``label``, ``rel_types`` and ``labels`` must be members of :class:`~graph.model.Label` /
:class:`~graph.model.RelType` (never passed on unchecked); ``depth`` and ``max_nodes``
are capped by ``KGMATCH_GRAPH_MAX_DEPTH`` / ``KGMATCH_GRAPH_MAX_NODES``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from api.auth import Permission, requires
from api.present import present_nodes
from api.state import app_state
from api.validation import check_params, int_arg, list_arg, parse_choices
from graph.model import Label, RelType

__all__ = ["bp"]

bp = Blueprint("graph", __name__, url_prefix="/api/v1")


@bp.get("/graph/<label>/<path:node_id>")
@requires(Permission.GRAPH_READ)
def neighbourhood(label: str, node_id: str) -> Any:
    """Nodes within ``depth`` hops (breadth-first, at most ``max_nodes``) and the relationships between them."""
    check_params(("depth", "max_nodes", "rel_types", "labels"))
    cfg = current_app.config
    centre = parse_choices([label], Label.parse, "label")[0]
    depth = int_arg("depth", 1, 1, int(cfg["KGMATCH_GRAPH_MAX_DEPTH"]))
    max_nodes = int_arg("max_nodes", min(100, int(cfg["KGMATCH_GRAPH_MAX_NODES"])), 1,
                        int(cfg["KGMATCH_GRAPH_MAX_NODES"]))
    rel_types = parse_choices(list_arg("rel_types"), RelType.parse, "rel_types") or None
    labels = parse_choices(list_arg("labels"), Label.parse, "labels") or None
    sub = app_state().store().subgraph(centre, node_id, depth=depth, max_nodes=max_nodes, rel_types=rel_types,
                                       labels=labels)
    return jsonify({"centre": {"label": centre.value, "id": node_id}, "nodes": present_nodes(sub.nodes),
                    "relationships": [r.as_dict() for r in sub.relationships], "truncated": sub.truncated})
