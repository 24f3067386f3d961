"""Synthetic registry lists for the demo enterprises: a 高新技术企业 list, a 科技型中小企业 入库 list and a
专精特新 list, in the layout an office has (Chinese headers, one CSV each), seeded and reproducible::

    python -m ingest.registry_sample --seed 20261202 [--enterprises data/demo/enterprises.jsonl] [--out data/demo-registry]

Everything is **synthetic** (``数据来源`` = ``synthetic``): the enterprises are the demo's invented ones
(by id, name and credit code, so the lists must be regenerated when ``data/demo/enterprises.jsonl``
changes), and so are the certificate numbers, dates and levels; the formats are the real ones
(:mod:`ingest.registry`). The reference date :data:`REFERENCE` keeps every row valid for years after it.

Who gets what (a plausible mix, not statistics): enterprises flagged ``high_tech`` hold a 高企 certificate
issued in one of the three years before the reference date; about 70 % of the small, micro and medium ones
are 科技型中小企业 of the reference year or the year before; about a fifth of the non-large ones are
专精特新 (half 创新型中小企业, a third 专精特新中小企业, the rest 小巨人).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.registry import SRDI_LEVELS
from ingest.resolve import DATA_ROOT

__all__ = ["REFERENCE", "SAMPLE_DIR", "DEFAULT_SEED", "registry_rows", "write_sample", "main"]

REFERENCE = datetime.date(2026, 11, 20)
"""The day the synthetic lists are "as of": nothing is issued after it."""
SAMPLE_DIR = DATA_ROOT / "demo-registry"
DEFAULT_SEED = 20261202
_ENTERPRISES = DATA_ROOT / "demo" / "enterprises.jsonl"
_REGIONS = DATA_ROOT / "taxonomies" / "gbt2260-regions" / "pca-code.json"
_AUTHORITY = {"11": "北京市", "12": "天津市", "31": "上海市", "50": "重庆市"}

HEADERS = {
    "hnte": ("序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期", "有效期至", "认定机构", "数据来源"),
    "tsme": ("序号", "企业名称", "统一社会信用代码", "入库登记编号", "入库年度", "入库日期", "数据来源"),
    "srdi": ("序号", "企业名称", "统一社会信用代码", "认定级别", "认定年份", "有效期至", "数据来源"),
}
"""The columns of each list, as an office's spreadsheet has them."""


def _counties(path: Path = _REGIONS) -> dict[str, list[str]]:
    """City code (4 digits) → its county-level codes (6 digits; none for a city without counties)."""
    out: dict[str, list[str]] = {}
    for province in json.loads(path.read_text(encoding="utf-8")):
        for city in province.get("children", []):
            # county-level codes have 6 digits; cities without counties (东莞, 中山, 嘉峪关…) list towns instead
            out[city["code"]] = sorted(c["code"] for c in city.get("children", []) if len(c["code"]) == 6)
    return out


def _day(rng: random.Random, year: int, first: tuple[int, int], last: tuple[int, int]) -> datetime.date:
    start, end = datetime.date(year, *first), min(datetime.date(year, *last), REFERENCE)
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def registry_rows(enterprises: Sequence[dict[str, Any]], *, seed: int = DEFAULT_SEED,
                  counties: dict[str, list[str]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The three lists' rows (dicts keyed by :data:`HEADERS`) for ``enterprises`` (demo rows with ``id``,
    ``name``, ``credit_code``, ``region``, ``scale``, ``high_tech``), deterministic for ``seed``."""
    counties = _counties() if counties is None else counties
    rng = random.Random(seed)
    lists: dict[str, list[dict[str, Any]]] = {"hnte": [], "tsme": [], "srdi": []}
    serials: dict[str, int] = {}
    year = REFERENCE.year
    for ent in sorted(enterprises, key=lambda e: e["id"]):
        name, credit, region = ent["name"], ent.get("credit_code", ""), str(ent.get("region", ""))
        province = region[:2]
        small = ent.get("scale") != "大型"
        if ent.get("high_tech"):
            issued_year = year - rng.choice((0, 1, 2))
            issued = _day(rng, issued_year, (10, 15), (12, 20))
            serials[province] = serials.get(province, 0) + rng.randint(1, 40)
            lists["hnte"].append({
                "企业名称": name, "统一社会信用代码": credit,
                "证书编号": f"GR{issued_year}{province}{serials[province]:06d}", "发证日期": issued.isoformat(),
                "有效期至": (_add_years(issued, 3) - datetime.timedelta(days=1)).isoformat(),
                "认定机构": f"{_AUTHORITY.get(province, '省')}高新技术企业认定管理机构", "数据来源": "synthetic"})
        if small and rng.random() < 0.7:
            tsme_year = year - rng.choice((0, 0, 1))
            options = counties.get(region[:4]) or [region]  # a city without counties: the city's own code
            county = credit[2:8] if credit[2:8] in options else rng.choice(options)
            batch = rng.randint(1, 6)
            lists["tsme"].append({
                "企业名称": name, "统一社会信用代码": credit,
                "入库登记编号": f"{tsme_year}{county}{batch:02d}{rng.randint(1, 9999):06d}", "入库年度": tsme_year,
                "入库日期": _day(rng, tsme_year, (3, 1), (10, 31)).isoformat(), "数据来源": "synthetic"})
        if small and rng.random() < 0.2:
            level = rng.choices(SRDI_LEVELS, weights=(5, 3, 2))[0]
            granted = year - rng.choice((0, 1, 2))
            lists["srdi"].append({
                "企业名称": name, "统一社会信用代码": credit, "认定级别": level, "认定年份": granted,
                "有效期至": f"{granted + 2}-12-31", "数据来源": "synthetic"})
    for rows in lists.values():
        for i, row in enumerate(rows, start=1):
            row["序号"] = i
    return lists


def write_sample(out: Path = SAMPLE_DIR, *, seed: int = DEFAULT_SEED, enterprises: Path = _ENTERPRISES) -> dict[str, int]:
    """Write ``registry-hnte.csv``, ``registry-tsme.csv``, ``registry-srdi.csv`` (UTF-8 with BOM, as Excel
    saves them) into ``out``; the row count of each list."""
    rows = [json.loads(line) for line in enterprises.read_text(encoding="utf-8").splitlines() if line.strip()]
    lists = registry_rows(rows, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for kind, items in lists.items():
        with (out / f"registry-{kind}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADERS[kind], lineterminator="\n")
            writer.writeheader()
            writer.writerows(items)
    return {kind: len(items) for kind, items in lists.items()}


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: regenerate the synthetic registry lists."""
    parser = argparse.ArgumentParser(description="synthetic registry lists for the demo enterprises")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--enterprises", type=Path, default=_ENTERPRISES)
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    args = parser.parse_args(argv)
    counts = write_sample(args.out, seed=args.seed, enterprises=args.enterprises)
    print(json.dumps(counts, ensure_ascii=False))  # noqa: T201 - the command's output


if __name__ == "__main__":
    main()
