"""``kgmatch serve`` (the web app on waitress) and ``kgmatch user …`` (users and API keys).

Register both in :mod:`api.cli` with ``main.add_command(serve)`` and ``main.add_command(user)``.
Users and keys live in ``<data dir>/users.json`` (or ``KGMATCH_USERS_FILE``), the same
file the running server reads, so changes apply without a restart.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from api.auth import Role, UserStore
from api.cli.common import Ctx, run_safely
from api.settings import from_env
from graph.store import GraphStore
from workflow.webhook import Dispatcher, Reminders, WebhookConfig

__all__ = ["serve", "user"]

log = logging.getLogger(__name__)

_ROLES = click.Choice([r.value for r in Role])


def _users_file(obj: Ctx) -> Path:
    """The users file the server of this data directory reads."""
    cfg = from_env(os.environ)
    data_dir = Path(obj.data_dir or cfg.get("KGMATCH_DATA_DIR") or "var")
    return Path(cfg.get("KGMATCH_USERS_FILE") or data_dir / "users.json")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="端口 / port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="工作线程数 / worker threads.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="工作进程数（多核并行处理推荐，共享持久化的专家索引）/ worker processes.")
@click.pass_obj
@run_safely
def serve(obj: Ctx, host: str, port: int, threads: int, workers: int) -> None:
    """启动 Web 服务（JSON API 与页面，waitress）/ serve the web app with waitress."""
    import waitress

    from api.app import create_app

    config = {"KGMATCH_STORE": obj.backend or "local"}
    if obj.data_dir:
        config["KGMATCH_DATA_DIR"] = obj.data_dir
    app = create_app(config, store=obj.store())  # the CLI's store: closed by the CLI at exit
    started = time.perf_counter()
    _warm(app)
    log.info("warmed up in %.1f s", time.perf_counter() - started)
    _freeze_heap()
    click.echo(f"kgmatch 已启动：http://{host}:{port}/api/docs （{obj.backend} 存储，按 Ctrl+C 停止）", err=True)
    if workers > 1:
        from api.cli.workers import serve_workers
        serve_workers(lambda: _worker_app(config), host=host, port=port, workers=workers, threads=threads,
                      start_jobs=lambda: [j for j in (_dispatcher(app.config, obj.store()),
                                                      _reminders(app.config, obj.store())) if j])
        return
    jobs = [job for job in (_dispatcher(app.config, obj.store()), _reminders(app.config, obj.store())) if job]
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="kgmatch")
    finally:
        for job in jobs:
            job.stop()


def _worker_app(config: dict[str, Any]) -> Any:
    """One worker's app (after the fork): its own store; the expert index loaded from disk."""
    from api.app import create_app

    app = create_app(dict(config))
    _warm(app)
    _freeze_heap()
    return app


def _warm(app: Any) -> None:
    """Build before serving what the first request (or write) would otherwise build: the expert index (and the
    NLP pipeline), its fold-in of a write, and the per-field expert lists (a minute at 10× on Neo4j, which each worker's first request
    used to pay)."""
    from recommend.field_experts import field_expert_lists

    with app.app_context():
        state = app.extensions["kgmatch"]
        state.index()
        state.index_cache.warm(state.store())  # its fold-in of a write, run once
        field_expert_lists(state.store())  # built on first use


def _freeze_heap() -> None:
    """Leave the loaded index out of the cyclic garbage collector's full passes.

    At 10× (1.2M tracked objects) one full collection costs ~0.8 s CPU with the GIL held, and Python runs
    one whenever enough new long-lived objects piled up (records, cached answers): a request that met it
    took a second longer (issue 17's outliers). The index is built once and dropped whole (reference
    counts free it); it never needs the cycle collector.
    """
    import gc

    gc.collect()
    gc.freeze()


def _dispatcher(config: Mapping[str, Any], store: GraphStore) -> Dispatcher | None:
    """The webhook dispatcher, started, when ``KGMATCH_WEBHOOK_URL`` is set (else events stay pending)."""
    if not config["KGMATCH_WEBHOOK_URL"]:
        return None
    hook = WebhookConfig(url=config["KGMATCH_WEBHOOK_URL"], secret=config["KGMATCH_WEBHOOK_SECRET"],
                         timeout=config["KGMATCH_WEBHOOK_TIMEOUT"])
    click.echo(f"事件将投递到 {hook.url}（每 {config['KGMATCH_WEBHOOK_INTERVAL']} 秒）", err=True)
    return Dispatcher(store, hook, interval=config["KGMATCH_WEBHOOK_INTERVAL"]).start()


def _reminders(config: Mapping[str, Any], store: GraphStore) -> Reminders | None:
    """Automatic reminders of unanswered pushes, started, unless ``KGMATCH_REMIND_INTERVAL`` is 0."""
    if not config["KGMATCH_REMIND_INTERVAL"]:
        return None
    return Reminders(store, after_hours=float(config["KGMATCH_PUSH_REMIND_HOURS"]),
                     interval=float(config["KGMATCH_REMIND_INTERVAL"])).start()


@click.group()
def user() -> None:
    """管理用户与 API 密钥 / manage users and API keys."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=_ROLES, help="角色 / role.")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）/ read the password from stdin.")
@click.option("--replace", is_flag=True, help="覆盖同名用户 / overwrite an existing user.")
@click.pass_obj
@run_safely
def add_user(obj: Ctx, name: str, role: str, password_stdin: bool, replace: bool) -> None:
    """添加可登录页面的用户（密码以 scrypt 哈希保存）/ add a user who signs in to the pages."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    UserStore(_users_file(obj)).add_user(name, role, password, replace=replace)
    click.echo(f"已添加用户 {name}（{role}）。")


@user.command("add-key")
@click.argument("name")
@click.option("--role", required=True, type=_ROLES, help="角色 / role (portal for the portal).")
@click.option("--key-stdin", is_flag=True, help="从标准输入读取密钥而不是生成 / read the key from stdin.")
@click.option("--replace", is_flag=True, help="吊销同名的旧密钥 / revoke keys of the same name first.")
@click.pass_obj
@run_safely
def add_key(obj: Ctx, name: str, role: str, key_stdin: bool, replace: bool) -> None:
    """生成 API 密钥（只显示一次，只保存其 SHA-256）/ create an API key; printed once."""
    given = sys.stdin.readline().strip() if key_stdin else None
    key = UserStore(_users_file(obj)).add_key(name, role, key=given, replace=replace)
    click.echo(key)
    click.echo(f"已为 {name}（{role}）创建 API 密钥：请求头 X-API-Key 使用上面一行；它不会再次显示。", err=True)


@user.command("remove")
@click.argument("name")
@click.pass_obj
@run_safely
def remove_user(obj: Ctx, name: str) -> None:
    """删除用户并吊销其 API 密钥 / delete a user and revoke its keys."""
    gone = UserStore(_users_file(obj)).remove(name)
    click.echo(f"已删除「{name}」的 {gone} 项。")


@user.command("list")
@click.pass_obj
@run_safely
def list_users(obj: Ctx) -> None:
    """列出用户与 API 密钥（不含密码与密钥）/ list users and keys."""
    for row in UserStore(_users_file(obj)).entries():
        click.echo(f"{row['name']}\t{row['kind']}\t{row['role']}\t{row['created']}")
