"""Papers, their authors and what they imply: ``kgmatch load FILE --kind paper``.

One paper row gives a ``Paper`` (``<source>:<id>``, default source ``chinaxiv``) with ``IN_FIELD``
to its fields (``fields`` column; the shipped ChinaXiv file carries the NLP links of
:mod:`ingest.paper_fields`; ``basis: 技术领域``) and to the ht2016 field of each printed 中图分类号
(``clc`` column) that the crosswalk's CLC rules map it to (:func:`clc_links`; ``basis: 中图分类号``
when the ``fields`` column does not name that field: a link that rests on the class alone, see
:data:`graph.model.CLASS_BASIS`), except where a person checked the link: the shipped verdicts of
:mod:`ingest.field_reviews` link a paper with ``basis: 人工核验`` or remove the link, whatever the rules say;
and the (person, institution) pairs that
:func:`ingest.authors.parse_paper_authors` reads from the printed author line and affiliation text.
An author whose institution the text does not determine is not created: never a name alone. An author listed at
several institutions of one paper (``王丙寅1,2``) is one person, keyed by :func:`primary_institution`.

After the rows (:meth:`PaperBuilder.finish`), each (name, institution) of the file becomes one
record — their papers' disciplines, keywords, years and co-authors — and
:class:`ingest.identity.PersonIndex` decides who it is: an NSFC PI, academician, key R&D leader or
earlier paper author of that name at that institution (up to departments, hospitals and aliases)
whose evidence agrees (:func:`ingest.identity.same_person`), or a new ``Expert``
``expert:<姓名>@<单位>`` (``…~<学科>`` when a different person holds that id) with ``WORKS_AT`` the
``Institution`` and the papers' ``keywords``. ``AUTHORED {position}`` (1 = first author) points to
the expert decided. An author already stored on a paper of the file keeps that expert, so a
reload decides nothing anew.

After the rows, per file (:meth:`PaperBuilder.finish`), counting the papers of the file and those
already stored, so loading files in any order or twice gives the same result:

* ``COLLABORATES {papers, count, first_year, last_year}`` between every two co-authors
  (``papers`` lists the joint paper ids). Co-authorship is symmetric: the relationship is stored
  once, from the smaller expert id to the larger (string order), and read in both directions.
* ``EXPERT_IN {weight, papers, last_year, source: "论文", basis}`` per (author, field of one of their
  papers), ``weight = 1 − 0.5^n`` over the n papers, as for projects
  (:func:`ingest.nsfc.expert_weight`); ``basis`` is 中图分类号 when every one of those papers is linked
  to the field by its printed class alone, else 技术领域. Where the pair already has an EXPERT_IN from another
  source (NSFC codes, NLP links of projects) the stronger weight is kept.
:func:`author_records` gives the authors of a paper file as plain records (name, institution,
paper ids, keywords, years, fields, co-authors), for drawing and scoring the resolution sample.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any, TypeVar

from graph.errors import Msg
from graph.model import CLASS_BASIS, Label, RelType
from graph.store import Direction, NodeRef
from ingest.authors import parse_paper_authors
from ingest.builders import Builder, RowContext
from ingest.crosswalk import NONE, get_crosswalk
from ingest.field_reviews import REPOSTS_PATH, REVIEW_BASIS, paper_reviews
from ingest.generic import NodeOp, RelOp
from ingest.identity import PersonIndex, PersonRecord, author_record
from ingest.nsfc import expert_weight
from ingest.resolve import DATA_ROOT, expert_id, institution_id, normalize_name, normalize_org

__all__ = ["plain_title", "PAPERS_FILE", "PAPER_SOURCE", "EVIDENCE_SOURCE", "FIELDS_BASIS", "PaperBuilder", "AuthorRecord",
           "author_records", "clc_links", "paper_id", "primary_institution", "institutions_by_author",
           "UMBRELLA_INSTITUTIONS", "LEFT_OUT_FILE", "papers_as_drawn"]

PAPERS_FILE = DATA_ROOT / "papers" / "papers.jsonl"
"""The shipped ChinaXiv papers (CC BY 4.0, see data/papers/SOURCE.md)."""
LEFT_OUT_FILE = PAPERS_FILE.with_name("left_out.jsonl")
"""The 45 rows whose title is not a title, left out of :data:`PAPERS_FILE` (title37), as they were."""

PAPER_SOURCE = "chinaxiv"
EVIDENCE_SOURCE = "论文"
"""``EXPERT_IN.source`` of field evidence derived from papers."""
FIELDS_BASIS = "技术领域"
"""``basis`` of a paper's field link given by its ``fields`` column (the other one is :data:`CLASS_BASIS`)."""
MAX_EXPERT_KEYWORDS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_V = TypeVar("_V")


