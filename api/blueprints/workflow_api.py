"""The matchmaking workflows over JSON: pushes and the experts' inbox, feedback on
recommendations, the webhook delivery log, and the helpers every workflow view shares.

Each view checks its JSON body field by field (:class:`Body`: unknown fields, missing
fields and wrong types come back together as one Chinese 400 naming each field), then
calls one operation of :mod:`workflow`, whose ValidationError / NotFoundError /
ConflictError become 400 / 404 / 409 through the app's one error handler. The actor of
every write is the signed-in user or API key (:func:`actor`). Records are the node's
properties with its ``id`` (:func:`workflow.common.record`); the internal ``version`` guard is not
sent. 揭榜 challenges, 科技专员 dispatches and 创新券 vouchers are in :mod:`api.blueprints.challenge_api`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from api.app import app_state
from api.auth import Permission, current_principal, requires
from api.blueprints._common import bad_param, check_params, json_object, page_args, page_body
from api.blueprints.demands import demand_filters
from api.errors import ApiMsg
from graph.errors import Msg, RowError, ValidationError
from graph.model import Label
from graph.store import GraphStore, Node, NodePage, NodeRef
from workflow import feedback, push, webhook
from workflow.common import record, require_node, system_clock
from workflow.outbox import DELIVERY_STATUSES
from workflow.selection import DemandQuery, find_demands
from workflow.states import CHANNELS, DEMAND, PUSH, VERDICTS

__all__ = ["bp", "Body", "actor", "records_page", "find_page", "choice_arg", "created",
           "WfApiMsg"]

log = logging.getLogger(__name__)

bp = Blueprint("workflow", __name__, url_prefix="/api/v1")

_TEXT_LIMIT = 5000
_LIST_FILTERS = ("field", "industry", "region", "status")


class WfApiMsg:
    """Chinese messages of the workflow API; format with ``str.format``."""

    UNKNOWN_FIELD = "不是可用的字段（可用：{allowed}）"
    TEXT = "文本"
    BOOL = "true 或 false"
    NUMBER = "数字"
    INTEGER = "整数"
    TEXTS = "文本列表"
    OBJECT = "JSON 对象"
    REF = "形如 {{\"label\": \"{labels}\", \"id\": \"…\"}} 的对象"
    LABEL = "应为 {choices} 之一，实际为「{value}」"
    TOO_MANY_ITEMS = "最多 {limit} 项，实际 {count} 项"
    ONE_OF = "请填写 demand_ids（需求编号列表）或 filters（筛选条件）之一，且只填一个"
    NO_FILTER = "请至少填写一个筛选条件：{names}"
    NONE_MATCH = "没有符合筛选条件、且可以推送的需求"
    TOO_MANY_DEMANDS = "符合筛选条件的需求有 {count} 条，一次最多推送 {limit} 条，请缩小筛选范围"
    TOO_MANY_PAIRS = "一次最多推送 {limit} 条（需求 × 专家或团队），实际 {demands} × {targets} = {count} 条"


# -- helpers shared with challenge_api -----------------------------------------------------------


def actor() -> str:
    """The name of the signed-in user or API key acting in this request."""
    principal = current_principal()
    return principal.name if principal is not None else ""


def records_page(nodes: Sequence[Node], total: int, page: int, per_page: int) -> dict[str, Any]:
    """A page of records in the shape of every paginated list."""
    return page_body([record(n) for n in nodes], page, per_page, total)


def find_page(label: Label, filters: Iterable[str], *, choices: Mapping[str, Sequence[str]] | None = None) -> Any:
    """``GET`` a filtered page of ``label`` ordered by id: each name of ``filters`` is an exact-match
    query parameter; those in ``choices`` must be one of the values given there."""
    names = tuple(filters)
    choices = choices or {}
    check_params(("page", "per_page", *names))
    page, per_page = page_args()
    props: dict[str, Any] = {}
    for name in names:
        value = choice_arg(name, choices[name]) if name in choices else request.args.get(name, "").strip()
        if value:
            props[name] = value
    found = app_state().store().find_nodes(label, props=props or None, skip=(page - 1) * per_page, limit=per_page)
    return jsonify(records_page(found.nodes, found.total, page, per_page))


def choice_arg(name: str, choices: Sequence[str]) -> str | None:
    """A query parameter that must be one of ``choices`` (``None`` when absent)."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if value not in choices:
        raise bad_param(name, WfApiMsg.LABEL.format(choices="、".join(choices), value=value))
    return value


def created(body: Any, *, status: int = 201) -> Any:
    """A JSON response with ``status`` (201 for what a POST created)."""
    response = jsonify(body)
    response.status_code = status
    return response


