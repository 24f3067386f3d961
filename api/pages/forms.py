"""What the workflow and service pages share: a posted form, its refusals, friendly references and lists.

A page form is read from the post (:func:`read_form`), checked input by input
(:meth:`PageForm.fail`), then handed to :mod:`workflow`, which validates everything before
it writes; :func:`attempt` turns a refusal into the form's problems (a ValidationError's
fields next to their inputs with HTTP 400, anything else as an alert with its own status:
409 for stored state, 404 for an unknown id). The view shows the page again with the form,
or on success flashes a message and redirects (:func:`done`, post/redirect/get).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Response, current_app, flash, redirect, request
from werkzeug.datastructures import MultiDict

from api.auth import current_principal
from api.pages.base import page_links, page_number
from api.validation import not_found
from graph.errors import ConflictError, KgmatchError, Msg, NotFoundError, ValidationError
from graph.model import NODE_SPECS, Label
from graph.store import GraphStore, Node, NodePage

__all__ = ["PageForm", "read_form", "attempt", "done", "actor_name", "resolve_named", "resolve_into",
           "node_or_404", "field_catalog", "catalog_ids", "node_row", "label_zh", "ListPage", "history_rows", "all_nodes", "status_counts", "choice_errors",
           "filter_errors", "REFUSED"]

log = logging.getLogger(__name__)

T = TypeVar("T")

REFUSED = (ValidationError, NotFoundError, ConflictError)
"""The workflow refusals a form shows again (anything else is an error page)."""

_NAME_WORD = {Label.EXPERT: ("位", "姓名")}
"""How a person is counted and named in the messages of :func:`resolve_named` (else 个, 名称)."""


@dataclass
class PageForm:
    """One posted form: its name, values, problems per input (Chinese), and a refusal of the whole form.

    ``name`` tells a page with several forms which one to show again (e.g. ``"answer:<push id>"``).
    """

    name: str
    values: MultiDict[str, Any] = field(default_factory=MultiDict)
    inputs: tuple[str, ...] = ()
    errors: dict[str, list[str]] = field(default_factory=dict)
    alert: str = ""
    status: int = 200

    def __post_init__(self) -> None:
        if not isinstance(self.values, MultiDict):
            self.values = MultiDict(self.values)

    def fail(self, name: str, reason: str, *, status: int = 400) -> None:
        """A problem of one input (or of the whole form, when ``name`` is not one of its inputs)."""
        if name in self.inputs:
            self.errors.setdefault(name, []).append(reason)
        else:
            self.alert = "；".join(t for t in (self.alert, reason) if t)
        self.status = max(self.status, status)

    def take(self, err: KgmatchError) -> None:
        """Show a workflow refusal: a ValidationError's fields next to their inputs, anything else as an alert."""
        if isinstance(err, ValidationError) and err.errors:
            for e in err.errors:
                self.fail(e.field, e.reason if e.field in self.inputs else err.message)
        else:
            self.fail("", err.message, status=err.status)

    def value(self, name: str, default: Any = "") -> Any:
        """What was typed into ``name`` (``default`` when it was not posted)."""
        return self.values.get(name, default)

    def picked(self, name: str) -> list[Any]:
        """Every value of ``name`` (a checkbox group)."""
        return self.values.getlist(name)

    def require(self, *names: str) -> None:
        """Each of ``names`` must not be empty."""
        for name in names:
            if not self.value(name):
                self.fail(name, Msg.pages.REQUIRED)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.errors and not self.alert

    @property
    def note(self) -> str:
        """The alert above the form: the refusal, or how many inputs need a change."""
        count = sum(len(v) for v in self.errors.values())
        parts = [self.alert] if self.alert else []
        if count:
            parts.append(Msg.pages.FORM_HAS_ERRORS.format(count=count))
        return " ".join(parts)


def read_form(name: str, *inputs: str) -> PageForm:
    """The posted form: every value stripped, a checkbox group keeps every value, the CSRF token left out."""
    values: MultiDict[str, str] = MultiDict([(k, v.strip()) for k, v in request.form.items(multi=True)
                                             if k != "csrf_token"])
    return PageForm(name, values, inputs)


