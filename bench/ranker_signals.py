"""Candidate ranking signals tried beside the score components, on a split's training part (not product code).

    python -m bench.ranker_signals --split var/eval/g2014      # a bench.pi_split directory

Adds per-candidate features to the split's training groups (:func:`bench.pi_ranker.build_groups`, cached),
each computed from the candidate's own projects that started before the groups' year (ref − 2), so no query
sees its own project; then runs :func:`recommend.ranker.select_ranker` with the components plus one feature
at a time (and all together) and prints the dev-year MRR of the hand weights and of the best learner, and each
feature's learned weight. Nothing here touches the test queries. Features:

* ``wbest``: the best single title's IDF-weighted coverage of the query's words and bigrams (IDF over the
  titles before the year); ``wrecent``: those coverages summed with a 5-year half-life;
  ``wcount``: titles covering ≥ 0.3, saturating; ``wlast``: recency of the latest such title;
* ``wsem``: the latent-space cosine (semantic model) of the query and the most similar single title;
* ``inst``: projects at the candidate's institution in the three years before (log, relative);
  ``team``: the best single-title match (bigram Dice) of another expert of the same institution;
  ``youth``: held a 青年科学基金 project.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

import numpy as np

import recommend.ranker as ranker
from bench.pi_ranker import build_groups
from graph.local_store import LocalStore
from ingest.evaluation_data import load_evaluation_projects
from ingest.nlp import content_words
from recommend.profiles import load_profiles
from recommend.ranker import Group
from recommend.scoring import COMPONENTS, cjk_bigrams, title_match
from recommend.semantics import features, get_semantic_model

FEATURES = ("wbest", "wrecent", "wcount", "wlast", "wsem", "inst", "team", "youth")


def add_features(groups: list[Group], profiles, year: int) -> list[Group]:  # noqa: ANN001 - ExpertProfile list
    """``groups`` with :data:`FEATURES` added to every candidate's components (earlier work only)."""
    model = get_semantic_model()
    works = {p.id: [(x.title, x.start_year) for x in p.projects if x.title and x.start_year and x.start_year < year]
             for p in profiles}
    terms_memo: dict[str, set[str]] = {}
    vec_memo: dict[str, np.ndarray] = {}

    def terms(t: str) -> set[str]:
        if t not in terms_memo:
            terms_memo[t] = set(content_words(t)) | {"#" + b for b in cjk_bigrams(t)}
        return terms_memo[t]

    def vec(t: str) -> np.ndarray:
        if t not in vec_memo:
            vec_memo[t] = model.vectors([features(content_words(t), t)])[0] if model else np.zeros(1)
        return vec_memo[t]

    df: dict[str, int] = {}
    n = sum(len(w) for w in works.values())
    for ws in works.values():
        for t, _ in ws:
            for x in terms(t):
                df[x] = df.get(x, 0) + 1
    idf = {k: math.log(1 + (n - v + 0.5) / (v + 0.5)) for k, v in df.items()}
    unseen = math.log(1 + (n + 0.5) / 0.5)
    inst = {p.id: p.institution_id for p in profiles}
    members: dict[str | None, list] = {}
    for p in profiles:
        members.setdefault(p.institution_id, []).append(p)
    inst_n = {i: sum(1 for p in ps for x in p.projects if x.start_year and year - 3 <= x.start_year < year)
              for i, ps in members.items()}
    top = math.log1p(max(inst_n.values(), default=0)) or 1.0
    youth = {p.id: float(any(x.fund_type and "青年" in x.fund_type for x in p.projects
                             if x.start_year and x.start_year < year)) for p in profiles}
    out = []
    for g in groups:
        q = terms(g.query)
        qw = sum(idf.get(x, unseen) for x in q) or 1.0
        qv = vec(g.query)
        cands = []
        for e, comps in g.candidates:
            ws = works.get(e, [])
            cov = [(sum(idf.get(x, unseen) for x in q & terms(t)) / qw, y) for t, y in ws]
            last = max((y for c, y in cov if c >= 0.3), default=None)
            i = inst.get(e)
            team = max((title_match(g.query, [t for t, _ in works.get(o.id, [])]) for o in members.get(i, [])
                        if o.id != e), default=0.0) if i else 0.0
            extra = {"wbest": max((c for c, _ in cov), default=0.0),
                     "wrecent": 1 - math.exp(-sum(c * 0.5 ** ((year - y) / 5) for c, y in cov)),
                     "wcount": 1 - math.exp(-sum(1 for c, _ in cov if c >= 0.3) / 2),
                     "wlast": 0.5 ** ((year - last) / 5) if last else 0.0,
                     "wsem": max((float(np.clip(vec(t) @ qv, 0, 1)) for t, _ in ws), default=0.0) if model else 0.0,
                     "inst": math.log1p(inst_n.get(i, 0)) / top if i else 0.0, "team": team, "youth": youth.get(e, 0.0)}
            cands.append((e, {**comps, **extra}))
        out.append(Group(g.query, tuple(cands), g.relevant, g.source, g.year))
    return out


def main() -> None:
    """Build the groups and profiles, add the features, select a learner per feature set; one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, required=True)
    args = parser.parse_args()
    train, _ = build_groups(args.split)
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as store:
        load_evaluation_projects(args.split / "projects.csv", store)
        profiles = load_profiles(store)
    ref = max(x.start_year for p in profiles for x in p.projects if x.start_year) + 1
    groups = add_features(train, profiles, ref - 2)
    original = ranker.train_ranker
    sets = {"components": COMPONENTS, **{f"+{f}": (*COMPONENTS, f) for f in FEATURES}, "+all": (*COMPONENTS, *FEATURES)}
    out = {}
    try:
        for name, names in sets.items():
            ranker.train_ranker = lambda g, names=names, **kw: original(g, names=names, **kw)
            model, table = ranker.select_ranker(groups)
            best = max(v for k, v in table.items() if k != "hand")
            out[name] = {"hand": table["hand"], "best": best, "chosen": model.kind,
                         "weights": {f: model.weights.get(f, 0.0) for f in FEATURES if f in names}}
            print(f"{name:<12} dev MRR hand {table['hand']}  best learner {best}  {out[name]['weights']}", flush=True)
    finally:
        ranker.train_ranker = original
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
