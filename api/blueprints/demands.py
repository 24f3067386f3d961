"""Demands: create (validated exactly like ``kgmatch load --kind demand``), list with filters, get one.

Filters take an id (``region:330100``), a code (``330100``, ``C3841``, ``40201``) or an
exact name (``杭州市``), resolved like the importer resolves them, and include
everything below: ``region=浙江省`` finds demands located in any city or county of
Zhejiang, ``field=ht2016:402`` any of its subfields.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, url_for

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
from graph.store import Direction, GraphStore, Node, NodeRef, RelFilter
from ingest.importers import import_rows
from ingest.mapping import FIELD_SCHEME_ORDER, KINDS, match_headers
from ingest.readers import Row

__all__ = ["bp", "demands_json", "DEMAND_PROPERTIES"]

log = logging.getLogger(__name__)

bp = Blueprint("demands", __name__, url_prefix="/api/v1")

DEMAND_PROPERTIES = ("title", "description", "status", "posted", "deadline", "budget_wan", "keywords", "contact",
                     "phone", "email", "source")
"""The demand properties the API returns (those the importer writes)."""

_MAX_FILTER_IDS = 20_000
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


def _below(store: GraphStore, label: Label, root: str, rel_type: RelType) -> tuple[str, ...]:
    """``root`` and every node of ``label`` below it (following ``rel_type`` backwards)."""
    seen, frontier = {root}, [root]
    while frontier and len(seen) < _MAX_FILTER_IDS:
        pairs = store.expand([NodeRef(label, i) for i in frontier], direction=Direction.IN, rel_types=[rel_type],
                             labels=[label])
        frontier = sorted({nb.node.id for _, nb in pairs} - seen)
        seen.update(frontier)
    return tuple(sorted(seen))


def _resolve(store: GraphStore, name: str, label: Label, lookup: Callable[[str], str]) -> str:
    """The id a filter value names: an id as it is, else a code or name resolved like the importer."""
    if store.get_node(label, name) is not None:
        return name
    try:
        return lookup(name)
    except ValueError as err:
        raise bad_param(label_param(label), str(err)) from err


def label_param(label: Label) -> str:
    """The query parameter that filters by ``label``."""
    return {Label.REGION: "region", Label.INDUSTRY: "industry", Label.FIELD: "field"}[label]


def _filters(store: GraphStore) -> list[RelFilter]:
    resolver = None

    def lookups() -> Any:
        nonlocal resolver
        resolver = resolver or app_state().resolver()
        return resolver

    specs = (
        (Label.REGION, RelType.LOCATED_IN, RelType.PART_OF, lambda v: lookups().region(v)),
        (Label.INDUSTRY, RelType.IN_INDUSTRY, RelType.PART_OF, lambda v: lookups().industry(v)),
        (Label.FIELD, RelType.NEEDS, RelType.SUBFIELD_OF, lambda v: lookups().field(v, FIELD_SCHEME_ORDER[_KIND])),
    )
    filters = []
    for label, link, hierarchy, lookup in specs:
        values = list_arg(label_param(label))
        if values:
            ids: set[str] = set()
            for value in values:
                ids.update(_below(store, label, _resolve(store, value, label, lookup), hierarchy))
            filters.append(RelFilter(link, label, tuple(sorted(ids))))
    return filters


@bp.get("/demands")
@requires(Permission.DEMAND_READ)
def list_demands() -> Any:
    """Demands ordered by id, filtered by ``industry`` / ``field`` / ``region`` / ``status``, paginated."""
    check_params(("page", "per_page", "industry", "field", "region", "status"))
    page, per_page = page_args()
    store = app_state().store()
    status = (list_arg("status") or [None])[0]
    found = store.find_nodes(Label.DEMAND, props={"status": status} if status else None, related=_filters(store),
                             skip=(page - 1) * per_page, limit=per_page)
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
