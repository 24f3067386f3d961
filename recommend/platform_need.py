"""Does a demand need a platform? Detect 检验检测 / 中试 / 共性技术 / 设备共享 in its text.

A pure function over the demand's text. Experts solve research and development problems;
platforms (公共技术服务平台, 中试基地, 检验检测中心, 大型仪器共享平台) provide testing, pilot-scale
production, shared equipment and industry-common technology services. The detector scores
cues per need kind:

* a **strong cue** names the service itself (送检, 检测报告, CNAS, 中试, 放大生产, 设备共享,
  大型仪器 …) and counts 1;
* a **weak cue** is a word that also appears in research wording (检测, 测试, 分析, 设备 …) and
  counts 0.5, only when the text also asks for a service (需要/委托/借用/租用/出具/缺少 … the
  *framing* cues), and never inside a research compound (缺陷检测算法, 目标检测, 故障检测,
  检测仪研制: development of a detection method is expert work);
* a **research cue** (机理, 算法, 模型, 基础研究 …) takes 0.5 off every kind;
* clauses about what the enterprise already has or did (企业可提供中试车间, 此前委托第三方做了检测)
  are skipped: they are not needs.

A kind is needed when its score reaches :data:`THRESHOLD`. The cue lists were written with the
hand-labelled examples ``data/eval/platform-need/labelled.jsonl`` (dev half: ids 1–2, 5–6 …), then
corrected once on the demo's synthetic demands, whose research wording (提交检测方法, 心理测评,
风险计量, 企业可提供中试车间, 此前委托第三方…) fired 51 of 400 (``bench.platform_need --demo``);
``python -m bench.platform_need`` measures the held-out half.

Examples:
    >>> detect_needs("新产品需要送检并出具第三方检测报告").kinds
    ('检验检测',)
    >>> detect_needs("研究高熵合金的强韧化机理").needed
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NEED_KINDS", "THRESHOLD", "NeedDetection", "detect_needs", "service_kinds"]

NEED_KINDS = ("检验检测", "中试", "共性技术", "设备共享")
"""The platform-service needs, in display order."""

THRESHOLD = 1.0
"""A kind is needed when its cue score reaches this value."""

_STRONG: dict[str, tuple[str, ...]] = {
    "检验检测": ("送检", "委托检测", "检测报告", "检验报告", "测试报告", "第三方检测", "第三方", "检测机构", "检测服务",
             "检测实验室", "评价中心", "型式检验", "CNAS", "CMA", "计量校准", "计量检定", "检定", "校准", "无损检测", "探伤",
             "可靠性试验", "可靠性验证", "可靠性测试", "环境试验", "环境适应性试验", "盐雾试验", "高低温", "湿热",
             "热循环", "失效分析", "安全性评价", "安全性检测", "安全性测试", "毒理", "功效评价", "软件测评", "信息安全测评",
             "第三方测评", "认证",
             "电磁兼容", "EMC", "含量测定", "限度检查", "农药残留", "兽药残留", "分析测试服务", "检测项目", "性能检测",
             "燃烧性能", "斑贴", "GLP", "安全性能检测", "寿命试验", "机械载荷"),
    "中试": ("中试", "小批量试产", "试产", "试生产", "放大试验", "放大生产", "工艺放大", "中间试验", "工程化验证",
           "吨级", "百公斤级", "公斤级放大", "规模化制备", "中试规模", "中试线", "中试车间", "中试装置", "验证批",
           "代工"),
    "共性技术": ("共性技术", "公共技术服务平台", "共性问题", "行业共性", "公共技术服务", "共性技术平台"),
    "设备共享": ("设备共享", "共享设备", "共享仪器", "仪器共享", "开放共享", "大型仪器", "租用", "借用", "按机时", "机时共享", "机时付费",
             "按样品付费", "共享的", "买不起"),
}
_WEAK: dict[str, tuple[str, ...]] = {
    "检验检测": ("检测", "检验", "测试", "测定", "成分分析", "物相分析", "表面成分", "试验", "分析测试", "监测"),
    "中试": ("放大", "试制", "生产线"),
    "共性技术": ("园区", "多家", "普遍"),
    "设备共享": ("扫描电镜", "透射电子显微镜", "原子力显微镜", "X射线衍射", "质谱", "色谱", "核磁", "粒度仪", "电位仪",
             "比表面积", "吸附仪", "三坐标", "工业CT", "3D打印设备", "电波暗室", "发酵罐", "生物反应器"),
}
_FRAMING = ("需要", "需做", "需检测", "急需", "委托", "寻找", "寻求", "借用", "租用", "出具", "没有", "缺少", "缺乏",
            "不具备", "能力不足", "希望使用", "想找", "请推荐", "哪里有", "取得", "满足", "定期")
_RESEARCH = ("机理", "机制", "算法", "模型", "基础研究", "研究其", "理论", "方法学", "研制一种", "研发专家", "论文",
             "网络结构", "研究。", "研究，")
_RESEARCH_COMPOUNDS = re.compile(
    r"(缺陷|目标|故障|小目标)(在线)?检测|检测(算法|模型|精度|方法|仪|试剂|标志物|设备开发)|快速检测|即时检验|在线检测"
    r"|(心理|情绪|注意)?测评(工具|平台|题库|数据|可信度)|心理测评|压力测试|风险计量|计量(方法|框架)|监测(与|和)?预警"
    r"|试验所需|(临床|田间)试验|预测试|含量测定方法")
# Clauses about what the enterprise already has or did (企业可提供中试车间, 此前委托第三方做了检测) are not needs.
_NOT_A_NEED_CLAUSE = re.compile(r"可提供|将提供|提供了|拥有|配备|已建|此前|曾|做过|做了|签订了")
_CLAUSE = re.compile(r"[。；;！!？?\n]")


@dataclass(frozen=True)
class NeedDetection:
    """The needs found in one text: kinds in :data:`NEED_KINDS` order, scores and the cues seen."""

    kinds: tuple[str, ...]
    scores: dict[str, float]
    cues: dict[str, tuple[str, ...]]

    @property
    def needed(self) -> bool:
        """Whether any platform service is needed."""
        return bool(self.kinds)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return {"needed": self.needed, "kinds": list(self.kinds),
                "cues": {k: list(v) for k, v in self.cues.items() if k in self.kinds}}


def _hits(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if w in text]


def detect_needs(text: str, *, threshold: float = THRESHOLD) -> NeedDetection:
    """Score each platform-service need in ``text`` (see the module docstring for the rule)."""
    clauses = [c for c in _CLAUSE.split(text or "") if not _NOT_A_NEED_CLAUSE.search(c)]
    plain = _RESEARCH_COMPOUNDS.sub("", "。".join(clauses))
    framed = bool(_hits(plain, _FRAMING))
    penalty = 0.5 if _hits(text or "", _RESEARCH) else 0.0
    scores: dict[str, float] = {}
    cues: dict[str, tuple[str, ...]] = {}
    for kind in NEED_KINDS:
        strong = _hits(plain, _STRONG[kind])
        weak = [w for w in _hits(plain, _WEAK[kind]) if not any(w in s for s in strong)] if framed else []
        scores[kind] = len(strong) + 0.5 * len(weak) - penalty
        cues[kind] = tuple(strong + weak)
    kinds = tuple(k for k in NEED_KINDS if scores[k] >= threshold)
    return NeedDetection(kinds, scores, cues)


_SERVICE_WORDS: dict[str, tuple[str, ...]] = {
    "检验检测": ("评价", "表征", "分析", "测评", "监测"),
    "中试": ("熟化", "小试", "试制", "工程化"),
    "共性技术": ("技术攻关", "工艺诊断", "技术咨询", "联合研发", "技术服务", "标准制定"),
    "设备共享": ("共享", "开放", "租用", "机时"),
}


def service_kinds(service: str) -> tuple[str, ...]:
    """Which needs one service of a platform's list serves (by the same cues, unframed).

    >>> service_kinds("大型仪器开放共享")
    ('设备共享',)
    >>> service_kinds("中试熟化")
    ('中试',)
    """
    return tuple(k for k in NEED_KINDS
                 if _hits(service, _STRONG[k]) or _hits(service, _SERVICE_WORDS[k])
                 or (k != "设备共享" and _hits(service, _WEAK[k])))
