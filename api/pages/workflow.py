"""推送、对接反馈与揭榜挂帅: the pages of the matchmaking workflow.

* On the demand page (:func:`api.pages.demand_panel.demand_workflow`, called by ``pages_demands.demand_detail`` and
  drawn by ``_demand_workflow.html``): push the recommended experts and teams, 采纳 / 不采纳
  each expert, the 「对接记录」 (pushes, feedback, the challenge) and 「发布为揭榜榜单」.
* ``/pushes``: every push (filters, paging), answers recorded on an expert's behalf,
  「发送未回复提醒」; ``/pushes/batch``: push a filtered demand list to experts.

The challenge pages and the delivery log are :mod:`api.pages.challenges`; the
form machinery all these pages share is :mod:`api.pages.forms`.

Every write goes through :mod:`workflow`, which validates everything before it writes and
guards each change by version, so a refused form changes nothing: the page is shown again
with the Chinese reason (field errors next to their inputs, HTTP 400; a refusal because
of stored state as an alert, HTTP 409; an unknown id, HTTP 404). A successful post
redirects (post/redirect/get) with a flash message.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for

from api.auth import Permission, may, requires
from api.pages.base import check_form, page_headers, render_page, url_with_args
from api.pages.demand_panel import push_row, top_k_args
from api.pages.demands import FILTERS, demand_detail, demand_facets
from api.pages.forms import (
    ListPage,
    PageForm,
    actor_name,
    attempt,
    done,
    filter_errors,
    node_or_404,
    read_form,
    resolve_into,
    resolve_named,
    status_counts,
)
from api.state import app_state
from api.validation import capped, demand_query_from_args, parse_settings
from graph.errors import Msg, ValidationError
from graph.model import Label
from graph.store import GraphStore, Node, NodePage, NodeRef
from ingest.nlp import content_words
from recommend.result_cache import recommendation_for_demand
from workflow.challenge import publish_challenge
from workflow.common import field_error
from workflow.feedback import record_feedback
from workflow.push import MAX_PUSHES, PushResult, push_demands, push_id, respond, send_reminders
from workflow.selection import find_demands
from workflow.states import CHANNELS, DEMAND, PUSH

__all__ = ["bp", "push_notice", "split_ids"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_workflow", __name__)
bp.after_request(page_headers)

_PREVIEW = 10


def split_ids(text: str) -> list[str]:
    """Ids or names typed into one box, separated by new lines, commas, 顿号 or semicolons (order kept, no repeats).

    >>> split_ids("e:li, e:wang、e:li\\n 孙丽；")
    ['e:li', 'e:wang', '孙丽']
    """
    return list(dict.fromkeys(p.strip() for p in re.split(r"[\n\r,，、;；]+", text or "") if p.strip()))


def _demand_again(demand_id: str, form: PageForm) -> Response:
    """The demand page again, with the refused form's values and reasons."""
    g.wf_form = form
    response = demand_detail(demand_id)
    response.status_code = form.status
    return response


def _demand_url(demand_id: str, anchor: str = "wf-records") -> str:
    return url_for("pages_demands.demand_detail", demand_id=demand_id, **top_k_args()) + f"#{anchor}"


def _ranking(store: GraphStore, demand_id: str) -> dict[str, tuple[int, float]]:
    """Rank and score of each recommended expert, as the demand page showed them (same ``top_k``)."""
    if not may(Permission.RECOMMEND):
        return {}
    overrides = capped(parse_settings({k: v for k, v in request.args.items() if k == "top_k" and v}))
    state = app_state()
    rec = recommendation_for_demand(state.results, store, demand_id, tokenize=content_words, overrides=overrides,
                                    index=state.index())
    return {e.scored.id: (e.rank, round(e.scored.score, 4)) for e in rec.experts}


def _team_members(form: PageForm) -> list[str]:
    """The experts of the recommended teams that were ticked (each checkbox holds its members as JSON)."""
    members: list[str] = []
    for raw in form.picked("team"):
        try:
            ids = json.loads(raw)
        except ValueError:
            ids = None
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise field_error("targets", Msg.workflow_pages.BAD_TEAM)
        members += ids
    return members


