"""Academicians and 国家重点研发计划 projects: talent and programme flags, field evidence, one node per person.

``kgmatch load FILE --kind academician`` (院士名单) gives per row an ``Expert`` flagged as
人才计划入选者: ``talent_titles`` (中国科学院院士 / 中国工程院院士), ``academy``, ``division``,
``election_year``, ``specialty``; ``WORKS_AT`` its institution when the list names one;
``EXPERT_IN {weight 0.5, source: "academician", method: "nlp"}`` to the 高新技术领域 (ht2016) fields the
NLP linker finds in the specialty and the biography's 从事…/致力于… phrases, only among the first-level
fields the division covers (:data:`DIVISION_FIELDS`: a 信息技术科学部 specialist is never linked to
生物与新医药 through a stray word); ``EXPERT_IN {weight 0.5, method: "term"}`` to the fields the specialty
names outright (:func:`specialty_term_fields`: 运载火箭, 航空发动机, 卫星导航 …); and ``EXPERT_IN
{weight 0.3, method: "division"}`` to the field the division itself stands for, where it stands for one
(:data:`DIVISION_PRIMARY`).

``kgmatch load FILE --kind nkrd`` (重点专项 项目 and 课题) gives ``Project {source: "nkrd",
programme, level, parent_id, year}`` with ``IN_FIELD`` the programme's field (材料基因工程 →
ht2016:40 新材料) and the finer ht2016 fields the lexical linker finds in the title (``method: nlp``), or, for a
title it leaves unlinked, the supervised linker's second-level fields with their probability (``method: supervised``,
:func:`_supervised`; nkrd32: 全固态锂电池材料与电池研究 is in 60302's parent 603, not only in 新材料); the leader as an
``Expert`` flagged as 科技计划项目承担者 (``programmes``; the years are those of the projects) who ``LEADS`` it,
with ``EXPERT_IN {weight 1 − 0.5^n, source: "nkrd"}`` per field over their n projects;
``COLLABORATES {projects, first_year, last_year}`` between the leaders of one 项目 and of its 课题 (they
run one national project together; papers of the pair, when co-authors, stay on the same relationship); and each
company among the 承担单位 as an ``Enterprise`` that ``UNDERTAKES`` the project (the company is
also the leader's ``Institution``).

Who is who is decided by :class:`ingest.identity.PersonIndex`: a record merges into a stored
expert only with the same name, the same institution (up to departments and aliases) and
compatible disciplines; otherwise it is a new expert. Merged experts get only the new flags and
links, never a new name, institution or source.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import NodeRef
from ingest.builders import Builder, RowContext
from ingest.generic import NodeOp, RelOp
from ingest.identity import DIVISION_AREAS, PROGRAMME_AREAS, PersonIndex, PersonRecord, areas_of_fields
from ingest.nsfc import expert_weight
from ingest.resolve import DATA_ROOT, normalize_name, normalize_org

__all__ = [
    "ACADEMICIANS_FILE",
    "NKRD_FILE",
    "ACADEMIES",
    "DIVISION_FIELDS",
    "PROGRAMME_FIELDS",
    "TALENT",
    "PROGRAMME_LEADER",
    "AcademicianBuilder",
    "NkrdBuilder",
    "people_files",
    "link_specialty",
    "specialty_term_fields",
    "link_title",
    "Link",
    "LEXICAL",
    "SUPERVISED",
    "SUPERVISED_MIN",
    "shipped_links",
    "build_links",
]

ACADEMICIANS_FILE = DATA_ROOT / "people" / "academicians-cas-cae-2017" / "academicians.csv"
NKRD_FILE = DATA_ROOT / "people" / "nkrd-materials-genome-2016-2018" / "projects.csv"

TALENT = "人才计划入选者"
PROGRAMME_LEADER = "科技计划项目承担者"

ACADEMIES = {"中国科学院": "中国科学院", "中科院": "中国科学院", "中国工程院": "中国工程院", "工程院": "中国工程院"}
"""Accepted spellings of the two academies → their names."""

DIVISION_FIELDS: dict[str, tuple[str, ...]] = {
    "数学物理学部": ("10", "30", "40", "60"), "化学部": ("20", "40", "60", "70"),
    "生命科学和医学学部": ("20", "70"), "地学部": ("70", "30"), "信息技术科学部": ("10", "80", "50"),
    "技术科学部": ("10", "30", "40", "60", "80"), "机械与运载工程学部": ("80", "30", "60"),
    "信息与电子工程学部": ("10", "30", "80"), "化工、冶金与材料工程学部": ("40", "60", "70"),
    "冶金与材料工程学部": ("40", "60", "70"), "能源与矿业工程学部": ("60", "70"),
    "土木、水利与建筑工程学部": ("70", "80", "60"), "水利与建筑工程学部": ("70", "80", "60"),
    "环境与轻纺工程学部": ("70", "40", "20"), "农业学部": ("20", "70"), "医药卫生学部": ("20",),
    "工程管理学部": ("50", "80"),
}
"""Academy division → the ht2016 first-level fields its members' specialties may link to."""

