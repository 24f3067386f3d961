"""The hand-written SME demand set (``data/eval/sme-demands/demands.tsv``) and its seeded dev/test split,
and the BM25-only vs hybrid (learned semantics) measurement on it.

Written before any tuning (see its SOURCE.md); this module only reads it. ``split_of`` puts
about 40 % of the ids in ``dev`` (the only part anything may be tuned on) and the rest in
``test``, by a hash of the id and the seed, so adding demands never moves old ones.

    kgmatch --data-dir DIR load demo    # once
    python -m bench.sme_demands --data-dir DIR [--split dev|test|all] [--set NAME=VALUE ...]
    python -m bench.sme_demands --data-dir DIR --latency 60 [--cold]   # demo demands: BM25 only vs hybrid

For each demand (linked once with the default linker) the recommender ranks the top 5 experts in
two configurations: BM25 only (no semantic model) and hybrid (``recommend.semantics``). Per
configuration: expert P@5 by evidence (share of shown top-5 slots whose
profile contains one of the demand's labelled evidence terms), nonsense (slots with neither term
nor field evidence, see :mod:`bench.expert_evidence`) and **confident nonsense** (nonsense slots
in results that did not abstain), all over slots with Wilson 95 % intervals, plus P@5 over the 5
slots of every demand (an empty slot counts as a miss) and the abstentions. Beside them, the **judged** figures
from the committed blind grades (:data:`bench.judged_pool.JUDGED_FILES`): judged P@5 (slots graded ≥ 1) and judged
confident nonsense (slots graded 0 in results that do not abstain), or how many shown slots have no grade yet. Then the latency of one
recommendation, BM25 only vs hybrid, in the same process (p50/p95 and their ratio).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.model import demand_text  # noqa: E402

__all__ = ["SME_DEMANDS_PATH", "SEED", "DEV_SHARE", "SmeDemand", "split_of", "load_sme_demands", "linked_demands",
           "measure", "main"]

SME_DEMANDS_PATH = Path(__file__).resolve().parent.parent / "data" / "eval" / "sme-demands" / "demands.tsv"
EXTRA_SPLITS = {f"dev{n}": SME_DEMANDS_PATH.with_name(f"dev{n}.tsv") for n in range(2, 18)}
"""Splits that are whole files of their own, ``devN.tsv`` read with ``split="devN"`` (never part of ``all``): same
layout as ``demands.tsv``, every row in split ``devN``. Who wrote each, when, and which decision it served
(DECISIONS.md), or whether it is training text (dev3–dev7, dev9–dev15), is in the folder's SOURCE.md."""
SPLITS = ("test", "dev", *EXTRA_SPLITS, "all")
"""What a bench's ``--split`` accepts."""
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
        return demand_text(self.title, self.description)


def split_of(demand_id: str, *, seed: int = SEED, dev_share: float = DEV_SHARE) -> str:
    """``"dev"`` or ``"test"`` for an id, stable under additions.

    >>> split_of("d001") in ("dev", "test")
    True
    """
    digest = hashlib.sha256(f"{seed}:{demand_id}".encode()).digest()
    return "dev" if int.from_bytes(digest[:8], "big") / 2**64 < dev_share else "test"


def load_sme_demands(path: Path = SME_DEMANDS_PATH, *, split: str | None = None) -> list[SmeDemand]:
    """Every demand of the set (or only ``split``), in file order; ``split="dev2"`` (``"dev3"`` … ``"dev16"``)
    reads that split's own file (:data:`EXTRA_SPLITS`).

    Raises
    ------
    ValueError
        A row without fields or terms, or a duplicate id (the file is hand-written).
    """
    if split in EXTRA_SPLITS and path == SME_DEMANDS_PATH:
        path = EXTRA_SPLITS[split]
    own = next((name for name, p in EXTRA_SPLITS.items() if p.name == path.name), None)
    out: list[SmeDemand] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            fields = tuple(f for f in row["fields"].split("|") if f)
            terms = tuple(t for t in row["terms"].split("|") if t)
            if not fields or not terms or row["id"] in seen:
                raise ValueError(f"{path.name} line {line_no}: needs fields and terms and a new id")
            seen.add(row["id"])
            d = SmeDemand(row["id"], row["level1"], fields, terms, row["title"], row["description"],
                          own or split_of(row["id"]))
            if split is None or d.split == split:
                out.append(d)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


