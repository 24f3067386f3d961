"""创新活动与培训: 大赛、路演、展示、宣讲、创业辅导与专项培训 — publish, enrol, attend, close.

An :data:`~graph.model.Label.ACTIVITY` node follows :data:`workflow.states.ACTIVITY`
(草稿 → 报名中 → 进行中 → 已结束). Enterprises and experts enrol through an ``ENROLLED_IN``
relationship whose ``status`` follows :data:`workflow.states.ENROLMENT` (已报名 → 已出席 / 缺席 /
已取消) and carries the participant's outcome. The activity keeps ``enrolled`` and ``attended``
counters, so the capacity check and the reports never count relationships.

Every change is one batch guarded by the activity's version: two enrolments racing for the
last seat, or an enrolment racing the close, never both succeed (the loser gets the
store's Chinese "已被他人修改" conflict). Each move is appended to the activity's ``history``
(time, state, actor), the audit trail officers read on the page. A 揭榜 challenge can be
launched from an activity (``LAUNCHED``), e.g. the problems collected at a 路演.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, Node, NodeRef
from workflow import challenge
from workflow.common import (
    conflict,
    field_error,
    iso,
    load_versioned,
    new_id,
    parse_date,
    require_node,
    system_clock,
)
from workflow.states import ACTIVITY, ACTIVITY_KINDS, ENROLMENT

__all__ = [
    "ENROLLER_LABELS",
    "ACTIONS",
    "STAMPS",
    "ACTIVITY_FIELDS",
    "activity_row",
    "create_activity",
    "advance_activity",
    "enrol",
    "mark_enrolment",
    "launch_challenge",
    "enrolments_of",
    "activities_of",
    "challenges_of",
]

DRAFT, OPEN, RUNNING, ENDED = ACTIVITY.states
ENROLLED, ATTENDED, ABSENT, CANCELLED = ENROLMENT.states
ENROLLER_LABELS = (Label.ENTERPRISE, Label.EXPERT)
ACTIONS = {OPEN: "发布报名", RUNNING: "开始活动", ENDED: "结束活动"}
"""The Chinese verb of each move, keyed by the state it leads to."""
STAMPS = {OPEN: "published_at", RUNNING: "started_at", ENDED: "closed_at"}
ACTIVITY_FIELDS = ("id", "title", "kind", "topic", "start_date", "end_date", "place", "region", "organiser",
                   "capacity", "fields", "description")
"""What an officer (or an activity list) gives for an activity; ``title``, ``kind`` and ``start_date`` are required."""
_TEXT_LIMITS = {"title": 200, "topic": 60, "place": 200, "organiser": 200, "description": 4000, "region": 60}


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _capacity(value: Any) -> int:
    if value is None or str(value).strip() == "":
        return 0
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(Msg.activities.CAPACITY.format(value=value)) from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise ValueError(Msg.activities.CAPACITY.format(value=value))
    return int(number)


def _field_ids(store: GraphStore, value: Any) -> tuple[list[str], list[str]]:
    """Field ids from ids or exact names; also the items that named no field."""
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        items = [i.strip() for i in str(value or "").replace("；", ";").replace("、", ";").replace("|", ";").split(";")]
    found, unknown = [], []
    for item in (i for i in items if i):
        if store.get_node(Label.FIELD, item) is not None:
            found.append(item)
            continue
        named = store.find_nodes(Label.FIELD, props={"name": item}, limit=2).nodes
        if len(named) == 1:
            found.append(named[0].id)
        else:
            unknown.append(item)
    return list(dict.fromkeys(found)), unknown


def activity_row(store: GraphStore, values: Mapping[str, Any], *, row_no: int | None = None
                 ) -> tuple[dict[str, Any], list[RowError]]:
    """The stored properties of an activity from an officer's ``values`` (see :data:`ACTIVITY_FIELDS`),
    and every problem with them (Chinese, naming the row and the field). Pure validation: writes nothing.

    The row has no ``id``, status, counters or audit fields yet; :func:`create_activity` and the
    importer add them.
    """
    errors: list[RowError] = []

    def bad(name: str, reason: str) -> None:
        errors.append(RowError(row_no, name, reason))

    row: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        text = _text(values, name)
        if len(text) > limit:
            bad(name, Msg.api.TOO_LONG.format(limit=limit))
        row[name] = text
    if not row["title"]:
        bad("title", Msg.REQUIRED)
    kind = _text(values, "kind")
    if kind not in ACTIVITY_KINDS:
        bad("kind", Msg.REQUIRED if not kind else Msg.activities.KIND.format(value=kind, choices="、".join(ACTIVITY_KINDS)))
    row["kind"] = kind
    start = _text(values, "start_date")
    try:
        row["start_date"] = parse_date(start, "start_date") if start else ""
        if not start:
            bad("start_date", Msg.REQUIRED)
    except ValidationError:
        bad("start_date", Msg.workflow.BAD_DATE.format(value=start))
    end = _text(values, "end_date")
    try:
        row["end_date"] = parse_date(end, "end_date") if end else row.get("start_date", "")
    except ValidationError:
        bad("end_date", Msg.workflow.BAD_DATE.format(value=end))
    if row.get("start_date") and row.get("end_date") and row["end_date"] < row["start_date"]:
        bad("end_date", Msg.workflow.END_BEFORE_START.format(start=row["start_date"], end=row["end_date"]))
    try:
        row["capacity"] = _capacity(values.get("capacity"))
    except ValueError as err:
        bad("capacity", str(err))
    fields, unknown = _field_ids(store, values.get("fields"))
    for item in unknown:
        bad("fields", Msg.MISSING_ENDPOINT.format(label="技术领域", id=item))
    row["field_ids"] = fields
    region = _region(store, row["region"])
    if region is not None:
        row["region"], row["region_name"] = region.id, _region_name(store, region)
    else:
        row["region_name"] = row["region"]
    return row, errors


_UNNAMED = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _region(store: GraphStore, text: str) -> Node | None:
    """A Region by id, by its GB/T 2260 code (``330100`` → ``region:330100``) or by its unique name."""
    if not text:
        return None
    for key in (text, f"region:{text}"):
        node = store.get_node(Label.REGION, key)
        if node is not None:
            return node
    named = store.find_nodes(Label.REGION, props={"name": text}, limit=2).nodes
    return named[0] if len(named) == 1 else None


def _region_name(store: GraphStore, region: Node) -> str:
    """A readable name: 「市辖区」 and the like take their parent's name (北京市)."""
    if region.name not in _UNNAMED:
        return region.name
    parent = store.neighbors(Label.REGION, region.id, direction=Direction.OUT, rel_types=[RelType.PART_OF],
                             labels=[Label.REGION], limit=1)
    return parent[0].node.name if parent else region.name


