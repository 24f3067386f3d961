"""推送、对接反馈与揭榜挂帅: the pages of the matchmaking workflow.

* On the demand page (:func:`demand_workflow`, called by ``pages_demands.demand_detail`` and
  drawn by ``_demand_workflow.html``): push the recommended experts and teams, 采纳 / 不采纳
  each expert, the 「对接记录」 (pushes, feedback, the challenge) and 「发布为揭榜榜单」.
* ``/pushes``: every push (filters, paging), answers recorded on an expert's behalf,
  「发送未回复提醒」; ``/pushes/batch``: push a filtered demand list to experts.
* ``/challenges`` and ``/challenges/<id>``: the 揭榜 challenges, their status machine, bids,
  selecting the winner and moving the status.
* ``/deliveries``: the webhook delivery log with 「立即重试」.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, flash, g, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from api.app import app_state
from api.auth import Permission, current_principal, may, requires
from api.blueprints._common import not_found
from api.blueprints.demands import _filters as demand_filters
from api.blueprints.pages import PageMsg, check_form, page_headers, page_links, page_number, render_page, url_with_args
from api.blueprints.pages_demands import FILTERS, demand_detail, demand_facets
from api.blueprints.recommendations import capped, parse_settings
from graph.errors import ConflictError, KgmatchError, NotFoundError, ValidationError
from graph.model import NODE_SPECS, Label, RelType
from graph.store import Direction, GraphStore, Node, NodePage, NodeRef
from ingest.nlp import content_words
from recommend.engine import recommend_for_demand
from workflow.challenge import (
    ACTIONS,
    AWARDED,
    BIDDING,
    advance,
    bids_of,
    challenge_of_demand,
    publish_challenge,
    select_bid,
    submit_bid,
)
from workflow.common import WfMsg, field_error, system_clock
from workflow.feedback import feedback_of_demand, latest_verdicts, record_feedback
from workflow.outbox import DELIVERY_STATUSES, EVENTS, PENDING
from workflow.push import MAX_PUSHES, PushResult, push_demands, push_id, pushes_of_demand, respond, send_reminders
from workflow.states import CHALLENGE, CHANNELS, DEMAND, PUSH, VERDICTS
from workflow.webhook import list_deliveries, retry_now

__all__ = ["bp", "WfPageMsg", "WfForm", "SOURCES", "BIDDER_TYPES", "demand_workflow", "push_notice",
           "challenge_steps", "split_ids"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_workflow", __name__)
bp.after_request(page_headers)

T = TypeVar("T")

SOURCES = {"recommendation": "推荐结果", "list": "需求清单"}
"""Where a push came from (``source``), in Chinese."""

BIDDER_TYPES: dict[str, tuple[Label, str]] = {Label.EXPERT.value: (Label.EXPERT, "专家"),
                                              Label.TEAM.value: (Label.TEAM, "专家团队")}
"""Who may bid or be pushed to: form value → label and Chinese name."""

_PUSH_FILTERS = ("status", "demand", "recipient")
_PREVIEW = 10
_REFUSED = (ValidationError, NotFoundError, ConflictError)


class WfPageMsg:
    """Chinese text of these pages (format with ``str.format``)."""

    PUSHED = "已推送 {what}"
    PUSHED_NONE = "没有新的推送"
    ALREADY = "{count} 位此前已推送过，未重复推送"
    EXPERTS = "{count} 位专家"
    TEAMS = "{count} 个团队"
    LIST_PUSHED = "已将 {demands} 条需求推送给 {recipients} 位专家：新建推送 {created} 条"
    LIST_ALREADY = "{count} 条此前已推送过"
    LIST_SKIPPED = "{count} 条已解决或已关闭的需求未推送"
    LIST_EMPTY = "没有符合条件的需求"
    LIST_ALL_CLOSED = "符合条件的 {count} 条需求都已解决或已关闭，不能推送"
    BAD_TEAM = "团队成员列表无效，请刷新页面后重新勾选"
    FEEDBACK = "已记录对「{name}」的反馈：{verdict}"
    FEEDBACK_REASON = "已记录对「{name}」的反馈：{verdict}（理由：{reason}）"
    ANSWERED = "已记录「{name}」{verdict}推送「{title}」"
    REMINDED = "已对 {count} 条超过 {hours:g} 小时未回复的推送发送提醒"
    REMINDED_NONE = "没有超过 {hours:g} 小时未回复的推送"
    BAD_ANSWER = "请选择接受或谢绝"
    PUBLISHED = "已发布揭榜榜单「{title}」（编号 {id}），当前状态：{status}"
    BID = "已代「{name}」提交揭榜方案（编号 {id}）"
    SELECTED = "已确定揭榜方：{name}，榜单状态：{status}"
    MOVED = "榜单已{action}，当前状态：{status}"
    RETRY = "已安排立即重试投递「{id}」，将在下一轮投递中发送"
    UNKNOWN = "未找到{what}「{value}」（请填写编号或准确的名称）"
    SAME_NAME = "有 {count} 个{what}名为「{value}」：{choices}；请填写编号"
    BAD_HOURS = "应为正数（小时），实际为「{value}」"


# -- forms ------------------------------------------------------------------------------------------------
@dataclass
class WfForm:
    """One posted form: its name, values, problems per input (Chinese), and a refusal of the whole form."""

    name: str
    values: MultiDict[str, str] = field(default_factory=MultiDict)
    inputs: tuple[str, ...] = ()
    errors: dict[str, list[str]] = field(default_factory=dict)
    alert: str = ""
    status: int = 200

    def fail(self, name: str, reason: str, *, status: int = 400) -> None:
        """A problem of one input (or of the whole form, when ``name`` is not one of its inputs)."""
        if name in self.inputs:
            self.errors.setdefault(name, []).append(reason)
        else:
            self.alert = "；".join(t for t in (self.alert, reason) if t)
        self.status = max(self.status, status)

    def take(self, err: KgmatchError) -> None:
        """Show a workflow refusal: a ValidationError's fields next to their inputs, anything else as an alert."""
        if isinstance(err, ValidationError) and err.errors:
            for e in err.errors:
                self.fail(e.field, e.reason if e.field in self.inputs else err.message)
        else:
            self.fail("", err.message, status=err.status)

    def value(self, name: str, default: Any = "") -> Any:
        """What was typed into ``name`` (``default`` when nothing was)."""
        return self.values.get(name, default)

    def picked(self, name: str) -> list[str]:
        """The values of a checkbox group."""
        return self.values.getlist(name)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.errors and not self.alert

    @property
    def note(self) -> str:
        """The alert above the form: the refusal, or how many inputs need a change."""
        count = sum(len(v) for v in self.errors.values())
        parts = [self.alert] if self.alert else []
        if count:
            parts.append(PageMsg.FORM_HAS_ERRORS.format(count=count))
        return " ".join(parts)


