"""科技专员与创新券: the pages of the services that follow a match.

* ``/dispatches``: 科技专员派驻 — the list (filters, paging) and the 「派驻科技专员」 form;
  ``/dispatches/<id>``: one dispatch with its service records and totals, the
  「记录服务」 form, 「结束派驻」, and per service the enterprise's 「企业评价」.
* ``/vouchers``: 科技创新券 — the list and the 「发放创新券」 form; ``/vouchers/<id>``: one
  voucher with its redemptions, 「兑付」 and 「作废」.

报送与考核, which sums these services up, is :mod:`api.pages.reports`.

Every write goes through :mod:`workflow` (which validates everything before it writes and
guards each change by version), so the pages only read forms, resolve friendly references
(an id or an exact name) and show problems: field errors in Chinese next to their inputs
(HTTP 400), a refusal because of stored state as an alert (HTTP 409, nothing changed).
A successful post redirects (post/redirect/get) with a flash message. The form machinery is
shared with the workflow pages: :mod:`api.pages.forms`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, request, url_for

from api.auth import Permission, may, requires
from api.pages.base import check_form, page_headers, render_page
from api.pages.forms import (
    ListPage,
    PageForm,
    actor_name,
    all_nodes,
    attempt,
    done,
    node_or_404,
    node_row,
    read_form,
    resolve_into,
    resolve_named,
)
from api.state import app_state
from graph import clock
from graph.errors import Msg, NotFoundError, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from workflow.common import parse_date
from workflow.dispatch import (
    dispatch_provider,
    end_dispatch,
    rate_service,
    record_service,
    service_types_of,
    services_of_dispatch,
)
from workflow.states import (
    ALL_SERVICE_TYPES,
    COOPERATION_FORMS,
    DISPATCH,
    PLATFORM_SERVICE_TYPES,
    SERVICE_MODES,
    VOUCHER,
)
from workflow.vouchers import issue_voucher, redeem_voucher, redemptions_of, void_voucher

__all__ = ["bp", "HOLDER_TYPES", "dispatch_rows", "voucher_rows", "resolve_holder"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_services", __name__)
bp.after_request(page_headers)

HOLDER_TYPES: dict[str, tuple[Label, str]] = {"enterprise": (Label.ENTERPRISE, "企业"), "expert": (Label.EXPERT, "专家")}
"""The holder types of a voucher: form value → label and Chinese name."""


# -- friendly references ------------------------------------------------------------------------------------
def _resolve_demand(store: GraphStore, value: str) -> str:
    text = value.strip()
    if store.get_node(Label.DEMAND, text) is not None:
        return text
    titled = store.find_nodes(Label.DEMAND, props={"title": text}, limit=2)
    if titled.total == 1:
        return titled.nodes[0].id
    raise ValueError(Msg.services.UNKNOWN_DEMAND.format(value=value))


def resolve_holder(store: GraphStore, kind: str, value: str) -> NodeRef:
    """A voucher holder: ``kind`` ``enterprise`` (id, credit code or name) or ``expert`` (id or name).

    Raises:
        ValueError: unknown kind or holder (Chinese reason).
    """
    if kind == "enterprise":
        return NodeRef(Label.ENTERPRISE, app_state().resolver().enterprise(value))
    if kind == "expert":
        return NodeRef(Label.EXPERT, resolve_named(store, Label.EXPERT, value))
    raise ValueError(Msg.services.BAD_HOLDER_TYPE)


# -- reading lists --------------------------------------------------------------------------------------------
def _matches(text: str, node: Node, id_key: str, name_key: str) -> bool:
    """An exact id, or a part of the name."""
    return not text or text == node.props.get(id_key) or text in str(node.props.get(name_key) or "")


def _service_totals(services: Sequence[Node]) -> dict[str, Any]:
    ratings = [int(s.props["rating"]) for s in services if s.props.get("rating") is not None]
    return {"services": len(services), "hours": round(sum((float(s.props.get("hours") or 0) for s in services), 0.0), 2),
            "solved": sum(1 for s in services if s.props.get("solved")),
            "rated": len(ratings), "rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "redeemed": round(sum((float(s.props.get("redeemed_amount") or 0) for s in services), 0.0), 2)}


def dispatch_rows(store: GraphStore, dispatches: Sequence[Node]) -> list[dict[str, Any]]:
    """What the list shows of each dispatch: its properties and the totals of its service records."""
    services: dict[str, list[Node]] = {d.id: [] for d in dispatches}
    if dispatches:
        for ref, nb in store.expand([d.ref for d in dispatches], direction=Direction.IN,
                                    rel_types=[RelType.RECORDS], labels=[Label.SERVICE]):
            services[ref.id].append(nb.node)
    return [node_row(d, totals=_service_totals(services[d.id])) for d in dispatches]


def voucher_rows(vouchers: Sequence[Node]) -> list[dict[str, Any]]:
    """What the list shows of each voucher (holder type in Chinese)."""
    zh = {label.value: name for label, name in HOLDER_TYPES.values()}
    return [node_row(v, holder_type=zh.get(str(v.props.get("holder_label")), "")) for v in vouchers]


# -- 科技专员派驻 -------------------------------------------------------------------------------------------------
_DISPATCH_INPUTS = ("expert", "enterprise", "demand", "start_date", "end_date", "service_types", "note",
                    "service_mode", "platform")
_DISPATCH_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("status", "派驻状态", ""),
    ("service_mode", "服务方式", ""),
    ("expert", "专家", "专家编号或姓名"),
    ("enterprise", "服务企业", "企业编号或名称"),
)


def _dispatch_form() -> PageForm:
    today = clock.today()
    values: dict[str, Any] = {k: "" for k in _DISPATCH_INPUTS}
    values.update(demand=request.args.get("demand", "").strip(), start_date=today.isoformat(),
                  end_date=(today + timedelta(days=90)).isoformat(), service_types=[])
    return PageForm("dispatch", values, _DISPATCH_INPUTS)


def _show_dispatches(form: PageForm) -> Any:
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in _DISPATCH_FILTERS}
    exact = {k: values[k] for k in ("status", "service_mode") if values[k]}
    found = all_nodes(store, Label.DISPATCH, exact or None)
    found = [d for d in found if _matches(values["expert"], d, "expert_id", "expert_name")
             and _matches(values["enterprise"], d, "enterprise_id", "enterprise_name")]
    listing = ListPage.of_request("pages_services.dispatches")
    return render_page("dispatches.html", status=form.status, active="pages_services.dispatches",
                       rows=dispatch_rows(store, listing.newest(found)), filters=_DISPATCH_FILTERS, values=values,
                       filter_options={"status": [(s, s) for s in DISPATCH.states],
                                       "service_mode": [(m, m) for m in SERVICE_MODES]},
                       service_types=ALL_SERVICE_TYPES, platform_service_types=PLATFORM_SERVICE_TYPES,
                       service_modes=SERVICE_MODES,
                       form=form, may_write=may(Permission.DISPATCH_WRITE), paging=listing.links(len(found)))


def _check_period(form: PageForm) -> None:
    """Both dates given and readable, the end not before the start (all problems at once)."""
    days: dict[str, str] = {}
    for name in ("start_date", "end_date"):
        if not form.value(name):
            form.fail(name, Msg.pages.REQUIRED)
            continue
        try:
            days[name] = parse_date(form.value(name), name)
        except ValidationError as err:
            form.take(err)
    if len(days) == 2 and days["end_date"] < days["start_date"]:
        form.fail("end_date", Msg.workflow.END_BEFORE_START.format(start=days["start_date"], end=days["end_date"]))


def _provider(store: GraphStore, form: PageForm) -> NodeRef | None:
    """The provider typed into the form: an expert (「专家」) or a service platform (「服务平台」, issue 16), one of them."""
    if form.value("platform") and form.value("expert"):
        form.fail("platform", Msg.services.ONE_PROVIDER)
        return None
    if form.value("platform"):
        found = resolve_into(form, "platform", lambda v: resolve_named(store, Label.PLATFORM, v))
        return NodeRef(Label.PLATFORM, found) if found else None
    found = resolve_into(form, "expert", lambda v: resolve_named(store, Label.EXPERT, v))
    return NodeRef(Label.EXPERT, found) if found else None


@bp.get("/dispatches")
@requires(Permission.WORKFLOW_READ)
def dispatches() -> Any:
    """The dispatches, newest first, with filters; the 「派驻科技专员」 form for those who may."""
    return _show_dispatches(_dispatch_form())


@bp.post("/dispatches")
@requires(Permission.DISPATCH_WRITE)
def create_dispatch() -> Any:
    """「派驻科技专员」: resolve the expert (or platform), enterprise and demand, then
    :func:`workflow.dispatch.dispatch_provider`."""
    check_form()
    store = app_state().store()
    form = read_form("dispatch", *_DISPATCH_INPUTS)
    provider = _provider(store, form)
    enterprise = resolve_into(form, "enterprise", app_state().resolver().enterprise)
    demand = resolve_into(form, "demand", lambda v: _resolve_demand(store, v)) if form.value("demand") else None
    _check_period(form)
    if not [t for t in form.picked("service_types") if t]:
        form.fail("service_types", Msg.services.PICK_TYPE)
    node = None
    if form.ok and provider and enterprise:
        node = attempt(form, lambda: dispatch_provider(
            store, provider, enterprise, start_date=form.value("start_date"), end_date=form.value("end_date"),
            service_types=form.picked("service_types"), demand_id=demand, note=form.value("note"),
            mode=form.value("service_mode") or None, actor=actor_name()))
    if node is None:
        return _show_dispatches(form)
    return done(url_for("pages_services.dispatch_detail", dispatch_id=node.id),
                Msg.services.DISPATCHED.format(expert=node.props.get("provider_name") or node.props.get("expert_name"),
                                         enterprise=node.props.get("enterprise_name"), id=node.id))


_SERVICE_INPUTS = ("date", "hours", "service_type", "content", "outcome", "solved", "cooperation_form")
_RATING_INPUTS = ("rating", "comment")


def _service_form(dispatch: Node) -> PageForm:
    props = dispatch.props
    today = clock.today().isoformat()
    day = min(max(today, str(props.get("start_date", today))), str(props.get("end_date", today)))
    types = props.get("service_types") or [props.get("service_type")]
    return PageForm("service", {"date": day, "hours": "", "service_type": types[0] if types else "", "content": "",
                                "outcome": "", "solved": "", "cooperation_form": ""}, _SERVICE_INPUTS)


def _show_dispatch(dispatch: Node, form: PageForm | None = None) -> Any:
    store = app_state().store()
    services = services_of_dispatch(store, dispatch.id)
    demand = store.get_node(Label.DEMAND, str(dispatch.props["demand_id"])) if dispatch.props.get("demand_id") else None
    form = form or PageForm("")
    return render_page("dispatch_detail.html", status=form.status, active="pages_services.dispatches",
                       dispatch=dispatch, services=services, totals=_service_totals(services), demand=demand,
                       form=form, service_form=form if form.name == "service" else _service_form(dispatch),
                       service_types=service_types_of(dispatch.props.get("provider_label")),
                       cooperation_forms=COOPERATION_FORMS,
                       active_status=DISPATCH.initial, labels=Label,
                       may_write=may(Permission.DISPATCH_WRITE), may_rate=may(Permission.PORTAL_ACT),
                       may_voucher=may(Permission.VOUCHER_WRITE), may_graph=may(Permission.GRAPH_READ),
                       may_demand=may(Permission.DEMAND_READ))


def _dispatch_or_404(dispatch_id: str) -> Node:
    return node_or_404(app_state().store(), Label.DISPATCH, dispatch_id)


@bp.get("/dispatches/<dispatch_id>")
@requires(Permission.WORKFLOW_READ)
def dispatch_detail(dispatch_id: str) -> Any:
    """One dispatch: its facts, service records and totals, and the forms the caller may use."""
    return _show_dispatch(_dispatch_or_404(dispatch_id))


@bp.post("/dispatches/<dispatch_id>/services")
@requires(Permission.DISPATCH_WRITE)
def add_service(dispatch_id: str) -> Any:
    """「记录服务」: :func:`workflow.dispatch.record_service` (``solved`` marks the demand 已解决)."""
    check_form()
    dispatch = _dispatch_or_404(dispatch_id)
    store = app_state().store()
    form = read_form("service", *_SERVICE_INPUTS)
    form.require("date", "hours", "service_type", "content")
    solved = bool(form.value("solved"))
    node = None
    if form.ok:
        node = attempt(form, lambda: record_service(
            store, dispatch_id, date=form.value("date"), hours=form.value("hours"),
            service_type=form.value("service_type"), content=form.value("content"),
            outcome=form.value("outcome"), solved=solved, form=form.value("cooperation_form") or None,
            actor=actor_name()))
    if node is None:
        return _show_dispatch(dispatch, form)
    messages = [Msg.services.RECORDED.format(date=node.props["date"], hours=f"{float(node.props['hours']):g}")]
    if solved:
        title = dispatch.props.get("demand_title") or dispatch.props.get("demand_id")
        messages.append(Msg.services.SOLVED.format(title=title))
    return done(url_for("pages_services.dispatch_detail", dispatch_id=dispatch_id), *messages)


@bp.post("/dispatches/<dispatch_id>/end")
@requires(Permission.DISPATCH_WRITE)
def finish_dispatch(dispatch_id: str) -> Any:
    """「结束派驻」: :func:`workflow.dispatch.end_dispatch` (an ended dispatch is refused with 409)."""
    check_form()
    dispatch = _dispatch_or_404(dispatch_id)
    form = PageForm("end")
    node = attempt(form, lambda: end_dispatch(app_state().store(), dispatch_id, actor=actor_name()))
    if node is None:
        return _show_dispatch(dispatch, form)
    return done(url_for("pages_services.dispatch_detail", dispatch_id=dispatch_id), Msg.services.ENDED.format(id=dispatch_id))


@bp.post("/dispatches/<dispatch_id>/services/<service_id>/rating")
@requires(Permission.PORTAL_ACT)
def rate(dispatch_id: str, service_id: str) -> Any:
    """「企业评价」 of one service record (1–5, once): :func:`workflow.dispatch.rate_service`."""
    check_form()
    dispatch = _dispatch_or_404(dispatch_id)
    store = app_state().store()
    service = node_or_404(store, Label.SERVICE, service_id)
    if service.props.get("dispatch_id") != dispatch_id:
        raise NotFoundError(Msg.services.NOT_A_SERVICE_OF.format(service=service_id, dispatch=dispatch_id))
    form = read_form(f"rate:{service_id}", *_RATING_INPUTS)
    node = attempt(form, lambda: rate_service(store, service_id, rating=form.value("rating"),
                                              comment=form.value("comment"), rated_by=actor_name()))
    if node is None:
        return _show_dispatch(dispatch, form)
    return done(url_for("pages_services.dispatch_detail", dispatch_id=dispatch_id) + f"#svc-{service_id}",
                Msg.services.RATED.format(rating=node.props["rating"]))


# -- 科技创新券 ---------------------------------------------------------------------------------------------------
_VOUCHER_INPUTS = ("holder_type", "holder", "amount", "valid_until", "programme", "note")
_VOUCHER_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("status", "状态", ""),
    ("holder_type", "持有人类型", ""),
    ("holder", "持有人", "编号或名称"),
)


def _voucher_form() -> PageForm:
    until = date(clock.today().year, 12, 31).isoformat()
    return PageForm("voucher", {"holder_type": "enterprise", "holder": "", "amount": "", "valid_until": until,
                                "programme": "科技创新券", "note": ""}, _VOUCHER_INPUTS)


def _show_vouchers(form: PageForm) -> Any:
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in _VOUCHER_FILTERS}
    props: dict[str, Any] = {"status": values["status"]} if values["status"] else {}
    if values["holder_type"] in HOLDER_TYPES:
        props["holder_label"] = HOLDER_TYPES[values["holder_type"]][0].value
    found = [v for v in all_nodes(store, Label.VOUCHER, props)
             if _matches(values["holder"], v, "holder_id", "holder_name")]
    listing = ListPage.of_request("pages_services.vouchers")
    sums = {"amount": round(sum(float(v.props.get("amount") or 0) for v in found), 2),
            "balance": round(sum(float(v.props.get("balance") or 0) for v in found
                                 if v.props.get("status") == VOUCHER.initial), 2)}
    return render_page("vouchers.html", status=form.status, active="pages_services.vouchers",
                       rows=voucher_rows(listing.newest(found)), filters=_VOUCHER_FILTERS, values=values,
                       filter_options={"status": [(s, s) for s in VOUCHER.states],
                                       "holder_type": [(v, zh) for v, (_, zh) in HOLDER_TYPES.items()]},
                       holder_types=HOLDER_TYPES, form=form, sums=sums, may_write=may(Permission.VOUCHER_WRITE),
                       paging=listing.links(len(found)))


@bp.get("/vouchers")
@requires(Permission.WORKFLOW_READ)
def vouchers() -> Any:
    """The vouchers, newest first, with filters; the 「发放创新券」 form for those who may."""
    return _show_vouchers(_voucher_form())


@bp.post("/vouchers")
@requires(Permission.VOUCHER_WRITE)
def create_voucher() -> Any:
    """「发放创新券」: resolve the holder, then :func:`workflow.vouchers.issue_voucher`."""
    check_form()
    store = app_state().store()
    form = read_form("voucher", *_VOUCHER_INPUTS)
    holder: NodeRef | None = None
    if form.value("holder_type") not in HOLDER_TYPES:
        form.fail("holder_type", Msg.services.BAD_HOLDER_TYPE)
    else:
        holder = resolve_into(form, "holder", lambda v: resolve_holder(store, form.value("holder_type"), v))
    form.require("amount", "valid_until")
    node = None
    if form.ok and holder is not None:
        node = attempt(form, lambda: issue_voucher(
            store, holder, amount=form.value("amount"), valid_until=form.value("valid_until"),
            programme=form.value("programme"), note=form.value("note"), actor=actor_name()))
    if node is None:
        return _show_vouchers(form)
    return done(url_for("pages_services.voucher_detail", voucher_id=node.id),
                Msg.services.ISSUED.format(holder=node.props.get("holder_name"), amount=float(node.props["amount"]),
                                     id=node.id))


_REDEEM_INPUTS = ("service_id", "amount")


def _redeemable(store: GraphStore, voucher: Node) -> list[Node]:
    """Service records the voucher's holder is a party to and that nobody has paid yet (for the datalist)."""
    key = "enterprise_id" if voucher.props.get("holder_label") == Label.ENTERPRISE.value else "expert_id"
    found = all_nodes(store, Label.SERVICE, {key: str(voucher.props.get("holder_id"))})
    return sorted((s for s in found if not s.props.get("redeemed_by")),
                  key=lambda s: (str(s.props.get("date")), s.id), reverse=True)


