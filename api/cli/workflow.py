"""The matchmaking workflows on the command line, for officers who script them.

``kgmatch push``, ``push-list``, ``respond``, ``remind``, ``dispatch``, ``service``, ``rate``, ``challenge …``,
``voucher …``, ``feedback export``, ``report`` and ``evaluation``: thin wrappers over
:mod:`workflow` (every rule and every Chinese refusal lives there). Registered in
:mod:`api.cli` from :data:`WORKFLOW_COMMANDS`; they stay top-level because officers type
them in scripts (``kgmatch push d:1 --to Expert:e:1``), and ``challenge``/``voucher``/
``feedback`` are groups so ``kgmatch --help`` stays short.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from analytics.reports import (
    EVALUATION_BY,
    REPORTS,
    ReportFilter,
    evaluation,
    read_facts,
    report_workbook,
    talent_list,
)
from analytics.talent import TALENT_RULE
from api.cli.common import Ctx, fail, run_safely
from graph.model import NODE_SPECS, Label
from graph.store import GraphStore, Node, NodeRef
from ingest.registry import REGISTRY_CHOICES
from workflow.challenge import advance, bids_of, publish_challenge, select_bid, submit_bid
from workflow.common import record, require_node
from workflow.dispatch import dispatch_provider, rate_service, record_service
from workflow.feedback import feedback_rows
from workflow.push import PUSH_LABELS, PushResult, push_demands, respond, send_reminders
from workflow.selection import OPEN_STATUSES, demand_query, select_demands
from workflow.states import ALL_SERVICE_TYPES, CHANNELS, COOPERATION_FORMS, SERVICE_MODES
from workflow.vouchers import HOLDER_LABELS, issue_voucher, redeem_voucher, redemptions_of, void_voucher

__all__ = ["WORKFLOW_COMMANDS", "push", "push_list", "answer", "remind", "dispatch", "service", "rate", "challenge",
           "voucher", "feedback", "report", "evaluation_command", "parse_ref"]

SOLVERS = (Label.EXPERT, Label.TEAM)


# -- shared options ----------------------------------------------------------------------------------
def _default_actor() -> str:
    return os.environ.get("USER") or "cli"


_actor = click.option("--actor", default=_default_actor, show_default="$USER 或 cli",
                      help="操作人（记入工作流记录）/ who acts, recorded with the fact.")
_as_json = click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _echo_node(node: Node, as_json: bool, message: str) -> None:
    if as_json:
        _echo_json(record(node))
    else:
        click.echo(message)


def parse_ref(value: str, allowed: Sequence[Label], param: str = "--to") -> NodeRef:
    """``Expert:ID`` (also ``expert:ID``, ``专家:ID``) as a NodeRef of one of ``allowed``.

    Raises:
        click.BadParameter: no ``:``, an empty id, or a label not in ``allowed`` (Chinese).
    """
    name, sep, node_id = str(value).partition(":")
    aliases = {**{label.value.lower(): label for label in allowed}, **{NODE_SPECS[label].zh: label for label in allowed}}
    if Label.TEAM in allowed:
        aliases["团队"] = Label.TEAM
    if Label.PLATFORM in allowed:
        aliases["平台"] = Label.PLATFORM
    label = aliases.get(name.strip().lower())
    choices = "、".join(f"{label.value}:编号" for label in allowed)
    if not sep or not node_id.strip() or label is None:
        raise click.BadParameter(f"「{value}」应写成 {choices}", param_hint=param)
    return NodeRef(label, node_id.strip())


def _solvers(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> list[NodeRef]:
    return [parse_ref(v, PUSH_LABELS, f"--{param.name}") for v in values]


def _to_option(required: bool = True) -> Any:
    return click.option("--to", "targets", multiple=True, required=required, callback=_solvers,
                        metavar="Expert:ID|Team:ID|Platform:ID",
                        help="推送给哪位专家、团队或服务平台（可重复）/ recipient, repeatable.")


def _push_options(fn: Any) -> Any:
    for option in reversed((
            _to_option(),
            click.option("--channel", type=click.Choice(CHANNELS), default=CHANNELS[0], show_default=True,
                         help="推送渠道 / channel."),
            click.option("--note", default="", help="附言 / a note for the recipients."),
            _actor, _as_json)):
        fn = option(fn)
    return fn


def _echo_push(result: PushResult, as_json: bool) -> None:
    if as_json:
        _echo_json(result.as_dict())
        return
    click.echo(f"已推送 {len(result.created)} 条，已推送过（跳过）{len(result.already)} 条。")
    for node in result.created:
        p = node.props
        click.echo(f"  {node.id}\t{p.get('demand_title', '')} → {p.get('target_name', '')}（{p.get('status')}）")
    for push_id in result.already:
        click.echo(f"  已推送过：{push_id}")


# -- pushes ------------------------------------------------------------------------------------------
@click.command("push")
@click.argument("demand_id")
@_push_options
@click.pass_obj
@run_safely
def push(obj: Ctx, demand_id: str, targets: list[NodeRef], channel: str, note: str, actor: str,
         as_json: bool) -> None:
    """把一条需求推送给专家或团队 / push one demand to experts or teams."""
    _echo_push(push_demands(obj.store(), [demand_id], targets, actor=actor, channel=channel, note=note,
                            source="cli"), as_json)


@click.command("push-list")
@click.option("--region", "regions", multiple=True, help="地区编号、代码或名称（含下级）/ region, repeatable.")
@click.option("--field", "fields", multiple=True, help="技术领域编号、代码或名称（含下级）/ field id, code or name.")
@click.option("--industry", "industries", multiple=True, help="行业编号、代码或名称（含下级）/ industry id, code or name.")
@click.option("--registry", "registries", multiple=True, type=click.Choice(REGISTRY_CHOICES),
              help="发布企业今日有效的资质（可重复，表示或）/ the enterprise's registry status.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(OPEN_STATUSES),
              help="需求状态（默认待对接、对接中）/ demand status.")
@click.option("--dry-run", is_flag=True, help="只列出选中的需求，不推送 / list the selection only.")
@_push_options
@click.pass_obj
@run_safely
def push_list(obj: Ctx, regions: tuple[str, ...], fields: tuple[str, ...], industries: tuple[str, ...],
              registries: tuple[str, ...], statuses: tuple[str, ...], dry_run: bool, targets: list[NodeRef],
              channel: str, note: str, actor: str, as_json: bool) -> None:
    """按地区、领域、行业、企业资质选出需求清单，批量推送 / push every matching demand."""
    if not (regions or fields or industries or registries):
        fail("请至少给出 --region、--field、--industry、--registry 之一，以免把全部需求推送出去")
    store = obj.store()
    query = demand_query(store, {"region": list(regions), "field": list(fields), "industry": list(industries),
                                 "registry": list(registries)}, statuses=statuses or OPEN_STATUSES)
    demands = select_demands(store, query)
    if not demands:
        fail("没有符合条件的待推送需求")
    if dry_run:
        if as_json:
            _echo_json([{"id": d.id, "title": d.name, "status": d.props.get("status")} for d in demands])
            return
        click.echo(f"符合条件的需求 {len(demands)} 条（未推送）：")
        for d in demands:
            click.echo(f"  {d.id}\t{d.name}\t{d.props.get('status', '')}")
        return
    _echo_push(push_demands(store, [d.id for d in demands], targets, actor=actor, channel=channel, note=note,
                            source="cli"), as_json)


@click.command("respond")
@click.argument("push_id")
@click.option("--accept/--decline", required=True, help="接受或谢绝 / accept or decline.")
@click.option("--reason", default="", help="谢绝理由（谢绝时必填）/ reason, required to decline.")
@click.option("--expert", "expert_id", default=None, help="核对推送确属此专家（或其团队）/ check it is theirs.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def answer(obj: Ctx, push_id: str, accept: bool, reason: str, expert_id: str | None, actor: str,
           as_json: bool) -> None:
    """代专家登记对推送的回复（如电话答复）/ record an expert's answer to a push."""
    node = respond(obj.store(), push_id, accept=accept, reason=reason, responder=actor, expert_id=expert_id)
    _echo_node(node, as_json, f"已登记回复：{node.id} {node.props['status']}。")


