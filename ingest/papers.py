"""Papers, their authors and what they imply: ``kgmatch load FILE --kind paper``.

One paper row gives a ``Paper`` (``<source>:<id>``, default source ``chinaxiv``) with ``IN_FIELD``
to its fields (``fields`` column; the shipped ChinaXiv file carries the NLP links of
:mod:`ingest.paper_fields`), and, for every (person, institution) pair that
:func:`ingest.authors.parse_paper_authors` reads from the printed author line and affiliation
text, an ``Expert`` ``expert:<姓名>@<单位>`` (the convention of :func:`ingest.resolve.expert_id`, so
the same person from NSFC, key R&D lists or other papers lands on the same node, and
cross-source resolution can merge the rest), ``WORKS_AT`` the ``Institution`` (created when new,
located by the universities list or its name) and ``AUTHORED {position}`` (1 = first author).
An author whose institution the text does not determine is not created: never a name alone.

After the rows, per file (:meth:`PaperBuilder.finish`), counting the papers of the file and those
already stored, so loading files in any order or twice gives the same result:

* ``COLLABORATES {papers, count, first_year, last_year}`` between every two co-authors
  (``papers`` lists the joint paper ids). Co-authorship is symmetric: the relationship is stored
  once, from the smaller expert id to the larger (string order), and read in both directions.
* ``EXPERT_IN {weight, papers, last_year, source: "论文"}`` per (author, field of one of their
  papers), ``weight = 1 − 0.5^n`` over the n papers, as for projects
  (:func:`ingest.nsfc.expert_weight`). Where the pair already has an EXPERT_IN from another
  source (NSFC codes, NLP links of projects) the stronger weight is kept.
* ``keywords`` of the experts this file creates: their papers' keywords, most frequent first.

:func:`author_records` gives the authors of a paper file as plain records (name, institution id,
paper ids, keywords, years) for cross-source person resolution.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import Direction, NodeRef
from ingest.authors import parse_paper_authors
from ingest.builders import Builder, RowContext
from ingest.generic import NodeOp, RelOp
from ingest.nsfc import expert_weight
from ingest.resolve import DATA_ROOT, expert_id, institution_id, normalize_org

__all__ = ["PAPERS_FILE", "PAPER_SOURCE", "EVIDENCE_SOURCE", "PaperBuilder", "AuthorRecord", "author_records",
           "paper_id"]

PAPERS_FILE = DATA_ROOT / "papers" / "papers.jsonl"
"""The shipped ChinaXiv papers (CC BY 4.0, see data/papers/SOURCE.md)."""
PAPER_SOURCE = "chinaxiv"
EVIDENCE_SOURCE = "论文"
"""``EXPERT_IN.source`` of field evidence derived from papers."""
MAX_EXPERT_KEYWORDS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def paper_id(rec: dict[str, Any], source: str) -> str | None:
    """The id of a paper row: ``id`` as given when it holds a ``:``, else ``<source>:<id>``, else a digest.

    >>> paper_id({"id": "201601.00051"}, "chinaxiv"), paper_id({"id": "doi:10.1/x"}, "chinaxiv")
    ('chinaxiv:201601.00051', 'doi:10.1/x')
    """
    given = rec.get("id")
    if given:
        return str(given) if ":" in str(given) else f"{source}:{given}"
    if not rec.get("title"):
        return None
    digest = hashlib.sha1(f"{rec['title']}|{rec.get('authors') or ''}".encode()).hexdigest()[:16]
    return f"paper:{digest}"


def _year(ctx: RowContext, rec: dict[str, Any]) -> int | None:
    year = rec.get("year")
    month = rec.get("month")
    if month is not None:
        match = _MONTH.match(str(month).strip())
        if not match or not 1 <= int(match[2]) <= 12:
            ctx.fail("month", Msg.BAD_VALUE.format(value=month, hint="（应为「年-月」，如 2017-05）"))
        elif year is None:
            year = int(match[1])
    if year is not None and not 1900 <= year <= 2100:
        ctx.fail("year", Msg.BAD_VALUE.format(value=year, hint="（应为 1900–2100 之间的年份）"))
        return None
    return year


@dataclass
class _PaperFacts:
    row: int
    year: int | None
    authors: list[tuple[str, int]]  # (expert id, position)
    fields: list[str]
    keywords: list[str]


class PaperBuilder(Builder):
    """Rows of kind ``paper``: papers, their authors as experts, and what co-authorship implies."""

    kind = "paper"
    default_source = PAPER_SOURCE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._experts: set[str] = set()
        self._created: dict[str, tuple[int, dict[str, Any]]] = {}  # new experts: first row, props
        self._papers: dict[str, _PaperFacts] = {}

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One paper row → Paper, IN_FIELD, and per author pair Expert, WORKS_AT, AUTHORED."""
        source = self.source_of(rec)
        ctx.require(rec, "title")
        pid = paper_id(rec, source)
        self.claim(ctx, pid, "id" if rec.get("id") else "title")
        year = _year(ctx, rec)
        fields = self.fields(ctx, rec)
        if pid is None or ctx.errors:
            return
        parsed = parse_paper_authors(rec.get("authors") or "", rec.get("affiliations") or "")
        keywords = [k for k in rec.get("keywords") or [] if isinstance(k, str) and k.strip()]
        ctx.node(Label.PAPER, {
            "id": pid, "title": rec.get("title"), "authors": list(parsed.authors), "keywords": keywords,
            "abstract": rec.get("abstract"), "year": year, "month": rec.get("month"), "clc": rec.get("clc"),
            "source": source,
        })
        for fid, weight in fields:
            ctx.rel(RelType.IN_FIELD, Label.PAPER, pid, Label.FIELD, fid, weight=weight if weight != 1 else None)
        position = {name: i for i, name in enumerate(parsed.authors, start=1)}
        authors: list[tuple[str, int]] = []
        inst_ids = {inst: self.institution(ctx, inst, source=source)  # once per row: several authors share one
                    for inst in dict.fromkeys(normalize_org(i) for _, i in parsed.pairs)}
        for name, inst in parsed.pairs:
            institution = normalize_org(inst)
            eid = expert_id(name, institution)
            iid = inst_ids[institution]
            if eid not in self._experts:
                if eid not in self.resolver.stored_ids(Label.EXPERT):  # the node itself comes in finish()
                    ctx.on_commit(lambda e=eid, n=name, i=institution, r=ctx.row, s=source:
                                  self._created.setdefault(e, (r, {"id": e, "name": n, "institution": i, "source": s})))
                ctx.rel(RelType.WORKS_AT, Label.EXPERT, eid, Label.INSTITUTION, iid)
                ctx.on_commit(lambda e=eid: self._experts.add(e))
            ctx.rel(RelType.AUTHORED, Label.EXPERT, eid, Label.PAPER, pid, position=position[name])
            authors.append((eid, position[name]))
        facts = _PaperFacts(ctx.row, year, authors, [f for f, _ in fields], keywords)
        ctx.on_commit(lambda: self._papers.__setitem__(pid, facts))

    # -- derived facts -------------------------------------------------------------------------
    def finish(self) -> list[NodeOp | RelOp]:
        """COLLABORATES, EXPERT_IN (论文) and new experts' keywords, counting stored papers too."""
        experts = sorted({eid for facts in self._papers.values() for eid, _ in facts.authors})
        if not experts:
            return []
        refs = [NodeRef(Label.EXPERT, e) for e in experts]
        return [*self._new_experts(), *self._collaborations(refs), *self._expert_fields(refs)]

    def _collaborations(self, refs: list[NodeRef]) -> list[RelOp]:
        pairs: dict[tuple[str, str], dict[str, Any]] = {}
        for pid, facts in self._papers.items():
            ids = sorted({eid for eid, _ in facts.authors})
            names = {eid: eid.partition("@")[0] for eid in ids}
            for a, b in combinations(ids, 2):
                if names[a] == names[b]:
                    continue  # one person at two institutions of the same paper
                entry = pairs.setdefault((a, b), {"row": facts.row, "papers": set(), "years": set()})
                entry["row"] = min(entry["row"], facts.row)
                entry["papers"].add(pid)
                if facts.year is not None:
                    entry["years"].add(facts.year)
        if not pairs:
            return []
        stored: dict[tuple[str, str], dict[str, Any]] = {}
        for src, nb in self.store.expand(refs, rel_types=[RelType.COLLABORATES], labels=[Label.EXPERT]):
            key = (min(src.id, nb.node.id), max(src.id, nb.node.id))
            stored[key] = dict(nb.rel.props)
        ops: list[RelOp] = []
        for (a, b), entry in sorted(pairs.items()):
            old = stored.get((a, b), {})
            papers = sorted(entry["papers"] | set(old.get("papers") or []))
            years = set(entry["years"]) | {y for y in (old.get("first_year"), old.get("last_year")) if isinstance(y, int)}
            props = {"start": a, "end": b, "papers": papers, "count": len(papers), "source": EVIDENCE_SOURCE,
                     **({"first_year": min(years), "last_year": max(years)} if years else {})}
            ops.append(RelOp(entry["row"], RelType.COLLABORATES, Label.EXPERT, Label.EXPERT, props))
        return ops

    def _expert_fields(self, refs: list[NodeRef]) -> list[RelOp]:
        by_pair: dict[tuple[str, str], set[str]] = {}
        years = {pid: facts.year for pid, facts in self._papers.items()}
        rows: dict[str, int] = {}
        for pid, facts in self._papers.items():
            for eid, _ in facts.authors:
                rows[eid] = min(rows.get(eid, facts.row), facts.row)
                for fid in facts.fields:
                    by_pair.setdefault((eid, fid), set()).add(pid)
        if not by_pair:
            return []
        # papers of these experts stored by earlier loads (the file's version of a paper wins)
        others: dict[str, set[str]] = {}
        for src, nb in self.store.expand(refs, direction=Direction.OUT, rel_types=[RelType.AUTHORED],
                                         labels=[Label.PAPER]):
            if nb.node.id not in self._papers:
                others.setdefault(nb.node.id, set()).add(src.id)
                years[nb.node.id] = nb.node.props.get("year")
        if others:
            for src, nb in self.store.expand([NodeRef(Label.PAPER, p) for p in sorted(others)],
                                             direction=Direction.OUT, rel_types=[RelType.IN_FIELD],
                                             labels=[Label.FIELD]):
                for eid in others[src.id]:
                    by_pair.setdefault((eid, nb.node.id), set()).add(src.id)
        stored = {(src.id, nb.node.id): nb.rel.props for src, nb in self.store.expand(
            refs, direction=Direction.OUT, rel_types=[RelType.EXPERT_IN], labels=[Label.FIELD])}
        ops: list[RelOp] = []
        for (eid, fid), pids in sorted(by_pair.items()):
            if not pids & self._papers.keys():
                continue
            weight = expert_weight(len(pids))
            old = stored.get((eid, fid))
            if old is not None and old.get("source") != EVIDENCE_SOURCE and float(old.get("weight", 0)) >= weight:
                continue  # stronger evidence of another source stays
            known = [y for y in (years.get(p) for p in pids) if isinstance(y, int)]
            ops.append(RelOp(rows[eid], RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, {
                "start": eid, "end": fid, "weight": weight, "papers": len(pids),
                **({"last_year": max(known)} if known else {}), "source": EVIDENCE_SOURCE}))
        return ops

    def _new_experts(self) -> list[NodeOp]:
        """The experts this file creates, with their papers' keywords (most frequent first)."""
        counts: dict[str, Counter[str]] = {}
        for facts in self._papers.values():
            for eid, _ in facts.authors:
                counts.setdefault(eid, Counter()).update(dict.fromkeys(facts.keywords, 1))
        ops = []
        for eid, (row, props) in sorted(self._created.items()):
            ranked = sorted(counts.get(eid, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))
            keywords = [k for k, _ in ranked[:MAX_EXPERT_KEYWORDS]]
            ops.append(NodeOp(row, Label.EXPERT, {**props, **({"keywords": keywords} if keywords else {})}))
        return ops


