"""Candidate generation by graph traversal, through the GraphStore contract only.

From a demand: its needed fields → their parents, children and related fields →
experts who are EXPERT_IN those fields, LEAD/JOIN projects IN_FIELD them, or AUTHORED papers
IN_FIELD them (read from the per-field lists of :mod:`recommend.field_experts`, kept current on
write, so a request expands no projects). Then the
facts each candidate is scored on (institution and region, projects, keywords, load,
ties, workflow load: the request-independent part read once per expert and kept across requests by
:mod:`recommend.expert_records`) and the collaboration graph among candidates. Every step is a call to
:meth:`GraphStore.expand`, so both stores give the same candidates in the same order.
The output is plain data for :mod:`recommend.scoring`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from graph.errors import Msg, NotFoundError
from graph.model import NODE_SPECS, Label, RelType, demand_text
from graph.store import Direction, GraphStore, Neighbor, Node, NodeRef
from recommend.expert_records import ExpertRecord, expert_record_cache
from recommend.field_experts import FieldExpertLists, field_expert_lists
from recommend.profiles import PAPER_ROLE, expert_terms, paper_fact, project_fact
from recommend.region_table import region_table_cache
from recommend.scoring import CandidateFacts, DemandFacts, FieldPath, ProjectFact
from workflow.common import this_year
from workflow.states import DISPATCH, PUSH, VERDICTS

# Workflow facts the recommendation reads (the vocabulary lives in workflow.states, pure data).
PUSH_PENDING, PUSH_DECLINED = PUSH.initial, PUSH.states[2]
DISPATCH_ACTIVE = DISPATCH.initial
REJECTED = VERDICTS[1]

__all__ = ["FieldReach", "demand_facts", "demand_facts_for_text", "expand_fields", "gather_candidates", "collaboration_graph"]

@dataclass(frozen=True)
class FieldReach:
    """A field reached from one of the demand's fields, how similar it is, and the path."""

    field: str
    demand_field: str
    similarity: float
    via: tuple[str, ...]
    hops: tuple[str, ...] = ()  # "parent" / "child" / "related", one per step of via


_RegionTable = dict[str, tuple[object, tuple[str, ...]] | None]


def _region_table(store: GraphStore, region_ids: Iterable[str]) -> _RegionTable:
    """Each region reachable from ``region_ids`` up PART_OF: (level, parent ids), None when missing.

    Kept across requests (:mod:`recommend.region_table`); what is not kept is read one get_nodes and one expand per
    level of the hierarchy for any number of start regions (issue 17: the facts of ~350 candidates read region levels
    ~267 times per request).
    """
    return region_table_cache(store).table(store, region_ids, _read_regions)


def _read_regions(store: GraphStore, region_ids: Sequence[str]) -> _RegionTable:
    """(level, parent ids) of each of ``region_ids``, None when missing: one get_nodes and one expand."""
    nodes = store.get_nodes(Label.REGION, region_ids)
    parents: dict[str, list[str]] = {}
    for src, nb in store.expand([n.ref for n in nodes], direction=Direction.OUT, rel_types=[RelType.PART_OF],
                                labels=[Label.REGION]):
        parents.setdefault(src.id, []).append(nb.node.id)
    table: _RegionTable = dict.fromkeys(region_ids)
    for node in nodes:
        table[node.id] = (node.props.get("level"), tuple(sorted(parents.get(node.id, ()))))
    return table


def _levels(table: _RegionTable, region_ids: Iterable[str]) -> tuple[str | None, str | None]:
    """(province id, city id) for a set of region ids, climbing PART_OF to the province: the first
    province and the first city met, level by level, each level in id order."""
    province = city = None
    frontier = sorted(set(region_ids))
    seen: set[str] = set()
    while frontier:
        seen.update(frontier)
        up: set[str] = set()
        for rid in frontier:
            entry = table.get(rid)
            if entry is None:
                continue
            level, parents = entry
            if level == "province" and province is None:
                province = rid
            elif level == "city" and city is None:
                city = rid
            up.update(parents)
        frontier = sorted(up - seen)
    return province, city


