"""需求录入: the demand intake form, with field and industry suggestions from the NLP.

One form, two buttons. 「分析需求」 runs :func:`ingest.field_linking.understand_demand` and
:func:`ingest.field_linking.link_industries` on the title and description and shows the
form again with the suggested fields and industries checked (no JavaScript needed), and
below it the experts :func:`recommend.engine.recommend_for_text` finds for the text.
Where no suggested field fits, the officer picks one of the 2016 taxonomy's second-level
fields instead (「另选领域」, counted at 100 %): on fresh enterprise wording the linker has
the right field among its three best for about three demands in four, and the person filing
the demand knows the rest.
「提交需求」 checks every input, then creates the demand exactly as ``POST /api/v1/demands``
does — through the importer (:func:`ingest.importers.import_rows`), which validates
everything before it writes anything — and opens the demand with its recommendations.
Problems are shown in Chinese next to their inputs, with every value kept.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from api.auth import Permission, requires
from api.pages.base import check_form, page_headers, render_page
from api.pages.forms import catalog_ids, field_catalog
from api.state import app_state
from graph import clock
from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, demand_text
from graph.store import GraphStore, NodeRef
from ingest.demand_rules import check_demand_text_inputs
from ingest.field_linking import link_industries, understand_demand
from ingest.importers import import_rows
from ingest.mapping import column
from ingest.nlp import content_words
from ingest.readers import Row
from ingest.resolve import Resolver, resolve_node
from recommend.engine import Recommendation, recommend_for_text

__all__ = ["bp", "FORM_INPUTS", "DemandForm", "read_form", "validate_form", "create_demand"]

log = logging.getLogger(__name__)

bp = Blueprint("pages_intake", __name__)
bp.after_request(page_headers)

_KIND = "demand"


@dataclass(frozen=True)
class FormInput:
    """One text input of the form: the importer's field name, its Chinese label, and hints."""

    name: str
    kind: str  # the HTML input type, or "textarea"
    placeholder: str = ""
    required: bool = False

    @property
    def label(self) -> str:
        """The Chinese label: the importer's own name for the field (e.g. 需求标题)."""
        return column(_KIND, self.name).zh


FORM_INPUTS: tuple[FormInput, ...] = (
    FormInput("title", "text", "一句话说明要解决的技术难题，如：高镍正极材料涂布缺陷检测", required=True),
    FormInput("description", "textarea", "背景、现状、技术指标、期望的合作方式等"),
    FormInput("enterprise", "text", "企业名称、统一社会信用代码或企业编号（须已登记）"),
    FormInput("region", "text", "如：浙江省杭州市，或行政区划代码 330100"),
    FormInput("industry", "text", "行业代码或名称，如：C3841、电池制造（可留空，勾选下方建议）"),
    FormInput("budget_wan", "number", "如：50"),
    FormInput("deadline", "date", ""),
    FormInput("keywords", "text", "以顿号或分号分隔，如：高镍、涂布（可留空，系统自动提取）"),
)
"""The form's inputs in display order; ``name`` is the importer's field name."""


@dataclass
class Choice:
    """A suggested field or industry: id, name, weight and whether it is checked."""

    id: str
    name: str
    weight: float
    checked: bool


@dataclass
class DemandForm:
    """What the user typed and picked, what went wrong (input name → Chinese reasons), and suggestions."""

    values: dict[str, str]
    fields: list[Choice] = field(default_factory=list)
    industries: list[Choice] = field(default_factory=list)
    other_field: str = ""  # a second-level field picked from the whole taxonomy (「另选领域」), its id
    field_catalog: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def fail(self, name: str, reason: str) -> None:
        """Record a problem of one input (or of the form, for names that are not inputs)."""
        if name in {i.name for i in FORM_INPUTS} | {"fields", "industry_pick", "field_other"}:
            self.errors.setdefault(name, []).append(reason)
        else:
            self.general.append(RowError(None, name, reason).message())

    @property
    def error_count(self) -> int:
        """How many problems the form has."""
        return sum(len(v) for v in self.errors.values()) + len(self.general)


