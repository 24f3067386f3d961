"""CPU per result-cache MISS at a large size: old vs new code in interleaved processes, answers compared.

    python -m bench.miss_cpu compare --data-dir var/local10 --base /tmp/base [--demands 20] [--rounds 2]
    python -m bench.miss_cpu run --data-dir var/local10 [--code DIR] [--demands 20] [--out answers.json]
    python -m bench.miss_cpu run --data-dir var/local10 --demands 10 --profile 40
    python -m bench.miss_cpu compare ... --freeze   # gc.freeze() after loading, as `kgmatch serve` does

``run`` (one fresh process, the checkout ``--code``): opens the embedded store, loads the persisted expert
index (``<data dir>/index``, as ``bench.scale _query --persisted-index``), warms on 3 demands that are not
timed, then times ``--demands`` stored-demand and as many free-text recommendations, each on a demand never
asked before in that process and with the evidence-record cache emptied first (the miss path of issue 15:
no whole answer, no record kept), and the plain BM25 query over the same profiles on the same texts.
Prints CPU and wall percentiles per kind and writes every answer (``as_dict``) to ``--out``.

``compare``: ``--rounds`` × (base, new) ``run`` processes alternating, then whether every answer of the
new code equals the base's (ids, scores, components, paths, explanations, teams), and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pct(xs: list[float]) -> dict[str, float]:
    s = sorted(xs)

    def at(q: float) -> float:
        return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]

    return {"p50": round(1000 * at(0.5), 1), "p95": round(1000 * at(0.95), 1), "p99": round(1000 * at(0.99), 1),
            "mean": round(1000 * statistics.fmean(s), 1)}


def run(data_dir: Path, demands: int, out: Path | None, profile: int = 0, freeze: bool = False) -> dict:
    """One process: the timed misses (see the module docstring); ``profile``: instead, print the cProfile
    (process CPU time) of the misses, the ``profile`` heaviest functions by cumulative and by own time."""
    from graph.local_store import LocalStore
    from graph.model import Label
    from ingest.field_linking import understand_demand
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand, recommend_for_text
    from recommend.expert_records import expert_record_cache

    store = LocalStore(data_dir)
    index = IndexCache(content_words, background=False, persist_dir=data_dir / "index").get(store)
    nodes = [n for n in store.list_nodes(Label.DEMAND, limit=5000) if n.id.startswith("demand:gen-")]
    if not nodes:
        nodes = store.list_nodes(Label.DEMAND, limit=5000)
    step = max(1, len(nodes) // (2 * demands + 3))
    spread = nodes[::step][:2 * demands + 3]
    warm, spread = spread[:3], spread[3:]
    stored = [n.id for n in spread[0::2]][:demands]
    texts = [f"{n.props.get('title', '')}\n{n.props.get('description', '')}" for n in spread[1::2]][:demands]
    records = expert_record_cache(store)
    for n in warm:  # the segmenter, the linker and semantic models, the per-field lists
        recommend_for_demand(store, n.id, tokenize=content_words, index=index)
        recommend_for_text(store, f"{n.props.get('title', '')}\n{n.props.get('description', '')}",
                           tokenize=content_words, understand=understand_demand, index=index)
    if freeze:  # as `kgmatch serve` does once the index is loaded: the collector skips what exists now
        import gc
        gc.collect()
        gc.freeze()
    calls = {"stored": [lambda d=d: recommend_for_demand(store, d, tokenize=content_words, index=index)
                        for d in stored],
             "free": [lambda t=t: recommend_for_text(store, t, tokenize=content_words, understand=understand_demand,
                                                     index=index) for t in texts]}
    answers: dict[str, list] = {"stored": [], "free": []}
    if profile:
        import cProfile
        import io
        import pstats
        for kind, fns in calls.items():
            prof = cProfile.Profile(time.process_time)
            cpu = time.process_time()
            for fn in fns:
                records.clear()
                prof.enable()
                fn()
                prof.disable()
            print(f"== {kind}: {1000 * (time.process_time() - cpu) / len(fns):.1f} ms CPU per request (profiled)")
            for order in ("cumulative", "tottime"):
                text = io.StringIO()
                pstats.Stats(prof, stream=text).sort_stats(order).print_stats(profile)
                print(text.getvalue())
        return {}
    result: dict[str, object] = {"code": str(ROOT if not os.environ.get("PYTHONPATH") else os.environ["PYTHONPATH"]),
                                 "demands": len(stored), "load_avg": os.getloadavg()[0], "gc_freeze": freeze}
    import gc
    collections = {"count": [0, 0, 0], "cpu_s": [0.0, 0.0, 0.0]}
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:  # the collector's own CPU during the timed requests
        if phase == "start":
            started.append(time.process_time())
        elif started:
            collections["count"][info["generation"]] += 1
            collections["cpu_s"][info["generation"]] += time.process_time() - started.pop()

    gc.callbacks.append(on_gc)
    for kind, fns in calls.items():
        cpu, wall = [], []
        for fn in fns:
            records.clear()
            w, c = time.perf_counter(), time.process_time()
            rec = fn()
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
            answers[kind].append(rec.as_dict())
        result[kind] = {"cpu": _pct(cpu), "wall": _pct(wall)}
    cpu, wall = [], []
    for t in texts:
        w, c = time.perf_counter(), time.process_time()
        index.search(t, k=100)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    result["bm25"] = {"cpu": _pct(cpu), "wall": _pct(wall)}
    gc.callbacks.remove(on_gc)
    result["gc"] = {"collections_by_generation": collections["count"],
                    "cpu_ms_by_generation": [round(1000 * x, 1) for x in collections["cpu_s"]],
                    "tracked_objects": len(gc.get_objects())}
    for kind in ("stored", "free"):
        for m in ("cpu", "wall"):
            result[kind][f"{m}_p95_over_bm25_p95"] = round(result[kind][m]["p95"] / max(0.1, result["bm25"][m]["p95"]), 2)
    if out is not None:
        out.write_text(json.dumps(answers, ensure_ascii=False, sort_keys=True, default=str), encoding="utf-8")
    store.close()
    return result


def _child(code: Path, data_dir: Path, demands: int, out: Path, freeze: bool = False) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "KGMATCH_RESULT_CACHE": "0"}
    # the data directory as given, from this directory: a persisted index names the store by that path
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "run", "--data-dir", str(data_dir),
                           "--demands", str(demands), "--out", str(out), *(["--freeze"] if freeze else [])],
                          env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _diff(a: object, b: object, where: str = "") -> str | None:
    """The first place two answers differ, None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k} only in one"
            d = _diff(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where} length {len(a)} != {len(b)}"
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _diff(x, y, f"{where}[{n}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {str(a)[:80]} != {str(b)[:80]}"


def compare(data_dir: Path, base: Path, demands: int, rounds: int, freeze: bool = False) -> dict:
    """Alternating base/new processes; answers compared."""
    work = Path(tempfile.mkdtemp(prefix="kgmatch-miss-"))
    runs: dict[str, list[dict]] = {"base": [], "new": []}
    for r in range(rounds):
        for name, code in (("base", base), ("new", ROOT)):
            res = _child(code, data_dir, demands, work / f"{name}-{r}.json", freeze)
            runs[name].append(res)
            print(json.dumps({"round": r, "variant": name, **res}), file=sys.stderr, flush=True)
    first = {n: json.loads((work / f"{n}-0.json").read_text(encoding="utf-8")) for n in ("base", "new")}
    diffs = [f"{kind}[{i}]{d}" for kind in ("stored", "free")
             for i, (a, b) in enumerate(zip(first["base"][kind], first["new"][kind], strict=True))
             if (d := _diff(a, b))]
    summary: dict[str, object] = {"rounds": rounds, "demands": demands, "gc_freeze": freeze, "identical": not diffs,
                                  "differences": diffs[:10], "answers": str(work)}
    for kind in ("stored", "free", "bm25"):
        summary[kind] = {n: {f"{m}_{q}": statistics.median(x[kind][m][q] for x in runs[n])
                             for m in ("cpu", "wall") for q in ("p50", "p95", "mean")} for n in runs}
    for kind in ("stored", "free"):
        summary[kind]["base_over_new_cpu_mean"] = round(summary[kind]["base"]["cpu_mean"]
                                                        / summary[kind]["new"]["cpu_mean"], 2)
        for n in runs:
            summary[kind][n]["cpu_p95_over_bm25_p95"] = statistics.median(
                x[kind]["cpu_p95_over_bm25_p95"] for x in runs[n])
            summary[kind][n]["wall_p95_over_bm25_p95"] = statistics.median(
                x[kind]["wall_p95_over_bm25_p95"] for x in runs[n])
    return summary


def main() -> int:
    """The command line."""
    here = str(Path(__file__).resolve().parent)  # run as a file: bench/ingest.py must not hide the package
    sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != here]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("run", "compare"))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--demands", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base", type=Path, help="compare: the old checkout (git archive REV | tar -x -C DIR)")
    parser.add_argument("--code", type=Path, default=ROOT, help="run: the checkout to measure")
    parser.add_argument("--out", type=Path, help="run: write the answers here")
    parser.add_argument("--profile", type=int, default=0, help="run: print a cProfile of N lines instead")
    parser.add_argument("--freeze", action="store_true",
                        help="gc.freeze() after the index load and the warm-up, as `kgmatch serve` does")
    args = parser.parse_args()
    if args.what == "run":
        if args.code.resolve() != ROOT:
            return _print(_child(args.code.resolve(), args.data_dir, args.demands,
                                 args.out or Path(tempfile.mkstemp(suffix=".json")[1]), args.freeze))
        return _print(run(args.data_dir, args.demands, args.out, args.profile, args.freeze))
    if args.base is None:
        parser.error("compare needs --base")
    return _print(compare(args.data_dir, args.base.resolve(), args.demands, args.rounds, args.freeze))


def _print(result: dict) -> int:
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
