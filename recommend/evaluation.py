"""Offline evaluation: PI retrieval (who led this project?) for kgmatch and the BM25 baseline.

Given projects P (the graph) and queries Q (later project titles with their real PI),
each system ranks every expert of P for each title; the one relevant expert is the
PI (name + institution). Both systems run in the same process on the same data and
their per-query latency is measured around the whole ranking (tokenizing included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore
from recommend import metrics
from recommend.baselines.bm25 import BM25Baseline
from recommend.baselines.bm25_tuned import tuned_bm25
from recommend.profiles import ExpertProfile
from recommend.retrieval import ExpertIndex, calibrate, fit_activity_prior
from workflow.common import this_year

__all__ = ["PiQuery", "per_query", "score_rankings", "score_system", "pi_retrieval", "engine_rows", "METRIC_KEYS"]

METRIC_KEYS = ("mrr", "hit@1", "hit@5", "hit@10", "ndcg@10", "ms_per_query")
Search = Callable[[str], list[tuple[str, float]]]


@dataclass(frozen=True)
class PiQuery:
    """A project title and the id of the expert who really led it."""

    title: str
    gold_id: str


def per_query(search: Search, queries: Sequence[PiQuery]) -> tuple[list[list[str]], float]:
    """Each query's ranking (ids, best first) and the total seconds spent ranking."""
    rankings, elapsed = [], 0.0
    for q in queries:
        started = time.perf_counter()
        rankings.append([i for i, _ in search(q.title)])
        elapsed += time.perf_counter() - started
    return rankings, elapsed


def score_rankings(rankings: Sequence[Sequence[str]], queries: Sequence[PiQuery], *,
                   elapsed: float = 0.0, intervals: bool = False) -> dict[str, Any]:
    """MRR, Hit@1/5/10, nDCG@10 and mean milliseconds per query; with ``intervals`` also a 95 %
    bootstrap interval of the MRR (``mrr_ci``) and a Wilson interval of Recall@10 (``hit@10_ci``)
    — with one relevant expert per query Recall@10 is Hit@10. An empty ranking is a miss."""
    rr, h1, h5, h10, ndcg = [], [], [], [], []
    for ranked, q in zip(rankings, queries, strict=True):
        gold = {q.gold_id}
        rr.append(metrics.reciprocal_rank(ranked, gold))
        h1.append(metrics.hit_at_k(ranked, gold, 1))
        h5.append(metrics.hit_at_k(ranked, gold, 5))
        h10.append(metrics.hit_at_k(ranked, gold, 10))
        ndcg.append(metrics.ndcg_at_k(ranked, gold, 10))
    n = max(len(queries), 1)
    out: dict[str, Any] = {
        "mrr": round(metrics.mean(rr), 4), "hit@1": round(metrics.mean(h1), 4), "hit@5": round(metrics.mean(h5), 4),
        "hit@10": round(metrics.mean(h10), 4), "ndcg@10": round(metrics.mean(ndcg), 4),
        "ms_per_query": round(elapsed / n * 1000, 3)}
    if intervals:
        out["mrr_ci"] = [round(x, 4) for x in metrics.bootstrap_interval(rr)]
        out["hit@10_ci"] = [round(x, 4) for x in metrics.wilson_interval(int(sum(h10)), len(h10))]
        out["_rr"] = rr
    return out


def score_system(search: Search, queries: Sequence[PiQuery], *, intervals: bool = False) -> dict[str, Any]:
    """Run ``search`` on every query; MRR, Hit@1/5/10, nDCG@10 and mean milliseconds per query."""
    rankings, elapsed = per_query(search, queries)
    return score_rankings(rankings, queries, elapsed=elapsed, intervals=intervals)