def _posted(name: str, *inputs: str) -> WfForm:
    """The posted form (values stripped; a checkbox group keeps every value)."""
    values: MultiDict[str, str] = MultiDict([(k, v.strip()) for k, v in request.form.items(multi=True)
                                             if k != "csrf_token"])
    return WfForm(name, values, inputs)


def _attempt(form: WfForm, action: Callable[[], T]) -> T | None:
    """Run a workflow operation; ``None`` with the refusal put on ``form``."""
    try:
        return action()
    except _REFUSED as err:
        log.info("page form %s refused: %s", form.name, err.message)
        form.take(err)
        return None


def _actor() -> str:
    principal = current_principal()
    return principal.name if principal is not None else ""


def _per_page() -> int:
    return int(current_app.config["KGMATCH_PER_PAGE"])


def _done(message: str, url: str) -> Response:
    """Post/redirect/get with a flash message."""
    flash(message, "success")
    return redirect(url, code=303)


def _label_zh(value: Any) -> str:
    try:
        return NODE_SPECS[Label(value)].zh
    except ValueError:
        return str(value or "")


@bp.app_template_filter("wf_time")
def wf_time(value: Any) -> str:
    """``2026-11-27T17:30:00+08:00`` → ``2026-11-27 17:30`` (``–`` for none)."""
    if not value:
        return "–"
    text = str(value)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10] == "T" else text


