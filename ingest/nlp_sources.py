"""Readers for the raw public data the NLP models are built and evaluated from.

These read the read-only originals in ``shared/data/raw`` (each folder has a SOURCE.md);
they are used by the build step (:mod:`ingest.nlp_build`) and the benchmark
(``bench/nlp_eval.py``), never at run time: the product reads only what the build
wrote to ``data/nlp/``.

The raw folder is ``$KGMATCH_RAW_DATA_DIR`` when set, otherwise ``shared/data/raw``
beside the repository (where the workplace and CI put it).
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from graph.environment import env_value

__all__ = [
    "RAW_DATA_ENV",
    "raw_data_dir",
    "NsfcProject",
    "TaxonomyEntry",
    "CslKeywordCase",
    "read_c_projects",
    "read_nsfc2020_codes",
    "read_nsfc_codes",
    "read_hightech_fields",
    "read_gbt4754_industries",
    "read_g_project_titles",
    "read_csl_train_titles",
    "read_csl_keyword_cases",
    "split_keywords",
    "seeded_split",
]

RAW_DATA_ENV = "KGMATCH_RAW_DATA_DIR"
_REPO_ROOT = Path(__file__).resolve().parent.parent
_T = TypeVar("_T")


def raw_data_dir() -> Path:
    """Where the raw originals are: ``$KGMATCH_RAW_DATA_DIR`` or ``../shared/data/raw``.

    Raises
    ------
    FileNotFoundError
        When the folder does not exist (the message names the variable to set).
    """
    env = env_value(RAW_DATA_ENV)
    path = Path(env) if env else _REPO_ROOT.parent / "shared" / "data" / "raw"
    if not path.is_dir():
        raise FileNotFoundError(f"raw data folder {path} not found; set {RAW_DATA_ENV} to shared/data/raw")
    return path


@dataclass(frozen=True)
class NsfcProject:
    """One NSFC life-science project: its post-2020 application code, title and keywords."""

    approval_no: str
    title: str
    code: str
    keywords: tuple[str, ...]
    year: int | None


@dataclass(frozen=True)
class TaxonomyEntry:
    """One code of a taxonomy: ``parent`` is ``None`` at the top level."""

    code: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class CslKeywordCase:
    """One CSL keyword-generation case: the text (abstract and title) and its gold keywords."""

    text: str
    keywords: tuple[str, ...]


def split_keywords(cell: str) -> tuple[str, ...]:
    """The keywords of a ``keywords`` cell, separated by "；" (full-width), de-duplicated in order.

    >>> split_keywords("古菌； 功能演化； DNA修复； 古菌")
    ('古菌', '功能演化', 'DNA修复')
    """
    seen: dict[str, None] = {}
    for part in re.split(r"[；;]", cell or ""):
        word = part.strip()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def _year(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def read_c_projects(raw: Path | None = None) -> list[NsfcProject]:
    """The 4,762 life-science (C) projects, in file order."""
    path = (raw or raw_data_dir()) / "nsfc-projects-lifesci-C" / "nsfc_C_projects.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            NsfcProject(
                approval_no=row["approval_no"].strip(),
                title=row["title"].strip(),
                code=row["application_code"].strip(),
                keywords=split_keywords(row["keywords"]),
                year=_year(row["approval_year"]),
            )
            for row in csv.DictReader(fh)
            if row["title"].strip() and row["application_code"].strip()
        ]


def read_nsfc2020_codes(raw: Path | None = None) -> list[TaxonomyEntry]:
    """The post-2020 life-science codes (second level, e.g. C0102 微生物生理与生化)."""
    path = (raw or raw_data_dir()) / "nsfc-projects-lifesci-C" / "nsfc_C_codes_post2020.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            TaxonomyEntry(row["subCode"].strip(), row["name"].strip(), row["mainCode"].strip() or None)
            for row in csv.DictReader(fh)
        ]


def read_nsfc_codes(raw: Path | None = None) -> list[TaxonomyEntry]:
    """The 2,916 pre-2020 NSFC application codes (three levels, A01 … H3118)."""
    path = (raw or raw_data_dir()) / "nsfc-application-codes" / "nsfc_codes_pre2020.jl"
    entries = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                parents = item.get("parents") or []
                entries.append(TaxonomyEntry(item["_id"], item["name"].strip(), parents[0] if parents else None))
    return entries


def read_hightech_fields(raw: Path | None = None) -> list[TaxonomyEntry]:
    """The 314 国家重点支持的高新技术领域 (2016) entries."""
    path = (raw or raw_data_dir()) / "hightech-fields-2016" / "hightech_fields_2016.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            TaxonomyEntry(row["code"].strip(), row["name"].strip(), row["parent_code"].strip() or None)
            for row in csv.DictReader(fh)
        ]


def read_gbt4754_industries(raw: Path | None = None) -> list[TaxonomyEntry]:
    """GB/T 4754-2011 门类/大类/中类/小类, with parents (cells padded with U+3000 are stripped)."""
    path = (raw or raw_data_dir()) / "gbt4754-2011-industries" / "gbt4754_2011.csv"
    entries: list[TaxonomyEntry] = []
    section = division = group = None
    with path.open(encoding="utf-8", newline="") as fh:
        for cells in csv.reader(fh):
            cells = [c.strip().strip("\u3000").strip() for c in cells]
            if len(cells) < 5 or not cells[4]:
                continue
            sec, div, grp, cls, name = cells[:5]
            if sec:
                section = sec
                entries.append(TaxonomyEntry(sec, name, None))
            elif div:
                division = div
                entries.append(TaxonomyEntry(div, name, section))
            elif grp:
                group = grp
                entries.append(TaxonomyEntry(grp, name, division))
                if cls:  # a 中类 with a single 小类 of the same name
                    entries.append(TaxonomyEntry(cls, name, grp))
            elif cls:
                entries.append(TaxonomyEntry(cls, name, group))
    return entries


def read_g_project_titles(raw: Path | None = None) -> list[str]:
    """Titles of the management-science (G) projects starting ≤ 2015 (the train part)."""
    path = (raw or raw_data_dir()) / "nsfc-projects-mgmt-G-1992-2014" / "nsfc_G_projects_start_le2015.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["项目名称"].strip() for row in csv.DictReader(fh) if row["项目名称"].strip()]


def _tsv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        for line in fh:
            yield line.rstrip("\n").split("\t")


def read_csl_train_titles(raw: Path | None = None) -> list[str]:
    """Titles of the CSL category TRAIN split (no keywords there; the dev split is never read here)."""
    path = (raw or raw_data_dir()) / "csl-benchmark-dev" / "cls_ctg_train.tsv"
    return [cells[1].strip() for cells in _tsv_rows(path) if len(cells) >= 3 and cells[1].strip()]


def read_csl_keyword_cases(raw: Path | None = None) -> list[CslKeywordCase]:
    """The 1,000 CSL dev keyword cases (abstract + title → keywords joined by "_"); evaluation only."""
    path = (raw or raw_data_dir()) / "csl-benchmark-dev" / "kg_dev.tsv"
    cases = []
    for cells in _tsv_rows(path):
        if len(cells) >= 3:
            gold = tuple(dict.fromkeys(k.strip() for k in cells[2].split("_") if k.strip()))
            cases.append(CslKeywordCase(cells[1].replace("\ufffd", ""), gold))
    return cases


def seeded_split(
    items: Sequence[_T], *, test_fraction: float = 0.2, seed: int = 13
) -> tuple[list[_T], list[_T]]:
    """Shuffle ``items`` with ``seed`` and cut off ``test_fraction`` of them: ``(train, test)``.

    >>> seeded_split(list(range(10)), test_fraction=0.3, seed=1)[1]
    [6, 8, 9]
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    n_test = round(len(items) * test_fraction)
    test_idx = set(order[:n_test])
    train = [x for i, x in enumerate(items) if i not in test_idx]
    test = [x for i, x in enumerate(items) if i in test_idx]
    return train, test
