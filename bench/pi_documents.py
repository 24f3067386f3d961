"""Document-centric BM25 (Balog et al. 2006, "Model 2") for PI retrieval: alone, and as a ranking signal.

    python -m bench.pi_documents tune --split var/eval/g2014        # the baseline alone, tuned on training
    python -m bench.pi_documents signal --split var/eval/g2014      # + the engine's components, dev year
    python -m bench.pi_documents test --split var/eval/g2014 --k1 K --b B --agg A   # once, at the end

One BM25 index whose documents are single works (project and paper titles, segmenter words + ``#``-marked
CJK bigrams, the analyzer of ``retrieval``), IDF and average length over the works that started before the
reference year. For a query each work gets its BM25 score divided by the query's best work over the whole
corpus; an expert's value aggregates their own works' scores (:data:`AGGREGATES`).

* ``tune``: the document-centric BM25 alone ranks every expert; (k1, b, aggregate) chosen by MRR on the
  pseudo-queries of :func:`recommend.baselines.bm25_tuned.tune_bm25` (projects of the last two years
  before the graph's end, works before them) — the tuned profile BM25's own protocol.
* ``signal``: the split's training groups (:func:`bench.pi_ranker.build_groups`) get the aggregate as one more
  feature (works before the groups' year only); :func:`recommend.ranker.select_ranker` with and without it,
  dev-year MRR (the latest training year) and the paired bootstrap interval of the per-query difference.
* ``test``: the tuned baseline alone on the split's queries (works before the graph's end), MRR with a
  bootstrap interval and Hit@10 with a Wilson interval. Run once.
The last line of each mode is one JSON object. Nothing here reads the test queries except ``test``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from graph.local_store import LocalStore
from ingest.bm25 import bm25_scores
from ingest.evaluation_data import load_evaluation_projects
from ingest.nlp import content_words
from recommend import metrics
from recommend.profiles import ExpertProfile, load_profiles
from recommend.ranker import Group, rank_group, select_ranker
from recommend.retrieval import analyzer

AGGREGATES = ("max", "top3", "sum", "lse", "recent")
K1_GRID = (0.5, 0.9, 1.2, 1.5, 2.0)
B_GRID = (0.0, 0.2, 0.4, 0.6, 0.75, 0.9)
HALF_LIFE = 5.0
TAU = 0.1


class WorkIndex:
    """BM25 over single works (one document per distinct (expert, title)) that started before ``year``."""

    def __init__(self, profiles: Sequence[ExpertProfile], *, year: int, analyze: Callable[[str], list[str]],
                 k1: float, b: float, docs: list[list[str]] | None = None):
        works: dict[tuple[str, str], int | None] = {}
        for p in profiles:
            for x in p.projects:
                if x.title and (x.start_year is None or x.start_year < year):
                    key = (p.id, x.title)
                    old = works.get(key)
                    works[key] = x.start_year if old is None else max(old, x.start_year or old)
        self.keys = sorted(works)
        self.years = np.array([works[k] if works[k] is not None else year - 2 * HALF_LIFE for k in self.keys], float)
        self.experts = sorted({e for e, _ in self.keys})
        pos = {e: i for i, e in enumerate(self.experts)}
        self.owner = np.array([pos[e] for e, _ in self.keys], dtype=np.int64)
        self.year = year
        self.analyze = analyze
        self.docs = docs if docs is not None else [analyze(t) for _, t in self.keys]
        self.vocab = frozenset(t for d in self.docs for t in d)
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        self.bm25.index(self.docs, show_progress=False)

    def work_scores(self, text: str) -> np.ndarray:
        """Each work's BM25 for ``text`` divided by the best (all 0 with no known word)."""
        tokens = [t for t in self.analyze(text) if t in self.vocab]
        if not tokens:
            return np.zeros(len(self.keys))
        s = bm25_scores(self.bm25, tokens).astype(float)
        top = s.max()
        return s / top if top > 0 else s

    def expert_scores(self, s: np.ndarray, agg: str) -> np.ndarray:
        """Per expert (aligned with :attr:`experts`) the aggregate of their works' scores ``s``."""
        n = len(self.experts)
        if agg == "max":
            out = np.zeros(n)
            np.maximum.at(out, self.owner, s)
            return out
        if agg == "sum":
            return 1.0 - np.exp(-np.bincount(self.owner, weights=s, minlength=n))
        if agg == "recent":
            w = 0.5 ** (np.maximum(0.0, self.year - self.years) / HALF_LIFE)
            return 1.0 - np.exp(-np.bincount(self.owner, weights=s * w, minlength=n))
        if agg == "lse":  # soft maximum: τ·log Σ exp(s/τ) over the works that score, clipped to [0, 1]
            hit = s > 0
            total = np.bincount(self.owner[hit], weights=np.exp((s[hit] - 1.0) / TAU), minlength=n)
            out = np.zeros(n)
            nz = total > 0
            out[nz] = np.clip(1.0 + TAU * np.log(total[nz]), 0.0, 1.0)
            return out
        if agg == "top3":
            hit = np.flatnonzero(s > 0)
            order = hit[np.lexsort((-s[hit], self.owner[hit]))]
            owners = self.owner[order]
            first = np.r_[0, np.flatnonzero(np.diff(owners)) + 1] if len(order) else np.zeros(0, np.int64)
            rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
            keep = order[rank < 3]
            return np.bincount(self.owner[keep], weights=s[keep], minlength=n) / 3.0
        raise ValueError(agg)


