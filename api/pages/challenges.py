"""揭榜挂帅 and the delivery log: the pages of the challenges and of the webhook deliveries.

* ``/challenges`` and ``/challenges/<id>``: the 揭榜 challenges, their status machine, bids,
  selecting the winner and moving the status (publishing a demand as a challenge is a form of
  the demand page, :func:`api.pages.workflow.publish`).
* ``/deliveries``: the webhook delivery log with 「立即重试」.

As on every workflow page, a refused form changes nothing and is shown again with the
Chinese reason (:mod:`api.pages.forms`); a successful post redirects with a flash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, request, url_for

from api.auth import Permission, may, requires
from api.pages.base import check_form, page_headers, render_page, url_with_args
from api.pages.forms import (
    ListPage,
    PageForm,
    actor_name,
    attempt,
    done,
    filter_errors,
    history_rows,
    label_zh,
    node_or_404,
    node_row,
    read_form,
    resolve_into,
    resolve_named,
    status_counts,
)
from api.state import app_state
from graph.errors import Msg, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, NodePage, NodeRef
from workflow.challenge import ACTIONS, AWARDED, BIDDING, advance, bids_of, select_bid, submit_bid
from workflow.common import system_clock
from workflow.outbox import DELIVERY_STATUSES, EVENTS, PENDING
from workflow.states import CHALLENGE
from workflow.webhook import list_deliveries, retry_now

__all__ = ["bp", "BIDDER_TYPES", "challenge_steps"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_challenges", __name__)
bp.after_request(page_headers)

BIDDER_TYPES: dict[str, tuple[Label, str]] = {Label.EXPERT.value: (Label.EXPERT, "专家"),
                                              Label.TEAM.value: (Label.TEAM, "专家团队")}
"""Who may bid: form value → label and Chinese name."""


def challenge_steps(status: str, history: Iterable[str]) -> list[dict[str, str]]:
    """The challenge's status machine as steps: each ``done``, ``current`` or ``todo``.

    >>> [s["state"] for s in challenge_steps("已揭榜", ["t 发布 a", "t 揭榜中 a", "t 已揭榜 a"])]
    ['done', 'done', 'current', 'todo', 'todo', 'todo']
    """
    reached = {row["status"] for row in history_rows(history)}
    return [{"name": name, "state": "current" if name == status else "done" if name in reached else "todo"}
            for name in CHALLENGE.states]


# -- /challenges -------------------------------------------------------------------------------------------
@bp.get("/challenges")
@requires(Permission.WORKFLOW_READ)
def challenges() -> Any:
    """The 揭榜 challenges: counts per status, a status filter, paging, bids per challenge."""
    store = app_state().store()
    listing = ListPage.of_request("pages_challenges.challenges")
    values, errors = listing.filters({"status": CHALLENGE.states})
    found = listing.find(store, Label.CHALLENGE, values, errors)
    bids: dict[str, int] = {}
    for ref, _ in store.expand([n.ref for n in found.nodes], direction=Direction.IN, rel_types=[RelType.BIDS_ON]):
        bids[ref.id] = bids.get(ref.id, 0) + 1
    counts = status_counts(store, Label.CHALLENGE, CHALLENGE.states)
    return render_page("challenges.html", status=400 if errors else 200, active="pages_challenges.challenges",
                       rows=[node_row(n, bids=bids.get(n.id, 0)) for n in found.nodes],
                       status_value=values["status"], errors=errors, counts=counts, statuses=CHALLENGE.states,
                       paging=listing.links(found.total))


def _challenge_page(challenge_id: str, form: PageForm | None = None) -> Response:
    store = app_state().store()
    node = node_or_404(store, Label.CHALLENGE, challenge_id)
    props = node.props
    status = str(props.get("status"))
    bids = [node_row(b, bidder_zh=label_zh(b.props.get("bidder_label"))) for b in bids_of(store, challenge_id)]
    moves = [{"status": s, "action": ACTIONS[s]} for s in CHALLENGE.moves.get(status, ()) if s != AWARDED]
    return render_page("challenge_detail.html", status=form.status if form is not None else 200,
                       active="pages_challenges.challenges", challenge=node_row(node),
                       steps=challenge_steps(status, props.get("history") or []),
                       history=history_rows(props.get("history")), bids=bids, moves=moves,
                       may_select=status == BIDDING and may(Permission.CHALLENGE_MANAGE),
                       may_bid=status == BIDDING and may(Permission.PORTAL_ACT),
                       may_move=bool(moves) and may(Permission.CHALLENGE_MANAGE),
                       bidder_types=BIDDER_TYPES, form=form, demand=store.get_node(Label.DEMAND,
                                                                                 str(props.get("demand_id"))))


@bp.get("/challenges/<path:challenge_id>")
@requires(Permission.WORKFLOW_READ)
def challenge_detail(challenge_id: str) -> Any:
    """One challenge: conditions, deadline, reward, its status machine, history and bids."""
    return _challenge_page(challenge_id)


def _challenge_form(name: str, *inputs: str) -> tuple[PageForm, str]:
    check_form()
    form = read_form(name, *inputs)
    challenge_id = form.value("challenge_id")
    node_or_404(app_state().store(), Label.CHALLENGE, challenge_id)
    return form, challenge_id


def _challenge_url(challenge_id: str, anchor: str = "") -> str:
    return url_for("pages_challenges.challenge_detail", challenge_id=challenge_id) + anchor


@bp.post("/challenges/bid")
@requires(Permission.PORTAL_ACT)
def bid() -> Any:
    """「提交揭榜方案」 on behalf of an expert or team (id or exact name)."""
    form, challenge_id = _challenge_form("bid", "bidder_label", "bidder", "proposal")
    store = app_state().store()
    kind = BIDDER_TYPES.get(form.value("bidder_label"))
    if kind is None:
        form.fail("bidder_label", Msg.pages.BAD_OPTION.format(choices="专家、专家团队", value=form.value("bidder_label")))
        return _challenge_page(challenge_id, form)
    bidder = resolve_into(form, "bidder", lambda v: resolve_named(store, kind[0], v))
    if bidder is None:
        return _challenge_page(challenge_id, form)
    node = attempt(form, lambda: submit_bid(store, challenge_id, NodeRef(kind[0], bidder),
                                            proposal=form.value("proposal"), actor=actor_name()))
    if node is None:
        return _challenge_page(challenge_id, form)
    return done(_challenge_url(challenge_id, "#bids-h"), Msg.workflow_pages.BID.format(name=node.props.get("bidder_name"),
                                                                              id=node.id))


@bp.post("/challenges/select")
@requires(Permission.CHALLENGE_MANAGE)
def select() -> Any:
    """「确定揭榜方」: select one bid (揭榜中 → 已揭榜); the others become 未中选."""
    form, challenge_id = _challenge_form("select")
    node = attempt(form, lambda: select_bid(app_state().store(), challenge_id, form.value("bid_id"),
                                            actor=actor_name()))
    if node is None:
        return _challenge_page(challenge_id, form)
    return done(_challenge_url(challenge_id), Msg.workflow_pages.SELECTED.format(name=node.props.get("winner_name"),
                                                                        status=node.props.get("status")))


@bp.post("/challenges/status")
@requires(Permission.CHALLENGE_MANAGE)
def move() -> Any:
    """Move a challenge to its next status (closing needs a reason); the machine refuses the rest."""
    form, challenge_id = _challenge_form("move", "reason")
    target = form.value("status")
    node = attempt(form, lambda: advance(app_state().store(), challenge_id, target, actor=actor_name(),
                                         reason=form.value("reason")))
    if node is None:
        return _challenge_page(challenge_id, form)
    return done(_challenge_url(challenge_id), Msg.workflow_pages.MOVED.format(action=ACTIONS.get(target, target),
                                                                     status=node.props.get("status")))


# -- /deliveries ---------------------------------------------------------------------------------------------
def _deliveries_page(form: PageForm | None = None) -> Response:
    store = app_state().store()
    listing = ListPage.of_request("pages_challenges.deliveries")
    status = request.args.get("status", "").strip()
    errors: dict[str, list[str]] = {}
    try:
        found = list_deliveries(store, status or None, skip=listing.skip, limit=listing.per_page)
    except ValidationError as err:
        errors = filter_errors(err, fields=("status",), other="status") or {"status": [err.message]}
        found = NodePage([], 0)
    rows = [node_row(n, event_zh=EVENTS.get(str(n.props.get("event")), ""),
                     subject_zh=label_zh(n.props.get("subject_label")), pending=n.props.get("status") == PENDING)
            for n in found.nodes]
    return render_page("deliveries.html", status=form.status if form is not None else 400 if errors else 200,
                       active="pages_workflow.pushes", rows=rows, status_value=status, statuses=DELIVERY_STATUSES,
                       counts=status_counts(store, Label.DELIVERY, DELIVERY_STATUSES), errors=errors, form=form,
                       labels=Label, may_retry=may(Permission.PUSH_WRITE),
                       retry_action=url_with_args("pages_challenges.retry_delivery", request.args, drop=()),
                       paging=listing.links(found.total))


@bp.get("/deliveries")
@requires(Permission.WORKFLOW_READ)
def deliveries() -> Any:
    """The webhook delivery log: what the portal was told, and what is still waiting."""
    return _deliveries_page()


@bp.post("/deliveries/retry")
@requires(Permission.PUSH_WRITE)
def retry_delivery() -> Any:
    """「立即重试」: make a pending delivery due now (the dispatcher sends it on its next pass)."""
    check_form()
    form = read_form("retry:" + request.form.get("delivery_id", "").strip())
    delivery_id = form.value("delivery_id")
    node = attempt(form, lambda: retry_now(app_state().store(), delivery_id, system_clock()))
    if node is None:
        return _deliveries_page(form)
    return done(url_with_args("pages_challenges.deliveries", request.args, drop=()),
                Msg.workflow_pages.RETRY.format(id=delivery_id))