PROGRAMME_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "材料基因工程关键技术与支撑平台": ("ht2016:40", ("40", "60", "10", "80")),
}
"""重点专项 → (its own field, the ht2016 first-level fields its titles may link to)."""
DEFAULT_PROGRAMME = "材料基因工程关键技术与支撑平台"
NKRD = "国家重点研发计划"
_ACADEMICIAN_WEIGHT = 0.5  # like one led project: the specialty is a statement, the link a guess
_COMPANY = re.compile(r"(公司|集团|股份|有限)")
_NKRD_ID = re.compile(r"^\d{4}YF[A-Z]\d{7}$")


DIVISION_PRIMARY: dict[str, str] = {
    "信息技术科学部": "ht2016:10", "信息与电子工程学部": "ht2016:10", "机械与运载工程学部": "ht2016:80",
    "化工、冶金与材料工程学部": "ht2016:40", "冶金与材料工程学部": "ht2016:40", "能源与矿业工程学部": "ht2016:60",
    "环境与轻纺工程学部": "ht2016:70", "地学部": "ht2016:70", "农业学部": "ht2016:207", "医药卫生学部": "ht2016:20",
    "生命科学和医学学部": "ht2016:20",
}
"""Divisions whose membership is itself evidence of one ht2016 field (divisions spanning several, such as
数学物理学部, 化学部 or 技术科学部, have none: their members reach fields only through their specialty)."""
_DIVISION_WEIGHT = 0.3  # the division says which field, not which topic in it
_ALL_FIRST_LEVELS = ("10", "20", "30", "40", "50", "60", "70", "80")
_TOPIC = re.compile(r"(?:从事|致力于|主要研究|研究方向为|研究领域为)([^。；;]{4,80})")
_RESEARCH_VERB = re.compile(r"从事|致力于|研究|提出|发明|研制|研发|开发|建立|揭示|发展了|阐明|解决|攻克|开拓|创建|构建|设计|主持|突破|开创|"
                            r"率先|首次|成功")
_BIOGRAPHY = re.compile(r"毕业|学位|当选|院士|生于|出生|籍贯|曾任|现任|兼任|历任|担任|任职|主任|院长|校长|所长|理事|委员|编委|主编|奖|"
                        r"论文|专著|著作|专利|培养|博士生|硕士|SCI|引用|他引|报告|讲学|访问|留学|进修|教授|研究员|工程师|Fellow|会士|称号")
RESEARCH_CHARS = 400
"""At most this many characters of an academician's biography are kept as their research text (:func:`research_phrases`)."""


LEXICAL, SUPERVISED = "nlp", "supervised"
"""``method`` of a field link found by the lexical linker (:func:`_link`) or the supervised one (:func:`_supervised`)."""


class Link(NamedTuple):
    """One ht2016 link of a shipped text: the field, its weight and the linker that found it."""

    field: str
    weight: float
    method: str


@functools.cache
def _linker() -> Any:
    from ingest.enrich import LinkRule, build_linkers

    rule = LinkRule("people", "ht2016", _ALL_FIRST_LEVELS, min_weight=0.04, max_links=2, tie_ratio=0.8,
                    min_code_length=3)
    return build_linkers([rule])["people"], rule


