"""Drawings as pure data: a store subgraph or recommendation explanation paths → nodes, edges and
styles (:class:`Drawing`), bounded and deterministic.

* **bounded**: :func:`prepare_subgraph` collapses crowds (a node with more than ``aggregate_over``
  neighbours of one label shows ``aggregate_over - 1`` of them and one node "另有 37 位专家…") and
  caps the drawing at ``max_nodes``.
* **typed input**: :func:`explanation_graph` takes :class:`recommend.explain.ExplainedPath` objects
  (render may import recommend; recommend never imports render), never their JSON dicts.

Labels come from :class:`graph.model.Label`; Chinese names from ``NODE_SPECS`` and ``REL_SPECS``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from graph.errors import Msg, ValidationError
from graph.model import NODE_SPECS, REL_SPECS, Label
from graph.store import Node, NodeRef, Relationship, Subgraph
from recommend.explain import ExplainedPath

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_AGGREGATE_OVER",
    "LabelStyle",
    "LABEL_STYLES",
    "DrawNode",
    "DrawEdge",
    "Drawing",
    "node_key",
    "at_least",
    "prepare_subgraph",
    "explanation_graph",
    "explanation_positions",
]

DEFAULT_MAX_NODES = 150
DEFAULT_AGGREGATE_OVER = 10

# End-user text of this module (Chinese).
_MSG_AT_LEAST = "应为不小于 {minimum} 的整数，实际为「{value}」"
_MSG_CENTRE = "中心节点「{value}」不在子图中"
_MSG_KIND = "第 {path} 条路径第 {step} 步的节点类型「{value}」未知"
_NOTE_STORE_TRUNCATED = "图谱较大，只取了中心节点附近的部分节点。"
_NOTE_CAPPED = "另有 {count} 个节点超出显示上限（{cap} 个），未显示。"
_NOTE_ORPHANS = "另有 {count} 个节点只与已折叠的节点相连，未显示。"
_AGGREGATE_LABEL = "另有 {count} {measure}{zh}…"
_AGGREGATE_TIP = "{hub} 的{zh}共 {total} {measure}，图中列出 {shown} {measure}，其余 {count} {measure}未逐一显示。"


@dataclass(frozen=True)
class LabelStyle:
    """How nodes of one label look: fill colour, vis-network shape, Chinese measure word."""

    color: str
    shape: str
    measure: str  # 量词: 另有 37 「位」专家


# Shapes whose label sits below the shape, so every node has the same size; colour tells
# labels that share a shape apart. Colours: Tableau 10 (distinct for colour-blind readers).
LABEL_STYLES: dict[Label, LabelStyle] = {
    Label.ENTERPRISE: LabelStyle("#F28E2B", "square", "家"),
    Label.DEMAND: LabelStyle("#E15759", "diamond", "项"),
    Label.FIELD: LabelStyle("#59A14F", "hexagon", "个"),
    Label.INDUSTRY: LabelStyle("#B07AA1", "hexagon", "个"),
    Label.REGION: LabelStyle("#9C755F", "triangleDown", "个"),
    Label.EXPERT: LabelStyle("#4E79A7", "dot", "位"),
    Label.TEAM: LabelStyle("#76B7B2", "star", "个"),
    Label.INSTITUTION: LabelStyle("#EDC948", "triangle", "家"),
    Label.PROJECT: LabelStyle("#FF9DA7", "square", "个"),
    Label.PATENT: LabelStyle("#BAB0AC", "triangle", "件"),
    Label.PAPER: LabelStyle("#BAB0AC", "dot", "篇"),
    Label.ACHIEVEMENT: LabelStyle("#BAB0AC", "star", "项"),
    # workflow facts: muted greys and teals so they never outshout the domain graph
    Label.PUSH: LabelStyle("#8CD17D", "square", "条"),
    Label.CHALLENGE: LabelStyle("#D37295", "star", "个"),
    Label.BID: LabelStyle("#FABFD2", "triangle", "份"),
    Label.DISPATCH: LabelStyle("#499894", "hexagon", "次"),
    Label.SERVICE: LabelStyle("#86BCB6", "square", "条"),
    Label.VOUCHER: LabelStyle("#F1CE63", "diamond", "张"),
    Label.FEEDBACK: LabelStyle("#D4A6C8", "triangleDown", "条"),
    Label.DELIVERY: LabelStyle("#79706E", "dot", "条"),
    Label.ACTIVITY: LabelStyle("#A0CBE8", "star", "场"),  # activities and training (issue 16)
}
_LABEL_ORDER = {label: i for i, label in enumerate(Label)}
_KIND_LABELS = {label.value.lower(): label for label in Label}  # explanation step kinds: "expert", …


# -- plain data ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DrawNode:
    """One node to draw. ``key`` is unique in the drawing; ``aggregate`` > 0 means it stands
    for that many collapsed nodes of ``label``."""

    key: str
    label: Label
    name: str
    tooltip: str
    aggregate: int = 0


@dataclass(frozen=True)
class DrawEdge:
    """One edge to draw, from ``source`` to ``target`` (node keys)."""

    source: str
    target: str
    text: str  # the relationship's Chinese name ("" for none)
    tooltip: str
    width: float = 1.0
    directed: bool = True


@dataclass(frozen=True)
class Drawing:
    """What one picture shows: nodes, edges, the centre, and notes on what was left out."""

    nodes: tuple[DrawNode, ...]
    edges: tuple[DrawEdge, ...]
    center: str | None = None
    notes: tuple[str, ...] = ()
    truncated: bool = False
    hidden: Mapping[str, int] = field(default_factory=dict)  # "capped" / "orphans" → count


def node_key(ref: NodeRef | Node) -> str:
    """The drawing key of a stored node: ``"<label>:<id>"`` (unique across labels)."""
    return f"{ref.label.value}:{ref.id}"


def at_least(name: str, value: int, minimum: int) -> int:
    """``value`` when it is an int of at least ``minimum``; ValidationError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(Msg.FIELD.format(field=name, reason=_MSG_AT_LEAST.format(minimum=minimum, value=value)))
    return value


