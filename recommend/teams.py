"""Team formation: cover the demand's fields with few, strong people who have worked together.

Two algorithms over plain data (a candidate list and a collaboration graph):

* :func:`form_teams`, ours: greedy weighted set cover seeded from each strong expert,
  where a candidate's gain is the weight of still-uncovered fields it covers times its
  score, plus a bonus for existing ties to the members already chosen (a real tie — joint
  papers or one national project, COLLABORATES — or the same team counts fully, the same
  institution half). Returns ``k`` distinct alternatives, each with a leader.
* :func:`rarest_first`, the baseline of Lappas, Liu and Terzi (KDD 2009): start from
  the rarest needed field; for each expert holding it, add for every other field the
  holder closest in the collaboration graph; keep the team with the smallest diameter.

:func:`communication_cost` (the diameter: the largest shortest-path distance between
two members) and :func:`coverage` measure both the same way.

References:
    T. Lappas, K. Liu, E. Terzi. Finding a team of experts in social networks. KDD 2009.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from recommend.scoring import ScoredExpert

__all__ = ["Team", "coverage", "communication_cost", "form_teams", "rarest_first", "DISCONNECTED"]

DISCONNECTED = 10.0
"""Distance charged between two members with no path in the collaboration graph."""


@dataclass(frozen=True)
class Team:
    """An alternative team: the leader first, then the other members by score."""

    members: tuple[str, ...]
    leader: str
    covered: frozenset[str]
    coverage: float  # NEEDS-weighted share of the demand's fields covered, in [0, 1]
    communication_cost: float  # diameter in the collaboration graph (lower is better)
    score: float  # mean member score × coverage, for ordering alternatives


def coverage(covered: frozenset[str] | set[str], demand_fields: Mapping[str, float]) -> float:
    """NEEDS-weighted share of demand fields covered.

    >>> coverage({"a"}, {"a": 3.0, "b": 1.0})
    0.75
    """
    total = sum(demand_fields.values())
    return sum(w for f, w in demand_fields.items() if f in covered) / total if total else 0.0


def _distance(graph: nx.Graph, a: str, b: str, cache: dict[str, dict[str, float]]) -> float:
    if a == b:
        return 0.0
    if a not in graph or b not in graph:
        return DISCONNECTED
    if a not in cache:
        cache[a] = nx.single_source_dijkstra_path_length(graph, a, cutoff=DISCONNECTED, weight="distance")
    return min(cache[a].get(b, DISCONNECTED), DISCONNECTED)


def _closeness(graph: nx.Graph, a: str, b: str) -> float:
    """How much a direct tie counts in the bonus: 1 / its distance (co-authors or one project 1, same team 1,
    same institution 0.5), 0 without one."""
    if not graph.has_edge(a, b):
        return 0.0
    return 1.0 / float(graph[a][b].get("distance", 1.0) or 1.0)


def communication_cost(members: Sequence[str], graph: nx.Graph, cache: dict | None = None) -> float:
    """The team's diameter: the largest shortest-path distance between two members (0 for one).

    >>> g = nx.Graph([("a", "b", {"distance": 1.0}), ("b", "c", {"distance": 1.0})])
    >>> communication_cost(["a", "c"], g)
    2.0
    """
    cache = {} if cache is None else cache
    return max((_distance(graph, a, b, cache) for a, b in itertools.combinations(members, 2)), default=0.0)


def _make_team(members: list[str], by_id: Mapping[str, ScoredExpert], demand_fields: Mapping[str, float],
               graph: nx.Graph, cache: dict) -> Team:
    covered = frozenset().union(*(by_id[m].covered_fields for m in members)) & frozenset(demand_fields)
    cov = coverage(covered, demand_fields)
    # The leader: most fields covered, then highest score, then most ties inside the team.
    leader = max(members, key=lambda m: (len(by_id[m].covered_fields & covered), by_id[m].score,
                                         sum(1 for o in members if o != m and graph.has_edge(m, o)), m))
    mean_score = sum(by_id[m].score for m in members) / len(members)
    ordered = [leader] + sorted((m for m in members if m != leader), key=lambda m: (-by_id[m].score, m))
    return Team(tuple(ordered), leader, covered, cov, communication_cost(members, graph, cache), mean_score * cov)


def _tied_collaborator(members: list[str], useful: Sequence[ScoredExpert], graph: nx.Graph, *,
                       max_size: int) -> list[str]:
    """The best-scored candidate with a real tie (COLLABORATES) to a member, when the team has none yet.

    ``useful`` candidates all cover a demand field, so the one added is qualified too; it adds no
    coverage but makes the team people who have worked together (a one-person "team" is not one).
    """
    if len(members) >= max_size or any(graph.has_edge(a, b) and graph[a][b].get("kind") == "collaborates"
                                       for a, b in itertools.combinations(members, 2)):
        return []
    tied = [c for c in useful if c.id not in members and any(
        graph.has_edge(c.id, m) and graph[c.id][m].get("kind") == "collaborates" for m in members)]
    return [max(tied, key=lambda c: (c.score, c.id)).id] if tied else []


def form_teams(demand_fields: Mapping[str, float], candidates: Sequence[ScoredExpert], graph: nx.Graph, *,
               k: int = 3, max_size: int = 4, collab_bonus: float = 0.3, seeds: int = 10,
               tie_fill: bool = True) -> list[Team]:
    """Up to ``k`` distinct teams of at most ``max_size`` covering ``demand_fields``.

    Each of the ``seeds`` best-scored candidates that covers something seeds one greedy
    run; runs stop when every field is covered or nothing adds coverage. With ``tie_fill``,
    a team without a real tie then takes the best candidate (covering a demand field) who
    has published or run a project with one of its members, if there is one. Teams are
    sorted by (coverage desc, several members before one, communication cost asc, score desc).
    """
    useful = [c for c in candidates if c.covered_fields & set(demand_fields)]
    by_id = {c.id: c for c in useful}
    cache: dict[str, dict[str, float]] = {}
    teams: dict[frozenset[str], Team] = {}
    for seed in useful[:seeds]:
        members = [seed.id]
        covered = set(seed.covered_fields) & set(demand_fields)
        while len(members) < max_size and len(covered) < len(demand_fields):
            best, best_gain = None, 0.0
            for c in useful:
                if c.id in members:
                    continue
                new = (c.covered_fields & set(demand_fields)) - covered
                if not new:
                    continue
                ties = sum(_closeness(graph, c.id, m) for m in members)
                gain = sum(demand_fields[f] for f in new) * c.score * (1.0 + collab_bonus * ties)
                if gain > best_gain or (gain == best_gain and best is not None and c.id < best.id):
                    best, best_gain = c, gain
            if best is None:
                break
            members.append(best.id)
            covered |= best.covered_fields & set(demand_fields)
        if tie_fill:
            members += _tied_collaborator(members, useful, graph, max_size=max_size)
        team = _make_team(members, by_id, demand_fields, graph, cache)
        teams.setdefault(frozenset(members), team)
    # At equal coverage a team of several (only a tied collaborator makes one then) comes before a person alone.
    ordered = sorted(teams.values(), key=lambda t: (-t.coverage, len(t.members) == 1, t.communication_cost,
                                                    -t.score, t.members))
    return ordered[:k]


def rarest_first(demand_fields: Mapping[str, float], candidates: Sequence[ScoredExpert], graph: nx.Graph) -> Team | None:
    """The RarestFirst team of Lappas et al. (2009), or ``None`` when no candidate covers anything."""
    useful = [c for c in candidates if c.covered_fields & set(demand_fields)]
    if not useful:
        return None
    by_id = {c.id: c for c in useful}
    holders = {f: sorted(c.id for c in useful if f in c.covered_fields) for f in demand_fields}
    coverable = {f: h for f, h in holders.items() if h}
    rarest = min(coverable, key=lambda f: (len(coverable[f]), f))
    cache: dict[str, dict[str, float]] = {}
    best: Team | None = None
    for seed in coverable[rarest]:
        members = [seed]
        for f, h in sorted(coverable.items()):
            if any(f in by_id[m].covered_fields for m in members):
                continue
            nearest = min(h, key=lambda e: (_distance(graph, seed, e, cache), e))
            members.append(nearest)
        team = _make_team(members, by_id, demand_fields, graph, cache)
        if best is None or (team.communication_cost, len(team.members)) < (best.communication_cost, len(best.members)):
            best = team
    return best