def _profiles(split: Path) -> list[ExpertProfile]:
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as store:
        load_evaluation_projects(split / "projects.csv", store)
        return load_profiles(store)


def _ref(profiles: Sequence[ExpertProfile]) -> int:
    return max(x.start_year for p in profiles for x in p.projects if x.start_year) + 1


def _pseudo(profiles: Sequence[ExpertProfile], ref: int, seed: int = 0, limit: int = 600) -> list[tuple[str, str]]:
    """The pseudo-queries of ``tune_bm25``: (title, PI) of projects led in [ref-2, ref) by experts known before."""
    cut = ref - 2
    known = {p.id for p in profiles if any(x.start_year is not None and x.start_year < cut for x in p.projects)}
    queries = sorted({(x.title, p.id) for p in profiles if p.id in known for x in p.projects
                      if x.role == "lead" and x.start_year is not None and cut <= x.start_year < ref})
    if len(queries) > limit:
        rng = np.random.default_rng(seed)
        queries = [queries[i] for i in sorted(rng.choice(len(queries), limit, replace=False))]
    return queries


def _rr(scores: np.ndarray, experts: list[str], gold: str) -> float:
    pos = {e: i for i, e in enumerate(experts)}.get(gold)
    if pos is None or scores[pos] <= 0:
        return 0.0
    return 1.0 / (1 + _ahead(scores, pos))


def _ahead(scores: np.ndarray, pos: int) -> int:
    """Experts ranked before the one at ``pos``: higher scores, and equal ones earlier in id order."""
    return int((scores > scores[pos]).sum()) + int((scores[:pos] == scores[pos]).sum())


