"""Every recommendation setting, scoring weights included, in one table.

Each :class:`Setting` has a name, a default and help text; ``README.md`` documents
each one (``tests/test_recommend_config.py`` checks that it does). Override per call
with :func:`resolve`, e.g. from API options or CLI flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import Msg, RowError, ValidationError

__all__ = ["Setting", "SETTINGS", "DEFAULTS", "WEIGHT_NAMES", "resolve"]


@dataclass(frozen=True)
class Setting:
    """One tunable: its name, default value and what it does."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    # -- score weights (the score is Σ weight × component, every component in [0, 1])
    Setting("weight_field", 0.35, "需求所需领域与专家擅长领域的匹配度（含上下位与相关领域）"),
    Setting("weight_text", 0.25, "需求文本与专家项目、关键词的文本相关度（BM25）"),
    Setting("weight_evidence", 0.15, "项目证据：数量、新近程度与资助规模"),
    Setting("weight_type", 0.05, "专家类型：项目负责人、人才计划、专家库成员"),
    Setting("weight_region", 0.10, "地域邻近：同城、同省"),
    Setting("weight_availability", 0.10, "当前负荷越低越可用（在研项目、待处理推送）"),
    # -- candidate generation
    Setting("parent_field_decay", 0.5, "沿 SUBFIELD_OF 向上一层时领域相似度乘以该系数"),
    Setting("child_field_decay", 0.7, "沿 SUBFIELD_OF 向下一层时领域相似度乘以该系数"),
    Setting("related_min_score", 0.2, "RELATED_TO 相关领域的最低相似度，低于此值不扩展"),
    Setting("max_candidates", 500, "参与打分的候选专家上限（按领域匹配度截取）"),
    Setting("fanout_per_field", 1000, "每个领域沿 EXPERT_IN、IN_FIELD 最多展开的专家或项目数（按关系权重从高到低；0 表示不限）"),
    Setting("text_candidates", 50, "另按需求文本全库检索补充的候选专家人数（0 表示只按领域）"),
    # -- evidence
    Setting("evidence_half_life_years", 5.0, "项目证据的半衰期（年）：越早的项目权重越低"),
    Setting("evidence_saturation", 3.0, "证据饱和点：加权项目数达到该值时证据分接近 1"),
    # -- filters and diversity
    Setting("max_load", 3, "在研项目、待回复推送与派驻中的科技专员任务合计超过该值的专家不推荐（0 表示不限）"),
    Setting("max_per_institution", 3, "前 top_k 名中同一机构最多几人（0 表示不限，即不做多样性处理）"),
    Setting("region_mode", "prefer", "地域策略：prefer 优先本地，only 仅本地，any 不考虑"),
    Setting("top_k", 10, "返回的专家人数"),
    # -- teams
    Setting("team_count", 3, "返回的备选团队数"),
    Setting("team_max_size", 4, "每个团队最多人数"),
    Setting("team_collab_bonus", 0.3, "组队时与已选成员有合作关系的候选人加分"),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
WEIGHT_NAMES: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.name.startswith("weight_"))


def resolve(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The defaults with ``overrides`` applied and type-checked.

    Raises:
        ValidationError: an unknown name, a value of the wrong type, or a negative weight
            (messages in Chinese, naming the setting).

    >>> resolve({"top_k": 5})["top_k"]
    5
    """
    settings = dict(DEFAULTS)
    errors: list[RowError] = []
    for name, value in (overrides or {}).items():
        if name not in DEFAULTS:
            errors.append(RowError(None, name, "不是可设置的推荐参数"))
            continue
        default = DEFAULTS[name]
        if isinstance(default, str):
            ok = isinstance(value, str)
        elif isinstance(default, int) and not isinstance(default, bool):
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            errors.append(RowError(None, name, Msg.BAD_TYPE.format(expected=type(default).__name__, value=value)))
            continue
        if not isinstance(value, str) and value < 0:
            errors.append(RowError(None, name, "不能为负数"))
            continue
        settings[name] = float(value) if isinstance(default, float) else value
    if settings["region_mode"] not in ("prefer", "only", "any"):
        errors.append(RowError(None, "region_mode", "只能是 prefer、only 或 any"))
    if errors:
        raise ValidationError.from_errors(errors)
    return settings
