"""科技专员、创新券、报送与考核: the pages of the services that follow a match.

* ``/dispatches``: 科技专员派驻 — the list (filters, paging) and the 「派驻科技专员」 form;
  ``/dispatches/<id>``: one dispatch with its service records and totals, the
  「记录服务」 form, 「结束派驻」, and per service the enterprise's 「企业评价」.
* ``/vouchers``: 科技创新券 — the list and the 「发放创新券」 form; ``/vouchers/<id>``: one
  voucher with its redemptions, 「兑付」 and 「作废」.
* ``/reports``: 报送与考核 — headline numbers, the 考核评价 tables by expert, institution and
  region, and the Excel workbook of the reports (:mod:`workflow.reports`).

Every write goes through :mod:`workflow` (which validates everything before it writes and
guards each change by version), so the pages only read forms, resolve friendly references
(an id or an exact name) and show problems: field errors in Chinese next to their inputs
(HTTP 400), a refusal because of stored state as an alert (HTTP 409, nothing changed).
A successful post redirects (post/redirect/get) with a flash message.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from flask import Blueprint, current_app, flash, redirect, request, send_file, url_for
from werkzeug.datastructures import MultiDict

from api.app import app_state
from api.auth import Permission, current_principal, may, requires
from api.blueprints._common import not_found
from api.blueprints.pages import PageMsg, check_form, page_headers, page_links, page_number, render_page
from graph.errors import ConflictError, KgmatchError, NotFoundError, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from workflow.common import WfMsg, parse_date, system_clock
from workflow.dispatch import dispatch_expert, end_dispatch, rate_service, record_service, services_of_dispatch
from workflow.reports import REPORTS, ReportFilter, evaluation, read_facts, report_workbook, summarize
from workflow.states import DISPATCH, SERVICE_TYPES, VOUCHER
from workflow.vouchers import issue_voucher, redeem_voucher, redemptions_of, void_voucher

__all__ = ["bp", "SvcMsg", "PageForm", "HOLDER_TYPES", "HEADLINES", "EVALUATION_TABLES", "REPORT_TOP",
           "dispatch_rows", "voucher_rows", "resolve_expert", "resolve_holder", "report_kinds"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_services", __name__)
bp.after_request(page_headers)

T = TypeVar("T")

HOLDER_TYPES: dict[str, tuple[Label, str]] = {"enterprise": (Label.ENTERPRISE, "企业"), "expert": (Label.EXPERT, "专家")}
"""The holder types of a voucher: form value → label and Chinese name."""

HEADLINES: tuple[tuple[str, str, int], ...] = (
    ("demands", "新增需求（项）", 0), ("pushed", "推送（人次）", 0), ("accepted", "接受推送（人次）", 0),
    ("dispatches", "派驻科技专员（次）", 0), ("enterprises_served", "服务企业（家）", 0),
    ("services", "服务次数", 0), ("hours", "服务时长（小时）", 1), ("solved", "解决需求（项）", 0),
    ("rating_mean", "企业平均评分", 2),
)
"""The headline numbers of 报送与考核: key of :func:`workflow.reports.summarize`, Chinese label, decimals."""

EVALUATION_TABLES: tuple[tuple[str, str], ...] = (("expert", "按专家"), ("institution", "按机构"), ("region", "按地区"))
"""The 考核评价 tables of the reports page: ``by`` of :func:`workflow.reports.evaluation`, tab name."""

REPORT_TOP = 50
"""Rows shown per 考核评价 table (the Excel workbook has them all)."""

_SCAN_PAGE = 1000
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SvcMsg:
    """Chinese text of these pages (format with ``str.format``)."""

    UNKNOWN_EXPERT = "未找到专家「{value}」（请填写专家编号或准确的姓名）"
    SAME_NAME = "有 {count} 位专家名为「{value}」：{choices}；请填写专家编号"
    UNKNOWN_DEMAND = "未找到需求「{value}」（请填写需求编号）"
    UNKNOWN_SERVICE = "未找到服务记录「{value}」"
    NOT_A_SERVICE_OF = "服务记录「{service}」不属于派驻「{dispatch}」"
    PICK_TYPE = "请至少选择一种服务类型"
    BAD_HOLDER_TYPE = "请选择企业或专家"
    DISPATCHED = "已派驻 {expert} 到 {enterprise}（编号 {id}）。"
    RECORDED = "已记录 {date} 的服务（{hours} 小时）。"
    SOLVED = "需求「{title}」已标记为已解决。"
    ENDED = "派驻 {id} 已结束。"
    RATED = "已记录企业评价：{rating} 分。"
    ISSUED = "已向 {holder} 发放创新券 {amount:,.2f} 元（编号 {id}）。"
    REDEEMED = "已兑付 {amount:,.2f} 元，余额 {balance:,.2f} 元。"
    VOIDED = "创新券 {id} 已作废。"


# -- forms ------------------------------------------------------------------------------------------------
@dataclass
class PageForm:
    """One posted form of a page: its values, problems per input (Chinese), and a refusal for the whole form."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
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


