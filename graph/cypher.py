"""Every Cypher statement of the Neo4j store, in one place.

Values are always parameters. Labels and relationship types cannot be parameters
in Cypher, so the builders take :class:`~graph.model.Label` / :class:`~graph.model.RelType`
members only — values that passed the model's enums, never request data — and
backquote them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from graph.model import Label, RelType

__all__ = [
    "SCHEMA_PATH",
    "schema_statements",
    "upsert_nodes",
    "upsert_node_one",
    "upsert_rel_one",
    "missing_endpoints",
    "upsert_rels",
    "delete_type",
    "lock_nodes",
    "node_versions",
    "get_nodes",
    "list_nodes",
    "expand",
    "ties",
    "count_label",
    "unlink",
    "count_subset",
    "count_type",
    "find_nodes",
    "FULLTEXT_INDEX",
    "SEARCH_FULLTEXT",
    "FULLTEXT_LABELS",
    "DROP_FULLTEXT",
    "search_scan",
    "CLEAR_RELS",
    "CLEAR_NODES",
    "CLEAR_ALL",
    "PING",
]

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.cypher"


def _label(label: Label) -> str:
    return f"`{Label.parse(label).value}`"


def _type(rel_type: RelType) -> str:
    return f"`{RelType.parse(rel_type).value}`"


def schema_statements(path: Path = SCHEMA_PATH) -> list[str]:
    """The statements of ``schema.cypher``: ``//`` comments dropped, split on ``;`` at line ends."""
    text = re.sub(r"^\s*//.*$", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [s.strip() for s in re.split(r";\s*$", text, flags=re.MULTILINE) if s.strip()]


def upsert_nodes(label: Label) -> str:
    """Merge ``$rows`` (``{id, props}``) on the key; ``SET +=`` merges, a null removes."""
    return f"UNWIND $rows AS row MERGE (n:{_label(label)} {{id: row.id}}) SET n += row.props"


def create_node(label: Label) -> str:
    """Create the node ``$id`` (fails on the unique constraint when it exists: an atomic create)."""
    return f"CREATE (n:{_label(label)} {{id: $id}})"


def lock_nodes(label: Label) -> str:
    """Take the write lock of each node ``$ids`` names (a dummy write, undone in the same statement).

    Reads after this statement in the same transaction see the latest committed
    values: a concurrent writer of the same node waits until we commit or roll back.
    """
    return (f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) "
            "SET n._kgmatch_lock = true REMOVE n._kgmatch_lock RETURN count(n) AS locked")


def node_versions(label: Label) -> str:
    """The ``version`` of each node ``$ids`` names (0 when unset); missing nodes are absent."""
    return (f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) "
            "RETURN n.id AS id, coalesce(n.version, 0) AS version")


def upsert_node_one(label: Label) -> str:
    """One node per statement (``$id``, ``$props``): only for the UNWIND-vs-per-row benchmark."""
    return f"MERGE (n:{_label(label)} {{id: $id}}) SET n += $props"


def upsert_rel_one(rel_type: RelType, start: Label, end: Label) -> str:
    """One relationship per statement: only for the UNWIND-vs-per-row benchmark."""
    return (f"MATCH (a:{_label(start)} {{id: $start}}) MATCH (b:{_label(end)} {{id: $end}}) "
            f"MERGE (a)-[r:{_type(rel_type)}]->(b) SET r += $props")


def missing_endpoints(start: Label, end: Label) -> str:
    """Rows of ``$rows`` (``{i, start, end}``) whose start or end node does not exist."""
    return (
        f"UNWIND $rows AS row "
        f"OPTIONAL MATCH (a:{_label(start)} {{id: row.start}}) "
        f"OPTIONAL MATCH (b:{_label(end)} {{id: row.end}}) "
        f"WITH row, a IS NULL AS no_start, b IS NULL AS no_end WHERE no_start OR no_end "
        f"RETURN row.i AS i, row.start AS start, row.end AS end, no_start, no_end ORDER BY i LIMIT 1000"
    )


