"""What the Chinese web pages share: the home page, navigation, page messages, headers and form checks.

The pages are server-rendered Jinja (``api/templates``, ``lang="zh-CN"``) behind the same
permission check as the API: each view declares its permission, anonymous visitors are
sent to ``/login``. Nothing is loaded from outside the site: the stylesheet and the one
script of our own live in ``api/static/pages/``, vis-network in ``api/static/vendor/``, and
every page response carries a Content-Security-Policy that allows only this origin.

Data is always escaped by Jinja; the only HTML inserted unescaped is the graph fragment
that :mod:`render` renders, which escapes every name itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from werkzeug.datastructures import MultiDict

from api.auth import (
    ROLE_HELP,
    Permission,
    Role,
    authenticated,
    check_csrf,
    current_principal,
    may,
)
from recommend.ranker import ranker_zh
from render import INIT_SCRIPT_CSP_HASH

__all__ = [
    "bp",
    "ROLE_NAMES",
    "NAV",
    "page_nav",
    "role_name",
    "pct",
    "num",
    "wf_time",
    "render_page",
    "check_form",
    "page_headers",
    "page_number",
    "page_links",
    "url_with_args",
    "PAGE_CSP",
]

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)


ROLE_NAMES: dict[Role, str] = {role: ROLE_HELP[role].split("：", 1)[0] for role in Role}
"""Each role's Chinese name (the part of :data:`api.auth.ROLE_HELP` before the colon)."""

NAV: tuple[tuple[str, str, Permission], ...] = (
    ("pages_intake.new_demand", "需求录入", Permission.DEMAND_WRITE),
    ("pages_demands.demand_list", "需求清单", Permission.DEMAND_READ),
    ("pages_graph.explore", "图谱浏览", Permission.GRAPH_READ),
    ("pages_stats.dashboard", "统计看板", Permission.STATS_READ),
    ("pages_workflow.pushes", "推送", Permission.WORKFLOW_READ),
    ("pages_challenges.challenges", "揭榜挂帅", Permission.WORKFLOW_READ),
    ("pages_services.dispatches", "科技专员", Permission.WORKFLOW_READ),
    ("pages_services.vouchers", "创新券", Permission.WORKFLOW_READ),
    ("pages_activities.activities", "活动与培训", Permission.WORKFLOW_READ),
    ("pages_lists.lists", "清单导入", Permission.DEMAND_WRITE),  # issue 16: activity and platform lists
    ("pages_reports.reports", "报送与考核", Permission.REPORT_READ),
    ("docs.api_docs", "API 文档", Permission.DOCS_READ),
)
"""The navigation bar: endpoint, Chinese text and the permission that shows it."""

PAGE_CSP = "; ".join((
    "default-src 'self'",
    f"script-src 'self' {INIT_SCRIPT_CSP_HASH}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
))
"""Every page may load only from this site; the one inline script (render.figure's) is allowed by its hash.
``'unsafe-inline'`` styles: vis-network positions its canvas with ``style`` attributes."""


@bp.app_template_global()
def page_nav() -> list[dict[str, str]]:
    """The navigation entries the current caller may open (``endpoint``, ``text``, ``url``)."""
    return [{"endpoint": endpoint, "text": text, "url": url_for(endpoint)}
            for endpoint, text, permission in NAV if may(permission) and endpoint in current_app.view_functions]


@bp.app_template_global()
def role_name(role: Role | str | None) -> str:
    """The Chinese name of a role (empty for none)."""
    if role is None:
        return ""
    try:
        return ROLE_NAMES[Role(role)]
    except ValueError:
        return str(role)


@bp.app_template_filter("pct")
def pct(value: float | None, digits: int = 0) -> str:
    """``0.625`` → ``"63%"`` (``"–"`` for none)."""
    if value is None:
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


@bp.app_template_filter("ranker_zh")
def ranker_name(mode: object) -> str:
    """``settings.ranker`` → 学习排序模型 / 人工权重 (:func:`recommend.ranker.ranker_zh`)."""
    return ranker_zh(mode)


@bp.app_template_filter("num")
def num(value: float | int | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals, integers as they are (``"–"`` for none)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and digits == 0):
        return f"{int(value):,}"
    try:
        return f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


@bp.app_template_filter("wf_time")
def wf_time(value: Any) -> str:
    """``2026-11-27T17:30:00+08:00`` → ``2026-11-27 17:30`` (``–`` for none).

    >>> wf_time("2026-11-27T17:30:00+08:00"), wf_time("2026-11-27"), wf_time(None)
    ('2026-11-27 17:30', '2026-11-27', '–')
    """
    if not value:
        return "–"
    text = str(value)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10] == "T" else text


def render_page(template: str, *, status: int = 200, active: str | None = None, **context: Any) -> Response:
    """Render a page template (``active`` marks the navigation entry) as an HTML response."""
    html = render_template(template, active=active, **context)
    return Response(html, status=status, mimetype="text/html")


def check_form() -> None:
    """Refuse a form post without the session's CSRF token.

    Only a signed-in browser needs it: a request with an API key carries no ambient
    credential a hostile site could borrow, so there is nothing to forge.

    Raises:
        Forbidden: a session post whose token is missing or wrong.
    """
    principal = current_principal()
    if principal is not None and principal.kind == "api_key":
        return
    check_csrf()


def page_headers(response: Response) -> Response:
    """Headers of every page: the Content-Security-Policy, and no caching (pages show personal data)."""
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def page_number(args: Mapping[str, str] | MultiDict[str, str], name: str = "page") -> int:
    """The 1-based page number of a list (anything unreadable is page 1)."""
    try:
        return max(1, min(int(args.get(name, "1")), 1_000_000))
    except ValueError:
        return 1


def url_with_args(endpoint: str, args: MultiDict[str, str], *, drop: tuple[str, ...] = ("page",),
                  extra: tuple[tuple[str, str], ...] = (), **values: Any) -> str:
    """The URL of ``endpoint`` with the request's non-empty query arguments (less ``drop``) and ``extra``."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in drop and v != ""] + list(extra)
    return url_for(endpoint, **values) + ("?" + urlencode(pairs) if pairs else "")


def page_links(endpoint: str, args: MultiDict[str, str], page: int, total: int, per_page: int,
               **values: Any) -> dict[str, Any]:
    """Pagination for a list page: the page count and links to the neighbouring pages (filters kept)."""
    pages = max(1, -(-total // per_page))

    def link(number: int) -> str:
        return url_with_args(endpoint, args, extra=(("page", str(number)),), **values)

    return {"page": page, "pages": pages, "total": total,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None}


bp.after_request(page_headers)


@bp.get("/")
@authenticated
def home() -> Any:
    """The home page: the demand list for everyone who may read it, else the API documentation."""
    if may(Permission.DEMAND_READ):
        return redirect(url_for("pages_demands.demand_list"))
    return redirect(url_for("docs.api_docs"))
