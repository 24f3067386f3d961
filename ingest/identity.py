"""One person, one node: decide whether two records of people name the same expert.

Records come from NSFC project lists (C, G, F0208), the academicians list, 国家重点研发计划
projects and paper authors. A record is a :class:`PersonRecord`: a name, an institution, the
coarse disciplines its evidence lies in (:func:`areas_of_field`, :data:`DIVISION_AREAS`) and,
where the source has them, keywords. :func:`same_person` is the decision, a pure function:

1. the names must be equal (after :func:`ingest.resolve.normalize_name`): never fuzzy;
2. both records must name an institution, and :func:`canonical_institution` must agree
   (departments and affiliated hospitals → their university, 中科院 → 中国科学院, renamed
   universities → today's name, from ``data/people/institution_aliases.csv``): a name alone never merges;
3. the evidence must agree or at least not contradict: a shared co-author (paper authors), a shared
   discipline or a shared keyword is agreement; when both records have disciplines and share none,
   they are two people (same name, same institution, different field — a hard negative) unless
   the name is rare (:func:`name_institutions`: found at no more than
   :data:`RARE_NAME_INSTITUTIONS` institutions in the shipped person lists and papers), where one name at one
   institution is one person whose work spans departments (an academician of 技术科学部 with an
   NSFC 管理科学 project, a management scientist whose paper the NLP files under 信息科学); when
   either has no disciplines, keywords decide if both have some, else name + institution do.

:class:`PersonIndex` applies it to a store: for an incoming record it finds the stored experts
(and those added earlier in the same load) with that name, merges into the one that
:func:`same_person` accepts, or says which new id to use. The new id is today's
:func:`ingest.resolve.expert_id` (name@institution) unless another person already holds it,
then that id with ``~`` and the record's disciplines (``expert:王伟@浙江大学~G``), so reloading
finds the same node again.

Paper authors (another loader) plug in as records with ``areas`` empty and ``keywords`` set:
:func:`author_record` builds one from the fields that loader exposes.

The decision is measured on a hand-labelled sample (``data/people/merge_pairs.csv``, drawn by
``python -m ingest.identity_sample``, scored by ``python -m bench.identity_eval``).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from graph.model import Label, RelType
from graph.store import Direction, GraphStore
from ingest.resolve import DATA_ROOT, expert_id, normalize_name, normalize_org

__all__ = [
    "ALIASES_FILE",
    "AREAS",
    "COMMON_NAMES_FILE",
    "RARE_NAME_INSTITUTIONS",
    "name_institutions",
    "DIVISION_AREAS",
    "PROGRAMME_AREAS",
    "PersonRecord",
    "Verdict",
    "Resolution",
    "PersonIndex",
    "canonical_institution",
    "areas_of_field",
    "areas_of_fields",
    "same_person",
    "author_record",
]

ALIASES_FILE = DATA_ROOT / "people" / "institution_aliases.csv"

RARE_NAME_INSTITUTIONS = 2
"""A name found at no more institutions than this in the shipped person lists and papers is rare (see :func:`same_person`)."""

AREAS: dict[str, str] = {
    "A": "数理科学", "B": "化学科学", "C": "生命科学", "D": "地球科学", "E": "工程与材料科学",
    "F": "信息科学", "G": "管理科学", "H": "医学科学",
}
"""The coarse disciplines records are compared in: the eight NSFC departments."""

DIVISION_AREAS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "数学物理学部": "A", "化学部": "B", "生命科学和医学学部": "CH", "地学部": "D", "信息技术科学部": "F",
    "技术科学部": "EFA", "机械与运载工程学部": "E", "信息与电子工程学部": "F", "化工、冶金与材料工程学部": "EB",
    "冶金与材料工程学部": "EB", "能源与矿业工程学部": "ED", "土木、水利与建筑工程学部": "ED", "水利与建筑工程学部": "ED",
    "环境与轻纺工程学部": "EBD", "农业学部": "C", "医药卫生学部": "HC", "工程管理学部": "GE",
}.items()}
"""Academy divisions (学部) → disciplines."""

PROGRAMME_AREAS: dict[str, frozenset[str]] = {
    # 材料基因工程: materials (E), with chemistry, physics and computing (high-throughput computation, data).
    "材料基因工程关键技术与支撑平台": frozenset("EBAF"),
}
"""国家重点研发计划 重点专项 → disciplines."""

_HT2016_AREAS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "10": "F", "20": "CHB", "30": "EF", "40": "EBA", "50": "GF", "60": "EB", "70": "DEBC", "80": "EF"}.items()}


@functools.lru_cache(maxsize=1 << 14)
def areas_of_field(field_id: str) -> frozenset[str]:
    """The disciplines a Field id stands for (empty when unknown).

    >>> sorted(areas_of_field("nsfc2020:C0101")), sorted(areas_of_field("nsfc:G")), sorted(areas_of_field("ht2016:40201"))
    (['C'], ['G'], ['A', 'B', 'E'])
    """
    scheme, _, code = field_id.partition(":")
    if scheme in ("nsfc", "nsfc2020") and code[:1] in AREAS:
        return frozenset(code[:1])
    if scheme == "ht2016":
        return _HT2016_AREAS.get(code[:2], frozenset())
    return frozenset()


def areas_of_fields(field_ids: Iterable[str]) -> frozenset[str]:
    """The union of :func:`areas_of_field` over ``field_ids``."""
    out: set[str] = set()
    for fid in field_ids:
        out |= areas_of_field(fid)
    return frozenset(out)


@functools.cache
def _aliases(path: Path = ALIASES_FILE) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {normalize_org(r["alias"]): normalize_org(r["canonical"]) for r in csv.DictReader(handle)
                if r.get("alias") and r.get("canonical")}


COMMON_NAMES_FILE = DATA_ROOT / "people" / "common_names.csv"
"""Names found at more than :data:`RARE_NAME_INSTITUTIONS` institutions, built by
``python -m ingest.identity_sample --common-names`` from the shipped person lists and every ChinaXiv author."""


@functools.cache
def _common_names(path: Path = COMMON_NAMES_FILE) -> dict[str, int]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["name"]: int(r["institutions"]) for r in csv.DictReader(handle)}


def name_institutions(name: str) -> int:
    """At how many institutions (canonical) the shipped data names someone ``name``, when more than
    :data:`RARE_NAME_INSTITUTIONS` (else 0: a rare name).

    A fixed table of the shipped data (:data:`COMMON_NAMES_FILE`), so that a decision never depends on
    what else a store holds or on the order files are loaded in.

    >>> name_institutions("王斌") > RARE_NAME_INSTITUTIONS, name_institutions("欧训民")
    (True, 0)
    """
    return _common_names().get(normalize_name(name), 0)


_CAMPUS = re.compile(r"^（[^）]{1,6}）")


def canonical_institution(name: str | None) -> str | None:
    """An institution's name as compared across sources (``None`` when empty).

    >>> canonical_institution("复旦大学附属中山医院"), canonical_institution("中科院物理所")
    ('复旦大学', '中国科学院物理研究所')
    >>> canonical_institution("中国石油大学(华东)化学工程学院")
    '中国石油大学（华东）'
    """
    if not name or not str(name).strip():
        return None
    return _canonical(normalize_org(name))


@functools.lru_cache(maxsize=1 << 16)  # a load compares the same few thousand institutions on many rows
def _canonical(text: str) -> str:
    aliases = _aliases()
    text = aliases.get(text, text)
    text = re.sub(r"^中科院", "中国科学院", text)
    text = re.sub(r"^(中国科学院.+?)(?<!研究)所$", r"\1研究所", text)
    cut = text.find("大学")
    if cut > 0:
        end = cut + 2
        campus = _CAMPUS.match(text[end:])
        text = text[: end + (campus.end() if campus else 0)]
    else:
        for unit in ("研究所", "研究院"):
            at = text.find(unit)
            if at > 0 and text.startswith("中国科学院"):
                text = text[: at + len(unit)]
                break
    return aliases.get(text, text)


@dataclass(frozen=True)
class PersonRecord:
    """One source's record of a person, as the resolver compares it."""

    ref: str  # the record in its source, e.g. "academician:中国工程院/农业学部/张三" or an expert id
    source: str  # "nsfc", "academician", "nkrd", "paper", …
    name: str
    institution: str | None
    areas: frozenset[str] = frozenset()
    keywords: frozenset[str] = frozenset()
    years: tuple[int, ...] = ()
    text: str = ""  # what a person labelling the pair reads (titles, specialty)
    coauthors: frozenset[str] = frozenset()  # paper authors: the names they published with

    @cached_property
    def key(self) -> tuple[str, str | None]:
        """(name, canonical institution)."""
        return normalize_name(self.name), canonical_institution(self.institution)


