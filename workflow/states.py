"""The status machines of the workflows: pure data and one function that refuses what they forbid.

揭榜 challenge: 发布 → 揭榜中 → 已揭榜 → 实施中 → 已完成, and 已关闭 from any state before
已完成. A demand: 待对接 → 对接中 → 已解决, with 已关闭 from either open state (a push or a
dispatch moves it to 对接中; a service record that solves it, or a completed challenge,
moves it to 已解决). A push: 待回复 → 已接受 / 已谢绝. A dispatch: 派驻中 → 已结束.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph.errors import Msg
from workflow.common import conflict

__all__ = [
    "Machine",
    "CHALLENGE",
    "DEMAND",
    "PUSH",
    "DISPATCH",
    "VOUCHER",
    "SERVICE_TYPES",
    "PLATFORM_SERVICE_TYPES",
    "ALL_SERVICE_TYPES",
    "CHANNELS",
    "VERDICTS",
    "SERVICE_MODES",
    "COOPERATION_FORMS",
    "demand_state",
    "ACTIVITY",
    "ENROLMENT",
    "ACTIVITY_KINDS",
    "TRAINING_TOPICS",
]


@dataclass(frozen=True)
class Machine:
    """A status machine: the allowed next states of each state, and the Chinese name of what it governs."""

    what: str
    initial: str
    moves: Mapping[str, tuple[str, ...]]

    @property
    def states(self) -> tuple[str, ...]:
        """Every state, in the order of the definition."""
        return tuple(self.moves)

    def final(self, state: str) -> bool:
        """Whether nothing can follow ``state``."""
        return not self.moves.get(state)

    def check(self, node_id: str, current: str, target: str, action: str) -> None:
        """Refuse (ConflictError, Chinese) unless ``current → target`` is allowed.

        >>> CHALLENGE.check("c:1", "发布", "揭榜中", "开始揭榜")
        >>> CHALLENGE.check("c:1", "已完成", "已关闭", "关闭")
        Traceback (most recent call last):
        ...
        graph.errors.ConflictError: 揭榜榜单「c:1」已是最终状态「已完成」，不能再关闭
        """
        allowed = self.moves.get(current, ())
        if target in allowed:
            return
        if not allowed:
            raise conflict(Msg.workflow.FINAL.format(what=self.what, id=node_id, current=current, action=action))
        raise conflict(Msg.workflow.TRANSITION.format(what=self.what, id=node_id, current=current, action=action,
                                               allowed="、".join(allowed)))


CHALLENGE = Machine("揭榜榜单", "发布", {
    "发布": ("揭榜中", "已关闭"),
    "揭榜中": ("已揭榜", "已关闭"),
    "已揭榜": ("实施中", "已关闭"),
    "实施中": ("已完成", "已关闭"),
    "已完成": (),
    "已关闭": (),
})
DEMAND = Machine("技术需求", "待对接", {
    "待对接": ("对接中", "已解决", "已关闭"),
    "对接中": ("已解决", "已关闭"),
    "已解决": (),
    "已关闭": (),
})
PUSH = Machine("需求推送", "待回复", {"待回复": ("已接受", "已谢绝"), "已接受": (), "已谢绝": ()})
DISPATCH = Machine("科技专员派驻", "派驻中", {"派驻中": ("已结束",), "已结束": ()})
VOUCHER = Machine("科技创新券", "有效", {"有效": ("已用完", "已作废"), "已用完": (), "已作废": ()})

SERVICE_TYPES = ("科技咨询", "技术诊断", "产品开发", "成果转化", "科学普及")
"""The service types of the 科技专员 programme."""
PLATFORM_SERVICE_TYPES = ("检验检测", "中试熟化", "设备共享", "共性技术")
"""What a service platform may also provide (issue 16; the needs :mod:`recommend.platform_need` detects)."""
ALL_SERVICE_TYPES = (*SERVICE_TYPES, *PLATFORM_SERVICE_TYPES)
"""Every service type: an expert's (:data:`SERVICE_TYPES`), and a platform's besides them."""

CHANNELS = ("平台消息", "短信", "邮件", "电话")
"""How a push reaches an expert (recorded with the push; the portal webhook fires for every channel)."""

VERDICTS = ("采纳", "不采纳")
"""An officer's verdict on a recommended expert or team."""

# -- service modes and cooperation forms (issue 16): optional, records without them stay valid
SERVICE_MODES = ("兼职创新", "长期派驻", "短期合作")
"""How a 科技专员 serves an enterprise (recorded on a dispatch, ``service_mode``)."""
COOPERATION_FORMS = ("共建新型研发机构", "联合实验室", "合作开发项目")
"""The cooperation agreed with an enterprise (recorded on a service record's outcome, ``cooperation_form``)."""


def demand_state(value: object) -> str:
    """A demand's status in :data:`DEMAND`'s terms: empty is 待对接; a status from an imported file
    that the machine does not know (e.g. 已对接) counts as 对接中 — open, never final.

    >>> demand_state(None), demand_state("已解决"), demand_state("已对接")
    ('待对接', '已解决', '对接中')
    """
    text = str(value or "").strip() or DEMAND.initial
    return text if text in DEMAND.moves else "对接中"


# -- activities and training (issue 16) ---------------------------------------------------------------
ACTIVITY = Machine("创新活动", "草稿", {
    "草稿": ("报名中", "已结束"),
    "报名中": ("进行中", "已结束"),
    "进行中": ("已结束",),
    "已结束": (),
})
"""An activity: 草稿 → 报名中 (published, enrolment open) → 进行中 (held; attendance recorded) → 已结束
(closed with its outcome). A draft or an open activity may be closed at once (cancelled)."""
ENROLMENT = Machine("活动报名", "已报名", {"已报名": ("已出席", "缺席", "已取消"), "已出席": (), "缺席": (),
                                          "已取消": ()})
"""One enterprise's or expert's enrolment (the ENROLLED_IN relationship's ``status``)."""
ACTIVITY_KINDS = ("创新创业大赛", "项目路演", "高新技术展示", "政策宣讲", "创业辅导培训", "专项培训")
"""The kinds of activity of the 专项行动."""
TRAINING_TOPICS = ("创新管理", "创新方法", "投融资", "知识产权", "数字化转型", "成果转化")
"""Topics of 专项培训 (and 创业辅导培训); free text is allowed, these are the suggested ones."""
