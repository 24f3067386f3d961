"""揭榜解题 challenges, 科技专员 dispatches with their service records, and 科技创新券 vouchers over JSON.

A challenge follows :data:`workflow.states.CHALLENGE` (发布 → 揭榜中 → 已揭榜 → 实施中 → 已完成,
or 已关闭): the portal publishes a demand as one and bids for experts and teams; an officer
opens it, selects a bid and moves it on. A dispatch sends an expert to an enterprise for a
period; each service is recorded against it and rated once by the enterprise. A voucher is issued to an enterprise or an
expert and redeemed against service records, never below zero and never twice for one
record. Bodies, records and errors work as in :mod:`api.json.workflow`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify

from api.auth import Permission, requires
from api.json.common import Body, actor, created, find_page
from api.state import app_state
from api.validation import check_params
from graph.messages import Msg
from graph.model import Label
from graph.store import NodeRef
from workflow import challenge, dispatch, vouchers
from workflow.common import record, require_node
from workflow.push import SOLVER_LABELS
from workflow.states import CHALLENGE, COOPERATION_FORMS, DISPATCH, SERVICE_MODES, VOUCHER

__all__ = ["bp", "services_bp", "vouchers_bp"]

log = logging.getLogger(__name__)

bp = Blueprint("challenges", __name__, url_prefix="/api/v1")
services_bp = Blueprint("services", __name__, url_prefix="/api/v1")
vouchers_bp = Blueprint("vouchers", __name__, url_prefix="/api/v1")


# -- 揭榜 challenges -------------------------------------------------------------------------------


def _challenge_detail(challenge_id: str) -> dict[str, Any]:
    store = app_state().store()
    node = require_node(store, Label.CHALLENGE, challenge_id)
    return {**record(node), "bids": [record(b) for b in challenge.bids_of(store, challenge_id)]}


@bp.post("/demands/<path:demand_id>/challenge")
@requires(Permission.CHALLENGE_PUBLISH)
def publish(demand_id: str) -> Any:
    """Publish a demand as a 揭榜 challenge (status 发布)."""
    check_params(())
    body = Body(("conditions", "deadline", "reward_wan", "title"))
    conditions = body.text("conditions", required=True)
    deadline = body.text("deadline", required=True)
    reward = body.number("reward_wan", required=True)
    title = body.text("title", limit=200)
    body.check()
    node = challenge.publish_challenge(app_state().store(), demand_id, conditions=conditions, deadline=deadline,
                                       reward_wan=reward, actor=actor(), title=title)
    log.info("%s published demand %s as challenge %s", actor(), demand_id, node.id)
    return created(record(node))


@bp.get("/challenges")
@requires(Permission.WORKFLOW_READ)
def list_challenges() -> Any:
    """Challenges ordered by id, filtered by ``status``, ``demand_id``, ``enterprise_id``."""
    return find_page(Label.CHALLENGE, ("status", "demand_id", "enterprise_id"), choices={"status": CHALLENGE.states})


@bp.get("/challenges/<path:challenge_id>")
@requires(Permission.WORKFLOW_READ)
def get_challenge(challenge_id: str) -> Any:
    """One challenge with its bids, oldest first."""
    check_params(())
    return jsonify(_challenge_detail(challenge_id))


@bp.post("/challenges/<path:challenge_id>/bids")
@requires(Permission.PORTAL_ACT)
def submit_bid(challenge_id: str) -> Any:
    """An expert or team bids on a challenge that is 揭榜中, before its deadline, once."""
    check_params(())
    body = Body(("bidder", "proposal"))
    bidder = body.ref("bidder", SOLVER_LABELS)
    proposal = body.text("proposal", required=True)
    body.check()
    assert bidder is not None  # body.check() refused a missing one
    node = challenge.submit_bid(app_state().store(), challenge_id, bidder, proposal=proposal, actor=actor())
    return created(record(node))


@bp.post("/challenges/<path:challenge_id>/select")
@requires(Permission.CHALLENGE_MANAGE)
def select_bid(challenge_id: str) -> Any:
    """揭榜中 → 已揭榜: select one bid; the others become 未中选."""
    check_params(())
    body = Body(("bid_id",))
    bid_id = body.text("bid_id", required=True).strip()
    body.check()
    challenge.select_bid(app_state().store(), challenge_id, bid_id, actor=actor())
    return jsonify(_challenge_detail(challenge_id))


@bp.post("/challenges/<path:challenge_id>/status")
@requires(Permission.CHALLENGE_MANAGE)
def advance(challenge_id: str) -> Any:
    """Move a challenge to 揭榜中 / 实施中 / 已完成 / 已关闭 (closing needs a ``reason``)."""
    check_params(())
    body = Body(("status", "reason"))
    status = body.text("status", required=True).strip()
    reason = body.text("reason")
    body.check()
    node = challenge.advance(app_state().store(), challenge_id, status, actor=actor(), reason=reason)
    log.info("%s moved challenge %s to %s", actor(), challenge_id, status)
    return jsonify(record(node))


# -- 科技专员 dispatches and service records ------------------------------------------------------


def _provider(body: Body) -> NodeRef:
    """The provider of a dispatch: ``expert_id`` or ``platform_id``, exactly one of them (issue 16)."""
    expert_id, platform_id = body.text("expert_id").strip(), body.text("platform_id").strip()
    if bool(expert_id) == bool(platform_id):
        body.fail("expert_id", Msg.platforms.ONE_PROVIDER)
    return NodeRef(Label.PLATFORM, platform_id) if platform_id else NodeRef(Label.EXPERT, expert_id)


@services_bp.post("/dispatches")
@requires(Permission.DISPATCH_WRITE)
def create_dispatch() -> Any:
    """Dispatch an expert (科技专员, ``expert_id``) or a service platform (``platform_id``) to an enterprise for a period."""
    check_params(())
    body = Body(("expert_id", "platform_id", "enterprise_id", "demand_id", "start_date", "end_date", "service_types",
                 "note", "service_mode"))
    provider = _provider(body)
    enterprise_id = body.text("enterprise_id", required=True).strip()
    demand_id = body.text("demand_id").strip() or None
    start, end = body.text("start_date", required=True), body.text("end_date", required=True)
    types = body.texts("service_types", required=True)
    note = body.text("note")
    mode = body.text("service_mode").strip() or None
    body.check()
    node = dispatch.dispatch_provider(app_state().store(), provider, enterprise_id, start_date=start, end_date=end,
                                      service_types=types, actor=actor(), demand_id=demand_id, note=note, mode=mode)
    return created(record(node))


@services_bp.get("/dispatches")
@requires(Permission.WORKFLOW_READ)
def list_dispatches() -> Any:
    """Dispatches ordered by id, filtered by ``expert_id``, ``platform_id``, ``enterprise_id``, ``demand_id``, ``status``,
    ``service_mode``."""
    return find_page(Label.DISPATCH, ("expert_id", "platform_id", "enterprise_id", "demand_id", "status",
                                      "service_mode"),
                     choices={"status": DISPATCH.states, "service_mode": SERVICE_MODES})


@services_bp.get("/dispatches/<path:dispatch_id>")
@requires(Permission.WORKFLOW_READ)
def get_dispatch(dispatch_id: str) -> Any:
    """One dispatch with its service records, by date."""
    check_params(())
    store = app_state().store()
    node = require_node(store, Label.DISPATCH, dispatch_id)
    services = [record(s) for s in dispatch.services_of_dispatch(store, dispatch_id)]
    return jsonify({**record(node), "services": services})


@services_bp.post("/dispatches/<path:dispatch_id>/end")
@requires(Permission.DISPATCH_WRITE)
def end_dispatch(dispatch_id: str) -> Any:
    """End a dispatch: no more service records."""
    check_params(())
    Body(()).check()
    return jsonify(record(dispatch.end_dispatch(app_state().store(), dispatch_id, actor=actor())))


@services_bp.post("/dispatches/<path:dispatch_id>/services")
@requires(Permission.DISPATCH_WRITE)
def record_service(dispatch_id: str) -> Any:
    """Record one day's service of a dispatch; ``solved`` marks its demand 已解决."""
    check_params(())
    body = Body(("date", "hours", "service_type", "content", "outcome", "solved", "cooperation_form"))
    date = body.text("date", required=True)
    hours = body.number("hours", required=True)
    service_type = body.text("service_type", required=True)
    content = body.text("content", required=True)
    outcome = body.text("outcome")
    solved = body.flag("solved")
    form = body.text("cooperation_form").strip() or None
    body.check()
    node = dispatch.record_service(app_state().store(), dispatch_id, date=date, hours=hours,
                                   service_type=service_type, content=content, outcome=outcome, solved=solved,
                                   actor=actor(), form=form)
    return created(record(node))


