"""Statistics: counts, and demands by technical field × region (for the supply–demand dashboards).

The matrix rolls each demand's needed fields up to the top of their taxonomy
(``SUBFIELD_OF``) and its regions up to the province (``PART_OF``). A demand that
needs fields under two top-level fields counts once in each row, so ``total`` (distinct
demands) can be less than the sum of the cells. It is recomputed only when the store's
counts change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, jsonify

from api.app import app_state
from api.auth import Permission, requires
from api.validation import check_params
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef

__all__ = ["bp", "demand_matrix"]

bp = Blueprint("stats", __name__, url_prefix="/api/v1")

_BATCH = 1000
_MAX_DEPTH = 16  # taxonomies are a few levels deep; a cycle in bad data must not loop forever
NO_FIELD, NO_REGION = "未关联领域", "未填写地区"


def _roll_up(store: GraphStore, label: Label, ids: Iterable[str], rel_type: RelType,
             stop: Any = None) -> dict[str, Node]:
    """Each id → its topmost ancestor along ``rel_type`` (or the first for which ``stop(node)``)."""
    top: dict[str, Node] = {}
    pending = {i: i for i in ids}  # start id -> current id
    nodes = {n.id: n for n in store.get_nodes(label, sorted(set(pending)))}
    for _ in range(_MAX_DEPTH):
        if not pending:
            break
        current = sorted(set(pending.values()))
        parents: dict[str, Node] = {}
        for ref, nb in store.expand([NodeRef(label, i) for i in current], direction=Direction.OUT,
                                    rel_types=[rel_type], labels=[label]):
            parents.setdefault(ref.id, nb.node)  # a taxonomy is a tree: one parent
        nxt = {}
        for start, cur in pending.items():
            node = nodes.get(cur)
            if node is None:
                continue
            if (stop is not None and stop(node)) or cur not in parents:
                top[start] = node
            else:
                nodes[parents[cur].id] = parents[cur]
                nxt[start] = parents[cur].id
        pending = nxt
    return top


def demand_matrix(store: GraphStore) -> dict[str, Any]:
    """Demands per (top-level field, province) and per status."""
    demands = store.all_nodes(Label.DEMAND)
    needs: dict[str, set[str]] = {}
    places: dict[str, set[str]] = {}
    for i in range(0, len(demands), _BATCH):
        refs = [d.ref for d in demands[i:i + _BATCH]]
        for ref, nb in store.expand(refs, direction=Direction.OUT, rel_types=[RelType.NEEDS, RelType.LOCATED_IN]):
            (needs if nb.rel.type is RelType.NEEDS else places).setdefault(ref.id, set()).add(nb.node.id)
    roots = _roll_up(store, Label.FIELD, {f for fs in needs.values() for f in fs}, RelType.SUBFIELD_OF)
    provinces = _roll_up(store, Label.REGION, {r for rs in places.values() for r in rs}, RelType.PART_OF,
                         stop=lambda n: n.props.get("level") == "province")
    cells: Counter[tuple[str | None, str | None]] = Counter()
    for d in demands:
        row_ids = {roots[f].id for f in needs.get(d.id, ()) if f in roots} or {None}
        col_ids = {provinces[r].id for r in places.get(d.id, ()) if r in provinces} or {None}
        for f in row_ids:
            for r in col_ids:
                cells[(f, r)] += 1
    names = {n.id: n.name for n in [*roots.values(), *provinces.values()]}

    def axis(index: int, missing: str) -> list[dict[str, Any]]:
        totals: Counter[str | None] = Counter()
        for key, n in cells.items():
            totals[key[index]] += n
        return [{"id": k, "name": names.get(k, missing) if k else missing, "count": n}
                for k, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0] or "~"))]

    status = Counter(str(d.props.get("status") or "未填写") for d in demands)
    return {
        "total": len(demands),
        "by_status": [{"status": s, "count": n} for s, n in sorted(status.items(), key=lambda kv: (-kv[1], kv[0]))],
        "fields": axis(0, NO_FIELD),
        "regions": axis(1, NO_REGION),
        "cells": [{"field": f, "region": r, "count": n}
                  for (f, r), n in sorted(cells.items(), key=lambda kv: (kv[0][0] or "~", kv[0][1] or "~"))],
    }


@bp.get("/stats")
@requires(Permission.STATS_READ)
def counts() -> Any:
    """Nodes per label and relationships per type."""
    check_params(())
    return jsonify(app_state().store().counts().as_dict())


@bp.get("/stats/demands")
@requires(Permission.STATS_READ)
def demands_by_field_and_region() -> Any:
    """Demands by top-level field × province, and by status."""
    check_params(())
    return jsonify(app_state().memo("demand_matrix", demand_matrix))
