"""Enterprise registry status: 科技型中小企业 入库, 高新技术企业 certificates and 专精特新 levels.

An office has these as lists: the 高新技术企业 认定/备案 公示名单 with certificate numbers, the
科技型中小企业 入库名单 with 入库登记编号, the 专精特新 名单 by level. ``kgmatch load FILE --kind
hnte|tsme|srdi`` reads them (columns in :data:`ingest.mapping.KINDS`, Chinese or English headers);
each good row becomes one ``Registration`` node ``(Enterprise)-[:HOLDS]->(Registration)``, keyed by
its number, so loading the same list again changes nothing and a new year's list adds the new year.

The formats (documented in the README, checked by :func:`parse_hnte_number` / :func:`parse_tsme_number`):

* 高新技术企业证书编号 ``GR`` + 4-digit year of issue + 2-digit province code (GB/T 2260) + 6-digit
  serial, e.g. ``GR202344001234``; the certificate is valid three years from its issue date
  (《高新技术企业认定管理办法》第十条), so 有效期至 is issue date + 3 years − 1 day. The year of the
  number must be the year of 发证日期, and its province code the province of the enterprise's region
  (``LOCATED_IN`` in the enterprise library; not checked for an enterprise without one).
* 科技型中小企业入库登记编号: 18 digits, 4-digit 入库年度 + 6-digit county-level region code + 8-digit
  serial, e.g. ``202344010512000123``. Enterprises are evaluated every year; a registration of year
  *Y* counts as valid through 31 December of *Y* + 1 (until the next year's list replaces it)
  — :data:`TSME_VALID_YEARS`, this project's reading, adjustable in one place.
* 专精特新: a level (:data:`SRDI_LEVELS`) and the year it was granted, valid three years
  (to 31 December of year + 2) unless 有效期至 says otherwise.

Rows are refused, each with a Chinese reason naming the row and column: a number in another format, a
province or region code that does not exist, a year that contradicts the number, a certificate of
another province than the enterprise's, an expired certificate or registration, an unknown level, a
credit code that contradicts the enterprise library. A refused row stores nothing; the good rows of
the same file are loaded (:func:`ingest.importers.import_rows`).
An enterprise not yet in the library is created from the row's name and credit code (the office's list
is the enterprise library's source, 依托科技型中小企业库、高新技术企业信息数据库).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import Direction
from ingest.builders import Builder, RowContext
from ingest.resolve import normalize_org

__all__ = [
    "TSME", "HNTE", "SRDI", "REGISTRY_KINDS", "NO_REGISTRY", "REGISTRY_CHOICES", "SRDI_LEVELS",
    "TSME_VALID_YEARS", "HNTE_VALID_YEARS", "SRDI_VALID_YEARS", "PROVINCE_CODES",
    "parse_hnte_number", "parse_tsme_number", "hnte_expiry", "tsme_valid_until", "srdi_expiry", "srdi_level",
    "is_active", "statuses_by_enterprise", "HnteBuilder", "TsmeBuilder", "SrdiBuilder", "REGISTRY_BUILDERS",
]

TSME, HNTE, SRDI = "科技型中小企业", "高新技术企业", "专精特新"
REGISTRY_KINDS = (TSME, HNTE, SRDI)
"""The registry statuses an enterprise can hold (the ``kind`` of a Registration)."""
NO_REGISTRY = "无资质"
"""The filter value of enterprises that hold none of :data:`REGISTRY_KINDS` (valid today)."""
SRDI_LEVELS = ("创新型中小企业", "专精特新中小企业", "专精特新“小巨人”企业")
"""专精特新 levels, lowest first: 创新型中小企业 (基础), 省级专精特新中小企业, 国家级专精特新"小巨人"企业."""
REGISTRY_CHOICES = (*REGISTRY_KINDS, *SRDI_LEVELS, NO_REGISTRY)
"""What a ``registry`` filter accepts (a kind, a 专精特新 level, or 无资质)."""
_LEVEL_WORDS = (("小巨人", 2), ("国家级", 2), ("专精特新", 1), ("省级", 1), ("创新型", 0))

TSME_VALID_YEARS = 2
"""A 科技型中小企业 registration of year Y counts through 31 December of Y + TSME_VALID_YEARS − 1."""
HNTE_VALID_YEARS = 3
"""A 高新技术企业 certificate is valid this many years from its issue date."""
SRDI_VALID_YEARS = 3
"""A 专精特新 recognition of year Y is valid through 31 December of Y + SRDI_VALID_YEARS − 1."""

PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"})
"""The province-level codes of GB/T 2260 (the first two digits of a region code)."""

_HNTE = re.compile(r"^GR(\d{4})(\d{2})(\d{6})$")
_TSME = re.compile(r"^(\d{4})(\d{6})(\d{8})$")
_FIRST_YEAR = 2000


@dataclass(frozen=True)
class HnteNumber:
    """A parsed 高新技术企业证书编号."""

    year: int
    province: str
    serial: str


@dataclass(frozen=True)
class TsmeNumber:
    """A parsed 科技型中小企业入库登记编号."""

    year: int
    region: str
    serial: str


def _compact(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or "")).upper()


def parse_hnte_number(value: Any) -> HnteNumber:
    """The parts of a 高新技术企业证书编号.

    Raises:
        ValueError: another format or a province code that does not exist (Chinese reason).

    >>> parse_hnte_number("GR202344001234")
    HnteNumber(year=2023, province='44', serial='001234')
    >>> parse_hnte_number("GR2023440012")
    Traceback (most recent call last):
    ...
    ValueError: 高新技术企业证书编号格式不正确：「GR2023440012」（应为 GR + 4 位发证年份 + 2 位省级行政区划代码 + 6 位顺序号，共 14 位，如 GR202344001234）
    """
    match = _HNTE.match(_compact(value))
    if not match or int(match[1]) < _FIRST_YEAR:
        raise ValueError(Msg.registry.BAD_HNTE_NUMBER.format(value=value))
    if match[2] not in PROVINCE_CODES:
        raise ValueError(Msg.registry.BAD_PROVINCE.format(code=match[2]))
    return HnteNumber(int(match[1]), match[2], match[3])


def parse_tsme_number(value: Any) -> TsmeNumber:
    """The parts of a 科技型中小企业入库登记编号.

    Raises:
        ValueError: another format or a province code that does not exist (Chinese reason).

    >>> parse_tsme_number("202344010512000123")
    TsmeNumber(year=2023, region='440105', serial='12000123')
    """
    match = _TSME.match(_compact(value))
    if not match or int(match[1]) < _FIRST_YEAR:
        raise ValueError(Msg.registry.BAD_TSME_NUMBER.format(value=value))
    if match[2][:2] not in PROVINCE_CODES:
        raise ValueError(Msg.registry.BAD_PROVINCE.format(code=match[2][:2]))
    return TsmeNumber(int(match[1]), match[2], match[3])


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def hnte_expiry(issued_on: str) -> str:
    """The last valid day of a certificate issued on ``issued_on``: three years less one day.

    >>> hnte_expiry("2023-12-12")
    '2026-12-11'
    """
    day = datetime.date.fromisoformat(issued_on[:10])
    return (_add_years(day, HNTE_VALID_YEARS) - datetime.timedelta(days=1)).isoformat()


def tsme_valid_until(year: int) -> str:
    """The last day a 科技型中小企业 registration of ``year`` counts.

    >>> tsme_valid_until(2025)
    '2026-12-31'
    """
    return f"{year + TSME_VALID_YEARS - 1}-12-31"


def srdi_expiry(year: int) -> str:
    """The last valid day of a 专精特新 recognition of ``year`` (when the list gives none).

    >>> srdi_expiry(2024)
    '2026-12-31'
    """
    return f"{year + SRDI_VALID_YEARS - 1}-12-31"


def srdi_level(value: Any) -> str:
    """The canonical 专精特新 level of a list's wording (国家级 / 小巨人 → 专精特新“小巨人”企业 …).

    Raises:
        ValueError: a wording that names no level (Chinese reason).

    >>> srdi_level("国家级专精特新小巨人"), srdi_level("省级专精特新中小企业"), srdi_level("创新型中小企业")
    ('专精特新“小巨人”企业', '专精特新中小企业', '创新型中小企业')
    """
    text = _compact(value)
    for word, index in _LEVEL_WORDS:
        if word in text:
            return SRDI_LEVELS[index]
    raise ValueError(Msg.registry.BAD_LEVEL.format(value=value, choices="、".join(SRDI_LEVELS)))


def is_active(props: Mapping[str, Any], today: datetime.date) -> bool:
    """Whether a Registration (its properties) is valid on ``today``: not before its start, not after ``expires_on``.

    >>> is_active({"kind": "高新技术企业", "issued_on": "2023-12-12", "expires_on": "2026-12-11"},
    ...           datetime.date(2026, 12, 2))
    True
    >>> is_active({"kind": "科技型中小企业", "year": 2024, "expires_on": "2025-12-31"}, datetime.date(2026, 1, 1))
    False
    """
    day = today.isoformat()
    start = str(props.get("issued_on") or f"{props.get('year') or _FIRST_YEAR}-01-01")[:10]
    end = str(props.get("expires_on") or "9999-12-31")[:10]
    return start <= day <= end


def statuses_by_enterprise(registrations: Iterable[Mapping[str, Any]], today: datetime.date) -> dict[str, list[str]]:
    """Enterprise id → the registry statuses it holds on ``today``: the kinds (in :data:`REGISTRY_KINDS`
    order), then its 专精特新 levels (lowest first), from Registration properties (each carries
    ``enterprise_id``); enterprises with none are left out.

    >>> statuses_by_enterprise([{"enterprise_id": "e1", "kind": "高新技术企业", "expires_on": "2099-01-01"},
    ...                         {"enterprise_id": "e1", "kind": "科技型中小企业", "year": 2020,
    ...                          "expires_on": "2021-12-31"}], datetime.date(2026, 1, 1))
    {'e1': ['高新技术企业']}
    """
    held: dict[str, set[str]] = defaultdict(set)
    for props in registrations:
        if props.get("enterprise_id") and is_active(props, today):
            held[str(props["enterprise_id"])].add(str(props.get("kind")))
            if props.get("level"):
                held[str(props["enterprise_id"])].add(str(props["level"]))
    order = (*REGISTRY_KINDS, *SRDI_LEVELS)
    return {e: [k for k in order if k in tags] for e, tags in sorted(held.items())}


# -- the importers -------------------------------------------------------------------------------------
class _RegistryBuilder(Builder):
    """The one flow of the three lists; each kind gives its checks and messages as hooks.

    A row: its :attr:`required` columns, then the kind's :meth:`check` (the Registration's properties,
    ``None`` after a problem), then its ``expires_on`` against today (:meth:`expired` says why, naming
    ``有效期至`` when the list gave it, else :attr:`expiry_column`), then its enterprise (found or
    created, :meth:`enterprise`) and the kind's :meth:`check_enterprise`, then the Registration
    (id from :meth:`registration_id`) and HOLDS.
    """

    registry: str = ""
    code: str = ""
    required: tuple[str, ...] = ("number",)
    expiry_column: str = "number"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._created: dict[str, str] = {}

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One row of the list."""
        if not ctx.require(rec, *self.required):
            return
        props = self.check(ctx, rec)
        if props is None:
            return
        if props["expires_on"] < self.today.isoformat():
            ctx.fail("expires_on" if rec.get("expires_on") else self.expiry_column, self.expired(props))
            return
        who = self.enterprise(ctx, rec)
        if who is None or not self.check_enterprise(ctx, who, props):
            return
        self.registration(ctx, rec, who, {"id": self.registration_id(who, props), **props})

    def check(self, ctx: RowContext, rec: dict[str, Any]) -> dict[str, Any] | None:
        """The Registration's properties read from the row (with ``expires_on``), or ``None`` after a problem."""
        raise NotImplementedError

    def expired(self, props: dict[str, Any]) -> str:
        """Why a registration with these properties is no longer valid (Chinese)."""
        raise NotImplementedError

    def check_enterprise(self, ctx: RowContext, who: tuple[str, str], props: dict[str, Any]) -> bool:
        """Whether the registration fits its enterprise; every enterprise fits by default."""
        return True

    def registration_id(self, who: tuple[str, str], props: dict[str, Any]) -> str:
        """The Registration's key: the kind and its number."""
        return f"reg:{self.code}:{props['number']}"

    def source_of(self, rec: dict[str, Any]) -> str:
        """The row's source, else the load's, else ``<kind>名单`` (the office's list of this kind)."""
        return str(rec.get("source") or self.source or f"{self.registry}名单")

    def enterprise(self, ctx: RowContext, rec: dict[str, Any]) -> tuple[str, str] | None:
        """(id, name) of the row's enterprise: by credit code, else by exact name; created when new
        and the row has a credit code."""
        credit, name = rec.get("credit_code"), normalize_org(rec["name"]) if rec.get("name") else None
        if not credit and not name:
            ctx.fail("credit_code", Msg.registry.ENTERPRISE_KEY)
            return None
        for value in (credit, name):
            if not value:
                continue
            try:
                eid = self.resolver.enterprise(value)
            except ValueError:
                continue
            node = self.store.get_node(Label.ENTERPRISE, eid)
            stored = str((node.props if node else {}).get("credit_code") or "")
            if credit and stored and stored.upper() != str(credit).upper():
                ctx.fail("credit_code", Msg.registry.CREDIT_MISMATCH.format(name=node.name if node else eid,
                                                                          stored=stored))
                return None
            return eid, (node.name if node else str(name or eid))
        if not credit:
            ctx.fail("name", Msg.UNKNOWN_CODE.format(what="企业", value=name,
                                                     hint="（库中没有该企业：请填写统一社会信用代码，以便新建企业）"))
            return None
        eid = f"ent:{credit}"
        if eid not in self._created:
            ctx.node(Label.ENTERPRISE, {"id": eid, "name": name or str(credit), "credit_code": credit,
                                        "source": self.source_of(rec)})
            ctx.on_commit(lambda: self._created.setdefault(eid, str(name)))
        return eid, str(name or credit)

    def registration(self, ctx: RowContext, rec: dict[str, Any], who: tuple[str, str], props: dict[str, Any]) -> None:
        """Emit the Registration (``props`` carry its id) and the enterprise's HOLDS."""
        if not self.claim(ctx, props["id"], "number"):
            return
        eid, name = who
        ctx.node(Label.REGISTRATION, {**props, "kind": self.registry, "enterprise_id": eid, "enterprise_name": name,
                                      "credit_code": rec.get("credit_code"), "source": self.source_of(rec)})
        ctx.rel(RelType.HOLDS, Label.ENTERPRISE, eid, Label.REGISTRATION, props["id"])

    def check_year(self, ctx: RowContext, rec: dict[str, Any], number_year: int, column: str = "year") -> bool:
        """The row's year column (when given) agrees with the number; no year after this one."""
        given = rec.get(column)
        if given is not None and int(given) != number_year:
            ctx.fail(column, Msg.registry.YEAR_MISMATCH.format(number_year=number_year, value=given))
            return False
        if number_year > self.today.year:
            ctx.fail("number", Msg.registry.FUTURE_YEAR.format(year=number_year, today=self.today.year))
            return False
        return True


