"""Demands: create (validated exactly like ``kgmatch load --kind demand``), list with filters, get one, and
correct the technical fields one is filed under (:func:`workflow.demands.set_demand_fields`).

Filters take an id (``region:330100``), a code (``330100``, ``C3841``, ``40201``) or an
exact name (``杭州市``), resolved like the importer resolves them, and include
everything below: ``region=浙江省`` finds demands located in any city or county of
Zhejiang, ``field=ht2016:402`` any of its subfields.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, current_app, jsonify, url_for

from api.auth import Permission, may, requires
from api.json.common import Body, actor
from api.present import demands_json
from api.state import app_state
from api.validation import (
    bad_param,
    check_params,
    demand_query_from_args,
    json_object,
    not_found,
    page_args,
    page_body,
)
from graph import clock
from graph.errors import ConflictError, Msg, ValidationError
from graph.model import Label
from graph.store import NodeRef
from ingest.importers import import_rows
from ingest.mapping import KINDS, match_headers
from ingest.readers import Row
from workflow.common import system_clock
from workflow.demands import set_demand_fields
from workflow.selection import find_demands

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("demands", __name__, url_prefix="/api/v1")

_KIND = "demand"


@bp.get("/demands")
@requires(Permission.DEMAND_READ)
def list_demands() -> Any:
    """Demands ordered by id, filtered by ``industry`` / ``field`` / ``region`` / ``status``, paginated."""
    check_params(("page", "per_page", "industry", "field", "region", "status", "registry"))
    page, per_page = page_args()
    store = app_state().store()
    found = find_demands(store, demand_query_from_args(store), skip=(page - 1) * per_page, limit=per_page)
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


_JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "fields": ((dict, str, list), "对象、文本或数组"),
    "industry": ((str, list), "文本或数组"),
    "keywords": ((list, str), "文本或文本数组"),
    "budget_wan": ((int, float, str), "数字或文本"),
}
"""The JSON types a demand key may take beyond text (the DemandInput schema); every other key is text
(null never reaches here: :func:`api.validation.json_object` refuses it)."""


def _matched(body: dict[str, Any]) -> dict[str, Any]:
    """The importer column of each key of ``body``; unknown keys and values of the wrong JSON type are a 400."""
    matched, unknown = match_headers(_KIND, list(body))
    if unknown:
        accepted = "、".join(c.name for c in KINDS[_KIND])
        errors = [bad_param(name, f"不是需求的字段（可用：{accepted}）").errors[0] for name in unknown]
        raise ValidationError.from_errors(errors)
    errors = []
    for header, column in matched.items():
        value = body[header]
        types, expected = _JSON_TYPES.get(column.name, ((str,), "文本"))
        if isinstance(value, bool) or not isinstance(value, types) or (
                column.name == "keywords" and isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            errors.append(bad_param(header, Msg.BAD_TYPE.format(expected=expected, value=value)).errors[0])
    if errors:
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
            raise ConflictError(Msg.api.DEMAND_EXISTS.format(id=demand_id))
    else:
        demand_id = f"demand:api-{uuid.uuid4().hex[:16]}"
        body = {**body, "id": demand_id}
    if not any(column.name == "posted" and body[h] not in (None, "") for h, column in _matched(body).items()):
        body = {**body, "posted": clock.today().isoformat()}  # received today, as the intake page does
    report = import_rows([Row(1, body)], _KIND, store, source="api", data_source="api", intake=True,
                         text_limit=int(current_app.config["KGMATCH_TEXT_MAX_CHARS"]),
                         create=[NodeRef(Label.DEMAND, demand_id)])  # atomic: a concurrent create gets 409
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


@bp.post("/demands/<path:demand_id>/fields")
@requires(Permission.DEMAND_WRITE)
def correct_fields(demand_id: str) -> Any:
    """Set the demand's technical fields anew (an officer's correction of the linker's or the importer's choice):
    ``{"fields": …}`` in the importer's forms (ids, codes or exact names, optional weights); the demand as stored."""
    check_params(())
    body = Body(("fields",))
    if "fields" not in body.data:
        body.fail("fields", Msg.REQUIRED)
    else:  # the types POST /demands takes for its fields (the DemandInput schema)
        types, expected = _JSON_TYPES["fields"]
        if isinstance(body.data["fields"], bool) or not isinstance(body.data["fields"], types):
            body.fail("fields", Msg.BAD_TYPE.format(expected=expected, value=body.data["fields"]))
    body.check()
    store = app_state().store()
    got = set_demand_fields(store, demand_id, body.data["fields"], by=actor(), now=system_clock(),
                            resolver=app_state().resolver())
    log.info("%s set the fields of demand %s: %s", actor(), demand_id, got)
    node = store.get_node(Label.DEMAND, demand_id)
    return jsonify(demands_json(store, [node], reveal=may(Permission.CONTACT_READ))[0])
