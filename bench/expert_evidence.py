"""Expert P@5 by evidence and the "confident nonsense" rate on the SME demand set, old linker vs new.

    kgmatch --data-dir DIR load demo    # once
    python -m bench.expert_evidence --data-dir DIR [--split test|dev|all]

For each demand, the text is linked with the old (lexical) and the new (supervised) linker, and
the same recommender (``recommend_for_facts``, demo defaults, text candidates on) ranks experts.
For each of the top 5:

* **term evidence**: one of the demand's hand-labelled evidence terms occurs in the expert's
  project titles or keywords;
* **field evidence**: one of the expert's field paths ends in a field that belongs (as a ht2016
  descendant, or through the crosswalk) to one of the demand's labelled second-level fields.

P@5 by evidence = share of top-5 slots with term evidence; nonsense = share of top-5 slots with
neither; **confident nonsense** = nonsense slots in results that did not abstain (the recommender
presented them as answers; see :mod:`recommend.abstention`), over all top-5 slots;
**confident-expert nonsense** = nonsense slots whose own confidence is ≥ 0.5. All with
Wilson intervals over slots; abstentions are counted per demand. The graph's experts come from NSFC life and management sciences, so most
enterprise demands have no true supply: the point is what each linker does then.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crosswalk_precision import wilson  # noqa: E402
from bench.sme_demands import SPLITS, SmeDemand, load_sme_demands  # noqa: E402

__all__ = ["field_level2", "term_evidence", "field_evidence", "bench_nonsense", "cell", "TopFiveCounts", "measure", "main"]


def field_level2(field_id: str) -> set[str]:
    """The ht2016 second-level codes a field id belongs to (itself/ancestor, or through the crosswalk)."""
    from ingest.crosswalk import get_crosswalk

    scheme, _, code = field_id.partition(":")
    if scheme == "ht2016":
        return {code[:3]} if len(code) >= 3 else set()
    return {t for t, _ in get_crosswalk().targets(scheme, code)}


def term_evidence(scored, terms) -> bool:  # noqa: ANN001 - ScoredExpert, plain bench code
    """Whether an evidence term occurs in the expert's project titles or keywords."""
    text = " ".join([*(p.title for p in scored.facts.projects), *scored.facts.keywords, *scored.facts.research]).lower()
    return any(t.lower() in text for t in terms)


def field_evidence(scored, gold: set[str]) -> bool:  # noqa: ANN001
    """Whether one of the expert's field paths ends in one of the demand's labelled fields."""
    return any(field_level2(p.expert_field) & gold for p in scored.facts.paths)


def bench_nonsense(scored, demand: SmeDemand) -> bool:  # noqa: ANN001 - ScoredExpert
    """The bench's rule: neither term nor field evidence for ``demand``."""
    return not term_evidence(scored, demand.terms) and not field_evidence(scored, set(demand.fields))


def cell(k: int, n: int) -> dict[str, object]:
    """A measured rate ``k / n`` with its count and Wilson 95 % interval (``None`` rate when ``n`` is 0)."""
    lo, hi = wilson(k, n)
    return {"rate": round(k / n, 3) if n else None, "k": k, "n": n, "ci95": [round(lo, 3), round(hi, 3)]}


@dataclass
class TopFiveCounts:
    """Evidence counts over the top-5 expert slots of recommendations (see the module text).

    ``add`` takes one recommendation and its labelled demand: a slot is a shown expert among the first 5;
    ``hits`` have term evidence, ``nonsense`` neither term nor field evidence, ``confident`` are nonsense
    slots of a result that did not abstain, ``sure`` nonsense slots whose own confidence is ≥ 0.5;
    ``abstained`` counts recommendations (one per call), not slots.
    """

    slots: int = 0
    hits: int = 0
    nonsense: int = 0
    confident: int = 0
    sure: int = 0
    abstained: int = 0

    def add(self, rec, demand: SmeDemand) -> None:  # noqa: ANN001 - a Recommendation, plain bench code
        """Count one recommendation's top 5 against ``demand``'s evidence terms and fields."""
        abstains = rec.verdict is not None and rec.verdict.abstain
        self.abstained += abstains
        for e in rec.experts[:5]:
            self.slots += 1
            t = term_evidence(e.scored, demand.terms)
            self.hits += t
            bad = not t and not field_evidence(e.scored, set(demand.fields))  # bench_nonsense, t already known
            self.nonsense += bad
            self.confident += bad and not abstains
            self.sure += bad and e.evidence is not None and e.evidence.confidence >= 0.5


def measure(store, demands: list[SmeDemand], linker: str) -> dict[str, object]:  # noqa: ANN001
    """P@5 by term evidence and the confident-nonsense rate for one linker over ``demands``."""
    from bench.sme_demands import linked_demands
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_facts

    index = IndexCache(content_words).get(store)
    counts = TopFiveCounts()
    empty = 0
    for d, facts, keywords in linked_demands(store, demands, linker=linker):
        rec = recommend_for_facts(store, facts, tokenize=content_words, index=index, keywords=keywords,
                                  overrides={"top_k": 5})
        if not rec.experts:
            empty += 1
        counts.add(rec, d)
    c = counts
    return {"p_at_5_terms": cell(c.hits, c.slots), "nonsense": cell(c.nonsense, c.slots),
            "confident_nonsense": cell(c.confident, c.slots), "confident_expert_nonsense": cell(c.sure, c.slots),
            "abstained": c.abstained,
            "demands_without_experts": empty, "slots": c.slots}


def main(argv: list[str] | None = None) -> int:
    """Measure both linkers on a loaded demo store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="embedded store holding `kgmatch load demo`")
    parser.add_argument("--split", choices=SPLITS, default="test")
    args = parser.parse_args(argv)
    from graph.local_store import LocalStore

    store = LocalStore(args.data_dir)
    demands = load_sme_demands(split=None if args.split == "all" else args.split)
    result = {"split": args.split, "n": len(demands),
              "old": measure(store, demands, "lexical"), "new": measure(store, demands, "supervised")}
    for name in ("old", "new"):
        r = result[name]
        print(f"{name}: P@5 by evidence terms {r['p_at_5_terms']['rate']} {r['p_at_5_terms']['ci95']}, "
              f"nonsense {r['nonsense']['rate']} {r['nonsense']['ci95']}, "
              f"confident nonsense {r['confident_nonsense']['rate']} {r['confident_nonsense']['ci95']}, "
              f"confident-expert nonsense {r['confident_expert_nonsense']['rate']} "
              f"{r['confident_expert_nonsense']['ci95']}, "
              f"abstained {r['abstained']}/{len(demands)}")
    print(json.dumps(result, ensure_ascii=False))
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