def push_notice(result: PushResult, targets: Mapping[str, NodeRef]) -> str:
    """「已推送 3 位专家；2 位此前已推送过，未重复推送」 (``targets``: push id → recipient)."""
    experts = sum(1 for n in result.created if n.props.get("target_label") == Label.EXPERT.value)
    platforms = sum(1 for n in result.created if n.props.get("target_label") == Label.PLATFORM.value)
    teams = len(result.created) - experts - platforms
    what = "、".join(t for t in (Msg.workflow_pages.EXPERTS.format(count=experts) if experts else "",
                                 Msg.workflow_pages.TEAMS.format(count=teams) if teams else "",
                                 Msg.workflow_pages.PLATFORMS.format(count=platforms) if platforms else "") if t)
    text = Msg.workflow_pages.PUSHED.format(what=what) if what else Msg.workflow_pages.PUSHED_NONE
    already = [targets[p] for p in result.already if p in targets]
    if already:
        text += "；" + Msg.workflow_pages.ALREADY.format(count=len(already))
    return text


@bp.post("/pushes/recommended")
@requires(Permission.PUSH_WRITE)
def push_recommended() -> Any:
    """Push the demand to the ticked recommended experts, teams and platforms (``source="recommendation"``)."""
    check_form()
    store = app_state().store()
    form = read_form("push", "targets", "channel", "note")
    demand_id = form.value("demand_id")
    node_or_404(store, Label.DEMAND, demand_id)

    def push() -> tuple[PushResult, dict[str, NodeRef]]:
        ids = list(dict.fromkeys(form.picked("expert") + _team_members(form)))
        refs = [NodeRef(Label.EXPERT, i) for i in ids]
        ranking = _ranking(store, demand_id) if refs else {}
        refs += [NodeRef(Label.PLATFORM, i) for i in dict.fromkeys(form.picked("platform")) if i]  # issue 16
        result = push_demands(store, [demand_id], refs, actor=actor_name(), channel=form.value("channel", CHANNELS[0]),
                              note=form.value("note"), source="recommendation",
                              scores={i: score for i, (_, score) in ranking.items()})
        return result, {push_id(demand_id, r): r for r in refs}

    pushed = attempt(form, push)
    if pushed is None:
        return _demand_again(demand_id, form)
    result, targets = pushed
    log.info("pushed demand %s to %d recipients (%d already)", demand_id, len(result.created), len(result.already))
    return done(_demand_url(demand_id), push_notice(result, targets))


@bp.post("/feedback")
@requires(Permission.FEEDBACK_WRITE)
def give_feedback() -> Any:
    """采纳 / 不采纳 one recommended expert (不采纳 needs a reason), with the rank and score shown."""
    check_form()
    store = app_state().store()
    form = read_form("feedback:" + request.form.get("target_id", "").strip(), "verdict", "reason")
    demand_id = form.value("demand_id")
    node_or_404(store, Label.DEMAND, demand_id)
    target = form.value("target_id")

    def record() -> Node:
        rank, score = _ranking(store, demand_id).get(target, (None, None)) if form.value("verdict") else (None, None)
        return record_feedback(store, demand_id, NodeRef(Label.EXPERT, target), verdict=form.value("verdict"),
                               reason=form.value("reason"), actor=actor_name(), rank=rank, score=score)

    node = attempt(form, record)
    if node is None:
        return _demand_again(demand_id, form)
    props = node.props
    template = Msg.workflow_pages.FEEDBACK_REASON if props.get("reason") else Msg.workflow_pages.FEEDBACK
    message = template.format(name=props.get("target_name"), verdict=props.get("verdict"), reason=props.get("reason"))
    return done(_demand_url(demand_id, "experts-h"), message)


@bp.post("/challenges")
@requires(Permission.CHALLENGE_PUBLISH)
def publish() -> Any:
    """「发布为揭榜榜单」: publish the demand as a 揭榜 challenge, then open it."""
    check_form()
    store = app_state().store()
    form = read_form("publish", "title", "conditions", "deadline", "reward_wan")
    demand_id = form.value("demand_id")
    node_or_404(store, Label.DEMAND, demand_id)
    node = attempt(form, lambda: publish_challenge(
        store, demand_id, conditions=form.value("conditions"), deadline=form.value("deadline"),
        reward_wan=form.value("reward_wan") or "0", actor=actor_name(), title=form.value("title")))
    if node is None:
        return _demand_again(demand_id, form)
    message = Msg.workflow_pages.PUBLISHED.format(title=node.name, id=node.id, status=node.props.get("status"))
    return done(url_for("pages_challenges.challenge_detail", challenge_id=node.id), message)


