"""Learned weights for the score components: a linear learning-to-rank model (issue 13, item 3).

The score stays ``Σ weight × component`` over :data:`recommend.scoring.COMPONENT_TABLE`, so every
explanation still shows what each component contributed; only the weights are learned instead of
hand-set. Training data are query groups (:class:`Group`): a query, its candidates with their
component values, and the relevant experts (the true PI of a later project, the authors of a later
paper, or the experts an officer marked 采纳). Two linear learners are compared by measurement
(``bench/pi_ranker.py``): pointwise logistic regression on (candidate, relevant?) and pairwise
logistic regression on differences (relevant − other) within a group (RankSVM-style, Joachims 2002).
Weights are clipped at 0 (a component never counts against an expert) and rescaled so that the
learned components keep the hand weights' total; a component the model does not know (added after
training, or without variation in the training data) keeps its hand weight.

The model is a small JSON file (``var/models/ranker-v1.json``, ``kgmatch train-ranker``), written
deterministically; the engine uses it when present unless the setting ``ranker`` (or the environment
variable ``KGMATCH_RANKER``) says ``hand``. The hand weights stay the fallback and the baseline.

References:
    T. Joachims, "Optimizing search engines using clickthrough data", KDD 2002 (pairwise differences).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graph.environment import env_value
from recommend.scoring import COMPONENT_TABLE

__all__ = ["MODEL_VERSION", "KINDS", "Group", "RankerModel", "hand_weights", "train_ranker", "save_model",
           "load_model", "model_path", "learned_weights", "rank_group", "group_mrr", "select_ranker",
           "apply_ranker", "dev_split", "HISTORY_BIASED", "RANKER_ZH", "ranker_zh"]

log = logging.getLogger(__name__)

MODEL_VERSION = 1
KINDS = ("pairwise", "pointwise")
HISTORY_BIASED: Mapping[str, str] = {
    "type": "every relevant expert of a project pseudo-query is a project leader by construction",
    "region": "pseudo-queries have no region",
}
"""Components that pseudo-queries from the graph's history cannot teach: they keep their hand weight unless
officers' feedback groups are among the training groups (``train_ranker(fixed=…)`` overrides)."""
RANKER_ZH: Mapping[str, str] = {"learned": "学习排序模型", "hand": "人工权重"}
"""How the CLI and the pages name the weights a recommendation used (``settings["ranker"]``)."""


def ranker_zh(mode: object) -> str:
    """The Chinese name of the weights a recommendation used (``settings["ranker"]``).

    >>> ranker_zh("learned"), ranker_zh("hand"), ranker_zh(None)
    ('学习排序模型', '人工权重', '人工权重')
    """
    return RANKER_ZH.get(str(mode), RANKER_ZH["hand"])


_DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "var" / "models" / f"ranker-v{MODEL_VERSION}.json"


@dataclass(frozen=True)
class Group:
    """One training or evaluation query: candidates as (expert id, component values), the relevant ids."""

    query: str
    candidates: tuple[tuple[str, Mapping[str, float]], ...]
    relevant: frozenset[str]
    source: str = "project"  # "project", "paper" or "feedback"
    year: int | None = None  # the query's year (project start, paper year); the dev split is by year


@dataclass(frozen=True)
class RankerModel:
    """Learned non-negative weights per component name, and how they were learned."""

    weights: Mapping[str, float]
    kind: str
    meta: Mapping[str, Any] = field(default_factory=dict)

    def score(self, components: Mapping[str, float]) -> float:
        """``Σ weight × component`` over the components this model knows."""
        return sum(w * float(components.get(name, 0.0)) for name, w in self.weights.items())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON file."""
        return {"version": MODEL_VERSION, "kind": self.kind,
                "weights": {k: round(float(v), 6) for k, v in sorted(self.weights.items())},
                "meta": dict(self.meta)}


def hand_weights() -> dict[str, float]:
    """The hand-set default weights, one per row of :data:`COMPONENT_TABLE`."""
    return {c.name: c.weight for c in COMPONENT_TABLE}


def _matrix(groups: Sequence[Group], names: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, group number) over every candidate of every group."""
    rows, labels, gid = [], [], []
    for g, group in enumerate(groups):
        for expert, comps in group.candidates:
            rows.append([float(comps.get(n, 0.0)) for n in names])
            labels.append(int(expert in group.relevant))
            gid.append(g)
    return (np.array(rows, dtype=float).reshape(-1, len(names)), np.array(labels, dtype=int), np.array(gid, dtype=int))


