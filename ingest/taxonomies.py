"""Load the reference taxonomies: technical fields, industries, regions and universities.

Each loader reads one shipped file (``data/taxonomies/*/``, see the SOURCE.md there) or
a file of the same layout, validates every row, and writes the good rows in one batch
through :func:`ingest.loader.load_ops`. Hierarchies become relationships to the parent:

=================  ====================================  ==========================================
kind               file                                  nodes
=================  ====================================  ==========================================
``ht2016``         hightech_fields_2016.csv              Field ``ht2016:<code>``, SUBFIELD_OF parent
``nsfc-codes``     nsfc_codes_pre2020.jl                 Field ``nsfc:<code>`` (+ 8 科学部 ``nsfc:A``…)
``nsfc2020-codes`` nsfc_C_codes_post2020.csv             Field ``nsfc2020:<code>`` (+ ``nsfc2020:C``)
``gbt4754``        gbt4754_2011.csv (no header)          Industry ``gbt4754:<code>``, PART_OF parent
``gbt2260``        pca-code.json                         Region ``region:<6 digits>``, PART_OF parent
``universities``   universities_by_province.json         Institution ``inst:<name>``, LOCATED_IN province
=================  ====================================  ==========================================

Levels: ht2016 1–3; nsfc 0 (科学部, from the department letter) then 1–3 as in the data;
nsfc2020 0 (科学部), 1 (main code C01…), 2 (C0101…); gbt4754 1 门类 … 4 小类; regions
``province`` / ``city`` / ``county`` (the 9-digit towns that pca-code.json lists under four
cities without counties are below GB/T 2260 and skipped). The post-2020 main codes have no names in the data,
so their ``name`` is the code itself. A child whose parent is neither in the file nor
stored is a row error; so is a row whose parent row is bad.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from graph.errors import Msg, RowError, ValidationError
from graph.model import Label, RelType
from graph.store import GraphStore
from ingest.generic import NodeOp, RelOp
from ingest.loader import LoadReport, load_ops
from ingest.readers import read_rows, read_text_lenient
from ingest.resolve import DATA_ROOT, Resolver, institution_id, normalize_org

__all__ = ["TAXONOMY_KINDS", "TAXONOMY_FILES", "NSFC_DEPARTMENTS", "load_taxonomy"]

log = logging.getLogger(__name__)

_TAX = DATA_ROOT / "taxonomies"
TAXONOMY_FILES: dict[str, Path] = {
    "gbt2260": _TAX / "gbt2260-regions" / "pca-code.json",
    "gbt4754": _TAX / "gbt4754-2011-industries" / "gbt4754_2011.csv",
    "ht2016": _TAX / "hightech-fields-2016" / "hightech_fields_2016.csv",
    "nsfc-codes": _TAX / "nsfc-application-codes" / "nsfc_codes_pre2020.jl",
    "nsfc2020-codes": _TAX / "nsfc-codes-post2020" / "nsfc_C_codes_post2020.csv",
    "universities": _TAX / "universities-cn" / "universities_by_province.json",
}
"""The shipped file of each taxonomy kind, in the order ``kgmatch load demo`` loads them."""

NSFC_DEPARTMENTS = {"A": "数理科学部", "B": "化学科学部", "C": "生命科学部", "D": "地球科学部",
                    "E": "工程与材料科学部", "F": "信息科学部", "G": "管理科学部", "H": "医学科学部"}
"""NSFC's eight departments (科学部), the first letter of every application code."""

_GBT4754_LEVELS = ("门类", "大类", "中类", "小类")
_REGION_LEVELS = {2: "province", 4: "city", 6: "county"}
_PLACEHOLDER_CITIES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


@dataclass
class _Entry:
    """One node of a hierarchy: ``row`` is ``None`` for a node implied by its children (a 科学部)."""

    row: int | None
    code: str
    props: dict[str, Any]
    parent: str | None = None
    column: str = "code"  # the column to blame for problems with the code
    problems: list[RowError] = field(default_factory=list)


