"""The 「推荐活动与培训」 panel of the demand page (activities and training, issue 16).

Kept apart from :mod:`api.pages.demand_panel` so the demand page only gains one call; the ranking
is :func:`recommend.activities.recommend_for_demand` (the JSON API and CLI call the same).
"""

from __future__ import annotations

from typing import Any

from api.auth import Permission, may
from graph.clock import today
from graph.model import Label
from graph.store import GraphStore
from recommend.activities import recommend_for_demand

__all__ = ["demand_activities"]


def demand_activities(store: GraphStore, demand_id: str) -> dict[str, Any]:
    """``{"activity_recs": [...]}`` for ``_demand_activities.html`` (``None`` without workflow:read)."""
    if not may(Permission.WORKFLOW_READ):
        return {"activity_recs": None}
    found = recommend_for_demand(store, demand_id, today=today().isoformat(), top_k=5)
    names = {n.id: n.name for n in store.get_nodes(Label.FIELD, sorted({f for m in found for f in m.matched}))}
    return {"activity_recs": [{**m.as_dict(), "matched_names": [names.get(f, f) for f in m.matched]} for m in found]}