def _fail(errors: Sequence[RowError]) -> ValidationError:
    first = errors[0]
    return ValidationError(Msg.FIELD.format(field=first.field, reason=first.reason), errors=list(errors))


def _covers(batch: Batch, activity_id: str, field_ids: Sequence[str]) -> None:
    batch.add_rels(RelType.COVERS, Label.ACTIVITY, Label.FIELD, [{"start": activity_id, "end": f} for f in field_ids])


def create_activity(store: GraphStore, values: Mapping[str, Any], *, actor: str, publish: bool = True,
                    synthetic: bool = False, now: datetime | None = None) -> Node:
    """Create an activity: 报名中 when ``publish`` (the usual case), else a 草稿 to publish later.

    Raises:
        ValidationError: a missing title/kind/start date, an unknown kind or field, a bad date or capacity.
        ConflictError: an activity with the given ``id`` exists already.
    """
    now = now or system_clock()
    row, errors = activity_row(store, values)
    if errors:
        raise _fail(errors)
    aid = _text(values, "id") or new_id("act")
    if store.get_node(Label.ACTIVITY, aid) is not None:
        raise conflict(Msg.activities.EXISTS.format(id=aid))
    status = OPEN if publish else DRAFT
    row.update({"id": aid, "status": status, "version": 1, "created_at": iso(now), "actor": actor,
                "enrolled": 0, "attended": 0, "history": [f"{iso(now)} {status} {actor}"]})
    if publish:
        row["published_at"] = iso(now)
    if synthetic:
        row["source"] = "synthetic"
    batch = Batch(create=[NodeRef(Label.ACTIVITY, aid)]).add_nodes(Label.ACTIVITY, [row])
    _covers(batch, aid, row["field_ids"])
    store.write(batch)
    return require_node(store, Label.ACTIVITY, aid)


