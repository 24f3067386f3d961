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
from recommend.scoring import COMPONENT_TABLE, EXPERT_TYPES

__all__ = ["Setting", "SETTINGS", "FIXED", "DEFAULTS", "WEIGHT_NAMES", "RANKER_MODES", "settings_from_text",
           "resolve"]


@dataclass(frozen=True)
class Setting:
    """One tunable: its name, default value and what it does."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    # -- score weights (the score is Σ weight × component, every component in [0, 1]): one per row of
    #    recommend.scoring.COMPONENT_TABLE, derived from it
    *(Setting(f"weight_{c.name}", c.weight, c.help) for c in COMPONENT_TABLE),
    Setting("ranker", "learned", "打分权重来源：learned 用 kgmatch train-ranker 学到的分项权重（模型文件不存在时自动退回人工权重），"
            "hand 用上面人工设定的 weight_* 权重；按次设置的 weight_* 总是优先；环境变量 KGMATCH_RANKER 可改默认值"),
    # -- candidate generation
    Setting("parent_field_decay", 0.5, "沿 SUBFIELD_OF 向上一层时领域相似度乘以该系数"),
    Setting("child_field_decay", 0.7, "沿 SUBFIELD_OF 向下一层时领域相似度乘以该系数"),
    Setting("related_min_score", 0.2, "RELATED_TO 相关领域的最低相似度，低于此值不扩展"),
    Setting("max_candidates", 500, "参与打分的候选专家上限（按领域匹配度截取）"),
    Setting("fanout_per_field", 1000, "每个领域沿 EXPERT_IN、IN_FIELD 最多展开的专家或项目数（按关系权重从高到低；0 表示不限）"),
    Setting("text_candidates", 50, "另按需求文本全库检索补充的候选专家人数（0 表示只按领域）"),
    Setting("semantic_candidates", 0, "另按需求与专家资料在语义空间中的余弦相似度全库补充的候选专家人数（需要语义模型；0 表示不补充）"),
    Setting("abstain_text_coverage", 0.34, "没有直接领域依据时，需求关键词在专家资料中出现的比例达到该值才算有文本依据；"
            "全部候选都没有依据时推荐结果如实说明「暂无直接依据的专家」"),
    Setting("semantic_expansion_terms", 6, "按语义模型为需求补充的相关词个数上限（只用于全库检索补充候选；0 表示不扩展）"),
    Setting("semantic_expansion_min_similarity", 0.5, "补充的相关词（需求各词在语义空间中的近邻）与整条需求的最低余弦相似度"),
    Setting("abstain_direct_strength", 0.5, "展示的专家中至少一位在需求领域有直接路径且强度（需求权重×专家权重）不低于该值，"
            "或文本覆盖率达到 abstain_text_coverage，推荐结果才不声明「暂无直接依据」"),
    Setting("abstain_strong_direct_strength", 1.01, "直接路径强度达到该值时，该专家单凭这条路径即可让推荐结果不声明「暂无直接依据」；"
            "强度在 abstain_direct_strength 与该值之间时，还需其文本覆盖率达到 abstain_direct_text_coverage（默认 1.01：路径强度最高为 1，"
            "任何路径都不能单独担保，须同时有需求的部分用词，见 data/eval/sme-demands/DECISIONS.md subwords31b）"),
    Setting("abstain_direct_text_coverage", 0.15, "直接路径强度不到 abstain_strong_direct_strength 的专家，需求关键词在其资料中"
            "出现的比例至少达到该值，才让推荐结果不声明「暂无直接依据」（经交叉对照表以 0.5 权重链接、资料里没有需求用词的路径不算）"),
    Setting("abstain_min_vouching_experts", 1, "展示的专家中至少这么多位各自有直接依据（按上面几项判断），推荐结果才不声明「暂无直接依据」；"
            "展示的专家少于该数时须全部有依据。只有部分专家有依据时，结果写明「展示的专家中仅 N 位有直接依据（姓名）」"),
    Setting("abstain_corroboration", 0, "1：展示的专家中只有一位有直接依据时，还须另有一位展示的专家自己有需求领域的直接路径、"
            "或需求用词覆盖率达到 abstain_direct_text_coverage，推荐结果才不声明「暂无直接依据」（一位专家不为其余毫无依据的专家作保）；"
            "0：不要求（默认；data/eval/sme-demands/DECISIONS.md corro37）"),
    Setting("abstain_weighted_text_coverage", 0.0, "按词的专指程度（语义模型语料上的 IDF）加权的文本覆盖率达到该值的专家也算有文本依据，"
            "泛用词（系统、技术、需要）分量小；没有语义模型时不用（0 表示不用，默认不用：在评测集测试部分上让无依据结果增多）"),
    Setting("list_text_coverage", 0.0, "没有需求领域（及其上下位领域）路径的专家，需求关键词在其资料中出现的比例至少达到该值"
            "且至少命中一词才列出；只经相关领域到达而没有命中词的专家不列出"),
    Setting("project_member_share", 0.5, "参与（非负责）项目相对主持项目、论文非第一作者相对第一作者的分量：用于领域路径与项目证据"),
    # -- component details
    Setting("evidence_half_life_years", 5.0, "项目证据的半衰期（年）：越早的项目权重越低"),
    Setting("evidence_saturation", 3.0, "证据饱和点：加权项目数达到该值时证据分接近 1"),
    Setting("evidence_grant_scale_wan", 50.0, "资助规模尺度（万元）：项目分量乘以 1 + log10(1 + 金额/该值)"),
    Setting("type_lead", 0.5, "专家类型分：主持过项目（项目负责人）或承担科技计划项目"),
    Setting("type_talent", 0.3, "专家类型分：入选人才计划（杰青、优青、创新群体、长江学者等）另加"),
    Setting("type_pool", 0.2, "专家类型分：专家库成员另加"),
    Setting("region_same_province", 0.6, "地域邻近分：同省不同城（同城为 1）"),
    Setting("covered_min_match", 0.3, "某条路径的领域匹配度不低于该值时，视为专家覆盖了需求的该领域（用于组队）"),
    Setting("text_bm25_k1", 1.2, "候选专家文本相关度（BM25 重排）的 k1：词频饱和速度"),
    Setting("text_bm25_b", 0.3, "候选专家文本相关度（BM25 重排）的 b：文档长度归一化程度"),
    Setting("text_floor_coverage", 0.238, "文本相关度（BM25 重排）的校准下限：最匹配者的 BM25 不足「平均长度、含需求每个可匹配词一次」"
            "的文档得分的该比例时，按该比例折算而不再记为 1（0 表示不校准，最匹配者为 1）"),
    Setting("text_subwords", 1, "文本相关度（BM25 重排）是否也匹配复合词内的词典词（1 是：需求的「印染废水」与专家的「工业废水」"
            "共有「废水」；0 否，只匹配整词）"),
    Setting("retrieval_floor_coverage", 0.107, "全库检索分的校准下限（同上，用于全库文本索引的检索分；候选的选取不受影响）"),
    Setting("index_bm25_k1", 1.2, "全库文本检索索引（补充候选）的 k1；建索引时生效，不能按次覆盖"),
    Setting("index_bm25_b", 0.2, "全库文本检索索引（补充候选）的 b：较低，项目多是证据而非噪声；建索引时生效，不能按次覆盖"),
    # -- filters and diversity
    Setting("max_load", 3, "在研项目、待回复推送与派驻中的科技专员任务合计超过该值的专家不推荐（0 表示不限）"),
    Setting("max_per_institution", 3, "前 top_k 名中同一机构最多几人（0 表示不限，即不做多样性处理）"),
    Setting("max_same_evidence", 0, "前 top_k 名中依据完全相同（同一批项目、论文）的合作者最多几人，其余在所列专家处注明"
            "（0 表示不限）"),
    Setting("region_mode", "prefer", "地域策略：prefer 优先本地（地域邻近计分），only 仅本省，any 不考虑地域（不筛选、不计分）"),
    Setting("expert_type", "", "只推荐某类专家：人才计划入选者、科技计划项目承担者、基金项目负责人、专家库专家（空表示不限）"),
    Setting("top_k", 10, "返回的专家人数"),
    # -- teams
    Setting("team_pool", 40, "组队时从排名前多少位的候选专家中挑选（固定参数，不能按次覆盖）"),
    Setting("team_count", 3, "返回的备选团队数"),
    Setting("team_max_size", 4, "每个团队最多人数"),
    Setting("team_collab_bonus", 0.3, "组队时与已选成员有合作关系的候选人加分"),
    # -- platforms and bases (issue 16, recommend.platforms): only for demands that need testing, pilot or equipment
    Setting("platform_top_k", 5, "返回的服务平台与基地个数（需求提出检验检测、中试、共性技术或设备共享需要时；0 表示不推荐平台）"),
    Setting("platform_weight_service", 0.5, "平台得分：平台服务覆盖需求所需服务类型的比例，及需求提到的平台服务或仪器设备"),
    Setting("platform_named_share", 0.4, "平台服务分中需求点名的平台服务或仪器设备（最多计两项）所占份额，其余份额为平台服务覆盖所需服务类型的比例"),
    Setting("platform_weight_field", 0.3, "平台得分：需求领域与平台服务领域的匹配度（同一领域、上下级、同属上级）"),
    Setting("platform_weight_region", 0.2, "平台得分：地域邻近（同城为 1，同省为 region_same_province）"),
)

FIXED: frozenset[str] = frozenset({"index_bm25_k1", "index_bm25_b", "team_pool"})
"""Settings that cannot be overridden per call: the index ones apply when the text index is built
(:class:`recommend.engine.IndexCache`), and ``team_pool`` bounds the cost of team formation."""

RANKER_MODES: tuple[str, ...] = ("learned", "hand")
"""Where the score weights come from (setting ``ranker``): the learned model, or the hand-set ``weight_*``."""

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
WEIGHT_NAMES: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.name.startswith("weight_"))


def settings_from_text(values: Mapping[str, str]) -> dict[str, Any]:
    """Settings given as text (query parameters, ``--set NAME=VALUE``) typed like their defaults;
    unknown names are kept as text for :func:`resolve` to refuse. The one parser the CLI, the JSON
    API and the pages share.

    Raises:
        ValidationError: a number that does not parse, naming the setting (Chinese).

    >>> settings_from_text({"top_k": "5", "weight_region": "0.3", "region_mode": "any"})
    {'top_k': 5, 'weight_region': 0.3, 'region_mode': 'any'}
    """
    overrides: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, raw in values.items():
        default = DEFAULTS.get(name)
        try:
            if isinstance(default, bool) or isinstance(default, str) or default is None:
                overrides[name] = raw
            elif isinstance(default, int):
                overrides[name] = int(raw)
            else:
                overrides[name] = float(raw)
        except ValueError:
            errors.append(RowError(None, name, f"应为数字，实际为「{raw}」"))
    if errors:
        raise ValidationError.from_errors(errors)
    return overrides


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
        if name in FIXED:
            errors.append(RowError(None, name, "是固定参数（建索引时生效或限制计算量），不能按次设置"))
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
    if settings["platform_named_share"] > 1:
        errors.append(RowError(None, "platform_named_share", "是份额，应在 0 到 1 之间"))
    if settings["region_mode"] not in ("prefer", "only", "any"):
        errors.append(RowError(None, "region_mode", "只能是 prefer、only 或 any"))
    if settings["ranker"] not in RANKER_MODES:
        errors.append(RowError(None, "ranker", "只能是 " + " 或 ".join(RANKER_MODES)))
    if settings["expert_type"] and settings["expert_type"] not in EXPERT_TYPES:
        errors.append(RowError(None, "expert_type", "只能是" + "、".join(EXPERT_TYPES) + "，或留空"))
    if errors:
        raise ValidationError.from_errors(errors)
    return settings