def _hierarchy_ops(entries: list[_Entry], store: GraphStore, errors: list[RowError], *, label: Label,
                   rel: RelType, id_of: Callable[[str], str]) -> list[NodeOp | RelOp]:
    """Node and parent-relationship ops for the good entries; reasons for the others go to ``errors``.

    An entry is good when its own checks pass, its code is not a repeat, and its parent
    is a good entry of the file or already stored. Implied entries (``row is None``) take
    the row of their first good descendant, so they are written only when something needs them.
    """
    first: dict[str, _Entry] = {}
    for entry in entries:
        prev = first.get(entry.code)
        if prev is None or (prev.row is None and entry.row is not None):
            first[entry.code] = entry  # a row of the file wins over an implied node of the same code
        elif entry.row is not None:
            entry.problems.append(RowError(entry.row, entry.column, Msg.DUPLICATE_ID.format(value=entry.code, first=prev.row)))
        errors.extend(entry.problems)
    outside = sorted({e.parent for e in first.values() if e.parent and e.parent not in first})
    stored = {n.id for n in store.get_nodes(label, [id_of(p) for p in outside])} if outside else set()
    good: dict[str, bool] = {}

    def is_good(code: str, depth: int = 0) -> bool:
        if code not in good:
            entry = first[code]
            ok = not entry.problems and depth < 50
            if ok and entry.parent:
                if entry.parent in first:
                    ok = is_good(entry.parent, depth + 1)
                    if not ok and entry.row is not None:
                        parent_row = first[entry.parent].row
                        errors.append(RowError(entry.row, entry.column, f"上级编码「{entry.parent}」所在行（第 {parent_row} 行）有误未导入"))
                elif id_of(entry.parent) not in stored:
                    ok = False
                    errors.append(RowError(entry.row, entry.column, Msg.UNKNOWN_CODE.format(
                        what="上级编码", value=entry.parent, hint="（既不在本文件中，也尚未导入）")))
            good[code] = ok
        return good[code]

    ops: list[NodeOp | RelOp] = []
    rows: dict[str, int] = {}
    for code, entry in first.items():
        if entry.row is not None and is_good(code):
            rows[code] = entry.row
            parent = entry.parent
            while parent and parent in first and first[parent].row is None and parent not in rows:
                rows[parent] = entry.row  # an implied parent rides with its first good child
                parent = first[parent].parent
    for code, row in sorted(rows.items(), key=lambda item: item[1]):
        entry = first[code]
        ops.append(NodeOp(row, label, {"id": id_of(code), **entry.props}))
        if entry.parent:
            ops.append(RelOp(row, rel, label, label, {"start": id_of(code), "end": id_of(entry.parent)}))
    return ops


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _require(entry: _Entry, values: dict[str, Any], *names: str) -> None:
    for name in names:
        if not _text(values.get(name)):
            entry.problems.append(RowError(entry.row, name, Msg.REQUIRED))


def _ht2016(path: Path, errors: list[RowError], progress: bool) -> Iterable[_Entry]:
    for row in tqdm(read_rows(path, errors, lenient_encoding=True), desc=path.name, disable=not progress):
        v = row.values
        code, parent = _text(v.get("code")), _text(v.get("parent_code")) or None
        entry = _Entry(row.number, code, {"scheme": "ht2016", "code": code, "name": _text(v.get("name"))}, parent)
        _require(entry, v, "code", "name")
        level = _text(v.get("level"))
        if code and not re.fullmatch(r"\d{2}|\d{3}|\d{5}", code):
            entry.problems.append(RowError(row.number, "code", Msg.BAD_VALUE.format(value=code, hint="（应为 2、3 或 5 位数字）")))
        if level not in ("1", "2", "3"):
            entry.problems.append(RowError(row.number, "level", Msg.BAD_TYPE.format(expected="1、2 或 3", value=level)))
        else:
            entry.props["level"] = int(level)
        if parent and not code.startswith(parent):
            entry.problems.append(RowError(row.number, "parent_code", Msg.BAD_PARENT.format(parent=parent, code=code)))
        yield entry


def _nsfc_department(scheme: str, letter: str) -> _Entry:
    return _Entry(None, letter, {"scheme": scheme, "code": letter, "name": NSFC_DEPARTMENTS[letter], "level": 0})


