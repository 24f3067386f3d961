"""The top-5 evidence counting shared by bench/expert_evidence.py and bench/sme_demands.py."""

from __future__ import annotations

from types import SimpleNamespace

from bench.expert_evidence import TopFiveCounts, cell
from bench.sme_demands import SmeDemand

DEMAND = SmeDemand("d1", "10", ("107",), ("入侵检测",), "工控网络入侵检测", "需要懂工控安全的专家", "test")


def _expert(title: str, field: str, confidence: float | None) -> SimpleNamespace:
    facts = SimpleNamespace(projects=[SimpleNamespace(title=title)], keywords=[], research=[],
                            paths=[SimpleNamespace(expert_field=field)])
    evidence = None if confidence is None else SimpleNamespace(confidence=confidence)
    return SimpleNamespace(scored=SimpleNamespace(facts=facts), evidence=evidence)


def _rec(experts: list[SimpleNamespace], *, abstain: bool | None) -> SimpleNamespace:
    verdict = None if abstain is None else SimpleNamespace(abstain=abstain)
    return SimpleNamespace(experts=experts, verdict=verdict)


def test_slots_split_into_term_hits_field_only_and_nonsense():
    term = _expert("工控系统入侵检测方法", "ht2016:9999", 0.9)
    field_only = _expert("网络协议", "ht2016:10701", None)
    nonsense = _expert("水稻育种", "ht2016:2010", 0.7)
    unsure = _expert("水稻病害", "ht2016:2010", 0.2)
    counts = TopFiveCounts()
    counts.add(_rec([term, field_only, nonsense, unsure], abstain=False), DEMAND)
    assert (counts.slots, counts.hits, counts.nonsense, counts.confident, counts.sure, counts.abstained) == (
        4, 1, 2, 2, 1, 0)


def test_abstaining_result_counts_once_and_its_nonsense_is_not_confident():
    nonsense = _expert("水稻育种", "ht2016:2010", 0.9)
    counts = TopFiveCounts()
    counts.add(_rec([nonsense] * 7, abstain=True), DEMAND)
    counts.add(_rec([], abstain=None), DEMAND)
    assert (counts.slots, counts.nonsense, counts.confident, counts.sure, counts.abstained) == (5, 5, 0, 5, 1)


def test_cell_reports_rate_count_and_interval():
    assert cell(9, 10) == {"rate": 0.9, "k": 9, "n": 10, "ci95": [0.596, 0.982]}
    assert cell(0, 0)["rate"] is None


def test_each_demand_split_is_whole_and_labelled_in_the_2016_taxonomy():
    """dev, test (demands.tsv), dev2 … dev16 are separate files or hash halves; each row has second-level fields
    of the taxonomy, and dev3 … dev16 hold 8 demands per first-level field (data/eval/sme-demands/SOURCE.md)."""
    import csv
    from collections import Counter
    from pathlib import Path

    from bench.sme_demands import load_sme_demands

    taxonomy = Path(__file__).resolve().parent.parent / "data" / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv"
    with taxonomy.open(encoding="utf-8") as fh:
        level2 = {r["code"] for r in csv.DictReader(fh) if r["level"] == "2"}
    files = ("dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11",
             "dev12", "dev13", "dev14", "dev15", "dev16", "dev17")
    splits = {name: load_sme_demands(split=name) for name in ("dev", "test", "dev2", *files)}
    assert {name: len(ds) for name, ds in splits.items()} == {"dev": 51, "test": 59, "dev2": 56} | {f: 64 for f in files}
    ids = [d.id for ds in splits.values() for d in ds]
    assert len(ids) == len(set(ids))
    assert all(set(d.fields) <= level2 and d.fields[0][:2] == d.level1 for ds in splits.values() for d in ds)
    for name in files:
        assert Counter(d.level1 for d in splits[name]) == {c: 8 for c in ("10", "20", "30", "40", "50", "60", "70", "80")}
        assert all(d.split == name for d in splits[name])