def _region_levels(store: GraphStore, region_ids: Iterable[str]) -> tuple[str | None, str | None]:
    """(province id, city id) for a set of region ids, climbing PART_OF to the province."""
    ids = set(region_ids)
    return _levels(_region_table(store, ids), ids)


def demand_facts(store: GraphStore, demand_id: str, *, year: int | None = None, node: Node | None = None) -> DemandFacts:
    """What a stored demand asks for: fields with weights, text, region, exclusions (``node``: the demand's
    node when the caller has read it, so it is read once).

    Raises:
        NotFoundError: no such demand.
    """
    demand = node if node is not None and node.id == demand_id else store.get_node(Label.DEMAND, demand_id)
    if demand is None:
        raise NotFoundError(Msg.NOT_FOUND.format(label=NODE_SPECS[Label.DEMAND].zh, id=demand_id))
    around = store.neighbors(Label.DEMAND, demand_id)
    fields = {nb.node.id: float(nb.rel.props.get("weight", 1.0)) for nb in around if nb.rel.type is RelType.NEEDS}
    enterprises = [nb.node for nb in around if nb.rel.type is RelType.POSTED]
    regions = {nb.node.id for nb in around if nb.rel.type is RelType.LOCATED_IN}
    excluded_institutions: set[str] = set()
    declined = _declined(around)
    for ent in enterprises:
        regions |= {nb.node.id for nb in store.neighbors(Label.ENTERPRISE, ent.id, direction=Direction.OUT,
                                                             rel_types=[RelType.LOCATED_IN])}  # to a Region only
        excluded_institutions |= set(ent.props.get("conflict_institutions", []))
    province, city = _region_levels(store, regions)
    text = demand_text(demand.props.get("title"), demand.props.get("description"))
    posted = str(demand.props.get("posted", ""))[:4]
    return DemandFacts(
        id=demand_id, text=text, fields=fields, region_ids=frozenset(regions), province_id=province, city_id=city,
        year=year or (int(posted) if posted.isdigit() else this_year()),
        excluded_experts=frozenset(demand.props.get("excluded_experts", [])),
        excluded_institutions=frozenset(excluded_institutions), declined=declined,
        enterprise_ids=frozenset(e.id for e in enterprises),
    )


def _declined(around: Sequence[Neighbor]) -> dict[str, str]:
    """Experts this demand must not be offered to again: they declined its push, or the
    officer's latest verdict on them for it is 不采纳 (workflow facts ABOUT the demand)."""
    why: dict[str, str] = {}
    latest: dict[str, tuple[str, str, Mapping[str, object]]] = {}
    for nb in around:
        props = nb.node.props
        if nb.rel.type is not RelType.ABOUT or props.get("target_label") != Label.EXPERT.value:
            continue
        expert = str(props.get("target_id"))
        if nb.node.label is Label.PUSH and props.get("status") == PUSH_DECLINED:
            why[expert] = f"已谢绝本需求的推送（{props.get('reason') or '未说明理由'}）"
        elif nb.node.label is Label.FEEDBACK:
            latest[expert] = max(latest.get(expert, ("", "", {})), (str(props.get("created_at")), nb.node.id, props),
                                 key=lambda t: t[:2])
    for expert, (_, _, props) in latest.items():
        if props.get("verdict") == REJECTED:
            why.setdefault(expert, f"对接专员已标记不采纳（{props.get('reason') or '未说明理由'}）")
    return why


