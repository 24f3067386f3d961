"""A realistic, seeded history of matchmaking for the demo: pushes and answers, 科技专员 dispatches
with service records and ratings, vouchers redeemed, feedback, and 揭榜 challenges in every state.

Everything goes through the workflow functions themselves (with a simulated clock), so
every rule holds in the demo exactly as in production. Same seed, same store content →
the same history (ids aside, which are random by design). ``kgmatch load demo`` runs it
once: a store that already has pushes is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from workflow import challenge, dispatch, feedback, push, vouchers
from workflow.common import BEIJING
from workflow.states import CHANNELS, COOPERATION_FORMS, SERVICE_MODES, SERVICE_TYPES

__all__ = ["DEMO_SEED", "DemoHistory", "make_demo_history"]

DEMO_SEED = 20261127
LATEST = datetime(2026, 11, 20, 17, 0, tzinfo=BEIJING)
"""No simulated action happens after this moment (the demo is "as of" late November 2026)."""

DECLINE_REASONS = ("近期承担国家重点研发计划任务，时间冲突", "研究方向与需求不完全匹配", "出国访学中，明年返回",
                   "已有其他企业合作项目，暂无精力", "建议联系课题组其他老师")
REJECT_REASONS = ("研究偏基础理论，企业需要工程化能力", "所在单位与企业存在竞争关系", "专家年事已高，现场服务不便")
OUTCOMES = ("提出工艺参数优化方案，企业试产验证有效", "完成现场诊断并出具技术报告", "协助企业完成样机调试",
            "联合申报省级科技计划项目", "开展员工技术培训两场", "提出改进方向，待企业中试验证")
PROPOSALS = ("拟采用{kw}相关技术路线，分三阶段完成攻关并在企业产线验证",
             "团队在{kw}方向有十余年积累，计划先做小试、再做中试，六个月内交付工艺包",
             "以{kw}为切入点，联合企业技术骨干组建攻关小组，按月汇报进展并共享中间数据",
             "依托重点实验室平台开展{kw}对比试验，筛选最优方案后进行放大验证")
CONTENT = ("赴企业现场调研{kw}相关问题，查看生产线并与技术人员座谈", "针对{kw}开展技术诊断，分析问题成因",
           "围绕{kw}提出改进方案并指导企业实施", "组织{kw}专题技术培训", "协助企业梳理{kw}相关知识产权与成果转化路径")


@dataclass
class DemoHistory:
    """What was made, for the CLI's summary line."""

    pushes: int = 0
    dispatches: int = 0
    services: int = 0
    vouchers: int = 0
    challenges: int = 0
    feedback: int = 0
    solved: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (f"演示对接记录：推送 {self.pushes} 条、派驻 {self.dispatches} 次、服务记录 {self.services} 条、"
                f"创新券 {self.vouchers} 张、揭榜榜单 {self.challenges} 个、反馈 {self.feedback} 条、"
                f"解决需求 {len(self.solved)} 项")


def _moment(day: date, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))), BEIJING)
    return min(moment, LATEST)


def _posted(node: Node) -> date:
    try:
        return min(date.fromisoformat(str(node.props.get("posted"))[:10]), LATEST.date() - timedelta(days=90))
    except ValueError:
        return LATEST.date() - timedelta(days=120)


def _experts_for(store: GraphStore, demand: Node, limit: int = 5) -> list[str]:
    """The strongest EXPERT_IN experts of the demand's fields (a cheap stand-in for a recommendation)."""
    fields = store.neighbors(Label.DEMAND, demand.id, direction=Direction.OUT, rel_types=[RelType.NEEDS])
    pairs = store.expand([nb.node.ref for nb in fields], direction=Direction.IN, rel_types=[RelType.EXPERT_IN],
                         labels=[Label.EXPERT])
    best: dict[str, float] = {}
    for _, nb in pairs:
        best[nb.node.id] = max(best.get(nb.node.id, 0.0), float(nb.rel.props.get("weight", 0.5)))
    return sorted(best, key=lambda e: (-best[e], e))[:limit]


def _enterprise(store: GraphStore, demand: Node) -> str | None:
    posted = store.neighbors(Label.DEMAND, demand.id, direction=Direction.IN, rel_types=[RelType.POSTED], limit=1)
    return posted[0].node.id if posted else None


