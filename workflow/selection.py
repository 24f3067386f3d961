"""Selecting demands by region, field, industry and status: the one implementation behind the demand
lists (JSON API and pages) and list pushes (JSON API, page and ``kgmatch push-list``).

A filter value is an id (``region:330100``), a code (``330100``, ``C3841``, ``40201``) or a name
(``杭州市``, ``浙江省杭州市``), resolved by the importer's resolver (:func:`ingest.resolve.resolve_node`),
and stands for itself and everything below it (:func:`ids_below`): ``region=浙江省`` selects demands
in any city or county of Zhejiang, ``field=ht2016:402`` any of its subfields. The values of one filter
combine with OR, the filters with AND.

A demand is where it is located, or, when it names no region, where its enterprise is (as in the
reports and in the recommendation's region component).

``registry`` selects demands by their enterprise's registry status today (科技型中小企业, 高新技术企业,
专精特新 or one of its levels, 无资质; :mod:`workflow.registry_status`); its values combine with OR too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodePage, NodeRef, RelFilter
from ingest.resolve import Resolver
from workflow.registry_status import enterprises_with, parse_registry_values
from workflow.states import DEMAND

__all__ = ["FILTER_PARAMS", "REGISTRY_PARAM", "OPEN_STATUSES", "MAX_SELECTED", "DemandQuery", "ids_below", "label_param",
           "demand_query", "select_demands", "find_demands"]

MAX_SELECTED = 5000
"""At most this many demands are selected at once."""
OPEN_STATUSES: tuple[str, ...] = tuple(DEMAND.states[:2])
"""待对接, 对接中: the demands a push may still go out for."""

_MAX_FILTER_IDS = 20_000
_PAGE = 1000
_TEXT = "文本"
_HIERARCHIES = (  # a filter's name, what it names, how a demand links to that, and how its hierarchy points up
    ("region", Label.REGION, RelType.LOCATED_IN, RelType.PART_OF),
    ("industry", Label.INDUSTRY, RelType.IN_INDUSTRY, RelType.PART_OF),
    ("field", Label.FIELD, RelType.NEEDS, RelType.SUBFIELD_OF),
)

REGISTRY_PARAM = "registry"
"""The filter by the posting enterprise's registry status (issue 16)."""
FILTER_PARAMS = (*(name for name, *_ in _HIERARCHIES), REGISTRY_PARAM)
"""The filters of a demand selection (hierarchies, then the registry status); ``status`` is a plain property."""


@dataclass(frozen=True)
class DemandQuery:
    """A resolved selection: field and industry filters, the region ids (each with everything below;
    empty: any region) and the statuses (empty: any)."""

    related: tuple[RelFilter, ...] = ()
    regions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    nothing: bool = False  # a registry filter that no enterprise meets: no demand is selected

    @property
    def empty(self) -> bool:
        """No region, field, industry or registry filter (status alone does not count)."""
        return not self.related and not self.regions and not self.nothing


def ids_below(store: GraphStore, label: Label, root: str, rel_type: RelType) -> tuple[str, ...]:
    """``root`` and every node of ``label`` below it (following ``rel_type``, which points up, backwards),
    sorted; at most about 20 000 of them."""
    seen, frontier = {root}, [root]
    while frontier and len(seen) < _MAX_FILTER_IDS:
        pairs = store.expand([NodeRef(label, i) for i in frontier], direction=Direction.IN, rel_types=[rel_type],
                             labels=[label])
        frontier = sorted({nb.node.id for _, nb in pairs} - seen)
        seen.update(frontier)
    return tuple(sorted(seen))


def label_param(label: Label) -> str:
    """The filter (query parameter, body field) that selects by ``label``."""
    return next(name for name, named, *_ in _HIERARCHIES if named is label)


def _texts(raw: Any) -> list[str] | None:
    """A text or a list of texts, each comma-separated, as the values; ``None`` for anything else."""
    if raw is None or isinstance(raw, str):
        texts = [raw] if raw else []
    elif isinstance(raw, (list, tuple)) and all(isinstance(t, str) for t in raw):
        texts = list(raw)
    else:
        return None
    return [v.strip() for text in texts for v in text.split(",") if v.strip()]


