"""报送 reports and 考核评价 statistics: read the workflow facts once, aggregate them with pure functions.

:func:`read_facts` reads every demand, push, dispatch, service record and challenge (paged,
relationships in bulk through :meth:`GraphStore.expand`) into plain dicts (:class:`Facts`);
the row builders (:func:`demand_rows`, :func:`outcome_rows`, :func:`service_rows`,
:func:`evaluation`, :func:`summarize`) are pure functions of those dicts and a
:class:`ReportFilter`, so they are tested without a store, and :func:`report_workbook` turns
them into an Excel workbook in the house style.

What counts where (the 口径, also written into the workbook's 说明 sheet):

* the period filters each fact by its own date: a demand by ``posted``, a push by the day it
  was sent, a dispatch by its start date, a service record by its service date, a challenge
  by the day it was published or completed, a solved demand by ``solved_at``; so the rows of
  consecutive periods add up;
* the region filter keeps facts about enterprises and demands located in the region or any
  region below it (``PART_OF``): a service record by its enterprise's region, a demand, push
  or challenge by the demand's region (its own ``LOCATED_IN``, else its enterprise's);
* a push to a team counts for each of its members, a challenge won by a team is a demand
  solved by each of its members.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from workflow.common import WfMsg, field_error, iso, parse_date, system_clock
from workflow.states import CHALLENGE, DEMAND, PUSH

__all__ = [
    "ReportFilter",
    "Facts",
    "ReportKind",
    "Column",
    "REPORTS",
    "EVALUATION_BY",
    "resolve_region",
    "read_facts",
    "demand_rows",
    "outcome_rows",
    "service_rows",
    "evaluation",
    "summarize",
    "summary",
    "report_rows",
    "report_workbook",
]

EVALUATION_BY = ("expert", "institution", "region")
"""What :func:`evaluation` can group by."""

_PAGE = 1000
_PLACEHOLDER_REGIONS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_SOLVED = DEMAND.states[2]
_DONE = CHALLENGE.states[4]
_PENDING, _ACCEPTED, _DECLINED = PUSH.states
_NO_REGION, _NO_INSTITUTION = "（未登记地区）", "（未登记单位）"


# -- the filter --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportFilter:
    """Which facts a report covers: a region (with everything below it) and a period, both optional.

    ``start`` and ``end`` are inclusive ``YYYY-MM-DD`` dates; ``region_name`` is for display only.
    """

    region: str | None = None
    start: str | None = None
    end: str | None = None
    region_name: str = ""

    @classmethod
    def parse(cls, region: str | None, start: str | None, end: str | None, store: GraphStore) -> ReportFilter:
        """A filter from user input: a Region id, 6-digit code or exact name, and two dates.

        Raises:
            ValidationError: a bad date, ``end`` before ``start``, an unknown or ambiguous region
                (Chinese, naming the field ``region``, ``start`` or ``end``).
        """
        first = parse_date(start, "start") if _given(start) else None
        last = parse_date(end, "end") if _given(end) else None
        if first and last and last < first:
            raise field_error("end", WfMsg.END_BEFORE_START.format(start=first, end=last))
        if not _given(region):
            return cls(None, first, last)
        node = resolve_region(store, str(region))
        return cls(node.id, first, last, str(node.props.get("full_name") or node.name))

    def covers(self, day: str | None) -> bool:
        """Whether a fact of ``day`` (``YYYY-MM-DD…``) falls in the period; undated facts only without one."""
        if not day:
            return self.start is None and self.end is None
        day = str(day)[:10]
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"region": self.region, "region_name": self.region_name, "start": self.start, "end": self.end}


def _given(value: Any) -> bool:
    return value is not None and bool(str(value).strip())


def resolve_region(store: GraphStore, value: str, field_name: str = "region") -> Node:
    """The Region a user named: its id, its GB/T 2260 code (2, 4, 6, 9 or 12 digits) or its exact name.

    Raises:
        ValidationError: no such region, or a name several regions share (Chinese, naming ``field_name``).
    """
    text = str(value).strip()
    node = store.get_node(Label.REGION, text)
    if node is not None:
        return node
    if text.isdigit():
        code = text[:6] if len(text) in (9, 12) else text.ljust(6, "0") if len(text) in (2, 4) else text
        found = store.find_nodes(Label.REGION, props={"code": code}, limit=5).nodes
    else:
        found = store.find_nodes(Label.REGION, props={"name": text}, limit=5).nodes
        found = found or store.find_nodes(Label.REGION, props={"full_name": text}, limit=5).nodes
    if len(found) == 1:
        return found[0]
    if not found:
        raise field_error(field_name, f"未知的地区「{text}」（请填写地区编号、6 位行政区划代码或准确名称）")
    choices = "、".join(f"{n.props.get('full_name') or n.name}（{n.props.get('code') or n.id}）" for n in found)
    raise field_error(field_name, f"「{text}」有歧义，可能是：{choices}；请填写 6 位行政区划代码")


# -- the facts ---------------------------------------------------------------------------------------
@dataclass
class Facts:
    """Everything the reports read, as plain dicts keyed by id (see :func:`read_facts`).

    ``regions``: ``{id, name, level, parent}``; ``enterprises`` / ``institutions``: ``{id, name,
    region}``; ``experts``: ``{id, name, institutions: [id]}``; ``teams``: ``{id, name, members:
    [expert id]}``; ``demands``: ``{id, title, status, posted, deadline, budget_wan, solved_at,
    enterprise, region, industries: [name], fields: [name]}``; ``pushes``, ``dispatches``,
    ``services``, ``challenges``: the stored properties of each fact plus its ``id``.
    """

    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    enterprises: dict[str, dict[str, Any]] = field(default_factory=dict)
    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    experts: dict[str, dict[str, Any]] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    demands: dict[str, dict[str, Any]] = field(default_factory=dict)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    challenges: list[dict[str, Any]] = field(default_factory=list)


def _all(store: GraphStore, label: Label) -> list[Node]:
    nodes: list[Node] = []
    while True:
        page = store.list_nodes(label, skip=len(nodes), limit=_PAGE)
        nodes += page
        if len(page) < _PAGE:
            return nodes


def _expand(store: GraphStore, refs: Sequence[NodeRef], direction: Direction, rel_types: Sequence[RelType],
            labels: Sequence[Label] | None = None) -> list[tuple[NodeRef, Any]]:
    """:meth:`GraphStore.expand` in chunks, in a stable order (the stores return pairs in none)."""
    pairs: list[tuple[NodeRef, Any]] = []
    for i in range(0, len(refs), _PAGE):
        pairs += store.expand(refs[i:i + _PAGE], direction=direction, rel_types=rel_types, labels=labels)
    return sorted(pairs, key=lambda p: (p[0], p[1].sort_key()))


def _get(store: GraphStore, label: Label, ids: Iterable[str]) -> list[Node]:
    wanted = sorted({str(i) for i in ids if i})
    return [n for i in range(0, len(wanted), _PAGE) for n in store.get_nodes(label, wanted[i:i + _PAGE])]


def _row(node: Node) -> dict[str, Any]:
    return {"id": node.id, **dict(node.props)}


def _located(store: GraphStore, nodes: Sequence[Node], regions: dict[str, Node]) -> dict[str, str]:
    """Node id → the id of its first region (by id); the regions seen are added to ``regions``."""
    where: dict[str, str] = {}
    for ref, nb in _expand(store, [n.ref for n in nodes], Direction.OUT, [RelType.LOCATED_IN], [Label.REGION]):
        where.setdefault(ref.id, nb.node.id)
        regions[nb.node.id] = nb.node
    return where


def read_facts(store: GraphStore) -> Facts:
    """Read what every report needs, once: paged lists and a handful of bulk expansions."""
    facts = Facts()
    facts.pushes = [_row(n) for n in _all(store, Label.PUSH)]
    facts.dispatches = [_row(n) for n in _all(store, Label.DISPATCH)]
    facts.services = [_row(n) for n in _all(store, Label.SERVICE)]
    facts.challenges = [_row(n) for n in _all(store, Label.CHALLENGE)]
    demands = _all(store, Label.DEMAND)
    regions: dict[str, Node] = {}

    posted_by: dict[str, str] = {}
    enterprise_nodes: dict[str, Node] = {}
    links: dict[str, dict[str, list[tuple[float, str, str]]]] = defaultdict(lambda: defaultdict(list))
    demand_region: dict[str, str] = {}
    refs = [d.ref for d in demands]
    for ref, nb in _expand(store, refs, Direction.IN, [RelType.POSTED], [Label.ENTERPRISE]):
        posted_by.setdefault(ref.id, nb.node.id)
        enterprise_nodes[nb.node.id] = nb.node
    for ref, nb in _expand(store, refs, Direction.OUT, [RelType.NEEDS, RelType.IN_INDUSTRY, RelType.LOCATED_IN]):
        if nb.rel.type is RelType.LOCATED_IN:
            demand_region.setdefault(ref.id, nb.node.id)
            regions[nb.node.id] = nb.node
        else:
            weight = -float(nb.rel.props.get("weight", 1.0)) if nb.rel.type is RelType.NEEDS else 0.0
            links[ref.id][nb.rel.type.value].append((weight, nb.node.id, nb.node.name))

    for node in _get(store, Label.ENTERPRISE, {str(f.get("enterprise_id")) for f in facts.services + facts.dispatches}
                     - set(enterprise_nodes)):
        enterprise_nodes[node.id] = node
    ent_region = _located(store, list(enterprise_nodes.values()), regions)
    facts.enterprises = {i: {"id": i, "name": n.name, "region": ent_region.get(i)} for i, n in enterprise_nodes.items()}

    team_ids = {str(p.get("target_id")) for p in facts.pushes if p.get("target_label") == Label.TEAM.value}
    team_ids |= {str(c.get("winner_id")) for c in facts.challenges if c.get("winner_label") == Label.TEAM.value}
    teams = _get(store, Label.TEAM, team_ids)
    members: dict[str, list[str]] = defaultdict(list)
    for ref, nb in _expand(store, [t.ref for t in teams], Direction.IN, [RelType.MEMBER_OF], [Label.EXPERT]):
        members[ref.id].append(nb.node.id)
    facts.teams = {t.id: {"id": t.id, "name": t.name, "members": sorted(set(members[t.id]))} for t in teams}

    expert_ids = {str(f.get("expert_id")) for f in facts.services + facts.dispatches}
    expert_ids |= {str(p.get("target_id")) for p in facts.pushes if p.get("target_label") == Label.EXPERT.value}
    expert_ids |= {str(c.get("winner_id")) for c in facts.challenges if c.get("winner_label") == Label.EXPERT.value}
    expert_ids |= {m for t in facts.teams.values() for m in t["members"]}
    experts = _get(store, Label.EXPERT, expert_ids)
    works: dict[str, list[str]] = defaultdict(list)
    institution_nodes: dict[str, Node] = {}
    for ref, nb in _expand(store, [e.ref for e in experts], Direction.OUT, [RelType.WORKS_AT], [Label.INSTITUTION]):
        works[ref.id].append(nb.node.id)
        institution_nodes[nb.node.id] = nb.node
    facts.experts = {e.id: {"id": e.id, "name": e.name, "institutions": sorted(set(works[e.id]))} for e in experts}
    inst_region = _located(store, list(institution_nodes.values()), regions)
    facts.institutions = {i: {"id": i, "name": n.name, "region": inst_region.get(i)}
                          for i, n in institution_nodes.items()}

    for d in demands:
        ent = posted_by.get(d.id)
        link = links[d.id]
        facts.demands[d.id] = {
            "id": d.id, **{k: d.props.get(k) for k in ("title", "status", "posted", "deadline", "budget_wan",
                                                         "solved_at")},
            "enterprise": ent, "region": demand_region.get(d.id) or ent_region.get(ent or ""),
            "industries": [name for _, _, name in sorted(link[RelType.IN_INDUSTRY.value])],
            "fields": [name for _, _, name in sorted(link[RelType.NEEDS.value])]}
    facts.regions = _region_tree(store, regions)
    return facts


def _region_tree(store: GraphStore, regions: dict[str, Node]) -> dict[str, dict[str, Any]]:
    """The regions seen and all their ancestors (``PART_OF`` upwards), with each one's parent."""
    tree = {i: {"id": i, "name": n.name, "level": n.props.get("level"), "parent": None} for i, n in regions.items()}
    frontier = sorted(tree)
    while frontier:
        parents = _expand(store, [NodeRef(Label.REGION, i) for i in frontier], Direction.OUT, [RelType.PART_OF],
                          [Label.REGION])
        new: list[str] = []
        for ref, nb in parents:
            if tree[ref.id]["parent"] is None:
                tree[ref.id]["parent"] = nb.node.id
            if nb.node.id not in tree:
                tree[nb.node.id] = {"id": nb.node.id, "name": nb.node.name, "level": nb.node.props.get("level"),
                                    "parent": None}
                new.append(nb.node.id)
        frontier = sorted(new)
    return tree


