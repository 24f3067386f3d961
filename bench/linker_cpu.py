"""CPU time of the linker step for demands (``_rank_demand``) under two linker model files, interleaved in one process.

    python -m bench.linker_cpu BASELINE.pkl CANDIDATE.pkl [--splits dev,dev2,dev8,dev11,dev13] [--rounds 2] \
        [--store DIR [--requests N]]

A model file of an earlier version (before the demand memory, mem38) is read as it is, without a memory: the
step it runs is then today's minus the memory's vote, i.e. what that version ran. Prints p50 / p95 in ms per model
and their ratios (candidate / baseline), then one JSON line. Ratios, not times, are the result: the machines are noisy.

``--store DIR`` also times the whole free-text request (``recommend_for_text`` with ``understand_demand``, the path
of ``kgmatch recommend --text``, the API and the intake page) on that store for the first ``--requests`` demands,
after one untimed pass of every request with each model (so that caches keyed by a text favour neither side), the
two models alternating and taking turns to go first (each is the product's linker in turn, through
``KGMATCH_FIELD_MODEL``; the word cache is cleared before every timed call), hand weights. Both files must be of the current model version: to time an earlier
linker, re-save it as the current version with ``memory = None`` (it then answers exactly as it did).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.sme_demands import EXTRA_SPLITS, load_sme_demands  # noqa: E402

__all__ = ["read_model", "summary", "main"]


def read_model(path: Path) -> object:
    """A linker model file as pickled, given ``memory = None`` when it predates the demand memory."""
    with path.open("rb") as fh:
        model = pickle.load(fh)  # noqa: S301 - our own artefacts, built by train-linker
    if not hasattr(model, "memory"):
        model.memory = None
    return model


def summary(times: dict[str, list[float]], *, digits: int) -> dict[str, object]:
    """p50 / p95 in ms of each side's ``times`` and the candidate / baseline ratios.

    >>> summary({"baseline": [1.0, 2.0], "candidate": [2.0, 4.0]}, digits=2)["ratio_p50"]
    2.0
    """
    out: dict[str, object] = {}
    for name, ts in times.items():
        out[name] = {"p50_ms": round(float(np.percentile(ts, 50)), digits),
                     "p95_ms": round(float(np.percentile(ts, 95)), digits)}
    for q in ("p50", "p95"):
        out[f"ratio_{q}"] = round(out["candidate"][f"{q}_ms"] / out["baseline"][f"{q}_ms"], 3)  # type: ignore[index]
    return out


def main(argv: list[str] | None = None) -> int:
    from ingest import field_model
    from ingest.field_linking import _rank_demand

    forget = getattr(field_model, "_jieba_words_cached", None)  # each timed call segments its text itself

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baseline", type=Path)
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--splits", default="dev,dev2,dev8,dev11,dev13")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--store", type=Path, help="also time whole free-text requests on this store")
    ap.add_argument("--requests", type=int, default=60)
    args = ap.parse_args(argv)
    models = {"baseline": read_model(args.baseline), "candidate": read_model(args.candidate)}
    texts = []
    for split in args.splits.split(","):
        path = EXTRA_SPLITS.get(split)
        texts += [d.text for d in (load_sme_demands(path, split=split) if path else load_sme_demands(split=split))]
    for model in models.values():  # warm both (tokenizer, caches) before timing
        _rank_demand(texts[0], top_k=5, model=model)
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for text in texts:
            for name, model in models.items():
                if forget is not None:
                    forget.cache_clear()
                t0 = time.process_time()
                _rank_demand(text, top_k=5, model=model)
                times[name].append((time.process_time() - t0) * 1000)
    out: dict[str, object] = {"demands": len(texts), "rounds": args.rounds, **summary(times, digits=3)}
    for name in models:
        print(f"{name:10s} p50 {out[name]['p50_ms']:.3f} ms  p95 {out[name]['p95_ms']:.3f} ms")  # type: ignore[index]
    print(f"ratio      p50 {out['ratio_p50']}  p95 {out['ratio_p95']}")
    if args.store is not None:
        out["request"] = _requests(args.store, {"baseline": args.baseline, "candidate": args.candidate},
                                   texts[:args.requests], forget)
        r = out["request"]
        print(f"request    p50 {r['baseline']['p50_ms']:.1f} → {r['candidate']['p50_ms']:.1f} ms, ratio p50 "  # type: ignore[index]
              f"{r['ratio_p50']}  p95 {r['ratio_p95']}")  # type: ignore[index]
    print(json.dumps(out, ensure_ascii=False))
    return 0


def _requests(store_dir: Path, paths: dict[str, Path], texts: list[str], forget: object) -> dict[str, object]:
    """CPU time of whole free-text requests with each linker model in turn (see the module docstring)."""
    import os

    from graph.local_store import LocalStore
    from ingest.field_linking import understand_demand
    from ingest.field_model import get_field_model, load_model
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_text

    os.environ["KGMATCH_RANKER"] = "hand"
    times: dict[str, list[float]] = {name: [] for name in paths}
    with LocalStore(store_dir) as store:
        index = IndexCache(content_words).get(store)
        for path in paths.values():  # both loaded before timing; a file of an earlier version is refused here
            load_model(path)  # (ValueError), where get_field_model would retrain over it
            os.environ["KGMATCH_FIELD_MODEL"] = str(path)
            get_field_model()
            for text in texts:  # one untimed pass: the caches keyed by a text are warm for both sides alike
                recommend_for_text(store, text, tokenize=content_words, understand=understand_demand, index=index)
        for n, text in enumerate(texts):
            for name, path in (paths.items() if n % 2 == 0 else reversed(paths.items())):
                os.environ["KGMATCH_FIELD_MODEL"] = str(path)
                if forget is not None:
                    forget.cache_clear()  # type: ignore[attr-defined]
                t0 = time.process_time()
                recommend_for_text(store, text, tokenize=content_words, understand=understand_demand, index=index)
                times[name].append((time.process_time() - t0) * 1000)
    return {"requests": len(texts), **summary(times, digits=2)}


if __name__ == "__main__":
    raise SystemExit(main())