# -- subgraph → drawing: aggregate, drop orphans, cap --------------------------------------------
def _node_tooltip(node: Node) -> str:
    return f"{NODE_SPECS[node.label].zh}：{node.name}\n编号：{node.id}"


def _rel_tooltip(rel: Relationship, names: Mapping[NodeRef, str]) -> str:
    return f"{names[rel.start]} —{REL_SPECS[rel.type].zh}→ {names[rel.end]}"


def prepare_subgraph(subgraph: Subgraph, *, center: NodeRef | None = None, max_nodes: int = DEFAULT_MAX_NODES,
                     aggregate_over: int = DEFAULT_AGGREGATE_OVER) -> Drawing:
    """Turn a store subgraph into a bounded :class:`Drawing`.

    Parameters
    ----------
    subgraph : the nodes and relationships to draw (``GraphStore.subgraph`` output).
    center : the node the picture is about; default the first node of ``subgraph``
        (``GraphStore.subgraph`` lists its centre first).
    max_nodes : at most this many nodes are drawn, aggregate nodes included; the nodes
        nearest the centre are kept (then aggregates, then by label and id).
    aggregate_over : crowd size. Hubs are visited nearest the centre first; when a hub
        has more than ``aggregate_over`` neighbours of one label one hop farther from the
        centre, the ``aggregate_over - 1`` best connected stay and the rest become one
        aggregate node "另有 N 位专家…". Nodes then cut off from the centre are dropped.

    Returns
    -------
    Drawing : deterministic for the same input; ``notes`` tell the reader (in Chinese)
        what was left out, ``hidden`` counts it.

    Raises
    ------
    ValidationError : ``max_nodes`` < 1, ``aggregate_over`` < 2, or ``center`` is not in
        the subgraph.

    Examples
    --------
    >>> from graph.store import Node
    >>> hub = Node(Label.FIELD, "f1", {"name": "储能"})
    >>> prepare_subgraph(Subgraph([hub], [], False)).nodes[0].name
    '储能'
    """
    at_least("max_nodes", max_nodes, 1)
    at_least("aggregate_over", aggregate_over, 2)
    nodes: dict[NodeRef, Node] = {n.ref: n for n in subgraph.nodes}
    if not nodes:
        return Drawing((), (), None, (_NOTE_STORE_TRUNCATED,) if subgraph.truncated else (), subgraph.truncated)
    centre = center if center is not None else subgraph.nodes[0].ref
    if centre not in nodes:
        raise ValidationError(Msg.FIELD.format(field="center", reason=_MSG_CENTRE.format(value=node_key(centre))))
    names = {ref: n.name for ref, n in nodes.items()}

    graph = nx.MultiGraph()
    graph.add_nodes_from(sorted(nodes))
    for rel in subgraph.relationships:
        if rel.start in nodes and rel.end in nodes:
            graph.add_edge(rel.start, rel.end, rel=rel)
    dist = nx.single_source_shortest_path_length(graph, centre)
    reachable_before = set(dist)
    far = len(nodes) + 1  # nodes not connected to the centre sort after every connected one

    aggregates: list[tuple[NodeRef, DrawNode, DrawEdge]] = []  # hub, aggregate node, its edge to the hub
    hubs = sorted(nodes, key=lambda r: (dist.get(r, far), _LABEL_ORDER[r.label], r.id))
    for hub in hubs:
        if hub not in graph:
            continue
        children: dict[Label, list[NodeRef]] = defaultdict(list)
        for other in set(graph.neighbors(hub)):
            if other != centre and dist.get(other, far) == dist.get(hub, far) + 1:
                children[other.label].append(other)
        for label in sorted(children, key=_LABEL_ORDER.__getitem__):
            crowd = children[label]
            if len(crowd) <= aggregate_over:
                continue
            crowd.sort(key=lambda r: (-graph.degree(r), r.id))
            collapsed = crowd[aggregate_over - 1:]
            aggregates.append((hub, *_aggregate(hub, label, collapsed, len(crowd), graph, names)))
            graph.remove_nodes_from(collapsed)

    # Nodes that hung only on collapsed ones are dropped, with any crowd they had collapsed.
    reachable_after = set(nx.node_connected_component(graph, centre))
    orphans = sorted((reachable_before & set(graph)) - reachable_after)
    graph.remove_nodes_from(orphans)
    n_orphans = len(orphans) + sum(agg.aggregate for hub, agg, _ in aggregates if hub not in graph)
    aggregates = [item for item in aggregates if item[0] in graph]
    dist_after = nx.single_source_shortest_path_length(graph, centre)

    ranked: list[tuple[tuple[int, int, int, str], DrawNode]] = []
    for ref in graph:
        ranked.append(((dist_after.get(ref, far), 1, _LABEL_ORDER[ref.label], ref.id),
                       DrawNode(node_key(ref), ref.label, names[ref], _node_tooltip(nodes[ref]))))
    for hub, agg, _ in aggregates:
        ranked.append(((dist_after.get(hub, far) + 1, 0, _LABEL_ORDER[agg.label], agg.key), agg))
    ranked.sort(key=lambda item: item[0])
    capped = max(0, len(ranked) - max_nodes)
    kept = [node for _, node in ranked[:max_nodes]]
    kept_keys = {n.key for n in kept}

    edges = [DrawEdge(node_key(rel.start), node_key(rel.end), REL_SPECS[rel.type].zh, _rel_tooltip(rel, names))
             for _, _, rel in sorted(graph.edges(data="rel"), key=lambda e: e[2].sort_key())]
    edges += [edge for _, _, edge in aggregates]
    edges = [e for e in edges if e.source in kept_keys and e.target in kept_keys]

    notes = []
    if subgraph.truncated:
        notes.append(_NOTE_STORE_TRUNCATED)
    if n_orphans:
        notes.append(_NOTE_ORPHANS.format(count=n_orphans))
    if capped:
        notes.append(_NOTE_CAPPED.format(count=capped, cap=max_nodes))
    hidden = {k: v for k, v in (("orphans", n_orphans), ("capped", capped)) if v}
    return Drawing(tuple(kept), tuple(edges), node_key(centre), tuple(notes),
                   subgraph.truncated or capped > 0, hidden)