# -- pure helpers ------------------------------------------------------------------------------------
def _chain(regions: Mapping[str, Mapping[str, Any]], region_id: str | None) -> list[str]:
    """``region_id`` and its ancestors, nearest first (a cycle in the data stops the walk)."""
    chain: list[str] = []
    while region_id and region_id not in chain:
        chain.append(region_id)
        region_id = (regions.get(region_id) or {}).get("parent")
    return chain


def _in_region(facts: Facts, region_id: str | None, flt: ReportFilter) -> bool:
    return flt.region is None or flt.region in _chain(facts.regions, region_id)


def _region_label(facts: Facts, region_id: str | None) -> str:
    """Province and city names, e.g. 浙江省杭州市 (a county shows its city)."""
    chain = list(reversed(_chain(facts.regions, region_id)))
    names = [str(facts.regions[i]["name"]) for i in chain
             if facts.regions[i].get("level") != "county" and facts.regions[i]["name"] not in _PLACEHOLDER_REGIONS]
    return "".join(names[:2]) or "".join(str(facts.regions[i]["name"]) for i in chain[:2])


def _day(value: Any) -> str:
    return str(value)[:10] if value else ""


def _completed_on(challenge: Mapping[str, Any]) -> str:
    """The day a challenge was completed (``completed_at``, set by :func:`workflow.challenge.advance`)."""
    return _day(challenge.get("completed_at")) if challenge.get("status") == _DONE else ""


