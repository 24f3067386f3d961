"""Crosswalk between taxonomies: IPC, NSFC codes, CSL disciplines, 中图分类号 → 高新技术领域 (→ GB/T 4754).

The enterprise side speaks 国家重点支持的高新技术领域 (``ht2016``); experts are indexed under NSFC
application codes (``nsfc``, ``nsfc2020``), patents under IPC subclasses, papers under CSL
disciplines or 中图分类号 (CLC). The crosswalk says, for a code of one of those schemes, which
second-level ht2016 fields it belongs to — the first target is the main one — so that

* labelled text of every source becomes training text for one label space (:mod:`ingest.field_model`);
* a demand linked to ht2016 reaches experts indexed under NSFC codes (:func:`codes_for_field`);
* an ht2016 field proposes GB/T 4754 industries where that is natural (scheme ``ht2016>gbt4754``).

How it is built: ``data/crosswalk/rules.csv`` holds hand-written prefix rules ``(scheme, prefix,
targets)`` (``-`` = no high-tech field, e.g. furniture or civil engineering); a code takes the
rule with the longest matching prefix. ``python -m ingest.crosswalk`` expands the rules over every
code the shipped taxonomies list (645 IPC subclasses from ``ipc_subclasses.tsv``, the NSFC
pre-2020 and post-2020 C codes, the CSL disciplines, the ht2016 second-level fields) and writes
``data/crosswalk/crosswalk.csv``; CLC has no code list here and is mapped by prefix when asked.
Its precision on a hand-checked sample is measured by ``python -m bench.crosswalk_precision``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.resolve import DATA_ROOT

__all__ = [
    "CROSSWALK_DIR",
    "RULES_PATH",
    "CROSSWALK_PATH",
    "SCHEMES",
    "Rule",
    "CrosswalkRow",
    "load_rules",
    "Crosswalk",
    "get_crosswalk",
    "build_rows",
    "crosswalk_csv",
    "main",
]

CROSSWALK_DIR = DATA_ROOT / "crosswalk"
RULES_PATH = CROSSWALK_DIR / "rules.csv"
CROSSWALK_PATH = CROSSWALK_DIR / "crosswalk.csv"
IPC_SUBCLASSES_PATH = CROSSWALK_DIR / "ipc_subclasses.tsv"
HT2016_PATH = DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv"
GBT4754_PATH = DATA_ROOT / "taxonomies" / "gbt4754-2011-industries" / "gbt4754_2011.csv"
NSFC_PRE2020_PATH = DATA_ROOT / "taxonomies" / "nsfc-application-codes" / "nsfc_codes_pre2020.jl"
NSFC_POST2020_PATH = DATA_ROOT / "taxonomies" / "nsfc-codes-post2020" / "nsfc_C_codes_post2020.csv"

SCHEMES = ("ipc", "nsfc", "nsfc2020", "csl", "clc", "ht2016>gbt4754")
"""Source schemes of the rules; all map to ht2016 second-level codes except the last (→ GB/T 4754)."""
NONE = "-"
SECONDARY_WEIGHT = 0.6
"""Weight of a rule's second and later targets (the first has 1.0)."""


@dataclass(frozen=True)
class Rule:
    """One hand-written prefix rule."""

    scheme: str
    prefix: str
    targets: tuple[str, ...]  # empty: the code belongs to no high-tech field
    line: int


@dataclass(frozen=True)
class CrosswalkRow:
    """One (source code → target code) link of the expanded crosswalk."""

    scheme: str
    code: str
    name: str
    target_scheme: str
    target: str
    target_name: str
    weight: float
    rule: str


def load_rules(path: Path = RULES_PATH, *, known_targets: Mapping[str, set[str]] | None = None) -> list[Rule]:
    """The rules of ``path``, checked: a known scheme, a prefix, known target codes, no repeats.

    Raises
    ------
    ValueError
        Naming the line (Chinese, like every loader message) for a bad rule.
    """
    targets_of = known_targets if known_targets is not None else _known_targets()
    rules: list[Rule] = []
    seen: set[tuple[str, str]] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            scheme, prefix, raw = (row.get(k, "").strip() for k in ("scheme", "prefix", "targets"))
            if scheme not in SCHEMES:
                raise ValueError(f"{path.name} 第 {line} 行「scheme」未知：「{scheme}」（可用 {'、'.join(SCHEMES)}）")
            if not prefix or (scheme, prefix) in seen:
                raise ValueError(f"{path.name} 第 {line} 行「prefix」为空或重复：「{prefix}」")
            seen.add((scheme, prefix))
            targets = () if raw == NONE else tuple(t.strip() for t in raw.split("|"))
            known = targets_of["gbt4754" if scheme == "ht2016>gbt4754" else "ht2016"]
            bad = [t for t in targets if t not in known]
            if bad or (raw != NONE and not targets):
                raise ValueError(f"{path.name} 第 {line} 行「targets」含未知编码：「{'、'.join(bad) or raw}」")
            rules.append(Rule(scheme, prefix, targets, line))
    return rules


def _ht2016_names(level: int | None = None) -> dict[str, str]:
    with HT2016_PATH.open(encoding="utf-8", newline="") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh) if level is None or int(r["level"]) == level}


def _gbt4754_names() -> dict[str, str]:
    names: dict[str, str] = {}
    with GBT4754_PATH.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            cells = [c.strip().replace("\u3000", "") for c in row]
            codes = [c for c in cells[:4] if c]
            for code in codes if len(cells) >= 5 else ():  # 745 and 7450 share one row
                names.setdefault(code, cells[4])
    return names


