"""The request-validation toolkit the JSON API and the pages share: query parameters, pagination, JSON bodies,
recommendation settings and demand filters from a request, each error a Chinese 400 naming its field."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app, request

from api.state import app_state
from graph.errors import Msg, NotFoundError, RowError, ValidationError
from graph.model import NODE_SPECS, Label
from graph.store import GraphStore
from recommend.config import resolve, settings_from_text
from workflow.list_import import UPLOAD_SUFFIXES
from workflow.selection import FILTER_PARAMS, DemandQuery, demand_query

__all__ = [
    "parse_choices",
    "bad_param",
    "int_arg",
    "list_arg",
    "check_params",
    "page_args",
    "page_body",
    "json_object",
    "not_found",
    "demand_query_from_args",
    "parse_settings",
    "capped",
    "uploaded_file",
]

EMPTY_PARAM = "不能为空（不筛选或用默认值时请省略该参数）"
"""An empty query parameter (``?page=``) is refused like the document says, not read as the default."""



@contextmanager
def uploaded_file(name: str = "file") -> Iterator[Path]:
    """The file of a multipart upload, saved to a temporary path with its own suffix (removed afterwards).

    The request as a whole is bounded by ``KGMATCH_MAX_REQUEST_BYTES`` (413 beyond it).

    Raises:
        ValidationError: no file, an unsupported type or an empty file (Chinese, naming ``name``).
    """
    storage = request.files.get(name)
    if storage is None or not storage.filename:
        raise bad_param(name, Msg.lists.NO_FILE)
    suffix = Path(storage.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise bad_param(name, Msg.lists.BAD_SUFFIX.format(value=suffix or storage.filename,
                                                          choices="、".join(UPLOAD_SUFFIXES)))
    with tempfile.TemporaryDirectory(prefix="kgmatch-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        storage.save(path)
        if path.stat().st_size == 0:
            raise bad_param(name, Msg.lists.EMPTY)
        yield path


def bad_param(name: str, reason: str) -> ValidationError:
    """A 400 naming the query parameter or body field in Chinese."""
    return ValidationError(Msg.FIELD.format(field=name, reason=reason), errors=[RowError(None, name, reason)])


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within ``[low, high]``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise bad_param(name, Msg.api.BAD_INT.format(low=low, high=high, value=raw))
    return value


EMPTY_ITEM = "列表中不能有空项（如「a,,b」或只有逗号）"


def list_arg(name: str) -> list[str]:
    """A list query parameter: repeated (``?x=a&x=b``) or comma-separated (``?x=a,b``).

    An empty item (``?x=,`` or ``?x=a,,b``) is refused: it is no value of the document's enum, and
    ``?kinds=,`` must not quietly mean "all".
    """
    items = [v.strip() for raw in request.args.getlist(name) for v in raw.split(",")]
    if any(not v for v in items):
        raise bad_param(name, EMPTY_ITEM)
    return items


def check_params(allowed: Iterable[str]) -> None:
    """Refuse query parameters this endpoint does not know (a typo should not be ignored)."""
    known = set(allowed)
    errors = [RowError(None, name, Msg.api.UNKNOWN_PARAM) for name in request.args if name not in known]
    errors += [RowError(None, name, EMPTY_PARAM) for name in request.args
               if name in known and not any(v.strip() for v in request.args.getlist(name))]
    if errors:
        raise ValidationError.from_errors(errors)


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to ``KGMATCH_MAX_PER_PAGE``)."""
    cfg = current_app.config
    page = int_arg("page", 1, 1, 1_000_000)
    high = int(cfg["KGMATCH_MAX_PER_PAGE"])
    per_page = int_arg("per_page", min(int(cfg["KGMATCH_PER_PAGE"]), high), 1, high)
    return page, per_page


def page_body(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    """The shape of every paginated list."""
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def json_object(nullable: Iterable[str] = ()) -> dict[str, Any]:
    """The request body as a JSON object.

    A key whose value is null is refused unless it is one of ``nullable`` (the request schemas of
    the OpenAPI document allow null only there): a client with no value leaves the key out, and a
    null never silently means "the default".

    Raises:
        ValidationError: not JSON, not an object, or a null where the document does not allow one.
    """
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError(Msg.api.NOT_JSON, errors=[RowError(None, "body", Msg.api.NOT_JSON)])
    allowed = set(nullable)
    nulls = [RowError(None, key, Msg.api.NULL_VALUE) for key, value in body.items() if value is None and key not in allowed]
    if nulls:
        raise ValidationError.from_errors(nulls)
    return body


def not_found(label: Label, node_id: str) -> NotFoundError:
    """The 404 for a missing node, in Chinese."""
    return NotFoundError(Msg.NOT_FOUND.format(label=NODE_SPECS[label].zh, id=node_id))


def parse_choices(values: list[str], parse: Any, name: str) -> list[Any]:
    """Enum members named by ``values`` (``Label.parse`` / ``RelType.parse``); a 400 naming ``name`` otherwise."""
    out = []
    for value in values:
        try:
            out.append(parse(value))
        except ValueError as err:
            raise bad_param(name, str(err)) from err
    return list(dict.fromkeys(out))


def demand_query_from_args(store: GraphStore) -> DemandQuery:
    """:func:`workflow.selection.demand_query` of this request's ``region``, ``industry``, ``field`` and
    ``status`` query parameters (API and pages alike)."""
    status = (request.args.get("status") or "").strip()
    return demand_query(store, {name: request.args.getlist(name) for name in FILTER_PARAMS},
                        statuses=(status,) if status else (), resolver=app_state().resolver)


def _cap_config() -> dict[str, str]:
    """Which app setting caps which recommendation setting."""
    return {"top_k": "KGMATCH_MAX_TOP_K", "max_candidates": "KGMATCH_MAX_CANDIDATES",
            "text_candidates": "KGMATCH_MAX_CANDIDATES", "semantic_candidates": "KGMATCH_MAX_CANDIDATES",
            "team_count": "KGMATCH_MAX_TEAMS", "team_max_size": "KGMATCH_MAX_TEAMS"}


def capped(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``overrides`` validated by :func:`resolve`, then checked against the app's caps.

    Raises:
        ValidationError: an unknown setting, a wrong type, or a value above its cap.
    """
    resolve(overrides)
    errors = []
    for name, key in _cap_config().items():
        high = int(current_app.config[key])
        if name in overrides and overrides[name] > high:
            errors.append(RowError(None, name, Msg.api.BAD_INT.format(low=0, high=high, value=overrides[name])))
    if errors:
        raise ValidationError.from_errors(errors)
    return dict(overrides)


def parse_settings(args: Mapping[str, str]) -> dict[str, Any]:
    """Query-string settings typed like their defaults (:func:`recommend.config.settings_from_text`, the
    parser the CLI's ``--set`` uses too; unknown names are left for :func:`resolve`)."""
    return settings_from_text(args)
