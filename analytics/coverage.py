"""Expert supply per 高新技术领域: how many experts have direct evidence in each first- and second-level field.

An expert has *direct evidence* in a field of the ht2016 taxonomy (国家重点支持的高新技术领域) when
the graph links them to that field or a field below it by one of:

* 项目: they lead or join a ``Project`` that is ``IN_FIELD`` it, or are ``EXPERT_IN`` it with a
  project-derived source (NSFC codes, the NLP links of NSFC projects, 国家重点研发计划);
* 论文: they ``AUTHORED`` a ``Paper`` ``IN_FIELD`` it, or are ``EXPERT_IN`` it from papers;
* 专利: they ``AUTHORED`` a ``Patent`` ``IN_FIELD`` it, or are ``EXPERT_IN`` it from patents;
* 院士学部: they are ``EXPERT_IN`` it from their academy specialty (source ``academician``).

Evidence through another taxonomy (NSFC codes) counts only once something links it to ht2016.

A link that rests on a paper's printed 中图分类号 alone (``basis: 中图分类号``, :data:`graph.model.CLASS_BASIS`, on
the paper's ``IN_FIELD`` and on the ``EXPERT_IN`` it implies) is not counted. Decided for issue 12 (e2e12b): the
recommender already treats such a link as no direct evidence (it lists an expert but does not vouch for the result,
:mod:`recommend.abstention`; data/eval/sme-demands/DECISIONS.md), and on a hand-checked sample of such links only
51 of 80 put the paper in the right first-level field (data/crosswalk/clc-paper-sample.tsv), so counting those experts as "direct evidence" supply would promise officers experts the
recommender itself abstains on (the PCB demand's astronomy-data and tracking-algorithm authors). The count is
therefore the supply the recommender can vouch for. Measured on the demo (`kgmatch load demo`, main 3c197e4): with
class-only links counted the first-level minimum was 494 (30 航空航天); without them it is 96 (30 航空航天; 60 新能源与节能
256, 70 资源与环境 384, 40 新材料 471, 80 先进制造 463, 10 电子信息 564, 50 高技术服务 831, 20 生物与新医药 1,330), so
航空航天 is below issue 12's target of 200 and the table says so (``meets_target``): the gap is real supply to add.
A paper–field link a person checked (``basis: 人工核验``, :mod:`ingest.field_reviews`: the verdicts of issue 12's two
hand-labelled censuses of aerospace papers) is direct evidence and counted: with them 30 航空航天 has 549 experts on
the demo (reviews12, other fields unchanged), and 454 once an author listed at several institutions of one paper is
one expert (affil12b; the lowest first-level field is then 60 新能源与节能 with 234).
``pending`` counts, per field, the experts left out only because their evidence there rests on a printed class
not yet checked by hand: the supply a review (:mod:`ingest.field_reviews`) could add.
:func:`field_coverage` reads everything through the GraphStore contract (so both stores give the
same table); ``kgmatch coverage`` and the dashboard show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.model import CLASS_BASIS, Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef

__all__ = ["EVIDENCE_KINDS", "TARGET", "REVIEW_QUEUE_COLUMNS", "FieldCoverage", "PendingLink", "evidence_kind",
           "field_coverage", "coverage_json", "pending_links"]

SCHEME = "ht2016"
EVIDENCE_KINDS: tuple[str, ...] = ("项目", "论文", "专利", "院士学部")
"""Kinds of direct evidence, in display order."""
TARGET = 200
"""Experts with direct evidence wanted in every first-level field (issue 12)."""

_SOURCE_KIND = {"academician": "院士学部", "paper": "论文", "papers": "论文", "chinaxiv": "论文", "论文": "论文",
                "patent": "专利", "patents": "专利"}
_OUTPUT_KIND = {Label.PAPER: "论文", Label.PATENT: "专利", Label.PROJECT: "项目"}


def evidence_kind(source: object) -> str:
    """The evidence kind of an ``EXPERT_IN.source`` (anything not academy, paper or patent is project evidence).

    >>> evidence_kind("academician"), evidence_kind("nlp"), evidence_kind("paper"), evidence_kind("论文")
    ('院士学部', '项目', '论文', '论文')
    """
    return _SOURCE_KIND.get(str(source or ""), "项目")


@dataclass(frozen=True)
class FieldCoverage:
    """One ht2016 field: its experts with direct evidence, in all and per kind."""

    id: str
    code: str
    name: str
    level: int
    parent: str | None
    experts: int
    by_kind: Mapping[str, int] = field(default_factory=dict)
    pending: int = 0  # experts whose only evidence here rests on a printed 中图分类号 not yet checked by hand

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"id": self.id, "code": self.code, "name": self.name, "level": self.level, "parent": self.parent,
                "experts": self.experts, "by_kind": dict(self.by_kind), "pending": self.pending,
                **({"meets_target": self.experts >= TARGET} if self.level == 1 else {})}


def _ht2016_fields(store: GraphStore, prefix: str = "") -> tuple[list[Node], dict[str, str]]:
    """The stored ht2016 fields whose code starts with ``prefix``, and their codes by field id."""
    fields = [f for f in store.all_nodes(Label.FIELD, page=10_000) if f.props.get("scheme") == SCHEME]
    code = {f.id: str(f.props.get("code") or f.id.partition(":")[2]) for f in fields}
    chosen = [f for f in fields if code[f.id].startswith(prefix)]
    return chosen, {f.id: code[f.id] for f in chosen}


def field_coverage(store: GraphStore) -> list[FieldCoverage]:
    """First- and second-level ht2016 fields with their expert counts, in code order."""
    fields, code = _ht2016_fields(store)
    refs = [f.ref for f in fields]
    evidence: dict[str, dict[str, set[str]]] = {}  # field id → kind → experts
    by_class: dict[str, set[str]] = {}  # field id → experts with evidence resting on a printed class alone

    def add(fid: str, kind: str, expert: str) -> None:
        evidence.setdefault(fid, {}).setdefault(kind, set()).add(expert)

    for src, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.EXPERT_IN], labels=[Label.EXPERT]):
        if nb.rel.props.get("basis") != CLASS_BASIS:
            add(src.id, evidence_kind(nb.rel.props.get("source")), nb.node.id)
        else:
            by_class.setdefault(src.id, set()).add(nb.node.id)
    outputs: dict[NodeRef, set[tuple[str, bool]]] = {}  # output → (field id, link rests on the class alone)
    for src, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.IN_FIELD],
                                labels=[Label.PROJECT, Label.PAPER, Label.PATENT]):
        outputs.setdefault(nb.node.ref, set()).add((src.id, nb.rel.props.get("basis") == CLASS_BASIS))
    if outputs:
        for src, nb in store.expand(sorted(outputs, key=lambda r: (r.label.value, r.id)), direction=Direction.IN,
                                    rel_types=[RelType.LEADS, RelType.JOINS, RelType.AUTHORED], labels=[Label.EXPERT]):
            for fid, class_only in outputs[src]:
                if class_only:
                    by_class.setdefault(fid, set()).add(nb.node.id)
                else:
                    add(fid, _OUTPUT_KIND[src.label], nb.node.id)
    out = []
    for f in sorted(fields, key=lambda f: code[f.id]):
        level = int(f.props.get("level") or (1 if len(code[f.id]) == 2 else 2 if len(code[f.id]) == 3 else 3))
        if level > 2:
            continue
        prefix = code[f.id]
        kinds: dict[str, set[str]] = {}
        for fid, per_kind in evidence.items():
            if code.get(fid, "").startswith(prefix):
                for kind, experts in per_kind.items():
                    kinds.setdefault(kind, set()).update(experts)
        everyone = set().union(*kinds.values()) if kinds else set()
        pending = set().union(*(e for fid, e in by_class.items() if code.get(fid, "").startswith(prefix))) - everyone
        parent = f"{SCHEME}:{prefix[:2]}" if level == 2 else None
        out.append(FieldCoverage(f.id, prefix, f.name, level, parent, len(everyone),
                                 {k: len(kinds.get(k, ())) for k in EVIDENCE_KINDS}, len(pending)))
    return out


REVIEW_QUEUE_COLUMNS: tuple[str, ...] = ("paper_id", "field", "verdict", "review", "field_name", "title", "keywords",
                                          "clc", "authors")
"""Columns of the review queue: those of ``data/papers/field_reviews.tsv`` first (:mod:`ingest.field_reviews`)."""


@dataclass(frozen=True)
class PendingLink:
    """A paper linked to an ht2016 field by its printed 中图分类号 alone, waiting for a person's verdict."""

    paper: str
    field: str  # ht2016 code, e.g. 701
    field_name: str
    title: str
    keywords: tuple[str, ...]
    clc: str
    authors: int  # experts who would gain direct evidence with a verdict 1

    def review_row(self) -> dict[str, str | int]:
        """The row of the review queue (:data:`REVIEW_QUEUE_COLUMNS`; verdict and review empty)."""
        return dict(zip(REVIEW_QUEUE_COLUMNS, (self.paper, self.field, "", "", self.field_name, self.title,
                                               "；".join(self.keywords), self.clc, self.authors), strict=True))


