"""What the JSON blueprints of the workflow share: the caller's name, record pages, typed request bodies.

:class:`Body` reads a JSON body field by field and reports every problem at once, before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import jsonify, request

from api.auth import current_principal
from api.state import app_state
from api.validation import bad_param, check_params, json_object, page_args, page_body
from graph.errors import Msg, RowError, ValidationError
from graph.model import Label
from graph.store import Node, NodeRef
from workflow import push
from workflow.common import record

__all__ = ["Body", "actor", "records_page", "find_page", "choice_arg", "created", "slice_page"]

_TEXT_LIMIT = 5000



def actor() -> str:
    """The name of the signed-in user or API key acting in this request."""
    principal = current_principal()
    return principal.name if principal is not None else ""


def records_page(nodes: Sequence[Node], total: int, page: int, per_page: int) -> dict[str, Any]:
    """A page of records in the shape of every paginated list."""
    return page_body([record(n) for n in nodes], page, per_page, total)


def find_page(label: Label, filters: Iterable[str], *, choices: Mapping[str, Sequence[str]] | None = None) -> Any:
    """``GET`` a filtered page of ``label`` ordered by id: each name of ``filters`` is an exact-match
    query parameter; those in ``choices`` must be one of the values given there."""
    names = tuple(filters)
    choices = choices or {}
    check_params(("page", "per_page", *names))
    page, per_page = page_args()
    props: dict[str, Any] = {}
    for name in names:
        value = choice_arg(name, choices[name]) if name in choices else request.args.get(name, "").strip()
        if value:
            props[name] = value
    found = app_state().store().find_nodes(label, props=props or None, skip=(page - 1) * per_page, limit=per_page)
    return jsonify(records_page(found.nodes, found.total, page, per_page))


def choice_arg(name: str, choices: Sequence[str]) -> str | None:
    """A query parameter that must be one of ``choices`` (``None`` when absent)."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if value not in choices:
        raise bad_param(name, Msg.workflow_api.LABEL.format(choices="、".join(choices), value=value))
    return value


def created(body: Any, *, status: int = 201) -> Any:
    """A JSON response with ``status`` (201 for what a POST created)."""
    response = jsonify(body)
    response.status_code = status
    return response


def slice_page(items: Sequence[Node], page: int, per_page: int) -> dict[str, Any]:
    """A page of a list the workflow returns whole (newest first, not by id)."""
    skip = (page - 1) * per_page
    return records_page(items[skip:skip + per_page], len(items), page, per_page)


