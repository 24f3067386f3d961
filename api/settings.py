"""Every setting of the web app in one table: name, default, environment variable, help.

:func:`api.app.create_app` applies them in this order: the defaults below, then
``instance/config.py`` (if present), then the environment variables, then the
``test_config`` a test passes. ``README.md`` documents each one
(``tests/test_api_settings.py`` checks that it does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import RowError, ValidationError

__all__ = ["AppSetting", "APP_SETTINGS", "defaults", "from_env", "settings_markdown"]


@dataclass(frozen=True)
class AppSetting:
    """One setting: its Flask config key, default, environment variable and Chinese help text."""

    name: str
    default: Any
    env: str
    help: str


APP_SETTINGS: tuple[AppSetting, ...] = (
    AppSetting("KGMATCH_STORE", "local", "KGMATCH_STORE", "图存储后端：local（内置）或 neo4j"),
    AppSetting("KGMATCH_DATA_DIR", "var", "KGMATCH_DATA_DIR",
               "数据目录：内置图存储、用户文件、审计日志和会话密钥都在这里"),
    AppSetting("KGMATCH_USERS_FILE", "", "KGMATCH_USERS_FILE",
               "用户与 API 密钥文件（JSON，只存哈希）；留空为 数据目录/users.json"),
    AppSetting("KGMATCH_AUDIT_LOG", "", "KGMATCH_AUDIT_LOG",
               "审计日志（只追加的 JSON Lines）；留空为 数据目录/audit.jsonl"),
    AppSetting("SECRET_KEY", "", "KGMATCH_SECRET_KEY",
               "会话签名密钥；留空时首次启动生成并保存在 数据目录/secret_key（权限 600）"),
    AppSetting("SESSION_COOKIE_SECURE", False, "KGMATCH_COOKIE_SECURE",
               "仅通过 HTTPS 发送会话 Cookie（部署在 HTTPS 之后时设为 true）"),
    AppSetting("PERMANENT_SESSION_LIFETIME", 28800, "KGMATCH_SESSION_SECONDS", "登录会话有效期（秒）"),
    AppSetting("KGMATCH_LOGIN_MAX_FAILURES", 5, "KGMATCH_LOGIN_MAX_FAILURES",
               "同一用户名从同一地址 15 分钟内登录失败达到该次数即锁定该用户名在该地址的登录"
               "（同一地址任何用户名 20 次锁定该地址，同一用户名任何地址 100 次锁定该用户名）"),
    AppSetting("KGMATCH_LOGIN_LOCK_SECONDS", 900, "KGMATCH_LOGIN_LOCK_SECONDS", "登录锁定时长（秒）"),
    AppSetting("KGMATCH_TRUSTED_PROXIES", 0, "KGMATCH_TRUSTED_PROXIES",
               "前面有几层可信的反向代理；大于 0 时按 X-Forwarded-For 识别客户端地址（登录限制、访问频率限制、审计），"
               "为 0 时忽略该请求头"),
    AppSetting("KGMATCH_RATE_LIMIT", 600, "KGMATCH_RATE_LIMIT",
               "每个调用方（API 密钥、登录用户或匿名地址）每分钟最多请求 /api/v1 的次数，可一次用完；超出返回 429 与 "
               "Retry-After（中文说明）；0 表示不限"),
    AppSetting("KGMATCH_RECOMMEND_BUDGET", 10, "KGMATCH_RECOMMEND_BUDGET",
               "一次推荐（API）的时间预算（秒，含排队）；超时返回 503 与 Retry-After，不返回不完整的排名；0 表示不限"),
    AppSetting("KGMATCH_RECOMMEND_WORKERS", 4, "KGMATCH_RECOMMEND_WORKERS", "计算推荐的工作线程数（限制同时进行的推荐）"),
    AppSetting("MAX_CONTENT_LENGTH", 1_048_576, "KGMATCH_MAX_REQUEST_BYTES", "请求体最大字节数"),
    AppSetting("KGMATCH_PER_PAGE", 20, "KGMATCH_PER_PAGE", "列表接口默认每页条数"),
    AppSetting("KGMATCH_MAX_PER_PAGE", 100, "KGMATCH_MAX_PER_PAGE", "列表接口每页条数上限"),
    AppSetting("KGMATCH_GRAPH_MAX_DEPTH", 3, "KGMATCH_GRAPH_MAX_DEPTH", "图谱邻域查询的最大跳数"),
    AppSetting("KGMATCH_GRAPH_MAX_NODES", 500, "KGMATCH_GRAPH_MAX_NODES", "图谱邻域查询返回的最多节点数"),
    AppSetting("KGMATCH_MAX_TOP_K", 50, "KGMATCH_MAX_TOP_K", "一次推荐最多返回的专家人数（top_k 上限）"),
    AppSetting("KGMATCH_MAX_CANDIDATES", 2000, "KGMATCH_MAX_CANDIDATES",
               "推荐参数 max_candidates 与 text_candidates 的上限"),
    AppSetting("KGMATCH_MAX_TEAMS", 10, "KGMATCH_MAX_TEAMS", "推荐参数 team_count 与 team_max_size 的上限"),
    AppSetting("KGMATCH_TEXT_MAX_CHARS", 5000, "KGMATCH_TEXT_MAX_CHARS", "按文本推荐时需求文本的最大字数"),
    AppSetting("KGMATCH_PUSH_REMIND_HOURS", 72, "KGMATCH_PUSH_REMIND_HOURS",
               "推送多少小时未回复后发送提醒（POST /api/v1/pushes/reminders 未给出 after_hours 时的默认值）"),
    AppSetting("KGMATCH_WEBHOOK_URL", "", "KGMATCH_WEBHOOK_URL",
               "门户接收事件的 webhook 地址（http/https）；留空 = 不投递，事件保留为待投递"),
    AppSetting("KGMATCH_WEBHOOK_SECRET", "", "KGMATCH_WEBHOOK_SECRET",
               "webhook 签名密钥：请求头 X-Kgmatch-Signature 为 sha256=请求体的 HMAC-SHA256；留空不签名"),
    AppSetting("KGMATCH_REMIND_INTERVAL", 3600, "KGMATCH_REMIND_INTERVAL",
               "kgmatch serve 检查未回复推送并发送提醒的间隔（秒）；0 表示不自动提醒"),
    AppSetting("KGMATCH_WEBHOOK_INTERVAL", 5, "KGMATCH_WEBHOOK_INTERVAL", "kgmatch serve 投递待投递事件的间隔（秒）"),
    AppSetting("KGMATCH_WEBHOOK_TIMEOUT", 5, "KGMATCH_WEBHOOK_TIMEOUT", "每次 webhook 请求的超时（秒）"),
)

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def defaults() -> dict[str, Any]:
    """Every setting at its default."""
    return {s.name: s.default for s in APP_SETTINGS}


def _typed(setting: AppSetting, raw: str) -> Any:
    if isinstance(setting.default, bool):
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise ValueError("应为 true 或 false")
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError("应为整数") from None
    return raw


def from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings whose environment variable is set, typed like their defaults.

    Raises:
        ValidationError: a variable whose value does not fit (Chinese message naming it).

    >>> from_env({"KGMATCH_PER_PAGE": "50", "KGMATCH_COOKIE_SECURE": "true"})
    {'SESSION_COOKIE_SECURE': True, 'KGMATCH_PER_PAGE': 50}
    """
    out: dict[str, Any] = {}
    errors: list[RowError] = []
    for setting in APP_SETTINGS:
        if setting.env in environ:
            try:
                out[setting.name] = _typed(setting, environ[setting.env])
            except ValueError as err:
                errors.append(RowError(None, setting.env, f"{err}，实际为「{environ[setting.env]}」"))
    if errors:
        raise ValidationError.from_errors(errors)
    return out


def settings_markdown() -> str:
    """The README table of these settings (``tests/test_api_settings.py`` checks README has it)."""
    lines = ["| 环境变量 | 默认值 | 说明 |", "|---|---|---|"]
    for s in APP_SETTINGS:
        default = "（空）" if s.default == "" else str(s.default).lower() if isinstance(s.default, bool) else s.default
        lines.append(f"| `{s.env}` | `{default}` | {s.help} |")
    return "\n".join(lines)