def _demand_of(facts: Facts, fact: Mapping[str, Any]) -> dict[str, Any]:
    return facts.demands.get(str(fact.get("demand_id"))) or {}


def _enterprise_name(facts: Facts, ent_id: str | None, fallback: Any = "") -> str:
    ent = facts.enterprises.get(str(ent_id)) if ent_id else None
    return str(ent["name"]) if ent else str(fallback or "")


def _service_region(facts: Facts, service: Mapping[str, Any]) -> str | None:
    ent = facts.enterprises.get(str(service.get("enterprise_id"))) or {}
    return ent.get("region") or _demand_of(facts, service).get("region")


def _solved_by(demand: Mapping[str, Any], flt: ReportFilter) -> bool:
    """Whether the demand was solved by the end of the period."""
    if demand.get("status") != _SOLVED:
        return False
    return flt.end is None or not demand.get("solved_at") or _day(demand["solved_at"]) <= flt.end


def _posted_key(demand: Mapping[str, Any]) -> tuple[str, str]:
    return (str(demand.get("posted") or ""), str(demand["id"]))


# -- 需求清单 ------------------------------------------------------------------------------------------
def demand_rows(facts: Facts, flt: ReportFilter) -> list[dict[str, Any]]:
    """需求清单: the demands posted in the period in the region, by posted date then id."""
    rows = []
    for d in sorted(facts.demands.values(), key=_posted_key):
        if not flt.covers(d.get("posted")) or not _in_region(facts, d.get("region"), flt):
            continue
        rows.append({"id": d["id"], "title": d.get("title") or "", "enterprise": _enterprise_name(facts, d.get("enterprise")),
                     "region": _region_label(facts, d.get("region")), "industry": "、".join(d.get("industries") or []),
                     "fields": "、".join(d.get("fields") or []), "status": d.get("status") or "",
                     "posted": d.get("posted") or "", "deadline": d.get("deadline") or "",
                     "budget_wan": d.get("budget_wan")})
    return rows