def demand_facts_for_text(store: GraphStore, text: str, fields: Mapping[str, float], *,
                          region_id: str | None = None, year: int | None = None) -> DemandFacts:
    """Demand facts for free text whose fields the caller has linked (``kgmatch recommend --text``)."""
    regions = {region_id} if region_id else set()
    province, city = _region_levels(store, regions)
    return DemandFacts(id="(text)", text=text, fields=dict(fields), region_ids=frozenset(regions),
                       province_id=province, city_id=city, year=year or this_year())


def expand_fields(store: GraphStore, fields: Mapping[str, float], settings: Mapping[str, object]) -> list[FieldReach]:
    """The demand's fields plus parents (one level), children (two levels) and related fields.

    Each reached field keeps its best similarity per demand field: 1 for the field
    itself, ``parent_field_decay`` for a parent, ``child_field_decay`` per level down,
    the RELATED_TO score (at least ``related_min_score``) for a related field.
    """
    best: dict[tuple[str, str], FieldReach] = {}

    def offer(reach: FieldReach) -> None:
        key = (reach.field, reach.demand_field)
        if key not in best or (reach.similarity, best[key].via) > (best[key].similarity, reach.via):
            best[key] = reach

    for f in fields:
        offer(FieldReach(f, f, 1.0, (f,)))
    refs = [NodeRef(Label.FIELD, f) for f in sorted(fields)]
    up = float(settings["parent_field_decay"])
    down = float(settings["child_field_decay"])
    floor = float(settings["related_min_score"])
    # parents, the first level of children and related fields in one expand (one read, not three)
    around = store.expand(refs, rel_types=[RelType.SUBFIELD_OF, RelType.RELATED_TO], node_props=False)  # ids suffice
    for src, nb in around:
        if nb.rel.type is RelType.SUBFIELD_OF and nb.direction is Direction.OUT:
            offer(FieldReach(nb.node.id, src.id, up, (src.id, nb.node.id), ("parent",)))
    level = [(r.id, r.id, 1.0, (r.id,), ()) for r in refs]
    for depth in range(2):
        pairs = ([(src, nb) for src, nb in around if nb.rel.type is RelType.SUBFIELD_OF and nb.direction is Direction.IN]
                 if depth == 0 else store.expand([NodeRef(Label.FIELD, f) for f, *_ in level], direction=Direction.IN,
                                                 rel_types=[RelType.SUBFIELD_OF], node_props=False))
        by_field = {}
        for f, origin, sim, via, hops in level:
            by_field.setdefault(f, []).append((origin, sim, via, hops))
        nxt = []
        for src, nb in pairs:
            for origin, sim, via, hops in by_field.get(src.id, []):
                reach = FieldReach(nb.node.id, origin, sim * down, (*via, nb.node.id), (*hops, "child"))
                offer(reach)
                nxt.append((nb.node.id, origin, reach.similarity, reach.via, reach.hops))
        level = nxt
    for src, nb in around:
        if nb.rel.type is not RelType.RELATED_TO:
            continue
        score = float(nb.rel.props.get("score", 0.0))
        if score >= floor:
            offer(FieldReach(nb.node.id, src.id, score, (src.id, nb.node.id), ("related",)))
    return sorted(best.values(), key=lambda r: (r.demand_field, -r.similarity, r.field))


