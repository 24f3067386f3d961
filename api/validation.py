"""What the API blueprints share: query parsing, pagination, node JSON, contact masking and audit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import current_app, request

from api.app import app_state
from api.auth import Permission, current_principal, may
from api.errors import ApiMsg
from graph.errors import Msg, NotFoundError, RowError, ValidationError
from graph.model import NODE_SPECS, Label
from graph.store import Node

__all__ = [
    "parse_choices",
    "CONTACT_FIELDS",
    "mask_phone",
    "mask_email",
    "bad_param",
    "int_arg",
    "list_arg",
    "check_params",
    "page_args",
    "page_body",
    "json_object",
    "not_found",
    "present_props",
    "audit_contacts",
    "present_nodes",
    "ref_json",
]

log = logging.getLogger(__name__)

EMPTY_PARAM = "不能为空（不筛选或用默认值时请省略该参数）"
"""An empty query parameter (``?page=``) is refused like the document says, not read as the default."""

CONTACT_FIELDS = ("phone", "email")
"""Properties shown masked unless the caller has ``contact:read`` (every unmasked view is audited)."""


def mask_phone(value: str) -> str:
    """Keep the first three and last four characters of a phone number.

    >>> mask_phone("13800000001")
    '138****0001'
    >>> mask_phone("12345")
    '****'
    """
    text = str(value).strip()
    return f"{text[:3]}****{text[-4:]}" if len(text) >= 8 else "****"


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain.

    >>> mask_email("zhang.wei@example.com")
    'z***@example.com'
    >>> mask_email("not-an-email")
    '****'
    """
    local, at, domain = str(value).strip().partition("@")
    return f"{local[:1]}***@{domain}" if at and local and domain else "****"


_MASKS = {"phone": mask_phone, "email": mask_email}


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
        raise bad_param(name, ApiMsg.BAD_INT.format(low=low, high=high, value=raw))
    return value


def list_arg(name: str) -> list[str]:
    """A list query parameter: repeated (``?x=a&x=b``) or comma-separated (``?x=a,b``)."""
    return [v.strip() for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]


def check_params(allowed: Iterable[str]) -> None:
    """Refuse query parameters this endpoint does not know (a typo should not be ignored)."""
    known = set(allowed)
    errors = [RowError(None, name, ApiMsg.UNKNOWN_PARAM) for name in request.args if name not in known]
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


def json_object() -> dict[str, Any]:
    """The request body as a JSON object.

    Raises:
        ValidationError: not JSON, or not an object.
    """
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError(ApiMsg.NOT_JSON, errors=[RowError(None, "body", ApiMsg.NOT_JSON)])
    return body


def not_found(label: Label, node_id: str) -> NotFoundError:
    """The 404 for a missing node, in Chinese."""
    return NotFoundError(Msg.NOT_FOUND.format(label=NODE_SPECS[label].zh, id=node_id))


def present_props(props: Mapping[str, Any], *, reveal: bool) -> tuple[dict[str, Any], list[str]]:
    """The properties to send, contact fields masked unless ``reveal``; and which contact fields
    were sent unmasked."""
    out = dict(props)
    shown = []
    for name in CONTACT_FIELDS:
        value = out.get(name)
        if value in (None, ""):
            continue
        if reveal:
            shown.append(name)
        else:
            out[name] = _MASKS[name](value)
    return out, shown


def audit_contacts(viewed: Sequence[tuple[Node, list[str]]]) -> None:
    """Record each node whose contact fields this response shows unmasked."""
    principal = current_principal()
    events = [{"action": "contact.view", "actor": principal.name if principal else None,
               "actor_kind": principal.kind if principal else None,
               "role": principal.role.value if principal else None, "label": node.label.value, "id": node.id,
               "fields": fields, "method": request.method, "path": request.path, "ip": request.remote_addr}
              for node, fields in viewed if fields]
    if events:
        app_state().audit.append(events)
        log.info("audit: %d unmasked contact views by %s", len(events), events[0]["actor"])


def present_nodes(nodes: Sequence[Node]) -> list[dict[str, Any]]:
    """Nodes as JSON (``label``, ``id``, ``name``, ``props``, ``masked``), contacts masked or audited."""
    reveal = may(Permission.CONTACT_READ)
    out, viewed = [], []
    for node in nodes:
        props, shown = present_props(node.props, reveal=reveal)
        viewed.append((node, shown))
        masked = not reveal and any(node.props.get(f) not in (None, "") for f in CONTACT_FIELDS)
        out.append({"label": node.label.value, "id": node.id, "name": node.name, "props": props, "masked": masked})
    audit_contacts(viewed)
    return out


def ref_json(node: Node) -> dict[str, str]:
    """A short reference to a node: id and name."""
    return {"id": node.id, "name": node.name}


def parse_choices(values: list[str], parse: Any, name: str) -> list[Any]:
    """Enum members named by ``values`` (``Label.parse`` / ``RelType.parse``); a 400 naming ``name`` otherwise."""
    out = []
    for value in values:
        try:
            out.append(parse(value))
        except ValueError as err:
            raise bad_param(name, str(err)) from err
    return list(dict.fromkeys(out))
