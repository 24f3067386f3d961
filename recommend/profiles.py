"""Expert profiles read in bulk from the graph: who, where, and which projects.

Text retrieval over all experts (``recommend.retrieval``) and the offline evaluation
need every expert's projects at once; this reads them page by page through the
GraphStore contract, so it works the same on both stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Neighbor, Node
from recommend.scoring import ProjectFact

__all__ = ["ROLE", "PAPER_ROLE", "ExpertProfile", "expert_terms", "load_profiles", "project_fact", "paper_fact"]

ROLE = {RelType.LEADS: "lead", RelType.JOINS: "member"}
"""The role an expert has on a project, by relationship type."""


@dataclass(frozen=True, slots=True)
class ExpertProfile:
    """One expert as text retrieval sees them."""

    id: str
    name: str
    institution_id: str | None
    institution_name: str | None
    keywords: tuple[str, ...]
    projects: tuple[ProjectFact, ...]  # sorted by (start year, id)


def expert_terms(props: Mapping[str, Any], keys: Sequence[str] = ("keywords", "research")) -> tuple[str, ...]:
    """The words an expert node states about its own work, matched as their profile text: ``keywords`` (from projects
    and papers) then ``research`` (an academician's research sentences, ``ingest.people.research_phrases``), or those
    of ``keys``.

    >>> expert_terms({"keywords": ["锂电池"], "research": ["长期从事电化学研究"], "name": "x"})
    ('锂电池', '长期从事电化学研究')
    """
    return tuple(t for key in keys if isinstance(props.get(key), list)
                 for t in props[key] if isinstance(t, str))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def project_fact(nb: Neighbor) -> ProjectFact:
    """A LEADS/JOINS neighbour (the project node) as evidence: role, years, grant, fund type."""
    p = nb.node.props
    amount, fund_type = p.get("amount_wan"), p.get("fund_type")
    return ProjectFact(nb.node.id, str(p.get("title", "")), ROLE[nb.rel.type], _int(p.get("start_year")),
                       _int(p.get("end_year")), float(amount) if isinstance(amount, (int, float)) else None,
                       fund_type if isinstance(fund_type, str) else None)


PAPER_ROLE = "paper"
"""The role of a paper among an expert's evidence facts: outputs count as evidence (DESIGN: projects,
outputs, recency) at half a led project's weight, never as a PI role or as current load."""


def paper_fact(node: Node) -> ProjectFact:
    """An AUTHORED paper as an evidence fact (role :data:`PAPER_ROLE`, its year as start and end)."""
    year = node.props.get("year")
    year = year if isinstance(year, int) else None
    return ProjectFact(node.id, str(node.props.get("title", "")), PAPER_ROLE, year, year)


def _profiles_of(store: GraphStore, experts: list[Node],
                 shared: dict[tuple[str, str], ProjectFact] | None = None) -> list[ExpertProfile]:
    """Profiles of these expert nodes (one bulk expand), in their order: the same projects and papers
    that :mod:`recommend.candidates` gathers, so an indexed profile's text is the candidate's text.
    ``shared``: equal facts met before (a paper of several authors, a project of several members in one role)
    are taken from it, one object for all (issue 15: a 100× index held a copy per author)."""
    pairs = store.expand([e.ref for e in experts], direction=Direction.OUT,
                         rel_types=[RelType.WORKS_AT, RelType.LEADS, RelType.JOINS, RelType.AUTHORED],
                         labels=[Label.INSTITUTION, Label.PROJECT, Label.PAPER])
    inst: dict[str, tuple[str, str]] = {}
    projects: dict[str, list[ProjectFact]] = {}
    for src, nb in sorted(pairs, key=lambda p: (p[0].id, p[1].sort_key())):
        if nb.rel.type is RelType.WORKS_AT:
            inst.setdefault(src.id, (nb.node.id, nb.node.name))
            continue
        fact = paper_fact(nb.node) if nb.rel.type is RelType.AUTHORED else project_fact(nb)
        if shared is not None:
            fact = shared.setdefault((fact.id, fact.role), fact)
        projects.setdefault(src.id, []).append(fact)
    profiles = []
    for e in experts:
        mine = sorted(projects.get(e.id, []), key=lambda p: (p.start_year or 0, p.id))
        i = inst.get(e.id)
        profiles.append(ExpertProfile(e.id, e.name, i[0] if i else None, i[1] if i else None,
                                      expert_terms(e.props), tuple(mine)))
    return profiles


def load_profiles(store: GraphStore, *, page: int = 2000, ids: Sequence[str] | None = None) -> list[ExpertProfile]:
    """Every expert (or those of ``ids`` that exist) with institution and projects, ordered by id.

    Pages by key (``list_nodes(after=…)``), so each page costs the same however deep it is.
    """
    if ids is not None:
        wanted = sorted(set(ids))
        return [p for i in range(0, len(wanted), page)
                for p in _profiles_of(store, store.get_nodes(Label.EXPERT, wanted[i:i + page]))]
    profiles: list[ExpertProfile] = []
    after: str | None = None
    shared: dict[tuple[str, str], ProjectFact] = {}
    while True:
        experts = store.list_nodes(Label.EXPERT, limit=page, after=after)
        if not experts:
            break
        after = experts[-1].id
        profiles += _profiles_of(store, experts, shared)
        if len(experts) < page:
            break
    return profiles