def _show_voucher(voucher: Node, form: PageForm | None = None) -> Any:
    store = app_state().store()
    rows = redemptions_of(store, voucher.id)
    services = {s.id: s for s in store.get_nodes(Label.SERVICE, [r["service_id"] for r in rows])}
    for row in rows:
        service = services.get(row["service_id"])
        row["dispatch_id"] = service.props.get("dispatch_id") if service else None
        row["expert_name"] = service.props.get("expert_name") if service else None
        row["enterprise_name"] = service.props.get("enterprise_name") if service else None
    form = form or PageForm("")
    writable = may(Permission.VOUCHER_WRITE) and voucher.props.get("status") == VOUCHER.initial
    redeem = form if form.name == "redeem" else PageForm("redeem", {"service_id": request.args.get("service", ""),
                                                                    "amount": ""}, _REDEEM_INPUTS)
    return render_page("voucher_detail.html", status=form.status, active="pages_services.vouchers",
                       voucher=voucher, redemptions=rows,
                       redeemed=round(sum((float(r.get("amount") or 0) for r in rows), 0.0), 2),
                       form=form, redeem_form=redeem, void_form=form if form.name == "void" else PageForm("void"),
                       candidates=_redeemable(store, voucher) if writable else [], writable=writable,
                       holder_type=next((zh for label, zh in HOLDER_TYPES.values()
                                         if label.value == voucher.props.get("holder_label")), ""),
                       labels=Label, may_graph=may(Permission.GRAPH_READ))