def _aggregate(hub: NodeRef, label: Label, collapsed: list[NodeRef], total: int, graph: nx.MultiGraph,
               names: Mapping[NodeRef, str]) -> tuple[DrawNode, DrawEdge]:
    """The aggregate node standing for ``collapsed`` neighbours of ``hub`` and its edge to the hub."""
    spec, style = NODE_SPECS[label], LABEL_STYLES[label]
    count = len(collapsed)
    key = f"+{node_key(hub)}>{label.value}"
    tip = _AGGREGATE_TIP.format(hub=names[hub], zh=spec.zh, total=total, shown=total - count, count=count,
                                measure=style.measure)
    node = DrawNode(key, label, _AGGREGATE_LABEL.format(count=count, measure=style.measure, zh=spec.zh), tip, count)
    # One arrow when every collapsed relationship has the same type and direction.
    kinds = {(rel.type, rel.start == hub) for ref in collapsed for rel in _rels_between(graph, hub, ref)}
    if len(kinds) == 1:
        ((rel_type, outward),) = kinds
        text = REL_SPECS[rel_type].zh
        source, target = (node_key(hub), key) if outward else (key, node_key(hub))
        edge = DrawEdge(source, target, text, f"{names[hub]} —{text}— {node.name}")
    else:
        edge = DrawEdge(node_key(hub), key, "", node.name, directed=False)
    return node, edge


