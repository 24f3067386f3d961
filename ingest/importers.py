"""Import enterprises, demands, experts, institutions and projects from CSV, XLSX or JSON.

:func:`import_file` reads the file (:mod:`ingest.readers`), maps its headers to the
canonical fields of the kind (:mod:`ingest.mapping`, which documents every accepted
header and value format), converts and checks each row, resolves its references
(:mod:`ingest.resolve`), and hands the node and relationship ops of the good rows to
:class:`ingest.loader.ChunkedLoad`, which validates and writes them chunk by chunk of
input rows (one batch for a file that fits in one chunk, or for an all-or-nothing upload).

What a bad row is: a required field missing, a value of the wrong type or format, a
reference that does not resolve (unknown region, industry, field code or enterprise),
an id repeated in the file, a line in a broken encoding. Each is reported in Chinese
with its row and the column as the file names it; nothing of a bad row is written;
good rows load. Loading the same file again changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from graph import clock
from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, RelType, demand_text
from graph.store import GraphStore, NodeRef
from ingest.builders import Builder, RowContext
from ingest.demand_rules import DEFAULT_TEXT_LIMIT, INITIAL_STATUS, check_demand_values
from ingest.field_linking import understand_demand
from ingest.generic import NodeOp, RelOp
from ingest.loader import ChunkedLoad, LoadReport, chunk_rows, cycle_collection_paused, write_chunked
from ingest.mapping import KINDS, Column, convert, match_headers
from ingest.nsfc import ProjectBuilder
from ingest.papers import PaperBuilder
from ingest.people import AcademicianBuilder, NkrdBuilder
from ingest.platforms import PlatformBuilder
from ingest.readers import Row, read_rows
from ingest.registry import REGISTRY_BUILDERS
from ingest.resolve import Resolver, expert_id, institution_id, institution_type, normalize_name, normalize_org

__all__ = ["IMPORT_KINDS", "BUILDERS", "import_file", "import_rows"]

log = logging.getLogger(__name__)


def _pick(rec: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: rec.get(n) for n in names}


class EnterpriseBuilder(Builder):
    """Rows of kind ``enterprise`` → Enterprise, LOCATED_IN Region, IN_INDUSTRY Industry."""

    kind = "enterprise"

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One enterprise row."""
        ctx.require(rec, "name")
        name = normalize_org(rec["name"]) if rec.get("name") else None
        credit = rec.get("credit_code")
        eid = rec.get("id") or (f"ent:{credit}" if credit else f"ent:{name}" if name else None)
        self.claim(ctx, eid, "id" if rec.get("id") else "credit_code" if credit else "name")
        if eid is None:
            return
        ctx.node(Label.ENTERPRISE, {"id": eid, "name": name, **_pick(
            rec, "credit_code", "address", "scale", "established", "employees", "revenue_wan", "high_tech",
            "description", "keywords", "contact", "phone", "email", "website"), "source": self.source_of(rec)})
        self.located_in(ctx, Label.ENTERPRISE, eid, rec)
        self.in_industry(ctx, Label.ENTERPRISE, eid, rec)


class DemandBuilder(Builder):
    """Rows of kind ``demand`` → Demand, POSTED by Enterprise, NEEDS Field, IN_INDUSTRY, LOCATED_IN."""

    kind = "demand"

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One demand row."""
        ctx.require(rec, "title")
        for column_name, reason in check_demand_values(rec, today=self.today, text_limit=self.text_limit,
                                                       intake=self.intake):
            ctx.fail(column_name, reason)
        enterprise = None
        if rec.get("enterprise") is not None:
            enterprise = self.resolve(ctx, "enterprise", self.resolver.enterprise, rec["enterprise"])
        did = rec.get("id")
        if did is None and rec.get("title") and "enterprise" not in ctx.failed:
            digest = hashlib.sha1(f"{enterprise or ''}|{rec['title']}".encode()).hexdigest()[:16]
            did = f"demand:{digest}"
        self.claim(ctx, did, "id" if rec.get("id") else "title")
        fields = self.fields(ctx, rec)
        if did is None:
            return
        # A stored demand changes only in the columns the file carries: no NLP re-linking of its
        # fields or keywords, and never its status, which belongs to the workflow (issue 14).
        stored = did in self.resolver.stored_ids(Label.DEMAND)
        keywords = list(rec.get("keywords") or [])
        method = "input"
        text = demand_text(rec.get("title"), rec.get("description"))
        if not stored and text and (not keywords or not rec.get("fields")):
            understood = understand_demand(text, keywords=keywords, known=self.resolver.has_field)
            keywords = list(understood.keywords)
            if not rec.get("fields"):
                fields, method = list(understood.fields), "nlp"
        if stored and rec.get("status") is not None:
            log.info("row %s: the status of stored demand %s is kept (the workflow sets it)", ctx.row, did)
        status = None if stored else rec.get("status") or INITIAL_STATUS
        ctx.node(Label.DEMAND, {"id": did, **_pick(
            rec, "title", "description", "posted", "deadline", "budget_wan", "contact", "phone",
            "email"), "keywords": keywords, "status": status,
            "source": rec.get("source") if stored else self.source_of(rec)})
        if enterprise:
            ctx.rel(RelType.POSTED, Label.ENTERPRISE, enterprise, Label.DEMAND, did)
        for fid, weight in fields:
            ctx.rel(RelType.NEEDS, Label.DEMAND, did, Label.FIELD, fid, weight=weight, method=method)
        self.in_industry(ctx, Label.DEMAND, did, rec)
        self.located_in(ctx, Label.DEMAND, did, rec)


class ExpertBuilder(Builder):
    """Rows of kind ``expert`` → Expert, WORKS_AT Institution, EXPERT_IN Field."""

    kind = "expert"

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One expert row."""
        ctx.require(rec, "name")
        name = normalize_name(rec["name"]) if rec.get("name") else None
        institution = normalize_org(rec["institution"]) if rec.get("institution") else None
        if not rec.get("id") and not institution and "institution" not in ctx.failed:
            ctx.fail("institution", Msg.EXPERT_KEY)
        eid = rec.get("id") or (expert_id(name, institution) if name and institution else None)
        self.claim(ctx, eid, "id" if rec.get("id") else "name")
        fields = self.fields(ctx, rec)
        if eid is None:
            return
        source = self.source_of(rec)
        ctx.node(Label.EXPERT, {"id": eid, "name": name, "institution": institution, **_pick(
            rec, "title", "position", "degree", "gender", "birth_year", "keywords", "talents", "bio", "phone",
            "email"), "source": source})
        if institution:
            iid = self.institution(ctx, institution, source=source)
            ctx.rel(RelType.WORKS_AT, Label.EXPERT, eid, Label.INSTITUTION, iid)
        for fid, weight in fields:
            ctx.rel(RelType.EXPERT_IN, Label.EXPERT, eid, Label.FIELD, fid, weight=weight, source=source)


