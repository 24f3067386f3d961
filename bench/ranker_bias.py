"""Where did the demo ranker's lift come from? Training groups with and without each history fix.

    python -m bench.ranker_bias --data-dir DIR      # a store holding `kgmatch load demo`

``kgmatch train-ranker`` builds pseudo-queries from the graph's own history (:mod:`recommend.ranker_data`).
Three things let the relevant expert (a later project's PI, a later paper's author) stand out for
reasons a real demand never has; this builds the groups with the fixes switched on one by one and prints
the dev-year MRR of the hand weights and of each learner, and the weights the selection keeps:

* ``population``: negatives are only experts with output before the cut, as every positive is;
* ``expert_in``: EXPERT_IN paths to fields that later projects reach are dropped (the edge's weight counts
  the query's own project, which made its PI EXPERT_IN the query's field);
* ``keywords``: the undated keywords (aggregated from every paper, the query paper included) are dropped.

The fixes are switched off by replacing :func:`recommend.ranker_data.as_of`, ``had_output`` and
``dated_profiles`` in this process only (a measurement, not a code path of the product).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import recommend.ranker_data as rd
from recommend.ranker import select_ranker

ORIGINAL = {"as_of": rd.as_of, "had_output": rd.had_output, "dated_profiles": rd.dated_profiles}


def _configure(population: bool, expert_in: bool, keywords: bool) -> None:
    def as_of(facts, year, hide=(), *, undated=True):  # noqa: ANN001, ANN202 - a stand-in of rd.as_of
        seen = ORIGINAL["as_of"](facts, year, hide, undated=undated or not keywords)
        if not expert_in:
            hidden = set(hide)
            keep = {p.id for p in seen.projects}
            gone = {p.id for p in facts.projects} - keep | hidden
            seen = replace(seen, paths=tuple(p for p in facts.paths if not gone.intersection(p.via)))
        return seen

    rd.as_of = as_of
    rd.had_output = ORIGINAL["had_output"] if population else (lambda facts, year: True)
    rd.dated_profiles = ORIGINAL["dated_profiles"] if keywords else list


VARIANTS = {
    "none (as before)": (False, False, False),
    "+ population": (True, False, False),
    "+ population, expert_in": (True, True, False),
    "+ population, expert_in, keywords (now)": (True, True, True),
}


def main() -> None:
    """Build the demo's training groups per variant and print the selection tables; one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    from graph.local_store import LocalStore
    from ingest.nlp import content_words
    from recommend.profiles import load_profiles

    out = {}
    with LocalStore(args.data_dir) as store:
        profiles = load_profiles(store)
        for name, flags in VARIANTS.items():
            _configure(*flags)
            groups, summary = rd.training_groups(store, tokenize=content_words, profiles=profiles)
            model, table = select_ranker(groups)
            out[name] = {"groups": summary["groups"], "selection": table, "kind": model.kind,
                         "weights": dict(model.weights)}
            print(f"{name:<42} dev MRR {table}  → {model.kind} {dict(model.weights)}", flush=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