def _paths_to_experts(store: GraphStore, reaches: Sequence[FieldReach], fields: Mapping[str, float], *,
                      member_share: float, fanout: int | None = None, limit: int | None = None,
                      extra: Iterable[str] = ()) -> tuple[list[str], dict[str, list[FieldPath]]]:
    """The ``limit`` experts with the strongest path from the demand's fields (by strength, then id), and
    the paths of those and of the ``extra`` experts that are reached (a member's project path weighs
    ``member_share`` of a leader's, a co-author's paper path of a first author's); ``fanout`` bounds,
    per field, the experts (EXPERT_IN) and the projects (IN_FIELD) followed, heaviest relationship first.

    Reads the precomputed per-field lists (:mod:`recommend.field_experts`): every reached expert's
    strength is one array product per field, and path objects are built for the kept experts only.
    """
    by_field: dict[str, list[FieldReach]] = {}
    for r in reaches:
        by_field.setdefault(r.field, []).append(r)
    lists = field_expert_lists(store)
    snapshot = lists.snapshot(sorted(by_field))
    factors = {}
    for f, rs in by_field.items():
        products = [fields[r.demand_field] * r.similarity for r in rs]
        factors[f] = (max(products), min(products))
    reached, strength = lists.strongest(snapshot, factors, fanout=fanout, member_share=member_share)
    chosen = _strongest_ids(lists, reached, strength, limit)
    keep = set(chosen)
    keep.update(e for e in extra if lists.expert_index(e) is not None)
    keep_index = np.array(sorted(i for e in keep if (i := lists.expert_index(e)) is not None), dtype=np.int64)
    paths: dict[str, list[FieldPath]] = {}
    if not len(keep_index):
        return chosen, paths
    # Per expert, the order the traversal gave: EXPERT_IN paths by field, then project paths by
    # (project, LEADS/JOINS, field), then paper paths by (paper, field); each field's reaches in order.
    outputs: dict[str, list[tuple[int, str, str, str, float, str, str]]] = {}
    for f in sorted(snapshot):
        e = snapshot[f]
        n = len(e.expert) if fanout is None else min(fanout, len(e.expert))
        for j in np.flatnonzero(np.isin(e.expert[:n], keep_index)):
            expert, weight = lists.expert_id(int(e.expert[j])), float(e.expert_weight[j])
            basis = e.expert_basis[j] if e.expert_basis is not None else ""
            mine = paths.setdefault(expert, [])
            for r in by_field[f]:
                mine.append(FieldPath(r.demand_field, fields[r.demand_field], r.field, r.similarity, weight,
                                      "expert_in", (*r.via, expert), r.hops, basis=basis))
        cut = len(e.project_rank) if fanout is None else int(np.searchsorted(e.project_rank, fanout))
        for j in np.flatnonzero(np.isin(e.project_person[:cut], keep_index)):
            lead = bool(e.project_lead[j])
            role = "lead" if lead else "member"
            outputs.setdefault(lists.expert_id(int(e.project_person[j])), []).append(
                (0, lists.output_id(Label.PROJECT, int(e.project_id[j])), (RelType.JOINS.value, RelType.LEADS.value)[lead], f,
                 (1.0 if lead else member_share) * float(e.project_link[j]), role, ""))
        for j in np.flatnonzero(np.isin(e.paper_person, keep_index)):
            first = bool(e.paper_first[j])
            outputs.setdefault(lists.expert_id(int(e.paper_person[j])), []).append(
                (1, lists.output_id(Label.PAPER, int(e.paper_id[j])), "", f,
                 (1.0 if first else member_share) * float(e.paper_link[j]), "first" if first else "author",
                 e.paper_basis[j] if e.paper_basis is not None else ""))
    for expert, found in outputs.items():
        mine = paths.setdefault(expert, [])
        for kind, output, _, f, weight, role, basis in sorted(found):  # projects (0) before papers (1)
            for r in by_field[f]:
                mine.append(FieldPath(r.demand_field, fields[r.demand_field], f, r.similarity, weight,
                                      ("project", "paper")[kind], (*r.via, output, expert), r.hops,
                                      role, basis))
    return chosen, paths


def _strongest_ids(lists: FieldExpertLists, reached: np.ndarray, strength: np.ndarray, limit: int | None) -> list[str]:
    """The ids of the ``limit`` strongest reached experts, by strength (desc) then id."""
    if limit is not None and limit <= 0:
        return []
    if limit is not None and len(reached) > limit:
        threshold = np.partition(strength, len(strength) - limit)[len(strength) - limit]
        wanted = strength >= threshold  # the limit strongest and every tie with the last of them
        reached, strength = reached[wanted], strength[wanted]
    ranked = sorted(zip((-strength).tolist(), (lists.expert_id(int(i)) for i in reached), strict=True))
    return [e for _, e in ranked[:limit]]


