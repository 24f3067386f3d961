"""需求清单 and 需求详情: the demand list (filters, pagination, Excel export) and one demand with its
recommended experts, teams and explanation graph.

Filters mean what they mean in ``GET /api/v1/demands`` (the same helper reads them): an
id, a code or an exact name, everything below included. Contact details go through the
API's masking and audit (:func:`api.present.demands_json`,
:func:`api.present.present_props` / ``audit_contacts``): masked without
``contact:read``, and every unmasked view is written to the audit log.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, current_app, g, request, send_file, url_for
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analytics.report_book import put_cell
from analytics.supply_demand import store_demand_matrix
from api.auth import Permission, may, requires
from api.pages.activity_panel import demand_activities
from api.pages.base import check_form, page_headers, page_links, page_number, render_page, url_with_args
from api.pages.demand_panel import demand_workflow
from api.pages.forms import PageForm, actor_name, attempt, catalog_ids, done, field_catalog, node_or_404, read_form
from api.present import audit_contacts, demands_json, present_props
from api.state import app_state
from api.validation import capped, demand_query_from_args, not_found, parse_settings
from graph import clock
from graph.errors import Msg, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node
from ingest.nlp import content_words
from ingest.registry import REGISTRY_CHOICES
from recommend.engine import Recommendation
from recommend.explain import COMPONENT_ZH, ExplainedPath
from recommend.result_cache import recommendation_for_demand
from recommend.scoring import COMPONENTS, EXPERT_TYPES
from recommend.teams import DISCONNECTED
from render import explanation_positions, render_explanation
from workflow.common import system_clock
from workflow.demands import set_demand_fields
from workflow.registry_status import enterprise_statuses
from workflow.selection import find_demands

__all__ = ["bp", "FILTERS", "EXPORT_COLUMNS", "EXPORT_MAX_ROWS", "demand_facets", "export_workbook",
           "recommendation_view", "explanation_html"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_demands", __name__)
bp.after_request(page_headers)

FILTERS: tuple[tuple[str, str, str], ...] = (
    ("industry", "所属行业", "行业代码或名称，如 C3841"),
    ("field", "技术领域", "领域编码或名称，如 nsfc2020:C0209"),
    ("region", "所在地区", "地区名称或代码，如 浙江省"),
    ("status", "需求状态", ""),
    ("registry", "企业资质", "如 高新技术企业、专精特新、无资质"),
)
"""The list's filters: query parameter (as in ``GET /api/v1/demands``), Chinese label, placeholder."""

EXPORT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "需求编号", 24), ("title", "需求标题", 36), ("enterprise", "需求企业", 28), ("fields", "技术领域", 36),
    ("industries", "所属行业", 24), ("regions", "所在地区", 16), ("status", "需求状态", 10),
    ("budget_wan", "预算（万元）", 12), ("posted", "发布日期", 12), ("deadline", "截止日期", 12),
    ("keywords", "关键词", 28), ("contact", "联系人", 10), ("phone", "联系电话", 15), ("email", "电子邮箱", 24),
    ("description", "需求描述", 60),
)
"""The Excel columns: demand key, Chinese header, column width."""

EXPORT_MAX_ROWS = 10_000
"""At most this many demands in one export (the sheet says so when the filter matched more)."""

_EXPORT_BATCH = 500
_EXPERTS_IN_GRAPH = 5
_COMPONENT_COLOURS = {"field": "#4E79A7", "text": "#F28E2B", "semantic": "#E15759", "retrieval": "#EDC948",
                      "title": "#D37295", "recent": "#8CD17D", "evidence": "#59A14F", "activity": "#FF9DA7", "type": "#B07AA1", "region": "#9C755F",
                      "availability": "#76B7B2"}