# -- 对接成果 ------------------------------------------------------------------------------------------
def _by_demand(facts_list: Iterable[Mapping[str, Any]], when: Callable[[Mapping[str, Any]], Any],
               flt: ReportFilter) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for fact in facts_list:
        if fact.get("demand_id") and flt.covers(when(fact)):
            grouped[str(fact["demand_id"])].append(fact)
    return grouped


def outcome_rows(facts: Facts, flt: ReportFilter) -> list[dict[str, Any]]:
    """对接成果: one row per demand touched in the period (pushed, dispatched, served, published
    as a challenge, or solved), then a totals row whose ``demand_id`` is 合计."""
    pushes = _by_demand(facts.pushes, lambda p: p.get("created_at"), flt)
    dispatches = _by_demand(facts.dispatches, lambda x: x.get("start_date"), flt)
    services = _by_demand(facts.services, lambda s: s.get("date"), flt)
    challenges = {str(c.get("demand_id")): c for c in facts.challenges}
    rows = []
    for d in sorted(facts.demands.values(), key=_posted_key):
        did = d["id"]
        if not _in_region(facts, d.get("region"), flt):
            continue
        challenge = challenges.get(did)
        challenge_event = challenge is not None and (flt.covers(challenge.get("created_at"))
                                                     or flt.covers(_completed_on(challenge) or None))
        solved_in_period = d.get("status") == _SOLVED and bool(d.get("solved_at")) and flt.covers(d["solved_at"])
        if not (pushes.get(did) or dispatches.get(did) or services.get(did) or challenge_event or solved_in_period):
            continue
        statuses = [p.get("status") for p in pushes.get(did, [])]
        solved = _solved_by(d, flt)
        rows.append({"demand_id": did, "title": d.get("title") or "",
                     "enterprise": _enterprise_name(facts, d.get("enterprise")),
                     "region": _region_label(facts, d.get("region")), "pushed": len(statuses),
                     "accepted": statuses.count(_ACCEPTED), "declined": statuses.count(_DECLINED),
                     "pending": statuses.count(_PENDING), "dispatches": len(dispatches.get(did, [])),
                     "services": len(services.get(did, [])),
                     "hours": round(sum(float(s.get("hours") or 0) for s in services.get(did, [])), 2),
                     "solved": "是" if solved else "否", "solved_at": _day(d.get("solved_at")) if solved else "",
                     "challenge": str(challenge.get("status") or "") if challenge else ""})
    total: dict[str, Any] = {"demand_id": "合计", "title": f"共 {len(rows)} 条需求", "enterprise": "", "region": "",
                             "solved": sum(r["solved"] == "是" for r in rows), "solved_at": "",
                             "challenge": sum(bool(r["challenge"]) for r in rows)}
    for key in ("pushed", "accepted", "declined", "pending", "dispatches", "services"):
        total[key] = sum(r[key] for r in rows)
    total["hours"] = round(sum(r["hours"] for r in rows), 2)
    return [*rows, total]