def _enrolment_rels(store: GraphStore, activity_id: str) -> list[tuple[NodeRef, Node, dict[str, Any]]]:
    found = store.neighbors(Label.ACTIVITY, activity_id, direction=Direction.IN, rel_types=[RelType.ENROLLED_IN])
    return [(nb.node.ref, nb.node, dict(nb.rel.props)) for nb in found]


def advance_activity(store: GraphStore, activity_id: str, target: str, *, actor: str, outcome: str = "",
                     now: datetime | None = None) -> Node:
    """Move an activity to 报名中 / 进行中 / 已结束. Closing needs ``outcome`` (what the activity achieved,
    or why it was cancelled); closing a held activity marks every enrolment still 已报名 as 缺席."""
    now = now or system_clock()
    if target not in ACTIONS:
        raise field_error("status", Msg.workflow.BAD_CHOICE.format(choices="、".join(ACTIONS), value=target))
    node = load_versioned(store, Label.ACTIVITY, activity_id)
    current = str(node.props.get("status"))
    ACTIVITY.check(activity_id, current, target, ACTIONS[target])
    extra: dict[str, Any] = {}
    batch = Batch(expect=[node.expect])
    if target == ENDED:
        if not outcome.strip():
            raise field_error("outcome", Msg.activities.OUTCOME_REQUIRED)
        extra["outcome"] = outcome.strip()
        if current == RUNNING:
            absent = [(ref, props) for ref, _, props in _enrolment_rels(store, activity_id)
                      if props.get("status") == ENROLLED]
            for ref, props in absent:
                batch.add_rels(RelType.ENROLLED_IN, ref.label, Label.ACTIVITY, [{
                    "start": ref.id, "end": activity_id, **props, "status": ABSENT, "marked_at": iso(now),
                    "marked_by": actor}])
    history = [*list(node.props.get("history") or []), f"{iso(now)} {target} {actor} {outcome.strip()}".strip()]
    batch.add_nodes(Label.ACTIVITY, [node.updated(status=target, history=history, **{STAMPS[target]: iso(now)},
                                                  **extra)])
    store.write(batch)
    return require_node(store, Label.ACTIVITY, activity_id)


def _enrolment(store: GraphStore, activity_id: str, who: NodeRef) -> dict[str, Any] | None:
    """The ENROLLED_IN properties of ``who`` on the activity (looked up from the enroller's side: few rels)."""
    for nb in store.neighbors(who.label, who.id, direction=Direction.OUT, rel_types=[RelType.ENROLLED_IN],
                              labels=[Label.ACTIVITY]):
        if nb.node.id == activity_id:
            return dict(nb.rel.props)
    return None


def _check_enroller(store: GraphStore, who: NodeRef) -> Node:
    if who.label not in ENROLLER_LABELS:
        raise field_error("enroller", Msg.activities.ENROLLER.format(value=f"{who.label}:{who.id}"))
    return require_node(store, who.label, who.id)