@dataclass(frozen=True)
class Verdict:
    """The decision on a pair, and why (Chinese, shown in the sample report)."""

    same: bool
    reason: str


def same_person(a: PersonRecord, b: PersonRecord) -> Verdict:
    """Whether two records name one person (see the module docstring for the rule).

    >>> x = PersonRecord("1", "nsfc", "王伟", "浙江大学", frozenset("C"))
    >>> same_person(x, PersonRecord("2", "nsfc", "王伟", "浙江大学医学院附属第一医院", frozenset("CH"))).same
    True
    >>> same_person(x, PersonRecord("3", "nsfc", "王伟", "浙江大学", frozenset("G"))).reason
    '同名同单位但学科不同'
    """
    (name_a, inst_a), (name_b, inst_b) = a.key, b.key
    if name_a != name_b:
        return Verdict(False, "姓名不同")
    if inst_a is None or inst_b is None:
        return Verdict(False, "缺少工作单位，不凭姓名合并")
    if inst_a != inst_b:
        return Verdict(False, "工作单位不同")
    if a.coauthors & b.coauthors:
        return Verdict(True, "同名同单位且有共同合作者")
    if a.areas & b.areas:
        return Verdict(True, "同名同单位且学科相同")
    if a.keywords & b.keywords:
        return Verdict(True, "同名同单位且关键词重合")
    if a.areas and b.areas:
        if name_institutions(name_a) <= RARE_NAME_INSTITUTIONS:
            return Verdict(True, "同名同单位，学科不同但姓名罕见")
        return Verdict(False, "同名同单位但学科不同")
    if a.keywords and b.keywords:
        return Verdict(False, "同名同单位但关键词无重合")
    return Verdict(True, "同名同单位，无相互矛盾的证据")