class HnteBuilder(_RegistryBuilder):
    """Rows of kind ``hnte`` (高新技术企业名单) → Registration {kind: 高新技术企业, number, issued_on, expires_on}."""

    kind = "hnte"
    registry, code = HNTE, "hnte"

    def check(self, ctx: RowContext, rec: dict[str, Any]) -> dict[str, Any] | None:
        """One certificate: its number, issue year and validity."""
        number = self.resolve(ctx, "number", parse_hnte_number, rec["number"])
        if number is None:
            return None
        issued = rec.get("issued_on")
        if issued and len(issued) == 7:  # 发证年月 only: the first of the month
            issued = f"{issued}-01"
        if issued and int(issued[:4]) != number.year:
            ctx.fail("issued_on", Msg.registry.YEAR_MISMATCH.format(number_year=number.year, value=issued))
            return None
        if not self.check_year(ctx, {}, number.year):
            return None
        computed = hnte_expiry(issued) if issued else f"{number.year + HNTE_VALID_YEARS}-12-31"
        expires = rec.get("expires_on") or computed
        if len(expires) == 7:
            expires = f"{expires}-28"
        if rec.get("expires_on") and issued and not issued < expires <= computed:
            ctx.fail("expires_on", Msg.registry.HNTE_VALIDITY.format(expires=expires, issued=issued))
            return None
        return {"number": _compact(rec["number"]), "year": number.year, "province": number.province,
                "issued_on": issued, "expires_on": expires, "authority": rec.get("authority")}

    def expired(self, props: dict[str, Any]) -> str:
        """The certificate's three years are over."""
        return Msg.registry.HNTE_EXPIRED.format(expires=props["expires_on"],
                                                issued=props["issued_on"] or f"{props['year']} 年")

    def check_enterprise(self, ctx: RowContext, who: tuple[str, str], props: dict[str, Any]) -> bool:
        """The certificate's province (digits 7–8 of the number) is the province the enterprise library
        places the enterprise in; an enterprise without a stored region is not checked."""
        regions = [nb.node for nb in self.store.neighbors(Label.ENTERPRISE, who[0], direction=Direction.OUT,
                                                          rel_types=[RelType.LOCATED_IN], labels=[Label.REGION])]
        codes = [str(r.props.get("code") or r.id.removeprefix("region:")) for r in regions]
        if not regions or any(code[:2] == props["province"] for code in codes):
            return True
        province = self.store.get_node(Label.REGION, f"region:{props['province']}0000")
        region = regions[0]
        ctx.fail("number", Msg.registry.HNTE_PROVINCE.format(
            code=props["province"], province=f"（{province.name}）" if province else "", name=who[1],
            region=region.props.get("full_name") or region.name, region_code=codes[0]))
        return False