UMBRELLA_INSTITUTIONS = frozenset({"中国科学院大学", "中国科学院", "中国科学院研究生院"})
"""Institutions that an author lists beside their own (CAS institute students are enrolled at 中国科学院大学)."""


def papers_as_drawn(*, left_out: bool = False) -> list[dict[str, Any]]:
    """The paper rows the committed samples and censuses of ``data/`` were drawn from, in id order (the shipped file's
    order): the shipped papers and the reposts dup41 left out later (:data:`ingest.field_reviews.REPOSTS_PATH`);
    with ``left_out``, also title37's 45 rows (for the samples drawn before title37)."""
    rows = []
    for path in (PAPERS_FILE, REPOSTS_PATH, *((LEFT_OUT_FILE,) if left_out else ())):
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return sorted(rows, key=lambda r: r["id"])


def primary_institution(institutions: list[str]) -> str:
    """The institution that keys an author listed at several institutions of one paper (``王丙寅1,2``): the first
    listed that is neither an umbrella (:data:`UMBRELLA_INSTITUTIONS`) nor a laboratory (a name ending in 实验室,
    hosted by an institution), else the first listed. Decided for issue 12 (data/eval/sme-demands/DECISIONS.md,
    affil12b; samples ``data/people/multi_affiliation_sample*.tsv``).

    >>> primary_institution(["中国科学院大学", "中国科学院工程热物理研究所"])
    '中国科学院工程热物理研究所'
    >>> primary_institution(["绿洲生态教育部重点实验室", "新疆大学"]), primary_institution(["甲重点实验室", "乙实验室"])
    ('新疆大学', '甲重点实验室')
    """
    for inst in institutions:
        if inst not in UMBRELLA_INSTITUTIONS and not inst.endswith("实验室"):
            return inst
    return institutions[0]


def institutions_by_author(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """A paper's printed (name, institution) pairs → each name's institutions, normalised, in the order listed.

    >>> institutions_by_author([("王丙寅", "中国科学院大学"), ("李", "北京大学"), ("王丙寅", "中国科学院工程热物理研究所")])
    {'王丙寅': ['中国科学院大学', '中国科学院工程热物理研究所'], '李': ['北京大学']}
    """
    out: dict[str, list[str]] = {}
    for name, inst in pairs:
        insts = out.setdefault(name, [])
        if (org := normalize_org(inst)) not in insts:
            insts.append(org)
    return out


_MATH = re.compile(r"\$([^$]*)\$")
_STYLE = re.compile(r"\\(?:mathbf|mathrm|mathsf|mathit|mathtt|mathfrak|mathcal|mathscr|boldsymbol|pmb|textbf|textit|"
                    r"text|bf|rm|sf|it|tt|left|right|substack)(?![A-Za-z])")
_SYMBOLS = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "kappa": "κ",
            "lambda": "λ", "mu": "μ", "nu": "ν", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ", "Phi": "Φ",
            "omega": "ω", "Omega": "Ω", "theta": "θ", "rho": "ρ", "eta": "η", "chi": "χ", "psi": "ψ", "xi": "ξ",
            "times": "×", "cdot": "·", "sim": "~", "dot": "", "pm": "±", "leq": "≤", "geq": "≥", "leqslant": "≤", "geqslant": "≥",
            "circ": "°", "prime": "′", "mid": "|", "nabla": "∇", "rightarrow": "→"}
_CJK = "\u3400-\u9fff\uf900-\ufaff"


def _plain_math(m: re.Match[str]) -> str:
    body = _STYLE.sub("", m[1])
    body = re.sub(r"\\([A-Za-z]+|.)", lambda c: _SYMBOLS.get(c[1], c[1]), body)
    return re.sub(r"[{}_^\s]", "", body)


