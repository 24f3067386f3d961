"""Which learner for the ranker? Linear (pointwise / pairwise logistic regression) vs LightGBM LambdaRank.

    python -m bench.pi_ranker --split var/eval/g2014 [--lightgbm]
    python -m bench.pi_ranker --split var/eval/g2014 --dev [--lightgbm]   # training groups only: dev year

Builds the engine's query groups once for a time split made by ``bench.pi_split`` (cached next to it
as ``groups.pickle``): training groups are the graph's own projects of the two years before the
split year (seen as of two years earlier), test groups the split's queries over the whole graph. Each
learner is fit on the training groups only; the test MRR (95 % bootstrap interval) and Hit@10 (Wilson)
are printed beside the hand weights, and an ablation row without the two components the text index
brings (``retrieval``, ``activity``). LambdaRank runs only with ``--lightgbm`` and LightGBM importable
(it is not a dependency of kgmatch: the engine's score must stay Σ weight × component, so a tree model
would have to win clearly to be worth it). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np

from api.cli.recommend import _queries
from graph.local_store import LocalStore
from ingest.evaluation_data import load_evaluation_projects
from ingest.nlp import content_words
from recommend import metrics
from recommend.config import resolve
from recommend.profiles import load_profiles
from recommend.ranker import C_GRID, KINDS, Group, dev_split, hand_weights, rank_group, select_ranker, train_ranker
from recommend.ranker_data import Query, project_groups, query_groups
from recommend.scoring import COMPONENTS


def build_groups(split: Path, text_k: int | None = None, *, setting: str = "text_candidates"
                 ) -> tuple[list[Group], list[Group]]:
    """(training groups, test groups) of a split directory, cached in ``groups[-k<text_k>].pickle``
    (``text_k``: text candidates per query, default the ``text_candidates`` setting; or the value of
    another candidate ``setting``, e.g. ``semantic_candidates``, cached as ``groups-<setting><value>.pickle``)."""
    name = "groups.pickle" if text_k is None else f"groups-k{text_k}.pickle" if setting == "text_candidates" \
        else f"groups-{setting}{text_k}.pickle"
    cache = split / name
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    queries = _queries(split / "queries.csv")
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as store:
        load_evaluation_projects(split / "projects.csv", store)
        profiles = load_profiles(store)
        ref = max(p.start_year for prof in profiles for p in prof.projects if p.start_year) + 1
        settings = {**resolve(), setting: text_k} if text_k is not None else None
        train = project_groups(store, profiles, tokenize=content_words, cut=ref - 2, end=ref, use_fields=False,
                               settings=settings)
        test = query_groups(store, [Query(q.title, frozenset({q.gold_id})) for q in queries],
                            tokenize=content_words, year=ref, profiles=profiles, settings=settings)
    cache.write_bytes(pickle.dumps((train, test)))
    return train, test


def _rr(ranked: list[str], group: Group) -> float:
    return next((1.0 / (i + 1) for i, e in enumerate(ranked) if e in group.relevant), 0.0)


def report(groups: list[Group], rankings: list[list[str]]) -> dict[str, object]:
    """MRR with its bootstrap interval and Hit@10 with its Wilson interval."""
    rr = [_rr(r, g) for r, g in zip(rankings, groups, strict=True)]
    hits = sum(1 for r, g in zip(rankings, groups, strict=True) if set(r[:10]) & g.relevant)
    return {"mrr": round(metrics.mean(rr), 4), "mrr_ci": [round(x, 4) for x in metrics.bootstrap_interval(rr)],
            "hit@10": round(hits / max(len(groups), 1), 4),
            "hit@10_ci": [round(x, 4) for x in metrics.wilson_interval(hits, len(groups))]}


LAMBDARANK_GRID = ((100, 7), (100, 15), (300, 7), (300, 15))
"""(n_estimators, num_leaves) points tried on the dev year (data/eval/pi-retrieval/DECISIONS.md, third round)."""


def lambdarank(train: list[Group], test: list[Group], seed: int = 0, names: tuple[str, ...] = COMPONENTS,
               *, n_estimators: int = 200, num_leaves: int = 15) -> list[list[str]]:
    """LightGBM LambdaRank on ``names`` (small, deterministic, one thread)."""
    import lightgbm as lgb

    def matrix(groups: list[Group]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        x = [[float(c.get(n, 0.0)) for n in names] for g in groups for _, c in g.candidates]
        y = [int(e in g.relevant) for g in groups for e, _ in g.candidates]
        return np.array(x).reshape(-1, len(names)), np.array(y), [len(g.candidates) for g in groups]

    usable = [g for g in train if g.candidates]
    x, y, sizes = matrix(usable)
    model = lgb.LGBMRanker(objective="lambdarank", n_estimators=n_estimators, learning_rate=0.05,
                           num_leaves=num_leaves,
                           min_child_samples=20, deterministic=True, num_threads=1, seed=seed, verbose=-1)
    model.fit(x, y, group=sizes)
    out = []
    for g in test:
        if not g.candidates:
            out.append([])
            continue
        xt, _, _ = matrix([g])
        with warnings.catch_warnings():  # fitted on the same plain arrays; sklearn's feature-name check is noise
            warnings.simplefilter("ignore", UserWarning)
            s = model.predict(xt)
        out.append([g.candidates[i][0] for i in sorted(range(len(s)), key=lambda i: (-s[i], g.candidates[i][0]))])
    return out


def dev_year(train: list[Group], *, lightgbm: bool) -> dict[str, object]:
    """Every learner fit on the training groups' fitting part and measured on their dev year
    (:func:`recommend.ranker.dev_split`): per-point MRR, each side's best, and the paired difference
    best LambdaRank − best linear with its bootstrap interval (the third round's bar)."""
    fit, held = dev_split(train)
    rr: dict[str, list[float]] = {"hand": [_rr(rank_group(g, hand_weights()), g) for g in held]}
    for kind in KINDS:
        for c in C_GRID:
            model = train_ranker(fit, kind=kind, c=c)
            rr[f"{kind} C={c}"] = [_rr(rank_group(g, model.weights), g) for g in held]
    if lightgbm:
        for n, leaves in LAMBDARANK_GRID:
            ranked = lambdarank(fit, held, n_estimators=n, num_leaves=leaves)
            rr[f"lambdarank n={n} leaves={leaves}"] = [_rr(r, g) for r, g in zip(ranked, held, strict=True)]
    mrr = {name: round(metrics.mean(v), 4) for name, v in rr.items()}
    linear = max((n for n in mrr if n.split()[0] in KINDS), key=lambda n: mrr[n])
    out: dict[str, object] = {"fit": len(fit), "dev": len(held), "mrr": mrr, "best_linear": linear}
    trees = [n for n in mrr if n.startswith("lambdarank")]
    if trees:
        best = max(trees, key=lambda n: mrr[n])
        diff = [a - b for a, b in zip(rr[best], rr[linear], strict=True)]
        out.update(best_lambdarank=best, difference=round(metrics.mean(diff), 4),
                   difference_ci=[round(x, 4) for x in metrics.bootstrap_interval(diff)])
    return out


def main() -> None:
    """Build or load the groups, fit every learner on the training groups, print the test metrics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, required=True)
    parser.add_argument("--lightgbm", action="store_true")
    parser.add_argument("--text-k", type=int, default=None, help="text candidates per query (default: the setting)")
    parser.add_argument("--dev", action="store_true", help="only the training groups: fitting part vs dev year")
    args = parser.parse_args()
    train, test = build_groups(args.split, args.text_k)
    if args.dev:
        result = dev_year(train, lightgbm=args.lightgbm)
        for name, value in result["mrr"].items():
            print(f"{name:<30} dev MRR {value:.4f}")
        print(json.dumps(result, ensure_ascii=False))
        return
    rows: dict[str, dict[str, object]] = {"hand": report(test, [rank_group(g, hand_weights()) for g in test])}
    for kind in KINDS:
        for c in C_GRID:
            model = train_ranker(train, kind=kind, c=c)
            rows[f"{kind} C={c}"] = {**report(test, [rank_group(g, model.weights) for g in test]),
                                     "weights": model.weights}
    chosen, table = select_ranker(train)
    rows["selected on training halves"] = {**report(test, [rank_group(g, chosen.weights) for g in test]),
                                           "chosen": f"{chosen.kind} C={chosen.meta.get('c')}", "validation": table}
    # Ablation: the learner chosen, without the components the index brings (retrieval, activity).
    if chosen.kind in KINDS:
        names = tuple(n for n in COMPONENTS if n not in ("retrieval", "activity"))
        model = train_ranker(train, kind=chosen.kind, c=float(chosen.meta["c"]), names=names)
        rows[f"{chosen.kind} without retrieval, activity"] = {
            **report(test, [rank_group(g, {**model.weights, "retrieval": 0.0, "activity": 0.0}) for g in test]),
            "weights": model.weights}
    if args.lightgbm:
        rows["lambdarank (LightGBM)"] = report(test, lambdarank(train, test))
    in_pool = sum(1 for g in test if any(e in g.relevant for e, _ in g.candidates)) / max(len(test), 1)
    for name, row in rows.items():
        print(f"{name:<30} MRR {row['mrr']:.4f} {row['mrr_ci']}  Hit@10 {row['hit@10']:.4f} {row['hit@10_ci']}")
    print(f"train groups {len(train)}, test queries {len(test)}, relevant among candidates {in_pool:.3f}")
    print(json.dumps({"train": len(train), "test": len(test), "gold_among_candidates": round(in_pool, 4),
                      "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