def make_demo_history(store: GraphStore, *, seed: int = DEMO_SEED, demands: int = 120,
                      progress: Callable[[str], None] | None = None) -> DemoHistory | None:
    """Write the demo's workflow history; None (and nothing written) when the store has pushes already."""
    if store.count_nodes(Label.PUSH):
        return None
    rng = random.Random(seed)
    open_demands = [d for d in store.all_nodes(Label.DEMAND)
                    if d.props.get("status") in ("待对接", "对接中") and d.props.get("source") == "synthetic"]
    chosen = sorted(rng.sample(open_demands, min(demands, len(open_demands))), key=lambda d: d.id)
    history = DemoHistory()
    served: dict[str, list[tuple[str, date]]] = {}  # enterprise -> [(service id, day)]
    for demand in chosen:
        _one_demand(store, demand, rng, history, served)
    _vouchers(store, rng, history, served)
    _challenges(store, [d for d in open_demands if d not in chosen], rng, history)
    if progress:
        progress(history.text())
    return history


def _one_demand(store: GraphStore, demand: Node, rng: random.Random, history: DemoHistory,
                served: dict[str, list[tuple[str, date]]]) -> None:
    experts = _experts_for(store, demand)
    enterprise = _enterprise(store, demand)
    if not experts or enterprise is None:
        return
    day = _posted(demand) + timedelta(days=rng.randint(3, 20))
    targets = [NodeRef(Label.EXPERT, e) for e in experts[:rng.randint(2, 3)]]
    result = push.push_demands(store, [demand.id], targets, actor="officer", channel=rng.choice(CHANNELS),
                               now=_moment(day, rng))
    history.pushes += len(result.created)
    accepted: list[str] = []
    for rank, t in enumerate(targets, 1):
        roll = rng.random()
        answer_at = _moment(day + timedelta(days=rng.randint(1, 6)), rng)
        pid = push.push_id(demand.id, t)
        if roll < 0.6:
            push.respond(store, pid, accept=True, responder="portal", now=answer_at)
            accepted.append(t.id)
        elif roll < 0.85:
            push.respond(store, pid, accept=False, reason=rng.choice(DECLINE_REASONS), responder="portal",
                         now=answer_at)
        if rng.random() < 0.35:
            verdict = "采纳" if t.id in accepted or rng.random() < 0.5 else "不采纳"
            feedback.record_feedback(store, demand.id, t, verdict=verdict, rank=rank, actor="officer",
                                     reason="" if verdict == "采纳" else rng.choice(REJECT_REASONS), now=answer_at)
            history.feedback += 1
    if accepted and rng.random() < 0.55:
        _serve(store, demand, accepted[0], enterprise, day + timedelta(days=rng.randint(7, 21)), rng, history, served)


def _mode_and_form(demand_id: str, days: int) -> tuple[str, str | None]:
    """The demo's service mode of a dispatch and the cooperation form of its solving service (issue 16).

    Drawn from their own generator seeded by the demand, so the rest of the history stays as it was:
    long dispatches are mostly 长期派驻, short ones 短期合作; about half of the solved demands end in a
    cooperation, mostly 合作开发项目."""
    pick = random.Random(f"{DEMO_SEED}:{demand_id}")
    weights = {120: (2, 6, 1), 90: (4, 3, 3), 60: (3, 1, 6)}[days]
    mode = pick.choices(SERVICE_MODES, weights)[0]
    form = pick.choices(COOPERATION_FORMS, (1, 2, 5))[0] if pick.random() < 0.5 else None
    return mode, form