def plain_title(title: str) -> str:
    r"""A title as a reader should see it: the LaTeX and Markdown escapes of the ChinaXiv export turned into text
    (``$\\mathbf { C O } _ { 2 }$`` → CO2, ``$\\beta$`` → β, ``1\\~21`` → 1~21, ``\\*`` dropped) and a space
    between two Chinese characters removed (line breaks of the PDF).

    >>> plain_title("皆伐火烧对亚热带森林不同深度土壤 $\\mathbf { C O } _ { 2 }$ 通量的影响")
    '皆伐火烧对亚热带森林不同深度土壤 CO2 通量的影响'
    >>> plain_title("1\\~21日龄爱拔益加 $\\times$ 罗曼肉杂鸡饲粮的 影响"), plain_title("\\*中国湖泊微生物组研究")
    ('1~21日龄爱拔益加 × 罗曼肉杂鸡饲粮的影响', '中国湖泊微生物组研究')
    >>> plain_title("温州沿海小型海岛植物丰富度和 $\\beta$ 多样性"), plain_title("Fe-1.5wt $\\%$ Cu合金")
    ('温州沿海小型海岛植物丰富度和 β 多样性', 'Fe-1.5wt % Cu合金')
    """
    text = _MATH.sub(_plain_math, title)
    text = re.sub(r"\\([~%_&#])", r"\1", text.replace("\\*", ""))  # \* marks a footnote: dropped
    text = re.sub(r"\\(?![A-Za-z])", "", text)  # a stray backslash of the OCR (化\谢)
    text = re.sub(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


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


def clc_links(clc: str | None) -> dict[str, float]:
    """ht2016 links of a paper's printed 中图分类号: the crosswalk's main target of each code (none for a
    code whose rule says ``-`` or that no rule covers).

    >>> clc_links("V231.3;TK05"), clc_links("V474.3"), clc_links("TM912.9"), clc_links("TJ0")
    ({'ht2016:301': 1.0, 'ht2016:604': 1.0}, {'ht2016:302': 1.0}, {'ht2016:603': 1.0}, {})
    """
    links: dict[str, float] = {}
    for code in re.split(r"[;；,，、\s]+", (clc or "").upper()):
        if code:
            for target, weight in get_crosswalk().targets("clc", code)[:1]:
                if target != NONE:
                    links[f"ht2016:{target}"] = weight
    return links


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


_AuthorKey = tuple[str, str]  # (name, institution) as the text pairs them


@dataclass
class _PaperFacts:
    row: int
    year: int | None
    authors: list[tuple[_AuthorKey, int]]  # ((name, institution), position)
    names: tuple[str, ...]  # every author of the line, paired or not
    fields: list[str]
    keywords: list[str]
    by_class: frozenset[str] = frozenset()  # the fields linked by the printed 中图分类号 alone


class PaperBuilder(Builder):
    """Rows of kind ``paper``: papers, their authors as experts, and what co-authorship implies."""

    kind = "paper"
    default_source = PAPER_SOURCE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._papers: dict[str, _PaperFacts] = {}
        self._institution_ids: dict[str, str] = {}
        self._source = self.source or self.default_source
        self._resolved: dict[_AuthorKey, str] = {}

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One paper row → Paper, IN_FIELD, the institutions of its authors; the authors are resolved in :meth:`finish`."""
        source = self.source_of(rec)
        ctx.require(rec, "title")
        pid = paper_id(rec, source)
        self.claim(ctx, pid, "id" if rec.get("id") else "title")
        year = _year(ctx, rec)
        fields = self.fields(ctx, rec)
        given = {fid for fid, _ in fields}
        by_class = {fid: weight for fid, weight in self._class_fields(rec.get("clc")).items() if fid not in given}
        if pid is None or ctx.errors:
            return
        reviewed = self._known_fields(paper_reviews(pid))  # a person's verdict overrides every rule
        fields = [(fid, w) for fid, w in fields if reviewed.get(fid, True)]
        by_class = {fid: w for fid, w in by_class.items() if fid not in reviewed}
        kept = {fid for fid, _ in fields}
        checked = [fid for fid, ok in reviewed.items() if ok and fid not in kept]
        parsed = parse_paper_authors(rec.get("authors") or "", rec.get("affiliations") or "")
        keywords = [k for k in rec.get("keywords") or [] if isinstance(k, str) and k.strip()]
        ctx.node(Label.PAPER, {
            "id": pid, "title": plain_title(str(rec["title"])), "authors": list(parsed.authors), "keywords": keywords,
            "abstract": rec.get("abstract"), "year": year, "month": rec.get("month"), "clc": rec.get("clc"),
            "source": source,
        })
        for fid, weight in [*fields, *by_class.items()]:
            ctx.rel(RelType.IN_FIELD, Label.PAPER, pid, Label.FIELD, fid, weight=weight if weight != 1 else None,
                    basis=REVIEW_BASIS if fid in reviewed else CLASS_BASIS if fid in by_class else FIELDS_BASIS)
        for fid in checked:
            ctx.rel(RelType.IN_FIELD, Label.PAPER, pid, Label.FIELD, fid, basis=REVIEW_BASIS)
        position = {name: i for i, name in enumerate(parsed.authors, start=1)}
        # one printed name at several institutions of this paper: one person
        primary = {name: primary_institution(insts) for name, insts in institutions_by_author(parsed.pairs).items()}
        inst_ids = {inst: self.institution(ctx, inst, source=source)  # once per row: several authors share one
                    for inst in dict.fromkeys(primary.values())}
        authors = [((name, inst), position[name]) for name, inst in primary.items()]
        facts = _PaperFacts(ctx.row, year, authors, parsed.authors, [*(f for f, _ in fields), *by_class, *checked],
                            keywords, frozenset(by_class))

        def remember() -> None:
            self._papers[pid] = facts
            self._institution_ids.update(inst_ids)
            self._source = source

        ctx.on_commit(remember)

    def _known_fields(self, by_field: Mapping[str, _V]) -> dict[str, _V]:
        """``by_field`` keyed by the stored ht2016 Field ids, those not stored left out (the taxonomy may not be loaded)."""
        out = {}
        for fid, value in by_field.items():
            try:
                out[self.resolver.field(fid, ("ht2016",))] = value
            except ValueError:
                continue
        return out

    def _class_fields(self, clc: object) -> dict[str, float]:
        """:func:`clc_links` of a printed 中图分类号, those whose Field is known."""
        return self._known_fields(clc_links(clc if isinstance(clc, str) else None))

    # -- who the authors are -------------------------------------------------------------------
    def _author_records(self) -> dict[_AuthorKey, tuple[int, PersonRecord, list[str], list[str]]]:
        """Per (name, institution) of the file: first row, the record the resolver compares, keywords by
        frequency, paper ids."""
        acc: dict[_AuthorKey, dict[str, Any]] = {}
        for pid, facts in self._papers.items():
            for key, _ in facts.authors:
                entry = acc.setdefault(key, {"row": facts.row, "papers": [], "keywords": Counter(), "years": set(),
                                             "fields": set(), "coauthors": set()})
                entry["row"] = min(entry["row"], facts.row)
                entry["papers"].append(pid)
                entry["keywords"].update(dict.fromkeys(facts.keywords, 1))
                entry["fields"].update(facts.fields)
                entry["coauthors"].update(n for n in facts.names if n != key[0])
                if facts.year is not None:
                    entry["years"].add(facts.year)
        out = {}
        for key, e in acc.items():
            ranked = [k for k, _ in sorted(e["keywords"].items(), key=lambda kv: (-kv[1], kv[0]))]
            record = author_record(key[0], key[1], paper_ids=sorted(e["papers"]), keywords=ranked,
                                   years=e["years"], fields=e["fields"], coauthors=e["coauthors"])
            out[key] = (e["row"], record, ranked, sorted(e["papers"]))
        return out

    def _stored_authors(self) -> dict[tuple[str, str], str]:
        """(paper id, author name) → the expert an earlier load put there (a reload keeps every decision)."""
        refs = [NodeRef(Label.PAPER, p) for p in sorted(self._papers)]
        return {(src.id, normalize_name(nb.node.props.get("name") or "")): nb.node.id for src, nb in self.store.expand(
            refs, direction=Direction.IN, rel_types=[RelType.AUTHORED], labels=[Label.EXPERT])}

    def _resolve_authors(self) -> list[NodeOp | RelOp]:
        """Each author of the file → an expert (:class:`ingest.identity.PersonIndex`), new ones with WORKS_AT."""
        people = PersonIndex(self.store)
        before = self._stored_authors()
        ops: list[NodeOp | RelOp] = []
        for key, (row, record, keywords, papers) in sorted(self._author_records().items()):
            name = normalize_name(key[0])
            earlier = sorted({before[(p, name)] for p in papers if (p, name) in before})
            if earlier:
                eid, merged = earlier[0], True
            else:
                found = people.resolve(record)
                eid, merged = found.expert_id, found.merged
            people.add(eid, record)
            self._resolved[key] = eid
            if merged:
                continue
            ops.append(NodeOp(row, Label.EXPERT, {"id": eid, "name": key[0], "institution": key[1],
                                                  "source": self._source,
                                                  **({"keywords": keywords[:MAX_EXPERT_KEYWORDS]} if keywords else {})}))
            ops.append(RelOp(row, RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION,
                             {"start": eid, "end": self._institution_ids[key[1]]}))
        for pid, facts in sorted(self._papers.items()):
            positions: dict[str, int] = {}  # one person listed at two institutions of the paper: one AUTHORED
            for key, position in facts.authors:
                eid = self._resolved[key]
                positions[eid] = min(positions.get(eid, position), position)
            ops += [RelOp(facts.row, RelType.AUTHORED, Label.EXPERT, Label.PAPER,
                          {"start": eid, "end": pid, "position": position}) for eid, position in sorted(positions.items())]
        return ops

    # -- derived facts -------------------------------------------------------------------------
    def finish(self) -> list[NodeOp | RelOp]:
        """The authors (resolved), AUTHORED, COLLABORATES, EXPERT_IN (论文), counting stored papers too."""
        if not self._papers:
            return []
        ops = self._resolve_authors()
        experts = sorted(set(self._resolved.values()))
        if not experts:
            return ops
        refs = [NodeRef(Label.EXPERT, e) for e in experts]
        return [*ops, *self._collaborations(refs), *self._expert_fields(refs)]

    def _collaborations(self, refs: list[NodeRef]) -> list[RelOp]:
        pairs: dict[tuple[str, str], dict[str, Any]] = {}
        for pid, facts in self._papers.items():
            names = {self._resolved[key]: key[0] for key, _ in facts.authors}
            ids = sorted(names)
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
        by_class = {(pid, fid) for pid, facts in self._papers.items() for fid in facts.by_class}
        rows: dict[str, int] = {}
        for pid, facts in self._papers.items():
            for eid in {self._resolved[key] for key, _ in facts.authors}:
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
                if nb.rel.props.get("basis") == CLASS_BASIS:
                    by_class.add((src.id, nb.node.id))
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
                **({"last_year": max(known)} if known else {}), "source": EVIDENCE_SOURCE,
                "basis": CLASS_BASIS if all((p, fid) in by_class for p in pids) else FIELDS_BASIS}))
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
    institution: str = ""
    fields: tuple[str, ...] = ()  # the Field ids of their papers (``fields`` column), sorted
    titles: tuple[str, ...] = ()  # of their papers, in paper-id order
    coauthors: tuple[str, ...] = ()  # the other authors' names on their papers, sorted


def author_records(rows: Iterable[dict[str, Any]] | None = None, *, source: str = PAPER_SOURCE) -> list[AuthorRecord]:
    """The authors of paper rows (default: the shipped ChinaXiv file), one record per printed (name, institution) pair.

    (The pairs as printed, which the labelled samples of ``ingest.identity_sample`` were drawn from; the importer keys
    an author listed at several institutions of one paper by :func:`primary_institution`.)

    Rows are dicts with the keys of ``data/papers/papers.jsonl`` (id, title, authors,
    affiliations, keywords, month or year). ``expert_id`` is ``expert:<name>@<institution>``
    (the node an unresolved author gets). Sorted by expert id; keywords most frequent first.

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
                                         "keywords": Counter(), "years": set(), "institution": normalize_org(inst),
                                         "fields": set(), "titles": {}, "coauthors": set()})
            entry["papers"].add(pid)
            entry["titles"][pid] = str(row.get("title") or "")
            entry["coauthors"].update(n for n in parsed.authors if n != name)
            entry["fields"].update(f for f in (row.get("fields") or {}) if isinstance(f, str))
            entry["keywords"].update(dict.fromkeys((k for k in row.get("keywords") or [] if isinstance(k, str)), 1))
            if isinstance(year, int):
                entry["years"].add(year)
    return [AuthorRecord(eid, e["name"], e["inst"], tuple(sorted(e["papers"])),
                         tuple(k for k, _ in sorted(e["keywords"].items(), key=lambda kv: (-kv[1], kv[0]))),
                         tuple(sorted(e["years"])), e["institution"], tuple(sorted(e["fields"])),
                         tuple(e["titles"][p] for p in sorted(e["titles"])), tuple(sorted(e["coauthors"])))
            for eid, e in sorted(acc.items())]