_OTHER_COLOUR = "#BAB0AC"  # a score component added to recommend.scoring.COMPONENT_TABLE without a colour here
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the list ---------------------------------------------------------------------------------------
def demand_facets(store: GraphStore) -> dict[str, list[str]]:
    """Names the filter inputs suggest: the fields, industries and regions demands use, and the statuses."""
    names: dict[RelType, set[str]] = {RelType.NEEDS: set(), RelType.IN_INDUSTRY: set(), RelType.LOCATED_IN: set()}
    demands: list[Node] = []
    while True:
        page = store.find_nodes(Label.DEMAND, skip=len(demands), limit=1000)
        demands += page.nodes
        if len(page.nodes) < 1000:
            break
    for i in range(0, len(demands), 1000):
        refs = [d.ref for d in demands[i:i + 1000]]
        for _, nb in store.expand(refs, direction=Direction.OUT, rel_types=list(names)):
            names[nb.rel.type].add(nb.node.name)
    matrix = app_state().memo("demand_matrix", store_demand_matrix)
    provinces = {r["name"] for r in matrix["regions"] if r["id"]}
    return {"field": sorted(names[RelType.NEEDS]), "industry": sorted(names[RelType.IN_INDUSTRY]),
            "region": sorted(provinces) + sorted(names[RelType.LOCATED_IN] - provinces),
            "status": [s["status"] for s in matrix["by_status"]], "registry": list(REGISTRY_CHOICES)}


def _find(store: GraphStore, *, skip: int, limit: int) -> tuple[list[Node], int]:
    """A page of demands matching the request's filters (``ValidationError`` names a bad filter)."""
    found = find_demands(store, demand_query_from_args(store), skip=skip, limit=limit)
    return found.nodes, found.total


@bp.get("/demands")
@requires(Permission.DEMAND_READ)
def demand_list() -> Any:
    """The demand list: filters, one page of demands, links to export and to each demand."""
    store = app_state().store()
    per_page = int(current_app.config["KGMATCH_PER_PAGE"])
    page = page_number(request.args)
    values = {name: request.args.get(name, "").strip() for name, _, _ in FILTERS}
    errors: dict[str, list[str]] = {}
    try:
        nodes, total = _find(store, skip=(page - 1) * per_page, limit=per_page)
    except ValidationError as err:
        for e in err.errors:
            errors.setdefault(e.field, []).append(e.reason)
        nodes, total = [], 0
    rows = demands_json(store, nodes, reveal=False)  # the list shows no contact details
    return render_page("demand_list.html", status=400 if errors else 200, active="pages_demands.demand_list",
                       rows=rows, filters=FILTERS, values=values, errors=errors,
                       error_note=Msg.pages.FILTER_HAS_ERRORS if errors else "",
                       facets=app_state().memo("page_demand_facets", demand_facets),
                       paging=page_links("pages_demands.demand_list", request.args, page, total, per_page),
                       export_url=url_with_args("pages_demands.demand_export", request.args),
                       push_url=url_with_args("pages_workflow.push_batch", request.args)
                       if may(Permission.PUSH_WRITE) else "")


# -- Excel ------------------------------------------------------------------------------------------
def _cell_text(key: str, row: Mapping[str, Any]) -> Any:
    value = row.get(key)
    if key == "enterprise":
        return value["name"] if value else None
    if key in ("fields", "industries", "regions"):
        return "、".join(v["name"] for v in value or []) or None
    if key == "keywords":
        return "、".join(str(v) for v in value or []) or None
    return value