def _serve(store: GraphStore, demand: Node, expert: str, enterprise: str, start: date, rng: random.Random,
           history: DemoHistory, served: dict[str, list[tuple[str, date]]]) -> None:
    days = rng.choice((60, 90, 120))
    end = start + timedelta(days=days)
    mode, form = _mode_and_form(demand.id, days)
    types = rng.sample(SERVICE_TYPES[:4], rng.randint(1, 2))
    d = dispatch.dispatch_expert(store, expert, enterprise, start_date=start.isoformat(), end_date=end.isoformat(),
                                 service_types=types, actor="officer", demand_id=demand.id, mode=mode,
                                 now=_moment(start, rng))
    history.dispatches += 1
    keywords: Sequence[str] = demand.props.get("keywords") or [str(demand.props.get("title"))[:8]]
    visits = rng.randint(1, 4)
    solves = rng.random() < 0.55
    day = start
    for n in range(visits):
        day = day + timedelta(days=rng.randint(5, 20))
        if day > min(end, LATEST.date()):
            break
        last = n == visits - 1
        s = dispatch.record_service(
            store, d.id, date=day.isoformat(), hours=rng.choice((2, 3, 4, 6, 8)), service_type=rng.choice(types),
            content=rng.choice(CONTENT).format(kw=rng.choice(list(keywords))), outcome=rng.choice(OUTCOMES),
            solved=last and solves, actor="officer", form=form if last and solves else None,
            now=_moment(day, rng))
        history.services += 1
        served.setdefault(enterprise, []).append((s.id, day))
        if last and solves:
            history.solved.append(demand.id)
        if rng.random() < 0.8:
            dispatch.rate_service(store, s.id, rating=rng.choices((3, 4, 5), (1, 3, 4))[0], rated_by=enterprise,
                                  comment="", now=_moment(day + timedelta(days=2), rng))
    if end < LATEST.date():
        dispatch.end_dispatch(store, d.id, actor="officer", now=_moment(end, rng))


def _vouchers(store: GraphStore, rng: random.Random, history: DemoHistory,
              served: dict[str, list[tuple[str, date]]]) -> None:
    for enterprise in sorted(served)[: max(1, len(served) // 2)]:
        services = sorted(served[enterprise], key=lambda s: s[1])
        issued = services[0][1] - timedelta(days=10)
        v = vouchers.issue_voucher(store, NodeRef(Label.ENTERPRISE, enterprise), amount=rng.choice((20000, 30000, 50000)),
                                   valid_until=(issued + timedelta(days=365)).isoformat(), actor="officer",
                                   now=_moment(issued, rng))
        history.vouchers += 1
        for service_id, day in services[:2]:
            balance = float(store.get_node(Label.VOUCHER, v.id).props["balance"])
            pay = min(balance, float(rng.choice((3000, 5000, 8000))))
            if pay > 0:
                vouchers.redeem_voucher(store, v.id, service_id, amount=pay, actor="officer",
                                        now=_moment(day + timedelta(days=7), rng))


def _challenges(store: GraphStore, pool: list[Node], rng: random.Random, history: DemoHistory) -> None:
    """Eight challenges, one per end state along the machine, from the biggest budgets left."""
    big = sorted(pool, key=lambda d: (-float(d.props.get("budget_wan") or 0), d.id))[:8]
    plan = ["发布", "揭榜中", "揭榜中", "已揭榜", "实施中", "实施中", "已完成", "已关闭"]
    for demand, final in zip(big, plan, strict=False):
        open_now = final in ("发布", "揭榜中")  # still taking bids: published recently, deadline ahead
        start = LATEST.date() - timedelta(days=rng.randint(5, 15) if open_now else rng.randint(40, 80))
        experts = _experts_for(store, demand, limit=3)
        c = challenge.publish_challenge(
            store, demand.id, conditions="揭榜方须具备相关领域研究基础和工程化经验，能在 6 个月内交付可验证成果",
            deadline=(start + timedelta(days=45 if open_now else 30)).isoformat(), reward_wan=float(demand.props.get("budget_wan") or 50),
            actor="officer", now=_moment(start, rng))
        history.challenges += 1
        if final == "发布":
            continue
        if final == "已关闭":
            challenge.advance(store, c.id, "已关闭", reason="企业经营调整，需求暂缓", actor="officer",
                              now=_moment(start + timedelta(days=5), rng))
            continue
        challenge.advance(store, c.id, "揭榜中", actor="officer", now=_moment(start + timedelta(days=1), rng))
        keywords = list(demand.props.get("keywords") or ["新工艺"])
        bids = [challenge.submit_bid(store, c.id, NodeRef(Label.EXPERT, e), actor="portal",
                                     proposal=PROPOSALS[i % len(PROPOSALS)].format(kw=rng.choice(keywords)),
                                     now=_moment(start + timedelta(days=3 + i), rng)) for i, e in enumerate(experts)]
        if final == "揭榜中" or not bids:
            continue
        challenge.select_bid(store, c.id, bids[0].id, actor="officer", now=_moment(start + timedelta(days=32), rng))
        for state, days in (("实施中", 35), ("已完成", 70)):
            if final == "已揭榜" or (final == "实施中" and state == "已完成"):
                break
            challenge.advance(store, c.id, state, actor="officer", now=_moment(start + timedelta(days=days), rng))
