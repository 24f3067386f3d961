"""What the reports read from the store, once, into plain dicts: :class:`Facts` and :func:`read_facts`.

:func:`read_facts` pages through every demand, push, dispatch, service record, challenge and activity and
reads their relationships in bulk (:meth:`GraphStore.expand`, in chunks and a stable order):
who posted each demand, what it needs, its industry and region, the teams and experts involved,
their institutions, where enterprises and institutions are, and every region above those seen
(``PART_OF``). :func:`region_chain` walks that tree; :func:`resolve_region` finds the Region a
user named. The pure aggregation over :class:`Facts` is :mod:`analytics.reports`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph import clock
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from ingest.registry import statuses_by_enterprise
from ingest.resolve import resolve_node

__all__ = ["Facts", "read_facts", "region_chain", "resolve_region"]

_PAGE = 1000


@dataclass
class Facts:
    """Everything the reports read, as plain dicts keyed by id (see :func:`read_facts`).

    ``regions``: ``{id, name, level, parent}``; ``enterprises`` / ``institutions``: ``{id, name,
    region}``; ``experts``: ``{id, name, institutions: [id]}``; ``teams``: ``{id, name, members:
    [expert id]}``; ``demands``: ``{id, title, status, posted, deadline, budget_wan, solved_at,
    enterprise, region, industries: [name], fields: [name]}``; ``pushes``, ``dispatches``,
    ``services``, ``challenges``: the stored properties of each fact plus its ``id``.
    """

    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    enterprises: dict[str, dict[str, Any]] = field(default_factory=dict)
    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    experts: dict[str, dict[str, Any]] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    demands: dict[str, dict[str, Any]] = field(default_factory=dict)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    challenges: list[dict[str, Any]] = field(default_factory=list)
    # issue 16: every Registration (properties plus id) and the statuses each enterprise holds today
    registrations: list[dict[str, Any]] = field(default_factory=list)
    registry_status: dict[str, list[str]] = field(default_factory=dict)
    # issue 16: every Activity (properties plus id; ``region`` is a Region id when it was resolved)
    activities: list[dict[str, Any]] = field(default_factory=list)


def _expand(store: GraphStore, refs: Sequence[NodeRef], direction: Direction, rel_types: Sequence[RelType],
            labels: Sequence[Label] | None = None) -> list[tuple[NodeRef, Any]]:
    """:meth:`GraphStore.expand` in chunks, in a stable order (the stores return pairs in none)."""
    pairs: list[tuple[NodeRef, Any]] = []
    for i in range(0, len(refs), _PAGE):
        pairs += store.expand(refs[i:i + _PAGE], direction=direction, rel_types=rel_types, labels=labels)
    return sorted(pairs, key=lambda p: (p[0], p[1].sort_key()))


def _get(store: GraphStore, label: Label, ids: Iterable[str]) -> list[Node]:
    wanted = sorted({str(i) for i in ids if i})
    return [n for i in range(0, len(wanted), _PAGE) for n in store.get_nodes(label, wanted[i:i + _PAGE])]


def _row(node: Node) -> dict[str, Any]:
    return {"id": node.id, **dict(node.props)}


def _located(store: GraphStore, nodes: Sequence[Node], regions: dict[str, Node]) -> dict[str, str]:
    """Node id → the id of its first region (by id); the regions seen are added to ``regions``."""
    where: dict[str, str] = {}
    for ref, nb in _expand(store, [n.ref for n in nodes], Direction.OUT, [RelType.LOCATED_IN], [Label.REGION]):
        where.setdefault(ref.id, nb.node.id)
        regions[nb.node.id] = nb.node
    return where


def read_facts(store: GraphStore) -> Facts:
    """Read what every report needs, once: paged lists and a handful of bulk expansions."""
    facts = Facts()
    facts.pushes = [_row(n) for n in store.all_nodes(Label.PUSH)]
    facts.dispatches = [_row(n) for n in store.all_nodes(Label.DISPATCH)]
    facts.services = [_row(n) for n in store.all_nodes(Label.SERVICE)]
    facts.challenges = [_row(n) for n in store.all_nodes(Label.CHALLENGE)]
    demands = store.all_nodes(Label.DEMAND)
    regions: dict[str, Node] = {}

    posted_by: dict[str, str] = {}
    enterprise_nodes: dict[str, Node] = {}
    links: dict[str, dict[str, list[tuple[float, str, str]]]] = defaultdict(lambda: defaultdict(list))
    demand_region: dict[str, str] = {}
    refs = [d.ref for d in demands]
    for ref, nb in _expand(store, refs, Direction.IN, [RelType.POSTED], [Label.ENTERPRISE]):
        posted_by.setdefault(ref.id, nb.node.id)
        enterprise_nodes[nb.node.id] = nb.node
    for ref, nb in _expand(store, refs, Direction.OUT, [RelType.NEEDS, RelType.IN_INDUSTRY, RelType.LOCATED_IN]):
        if nb.rel.type is RelType.LOCATED_IN:
            demand_region.setdefault(ref.id, nb.node.id)
            regions[nb.node.id] = nb.node
        else:
            weight = -float(nb.rel.props.get("weight", 1.0)) if nb.rel.type is RelType.NEEDS else 0.0
            links[ref.id][nb.rel.type.value].append((weight, nb.node.id, nb.node.name))

    facts.registrations = [_row(n) for n in store.all_nodes(Label.REGISTRATION)]
    facts.registry_status = statuses_by_enterprise(facts.registrations, clock.today())
    served = {str(f.get("enterprise_id")) for f in facts.services + facts.dispatches}
    for node in _get(store, Label.ENTERPRISE, (served | set(facts.registry_status)) - set(enterprise_nodes)):
        enterprise_nodes[node.id] = node
    ent_region = _located(store, list(enterprise_nodes.values()), regions)
    facts.enterprises = {i: {"id": i, "name": n.name, "region": ent_region.get(i)} for i, n in enterprise_nodes.items()}

    team_ids = {str(p.get("target_id")) for p in facts.pushes if p.get("target_label") == Label.TEAM.value}
    team_ids |= {str(c.get("winner_id")) for c in facts.challenges if c.get("winner_label") == Label.TEAM.value}
    teams = _get(store, Label.TEAM, team_ids)
    members: dict[str, list[str]] = defaultdict(list)
    for ref, nb in _expand(store, [t.ref for t in teams], Direction.IN, [RelType.MEMBER_OF], [Label.EXPERT]):
        members[ref.id].append(nb.node.id)
    facts.teams = {t.id: {"id": t.id, "name": t.name, "members": sorted(set(members[t.id]))} for t in teams}

    expert_ids = {str(f.get("expert_id")) for f in facts.services + facts.dispatches}
    expert_ids |= {str(p.get("target_id")) for p in facts.pushes if p.get("target_label") == Label.EXPERT.value}
    expert_ids |= {str(c.get("winner_id")) for c in facts.challenges if c.get("winner_label") == Label.EXPERT.value}
    expert_ids |= {m for t in facts.teams.values() for m in t["members"]}
    experts = _get(store, Label.EXPERT, expert_ids)
    works: dict[str, list[str]] = defaultdict(list)
    institution_nodes: dict[str, Node] = {}
    for ref, nb in _expand(store, [e.ref for e in experts], Direction.OUT, [RelType.WORKS_AT], [Label.INSTITUTION]):
        works[ref.id].append(nb.node.id)
        institution_nodes[nb.node.id] = nb.node
    facts.experts = {e.id: {"id": e.id, "name": e.name, "institutions": sorted(set(works[e.id]))} for e in experts}
    inst_region = _located(store, list(institution_nodes.values()), regions)
    facts.institutions = {i: {"id": i, "name": n.name, "region": inst_region.get(i)}
                          for i, n in institution_nodes.items()}

    for d in demands:
        ent = posted_by.get(d.id)
        link = links[d.id]
        facts.demands[d.id] = {
            "id": d.id, **{k: d.props.get(k) for k in ("title", "status", "posted", "deadline", "budget_wan",
                                                         "solved_at")},
            "enterprise": ent, "region": demand_region.get(d.id) or ent_region.get(ent or ""),
            "industries": [name for _, _, name in sorted(link[RelType.IN_INDUSTRY.value])],
            "fields": [name for _, _, name in sorted(link[RelType.NEEDS.value])]}
    facts.activities = [_row(n) for n in store.all_nodes(Label.ACTIVITY)]
    for node in _get(store, Label.REGION, {str(a.get("region")) for a in facts.activities} - set(regions)):
        regions[node.id] = node
    facts.regions = _region_tree(store, regions)
    return facts


def _region_tree(store: GraphStore, regions: dict[str, Node]) -> dict[str, dict[str, Any]]:
    """The regions seen and all their ancestors (``PART_OF`` upwards), with each one's parent."""
    tree = {i: {"id": i, "name": n.name, "level": n.props.get("level"), "parent": None} for i, n in regions.items()}
    frontier = sorted(tree)
    while frontier:
        parents = _expand(store, [NodeRef(Label.REGION, i) for i in frontier], Direction.OUT, [RelType.PART_OF],
                          [Label.REGION])
        new: list[str] = []
        for ref, nb in parents:
            if tree[ref.id]["parent"] is None:
                tree[ref.id]["parent"] = nb.node.id
            if nb.node.id not in tree:
                tree[nb.node.id] = {"id": nb.node.id, "name": nb.node.name, "level": nb.node.props.get("level"),
                                    "parent": None}
                new.append(nb.node.id)
        frontier = sorted(new)
    return tree


def region_chain(regions: Mapping[str, Mapping[str, Any]], region_id: str | None) -> list[str]:
    """``region_id`` and its ancestors, nearest first (a cycle in the data stops the walk)."""
    chain: list[str] = []
    while region_id and region_id not in chain:
        chain.append(region_id)
        region_id = (regions.get(region_id) or {}).get("parent")
    return chain


def resolve_region(store: GraphStore, value: str, field_name: str = "region") -> Node:
    """The Region a user named: its id, its GB/T 2260 code (2, 4, 6, 9 or 12 digits) or its name
    (:func:`ingest.resolve.resolve_node`, the one resolver every interface uses).

    Raises:
        ValidationError: no such region, or a name several regions share (Chinese, naming ``field_name``).
    """
    return resolve_node(store, Label.REGION, value, field_name=field_name)