def export_workbook(rows: Iterable[Mapping[str, Any]], *, filters: Mapping[str, str], total: int) -> bytes:
    """The demands as an .xlsx workbook: sheet 需求清单 (one row each) and sheet 筛选条件.

    Every text cell is stored as text, so a title such as ``=HYPERLINK(…)`` is never a formula.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "需求清单"
    bold = Font(bold=True)
    for col, (_, header, width) in enumerate(EXPORT_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=header)
        cell.font = bold
        sheet.column_dimensions[get_column_letter(col)].width = width
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, (key, _, _) in enumerate(EXPORT_COLUMNS, start=1):
            put_cell(sheet, count + 1, col, _cell_text(key, row))  # text stays text, = + - @ neutralised
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{count + 1}"
    about = book.create_sheet("筛选条件")
    about.append(["导出日期", clock.today().isoformat()])
    for name, label, _ in FILTERS:
        cell = about.cell(row=about.max_row + 1, column=1, value=label)
        put_cell(about, cell.row, 2, filters.get(name) or "（全部）")
    about.append(["匹配的需求", total])
    if total > count:
        about.append(["说明", Msg.pages.EXPORT_CAPPED.format(total=total, count=count)])
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@bp.get("/demands/export.xlsx")
@requires(Permission.DEMAND_READ)
def demand_export() -> Any:
    """The filtered demand list as an Excel workbook (contacts masked or audited as in the API)."""
    store = app_state().store()
    reveal = may(Permission.CONTACT_READ)
    rows: list[dict[str, Any]] = []
    total = 0
    while len(rows) < EXPORT_MAX_ROWS:
        nodes, total = _find(store, skip=len(rows), limit=min(_EXPORT_BATCH, EXPORT_MAX_ROWS - len(rows)))
        rows += demands_json(store, nodes, reveal=reveal)
        if not nodes or len(rows) >= total:
            break
    filters = {name: request.args.get(name, "").strip() for name, _, _ in FILTERS}
    data = export_workbook(rows, filters=filters, total=total)
    log.info("exported %d of %d demands to Excel", len(rows), total)
    response = send_file(io.BytesIO(data), mimetype=_XLSX, as_attachment=True,
                         download_name=f"需求清单-{clock.today().isoformat()}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


# -- one demand with its recommendations ----------------------------------------------------------
def _bar_segments(contributions: Mapping[str, float], *, width: float) -> list[dict[str, Any]]:
    """The stacked bar of an expert's score: one segment per component, in :data:`COMPONENTS` order."""
    out, x = [], 0.0
    for name in COMPONENTS:
        value = float(contributions.get(name, 0.0))
        if value <= 0:
            continue
        w = round(value * width, 2)
        out.append({"x": round(x, 2), "width": w, "colour": _COMPONENT_COLOURS.get(name, _OTHER_COLOUR), "name": COMPONENT_ZH[name],
                    "value": value})
        x += w
    return out


def _team_view(team: Mapping[str, Any], field_names: Mapping[str, str]) -> dict[str, Any]:
    cost = float(team["communication_cost"])
    return {**team, "size": len(team["members"]),
            "fields": [field_names.get(f, f) for f in team["covered_fields"]],
            "cost_text": "无合作关系" if cost >= DISCONNECTED else f"{cost:g}"}


def recommendation_view(rec: Recommendation, experts: Mapping[str, Node], *, reveal: bool) -> dict[str, Any]:
    """What the detail page shows of a recommendation; expert contacts masked unless ``reveal``.

    Returns the experts (with component bars and contacts), the teams and the RarestFirst
    baseline, the explanation paths of the first experts, and which contacts were shown.
    """
    body = rec.as_dict()
    field_names = {f["id"]: f["name"] for f in body["demand"]["fields"]}
    rows, viewed = [], []
    for expert in body["experts"]:
        node = experts.get(expert["expert_id"])
        contact: dict[str, Any] = {}
        if node is not None:
            props, shown = present_props({k: node.props.get(k) for k in ("phone", "email")}, reveal=reveal)
            contact = {k: v for k, v in props.items() if v not in (None, "")}
            viewed.append((node, shown))
        rows.append({**expert, "contact": contact, "bar": _bar_segments(expert["contributions"], width=160),
                     "components_zh": [(COMPONENT_ZH[c], expert["components"].get(c, 0.0),
                                        expert["contributions"].get(c, 0.0)) for c in COMPONENTS]})
    paths = [p for expert in rec.experts[:_EXPERTS_IN_GRAPH] for p in expert.paths]
    return {"experts": rows, "teams": [_team_view(t, field_names) for t in body["teams"]],
            "baseline": _team_view(body["baseline_team"], field_names) if body["baseline_team"] else None,
            "excluded": body["excluded"], "candidates": body["candidates"], "paths": paths, "viewed": viewed,
            "legend": [(COMPONENT_ZH[c], _COMPONENT_COLOURS[c]) for c in COMPONENTS],
            "fields": body["demand"]["fields"], "abstention": body.get("abstention"),
            "platforms": body.get("platforms"), "ranker": body["settings"].get("ranker")}  # issue 16: api/templates/_platforms.html


def explanation_html(paths: Sequence[ExplainedPath], *, title: str, height: str = "440px") -> Markup:
    """The explanation graph of ``paths`` (drawn by :mod:`render`, which escapes every name), one
    column per kind of step (:func:`render.explanation_positions`)."""
    return Markup(render_explanation(paths, title=title, height=height, include_library=True,
                                     positions=explanation_positions(paths)))