def _rels_between(graph: nx.MultiGraph, a: NodeRef, b: NodeRef) -> list[Relationship]:
    return [data["rel"] for data in graph.get_edge_data(a, b, default={}).values()]


# -- explanation paths → drawing -----------------------------------------------------------------
def _label_of(kind: str, p_no: int, s_no: int) -> Label:
    label = _KIND_LABELS.get(kind)
    if label is None:
        raise ValidationError(Msg.FIELD.format(field="kind", reason=_MSG_KIND.format(path=p_no, step=s_no, value=kind)))
    return label


def explanation_graph(paths: Iterable[ExplainedPath]) -> tuple[list[DrawNode], list[DrawEdge]]:
    """The small graph behind recommendation explanations (:class:`recommend.explain.ExplainedPath`).

    Each step's ``kind`` is a label in lower case ("demand", "field", "project", "expert", …) and
    its ``link`` names the relationship from the previous step. Nodes shared by several paths are
    drawn once; an edge's width grows with the strongest path through it.

    Returns
    -------
    (nodes, edges) : in first-seen order.

    Raises
    ------
    ValidationError : a step names an unknown kind.

    Examples
    --------
    >>> from recommend.explain import PathStep
    >>> path = ExplainedPath((PathStep("demand", "d1", "电池回收", ""), PathStep("field", "f1", "储能", "需要"),
    ...                       PathStep("expert", "e1", "张三", "擅长")), 0.5)
    >>> nodes, edges = explanation_graph([path])
    >>> [n.name for n in nodes], [e.text for e in edges]
    (['电池回收', '储能', '张三'], ['需要', '擅长'])
    """
    nodes: dict[str, DrawNode] = {}
    edges: dict[tuple[str, str, str], tuple[DrawEdge, float]] = {}
    for p_no, path in enumerate(paths, start=1):
        strength = float(path.strength or 0.0)
        previous: DrawNode | None = None
        for s_no, step in enumerate(path.steps, start=1):
            label = _label_of(step.kind, p_no, s_no)
            key = f"{label.value}:{step.id}"
            name = step.name or step.id
            node = nodes.setdefault(key, DrawNode(key, label, name, f"{NODE_SPECS[label].zh}：{name}"))
            if previous is not None and previous.key != key:
                edge_key = (previous.key, key, step.link)
                best = max(strength, edges[edge_key][1]) if edge_key in edges else strength
                tip = f"{previous.name} —{step.link}→ {node.name}（最强路径强度 {best:.2f}）"
                edges[edge_key] = (DrawEdge(previous.key, key, step.link, tip, 1.0 + 4.0 * min(best, 1.0)), best)
            previous = node
    return list(nodes.values()), [edge for edge, _ in edges.values()]


def explanation_positions(paths: Sequence[ExplainedPath], *, column: float = 240.0,
                          row: float = 64.0) -> dict[str, tuple[float, float]]:
    """Positions for the explanation graph: one column per kind of step, left to right.

    The demand, then its fields (a field reached through a parent, child or related field
    one column further), then projects, then experts — so every path reads left to right
    and experts line up in the last column. Rows keep the order of first appearance.

    >>> from recommend.explain import PathStep
    >>> step = lambda kind, i: PathStep(kind, i, i, "")
    >>> explanation_positions([ExplainedPath((step("demand", "d"), step("field", "f"), step("expert", "e")), 1.0),
    ...                        ExplainedPath((step("demand", "d"), step("field", "f"), step("project", "p"),
    ...                                       step("expert", "e")), 1.0)], row=10)
    {'Demand:d': (0.0, 0.0), 'Field:f': (240.0, 0.0), 'Expert:e': (720.0, 0.0), 'Project:p': (480.0, 0.0)}
    """
    depth: dict[str, int] = {}
    label_of: dict[str, Label] = {}
    for path in paths:
        for i, step in enumerate(path.steps):
            label = _KIND_LABELS.get(step.kind)
            if label is None:
                continue
            key = node_key(NodeRef(label, step.id))
            label_of[key] = label
            depth[key] = max(depth.get(key, 0), i)
    last_field = max((d for k, d in depth.items() if label_of[k] is Label.FIELD), default=1)
    columns: dict[int, list[str]] = {}
    for key, label in label_of.items():
        if label is Label.DEMAND:
            col = 0
        elif label is Label.FIELD:
            col = depth[key]
        elif label is Label.EXPERT:
            col = last_field + 2
        else:
            col = last_field + 1
        columns.setdefault(col, []).append(key)
    positions = {}
    for col, keys in columns.items():
        for i, key in enumerate(keys):
            positions[key] = (col * column, (i - (len(keys) - 1) / 2) * row)
    return positions
