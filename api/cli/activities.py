"""``kgmatch activity …``: 创新活动与培训 on the command line (thin wrappers over :mod:`workflow.activities`).

``create``, ``list``, ``show``, ``status``, ``enrol``, ``attend``, ``challenge``, ``import``,
``recommend`` and ``report``; every rule and Chinese refusal lives in the workflow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from analytics.activities import ACTIVITY_COLUMNS, ACTIVITY_REPORT_BY, PERIODS, activity_report
from api.cli.common import Ctx, fail, run_safely
from api.cli.workflow import parse_ref
from graph.clock import today
from graph.model import Label
from recommend.activities import recommend_for_demand, recommend_for_enterprise
from workflow import activities as flow
from workflow.activity_import import import_activities
from workflow.common import record, require_node
from workflow.states import ACTIVITY_KINDS

__all__ = ["activity"]


def _default_actor() -> str:
    return os.environ.get("USER") or "cli"


_actor = click.option("--actor", default=_default_actor, show_default="$USER 或 cli",
                      help="操作人（记入活动记录）/ who acts.")
_as_json = click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=True))


@click.group()
def activity() -> None:
    """创新活动与培训：发布、报名、签到、结束、由活动发起揭榜、推荐、报表 / activities and training."""


def _show(obj: Ctx, activity_id: str, as_json: bool) -> None:
    store = obj.store()
    node = require_node(store, Label.ACTIVITY, activity_id)
    enrolments = flow.enrolments_of(store, activity_id)
    challenges = [record(c) for c in flow.challenges_of(store, activity_id)]
    if as_json:
        _echo_json({**record(node), "enrolments": enrolments, "challenges": challenges})
        return
    p = node.props
    cap = p.get("capacity") or "不限"
    click.echo(f"{node.id}「{p.get('title')}」{p.get('kind')}：{p.get('status')}；{p.get('start_date')} "
               f"{p.get('region_name') or ''}，名额 {cap}，已报名 {p.get('enrolled', 0)}，出席 {p.get('attended', 0)}")
    for e in enrolments:
        outcome = f"（{e['outcome']}）" if e.get("outcome") else ""
        click.echo(f"  {e['label']}:{e['id']}\t{e.get('name', '')}\t{e.get('status')}{outcome}")
    for c in challenges:
        click.echo(f"  揭榜 {c['id']}「{c.get('title')}」{c.get('status')}")
    if p.get("outcome"):
        click.echo(f"  活动成效：{p['outcome']}")


@activity.command("create")
@click.option("--title", required=True, help="活动名称 / title.")
@click.option("--kind", required=True, type=click.Choice(ACTIVITY_KINDS), help="活动类型 / kind.")
@click.option("--start", "start_date", required=True, help="开始日期 YYYY-MM-DD / start date.")
@click.option("--end", "end_date", default="", help="结束日期（默认同开始日期）/ end date.")
@click.option("--region", default="", help="地区代码或名称 / region.")
@click.option("--place", default="", help="地点 / place.")
@click.option("--organiser", default="", help="主办单位 / organiser.")
@click.option("--capacity", default="0", show_default=True, help="名额，0 为不限 / capacity.")
@click.option("--field", "fields", multiple=True, help="技术领域编号或名称（可重复）/ field.")
@click.option("--topic", default="", help="培训主题（创新管理、创新方法、投融资……）/ topic.")
@click.option("--description", default="", help="简介 / description.")
@click.option("--id", "activity_id", default="", help="活动编号（默认自动生成）/ id.")
@click.option("--draft", is_flag=True, help="先存为草稿，不开放报名 / save as a draft.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def create(obj: Ctx, draft: bool, actor: str, as_json: bool, activity_id: str, fields: tuple[str, ...],
           **values: Any) -> None:
    """发布一个活动（默认开放报名）/ publish an activity."""
    node = flow.create_activity(obj.store(), {**values, "id": activity_id, "fields": list(fields)}, actor=actor,
                                publish=not draft)
    if as_json:
        _echo_json(record(node))
    else:
        click.echo(f"已创建活动：{node.id}（{node.props['status']}）")


@activity.command("list")
@click.option("--status", default="", help="状态 / status.")
@click.option("--kind", default="", help="活动类型 / kind.")
@_as_json
@click.pass_obj
@run_safely
def list_activities(obj: Ctx, status: str, kind: str, as_json: bool) -> None:
    """列出活动 / list activities."""
    props = {k: v for k, v in (("status", status), ("kind", kind)) if v}
    nodes = obj.store().find_nodes(Label.ACTIVITY, props=props or None, limit=10_000).nodes
    if as_json:
        _echo_json([record(n) for n in nodes])
        return
    for n in nodes:
        p = n.props
        click.echo(f"{n.id}\t{p.get('start_date')}\t{p.get('kind')}\t{p.get('status')}\t{p.get('title')}")


@activity.command("show")
@click.argument("activity_id")
@_as_json
@click.pass_obj
@run_safely
def show(obj: Ctx, activity_id: str, as_json: bool) -> None:
    """查看活动、报名与成效 / show an activity."""
    _show(obj, activity_id, as_json)


@activity.command("status")
@click.argument("activity_id")
@click.argument("target", type=click.Choice(tuple(flow.ACTIONS)))
@click.option("--outcome", default="", help="活动成效（结束时必填）/ outcome, needed to close.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def status(obj: Ctx, activity_id: str, target: str, outcome: str, actor: str, as_json: bool) -> None:
    """推进活动状态：报名中、进行中、已结束 / move an activity."""
    flow.advance_activity(obj.store(), activity_id, target, actor=actor, outcome=outcome)
    _show(obj, activity_id, as_json)


@activity.command("enrol")
@click.argument("activity_id")
@click.option("--who", required=True, metavar="Enterprise:ID|Expert:ID", help="报名的企业或专家 / enroller.")
@click.option("--note", default="", help="备注 / note.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def enrol(obj: Ctx, activity_id: str, who: str, note: str, actor: str, as_json: bool) -> None:
    """企业或专家报名活动 / enrol an enterprise or an expert."""
    row = flow.enrol(obj.store(), activity_id, parse_ref(who, flow.ENROLLER_LABELS, "--who"), actor=actor, note=note)
    if as_json:
        _echo_json(row)
    else:
        click.echo(f"已报名：{row.get('name')} → {activity_id}")


@activity.command("attend")
@click.argument("activity_id")
@click.option("--who", required=True, metavar="Enterprise:ID|Expert:ID", help="企业或专家 / participant.")
@click.option("--status", "target", type=click.Choice(("已出席", "缺席", "已取消")), default="已出席",
              show_default=True, help="出席、缺席或取消报名 / attended, absent or cancelled.")
@click.option("--outcome", default="", help="个人成效（获奖、签约意向、结业……）/ outcome.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def attend(obj: Ctx, activity_id: str, who: str, target: str, outcome: str, actor: str, as_json: bool) -> None:
    """记录签到与成效，或取消报名 / record attendance and outcome."""
    row = flow.mark_enrolment(obj.store(), activity_id, parse_ref(who, flow.ENROLLER_LABELS, "--who"), target,
                              actor=actor, outcome=outcome)
    if as_json:
        _echo_json(row)
    else:
        click.echo(f"已记录：{row.get('name')} {row['status']}")


@activity.command("challenge")
@click.argument("activity_id")
@click.argument("demand_id")
@click.option("--conditions", required=True, help="揭榜条件 / conditions.")
@click.option("--deadline", required=True, help="揭榜截止日期 YYYY-MM-DD / deadline.")
@click.option("--reward", "reward_wan", required=True, help="奖励（万元）/ reward, 10k yuan.")
@click.option("--title", default="", help="榜单标题 / title.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def launch(obj: Ctx, activity_id: str, demand_id: str, conditions: str, deadline: str, reward_wan: str, title: str,
           actor: str, as_json: bool) -> None:
    """由活动发起揭榜（把需求发布为榜单并关联活动）/ launch a challenge from an activity."""
    node = flow.launch_challenge(obj.store(), activity_id, demand_id, conditions=conditions, deadline=deadline,
                                 reward_wan=reward_wan, actor=actor, title=title)
    if as_json:
        _echo_json(record(node))
    else:
        click.echo(f"已由活动 {activity_id} 发起揭榜：{node.id}（{node.props['status']}）")


@activity.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_actor
@click.pass_obj
@run_safely
def import_command(obj: Ctx, file: Path, actor: str) -> None:
    """导入活动清单（CSV/XLSX/JSON，中英文列名；重复导入不重复）/ import an activity list."""
    result = import_activities(obj.store(), file, actor=actor)
    click.echo(result.text())
    for e in result.errors[:50]:
        click.echo(f"  {e.message()}", err=True)
    if not result.ok:
        fail(result.text())


@activity.command("recommend")
@click.option("--enterprise", default="", help="企业编号 / enterprise id.")
@click.option("--demand", default="", help="需求编号 / demand id.")
@click.option("--top", "top_k", default=5, show_default=True, type=click.IntRange(1, 50))
@_as_json
@click.pass_obj
@run_safely
def recommend(obj: Ctx, enterprise: str, demand: str, top_k: int, as_json: bool) -> None:
    """为企业（或一条需求）推荐活动与培训 / recommend activities for an enterprise or a demand."""
    store = obj.store()
    if bool(enterprise) == bool(demand):
        raise click.UsageError("请给出 --enterprise 或 --demand 之一")
    if enterprise:
        require_node(store, Label.ENTERPRISE, enterprise)
        found = recommend_for_enterprise(store, enterprise, today=today().isoformat(), top_k=top_k)
    else:
        require_node(store, Label.DEMAND, demand)
        found = recommend_for_demand(store, demand, today=today().isoformat(), top_k=top_k)
    if as_json:
        _echo_json([m.as_dict() for m in found])
        return
    if not found:
        click.echo("暂无与需求领域相关的活动或培训。")
    for m in found:
        click.echo(f"{m.score:6.2f}  {m.id}\t{m.start_date}\t{m.kind}\t{m.title}\t领域 {'、'.join(m.matched)}")


@activity.command("report")
@click.option("--by", type=click.Choice(tuple(ACTIVITY_REPORT_BY)), default="kind", show_default=True,
              help="分组：活动类型、地区、时间、状态 / group by.")
@click.option("--period", type=click.Choice(tuple(PERIODS)), default="month", show_default=True,
              help="按时间分组时的粒度 / period granularity.")
@click.option("--since", default="", help="开始日期（含）/ from.")
@click.option("--until", default="", help="结束日期（含）/ to.")
@_as_json
@click.pass_obj
@run_safely
def report(obj: Ctx, by: str, period: str, since: str, until: str, as_json: bool) -> None:
    """活动统计：按类型、地区或时间的活动数、报名数、出席数 / activities report."""
    rows = activity_report(obj.store(), by=by, period=period, since=since, until=until)
    if as_json:
        _echo_json(rows)
        return
    click.echo("\t".join(ACTIVITY_COLUMNS.values()))
    for r in rows:
        click.echo("\t".join(str(r[k]) for k in ACTIVITY_COLUMNS))
