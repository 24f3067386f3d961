"""科技专员: dispatch an expert (or a service platform, issue 16) to an enterprise for a period, record
services, the enterprise's rating.

A service record may say the demand it served is solved: the demand then moves to
已解决 in the same batch. Ratings are given once per service record (1–5).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, Node, NodeRef
from workflow.common import (
    conflict,
    enterprise_of_demand,
    field_error,
    iso,
    load_versioned,
    new_id,
    parse_date,
    require_node,
    system_clock,
)
from workflow.demands import engage_demand_rows, open_demand, solve_demand_rows
from workflow.states import ALL_SERVICE_TYPES, COOPERATION_FORMS, DISPATCH, SERVICE_MODES, SERVICE_TYPES

__all__ = ["dispatch_expert", "dispatch_provider", "provider_ref", "PROVIDER_LABELS", "service_types_of", "end_dispatch",
           "record_service", "rate_service", "services_of_dispatch",
           "MAX_HOURS", "service_mode", "cooperation_form"]

ACTIVE, ENDED = DISPATCH.states
PROVIDER_LABELS = (Label.EXPERT, Label.PLATFORM)
"""Who can be dispatched and record services: an expert (科技专员) or a service platform (issue 16)."""
_PROVIDER_KEYS = ("provider_label", "provider_id", "provider_name", "expert_id", "expert_name", "platform_id",
                  "platform_name")
MAX_HOURS = 24.0
"""A service record covers one day: at most 24 hours."""


def service_types_of(provider_label: Any) -> tuple[str, ...]:
    """The service types a provider may give: an expert's, or for a platform also 检验检测, 中试熟化 … (issue 16)."""
    return ALL_SERVICE_TYPES if provider_label in (Label.PLATFORM, Label.PLATFORM.value) else SERVICE_TYPES


def _service_types(values: Sequence[str], field: str, allowed: tuple[str, ...] = SERVICE_TYPES) -> list[str]:
    chosen = list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
    if not chosen:
        raise field_error(field, "请至少选择一种服务类型")
    for value in chosen:
        if value not in allowed:
            raise field_error(field, Msg.workflow.BAD_CHOICE.format(choices="、".join(allowed), value=value))
    return chosen


def service_mode(value: Any, field: str = "service_mode") -> str | None:
    """A dispatch's service mode (:data:`~workflow.states.SERVICE_MODES`), ``None`` when not given.

    Raises:
        ValidationError: another value (Chinese, naming ``field``).
    """
    text = str(value or "").strip()
    if text and text not in SERVICE_MODES:
        raise field_error(field, Msg.registry.BAD_MODE.format(value=text, choices="、".join(SERVICE_MODES)))
    return text or None


def cooperation_form(value: Any, field: str = "cooperation_form") -> str | None:
    """A service outcome's cooperation form (:data:`~workflow.states.COOPERATION_FORMS`), ``None`` when not given.

    Raises:
        ValidationError: another value (Chinese, naming ``field``).
    """
    text = str(value or "").strip()
    if text and text not in COOPERATION_FORMS:
        raise field_error(field, Msg.registry.BAD_FORM.format(value=text, choices="、".join(COOPERATION_FORMS)))
    return text or None


def _provider_props(node: Node) -> dict[str, Any]:
    """What a dispatch (and each of its service records) says of its provider."""
    own = "expert" if node.label == Label.EXPERT else "platform"
    return {"provider_label": node.label.value, "provider_id": node.id, "provider_name": node.name,
            f"{own}_id": node.id, f"{own}_name": node.name}


def dispatch_expert(store: GraphStore, expert_id: str, enterprise_id: str, *, start_date: str, end_date: str,
                    service_types: Sequence[str], actor: str, demand_id: str | None = None, note: str = "",
                    mode: str | None = None, now: datetime | None = None) -> Node:
    """Dispatch an expert (科技专员) to an enterprise from ``start_date`` to ``end_date``; ``mode`` is the
    optional service mode (兼职创新, 长期派驻, 短期合作).

    Raises:
        NotFoundError: expert, enterprise or demand unknown.
        ValidationError: bad dates or service types.
        ConflictError: the demand is 已解决/已关闭.
    """
    return dispatch_provider(store, NodeRef(Label.EXPERT, expert_id), enterprise_id, start_date=start_date,
                             end_date=end_date, service_types=service_types, actor=actor, demand_id=demand_id,
                             note=note, mode=mode, now=now)