def split_ids(text: str) -> list[str]:
    """Ids or names typed into one box, separated by new lines, commas, 顿号 or semicolons (order kept, no repeats).

    >>> split_ids("e:li, e:wang、e:li\\n 孙丽；")
    ['e:li', 'e:wang', '孙丽']
    """
    return list(dict.fromkeys(p.strip() for p in re.split(r"[\n\r,，、;；]+", text or "") if p.strip()))


def _resolve(store: GraphStore, label: Label, value: str) -> str:
    """The id of an expert or team given by id or exact name.

    Raises:
        NotFoundError: unknown, or several of that name (Chinese reason naming their ids).
    """
    what = NODE_SPECS[label].zh
    if store.get_node(label, value) is not None:
        return value
    named = store.find_nodes(label, props={"name": value}, limit=6)
    if named.total == 1:
        return named.nodes[0].id
    if named.total > 1:
        raise NotFoundError(WfPageMsg.SAME_NAME.format(count=named.total, what=what, value=value,
                                                       choices="、".join(n.id for n in named.nodes[:5])))
    raise NotFoundError(WfPageMsg.UNKNOWN.format(what=what, value=value))


def _resolve_into(form: WfForm, name: str, resolve: Callable[[str], str]) -> str | None:
    value = form.value(name)
    if not value:
        form.fail(name, PageMsg.REQUIRED)
        return None
    try:
        return resolve(value)
    except NotFoundError as err:
        form.fail(name, err.message)
        return None


# -- rows the templates show ----------------------------------------------------------------------------
def _push_row(node: Node) -> dict[str, Any]:
    props = node.props
    return {"id": node.id, **props, "target_zh": _label_zh(props.get("target_label")),
            "source_zh": SOURCES.get(str(props.get("source")), str(props.get("source") or "–")),
            "pending": props.get("status") == PUSH.initial}


def _challenge_row(node: Node) -> dict[str, Any]:
    return {"id": node.id, **node.props}


def _history(entries: Iterable[str]) -> list[dict[str, str]]:
    """A challenge's history lines (``time status actor reason``) as rows."""
    rows = []
    for entry in entries:
        parts = str(entry).split(" ", 3) + ["", "", ""]
        rows.append({"at": parts[0], "status": parts[1], "actor": parts[2], "reason": parts[3]})
    return rows


def challenge_steps(status: str, history: Iterable[str]) -> list[dict[str, str]]:
    """The challenge's status machine as steps: each ``done``, ``current`` or ``todo``.

    >>> [s["state"] for s in challenge_steps("已揭榜", ["t 发布 a", "t 揭榜中 a", "t 已揭榜 a"])]
    ['done', 'done', 'current', 'todo', 'todo', 'todo']
    """
    reached = {row["status"] for row in _history(history)}
    return [{"name": name, "state": "current" if name == status else "done" if name in reached else "todo"}
            for name in CHALLENGE.states]


# -- the demand page ------------------------------------------------------------------------------------
def demand_workflow(store: GraphStore, demand: Mapping[str, Any], rec: Mapping[str, Any] | None) -> dict[str, Any]:
    """What ``_demand_workflow.html`` shows on a demand page: ``{"wf": ...}`` (``None`` without workflow:read).

    The pushes of the demand, the feedback on its recommendations (the latest verdict per
    expert), its challenge, which forms the caller may use, and a refused form to show again.
    """
    if not may(Permission.WORKFLOW_READ):
        return {"wf": None}
    demand_id = str(demand["id"])
    pushes = [_push_row(n) for n in pushes_of_demand(store, demand_id)]
    feedback = [{"id": n.id, **n.props, "target_zh": _label_zh(n.props.get("target_label"))}
                for n in feedback_of_demand(store, demand_id)]
    verdicts = {target_id: {"id": n.id, **n.props} for (label, target_id), n in latest_verdicts(store, demand_id).items()
                if label == Label.EXPERT.value}
    pushed = {p["target_id"]: p for p in pushes if p.get("target_label") == Label.EXPERT.value}
    challenge = challenge_of_demand(store, demand_id)
    open_demand = not DEMAND.final(str(demand.get("status") or DEMAND.initial))
    has_picks = bool(rec and (rec.get("experts") or rec.get("teams")))
    args = {"top_k": request.args["top_k"]} if request.args.get("top_k") else {}
    return {"wf": {
        "pushes": pushes, "feedback": feedback, "verdicts": verdicts, "pushed": pushed,
        "challenge": _challenge_row(challenge) if challenge else None,
        "can_push": may(Permission.PUSH_WRITE) and open_demand and has_picks,
        "can_feedback": may(Permission.FEEDBACK_WRITE) and bool(rec and rec.get("experts")),
        "can_publish": may(Permission.CHALLENGE_PUBLISH) and challenge is None and open_demand,
        "channels": CHANNELS, "verdict_choices": VERDICTS,
        "urls": {"push": url_for("pages_workflow.push_recommended", **args),
                 "feedback": url_for("pages_workflow.give_feedback", **args),
                 "publish": url_for("pages_workflow.publish")},
        "form": g.get("wf_form"), "today": system_clock().date().isoformat(),
    }}