CONFIGS: dict[str, tuple[bool, dict[str, Any]]] = {
    "bm25": (False, {}),
    "hybrid": (True, {}),
}
"""Name -> (with the semantic model, setting overrides)."""


def linked_demands(store: Any, demands: list[SmeDemand], *, linker: str | None = None
                   ) -> list[tuple[SmeDemand, Any, tuple[str, ...]]]:
    """Each demand linked once as the product links free text: (demand, its DemandFacts, its keywords)."""
    from graph.model import Label
    from ingest.field_linking import understand_demand
    from recommend.candidates import demand_facts_for_text

    out = []
    for d in demands:
        u = understand_demand(d.text, known=lambda f: store.get_node(Label.FIELD, f) is not None, linker=linker)
        out.append((d, demand_facts_for_text(store, d.text, dict(u.fields)), tuple(u.keywords)))
    return out


def measure(store: Any, demands: list[SmeDemand], *, overrides: dict[str, Any] | None = None,
            configs: dict[str, tuple[bool, dict[str, Any]]] = CONFIGS, repeats: int = 1) -> dict[str, Any]:
    """Every configuration's numbers over ``demands`` on a loaded store (see the module text)."""
    from bench.expert_evidence import TopFiveCounts, cell
    from bench.judged_pool import JUDGED_FILES, read_grades
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_facts
    from recommend.semantics import get_semantic_model

    model = get_semantic_model()
    if model is None:
        raise SystemExit("no semantic model: run `make semantics` first")
    index = IndexCache(content_words).get(store)
    linked = linked_demands(store, demands)
    grades = read_grades([f for f in JUDGED_FILES if f.exists()])
    out: dict[str, Any] = {}
    for name, (semantic, extra) in configs.items():
        counts = TopFiveCounts()
        times: list[float] = []
        relevant = judged_zero = ungraded = 0
        for d, facts, keywords in linked:
            for _ in range(repeats):
                started = time.perf_counter()
                rec = recommend_for_facts(store, facts, tokenize=content_words, index=index, keywords=keywords,
                                          overrides={**(overrides or {}), **extra, "top_k": 5},
                                          semantics=model if semantic else None)
                times.append(time.perf_counter() - started)
            counts.add(rec, d)
            trusted = rec.verdict is None or not rec.verdict.abstain
            for e in rec.experts[:5]:
                grade = grades.get((d.id, e.scored.id))
                ungraded += grade is None
                relevant += grade is not None and grade >= 1
                judged_zero += grade == 0 and trusted
        c = counts
        out[name] = {"p_at_5_terms": cell(c.hits, c.slots), "p_at_5_all_slots": cell(c.hits, 5 * len(linked)),
                     "nonsense": cell(c.nonsense, c.slots), "confident_nonsense": cell(c.confident, c.slots),
                     "abstained": c.abstained, "slots": c.slots,
                     # blind judgments (bench.judged_pool): exact only when no shown slot is ungraded
                     "judged_p_at_5": cell(relevant, 5 * len(linked)),
                     "judged_confident_nonsense": cell(judged_zero, c.slots), "ungraded_slots": ungraded,
                     "ms_p50": round(1000 * _pct(times, 0.5), 1), "ms_p95": round(1000 * _pct(times, 0.95), 1)}
    if "bm25" in out and "hybrid" in out:
        out["latency_ratio_p50"] = round(out["hybrid"]["ms_p50"] / out["bm25"]["ms_p50"], 3)
        out["latency_ratio_p95"] = round(out["hybrid"]["ms_p95"] / out["bm25"]["ms_p95"], 3)
    return out