def _known_targets() -> dict[str, set[str]]:
    return {"ht2016": set(_ht2016_names(2)), "gbt4754": set(_gbt4754_names())}


def _source_codes() -> dict[str, dict[str, str]]:
    """Every code each scheme's shipped list has, with its name (CLC has no list)."""
    codes: dict[str, dict[str, str]] = {s: {} for s in SCHEMES}
    with IPC_SUBCLASSES_PATH.open(encoding="utf-8") as fh:
        for line in fh:
            code, _, title = line.rstrip("\n").partition("\t")
            codes["ipc"][code] = title
    with NSFC_PRE2020_PATH.open(encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            codes["nsfc"][entry["_id"]] = entry["name"]
    with NSFC_POST2020_PATH.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            codes["nsfc2020"].setdefault(row["mainCode"], row["mainCode"])
            codes["nsfc2020"][row["subCode"]] = row["name"]
    codes["ht2016>gbt4754"] = _ht2016_names(2)
    return codes


class Crosswalk:
    """Longest-prefix lookup over the rules, plus the reverse direction (ht2016 → source prefixes)."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: dict[str, dict[str, Rule]] = {}
        for rule in rules:
            self.rules.setdefault(rule.scheme, {})[rule.prefix] = rule

    def rule_for(self, scheme: str, code: str) -> Rule | None:
        """The rule with the longest prefix of ``code`` (``None`` when no rule matches).

        >>> cw = Crosswalk([Rule("ipc", "H04", ("104",), 2), Rule("ipc", "H04L", ("104", "107"), 3)])
        >>> cw.rule_for("ipc", "H04L").prefix, cw.rule_for("ipc", "H04W").prefix
        ('H04L', 'H04')
        """
        by_prefix = self.rules.get(scheme, {})
        for end in range(len(code), 0, -1):
            rule = by_prefix.get(code[:end])
            if rule is not None:
                return rule
        return None

    def targets(self, scheme: str, code: str) -> list[tuple[str, float]]:
        """``(target code, weight)`` for a code, main target first (1.0), the others at :data:`SECONDARY_WEIGHT`.

        >>> Crosswalk([Rule("ipc", "H04L", ("104", "107"), 2)]).targets("ipc", "H04L")
        [('104', 1.0), ('107', 0.6)]
        """
        rule = self.rule_for(scheme, code.strip())
        if rule is None:
            return []
        return [(t, 1.0 if i == 0 else SECONDARY_WEIGHT) for i, t in enumerate(rule.targets)]

    def codes_for_field(self, scheme: str, ht2016_code: str, *, main_only: bool = True) -> list[str]:
        """Rule prefixes of ``scheme`` that map to ``ht2016_code`` (as their main target with ``main_only``).

        >>> cw = Crosswalk([Rule("nsfc", "F0208", ("103", "107"), 2), Rule("nsfc", "F02", ("101",), 3)])
        >>> cw.codes_for_field("nsfc", "107", main_only=False), cw.codes_for_field("nsfc", "107")
        (['F0208'], [])
        """
        out = []
        for prefix, rule in sorted(self.rules.get(scheme, {}).items()):
            if (rule.targets[:1] if main_only else rule.targets) and ht2016_code in (
                    rule.targets[:1] if main_only else rule.targets):
                out.append(prefix)
        return out


@cache
def get_crosswalk() -> Crosswalk:
    """The crosswalk of the shipped rules (read once)."""
    return Crosswalk(load_rules())


def build_rows(rules: Iterable[Rule] | None = None) -> list[CrosswalkRow]:
    """Every listed code of every scheme with its targets (codes no rule matches are left out)."""
    rules = list(rules) if rules is not None else load_rules()
    cw = Crosswalk(rules)
    names = {"ht2016": _ht2016_names(2), "gbt4754": _gbt4754_names()}
    sources = _source_codes()
    for rule in rules:  # CSL disciplines and CLC prefixes are listed by their rules
        if rule.scheme in ("csl", "clc"):
            sources[rule.scheme].setdefault(rule.prefix, rule.prefix)
    rows: list[CrosswalkRow] = []
    for scheme in SCHEMES:
        target_scheme = "gbt4754" if scheme == "ht2016>gbt4754" else "ht2016"
        for code in sorted(sources[scheme]):
            rule = cw.rule_for(scheme, code)
            if rule is None:
                continue
            for target, weight in cw.targets(scheme, code):
                rows.append(CrosswalkRow(scheme, code, sources[scheme][code], target_scheme, target,
                                         names[target_scheme].get(target, ""), weight, rule.prefix))
    return rows


def crosswalk_csv(rows: Iterable[CrosswalkRow]) -> str:
    """The CSV text of ``data/crosswalk/crosswalk.csv`` (deterministic)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scheme", "code", "name", "target_scheme", "target", "target_name", "weight", "rule"])
    for r in rows:
        writer.writerow([r.scheme, r.code, r.name, r.target_scheme, r.target, r.target_name, r.weight, r.rule])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.crosswalk [--check]``: (re)write data/crosswalk/crosswalk.csv from the rules."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the shipped file is up to date")
    args = parser.parse_args(argv)
    text = crosswalk_csv(build_rows())
    if args.check:
        same = CROSSWALK_PATH.exists() and CROSSWALK_PATH.read_text(encoding="utf-8") == text
        print("crosswalk.csv is up to date" if same else "crosswalk.csv differs from the rules: rebuild it")
        return 0 if same else 1
    CROSSWALK_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {CROSSWALK_PATH} ({text.count(chr(10)) - 1} links)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