def _read(name: str, inputs: Sequence[str], data: MultiDict[str, str], *, lists: Iterable[str] = ()) -> PageForm:
    lists = set(lists)
    values: dict[str, Any] = {k: ([v.strip() for v in data.getlist(k)] if k in lists else data.get(k, "").strip())
                              for k in inputs}
    return PageForm(name, values, tuple(inputs))


def _attempt(form: PageForm, action: Callable[[], T]) -> T | None:
    """Run a workflow operation; ``None`` with the refusal put on ``form``."""
    try:
        return action()
    except (ValidationError, NotFoundError, ConflictError) as err:
        log.info("page form %s refused: %s", form.name, err.message)
        form.take(err)
        return None


def _actor() -> str:
    principal = current_principal()
    return principal.name if principal is not None else ""


def _per_page() -> int:
    return int(current_app.config["KGMATCH_PER_PAGE"])


# -- friendly references ------------------------------------------------------------------------------------
def resolve_expert(store: GraphStore, value: str) -> str:
    """The Expert id for an id or an exact name.

    Raises:
        ValueError: unknown, or several experts of that name (Chinese reason naming their ids).
    """
    text = value.strip()
    if store.get_node(Label.EXPERT, text) is not None:
        return text
    named = store.find_nodes(Label.EXPERT, props={"name": text}, limit=6) if text else None
    if named is None or not named.nodes:
        raise ValueError(SvcMsg.UNKNOWN_EXPERT.format(value=value))
    if named.total == 1:
        return named.nodes[0].id
    raise ValueError(SvcMsg.SAME_NAME.format(count=named.total, value=value,
                                             choices="、".join(n.id for n in named.nodes[:5])))


def _resolve_demand(store: GraphStore, value: str) -> str:
    text = value.strip()
    if store.get_node(Label.DEMAND, text) is not None:
        return text
    titled = store.find_nodes(Label.DEMAND, props={"title": text}, limit=2)
    if titled.total == 1:
        return titled.nodes[0].id
    raise ValueError(SvcMsg.UNKNOWN_DEMAND.format(value=value))


def resolve_holder(store: GraphStore, kind: str, value: str) -> NodeRef:
    """A voucher holder: ``kind`` ``enterprise`` (id, credit code or name) or ``expert`` (id or name).

    Raises:
        ValueError: unknown kind or holder (Chinese reason).
    """
    if kind == "enterprise":
        return NodeRef(Label.ENTERPRISE, app_state().resolver().enterprise(value))
    if kind == "expert":
        return NodeRef(Label.EXPERT, resolve_expert(store, value))
    raise ValueError(SvcMsg.BAD_HOLDER_TYPE)


def _resolve_into(form: PageForm, name: str, resolve: Callable[[str], str]) -> str | None:
    """Resolve one reference input of ``form`` (``None`` with the problem recorded)."""
    value = form.values[name]
    if not value:
        form.fail(name, PageMsg.REQUIRED)
        return None
    try:
        return resolve(value)
    except ValueError as err:
        form.fail(name, str(err))
        return None


# -- reading lists --------------------------------------------------------------------------------------------
def _all_nodes(store: GraphStore, label: Label, props: Mapping[str, Any] | None) -> list[Node]:
    """Every node of ``label`` matching ``props`` (workflow lists are short enough to sort in memory)."""
    out: list[Node] = []
    while True:
        page = store.find_nodes(label, props=dict(props) if props else None, skip=len(out), limit=_SCAN_PAGE)
        out += page.nodes
        if len(page.nodes) < _SCAN_PAGE:
            return out


def _matches(text: str, node: Node, id_key: str, name_key: str) -> bool:
    """An exact id, or a part of the name."""
    return not text or text == node.props.get(id_key) or text in str(node.props.get(name_key) or "")


def _newest_first(nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=lambda n: (str(n.props.get("created_at") or ""), n.id), reverse=True)


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
    return [{"id": d.id, **dict(d.props), "totals": _service_totals(services[d.id])} for d in dispatches]


