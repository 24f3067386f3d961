"""Demands: create (validated exactly like ``kgmatch load --kind demand``), list with filters, get one.

Filters are :mod:`workflow.selection`'s (the one implementation the pages and the CLI share):
an id (``region:330100``), a code (``330100``, ``C3841``, ``40201``) or a name (``杭州市``),
each with everything below it; a demand without a region of its own is where its enterprise is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request, url_for

from api.app import app_state
from api.auth import Permission, may, requires
from api.blueprints._common import (
    audit_contacts,
    bad_param,
    check_params,
    json_object,
    list_arg,
    not_found,
    page_args,
    page_body,
    present_props,
    ref_json,
)
from api.errors import ApiMsg
from graph.errors import ConflictError, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from ingest.importers import import_rows
from ingest.mapping import KINDS, match_headers
from ingest.readers import Row
from workflow.selection import FILTER_PARAMS, DemandQuery, demand_query, find_demands, ids_below, label_param

__all__ = ["bp", "demands_json", "demand_filters", "ids_below", "label_param", "DEMAND_PROPERTIES",
           "FILTER_PARAMS"]

log = logging.getLogger(__name__)

bp = Blueprint("demands", __name__, url_prefix="/api/v1")

DEMAND_PROPERTIES = ("title", "description", "status", "posted", "deadline", "budget_wan", "keywords", "contact",
                     "phone", "email", "source")
"""The demand properties the API returns (those the importer writes)."""

_KIND = "demand"


def demands_json(store: GraphStore, nodes: Sequence[Node], *, reveal: bool) -> list[dict[str, Any]]:
    """Demands with their enterprise, fields, industries and regions (two bulk reads)."""
    refs = [n.ref for n in nodes]
    links: dict[NodeRef, dict[str, list[Any]]] = {r: {"fields": [], "industries": [], "regions": [], "ent": []}
                                                    for r in refs}
    outgoing = store.expand(refs, direction=Direction.OUT,
                            rel_types=[RelType.NEEDS, RelType.IN_INDUSTRY, RelType.LOCATED_IN])
    for ref, nb in outgoing:
        if nb.rel.type is RelType.NEEDS:
            links[ref]["fields"].append({**ref_json(nb.node), "weight": float(nb.rel.props.get("weight", 1.0))})
        else:
            links[ref]["industries" if nb.rel.type is RelType.IN_INDUSTRY else "regions"].append(ref_json(nb.node))
    for ref, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.POSTED], labels=[Label.ENTERPRISE]):
        links[ref]["ent"].append(ref_json(nb.node))
    out, viewed = [], []
    for node in nodes:
        props, shown = present_props({k: node.props.get(k) for k in DEMAND_PROPERTIES}, reveal=reveal)
        viewed.append((node, shown))
        link = links[node.ref]
        ents = sorted(link["ent"], key=lambda e: e["id"])
        out.append({"id": node.id, **props, "enterprise": ents[0] if ents else None,
                    "fields": sorted(link["fields"], key=lambda f: (-f["weight"], f["id"])),
                    "industries": sorted(link["industries"], key=lambda x: x["id"]),
                    "regions": sorted(link["regions"], key=lambda x: x["id"])})
    audit_contacts(viewed)
    return out


def demand_filters(store: GraphStore, values: Mapping[str, Any], *, statuses: Sequence[str] = (),
                   prefix: str = "") -> DemandQuery:
    """:func:`workflow.selection.demand_query` with the app's resolver."""
    return demand_query(store, values, statuses=statuses, resolver=app_state().resolver(), prefix=prefix)


def _filters(store: GraphStore) -> DemandQuery:
    """The selection of this request's query parameters (the pages use it too)."""
    status = (list_arg("status") or [None])[0]
    return demand_filters(store, {name: request.args.getlist(name) for name in FILTER_PARAMS},
                          statuses=(status,) if status else ())


@bp.get("/demands")
@requires(Permission.DEMAND_READ)
def list_demands() -> Any:
    """Demands ordered by id, filtered by ``industry`` / ``field`` / ``region`` / ``status``, paginated."""
    check_params(("page", "per_page", "industry", "field", "region", "status"))
    page, per_page = page_args()
    store = app_state().store()
    found = find_demands(store, _filters(store), skip=(page - 1) * per_page, limit=per_page)
    items = demands_json(store, found.nodes, reveal=may(Permission.CONTACT_READ))
    return jsonify(page_body(items, page, per_page, found.total))


@bp.get("/demands/<path:demand_id>")
@requires(Permission.DEMAND_READ)
def get_demand(demand_id: str) -> Any:
    """One demand with its enterprise, fields, industries and regions."""
    check_params(())
    store = app_state().store()
    node = store.get_node(Label.DEMAND, demand_id)
    if node is None:
        raise not_found(Label.DEMAND, demand_id)
    return jsonify(demands_json(store, [node], reveal=may(Permission.CONTACT_READ))[0])


def _id_headers(body: dict[str, Any]) -> list[str]:
    """The keys of ``body`` that give the demand id (unknown keys are a 400)."""
    return [header for header, column in _matched(body).items()
            if column.name == "id" and body[header] not in (None, "")]


def _matched(body: dict[str, Any]) -> dict[str, Any]:
    matched, unknown = match_headers(_KIND, list(body))
    if unknown:
        accepted = "、".join(c.name for c in KINDS[_KIND])
        errors = [bad_param(name, f"不是需求的字段（可用：{accepted}）").errors[0] for name in unknown]
        raise ValidationError.from_errors(errors)
    return matched


@bp.post("/demands")
@requires(Permission.DEMAND_WRITE)
def create_demand() -> Any:
    """Create one demand from a JSON object with the importer's fields (English or Chinese keys).

    Validation, reference resolution (enterprise, fields, industry, region) and NLP field
    linking are the importer's own; errors come back as its row/field errors. Without an
    ``id`` the server assigns ``demand:api-<16 hex>``; an ``id`` that exists is a 409. Without
    a posted date (``posted`` / 发布日期) the demand is dated today.
    """
    check_params(())
    body = json_object()
    store = app_state().store()
    given = _id_headers(body)
    if given:
        demand_id = str(body[given[0]]).strip()
        if store.get_node(Label.DEMAND, demand_id) is not None:
            raise ConflictError(ApiMsg.DEMAND_EXISTS.format(id=demand_id))
    else:
        demand_id = f"demand:api-{uuid.uuid4().hex[:16]}"
        body = {**body, "id": demand_id}
    if not any(column.name == "posted" and body[h] not in (None, "") for h, column in _matched(body).items()):
        body = {**body, "posted": date.today().isoformat()}  # received today, as the intake page does
    report = import_rows([Row(1, body)], _KIND, store, source="api", data_source="api")
    if report.errors:
        raise ValidationError.from_errors(report.errors)
    node = store.get_node(Label.DEMAND, demand_id)
    if node is None:  # the importer wrote nothing without saying why: a bug, not the client's fault
        raise RuntimeError(f"demand {demand_id} was not written and no error was reported")
    log.info("created demand %s through the API", demand_id)
    response = jsonify(demands_json(store, [node], reveal=may(Permission.CONTACT_READ))[0])
    response.status_code = 201
    response.headers["Location"] = url_for("demands.get_demand", demand_id=demand_id)
    return response
