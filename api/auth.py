"""Who may do what: roles, the permission matrix, users, API keys and the audit log.

* Pages use a login session (signed cookie); the portal sends ``X-API-Key``.
* Every view declares what it needs with :func:`requires` (or :func:`public`). A view
  that declares nothing is refused for everyone — no route is open by accident —
  and ``tests/test_auth_routes.py`` walks every route of the app to prove it.
* Users and API keys live in one JSON file in the data directory (``users.json``,
  mode 600): passwords hashed with ``werkzeug.security`` (scrypt); API keys are 256-bit
  random secrets stored as SHA-256 digests (a slow hash adds nothing to a random
  secret and would cost every API call tens of milliseconds).
* Unmasked contact details are audited in an append-only JSON Lines file
  (``audit.jsonl``): it survives ``kgmatch init --reset``, needs no graph label, and
  log shippers read it as it is.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from api.errors import Forbidden, Unauthorized, wants_json
from graph.errors import ConflictError, Msg, NotFoundError, RowError, ValidationError

__all__ = [
    "Permission",
    "Role",
    "ROLE_PERMISSIONS",
    "PERMISSION_HELP",
    "ROLE_HELP",
    "PUBLIC",
    "AUTHENTICATED",
    "requires",
    "public",
    "authenticated",
    "required_permission",
    "Principal",
    "UserStore",
    "AuditLog",
    "current_principal",
    "may",
    "csrf_token",
    "check_csrf",
    "log_in",
    "init_auth",
    "permission_matrix_markdown",
]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class Permission(StrEnum):
    """What a request may do."""

    DEMAND_READ = "demand:read"
    DEMAND_WRITE = "demand:write"
    RECOMMEND = "recommend"
    ENTITY_READ = "entity:read"
    CONTACT_READ = "contact:read"
    GRAPH_READ = "graph:read"
    STATS_READ = "stats:read"
    DOCS_READ = "docs:read"
    AUDIT_READ = "audit:read"
    WORKFLOW_READ = "workflow:read"
    PUSH_WRITE = "push:write"
    DISPATCH_WRITE = "dispatch:write"
    CHALLENGE_PUBLISH = "challenge:publish"
    CHALLENGE_MANAGE = "challenge:manage"
    VOUCHER_WRITE = "voucher:write"
    FEEDBACK_WRITE = "feedback:write"
    PORTAL_ACT = "portal:act"
    REPORT_READ = "report:read"
    ACTIVITY_MANAGE = "activity:manage"  # activities and training (issue 16)


class Role(StrEnum):
    """The four roles of DESIGN.md's users."""

    OFFICER = "officer"
    ANALYST = "analyst"
    PORTAL = "portal"
    ADMIN = "admin"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset({P.DEMAND_READ, P.DEMAND_WRITE, P.RECOMMEND, P.ENTITY_READ, P.CONTACT_READ,
                             P.GRAPH_READ, P.STATS_READ, P.DOCS_READ, P.WORKFLOW_READ, P.PUSH_WRITE,
                             P.DISPATCH_WRITE, P.CHALLENGE_PUBLISH, P.CHALLENGE_MANAGE, P.VOUCHER_WRITE,
                             P.FEEDBACK_WRITE, P.PORTAL_ACT, P.REPORT_READ, P.ACTIVITY_MANAGE}),
    Role.ANALYST: frozenset({P.DEMAND_READ, P.RECOMMEND, P.ENTITY_READ, P.GRAPH_READ, P.STATS_READ, P.DOCS_READ,
                             P.WORKFLOW_READ, P.REPORT_READ}),
    Role.PORTAL: frozenset({P.DEMAND_READ, P.DEMAND_WRITE, P.RECOMMEND, P.ENTITY_READ, P.DOCS_READ,
                            P.WORKFLOW_READ, P.CHALLENGE_PUBLISH, P.PORTAL_ACT}),
    Role.ADMIN: frozenset(Permission),
}
"""The permission matrix (README shows it as a table: :func:`permission_matrix_markdown`)."""
del P