class InstitutionBuilder(Builder):
    """Rows of kind ``institution`` → Institution, LOCATED_IN Region (given, else inferred from the name)."""

    kind = "institution"

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One institution row."""
        ctx.require(rec, "name")
        name = normalize_org(rec["name"]) if rec.get("name") else None
        iid = rec.get("id") or (institution_id(name) if name else None)
        self.claim(ctx, iid, "id" if rec.get("id") else "name")
        for axis, low, high in (("lat", -90, 90), ("lon", -180, 180)):
            if rec.get(axis) is not None and not low <= rec[axis] <= high:
                ctx.fail(axis, Msg.BAD_VALUE.format(value=rec[axis], hint=f"（应在 {low} 到 {high} 之间）"))
        if iid is None or name is None:
            return
        kind = rec.get("type") or institution_type(name, universities=self.resolver.universities)
        ctx.node(Label.INSTITUTION, {"id": iid, "name": name, "type": kind, **_pick(
            rec, "lat", "lon", "credit_code", "address", "website"), "source": self.source_of(rec)})
        if rec.get("region") is not None:
            self.located_in(ctx, Label.INSTITUTION, iid, rec)
        elif iid not in self.resolver.stored_ids(Label.INSTITUTION):
            found = self.resolver.institution_region(name)
            if found:
                ctx.rel(RelType.LOCATED_IN, Label.INSTITUTION, iid, Label.REGION, found[0], source=found[1])


BUILDERS: dict[str, type[Builder]] = {b.kind: b for b in (
    EnterpriseBuilder, DemandBuilder, ExpertBuilder, InstitutionBuilder, ProjectBuilder, AcademicianBuilder, NkrdBuilder,
    PaperBuilder, *REGISTRY_BUILDERS, PlatformBuilder)}
IMPORT_KINDS = tuple(BUILDERS)
"""The ``--kind`` values of ``kgmatch load`` that read domain rows."""


@functools.lru_cache(maxsize=256)
def _matched_headers(kind: str, headers: tuple[str, ...]) -> dict[str, Column]:
    """:func:`match_headers` once per header set (every row of a CSV file has the same)."""
    return match_headers(kind, headers)[0]


def _convert_row(row: Row, kind: str, ctx: RowContext) -> dict[str, Any]:
    """The row's cells as canonical fields; conversion problems go to ``ctx``."""
    matched = _matched_headers(kind, tuple(row.values))
    rec: dict[str, Any] = {}
    for header, column in matched.items():
        try:
            value = convert(column, row.values[header])
        except ValueError as err:
            ctx.where[column.name] = header
            ctx.fail(column.name, str(err))
            continue
        if value is None:
            ctx.where.setdefault(column.name, header)  # an empty column is still named as the file names it
            continue
        if column.name in rec:
            if rec[column.name] != value:
                ctx.fail(column.name, Msg.SAME_COLUMN.format(other=header))
            continue
        ctx.where[column.name] = header
        rec[column.name] = value
    return rec