def latency(store: Any, *, limit: int = 60, repeats: int = 2, cold: bool = False) -> dict[str, Any]:
    """Recommendation latency on the demo's stored demands, BM25 only vs hybrid, interleaved per demand
    (so both see the same machine load) in this process; a warm-up call of each first. Wall-clock and
    CPU time of this process (the CPU time is what a shared, loaded machine does not distort).

    ``cold``: before every hybrid call, forget the profile vectors the model kept from earlier requests
    (:meth:`recommend.semantics.SemanticModel.profile_vectors`), as for candidates no request has seen
    yet; the vectors the expert index carries (computed when it was built) stay."""
    from graph.model import Label
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand
    from recommend.semantics import get_semantic_model

    model = get_semantic_model()
    index = IndexCache(content_words).get(store)
    ids = [n.id for n in store.list_nodes(Label.DEMAND, limit=limit)]
    wall: dict[str, list[float]] = {"bm25": [], "hybrid": []}
    cpu: dict[str, list[float]] = {"bm25": [], "hybrid": []}
    for n, demand_id in enumerate(ids):
        for name, sem in (("bm25", None), ("hybrid", model))[:: 1 if n % 2 else -1]:
            for r in range(repeats + (1 if n == 0 else 0)):
                if cold and sem is not None:
                    sem._profiles.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                recommend_for_demand(store, demand_id, tokenize=content_words, index=index, semantics=sem)
                if n or r:  # the very first call of each warms caches
                    wall[name].append(time.perf_counter() - started)
                    cpu[name].append(time.process_time() - started_cpu)
    out: dict[str, Any] = {"demands": len(ids), "repeats": repeats, "cold": cold,
                           "index_vectors": getattr(index, "vectors", None) is not None}
    for name in wall:
        out[name] = {"ms_p50": round(1000 * _pct(wall[name], 0.5), 1), "ms_p95": round(1000 * _pct(wall[name], 0.95), 1),
                     "cpu_ms_p50": round(1000 * _pct(cpu[name], 0.5), 1),
                     "cpu_ms_p95": round(1000 * _pct(cpu[name], 0.95), 1)}
    for key in ("ms_p50", "ms_p95", "cpu_ms_p50", "cpu_ms_p95"):
        out[f"ratio_{key}"] = round(out["hybrid"][key] / out["bm25"][key], 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure on a loaded demo store and print a table, then one JSON line."""
    parser = argparse.ArgumentParser(description="BM25 only vs hybrid on the SME demand set")
    parser.add_argument("--data-dir", type=Path, required=True, help="embedded store holding `kgmatch load demo`")
    parser.add_argument("--split", choices=SPLITS, default="test")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--latency", type=int, default=0, metavar="N",
                        help="only the latency on the first N stored demo demands (BM25 only vs hybrid)")
    parser.add_argument("--cold", action="store_true",
                        help="with --latency: no profile vector kept from an earlier request (see latency())")
    args = parser.parse_args(argv)
    from graph.local_store import LocalStore
    from recommend.config import settings_from_text

    overrides = settings_from_text(dict(kv.split("=", 1) for kv in args.set))
    store = LocalStore(args.data_dir)
    if args.latency:
        lat = latency(store, limit=args.latency, cold=args.cold)
        print(json.dumps(lat, ensure_ascii=False))
        store.close()
        return 0
    demands = load_sme_demands(split=None if args.split == "all" else args.split)
    result = {"split": args.split, "n": len(demands), "overrides": overrides,
              **measure(store, demands, overrides=overrides,
                        configs={k: CONFIGS[k] for k in args.configs.split(",")})}
    store.close()
    for name in CONFIGS:
        r = result.get(name)
        if r:
            print(f"{name:14s} P@5(terms) {r['p_at_5_terms']['rate']} {r['p_at_5_terms']['ci95']}  "
                  f"P@5(all slots) {r['p_at_5_all_slots']['rate']}  nonsense {r['nonsense']['rate']}  "
                  f"confident nonsense {r['confident_nonsense']['rate']} {r['confident_nonsense']['ci95']}  "
                  f"abstained {r['abstained']}/{len(demands)}  slots {r['slots']}  "
                  f"p50 {r['ms_p50']} ms p95 {r['ms_p95']} ms")
            judged = (f"judged P@5 {r['judged_p_at_5']['rate']} {r['judged_p_at_5']['ci95']}  judged confident nonsense "
                      f"{r['judged_confident_nonsense']['rate']} {r['judged_confident_nonsense']['ci95']}")
            print(f"{'':14s} {judged}" if not r["ungraded_slots"] else
                  f"{'':14s} judged figures incomplete: {r['ungraded_slots']} shown slots have no grade "
                  f"(pool and judge them: python -m bench.judged_pool pool …)")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