PERMISSION_HELP: dict[Permission, str] = {
    Permission.DEMAND_READ: "查看需求列表与详情",
    Permission.DEMAND_WRITE: "提交新需求",
    Permission.RECOMMEND: "获取专家与团队推荐（已存需求或自由文本）",
    Permission.ENTITY_READ: "查看、检索专家、机构与企业",
    Permission.CONTACT_READ: "查看未打码的联系电话与邮箱（每次查看记入审计日志）",
    Permission.GRAPH_READ: "查看任意节点的图谱邻域",
    Permission.STATS_READ: "查看统计（数量、需求按领域×地区分布）",
    Permission.DOCS_READ: "查看 API 文档与 OpenAPI 描述",
    Permission.AUDIT_READ: "查看审计日志",
    Permission.WORKFLOW_READ: "查看推送、派驻、服务记录、揭榜、创新券、反馈与投递日志",
    Permission.PUSH_WRITE: "向专家推送需求、发送未回复提醒",
    Permission.DISPATCH_WRITE: "派驻科技专员、记录服务、结束派驻",
    Permission.CHALLENGE_PUBLISH: "把需求发布为揭榜榜单",
    Permission.CHALLENGE_MANAGE: "推进揭榜状态、确定揭榜方、关闭榜单",
    Permission.VOUCHER_WRITE: "发放、兑付、作废科技创新券",
    Permission.FEEDBACK_WRITE: "对推荐结果采纳或不采纳（附理由）",
    Permission.PORTAL_ACT: "代专家回复推送、提交揭榜方案，代企业评价服务，代企业与专家报名活动",
    Permission.REPORT_READ: "导出报送报表与考核统计",
    Permission.ACTIVITY_MANAGE: "发布与推进创新活动和培训、记录签到与成效、由活动发起揭榜",
}
ROLE_HELP: dict[Role, str] = {
    Role.OFFICER: "对接专员：受理需求、获取推荐、联系专家、推送与派驻、揭榜与创新券",
    Role.ANALYST: "政策分析人员：浏览图谱与统计，不看联系方式",
    Role.PORTAL: "门户系统（API 密钥）：提交需求、获取推荐、发布揭榜，代专家回复推送与揭榜、代企业评价",
    Role.ADMIN: "管理员：全部权限，含审计日志",
}


class _Marker:
    """A declaration that is not a permission: PUBLIC (anyone) or AUTHENTICATED (any role)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


PUBLIC = _Marker("PUBLIC")
"""Anyone, signed in or not (login, health, static files)."""
AUTHENTICATED = _Marker("AUTHENTICATED")
"""Any signed-in user or API key, whatever the role (``/api/v1/me``)."""
_ATTR = "kgmatch_permission"


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare the permission a view needs (checked before the view runs)."""
    permission = Permission(permission)

    def mark(view: F) -> F:
        setattr(view, _ATTR, permission)
        return view

    return mark


def public(view: F) -> F:
    """Declare a view open to everyone, signed in or not."""
    setattr(view, _ATTR, PUBLIC)
    return view


def authenticated(view: F) -> F:
    """Declare a view open to every signed-in user or API key."""
    setattr(view, _ATTR, AUTHENTICATED)
    return view