def _choices(raw: list[str], checked: set[str], names: dict[str, str], form: DemandForm,
             input_name: str) -> list[Choice]:
    """Suggestions carried through the form as ``id=weight`` (names looked up again in the store)."""
    out: dict[str, Choice] = {}
    for value in raw:
        ident, _, weight_text = value.rpartition("=")
        try:
            weight = float(weight_text)
        except ValueError:
            weight = math.nan
        if not ident or ident not in names or not 0 < weight <= 1:
            form.fail(input_name, Msg.pages.BAD_CHOICE)
            continue
        out.setdefault(ident, Choice(ident, names[ident], weight, ident in checked))
    return list(out.values())


def read_form(store: GraphStore, data: MultiDict[str, str]) -> DemandForm:
    """The posted form: text inputs stripped, suggestions (hidden ``*_option``) with their checkboxes, and the
    field picked from the whole taxonomy (checked against :func:`field_catalog`)."""
    form = DemandForm({i.name: data.get(i.name, "").strip() for i in FORM_INPUTS})
    form.field_catalog = field_catalog(store)
    other = data.get("field_other", "").strip()
    if other and other not in catalog_ids(form.field_catalog):
        form.fail("field_other", Msg.pages.BAD_OTHER_FIELD.format(value=other))
        log.info("form picked a field outside the catalog: %r", other)
    else:
        form.other_field = other
    field_raw, industry_raw = data.getlist("field_option"), data.getlist("industry_option")
    field_ids = sorted({v.rpartition("=")[0] for v in field_raw})
    industry_ids = sorted({v.rpartition("=")[0] for v in industry_raw})
    field_names = {n.id: n.name for n in store.get_nodes(Label.FIELD, field_ids)} if field_ids else {}
    industry_names = {n.id: n.name for n in store.get_nodes(Label.INDUSTRY, industry_ids)} if industry_ids else {}
    picked_fields = {v.rpartition("=")[0] for v in data.getlist("fields")}
    picked_industries = set(data.getlist("industry_pick"))
    form.fields = _choices(field_raw, picked_fields, field_names, form, "fields")
    form.industries = _choices(industry_raw, picked_industries, industry_names, form, "industry_pick")
    for ident in sorted(picked_fields - {c.id for c in form.fields}):
        form.fail("fields", Msg.pages.BAD_CHOICE)
        log.info("form picked a field that was not offered: %r", ident)
    for ident in sorted(picked_industries - {c.id for c in form.industries}):
        form.fail("industry_pick", Msg.pages.BAD_CHOICE)
        log.info("form picked an industry that was not offered: %r", ident)
    return form


def validate_form(form: DemandForm, *, today: date, text_limit: int, resolver: Resolver | None = None) -> None:
    """Check every input before anything is written: what the importer does not check (lengths, a
    non-negative budget, a deadline not in the past) and, with ``resolver``, the references it will
    resolve (enterprise, region, industry), so all problems show at once."""
    values = form.values
    if not values["title"]:
        form.fail("title", Msg.pages.REQUIRED)
    for name, reason in check_demand_text_inputs(values, today=today, text_limit=text_limit):
        form.fail(name, reason)
    if resolver is not None:
        for name, lookup in (("enterprise", resolver.enterprise), ("region", resolver.region),
                             ("industry", resolver.industry)):
            if values[name] and name not in form.errors:
                try:
                    lookup(values[name])
                except ValueError as err:
                    form.fail(name, str(err))


def _row(form: DemandForm, demand_id: str, today: date) -> dict[str, Any]:
    """The importer row of a checked form (empty inputs left out)."""
    values = form.values
    row: dict[str, Any] = {"id": demand_id, "posted": today.isoformat()}
    for name in ("title", "description", "enterprise", "region", "budget_wan", "deadline", "keywords"):
        if values[name]:
            row[name] = values[name]
    industries = [c.id for c in form.industries if c.checked]
    if values["industry"]:
        industries.append(values["industry"])
    if industries:
        row["industry"] = industries
    picked = {c.id: c.weight for c in form.fields if c.checked}
    if form.other_field:
        picked[form.other_field] = 1.0  # the person filing the demand chose it: as strong as the best suggestion
    if picked:
        row["fields"] = picked
    return row


