"""Recommended activities and training for an enterprise (or one demand): fields it needs vs fields
an open activity covers, with the enterprise's gaps weighing more.

The rule (documented in the README, tested in ``tests/test_activities.py``):

* A need is a field of the enterprise's demands (``NEEDS`` weight, the largest over its demands).
  A *gap* is a need of a demand that is still 待对接 — nobody has taken it up yet — and weighs
  :data:`GAP_BOOST` times more: the activity may be where the enterprise meets its solver.
* An activity field matches a need exactly (1.0) or through the taxonomy (:data:`BROADER` when
  the activity covers a broader field of the need, or a narrower one).
* The score of an activity is the sum, over its fields, of the best ``need weight × match``;
  only activities in 报名中 that start today or later and that the enterprise has not enrolled
  in are candidates. Ties: earlier start first, then id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node
from workflow.states import ACTIVITY

__all__ = ["GAP_BOOST", "BROADER", "ActivityCandidate", "ActivityMatch", "rank_activities",
           "recommend_for_enterprise", "recommend_for_demand"]

GAP_BOOST = 1.5
"""How much more a field of a demand still 待对接 weighs."""
BROADER = 0.6
"""The match of an activity field that is the need's parent field (or its child)."""
OPEN_STATUS = ACTIVITY.states[1]  # 报名中
WAITING = "待对接"


@dataclass(frozen=True)
class ActivityCandidate:
    """An open activity as the ranking sees it."""

    id: str
    title: str
    kind: str
    start_date: str
    field_ids: tuple[str, ...]


@dataclass(frozen=True)
class ActivityMatch:
    """A recommended activity, its score and the needed fields it answers (the explanation)."""

    id: str
    title: str
    kind: str
    start_date: str
    score: float
    matched: tuple[str, ...]
    gaps: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "kind": self.kind, "start_date": self.start_date,
                "score": self.score, "matched_fields": list(self.matched), "gap_fields": list(self.gaps)}


def rank_activities(needs: Mapping[str, float], candidates: Iterable[ActivityCandidate], *,
                    gaps: Iterable[str] = (), parents: Mapping[str, str] | None = None,
                    top_k: int = 5) -> list[ActivityMatch]:
    """Rank ``candidates`` for the needed fields ``needs`` (field id → weight in (0, 1]).

    Parameters:
        needs: the enterprise's (or demand's) needed fields and their weights.
        candidates: open activities with the fields they cover.
        gaps: needed fields nobody has taken up yet (weigh :data:`GAP_BOOST` times more).
        parents: field id → parent field id (``SUBFIELD_OF``), for broader/narrower matches.
        top_k: at most this many results.

    Returns:
        Matches with a positive score, best first (ties: earlier start, then id).

    Examples:
        >>> acts = [ActivityCandidate("a:1", "锂电路演", "项目路演", "2026-12-10", ("f:battery",)),
        ...         ActivityCandidate("a:2", "新能源专项培训", "专项培训", "2026-12-05", ("f:energy",)),
        ...         ActivityCandidate("a:3", "生物医药展", "高新技术展示", "2026-12-01", ("f:bio",))]
        >>> ranked = rank_activities({"f:battery": 1.0}, acts, gaps={"f:battery"},
        ...                          parents={"f:battery": "f:energy"})
        >>> [(m.id, m.score, m.matched) for m in ranked]
        [('a:1', 1.5, ('f:battery',)), ('a:2', 0.9, ('f:battery',))]
    """
    parents = parents or {}
    gap_set = set(gaps)
    weight = {f: w * (GAP_BOOST if f in gap_set else 1.0) for f, w in needs.items() if w > 0}
    out: list[ActivityMatch] = []
    for act in candidates:
        score, matched = 0.0, []
        for covered in act.field_ids:
            best, which = 0.0, None
            for need, w in weight.items():
                if covered == need:
                    m = 1.0
                elif parents.get(need) == covered or parents.get(covered) == need:
                    m = BROADER
                else:
                    continue
                if w * m > best:
                    best, which = w * m, need
            if which is not None:
                score += best
                matched.append(which)
        if score > 0:
            names = tuple(dict.fromkeys(matched))
            out.append(ActivityMatch(act.id, act.title, act.kind, act.start_date, round(score, 4), names,
                                     tuple(f for f in names if f in gap_set)))
    out.sort(key=lambda m: (-m.score, m.start_date, m.id))
    return out[:top_k]


