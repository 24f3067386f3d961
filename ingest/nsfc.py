"""Projects, and the experts and institutions behind them, from NSFC-style project lists.

One project row gives: a ``Project`` (``<source>:<批准号>``, default source ``nsfc``); its
principal investigator as an ``Expert`` identified by name **and** 依托单位
(``expert:<负责人>@<依托单位>`` — 1,010 names of the management-science list occur at more
than one institution, so a name alone is never an identity; when that id is held by an expert of another
discipline — same name, same institution, different field — the PI is another person,
``…~<学部>``, see :meth:`ingest.identity.PersonIndex.split_id`); the ``Institution``
(created when new, located by :meth:`ingest.resolve.Resolver.institution_region`);
``LEADS``, ``WORKS_AT`` and ``IN_FIELD`` to each application code.

``EXPERT_IN {weight, projects, last_year, source}`` is derived per (PI, field) from the
projects the PI leads in that field — those in the file plus those already stored, so
loading files in any order, or twice, gives the same weights: ``weight = 1 − 0.5^n``
(1 project → 0.5, 2 → 0.75, 3 → 0.875). The data names only PIs, never members, so no
``COLLABORATES`` is derived from it (sharing an institution and a code is not
collaboration).

Years: ``起止年月`` gives start and end years. The life-science list has only the
approval year; NSFC projects start on 1 January after approval (面上项目 run four years
and end_year − approval_year = 4 for 2,267 of its 2,299 rows), so for source ``nsfc``
``start_year = approval_year + 1`` when no start is given.

The management-science list has no application code: :data:`NSFC_PROJECT_FILES` loads it
with the default field ``nsfc:G`` (管理科学部); finer codes are not in the data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import NodeRef
from ingest.builders import Builder, RowContext
from ingest.generic import NodeOp, RelOp
from ingest.identity import PersonIndex, PersonRecord, areas_of_fields
from ingest.resolve import DATA_ROOT, normalize_name, normalize_org

__all__ = ["ProjectBuilder", "NSFC_PROJECT_FILES", "expert_weight", "project_files"]

NSFC_PROJECT_FILES: dict[Path, tuple[str, ...]] = {
    DATA_ROOT / "nsfc" / "nsfc_C_projects.csv": (),
    DATA_ROOT / "nsfc" / "nsfc_G_projects_start_le2015.csv": ("nsfc:G",),
    DATA_ROOT / "nsfc" / "nsfc_F0208_projects_approved_le2014.csv": (),
}
"""The shipped project lists and the fields of rows without an application code."""

_APPROVAL_NO = re.compile(r"^[A-Za-z]{0,2}\d{1,12}$")


def expert_weight(projects: int) -> float:
    """How strongly ``projects`` led projects in a field make an expert in it: 1 − 0.5^n.

    >>> [expert_weight(n) for n in (1, 2, 3)]
    [0.5, 0.75, 0.875]
    """
    return round(1 - 0.5 ** projects, 4)


class ProjectBuilder(Builder):
    """Rows of kind ``project``: projects with their PIs, institutions and fields."""

    kind = "project"
    default_source = "nsfc"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._experts: set[str] = set()
        # (expert, field) → project ids of this file; project id → (first row, year, source)
        self._led: dict[tuple[str, str], set[str]] = {}
        self._projects: dict[str, tuple[int, int | None, str]] = {}
        self.people = PersonIndex(self.store)

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One project row → Project, PI Expert, Institution, LEADS, WORKS_AT, IN_FIELD."""
        source = self.source_of(rec)
        number = rec.get("approval_no")
        if number is not None and not _APPROVAL_NO.match(number):
            ctx.fail("approval_no", Msg.BAD_VALUE.format(value=number, hint="（应为数字，可带字母前缀）"))
        pid = rec.get("id") or (f"{source}:{number}" if number and "approval_no" not in ctx.failed else None)
        if pid is None and "approval_no" not in ctx.failed:
            ctx.fail("approval_no", Msg.ID_OR_NUMBER)
        self.claim(ctx, pid, "id" if rec.get("id") else "approval_no")
        ctx.require(rec, "title")
        start, end = rec.get("period") or (rec.get("start_year"), rec.get("end_year"))
        start = rec.get("start_year") or start
        end = rec.get("end_year") or end
        if start is None and rec.get("approval_year") and source == "nsfc":
            start = rec["approval_year"] + 1
        if start and end and start > end:
            ctx.fail("end_year", Msg.BAD_VALUE.format(value=end, hint=f"（早于开始年份 {start}）"))
        institution = normalize_org(rec["institution"]) if rec.get("institution") else None
        if "pi" in ctx.where and not rec.get("pi") and "pi" not in ctx.failed:
            ctx.fail("pi", Msg.REQUIRED)  # the file has a 负责人 column: a project without its PI is a bad row
        pi = normalize_name(rec["pi"]) if rec.get("pi") else None
        if pi and not institution and "institution" not in ctx.failed:
            ctx.fail("institution", Msg.EXPERT_KEY)
        fields = self.fields(ctx, rec, use_default=True)
        if pid is None:
            return
        ctx.node(Label.PROJECT, {
            "id": pid, "title": rec.get("title"), "approval_no": number, "fund_type": rec.get("fund_type"),
            "amount_wan": rec.get("amount_wan"), "approval_year": rec.get("approval_year"), "start_year": start,
            "end_year": end, "keywords": rec.get("keywords"), "institution": institution, "pi": pi,
            "rating": rec.get("rating"), "abstract": rec.get("abstract"), "source": source,
        })
        for fid, weight in fields:
            ctx.rel(RelType.IN_FIELD, Label.PROJECT, pid, Label.FIELD, fid, weight=weight if weight != 1 else None)
        if not (pi and institution):
            return
        record = PersonRecord(pid, source, pi, institution, areas_of_fields(f for f, _ in fields))
        eid = self.people.split_id(record)
        ctx.on_commit(lambda: self.people.add(eid, record))
        iid = self.institution(ctx, institution, source=source)
        if eid not in self._experts:
            if eid not in self.resolver.stored_ids(Label.EXPERT):
                ctx.node(Label.EXPERT, {"id": eid, "name": pi, "institution": institution, "source": source})
            ctx.rel(RelType.WORKS_AT, Label.EXPERT, eid, Label.INSTITUTION, iid)
            ctx.on_commit(lambda: self._experts.add(eid))
        ctx.rel(RelType.LEADS, Label.EXPERT, eid, Label.PROJECT, pid)
        year = start or rec.get("approval_year")

        def remember() -> None:
            self._projects[pid] = (ctx.row, year, source)
            for fid, _ in fields:
                self._led.setdefault((eid, fid), set()).add(pid)

        ctx.on_commit(remember)

    def finish(self) -> list[NodeOp | RelOp]:
        """EXPERT_IN per (PI, field), counting the PI's projects in the file and in the store."""
        led = {key: set(pids) for key, pids in self._led.items()}
        years = {pid: year for pid, (_, year, _) in self._projects.items()}
        experts = sorted({eid for eid, _ in led})
        by_project: dict[str, set[str]] = {}
        step = 20_000  # experts per read: a large file's projects are stored already when it is loaded in chunks
        for i in range(0, len(experts), step):
            for ref, nb in self.store.expand([NodeRef(Label.EXPERT, e) for e in experts[i:i + step]],
                                             rel_types=[RelType.LEADS], labels=[Label.PROJECT], node_props=False):
                if nb.node.id not in self._projects:  # the file's version of a project wins
                    by_project.setdefault(nb.node.id, set()).add(ref.id)
        others = sorted(by_project)
        for i in range(0, len(others), step):
            for node in self.store.get_nodes(Label.PROJECT, others[i:i + step]):
                years[node.id] = node.props.get("start_year") or node.props.get("approval_year")
        if by_project:
            for ref, nb in self.store.expand([NodeRef(Label.PROJECT, p) for p in sorted(by_project)],
                                             rel_types=[RelType.IN_FIELD], labels=[Label.FIELD], node_props=False):
                for eid in by_project[ref.id]:
                    led.setdefault((eid, nb.node.id), set()).add(ref.id)
        ops: list[NodeOp | RelOp] = []
        for (eid, fid), pids in sorted(led.items()):
            mine = [self._projects[p] for p in pids if p in self._projects]
            if not mine:
                continue  # nothing of this file: the stored weight already counts these projects
            known = [y for y in (years.get(p) for p in pids) if isinstance(y, int)]
            ops.append(RelOp(min(row for row, _, _ in mine), RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, {
                "start": eid, "end": fid, "weight": expert_weight(len(pids)), "projects": len(pids),
                **({"last_year": max(known)} if known else {}), "source": mine[0][2]}))
        return ops


def project_files() -> Sequence[tuple[Path, tuple[str, ...]]]:
    """The shipped NSFC project files that exist, with their default fields."""
    return [(path, fields) for path, fields in NSFC_PROJECT_FILES.items() if path.exists()]
