"""One exception tree for kgmatch, rooted in :class:`KgmatchError`.

Every class carries the HTTP status the API answers with, so a handler never has to
guess. Messages a person reads are Chinese (zh-CN) and live in :class:`Msg` (:mod:`graph.messages`, re-exported here), the one
catalogue of end-user text; log lines stay English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.messages import Msg

__all__ = [
    "Msg",
    "KgmatchError",
    "ValidationError",
    "RowError",
    "NotFoundError",
    "ConflictError",
    "StoreUnavailableError",
    "StoreError",
]


@dataclass(frozen=True)
class RowError:
    """One problem in one input row: ``row`` is 1-based as a person counts (header excluded)."""

    row: int | None
    field: str
    reason: str

    def message(self) -> str:
        """The Chinese sentence for this problem, naming row and field."""
        if self.row is None:
            return Msg.FIELD.format(field=self.field, reason=self.reason)
        return Msg.ROW_FIELD.format(row=self.row, field=self.field, reason=self.reason)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON error bodies and error files."""
        return {"row": self.row, "field": self.field, "reason": self.reason, "message": self.message()}


class KgmatchError(Exception):
    """Root of every error kgmatch raises on purpose. ``status`` is the HTTP status."""

    status = 500

    def __init__(self, message: str, *, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: list[RowError] = list(errors or [])


class ValidationError(KgmatchError):
    """Input is wrong; nothing was written. ``errors`` names each row and field."""

    status = 400

    @classmethod
    def from_errors(cls, errors: list[RowError]) -> ValidationError:
        """Build one error whose message lists the first problems."""
        head = "；".join(e.message() for e in errors[:5])
        more = f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else ""
        return cls(head + more, errors=errors)


class NotFoundError(KgmatchError):
    """A node or resource that was asked for does not exist."""

    status = 404


class ConflictError(KgmatchError):
    """The request contradicts stored state (e.g. an invalid status transition)."""

    status = 409


class StoreUnavailableError(KgmatchError):
    """The graph database cannot be reached or refused us."""

    status = 503


class StoreError(KgmatchError):
    """The store failed while doing what was asked; nothing of that batch was kept."""

    status = 500


class BatchTooLargeError(StoreError):
    """The server refused one transaction for its memory (Neo4j ``MemoryPoolOutOfMemoryError``):
    not transient — retrying the same batch fails the same way — so it is never retried as is;
    :func:`graph.batching.write_in_batches` splits it instead."""

    status = 507