def _candidates(store: GraphStore, today: str, enrolled: set[str]) -> list[ActivityCandidate]:
    nodes = store.find_nodes(Label.ACTIVITY, props={"status": OPEN_STATUS}, limit=10_000).nodes
    return [ActivityCandidate(n.id, str(n.props.get("title") or ""), str(n.props.get("kind") or ""),
                              str(n.props.get("start_date") or ""), tuple(n.props.get("field_ids") or ()))
            for n in nodes if str(n.props.get("start_date") or "") >= today and n.id not in enrolled]


def _parents(store: GraphStore, field_ids: Sequence[str]) -> dict[str, str]:
    refs = [n.ref for n in store.get_nodes(Label.FIELD, list(field_ids))]
    pairs = store.expand(refs, direction=Direction.OUT, rel_types=[RelType.SUBFIELD_OF], labels=[Label.FIELD])
    return {ref.id: nb.node.id for ref, nb in pairs}


def _needs(store: GraphStore, demands: Sequence[Node]) -> tuple[dict[str, float], set[str]]:
    status = {d.id: str(d.props.get("status") or WAITING) for d in demands}
    needs: dict[str, float] = {}
    gaps: set[str] = set()
    for ref, nb in store.expand([d.ref for d in demands], direction=Direction.OUT, rel_types=[RelType.NEEDS],
                                labels=[Label.FIELD]):
        if status.get(ref.id) in ("已解决", "已关闭"):
            continue
        w = float(nb.rel.props.get("weight") or 1.0)
        needs[nb.node.id] = max(needs.get(nb.node.id, 0.0), w)
        if status.get(ref.id) == WAITING:
            gaps.add(nb.node.id)
    return needs, gaps


def _rank(store: GraphStore, demands: Sequence[Node], enterprise_id: str | None, today: str,
          top_k: int) -> list[ActivityMatch]:
    needs, gaps = _needs(store, demands)
    if not needs:
        return []
    enrolled: set[str] = set()
    if enterprise_id:
        enrolled = {nb.node.id for nb in store.neighbors(Label.ENTERPRISE, enterprise_id, direction=Direction.OUT,
                                                         rel_types=[RelType.ENROLLED_IN])}
    return rank_activities(needs, _candidates(store, today, enrolled), gaps=gaps,
                           parents=_parents(store, sorted(needs)), top_k=top_k)


def recommend_for_enterprise(store: GraphStore, enterprise_id: str, *, today: str, top_k: int = 5
                             ) -> list[ActivityMatch]:
    """Open activities and training for an enterprise, from the fields of its open demands."""
    demands = [nb.node for nb in store.neighbors(Label.ENTERPRISE, enterprise_id, direction=Direction.OUT,
                                                 rel_types=[RelType.POSTED], labels=[Label.DEMAND])]
    return _rank(store, demands, enterprise_id, today, top_k)


def recommend_for_demand(store: GraphStore, demand_id: str, *, today: str, top_k: int = 5) -> list[ActivityMatch]:
    """Open activities and training for one demand (its enterprise's enrolments excluded)."""
    demand = store.get_node(Label.DEMAND, demand_id)
    if demand is None:
        return []
    posted = store.neighbors(Label.DEMAND, demand_id, direction=Direction.IN, rel_types=[RelType.POSTED],
                             labels=[Label.ENTERPRISE], limit=1)
    return _rank(store, [demand], posted[0].node.id if posted else None, today, top_k)