@click.command()
@click.option("--after-hours", default=72.0, show_default=True, type=float,
              help="发出（或上次提醒）后多少小时仍未回复则提醒 / remind after this many hours.")
@_as_json
@click.pass_obj
@run_safely
def remind(obj: Ctx, after_hours: float, as_json: bool) -> None:
    """提醒久未回复的推送（经 webhook 通知门户）/ remind unanswered pushes."""
    reminded = send_reminders(obj.store(), after_hours=after_hours)
    if as_json:
        _echo_json({"reminded": reminded})
        return
    click.echo(f"已提醒 {len(reminded)} 条超过 {after_hours:g} 小时未回复的推送。")
    for push_id in reminded:
        click.echo(f"  {push_id}")


# -- 科技专员 --------------------------------------------------------------------------------------------
@click.command()
@click.argument("expert_id")
@click.argument("enterprise_id")
@click.option("--from", "start_date", required=True, help="派驻开始日期 YYYY-MM-DD / first day.")
@click.option("--to", "end_date", required=True, help="派驻结束日期 YYYY-MM-DD / last day.")
@click.option("--type", "service_types", multiple=True, required=True, type=click.Choice(ALL_SERVICE_TYPES),
              help="服务类型（可重复）/ service type, repeatable.")
@click.option("--demand", "demand_id", default=None, help="所服务的需求编号 / the demand served.")
@click.option("--note", default="", help="备注 / note.")
@click.option("--mode", "mode", default=None, type=click.Choice(SERVICE_MODES),
              help="服务方式 / service mode (兼职创新、长期派驻、短期合作).")
