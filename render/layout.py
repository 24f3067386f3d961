"""Layouts as pure data: node key → canvas position (pixels), deterministic for the same input and seed.

Positions come from a seeded spring layout (or columns for explanation paths) and pages draw with
physics off, so a few hundred nodes appear at once instead of after a long in-browser simulation
(``bench/graph_layout.py`` measures both).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import networkx as nx
import numpy as np

from graph.model import Label
from render.drawing import DrawEdge, DrawNode, at_least

__all__ = ["layout_positions", "layered_positions"]

_ = Label  # doctests below name labels

# -- layout ----------------------------------------------------------------------------------------
_DENSE_LAYOUT_UP_TO = 2000  # n×n float32 work arrays: 16 MB each at 2000 nodes


def _spring(n: int, pairs: Sequence[tuple[int, int]], *, seed: int, iterations: int) -> np.ndarray:
    """Fruchterman–Reingold positions in about [0, 1]², as networkx's dense solver computes them.

    Same forces and cooling as ``networkx.spring_layout`` (repulsion k²/d, attraction
    d²/k along edges, k = 1/√n, step 0.1 cooling linearly), vectorised with the Gram
    matrix (d² = |p|² + |q|² − 2p·q) in float32, so no n×n×2 array is built: about 10×
    faster than networkx at 1000 nodes (networkx switches to a per-node Python loop
    from 500 nodes). Reference: T. Fruchterman, E. Reingold, "Graph drawing by
    force-directed placement", Software: Practice and Experience 21(11), 1991.
    """
    adjacency = np.zeros((n, n), dtype=np.float32)
    if pairs:
        ends = np.asarray(pairs, dtype=np.intp)
        adjacency[ends[:, 0], ends[:, 1]] = 1.0
        adjacency[ends[:, 1], ends[:, 0]] = 1.0
    pos = np.random.default_rng(seed).random((n, 2)).astype(np.float32)
    k = np.float32(1.0 / math.sqrt(n))
    step = np.float32(0.1)
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        sq = (pos * pos).sum(axis=1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * (pos @ pos.T)
        np.clip(d2, 1e-4, None, out=d2)
        force = (k * k) / d2 - adjacency * np.sqrt(d2) / k  # per unit of (p_i - p_j)
        shift = pos * force.sum(axis=1)[:, None] - force @ pos
        length = np.sqrt((shift * shift).sum(axis=1))
        np.clip(length, 0.01, None, out=length)
        pos += shift * (step / length)[:, None]
        step -= cooling
    return pos


def layout_positions(nodes: Sequence[DrawNode], edges: Sequence[DrawEdge], *, center: str | None = None,
                     seed: int = 7, iterations: int = 50, spacing: float = 50.0) -> dict[str, tuple[float, float]]:
    """Canvas positions (pixels) from a seeded spring layout, the centre at (0, 0).

    Fruchterman–Reingold on the undirected graph (:func:`_spring`; above 2000 nodes
    ``networkx.spring_layout``, which needs less memory), rescaled so the farthest node is
    ``spacing * sqrt(n) + 100`` pixels from the centre (from the mean position when there
    is no centre), rounded to 0.1 px. Same input and seed, same positions.

    >>> a = DrawNode("a", Label.FIELD, "a", "a"); b = DrawNode("b", Label.EXPERT, "b", "b")
    >>> pos = layout_positions([a, b], [DrawEdge("b", "a", "", "")], center="a")
    >>> pos["a"], round(math.dist(pos["a"], pos["b"]))
    ((0.0, 0.0), 171)
    """
    at_least("iterations", iterations, 1)
    keys = list(dict.fromkeys(n.key for n in nodes))
    if not keys:
        return {}
    index = {key: i for i, key in enumerate(keys)}
    pairs = sorted({(index[e.source], index[e.target]) for e in edges
                    if e.source in index and e.target in index and e.source != e.target})
    if len(keys) == 1:
        raw = np.zeros((1, 2))
    elif len(keys) <= _DENSE_LAYOUT_UP_TO:
        raw = _spring(len(keys), pairs, seed=seed, iterations=iterations).astype(np.float64)
    else:
        graph = nx.Graph()
        graph.add_nodes_from(range(len(keys)))
        graph.add_edges_from(pairs)
        found = nx.spring_layout(graph, seed=seed, iterations=iterations)
        raw = np.array([found[i] for i in range(len(keys))], dtype=np.float64)
    origin = raw[index[center]] if center in index else raw.mean(axis=0)
    raw = raw - origin
    reach = float(np.sqrt((raw * raw).sum(axis=1)).max()) or 1.0
    raw *= (spacing * math.sqrt(len(keys)) + 100.0) / reach
    return {key: (round(float(x), 1) + 0.0, round(float(y), 1) + 0.0) for key, (x, y) in zip(keys, raw, strict=True)}


def layered_positions(nodes: Sequence[DrawNode], edges: Sequence[DrawEdge], *, center: str | None = None,
                      column: float = 220.0, row: float = 80.0) -> dict[str, tuple[float, float]]:
    """Left-to-right columns by hop distance from ``center`` (default the first node): for paths.

    >>> n = [DrawNode(k, Label.FIELD, k, k) for k in "abc"]
    >>> layered_positions(n, [DrawEdge("a", "b", "", ""), DrawEdge("a", "c", "", "")])
    {'a': (0.0, 0.0), 'b': (220.0, -40.0), 'c': (220.0, 40.0)}
    """
    keys = [n.key for n in nodes]
    if not keys:
        return {}
    graph = nx.Graph()
    graph.add_nodes_from(keys)
    graph.add_edges_from((e.source, e.target) for e in edges if e.source in graph and e.target in graph)
    start = center if center in graph else keys[0]
    dist = nx.single_source_shortest_path_length(graph, start)
    last = max(dist.values()) + 1
    columns: dict[int, list[str]] = defaultdict(list)
    for key in keys:
        columns[dist.get(key, last)].append(key)
    positions = {}
    for depth, members in columns.items():
        for i, key in enumerate(members):
            positions[key] = (depth * column, (i - (len(members) - 1) / 2) * row)
    return {k: positions[k] for k in keys}