@services_bp.get("/services")
@requires(Permission.WORKFLOW_READ)
def list_services() -> Any:
    """Service records ordered by id, filtered by ``dispatch_id``, ``expert_id``, ``enterprise_id``, ``demand_id``,
    ``service_mode``, ``cooperation_form``."""
    return find_page(Label.SERVICE, ("dispatch_id", "expert_id", "platform_id", "enterprise_id", "demand_id",
                                     "service_mode", "cooperation_form"),
                     choices={"service_mode": SERVICE_MODES, "cooperation_form": COOPERATION_FORMS})


@services_bp.post("/services/<path:service_id>/rating")
@requires(Permission.PORTAL_ACT)
def rate_service(service_id: str) -> Any:
    """The enterprise rates a service record (integer 1–5), once."""
    check_params(())
    body = Body(("rating", "comment"))
    rating = body.number("rating", required=True, integer=True)
    comment = body.text("comment")
    body.check()
    node = dispatch.rate_service(app_state().store(), service_id, rating=rating, comment=comment, rated_by=actor())
    return jsonify(record(node))


# -- 科技创新券 vouchers ---------------------------------------------------------------------------


def _voucher_detail(voucher_id: str) -> dict[str, Any]:
    store = app_state().store()
    node = require_node(store, Label.VOUCHER, voucher_id)
    return {**record(node), "redemptions": vouchers.redemptions_of(store, voucher_id)}