def create_demand(store: GraphStore, form: DemandForm, *, today: date) -> str | None:
    """Create the demand through the importer; its id, or ``None`` with the problems put on ``form``."""
    demand_id = f"demand:web-{uuid.uuid4().hex[:16]}"
    report = import_rows([Row(1, _row(form, demand_id, today))], _KIND, store, source="web", data_source="web",
                         intake=True, text_limit=int(current_app.config["KGMATCH_TEXT_MAX_CHARS"]),
                         create=[NodeRef(Label.DEMAND, demand_id)])
    for error in report.errors:
        form.fail(error.field, error.reason)
    if report.errors:
        return None
    if store.get_node(Label.DEMAND, demand_id) is None:  # the importer wrote nothing without saying why
        raise RuntimeError(f"demand {demand_id} was not written and no error was reported")
    log.info("created demand %s through the intake form", demand_id)
    return demand_id


def _analyse(store: GraphStore, form: DemandForm) -> str:
    """Suggest fields and industries for the form's text; the note to show."""
    text = demand_text(form.values["title"], form.values["description"])
    if not text:
        form.fail("title", Msg.pages.NEED_TEXT)
        return ""
    resolver = app_state().resolver()
    keywords = [k for k in form.values["keywords"].replace("；", "、").replace(";", "、").split("、") if k.strip()]
    understood = understand_demand(text, keywords=keywords, known=resolver.has_field)
    names = {n.id: n.name for n in store.get_nodes(Label.FIELD, [f for f, _ in understood.fields])}
    form.fields = [Choice(f, names[f], w, True) for f, w in understood.fields if f in names]
    links = [link for link in link_industries(text) if store.get_node(Label.INDUSTRY, link.industry_id)]
    form.industries = [Choice(link.industry_id, link.name, min(1.0, max(link.weight, 0.01)), i == 0 and
                              not form.values["industry"]) for i, link in enumerate(links)]
    if not form.values["keywords"] and understood.keywords:
        form.values["keywords"] = "、".join(understood.keywords)
    log.info("analysed a demand text: %d fields, %d industries suggested", len(form.fields), len(form.industries))
    return Msg.pages.ANALYSED if form.fields or form.industries else Msg.pages.NOTHING_FOUND


def _preview(store: GraphStore, form: DemandForm) -> Recommendation | None:
    """The experts recommended for the form's text as it stands (the free-text use case the CLI and
    the JSON API share); ``None`` when the text is missing or the region names nothing."""
    text = demand_text(form.values["title"], form.values["description"])
    if not text or form.error_count:
        return None
    state = app_state()
    region_id = None
    if form.values["region"]:
        try:
            region_id = resolve_node(store, Label.REGION, form.values["region"], field_name="region",
                                     resolver=state.resolver()).id
        except ValidationError as err:
            form.fail("region", err.errors[0].reason)
            return None
    return recommend_for_text(store, text, tokenize=content_words, understand=understand_demand,
                              region_id=region_id, index=state.index())


def _show(form: DemandForm, *, status: int, note: str = "", preview: Recommendation | None = None) -> Any:
    return render_page("demand_form.html", status=status, active="pages_intake.new_demand", form=form,
                       inputs=FORM_INPUTS, note=note, preview=preview,
                       error_note=Msg.pages.FORM_HAS_ERRORS.format(count=form.error_count) if form.error_count else "",
                       today=clock.today().isoformat(),
                       text_limit=int(current_app.config["KGMATCH_TEXT_MAX_CHARS"]))


@bp.get("/demands/new")
@requires(Permission.DEMAND_WRITE)
def new_demand() -> Any:
    """The empty intake form."""
    return _show(DemandForm({i.name: "" for i in FORM_INPUTS}, field_catalog=field_catalog(app_state().store())),
                 status=200)


@bp.post("/demands/new")
@requires(Permission.DEMAND_WRITE)
def submit_demand() -> Any:
    """「分析需求」 shows suggestions; 「提交需求」 validates, creates the demand and opens it."""
    check_form()
    store = app_state().store()
    form = read_form(store, request.form)
    today = clock.today()
    if request.form.get("action") == "analyse":
        note = _analyse(store, form) if not form.errors else ""
        preview = _preview(store, form) if note else None
        return _show(form, status=400 if form.error_count else 200, note=note, preview=preview)
    validate_form(form, today=today, text_limit=int(current_app.config["KGMATCH_TEXT_MAX_CHARS"]),
                  resolver=app_state().resolver())
    demand_id = create_demand(store, form, today=today) if not form.error_count else None
    if demand_id is None:
        return _show(form, status=400)
    flash(Msg.pages.CREATED.format(id=demand_id), "success")
    return redirect(url_for("pages_demands.demand_detail", demand_id=demand_id))