def pending_links(store: GraphStore, prefix: str = "") -> list[PendingLink]:
    """The class-only paper links into ht2016 fields whose code starts with ``prefix`` (all when empty), the ones
    reaching most authors first: what a reviewer checks to turn 待核验 supply into direct evidence
    (:mod:`ingest.field_reviews`)."""
    fields, code = _ht2016_fields(store, prefix)
    name = {f.id: str(f.name) for f in fields}
    links: dict[NodeRef, tuple[Node, list[str]]] = {}
    for src, nb in store.expand([f.ref for f in fields], direction=Direction.IN, rel_types=[RelType.IN_FIELD],
                                labels=[Label.PAPER]):
        if nb.rel.props.get("basis") == CLASS_BASIS:
            links.setdefault(nb.node.ref, (nb.node, []))[1].append(src.id)
    if not links:
        return []
    authors: dict[str, int] = {}
    for src, _ in store.expand(sorted(links, key=lambda r: r.id), direction=Direction.IN,
                               rel_types=[RelType.AUTHORED], labels=[Label.EXPERT], node_props=False):
        authors[src.id] = authors.get(src.id, 0) + 1
    out = [PendingLink(paper.id, code[fid], name[fid], str(paper.props.get("title") or ""),
                       tuple(str(k) for k in paper.props.get("keywords") or ()), str(paper.props.get("clc") or ""),
                       authors.get(paper.id, 0))
           for paper, fids in links.values() for fid in fids]
    return sorted(out, key=lambda p: (p.field, -p.authors, p.paper))


def coverage_json(rows: list[FieldCoverage]) -> dict[str, object]:
    """The table as the CLI's ``--json`` and the API give it."""
    first = [r for r in rows if r.level == 1]
    return {"scheme": SCHEME, "target": TARGET, "kinds": list(EVIDENCE_KINDS),
            "first_level_meeting_target": sum(1 for r in first if r.experts >= TARGET), "first_level": len(first),
            "fields": [r.as_dict() for r in rows]}
