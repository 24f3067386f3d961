"""Where the expert index build goes on a large store, without building it whole (issue 15, 100×).

Building the index of a 100× store whole would take hours and more memory than the machine can
give (10×: 1,080 s, 2.2 GB serving RSS). This measures the build's phases on the first ``--sample``
experts (by id, as ``load_profiles`` pages them) and scales each phase to the store's expert count:

* ``profiles``: reading the experts with their institutions, projects and papers (``load_profiles``);
* ``index``: tokenising the profiles and building BM25 (``ExpertIndex``), the activity prior, and
  the profiles' semantic vectors — the rest of ``IndexCache._build``.

Each phase's CPU seconds per expert × the experts of the store is the extrapolation (linear: every
phase is a pass over the profiles); ``--profile`` adds the top functions (cProfile, cumulative CPU).

    python -m bench.index_probe --data-dir var/scale/local100 --sample 20000 [--profile 25]
    KGMATCH_NEO4J_URI=bolt://127.0.0.1:7751 python -m bench.index_probe --store neo4j --sample 5000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import time
from pathlib import Path


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the build's tokenising workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def probe(data_dir: Path | None, sample: int, top: int, kind: str = "local") -> dict:
    """Phases of the index build over the first ``sample`` experts, and their extrapolation."""
    import recommend.index_cache as index_cache
    from graph.local_store import LocalStore
    from graph.model import Label
    from ingest.nlp import content_words
    from recommend.profiles import _profiles_of
    from recommend.semantics import get_semantic_model

    if kind == "neo4j":  # the server of KGMATCH_NEO4J_URI
        from graph.neo4j_store import Neo4jStore
        store = Neo4jStore.from_env()
    else:
        store = LocalStore(data_dir)
    experts_total = store.counts().nodes.get("Expert", 0)
    wall0, cpu0 = time.perf_counter(), _cpu()
    profiles, after = [], None
    while len(profiles) < sample:
        page = store.list_nodes(Label.EXPERT, limit=min(2000, sample - len(profiles)), after=after)
        if not page:
            break
        after = page[-1].id
        profiles += _profiles_of(store, page)
    read = {"wall_s": time.perf_counter() - wall0, "cpu_s": _cpu() - cpu0}
    cache = index_cache.IndexCache(content_words, background=False)
    content_words("预热分词器与语义模型")  # the one-time set-up (~5 s) is not a per-expert cost
    get_semantic_model()
    index_cache.load_profiles = lambda _store: profiles  # the build's own steps, over the sample
    profiler = cProfile.Profile(timer=time.process_time) if top else None
    rss0 = _rss_mb()
    wall0, cpu0 = time.perf_counter(), _cpu()
    if profiler:
        profiler.enable()
    cache._build(store)
    if profiler:
        profiler.disable()
    built = {"wall_s": time.perf_counter() - wall0, "cpu_s": _cpu() - cpu0}
    n = len(profiles)
    out = {"store": kind, "data_dir": str(data_dir), "experts": experts_total, "sample": n,
           "profiles": {k: round(v, 1) for k, v in read.items()}, "index": {k: round(v, 1) for k, v in built.items()},
           "cpu_ms_per_expert": {"profiles": round(read["cpu_s"] / n * 1000, 3),
                                 "index": round(built["cpu_s"] / n * 1000, 3)},
           "extrapolated_cpu_s": round((read["cpu_s"] + built["cpu_s"]) / n * experts_total),
           "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "build_peak_kb_per_expert": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss0) * 1024 / n, 2),
           "kept_kb_per_expert": round((_rss_mb() - rss0) * 1024 / n, 2)}
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
        out["profile"] = text.getvalue()
    store.close()
    return out


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="the embedded store (--store local)")
    parser.add_argument("--store", choices=("local", "neo4j"), default="local",
                        help="neo4j: the server of KGMATCH_NEO4J_URI")
    parser.add_argument("--sample", type=int, default=20000)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions (cumulative CPU)")
    args = parser.parse_args()
    if args.store == "local" and args.data_dir is None:
        parser.error("--data-dir is required with --store local")
    out = probe(args.data_dir, args.sample, args.profile, args.store)
    profile = out.pop("profile", None)
    print(json.dumps(out, ensure_ascii=False))
    if profile:
        print(profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
