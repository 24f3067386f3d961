"""Reports of the 专项行动 (issue 16): by enterprise registry status, by service mode, by cooperation form.

Pure functions of :class:`~analytics.report_facts.Facts` and a report filter (anything with ``covers(day)``
and ``region``, i.e. :class:`analytics.reports.ReportFilter`), registered as report kinds in
:data:`analytics.reports.REPORTS` — so ``kgmatch report``, ``/api/v1/reports/{kind}``, the reports page and
the Excel workbook have them.

What counts where (the 口径, also in the workbook's 说明 sheet):

* registry status is the enterprise's status **today** (valid registrations, :mod:`ingest.registry`),
  not at the time of each fact; an enterprise holding several statuses counts in each of their rows;
  ``无资质`` counts the enterprises that posted a demand or were served and hold none;
* a demand counts by its posted date, a solved demand by ``solved_at``, a service by its date, a
  dispatch by its start date; the region is the enterprise's (a demand's own region first);
* a service's mode is the mode of its dispatch; records without a mode or form are ``（未填写）``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from analytics.report_facts import Facts, region_chain
from ingest.registry import NO_REGISTRY, REGISTRY_CHOICES
from workflow.states import COOPERATION_FORMS, DEMAND, SERVICE_MODES

__all__ = ["UNSET", "Period", "registry_rows", "service_mode_rows", "cooperation_form_rows",
           "REGISTRY_COLUMNS", "MODE_COLUMNS", "FORM_COLUMNS"]

UNSET = "（未填写）"
_TOTAL = "合计"
_SOLVED = DEMAND.states[2]


class Period(Protocol):
    """What the builders need of a report filter."""

    region: str | None

    def covers(self, day: str | None) -> bool:
        """Whether a fact of ``day`` falls in the period."""
        ...


@dataclass
class _Tally:
    enterprises: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)
    demands: set[str] = field(default_factory=set)
    solved: set[str] = field(default_factory=set)
    dispatches: int = 0
    experts: set[str] = field(default_factory=set)
    served: set[str] = field(default_factory=set)
    services: int = 0
    hours: float = 0.0
    ratings: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"enterprises": len(self.enterprises), "listed": len(self.listed), "demands": len(self.demands),
                "solved": len(self.solved), "dispatches": self.dispatches, "experts": len(self.experts),
                "enterprises_served": len(self.served), "services": self.services, "hours": round(self.hours, 2),
                "rating_mean": round(sum(self.ratings) / len(self.ratings), 2) if self.ratings else None,
                "ratings": len(self.ratings)}


def _in_region(facts: Facts, region_id: str | None, flt: Period) -> bool:
    return flt.region is None or flt.region in region_chain(facts.regions, region_id)


def _ent_region(facts: Facts, ent_id: Any) -> str | None:
    return (facts.enterprises.get(str(ent_id)) or {}).get("region")


def _statuses(facts: Facts, ent_id: Any) -> list[str]:
    return facts.registry_status.get(str(ent_id)) or [NO_REGISTRY]


def _solved_in(demand: Mapping[str, Any], flt: Period) -> bool:
    return demand.get("status") == _SOLVED and bool(demand.get("solved_at")) and flt.covers(demand.get("solved_at"))


def _add_service(t: _Tally, s: Mapping[str, Any]) -> None:
    t.services += 1
    t.hours += float(s.get("hours") or 0)
    t.served.add(str(s.get("enterprise_id")))
    if s.get("expert_id"):  # a platform's service (issue 16) has no expert
        t.experts.add(str(s["expert_id"]))
    if s.get("rating") is not None:
        t.ratings.append(int(s["rating"]))
    if s.get("solved") is True and s.get("demand_id"):
        t.solved.add(str(s["demand_id"]))


def _rows(order: tuple[str, ...], tallies: Mapping[str, _Tally], key: str,
          total: _Tally | None = None) -> list[dict[str, Any]]:
    """One row per group in ``order`` (groups without facts left out), then 合计: ``total`` when given
    (groups overlap), else the groups added up."""
    rows = [{key: name, **tallies[name].counts()} for name in order if name in tallies]
    if total is not None:
        return [*rows, {key: _TOTAL, **total.counts()}] if rows else rows
    total = _Tally()
    for t in tallies.values():
        for attr in ("enterprises", "listed", "demands", "solved", "experts", "served"):
            getattr(total, attr).update(getattr(t, attr))
        total.dispatches += t.dispatches
        total.services += t.services
        total.hours += t.hours
        total.ratings += t.ratings
    if rows:
        rows.append({key: _TOTAL, **total.counts()})
    return rows


def _project(rows: list[dict[str, Any]], columns: tuple[tuple[str, str, int], ...]) -> list[dict[str, Any]]:
    """Each row with exactly the report's columns."""
    return [{key: row.get(key) for key, _, _ in columns} for row in rows]


