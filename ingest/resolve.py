"""Resolve references by name or code to stored nodes: regions, industries, fields, enterprises.

Importers write relationships only to nodes that exist, so every reference in an input
row ("浙江省杭州市", "330100", "C3841", "ht2016:40201", an enterprise's name) is looked up
here first; a reference that cannot be resolved is a row error naming the value. The
indexes are built once per load from the store (taxonomies are loaded before the data
that points into them).

Also here: the name rules that make ids stable (:func:`normalize_name`,
:func:`normalize_org`) and the best-effort location and type of an institution known
only by its name (:meth:`Resolver.institution_region`, :func:`institution_type`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from graph.errors import Msg, RowError, ValidationError
from graph.model import Label
from graph.store import GraphStore, Node

__all__ = [
    "DATA_ROOT",
    "UNIVERSITIES_FILE",
    "Resolver",
    "LOOKUP_LABELS",
    "resolve_node",
    "normalize_name",
    "normalize_org",
    "expert_id",
    "institution_id",
    "institution_type",
    "province_short",
]

log = logging.getLogger(__name__)

DATA_ROOT = Path(__file__).resolve().parent.parent / "data"
"""The shipped data folder (taxonomies, NSFC projects, demo set)."""
UNIVERSITIES_FILE = DATA_ROOT / "taxonomies" / "universities-cn" / "universities_by_province.json"

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_PAGE = 10_000
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_CITY_SUFFIXES = ("市", "地区", "盟")
_COUNTY_SUFFIXES = ("区", "县", "市", "旗")
_PLACEHOLDER_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Short city names that mostly mean something else inside an institution's name
# (中山大学/中山医院 honour Sun Yat-sen; 朝阳 is also a Beijing district).
_DEMAND_FIELD_ORDER = ("ht2016", "nsfc2020", "nsfc")  # ingest.mapping.FIELD_SCHEME_ORDER["demand"] (a test checks)
_AMBIGUOUS_CITY_SHORTS = frozenset({"中山", "朝阳"})


def normalize_name(text: object) -> str:
    """A person's or organisation's name as used in ids: trimmed, spaces collapsed, none between Chinese characters.

    >>> normalize_name(" 李   平 ")
    '李平'
    >>> normalize_name("Byron  Yee Sing Lee")
    'Byron Yee Sing Lee'
    """
    return _normalized_name(str(text))


_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_HAS_CJK = re.compile(f"[{_CJK}]")
_OPEN = re.compile(r"\s*[(（]\s*")
_CLOSE = re.compile(r"\s*[)）]\s*")


@functools.lru_cache(maxsize=1 << 18)  # a load meets the same names and institutions on many rows
def _normalized_name(text: str) -> str:
    return _CJK_GAP.sub("", _SPACES.sub(" ", text).strip())


def normalize_org(text: object) -> str:
    """An organisation's name: :func:`normalize_name`, and Chinese names use full-width brackets.

    >>> normalize_org("华北电力大学(北京)") == normalize_org("华北电力大学（北京）")
    True
    """
    return _normalized_org(str(text))


@functools.lru_cache(maxsize=1 << 18)
def _normalized_org(text: str) -> str:
    name = _normalized_name(text)
    if _HAS_CJK.search(name):
        name = _CLOSE.sub("）", _OPEN.sub("（", name))
    return name


def expert_id(name: str, institution: str) -> str:
    """The id of an expert known by name and institution (never by name alone)."""
    return f"expert:{normalize_name(name)}@{normalize_org(institution)}"


def institution_id(name: str) -> str:
    """The id of an institution known by its name."""
    return f"inst:{normalize_org(name)}"


def _strip_suffix(name: str, suffixes: Sequence[str], *, keep: int = 2) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= keep:
            return name[: -len(suffix)]
    return name


def province_short(name: str) -> str:
    """A province's short name: 浙江省 → 浙江, 广西壮族自治区 → 广西, 北京市 → 北京."""
    return _strip_suffix(name, _PROVINCE_SUFFIXES)