def required_permission(app: Flask, endpoint: str) -> Permission | _Marker | None:
    """What ``endpoint`` declared; static files are public; ``None`` when it declared nothing."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, _ATTR, None)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user or an API key."""

    name: str
    role: Role
    kind: str  # "user" or "api_key"

    def may(self, permission: Permission) -> bool:
        """Whether this principal's role has ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        reason = f"未知的角色「{role}」，可选：{'、'.join(r.value for r in Role)}"
        raise ValidationError(reason, errors=[RowError(None, "role", reason)]) from None


class UserStore:
    """Users and API keys in one JSON file; re-read whenever the file changes on disk.

    Shape: ``{"users": {name: {role, password_hash, created}}, "api_keys": {key_id:
    {name, role, sha256, created}}}``. An API key reads ``kgm_<key_id>_<secret>``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._data: dict[str, dict[str, dict[str, str]]] = {"users": {}, "api_keys": {}}

    def _load(self) -> dict[str, dict[str, dict[str, str]]]:
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._data = None, {"users": {}, "api_keys": {}}
                return self._data
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._data = {"users": dict(data.get("users", {})), "api_keys": dict(data.get("api_keys", {}))}
                self._stamp = stamp
            return self._data

    def _save(self, data: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._stamp = None

    def add_user(self, name: str, role: str, password: str, *, replace: bool = False) -> None:
        """Create (or with ``replace`` overwrite) a user who logs in with ``password``."""
        role_ = _check_role(role)
        if not name.strip() or len(password) < 8:
            field, reason = ("name", "不能为空") if not name.strip() else ("password", "至少 8 个字符")
            raise ValidationError(f"「{field}」{reason}", errors=[RowError(None, field, reason)])
        data = self._load()
        if name in data["users"] and not replace:
            raise ConflictError(f"用户「{name}」已存在（用 --replace 覆盖）")
        users = {**data["users"], name: {"role": role_.value, "password_hash": generate_password_hash(password),
                                         "created": _now()}}
        self._save({**data, "users": users})

    def add_key(self, name: str, role: str, *, key: str | None = None, replace: bool = False) -> str:
        """Create an API key for ``name`` and return it (shown once; only its digest is kept).

        ``replace`` first revokes the keys that already carry ``name``; ``key`` sets the
        secret instead of generating one (it must look like ``kgm_<8 hex>_<32+ chars>``).
        """
        role_ = _check_role(role)
        data = self._load()
        keys = dict(data["api_keys"])
        if any(k["name"] == name for k in keys.values()):
            if not replace:
                raise ConflictError(f"API 密钥「{name}」已存在（用 --replace 重新生成）")
            keys = {i: k for i, k in keys.items() if k["name"] != name}
        if key is None:
            key = f"kgm_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
        key_id = _key_id(key)
        if key_id is None:
            reason = "格式应为 kgm_<8 位十六进制>_<至少 32 个字符>"
            raise ValidationError(f"「key」{reason}", errors=[RowError(None, "key", reason)])
        keys[key_id] = {"name": name, "role": role_.value, "sha256": _digest(key), "created": _now()}
        self._save({**data, "api_keys": keys})
        return key

    def remove(self, name: str) -> int:
        """Delete the user ``name`` and revoke its API keys; how many entries went."""
        data = self._load()
        users = {n: u for n, u in data["users"].items() if n != name}
        keys = {i: k for i, k in data["api_keys"].items() if k["name"] != name}
        gone = len(data["users"]) - len(users) + len(data["api_keys"]) - len(keys)
        if not gone:
            raise NotFoundError(f"未找到用户或 API 密钥「{name}」")
        self._save({"users": users, "api_keys": keys})
        return gone

    def entries(self) -> list[dict[str, str]]:
        """Users and keys without secrets, for ``kgmatch user list``."""
        data = self._load()
        rows = [{"name": n, "kind": "user", "role": u["role"], "created": u.get("created", "")}
                for n, u in data["users"].items()]
        rows += [{"name": k["name"], "kind": f"api_key {i}", "role": k["role"], "created": k.get("created", "")}
                 for i, k in data["api_keys"].items()]
        return sorted(rows, key=lambda r: (r["name"], r["kind"]))

    def check_password(self, name: str, password: str) -> Principal | None:
        """The user if ``password`` is right, else ``None``."""
        user = self._load()["users"].get(name)
        if user is None:
            check_password_hash(_dummy_hash(), password)  # same work either way: no user enumeration by timing
            return None
        if not check_password_hash(user["password_hash"], password):
            return None
        return Principal(name, Role(user["role"]), "user")

    def session_user(self, name: str, fingerprint: str) -> Principal | None:
        """The user of a session, if it still exists with the same password."""
        user = self._load()["users"].get(name)
        if user is None or not hmac.compare_digest(_fingerprint(user["password_hash"]), fingerprint):
            return None
        return Principal(name, Role(user["role"]), "user")

    def fingerprint(self, name: str) -> str:
        """What a session stores so that changing the password ends it."""
        return _fingerprint(self._load()["users"][name]["password_hash"])

    def check_key(self, key: str) -> Principal | None:
        """The API key's principal, or ``None`` when it is unknown or wrong."""
        key_id = _key_id(key)
        entry = self._load()["api_keys"].get(key_id or "")
        if entry is None or not hmac.compare_digest(entry["sha256"], _digest(key)):
            return None
        return Principal(entry["name"], Role(entry["role"]), "api_key")


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("kgmatch-timing-equaliser")


def _fingerprint(password_hash: str) -> str:
    return _digest(password_hash)[:16]


def _key_id(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "kgm" or len(parts[1]) != 8 or len(parts[2]) < 32:
        return None
    if any(c not in "0123456789abcdef" for c in parts[1]):
        return None
    return parts[1]


class AuditLog:
    """Append-only JSON Lines; each line is one event, written and fsynced before the response."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Append events (one line each) in one write."""
        lines = "".join(json.dumps({"time": _now(), **e}, ensure_ascii=False, sort_keys=True) + "\n" for e in events)
        if not lines:
            return
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, lines.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def read(self, *, skip: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
        """A page of events, newest first, and how many there are."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return [], 0
        newest = lines[::-1]
        return [json.loads(line) for line in newest[skip:skip + limit]], len(lines)


def current_principal() -> Principal | None:
    """Who is calling this request (``None`` when nobody signed in)."""
    return g.get("principal")


def may(permission: Permission) -> bool:
    """Whether the caller of this request has ``permission``."""
    principal = current_principal()
    return principal is not None and principal.may(permission)


def csrf_token() -> str:
    """The session's token for forms (``<input type="hidden" name="csrf_token">``)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse a form post whose ``csrf_token`` does not match the session's.

    Raises:
        Forbidden: missing or wrong token.
    """
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
        raise Forbidden(Msg.api.BAD_CSRF)


def log_in(principal: Principal) -> None:
    """Start a fresh session for ``principal`` (a user)."""
    users: UserStore = current_app.extensions["kgmatch"].users
    session.clear()
    session.permanent = True
    session["user"] = principal.name
    session["pw"] = users.fingerprint(principal.name)
    session["sid"] = secrets.token_urlsafe(24)  # logout revokes it (api.sessions)


def _identify(users: UserStore) -> Principal | None:
    key = request.headers.get("X-API-Key")
    if key is not None:
        principal = users.check_key(key.strip())
        if principal is None:
            raise Unauthorized(Msg.api.BAD_API_KEY)
        return principal
    name = session.get("user")
    if isinstance(name, str):
        sid = session.get("sid")
        revoked = current_app.extensions["kgmatch"].revoked_sessions
        valid = isinstance(sid, str) and not revoked.is_revoked(sid)
        principal = users.session_user(name, str(session.get("pw", ""))) if valid else None
        if principal is None:
            session.clear()
        return principal
    return None


def _authorize() -> Any:
    """Before every request: who is calling, and may they call this endpoint?"""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 handler answers
        return None
    needed = required_permission(current_app, endpoint)
    if needed is PUBLIC:
        try:
            g.principal = _identify(current_app.extensions["kgmatch"].users)
        except Unauthorized:
            g.principal = None
        return None
    if needed is None:
        log.error("endpoint %s declares no permission: refused (decorate it with @requires or @public)", endpoint)
        raise Forbidden(Msg.api.NOT_DECLARED)
    principal = _identify(current_app.extensions["kgmatch"].users)
    g.principal = principal
    if principal is None:
        if request.method == "GET" and not wants_json():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        raise Unauthorized(Msg.api.LOGIN_REQUIRED)
    if needed is AUTHENTICATED:
        return None
    if not isinstance(needed, Permission) or not principal.may(needed):
        raise Forbidden(Msg.api.FORBIDDEN.format(role=principal.role.value, permission=needed))
    return None


def init_auth(app: Flask) -> None:
    """Check every request against the permission its endpoint declared."""
    app.before_request(_authorize)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_principal=current_principal)


def permission_matrix_markdown() -> str:
    """The permission matrix as a Markdown table (for README)."""
    roles = list(Role)
    lines = ["| 权限 | 说明 | " + " | ".join(r.value for r in roles) + " |",
             "|---|---|" + "---|" * len(roles)]
    for perm in Permission:
        marks = " | ".join("✓" if perm in ROLE_PERMISSIONS[r] else "–" for r in roles)
        lines.append(f"| `{perm.value}` | {PERMISSION_HELP[perm]} | {marks} |")
    return "\n".join(lines)