def _link(text: str, prefixes: tuple[str, ...]) -> list[tuple[str, float]]:
    """The best one or two ht2016 links of ``text`` (rules of :func:`ingest.enrich.choose_links`) within ``prefixes``."""
    from dataclasses import replace

    from ingest.enrich import choose_links, rank_fields
    from ingest.field_linking import lexical_features

    linker, rule = _linker()
    features = lexical_features(linker.terms(text))
    ranked = [x for x in rank_fields(linker, rule, features, top_k=10) if x.code.startswith(prefixes)]
    return [(link.field_id, link.weight) for link in choose_links(ranked, replace(rule, prefixes=prefixes))]


SUPERVISED_MIN = 0.15
"""A key R&D title the lexical linker leaves unlinked takes the supervised linker's fields when the best one has at
least this probability (nkrd32, data/eval/sme-demands/DECISIONS.md)."""


def _supervised(text: str, prefixes: tuple[str, ...]) -> list[Link]:
    """The supervised linker's second-level ht2016 fields of ``text`` within ``prefixes`` (the best, and a second of
    ≥ half its probability), weighted by their probability; none when the best is under :data:`SUPERVISED_MIN`."""
    from ingest.field_linking import choose_fields, rank_ht2016

    ranked = [(code, p) for code, p in rank_ht2016(text, top_k=10) if code.startswith(prefixes)]
    if not ranked or ranked[0][1] < SUPERVISED_MIN:
        return []
    chosen = dict(choose_fields(ranked, top_k=2))
    return [Link(f"ht2016:{code}", round(p, 4), SUPERVISED) for code, p in ranked if code in chosen]


def _link_lexical(text: str, prefixes: tuple[str, ...]) -> list[Link]:
    """The lexical linker's links of ``text`` (:func:`_link`) as :class:`Link`."""
    return [Link(f, w, LEXICAL) for f, w in _link(text, prefixes)]


def _link_title_live(title: str, prefixes: tuple[str, ...]) -> list[Link]:
    """A key R&D title's lexical links, or the supervised linker's when there are none."""
    return _link_lexical(title, prefixes) or _supervised(title, prefixes)


LINKS_FILE = DATA_ROOT / "people" / "field_links.csv"
"""The links of the shipped files' texts, built by ``python -m ingest.people`` (the demo load then needs no NLP)."""


@functools.cache
def _shipped_links() -> dict[tuple[str, str], list[Link]]:
    links: dict[tuple[str, str], list[Link]] = {}
    if LINKS_FILE.exists():
        with LINKS_FILE.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found = links.setdefault((row["scope"], row["text"]), [])
                if row["field"]:
                    found.append(Link(row["field"], float(row["weight"]), row["method"]))
    return links


def shipped_links() -> dict[tuple[str, str], list[Link]]:
    """The links of :data:`LINKS_FILE` by (scope, text) (a copy)."""
    return {key: list(links) for key, links in _shipped_links().items()}


def _cached_link(scope: str, text: str, prefixes: tuple[str, ...], live: Callable[[str, tuple[str, ...]], list[Link]],
                 ) -> list[Link]:
    """The shipped links of ``text`` when it was linked at build time, else ``live``'s."""
    shipped = _shipped_links().get((scope, text))
    return list(shipped) if shipped is not None else live(text, prefixes)


