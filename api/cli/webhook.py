"""``kgmatch webhook …``: send pending events to the portal by hand, list the delivery log, resend one.

Register in :mod:`api.cli` with ``main.add_command(webhook)``. ``kgmatch serve`` delivers by
itself when ``KGMATCH_WEBHOOK_URL`` is set; these commands are for cron, for a portal that
was down, and for the officer who wants to see what the portal has not heard yet.
"""

from __future__ import annotations

import json
import time

import click

from api.cli.common import Ctx, fail, run_safely
from graph.store import GraphStore, Node
from workflow.common import system_clock
from workflow.outbox import DELIVERY_STATUSES
from workflow.webhook import (
    DeliveryRun,
    WebhookConfig,
    deliver_due,
    delivery_summary,
    list_deliveries,
    retry_now,
)

__all__ = ["webhook"]


@click.group()
def webhook() -> None:
    """投递事件到门户 webhook、查看投递记录 / deliver events to the portal's webhook."""


def _echo_run(run: DeliveryRun, store: GraphStore) -> None:
    """One line per pass, in Chinese."""
    summary = delivery_summary(store)
    if run.attempted == 0 and run.skipped == 0:
        click.echo(f"没有到期的待投递事件（待投递共 {summary.pending} 条）。")
        return
    click.echo(f"投递 {run.attempted} 条：成功 {run.delivered} 条，失败 {run.failed} 条；"
               f"跳过（其他进程正在投递）{run.skipped} 条；仍待投递 {summary.pending} 条。")


@webhook.command("deliver")
@click.option("--url", envvar="KGMATCH_WEBHOOK_URL", default="",
              help="门户 webhook 地址 / portal webhook URL (env KGMATCH_WEBHOOK_URL).")
@click.option("--secret", envvar="KGMATCH_WEBHOOK_SECRET", default="",
              help="签名密钥 / HMAC secret (env KGMATCH_WEBHOOK_SECRET).")
@click.option("--timeout", envvar="KGMATCH_WEBHOOK_TIMEOUT", default=5.0, show_default=True,
              type=click.FloatRange(min=0.1), help="请求超时（秒）/ request timeout, seconds.")
@click.option("--loop", is_flag=True, help="持续投递，按 Ctrl+C 停止 / keep delivering until Ctrl+C.")
@click.option("--interval", envvar="KGMATCH_WEBHOOK_INTERVAL", default=5.0, show_default=True,
              type=click.FloatRange(min=0.1), help="--loop 时每轮间隔（秒）/ seconds between passes.")
@click.pass_obj
@run_safely
def deliver(obj: Ctx, url: str, secret: str, timeout: float, loop: bool, interval: float) -> None:
    """投递到期的待投递事件（失败的按退避时间稍后重试）/ send the due pending events once (or --loop)."""
    if not url:
        fail("未设置 webhook 地址：请使用 --url 或环境变量 KGMATCH_WEBHOOK_URL")
    config = WebhookConfig(url=url, secret=secret, timeout=timeout)
    store = obj.store()
    while True:
        _echo_run(deliver_due(store, config), store)
        if not loop:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("已停止投递。", err=True)
            return


def _line(node: Node) -> str:
    """One delivery as a tab-separated line."""
    p = node.props
    when = p.get("delivered_at") or f"下次 {p.get('next_attempt_at', '')}"
    return "\t".join(str(x) for x in (node.id, p.get("event", ""), p.get("status", ""), f"{p.get('attempts', 0)} 次",
                                      p.get("created_at", ""), when, p.get("last_error", "")))


@webhook.command("list")
@click.option("--status", type=click.Choice(DELIVERY_STATUSES), default=None, help="只列出此状态 / only this status.")
@click.option("--skip", default=0, show_default=True, type=click.IntRange(min=0), help="跳过条数 / offset.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0, 1000), help="最多条数 / page size.")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
@click.pass_obj
@run_safely
def list_command(obj: Ctx, status: str | None, skip: int, limit: int, as_json: bool) -> None:
    """列出投递记录（事件、状态、次数、最近错误）/ list deliveries, ordered by id."""
    store = obj.store()
    page = list_deliveries(store, status, skip=skip, limit=limit)
    summary = delivery_summary(store)
    if as_json:
        click.echo(json.dumps({**summary.as_dict(), "total": page.total,
                               "deliveries": [n.as_dict() for n in page.nodes]}, ensure_ascii=False))
        return
    oldest = f"，最早的待投递创建于 {summary.oldest_pending_at}" if summary.oldest_pending_at else ""
    click.echo(f"待投递 {summary.pending} 条，已投递 {summary.delivered} 条{oldest}。")
    for node in page.nodes:
        click.echo(_line(node))


@webhook.command("retry")
@click.argument("delivery_id")
@click.pass_obj
@run_safely
def retry(obj: Ctx, delivery_id: str) -> None:
    """让一条待投递的事件立即重发 / make a pending delivery due now."""
    retry_now(obj.store(), delivery_id, system_clock())
    click.echo(f"已安排「{delivery_id}」立即重发：下一轮投递（kgmatch serve 或 kgmatch webhook deliver）会发送它。")