def _nsfc_codes(path: Path, errors: list[RowError], progress: bool) -> Iterable[_Entry]:
    for letter in NSFC_DEPARTMENTS:
        yield _nsfc_department("nsfc", letter)
    for row in tqdm(read_rows(path, errors, lenient_encoding=True), desc=path.name, disable=not progress):
        v = row.values
        code = _text(v.get("_id") or v.get("code"))
        parents = v.get("parents") or []
        parent = _text(parents[0]) if isinstance(parents, list) and parents else code[:1] or None
        props = {"scheme": "nsfc", "code": code, "name": _text(v.get("name")), "level": (len(code) - 1) // 2}
        if _text(v.get("name_en")):
            props["name_en"] = _text(v.get("name_en"))
        entry = _Entry(row.number, code, props, parent, column="_id")
        _require(entry, v, "name")
        if not re.fullmatch(r"[A-H]\d{2}(\d{2}){0,2}", code):
            entry.problems.append(RowError(row.number, "_id", Msg.BAD_VALUE.format(
                value=code, hint="（应为科学部字母 A–H 加 2、4 或 6 位数字）")))
        elif parent and not code.startswith(parent):
            entry.problems.append(RowError(row.number, "parents", Msg.BAD_PARENT.format(parent=parent, code=code)))
        yield entry


def _nsfc2020_codes(path: Path, errors: list[RowError], progress: bool) -> Iterable[_Entry]:
    mains: set[str] = set()
    for row in tqdm(read_rows(path, errors, lenient_encoding=True), desc=path.name, disable=not progress):
        v = row.values
        main, code = _text(v.get("mainCode")), _text(v.get("subCode"))
        entry = _Entry(row.number, code, {"scheme": "nsfc2020", "code": code, "name": _text(v.get("name")), "level": 2},
                       main or None, column="subCode")
        _require(entry, v, "mainCode", "subCode", "name")
        if code and not re.fullmatch(r"[A-H]\d{4}", code):
            entry.problems.append(RowError(row.number, "subCode", Msg.BAD_VALUE.format(value=code, hint="（应为如 C0101 的编码）")))
        if main and not re.fullmatch(r"[A-H]\d{2}", main):
            entry.problems.append(RowError(row.number, "mainCode", Msg.BAD_VALUE.format(value=main, hint="（应为如 C01 的编码）")))
        elif main and code and not code.startswith(main):
            entry.problems.append(RowError(row.number, "mainCode", Msg.BAD_PARENT.format(parent=main, code=code)))
        if main and main not in mains and re.fullmatch(r"[A-H]\d{2}", main):
            if main[0] not in {m[0] for m in mains}:
                yield _nsfc_department("nsfc2020", main[0])
            mains.add(main)
            # The data names no main code: the code itself is the name (see module docstring).
            yield _Entry(None, main, {"scheme": "nsfc2020", "code": main, "name": main, "level": 1}, main[0])
        yield entry


def _gbt4754(path: Path, errors: list[RowError], progress: bool) -> Iterable[_Entry]:
    text = read_text_lenient(path, errors)
    section: str | None = None
    for number, cells in enumerate(tqdm(csv.reader(io.StringIO(text, newline="")), desc=path.name,
                                        disable=not progress), start=1):
        cells = [c.strip() for c in cells] + [""] * 5
        letter, division, group, klass, name = cells[:5]
        if not any(cells):
            continue
        found = [(lvl, code) for lvl, code in enumerate((letter, division, group, klass), start=1) if code]
        if not found:
            errors.append(RowError(number, "代码", Msg.REQUIRED))
            continue
        for level, code in found:
            parent = {1: None, 2: section, 3: code[:2], 4: code[:3]}[level]
            props = {"code": code, "name": name, "level": level, "level_name": _GBT4754_LEVELS[level - 1],
                     "edition": "2011", "standard": "GB/T 4754-2011"}
            entry = _Entry(number, code, props, parent, column=_GBT4754_LEVELS[level - 1])
            if not name:
                entry.problems.append(RowError(number, "名称", Msg.REQUIRED))
            if not re.fullmatch((r"[A-T]", r"\d{2}", r"\d{3}", r"\d{4}")[level - 1], code):
                entry.problems.append(RowError(number, entry.column, Msg.BAD_VALUE.format(value=code, hint="")))
            if level == 1:
                section = code
            if section:
                props["section"] = section
            yield entry


def _gbt2260(path: Path, errors: list[RowError], progress: bool) -> Iterable[_Entry]:
    try:
        tree = json.loads(read_text_lenient(path, errors) or "[]")
    except json.JSONDecodeError as err:
        raise ValidationError(Msg.BAD_JSON.format(detail=f"第 {err.lineno} 行第 {err.colno} 列")) from err
    counter = tqdm(desc=path.name, disable=not progress)
    number = 0

    def walk(items: Any, parent: str | None, names: list[str]) -> Iterable[_Entry]:
        nonlocal number
        for item in items if isinstance(items, list) else []:
            number += 1
            counter.update()
            item = item if isinstance(item, dict) else {}
            raw, name = _text(item.get("code")), _text(item.get("name"))
            if raw.isdigit() and len(raw) > 6:
                continue  # towns (9 digits: under 东莞市, 中山市, 儋州市, 嘉峪关市) are below GB/T 2260
            code = raw.ljust(6, "0") if raw.isdigit() and len(raw) in (2, 4) else raw
            full = [*names, name] if name not in _PLACEHOLDER_CITIES else names
            level = _REGION_LEVELS.get(len(raw), "")
            entry = _Entry(number, code, {"code": code, "name": name, "level": level, "full_name": "".join(full),
                                          "standard": "GB/T 2260"}, parent)
            _require(entry, item, "code", "name")
            if raw and (not raw.isdigit() or not level or (parent and not raw.startswith(parent[:len(raw) - 2]))):
                entry.problems.append(RowError(number, "code", Msg.BAD_VALUE.format(value=raw, hint="（应为 2、4 或 6 位行政区划代码）")))
            yield entry
            yield from walk(item.get("children"), code, full)

    yield from walk(tree, None, [])
    counter.close()


_READERS: dict[str, tuple[Callable[[Path, list[RowError], bool], Iterable[_Entry]], Label, RelType,
                          Callable[[str], str]]] = {
    "ht2016": (_ht2016, Label.FIELD, RelType.SUBFIELD_OF, lambda c: f"ht2016:{c}"),
    "nsfc-codes": (_nsfc_codes, Label.FIELD, RelType.SUBFIELD_OF, lambda c: f"nsfc:{c}"),
    "nsfc2020-codes": (_nsfc2020_codes, Label.FIELD, RelType.SUBFIELD_OF, lambda c: f"nsfc2020:{c}"),
    "gbt4754": (_gbt4754, Label.INDUSTRY, RelType.PART_OF, lambda c: f"gbt4754:{c}"),
    "gbt2260": (_gbt2260, Label.REGION, RelType.PART_OF, lambda c: f"region:{c}"),
}

TAXONOMY_KINDS = (*_READERS, "universities")
"""The ``--kind`` values of ``kgmatch load`` that read a taxonomy."""


def _universities(path: Path, store: GraphStore, errors: list[RowError], progress: bool) -> list[NodeOp | RelOp]:
    """Institutions of the universities list (type 高校), with coordinates from the sibling location file."""
    try:
        data = json.loads(read_text_lenient(path, errors) or "{}")
    except json.JSONDecodeError as err:
        raise ValidationError(Msg.BAD_JSON.format(detail=f"第 {err.lineno} 行第 {err.colno} 列")) from err
    location_file = path.with_name("university_location.json")
    locations = json.loads(location_file.read_text(encoding="utf-8")) if location_file.exists() else {}
    resolver = Resolver(store)
    ops: list[NodeOp | RelOp] = []
    seen: dict[str, int] = {}
    number = 0
    groups = data.items() if isinstance(data, dict) else []
    for province, group in tqdm(groups, desc=path.name, disable=not progress):
        region = resolver.province_of_short(province)
        for raw in group.get("all", []) if isinstance(group, dict) else []:
            number += 1
            name = normalize_org(raw)
            problems = []
            if not name:
                problems.append(RowError(number, "name", Msg.REQUIRED))
            elif name in seen:
                problems.append(RowError(number, "name", Msg.DUPLICATE_ID.format(value=name, first=seen[name])))
            if region is None:
                problems.append(RowError(number, "省份", Msg.UNKNOWN_CODE.format(
                    what="省份", value=province, hint="（请先导入地区 gbt2260）")))
            if problems:
                errors.extend(problems)
                continue
            seen[name] = number
            props: dict[str, Any] = {"id": institution_id(name), "name": name, "type": "高校", "source": "universities-cn"}
            latlon = locations.get(raw)
            if isinstance(latlon, list) and len(latlon) == 2:
                props["lat"], props["lon"] = float(latlon[0]), float(latlon[1])
            ops.append(NodeOp(number, Label.INSTITUTION, props))
            ops.append(RelOp(number, RelType.LOCATED_IN, Label.INSTITUTION, Label.REGION,
                             {"start": props["id"], "end": region, "source": "universities-cn"}))
    return ops


def load_taxonomy(path: Path, kind: str, store: GraphStore, *, progress: bool = False) -> LoadReport:
    """Validate and load one taxonomy file of ``kind`` (see :data:`TAXONOMY_KINDS`).

    Raises:
        ValidationError: unknown kind, or a file that cannot be read at all.
    """
    errors: list[RowError] = []
    if kind == "universities":
        ops = _universities(path, store, errors, progress)
    elif kind in _READERS:
        read, label, rel, id_of = _READERS[kind]
        ops = _hierarchy_ops(list(read(path, errors, progress)), store, errors, label=label, rel=rel, id_of=id_of)
    else:
        raise ValidationError(Msg.UNKNOWN_KIND.format(value=kind, choices="、".join(TAXONOMY_KINDS)))
    return load_ops(ops, store, source=str(path), errors=errors)