def enrol(store: GraphStore, activity_id: str, who: NodeRef, *, actor: str, note: str = "",
          now: datetime | None = None) -> dict[str, Any]:
    """An enterprise or an expert enrols in an activity that is 报名中; the enrolment as a record.

    Raises:
        ConflictError: the activity is not open (a draft, held or 已结束), it is full, or ``who``
            enrolled already (an enrolment cancelled earlier may be renewed).
        NotFoundError: no such activity, enterprise or expert.
    """
    now = now or system_clock()
    person = _check_enroller(store, who)
    node = load_versioned(store, Label.ACTIVITY, activity_id)
    props = node.props
    title, status = props.get("title"), str(props.get("status"))
    if status == ENDED:
        raise conflict(Msg.activities.CLOSED.format(title=title, id=activity_id, action="报名"))
    if status != OPEN:
        raise conflict(Msg.activities.NOT_OPEN.format(title=title, id=activity_id, status=status))
    existing = _enrolment(store, activity_id, who)
    if existing is not None and existing.get("status") != CANCELLED:
        raise conflict(Msg.activities.TWICE.format(who=person.name, title=title, id=activity_id,
                                                   at=existing.get("at")))
    capacity, enrolled = int(props.get("capacity") or 0), int(props.get("enrolled") or 0)
    if capacity and enrolled >= capacity:
        raise conflict(Msg.activities.FULL.format(title=title, id=activity_id, capacity=capacity, enrolled=enrolled))
    rel = {"start": who.id, "end": activity_id, "status": ENROLLED, "at": iso(now), "actor": actor,
           "note": note.strip(), "name": person.name, "outcome": None, "marked_at": None, "marked_by": None}
    batch = Batch(expect=[node.expect]).add_nodes(Label.ACTIVITY, [node.updated(enrolled=enrolled + 1)])
    batch.add_rels(RelType.ENROLLED_IN, who.label, Label.ACTIVITY, [rel])
    store.write(batch)
    return _as_record(who, {k: v for k, v in rel.items() if k not in ("start", "end")})


def mark_enrolment(store: GraphStore, activity_id: str, who: NodeRef, target: str, *, actor: str,
                   outcome: str = "", now: datetime | None = None) -> dict[str, Any]:
    """Record attendance (已出席 / 缺席) with the participant's ``outcome`` (获奖、签约意向、结业…),
    or cancel an enrolment (已取消, only while enrolment is open: it frees the seat).

    Raises:
        ConflictError: the activity is closed or not yet open; ``who`` did not enrol; the enrolment
            was already marked.
    """
    now = now or system_clock()
    if target not in (ATTENDED, ABSENT, CANCELLED):
        raise field_error("status", Msg.workflow.BAD_CHOICE.format(choices="已出席、缺席、已取消", value=target))
    person = _check_enroller(store, who)
    node = load_versioned(store, Label.ACTIVITY, activity_id)
    props = node.props
    title, status = props.get("title"), str(props.get("status"))
    if status == ENDED:
        raise conflict(Msg.activities.CLOSED.format(title=title, id=activity_id, action="记录签到或取消报名"))
    if status not in (OPEN, RUNNING) or (target == CANCELLED and status != OPEN):
        raise conflict(Msg.activities.ATTENDANCE_STATUS.format(title=title, id=activity_id, status=status))
    existing = _enrolment(store, activity_id, who)
    if existing is None:
        raise conflict(Msg.activities.NOT_ENROLLED.format(who=person.name, title=title, id=activity_id))
    current = str(existing.get("status"))
    if target not in ENROLMENT.moves.get(current, ()):
        raise conflict(Msg.activities.ALREADY_MARKED.format(who=person.name, title=title, status=current,
                                                            target=target))
    counters: dict[str, Any] = {}
    if target == ATTENDED:
        counters["attended"] = int(props.get("attended") or 0) + 1
    if target == CANCELLED:
        counters["enrolled"] = max(int(props.get("enrolled") or 0) - 1, 0)
    rel = {**existing, "start": who.id, "end": activity_id, "status": target, "marked_at": iso(now),
           "marked_by": actor, "outcome": outcome.strip() or None}
    batch = Batch(expect=[node.expect]).add_nodes(Label.ACTIVITY, [node.updated(**counters)])
    batch.add_rels(RelType.ENROLLED_IN, who.label, Label.ACTIVITY, [rel])
    store.write(batch)
    return _as_record(who, {k: v for k, v in rel.items() if k not in ("start", "end")})


