"""The reports as an Excel workbook in the house style (formatting only; :mod:`analytics.reports`
decides what goes in).

Each report sheet has bold headers, set column widths, frozen panes at ``C2`` and an
auto-filter; numbers keep their formats; text is always text, and text a spreadsheet would
run (``=``, ``+``, ``-``, ``@`` …) is marked as text. A last 说明 sheet lists label/value lines.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = ["Column", "Sheet", "write_workbook", "put_cell"]

Column = tuple[str, str, int]
"""A report column: row key, Chinese header, Excel column width."""

Sheet = tuple[str, Sequence[Column], Sequence[Mapping[str, Any]]]
"""One report sheet: its name, its columns and its rows (dicts keyed by the columns' row keys)."""

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_FORMATS = {"hours": "0.00", "rating_mean": "0.00", "adjusted_rating": "0.00", "acceptance_rate": "0.0%", "attendance_rate": "0.0%", "budget_wan": "#,##0.00",
                   "redeemed_amount": "#,##0.00"}


def put_cell(sheet: Any, row: int, col: int, value: Any, number_format: str | None = None) -> None:
    """Write one cell; text is always text, and text that a spreadsheet would run is marked as such."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    if isinstance(value, str):  # control characters cannot be stored in a worksheet: dropped, not a 500
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula otherwise
        if value.startswith(_RISKY_START):
            cell.quotePrefix = True  # and Excel keeps it text even when the cell is edited
    elif number_format:
        cell.number_format = number_format


def write_workbook(sheets: Sequence[Sheet], about: Sequence[tuple[str, Any]]) -> bytes:
    """The .xlsx bytes of ``sheets`` in order, then a 说明 sheet with the ``about`` lines (label, value)."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, columns, rows in sheets:
        sheet = book.create_sheet(name)
        for col, (_, header, width) in enumerate(columns, start=1):
            sheet.cell(row=1, column=col, value=header).font = bold
            sheet.column_dimensions[get_column_letter(col)].width = width
        for r, row in enumerate(rows, start=2):
            for col, (key, _, _) in enumerate(columns, start=1):
                put_cell(sheet, r, col, row.get(key), _NUMBER_FORMATS.get(key))
        sheet.freeze_panes = "C2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    notes = book.create_sheet("说明")
    for r, (label, value) in enumerate(about, start=1):
        notes.cell(row=r, column=1, value=label).font = bold
        put_cell(notes, r, 2, value)
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