class Body:
    """A JSON request body read field by field.

    Every accessor records what is wrong (unknown, missing, wrong type) and returns a
    harmless placeholder; :meth:`check` then raises one ValidationError naming every field,
    before anything is written.
    """

    def __init__(self, allowed: Sequence[str], *, nullable: Sequence[str] = ()) -> None:
        self.data = json_object(nullable)
        self.errors: list[RowError] = []
        unknown = [k for k in self.data if k not in allowed]
        for name in unknown:
            self.fail(name, Msg.workflow_api.UNKNOWN_FIELD.format(allowed="、".join(allowed) or "无"))

    def fail(self, name: str, reason: str) -> None:
        """Record a problem with field ``name`` (also one the view found, such as two fields that exclude each other)."""
        self.errors.append(RowError(None, name, reason))

    def _bad_type(self, name: str, expected: str, value: Any) -> None:
        self.fail(name, Msg.BAD_TYPE.format(expected=expected, value=value))

    def given(self, name: str) -> bool:
        """Whether the body has ``name`` with a value other than null."""
        return self.data.get(name) is not None

    def text(self, name: str, *, required: bool = False, limit: int = _TEXT_LIMIT) -> str:
        """A text field ("" when absent)."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, Msg.REQUIRED)
            return ""
        if not isinstance(value, str):
            self._bad_type(name, Msg.workflow_api.TEXT, value)
            return ""
        if len(value) > limit:
            self.fail(name, Msg.api.TOO_LONG.format(limit=limit))
            return ""
        return value

    def flag(self, name: str, *, required: bool = False) -> bool:
        """A boolean field (false when absent)."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, Msg.REQUIRED)
            return False
        if not isinstance(value, bool):
            self._bad_type(name, Msg.workflow_api.BOOL, value)
            return False
        return value

    def number(self, name: str, *, required: bool = False, integer: bool = False) -> Any:
        """A (finite) number field, or an integer with ``integer``; ``None`` when absent or wrong."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, Msg.REQUIRED)
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or (integer and not float(value).is_integer()):
            self._bad_type(name, Msg.workflow_api.INTEGER if integer else Msg.workflow_api.NUMBER, value)
            return None
        return int(value) if integer else value  # 3.0 is the integer 3, as JSON Schema says

    def texts(self, name: str, *, required: bool = False, limit: int = push.MAX_PUSHES) -> list[str]:
        """A list of non-empty texts, duplicates dropped."""
        value = self.data.get(name)
        if value is None or value == []:
            if required:
                self.fail(name, Msg.REQUIRED)
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._bad_type(name, Msg.workflow_api.TEXTS, value)
            return []
        if len(value) > limit:
            self.fail(name, Msg.workflow_api.TOO_MANY_ITEMS.format(limit=limit, count=len(value)))
            return []
        return list(dict.fromkeys(v.strip() for v in value))

    def _ref(self, name: str, value: Any, labels: Sequence[Label]) -> NodeRef | None:
        names = "|".join(x.value for x in labels)
        if not isinstance(value, dict) or set(value) != {"label", "id"}:
            self._bad_type(name, Msg.workflow_api.REF.format(labels=names), value)
            return None
        label, node_id = value["label"], value["id"]
        if label not in [x.value for x in labels]:
            self.fail(name, Msg.workflow_api.LABEL.format(choices="、".join(x.value for x in labels), value=label))
            return None
        if not isinstance(node_id, str) or not node_id.strip():
            self.fail(f"{name}.id", Msg.REQUIRED if not node_id else Msg.BAD_TYPE.format(expected="文本",
                                                                                         value=node_id))
            return None
        return NodeRef(Label(label), node_id.strip())

    def ref(self, name: str, labels: Sequence[Label]) -> NodeRef | None:
        """A required ``{"label", "id"}`` object whose label is one of ``labels``."""
        value = self.data.get(name)
        if value is None:
            self.fail(name, Msg.REQUIRED)
            return None
        return self._ref(name, value, labels)

    def refs(self, name: str, labels: Sequence[Label], *, limit: int = push.MAX_PUSHES) -> list[NodeRef]:
        """A required, non-empty list of ``{"label", "id"}`` objects (duplicates dropped)."""
        value = self.data.get(name)
        if value is None or value == []:
            self.fail(name, Msg.REQUIRED)
            return []
        if not isinstance(value, list):
            self._bad_type(name, Msg.workflow_api.REF.format(labels="|".join(x.value for x in labels)) + " 的列表", value)
            return []
        if len(value) > limit:
            self.fail(name, Msg.workflow_api.TOO_MANY_ITEMS.format(limit=limit, count=len(value)))
            return []
        found = [self._ref(f"{name}[{i}]", item, labels) for i, item in enumerate(value)]
        return list(dict.fromkeys(r for r in found if r is not None))

    def mapping(self, name: str, *, numbers: bool = False) -> dict[str, Any]:
        """An object ({} when absent); with ``numbers`` each value must be a finite number."""
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._bad_type(name, Msg.workflow_api.OBJECT, value)
            return {}
        if numbers:
            for key, item in value.items():
                if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
                    self._bad_type(f"{name}.{key}", Msg.workflow_api.NUMBER, item)
        return dict(value)

    def check(self) -> None:
        """Raise one ValidationError naming every problem found so far."""
        if self.errors:
            raise ValidationError.from_errors(self.errors)