RECORD_PROPS = ("name", "title", "start_year", "end_year", "amount_wan", "fund_type", "year")
"""What a record reads of an expert's institution (its name), projects and papers (:func:`project_fact`,
:func:`paper_fact`): not the abstracts and keywords of whole nodes (issue 15 item 3)."""


def expert_records(store: GraphStore, ids: Sequence[str]) -> list[ExpertRecord]:
    """The evidence records of these expert ids (those that exist, in the order of ``ids``): the node, the
    institution (:data:`RECORD_PROPS` of it) and its province and city, the projects and papers; kept across
    requests by :mod:`recommend.expert_records`."""
    experts = store.get_nodes(Label.EXPERT, ids)
    refs = [e.ref for e in experts]
    out = store.expand(refs, direction=Direction.OUT,
                       rel_types=[RelType.WORKS_AT, RelType.LEADS, RelType.JOINS, RelType.AUTHORED],
                       labels=[Label.INSTITUTION, Label.PROJECT, Label.PAPER], node_props=RECORD_PROPS)
    institution: dict[str, Node] = {}
    projects: dict[str, list[ProjectFact]] = {}
    # by expert, then Neighbor.sort_key() (type, direction, label, id); the StrEnum members compare as their
    # values without the cost of reading ``.value`` thousands of times per request
    for src, nb in sorted(out, key=lambda p: (p[0].id, p[1].rel.type, p[1].direction, p[1].node.label, p[1].node.id)):
        if nb.rel.type is RelType.WORKS_AT:
            institution.setdefault(src.id, nb.node)
        elif nb.rel.type is RelType.AUTHORED:
            projects.setdefault(src.id, []).append(paper_fact(nb.node))
        else:
            projects.setdefault(src.id, []).append(project_fact(nb))
    inst_regions: dict[str, tuple[str | None, str | None]] = {}
    located = store.expand([n.ref for n in {i.id: i for i in institution.values()}.values()], direction=Direction.OUT,
                           rel_types=[RelType.LOCATED_IN], labels=[Label.REGION], node_props=False)
    by_inst: dict[str, set[str]] = {}
    for src, nb in located:
        by_inst.setdefault(src.id, set()).add(nb.node.id)
    table = _region_table(store, {r for regions in by_inst.values() for r in regions})
    for inst_id, regions in by_inst.items():
        inst_regions[inst_id] = _levels(table, regions)
    records = []
    for e in experts:
        inst = institution.get(e.id)
        province, city = inst_regions.get(inst.id, (None, None)) if inst else (None, None)
        records.append(ExpertRecord(e, inst, province, city, tuple(projects.get(e.id, []))))
    return records


def _facts(store: GraphStore, records: Sequence[ExpertRecord], paths: Mapping[str, list[FieldPath]],
           year: int, enterprises: frozenset[str] = frozenset()) -> list[CandidateFacts]:
    load, served = _workflow_load(store, [r.node.ref for r in records], enterprises)
    facts = []
    for r in records:
        e, inst, mine = r.node, r.institution, r.projects
        active = sum(1 for p in mine if p.role != PAPER_ROLE and p.start_year
                     and p.start_year <= year <= (p.end_year or p.start_year))
        facts.append(CandidateFacts(
            id=e.id, name=e.name, institution_id=inst.id if inst else None, institution_name=inst.name if inst else None,
            province_id=r.province_id, city_id=r.city_id, paths=tuple(paths.get(e.id, ())), projects=mine,
            keywords=expert_terms(e.props, ("keywords",)), research=expert_terms(e.props, ("research",)),
            in_expert_pool=bool(e.props.get("in_expert_pool", False)),
            talent_titles=tuple(e.props.get("talent_titles") or e.props.get("talents") or []),
            programmes=tuple(e.props.get("programmes") or []),
            active_load=active + load.get(e.id, 0), served_enterprise=served.get(e.id, 0),
        ))
    return facts