def _top_k_options(chosen: int) -> Sequence[int]:
    high = int(current_app.config["KGMATCH_MAX_TOP_K"])
    return sorted({k for k in (5, 10, 20, chosen) if k <= high})


@bp.get("/demands/<path:demand_id>")
@requires(Permission.DEMAND_READ)
def demand_detail(demand_id: str) -> Any:
    """One demand: its facts (contacts masked per role), recommended experts and teams, the explanation graph."""
    state = app_state()
    store = state.store()
    node = store.get_node(Label.DEMAND, demand_id)
    if node is None:
        raise not_found(Label.DEMAND, demand_id)
    reveal = may(Permission.CONTACT_READ)
    demand = demands_json(store, [node], reveal=reveal)[0]
    view, graph_html, top_k = None, Markup(""), 10
    if may(Permission.RECOMMEND):
        overrides = capped(parse_settings({k: v for k, v in request.args.items() if k in ("top_k", "expert_type") and v}))
        top_k = int(overrides.get("top_k", 10))
        rec = recommendation_for_demand(state.results, store, demand_id, tokenize=content_words,
                                        overrides=overrides, index=state.index())
        experts = {n.id: n for n in store.get_nodes(Label.EXPERT, [e.scored.id for e in rec.experts])}
        view = recommendation_view(rec, experts, reveal=reveal)
        audit_contacts(view.pop("viewed"))
        graph_html = explanation_html(view["paths"], title="推荐理由：需求—领域—项目—专家路径")
    ent = demand.get("enterprise") or {}
    registry = enterprise_statuses(store).get(str(ent.get("id")), []) if ent else []
    correct = None
    if may(Permission.DEMAND_WRITE):  # 更正技术领域: what the form offers, and a refused form to show again
        correct = {"catalog": field_catalog(store), "form": g.get("fields_form"),
                   "by": node.props.get("fields_set_by"), "at": node.props.get("fields_set_at")}
    return render_page("demand_detail.html", active="pages_demands.demand_list", demand=demand, rec=view,
                       registry=registry, correct=correct,
                       graph_html=graph_html, labels=Label, may_graph=may(Permission.GRAPH_READ),
                       top_k=top_k, top_k_options=_top_k_options(top_k), expert_type=request.args.get("expert_type", ""),
                       expert_types=EXPERT_TYPES, **demand_workflow(store, demand, view),
                       **demand_activities(store, demand_id))


@bp.post("/demands/fields")
@requires(Permission.DEMAND_WRITE)
def correct_fields() -> Any:
    """更正技术领域: keep some of the demand's fields and add one from the whole taxonomy
    (:func:`workflow.demands.set_demand_fields`); the demand page again, with the refusal when there is one."""
    check_form()
    store = app_state().store()
    form = read_form("fields", "keep", "add")
    demand_id = form.value("demand_id")
    node = node_or_404(store, Label.DEMAND, demand_id)
    current = {f["id"]: f["weight"] for f in demands_json(store, [node], reveal=False)[0]["fields"]}
    # a kept field keeps its weight (1 where the stored one is not a weight in (0, 1], e.g. an imported 2.0)
    chosen = {fid: w if isinstance(w, (int, float)) and 0 < w <= 1 else 1.0
              for fid in form.picked("keep") if fid in current for w in [current[fid]]}
    add = form.value("add")
    if add and add not in catalog_ids(field_catalog(store)):
        form.fail("add", Msg.pages.BAD_OTHER_FIELD.format(value=add))
    elif add:
        chosen[add] = 1.0  # the officer's own choice: as strong as the strongest link
    got = attempt(form, lambda: set_demand_fields(store, demand_id, chosen, by=actor_name(), now=system_clock(),
                                                  resolver=app_state().resolver())) if form.ok else None
    if got is None:
        return _fields_again(demand_id, form)
    names = {n.id: n.name for n in store.get_nodes(Label.FIELD, [fid for fid, _ in got])}
    return done(url_for("pages_demands.demand_detail", demand_id=demand_id) + "#facts-h",
                Msg.workflow.FIELDS_CORRECTED.format(id=demand_id, names="、".join(names.get(f, f) for f, _ in got)))


def _fields_again(demand_id: str, form: PageForm) -> Any:
    """The demand page again, with the refused correction's picks and reasons."""
    g.fields_form = form
    response = demand_detail(demand_id)
    response.status_code = form.status
    return response
