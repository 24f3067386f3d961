"""The matchmaking workflows over JSON: pushes and the experts' inbox, feedback on
recommendations, the webhook delivery log, and the helpers every workflow view shares.

Each view checks its JSON body field by field (:class:`Body`: unknown fields, missing
fields and wrong types come back together as one Chinese 400 naming each field), then
calls one operation of :mod:`workflow`, whose ValidationError / NotFoundError /
ConflictError become 400 / 404 / 409 through the app's one error handler. The actor of
every write is the signed-in user or API key (:func:`actor`). Records are the node's
properties with its ``id`` (:func:`workflow.common.record`); the internal ``version`` guard is not
sent. 揭榜 challenges, 科技专员 dispatches and 创新券 vouchers are in :mod:`api.json.challenges`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, jsonify

from api.auth import Permission, requires
from api.json.common import Body, actor, choice_arg, created, find_page, records_page, slice_page
from api.state import app_state
from api.validation import bad_param, check_params, page_args
from graph.errors import Msg, ValidationError
from graph.model import Label
from graph.store import GraphStore, NodePage
from workflow import feedback, push, webhook
from workflow.common import record, require_node, system_clock
from workflow.outbox import DELIVERY_STATUSES
from workflow.selection import DemandQuery, demand_query, find_demands
from workflow.states import CHANNELS, DEMAND, PUSH, VERDICTS

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("workflow", __name__, url_prefix="/api/v1")

_LIST_FILTERS = ("field", "industry", "region", "status", "registry")


# -- pushes --------------------------------------------------------------------------------------


def _push_result(result: push.PushResult, **extra: Any) -> Any:
    body = {**result.as_dict(), **extra}
    return created(body, status=201 if result.created else 200)


@bp.post("/demands/<path:demand_id>/pushes")
@requires(Permission.PUSH_WRITE)
def push_demand(demand_id: str) -> Any:
    """Push one demand to the experts, teams and platforms an officer chose from its recommendations."""
    check_params(())
    body = Body(("targets", "channel", "note", "scores"))
    targets = body.refs("targets", push.PUSH_LABELS)
    channel = body.text("channel") or CHANNELS[0]
    note = body.text("note")
    scores = body.mapping("scores", numbers=True)
    body.check()
    store = app_state().store()
    result = push.push_demands(store, [demand_id], targets, actor=actor(), channel=channel, note=note,
                               source="recommendation", scores={k: float(v) for k, v in scores.items()} or None)
    log.info("%s pushed demand %s: %d new, %d already", actor(), demand_id, len(result.created), len(result.already))
    return _push_result(result)


def _list_filters(store: GraphStore, filters: Mapping[str, Any], body: Body) -> DemandQuery:
    """The selection of a demand list, resolved like ``GET /api/v1/demands`` does."""
    status = filters.get("status")
    if status is not None and not isinstance(status, str):
        body.fail("filters.status", Msg.BAD_TYPE.format(expected=Msg.workflow_api.TEXT, value=status))
    statuses = (status.strip(),) if isinstance(status, str) and status.strip() else ()
    try:
        return demand_query(store, filters, statuses=statuses, resolver=app_state().resolver, prefix="filters.")
    except ValidationError as err:
        for error in err.errors:
            body.fail(error.field, error.reason)
        return DemandQuery()


@bp.post("/pushes")
@requires(Permission.PUSH_WRITE)
def push_list() -> Any:
    """Push a demand list (explicit ``demand_ids``, or the demands matching ``filters``) to experts, teams, platforms.

    Demands chosen by filters that are already 已解决/已关闭 are skipped (listed in ``skipped``);
    named in ``demand_ids`` they are refused (409).
    """
    check_params(())
    body = Body(("demand_ids", "filters", "targets", "channel", "note"))
    demand_ids = body.texts("demand_ids")
    filters = body.mapping("filters")
    targets = body.refs("targets", push.PUSH_LABELS)
    channel = body.text("channel") or CHANNELS[0]
    note = body.text("note")
    if bool(demand_ids) == body.given("filters"):
        body.fail("demand_ids", Msg.workflow_api.ONE_OF)
    for name in filters:
        if name not in _LIST_FILTERS:
            body.fail(f"filters.{name}", Msg.workflow_api.UNKNOWN_FIELD.format(allowed="、".join(_LIST_FILTERS)))
    if body.given("filters") and not any(filters.get(n) not in (None, "", []) for n in _LIST_FILTERS):
        body.fail("filters", Msg.workflow_api.NO_FILTER.format(names="、".join(_LIST_FILTERS)))
    body.check()
    store = app_state().store()
    skipped: list[str] = []
    if not demand_ids:
        query = _list_filters(store, filters, body)
        body.check()
        found = find_demands(store, query, limit=push.MAX_PUSHES)
        if found.total > push.MAX_PUSHES:
            raise bad_param("filters", Msg.workflow_api.TOO_MANY_DEMANDS.format(count=found.total, limit=push.MAX_PUSHES))
        for node in found.nodes:
            closed = DEMAND.final(str(node.props.get("status") or DEMAND.initial))
            (skipped if closed else demand_ids).append(node.id)
        if not demand_ids:
            raise bad_param("filters", Msg.workflow_api.NONE_MATCH)
    pairs = len(demand_ids) * len(targets)
    if pairs > push.MAX_PUSHES:
        raise bad_param("targets", Msg.workflow_api.TOO_MANY_PAIRS.format(limit=push.MAX_PUSHES, demands=len(demand_ids),
                                                                  targets=len(targets), count=pairs))
    result = push.push_demands(store, demand_ids, targets, actor=actor(), channel=channel, note=note, source="list")
    log.info("%s pushed %d demands to %d recipients: %d new", actor(), len(demand_ids), len(targets),
             len(result.created))
    return _push_result(result, demand_ids=demand_ids, skipped=skipped)


@bp.get("/pushes")
@requires(Permission.WORKFLOW_READ)
def list_pushes() -> Any:
    """Pushes ordered by id, filtered by ``status``, ``demand_id``, ``target_id``, ``batch_id``."""
    return find_page(Label.PUSH, ("status", "demand_id", "target_id", "batch_id"), choices={"status": PUSH.states})


@bp.get("/demands/<path:demand_id>/pushes")
@requires(Permission.WORKFLOW_READ)
def demand_pushes(demand_id: str) -> Any:
    """The pushes of one demand, oldest first."""
    check_params(("page", "per_page"))
    page, per_page = page_args()
    store = app_state().store()
    require_node(store, Label.DEMAND, demand_id)
    return jsonify(slice_page(push.pushes_of_demand(store, demand_id), page, per_page))


@bp.get("/experts/<path:expert_id>/inbox")
@requires(Permission.WORKFLOW_READ)
def expert_inbox(expert_id: str) -> Any:
    """The pushes an expert received (directly or through a team), newest first; ``status`` filters."""
    check_params(("page", "per_page", "status"))
    page, per_page = page_args()
    status = choice_arg("status", PUSH.states)
    return jsonify(slice_page(push.inbox(app_state().store(), expert_id, status=status), page, per_page))


@bp.post("/pushes/<path:push_id>/response")
@requires(Permission.PORTAL_ACT)
def respond_push(push_id: str) -> Any:
    """An expert accepts or declines a push (declining needs a ``reason``); ``expert_id`` checks it is theirs."""
    check_params(())
    body = Body(("accept", "reason", "expert_id"))
    accept = body.flag("accept", required=True)
    reason = body.text("reason")
    expert_id = body.text("expert_id").strip() or None
    body.check()
    node = push.respond(app_state().store(), push_id, accept=accept, reason=reason, responder=actor(),
                        expert_id=expert_id)
    return jsonify(record(node))


@bp.post("/pushes/reminders")
@requires(Permission.PUSH_WRITE)
def remind_pushes() -> Any:
    """Remind every push unanswered for ``after_hours`` (default ``KGMATCH_PUSH_REMIND_HOURS``)."""
    check_params(())
    body = Body(("after_hours",))
    hours = body.number("after_hours")
    body.check()
    hours = float(current_app.config["KGMATCH_PUSH_REMIND_HOURS"] if hours is None else hours)
    reminded = push.send_reminders(app_state().store(), after_hours=hours)
    log.info("%s sent %d push reminders (after %g h)", actor(), len(reminded), hours)
    return jsonify({"after_hours": hours, "reminded": reminded})


# -- feedback on recommendations -----------------------------------------------------------------


@bp.post("/demands/<path:demand_id>/feedback")
@requires(Permission.FEEDBACK_WRITE)
def give_feedback(demand_id: str) -> Any:
    """采纳 or 不采纳 (with a reason) a recommended expert or team of a demand."""
    check_params(())
    body = Body(("target", "verdict", "reason", "rank", "score"))
    target = body.ref("target", push.SOLVER_LABELS)
    verdict = body.text("verdict", required=True).strip()
    reason = body.text("reason")
    rank = body.number("rank", integer=True)
    score = body.number("score")
    if verdict and verdict not in VERDICTS:
        body.fail("verdict", Msg.workflow_api.LABEL.format(choices="、".join(VERDICTS), value=verdict))
    body.check()
    assert target is not None  # body.check() refused a missing one
    node = feedback.record_feedback(app_state().store(), demand_id, target, verdict=verdict, reason=reason,
                                    actor=actor(), rank=rank, score=score)
    return created(record(node))


@bp.get("/demands/<path:demand_id>/feedback")
@requires(Permission.WORKFLOW_READ)
def demand_feedback(demand_id: str) -> Any:
    """The feedback on one demand's recommendations, newest first."""
    check_params(("page", "per_page"))
    page, per_page = page_args()
    store = app_state().store()
    require_node(store, Label.DEMAND, demand_id)
    return jsonify(slice_page(feedback.feedback_of_demand(store, demand_id), page, per_page))