def _demand_again(demand_id: str, form: WfForm) -> Response:
    """The demand page again, with the refused form's values and reasons."""
    g.wf_form = form
    response = demand_detail(demand_id)
    response.status_code = form.status
    return response


def _demand_url(demand_id: str, anchor: str = "wf-records") -> str:
    args = {"top_k": request.args["top_k"]} if request.args.get("top_k") else {}
    return url_for("pages_demands.demand_detail", demand_id=demand_id, **args) + f"#{anchor}"


def _require_demand(store: GraphStore, demand_id: str) -> Node:
    node = store.get_node(Label.DEMAND, demand_id)
    if node is None:
        raise not_found(Label.DEMAND, demand_id)
    return node


def _ranking(store: GraphStore, demand_id: str) -> dict[str, tuple[int, float]]:
    """Rank and score of each recommended expert, as the demand page showed them (same ``top_k``)."""
    if not may(Permission.RECOMMEND):
        return {}
    overrides = capped(parse_settings({k: v for k, v in request.args.items() if k == "top_k" and v}))
    rec = recommend_for_demand(store, demand_id, tokenize=content_words, overrides=overrides,
                               index=app_state().index())
    return {e.scored.id: (e.rank, round(e.scored.score, 4)) for e in rec.experts}


def _team_members(form: WfForm) -> list[str]:
    """The experts of the recommended teams that were ticked (each checkbox holds its members as JSON)."""
    members: list[str] = []
    for raw in form.picked("team"):
        try:
            ids = json.loads(raw)
        except ValueError:
            ids = None
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise field_error("targets", WfPageMsg.BAD_TEAM)
        members += ids
    return members


def push_notice(result: PushResult, targets: Mapping[str, NodeRef]) -> str:
    """「已推送 3 位专家；2 位此前已推送过，未重复推送」 (``targets``: push id → recipient)."""
    experts = sum(1 for n in result.created if n.props.get("target_label") == Label.EXPERT.value)
    teams = len(result.created) - experts
    what = "、".join(t for t in (WfPageMsg.EXPERTS.format(count=experts) if experts else "",
                                 WfPageMsg.TEAMS.format(count=teams) if teams else "") if t)
    text = WfPageMsg.PUSHED.format(what=what) if what else WfPageMsg.PUSHED_NONE
    already = [targets[p] for p in result.already if p in targets]
    if already:
        text += "；" + WfPageMsg.ALREADY.format(count=len(already))
    return text


@bp.post("/pushes/recommended")
@requires(Permission.PUSH_WRITE)
def push_recommended() -> Any:
    """Push the demand to the ticked recommended experts and teams (``source="recommendation"``)."""
    check_form()
    store = app_state().store()
    form = _posted("push", "targets", "channel", "note")
    demand_id = form.value("demand_id")
    _require_demand(store, demand_id)

    def push() -> tuple[PushResult, dict[str, NodeRef]]:
        ids = list(dict.fromkeys(form.picked("expert") + _team_members(form)))
        refs = [NodeRef(Label.EXPERT, i) for i in ids]
        ranking = _ranking(store, demand_id) if refs else {}
        result = push_demands(store, [demand_id], refs, actor=_actor(), channel=form.value("channel", CHANNELS[0]),
                              note=form.value("note"), source="recommendation",
                              scores={i: score for i, (_, score) in ranking.items()})
        return result, {push_id(demand_id, r): r for r in refs}

    done = _attempt(form, push)
    if done is None:
        return _demand_again(demand_id, form)
    result, targets = done
    log.info("pushed demand %s to %d recipients (%d already)", demand_id, len(result.created), len(result.already))
    return _done(push_notice(result, targets), _demand_url(demand_id))