# -- 科技专员服务 --------------------------------------------------------------------------------------
def _institution_names(facts: Facts, expert_id: Any) -> str:
    expert = facts.experts.get(str(expert_id)) or {}
    return "、".join(str(facts.institutions[i]["name"]) for i in expert.get("institutions", [])
                    if i in facts.institutions)


def _services_in(facts: Facts, flt: ReportFilter) -> list[Mapping[str, Any]]:
    chosen = [s for s in facts.services if flt.covers(s.get("date")) and _in_region(facts, _service_region(facts, s), flt)]
    return sorted(chosen, key=lambda s: (str(s.get("date")), str(s["id"])))


def service_rows(facts: Facts, flt: ReportFilter) -> list[dict[str, Any]]:
    """科技专员服务: the service records of the period whose enterprise is in the region, by date."""
    rows = []
    for s in _services_in(facts, flt):
        expert = facts.experts.get(str(s.get("expert_id"))) or {}
        rows.append({"date": s.get("date") or "", "expert": expert.get("name") or s.get("expert_name") or "",
                     "institution": _institution_names(facts, s.get("expert_id")),
                     "enterprise": _enterprise_name(facts, s.get("enterprise_id"), s.get("enterprise_name")),
                     "region": _region_label(facts, _service_region(facts, s)),
                     "service_type": s.get("service_type") or "", "hours": float(s.get("hours") or 0),
                     "content": s.get("content") or "", "outcome": s.get("outcome") or "",
                     "solved": "是" if s.get("solved") is True else "否", "rating": s.get("rating"),
                     "redeemed_amount": s.get("redeemed_amount"), "id": s["id"]})
    return rows


# -- 考核评价 ------------------------------------------------------------------------------------------
@dataclass
class _Tally:
    name: str
    experts: set[str] = field(default_factory=set)
    enterprises: set[str] = field(default_factory=set)
    solved: set[str] = field(default_factory=set)
    services: int = 0
    hours: float = 0.0
    ratings: list[int] = field(default_factory=list)
    pushes: int = 0
    accepted: int = 0


def _experts_of(facts: Facts, label: Any, node_id: Any) -> set[str]:
    """The experts behind a recipient or winner: the expert, or a team's members."""
    if label == Label.TEAM.value:
        return set((facts.teams.get(str(node_id)) or {}).get("members", []))
    return {str(node_id)} if node_id else set()


def _region_group(facts: Facts, region_id: str | None, root: str | None) -> str:
    """The region one level below ``root`` (the top level without one) that contains ``region_id``."""
    chain = list(reversed(_chain(facts.regions, region_id)))
    if not chain:
        return ""
    if root is None or root not in chain:
        return chain[0]
    at = chain.index(root)
    return chain[at + 1] if at + 1 < len(chain) else root


