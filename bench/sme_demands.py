"""The hand-written SME demand set (``data/eval/sme-demands/demands.tsv``) and its seeded dev/test split.

Written before any tuning (see its SOURCE.md); this module only reads it. ``split_of`` puts
about 40 % of the ids in ``dev`` (the only part anything may be tuned on) and the rest in
``test``, by a hash of the id and the seed, so adding demands never moves old ones.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SME_DEMANDS_PATH", "SEED", "DEV_SHARE", "SmeDemand", "split_of", "load_sme_demands"]

SME_DEMANDS_PATH = Path(__file__).resolve().parent.parent / "data" / "eval" / "sme-demands" / "demands.tsv"
SEED = 20261202
DEV_SHARE = 0.4


@dataclass(frozen=True)
class SmeDemand:
    """One labelled demand: ht2016 second-level codes and evidence terms."""

    id: str
    level1: str
    fields: tuple[str, ...]
    terms: tuple[str, ...]
    title: str
    description: str
    split: str

    @property
    def text(self) -> str:
        """Title on the first line, description after it (the layout demands are stored in)."""
        return f"{self.title}\n{self.description}"


def split_of(demand_id: str, *, seed: int = SEED, dev_share: float = DEV_SHARE) -> str:
    """``"dev"`` or ``"test"`` for an id, stable under additions.

    >>> split_of("d001") in ("dev", "test")
    True
    """
    digest = hashlib.sha256(f"{seed}:{demand_id}".encode()).digest()
    return "dev" if int.from_bytes(digest[:8], "big") / 2**64 < dev_share else "test"


def load_sme_demands(path: Path = SME_DEMANDS_PATH, *, split: str | None = None) -> list[SmeDemand]:
    """Every demand of the set (or only ``split``), in file order.

    Raises
    ------
    ValueError
        A row without fields or terms, or a duplicate id (the file is hand-written).
    """
    out: list[SmeDemand] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            fields = tuple(f for f in row["fields"].split("|") if f)
            terms = tuple(t for t in row["terms"].split("|") if t)
            if not fields or not terms or row["id"] in seen:
                raise ValueError(f"{path.name} line {line_no}: needs fields and terms and a new id")
            seen.add(row["id"])
            d = SmeDemand(row["id"], row["level1"], fields, terms, row["title"], row["description"], split_of(row["id"]))
            if split is None or d.split == split:
                out.append(d)
    return out
