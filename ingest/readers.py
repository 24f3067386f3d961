"""Read tabular input files into numbered rows of strings or JSON values.

Row numbers are what a person sees when opening the file: for CSV the header is
line 1 and the first data row is line 2; for JSON lines each line is its own number.
Encodings: UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what
Chinese Excel writes); anything else is reported as a broken encoding.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import Msg, RowError, ValidationError

__all__ = ["Row", "read_text", "read_rows", "FORMATS"]

FORMATS = (".csv", ".jsonl", ".json", ".ndjson")


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
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_err:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[: utf8_err.start].count(b"\n") + 1
            detail = f"第 {line} 行附近（字节 {utf8_err.start}）"
            raise ValidationError(Msg.BAD_ENCODING.format(detail=detail),
                                  errors=[RowError(line, "编码", Msg.BAD_ENCODING.format(detail=detail))]) from utf8_err


def read_rows(path: Path, errors: list[RowError]) -> Iterator[Row]:
    """Yield the records of a CSV or JSON-lines file; unparseable lines go to ``errors``.

    A ``.json`` file may also hold one JSON array of objects (row numbers then count
    the array's elements from 1).
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(Msg.BAD_FORMAT.format(value=path.suffix or path.name))
    text = read_text(path)
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
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
        if not isinstance(item, dict):
            errors.append(RowError(n, "JSON", "应为对象（{...}）"))
            continue
        yield Row(n, item)