def evaluation(facts: Facts, flt: ReportFilter, *, by: str = "expert") -> list[dict[str, Any]]:
    """考核评价 per expert, institution or region: enterprises served, demands solved, services,
    hours, mean rating, pushes received and accepted, acceptance rate.

    Demands solved are the distinct demands of the period's service records marked solved and of
    the challenges completed in the period that the expert (or their team) won. By ``region``,
    rows are the regions one level below the filter's region (provinces without one), and a fact
    counts where its enterprise or demand is. Sorted by demands solved and hours (most first),
    then id.

    Raises:
        ValidationError: ``by`` is not one of :data:`EVALUATION_BY`.
    """
    if by not in EVALUATION_BY:
        raise field_error("by", WfMsg.BAD_CHOICE.format(choices="、".join(EVALUATION_BY), value=by))
    tallies: dict[str, _Tally] = {}

    def groups(experts: set[str], region_id: str | None) -> list[str]:
        if by == "expert":
            keys = experts
        elif by == "institution":
            keys = {i for e in experts for i in (facts.experts.get(e) or {}).get("institutions", [])}
            keys |= {""} if any(not (facts.experts.get(e) or {}).get("institutions") for e in experts) else set()
        else:
            keys = {_region_group(facts, region_id, flt.region)}
        for key in keys:
            if key not in tallies:
                tallies[key] = _Tally(_group_name(facts, by, key))
        return sorted(keys)

    for s in _services_in(facts, flt):
        experts = _experts_of(facts, Label.EXPERT.value, s.get("expert_id"))
        for key in groups(experts, _service_region(facts, s)):
            t = tallies[key]
            t.experts |= experts
            t.enterprises.add(str(s.get("enterprise_id")))
            t.services += 1
            t.hours += float(s.get("hours") or 0)
            if s.get("rating") is not None:
                t.ratings.append(int(s["rating"]))
            if s.get("solved") is True and s.get("demand_id"):
                t.solved.add(str(s["demand_id"]))
    for p in facts.pushes:
        region = _demand_of(facts, p).get("region")
        if not flt.covers(p.get("created_at")) or not _in_region(facts, region, flt):
            continue
        experts = _experts_of(facts, p.get("target_label"), p.get("target_id"))
        for key in groups(experts, region):
            tallies[key].experts |= experts
            tallies[key].pushes += 1
            tallies[key].accepted += p.get("status") == _ACCEPTED
    for c in facts.challenges:
        region = _demand_of(facts, c).get("region")
        done = _completed_on(c)
        if c.get("status") != _DONE or not done or not flt.covers(done) or not _in_region(facts, region, flt):
            continue
        experts = _experts_of(facts, c.get("winner_label"), c.get("winner_id"))
        for key in groups(experts, region):
            tallies[key].experts |= experts
            tallies[key].solved.add(str(c.get("demand_id")))
    rows = []
    for key, t in tallies.items():
        row: dict[str, Any] = {"id": key, "name": t.name}
        if by == "expert":
            row["institution"] = _institution_names(facts, key)
        else:
            row["experts"] = len(t.experts)
        row.update({"enterprises": len(t.enterprises), "solved": len(t.solved), "services": t.services,
                    "hours": round(t.hours, 2),
                    "rating_mean": round(sum(t.ratings) / len(t.ratings), 2) if t.ratings else None,
                    "ratings": len(t.ratings), "pushes": t.pushes, "accepted": t.accepted,
                    "acceptance_rate": round(t.accepted / t.pushes, 4) if t.pushes else None})
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["solved"], -r["hours"], r["id"]))


def _group_name(facts: Facts, by: str, key: str) -> str:
    if by == "expert":
        return str((facts.experts.get(key) or {}).get("name") or key)
    if by == "institution":
        return str((facts.institutions.get(key) or {}).get("name") or key) if key else _NO_INSTITUTION
    return str((facts.regions.get(key) or {}).get("name") or key) if key else _NO_REGION