@bp.post("/feedback")
@requires(Permission.FEEDBACK_WRITE)
def give_feedback() -> Any:
    """采纳 / 不采纳 one recommended expert (不采纳 needs a reason), with the rank and score shown."""
    check_form()
    store = app_state().store()
    form = _posted("feedback:" + request.form.get("target_id", "").strip(), "verdict", "reason")
    demand_id = form.value("demand_id")
    _require_demand(store, demand_id)
    target = form.value("target_id")

    def record() -> Node:
        rank, score = _ranking(store, demand_id).get(target, (None, None)) if form.value("verdict") else (None, None)
        return record_feedback(store, demand_id, NodeRef(Label.EXPERT, target), verdict=form.value("verdict"),
                               reason=form.value("reason"), actor=_actor(), rank=rank, score=score)

    node = _attempt(form, record)
    if node is None:
        return _demand_again(demand_id, form)
    props = node.props
    template = WfPageMsg.FEEDBACK_REASON if props.get("reason") else WfPageMsg.FEEDBACK
    message = template.format(name=props.get("target_name"), verdict=props.get("verdict"), reason=props.get("reason"))
    return _done(message, _demand_url(demand_id, "experts-h"))


@bp.post("/challenges")
@requires(Permission.CHALLENGE_PUBLISH)
def publish() -> Any:
    """「发布为揭榜榜单」: publish the demand as a 揭榜 challenge, then open it."""
    check_form()
    store = app_state().store()
    form = _posted("publish", "title", "conditions", "deadline", "reward_wan")
    demand_id = form.value("demand_id")
    _require_demand(store, demand_id)
    node = _attempt(form, lambda: publish_challenge(
        store, demand_id, conditions=form.value("conditions"), deadline=form.value("deadline"),
        reward_wan=form.value("reward_wan") or "0", actor=_actor(), title=form.value("title")))
    if node is None:
        return _demand_again(demand_id, form)
    message = WfPageMsg.PUBLISHED.format(title=node.name, id=node.id, status=node.props.get("status"))
    return _done(message, url_for("pages_workflow.challenge_detail", challenge_id=node.id))