def attempt(form: PageForm, action: Callable[[], T]) -> T | None:
    """Run a workflow operation; ``None`` with the refusal put on ``form``."""
    try:
        return action()
    except REFUSED as err:
        log.info("page form %s refused: %s", form.name, err.message)
        form.take(err)
        return None


def done(url: str, *messages: str) -> Response:
    """Post/redirect/get: flash each message, then see ``url`` (303)."""
    for message in messages:
        flash(message, "success")
    return redirect(url, code=303)


def actor_name() -> str:
    """Who is acting, as the workflow records it."""
    principal = current_principal()
    return principal.name if principal is not None else ""


# -- friendly references ------------------------------------------------------------------------------------
def resolve_named(store: GraphStore, label: Label, value: str) -> str:
    """The id of a node (an expert, a team) given by its id or exact name.

    Raises:
        ValueError: unknown, or several of that name (Chinese reason naming their ids).
    """
    text = value.strip()
    if store.get_node(label, text) is not None:
        return text
    what = NODE_SPECS[label].zh
    unit, name_word = _NAME_WORD.get(label, ("个", "名称"))
    named = store.find_nodes(label, props={"name": text}, limit=6) if text else None
    if named is None or not named.nodes:
        raise ValueError(Msg.pages.UNKNOWN_NAMED.format(what=what, value=value, name=name_word))
    if named.total == 1:
        return named.nodes[0].id
    raise ValueError(Msg.pages.SAME_NAME.format(count=named.total, unit=unit, what=what, value=value,
                                              choices="、".join(n.id for n in named.nodes[:5])))


def resolve_into(form: PageForm, name: str, resolve: Callable[[str], T], *, value: str | None = None) -> T | None:
    """Resolve the reference typed into ``name`` (or ``value``, one of several typed into it).

    ``None`` with the problem put on ``form``: empty, or ``resolve`` raised a ValueError.
    """
    text = form.value(name) if value is None else value
    if not text:
        form.fail(name, Msg.pages.REQUIRED)
        return None
    try:
        return resolve(text)
    except ValueError as err:
        form.fail(name, str(err))
        return None


def field_catalog(store: GraphStore) -> list[tuple[str, list[tuple[str, str]]]]:
    """The stored 2016 taxonomy's second-level fields under their first-level names, in code order:
    ``[(first-level name, [(field id, name), …]), …]``: what the intake form's 「另选领域」 and a demand page's
    「更正技术领域」 offer."""
    level1 = {n.props.get("code"): n.name for n in store.find_nodes(
        Label.FIELD, props={"scheme": "ht2016", "level": 1}, limit=100).nodes}
    groups: dict[str, list[tuple[str, str]]] = {}
    for n in sorted(store.find_nodes(Label.FIELD, props={"scheme": "ht2016", "level": 2}, limit=1000).nodes,
                    key=lambda n: str(n.props.get("code"))):
        code = str(n.props.get("code"))
        groups.setdefault(level1.get(code[:2]) or code[:2], []).append((n.id, f"{code} {n.name}"))
    return list(groups.items())


def catalog_ids(catalog: list[tuple[str, list[tuple[str, str]]]]) -> set[str]:
    """The field ids a :func:`field_catalog` offers (what a posted pick must be one of)."""
    return {ident for _, group in catalog for ident, _ in group}


def node_or_404(store: GraphStore, label: Label, node_id: str) -> Node:
    """The node, or a Chinese 404."""
    node = store.get_node(label, node_id)
    if node is None:
        raise not_found(label, node_id)
    return node


def node_row(node: Node, **extra: Any) -> dict[str, Any]:
    """A node as a template row: its id, its properties and ``extra``."""
    return {"id": node.id, **node.props, **extra}


def label_zh(value: Any) -> str:
    """The Chinese name of a label value (the value itself when it is no label)."""
    try:
        return NODE_SPECS[Label(value)].zh
    except ValueError:
        return str(value or "")