def _voucher_or_404(voucher_id: str) -> Node:
    return node_or_404(app_state().store(), Label.VOUCHER, voucher_id)


@bp.get("/vouchers/<voucher_id>")
@requires(Permission.WORKFLOW_READ)
def voucher_detail(voucher_id: str) -> Any:
    """One voucher: its facts and redemptions; 「兑付」 and 「作废」 for those who may."""
    return _show_voucher(_voucher_or_404(voucher_id))


@bp.post("/vouchers/<voucher_id>/redeem")
@requires(Permission.VOUCHER_WRITE)
def redeem(voucher_id: str) -> Any:
    """「兑付」: :func:`workflow.vouchers.redeem_voucher`; over the balance or paid twice → 409, nothing changes."""
    check_form()
    voucher = _voucher_or_404(voucher_id)
    store = app_state().store()
    form = read_form("redeem", *_REDEEM_INPUTS)
    form.require(*_REDEEM_INPUTS)
    if form.value("service_id") and store.get_node(Label.SERVICE, form.value("service_id")) is None:
        form.fail("service_id", Msg.services.UNKNOWN_SERVICE.format(value=form.value("service_id")))
    node = None
    if form.ok:
        node = attempt(form, lambda: redeem_voucher(store, voucher_id, form.value("service_id"),
                                                    amount=form.value("amount"), actor=actor_name()))
    if node is None:
        return _show_voucher(voucher, form)
    paid = round(float(voucher.props["balance"]) - float(node.props["balance"]), 2)
    return done(url_for("pages_services.voucher_detail", voucher_id=voucher_id),
                Msg.services.REDEEMED.format(amount=paid, balance=float(node.props["balance"])))


@bp.post("/vouchers/<voucher_id>/void")
@requires(Permission.VOUCHER_WRITE)
def void(voucher_id: str) -> Any:
    """「作废」 with a reason: :func:`workflow.vouchers.void_voucher`."""
    check_form()
    voucher = _voucher_or_404(voucher_id)
    form = read_form("void", "reason")
    node = attempt(form, lambda: void_voucher(app_state().store(), voucher_id, reason=form.value("reason"),
                                              actor=actor_name()))
    if node is None:
        return _show_voucher(voucher, form)
    return done(url_for("pages_services.voucher_detail", voucher_id=voucher_id), Msg.services.VOIDED.format(id=voucher_id))
