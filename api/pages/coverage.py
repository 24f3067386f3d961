"""The dashboard's 专家供给 section: experts with direct evidence per 高新技术领域 (see :mod:`analytics.coverage`).

Only shapes :func:`analytics.coverage.field_coverage`'s rows for ``_coverage.html`` (included by
``stats.html``): first-level fields with their counts per evidence kind and whether they reach
the target, each with its second-level fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analytics.coverage import EVIDENCE_KINDS, TARGET, FieldCoverage

__all__ = ["coverage_view"]


def coverage_view(rows: Sequence[FieldCoverage]) -> dict[str, Any]:
    """``{"kinds", "target", "groups": [{"field", "children", "meets", "width"}], "met", "total"}`` (copies, not the memo)."""
    first = [r for r in rows if r.level == 1]
    peak = max((r.experts for r in first), default=0)
    groups = [{"field": r, "meets": r.experts >= TARGET,
               "width": round(r.experts / peak * 200, 1) if peak else 0,
               "children": [c for c in rows if c.parent == r.id]} for r in first]
    return {"kinds": EVIDENCE_KINDS, "target": TARGET, "groups": groups,
            "met": sum(1 for g in groups if g["meets"]), "total": len(groups)}