def tune(split: Path) -> dict[str, object]:
    """(k1, b, aggregate) of the document-centric BM25 alone, by MRR on the training pseudo-queries."""
    profiles = _profiles(split)
    ref = _ref(profiles)
    queries = _pseudo(profiles, ref)
    analyze = analyzer(content_words)
    grid: dict[str, float] = {}
    docs = None
    for k1, b in itertools.product(K1_GRID, B_GRID):
        index = WorkIndex(profiles, year=ref - 2, analyze=analyze, k1=k1, b=b, docs=docs)
        docs = index.docs
        pos = {e: i for i, e in enumerate(index.experts)}
        rr: dict[str, list[float]] = {a: [] for a in AGGREGATES}
        for title, gold in queries:
            s = index.work_scores(title)
            for a in AGGREGATES:
                e = index.expert_scores(s, a)
                g = pos.get(gold)
                rr[a].append(0.0 if g is None or e[g] <= 0 else 1.0 / (1 + _ahead(e, g)))
        for a in AGGREGATES:
            grid[f"{k1},{b},{a}"] = round(metrics.mean(rr[a]), 4)
    best = max(grid, key=lambda k: (grid[k], k))
    by_agg = {a: max(((k, v) for k, v in grid.items() if k.endswith("," + a)), key=lambda kv: kv[1]) for a in AGGREGATES}
    for a, (k, v) in by_agg.items():
        print(f"best {a:<7} {k:<18} train MRR {v}")
    from recommend.baselines.bm25_tuned import tune_bm25
    profile = tune_bm25(profiles, tokenize=content_words, ref_year=ref)  # the same pseudo-queries
    print(f"tuned profile BM25 k1={profile.k1} b={profile.b} {profile.analyzer} train MRR {profile.train_mrr:.4f}")
    return {"split": str(split), "train_queries": len(queries), "best": best, "best_mrr": grid[best],
            "profile_bm25": {"k1": profile.k1, "b": profile.b, "analyzer": profile.analyzer,
                             "train_mrr": round(profile.train_mrr, 4)},
            "by_aggregate": {a: {"point": k, "mrr": v} for a, (k, v) in by_agg.items()}, "grid": grid}


def add_feature(groups: list[Group], index: WorkIndex, agg: str, name: str = "docs") -> list[Group]:
    """``groups`` with the aggregate added to every candidate's components."""
    pos = {e: i for i, e in enumerate(index.experts)}
    memo: dict[str, np.ndarray] = {}
    out = []
    for g in groups:
        if g.query not in memo:
            memo[g.query] = index.expert_scores(index.work_scores(g.query), agg)
        e = memo[g.query]
        cands = tuple((c, {**comps, name: float(e[pos[c]]) if c in pos else 0.0}) for c, comps in g.candidates)
        out.append(Group(g.query, cands, g.relevant, g.source, g.year))
    return out


def _dev_rr(groups: list[Group], weights: dict[str, float]) -> list[float]:
    from recommend.ranker import dev_split
    _, held = dev_split(groups)
    return [next((1.0 / (i + 1) for i, e in enumerate(rank_group(g, weights)) if e in g.relevant), 0.0) for g in held]


def signal(split: Path, points: list[tuple[float, float]]) -> dict[str, object]:
    """Dev-year MRR of the best learner with the components alone and with each aggregate added."""
    import recommend.ranker as ranker
    from bench.pi_ranker import build_groups
    from recommend.scoring import COMPONENTS

    train, _ = build_groups(split)
    profiles = _profiles(split)
    year = _ref(profiles) - 2
    analyze = analyzer(content_words)
    original = ranker.train_ranker
    rows: dict[str, object] = {}

    def run(groups: list[Group], names: tuple[str, ...]) -> tuple[dict, list[float]]:
        ranker.train_ranker = lambda g, names=names, **kw: original(g, names=names, **kw)
        try:
            fit, _ = ranker.dev_split(groups)
            model, table = select_ranker(groups)
            # the dev-year MRR of the chosen learner, fit on the fitting part only (as in the table)
            kind, c = (model.kind, model.meta.get("c")) if model.kind != "hand" else ("hand", None)
            weights = dict(original(fit, kind=kind, c=float(c), names=names).weights) if kind != "hand" \
                else ranker.hand_weights()
        finally:
            ranker.train_ranker = original
        return {"hand": table["hand"], "best": max(v for k, v in table.items() if k != "hand"),
                "chosen": f"{kind} C={c}", "table": table, "weights": {k: round(v, 3) for k, v in weights.items()}}, \
            _dev_rr(groups, weights)

    base, base_rr = run(train, COMPONENTS)
    rows["components"] = base
    print(f"components         dev hand {base['hand']}  best {base['best']} ({base['chosen']})", flush=True)
    docs = None
    for k1, b in points:
        index = WorkIndex(profiles, year=year, analyze=analyze, k1=k1, b=b, docs=docs)
        docs = index.docs
        for agg in AGGREGATES:
            groups = add_feature(train, index, agg)
            row, rr = run(groups, (*COMPONENTS, "docs"))
            diff = [a - b_ for a, b_ in zip(rr, base_rr, strict=True)]
            row["diff_vs_components"] = round(metrics.mean(diff), 4)
            row["diff_ci"] = [round(x, 4) for x in metrics.bootstrap_interval(diff)]
            row["docs_weight"] = row["weights"].get("docs")
            rows[f"+docs k1={k1} b={b} {agg}"] = row
            print(f"+docs k1={k1} b={b} {agg:<6} dev hand {row['hand']}  best {row['best']} ({row['chosen']}) "
                  f"Δ(chosen) {row['diff_vs_components']} {row['diff_ci']}  w_docs {row['docs_weight']}", flush=True)
    return {"split": str(split), "train_groups": len(train), "rows": rows}


