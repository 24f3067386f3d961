"""Which demands a filter selects: by region, industry and field, each a code, a name or an id standing
for itself and everything below it in its hierarchy.

The JSON API, the pages and the CLI select demands through these functions (one implementation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, NodeRef, RelFilter
from ingest.mapping import FIELD_SCHEME_ORDER
from ingest.resolve import Resolver

__all__ = ["FILTER_PARAMS", "demand_filters", "ids_below", "label_param"]

_MAX_FILTER_IDS = 20_000
_TEXT = "文本"
_KIND = "demand"
_HIERARCHIES = (  # a filter's name, what it names, how a demand links to that, and how its hierarchy points up
    ("region", Label.REGION, RelType.LOCATED_IN, RelType.PART_OF),
    ("industry", Label.INDUSTRY, RelType.IN_INDUSTRY, RelType.PART_OF),
    ("field", Label.FIELD, RelType.NEEDS, RelType.SUBFIELD_OF),
)

FILTER_PARAMS = tuple(name for name, *_ in _HIERARCHIES)
"""The hierarchical filters of a demand list (:func:`demand_filters`); ``status`` is a plain property."""


def ids_below(store: GraphStore, label: Label, root: str, rel_type: RelType) -> tuple[str, ...]:
    """``root`` and every node of ``label`` below it (following ``rel_type``, which points up, backwards),
    sorted; at most about ``_MAX_FILTER_IDS`` of them."""
    seen, frontier = {root}, [root]
    while frontier and len(seen) < _MAX_FILTER_IDS:
        pairs = store.expand([NodeRef(label, i) for i in frontier], direction=Direction.IN, rel_types=[rel_type],
                             labels=[label])
        frontier = sorted({nb.node.id for _, nb in pairs} - seen)
        seen.update(frontier)
    return tuple(sorted(seen))


def label_param(label: Label) -> str:
    """The query parameter (or body field) that filters by ``label``."""
    return next(name for name, named, *_ in _HIERARCHIES if named is label)


def _lookup(resolver: Resolver, label: Label, value: str) -> str:
    """The id the importer's resolver finds for a code or name of ``label`` (ValueError when none)."""
    if label is Label.REGION:
        return resolver.region(value)
    if label is Label.INDUSTRY:
        return resolver.industry(value)
    return resolver.field(value, FIELD_SCHEME_ORDER[_KIND])


def demand_filters(store: GraphStore, values: Mapping[str, Any], *,
                   resolver: Resolver | Callable[[], Resolver] | None = None, prefix: str = "") -> list[RelFilter]:
    """The relationship filters of a demand list, from the ``region``, ``industry`` and ``field`` of
    ``values`` (other keys are the caller's).

    Each is a text or a list of texts, any of them comma-separated (query parameters and JSON
    bodies alike). A value is an id, or a code or exact name resolved like the importer resolves
    it, and stands for itself and everything below it (:func:`ids_below`); the values of one
    filter combine with OR, the filters with AND. ``resolver`` (or a function that returns one,
    called only when a value is not an id; the app passes its cached one) defaults to a new
    :class:`~ingest.resolve.Resolver` of ``store``.

    Raises:
        ValidationError: every value that is not text or names nothing, each naming its field
            (``prefix`` + the filter's name, e.g. ``filters.region``) in Chinese.
    """
    found: Resolver | None = resolver if isinstance(resolver, Resolver) else None
    errors: list[RowError] = []
    filters: list[RelFilter] = []
    for name, label, link, hierarchy in _HIERARCHIES:
        raw = values.get(name)
        if raw is None or isinstance(raw, str):
            texts = [raw] if raw else []
        elif isinstance(raw, (list, tuple)) and all(isinstance(t, str) for t in raw):
            texts = list(raw)
        else:
            errors.append(RowError(None, prefix + name, Msg.BAD_TYPE.format(expected=_TEXT, value=raw)))
            continue
        ids: set[str] = set()
        for value in (v.strip() for text in texts for v in text.split(",") if v.strip()):
            try:
                if store.get_node(label, value) is not None:
                    root = value
                else:
                    found = found or (resolver() if callable(resolver) else Resolver(store))
                    root = _lookup(found, label, value)
            except ValueError as err:
                errors.append(RowError(None, prefix + name, str(err)))
                continue
            ids.update(ids_below(store, label, root, hierarchy))
        if ids:
            filters.append(RelFilter(link, label, tuple(sorted(ids))))
    if errors:
        raise ValidationError.from_errors(errors)
    return filters
