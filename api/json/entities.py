"""Experts, institutions, enterprises and service platforms: list or search (Chinese full text), and get one.

``GET /api/v1/experts?q=正极材料`` searches names, titles, descriptions and keyword text
(:meth:`graph.store.GraphStore.search_nodes`); without ``q`` the list is ordered by id.
Contact fields are masked unless the caller may read them (then each view is audited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request

from api.auth import Permission, requires
from api.present import present_nodes
from api.state import app_state
from api.validation import check_params, not_found, page_args, page_body
from graph.model import Label
from graph.store import Neighbor

__all__ = ["bp", "ENTITY_PATHS", "relations_json"]

bp = Blueprint("entities", __name__, url_prefix="/api/v1")

ENTITY_PATHS: dict[str, Label] = {"experts": Label.EXPERT, "institutions": Label.INSTITUTION,
                                  "enterprises": Label.ENTERPRISE, "platforms": Label.PLATFORM}
"""URL segment → label of the entity endpoints."""

_PER_RELATION = 50


def relations_json(neighbors: list[Neighbor]) -> list[dict[str, Any]]:
    """A node's relationships grouped by (type, direction, other label): totals and the first 50."""
    groups: dict[tuple[str, str, str], list[Neighbor]] = {}
    for nb in neighbors:
        groups.setdefault((nb.rel.type.value, nb.direction.value, nb.node.label.value), []).append(nb)
    return [{"type": t, "direction": d, "label": lb, "total": len(items),
             "items": [{"id": nb.node.id, "name": nb.node.name, "props": dict(nb.rel.props)}
                       for nb in items[:_PER_RELATION]]}
            for (t, d, lb), items in sorted(groups.items())]


def _lister(label: Label) -> Callable[[], Any]:
    def list_entities() -> Any:
        check_params(("page", "per_page", "q"))
        page, per_page = page_args()
        store = app_state().store()
        query = request.args.get("q", "").strip()
        skip = (page - 1) * per_page
        if query:
            found = store.search_nodes(query, labels=[label], skip=skip, limit=per_page)
        else:
            found = store.find_nodes(label, skip=skip, limit=per_page)
        return jsonify(page_body(present_nodes(found.nodes), page, per_page, found.total))

    list_entities.__doc__ = f"A page of {label.value} nodes, or those matching ``q``."
    return list_entities


def _getter(label: Label) -> Callable[[str], Any]:
    def get_entity(node_id: str) -> Any:
        check_params(())
        store = app_state().store()
        node = store.get_node(label, node_id)
        if node is None:
            raise not_found(label, node_id)
        body = present_nodes([node])[0]
        return jsonify({**body, "relations": relations_json(store.neighbors(label, node_id))})

    get_entity.__doc__ = f"One {label.value} node with its relationships."
    return get_entity


for _segment, _label in ENTITY_PATHS.items():
    bp.add_url_rule(f"/{_segment}", f"list_{_segment}", requires(Permission.ENTITY_READ)(_lister(_label)),
                    methods=["GET"])
    bp.add_url_rule(f"/{_segment}/<path:node_id>", f"get_{_segment}",
                    requires(Permission.ENTITY_READ)(_getter(_label)), methods=["GET"])
del _segment, _label