def voucher_rows(vouchers: Sequence[Node]) -> list[dict[str, Any]]:
    """What the list shows of each voucher (holder type in Chinese)."""
    zh = {label.value: name for label, name in HOLDER_TYPES.values()}
    return [{"id": v.id, **dict(v.props), "holder_type": zh.get(str(v.props.get("holder_label")), "")}
            for v in vouchers]


# -- 科技专员派驻 -------------------------------------------------------------------------------------------------
_DISPATCH_INPUTS = ("expert", "enterprise", "demand", "start_date", "end_date", "service_types", "note")
_DISPATCH_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("status", "派驻状态", ""),
    ("expert", "专家", "专家编号或姓名"),
    ("enterprise", "服务企业", "企业编号或名称"),
)


def _dispatch_form() -> PageForm:
    today = date.today()
    values: dict[str, Any] = {k: "" for k in _DISPATCH_INPUTS}
    values.update(demand=request.args.get("demand", "").strip(), start_date=today.isoformat(),
                  end_date=(today + timedelta(days=90)).isoformat(), service_types=[])
    return PageForm("dispatch", values, _DISPATCH_INPUTS)


def _show_dispatches(form: PageForm) -> Any:
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in _DISPATCH_FILTERS}
    found = _all_nodes(store, Label.DISPATCH, {"status": values["status"]} if values["status"] else None)
    found = [d for d in found if _matches(values["expert"], d, "expert_id", "expert_name")
             and _matches(values["enterprise"], d, "enterprise_id", "enterprise_name")]
    per_page, page = _per_page(), page_number(request.args)
    shown = _newest_first(found)[(page - 1) * per_page:page * per_page]
    return render_page("dispatches.html", status=form.status, active="pages_services.dispatches",
                       rows=dispatch_rows(store, shown), filters=_DISPATCH_FILTERS, values=values,
                       statuses=DISPATCH.states, service_types=SERVICE_TYPES, form=form,
                       may_write=may(Permission.DISPATCH_WRITE),
                       paging=page_links("pages_services.dispatches", request.args, page, len(found), per_page))


def _check_period(form: PageForm) -> None:
    """Both dates given and readable, the end not before the start (all problems at once)."""
    days: dict[str, str] = {}
    for name in ("start_date", "end_date"):
        if not form.values[name]:
            form.fail(name, PageMsg.REQUIRED)
            continue
        try:
            days[name] = parse_date(form.values[name], name)
        except ValidationError as err:
            form.take(err)
    if len(days) == 2 and days["end_date"] < days["start_date"]:
        form.fail("end_date", WfMsg.END_BEFORE_START.format(start=days["start_date"], end=days["end_date"]))


@bp.get("/dispatches")
@requires(Permission.WORKFLOW_READ)
def dispatches() -> Any:
    """The dispatches, newest first, with filters; the 「派驻科技专员」 form for those who may."""
    return _show_dispatches(_dispatch_form())


@bp.post("/dispatches")
@requires(Permission.DISPATCH_WRITE)
def create_dispatch() -> Any:
    """「派驻科技专员」: resolve the expert, enterprise and demand, then :func:`workflow.dispatch.dispatch_expert`."""
    check_form()
    store = app_state().store()
    form = _read("dispatch", _DISPATCH_INPUTS, request.form, lists=("service_types",))
    expert = _resolve_into(form, "expert", lambda v: resolve_expert(store, v))
    enterprise = _resolve_into(form, "enterprise", app_state().resolver().enterprise)
    demand = _resolve_into(form, "demand", lambda v: _resolve_demand(store, v)) if form.values["demand"] else None
    _check_period(form)
    if not [t for t in form.values["service_types"] if t]:
        form.fail("service_types", SvcMsg.PICK_TYPE)
    node = None
    if form.ok and expert and enterprise:
        node = _attempt(form, lambda: dispatch_expert(
            store, expert, enterprise, start_date=form.values["start_date"], end_date=form.values["end_date"],
            service_types=form.values["service_types"], demand_id=demand, note=form.values["note"],
            actor=_actor()))
    if node is None:
        return _show_dispatches(form)
    flash(SvcMsg.DISPATCHED.format(expert=node.props.get("expert_name"), enterprise=node.props.get("enterprise_name"),
                                   id=node.id), "success")
    return redirect(url_for("pages_services.dispatch_detail", dispatch_id=node.id))


