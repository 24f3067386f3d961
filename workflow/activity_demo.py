"""A seeded, synthetic history of activities and training for the demo (marked ``source: synthetic``).

Generated from what is loaded — the enterprises, their demands' fields and regions, the experts —
so it stays valid whatever ``data/demo`` holds. Everything goes through
:mod:`workflow.activities` with a simulated clock: past activities are published, enrolled in,
held, attended and closed with outcomes (a few are cancelled, a few launch 揭榜 challenges);
upcoming ones are open for enrolment (what enterprises get recommended), one is a draft.
Same seed and same store content → the same history. ``kgmatch load demo`` runs it once: a store
that already has activities is left alone.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from graph.errors import KgmatchError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef
from workflow import activities
from workflow.common import BEIJING
from workflow.states import ACTIVITY_KINDS, TRAINING_TOPICS

__all__ = ["ACTIVITY_DEMO_SEED", "DemoActivities", "make_activity_history"]

ACTIVITY_DEMO_SEED = 20261616
AS_OF = date(2026, 11, 20)
"""Activities before this day are held and closed; later ones are open (the demo is "as of" late November 2026)."""
POLICY_TOPICS = ("研发费用加计扣除", "高新技术企业认定", "科技型中小企业评价", "科技创新券申领", "专精特新培育")
OUTCOMES = {
    "创新创业大赛": "评出一等奖 {a} 项、二等奖 {b} 项，{c} 个项目获投资机构约谈",
    "项目路演": "路演项目 {a} 个，现场达成合作意向 {c} 项",
    "高新技术展示": "参展成果 {a} 项，意向签约 {c} 项",
    "政策宣讲": "解读政策 {a} 项，现场答疑 {b} 个问题",
    "创业辅导培训": "结业 {a} 人，{c} 家企业形成商业计划书",
    "专项培训": "培训 {a} 课时，结业考核通过率 {b}0%",
}
PERSONAL = ("获优秀奖", "达成合作意向 1 项", "结业", "获投资机构约谈", "对接专家 1 位", "提交技术需求 1 项")


@dataclass
class DemoActivities:
    """What was made, for the CLI's summary line."""

    activities: int = 0
    enrolments: int = 0
    attended: int = 0
    closed: int = 0
    challenges: int = 0

    def text(self) -> str:
        return (f"演示活动（合成）：活动 {self.activities} 个、报名 {self.enrolments} 人次、出席 {self.attended} 人次、"
                f"已结束 {self.closed} 个、由活动发起揭榜 {self.challenges} 个")


def _at(day: date, hour: int = 9) -> datetime:
    """A simulated moment, never after :data:`AS_OF` (upcoming activities were published and enrolled in by then)."""
    return min(datetime.combine(day, time(hour, 0), BEIJING), datetime.combine(AS_OF, time(17, 0), BEIJING))


def _sorted(pairs: list[tuple[NodeRef, Any]]) -> list[tuple[NodeRef, Any]]:
    """``expand`` pairs in one order on every store (the stores may list them differently)."""
    return sorted(pairs, key=lambda p: (p[0].id, p[1].node.id))


def _demand_fields(store: GraphStore, demands: list[Node]) -> tuple[Counter[str], dict[str, set[str]]]:
    """How often each field is needed, and the enterprises needing it."""
    posted: dict[str, str] = {}
    for ref, nb in _sorted(store.expand([d.ref for d in demands], direction=Direction.IN, rel_types=[RelType.POSTED],
                                        labels=[Label.ENTERPRISE])):
        posted.setdefault(ref.id, nb.node.id)
    counts: Counter[str] = Counter()
    needing: dict[str, set[str]] = {}
    for ref, nb in _sorted(store.expand([d.ref for d in demands], direction=Direction.OUT, rel_types=[RelType.NEEDS],
                                        labels=[Label.FIELD])):
        counts[nb.node.id] += 1
        if ref.id in posted:
            needing.setdefault(nb.node.id, set()).add(posted[ref.id])
    return counts, needing