def fields(split: Path) -> dict[str, object]:
    """Dev-year MRR with the field-distribution match added: cosine between the supervised linker's ht2016 (and
    IPC) probabilities of the query and the mean of the candidate's works before the groups' year."""
    import recommend.ranker as ranker
    from bench.pi_ranker import build_groups
    from ingest.field_model import get_field_model
    from recommend.scoring import COMPONENTS

    train, _ = build_groups(split)
    profiles = _profiles(split)
    year = _ref(profiles) - 2
    model = get_field_model()
    works = {p.id: sorted({x.title for x in p.projects if x.title and (x.start_year is None or x.start_year < year)})
             for p in profiles}
    titles = sorted({t for ws in works.values() for t in ws} | {g.query for g in train})
    row_of = {t: i for i, t in enumerate(titles)}
    x = model.vectorizer.transform(titles)
    rows: dict[str, object] = {}
    original = ranker.train_ranker
    base_rr: list[float] | None = None
    for head in ("none", *model.heads):
        if head != "none":
            parts = [model.heads[h].proba(x) for h in head.split("+")]
            prob = np.hstack(parts)
            prob /= np.linalg.norm(prob, axis=1, keepdims=True)
            groups = []
            for g in train:
                q = prob[row_of[g.query]]
                cands = []
                for e, comps in g.candidates:
                    ws = works.get(e, [])
                    if ws:
                        m = prob[[row_of[t] for t in ws]].mean(axis=0)
                        v = float(m @ q / (np.linalg.norm(m) or 1.0))
                    else:
                        v = 0.0
                    cands.append((e, {**comps, "fields": v}))
                groups.append(Group(g.query, tuple(cands), g.relevant, g.source, g.year))
            names = (*COMPONENTS, "fields")
        else:
            groups, names = train, COMPONENTS
        ranker.train_ranker = lambda g, names=names, **kw: original(g, names=names, **kw)
        try:
            fit, _ = ranker.dev_split(groups)
            chosen, table = select_ranker(groups)
            weights = dict(original(fit, kind=chosen.kind, c=float(chosen.meta.get("c")), names=names).weights) \
                if chosen.kind != "hand" else ranker.hand_weights()
        finally:
            ranker.train_ranker = original
        rr = _dev_rr(groups, weights)
        base_rr = rr if base_rr is None else base_rr
        diff = [a - b for a, b in zip(rr, base_rr, strict=True)]
        rows[head] = {"hand": table["hand"], "best": max(v for k, v in table.items() if k != "hand"),
                      "chosen": f"{chosen.kind} C={chosen.meta.get('c')}", "w_fields": weights.get("fields"),
                      "diff": round(metrics.mean(diff), 4), "diff_ci": [round(v, 4) for v in metrics.bootstrap_interval(diff)]}
        print(head, rows[head], flush=True)
    return {"split": str(split), "rows": rows}


