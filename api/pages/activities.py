"""创新活动与培训: the pages of activities — list with report, detail, publish, enrol, attendance, close, 揭榜.

* ``/activities``: counts per status, filters by status and kind, the report by kind/region/period,
  and (for officers) the form that publishes a new activity.
* ``/activities/<id>``: facts, the status machine, enrolments with attendance and outcomes, the
  challenges launched from it, and the forms of each step.

As on every workflow page, a refused form changes nothing and is shown again with the Chinese
reason; a successful post redirects with a flash. Every rule lives in :mod:`workflow.activities`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, request, url_for

from analytics.activities import ACTIVITY_COLUMNS, ACTIVITY_REPORT_BY, PERIODS, activity_report
from api.auth import Permission, may, requires
from api.pages.base import check_form, page_headers, render_page
from api.pages.forms import (
    ListPage,
    PageForm,
    actor_name,
    attempt,
    done,
    history_rows,
    node_or_404,
    node_row,
    read_form,
    resolve_into,
    resolve_named,
    status_counts,
)
from api.state import app_state
from graph.errors import Msg
from graph.model import Label
from graph.store import NodeRef
from workflow import activities as flow
from workflow.common import record
from workflow.states import ACTIVITY, ACTIVITY_KINDS, TRAINING_TOPICS

__all__ = ["bp", "ENROLLER_TYPES", "activity_steps"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_activities", __name__)
bp.after_request(page_headers)

ENROLLER_TYPES: dict[str, tuple[Label, str]] = {Label.ENTERPRISE.value: (Label.ENTERPRISE, "企业"),
                                                Label.EXPERT.value: (Label.EXPERT, "专家")}
"""Who may enrol: form value → label and Chinese name."""
_CREATE_INPUTS = ("title", "kind", "topic", "start_date", "end_date", "place", "region", "organiser", "capacity",
                  "fields", "description")


def activity_steps(status: str) -> list[dict[str, str]]:
    """The activity's status machine as steps: each ``done``, ``current`` or ``todo``.

    >>> [s["state"] for s in activity_steps("进行中")]
    ['done', 'done', 'current', 'todo']
    """
    order = ACTIVITY.states
    at = order.index(status) if status in order else -1
    return [{"name": name, "state": "current" if i == at else "done" if i < at else "todo"}
            for i, name in enumerate(order)]


def _list_page(form: PageForm | None = None) -> Response:
    store = app_state().store()
    listing = ListPage.of_request("pages_activities.activities")
    values, errors = listing.filters({"status": ACTIVITY.states, "kind": ACTIVITY_KINDS,
                                      "by": tuple(ACTIVITY_REPORT_BY)}, by="kind")
    found = listing.find(store, Label.ACTIVITY, {"status": values["status"], "kind": values["kind"]}, errors)
    by = values["by"]
    report = [] if errors else activity_report(store, by=by, period="quarter" if by == "period" else "month")
    return render_page("activities.html", status=form.status if form is not None else 400 if errors else 200,
                       active="pages_activities.activities", rows=[node_row(n) for n in found.nodes],
                       status_value=values["status"], kind_value=values["kind"], by_value=by, errors=errors,
                       statuses=ACTIVITY.states,
                       kinds=ACTIVITY_KINDS, topics=TRAINING_TOPICS, report=report, columns=ACTIVITY_COLUMNS,
                       report_by=ACTIVITY_REPORT_BY, periods=PERIODS,
                       counts=status_counts(store, Label.ACTIVITY, ACTIVITY.states),
                       may_create=may(Permission.ACTIVITY_MANAGE), form=form, paging=listing.links(found.total))


@bp.get("/activities")
@requires(Permission.WORKFLOW_READ)
def activities() -> Any:
    """Activities and training: counts, filters, the report and the publish form."""
    return _list_page()


@bp.post("/activities/new")
@requires(Permission.ACTIVITY_MANAGE)
def create() -> Any:
    """「发布活动」 (or save a draft)."""
    check_form()
    form = read_form("create", *_CREATE_INPUTS)
    values = {name: form.value(name) for name in _CREATE_INPUTS}
    node = attempt(form, lambda: flow.create_activity(app_state().store(), values, actor=actor_name(),
                                                      publish=form.value("draft") != "1"))
    if node is None:
        return _list_page(form)
    return done(url_for("pages_activities.activity_detail", activity_id=node.id),
                Msg.activities.CREATED.format(title=node.props.get("title"), id=node.id, status=node.props["status"]))


def _detail_page(activity_id: str, form: PageForm | None = None) -> Response:
    store = app_state().store()
    node = node_or_404(store, Label.ACTIVITY, activity_id)
    status = str(node.props.get("status"))
    moves = [{"status": s, "action": flow.ACTIONS[s]} for s in ACTIVITY.moves.get(status, ())]
    fields = [n for n in store.get_nodes(Label.FIELD, list(node.props.get("field_ids") or []))]
    live = status in (ACTIVITY.states[1], ACTIVITY.states[2])
    return render_page("activity_detail.html", status=form.status if form is not None else 200,
                       active="pages_activities.activities", activity=node_row(node), fields=fields,
                       steps=activity_steps(status), history=history_rows(node.props.get("history")), moves=moves,
                       enrolments=flow.enrolments_of(store, activity_id),
                       challenges=[record(c) for c in flow.challenges_of(store, activity_id)],
                       may_move=bool(moves) and may(Permission.ACTIVITY_MANAGE),
                       may_enrol=status == ACTIVITY.states[1] and may(Permission.PORTAL_ACT),
                       may_mark=live and may(Permission.ACTIVITY_MANAGE),
                       may_launch=live and may(Permission.ACTIVITY_MANAGE),
                       enroller_types=ENROLLER_TYPES, form=form)


@bp.get("/activities/<path:activity_id>")
@requires(Permission.WORKFLOW_READ)
def activity_detail(activity_id: str) -> Any:
    """One activity: facts, status, enrolments, attendance and outcomes, challenges launched from it."""
    return _detail_page(activity_id)


def _form(name: str, *inputs: str) -> tuple[PageForm, str]:
    check_form()
    form = read_form(name, *inputs)
    activity_id = form.value("activity_id")
    node_or_404(app_state().store(), Label.ACTIVITY, activity_id)
    return form, activity_id


def _url(activity_id: str, anchor: str = "") -> str:
    return url_for("pages_activities.activity_detail", activity_id=activity_id) + anchor


def _who(form: PageForm) -> NodeRef | None:
    kind = ENROLLER_TYPES.get(form.value("enroller_label"))
    if kind is None:
        form.fail("enroller_label", Msg.pages.BAD_OPTION.format(choices="企业、专家", value=form.value("enroller_label")))
        return None
    found = resolve_into(form, "enroller", lambda v: resolve_named(app_state().store(), kind[0], v))
    return NodeRef(kind[0], found) if found is not None else None


@bp.post("/activities/status")
@requires(Permission.ACTIVITY_MANAGE)
def move() -> Any:
    """Move an activity to its next status (closing needs the outcome)."""
    form, activity_id = _form("move", "outcome")
    target = form.value("status")
    node = attempt(form, lambda: flow.advance_activity(app_state().store(), activity_id, target, actor=actor_name(),
                                                       outcome=form.value("outcome")))
    if node is None:
        return _detail_page(activity_id, form)
    return done(_url(activity_id), Msg.activities.MOVED.format(action=flow.ACTIONS.get(target, target),
                                                               status=node.props.get("status")))


@bp.post("/activities/enrol")
@requires(Permission.PORTAL_ACT)
def enrol() -> Any:
    """「报名」 on behalf of an enterprise or an expert (id or exact name)."""
    form, activity_id = _form("enrol", "enroller_label", "enroller", "note")
    who = _who(form)
    if who is None:
        return _detail_page(activity_id, form)
    row = attempt(form, lambda: flow.enrol(app_state().store(), activity_id, who, actor=actor_name(),
                                           note=form.value("note")))
    if row is None:
        return _detail_page(activity_id, form)
    return done(_url(activity_id, "#enrolments-h"), Msg.activities.ENROLLED.format(name=row.get("name")))


@bp.post("/activities/attendance")
@requires(Permission.ACTIVITY_MANAGE)
def attendance() -> Any:
    """「出席」/「缺席」/「取消报名」 with the participant's outcome."""
    form, activity_id = _form("mark:" + request.form.get("enroller", "").strip(), "outcome")
    kind = ENROLLER_TYPES.get(form.value("enroller_label"))
    if kind is None:
        form.fail("", Msg.pages.BAD_OPTION.format(choices="企业、专家", value=form.value("enroller_label")))
        return _detail_page(activity_id, form)
    who = NodeRef(kind[0], form.value("enroller"))
    row = attempt(form, lambda: flow.mark_enrolment(app_state().store(), activity_id, who, form.value("status"),
                                                    actor=actor_name(), outcome=form.value("outcome")))
    if row is None:
        return _detail_page(activity_id, form)
    return done(_url(activity_id, "#enrolments-h"), Msg.activities.MARKED.format(name=row.get("name"),
                                                                                 status=row["status"]))


@bp.post("/activities/challenge")
@requires(Permission.ACTIVITY_MANAGE)
def launch() -> Any:
    """「由活动发起揭榜」: publish a demand as a challenge linked to this activity."""
    form, activity_id = _form("launch", "demand_id", "conditions", "deadline", "reward_wan")
    form.require("demand_id", "conditions", "deadline", "reward_wan")
    if not form.ok:
        return _detail_page(activity_id, form)
    node = attempt(form, lambda: flow.launch_challenge(
        app_state().store(), activity_id, form.value("demand_id"), conditions=form.value("conditions"),
        deadline=form.value("deadline"), reward_wan=form.value("reward_wan"), actor=actor_name()))
    if node is None:
        return _detail_page(activity_id, form)
    return done(_url(activity_id, "#challenges-h"), Msg.activities.LAUNCHED.format(title=node.props.get("title"),
                                                                                   id=node.id))