_SERVICE_INPUTS = ("date", "hours", "service_type", "content", "outcome", "solved")
_RATING_INPUTS = ("rating", "comment")


def _service_form(dispatch: Node) -> PageForm:
    props = dispatch.props
    today = date.today().isoformat()
    day = min(max(today, str(props.get("start_date", today))), str(props.get("end_date", today)))
    types = props.get("service_types") or [props.get("service_type")]
    return PageForm("service", {"date": day, "hours": "", "service_type": types[0] if types else "", "content": "",
                                "outcome": "", "solved": ""}, _SERVICE_INPUTS)


def _show_dispatch(dispatch: Node, form: PageForm | None = None) -> Any:
    store = app_state().store()
    services = services_of_dispatch(store, dispatch.id)
    demand = store.get_node(Label.DEMAND, str(dispatch.props["demand_id"])) if dispatch.props.get("demand_id") else None
    form = form or PageForm("")
    return render_page("dispatch_detail.html", status=form.status, active="pages_services.dispatches",
                       dispatch=dispatch, services=services, totals=_service_totals(services), demand=demand,
                       form=form, service_form=form if form.name == "service" else _service_form(dispatch),
                       service_types=SERVICE_TYPES, active_status=DISPATCH.initial, labels=Label,
                       may_write=may(Permission.DISPATCH_WRITE), may_rate=may(Permission.PORTAL_ACT),
                       may_voucher=may(Permission.VOUCHER_WRITE), may_graph=may(Permission.GRAPH_READ),
                       may_demand=may(Permission.DEMAND_READ))


def _dispatch_or_404(dispatch_id: str) -> Node:
    node = app_state().store().get_node(Label.DISPATCH, dispatch_id)
    if node is None:
        raise not_found(Label.DISPATCH, dispatch_id)
    return node


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
    form = _read("service", _SERVICE_INPUTS, request.form)
    for name in ("date", "hours", "service_type", "content"):
        if not form.values[name]:
            form.fail(name, PageMsg.REQUIRED)
    solved = bool(form.values["solved"])
    node = None
    if form.ok:
        node = _attempt(form, lambda: record_service(
            store, dispatch_id, date=form.values["date"], hours=form.values["hours"],
            service_type=form.values["service_type"], content=form.values["content"],
            outcome=form.values["outcome"], solved=solved, actor=_actor()))
    if node is None:
        return _show_dispatch(dispatch, form)
    flash(SvcMsg.RECORDED.format(date=node.props["date"], hours=f"{float(node.props['hours']):g}"), "success")
    if solved:
        flash(SvcMsg.SOLVED.format(title=dispatch.props.get("demand_title") or dispatch.props.get("demand_id")),
              "success")
    return redirect(url_for("pages_services.dispatch_detail", dispatch_id=dispatch_id))


@bp.post("/dispatches/<dispatch_id>/end")
@requires(Permission.DISPATCH_WRITE)
def finish_dispatch(dispatch_id: str) -> Any:
    """「结束派驻」: :func:`workflow.dispatch.end_dispatch` (an ended dispatch is refused with 409)."""
    check_form()
    dispatch = _dispatch_or_404(dispatch_id)
    form = PageForm("end")
    node = _attempt(form, lambda: end_dispatch(app_state().store(), dispatch_id, actor=_actor()))
    if node is None:
        return _show_dispatch(dispatch, form)
    flash(SvcMsg.ENDED.format(id=dispatch_id), "success")
    return redirect(url_for("pages_services.dispatch_detail", dispatch_id=dispatch_id))


@bp.post("/dispatches/<dispatch_id>/services/<service_id>/rating")
@requires(Permission.PORTAL_ACT)
def rate(dispatch_id: str, service_id: str) -> Any:
    """「企业评价」 of one service record (1–5, once): :func:`workflow.dispatch.rate_service`."""
    check_form()
    dispatch = _dispatch_or_404(dispatch_id)
    store = app_state().store()
    service = store.get_node(Label.SERVICE, service_id)
    if service is None:
        raise not_found(Label.SERVICE, service_id)
    if service.props.get("dispatch_id") != dispatch_id:
        raise NotFoundError(SvcMsg.NOT_A_SERVICE_OF.format(service=service_id, dispatch=dispatch_id))
    form = _read(f"rate:{service_id}", _RATING_INPUTS, request.form)
    node = _attempt(form, lambda: rate_service(store, service_id, rating=form.values["rating"],
                                               comment=form.values["comment"], rated_by=_actor()))
    if node is None:
        return _show_dispatch(dispatch, form)
    flash(SvcMsg.RATED.format(rating=node.props["rating"]), "success")
    return redirect(url_for("pages_services.dispatch_detail", dispatch_id=dispatch_id) + f"#svc-{service_id}")