def make_activity_history(store: GraphStore, *, seed: int = ACTIVITY_DEMO_SEED, count: int = 48
                          ) -> DemoActivities | None:
    """Generate ``count`` synthetic activities with enrolments; ``None`` when activities exist already."""
    if store.count_nodes(Label.ACTIVITY):
        return None
    rng = random.Random(seed)
    enterprises = store.all_nodes(Label.ENTERPRISE)
    demands = store.all_nodes(Label.DEMAND)
    if not enterprises or not demands:
        return DemoActivities()
    experts = store.list_nodes(Label.EXPERT, limit=3000)
    counts, needing = _demand_fields(store, demands)
    common = [f for f, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:60]]
    names = {n.id: n.name for n in store.get_nodes(Label.FIELD, common)}
    located: dict[str, Node] = {}
    for ref, nb in _sorted(store.expand([e.ref for e in enterprises], direction=Direction.OUT,
                                        rel_types=[RelType.LOCATED_IN], labels=[Label.REGION])):
        located.setdefault(ref.id, nb.node)
    regions = sorted({r.id for r in located.values()})
    region_names = {r.id: r.name for r in located.values()}
    made = DemoActivities()
    open_demands = [d for d in demands if str(d.props.get("status") or "待对接") in ("待对接", "对接中")]
    rng.shuffle(open_demands)
    start = date(2025, 3, 1)
    for i in range(count):
        kind = ACTIVITY_KINDS[i % len(ACTIVITY_KINDS)]
        day = start + timedelta(days=int(i * 760 / count) + rng.randint(0, 9))
        fields = rng.sample(common, k=min(len(common), rng.randint(1, 3))) if common else []
        region = rng.choice(regions) if regions else ""
        rname = region_names.get(region, region)
        topic = rng.choice(TRAINING_TOPICS if kind in ("专项培训", "创业辅导培训") else POLICY_TOPICS)
        lead = names.get(fields[0], "新一代信息技术") if fields else "科技成果"
        title = {"创新创业大赛": f"{rname}第{i // 6 + 1}届创新创业大赛（{lead}赛道）",
                 "项目路演": f"{lead.removesuffix('技术')}技术成果项目路演",
                 "高新技术展示": f"{rname}高新技术成果展示会（{lead}专场）",
                 "政策宣讲": f"{topic}政策宣讲会",
                 "创业辅导培训": f"科技型企业创业辅导培训营第{i // 6 + 1}期（{topic}）",
                 "专项培训": f"{topic}专项培训班"}[kind]
        capacity = rng.choice((0, 30, 50, 80, 120)) if kind != "创新创业大赛" else rng.choice((40, 60))
        values = {"id": f"act:demo-{i + 1:03d}", "title": title, "kind": kind, "start_date": day.isoformat(),
                  "end_date": (day + timedelta(days=rng.choice((0, 0, 1, 2)))).isoformat(), "region": region,
                  "place": f"{rname}科技创新服务中心", "organiser": f"{rname}科学技术局",
                  "capacity": capacity, "fields": fields,
                  "topic": topic if kind in ("专项培训", "创业辅导培训", "政策宣讲") else "",
                  "description": f"演示数据（合成）：{kind}，面向{lead}等领域的科技型中小企业与专家。"}
        upcoming = day > AS_OF
        draft = upcoming and i == count - 1
        act = activities.create_activity(store, values, actor="demo", publish=not draft, synthetic=True,
                                         now=_at(day - timedelta(days=30)))
        made.activities += 1
        if draft:
            continue
        # who enrols: enterprises needing the activity's fields first, then others of the region, then experts
        near = sorted({e for f in fields for e in needing.get(f, ())})
        rng.shuffle(near)
        others = [e.id for e in enterprises
                  if e.id in located and located[e.id].id == region and e.id not in near]
        wanted = (near[:rng.randint(2, 8)] + others[:rng.randint(0, 4)])
        if upcoming:
            wanted = wanted[:rng.randint(0, 3)]  # enrolment has just opened
        people = [NodeRef(Label.ENTERPRISE, e) for e in wanted]
        people += [NodeRef(Label.EXPERT, x.id) for x in rng.sample(experts, k=min(len(experts), rng.randint(0, 4)))]
        for who in people:
            try:
                activities.enrol(store, act.id, who, actor="demo", now=_at(day - timedelta(days=rng.randint(3, 25))))
                made.enrolments += 1
            except KgmatchError:  # full: the demo keeps the rule
                break
        if upcoming:
            continue
        if i % 11 == 5:  # cancelled before it was held
            activities.advance_activity(store, act.id, "已结束", outcome="因场地原因取消，另行通知", actor="demo",
                                        now=_at(day - timedelta(days=2)))
            made.closed += 1
            continue
        activities.advance_activity(store, act.id, "进行中", actor="demo", now=_at(day))
        for row in activities.enrolments_of(store, act.id):
            attended = rng.random() < 0.8
            activities.mark_enrolment(store, act.id, NodeRef(Label.parse(row["label"]), row["id"]),
                                      "已出席" if attended else "缺席",
                                      outcome=rng.choice(PERSONAL) if attended and rng.random() < 0.4 else "",
                                      actor="demo", now=_at(day, 17))
            made.attended += int(attended)
        if kind in ("项目路演", "创新创业大赛") and open_demands and made.challenges < 4:
            demand = open_demands.pop()
            try:
                activities.launch_challenge(store, act.id, demand.id, conditions="演示数据（合成）：六个月内完成小试验证",
                                            deadline=(day + timedelta(days=60)).isoformat(), reward_wan=rng.choice((10, 20, 50)),
                                            actor="demo", now=_at(day, 16))
                made.challenges += 1
            except KgmatchError:  # the demand already has a challenge in the matchmaking history
                pass
        enrolled = int(store.get_node(Label.ACTIVITY, act.id).props.get("enrolled") or 0)
        text = OUTCOMES[kind].format(a=max(enrolled, 3), b=rng.randint(2, 9), c=rng.randint(1, 5))
        activities.advance_activity(store, act.id, "已结束", outcome=text, actor="demo",
                                    now=_at(day + timedelta(days=2), 10))
        made.closed += 1
    return made
