"""Import an activity list (CSV / XLSX / JSON lines) with Chinese or English headers.

Each row is validated on its own (:func:`workflow.activities.activity_row`); a bad row is reported
in Chinese naming its row and column and is not written, the good rows are written in one batch.
Importing the same file again changes nothing: a row's id is its ``编号`` column, or else a digest
of (活动名称, 活动类型, 开始日期); a row whose stored activity already has the same values is
left alone, and a changed row updates the activity's description fields (its status, enrolments,
counters and audit history are the workflow's and are kept).

Columns (README, "活动清单"): 编号/id, 活动名称/title, 活动类型/kind, 培训主题/topic,
开始日期/start_date, 结束日期/end_date, 地点/place, 地区/region (GB/T 2260 code or a name),
主办单位/organiser, 名额/capacity (0 = unlimited), 技术领域/fields (ids or names separated by
；、|), 简介/description, 状态/status (草稿/报名中/已结束; default 报名中), 活动成效/outcome.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.errors import Msg, RowError
from graph.model import Label, RelType
from graph.store import Batch, Expect, GraphStore, NodeRef, version_of
from ingest.mapping import header_key
from ingest.readers import read_rows
from workflow.activities import ACTIVITY_FIELDS, activity_row
from workflow.common import iso, system_clock
from workflow.states import ACTIVITY

__all__ = ["ACTIVITY_HEADERS", "ActivityImport", "import_activities", "activity_id_of"]

ACTIVITY_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "活动编号", "id"),
    "title": ("活动名称", "名称", "标题", "title", "name"),
    "kind": ("活动类型", "类型", "类别", "kind", "type"),
    "topic": ("培训主题", "主题", "topic"),
    "start_date": ("开始日期", "举办日期", "日期", "开始时间", "start_date", "start", "date"),
    "end_date": ("结束日期", "结束时间", "end_date", "end"),
    "place": ("地点", "举办地点", "place", "venue"),
    "region": ("地区", "所在地区", "行政区划", "行政区划代码", "region"),
    "organiser": ("主办单位", "主办方", "承办单位", "organiser", "organizer"),
    "capacity": ("名额", "人数上限", "限额", "capacity"),
    "fields": ("技术领域", "领域", "fields"),
    "description": ("简介", "活动简介", "说明", "description"),
    "status": ("状态", "status"),
    "outcome": ("活动成效", "成效", "outcome"),
}
"""Accepted headers of each column (compared by :func:`ingest.mapping.header_key`)."""
_LOOKUP = {header_key(h): name for name, heads in ACTIVITY_HEADERS.items() for h in heads}
_IMPORT_STATUSES = (ACTIVITY.states[0], ACTIVITY.states[1], ACTIVITY.states[-1])
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_KEPT = ("status", "version", "enrolled", "attended", "history", "created_at", "actor", "published_at",
         "started_at", "closed_at", "challenge_ids", "source")


@dataclass
class ActivityImport:
    """What an import did: ids created, updated, unchanged, and the rejected rows' errors."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        bad = len({e.row for e in self.errors})
        return Msg.activities.IMPORTED.format(new=len(self.created), updated=len(self.updated), bad=bad)


def _date_text(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text):
        return text[:10]
    match = _DATE.match(text)
    return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}" if match else text


def activity_id_of(values: dict[str, Any]) -> str:
    """The row's id: its own, or a digest of title, kind and start date (stable across imports).

    >>> activity_id_of({"title": "创新方法培训", "kind": "专项培训", "start_date": "2026-03-01"})
    'act:imp-6dab19c6c0e2'
    """
    own = str(values.get("id") or "").strip()
    if own:
        return own
    key = "|".join(str(values.get(k) or "").strip() for k in ("title", "kind", "start_date"))
    return "act:imp-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return all(old.get(k) == v or (v in ("", None, []) and old.get(k) in ("", None, [])) for k, v in new.items())


def import_activities(store: GraphStore, path: Path, *, actor: str, now: datetime | None = None,
                      all_or_nothing: bool = False) -> ActivityImport:
    """Import an activity list; every row validated first, good rows written in one batch
    (none when ``all_or_nothing`` and a row is bad: an upload through the web)."""
    now = now or system_clock()
    result = ActivityImport()
    rows: list[tuple[int, dict[str, Any]]] = []
    for raw in read_rows(path, result.errors):
        values: dict[str, Any] = {}
        for header, value in raw.values.items():
            name = _LOOKUP.get(header_key(header))
            if name is not None and value not in (None, ""):
                values[name] = value
        rows.append((raw.number, values))
    if rows and not any("title" in v for _, v in rows) and not result.errors:
        result.errors.append(RowError(None, "活动名称", Msg.BAD_HEADER.format(value="活动名称 / title")))
        return result
    batch = Batch()  # updates are guarded by the version read: an enrolment meanwhile is never lost
    seen: dict[str, int] = {}
    for number, values in rows:
        for name in ("start_date", "end_date"):
            if name in values:
                values[name] = _date_text(values[name])
        row, errors = activity_row(store, {k: v for k, v in values.items() if k in ACTIVITY_FIELDS}, row_no=number)
        status = str(values.get("status") or ACTIVITY.states[1]).strip()
        if status not in _IMPORT_STATUSES:
            errors.append(RowError(number, "status", Msg.workflow.BAD_CHOICE.format(
                choices="、".join(_IMPORT_STATUSES), value=status)))
        aid = activity_id_of({**values, **{k: row.get(k) for k in ("title", "kind", "start_date")}})
        if aid in seen:
            errors.append(RowError(number, "id", Msg.DUPLICATE_ID.format(value=aid, first=seen[aid])))
        if errors:
            result.errors.extend(errors)
            continue
        seen[aid] = number
        if values.get("outcome"):
            row["outcome"] = str(values["outcome"]).strip()
        old = store.get_node(Label.ACTIVITY, aid)
        if old is None:
            row.update({"id": aid, "status": status, "version": 1, "created_at": iso(now), "actor": actor,
                        "enrolled": 0, "attended": 0, "history": [f"{iso(now)} {status} {actor} 导入"]})
            batch.create.append(NodeRef(Label.ACTIVITY, aid))
            result.created.append(aid)
        elif _same(dict(old.props), row):
            result.unchanged.append(aid)
            continue
        else:
            kept = {k: old.props[k] for k in _KEPT if k in old.props}
            row.update({"id": aid, **kept, "version": version_of(old.props) + 1})
            batch.expect.append(Expect(old.ref, version_of(old.props)))
            result.updated.append(aid)
        batch.add_nodes(Label.ACTIVITY, [row])
        batch.add_rels(RelType.COVERS, Label.ACTIVITY, Label.FIELD, [{"start": aid, "end": f} for f in row["field_ids"]])
    if all_or_nothing and result.errors:
        result.created, result.updated = [], []
        return result
    if len(batch):
        store.write(batch)
    return result