def provider_ref(value: Any, field: str = "provider") -> NodeRef:
    """A service provider named ``{"label": "Expert"|"Platform", "id": …}`` or a :class:`NodeRef`.

    Raises:
        ValidationError: another label (Chinese, naming ``field``).
    """
    ref = value if isinstance(value, NodeRef) else NodeRef(Label.parse(value["label"]), str(value["id"]))
    if ref.label not in PROVIDER_LABELS:
        raise field_error(field, Msg.workflow.BAD_CHOICE.format(choices="专家、服务平台", value=ref.label.value))
    return ref


def dispatch_provider(store: GraphStore, provider: NodeRef, enterprise_id: str, *, start_date: str, end_date: str,
                      service_types: Sequence[str], actor: str, demand_id: str | None = None, note: str = "",
                      mode: str | None = None, now: datetime | None = None) -> Node:
    """Dispatch a provider — an expert (科技专员) or a service platform (科研平台、公共服务平台, issue 16) —
    to an enterprise from ``start_date`` to ``end_date``; the dispatch and its service records carry
    ``provider_label``/``provider_id``/``provider_name`` and ``expert_id`` or ``platform_id`` (with its name).

    Raises:
        NotFoundError: provider, enterprise or demand unknown.
        ValidationError: a provider that is neither an expert nor a platform, bad dates or service types.
        ConflictError: the demand is 已解决/已关闭.
    """
    now = now or system_clock()
    provider = provider_ref(provider)
    who = require_node(store, provider.label, provider.id)
    enterprise = require_node(store, Label.ENTERPRISE, enterprise_id)
    start, end = parse_date(start_date, "start_date"), parse_date(end_date, "end_date")
    if end < start:
        raise field_error("end_date", Msg.workflow.END_BEFORE_START.format(start=start, end=end))
    types = _service_types(service_types, "service_types", service_types_of(provider.label))
    chosen_mode = service_mode(mode)
    dispatch_id = new_id("dsp")
    row: dict[str, Any] = {"id": dispatch_id, "service_type": types[0], "service_types": types,
                           "start_date": start, "end_date": end, "status": ACTIVE, "version": 1,
                           "created_at": iso(now), "actor": actor, "note": note.strip(),
                           **_provider_props(who),
                           "enterprise_id": enterprise.id, "enterprise_name": enterprise.name}
    if chosen_mode:
        row["service_mode"] = chosen_mode
    batch = Batch()
    if demand_id:
        demand = open_demand(store, demand_id, refused="不能再派驻")
        poster = enterprise_of_demand(store, demand_id)
        if poster is not None and poster != enterprise.id:
            raise field_error("demand_id", Msg.workflow.NOT_THEIR_DEMAND.format(demand=demand_id, enterprise=enterprise.name))
        row.update(demand_id=demand_id, demand_title=str(demand.props.get("title", "")))
        engage_demand_rows(demand, batch)
        batch.add_rels(RelType.ABOUT, Label.DISPATCH, Label.DEMAND, [{"start": dispatch_id, "end": demand_id}])
    batch.add_nodes(Label.DISPATCH, [row])  # after the demand block: the row carries demand_id
    batch.add_rels(RelType.DISPATCHED, Label.DISPATCH, who.label, [{"start": dispatch_id, "end": who.id}])
    batch.add_rels(RelType.SERVES, Label.DISPATCH, Label.ENTERPRISE, [{"start": dispatch_id, "end": enterprise.id}])
    store.write(batch)
    return require_node(store, Label.DISPATCH, dispatch_id)


def end_dispatch(store: GraphStore, dispatch_id: str, *, actor: str, now: datetime | None = None) -> Node:
    """End a dispatch (no more service records); refuses one already ended."""
    now = now or system_clock()
    node = load_versioned(store, Label.DISPATCH, dispatch_id)
    DISPATCH.check(dispatch_id, str(node.props.get("status")), ENDED, "结束")
    store.write(Batch(expect=[node.expect]).add_nodes(
        Label.DISPATCH, [node.updated(status=ENDED, ended_at=iso(now), ended_by=actor)]))
    return require_node(store, Label.DISPATCH, dispatch_id)


def _hours(value: Any) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise field_error("hours", Msg.workflow.BAD_NUMBER.format(what="数字（小时）", value=value)) from None
    if not 0 < hours <= MAX_HOURS or hours != hours:
        raise field_error("hours", Msg.workflow.BAD_NUMBER.format(what=f"大于 0、不超过 {MAX_HOURS:g} 的小时数", value=value))
    return round(hours, 2)