@click.option("--platform", "is_platform", is_flag=True,
              help="第一个参数是服务平台编号：由平台提供服务 / the first argument is a platform's id.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def dispatch(obj: Ctx, expert_id: str, enterprise_id: str, start_date: str, end_date: str,
             service_types: tuple[str, ...], demand_id: str | None, note: str, mode: str | None, is_platform: bool,
             actor: str, as_json: bool) -> None:
    """派驻科技专员（或由服务平台提供服务）到企业 / dispatch an expert (or a platform) to an enterprise."""
    provider = NodeRef(Label.PLATFORM if is_platform else Label.EXPERT, expert_id)
    node = dispatch_provider(obj.store(), provider, enterprise_id, start_date=start_date, end_date=end_date,
                             service_types=service_types, actor=actor, demand_id=demand_id, note=note, mode=mode)
    p = node.props
    _echo_node(node, as_json, f"已派驻：{node.id}（{p['provider_name']} → {p['enterprise_name']}，"
                              f"{p['start_date']} 至 {p['end_date']}，{'、'.join(p['service_types'])}）")


@click.command()
@click.argument("dispatch_id")
@click.option("--date", "day", required=True, help="服务日期 YYYY-MM-DD / service date.")
@click.option("--hours", required=True, help="服务时长（小时）/ hours.")
@click.option("--type", "service_type", required=True, type=click.Choice(ALL_SERVICE_TYPES), help="服务类型 / type.")
@click.option("--content", required=True, help="服务内容 / what was done.")
@click.option("--outcome", default="", help="服务成效 / outcome.")
@click.option("--solved", is_flag=True, help="所服务的需求已解决 / the dispatch's demand is solved.")
@click.option("--form", "form", default=None, type=click.Choice(COOPERATION_FORMS),
              help="合作形式 / cooperation form (共建新型研发机构、联合实验室、合作开发项目).")
@_actor
@_as_json
@click.pass_obj
@run_safely
def service(obj: Ctx, dispatch_id: str, day: str, hours: str, service_type: str, content: str, outcome: str,
            solved: bool, form: str | None, actor: str, as_json: bool) -> None:
    """记录一次科技专员服务 / record a service of a dispatch."""
    node = record_service(obj.store(), dispatch_id, date=day, hours=hours, service_type=service_type,
                          content=content, outcome=outcome, solved=solved, actor=actor, form=form)
    tail = "，需求已标记为已解决" if solved else ""
    _echo_node(node, as_json, f"已记录服务：{node.id}（{node.props['date']}，{node.props['hours']:g} 小时{tail}）")


