"""The ``kgmatch`` command line: init the store and print statistics here; the other commands in
the modules beside it, imported only when they run.

Errors go to stderr in Chinese with a non-zero exit status: 1 when the command
failed or rejected rows, 2 for wrong usage (click's convention).

Issue 17: ``kgmatch stats`` imported every command's dependencies (the recommender, BM25,
scipy, flask, openpyxl, the analytics) before counting — about 6 s of imports on a busy
machine. :class:`LazyGroup` names each command's module in :data:`LAZY_COMMANDS` and imports it
only when that command runs (``--help`` still lists them all, importing them).
"""

from __future__ import annotations

import importlib
import json
import logging

import click

from api.cli.common import Ctx, run_safely
from graph import BACKENDS

__all__ = ["LAZY_COMMANDS", "LazyGroup", "main"]

log = logging.getLogger(__name__)

#: command name -> "module:attribute" of the click command, imported when it is used.
LAZY_COMMANDS: dict[str, str] = {
    "load": "api.cli.data:load",
    "duplicates": "api.cli.data:duplicates",
    "bulk-import": "api.cli.data:bulk_import",
    "recommend": "api.cli.recommend:recommend",
    "evaluate": "api.cli.recommend:evaluate",
    "relate-fields": "api.cli.recommend:relate_fields",
    "serve": "api.cli.serve:serve",
    "user": "api.cli.serve:user",
    "webhook": "api.cli.webhook:webhook",
    "coverage": "api.cli.coverage:coverage",
    "review-queue": "api.cli.coverage:review_queue",
    "train-linker": "api.cli.linker:train_linker",
    "train-ranker": "api.cli.ranker:train_ranker",
    "activity": "api.cli.activities:activity",
    "push": "api.cli.workflow:push",
    "push-list": "api.cli.workflow:push_list",
    "respond": "api.cli.workflow:answer",
    "remind": "api.cli.workflow:remind",
    "dispatch": "api.cli.workflow:dispatch",
    "service": "api.cli.workflow:service",
    "rate": "api.cli.workflow:rate",
    "challenge": "api.cli.workflow:challenge",
    "voucher": "api.cli.workflow:voucher",
    "feedback": "api.cli.workflow:feedback",
    "report": "api.cli.workflow:report",
    "evaluation": "api.cli.workflow:evaluation_command",
    "talent": "api.cli.workflow:talent",
}


class LazyGroup(click.Group):
    """A click group whose commands in :data:`LAZY_COMMANDS` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS}, key=_order)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            module, _, attr = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            self.add_command(command, cmd_name)
        return command


def _order(name: str) -> int:
    """``--help`` lists the commands in the order they were always listed: init, load, stats, …"""
    order = ["init", "load", "stats", *[n for n in LAZY_COMMANDS if n != "load"]]
    return order.index(name) if name in order else len(order)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "backend", type=click.Choice(BACKENDS), envvar="KGMATCH_STORE", default="local",
              show_default=True, help="图存储后端 / graph backend (env KGMATCH_STORE).")
@click.option("--data-dir", envvar="KGMATCH_DATA_DIR", default=None,
              help="本地存储目录 / local store directory (env KGMATCH_DATA_DIR, default var/).")
@click.option("-v", "--verbose", is_flag=True, help="输出调试日志 / debug logging.")
@click.pass_context
def main(ctx: click.Context, backend: str, data_dir: str | None, verbose: bool) -> None:
    """kgmatch：企业技术需求与科技人才精准对接 / knowledge-graph expert recommendation."""
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # libraries that lower their own loggers' level (bm25s) stay quiet
    if not verbose:  # the driver's English retry notices; the store reports a lost server in Chinese
        logging.getLogger("neo4j").setLevel(logging.ERROR)
    state = Ctx(backend, data_dir)
    ctx.obj = state
    ctx.call_on_close(state.close)


@main.command()
@click.option("--reset", is_flag=True, help="先清空全部数据 / delete all data first.")
@click.pass_obj
@run_safely
def init(obj: Ctx, reset: bool) -> None:
    """初始化图存储（Neo4j：应用 schema.cypher）/ create schema, idempotent."""
    store = obj.store()
    if reset:
        store.clear()
    store.init_schema()
    click.echo(f"已初始化 {store.backend} 图存储。")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.pass_obj
@run_safely
def stats(obj: Ctx, as_json: bool) -> None:
    """统计各类节点与关系数量 / count nodes per label and relationships per type."""
    counts = obj.store().counts()
    if as_json:
        click.echo(json.dumps(counts.as_dict(), ensure_ascii=False, sort_keys=True))
        return
    click.echo("节点：")
    for label, n in counts.nodes.items():
        click.echo(f"  {label:<14}{n:>10}")
    click.echo("关系：")
    for rel, n in counts.relationships.items():
        click.echo(f"  {rel:<14}{n:>10}")


if __name__ == "__main__":  # pragma: no cover
    main()
