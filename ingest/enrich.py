"""NLP field links for NSFC projects whose application codes say too little.

The NSFC lists give experts fields only through their projects' application codes: the
life-science (C) projects carry post-2020 leaf codes, the 12,913 management-science (G)
projects none (they load with the department field ``nsfc:G``), and nothing links a
project to the enterprise-side taxonomy ht2016 (高新技术领域). This module links each
project's title + keywords with the existing lexical linker (:class:`ingest.field_linking.FieldLinker`,
TF-IDF cosine with the field names) under the rules of :data:`LINK_RULES`:

* G projects → pre-2020 nsfc G sub-codes (``nsfc:G0212``): the best link ≥ 0.04, plus the
  second when it reaches 0.8 × the best;
* G projects → the service fields of ht2016 50 高技术服务 (信息技术服务, 知识产权与成果转化服务,
  标准化服务, 电子商务, 物流与供应链管理, 智慧城市服务, 健康管理): the best link ≥ 0.04;
* C projects → ht2016 20 生物与新医药, 404 生物医用材料, 706 生态环境建设与保护技术: the best link ≥ 0.06.

Each department's linker indexes only its allowed codes, so a management title cannot
land on 集成电路 through the word 设计, nor a life-science one on 结构陶瓷 through 结构.
The thresholds were chosen on hand-checked samples (data/enrich/SOURCE.md).

Linking every project takes seconds, not something to do at load time, so
``python -m ingest.enrich`` writes the links once, deterministically, to
``data/enrich/project_fields.csv`` in the generic relationship format
(``IN_FIELD Project → Field {weight, method: "nlp"}``). :func:`load_enrichment` adds those
links for projects and fields that are stored, and derives ``EXPERT_IN {weight, projects,
last_year, source: "nlp"}`` per (PI, field) from the stored LEADS with the weight of
:func:`ingest.nsfc.expert_weight` over the number of linked projects. Links from real codes
are never overwritten: an IN_FIELD the data already has stays as it is, and where an
EXPERT_IN pair already exists from another source the stronger weight is kept.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from graph.errors import Msg, RowError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, NodeRef
from ingest.field_linking import FieldLink, FieldLinker, code_model_from_stats, lexical_features, rank_lexical
from ingest.generic import NodeOp, RelOp, parse_row
from ingest.keywords import background_from_stats
from ingest.loader import LoadReport, load_ops
from ingest.mapping import convert, match_headers
from ingest.nlp import DEFAULT_SEGMENTER, Segmenter, get_nlp, load_stats, load_taxonomy_names, stats_path
from ingest.nsfc import NSFC_PROJECT_FILES, expert_weight
from ingest.readers import read_rows
from ingest.resolve import DATA_ROOT

__all__ = [
    "ENRICH_DIR",
    "PROJECT_FIELDS_PATH",
    "METHOD",
    "LinkRule",
    "LINK_RULES",
    "ProjectText",
    "read_projects",
    "build_linkers",
    "rank_fields",
    "choose_links",
    "link_projects",
    "project_fields_csv",
    "build_project_fields",
    "expert_fields",
    "enrichment_files",
    "load_enrichment",
    "main",
]

log = logging.getLogger(__name__)

ENRICH_DIR = DATA_ROOT / "enrich"
PROJECT_FIELDS_PATH = ENRICH_DIR / "project_fields.csv"
"""The shipped links, built by ``python -m ingest.enrich`` from :data:`ingest.nsfc.NSFC_PROJECT_FILES`."""
METHOD = "nlp"
"""``IN_FIELD.method`` and ``EXPERT_IN.source`` of everything this module derives."""

_HEADER = ("type", "start_label", "start", "end_label", "end", "weight:float", "method")
_ROUND = 4
_CATCH_ALL = ("其他", "其它")
_LINK = (RelType.IN_FIELD, Label.PROJECT, Label.FIELD)


@dataclass(frozen=True)
class LinkRule:
    """Which fields the projects of one NSFC department are linked to, and which links are kept.

    ``prefixes`` restrict the scheme's codes (the linker indexes only those, and never a
    catch-all 其他… entry). A link needs ``min_weight``, a code of at least
    ``min_code_length`` characters (ht2016 level 1 is two digits: 高技术服务 as a whole says
    nothing) and, among the features it shares with the text, one that at most
    ``max_feature_fields`` of the indexed fields have (the bigrams of 理论与方法, in ten G
    code names, say nothing about a topic). At most ``max_links`` are kept, the ones after
    the best only when they reach ``tie_ratio`` × the best weight.
    """

    department: str
    scheme: str
    prefixes: tuple[str, ...]
    min_weight: float
    max_links: int = 1
    tie_ratio: float = 1.0
    min_code_length: int = 1
    max_feature_fields: int = 6


LINK_RULES: tuple[LinkRule, ...] = (
    # 供应链 titles score G010303 供应链基础理论 and G0212 物流与供应链管理 equally: keep both.
    LinkRule("G", "nsfc", ("G",), min_weight=0.04, max_links=2, tie_ratio=0.8),
    # Management research is evidence for the service and management fields of 高技术服务, not for
    # 设计服务, 互联网教育, 文化创意 or 高技术专业化服务 (matched through 设计, 互联网, 文化, 专业化).
    LinkRule("G", "ht2016", ("503", "505", "50202", "50601", "50602", "50701", "50703"), min_weight=0.04),
    # Stricter: below 0.06 most C links are 微生物 → 微生物发酵技术 for soil or gut ecology.
    LinkRule("C", "ht2016", ("20", "404", "706"), min_weight=0.06, min_code_length=3),
    # F0208 计算机网络 → the network, software and security fields of 10 电子信息 (not 广播影视 or 元器件).
    LinkRule("F", "ht2016", ("101", "103", "104", "107"), min_weight=0.04, min_code_length=3),
)
"""The linking rules, per department (first letter of a project's NSFC code); see data/enrich/SOURCE.md."""


@dataclass(frozen=True)
class ProjectText:
    """One project as the linker sees it: id, department, title + keywords."""

    id: str
    department: str
    text: str


def _department(fields: Sequence[tuple[str, float]] | None, default_fields: Sequence[str]) -> str:
    """The NSFC department letter of a project's first code (``C0101`` → C, ``nsfc:G`` → G), else ''."""
    refs = [ref for ref, _ in fields or ()] or list(default_fields)
    return refs[0].rsplit(":", 1)[-1][:1].upper() if refs else ""


def read_projects(path: Path, default_fields: Sequence[str] = ()) -> list[ProjectText]:
    """The projects of an NSFC project file (any layout :mod:`ingest.mapping` reads), in file order.

    Ids follow :class:`ingest.nsfc.ProjectBuilder` (``id``, else ``<source>:<批准号>``); rows
    without an id or a title, or with cells the importer would reject, are left out.
    """
    errors: list[RowError] = []
    projects: list[ProjectText] = []
    columns: dict[str, Any] | None = None
    for row in read_rows(path, errors, lenient_encoding=True):
        if columns is None:
            columns = {col.name: (header, col) for header, col in match_headers("project", row.values)[0].items()}
        rec: dict[str, Any] = {}
        try:
            for name in ("id", "approval_no", "title", "keywords", "fields", "source"):
                if name in columns:
                    header, col = columns[name]
                    rec[name] = convert(col, row.values.get(header))
        except ValueError:
            continue
        number = rec.get("approval_no")
        pid = rec.get("id") or (f"{rec.get('source') or 'nsfc'}:{number}" if number else None)
        if not pid or not rec.get("title"):
            continue
        text = "；".join([rec["title"], *(rec.get("keywords") or [])])
        projects.append(ProjectText(pid, _department(rec.get("fields"), default_fields), text))
    if errors:
        log.warning("%s: %d unreadable rows skipped", path, len(errors))
    return projects


def build_linkers(rules: Sequence[LinkRule] = LINK_RULES, *,
                  segmenter: Segmenter | str = DEFAULT_SEGMENTER) -> dict[str, FieldLinker]:
    """One linker per department, indexing only the codes its rules allow (no catch-all 其他… entry).

    Raises
    ------
    ValueError
        When two rules of one department name the same scheme.
    """
    seg = Segmenter(segmenter)
    stats = load_stats(stats_path(seg))
    names = load_taxonomy_names()
    by_department: dict[str, dict[str, list[tuple[str, str, str | None]]]] = {}
    for rule in rules:
        schemes = by_department.setdefault(rule.department, {})
        if rule.scheme in schemes:
            raise ValueError(f"two rules for department {rule.department!r} and scheme {rule.scheme!r}")
        schemes[rule.scheme] = [e for e in names[rule.scheme]
                                if e[0].startswith(rule.prefixes) and not e[1].startswith(_CATCH_ALL)]
    nlp, model, background = get_nlp(seg), code_model_from_stats(stats), background_from_stats(stats)
    return {dept: FieldLinker(nlp, model, background, taxonomies) for dept, taxonomies in by_department.items()}


def rank_fields(linker: FieldLinker, rule: LinkRule, features: Mapping[str, float], *,
                top_k: int = 5) -> list[FieldLink]:
    """The rule's scheme ranked for a text's lexical ``features``, best first, without the links the rule forbids.

    Weights are :meth:`FieldLinker.link`'s (cosine × its lexical factor); a link is left
    out when its code is shorter than ``min_code_length`` or every feature it shares with
    the text is one of more than ``max_feature_fields`` indexed fields.
    """
    index = linker.indexes[rule.scheme]
    position = {code: i for i, code in enumerate(index.codes)}
    out = []
    for code, score in rank_lexical(index, features, top_k=top_k):
        vector = index.vectors[position[code]]
        specific = any(len(index.postings[f]) <= rule.max_feature_fields for f in features if f in vector)
        if len(code) >= rule.min_code_length and specific:
            out.append(FieldLink(f"{rule.scheme}:{code}", rule.scheme, code, index.names[code],
                                 round(score * linker.lexical_factor, 6), "lexical"))
    return out


def choose_links(links: Sequence[FieldLink], rule: LinkRule) -> list[FieldLink]:
    """The links ``rule`` keeps from ``links`` (one scheme, best first, as :func:`rank_fields` returns them).

    >>> links = [FieldLink("nsfc:G010303", "nsfc", "G010303", "", 0.05, "lexical"),
    ...          FieldLink("nsfc:G0212", "nsfc", "G0212", "", 0.05, "lexical"),
    ...          FieldLink("nsfc:G0114", "nsfc", "G0114", "", 0.02, "lexical")]
    >>> [x.code for x in choose_links(links, LinkRule("G", "nsfc", ("G",), 0.04, max_links=2, tie_ratio=0.8))]
    ['G010303', 'G0212']
    >>> choose_links(links, LinkRule("G", "nsfc", ("G",), 0.06))
    []
    """
    if not links or links[0].weight < rule.min_weight:
        return []
    floor = max(rule.min_weight, rule.tie_ratio * links[0].weight)
    return [links[0], *(x for x in links[1:rule.max_links] if x.weight >= floor)]


def link_projects(projects: Iterable[ProjectText], linkers: Mapping[str, FieldLinker],
                  rules: Sequence[LinkRule] = LINK_RULES, *, progress: bool = False) -> list[tuple[str, str, float]]:
    """``(project id, field id, weight)`` for every kept link, sorted by project then field."""
    by_department: dict[str, list[LinkRule]] = {}
    for rule in rules:
        by_department.setdefault(rule.department, []).append(rule)
    out: dict[tuple[str, str], float] = {}
    for project in tqdm(list(projects), desc="linking projects", unit="项", disable=not progress):
        mine = by_department.get(project.department)
        if not mine:
            continue
        linker = linkers[project.department]
        features = lexical_features(linker.terms(project.text))
        for rule in mine:
            for link in choose_links(rank_fields(linker, rule, features), rule):
                out[(project.id, link.field_id)] = round(link.weight, _ROUND)
    return [(pid, fid, w) for (pid, fid), w in sorted(out.items())]


def project_fields_csv(links: Iterable[tuple[str, str, float]]) -> str:
    """The links as a generic relationship CSV (``IN_FIELD`` Project → Field, ``method`` nlp), ``\\n`` line ends.

    >>> print(project_fields_csv([("nsfc:1", "nsfc:G0212", 0.05)]), end="")
    type,start_label,start,end_label,end,weight:float,method
    IN_FIELD,Project,nsfc:1,Field,nsfc:G0212,0.05,nlp
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_HEADER)
    for pid, fid, weight in links:
        writer.writerow([RelType.IN_FIELD.value, Label.PROJECT.value, pid, Label.FIELD.value, fid, weight, METHOD])
    return buf.getvalue()


def build_project_fields(files: Mapping[Path, Sequence[str]] = NSFC_PROJECT_FILES, *,
                         rules: Sequence[LinkRule] = LINK_RULES, progress: bool = False) -> str:
    """The content of ``project_fields.csv`` for the project ``files`` (path → default fields)."""
    linkers = build_linkers(rules)
    links: list[tuple[str, str, float]] = []
    for path, default_fields in files.items():
        projects = read_projects(path, default_fields)
        found = link_projects(projects, linkers, rules, progress=progress)
        log.info("%s: %d projects, %d linked, %d links", path.name, len(projects), len({p for p, _, _ in found}),
                 len(found))
        links += found
    return project_fields_csv(sorted(links))


def expert_fields(links: Iterable[tuple[str, str]], leaders: Mapping[str, Iterable[str]],
                  years: Mapping[str, int | None] | None = None) -> list[dict[str, Any]]:
    """EXPERT_IN rows per (PI, field) from project links: ``weight = 1 − 0.5^n`` over the n linked projects.

    ``links`` are ``(project, field)`` pairs, ``leaders`` map a project to its PIs, ``years``
    a project to its start year. Rows are sorted by expert, then field.

    >>> rows = expert_fields([("p1", "f"), ("p2", "f"), ("p2", "g")], {"p1": ["e"], "p2": ["e"]}, {"p1": 2010, "p2": None})
    >>> [(r["start"], r["end"], r["weight"], r["projects"], r.get("last_year")) for r in rows]
    [('e', 'f', 0.75, 2, 2010), ('e', 'g', 0.5, 1, None)]
    """
    years = years or {}
    led: dict[tuple[str, str], set[str]] = {}
    for pid, fid in links:
        for eid in leaders.get(pid, ()):
            led.setdefault((eid, fid), set()).add(pid)
    rows = []
    for (eid, fid), pids in sorted(led.items()):
        known = [y for y in (years.get(p) for p in pids) if isinstance(y, int)]
        rows.append({"start": eid, "end": fid, "weight": expert_weight(len(pids)), "projects": len(pids),
                     **({"last_year": max(known)} if known else {}), "source": METHOD})
    return rows


def enrichment_files(project_paths: Iterable[Path]) -> list[Path]:
    """The shipped enrichment file when it exists and ``project_paths`` include a file it was built from."""
    built_from = set(NSFC_PROJECT_FILES)
    return [PROJECT_FIELDS_PATH] if PROJECT_FIELDS_PATH.exists() and built_from & set(project_paths) else []


def _same(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return all(old.get(k) == v for k, v in new.items() if k not in ("start", "end"))


def _read_links(path: Path, errors: list[RowError], *, progress: bool = False) -> list[RelOp]:
    """The ``IN_FIELD`` Project → Field rows of ``path``; any other row is a problem in ``errors``."""
    ops: list[RelOp] = []
    for row in tqdm(list(read_rows(path, errors)), desc=f"读取 {path.name}", unit="行", disable=not progress):
        op = parse_row(row.number, row.values, errors)
        if isinstance(op, RelOp) and (op.type, op.start_label, op.end_label) == _LINK:
            ops.append(op)
        elif op is not None:
            what = op.label if isinstance(op, NodeOp) else op.type
            errors.append(RowError(row.number, "type", Msg.BAD_VALUE.format(
                value=what, hint="（此文件只能是项目 IN_FIELD 技术领域的关系）")))
    return ops


def _expert_in_ops(rows: Sequence[dict[str, Any]], stored: Mapping[tuple[str, str], Mapping[str, Any]],
                   row_of: Mapping[tuple[str, str], int]) -> tuple[list[RelOp], int, int]:
    """EXPERT_IN ops for ``rows`` that change the store; also how many pairs of another source were kept / replaced."""
    ops: list[RelOp] = []
    kept = replaced = 0
    for row in rows:
        key = (row["start"], row["end"])
        old = stored.get(key)
        if old is not None and old.get("source") != METHOD:
            if float(old.get("weight", 1.0)) >= row["weight"]:
                kept += 1
                continue
            replaced += 1
        elif old is not None and _same(old, row):
            continue
        ops.append(RelOp(row_of[key], RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, row))
    return ops, kept, replaced


def load_enrichment(store: GraphStore, path: Path = PROJECT_FIELDS_PATH, *, progress: bool = False) -> LoadReport:
    """Add the NLP links of ``path`` for stored projects and fields, and the EXPERT_IN they imply.

    Rows must be ``IN_FIELD`` Project → Field (others are reported as bad rows). Links to a
    project or field that is not stored are skipped (counted in the log); an IN_FIELD the
    store already has from real codes is kept as it is. Per (PI, field) the EXPERT_IN
    counts the PI's stored, linked projects; where the pair already exists from another
    source, the stronger weight stays. Unchanged relationships are not rewritten, so a
    second load reports nothing written.
    """
    errors: list[RowError] = []
    ops = _read_links(path, errors, progress=progress)
    projects = {n.id: n for n in store.get_nodes(Label.PROJECT, sorted({str(op.props["start"]) for op in ops}))}
    fields = {n.id for n in store.get_nodes(Label.FIELD, sorted({str(op.props["end"]) for op in ops}))}
    kept = [op for op in ops if op.props["start"] in projects and op.props["end"] in fields]
    refs = [NodeRef(Label.PROJECT, p) for p in sorted({str(op.props["start"]) for op in kept})]
    stored_in_field = {(src.id, nb.node.id): nb.rel.props for src, nb in
                       store.expand(refs, direction=Direction.OUT, rel_types=[RelType.IN_FIELD], labels=[Label.FIELD])}
    leaders: dict[str, list[str]] = {}
    for src, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.LEADS], labels=[Label.EXPERT]):
        leaders.setdefault(src.id, []).append(nb.node.id)
    out: list[NodeOp | RelOp] = []
    first_row: dict[tuple[str, str], int] = {}
    for op in kept:
        key = (str(op.props["start"]), str(op.props["end"]))
        first_row.setdefault(key, op.row_no)
        old = stored_in_field.get(key)
        if old is None or (old.get("method") == METHOD and not _same(old, op.props)):
            out.append(op)  # a link the data has from a real code (no method) stays as it is
    years = {pid: n.props.get("start_year") or n.props.get("approval_year") for pid, n in projects.items()}
    rows = expert_fields(first_row, leaders, years)
    row_of: dict[tuple[str, str], int] = {}
    for (pid, fid), row_no in first_row.items():
        for eid in leaders.get(pid, ()):
            row_of[(eid, fid)] = min(row_no, row_of.get((eid, fid), row_no))
    experts = [NodeRef(Label.EXPERT, e) for e in sorted({r["start"] for r in rows})]
    stored_expert_in = {(src.id, nb.node.id): nb.rel.props for src, nb in store.expand(
        experts, direction=Direction.OUT, rel_types=[RelType.EXPERT_IN], labels=[Label.FIELD])}
    expert_ops, kept_other, replaced = _expert_in_ops(rows, stored_expert_in, row_of)
    out += expert_ops
    log.info("%s: %d links, %d to stored projects and fields; %d EXPERT_IN pairs (%d collide with another source: "
             "%d kept the stronger existing one, %d replaced by the stronger NLP one)", path, len(ops), len(kept),
             len(rows), kept_other + replaced, kept_other, replaced)
    return load_ops(out, store, source=str(path), errors=errors)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rebuild ``data/enrich/project_fields.csv`` (or check that it is up to date)."""
    parser = argparse.ArgumentParser(prog="python -m ingest.enrich", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_FIELDS_PATH, help="where to write (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check that --out equals a fresh build")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    content = build_project_fields(progress=True)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == content
        log.info("%s is %s", args.out, "up to date" if same else "OUT OF DATE: rerun python -m ingest.enrich")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(content, encoding="utf-8")
    log.info("wrote %s (%d links)", args.out, content.count("\n") - 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
