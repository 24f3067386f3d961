"""CPU per recommendation on a loaded embedded store: a profile, and old vs new candidate gathering.

    python -m bench.request_cpu profile --data-dir var/demo [--demands 10] [--top 25]
    python -m bench.request_cpu compare --data-dir var/demo --base REV [--demands 10] [--rounds 3] [--no-index]

``profile``: cProfile (timer: process CPU time, not wall) over ``--demands`` stored-demand and as many
free-text recommendations (the texts of other stored demands), after one warm-up of each.

``compare``: the same requests, alternating in one process between this checkout's
``recommend.candidates`` and the one of git revision ``--base`` (loaded from ``git show`` as a
separate module and swapped into the engine), ``--rounds`` times; prints CPU seconds per request
(median of the rounds) for both and their ratio, and whether every answer was identical; and the
hit rate of the evidence-record cache in the timed rounds (``--fresh-records``: emptied before each
request, the cost for candidates never seen before).

Issue 15 item 3: the per-request cost is in the graph work around retrieval.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _requests(store, demands: int):
    """(stored demand ids, free texts): demands spread over the store, the texts of the next ones."""
    from graph.model import Label

    nodes = store.all_nodes(Label.DEMAND)
    step = max(1, len(nodes) // (2 * demands))
    spread = nodes[::step][:2 * demands]
    stored = [n.id for n in spread[0::2]][:demands]
    texts = [f"{n.props.get('title', '')}\n{n.props.get('description', '')}" for n in spread[1::2]][:demands]
    return stored, texts


def _setup(data_dir: Path, with_index: bool = True):
    from graph.local_store import LocalStore
    from ingest.nlp import content_words
    from recommend.engine import IndexCache
    from recommend.semantics import get_semantic_model

    store = LocalStore(data_dir)
    index = IndexCache(content_words, background=False).get(store) if with_index else None
    return store, index, get_semantic_model()


def _calls(store, index, semantics, stored, texts):
    from ingest.field_linking import understand_demand
    from ingest.nlp import content_words
    from recommend.engine import recommend_for_demand, recommend_for_text

    calls = [lambda d=d: recommend_for_demand(store, d, tokenize=content_words, index=index, semantics=semantics)
             for d in stored]
    calls += [lambda t=t: recommend_for_text(store, t, tokenize=content_words, understand=understand_demand,
                                             index=index, semantics=semantics) for t in texts]
    return calls


def profile(data_dir: Path, demands: int, top: int) -> None:
    """Print the cProfile of the requests, by cumulative and by own CPU time."""
    store, index, semantics = _setup(data_dir)
    stored, texts = _requests(store, demands)
    calls = _calls(store, index, semantics, stored, texts)
    calls[0]()
    calls[-1]()  # warm: segmenter, linker, the store's and the engine's caches
    prof = cProfile.Profile(time.process_time)
    cpu = time.process_time()
    prof.enable()
    for call in calls:
        call()
    prof.disable()
    cpu = time.process_time() - cpu
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(top)
        print(out.getvalue())
    print(json.dumps({"requests": len(calls), "cpu_s": round(cpu, 2), "cpu_ms_per_request":
                      round(1000 * cpu / len(calls), 1), "semantics": semantics is not None}))


def _base_candidates(rev: str):
    """``recommend/candidates.py`` of revision ``rev`` as a module of its own."""
    source = subprocess.run(["git", "show", f"{rev}:recommend/candidates.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="kgmatch-base-")) / "base_candidates.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("base_candidates", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def compare(data_dir: Path, base: str, demands: int, rounds: int, with_index: bool = True,
            fresh_records: bool = False) -> None:
    """CPU per request, base vs this checkout's candidate gathering, alternating in one process.
    ``fresh_records``: the new version finds no evidence record kept (:mod:`recommend.expert_records`
    emptied before each of its requests: the cost when no candidate was seen before)."""
    import recommend.candidates as new
    import recommend.engine as engine
    from recommend.expert_records import expert_record_cache

    old = _base_candidates(base)
    store, index, semantics = _setup(data_dir, with_index)
    stored, texts = _requests(store, demands)
    calls = _calls(store, index, semantics, stored, texts)
    records = expert_record_cache(store)

    def new_gather(*args, **kwargs):
        if fresh_records:
            records.clear()
        return new.gather_candidates(*args, **kwargs)

    variants = {"base": old.gather_candidates, "new": new_gather}
    cpu: dict[str, dict[str, list[float]]] = {v: {"stored": [], "free": []} for v in variants}
    answers: dict[str, list[str]] = {}
    for name, fn in variants.items():  # warm both, and keep their answers
        engine.gather_candidates = fn
        answers[name] = [json.dumps(c().as_dict(), ensure_ascii=False, sort_keys=True) for c in calls]
    hits, misses = records.hits, records.misses
    for _ in range(rounds):
        for name, fn in variants.items():
            engine.gather_candidates = fn
            for kind, part in (("stored", calls[:len(stored)]), ("free", calls[len(stored):])):
                started = time.process_time()
                for call in part:
                    call()
                cpu[name][kind].append((time.process_time() - started) / max(1, len(part)))
    engine.gather_candidates = new_gather  # once more: the answers with the records kept by the rounds
    answers["new_kept"] = [json.dumps(c().as_dict(), ensure_ascii=False, sort_keys=True) for c in calls]
    engine.gather_candidates = new.gather_candidates
    result: dict[str, object] = {"base": base, "requests": len(calls), "rounds": rounds, "text_index": with_index,
                                 "identical": answers["base"] == answers["new"] == answers["new_kept"], "fresh_records": fresh_records,
                                 "record_hit_rate": round((records.hits - hits) / max(1, records.hits - hits
                                                                                       + records.misses - misses), 3)}
    for kind in ("stored", "free"):
        b, n = (statistics.median(cpu[v][kind]) for v in ("base", "new"))
        result[kind] = {"base_cpu_ms": round(1000 * b, 1), "new_cpu_ms": round(1000 * n, 1),
                        "base_over_new": round(b / n, 2),
                        "rounds_base_ms": [round(1000 * x, 1) for x in cpu["base"][kind]],
                        "rounds_new_ms": [round(1000 * x, 1) for x in cpu["new"][kind]]}
    print(json.dumps(result, ensure_ascii=False))


def main() -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("profile", "compare"))
    parser.add_argument("--data-dir", type=Path, required=True, help="a loaded embedded store (kgmatch load demo)")
    parser.add_argument("--demands", type=int, default=10)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--base", default="main", help="compare: the git revision to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-index", action="store_true",
                        help="compare: without the whole-graph text index (no text candidates; skips its build)")
    parser.add_argument("--fresh-records", action="store_true",
                        help="compare: empty the evidence-record cache before each request of the new version")
    args = parser.parse_args()
    if args.what == "profile":
        profile(args.data_dir, args.demands, args.top)
    else:
        compare(args.data_dir, args.base, args.demands, args.rounds, not args.no_index, args.fresh_records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