# -- the headline numbers ----------------------------------------------------------------------------
def summarize(facts: Facts, flt: ReportFilter) -> dict[str, Any]:
    """The dashboard's headline numbers for the filter (pure; :func:`summary` reads the store)."""
    pushes = [p for p in facts.pushes
              if flt.covers(p.get("created_at")) and _in_region(facts, _demand_of(facts, p).get("region"), flt)]
    services = _services_in(facts, flt)
    ratings = [int(s["rating"]) for s in services if s.get("rating") is not None]
    solved = [d for d in facts.demands.values() if d.get("status") == _SOLVED and _in_region(facts, d.get("region"), flt)
              and (flt.covers(d.get("solved_at")) or (not d.get("solved_at") and flt.start is None and flt.end is None))]
    dispatches = [x for x in facts.dispatches if flt.covers(x.get("start_date"))
                  and _in_region(facts, (facts.enterprises.get(str(x.get("enterprise_id"))) or {}).get("region"), flt)]
    return {"filter": flt.as_dict(), "demands": len(demand_rows(facts, flt)), "pushed": len(pushes),
            "accepted": sum(p.get("status") == _ACCEPTED for p in pushes), "dispatches": len(dispatches),
            "enterprises_served": len({str(s.get("enterprise_id")) for s in services}), "services": len(services),
            "hours": round(sum(float(s.get("hours") or 0) for s in services), 2), "solved": len(solved),
            "rating_mean": round(sum(ratings) / len(ratings), 2) if ratings else None, "ratings": len(ratings)}


def summary(store: GraphStore, flt: ReportFilter) -> dict[str, Any]:
    """Headline numbers (demands, pushed, accepted, enterprises served, services, hours, solved,
    mean rating) for the dashboard and the API."""
    return summarize(read_facts(store), flt)


# -- the report table and the workbook ---------------------------------------------------------------
Column = tuple[str, str, int]
"""A report column: row key, Chinese header, Excel column width."""


@dataclass(frozen=True)
class ReportKind:
    """One report: its sheet name, columns and the pure function that builds its rows."""

    sheet: str
    columns: tuple[Column, ...]
    build: Callable[[Facts, ReportFilter], list[dict[str, Any]]]
    note: str = ""


_EVALUATION_TAIL: tuple[Column, ...] = (
    ("enterprises", "服务企业（家）", 14), ("solved", "解决需求（项）", 14), ("services", "服务次数", 10),
    ("hours", "服务时长（小时）", 16), ("rating_mean", "平均评分", 10), ("ratings", "评分次数", 10),
    ("pushes", "收到推送", 10), ("accepted", "接受推送", 10), ("acceptance_rate", "接受率", 10))

REPORTS: dict[str, ReportKind] = {
    "demands": ReportKind("需求清单", (
        ("id", "需求编号", 22), ("title", "需求标题", 36), ("enterprise", "需求企业", 28), ("region", "所在地区", 16),
        ("industry", "所属行业", 24), ("fields", "技术领域", 32), ("status", "需求状态", 10), ("posted", "发布日期", 12),
        ("deadline", "截止日期", 12), ("budget_wan", "预算（万元）", 12)), demand_rows,
        "按发布日期统计；地区为需求所在地（未填写时为企业所在地）"),
    "outcomes": ReportKind("对接成果", (
        ("demand_id", "需求编号", 22), ("title", "需求标题", 36), ("enterprise", "需求企业", 28),
        ("region", "所在地区", 16), ("pushed", "推送人次", 10), ("accepted", "已接受", 8), ("declined", "已谢绝", 8),
        ("pending", "待回复", 8), ("dispatches", "派驻次数", 10), ("services", "服务次数", 10),
        ("hours", "服务时长（小时）", 16), ("solved", "是否解决", 10), ("solved_at", "解决日期", 12),
        ("challenge", "揭榜状态", 10)), outcome_rows,
        "期内有推送、派驻、服务、揭榜或解决的需求；推送按发出日期，派驻按开始日期，服务按服务日期；末行为合计"),
    "services": ReportKind("科技专员服务", (
        ("date", "服务日期", 12), ("expert", "科技专员", 12), ("institution", "所在单位", 24),
        ("enterprise", "服务企业", 28), ("region", "企业所在地区", 16), ("service_type", "服务类型", 10),
        ("hours", "服务时长（小时）", 16), ("content", "服务内容", 40), ("outcome", "服务成效", 30),
        ("solved", "解决需求", 10), ("rating", "企业评分", 10), ("redeemed_amount", "创新券兑付（元）", 16),
        ("id", "服务记录编号", 22)), service_rows, "按服务日期统计；地区为服务企业所在地"),
    "evaluation_expert": ReportKind("考核评价（专家）", (
        ("id", "专家编号", 24), ("name", "专家", 12), ("institution", "所在单位", 24), *_EVALUATION_TAIL),
        lambda facts, flt: evaluation(facts, flt, by="expert"),
        "解决需求为期内标记已解决的服务记录与期内验收完成的揭榜所涉需求（去重）；推送给团队的计入每位成员"),
    "evaluation_institution": ReportKind("考核评价（机构）", (
        ("id", "机构编号", 24), ("name", "机构", 24), ("experts", "参与专家（人）", 14), *_EVALUATION_TAIL),
        lambda facts, flt: evaluation(facts, flt, by="institution"), "按专家所在单位汇总"),
    "evaluation_region": ReportKind("考核评价（地区）", (
        ("id", "地区编号", 18), ("name", "地区", 14), ("experts", "参与专家（人）", 14), *_EVALUATION_TAIL),
        lambda facts, flt: evaluation(facts, flt, by="region"),
        "按企业（需求）所在地区汇总：未选地区时按省，选定地区时按其下一级地区"),
}
"""The reports, in workbook order: kind → sheet name, columns, row builder and a note for 说明."""

