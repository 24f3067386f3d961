"""Read tabular input files into numbered rows of strings or JSON values.

Row numbers are what a person sees when opening the file: for CSV the header is
line 1 and the first data row is line 2; for JSON lines each line is its own number.
Encodings: UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what
Chinese Excel writes); anything else is reported as a broken encoding. With
``lenient_encoding=True`` (the domain importers) only the lines that neither
encoding decodes are reported, each as a row error, and the other lines are read.

Excel workbooks (``.xlsx``, read with openpyxl) use their first worksheet: row 1 is
the header and row numbers are Excel's own. Dates become ``YYYY-MM-DD`` text;
numbers and booleans keep their types; empty cells are left out.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import Msg, RowError, ValidationError

__all__ = ["Row", "read_text", "read_text_lenient", "read_rows", "FORMATS"]

FORMATS = (".csv", ".jsonl", ".json", ".ndjson", ".jl", ".xlsx")


@dataclass(frozen=True)
class Row:
    """One input record and the line number it came from."""

    number: int
    values: dict[str, Any]


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 or GB18030.

    Raises:
        ValidationError: neither encoding decodes the file (names the byte offset).
    """
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's 「Unicode 文本」 and other UTF-16 with a BOM
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise ValidationError(Msg.BAD_ENCODING.format(detail=f"UTF-16（字节 {err.start}）")) from err
    if b"\x00" in data[:4096]:
        detail = "含有空字节，疑似没有 BOM 的 UTF-16；请另存为 UTF-8"
        raise ValidationError(Msg.BAD_ENCODING.format(detail=detail),
                              errors=[RowError(1, "编码", Msg.BAD_ENCODING.format(detail=detail))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_err:
        try:
            text = data.decode("gb18030")
            _check_plausible_chinese(text)
            return text
        except UnicodeDecodeError:
            line = data[: utf8_err.start].count(b"\n") + 1
            detail = f"第 {line} 行附近（字节 {utf8_err.start}）"
            raise ValidationError(Msg.BAD_ENCODING.format(detail=detail),
                                  errors=[RowError(line, "编码", Msg.BAD_ENCODING.format(detail=detail))]) from utf8_err


def _check_plausible_chinese(text: str) -> None:
    """Refuse text that GB18030 decoded but that is not Chinese written in GBK.

    GB18030 decodes almost any bytes, so a Big5 or Shift-JIS file "decodes" into rare
    characters. Real GBK text is mostly the 3,755 common characters of GB2312 level 1; in Big5
    or Shift-JIS read as GB18030 they are a small minority. Fewer than half among at least
    eight CJK characters: refused, with a hint, instead of importing garbled names.
    """
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if len(cjk) < 8:
        return
    common = 0
    for ch in cjk:
        try:
            common += 0xB0 <= ch.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    if common / len(cjk) < 0.5:
        detail = "按 GBK 读出的大多是生僻字，疑似 Big5（繁体）或 Shift-JIS（日文）等编码；请另存为 UTF-8"
        raise ValidationError(Msg.BAD_ENCODING.format(detail=detail),
                              errors=[RowError(1, "编码", Msg.BAD_ENCODING.format(detail=detail))])


def read_text_lenient(path: Path, errors: list[RowError]) -> str:
    """The file's text; lines that neither UTF-8 nor GB18030 decodes become empty lines and row errors.

    Line numbers are kept (a bad line is replaced by an empty one, which CSV and JSON-lines
    readers skip), so every other row keeps the number a person sees.
    """
    try:
        return read_text(path)
    except ValidationError as err:
        if "UTF-16" in err.message or "Big5" in err.message:  # a whole-file verdict, not a few bad lines
            raise
    lines = path.read_bytes().split(b"\n")
    out: list[str] = []
    for n, raw in enumerate(lines, start=1):
        for encoding in ("utf-8-sig" if n == 1 else "utf-8", "gb18030"):
            try:
                out.append(raw.decode(encoding))
                break
            except UnicodeDecodeError as err:
                reason = err
        else:
            errors.append(RowError(n, "编码", Msg.BAD_ENCODING.format(detail=f"第 {n} 行（字节 {reason.start}）")))
            out.append("")
    return "\n".join(out)


def _cell(value: Any) -> Any:
    """An Excel cell as the value a CSV or JSON reader would give: dates become ISO text."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def _xlsx_problems(path: Path, openpyxl: Any, errors: list[RowError]) -> None:
    """Cells the values-only reading would silently lose, as row errors of the first sheet.

    * a formula without a cached result (files written by programs that do not calculate, such
      as openpyxl itself): read as empty, so the row would load without that value;
    * a merged range over several rows: only its first row has the value, the others would load
      without it.
    """
    book = openpyxl.load_workbook(path, read_only=False, data_only=False)
    try:
        sheet = book.worksheets[0]
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            cached = {(r, c): v for r, row in enumerate(values.worksheets[0].iter_rows(values_only=True), start=1)
                      for c, v in enumerate(row, start=1)}
        finally:
            values.close()
        header = {c.column: str(c.value or "").strip() or c.column_letter for c in sheet[1]}
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f" and cached.get((cell.row, cell.column)) is None:
                    errors.append(RowError(cell.row, header.get(cell.column, cell.column_letter), _FORMULA))
        for merged in sheet.merged_cells.ranges:
            if merged.max_row > merged.min_row and merged.max_row >= 2:
                name = header.get(merged.min_col, str(merged.coord))
                for r in range(max(merged.min_row + 1, 2), merged.max_row + 1):
                    errors.append(RowError(r, name, _MERGED.format(coord=merged.coord, first=merged.min_row)))
    finally:
        book.close()


_FORMULA = "是没有计算结果的公式，读出来是空的：请在 Excel 中打开并保存，或复制后「粘贴为数值」再导入"
_MERGED = "在合并单元格 {coord} 中，只有第 {first} 行有值：请取消合并并在每一行填写"
_XLSX_CHECK_BYTES = 20_000_000


def _read_xlsx(path: Path, errors: list[RowError] | None = None) -> Iterator[Row]:
    """Rows of the first worksheet; row 1 is the header, numbers are Excel's row numbers.

    With ``errors``, cells a values-only reading would lose (formulas without a result, merged
    ranges) are reported there first (files up to 20 MB; larger ones are read as they are).
    """
    try:
        import openpyxl
    except ImportError as err:  # an optional dependency: say how to get it
        raise ValidationError(Msg.NEEDS_OPENPYXL) from err
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises zipfile, KeyError and its own errors for broken files
        raise ValidationError(Msg.BAD_XLSX.format(detail=f"{type(err).__name__}: {err}")) from err
    bad_rows: set[int] = set()
    if errors is not None and path.stat().st_size <= _XLSX_CHECK_BYTES:
        found: list[RowError] = []
        _xlsx_problems(path, openpyxl, found)
        errors.extend(found)
        bad_rows = {e.row for e in found if e.row is not None}
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong dimension; read what is really there
        header: list[str] = []
        for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if n == 1:
                header = ["" if c is None else str(c).strip() for c in cells]
                continue
            values = {header[i]: _cell(c) for i, c in enumerate(cells)
                      if i < len(header) and header[i] and c is not None and not (isinstance(c, str) and not c.strip())}
            if values and n not in bad_rows:
                yield Row(n, values)
    finally:
        book.close()


_TOO_DEEP = "嵌套层数过多"


def read_rows(path: Path, errors: list[RowError], *, lenient_encoding: bool = False) -> Iterator[Row]:
    """Yield the records of a CSV, JSON-lines or XLSX file; unparseable lines go to ``errors``.

    A ``.json`` file may also hold one JSON array of objects (row numbers then count
    the array's elements from 1). With ``lenient_encoding``, undecodable lines are
    row errors instead of failing the whole file.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(Msg.BAD_FORMAT.format(value=path.suffix or path.name))
    if suffix == ".xlsx":
        yield from _read_xlsx(path, errors)
        return
    text = read_text_lenient(path, errors) if lenient_encoding else read_text(path)
    if suffix == ".csv":
        first = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first and "," not in first else ","  # Excel's 「Unicode 文本」 is tab-separated
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        for record in reader:
            # reader.line_num is the physical line of the record's end; rows here never span lines
            # unless quoted, and then the first line is what a person looks for.
            values = {(k or "").strip(): v for k, v in record.items() if k is not None}
            if None in record:
                errors.append(RowError(reader.line_num, "列数", "比表头多出若干列"))
                continue
            yield Row(reader.line_num, values)
        return
    stripped = text.lstrip()
    if suffix == ".json" and stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValidationError(Msg.BAD_JSON.format(detail=f"第 {err.lineno} 行第 {err.colno} 列")) from err
        except RecursionError as err:
            raise ValidationError(Msg.BAD_JSON.format(detail=_TOO_DEEP)) from err
        for n, item in enumerate(items, start=1):
            if isinstance(item, dict):
                yield Row(n, item)
            else:
                errors.append(RowError(n, "JSON", "应为对象（{...}）"))
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            errors.append(RowError(n, "JSON", Msg.BAD_JSON.format(detail=f"第 {err.colno} 列 {err.msg}")))
            continue
        except RecursionError:
            errors.append(RowError(n, "JSON", Msg.BAD_JSON.format(detail=_TOO_DEEP)))
            continue
        if not isinstance(item, dict):
            errors.append(RowError(n, "JSON", "应为对象（{...}）"))
            continue
        yield Row(n, item)