def institution_type(name: str, *, universities: Iterable[str] = ()) -> str | None:
    """The kind of institution a name suggests (高校, 科研院所, 医院, 企业), or ``None``.

    >>> institution_type("中国科学院微生物研究所"), institution_type("中国科学院大学")
    ('科研院所', '高校')
    """
    if name in universities:
        return "高校"
    core = re.sub(r"（[^）]*）$", "", name)
    if "医院" in core:
        return "医院"
    if core.endswith(("研究所", "研究院", "研究中心", "实验室", "所")):
        return "科研院所"
    if "大学" in core or core.endswith("学院"):
        return "高校"
    if "科学院" in core:
        return "科研院所"
    if core.endswith(("公司", "集团")):
        return "企业"
    return None


def _is_county(code: str) -> bool:
    return not code.endswith("00")


def _first_place(text: str, places: dict[str, str]) -> tuple[int, str] | None:
    """The leftmost (then longest) place name inside ``text``: (where it ends, its code)."""
    for i in range(len(text)):
        for size in range(min(8, len(text) - i), 1, -1):
            code = places.get(text[i:i + size])
            if code is not None:
                return i + size, code
    return None


def _code_of(node: Node) -> str:
    return str(node.props.get("code") or node.id.partition(":")[2])


class Resolver:
    """Lookups of references against one store, built lazily and cached for one load."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._stored: dict[Label, set[str]] = {}

    # -- regions -------------------------------------------------------------------------------
    @cached_property
    def _regions(self) -> dict[str, Node]:
        return {_code_of(n).ljust(6, "0")[:6]: n for n in self.store.all_nodes(Label.REGION, page=_PAGE)}

    @cached_property
    def _region_children(self) -> dict[str, list[tuple[str, str]]]:
        """Parent code ("" for the top) → (matchable name, code) of its children, long names first."""
        children: dict[str, list[tuple[str, str]]] = {}
        for code, node in self._regions.items():
            name = str(node.props.get("name", ""))
            if not name or name in _PLACEHOLDER_CITIES:
                continue
            if code.endswith("0000"):
                parent, names = "", {name, province_short(name)}
            elif code.endswith("00"):
                parent, names = code[:2] + "0000", {name, _strip_suffix(name, _CITY_SUFFIXES)}
            else:
                parent, names = code[:4] + "00", {name, _strip_suffix(name, _COUNTY_SUFFIXES)}
                if parent not in self._regions or self._regions[parent].props.get("name") in _PLACEHOLDER_CITIES:
                    children.setdefault(code[:2] + "0000", []).extend((n, code) for n in names)
            children.setdefault(parent, []).extend((n, code) for n in names)
        for items in children.values():
            items.sort(key=lambda item: -len(item[0]))
        return children

    @cached_property
    def _region_names(self) -> dict[str, set[str]]:
        """Every full name, name and short name → codes (for references without a province)."""
        names: dict[str, set[str]] = {}
        for items in self._region_children.values():
            for name, code in items:
                names.setdefault(name, set()).add(code)
        for code, node in self._regions.items():
            if node.props.get("full_name"):
                names.setdefault(str(node.props["full_name"]), set()).add(code)
        return names

    def has_regions(self) -> bool:
        """Whether any Region is stored (inferred locations are skipped without them)."""
        return bool(self._regions)

    def _descend(self, text: str, parent: str) -> str | None:
        """The deepest region whose names spell a prefix of ``text`` below ``parent`` (longest names first)."""
        for name, code in self._region_children.get(parent, []):
            if text.startswith(name):
                deeper = None if _is_county(code) else self._descend(text[len(name):], code)
                return deeper or code
        return None

    def region(self, value: object) -> str:
        """The Region id for a code (2, 4, 6, 9 or 12 digits) or a name such as 浙江省杭州市, 杭州 or 330100.

        A province, then a city, then a county are read from the start of the text; the
        rest (a street address) is ignored. Without a province, the longest city or county
        name the text starts with must be unique.

        Raises:
            ValueError: unknown or ambiguous (Chinese reason).
        """
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
        if text.isdigit():
            code = text[:6] if len(text) in (9, 12) else text.ljust(6, "0") if len(text) in (2, 4) else text
            if code in self._regions:
                return self._regions[code].id
            raise ValueError(Msg.UNKNOWN_CODE.format(what="地区代码", value=value, hint="（GB/T 2260）"))
        exact = self._region_names.get(text, set())
        code = next(iter(exact)) if len(exact) == 1 else self._descend(text, "")
        if code is None:  # no province named: a city or county alone
            for size in range(len(text), 1, -1):
                codes = sorted(self._region_names.get(text[:size], ()))
                if len(codes) > 1:
                    choices = "、".join(f"{self._full_name(c)}（{c}）" for c in codes[:5])
                    raise ValueError(Msg.AMBIGUOUS.format(value=value, choices=choices,
                                                          hint="请写明省、市或填写 6 位行政区划代码"))
                if codes:
                    code = codes[0]
                    deeper = None if _is_county(code) else self._descend(text[size:], code)
                    code = deeper or code
                    break
        if code is None:
            raise ValueError(Msg.UNKNOWN_CODE.format(what="地区", value=value, hint="（请填写省市县名称或 6 位行政区划代码）"))
        return self._regions[code].id

    def _full_name(self, code: str) -> str:
        node = self._regions[code]
        return str(node.props.get("full_name") or node.props.get("name"))

    def province_of_short(self, short: str) -> str | None:
        """The province Region id for a short name such as 北京 or 内蒙古."""
        for name, code in self._region_children.get("", []):
            if name == short:
                return self._regions[code].id
        return None

    # -- institutions --------------------------------------------------------------------------
    @cached_property
    def universities(self) -> dict[str, str]:
        """Shipped universities list: normalized name → province short name (empty when not shipped)."""
        if not UNIVERSITIES_FILE.exists():
            return {}
        data = json.loads(UNIVERSITIES_FILE.read_text(encoding="utf-8"))
        return {normalize_org(name): province for province, group in data.items() for name in group.get("all", [])}

    @cached_property
    def _place_names(self) -> dict[str, str]:
        """Province and city names (full and short) → code, for finding a place inside a name."""
        places: dict[str, str] = {}
        for code, node in self._regions.items():
            name = str(node.props.get("name", ""))
            if code.endswith("0000") or not code.endswith("00") or name in _PLACEHOLDER_CITIES:
                continue
            places[name] = code
            short = _strip_suffix(name, _CITY_SUFFIXES)
            if short not in _AMBIGUOUS_CITY_SHORTS:
                places.setdefault(short, code)
        for code, node in self._regions.items():  # provinces win over a city of the same short name
            if code.endswith("0000"):
                name = str(node.props.get("name", ""))
                places[name] = places[province_short(name)] = code
        return places

    def stored_ids(self, label: Label) -> set[str]:
        """Ids of the stored nodes of ``label`` (read once per load)."""
        if label not in self._stored:
            self._stored[label] = self.store.node_ids(label)
        return self._stored[label]

    def institution_region(self, name: str) -> tuple[str, str] | None:
        """Where an institution known only by name is, as (Region id, how it was known), or ``None``.

        1. the shipped universities list (exact name, or a university whose name starts
           the given one, as in 复旦大学附属中山医院) → its province, "universities-cn";
        2. the first province or city name inside the name (中国科学院沈阳应用生态研究所 → 沈阳市),
           a province followed by one of its cities → the city, "name".
        """
        if not self.has_regions():
            return None
        name = normalize_org(name)
        uni = next((name[:k] for k in range(len(name), 3, -1) if name[:k] in self.universities), None)
        if uni is not None:
            region = self.province_of_short(self.universities[uni])
            return (region, "universities-cn") if region else None
        found = _first_place(name, self._place_names)
        if found is None:
            return None
        end, code = found
        if code.endswith("0000"):  # a province: one of its cities later in the name is more precise
            cities = {p: c for p, c in self._place_names.items() if c.startswith(code[:2]) and c != code}
            city = _first_place(name[end:], cities)
            code = city[1] if city else code
        return self._regions[code].id, "name"

    # -- industries ----------------------------------------------------------------------------
    @cached_property
    def _industries(self) -> tuple[dict[str, Node], dict[str, list[Node]]]:
        by_code: dict[str, Node] = {}
        by_name: dict[str, list[Node]] = {}
        for node in self.store.all_nodes(Label.INDUSTRY, page=_PAGE):
            by_code[_code_of(node)] = node
            by_name.setdefault(str(node.props.get("name", "")), []).append(node)
        return by_code, by_name

    def industry(self, value: object) -> str:
        """The Industry id for a GB/T 4754-2011 code (A, 01, 011, 0111, C3841) or an exact name.

        Raises:
            ValueError: unknown or ambiguous (Chinese reason).
        """
        by_code, by_name = self._industries
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()
        match = re.fullmatch(r"([A-T])?(\d{2,4})?", text)
        if match and text:
            letter, digits = match[1], match[2]
            node = by_code.get(digits or letter or "")
            if node is not None and (not letter or not digits or node.props.get("section") in (None, letter)):
                return node.id
        named = sorted(by_name.get(str(value).strip(), []), key=_code_of)
        if named and all(_code_of(named[-1]).startswith(_code_of(n)) for n in named):
            return named[-1].id  # one chain, as 017/0170 中药材种植: the most specific
        if len(named) > 1:
            choices = "、".join(f"{_code_of(n)} {n.props.get('name')}" for n in named[:5])
            raise ValueError(Msg.AMBIGUOUS.format(value=value, choices=choices, hint="请填写行业代码"))
        raise ValueError(Msg.UNKNOWN_CODE.format(what="行业", value=value, hint="（GB/T 4754-2011 代码或名称）"))

    # -- fields --------------------------------------------------------------------------------
    def has_field(self, field_id: str) -> bool:
        """Whether a Field with this id is stored."""
        return field_id in self._fields[0]

    @cached_property
    def _fields(self) -> tuple[set[str], dict[str, list[Node]]]:
        ids: set[str] = set()
        by_name: dict[str, list[Node]] = {}
        for node in self.store.all_nodes(Label.FIELD, page=_PAGE):
            ids.add(node.id)
            by_name.setdefault(str(node.props.get("name", "")), []).append(node)
        return ids, by_name

    @cached_property
    def _field_codes(self) -> dict[str, set[str]]:
        """A field's ``code`` (upper case) → the ids of the fields with it."""
        codes: dict[str, set[str]] = {}
        for node in self.store.all_nodes(Label.FIELD, page=_PAGE):
            if node.props.get("code"):
                codes.setdefault(str(node.props["code"]).upper(), set()).add(node.id)
        return codes

    def field(self, value: object, order: Sequence[str]) -> str:
        """The Field id for ``scheme:code``, a bare code or an exact name; schemes tried in ``order``.

        Raises:
            ValueError: unknown or ambiguous within the first scheme that has it (Chinese reason).
        """
        ids, by_name = self._fields
        text = str(value).strip()
        if text in ids:
            return text
        code = unicodedata.normalize("NFKC", text).upper().replace(" ", "")
        for scheme in order:
            if f"{scheme}:{code}" in ids:
                return f"{scheme}:{code}"
        named = by_name.get(text, [])
        for scheme in order:
            hits = [n for n in named if n.props.get("scheme") == scheme]
            if len(hits) == 1:
                return hits[0].id
            if hits:
                choices = "、".join(n.id for n in hits[:5])
                raise ValueError(Msg.AMBIGUOUS.format(value=value, choices=choices, hint="请填写领域编码"))
        if len(named) == 1:
            return named[0].id
        coded = sorted(self._field_codes.get(code, ()))  # a scheme outside ``order``: its code must be unique
        if len(coded) == 1:
            return coded[0]
        if coded:
            raise ValueError(Msg.AMBIGUOUS.format(value=value, choices="、".join(coded[:5]), hint="请填写领域编号"))
        raise ValueError(Msg.UNKNOWN_CODE.format(what="技术领域", value=value,
                                                 hint="（请填写领域编码，如 ht2016:40201、nsfc2020:C0101，或准确的领域名称）"))

    # -- enterprises ---------------------------------------------------------------------------
    @cached_property
    def _enterprises(self) -> tuple[set[str], dict[str, str], dict[str, list[str]]]:
        ids: set[str] = set()
        by_credit: dict[str, str] = {}
        by_name: dict[str, list[str]] = {}
        for node in self.store.all_nodes(Label.ENTERPRISE, page=_PAGE):
            ids.add(node.id)
            if node.props.get("credit_code"):
                by_credit[str(node.props["credit_code"]).upper()] = node.id
            by_name.setdefault(normalize_org(node.props.get("name", "")), []).append(node.id)
        return ids, by_credit, by_name

    def enterprise(self, value: object) -> str:
        """The Enterprise id for an id, a unified social credit code or an exact name.

        Raises:
            ValueError: not found or ambiguous (Chinese reason).
        """
        ids, by_credit, by_name = self._enterprises
        text = str(value).strip()
        for candidate in (text, f"ent:{text}"):
            if candidate in ids:
                return candidate
        if text.upper() in by_credit:
            return by_credit[text.upper()]
        named = by_name.get(normalize_org(text), [])
        if len(named) == 1:
            return named[0]
        if named:
            raise ValueError(Msg.AMBIGUOUS.format(value=value, choices="、".join(named[:5]),
                                                  hint="请填写企业编号或统一社会信用代码"))
        raise ValueError(Msg.UNKNOWN_CODE.format(what="企业", value=value,
                                                 hint="（请先导入该企业，或填写企业编号、统一社会信用代码）"))

    # -- institutions --------------------------------------------------------------------------
    def institution(self, value: object) -> str:
        """The Institution id for an id or a name (normalized as the importer names institutions).

        Raises:
            ValueError: unknown (Chinese reason).
        """
        text = str(value).strip()
        for candidate in (text, institution_id(text)):
            if candidate in self.stored_ids(Label.INSTITUTION):
                return candidate
        raise ValueError(Msg.UNKNOWN_CODE.format(what="机构", value=value, hint="（请填写机构编号或准确名称）"))

    # -- one entry point -----------------------------------------------------------------------
    def lookup(self, label: Label, value: object, *, field_order: Sequence[str] = _DEMAND_FIELD_ORDER) -> str:
        """The id of the ``label`` node a user means by ``value``: its id, its code or its name
        (region, industry, field, institution or enterprise; fields by scheme in ``field_order``).

        Raises:
            ValueError: unknown or ambiguous (Chinese reason).
        """
        text = str(value).strip()
        if label is not Label.INSTITUTION and self.store.get_node(label, text) is not None:
            return text
        if label is Label.REGION:
            return self.region(text)
        if label is Label.INDUSTRY:
            return self.industry(text)
        if label is Label.FIELD:
            return self.field(text, field_order)
        if label is Label.INSTITUTION:
            return self.institution(text)
        if label is Label.ENTERPRISE:
            return self.enterprise(text)
        raise ValueError(f"不能按编码或名称查找「{label.value}」")


LOOKUP_LABELS = (Label.REGION, Label.INDUSTRY, Label.FIELD, Label.INSTITUTION, Label.ENTERPRISE)
"""What :meth:`Resolver.lookup` finds by a user's code or name."""


def resolve_node(store: GraphStore, label: Label, value: object, *, field_name: str,
                 resolver: Resolver | None = None) -> Node:
    """The node a user names (id, code or name; :meth:`Resolver.lookup`): the one resolver the CLI,
    the JSON API, the pages, the reports and list selection share.

    Raises:
        ValidationError: unknown or ambiguous, naming ``field_name`` (Chinese).
    """
    try:
        node_id = (resolver or Resolver(store)).lookup(label, value)
    except ValueError as err:
        raise ValidationError.from_errors([RowError(None, field_name, str(err))]) from err
    node = store.get_node(label, node_id)
    if node is None:  # the resolver read the same store a moment ago
        raise ValidationError.from_errors([RowError(None, field_name, f"「{value}」已不存在")])
    return node
