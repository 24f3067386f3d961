"""Team formation and the RarestFirst baseline on a graph small enough to draw by hand.

Fields a, b, c. Candidates: e1 covers a+b (best score), e2 covers c and has worked with
e1, e3 covers c with a higher score but no ties, e4 covers a only.
"""

from __future__ import annotations

import networkx as nx
import pytest

from recommend.scoring import CandidateFacts, ScoredExpert
from recommend.teams import DISCONNECTED, communication_cost, coverage, form_teams, rarest_first

FIELDS = {"a": 1.0, "b": 1.0, "c": 1.0}


def cand(eid: str, score: float, covered: set[str]) -> ScoredExpert:
    return ScoredExpert(CandidateFacts(eid, eid), score, {}, {}, frozenset(covered))


CANDS = [cand("e1", 0.9, {"a", "b"}), cand("e3", 0.62, {"c"}), cand("e2", 0.6, {"c"}), cand("e4", 0.5, {"a"})]
GRAPH = nx.Graph([("e1", "e2", {"distance": 1.0}), ("e2", "e4", {"distance": 1.0})])


def test_team_prefers_people_who_have_worked_together():
    teams = form_teams(FIELDS, CANDS, GRAPH, k=3, max_size=3, collab_bonus=0.3)
    best = teams[0]
    assert best.members == ("e1", "e2")  # e2's tie to e1 beats e3's slightly higher score
    assert best.leader == "e1"
    assert best.coverage == 1.0 and best.communication_cost == 1.0


def test_without_the_bonus_the_stronger_stranger_joins():
    teams = form_teams(FIELDS, CANDS, GRAPH, k=3, max_size=3, collab_bonus=0.0)
    assert {t.members for t in teams} >= {("e1", "e3")}
    assert teams[0].members == ("e1", "e2")  # still first: same coverage, lower communication cost


def test_alternatives_are_distinct_and_bounded():
    teams = form_teams(FIELDS, CANDS, GRAPH, k=2, max_size=2)
    assert len(teams) == 2 and len({t.members for t in teams}) == 2
    assert all(len(t.members) <= 2 for t in teams)


def test_rarest_first_picks_the_smallest_diameter():
    team = rarest_first(FIELDS, CANDS, GRAPH)
    assert set(team.members) == {"e1", "e2"} and team.coverage == 1.0 and team.communication_cost == 1.0


def test_nothing_to_cover_gives_no_team():
    assert form_teams(FIELDS, [cand("x", 1.0, {"z"})], GRAPH) == []
    assert rarest_first(FIELDS, [], GRAPH) is None


def test_measures():
    assert coverage(frozenset({"a", "c"}), FIELDS) == pytest.approx(2 / 3)
    assert communication_cost(["e1", "e4"], GRAPH) == 2.0
    assert communication_cost(["e1", "e3"], GRAPH) == DISCONNECTED
    assert communication_cost(["e1"], GRAPH) == 0.0


def test_a_team_without_a_real_tie_takes_a_qualified_collaborator():
    experts = [cand("a", 0.9, {"f"}), cand("c", 0.7, {"f"}), cand("b", 0.5, {"f"})]
    graph = nx.Graph()
    graph.add_nodes_from(["a", "b", "c"])
    graph.add_edge("a", "b", distance=1.0, kind="collaborates", papers=("p1",))
    graph.add_edge("a", "c", distance=2.0, kind="institution")
    best = form_teams({"f": 1.0}, experts, graph, k=1)[0]
    assert best.members == ("a", "b") and best.communication_cost == 1.0  # b co-authored with a; c only shares a campus
    alone = form_teams({"f": 1.0}, experts, graph, k=1, tie_fill=False)[0]
    assert alone.members == ("a",)