# -- /pushes ------------------------------------------------------------------------------------------------
def _pushes_page(form: PageForm | None = None) -> Response:
    store = app_state().store()
    listing = ListPage.of_request("pages_workflow.pushes")
    values, errors = listing.filters({"status": PUSH.states, "demand": None, "recipient": None})
    found = listing.find(store, Label.PUSH, {"status": values["status"], "demand_id": values["demand"],
                                             "target_id": values["recipient"]}, errors)
    status = form.status if form is not None else 400 if errors else 200
    return render_page("pushes.html", status=status, active="pages_workflow.pushes",
                       rows=[push_row(n) for n in found.nodes], values=values, errors=errors, form=form,
                       statuses=PUSH.states, counts=status_counts(store, Label.PUSH, PUSH.states), channels=CHANNELS,
                       error_note=Msg.pages.FILTER_HAS_ERRORS if errors else "", paging=listing.links(found.total),
                       remind_hours=current_app.config.get("KGMATCH_PUSH_REMIND_HOURS", 72),
                       may_push=may(Permission.PUSH_WRITE), may_answer=may(Permission.PORTAL_ACT),
                       actions={"remind": url_with_args("pages_workflow.remind", request.args, drop=()),
                                "answer": url_with_args("pages_workflow.answer_push", request.args, drop=())})


def _pushes_url() -> str:
    return url_with_args("pages_workflow.pushes", request.args, drop=())


@bp.get("/pushes")
@requires(Permission.WORKFLOW_READ)
def pushes() -> Any:
    """Every push: filters (status, demand, recipient), paging, answers and reminders."""
    return _pushes_page()


@bp.post("/pushes/answer")
@requires(Permission.PORTAL_ACT)
def answer_push() -> Any:
    """Record an expert's answer given by phone or in person: 接受, or 谢绝 with a reason."""
    check_form()
    store = app_state().store()
    form = read_form("answer:" + request.form.get("push_id", "").strip(), "answer", "reason")
    answer = form.value("answer")
    if answer not in ("accept", "decline"):
        form.fail("answer", Msg.workflow_pages.BAD_ANSWER)
        return _pushes_page(form)
    node = attempt(form, lambda: respond(store, form.value("push_id"), accept=answer == "accept",
                                          reason=form.value("reason"), responder=actor_name()))
    if node is None:
        return _pushes_page(form)
    message = Msg.workflow_pages.ANSWERED.format(name=node.props.get("target_name"), title=node.props.get("demand_title"),
                                        verdict="接受" if answer == "accept" else "谢绝")
    return done(_pushes_url(), message)


@bp.post("/pushes/remind")
@requires(Permission.PUSH_WRITE)
def remind() -> Any:
    """「发送未回复提醒」: remind every push unanswered for the given hours."""
    check_form()
    store = app_state().store()
    form = read_form("remind", "after_hours")
    raw = form.value("after_hours") or str(current_app.config.get("KGMATCH_PUSH_REMIND_HOURS", 72))
    try:
        hours = float(raw)
    except ValueError:
        form.fail("after_hours", Msg.workflow_pages.BAD_HOURS.format(value=raw))
        return _pushes_page(form)
    reminded = attempt(form, lambda: send_reminders(store, after_hours=hours))
    if reminded is None:
        return _pushes_page(form)
    template = Msg.workflow_pages.REMINDED if reminded else Msg.workflow_pages.REMINDED_NONE
    return done(_pushes_url(), template.format(count=len(reminded), hours=hours))