def launch_challenge(store: GraphStore, activity_id: str, demand_id: str, *, conditions: str, deadline: str,
                     reward_wan: Any, actor: str, title: str = "", now: datetime | None = None) -> Node:
    """Publish ``demand_id`` as a 揭榜 challenge from an activity that is 报名中 or 进行中 (e.g. a problem
    raised at a 路演); the challenge records ``activity_id`` and the activity ``LAUNCHED`` it.

    Every rule of :func:`workflow.challenge.publish_challenge` holds (one challenge per demand, open
    demand, future deadline); the link is written guarded by the activity and the new challenge.
    """
    now = now or system_clock()
    activity = load_versioned(store, Label.ACTIVITY, activity_id)
    status, name = str(activity.props.get("status")), activity.props.get("title")
    if status == ENDED:
        raise conflict(Msg.activities.CLOSED.format(title=name, id=activity_id, action="发起揭榜"))
    if status not in (OPEN, RUNNING):
        raise conflict(Msg.activities.CHALLENGE_STATUS.format(title=name, id=activity_id, status=status))
    node = challenge.publish_challenge(store, demand_id, conditions=conditions, deadline=deadline,
                                       reward_wan=reward_wan, actor=actor, title=title, now=now)
    published = load_versioned(store, Label.CHALLENGE, node.id)
    launched = [*list(activity.props.get("challenge_ids") or []), node.id]
    batch = Batch(expect=[activity.expect, published.expect])
    batch.add_nodes(Label.ACTIVITY, [activity.updated(challenge_ids=launched)])
    batch.add_nodes(Label.CHALLENGE, [published.updated(activity_id=activity_id, activity_title=name)])
    batch.add_rels(RelType.LAUNCHED, Label.ACTIVITY, Label.CHALLENGE,
                   [{"start": activity_id, "end": node.id, "at": iso(now), "actor": actor}])
    store.write(batch)
    return require_node(store, Label.CHALLENGE, node.id)


def _as_record(who: NodeRef, props: Mapping[str, Any]) -> dict[str, Any]:
    return {"label": who.label.value, "id": who.id, **{k: v for k, v in props.items() if v is not None}}


def enrolments_of(store: GraphStore, activity_id: str) -> list[dict[str, Any]]:
    """The activity's enrolments (enterprises and experts), in the order they enrolled."""
    require_node(store, Label.ACTIVITY, activity_id)
    rows = [_as_record(ref, {"name": node.name, **props}) for ref, node, props in _enrolment_rels(store, activity_id)]
    return sorted(rows, key=lambda r: (str(r.get("at")), r["label"], r["id"]))


def activities_of(store: GraphStore, who: NodeRef) -> list[dict[str, Any]]:
    """The activities an enterprise or an expert enrolled in, newest first, with the enrolment's status."""
    found = store.neighbors(who.label, who.id, direction=Direction.OUT, rel_types=[RelType.ENROLLED_IN],
                            labels=[Label.ACTIVITY])
    rows = [{"activity_id": nb.node.id, "title": nb.node.props.get("title"), "kind": nb.node.props.get("kind"),
             "start_date": nb.node.props.get("start_date"), "activity_status": nb.node.props.get("status"),
             **{k: v for k, v in nb.rel.props.items() if v is not None}} for nb in found]
    return sorted(rows, key=lambda r: (str(r.get("start_date")), r["activity_id"]), reverse=True)


def challenges_of(store: GraphStore, activity_id: str) -> list[Node]:
    """The 揭榜 challenges launched from the activity, by id."""
    found = store.neighbors(Label.ACTIVITY, activity_id, direction=Direction.OUT, rel_types=[RelType.LAUNCHED])
    return sorted((nb.node for nb in found), key=lambda n: n.id)
