"""The knowledge graph: model, the GraphStore contract and its two backends.

``graph`` imports none of ``ingest``, ``recommend`` or ``api``.
"""

from __future__ import annotations

from graph.environment import env_value
from graph.errors import ValidationError
from graph.store import GraphStore

__all__ = ["BACKENDS", "open_store"]

BACKENDS = ("local", "neo4j")


def open_store(backend: str | None = None, *, data_dir: str | None = None) -> GraphStore:
    """Open the store named by ``backend`` (default ``$KGMATCH_STORE``, else ``local``).

    ``local`` keeps its files in ``data_dir`` (default ``$KGMATCH_DATA_DIR`` or ``var/``);
    ``neo4j`` connects with the ``KGMATCH_NEO4J_*`` environment variables.

    Raises:
        ValidationError: unknown backend name.
        StoreUnavailableError: Neo4j cannot be reached (within a few seconds).
    """
    backend = backend or env_value("KGMATCH_STORE", empty_is_default=True)
    if backend == "local":
        from graph.local_store import LocalStore

        return LocalStore(data_dir)
    if backend == "neo4j":
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_env()
    raise ValidationError(f"未知的存储后端「{backend}」，可选：{'、'.join(BACKENDS)}")