# -- /pushes/batch: a demand list to experts ---------------------------------------------------------------
def _batch_page(form: PageForm | None = None) -> Response:
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in FILTERS}
    errors: dict[str, list[str]] = {}
    try:
        found = _matching(store, limit=_PREVIEW)
    except ValidationError as err:
        errors = filter_errors(err)
        found = NodePage([], 0)
    status = form.status if form is not None else 400 if errors else 200
    return render_page("pushes_batch.html", status=status, active="pages_workflow.pushes", values=values,
                       errors=errors, filters=FILTERS, facets=app_state().memo("page_demand_facets", demand_facets),
                       preview=found.nodes, total=found.total, form=form, channels=CHANNELS, limit=MAX_PUSHES,
                       error_note=Msg.pages.FILTER_HAS_ERRORS if errors else "",
                       action=url_with_args("pages_workflow.push_batch_submit", request.args, drop=()))


def _matching(store: GraphStore, *, skip: int = 0, limit: int) -> NodePage:
    """The demands the request's list filters match (:func:`workflow.selection.find_demands`, as the
    demand list page, the JSON API and ``kgmatch push-list`` select them)."""
    return find_demands(store, demand_query_from_args(store), skip=skip, limit=limit)


@bp.get("/pushes/batch")
@requires(Permission.PUSH_WRITE)
def push_batch() -> Any:
    """Push a demand list: pick demands with the list's filters, then name the experts."""
    return _batch_page()


def _batch_platforms(store: GraphStore, form: PageForm) -> list[NodeRef]:
    """The service platforms typed into 「服务平台」 (ids or exact names, issue 16), each resolved or its problem on ``form``."""
    found = (resolve_into(form, "platforms", lambda v: resolve_named(store, Label.PLATFORM, v), value=name)
             for name in split_ids(form.value("platforms")))
    return [NodeRef(Label.PLATFORM, p) for p in dict.fromkeys(p for p in found if p)]


@bp.post("/pushes/batch")
@requires(Permission.PUSH_WRITE)
def push_batch_submit() -> Any:
    """Push every open demand the filters match to the named experts (``source="list"``), at most
    :data:`workflow.push.MAX_PUSHES` pairs."""
    check_form()
    store = app_state().store()
    form = read_form("batch", "experts", "channel", "note", "platforms")
    names = split_ids(form.value("experts"))
    if not names and not form.value("platforms"):
        form.fail("experts", Msg.workflow.NO_TARGETS)
    experts = [e for e in (resolve_into(form, "experts", lambda v: resolve_named(store, Label.EXPERT, v), value=name)
                           for name in names) if e]
    platforms = _batch_platforms(store, form)
    try:
        total = _matching(store, limit=0).total
    except ValidationError as err:
        form.take(err)
        return _batch_page(form)
    if form.ok and total == 0:
        form.fail("", Msg.workflow_pages.LIST_EMPTY)
    pairs = total * (len(set(experts)) + len(platforms))
    if form.ok and pairs > MAX_PUSHES:
        form.fail("experts", Msg.workflow.TOO_MANY.format(limit=MAX_PUSHES, count=pairs))
    if not form.ok:
        return _batch_page(form)
    demands = _matching(store, limit=total).nodes
    open_ids = [d.id for d in demands if not DEMAND.final(str(d.props.get("status") or DEMAND.initial))]
    if not open_ids:
        form.fail("", Msg.workflow_pages.LIST_ALL_CLOSED.format(count=len(demands)), status=409)
        return _batch_page(form)
    result = attempt(form, lambda: push_demands(
        store, open_ids, [NodeRef(Label.EXPERT, e) for e in dict.fromkeys(experts)] + platforms, actor=actor_name(),
        channel=form.value("channel", CHANNELS[0]), note=form.value("note"), source="list"))
    if result is None:
        return _batch_page(form)
    parts = [Msg.workflow_pages.LIST_PUSHED_PLATFORMS.format(
        demands=len(open_ids), experts=len(set(experts)), platforms=len(platforms), created=len(result.created))
        if platforms else Msg.workflow_pages.LIST_PUSHED.format(demands=len(open_ids), recipients=len(set(experts)),
                                                                created=len(result.created))]
    if result.already:
        parts.append(Msg.workflow_pages.LIST_ALREADY.format(count=len(result.already)))
    if len(open_ids) < len(demands):
        parts.append(Msg.workflow_pages.LIST_SKIPPED.format(count=len(demands) - len(open_ids)))
    log.info("pushed %d demands of a list to %d experts", len(open_ids), len(set(experts)))
    return done(url_for("pages_workflow.pushes"), "；".join(parts))