@bp.get("/feedback")
@requires(Permission.WORKFLOW_READ)
def list_feedback() -> Any:
    """All feedback ordered by id (for export and learning), filtered by ``demand_id``, ``target_id``, ``verdict``."""
    return find_page(Label.FEEDBACK, ("demand_id", "target_id", "verdict"), choices={"verdict": VERDICTS})


# -- the webhook delivery log --------------------------------------------------------------------


@bp.get("/deliveries")
@requires(Permission.WORKFLOW_READ)
def list_deliveries() -> Any:
    """Webhook deliveries ordered by id, of one ``status`` (待投递 / 已投递) or all."""
    check_params(("page", "per_page", "status"))
    page, per_page = page_args()
    status = choice_arg("status", DELIVERY_STATUSES)
    found: NodePage = webhook.list_deliveries(app_state().store(), status, skip=(page - 1) * per_page, limit=per_page)
    return jsonify(records_page(found.nodes, found.total, page, per_page))


@bp.post("/deliveries/<path:delivery_id>/retry")
@requires(Permission.PUSH_WRITE)
def retry_delivery(delivery_id: str) -> Any:
    """Make a pending delivery due now (the dispatcher sends it on its next pass)."""
    check_params(())
    Body(()).check()
    node = webhook.retry_now(app_state().store(), delivery_id, system_clock())
    log.info("%s asked to retry delivery %s now", actor(), delivery_id)
    return jsonify(record(node))