# -- /pushes ------------------------------------------------------------------------------------------------
def _pushes_page(form: WfForm | None = None) -> Response:
    store = app_state().store()
    per_page = _per_page()
    page = page_number(request.args)
    values = {name: request.args.get(name, "").strip() for name in _PUSH_FILTERS}
    errors: dict[str, list[str]] = {}
    props: dict[str, str] = {}
    if values["status"]:
        if values["status"] in PUSH.states:
            props["status"] = values["status"]
        else:
            errors["status"] = [PageMsg.BAD_OPTION.format(choices="、".join(PUSH.states), value=values["status"])]
    if values["demand"]:
        props["demand_id"] = values["demand"]
    if values["recipient"]:
        props["target_id"] = values["recipient"]
    found = NodePage([], 0) if errors else store.find_nodes(Label.PUSH, props=props or None,
                                                            skip=(page - 1) * per_page, limit=per_page)
    counts = {s: store.find_nodes(Label.PUSH, props={"status": s}, limit=0).total for s in PUSH.states}
    status = form.status if form is not None else 400 if errors else 200
    return render_page("pushes.html", status=status, active="pages_workflow.pushes",
                       rows=[_push_row(n) for n in found.nodes], values=values, errors=errors, form=form,
                       statuses=PUSH.states, counts=counts, channels=CHANNELS,
                       error_note=PageMsg.FILTER_HAS_ERRORS if errors else "",
                       paging=page_links("pages_workflow.pushes", request.args, page, found.total, per_page),
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
    form = _posted("answer:" + request.form.get("push_id", "").strip(), "answer", "reason")
    answer = form.value("answer")
    if answer not in ("accept", "decline"):
        form.fail("answer", WfPageMsg.BAD_ANSWER)
        return _pushes_page(form)
    node = _attempt(form, lambda: respond(store, form.value("push_id"), accept=answer == "accept",
                                          reason=form.value("reason"), responder=_actor()))
    if node is None:
        return _pushes_page(form)
    message = WfPageMsg.ANSWERED.format(name=node.props.get("target_name"), title=node.props.get("demand_title"),
                                        verdict="接受" if answer == "accept" else "谢绝")
    return _done(message, _pushes_url())


@bp.post("/pushes/remind")
@requires(Permission.PUSH_WRITE)
def remind() -> Any:
    """「发送未回复提醒」: remind every push unanswered for the given hours."""
    check_form()
    store = app_state().store()
    form = _posted("remind", "after_hours")
    raw = form.value("after_hours") or str(current_app.config.get("KGMATCH_PUSH_REMIND_HOURS", 72))
    try:
        hours = float(raw)
    except ValueError:
        form.fail("after_hours", WfPageMsg.BAD_HOURS.format(value=raw))
        return _pushes_page(form)
    reminded = _attempt(form, lambda: send_reminders(store, after_hours=hours))
    if reminded is None:
        return _pushes_page(form)
    template = WfPageMsg.REMINDED if reminded else WfPageMsg.REMINDED_NONE
    return _done(template.format(count=len(reminded), hours=hours), _pushes_url())


# -- /pushes/batch: a demand list to experts ---------------------------------------------------------------
def _batch_page(form: WfForm | None = None) -> Response:
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in FILTERS}
    errors: dict[str, list[str]] = {}
    try:
        found = _matching(store, limit=_PREVIEW)
    except ValidationError as err:
        for e in err.errors:
            errors.setdefault(e.field, []).append(e.reason)
        found = NodePage([], 0)
    status = form.status if form is not None else 400 if errors else 200
    return render_page("pushes_batch.html", status=status, active="pages_workflow.pushes", values=values,
                       errors=errors, filters=FILTERS, facets=app_state().memo("page_demand_facets", demand_facets),
                       preview=found.nodes, total=found.total, form=form, channels=CHANNELS, limit=MAX_PUSHES,
                       error_note=PageMsg.FILTER_HAS_ERRORS if errors else "",
                       action=url_with_args("pages_workflow.push_batch_submit", request.args, drop=()))


def _matching(store: GraphStore, *, skip: int = 0, limit: int) -> NodePage:
    """The demands the request's list filters match (read as the demand list page reads them)."""
    status = request.args.get("status", "").strip()
    return store.find_nodes(Label.DEMAND, props={"status": status} if status else None,
                            related=demand_filters(store), skip=skip, limit=limit)


@bp.get("/pushes/batch")
@requires(Permission.PUSH_WRITE)
def push_batch() -> Any:
    """Push a demand list: pick demands with the list's filters, then name the experts."""
    return _batch_page()


@bp.post("/pushes/batch")
@requires(Permission.PUSH_WRITE)
def push_batch_submit() -> Any:
    """Push every open demand the filters match to the named experts (``source="list"``), at most
    :data:`workflow.push.MAX_PUSHES` pairs."""
    check_form()
    store = app_state().store()
    form = _posted("batch", "experts", "channel", "note")
    names = split_ids(form.value("experts"))
    if not names:
        form.fail("experts", WfMsg.NO_TARGETS)
    experts = [e for e in (_resolve_into_each(form, store, name) for name in names) if e]
    try:
        total = _matching(store, limit=0).total
    except ValidationError as err:
        form.take(err)
        return _batch_page(form)
    if form.ok and total == 0:
        form.fail("", WfPageMsg.LIST_EMPTY)
    pairs = total * len(set(experts))
    if form.ok and pairs > MAX_PUSHES:
        form.fail("experts", WfMsg.TOO_MANY.format(limit=MAX_PUSHES, count=pairs))
    if not form.ok:
        return _batch_page(form)
    demands = _matching(store, limit=total).nodes
    open_ids = [d.id for d in demands if not DEMAND.final(str(d.props.get("status") or DEMAND.initial))]
    if not open_ids:
        form.fail("", WfPageMsg.LIST_ALL_CLOSED.format(count=len(demands)), status=409)
        return _batch_page(form)
    result = _attempt(form, lambda: push_demands(
        store, open_ids, [NodeRef(Label.EXPERT, e) for e in dict.fromkeys(experts)], actor=_actor(),
        channel=form.value("channel", CHANNELS[0]), note=form.value("note"), source="list"))
    if result is None:
        return _batch_page(form)
    parts = [WfPageMsg.LIST_PUSHED.format(demands=len(open_ids), recipients=len(set(experts)),
                                          created=len(result.created))]
    if result.already:
        parts.append(WfPageMsg.LIST_ALREADY.format(count=len(result.already)))
    if len(open_ids) < len(demands):
        parts.append(WfPageMsg.LIST_SKIPPED.format(count=len(demands) - len(open_ids)))
    log.info("pushed %d demands of a list to %d experts", len(open_ids), len(set(experts)))
    return _done("；".join(parts), url_for("pages_workflow.pushes"))