def _check_columns(kind: str, headers: set[str], source: str) -> None:
    """Fail the file when no header means a required column (every row would be bad)."""
    matched, unknown = match_headers(kind, sorted(headers))
    have = {c.name for c in matched.values()}
    for column in KINDS[kind]:
        if column.required and column.name not in have:
            accepted = "、".join(dict.fromkeys(column.accepted()))
            message = Msg.MISSING_COLUMN.format(field=column.zh, accepted=accepted)
            raise ValidationError(message, errors=[RowError(1, "表头", message)])
    if unknown:
        log.warning("%s: ignored columns %s (not fields of %s)", source, ", ".join(sorted(unknown)), kind)


def import_rows(rows: Iterable[Row], kind: str, store: GraphStore, *, source: str,
                errors: list[RowError] | None = None, default_fields: Sequence[str] = (),
                progress: bool = False, data_source: str | None = None, intake: bool = False,
                text_limit: int = DEFAULT_TEXT_LIMIT, create: Sequence[NodeRef] = (),
                all_or_nothing: bool = False) -> LoadReport:
    """Validate and load already-read rows of ``kind`` (the API posts rows this way).

    ``default_fields`` are the Field references of rows that name none (projects only);
    ``data_source`` is the ``source`` property of rows that do not carry one. ``intake`` marks
    a demand received now (the form and the API: :mod:`ingest.demand_rules`), ``text_limit``
    bounds its description. ``create`` names nodes the write must create: if one exists when the
    transaction runs (a concurrent create of the same id), nothing is written and
    :class:`~graph.errors.ConflictError` is raised. ``all_or_nothing`` writes nothing when any row is bad.
    """
    if kind not in BUILDERS:
        raise ValidationError(Msg.UNKNOWN_KIND.format(value=kind, choices="、".join(IMPORT_KINDS)))
    with cycle_collection_paused():
        return _import_rows(rows, kind, store, source=source, errors=errors, default_fields=default_fields,
                            progress=progress, data_source=data_source, intake=intake, text_limit=text_limit,
                            create=create, all_or_nothing=all_or_nothing)


def _import_rows(rows: Iterable[Row], kind: str, store: GraphStore, *, source: str, errors: list[RowError] | None,
                 default_fields: Sequence[str], progress: bool, data_source: str | None, intake: bool,
                 text_limit: int, create: Sequence[NodeRef], all_or_nothing: bool) -> LoadReport:
    errors = errors if errors is not None else []  # the reader may still add to it (rows are streamed)
    # A large file is written in chunks of input rows (ingest.loader.ChunkedLoad); an upload that must
    # load whole or not at all, or create a node, is one batch. The required columns are checked on the
    # first chunk's headers (every row of a CSV or workbook has the same).
    step = 0 if (all_or_nothing or create) else chunk_rows()
    rest = iter(rows)
    first = list(itertools.islice(rest, step)) if step else list(rest)
    _check_columns(kind, {h for row in first for h in row.values}, source)
    builder = BUILDERS[kind](store, Resolver(store), default_fields=default_fields, source=data_source)
    builder.intake, builder.text_limit, builder.today = intake, text_limit, clock.today()
    loading = ChunkedLoad(store, source=source, errors=errors, create=create, all_or_nothing=all_or_nothing)
    ops: list[NodeOp | RelOp] = []
    rows_in = itertools.chain(first, rest)
    for count, row in enumerate(tqdm(rows_in, desc=f"校验 {Path(source).name}", unit="行", disable=not progress),
                                start=1):
        if step and count > 1 and (count - 1) % step == 0:
            loading.write(ops)  # the rows before this one: committed; the builder keeps its cross-row state
            ops = []
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values.values()):
            continue  # a blank line of a spreadsheet
        ctx = RowContext(row.number, kind, {})
        rec = _convert_row(row, kind, ctx)
        builder.build(ctx, rec)
        if ctx.errors:
            errors.extend(ctx.errors)
        else:
            ops.extend(ctx.ops)
            for hook in ctx.hooks:
                hook()
        ctx.hooks.clear()  # the hooks close over ctx: a cycle that would outlive the row while the collector is paused
    del first
    if step:
        loading.write(ops)
        ops = []
    ops.extend(builder.finish())  # aggregates over every row of the file (and what is stored)
    write_chunked(loading, ops, step)
    return loading.report()


def import_file(path: Path, kind: str, store: GraphStore, *, progress: bool = False,
                default_fields: Sequence[str] = (), data_source: str | None = None,
                all_or_nothing: bool = False) -> LoadReport:
    """Validate and load one CSV / XLSX / JSON file of ``kind`` (see :mod:`ingest.mapping`);
    ``all_or_nothing`` writes nothing when any row is bad (uploads through the web).

    Raises:
        ValidationError: unknown kind or format, an unreadable file, or a required column
            that no header names; nothing was written.
    """
    errors: list[RowError] = []
    with cycle_collection_paused():
        rows = read_rows(path, errors, lenient_encoding=True)  # streamed: a large file is loaded in chunks
        return import_rows(rows, kind, store, source=str(path), errors=errors, default_fields=default_fields,
                           progress=progress, data_source=data_source, all_or_nothing=all_or_nothing)
