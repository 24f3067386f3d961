"""CPU time of the linker step for demands (``_rank_demand``) under two linker model files, interleaved in one process.

    python -m bench.linker_cpu BASELINE.pkl CANDIDATE.pkl [--splits dev,dev2,dev8,dev11,dev13] [--rounds 2]

A model file of an earlier version (before the demand memory, mem38) is read as it is, without a memory: the
step it runs is then today's minus the memory's vote, i.e. what that version ran. Prints p50 / p95 in ms per model
and their ratios (candidate / baseline), then one JSON line. Ratios, not times, are the result: the machines are noisy.
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

__all__ = ["read_model", "main"]


def read_model(path: Path) -> object:
    """A linker model file as pickled, given ``memory = None`` when it predates the demand memory."""
    with path.open("rb") as fh:
        model = pickle.load(fh)  # noqa: S301 - our own artefacts, built by train-linker
    if not hasattr(model, "memory"):
        model.memory = None
    return model


def main(argv: list[str] | None = None) -> int:
    from ingest import field_model
    from ingest.field_linking import _rank_demand

    forget = getattr(field_model, "_jieba_words_cached", None)  # each timed call segments its text itself

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baseline", type=Path)
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--splits", default="dev,dev2,dev8,dev11,dev13")
    ap.add_argument("--rounds", type=int, default=2)
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
    out: dict[str, object] = {"demands": len(texts), "rounds": args.rounds}
    for name, ts in times.items():
        out[name] = {"p50_ms": round(float(np.percentile(ts, 50)), 3), "p95_ms": round(float(np.percentile(ts, 95)), 3)}
    for q in ("p50", "p95"):
        out[f"ratio_{q}"] = round(out["candidate"][f"{q}_ms"] / out["baseline"][f"{q}_ms"], 3)  # type: ignore[index]
    for name in models:
        print(f"{name:10s} p50 {out[name]['p50_ms']:.3f} ms  p95 {out[name]['p95_ms']:.3f} ms")  # type: ignore[index]
    print(f"ratio      p50 {out['ratio_p50']}  p95 {out['ratio_p95']}")
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