def _resolve_into_each(form: WfForm, store: GraphStore, name: str) -> str | None:
    try:
        return _resolve(store, Label.EXPERT, name)
    except NotFoundError as err:
        form.fail("experts", err.message)
        return None


# -- /challenges -------------------------------------------------------------------------------------------
@bp.get("/challenges")
@requires(Permission.WORKFLOW_READ)
def challenges() -> Any:
    """The 揭榜 challenges: counts per status, a status filter, paging, bids per challenge."""
    store = app_state().store()
    per_page = _per_page()
    page = page_number(request.args)
    status = request.args.get("status", "").strip()
    errors: dict[str, list[str]] = {}
    if status and status not in CHALLENGE.states:
        errors["status"] = [PageMsg.BAD_OPTION.format(choices="、".join(CHALLENGE.states), value=status)]
    found = NodePage([], 0) if errors else store.find_nodes(
        Label.CHALLENGE, props={"status": status} if status else None, skip=(page - 1) * per_page, limit=per_page)
    bids: dict[str, int] = {}
    for ref, _ in store.expand([n.ref for n in found.nodes], direction=Direction.IN, rel_types=[RelType.BIDS_ON]):
        bids[ref.id] = bids.get(ref.id, 0) + 1
    counts = {s: store.find_nodes(Label.CHALLENGE, props={"status": s}, limit=0).total for s in CHALLENGE.states}
    return render_page("challenges.html", status=400 if errors else 200, active="pages_workflow.challenges",
                       rows=[{**_challenge_row(n), "bids": bids.get(n.id, 0)} for n in found.nodes],
                       status_value=status, errors=errors, counts=counts, all_count=sum(counts.values()),
                       statuses=CHALLENGE.states,
                       paging=page_links("pages_workflow.challenges", request.args, page, found.total, per_page))