def engine_rows(store: GraphStore, profiles: Sequence[ExpertProfile], queries: Sequence[PiQuery], *,
                tokenize: Callable[[str], list[str]], ref_year: int, window: int = 2, train_queries: int = 600,
                seed: int = 0) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The recommendation engine's ranking of each query's candidates with the hand weights and with a
    ranker learned on the graph's own history (projects of the last ``window`` years before
    ``ref_year`` as pseudo-queries, everything seen as of ``ref_year - window``; the evaluation's
    queries are never seen). Returns the two rows and the training details."""
    from recommend.ranker import group_mrr, hand_weights, rank_group, select_ranker
    from recommend.ranker_data import Query, project_groups, query_groups

    started = time.perf_counter()
    train = project_groups(store, profiles, tokenize=tokenize, cut=ref_year - window, end=ref_year,
                           max_queries=train_queries, seed=seed, use_fields=False)
    try:
        model, table = select_ranker(train, seed=seed)
        learned = dict(model.weights)
        chosen = f"{model.kind} C={model.meta.get('c')}"
    except ValueError:  # no history to learn from (a tiny graph): the learned row is the hand weights
        learned, table, chosen = hand_weights(), {}, "hand (no training group)"
    trained = time.perf_counter() - started
    started = time.perf_counter()
    test = query_groups(store, [Query(q.title, frozenset({q.gold_id})) for q in queries], tokenize=tokenize,
                        year=ref_year, profiles=profiles)
    gather = time.perf_counter() - started
    rows = {}
    for name, weights in (("engine-hand", hand_weights()), ("engine-learned", learned)):
        started = time.perf_counter()
        rankings = [rank_group(g, weights) for g in test]
        elapsed = gather + time.perf_counter() - started
        rows[name] = score_rankings(rankings, queries, elapsed=elapsed, intervals=True)
    in_pool = sum(1 for g, q in zip(test, queries, strict=True) if any(e == q.gold_id for e, _ in g.candidates))
    details = {"train_groups": len(train), "train_seconds": round(trained, 1), "selection": table,
               "chosen": chosen, "weights": learned,
               "hand_train_mrr": round(group_mrr(train, hand_weights()), 4),
               "learned_train_mrr": round(group_mrr(train, learned), 4),
               "gold_among_candidates": round(in_pool / max(len(queries), 1), 4)}
    return rows, details


def pi_retrieval(profiles: Sequence[ExpertProfile], queries: Sequence[PiQuery], *,
                 tokenize: Callable[[str], list[str]], k: int = 100, ablation: bool = True,
                 store: GraphStore | None = None, tune: bool = True, seed: int = 0) -> dict[str, Any]:
    """Evaluate kgmatch against BM25 on the same profiles and queries.

    The reference year is the year after the latest project start in ``profiles``; everything
    tuned or learned (the prior weight, BM25's k1/b/analyzer, the ranker) uses the profiles' own
    history before it only. Rows: ``kgmatch`` (the whole-graph text index with the activity
    prior), ``bm25`` (bm25s defaults), ``bm25-tuned`` (with ``tune``), and with ``store`` (the graph
    the profiles were read from) ``engine-hand`` / ``engine-learned`` (the recommendation's
    component scores with the hand weights / a ranker learned on the history). Each row has 95 %
    intervals (``mrr_ci`` bootstrap, ``hit@10_ci`` Wilson); ``relative`` holds each row's MRR ratio
    to the tuned BM25 with a paired bootstrap interval.
    """
    years = [p.start_year for prof in profiles for p in prof.projects if p.start_year is not None]
    ref_year = (max(years) + 1) if years else this_year()
    prior, weight, calibration = calibrate(profiles, tokenize=tokenize, ref_year=ref_year)
    ours = ExpertIndex(profiles, tokenize=tokenize, ref_year=ref_year, prior=prior, prior_weight=weight)
    baseline = BM25Baseline(profiles, tokenize=tokenize)
    systems: dict[str, Any] = {"kgmatch": ours, "bm25": baseline}
    details: dict[str, Any] = {"ref_year": ref_year, "prior_weight": weight, "calibration_mrr": calibration,
                               "experts": len(profiles), "k": k}
    if tune:
        tuned, choice = tuned_bm25(profiles, tokenize=tokenize, ref_year=ref_year, seed=seed)
        systems["bm25-tuned"] = tuned
        details["bm25_tuned"] = {"k1": choice.k1, "b": choice.b, "analyzer": choice.analyzer,
                                 "train_mrr": round(choice.train_mrr, 4), "train_queries": choice.train_queries,
                                 "default_point_train_mrr": round(choice.grid.get((1.5, 0.75, "words"), 0.0), 4)}
    # Warm each up once so none pays first-call costs inside the timing.
    for system in systems.values():
        system.search(queries[0].title if queries else "", k=k)
    result: dict[str, Any] = {name: score_system(lambda t, s=system: s.search(t, k=k), queries, intervals=True)
                              for name, system in systems.items()}
    if store is not None:
        rows, engine_details = engine_rows(store, profiles, queries, tokenize=tokenize, ref_year=ref_year, seed=seed)
        result.update(rows)
        details["ranker"] = engine_details
    names = list(systems) + [n for n in ("engine-hand", "engine-learned") if n in result]
    base = "bm25-tuned" if "bm25-tuned" in result else "bm25"
    result["relative"] = {n: {"baseline": base, "mrr_ratio": round(result[n]["mrr"] / result[base]["mrr"], 4)
                              if result[base]["mrr"] else None,
                              "ci": [round(x, 4) for x in metrics.paired_ratio_interval(
                                  result[n]["_rr"], result[base]["_rr"], seed=seed)]}
                          for n in names}
    for n in names:
        del result[n]["_rr"]
    result["systems"] = names
    result["queries"] = len(queries)
    result["details"] = details
    if ablation:
        no_prior = fit_activity_prior(profiles, ref_year=ref_year)
        variants = {
            "words, b=0.2": dict(bigrams=False, repeat_latest=False),
            "+ bigrams": dict(bigrams=True, repeat_latest=False),
            "+ latest title twice": dict(bigrams=True, repeat_latest=True),
            "+ activity prior (= kgmatch)": dict(bigrams=True, repeat_latest=True, prior=no_prior, prior_weight=weight),
        }
        rows_ = {}
        for name, options in variants.items():
            index = ExpertIndex(profiles, tokenize=tokenize, ref_year=ref_year, **options)
            row = score_system(lambda t, index=index: index.search(t, k=k), queries)
            rows_[name] = {key: row[key] for key in ("mrr", "hit@1", "hit@10")}
        result["ablation"] = rows_
    return result