def registry_rows(facts: Facts, flt: Period) -> list[dict[str, Any]]:
    """按企业资质: per registry status (kinds, 专精特新 levels, 无资质) the enterprises on its list, the
    enterprises with demands or services, demands posted and solved, services, hours and mean rating;
    a last 合计 row counts each enterprise, demand and service once."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    for ent_id, held in facts.registry_status.items():
        if _in_region(facts, _ent_region(facts, ent_id), flt):
            total.listed.add(ent_id)
            for status in held:
                tallies[status].listed.add(ent_id)
    for d in facts.demands.values():
        ent = d.get("enterprise")
        if not ent or not _in_region(facts, d.get("region"), flt):
            continue
        posted, solved = flt.covers(d.get("posted")), _solved_in(d, flt)
        for status in [*_statuses(facts, ent), _TOTAL]:
            if posted:
                tallies[status].demands.add(d["id"])
                tallies[status].enterprises.add(ent)
            if solved:
                tallies[status].solved.add(d["id"])
    for s in facts.services:
        ent = s.get("enterprise_id")
        if not flt.covers(s.get("date")) or not _in_region(facts, _ent_region(facts, ent), flt):
            continue
        for status in [*_statuses(facts, ent), _TOTAL]:
            t = tallies[status]
            t.enterprises.add(str(ent))
            t.services += 1
            t.hours += float(s.get("hours") or 0)
            t.served.add(str(ent))
            if s.get("rating") is not None:
                t.ratings.append(int(s["rating"]))
    merged = tallies.pop(_TOTAL, _Tally())
    total.enterprises, total.demands, total.solved = merged.enterprises, merged.demands, merged.solved
    total.services, total.hours, total.served, total.ratings = merged.services, merged.hours, merged.served, merged.ratings
    return _project(_rows(REGISTRY_CHOICES, tallies, "registry", total), REGISTRY_COLUMNS)


def _mode_of(s: Mapping[str, Any], modes: Mapping[str, str]) -> str:
    return str(s.get("service_mode") or modes.get(str(s.get("dispatch_id"))) or UNSET)


def service_mode_rows(facts: Facts, flt: Period) -> list[dict[str, Any]]:
    """按服务方式: per service mode (兼职创新, 长期派驻, 短期合作, 未填写) the dispatches started in the period,
    the experts and enterprises, services, hours, demands solved and the mean rating; then 合计."""
    modes = {str(x["id"]): str(x.get("service_mode") or UNSET) for x in facts.dispatches}
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for x in facts.dispatches:
        if flt.covers(x.get("start_date")) and _in_region(facts, _ent_region(facts, x.get("enterprise_id")), flt):
            t = tallies[modes[str(x["id"])]]
            t.dispatches += 1
            if x.get("expert_id"):  # a platform's dispatch (issue 16) has no expert
                t.experts.add(str(x["expert_id"]))
            t.served.add(str(x.get("enterprise_id")))
    for s in facts.services:
        if flt.covers(s.get("date")) and _in_region(facts, _ent_region(facts, s.get("enterprise_id")), flt):
            _add_service(tallies[_mode_of(s, modes)], s)
    return _project(_rows((*SERVICE_MODES, UNSET), tallies, "service_mode"), MODE_COLUMNS)


def cooperation_form_rows(facts: Facts, flt: Period) -> list[dict[str, Any]]:
    """按合作形式: per cooperation form (共建新型研发机构, 联合实验室, 合作开发项目) the service records that agreed
    it in the period, their experts and enterprises, hours and the demands solved; then 合计 (records
    without a form are not counted)."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for s in facts.services:
        form = s.get("cooperation_form")
        if form and flt.covers(s.get("date")) and _in_region(facts, _ent_region(facts, s.get("enterprise_id")), flt):
            _add_service(tallies[str(form)], s)
    return _project(_rows(COOPERATION_FORMS, tallies, "cooperation_form"), FORM_COLUMNS)


_COUNTS = (("solved", "解决需求（项）", 14), ("services", "服务次数", 10), ("hours", "服务时长（小时）", 16),
           ("rating_mean", "平均评分", 10), ("ratings", "评分次数", 10))
REGISTRY_COLUMNS = (("registry", "企业资质", 22), ("listed", "名单内企业（家）", 16),
                    ("enterprises", "有需求或服务的企业（家）", 22), ("demands", "发布需求（项）", 14),
                    ("enterprises_served", "获得服务的企业（家）", 20), *_COUNTS)
"""The columns of :func:`registry_rows` (row key, Chinese header, Excel width)."""
MODE_COLUMNS = (("service_mode", "服务方式", 14), ("dispatches", "派驻（次）", 10), ("experts", "科技专员（人）", 14),
                ("enterprises_served", "服务企业（家）", 14), *_COUNTS)
"""The columns of :func:`service_mode_rows`."""
FORM_COLUMNS = (("cooperation_form", "合作形式", 18), ("experts", "参与专家（人）", 14),
                ("enterprises_served", "合作企业（家）", 14), *_COUNTS)
"""The columns of :func:`cooperation_form_rows`."""