def _pairs(x: np.ndarray, y: np.ndarray, gid: np.ndarray, *, max_pairs: int, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """Differences relevant − other within each group, both signs (so the classes balance)."""
    diffs = []
    for g in np.unique(gid):
        idx = np.flatnonzero(gid == g)
        pos, neg = idx[y[idx] == 1], idx[y[idx] == 0]
        if not len(pos) or not len(neg):
            continue
        pairs = [(p, n) for p in pos for n in neg]
        if len(pairs) > max_pairs:
            pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), max_pairs, replace=False))]
        diffs += [x[p] - x[n] for p, n in pairs]
    d = np.array(diffs, dtype=float).reshape(-1, x.shape[1])
    return np.vstack([d, -d]), np.concatenate([np.ones(len(d), dtype=int), np.zeros(len(d), dtype=int)])


def train_ranker(groups: Sequence[Group], *, kind: str = "pairwise", c: float = 1.0, max_pairs: int = 60,
                 seed: int = 0, names: Sequence[str] | None = None, fixed: Sequence[str] | None = None) -> RankerModel:
    """Learn component weights from ``groups`` (deterministic for the same groups and ``seed``).

    Parameters:
        groups: queries with candidates and relevant experts; groups without a relevant candidate
            or without another candidate teach nothing and are skipped.
        kind: ``"pairwise"`` (logistic regression on within-group differences) or ``"pointwise"``.
        c: inverse regularisation strength of the logistic regression.
        max_pairs: at most this many (relevant, other) pairs per group, sampled with ``seed``.
        names: the component names to learn (default: every row of :data:`COMPONENT_TABLE`).
        fixed: components that keep their hand weight whatever the data (default: those of
            :data:`HISTORY_BIASED` when no group comes from officers' feedback, else none).

    Returns:
        A :class:`RankerModel` whose weights are ≥ 0 and sum to the hand weights' total over the
        learned components; a component that never varied, or is ``fixed``, keeps its hand weight.

    Raises:
        ValueError: an unknown ``kind``, or no usable group.

    Examples:
        >>> g = [Group("q", (("a", {"text": 1.0, "evidence": 0.0}), ("b", {"text": 0.2, "evidence": 0.9})),
        ...            frozenset({"a"}))] * 5
        >>> m = train_ranker(g, names=("text", "evidence"))
        >>> m.weights["text"] > m.weights["evidence"]
        True
    """
    from sklearn.linear_model import LogisticRegression  # imported here: the engine only loads JSON

    if kind not in KINDS:
        raise ValueError(f"unknown ranker kind {kind!r}; one of {KINDS}")
    names = tuple(names or (c_.name for c_ in COMPONENT_TABLE))
    usable = [g for g in groups if any(e in g.relevant for e, _ in g.candidates)
              and any(e not in g.relevant for e, _ in g.candidates)]
    if not usable:
        raise ValueError("no training group has both a relevant and another candidate")
    x, y, gid = _matrix(usable, names)
    if fixed is None:
        fixed = () if any(g.source == "feedback" for g in usable) else tuple(HISTORY_BIASED)
    varied = [j for j in range(len(names)) if float(np.ptp(x[:, j])) > 1e-9 and names[j] not in fixed]
    rng = np.random.default_rng(seed)
    if kind == "pairwise":
        xs, ys = _pairs(x[:, varied], y, gid, max_pairs=max_pairs, rng=rng)
        model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    else:
        xs, ys = x[:, varied], y
        model = LogisticRegression(C=c, fit_intercept=True, max_iter=2000, class_weight="balanced")
    model.fit(xs, ys)
    coef = np.clip(model.coef_[0], 0.0, None)
    hand = hand_weights()
    learned_names = [names[j] for j in varied]
    budget = sum(hand.get(n, 0.0) for n in learned_names) or 1.0
    total = float(coef.sum())
    weights = {n: hand.get(n, 0.0) for n in names}
    for n, w in zip(learned_names, coef, strict=True):
        weights[n] = float(w) * budget / total if total > 0 else hand.get(n, 0.0)
    sources: dict[str, int] = {}
    for g in usable:
        sources[g.source] = sources.get(g.source, 0) + 1
    meta = {"groups": len(usable), "candidates": int(len(y)), "sources": dict(sorted(sources.items())),
            "learned": learned_names, "kept_hand": [n for n in names if n not in learned_names],
            "fixed": sorted(set(fixed) & set(names)), "c": c,
            "seed": seed, "raw_coef": {n: round(float(v), 6) for n, v in zip(learned_names, model.coef_[0], strict=True)}}
    return RankerModel({n: round(w, 6) for n, w in weights.items()}, kind, meta)