def _prior_features(split: Path, profiles: Sequence[ExpertProfile], year: int
                    ) -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
    """Per expert the prior features of :func:`priors` as of ``year``, and their families."""
    import csv

    with (split / "projects.csv").open(encoding="utf-8") as fh:
        rating = {f"nsfc:{r['项目批准号']}": r.get("总评", "") for r in csv.DictReader(fh)}
    types = ("面上项目", "青年科学基金项目", "地区科学基金项目")
    feats: dict[str, dict[str, float]] = {}
    for p in profiles:
        past = [x for x in p.projects if x.start_year is not None and x.start_year < year]
        f: dict[str, float] = {}
        if past:
            gap = year - max((x.end_year or x.start_year or year) for x in past)
            f[f"end{max(-2, min(3, gap))}"] = 1.0
            last = max(past, key=lambda x: (x.start_year, x.id))
            f["type_" + (last.fund_type if last.fund_type in types else "other")] = 1.0
            ended = [x for x in past if x.end_year is not None and x.end_year < year and rating.get(x.id)]
            f["rated_good"] = (sum(1 for x in ended if rating[x.id] in ("优", "特优")) / len(ended)) if ended else 0.0
        feats[p.id] = f
    families = {"end": [f"end{k}" for k in range(-2, 4)], "type": ["type_" + t for t in (*types, "other")],
                "rating": ["rated_good"]}
    families["all"] = [n for v in families.values() for n in v]
    return feats, families


def priors(split: Path) -> dict[str, object]:
    """Dev-year MRR with non-text priors added, each family alone and all together: years between the latest
    end of a past project and the query year (one-hot, −2…≥3), the latest project's type (one-hot), the share of
    past projects ended before the year rated 优/特优 (总评)."""
    import recommend.ranker as ranker
    from bench.pi_ranker import build_groups
    from recommend.scoring import COMPONENTS

    train, _ = build_groups(split)
    profiles = _profiles(split)
    feats, families = _prior_features(split, profiles, _ref(profiles) - 2)
    original = ranker.train_ranker
    rows: dict[str, object] = {}
    base_rr: list[float] | None = None
    for fam, extra in (("none", []), *families.items()):
        names = (*COMPONENTS, *extra)
        groups = [Group(g.query, tuple((e, {**c, **{n: feats.get(e, {}).get(n, 0.0) for n in extra}})
                                       for e, c in g.candidates), g.relevant, g.source, g.year) for g in train]
        ranker.train_ranker = lambda g, names=names, **kw: original(g, names=names, **kw)
        try:
            fit, _ = ranker.dev_split(groups)
            chosen, table = select_ranker(groups)
            weights = dict(original(fit, kind=chosen.kind, c=float(chosen.meta.get("c")), names=names).weights) \
                if chosen.kind != "hand" else ranker.hand_weights()
        finally:
            ranker.train_ranker = original
        rr = _dev_rr(groups, weights)
        base_rr = rr if base_rr is None else base_rr
        diff = [a - b for a, b in zip(rr, base_rr, strict=True)]
        rows[fam] = {"hand": table["hand"], "best": max(v for k, v in table.items() if k != "hand"),
                     "chosen": f"{chosen.kind} C={chosen.meta.get('c')}",
                     "weights": {n: round(weights.get(n, 0.0), 3) for n in extra},
                     "diff": round(metrics.mean(diff), 4), "diff_ci": [round(v, 4) for v in metrics.bootstrap_interval(diff)]}
        print(fam, rows[fam], flush=True)
    return {"split": str(split), "rows": rows}