def _challenge_page(challenge_id: str, form: WfForm | None = None) -> Response:
    store = app_state().store()
    node = store.get_node(Label.CHALLENGE, challenge_id)
    if node is None:
        raise not_found(Label.CHALLENGE, challenge_id)
    props = node.props
    status = str(props.get("status"))
    bids = [{"id": b.id, **b.props, "bidder_zh": _label_zh(b.props.get("bidder_label"))}
            for b in bids_of(store, challenge_id)]
    moves = [{"status": s, "action": ACTIONS[s]} for s in CHALLENGE.moves.get(status, ()) if s != AWARDED]
    return render_page("challenge_detail.html", status=form.status if form is not None else 200,
                       active="pages_workflow.challenges", challenge=_challenge_row(node),
                       steps=challenge_steps(status, props.get("history") or []),
                       history=_history(props.get("history") or []), bids=bids, moves=moves,
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


def _challenge_form(name: str, *inputs: str) -> tuple[WfForm, str]:
    check_form()
    form = _posted(name, *inputs)
    challenge_id = form.value("challenge_id")
    if app_state().store().get_node(Label.CHALLENGE, challenge_id) is None:
        raise not_found(Label.CHALLENGE, challenge_id)
    return form, challenge_id


@bp.post("/challenges/bid")
@requires(Permission.PORTAL_ACT)
def bid() -> Any:
    """「提交揭榜方案」 on behalf of an expert or team (id or exact name)."""
    form, challenge_id = _challenge_form("bid", "bidder_label", "bidder", "proposal")
    store = app_state().store()
    kind = BIDDER_TYPES.get(form.value("bidder_label"))
    if kind is None:
        form.fail("bidder_label", PageMsg.BAD_OPTION.format(choices="专家、专家团队", value=form.value("bidder_label")))
        return _challenge_page(challenge_id, form)
    bidder = _resolve_into(form, "bidder", lambda v: _resolve(store, kind[0], v))
    if bidder is None:
        return _challenge_page(challenge_id, form)
    node = _attempt(form, lambda: submit_bid(store, challenge_id, NodeRef(kind[0], bidder),
                                             proposal=form.value("proposal"), actor=_actor()))
    if node is None:
        return _challenge_page(challenge_id, form)
    return _done(WfPageMsg.BID.format(name=node.props.get("bidder_name"), id=node.id),
                 url_for("pages_workflow.challenge_detail", challenge_id=challenge_id) + "#bids-h")


@bp.post("/challenges/select")
@requires(Permission.CHALLENGE_MANAGE)
def select() -> Any:
    """「确定揭榜方」: select one bid (揭榜中 → 已揭榜); the others become 未中选."""
    form, challenge_id = _challenge_form("select")
    node = _attempt(form, lambda: select_bid(app_state().store(), challenge_id, form.value("bid_id"), actor=_actor()))
    if node is None:
        return _challenge_page(challenge_id, form)
    return _done(WfPageMsg.SELECTED.format(name=node.props.get("winner_name"), status=node.props.get("status")),
                 url_for("pages_workflow.challenge_detail", challenge_id=challenge_id))


@bp.post("/challenges/status")
@requires(Permission.CHALLENGE_MANAGE)
def move() -> Any:
    """Move a challenge to its next status (closing needs a reason); the machine refuses the rest."""
    form, challenge_id = _challenge_form("move", "reason")
    target = form.value("status")
    node = _attempt(form, lambda: advance(app_state().store(), challenge_id, target, actor=_actor(),
                                          reason=form.value("reason")))
    if node is None:
        return _challenge_page(challenge_id, form)
    return _done(WfPageMsg.MOVED.format(action=ACTIONS.get(target, target), status=node.props.get("status")),
                 url_for("pages_workflow.challenge_detail", challenge_id=challenge_id))


# -- /deliveries ---------------------------------------------------------------------------------------------
def _deliveries_page(form: WfForm | None = None) -> Response:
    store = app_state().store()
    per_page = _per_page()
    page = page_number(request.args)
    status = request.args.get("status", "").strip()
    errors: dict[str, list[str]] = {}
    try:
        found = list_deliveries(store, status or None, skip=(page - 1) * per_page, limit=per_page)
    except ValidationError as err:
        errors["status"] = [e.reason for e in err.errors] or [err.message]
        found = NodePage([], 0)
    counts = {s: store.find_nodes(Label.DELIVERY, props={"status": s}, limit=0).total for s in DELIVERY_STATUSES}
    rows = [{"id": n.id, **n.props, "event_zh": EVENTS.get(str(n.props.get("event")), ""),
             "subject_zh": _label_zh(n.props.get("subject_label")), "pending": n.props.get("status") == PENDING}
            for n in found.nodes]
    return render_page("deliveries.html", status=form.status if form is not None else 400 if errors else 200,
                       active="pages_workflow.pushes", rows=rows, status_value=status, statuses=DELIVERY_STATUSES,
                       counts=counts, errors=errors, form=form, labels=Label, may_retry=may(Permission.PUSH_WRITE),
                       retry_action=url_with_args("pages_workflow.retry_delivery", request.args, drop=()),
                       paging=page_links("pages_workflow.deliveries", request.args, page, found.total, per_page))


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
    form = _posted("retry:" + request.form.get("delivery_id", "").strip())
    delivery_id = form.value("delivery_id")
    node = _attempt(form, lambda: retry_now(app_state().store(), delivery_id, system_clock()))
    if node is None:
        return _deliveries_page(form)
    return _done(WfPageMsg.RETRY.format(id=delivery_id), url_with_args("pages_workflow.deliveries", request.args,
                                                                       drop=()))