def rank_group(group: Group, weights: Mapping[str, float]) -> list[str]:
    """The group's candidates ranked by ``Σ weight × component`` (ties by id), best first."""
    scored = [(sum(w * float(comps.get(n, 0.0)) for n, w in weights.items()), e) for e, comps in group.candidates]
    return [e for _, e in sorted(scored, key=lambda se: (-se[0], se[1]))]


def model_path() -> Path:
    """Where the model is read from and written to (``KGMATCH_RANKER_MODEL`` or ``var/models/``)."""
    env = env_value("KGMATCH_RANKER_MODEL").strip()
    return Path(env) if env else _DEFAULT_MODEL


def save_model(model: RankerModel, path: Path | None = None) -> Path:
    """Write ``model`` as sorted JSON (same model, same bytes), through a temporary name."""
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(model.as_dict(), ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


_CACHE: dict[Path, tuple[float, RankerModel | None]] = {}


def load_model(path: Path | None = None) -> RankerModel | None:
    """The model at ``path`` (default :func:`model_path`), or None when there is none or it is unreadable
    (then the hand weights apply; a bad file is logged, never fatal). Re-read when the file changes."""
    path = path or model_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    model: RankerModel | None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"version {data.get('version')} != {MODEL_VERSION}")
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        if any(v < 0 for v in weights.values()):
            raise ValueError("negative weight")
        model = RankerModel(weights, str(data.get("kind", "")), data.get("meta", {}))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        log.warning("ranker model %s is unusable (%s); the hand weights apply", path, err)
        model = None
    _CACHE[path] = (mtime, model)
    return model


def learned_weights(model: RankerModel | None) -> dict[str, float]:
    """``weight_<name>`` settings from ``model`` for every component of :data:`COMPONENT_TABLE`:
    the model's weight where it has one, else the hand weight; the hand weights when ``model`` is None."""
    hand = hand_weights()
    known = model.weights if model is not None else {}
    return {f"weight_{n}": float(known.get(n, w)) for n, w in hand.items()}


def group_mrr(groups: Sequence[Group], weights: Mapping[str, float]) -> float:
    """Mean reciprocal rank of the first relevant candidate when ranking by ``weights`` (0 for a miss)."""
    rr = []
    for g in groups:
        ranked = rank_group(g, weights)
        rr.append(next((1.0 / (i + 1) for i, e in enumerate(ranked) if e in g.relevant), 0.0))
    return sum(rr) / len(rr) if rr else 0.0


C_GRID = (0.1, 1.0, 10.0)