# -- 科技创新券 ---------------------------------------------------------------------------------------------------
_VOUCHER_INPUTS = ("holder_type", "holder", "amount", "valid_until", "programme", "note")
_VOUCHER_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("status", "状态", ""),
    ("holder_type", "持有人类型", ""),
    ("holder", "持有人", "编号或名称"),
)


def _voucher_form() -> PageForm:
    until = date(date.today().year, 12, 31).isoformat()
    return PageForm("voucher", {"holder_type": "enterprise", "holder": "", "amount": "", "valid_until": until,
                                "programme": "科技创新券", "note": ""}, _VOUCHER_INPUTS)


def _show_vouchers(form: PageForm) -> Any:
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in _VOUCHER_FILTERS}
    props: dict[str, Any] = {"status": values["status"]} if values["status"] else {}
    if values["holder_type"] in HOLDER_TYPES:
        props["holder_label"] = HOLDER_TYPES[values["holder_type"]][0].value
    found = [v for v in _all_nodes(store, Label.VOUCHER, props)
             if _matches(values["holder"], v, "holder_id", "holder_name")]
    per_page, page = _per_page(), page_number(request.args)
    shown = _newest_first(found)[(page - 1) * per_page:page * per_page]
    sums = {"amount": round(sum(float(v.props.get("amount") or 0) for v in found), 2),
            "balance": round(sum(float(v.props.get("balance") or 0) for v in found
                                 if v.props.get("status") == VOUCHER.initial), 2)}
    return render_page("vouchers.html", status=form.status, active="pages_services.vouchers",
                       rows=voucher_rows(shown), filters=_VOUCHER_FILTERS, values=values, statuses=VOUCHER.states,
                       holder_types=HOLDER_TYPES, form=form, sums=sums, may_write=may(Permission.VOUCHER_WRITE),
                       paging=page_links("pages_services.vouchers", request.args, page, len(found), per_page))


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
    form = _read("voucher", _VOUCHER_INPUTS, request.form)
    holder: NodeRef | None = None
    if form.values["holder_type"] not in HOLDER_TYPES:
        form.fail("holder_type", SvcMsg.BAD_HOLDER_TYPE)
    elif not form.values["holder"]:
        form.fail("holder", PageMsg.REQUIRED)
    else:
        try:
            holder = resolve_holder(store, form.values["holder_type"], form.values["holder"])
        except ValueError as err:
            form.fail("holder", str(err))
    for name in ("amount", "valid_until"):
        if not form.values[name]:
            form.fail(name, PageMsg.REQUIRED)
    node = None
    if form.ok and holder is not None:
        node = _attempt(form, lambda: issue_voucher(
            store, holder, amount=form.values["amount"], valid_until=form.values["valid_until"],
            programme=form.values["programme"], note=form.values["note"], actor=_actor()))
    if node is None:
        return _show_vouchers(form)
    flash(SvcMsg.ISSUED.format(holder=node.props.get("holder_name"), amount=float(node.props["amount"]), id=node.id),
          "success")
    return redirect(url_for("pages_services.voucher_detail", voucher_id=node.id))


_REDEEM_INPUTS = ("service_id", "amount")


def _redeemable(store: GraphStore, voucher: Node) -> list[Node]:
    """Service records the voucher's holder is a party to and that nobody has paid yet (for the datalist)."""
    key = "enterprise_id" if voucher.props.get("holder_label") == Label.ENTERPRISE.value else "expert_id"
    found = _all_nodes(store, Label.SERVICE, {key: str(voucher.props.get("holder_id"))})
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
    node = app_state().store().get_node(Label.VOUCHER, voucher_id)
    if node is None:
        raise not_found(Label.VOUCHER, voucher_id)
    return node


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
    form = _read("redeem", _REDEEM_INPUTS, request.form)
    for name in _REDEEM_INPUTS:
        if not form.values[name]:
            form.fail(name, PageMsg.REQUIRED)
    if form.values["service_id"] and store.get_node(Label.SERVICE, form.values["service_id"]) is None:
        form.fail("service_id", SvcMsg.UNKNOWN_SERVICE.format(value=form.values["service_id"]))
    node = None
    if form.ok:
        node = _attempt(form, lambda: redeem_voucher(store, voucher_id, form.values["service_id"],
                                                     amount=form.values["amount"], actor=_actor()))
    if node is None:
        return _show_voucher(voucher, form)
    paid = round(float(voucher.props["balance"]) - float(node.props["balance"]), 2)
    flash(SvcMsg.REDEEMED.format(amount=paid, balance=float(node.props["balance"])), "success")
    return redirect(url_for("pages_services.voucher_detail", voucher_id=voucher_id))