def upsert_rels(rel_type: RelType, start: Label, end: Label) -> str:
    """Merge ``$rows`` (``{start, end, props}``) as relationships between existing nodes; ``n`` is how
    many rows found both ends (fewer than the rows: some end is missing, see :func:`missing_endpoints`)."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{_label(start)} {{id: row.start}}) MATCH (b:{_label(end)} {{id: row.end}}) "
        f"MERGE (a)-[r:{_type(rel_type)}]->(b) SET r += row.props RETURN count(*) AS n"
    )


def delete_type(rel_type: RelType) -> str:
    """Delete every relationship of one type (inside the caller's transaction)."""
    return f"MATCH ()-[r:{_type(rel_type)}]->() DELETE r"


def unlink(rel_type: RelType, start: Label, end: Label) -> str:
    """Delete every ``rel_type`` relationship from the ``start`` node ``$id`` to a node of ``end`` (inside the caller's
    transaction)."""
    return f"MATCH (:{_label(start)} {{id: $id}})-[r:{_type(rel_type)}]->(:{_label(end)}) DELETE r"


def get_nodes(label: Label) -> str:
    """The nodes of ``label`` whose ids are in ``$ids``."""
    return f"MATCH (n:{_label(label)}) WHERE n.id IN $ids RETURN n.id AS id, properties(n) AS props"


def list_nodes(label: Label, *, after: bool = False) -> str:
    """A page (``$skip``, ``$limit``) of nodes of ``label`` ordered by id; with ``after``, only ids
    greater than ``$after`` (a range seek on the id constraint's index)."""
    where = "WHERE n.id > $after " if after else ""
    return (f"MATCH (n:{_label(label)}) {where}RETURN n.id AS id, properties(n) AS props "
            f"ORDER BY n.id SKIP $skip LIMIT $limit")


def expand(label: Label, *, outgoing: bool, limited: bool = False, node_props: bool | str = True,
           rel_types: Sequence[RelType] | None = None) -> str:
    """Relationships of the nodes of ``label`` with ids ``$ids``, one direction, filtered by
    ``$types`` and ``$labels`` (null = any); with ``rel_types``, those types are in the pattern instead of ``$types``
    (issue 17: the planner then expands only them, a dense node's relationship groups of those types, where the
    ``$types`` filter walked every relationship of a field with thousands of experts: 7,480 db hits for 6 rows).

    With ``limited``, at most ``$limit`` per node, heaviest ``weight`` first (missing = 1.0),
    ties by type, label and id: the per-node subquery stops early instead of shipping every
    neighbour's properties. Without ``node_props`` the other end's properties come back empty
    (callers that need only ids and the relationship); ``node_props="keys"``: the values of the
    properties named in ``$keys``, as a list in that order (null where missing).
    """
    typed = f":{'|'.join(_type(t) for t in sorted(set(rel_types)))}" if rel_types else ""
    pattern = f"(n)-[r{typed}]->(m)" if outgoing else f"(n)<-[r{typed}]-(m)"
    where = ("WHERE " if typed else "WHERE ($types IS NULL OR type(r) IN $types) AND ") \
        + "($labels IS NULL OR labels(m)[0] IN $labels) "
    ret = ("RETURN n.id AS from_id, type(r) AS type, properties(r) AS rel_props, "
           f"labels(m)[0] AS label, m.id AS id, {_other_props(node_props)} AS props")
    if not limited:
        return f"MATCH (n:{_label(label)}) WHERE n.id IN $ids MATCH {pattern} {where}{ret}"
    return (
        f"MATCH (n:{_label(label)}) WHERE n.id IN $ids "
        f"CALL (n) {{ MATCH {pattern} {where}"
        f"WITH r, m ORDER BY coalesce(r.weight, 1.0) DESC, type(r), labels(m)[0], m.id LIMIT $limit RETURN r, m }} "
        f"{ret}"
    )


def ties(label: Label, rel_type: RelType) -> str:
    """The relationships of one type from a node of ``label`` with id in ``$ids`` to another such node."""
    return (f"MATCH (n:{_label(label)}) WHERE n.id IN $ids MATCH (n)-[r:{_type(rel_type)}]->(m:{_label(label)}) "
            "WHERE m.id IN $ids RETURN n.id AS start, m.id AS end, properties(r) AS props")


def _other_props(node_props: bool | str) -> str:
    if node_props == "keys":
        return "[k IN $keys | m[k]]"
    return "properties(m)" if node_props else "{}"


def count_subset(labels: Sequence[Label], rel_types: Sequence[RelType]) -> str:
    """Counts of some labels and relationship types in one statement (each from the count store)."""
    parts = [f"COUNT {{ MATCH (:{_label(x)}) }}" for x in labels]
    parts += [f"COUNT {{ MATCH ()-[:{_type(t)}]->() }}" for t in rel_types]
    return f"RETURN [{', '.join(parts) or ''}] AS counts"


GRAPH_COUNTS = "CALL db.stats.retrieve('GRAPH COUNTS') YIELD data RETURN data.nodes AS nodes, data.relationships AS rels"
"""Every label's and relationship type's count from the count store in one call: one plan, where a query per label
and type needs ~45 plans (4.5 s for the first ``kgmatch stats`` after a server start at 10×, 0.4 s this way)."""


def count_label(label: Label) -> str:
    """Nodes of one label (answered from Neo4j's count store)."""
    return f"MATCH (n:{_label(label)}) RETURN count(n) AS c"


def count_type(rel_type: RelType) -> str:
    """Relationships of one type (answered from Neo4j's count store)."""
    return f"MATCH ()-[r:{_type(rel_type)}]->() RETURN count(r) AS c"


def find_nodes(label: Label, related: Sequence[tuple[RelType, bool | None, Label]], *, count: bool) -> str:
    """Nodes of ``label`` whose properties match ``$props`` (a list of ``{key, value}``) and that
    have, for each ``(type, outgoing, other label)`` of ``related``, such a relationship to a
    node whose id is in ``$rel_<i>`` (``outgoing`` None = either direction).

    With ``count`` the query returns ``total``; otherwise the page ``$skip``/``$limit`` by id.
    """
    where = ["all(p IN $props WHERE n[p.key] = p.value)"]
    for i, (rel_type, outgoing, other) in enumerate(related):
        arrow = (f"-[:{_type(rel_type)}]->" if outgoing else f"<-[:{_type(rel_type)}]-" if outgoing is False
                 else f"-[:{_type(rel_type)}]-")
        where.append(f"EXISTS {{ MATCH (n){arrow}(m:{_label(other)}) WHERE m.id IN $rel_{i} }}")
    head = f"MATCH (n:{_label(label)}) WHERE " + " AND ".join(where)
    if count:
        return head + " RETURN count(n) AS total"
    return head + " RETURN n.id AS id, properties(n) AS props ORDER BY n.id SKIP $skip LIMIT $limit"


FULLTEXT_INDEX = "entity_text"
"""The Chinese (cjk analyzer) full-text index of schema.cypher."""

SEARCH_FULLTEXT = (
    "CALL db.index.fulltext.queryNodes($index, $search) YIELD node "
    "WITH node, labels(node)[0] AS label WHERE label IN $labels "
    "RETURN label, node.id AS id, properties(node) AS props"
)
"""Candidates for a search whose terms the cjk analyzer can match as phrases (``$search``)."""


FULLTEXT_LABELS = "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes WHERE name = $index RETURN labelsOrTypes AS labels"
"""The labels the full-text index covers today (no row when it does not exist)."""

DROP_FULLTEXT = f"DROP INDEX {FULLTEXT_INDEX} IF EXISTS"
"""Drop the full-text index (before schema.cypher recreates it with other labels: an index's labels cannot change)."""


def search_scan(labels: Sequence[Label]) -> str:
    """Candidates for any search: nodes of ``labels`` where each of ``$terms`` is contained in
    one of the ``$fields`` (lower-cased); a superset the caller filters exactly."""
    label_expr = "|".join(_label(x) for x in labels)
    return (
        f"MATCH (n:{label_expr}) "
        f"WHERE all(t IN $terms WHERE any(f IN $fields WHERE toLower(toStringOrNull(n[f])) CONTAINS t)) "
        f"RETURN labels(n)[0] AS label, n.id AS id, properties(n) AS props"
    )


CLEAR_RELS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
"""Delete every relationship in chunks of 10,000 (auto-commit transaction only).

Relationships go first: ``DETACH DELETE`` of 10,000 nodes at once also deletes all their
relationships in that transaction, which for hub nodes (a field with 100k experts) exceeds
``db.memory.transaction.max`` (issue 17, seen clearing a 10× graph)."""

CLEAR_NODES = "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS"
"""Then every node, in chunks of 10,000 (auto-commit transaction only)."""

CLEAR_ALL = (CLEAR_RELS, CLEAR_NODES)
"""Delete everything: relationships, then nodes."""

PING = "RETURN 1 AS ok"
"""The cheapest round trip, for health checks."""