def trees(split: Path, k1: float, b: float, agg: str) -> dict[str, object]:
    """A nonlinear learner beside the linear ones (LightGBM is not installed: scikit-learn's histogram gradient
    boosting, pointwise, seeded), on the components and on the components + the document-centric aggregate;
    fit on the fitting part, MRR on the dev year."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from bench.pi_ranker import build_groups
    from recommend.ranker import dev_split
    from recommend.scoring import COMPONENTS

    train, _ = build_groups(split)
    profiles = _profiles(split)
    index = WorkIndex(profiles, year=_ref(profiles) - 2, analyze=analyzer(content_words), k1=k1, b=b)
    groups = add_feature(train, index, agg)
    fit, held = dev_split(groups)
    rows: dict[str, object] = {}
    for label, names in (("components", COMPONENTS), ("+docs", (*COMPONENTS, "docs"))):
        usable = [g for g in fit if any(e in g.relevant for e, _ in g.candidates)]
        x = np.array([[c.get(n, 0.0) for n in names] for g in usable for _, c in g.candidates])
        y = np.array([int(e in g.relevant) for g in usable for e, _ in g.candidates])
        for depth in (2, 3):
            model = HistGradientBoostingClassifier(max_depth=depth, learning_rate=0.05, max_iter=200,
                                                   class_weight="balanced", random_state=0).fit(x, y)
            rr = []
            for g in held:
                if not g.candidates:
                    rr.append(0.0)
                    continue
                p = model.predict_proba(np.array([[c.get(n, 0.0) for n in names] for _, c in g.candidates]))[:, 1]
                order = sorted(range(len(p)), key=lambda i: (-p[i], g.candidates[i][0]))
                rr.append(next((1.0 / (r + 1) for r, i in enumerate(order) if g.candidates[i][0] in g.relevant), 0.0))
            rows[f"{label} depth {depth}"] = {"mrr": round(metrics.mean(rr), 4),
                                               "mrr_ci": [round(v, 4) for v in metrics.bootstrap_interval(rr)]}
            print(label, depth, rows[f"{label} depth {depth}"], flush=True)
    return {"split": str(split), "dev_queries": len(held), "rows": rows}


def association(profiles: Sequence[ExpertProfile], year: int, *, min_pairs: int = 2
                ) -> tuple[dict[str, dict[str, float]], Callable[[str], frozenset[str]]]:
    """Lift of word v in one project of a PI given word u in another of theirs (both before ``year``):
    ``{u: {v: log(P(v | u) / P(v))}}`` for pairs seen ≥ ``min_pairs`` times with a positive lift."""
    from collections import Counter

    memo: dict[str, frozenset[str]] = {}

    def words(t: str) -> frozenset[str]:
        if t not in memo:
            memo[t] = frozenset(content_words(t))
        return memo[t]

    pair: dict[str, Counter] = {}
    source: Counter = Counter()
    target: Counter = Counter()
    n = 0
    for p in profiles:
        titles = sorted({x.title for x in p.projects if x.title and x.start_year is not None and x.start_year < year})
        for a, b in itertools.permutations(titles, 2):
            wa, wb = words(a), words(b)
            n += 1
            source.update(wa)
            target.update(wb)
            for u in wa:
                pair.setdefault(u, Counter()).update(wb)
    table: dict[str, dict[str, float]] = {}
    for u, row in pair.items():
        out = {}
        for v, c in row.items():
            if c >= min_pairs and u != v:
                lift = math.log((c / source[u]) / (target[v] / n))
                if lift > 0:
                    out[v] = lift
        if out:
            table[u] = out
    return table, words


def _assoc_groups(train: list[Group], profiles: Sequence[ExpertProfile], year: int) -> list[Group]:
    """``train`` with the same-PI term association (:func:`association`) added as ``assoc``."""
    table, words = association(profiles, year)
    vocab = {p.id: frozenset().union(*(words(x.title) for x in p.projects
                                       if x.title and (x.start_year is None or x.start_year < year)))
             for p in profiles}
    groups = []
    for g in train:
        q = words(g.query)
        cands = []
        for e, comps in g.candidates:
            have = vocab.get(e, frozenset())
            total = 0.0
            for v in q - have:
                total += max((table[u].get(v, 0.0) for u in have if u in table), default=0.0)
            cands.append((e, {**comps, "assoc": 1.0 - math.exp(-total / 5.0)}))
        groups.append(Group(g.query, tuple(cands), g.relevant, g.source, g.year))
    return groups


def assoc(split: Path) -> dict[str, object]:
    """Dev-year MRR with the same-PI term association added (see DECISIONS.md, second round)."""
    import recommend.ranker as ranker
    from bench.pi_ranker import build_groups
    from recommend.scoring import COMPONENTS

    train, _ = build_groups(split)
    profiles = _profiles(split)
    groups = _assoc_groups(train, profiles, _ref(profiles) - 2)
    original = ranker.train_ranker
    rows: dict[str, object] = {}
    base_rr: list[float] | None = None
    for label, gs, names in (("components", train, COMPONENTS), ("+assoc", groups, (*COMPONENTS, "assoc"))):
        ranker.train_ranker = lambda g, names=names, **kw: original(g, names=names, **kw)
        try:
            fit, _ = ranker.dev_split(gs)
            chosen, tab = select_ranker(gs)
            weights = dict(original(fit, kind=chosen.kind, c=float(chosen.meta.get("c")), names=names).weights) \
                if chosen.kind != "hand" else ranker.hand_weights()
        finally:
            ranker.train_ranker = original
        rr = _dev_rr(gs, weights)
        base_rr = rr if base_rr is None else base_rr
        diff = [a - b for a, b in zip(rr, base_rr, strict=True)]
        rows[label] = {"hand": tab["hand"], "best": max(v for k, v in tab.items() if k != "hand"),
                       "chosen": f"{chosen.kind} C={chosen.meta.get('c')}", "w_assoc": weights.get("assoc"),
                       "diff": round(metrics.mean(diff), 4), "diff_ci": [round(v, 4) for v in metrics.bootstrap_interval(diff)]}
        print(label, rows[label], flush=True)
    return {"split": str(split), "rows": rows}


def ceiling(split: Path, extra: tuple[float, float, str] | None = None) -> dict[str, object]:
    """How far any monotone scorer over the components could go on the dev year: a candidate at least as high
    as the relevant one on every component (higher on one) ranks above it under any non-negative weights, so
    MRR ≤ mean 1 / (1 + such candidates); beside it the dev-year MRR of the hand weights and of the best learner."""
    from bench.pi_ranker import build_groups
    from recommend.ranker import dev_split, hand_weights
    from recommend.scoring import COMPONENTS

    train, _ = build_groups(split)
    names = COMPONENTS
    if extra is not None:  # + every signal of this bench: document-centric BM25, the priors, the association
        profiles = _profiles(split)
        year = _ref(profiles) - 2
        k1, b, agg = extra
        train = add_feature(train, WorkIndex(profiles, year=year, analyze=analyzer(content_words), k1=k1, b=b), agg)
        train = _assoc_groups(train, profiles, year)
        feats, families = _prior_features(split, profiles, year)
        train = [Group(g.query, tuple((e, {**c, **{n: feats.get(e, {}).get(n, 0.0) for n in families["all"]}})
                                      for e, c in g.candidates), g.relevant, g.source, g.year) for g in train]
        names = (*COMPONENTS, "docs", "assoc", *families["all"])
    _, held = dev_split(train)
    bound, found = [], 0
    for g in held:
        gold = [c for e, c in g.candidates if e in g.relevant]
        if not gold:
            bound.append(0.0)
            continue
        found += 1
        x = np.array([[c.get(n, 0.0) for n in names] for _, c in g.candidates])
        best = 0.0
        for gc in gold:
            v = np.array([gc.get(n, 0.0) for n in names])
            dom = int(((x >= v).all(axis=1) & (x > v).any(axis=1)).sum())
            best = max(best, 1.0 / (1 + dom))
        bound.append(best)
    hand = _dev_rr(train, hand_weights())
    # the best single non-negative weight vector fitted on the dev year itself (an oracle: coordinate ascent)
    from recommend.ranker import group_mrr
    weights = {**{n: 0.0 for n in names}, **hand_weights()}
    best_mrr = group_mrr(held, weights)
    for _ in range(3):
        for n in names:
            for value in (0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0):
                trial = {**weights, n: value}
                m = group_mrr(held, trial)
                if m > best_mrr + 1e-9:
                    best_mrr, weights = m, trial
    out = {"oracle_linear_dev_mrr": round(best_mrr, 4), "oracle_weights": weights,"split": str(split), "dev_queries": len(held), "gold_among_candidates": round(found / max(len(held), 1), 4),
           "monotone_ceiling_mrr": round(metrics.mean(bound), 4),
           "ceiling_ci": [round(v, 4) for v in metrics.bootstrap_interval(bound)],
           "hand_mrr": round(metrics.mean(hand), 4)}
    print(out, flush=True)
    return out


def test(split: Path, k1: float, b: float, agg: str, weights: dict[str, float] | None = None) -> dict[str, object]:
    """The tuned document-centric BM25 alone on the split's queries (works before the graph's end)."""
    from api.cli.recommend import _queries

    profiles = _profiles(split)
    ref = _ref(profiles)
    index = WorkIndex(profiles, year=ref, analyze=analyzer(content_words), k1=k1, b=b)
    queries = _queries(split / "queries.csv")
    rr, hits = [], 0
    for q in queries:
        e = index.expert_scores(index.work_scores(q.title), agg)
        r = _rr(e, index.experts, q.gold_id)
        rr.append(r)
        hits += int(r >= 0.1)
    from recommend.baselines.bm25_tuned import tuned_bm25
    from recommend.evaluation import score_system

    engine = {}
    if weights:  # the engine ranked with these weights (e.g. the learned ones `kgmatch evaluate` prints), paired
        from bench.pi_ranker import build_groups

        _, groups = build_groups(split)
        er = [next((1.0 / (i + 1) for i, e in enumerate(rank_group(g, weights)) if e in g.relevant), 0.0)
              for g in groups]
        engine = {"engine_mrr": round(metrics.mean(er), 4),
                  "engine_over_documents": round(metrics.mean(er) / metrics.mean(rr), 4) if metrics.mean(rr) else None,
                  "engine_over_documents_ci": [round(x, 4) for x in metrics.paired_ratio_interval(er, rr)]}
    profile, choice = tuned_bm25(profiles, tokenize=content_words, ref_year=ref)
    base = score_system(lambda t: profile.search(t, k=100), queries, intervals=True)
    return {"split": str(split), "k1": k1, "b": b, "agg": agg, "queries": len(queries),
            "mrr": round(metrics.mean(rr), 4), "mrr_ci": [round(x, 4) for x in metrics.bootstrap_interval(rr)],
            "hit@10": round(hits / max(len(queries), 1), 4),
            "hit@10_ci": [round(x, 4) for x in metrics.wilson_interval(hits, len(queries))],
            "profile_bm25_tuned": {"k1": choice.k1, "b": choice.b, "analyzer": choice.analyzer, "mrr": base["mrr"],
                                   "mrr_ci": base["mrr_ci"], "hit@10": base["hit@10"], "hit@10_ci": base["hit@10_ci"]},
            "ratio_to_profile_bm25": round(metrics.mean(rr) / base["mrr"], 4) if base["mrr"] else None,
            "ratio_ci": [round(x, 4) for x in metrics.paired_ratio_interval(rr, base["_rr"])], **engine, "_rr": rr}


def main() -> None:
    """Parse the mode and run it; print one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("tune", "signal", "fields", "priors", "trees", "assoc", "ceiling", "test"))
    parser.add_argument("--split", type=Path, required=True)
    parser.add_argument("--points", default="1.2,0.75", help="signal: k1,b points separated by ';'")
    parser.add_argument("--k1", type=float, default=1.2)
    parser.add_argument("--b", type=float, default=0.75)
    parser.add_argument("--agg", default="max", choices=AGGREGATES)
    parser.add_argument("--weights", default="", help="test: engine weights (JSON) to pair with the baseline")
    parser.add_argument("--extra", action="store_true", help="ceiling: with every signal of this bench added")
    args = parser.parse_args()
    if args.mode == "tune":
        out = tune(args.split)
    elif args.mode == "signal":
        pts = [tuple(float(x) for x in p.split(",")) for p in args.points.split(";")]
        out = signal(args.split, pts)  # type: ignore[arg-type]
    elif args.mode == "ceiling":
        out = ceiling(args.split, (args.k1, args.b, args.agg) if args.extra else None)
    elif args.mode == "assoc":
        out = assoc(args.split)
    elif args.mode == "trees":
        out = trees(args.split, args.k1, args.b, args.agg)
    elif args.mode == "priors":
        out = priors(args.split)
    elif args.mode == "fields":
        out = fields(args.split)
    else:
        out = test(args.split, args.k1, args.b, args.agg, json.loads(args.weights) if args.weights else None)
        out.pop("_rr")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
