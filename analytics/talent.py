"""人才计划推荐名单: 成效突出的科技专员，优先推荐申报各级科技人才计划 (issue 16).

:func:`rank_talent` is a pure function over plain rows of service evidence per expert (the 考核评价 rows
of :func:`analytics.reports.evaluation`: enterprises served, demands solved, services, hours, mean rating
and number of ratings, all within the report's region and period). The rule, documented in the README:

1. **Eligible** (成效突出): at least :attr:`TalentRule.min_solved` demand solved (a service record marked
   solved, or a 揭榜 challenge won and completed), at least :attr:`TalentRule.min_ratings` enterprise
   rating, and a mean rating of at least :attr:`TalentRule.min_rating`.
2. **Ranked** by, in order (most first): demands solved; enterprises served; the rating shrunk towards
   :attr:`TalentRule.prior_mean` by :attr:`TalentRule.prior_weight` pseudo-ratings,
   ``(mean × n + prior_mean × prior_weight) / (n + prior_weight)`` (so one 5 does not beat twenty 4.8s);
   service hours; then the expert id (a stable tie-break).

Each row keeps its evidence and a Chinese reason, e.g. 解决需求 2 项、服务企业 3 家、服务 7 次共 31 小时、
平均评分 4.71（7 次评价）.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["TalentRule", "TALENT_RULE", "TALENT_COLUMNS", "adjusted_rating", "eligible", "rank_talent"]


@dataclass(frozen=True)
class TalentRule:
    """The thresholds and the rating prior of the talent-programme list."""

    min_solved: int = 1
    min_ratings: int = 1
    min_rating: float = 4.0
    prior_mean: float = 3.0
    prior_weight: float = 2.0


TALENT_RULE = TalentRule()
"""The rule the product uses (README, 「人才计划推荐名单」)."""


def adjusted_rating(mean: float | None, count: int, rule: TalentRule = TALENT_RULE) -> float:
    """The mean rating shrunk towards the prior: ``(mean·n + prior·w) / (n + w)``.

    >>> adjusted_rating(5.0, 1), adjusted_rating(4.8, 20)
    (3.67, 4.64)
    >>> adjusted_rating(None, 0)
    3.0
    """
    total = (mean or 0.0) * count + rule.prior_mean * rule.prior_weight
    return round(total / (count + rule.prior_weight), 2)


def eligible(row: Mapping[str, Any], rule: TalentRule = TALENT_RULE) -> bool:
    """Whether an expert's evidence meets the thresholds (成效突出).

    >>> eligible({"solved": 1, "ratings": 2, "rating_mean": 4.5})
    True
    >>> eligible({"solved": 0, "ratings": 9, "rating_mean": 5.0}), eligible({"solved": 3, "ratings": 0})
    (False, False)
    """
    mean = row.get("rating_mean")
    return (int(row.get("solved") or 0) >= rule.min_solved and int(row.get("ratings") or 0) >= rule.min_ratings
            and mean is not None and float(mean) >= rule.min_rating)


def _reason(row: Mapping[str, Any]) -> str:
    return (f"解决需求 {row.get('solved', 0)} 项、服务企业 {row.get('enterprises', 0)} 家、"
            f"服务 {row.get('services', 0)} 次共 {float(row.get('hours') or 0):g} 小时、"
            f"平均评分 {float(row.get('rating_mean') or 0):.2f}（{row.get('ratings', 0)} 次评价）")


def rank_talent(rows: Sequence[Mapping[str, Any]], *, rule: TalentRule = TALENT_RULE,
                top: int | None = None) -> list[dict[str, Any]]:
    """The eligible experts of ``rows`` (``id``, ``solved``, ``enterprises``, ``services``, ``hours``,
    ``rating_mean``, ``ratings``; other keys are kept) ranked by the rule, each with ``rank``,
    ``adjusted_rating`` and ``reason``; the first ``top`` when given.

    >>> ranked = rank_talent([
    ...     {"id": "a", "solved": 1, "enterprises": 3, "hours": 9, "rating_mean": 4.5, "ratings": 4},
    ...     {"id": "b", "solved": 2, "enterprises": 1, "hours": 4, "rating_mean": 4.0, "ratings": 1},
    ...     {"id": "c", "solved": 0, "enterprises": 5, "hours": 40, "rating_mean": 5.0, "ratings": 5}])
    >>> [(r["rank"], r["id"]) for r in ranked]
    [(1, 'b'), (2, 'a')]
    """
    chosen = [dict(r, adjusted_rating=adjusted_rating(r.get("rating_mean"), int(r.get("ratings") or 0), rule))
              for r in rows if eligible(r, rule)]
    chosen.sort(key=lambda r: (-int(r.get("solved") or 0), -int(r.get("enterprises") or 0), -r["adjusted_rating"],
                               -float(r.get("hours") or 0), str(r.get("id"))))
    if top is not None:
        chosen = chosen[:max(top, 0)]
    for rank, row in enumerate(chosen, start=1):
        row["rank"] = rank
        row["reason"] = _reason(row)
    return chosen


TALENT_COLUMNS = (
    ("rank", "排名", 6), ("id", "专家编号", 24), ("name", "专家", 12), ("institution", "所在单位", 24),
    ("solved", "解决需求（项）", 14), ("enterprises", "服务企业（家）", 14), ("services", "服务次数", 10),
    ("hours", "服务时长（小时）", 16), ("rating_mean", "平均评分", 10), ("ratings", "评分次数", 10),
    ("adjusted_rating", "修正评分", 10), ("reason", "推荐依据", 60))
"""The columns of the talent list (row key, Chinese header, Excel width)."""
