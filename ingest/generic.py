"""The generic graph file format: nodes and relationships, one per row.

This is what ``kgmatch load FILE`` reads (the domain importers build on the same
loader). Documented in README.md ("通用导入格式 / Generic load format").

JSON lines (``.jsonl``; ``.json`` may also be one array of objects)::

    {"label": "Institution", "id": "inst:10003", "name": "清华大学"}
    {"label": "Expert", "id": "exp:张三@清华大学", "name": "张三", "keywords": ["锂离子电池", "正极材料"]}
    {"type": "WORKS_AT", "start_label": "Expert", "start": "exp:张三@清华大学",
     "end_label": "Institution", "end": "inst:10003", "since": 2015}

A row with ``label`` is a node; a row with ``type`` is a relationship. Every other
key is a property (``label``, ``type``, ``start_label``, ``start``, ``end_label``,
``end`` are reserved). A ``null`` property removes it on upsert.

CSV (``.csv``, UTF-8 or GBK): one file holds either nodes (a ``label`` column) or
relationships (``type``, ``start_label``, ``start``, ``end_label``, ``end`` columns).
Property columns may carry a type after a colon, as in neo4j-admin import:
``year:int``, ``amount:float``, ``active:boolean``, ``keywords:string[]`` (items
separated by ``;``). Untyped columns are text; an empty cell means "no value".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import Msg, RowError
from graph.model import Label, RelType

__all__ = ["NodeOp", "RelOp", "parse_row", "RESERVED"]

RESERVED = ("label", "type", "start_label", "start", "end_label", "end")
_REL_KEYS = ("type", "start_label", "start", "end_label", "end")


@dataclass(frozen=True)
class NodeOp:
    """One node to upsert, from input row ``row_no``."""

    row_no: int
    label: Label
    props: dict[str, Any]  # includes "id"


@dataclass(frozen=True)
class RelOp:
    """One relationship to upsert, from input row ``row_no``."""

    row_no: int
    type: RelType
    start_label: Label
    end_label: Label
    props: dict[str, Any]  # includes "start" and "end"


def _convert(raw: str, kind: str) -> Any:
    """A CSV cell as the declared type; ValueError with a Chinese reason when it is not."""
    kind = kind.strip().lower()
    if kind in ("", "string", "str"):
        return raw
    if kind.endswith("[]"):
        return [_convert(item.strip(), kind[:-2]) for item in raw.split(";") if item.strip()]
    if kind in ("int", "long", "integer"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(Msg.BAD_TYPE.format(expected="整数", value=raw)) from None
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(Msg.BAD_TYPE.format(expected="数字", value=raw)) from None
    if kind in ("boolean", "bool"):
        lowered = raw.lower()
        if lowered in ("true", "1", "是", "yes"):
            return True
        if lowered in ("false", "0", "否", "no"):
            return False
        raise ValueError(Msg.BAD_TYPE.format(expected="是/否（true/false）", value=raw))
    raise ValueError(f"未知的列类型「{kind}」（可用 int、float、boolean、string 及其 [] 列表）")


def _typed(values: Mapping[str, Any], row_no: int, errors: list[RowError]) -> dict[str, Any]:
    """CSV cells (strings) converted by their ``name:type`` headers; JSON values pass through."""
    out: dict[str, Any] = {}
    for header, value in values.items():
        name, _, kind = header.partition(":")
        name = name.strip()
        if isinstance(value, str) and (kind or name not in RESERVED):
            if value.strip() == "":
                continue  # an empty cell is "no value", never "remove"
            try:
                value = _convert(value.strip(), kind)
            except ValueError as err:
                errors.append(RowError(row_no, name, str(err)))
                continue
        out[name] = value
    return out


def parse_row(row_no: int, values: Mapping[str, Any], errors: list[RowError]) -> NodeOp | RelOp | None:
    """Turn one input record into a node or relationship op; problems go to ``errors``.

    Only shape is checked here (which kind of row, known label/type, typed cells);
    required properties and property types are checked by the model for the whole
    batch, in :mod:`ingest.loader`.
    """
    props = _typed(values, row_no, errors)
    if "label" in props:
        try:
            label = Label.parse(props.pop("label"))
        except ValueError as err:
            errors.append(RowError(row_no, "label", str(err)))
            return None
        for key in _REL_KEYS[1:]:
            props.pop(key, None)
        return NodeOp(row_no, label, props)
    if "type" in props:
        missing = [k for k in _REL_KEYS if props.get(k) in (None, "")]
        for key in missing:
            errors.append(RowError(row_no, key, Msg.REQUIRED))
        if missing:
            return None
        try:
            rel_type = RelType.parse(props.pop("type"))
        except ValueError as err:
            errors.append(RowError(row_no, "type", str(err)))
            return None
        try:
            start_label = Label.parse(props.pop("start_label"))
            end_label = Label.parse(props.pop("end_label"))
        except ValueError as err:
            errors.append(RowError(row_no, "start_label/end_label", str(err)))
            return None
        return RelOp(row_no, rel_type, start_label, end_label, props)
    errors.append(RowError(row_no, "label/type", "既没有「label」（节点）也没有「type」（关系）"))
    return None