def _slice(items: Sequence[Node], page: int, per_page: int) -> dict[str, Any]:
    """A page of a list the workflow returns whole (newest first, not by id)."""
    skip = (page - 1) * per_page
    return records_page(items[skip:skip + per_page], len(items), page, per_page)


class Body:
    """A JSON request body read field by field.

    Every accessor records what is wrong (unknown, missing, wrong type) and returns a
    harmless placeholder; :meth:`check` then raises one ValidationError naming every field,
    before anything is written.
    """

    def __init__(self, allowed: Sequence[str]) -> None:
        self.data = json_object()
        self.errors: list[RowError] = []
        unknown = [k for k in self.data if k not in allowed]
        for name in unknown:
            self.fail(name, WfApiMsg.UNKNOWN_FIELD.format(allowed="、".join(allowed) or "无"))

    def fail(self, name: str, reason: str) -> None:
        """Record a problem with field ``name`` (also one the view found, such as two fields that exclude each other)."""
        self.errors.append(RowError(None, name, reason))

    def _bad_type(self, name: str, expected: str, value: Any) -> None:
        self.fail(name, Msg.BAD_TYPE.format(expected=expected, value=value))

    def given(self, name: str) -> bool:
        """Whether the body has ``name`` with a value other than null."""
        return self.data.get(name) is not None

    def text(self, name: str, *, required: bool = False, limit: int = _TEXT_LIMIT) -> str:
        """A text field ("" when absent)."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, Msg.REQUIRED)
            return ""
        if not isinstance(value, str):
            self._bad_type(name, WfApiMsg.TEXT, value)
            return ""
        if len(value) > limit:
            self.fail(name, ApiMsg.TOO_LONG.format(limit=limit))
            return ""
        return value

    def flag(self, name: str, *, required: bool = False) -> bool:
        """A boolean field (false when absent)."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, Msg.REQUIRED)
            return False
        if not isinstance(value, bool):
            self._bad_type(name, WfApiMsg.BOOL, value)
            return False
        return value

    def number(self, name: str, *, required: bool = False, integer: bool = False) -> Any:
        """A (finite) number field, or an integer with ``integer``; ``None`` when absent or wrong."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, Msg.REQUIRED)
            return None
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            self._bad_type(name, WfApiMsg.INTEGER if integer else WfApiMsg.NUMBER, value)
            return None
        return value

    def texts(self, name: str, *, required: bool = False, limit: int = push.MAX_PUSHES) -> list[str]:
        """A list of non-empty texts, duplicates dropped."""
        value = self.data.get(name)
        if value is None or value == []:
            if required:
                self.fail(name, Msg.REQUIRED)
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._bad_type(name, WfApiMsg.TEXTS, value)
            return []
        if len(value) > limit:
            self.fail(name, WfApiMsg.TOO_MANY_ITEMS.format(limit=limit, count=len(value)))
            return []
        return list(dict.fromkeys(v.strip() for v in value))

    def _ref(self, name: str, value: Any, labels: Sequence[Label]) -> NodeRef | None:
        names = "|".join(x.value for x in labels)
        if not isinstance(value, dict) or set(value) != {"label", "id"}:
            self._bad_type(name, WfApiMsg.REF.format(labels=names), value)
            return None
        label, node_id = value["label"], value["id"]
        if label not in [x.value for x in labels]:
            self.fail(name, WfApiMsg.LABEL.format(choices="、".join(x.value for x in labels), value=label))
            return None
        if not isinstance(node_id, str) or not node_id.strip():
            self.fail(f"{name}.id", Msg.REQUIRED if not node_id else Msg.BAD_TYPE.format(expected="文本",
                                                                                         value=node_id))
            return None
        return NodeRef(Label(label), node_id.strip())

    def ref(self, name: str, labels: Sequence[Label]) -> NodeRef | None:
        """A required ``{"label", "id"}`` object whose label is one of ``labels``."""
        value = self.data.get(name)
        if value is None:
            self.fail(name, Msg.REQUIRED)
            return None
        return self._ref(name, value, labels)

    def refs(self, name: str, labels: Sequence[Label], *, limit: int = push.MAX_PUSHES) -> list[NodeRef]:
        """A required, non-empty list of ``{"label", "id"}`` objects (duplicates dropped)."""
        value = self.data.get(name)
        if value is None or value == []:
            self.fail(name, Msg.REQUIRED)
            return []
        if not isinstance(value, list):
            self._bad_type(name, WfApiMsg.REF.format(labels="|".join(x.value for x in labels)) + " 的列表", value)
            return []
        if len(value) > limit:
            self.fail(name, WfApiMsg.TOO_MANY_ITEMS.format(limit=limit, count=len(value)))
            return []
        found = [self._ref(f"{name}[{i}]", item, labels) for i, item in enumerate(value)]
        return list(dict.fromkeys(r for r in found if r is not None))

    def mapping(self, name: str, *, numbers: bool = False) -> dict[str, Any]:
        """An object ({} when absent); with ``numbers`` each value must be a finite number."""
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._bad_type(name, WfApiMsg.OBJECT, value)
            return {}
        if numbers:
            for key, item in value.items():
                if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
                    self._bad_type(f"{name}.{key}", WfApiMsg.NUMBER, item)
        return dict(value)

    def check(self) -> None:
        """Raise one ValidationError naming every problem found so far."""
        if self.errors:
            raise ValidationError.from_errors(self.errors)


# -- pushes --------------------------------------------------------------------------------------


def _push_result(result: push.PushResult, **extra: Any) -> Any:
    body = {**result.as_dict(), **extra}
    return created(body, status=201 if result.created else 200)


@bp.post("/demands/<path:demand_id>/pushes")
@requires(Permission.PUSH_WRITE)
def push_demand(demand_id: str) -> Any:
    """Push one demand to the experts and teams an officer chose from its recommendations."""
    check_params(())
    body = Body(("targets", "channel", "note", "scores"))
    targets = body.refs("targets", push.SOLVER_LABELS)
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
        body.fail("filters.status", Msg.BAD_TYPE.format(expected=WfApiMsg.TEXT, value=status))
    statuses = (status.strip(),) if isinstance(status, str) and status.strip() else ()
    try:
        return demand_filters(store, filters, statuses=statuses, prefix="filters.")
    except ValidationError as err:
        for error in err.errors:
            body.fail(error.field, error.reason)
        return DemandQuery()


@bp.post("/pushes")
@requires(Permission.PUSH_WRITE)
def push_list() -> Any:
    """Push a demand list (explicit ``demand_ids``, or the demands matching ``filters``) to experts and teams.

    Demands chosen by filters that are already 已解决/已关闭 are skipped (listed in ``skipped``);
    named in ``demand_ids`` they are refused (409).
    """
    check_params(())
    body = Body(("demand_ids", "filters", "targets", "channel", "note"))
    demand_ids = body.texts("demand_ids")
    filters = body.mapping("filters")
    targets = body.refs("targets", push.SOLVER_LABELS)
    channel = body.text("channel") or CHANNELS[0]
    note = body.text("note")
    if bool(demand_ids) == body.given("filters"):
        body.fail("demand_ids", WfApiMsg.ONE_OF)
    for name in filters:
        if name not in _LIST_FILTERS:
            body.fail(f"filters.{name}", WfApiMsg.UNKNOWN_FIELD.format(allowed="、".join(_LIST_FILTERS)))
    if body.given("filters") and not any(filters.get(n) not in (None, "", []) for n in _LIST_FILTERS):
        body.fail("filters", WfApiMsg.NO_FILTER.format(names="、".join(_LIST_FILTERS)))
    body.check()
    store = app_state().store()
    skipped: list[str] = []
    if not demand_ids:
        query = _list_filters(store, filters, body)
        body.check()
        found = find_demands(store, query, limit=push.MAX_PUSHES)
        if found.total > push.MAX_PUSHES:
            raise bad_param("filters", WfApiMsg.TOO_MANY_DEMANDS.format(count=found.total, limit=push.MAX_PUSHES))
        for node in found.nodes:
            closed = DEMAND.final(str(node.props.get("status") or DEMAND.initial))
            (skipped if closed else demand_ids).append(node.id)
        if not demand_ids:
            raise bad_param("filters", WfApiMsg.NONE_MATCH)
    pairs = len(demand_ids) * len(targets)
    if pairs > push.MAX_PUSHES:
        raise bad_param("targets", WfApiMsg.TOO_MANY_PAIRS.format(limit=push.MAX_PUSHES, demands=len(demand_ids),
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
    return jsonify(_slice(push.pushes_of_demand(store, demand_id), page, per_page))


@bp.get("/experts/<path:expert_id>/inbox")
@requires(Permission.WORKFLOW_READ)
def expert_inbox(expert_id: str) -> Any:
    """The pushes an expert received (directly or through a team), newest first; ``status`` filters."""
    check_params(("page", "per_page", "status"))
    page, per_page = page_args()
    status = choice_arg("status", PUSH.states)
    return jsonify(_slice(push.inbox(app_state().store(), expert_id, status=status), page, per_page))


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
        body.fail("verdict", WfApiMsg.LABEL.format(choices="、".join(VERDICTS), value=verdict))
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
    return jsonify(_slice(feedback.feedback_of_demand(store, demand_id), page, per_page))


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