def _workflow_load(store: GraphStore, refs: Sequence[NodeRef],
                   enterprises: frozenset[str] = frozenset()) -> tuple[dict[str, int], dict[str, int]]:
    """Per expert: pushes still awaiting an answer plus dispatches still running (load), and
    how often they were dispatched to one of ``enterprises`` (served)."""
    load: dict[str, int] = {}
    served: dict[str, int] = {}
    for src, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.PUSHED_TO, RelType.DISPATCHED],
                                labels=[Label.PUSH, Label.DISPATCH], node_props=("status", "enterprise_id")):
        if nb.node.props.get("status") in (PUSH_PENDING, DISPATCH_ACTIVE):
            load[src.id] = load.get(src.id, 0) + 1
        if nb.node.label is Label.DISPATCH and nb.node.props.get("enterprise_id") in enterprises:
            served[src.id] = served.get(src.id, 0) + 1
    return load, served


def gather_candidates(store: GraphStore, demand: DemandFacts, settings: Mapping[str, object], *,
                      extra_expert_ids: Iterable[str] = ()) -> tuple[list[CandidateFacts], list[FieldReach]]:
    """Candidates reached through the demand's fields (plus ``extra_expert_ids``, e.g. found by
    text), at most ``max_candidates`` by their strongest path, sorted by id."""
    reaches = expand_fields(store, demand.fields, settings)
    fanout = int(settings.get("fanout_per_field", 0)) or None  # type: ignore[call-overload]
    extra = set(extra_expert_ids)
    chosen, paths = (_paths_to_experts(store, reaches, demand.fields,
                                       member_share=float(settings["project_member_share"]),  # type: ignore[arg-type]
                                       fanout=fanout, limit=int(settings["max_candidates"]),  # type: ignore[arg-type]
                                       extra=extra) if demand.fields else ([], {}))
    ids = sorted(set(chosen) | extra)
    records = expert_record_cache(store).get(store, ids, expert_records)
    return _facts(store, records, paths, demand.year, demand.enterprise_ids), reaches


def collaboration_graph(store: GraphStore, experts: Sequence[CandidateFacts]) -> nx.Graph:
    """Ties among candidates: COLLABORATES (distance 1; ``papers`` and ``projects``: the joint paper and
    project ids), same team (1), same institution (2)."""
    graph = nx.Graph()
    ids = {e.id for e in experts}
    graph.add_nodes_from(sorted(ids))
    refs = [NodeRef(Label.EXPERT, e) for e in sorted(ids)]
    for rel in store.ties(Label.EXPERT, sorted(ids), RelType.COLLABORATES):  # stored once per pair (papers: smaller id → larger)
        papers = tuple(p for p in rel.props.get("papers") or () if isinstance(p, str))
        projects = tuple(p for p in rel.props.get("projects") or () if isinstance(p, str))
        graph.add_edge(rel.start.id, rel.end.id, distance=1.0, kind="collaborates", papers=papers, projects=projects)
    teams: dict[str, list[str]] = {}
    for src, nb in store.expand(refs, direction=Direction.OUT, rel_types=[RelType.MEMBER_OF], node_props=False):
        teams.setdefault(nb.node.id, []).append(src.id)
    by_inst: dict[str, list[str]] = {}
    for e in experts:
        if e.institution_id:
            by_inst.setdefault(e.institution_id, []).append(e.id)
    for groups, distance, kind in ((teams, 1.0, "team"), (by_inst, 2.0, "institution")):
        for members in groups.values():
            members = sorted(members)
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    if not graph.has_edge(a, b) or graph[a][b]["distance"] > distance:
                        graph.add_edge(a, b, distance=distance, kind=kind)
    return graph