@dataclass(frozen=True)
class Resolution:
    """Where a record goes: ``expert_id``, and whether that expert already existed (``merged``)."""

    expert_id: str
    merged: bool
    reason: str


def author_record(name: str, institution: str | None, *, paper_ids: Sequence[str] = (),
                  keywords: Iterable[str] = (), years: Iterable[int] = (),
                  fields: Iterable[str] = (), coauthors: Iterable[str] = ()) -> PersonRecord:
    """A paper author as a record (what the papers loader knows: name, institution, papers, keywords, years,
    the fields of the papers and the co-authors' names)."""
    return PersonRecord(f"paper-author:{normalize_name(name)}@{institution or ''}", "paper", name, institution,
                        areas_of_fields(fields), frozenset(k.strip() for k in keywords if k and k.strip()),
                        tuple(sorted(set(years))), "；".join(paper_ids[:5]),
                        frozenset(normalize_name(c) for c in coauthors if c and normalize_name(c) != normalize_name(name)))


@dataclass
class PersonIndex:
    """The experts of a store by name, to resolve incoming records against (one load at a time).

    Stored experts become records with their ``institution`` property, the disciplines of their
    EXPERT_IN fields (other than NLP-derived links, which are guesses), academy division and
    programme, and their keywords.
    """

    store: GraphStore | None = None
    _added: dict[str, list[tuple[str, PersonRecord]]] = field(default_factory=dict)
    _ids: set[str] = field(default_factory=set)
    _added_ids: set[str] = field(default_factory=set)  # every id of ``_added``, kept as they are added

    @cached_property
    def _stored(self) -> dict[str, list[tuple[str, PersonRecord]]]:
        by_name: dict[str, list[tuple[str, PersonRecord]]] = {}
        if self.store is None:
            return by_name
        experts = self.store.all_nodes(Label.EXPERT, page=10_000)
        areas: dict[str, set[str]] = {}
        for src, nb in self.store.expand([e.ref for e in experts], direction=Direction.OUT,
                                         rel_types=[RelType.EXPERT_IN], labels=[Label.FIELD], node_props=False):
            if nb.rel.props.get("source") != "nlp":
                areas.setdefault(src.id, set()).update(areas_of_field(nb.node.id))
        for e in experts:
            self._ids.add(e.id)
            props = e.props
            mine = set(areas.get(e.id, ()))
            mine |= DIVISION_AREAS.get(str(props.get("division") or ""), frozenset())
            for programme in props.get("programmes") or []:
                mine |= PROGRAMME_AREAS.get(str(programme).rpartition("·")[2], frozenset())
            keywords = props.get("keywords") if isinstance(props.get("keywords"), list) else []
            record = PersonRecord(e.id, str(props.get("source") or ""), str(props.get("name") or e.id),
                                  props.get("institution"), frozenset(mine), frozenset(keywords or ()))
            by_name.setdefault(normalize_name(record.name), []).append((e.id, record))  # = record.key[0]
        return by_name

    def candidates(self, record: PersonRecord) -> list[tuple[str, PersonRecord]]:
        """Stored and added experts with the record's name, sorted by id."""
        name = record.key[0]
        found = dict(self._stored.get(name, []))
        for eid, rec in self._added.get(name, []):
            found.setdefault(eid, rec)
        return sorted(found.items())

    def resolve(self, record: PersonRecord) -> Resolution:
        """The expert this record is, or the id of a new one."""
        accepted = []
        for eid, known in self.candidates(record):
            verdict = same_person(record, known)
            if verdict.same:
                overlap = (len(record.areas & known.areas) + len(record.keywords & known.keywords)
                           + len(record.coauthors & known.coauthors))
                accepted.append((-overlap, eid, verdict.reason))
        if accepted:
            _, eid, reason = min(accepted)
            return Resolution(eid, True, reason)
        if not record.institution:
            raise ValueError("a person without an institution is never resolved by name alone")
        base = expert_id(record.name, record.institution)
        if base not in self._ids and base not in self._added_ids:
            return Resolution(base, False, "新专家")
        suffix = "".join(sorted(record.areas)) or record.source
        return Resolution(f"{base}~{suffix}", False, "同名同单位但学科不同：另立一人")

    def split_id(self, record: PersonRecord) -> str:
        """Today's ``expert_id(name, institution)`` unless :func:`same_person` puts the record on another
        expert of that name, or the holder of that id is another person.

        Used for NSFC project lists: a PI keeps the id of their exact name + 依托单位 when that is
        them; a project of theirs listed under another spelling of the institution (华中理工大学 →
        华中科技大学, a 学院 of the university) lands on the node already made; and only the hard
        negatives split, so a management scientist and a biologist of one common name at one
        university are two people (``…~G`` for the one met second).
        """
        if not record.institution:
            raise ValueError("a person without an institution is never resolved by name alone")
        base = expert_id(record.name, record.institution)
        known = dict(self.candidates(record))
        holder = known.get(base)
        if holder is not None and same_person(record, holder).same:
            return base
        found = self.resolve(record)
        if found.merged or holder is None:
            return found.expert_id if found.merged else base
        return f"{base}~{''.join(sorted(record.areas))}"

    def add(self, expert_id: str, record: PersonRecord) -> None:
        """Remember that ``record`` is (part of) ``expert_id`` for the rest of this load."""
        known = dict(self._added.get(record.key[0], []))
        old = known.get(expert_id) or dict(self._stored.get(record.key[0], [])).get(expert_id)
        if old is not None:
            record = PersonRecord(expert_id, old.source, old.name, old.institution, old.areas | record.areas,
                                  old.keywords | record.keywords, coauthors=old.coauthors | record.coauthors)
        known[expert_id] = record
        self._added[record.key[0]] = sorted(known.items())
        self._added_ids.add(expert_id)


def records_from_rows(rows: Iterable[Mapping[str, str]]) -> list[PersonRecord]:
    """Records from the sample file's ``a_*`` / ``b_*`` columns (used by the evaluation)."""
    out = []
    for row in rows:
        for side in ("a", "b"):
            out.append(PersonRecord(row[f"{side}_ref"], row[f"{side}_source"], row[f"{side}_name"],
                                    row[f"{side}_institution"] or None, frozenset(row[f"{side}_areas"]),
                                    frozenset(k for k in row.get(f"{side}_keywords", "").split("；") if k)))
    return out