def demand_query(store: GraphStore, values: Mapping[str, Any], *, statuses: Iterable[str] = (),
                 resolver: Resolver | Callable[[], Resolver] | None = None, prefix: str = "") -> DemandQuery:
    """The selection named by the ``region``, ``industry`` and ``field`` of ``values`` (other keys are
    the caller's), each a text or a list of texts (query parameters, JSON bodies and CLI options alike).

    ``resolver`` (or a function that returns one, called only when a value is not an id; the app
    passes its cached one) defaults to a new :class:`~ingest.resolve.Resolver` of ``store``.

    Raises:
        ValidationError: every value that is not text or names nothing, each naming its field
            (``prefix`` + the filter's name, e.g. ``filters.region``) in Chinese.
    """
    found: Resolver | None = resolver if isinstance(resolver, Resolver) else None
    errors: list[RowError] = []
    related: list[RelFilter] = []
    regions: tuple[str, ...] = ()
    for name, label, link, hierarchy in _HIERARCHIES:
        texts = _texts(values.get(name))
        if texts is None:
            errors.append(RowError(None, prefix + name, Msg.BAD_TYPE.format(expected=_TEXT, value=values.get(name))))
            continue
        ids: set[str] = set()
        for value in texts:
            try:
                if store.get_node(label, value) is not None:
                    root = value
                else:
                    found = found or (resolver() if callable(resolver) else Resolver(store))
                    root = found.lookup(label, value)
            except ValueError as err:
                errors.append(RowError(None, prefix + name, str(err)))
                continue
            ids.update(ids_below(store, label, root, hierarchy))
        if not ids:
            continue
        if label is Label.REGION:
            regions = tuple(sorted(ids))
        else:
            related.append(RelFilter(link, label, tuple(sorted(ids))))
    nothing = False
    registry = _texts(values.get(REGISTRY_PARAM))
    if registry is None:
        errors.append(RowError(None, prefix + REGISTRY_PARAM,
                               Msg.BAD_TYPE.format(expected=_TEXT, value=values.get(REGISTRY_PARAM))))
    elif registry:
        try:
            chosen = parse_registry_values(registry, prefix + REGISTRY_PARAM)
        except ValidationError as err:
            errors.extend(err.errors)
        else:
            holders = enterprises_with(store, chosen)
            nothing = not holders
            if holders:
                related.append(RelFilter(RelType.POSTED, Label.ENTERPRISE, holders, Direction.IN))
    if errors:
        raise ValidationError.from_errors(errors)
    return DemandQuery(tuple(related), regions, tuple(statuses), nothing)


def _find_all(store: GraphStore, label: Label, related: Sequence[RelFilter], limit: int) -> list[Node]:
    found: list[Node] = []
    while len(found) < limit:
        page = store.find_nodes(label, related=related, skip=len(found), limit=_PAGE).nodes
        found += page
        if len(page) < _PAGE:
            break
    return found


def _status(node: Node) -> str:
    return str(node.props.get("status") or DEMAND.initial)


def select_demands(store: GraphStore, query: DemandQuery, *, limit: int = MAX_SELECTED) -> list[Node]:
    """The demands ``query`` selects, ordered by id (at most about ``limit``): in any of its regions
    (located there, or without a region of their own and posted by an enterprise located there), with
    its field and industry filters, whose status is one of its statuses."""
    if query.nothing:
        return []
    related = list(query.related)
    if query.regions:
        inside = RelFilter(RelType.LOCATED_IN, Label.REGION, query.regions)
        found = {d.id: d for d in _find_all(store, Label.DEMAND, [*related, inside], limit)}
        enterprises = tuple(e.id for e in _find_all(store, Label.ENTERPRISE, [inside], limit))
        if enterprises:
            posted = _find_all(store, Label.DEMAND,
                               [*related, RelFilter(RelType.POSTED, Label.ENTERPRISE, enterprises, Direction.IN)], limit)
            located = {ref.id for ref, _ in store.expand([d.ref for d in posted], direction=Direction.OUT,
                                                          rel_types=[RelType.LOCATED_IN], labels=[Label.REGION])}
            found.update({d.id: d for d in posted if d.id not in located})
        demands = [found[i] for i in sorted(found)]
    else:
        demands = _find_all(store, Label.DEMAND, related, limit)
    if query.statuses:
        demands = [d for d in demands if _status(d) in query.statuses]
    return demands


def find_demands(store: GraphStore, query: DemandQuery, *, skip: int = 0, limit: int) -> NodePage:
    """One page of :func:`select_demands` (ordered by id) and the total."""
    if query.nothing:
        return NodePage([], 0)
    if not query.regions and len(query.statuses) <= 1:  # the store pages it itself
        props = {"status": query.statuses[0]} if query.statuses else None
        return store.find_nodes(Label.DEMAND, props=props, related=list(query.related), skip=skip, limit=limit)
    selected = select_demands(store, query)
    return NodePage(selected[skip:skip + limit], len(selected))
