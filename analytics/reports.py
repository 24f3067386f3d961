"""报送 reports and 考核评价 statistics: read the workflow facts once, aggregate them with pure functions.

:func:`~analytics.report_facts.read_facts` reads every demand, push, dispatch, service record
and challenge into plain dicts (:class:`~analytics.report_facts.Facts`); the row builders here
(:func:`demand_rows`, :func:`outcome_rows`, :func:`service_rows`, :func:`evaluation`,
:func:`summarize`) are pure functions of those dicts and a :class:`ReportFilter`, so they are
tested without a store, and :func:`report_workbook` lays them out as an Excel workbook through
:mod:`analytics.report_book`. ``Facts``, ``read_facts`` and ``resolve_region`` are importable
from here too.

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

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.activities import ACTIVITY_SHEET_COLUMNS, activity_rows
from analytics.programme_reports import (
    FORM_COLUMNS,
    MODE_COLUMNS,
    REGISTRY_COLUMNS,
    cooperation_form_rows,
    registry_rows,
    service_mode_rows,
)
from analytics.report_book import Column, write_workbook
from analytics.report_facts import Facts, read_facts, region_chain, resolve_region
from analytics.talent import TALENT_COLUMNS, TALENT_RULE, rank_talent
from graph.errors import Msg
from graph.model import Label
from graph.store import GraphStore
from workflow.common import field_error, iso, parse_date, system_clock
from workflow.states import CHALLENGE, DEMAND, PUSH

__all__ = [
    "HEADLINES",
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
    "talent_list",
    "RANKED",
    "TOP_MAX",
]

EVALUATION_BY = ("expert", "institution", "region")
"""What :func:`evaluation` can group by."""

_PLACEHOLDER_REGIONS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
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
            raise field_error("end", Msg.workflow.END_BEFORE_START.format(start=first, end=last))
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


# -- pure helpers ------------------------------------------------------------------------------------
def _in_region(facts: Facts, region_id: str | None, flt: ReportFilter) -> bool:
    return flt.region is None or flt.region in region_chain(facts.regions, region_id)


def _region_label(facts: Facts, region_id: str | None) -> str:
    """Province and city names, e.g. 浙江省杭州市 (a county shows its city)."""
    chain = list(reversed(region_chain(facts.regions, region_id)))
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
        rows.append({"date": s.get("date") or "", "expert": expert.get("name") or s.get("expert_name")
                     or s.get("platform_name") or "",  # a platform's service (issue 16): its name
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
    chain = list(reversed(region_chain(facts.regions, region_id)))
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
        raise field_error("by", Msg.workflow.BAD_CHOICE.format(choices="、".join(EVALUATION_BY), value=by))
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
HEADLINES: tuple[tuple[str, str, int], ...] = (
    ("demands", "新增需求（项）", 0), ("pushed", "推送（人次）", 0), ("accepted", "接受推送（人次）", 0),
    ("dispatches", "派驻科技专员（次）", 0), ("enterprises_served", "服务企业（家）", 0),
    ("services", "服务次数", 0), ("hours", "服务时长（小时）", 1), ("solved", "解决需求（项）", 0),
    ("rating_mean", "企业平均评分", 2),
)
"""The headline numbers of 报送与考核: key of :func:`analytics.reports.summarize`, Chinese label, decimals."""


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

# -- issue 16: registry status, service modes, cooperation forms, the talent-programme list ----------------
REPORTS.update({
    "registry": ReportKind("按企业资质", REGISTRY_COLUMNS, registry_rows,
                           "企业资质为今日有效的资质（科技型中小企业、高新技术企业、专精特新及其级别）；一家企业持有多项资质时"
                           "在各行分别计入，合计行每家企业、每项需求、每次服务只计一次；无资质为期内发布需求或获得服务而没有有效资质的企业；"
                           "需求按发布日期，解决按解决日期，服务按服务日期"),
    "service_modes": ReportKind("按服务方式", MODE_COLUMNS, service_mode_rows,
                                "服务方式记录在派驻上（兼职创新、长期派驻、短期合作），服务记录随其派驻；派驻按开始日期，服务按服务日期"),
    "cooperation_forms": ReportKind("按合作形式", FORM_COLUMNS, cooperation_form_rows,
                                    "合作形式记录在服务成效上（共建新型研发机构、联合实验室、合作开发项目）；按服务日期；未填写合作形式的服务不计"),
    "talent": ReportKind("人才计划推荐名单", TALENT_COLUMNS,
                         lambda facts, flt: [{key: row.get(key) for key, _, _ in TALENT_COLUMNS}
                                             for row in rank_talent(evaluation(facts, flt, by="expert"))],
                         f"成效突出的科技专员：期内解决需求不少于 {TALENT_RULE.min_solved} 项、企业评价不少于 "
                         f"{TALENT_RULE.min_ratings} 次且平均评分不低于 {TALENT_RULE.min_rating:g}；依次按解决需求、服务企业、"
                         f"修正评分（向 {TALENT_RULE.prior_mean:g} 分收缩 {TALENT_RULE.prior_weight:g} 次评价）、服务时长排序"),
    "activities": ReportKind("活动与培训", ACTIVITY_SHEET_COLUMNS, activity_rows,
                             "按活动类型汇总期内开始的创新活动与培训（按开始日期；地区为活动举办地，含下级地区）：活动数、"
                             "已举办（已结束且曾开始或有人出席）、报名数、出席数、出席率（出席数 ÷ 报名数）、由活动发起的揭榜；末行为合计"),
})


RANKED: tuple[str, ...] = ("talent",)
"""The report kinds whose rows are a ranking (first is best), so that the first N rows mean something."""
TOP_MAX = 1000
"""The largest N of a "first N rows" cut of a ranked report."""


def talent_list(store: GraphStore, flt: ReportFilter, *, top: int | None = None) -> list[dict[str, Any]]:
    """人才计划推荐名单 of the region and period (:func:`analytics.talent.rank_talent` over :func:`evaluation`
    by expert); the first ``top`` when given."""
    return rank_talent(evaluation(read_facts(store), flt, by="expert"), top=top)


def report_rows(store: GraphStore, kind: str, flt: ReportFilter) -> list[dict[str, Any]]:
    """The rows of one report (for the JSON API and pages).

    Raises:
        ValidationError: an unknown ``kind``.
    """
    return _kind(kind).build(read_facts(store), flt)


def _kind(kind: str) -> ReportKind:
    if kind not in REPORTS:
        raise field_error("kind", Msg.workflow.BAD_CHOICE.format(choices="、".join(REPORTS), value=kind))
    return REPORTS[kind]


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
    sheets = [(spec.sheet, spec.columns, spec.build(facts, flt)) for _, spec in specs]
    about: list[tuple[str, Any]] = [
        ("生成时间", iso(now or system_clock())),
        ("地区", f"{flt.region_name or flt.region}（{flt.region}，含下级地区）" if flt.region else "（全部）"),
        ("开始日期", flt.start or "（不限）"), ("结束日期", flt.end or "（不限）")]
    about += [(f"{sheet}（行数）", len(rows)) for sheet, _, rows in sheets]
    about += [(f"{spec.sheet}（口径）", spec.note) for _, spec in specs if spec.note]
    about.append(("数据来源", f"kgmatch 知识图谱（{store.backend} 存储）中的技术需求与工作流记录："
                              "需求推送、科技专员派驻与服务记录、揭榜榜单、科技创新券兑付"))
    return write_workbook(sheets, about)