class TsmeBuilder(_RegistryBuilder):
    """Rows of kind ``tsme`` (科技型中小企业入库名单) → Registration {kind: 科技型中小企业, number, year, expires_on}."""

    kind = "tsme"
    registry, code = TSME, "tsme"

    def check(self, ctx: RowContext, rec: dict[str, Any]) -> dict[str, Any] | None:
        """One 入库 registration: its number, region code and year."""
        number = self.resolve(ctx, "number", parse_tsme_number, rec["number"])
        if number is None:
            return None
        if self.resolver.has_regions and self.store.get_node(Label.REGION, f"region:{number.region}") is None:
            ctx.fail("number", Msg.registry.UNKNOWN_REGION_CODE.format(code=number.region))
            return None
        if not self.check_year(ctx, rec, number.year):
            return None
        return {"number": _compact(rec["number"]), "year": number.year, "region_code": number.region,
                "issued_on": rec.get("registered_on"), "expires_on": tsme_valid_until(number.year)}

    def expired(self, props: dict[str, Any]) -> str:
        """The registration's year is past (the list is renewed every year)."""
        return Msg.registry.TSME_EXPIRED.format(year=props["year"], until=props["expires_on"])


class SrdiBuilder(_RegistryBuilder):
    """Rows of kind ``srdi`` (专精特新名单) → Registration {kind: 专精特新, level, year, expires_on}."""

    kind = "srdi"
    registry, code = SRDI, "srdi"
    required = ("level", "year")
    expiry_column = "year"

    def check(self, ctx: RowContext, rec: dict[str, Any]) -> dict[str, Any] | None:
        """One recognition: its level and year."""
        level = self.resolve(ctx, "level", srdi_level, rec["level"])
        if level is None:
            return None
        year = int(rec["year"])
        if year > self.today.year or year < _FIRST_YEAR:
            ctx.fail("year", Msg.registry.FUTURE_YEAR.format(year=year, today=self.today.year))
            return None
        return {"number": rec.get("number") or f"{level}{year}", "year": year, "level": level,
                "level_rank": SRDI_LEVELS.index(level), "expires_on": rec.get("expires_on") or srdi_expiry(year)}

    def expired(self, props: dict[str, Any]) -> str:
        """The recognition's three years are over."""
        return Msg.registry.SRDI_EXPIRED.format(expires=props["expires_on"])

    def registration_id(self, who: tuple[str, str], props: dict[str, Any]) -> str:
        """A recognition has no number of its own: the enterprise, the level and the year."""
        return f"reg:srdi:{who[0].removeprefix('ent:')}:{props['level_rank']}:{props['year']}"


REGISTRY_BUILDERS: tuple[type[Builder], ...] = (HnteBuilder, TsmeBuilder, SrdiBuilder)
"""The importers of the registry lists (registered in :data:`ingest.importers.BUILDERS`)."""
