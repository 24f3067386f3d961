"""Every setting of the web app in one table: Flask config key and environment variable.

Each setting's default and help text come from the one table of environment variables,
:data:`graph.environment.ENVIRONMENT`.

:func:`api.app.create_app` applies them in this order: the defaults below, then
``instance/config.py`` (if present), then the environment variables, then the
``test_config`` a test passes. ``README.md`` documents each one with every other
environment variable (``tests/test_api_errors.py`` checks that it does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.environment import environment_markdown, variable
from graph.errors import RowError, ValidationError

__all__ = ["AppSetting", "APP_SETTINGS", "defaults", "from_env", "settings_markdown"]


@dataclass(frozen=True)
class AppSetting:
    """One setting: its Flask config key, default, environment variable and Chinese help text."""

    name: str
    default: Any
    env: str
    help: str


def _from_env_table(name: str, env: str) -> AppSetting:
    """The setting ``name`` read from ``env``, with that variable's default and help."""
    row = variable(env)
    return AppSetting(name, row.default, env, row.help)


APP_SETTINGS: tuple[AppSetting, ...] = (
    _from_env_table("KGMATCH_STORE", "KGMATCH_STORE"),
    _from_env_table("KGMATCH_DATA_DIR", "KGMATCH_DATA_DIR"),
    _from_env_table("KGMATCH_USERS_FILE", "KGMATCH_USERS_FILE"),
    _from_env_table("KGMATCH_AUDIT_LOG", "KGMATCH_AUDIT_LOG"),
    _from_env_table("SECRET_KEY", "KGMATCH_SECRET_KEY"),
    _from_env_table("SESSION_COOKIE_SECURE", "KGMATCH_COOKIE_SECURE"),
    _from_env_table("PERMANENT_SESSION_LIFETIME", "KGMATCH_SESSION_SECONDS"),
    _from_env_table("KGMATCH_LOGIN_MAX_FAILURES", "KGMATCH_LOGIN_MAX_FAILURES"),
    _from_env_table("KGMATCH_LOGIN_LOCK_SECONDS", "KGMATCH_LOGIN_LOCK_SECONDS"),
    _from_env_table("KGMATCH_TRUSTED_PROXIES", "KGMATCH_TRUSTED_PROXIES"),
    _from_env_table("KGMATCH_RATE_LIMIT", "KGMATCH_RATE_LIMIT"),
    _from_env_table("KGMATCH_RECOMMEND_BUDGET", "KGMATCH_RECOMMEND_BUDGET"),
    _from_env_table("KGMATCH_RECOMMEND_WORKERS", "KGMATCH_RECOMMEND_WORKERS"),
    _from_env_table("KGMATCH_RESULT_CACHE", "KGMATCH_RESULT_CACHE"),
    _from_env_table("MAX_CONTENT_LENGTH", "KGMATCH_MAX_REQUEST_BYTES"),
    _from_env_table("KGMATCH_PER_PAGE", "KGMATCH_PER_PAGE"),
    _from_env_table("KGMATCH_MAX_PER_PAGE", "KGMATCH_MAX_PER_PAGE"),
    _from_env_table("KGMATCH_GRAPH_MAX_DEPTH", "KGMATCH_GRAPH_MAX_DEPTH"),
    _from_env_table("KGMATCH_GRAPH_MAX_NODES", "KGMATCH_GRAPH_MAX_NODES"),
    _from_env_table("KGMATCH_MAX_TOP_K", "KGMATCH_MAX_TOP_K"),
    _from_env_table("KGMATCH_MAX_CANDIDATES", "KGMATCH_MAX_CANDIDATES"),
    _from_env_table("KGMATCH_MAX_TEAMS", "KGMATCH_MAX_TEAMS"),
    _from_env_table("KGMATCH_TEXT_MAX_CHARS", "KGMATCH_TEXT_MAX_CHARS"),
    _from_env_table("KGMATCH_PUSH_REMIND_HOURS", "KGMATCH_PUSH_REMIND_HOURS"),
    _from_env_table("KGMATCH_WEBHOOK_URL", "KGMATCH_WEBHOOK_URL"),
    _from_env_table("KGMATCH_WEBHOOK_SECRET", "KGMATCH_WEBHOOK_SECRET"),
    _from_env_table("KGMATCH_REMIND_INTERVAL", "KGMATCH_REMIND_INTERVAL"),
    _from_env_table("KGMATCH_WEBHOOK_INTERVAL", "KGMATCH_WEBHOOK_INTERVAL"),
    _from_env_table("KGMATCH_WEBHOOK_TIMEOUT", "KGMATCH_WEBHOOK_TIMEOUT"),
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
    """The README table of these settings and every other environment variable (one table)."""
    return environment_markdown()