@dataclass(frozen=True)
class AuthorRecord:
    """One paper author as a resolver sees it: ``expert:<name>@<institution>`` and their papers."""

    expert_id: str
    name: str
    institution_id: str
    paper_ids: tuple[str, ...]
    keywords: tuple[str, ...]
    years: tuple[int, ...]


def author_records(rows: Iterable[dict[str, Any]] | None = None, *, source: str = PAPER_SOURCE) -> list[AuthorRecord]:
    """The authors of paper rows (default: the shipped ChinaXiv file), one record per (name, institution).

    Rows are dicts with the keys of ``data/papers/papers.jsonl`` (id, title, authors,
    affiliations, keywords, month or year). Ids follow :class:`PaperBuilder`, so a record's
    ``expert_id`` is the node ``kgmatch load`` creates. Sorted by expert id; keywords most
    frequent first.

    >>> recs = author_records([{"id": "1", "title": "t", "authors": "王颖1 张智雄2", "keywords": ["本体"],
    ...     "affiliations": "1中国科学院文献情报中心北京100190 2当代中国研究所北京100009", "month": "2016-01"}])
    >>> [(r.name, r.institution_id, r.paper_ids, r.years) for r in recs]
    [('张智雄', 'inst:当代中国研究所', ('chinaxiv:1',), (2016,)), ('王颖', 'inst:中国科学院文献情报中心', ('chinaxiv:1',), (2016,))]
    """
    if rows is None:
        with PAPERS_FILE.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    acc: dict[str, dict[str, Any]] = {}
    for row in rows:
        pid = paper_id(row, source)
        if pid is None:
            continue
        month = str(row.get("month") or "")
        year = row.get("year") or (int(month[:4]) if _MONTH.match(month) else None)
        parsed = parse_paper_authors(row.get("authors") or "", row.get("affiliations") or "")
        for name, inst in parsed.pairs:
            eid = expert_id(name, inst)
            entry = acc.setdefault(eid, {"name": name, "inst": institution_id(inst), "papers": set(),
                                         "keywords": Counter(), "years": set()})
            entry["papers"].add(pid)
            entry["keywords"].update(dict.fromkeys((k for k in row.get("keywords") or [] if isinstance(k, str)), 1))
            if isinstance(year, int):
                entry["years"].add(year)
    return [AuthorRecord(eid, e["name"], e["inst"], tuple(sorted(e["papers"])),
                         tuple(k for k, _ in sorted(e["keywords"].items(), key=lambda kv: (-kv[1], kv[0]))),
                         tuple(sorted(e["years"])))
            for eid, e in sorted(acc.items())]