# -- lists ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListPage:
    """The page of a list the request asks for (``?page=``, the configured page size) and its links."""

    endpoint: str
    page: int
    per_page: int

    @classmethod
    def of_request(cls, endpoint: str) -> ListPage:
        """The request's page of the list at ``endpoint``."""
        return cls(endpoint, page_number(request.args), int(current_app.config["KGMATCH_PER_PAGE"]))

    @property
    def skip(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.per_page

    def newest(self, nodes: Iterable[Node]) -> list[Node]:
        """This page of ``nodes`` sorted newest first (by ``created_at``, then id)."""
        ordered = sorted(nodes, key=lambda n: (str(n.props.get("created_at") or ""), n.id), reverse=True)
        return ordered[self.skip:self.skip + self.per_page]

    def links(self, total: int) -> dict[str, Any]:
        """The pager of :func:`api.pages.base.page_links` (the request's filters kept)."""
        return page_links(self.endpoint, request.args, self.page, total, self.per_page)

    @staticmethod
    def filters(choices: Mapping[str, Sequence[str] | None], **defaults: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The request's filter values (stripped; ``defaults[name]`` when empty) and the problems of those whose
        value is not one of its ``choices`` (:func:`choice_errors`; ``None`` takes any text)."""
        values = {name: request.args.get(name, "").strip() or defaults.get(name, "") for name in choices}
        errors: dict[str, list[str]] = {}
        for name, options in choices.items():
            if options is not None:
                errors.update(choice_errors(name, values[name], options))
        return values, errors

    def find(self, store: GraphStore, label: Label, props: Mapping[str, str], errors: Mapping[str, Any]) -> NodePage:
        """This page of the nodes of ``label`` whose properties equal the non-empty ``props``; an empty
        page when a filter was refused (``errors``)."""
        if errors:
            return NodePage([], 0)
        wanted = {k: v for k, v in props.items() if v}
        return store.find_nodes(label, props=wanted or None, skip=self.skip, limit=self.per_page)


def history_rows(entries: Iterable[Any] | None) -> list[dict[str, str]]:
    """A workflow node's ``history`` lines (``time status actor reason``) as rows.

    >>> history_rows(["2026-12-01T10:00 发布 张三 首次发布"])
    [{'at': '2026-12-01T10:00', 'status': '发布', 'actor': '张三', 'reason': '首次发布'}]
    """
    rows = []
    for entry in entries or ():
        parts = str(entry).split(" ", 3) + ["", "", ""]
        rows.append({"at": parts[0], "status": parts[1], "actor": parts[2], "reason": parts[3]})
    return rows


def all_nodes(store: GraphStore, label: Label, props: Mapping[str, str] | None) -> list[Node]:
    """Every node of ``label`` whose properties equal ``props`` (workflow lists are short enough to sort in memory)."""
    wanted = dict(props or {})
    return [n for n in store.all_nodes(label) if all(n.props.get(k) == v for k, v in wanted.items())]


def status_counts(store: GraphStore, label: Label, statuses: Sequence[str]) -> dict[str, int]:
    """How many nodes of ``label`` are in each status."""
    return {s: store.find_nodes(label, props={"status": s}, limit=0).total for s in statuses}


def choice_errors(name: str, value: str, choices: Sequence[str]) -> dict[str, list[str]]:
    """The problem of a filter ``name`` whose ``value`` is not one of ``choices`` (none for empty)."""
    if not value or value in choices:
        return {}
    return {name: [Msg.pages.BAD_OPTION.format(choices="、".join(choices), value=value)]}


def filter_errors(err: ValidationError, *, fields: Collection[str] | None = None,
                  other: str = "") -> dict[str, list[str]]:
    """A refused filter's reasons per input; a reason for a field not in ``fields`` goes to ``other``."""
    errors: dict[str, list[str]] = {}
    for e in err.errors:
        errors.setdefault(e.field if fields is None or e.field in fields else other, []).append(e.reason)
    return errors