@bp.post("/vouchers/<voucher_id>/void")
@requires(Permission.VOUCHER_WRITE)
def void(voucher_id: str) -> Any:
    """「作废」 with a reason: :func:`workflow.vouchers.void_voucher`."""
    check_form()
    voucher = _voucher_or_404(voucher_id)
    form = _read("void", ("reason",), request.form)
    node = _attempt(form, lambda: void_voucher(app_state().store(), voucher_id, reason=form.values["reason"],
                                               actor=_actor()))
    if node is None:
        return _show_voucher(voucher, form)
    flash(SvcMsg.VOIDED.format(id=voucher_id), "success")
    return redirect(url_for("pages_services.voucher_detail", voucher_id=voucher_id))


# -- 报送与考核 ---------------------------------------------------------------------------------------------------
_REPORT_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("region", "地区", "地区名称或行政区划代码，如 浙江省、330100"),
    ("start", "开始日期", ""),
    ("end", "结束日期", ""),
)


def _report_filter() -> tuple[ReportFilter | None, dict[str, str], dict[str, list[str]]]:
    """The request's region and period: the filter, the values typed, and problems per input."""
    values = {name: request.args.get(name, "").strip() for name, _, _ in _REPORT_FILTERS}
    try:
        return ReportFilter.parse(values["region"], values["start"], values["end"], app_state().store()), values, {}
    except ValidationError as err:
        errors: dict[str, list[str]] = {}
        for e in err.errors or []:
            errors.setdefault(e.field if e.field in values else "region", []).append(e.reason)
        return None, values, errors or {"region": [err.message]}


def report_kinds(args: MultiDict[str, str]) -> list[str]:
    """The report kinds asked for: ``kinds`` repeated or comma-separated (none means every report)."""
    return [k.strip() for value in args.getlist("kinds") for k in value.split(",") if k.strip()]


def _export_url(values: Mapping[str, str], kinds: Sequence[str] = ()) -> str:
    args = {k: v for k, v in values.items() if v}
    if kinds:
        args["kinds"] = ",".join(kinds)
    return url_for("pages_services.report_export", **args)


@bp.get("/reports")
@requires(Permission.REPORT_READ)
def reports() -> Any:
    """报送与考核: headline numbers and the 考核评价 tables for a region and period, links to the Excel reports."""
    flt, values, errors = _report_filter()
    headline, tables = None, []
    if flt is not None:
        facts = read_facts(app_state().store())
        headline = summarize(facts, flt)
        for by, tab in EVALUATION_TABLES:
            kind = f"evaluation_{by}"
            rows = evaluation(facts, flt, by=by)
            tables.append({"by": by, "tab": tab, "sheet": REPORTS[kind].sheet, "note": REPORTS[kind].note,
                           "columns": [c for c in REPORTS[kind].columns if c[0] != "id"], "rows": rows[:REPORT_TOP],
                           "total": len(rows), "export_url": _export_url(values, [kind])})
    return render_page("reports.html", status=400 if errors else 200, active="pages_services.reports",
                       filters=_REPORT_FILTERS, values=values, errors=errors, flt=flt, headline=headline,
                       headlines=HEADLINES, tables=tables, top=REPORT_TOP,
                       kinds=[(kind, spec.sheet) for kind, spec in REPORTS.items()],
                       export_url=_export_url(values) if flt is not None else "")


@bp.get("/reports/export.xlsx")
@requires(Permission.REPORT_READ)
def report_export() -> Any:
    """The reports as one Excel workbook (``kinds``; all when none), for the request's region and period."""
    store = app_state().store()
    values = {name: request.args.get(name, "").strip() for name, _, _ in _REPORT_FILTERS}
    flt = ReportFilter.parse(values["region"], values["start"], values["end"], store)
    kinds = report_kinds(request.args)
    data = report_workbook(store, kinds, flt)
    log.info("exported reports %s to Excel", ",".join(kinds) or "(all)")
    response = send_file(io.BytesIO(data), mimetype=_XLSX, as_attachment=True,
                         download_name=f"报送报表_{system_clock().date().isoformat()}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