@vouchers_bp.post("/vouchers")
@requires(Permission.VOUCHER_WRITE)
def issue_voucher() -> Any:
    """Issue a voucher worth ``amount`` yuan to an enterprise or an expert."""
    check_params(())
    body = Body(("holder", "amount", "valid_until", "programme", "note"))
    holder = body.ref("holder", vouchers.HOLDER_LABELS)
    amount = body.number("amount", required=True)
    valid_until = body.text("valid_until", required=True)
    programme = body.text("programme", limit=200)
    note = body.text("note")
    body.check()
    assert holder is not None  # body.check() refused a missing one
    node = vouchers.issue_voucher(app_state().store(), holder, amount=amount, valid_until=valid_until,
                                  actor=actor(), programme=programme, note=note)
    log.info("%s issued voucher %s (%.2f yuan) to %s", actor(), node.id, node.props.get("amount", 0), holder.id)
    return created(record(node))


@vouchers_bp.get("/vouchers")
@requires(Permission.WORKFLOW_READ)
def list_vouchers() -> Any:
    """Vouchers ordered by id, filtered by ``holder_id``, ``holder_label``, ``status``."""
    return find_page(Label.VOUCHER, ("holder_id", "holder_label", "status"),
                     choices={"status": VOUCHER.states, "holder_label": [x.value for x in vouchers.HOLDER_LABELS]})


@vouchers_bp.get("/vouchers/<path:voucher_id>")
@requires(Permission.WORKFLOW_READ)
def get_voucher(voucher_id: str) -> Any:
    """One voucher with its redemptions."""
    check_params(())
    return jsonify(_voucher_detail(voucher_id))


@vouchers_bp.post("/vouchers/<path:voucher_id>/redemptions")
@requires(Permission.VOUCHER_WRITE)
def redeem(voucher_id: str) -> Any:
    """Pay ``amount`` of service record ``service_id`` with the voucher; the voucher after it."""
    check_params(())
    body = Body(("service_id", "amount"))
    service_id = body.text("service_id", required=True).strip()
    amount = body.number("amount", required=True)
    body.check()
    vouchers.redeem_voucher(app_state().store(), voucher_id, service_id, amount=amount, actor=actor())
    log.info("%s redeemed %s yuan of voucher %s for %s", actor(), amount, voucher_id, service_id)
    return created(_voucher_detail(voucher_id))


@vouchers_bp.post("/vouchers/<path:voucher_id>/void")
@requires(Permission.VOUCHER_WRITE)
def void(voucher_id: str) -> Any:
    """Void a voucher (有效 → 已作废) with a ``reason``."""
    check_params(())
    body = Body(("reason",))
    reason = body.text("reason", required=True)
    body.check()
    node = vouchers.void_voucher(app_state().store(), voucher_id, reason=reason, actor=actor())
    return jsonify(record(node))