def record_service(store: GraphStore, dispatch_id: str, *, date: str, hours: Any, service_type: str,
                   content: str, outcome: str = "", solved: bool = False, actor: str,
                   form: str | None = None, now: datetime | None = None) -> Node:
    """Record one service of a dispatch; ``solved`` marks the dispatch's demand 已解决 in the same batch;
    ``form`` is the optional cooperation form its outcome agreed (共建新型研发机构, 联合实验室, 合作开发项目).

    Raises:
        ConflictError: the dispatch has ended; solving a demand already 已关闭.
        ValidationError: a date outside the dispatch period, bad hours or type, no content,
            ``solved`` for a dispatch without a demand.
    """
    now = now or system_clock()
    dispatch = load_versioned(store, Label.DISPATCH, dispatch_id)
    props = dispatch.props
    if props.get("status") != ACTIVE:
        raise conflict(Msg.workflow.DISPATCH_ENDED.format(id=dispatch_id, status=props.get("status")))
    day = parse_date(date, "date")
    if not str(props["start_date"]) <= day <= str(props["end_date"]):
        raise field_error("date", Msg.workflow.DATE_OUTSIDE.format(date=day, start=props["start_date"], end=props["end_date"]))
    kind = _service_types([service_type], "service_type", service_types_of(props.get("provider_label")))[0]
    chosen_form = cooperation_form(form)
    if not content.strip():
        raise field_error("content", "不能为空")
    demand_id = props.get("demand_id")
    if solved and not demand_id:
        raise field_error("solved", "该派驻没有关联需求，无法标记需求已解决")
    service_id = new_id("svc")
    row = {"id": service_id, "service_type": kind, "date": day, "hours": _hours(hours), "version": 1,
           "content": content.strip(), "outcome": outcome.strip(), "solved": bool(solved), "created_at": iso(now),
           "actor": actor, "dispatch_id": dispatch_id, **{k: props.get(k) for k in _PROVIDER_KEYS if props.get(k)},
           "enterprise_id": props.get("enterprise_id"),
           "enterprise_name": props.get("enterprise_name"), "demand_id": demand_id}
    if chosen_form:
        row["cooperation_form"] = chosen_form
    if props.get("service_mode"):
        row["service_mode"] = props["service_mode"]  # copied, so services filter and report by mode directly
    # Guarding the dispatch serialises records with "end dispatch": none slips in after it ended.
    batch = Batch(expect=[dispatch.expect]).add_nodes(Label.DISPATCH, [dispatch.updated()])
    batch.add_nodes(Label.SERVICE, [row])
    batch.add_rels(RelType.RECORDS, Label.SERVICE, Label.DISPATCH, [{"start": service_id, "end": dispatch_id}])
    if demand_id:
        batch.add_rels(RelType.ABOUT, Label.SERVICE, Label.DEMAND, [{"start": service_id, "end": demand_id}])
        if solved:
            solve_demand_rows(store, str(demand_id), batch, by=service_id, now=now)
    store.write(batch)
    return require_node(store, Label.SERVICE, service_id)


def rate_service(store: GraphStore, service_id: str, *, rating: Any, comment: str = "", rated_by: str,
                 now: datetime | None = None) -> Node:
    """The enterprise's rating of a service (integer 1–5), once.

    Raises:
        ValidationError: a rating outside 1–5.
        ConflictError: already rated.
    """
    now = now or system_clock()
    if isinstance(rating, bool) or str(rating).strip() not in {"1", "2", "3", "4", "5"}:
        raise field_error("rating", Msg.workflow.BAD_RATING.format(value=rating))
    node = load_versioned(store, Label.SERVICE, service_id)
    if node.props.get("rating") is not None:
        raise conflict(Msg.workflow.ALREADY_RATED.format(id=service_id, at=node.props.get("rated_at"),
                                                  rating=node.props.get("rating")))
    store.write(Batch(expect=[node.expect]).add_nodes(Label.SERVICE, [node.updated(
        rating=int(str(rating).strip()), rating_comment=comment.strip(), rated_at=iso(now), rated_by=rated_by)]))
    return require_node(store, Label.SERVICE, service_id)


def services_of_dispatch(store: GraphStore, dispatch_id: str) -> list[Node]:
    """The service records of a dispatch, by date."""
    found = [nb.node for nb in store.neighbors(Label.DISPATCH, dispatch_id, direction=Direction.IN,
                                               rel_types=[RelType.RECORDS])]
    return sorted(found, key=lambda n: (str(n.props.get("date")), n.id))