_NUMBER_FORMATS = {"hours": "0.00", "rating_mean": "0.00", "acceptance_rate": "0.0%", "budget_wan": "#,##0.00",
                   "redeemed_amount": "#,##0.00"}


def report_rows(store: GraphStore, kind: str, flt: ReportFilter) -> list[dict[str, Any]]:
    """The rows of one report (for the JSON API and pages).

    Raises:
        ValidationError: an unknown ``kind``.
    """
    return _kind(kind).build(read_facts(store), flt)


def _kind(kind: str) -> ReportKind:
    if kind not in REPORTS:
        raise field_error("kind", WfMsg.BAD_CHOICE.format(choices="、".join(REPORTS), value=kind))
    return REPORTS[kind]


def _put(sheet: Any, row: int, col: int, value: Any, number_format: str | None = None) -> None:
    """Write one cell; text is always text, and text that a spreadsheet would run is marked as such."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    cell = sheet.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula otherwise
        if value.startswith(_RISKY_START):
            cell.quotePrefix = True  # and Excel keeps it text even when the cell is edited
    elif number_format:
        cell.number_format = number_format


def report_workbook(store: GraphStore, kinds: Sequence[str], flt: ReportFilter, *,
                    now: datetime | None = None) -> bytes:
    """An .xlsx workbook: one sheet per report kind (all of :data:`REPORTS` when ``kinds`` is empty),
    then a 说明 sheet with the filters, the time it was generated, row counts and the data source.

    Raises:
        ValidationError: an unknown kind.
    """
    chosen = [k for k in dict.fromkeys(kinds)] or list(REPORTS)
    specs = [(k, _kind(k)) for k in chosen]
    facts = read_facts(store)
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    counts: list[tuple[str, int, str]] = []
    for _, spec in specs:
        sheet = book.create_sheet(spec.sheet)
        for col, (_, header, width) in enumerate(spec.columns, start=1):
            sheet.cell(row=1, column=col, value=header).font = bold
            sheet.column_dimensions[get_column_letter(col)].width = width
        rows = spec.build(facts, flt)
        for r, row in enumerate(rows, start=2):
            for col, (key, _, _) in enumerate(spec.columns, start=1):
                _put(sheet, r, col, row.get(key), _NUMBER_FORMATS.get(key))
        sheet.freeze_panes = "C2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{len(rows) + 1}"
        counts.append((spec.sheet, len(rows), spec.note))
    about = book.create_sheet("说明")
    lines: list[tuple[str, Any]] = [
        ("生成时间", iso(now or system_clock())),
        ("地区", f"{flt.region_name or flt.region}（{flt.region}，含下级地区）" if flt.region else "（全部）"),
        ("开始日期", flt.start or "（不限）"), ("结束日期", flt.end or "（不限）")]
    lines += [(f"{sheet}（行数）", n) for sheet, n, _ in counts]
    lines += [(f"{sheet}（口径）", note) for sheet, _, note in counts if note]
    lines.append(("数据来源", f"kgmatch 知识图谱（{store.backend} 存储）中的技术需求与工作流记录："
                              "需求推送、科技专员派驻与服务记录、揭榜榜单、科技创新券兑付"))
    for r, (label, value) in enumerate(lines, start=1):
        about.cell(row=r, column=1, value=label).font = bold
        _put(about, r, 2, value)
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
