"""Recommendations: for a stored demand (GET) or for free text (POST).

Options are the settings of :mod:`recommend.config` (``top_k``, ``region_mode``,
``max_per_institution``, ``weight_*`` …), as query parameters for GET and as the
``settings`` object for POST; :func:`recommend.config.resolve` validates them, and the
app caps the expensive ones (``KGMATCH_MAX_TOP_K``, ``KGMATCH_MAX_CANDIDATES``,
``KGMATCH_MAX_TEAMS``). Free text is understood like ``kgmatch recommend --text``:
:func:`ingest.field_linking.understand_demand` links it to fields and keywords.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from api.auth import Permission, requires
from api.limits import within_budget
from api.state import app_state
from api.validation import bad_param, capped, json_object, parse_settings
from graph.errors import Msg, RowError, ValidationError
from graph.model import Label
from ingest.field_linking import understand_demand
from ingest.nlp import content_words
from ingest.resolve import resolve_node
from recommend.engine import recommend_for_text
from recommend.result_cache import recommendation_for_demand

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("recommendations", __name__, url_prefix="/api/v1")

_TEXT_FIELDS = ("text", "region", "settings")


@bp.get("/demands/<path:demand_id>/recommendations")
@requires(Permission.RECOMMEND)
def for_demand(demand_id: str) -> Any:
    """Experts and teams for a stored demand, with explanations."""
    overrides = capped(parse_settings(request.args))
    state = app_state()
    store = state.store()
    # On the budgeted pool, the index too: a cold index build (a minute on a big graph) gives 503s until
    # it is ready instead of holding every server thread (KGMATCH_RECOMMEND_BUDGET).
    rec = within_budget(lambda: recommendation_for_demand(state.results, store, demand_id, tokenize=content_words,
                                                          overrides=overrides, index=state.index()))
    return jsonify(rec.as_dict())


def _region_id(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise bad_param("region", Msg.BAD_TYPE.format(expected="文本", value=value))
    state = app_state()
    return resolve_node(state.store(), Label.REGION, value, field_name="region", resolver=state.resolver()).id


@bp.post("/recommendations")
@requires(Permission.RECOMMEND)
def for_text() -> Any:
    """Experts and teams for free text (``text``, optional ``region`` and ``settings``)."""
    body = json_object()
    unknown = [RowError(None, k, Msg.api.UNKNOWN_PARAM) for k in body if k not in _TEXT_FIELDS]
    if unknown:
        raise ValidationError.from_errors(unknown)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_param("text", Msg.REQUIRED if not text else Msg.BAD_TYPE.format(expected="文本", value=text))
    limit = int(current_app.config["KGMATCH_TEXT_MAX_CHARS"])
    if len(text) > limit:
        raise bad_param("text", Msg.api.TOO_LONG.format(limit=limit))
    settings = body.get("settings")
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        raise bad_param("settings", Msg.BAD_TYPE.format(expected="JSON 对象", value=type(settings).__name__))
    overrides = capped(settings)
    region = _region_id(body.get("region"))
    state = app_state()
    store = state.store()
    # On the budgeted pool (KGMATCH_RECOMMEND_BUDGET): a clear 503, never a 20 s wait.
    rec = within_budget(lambda: recommend_for_text(store, text, tokenize=content_words, understand=understand_demand,
                                                   region_id=region, overrides=overrides, index=state.index()))
    log.info("free-text recommendation: %d experts", len(rec.experts))
    return jsonify({**rec.as_dict(), "keywords": list(rec.keywords)})
