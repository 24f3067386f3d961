"""创新活动与培训 over JSON: publish, enrol, attendance, close, 揭榜 from an activity, recommendations, report.

Officers (``activity:manage``) publish and run activities; the portal (``portal:act``) enrols
enterprises and experts on their behalf. Every rule and refusal lives in :mod:`workflow.activities`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from analytics.activities import ACTIVITY_REPORT_BY, PERIODS, activity_report
from api.auth import Permission, requires
from api.json.common import Body, actor, choice_arg, created, find_page
from api.state import app_state
from api.validation import bad_param, check_params
from graph.clock import today
from graph.errors import Msg
from graph.model import Label
from recommend.activities import recommend_for_demand, recommend_for_enterprise
from workflow import activities as flow
from workflow.common import record, require_node
from workflow.states import ACTIVITY, ACTIVITY_KINDS

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("activities", __name__, url_prefix="/api/v1")
_INPUT = ("id", "title", "kind", "topic", "start_date", "end_date", "place", "region", "organiser", "capacity",
          "fields", "description", "draft")


def _detail(activity_id: str) -> dict[str, Any]:
    store = app_state().store()
    node = require_node(store, Label.ACTIVITY, activity_id)
    return {**record(node), "enrolments": flow.enrolments_of(store, activity_id),
            "challenges": [record(c) for c in flow.challenges_of(store, activity_id)]}


@bp.get("/activities")
@requires(Permission.WORKFLOW_READ)
def list_activities() -> Any:
    """Activities ordered by id, filtered by ``status``, ``kind``, ``region``."""
    return find_page(Label.ACTIVITY, ("status", "kind", "region"),
                     choices={"status": ACTIVITY.states, "kind": ACTIVITY_KINDS})


@bp.post("/activities")
@requires(Permission.ACTIVITY_MANAGE)
def create_activity() -> Any:
    """Publish an activity (报名中), or save a draft with ``draft: true``."""
    check_params(())
    body = Body(_INPUT, nullable=("capacity",))  # ActivityInput: capacity may be null (no limit)
    values: dict[str, Any] = {name: body.text(name, required=name in ("title", "kind", "start_date"))
                              for name in _INPUT if name not in ("capacity", "fields", "draft")}
    values["capacity"] = body.number("capacity", integer=True)
    values["fields"] = body.texts("fields", limit=50)
    draft = body.flag("draft")
    body.check()
    node = flow.create_activity(app_state().store(), values, actor=actor(), publish=not draft)
    log.info("%s created activity %s", actor(), node.id)
    return created(record(node))


@bp.get("/activities/<path:activity_id>")
@requires(Permission.WORKFLOW_READ)
def get_activity(activity_id: str) -> Any:
    """One activity with its enrolments and the challenges launched from it."""
    check_params(())
    return jsonify(_detail(activity_id))


@bp.post("/activities/<path:activity_id>/status")
@requires(Permission.ACTIVITY_MANAGE)
def advance(activity_id: str) -> Any:
    """Move an activity to 报名中 / 进行中 / 已结束 (closing needs an ``outcome``)."""
    check_params(())
    body = Body(("status", "outcome"))
    status = body.text("status", required=True).strip()
    outcome = body.text("outcome")
    body.check()
    node = flow.advance_activity(app_state().store(), activity_id, status, actor=actor(), outcome=outcome)
    log.info("%s moved activity %s to %s", actor(), activity_id, status)
    return jsonify(record(node))


@bp.post("/activities/<path:activity_id>/enrolments")
@requires(Permission.PORTAL_ACT)
def enrol(activity_id: str) -> Any:
    """An enterprise or an expert enrols (refused when duplicate, full, not open or closed)."""
    check_params(())
    body = Body(("enroller", "note"))
    who = body.ref("enroller", flow.ENROLLER_LABELS)
    note = body.text("note", limit=500)
    body.check()
    assert who is not None  # body.check() refused a missing one
    return created(flow.enrol(app_state().store(), activity_id, who, actor=actor(), note=note))


@bp.post("/activities/<path:activity_id>/attendance")
@requires(Permission.ACTIVITY_MANAGE)
def attendance(activity_id: str) -> Any:
    """Record 已出席 / 缺席 with the participant's outcome, or cancel an enrolment (已取消)."""
    check_params(())
    body = Body(("enroller", "status", "outcome"))
    who = body.ref("enroller", flow.ENROLLER_LABELS)
    status = body.text("status", required=True).strip()
    outcome = body.text("outcome", limit=500)
    body.check()
    assert who is not None
    return jsonify(flow.mark_enrolment(app_state().store(), activity_id, who, status, actor=actor(), outcome=outcome))


@bp.post("/activities/<path:activity_id>/challenge")
@requires(Permission.ACTIVITY_MANAGE)
def launch_challenge(activity_id: str) -> Any:
    """Publish a demand as a 揭榜 challenge launched from this activity."""
    check_params(())
    body = Body(("demand_id", "conditions", "deadline", "reward_wan", "title"))
    demand_id = body.text("demand_id", required=True).strip()
    conditions = body.text("conditions", required=True)
    deadline = body.text("deadline", required=True)
    reward = body.number("reward_wan", required=True)
    title = body.text("title", limit=200)
    body.check()
    node = flow.launch_challenge(app_state().store(), activity_id, demand_id, conditions=conditions,
                                 deadline=deadline, reward_wan=reward, actor=actor(), title=title)
    log.info("%s launched challenge %s from activity %s", actor(), node.id, activity_id)
    return created(record(node))


@bp.get("/activity-recommendations")
@requires(Permission.RECOMMEND)
def recommended() -> Any:
    """Open activities and training for ``enterprise_id`` (its open demands) or one ``demand_id``."""
    check_params(("enterprise_id", "demand_id", "top_k"))
    enterprise = request.args.get("enterprise_id", "").strip()
    demand = request.args.get("demand_id", "").strip()
    top_raw = request.args.get("top_k", "5").strip()
    if bool(enterprise) == bool(demand):
        raise bad_param("enterprise_id", Msg.activities.WHICH)
    if not top_raw.isdigit() or not 1 <= int(top_raw) <= 50:
        raise bad_param("top_k", Msg.api.BAD_INT.format(low=1, high=50, value=top_raw))
    store = app_state().store()
    day = today().isoformat()
    if enterprise:
        require_node(store, Label.ENTERPRISE, enterprise)
        found = recommend_for_enterprise(store, enterprise, today=day, top_k=int(top_raw))
    else:
        require_node(store, Label.DEMAND, demand)
        found = recommend_for_demand(store, demand, today=day, top_k=int(top_raw))
    return jsonify({"items": [m.as_dict() for m in found]})


@bp.get("/activity-report")
@requires(Permission.REPORT_READ)
def report() -> Any:
    """Activities grouped by kind / region / period / status with enrolment and attendance counts."""
    check_params(("by", "period", "since", "until"))
    by = choice_arg("by", tuple(ACTIVITY_REPORT_BY)) or "kind"
    period = choice_arg("period", tuple(PERIODS)) or "month"
    rows = activity_report(app_state().store(), by=by, period=period, since=request.args.get("since", "").strip(),
                           until=request.args.get("until", "").strip())
    return jsonify({"by": by, "period": period, "rows": rows})
