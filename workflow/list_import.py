"""Upload an activity list or a platform list (issue 16): the one use case behind the JSON API and the pages.

``kgmatch activity import FILE`` and ``kgmatch load FILE --kind platform`` read the same files with the
same importers (:func:`workflow.activity_import.import_activities`, :func:`ingest.importers.import_file`);
an upload through the web differs in one rule only: it is all or nothing. Every row is validated first;
when one is bad, nothing is written and every problem comes back in Chinese naming its row and column,
so the officer fixes the file and uploads it again (importing the same file twice changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.errors import Msg, RowError, ValidationError
from graph.store import GraphStore
from ingest.importers import import_file
from ingest.readers import FORMATS
from workflow.activity_import import import_activities

__all__ = ["LIST_KINDS", "UPLOAD_SUFFIXES", "ListImport", "import_list"]

LIST_KINDS: dict[str, str] = {"activity": "活动清单", "platform": "服务平台与基地清单"}
"""The lists that can be uploaded, with their Chinese names."""

UPLOAD_SUFFIXES: tuple[str, ...] = tuple(sorted(FORMATS))
"""File types the importers read (CSV, XLSX, JSON, JSON lines)."""


@dataclass
class ListImport:
    """What an upload did: the rows written (0 when any row was bad) and the problems, row by row."""

    kind: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was good (and the list was written)."""
        return not self.errors

    def text(self) -> str:
        """One Chinese sentence: what was written, or that nothing was because rows are bad."""
        if self.errors:
            bad = len({e.row for e in self.errors})
            return Msg.lists.REJECTED.format(what=LIST_KINDS[self.kind], bad=bad)
        return Msg.lists.IMPORTED.format(what=LIST_KINDS[self.kind], rows=self.rows)

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of an upload's answer."""
        return {"ok": self.ok, "kind": self.kind, "message": self.text(), "rows": self.rows,
                "errors": [e.as_dict() for e in self.errors]}


def import_list(store: GraphStore, kind: str, path: Path, *, actor: str, now: datetime | None = None) -> ListImport:
    """Import the uploaded list ``path`` of ``kind`` (``activity`` or ``platform``), all or nothing.

    Raises:
        ValidationError: an unknown kind, an unreadable file or one without a required column
            (nothing was written).
    """
    if kind not in LIST_KINDS:
        raise ValidationError(Msg.UNKNOWN_KIND.format(value=kind, choices="、".join(LIST_KINDS)),
                              errors=[RowError(None, "kind", Msg.UNKNOWN_KIND.format(
                                  value=kind, choices="、".join(LIST_KINDS)))])
    if kind == "activity":
        done = import_activities(store, path, actor=actor, now=now, all_or_nothing=True)
        return ListImport(kind, rows=len(done.created) + len(done.updated) + len(done.unchanged),
                          errors=list(done.errors))
    report = import_file(path, kind, store, data_source="upload", all_or_nothing=True)
    return ListImport(kind, rows=0 if report.errors else report.rows, errors=sorted(
        report.errors, key=lambda e: (e.row or 0, e.field)))