def dev_split(groups: Sequence[Group], *, seed: int = 0) -> tuple[list[Group], list[Group]]:
    """(fitting part, dev part): by year when at least two query years are known (dev = the latest year),
    else two seeded halves.

    >>> g = [Group("a", (), frozenset(), year=2012), Group("b", (), frozenset(), year=2013)]
    >>> [[x.query for x in part] for part in dev_split(g)]
    [['a'], ['b']]
    """
    years = sorted({g.year for g in groups if g.year is not None})
    if len(years) >= 2:
        return [g for g in groups if g.year != years[-1]], [g for g in groups if g.year == years[-1]]
    order = np.random.default_rng(seed).permutation(len(groups))
    return [groups[i] for i in order[: len(groups) // 2]], [groups[i] for i in order[len(groups) // 2:]]


def select_ranker(groups: Sequence[Group], *, seed: int = 0, kinds: Sequence[str] = KINDS,
                  c_grid: Sequence[float] = C_GRID) -> tuple[RankerModel, dict[str, float]]:
    """Choose the learner and its regularisation by measurement, then refit on every group.

    The groups are split into a fitting part and a dev part: by year when the groups carry one and span
    at least two years (dev = the latest year's queries, as a later evaluation would be), else in two
    seeded halves. Each (kind, C) is trained on the fitting part and its MRR measured on the dev part,
    beside the hand weights'. Returns the chosen model (refit on all groups, its ``meta`` holding the
    table; the hand weights, kind ``hand``, when none beats them on the dev part) and the table
    ``{"hand": MRR, "pairwise C=1.0": MRR, …}``.
    """
    fit, held = dev_split(groups, seed=seed)
    table = {"hand": round(group_mrr(held, hand_weights()), 4)}
    best: tuple[float, str, float] | None = None
    for kind in kinds:
        for c in c_grid:
            try:
                model = train_ranker(fit, kind=kind, c=c, seed=seed)
            except ValueError:
                continue
            mrr = round(group_mrr(held, model.weights), 4)
            table[f"{kind} C={c}"] = mrr
            if best is None or mrr > best[0]:
                best = (mrr, kind, c)
    if best is None:
        raise ValueError("no training group has both a relevant and another candidate")
    if table["hand"] > best[0]:  # no learner beats the hand weights on the dev part: keep them
        usable = sum(1 for g in groups if any(e in g.relevant for e, _ in g.candidates)
                     and any(e not in g.relevant for e, _ in g.candidates))
        return RankerModel(hand_weights(), "hand", {"groups": usable, "selection": table, "seed": seed}), table
    model = train_ranker(groups, kind=best[1], c=best[2], seed=seed)
    return RankerModel(model.weights, model.kind, {**model.meta, "selection": table}), table


def apply_ranker(settings: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``settings`` (already resolved) with the score weights the ``ranker`` setting asks for.

    The mode is ``overrides["ranker"]`` when the caller set it, else ``KGMATCH_RANKER`` (default
    ``learned``). ``learned`` takes each ``weight_<name>`` from the model at :func:`model_path` —
    except weights the caller set per call, which always win; with no usable model, or a model whose
    training kept the hand weights (kind ``hand``: no learner beat them on the dev year), the hand
    weights stay and ``settings["ranker"]`` says ``hand``, so every response tells which applied.
    """
    out = dict(settings)
    overrides = overrides or {}
    mode = str(overrides["ranker"]) if "ranker" in overrides else env_value("KGMATCH_RANKER", empty_is_default=True)
    if mode != "learned":
        if mode != "hand":
            log.warning("KGMATCH_RANKER=%r is neither learned nor hand; the hand weights apply", mode)
        out["ranker"] = "hand"
        return out
    model = load_model()
    if model is None or model.kind == "hand":  # no model, or training kept the hand weights (none beat them)
        out["ranker"] = "hand"
        return out
    for name, weight in learned_weights(model).items():
        if name not in overrides:
            out[name] = weight
    out["ranker"] = "learned"
    return out