def build_links(*, supervised: bool = True) -> str:
    """The content of :data:`LINKS_FILE`: every text of the shipped academicians and key R&D files, linked (a key
    R&D title the lexical linker leaves unlinked by the supervised linker, unless ``supervised`` is false: then
    such a title has an empty row, for a check of the lexical rows without the full model)."""
    rows: list[tuple[str, str]] = []
    with ACADEMICIANS_FILE.open(encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            text = specialty_text(rec["specialty"], rec["intro"])
            if text and rec["division"] in DIVISION_FIELDS:
                rows.append((rec["division"], text))
    with NKRD_FILE.open(encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            rows.append((DEFAULT_PROGRAMME, rec["title"]))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("scope", "text", "field", "weight", "method"))
    for scope, text in sorted(set(rows)):
        programme = scope in PROGRAMME_FIELDS
        prefixes = PROGRAMME_FIELDS[scope][1] if programme else DIVISION_FIELDS[scope]
        links = (_link_title_live if programme and supervised else _link_lexical)(text, prefixes)
        for link in links or [Link("", 0.0, "")]:
            writer.writerow((scope, text, link.field, round(link.weight, 4) if link.field else "", link.method))
    return out.getvalue()


TERMS_FILE = DATA_ROOT / "people" / "specialty_terms.csv"
"""Specialty words that name a field outright (航空发动机, 运载火箭, 卫星导航 …), written by hand: see data/people/SOURCE.md."""


@functools.cache
def _terms() -> dict[str, tuple[str, ...]]:
    terms: dict[str, list[str]] = {}
    if TERMS_FILE.exists():
        with TERMS_FILE.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found = terms.setdefault(row["term"], [])
                if row["field"]:
                    found.append(row["field"])
    return {term: tuple(fields) for term, fields in terms.items()}


def specialty_term_fields(specialty: str | None) -> list[str]:
    """The fields an academician's specialty names outright (:data:`TERMS_FILE`; the longest term at each place).

    The NLP linker reads 液体火箭发动机专家 as an engine of 先进制造 and finds nothing in 飞机设计专家;
    the specialty is the academy's own statement, so the words that name an aerospace object count.

    >>> specialty_term_fields("液体火箭发动机专家"), specialty_term_fields("航空医学和生物医学工程专家")
    (['ht2016:30207'], [])
    >>> specialty_term_fields("大气动力学家")
    []
    """
    text, terms = str(specialty or ""), _terms()
    longest = max(map(len, terms), default=0)
    out: list[str] = []
    at = 0
    while at < len(text):
        for size in range(min(longest, len(text) - at), 0, -1):
            fields = terms.get(text[at:at + size])
            if fields is not None:
                out += [f for f in fields if f not in out]
                at += size
                break
        else:
            at += 1
    return out


def specialty_text(specialty: str | None, intro: str | None) -> str:
    """What an academician's fields are linked from: the specialty and up to two 从事…/致力于… phrases of the biography.

    >>> specialty_text("加速器物理学家", "……长期从事强流质子加速器研究。")
    '加速器物理学家；强流质子加速器研究'
    """
    topics = [m.group(1) for m in _TOPIC.finditer(intro or "")][:2]
    return "；".join(t for t in (specialty or "", *topics) if t)


def research_phrases(intro: str | None, *, limit: int = RESEARCH_CHARS) -> list[str]:
    """The sentences of an academician's biography that say what they work on, without the career around them.

    A sentence is kept when, once its comma-separated parts naming a degree, an office, an award, a paper count or
    a birthplace are dropped, what is left says what was studied or built (从事, 研制, 提出 …); kept in order until
    ``limit`` characters. The academies' pages are the only text about these members' work that the graph has
    (they lead no NSFC project in the shipped files and write few ChinaXiv papers), so this is their text evidence.

    >>> research_phrases("1962年毕业于南开大学化学系。长期从事水污染控制研究，曾获国家科技进步二等奖。发表论文300多篇。"
    ...                  "研制成功系列大孔离子交换树脂，广泛应用于工业水处理。")
    ['长期从事水污染控制研究', '研制成功系列大孔离子交换树脂，广泛应用于工业水处理']
    """
    out: list[str] = []
    total = 0
    for sentence in re.split(r"[。；;！!？?]", intro or ""):
        kept = [part.strip(" 、") for part in re.split(r"[，,]", sentence)
                if part.strip(" 、") and not _BIOGRAPHY.search(part)]
        phrase = "，".join(kept)
        if not phrase or not _RESEARCH_VERB.search(phrase):
            continue
        if total + len(phrase) > limit:
            break
        out.append(phrase)
        total += len(phrase)
    return out


def link_specialty(specialty: str, division: str) -> list[tuple[str, float]]:
    """ht2016 fields for an academician's specialty text, among the first levels of the division (best first)."""
    prefixes = DIVISION_FIELDS.get(division)
    if not specialty or not prefixes:
        return []
    return [(link.field, link.weight) for link in _cached_link(division, specialty, prefixes, _link_lexical)]


def link_title(title: str, programme: str) -> list[Link]:
    """ht2016 fields for a key R&D project title, among the first levels of the programme (best first): the lexical
    linker's, or the supervised linker's when the lexical one finds none (:func:`_supervised`)."""
    _, prefixes = PROGRAMME_FIELDS.get(programme, ("", ()))
    return _cached_link(programme, title, prefixes, _link_title_live) if title and prefixes else []


class _PersonBuilder(Builder):
    """Shared: resolve a person record, emit the expert once per file, remember it for later rows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = PersonIndex(self.store)
        self._experts: dict[str, tuple[int, dict[str, Any]]] = {}  # id → (first row, props), written by finish
        self._rels: set[tuple[str, str, str]] = set()

    def person(self, ctx: RowContext, record: PersonRecord, props: dict[str, Any]) -> str:
        """The expert id for ``record``; its properties (new: all; merged: only the flags in ``props``) are
        gathered over the file, list flags united (a member of both academies has two titles)."""
        found = self.people.resolve(record)
        eid = found.expert_id
        if eid not in self._experts and record.institution and not found.merged:
            iid = self.institution(ctx, record.institution, source=record.source)
            self.rel_once(ctx, RelType.WORKS_AT, eid, Label.INSTITUTION, iid)
        # A merged expert keeps its institution and source; the name is the same by the rule.
        base = {"name": record.name} if found.merged else {
            "name": record.name, "institution": record.institution, "source": record.source}

        def remember() -> None:
            row, old = self._experts.get(eid, (ctx.row, {}))
            new = {**base, **{k: v for k, v in props.items() if v is not None}}
            for key, value in new.items():
                if isinstance(value, list) and isinstance(old.get(key), list):
                    value = sorted(set(old[key]) | set(value))
                old.setdefault(key, value) if not isinstance(value, list) else old.__setitem__(key, value)
            self._experts[eid] = (row, old)
            self.people.add(eid, record)

        ctx.on_commit(remember)
        return eid

    def rel_once(self, ctx: RowContext, rel: RelType, eid: str, end_label: Label, end: str, **props: Any) -> None:
        """A relationship from the expert, once per file (two rows may be one person)."""
        key = (rel.value, eid, end)
        if key not in self._rels:
            ctx.rel(rel, Label.EXPERT, eid, end_label, end, **props)
            ctx.on_commit(lambda: self._rels.add(key))

    def finish(self) -> list[NodeOp | RelOp]:
        """One node op per expert of the file, with everything its rows said."""
        return [NodeOp(row, Label.EXPERT, {"id": eid, **props}) for eid, (row, props) in sorted(self._experts.items())]


class AcademicianBuilder(_PersonBuilder):
    """Rows of kind ``academician``: academy members as flagged experts with field evidence."""

    kind = "academician"
    default_source = "academician"

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One member → Expert (merged or new), WORKS_AT, EXPERT_IN."""
        ctx.require(rec, "name", "academy", "division")
        academy = ACADEMIES.get(str(rec.get("academy") or "").strip())
        if rec.get("academy") and academy is None:
            ctx.fail("academy", Msg.BAD_VALUE.format(value=rec["academy"], hint="（应为中国科学院或中国工程院）"))
        year = rec.get("election_year")
        if year is not None and not 1955 <= year <= 2100:
            ctx.fail("election_year", Msg.BAD_VALUE.format(value=year, hint="（院士增选始于 1955 年）"))
        if ctx.errors:
            return
        name, division = normalize_name(rec["name"]), str(rec["division"]).strip()
        institution = normalize_org(rec["institution"]) if rec.get("institution") else None
        source = self.source_of(rec)
        ref = f"academician:{academy}/{division}/{name}"
        fields = link_specialty(specialty_text(rec.get("specialty"), rec.get("intro")), division)
        record = PersonRecord(ref, source, name, institution, DIVISION_AREAS.get(division, frozenset()),
                              text=str(rec.get("specialty") or ""))
        flags = {"talent_titles": [f"{academy}院士"], "academy": academy, "division": division,
                 "election_year": year, "specialty": rec.get("specialty"), "academician_url": rec.get("source_url"),
                 "research": research_phrases(rec.get("intro")) or None}
        if institution is None:
            # No employer named: the member is identified by academy and division, and never merged.
            eid = f"expert:{name}@{academy}·{division}"
            self.claim(ctx, eid, "name")
            ctx.node(Label.EXPERT, {"id": eid, "name": name, "source": source, **flags})
        else:
            eid = self.person(ctx, record, flags)
        for fid, _ in fields:
            if self.resolver.has_field(fid):
                self.rel_once(ctx, RelType.EXPERT_IN, eid, Label.FIELD, fid, weight=_ACADEMICIAN_WEIGHT,
                              source=source, method="nlp")
        for fid in specialty_term_fields(rec.get("specialty")):
            if self.resolver.has_field(fid) and fid not in {f for f, _ in fields}:
                self.rel_once(ctx, RelType.EXPERT_IN, eid, Label.FIELD, fid, weight=_ACADEMICIAN_WEIGHT,
                              source=source, method="term")
        primary = DIVISION_PRIMARY.get(division)
        if primary and self.resolver.has_field(primary) and primary not in {f for f, _ in fields}:
            self.rel_once(ctx, RelType.EXPERT_IN, eid, Label.FIELD, primary, weight=_DIVISION_WEIGHT,
                          source=source, method="division")


class NkrdBuilder(_PersonBuilder):
    """Rows of kind ``nkrd``: key R&D projects and 课题, their leaders, and the companies among their 承担单位."""

    kind = "nkrd"
    default_source = "nkrd"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._led: dict[tuple[str, str], set[str]] = {}  # (expert, field) → projects
        self._first: dict[tuple[str, str], int] = {}
        self._years: dict[str, int] = {}
        self._enterprises: set[str] = set()
        self._leaders: dict[str, dict[str, tuple[str, int]]] = {}  # 项目 → its and its 课题's (leader, row)

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One project or 课题 → Project, IN_FIELD, leader Expert + LEADS, company Enterprise + UNDERTAKES."""
        ctx.require(rec, "id", "title", "institution")
        number = str(rec.get("id") or "").strip().upper()
        if number and not _NKRD_ID.match(number):
            ctx.fail("id", Msg.BAD_VALUE.format(value=rec["id"], hint="（应为如 2016YFB0700100 的项目编号）"))
        parent = str(rec.get("parent_id") or "").strip().upper() or None
        if parent and not _NKRD_ID.match(parent):
            ctx.fail("parent_id", Msg.BAD_VALUE.format(value=rec["parent_id"], hint="（应为如 2016YFB0700100 的项目编号）"))
        level = rec.get("level") or ("课题" if parent else "项目")
        if level not in ("项目", "课题"):
            ctx.fail("level", Msg.BAD_VALUE.format(value=level, hint="（应为项目或课题）"))
        programme = str(rec.get("programme") or DEFAULT_PROGRAMME)
        if programme not in PROGRAMME_FIELDS:
            ctx.fail("programme", Msg.BAD_VALUE.format(value=programme, hint="（尚未收录该重点专项的领域）"))
        year = rec.get("year") or (int(number[:4]) if number[:4].isdigit() else None)
        if year is not None and not 2014 <= year <= 2100:
            ctx.fail("year", Msg.BAD_VALUE.format(value=year, hint="（国家重点研发计划始于 2016 年）"))
        pid = f"nkrd:{number}" if number else None
        if pid and "id" not in ctx.failed:
            self.claim(ctx, pid, "id")
        if ctx.errors or pid is None:
            return
        source = self.source_of(rec)
        institution = normalize_org(rec["institution"])
        leader = normalize_name(rec["leader"]) if rec.get("leader") else None
        own_field, _ = PROGRAMME_FIELDS[programme]
        links = [Link(own_field, 1.0, "programme")] + link_title(str(rec["title"]), programme)
        links = [link for link in links if self.resolver.has_field(link.field)]
        ctx.node(Label.PROJECT, {"id": pid, "title": rec["title"], "approval_no": number, "level": level,
                                 "parent_id": f"nkrd:{parent}" if parent else None, "institution": institution,
                                 "pi": leader, "programme": f"{NKRD}·{programme}", "fund_type": NKRD,
                                 "approval_year": year, "start_year": year, "source": source,
                                 "responsible_expert": rec.get("responsible_expert"),
                                 "responsible_expert_institution": rec.get("responsible_expert_institution")})
        for link in links:
            ctx.rel(RelType.IN_FIELD, Label.PROJECT, pid, Label.FIELD, link.field,
                    weight=None if link.method == "programme" else round(link.weight, 4), method=link.method)
        if _COMPANY.search(institution):
            ent = f"ent:{institution}"
            if ent not in self._enterprises and ent not in self.resolver.stored_ids(Label.ENTERPRISE):
                ctx.node(Label.ENTERPRISE, {"id": ent, "name": institution, "source": source})
                ctx.on_commit(lambda: self._enterprises.add(ent))
            ctx.rel(RelType.UNDERTAKES, Label.ENTERPRISE, ent, Label.PROJECT, pid)
        if not leader:
            return
        areas = PROGRAMME_AREAS.get(programme, frozenset()) | areas_of_fields(link.field for link in links[1:])
        record = PersonRecord(f"nkrd:{number}/{leader}", source, leader, institution, areas,
                              text=str(rec["title"]))
        eid = self.person(ctx, record, {"programmes": [f"{NKRD}·{programme}"]})
        ctx.rel(RelType.LEADS, Label.EXPERT, eid, Label.PROJECT, pid)

        def remember() -> None:
            self._years[pid] = year
            self._leaders.setdefault(f"nkrd:{parent}" if parent else pid, {})[pid] = (eid, ctx.row)
            for link in links:
                self._led.setdefault((eid, link.field), set()).add(pid)
                self._first.setdefault((eid, link.field), ctx.row)

        ctx.on_commit(remember)

    def _collaborations(self) -> list[RelOp]:
        """COLLABORATES {projects, first_year, last_year} between the leaders of one 项目 and of its 课题
        (they run one national project together), merged with what is stored (papers of the pair kept)."""
        pairs: dict[tuple[str, str], dict[str, Any]] = {}
        for top, led in self._leaders.items():
            members = sorted(led.items())
            years = {self._years.get(p) for p in led}
            for (_, (a, row_a)), (_, (b, row_b)) in itertools.combinations(members, 2):
                if a == b:
                    continue
                entry = pairs.setdefault((min(a, b), max(a, b)), {"row": min(row_a, row_b), "projects": set(),
                                                                  "years": set()})
                entry["row"] = min(entry["row"], row_a, row_b)
                entry["projects"].add(top)
                entry["years"] |= years
        if not pairs:
            return []
        experts = sorted({e for pair in pairs for e in pair})
        stored = {(min(src.id, nb.node.id), max(src.id, nb.node.id)): nb.rel.props for src, nb in self.store.expand(
            [NodeRef(Label.EXPERT, e) for e in experts], rel_types=[RelType.COLLABORATES], labels=[Label.EXPERT])}
        ops = []
        for (a, b), entry in sorted(pairs.items()):
            old = stored.get((a, b), {})
            projects = sorted(entry["projects"] | set(old.get("projects") or []))
            years = entry["years"] | {old.get("first_year"), old.get("last_year")}
            known = [y for y in years if isinstance(y, int)]
            ops.append(RelOp(entry["row"], RelType.COLLABORATES, Label.EXPERT, Label.EXPERT, {
                "start": a, "end": b, "projects": projects,
                **({"first_year": min(known), "last_year": max(known)} if known else {})}))
        return ops

    def finish(self) -> list[NodeOp | RelOp]:
        """The leaders' nodes; per (leader, field): EXPERT_IN weighted by the projects led (1 − 0.5^n);
        COLLABORATES between the leaders of one 项目 and its 课题."""
        ops: list[NodeOp | RelOp] = [*super().finish(), *self._collaborations()]
        for (eid, fid), pids in sorted(self._led.items()):
            years = [self._years[p] for p in pids if self._years.get(p)]
            ops.append(RelOp(self._first[(eid, fid)], RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, {
                "start": eid, "end": fid, "weight": expert_weight(len(pids)), "projects": len(pids),
                **({"last_year": max(years)} if years else {}), "source": "nkrd"}))
        return ops


def people_files() -> Sequence[tuple[Path, str]]:
    """The shipped academicians and key R&D files that exist, with their kinds (loaded by ``kgmatch load demo``)."""
    return [(path, kind) for path, kind in ((ACADEMICIANS_FILE, "academician"), (NKRD_FILE, "nkrd")) if path.exists()]


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.people [--check]``: rebuild :data:`LINKS_FILE` (or check it is up to date)."""
    args = sys.argv[1:] if argv is None else argv
    content = build_links()
    if "--check" in args:
        return 0 if LINKS_FILE.exists() and LINKS_FILE.read_text(encoding="utf-8") == content else 1
    LINKS_FILE.write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