@click.command()
@click.argument("service_id")
@click.argument("rating")
@click.option("--comment", default="", help="评价意见 / comment.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def rate(obj: Ctx, service_id: str, rating: str, comment: str, actor: str, as_json: bool) -> None:
    """企业为一次服务评分（1–5）/ the enterprise's rating of a service."""
    node = rate_service(obj.store(), service_id, rating=rating, comment=comment, rated_by=actor)
    _echo_node(node, as_json, f"已评价：{node.id} {node.props['rating']} 分。")


# -- 揭榜解题 --------------------------------------------------------------------------------------------
@click.group()
def challenge() -> None:
    """揭榜解题：发布榜单、揭榜、确定揭榜方、推进状态 / open challenges."""


def _show_challenge(store: GraphStore, cid: str, as_json: bool) -> None:
    node = require_node(store, Label.CHALLENGE, cid)
    bids = bids_of(store, cid)
    if as_json:
        _echo_json({**record(node), "bids": [record(b) for b in bids]})
        return
    p = node.props
    winner = f"，揭榜方 {p['winner_name']}" if p.get("winner_name") else ""
    click.echo(f"{node.id}「{p.get('title')}」：{p.get('status')}；截止 {p.get('deadline')}，"
               f"奖励 {p.get('reward_wan', 0):g} 万元{winner}")
    for entry in p.get("history") or []:
        click.echo(f"  {entry}")
    for b in bids:
        click.echo(f"  方案 {b.id}\t{b.props.get('bidder_name')}\t{b.props.get('status')}")


@challenge.command("publish")
@click.argument("demand_id")
@click.option("--conditions", required=True, help="揭榜条件 / conditions.")
@click.option("--deadline", required=True, help="揭榜截止日期 YYYY-MM-DD / deadline.")
@click.option("--reward", "reward_wan", required=True, help="奖励（万元）/ reward, 10k yuan.")
@click.option("--title", default="", help="榜单标题（默认用需求标题）/ title.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def challenge_publish(obj: Ctx, demand_id: str, conditions: str, deadline: str, reward_wan: str, title: str,
                      actor: str, as_json: bool) -> None:
    """把需求发布为揭榜榜单 / publish a demand as a challenge."""
    node = publish_challenge(obj.store(), demand_id, conditions=conditions, deadline=deadline, reward_wan=reward_wan,
                             actor=actor, title=title)
    _echo_node(node, as_json, f"已发布榜单：{node.id}（{node.props['status']}，截止 {node.props['deadline']}）")


@challenge.command("status")
@click.argument("challenge_id")
@click.argument("target", required=False)
@click.option("--reason", default="", help="关闭理由 / reason (closing needs one).")
@_actor
@_as_json
@click.pass_obj
@run_safely
def challenge_status(obj: Ctx, challenge_id: str, target: str | None, reason: str, actor: str,
                     as_json: bool) -> None:
    """查看榜单；给出 TARGET（揭榜中、实施中、已完成、已关闭）则推进状态 / show or move a challenge."""
    store = obj.store()
    if target:
        advance(store, challenge_id, target, actor=actor, reason=reason)
    _show_challenge(store, challenge_id, as_json)


@challenge.command("bid")
@click.argument("challenge_id")
@click.option("--by", "bidder", required=True, metavar="Expert:ID|Team:ID", help="揭榜的专家或团队 / bidder.")
@click.option("--proposal", required=True, help="揭榜方案 / proposal.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def challenge_bid(obj: Ctx, challenge_id: str, bidder: str, proposal: str, actor: str, as_json: bool) -> None:
    """代专家或团队提交揭榜方案 / submit a bid."""
    node = submit_bid(obj.store(), challenge_id, parse_ref(bidder, SOLVERS, "--by"), proposal=proposal, actor=actor)
    _echo_node(node, as_json, f"已提交揭榜方案：{node.id}")


@challenge.command("select")
@click.argument("challenge_id")
@click.argument("bid_id")
@_actor
@_as_json
@click.pass_obj
@run_safely
def challenge_select(obj: Ctx, challenge_id: str, bid_id: str, actor: str, as_json: bool) -> None:
    """确定揭榜方（其余方案未中选）/ select the winning bid."""
    store = obj.store()
    select_bid(store, challenge_id, bid_id, actor=actor)
    _show_challenge(store, challenge_id, as_json)


# -- 科技创新券 ------------------------------------------------------------------------------------------
@click.group()
def voucher() -> None:
    """科技创新券：发放、兑付、作废、查看 / innovation vouchers."""


def _show_voucher(store: GraphStore, voucher_id: str, as_json: bool) -> None:
    node = require_node(store, Label.VOUCHER, voucher_id)
    paid = redemptions_of(store, voucher_id)
    if as_json:
        _echo_json({**record(node), "redemptions": paid})
        return
    p = node.props
    click.echo(f"{node.id}：{p.get('holder_name')}，面额 {p.get('amount'):.2f} 元，余额 {p.get('balance'):.2f} 元，"
               f"{p.get('status')}，有效期至 {p.get('valid_until')}")
    for r in paid:
        click.echo(f"  兑付 {r['service_id']}\t{r.get('amount', 0):.2f} 元\t{r.get('at', '')}")


@voucher.command("issue")
@click.option("--to", "holder", required=True, metavar="Enterprise:ID|Expert:ID", help="持券企业或专家 / holder.")
@click.option("--amount", required=True, help="面额（元）/ amount, yuan.")
@click.option("--valid-until", required=True, help="有效期至 YYYY-MM-DD / valid until.")
@click.option("--programme", default="科技创新券", show_default=True, help="券种 / programme.")
@click.option("--note", default="", help="备注 / note.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def voucher_issue(obj: Ctx, holder: str, amount: str, valid_until: str, programme: str, note: str, actor: str,
                  as_json: bool) -> None:
    """发放创新券 / issue a voucher."""
    node = issue_voucher(obj.store(), parse_ref(holder, HOLDER_LABELS), amount=amount, valid_until=valid_until,
                         actor=actor, programme=programme, note=note)
    _echo_node(node, as_json, f"已发放创新券：{node.id}（{node.props['holder_name']}，{node.props['amount']:.2f} 元）")


@voucher.command("redeem")
@click.argument("voucher_id")
@click.argument("service_id")
@click.option("--amount", required=True, help="兑付金额（元）/ amount, yuan.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def voucher_redeem(obj: Ctx, voucher_id: str, service_id: str, amount: str, actor: str, as_json: bool) -> None:
    """用创新券兑付一次服务 / pay a service record with a voucher."""
    store = obj.store()
    redeem_voucher(store, voucher_id, service_id, amount=amount, actor=actor)
    _show_voucher(store, voucher_id, as_json)


@voucher.command("void")
@click.argument("voucher_id")
@click.option("--reason", required=True, help="作废理由 / reason.")
@_actor
@_as_json
@click.pass_obj
@run_safely
def voucher_void(obj: Ctx, voucher_id: str, reason: str, actor: str, as_json: bool) -> None:
    """作废创新券 / void a voucher."""
    store = obj.store()
    void_voucher(store, voucher_id, reason=reason, actor=actor)
    _show_voucher(store, voucher_id, as_json)


@voucher.command("show")
@click.argument("voucher_id")
@_as_json
@click.pass_obj
@run_safely
def voucher_show(obj: Ctx, voucher_id: str, as_json: bool) -> None:
    """查看创新券余额与兑付记录 / show a voucher and its redemptions."""
    _show_voucher(obj.store(), voucher_id, as_json)


# -- feedback, reports, evaluation ---------------------------------------------------------------------
@click.group()
def feedback() -> None:
    """推荐反馈（采纳/不采纳）/ feedback on recommendations."""


@feedback.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入此 JSON Lines 文件（默认输出到屏幕）/ write JSON Lines here.")
@click.pass_obj
@run_safely
def feedback_export(obj: Ctx, out: Path | None) -> None:
    """导出全部推荐反馈（JSON Lines，供学习排序）/ export every feedback as JSON Lines."""
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in feedback_rows(obj.store())]
    if out is None:
        for line in lines:
            click.echo(line)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    click.echo(f"已导出 {len(lines)} 条反馈到 {out}。")


def _filter_options(fn: Any) -> Any:
    for option in reversed((
            click.option("--region", default=None, help="地区编号、代码或名称（含下级地区）/ region."),
            click.option("--from", "start", default=None, help="开始日期 YYYY-MM-DD（含）/ first day."),
            click.option("--to", "end", default=None, help="结束日期 YYYY-MM-DD（含）/ last day."))):
        fn = option(fn)
    return fn


@click.command()
@click.option("--kind", "kinds", multiple=True, type=click.Choice(list(REPORTS)),
              help="报表种类（可重复，默认全部）/ report kinds, repeatable (default all).")
@_filter_options
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出 .xlsx 文件 / output.")
@click.pass_obj
@run_safely
def report(obj: Ctx, kinds: tuple[str, ...], region: str | None, start: str | None, end: str | None,
           out: Path) -> None:
    """生成报送报表（Excel：需求清单、对接成果、科技专员服务、考核评价）/ write the reports workbook."""
    store = obj.store()
    flt = ReportFilter.parse(region, start, end, store)
    data = report_workbook(store, kinds, flt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    sheets = "、".join(REPORTS[k].sheet for k in (dict.fromkeys(kinds) or REPORTS))
    click.echo(f"已生成报表 {out}（{sheets}；{_describe(flt)}）。")


def _describe(flt: ReportFilter) -> str:
    where = f"地区 {flt.region_name or flt.region}（含下级）" if flt.region else "全部地区"
    return f"{where}，{flt.start or '不限'} 至 {flt.end or '不限'}"


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "acceptance_rate":
        return f"{value:.1%}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@click.command("evaluation")
@click.option("--by", type=click.Choice(EVALUATION_BY), default="expert", show_default=True,
              help="按专家、机构或地区 / group by.")
@_filter_options
@_as_json
@click.pass_obj
@run_safely
def evaluation_command(obj: Ctx, by: str, region: str | None, start: str | None, end: str | None,
                       as_json: bool) -> None:
    """考核评价：服务企业、解决需求、服务时长、评分、推送接受率 / performance statistics."""
    store = obj.store()
    flt = ReportFilter.parse(region, start, end, store)
    rows = evaluation(read_facts(store), flt, by=by)
    if as_json:
        _echo_json({"by": by, "filter": flt.as_dict(), "rows": rows})
        return
    columns = REPORTS[f"evaluation_{by}"].columns
    click.echo(f"考核评价（{_describe(flt)}），共 {len(rows)} 行：")
    click.echo("\t".join(header for _, header, _ in columns))
    for row in rows:
        click.echo("\t".join(_cell(key, row.get(key)) for key, _, _ in columns))


@click.command("talent")
@_filter_options
@click.option("--top", type=click.IntRange(min=1), default=None, help="只列前 N 位 / the first N.")
@click.option("--out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="同时导出 Excel（.xlsx）/ also write the list as a workbook.")
@_as_json
@click.pass_obj
@run_safely
def talent(obj: Ctx, region: str | None, start: str | None, end: str | None, top: int | None, out: Path | None,
           as_json: bool) -> None:
    """人才计划推荐名单：成效突出的科技专员及其依据 / the talent-programme recommendation list."""
    store = obj.store()
    flt = ReportFilter.parse(region, start, end, store)
    rows = talent_list(store, flt, top=top)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(report_workbook(store, ["talent"], flt))
    if as_json:
        _echo_json({"filter": flt.as_dict(), "rule": asdict(TALENT_RULE), "rows": rows})
        return
    click.echo(f"人才计划推荐名单（{_describe(flt)}），共 {len(rows)} 位：")
    for row in rows:
        click.echo(f"{row['rank']}\t{row.get('name') or row['id']}\t{row.get('institution') or ''}\t{row['reason']}")
    if out is not None:
        click.echo(f"已导出 {out}。")


WORKFLOW_COMMANDS = (push, push_list, answer, remind, dispatch, service, rate, challenge, voucher, feedback, report,
                     evaluation_command, talent)
"""The commands :mod:`api.cli` registers."""
