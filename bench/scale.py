"""Issue 17's "done when" figures, for this checkout or an older one (``--code DIR``), on either store.

Generate and load the data first (``bench/generate.py``; see its docstring for the load order), e.g.::

    python bench/generate.py --scale 10 --out var/gen10
    KGMATCH_DATA_DIR=var/l10 kgmatch load demo            # taxonomies, NSFC, demo demands
    KGMATCH_DATA_DIR=var/l10 kgmatch load var/gen10/projects-synthetic.csv --kind project   # … and the rest

Then, each printing one JSON line (every figure is also given as a ratio to a baseline measured
in the same run, because the machine is shared):

``open``        open the embedded store and count (in a fresh process), and ``kgmatch stats`` wall
                time, against ``kgmatch --help`` (Python start-up and imports) as the baseline.
``write``       recommendation latency before a write and right after it (the next request, the
                index fetched as the server does): after a workflow write (a webhook Delivery, as the
                reminders job writes at start) and after a profile write (a new expert with a
                project); ratios after/before.
``throughput``  a ``kgmatch serve`` subprocess (``--workers``) answering stored-demand recommendations
                at each ``--concurrency`` level (default 1,4): requests/s, errors, p50/p95 for repeated
                demands (result-cache hits) and, with ``--distinct``, for demands never asked before (misses).

    python bench/scale.py open --data-dir var/l10 [--code /tmp/base]
    python bench/scale.py write --data-dir var/l10 [--store neo4j] [--code /tmp/base] [--samples 9] [--index-dir DIR]
    python bench/scale.py throughput --data-dir var/l10 [--store neo4j] [--workers 2] [--concurrency 1,4,16] [--distinct]
    python bench/scale.py profile --data-dir var/n10 --store neo4j [--fields 5] [--fanout 1000]
    python -m bench.scale bulk --data-dir var/scale/local10     # bulk-import that staged store into Neo4j
    python -m bench.scale export --data-dir var/scale/local10 --csv-dir /tmp/csv [--code /tmp/base]

``bulk``        empties the Neo4j database and bulk-imports an embedded store loaded with the normal
                loaders (``kgmatch bulk-import``): export, neo4j-admin import and schema seconds, rows/s.
``export``      the CSV export of ``bulk`` alone (``--csv-only``), for this checkout or ``--code DIR``, in a
                fresh process: wall and CPU s, peak RSS, CSV size (``--csv-dir``, default DATA_DIR/bulk-csv).

``grow`` (issue 15): the growth curve in one command. For each ``--sizes`` scale it generates the
data (``bench/generate.py``, cached in ``--work``), loads it into an empty store of each ``--stores``
backend in a fresh process (load rows/s of the generated files, that process's peak RSS, disk
after the load), then in another fresh process builds the expert index and times recommendations
for stored demands and for the same demands as free text, p50/p95/p99, beside the plain BM25
query over the same expert profiles (:meth:`ExpertIndex.search`) on the same texts as the
baseline of the same run. Writes a markdown table (``--table``) and a PNG of cost vs size
(``--plot``)::

    python -m bench.scale grow --sizes 1,10 --stores local,neo4j --plot var/scale/growth.png \
        --table var/scale/growth.md

The Neo4j database of ``KGMATCH_NEO4J_URI`` is CLEARED for each size (use your own server).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_KEY = "kgm_00000000_bench-key-for-local-use-only-00000001"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child): on a shared machine the CPU time is the steadier figure."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)


def bench_open(data_dir: Path, code: Path) -> dict:
    """Open + count in a fresh process, and ``kgmatch stats``, against ``kgmatch --help``."""
    probe = ("import sys, time, json; sys.path.insert(0, sys.argv[1]); t0 = time.perf_counter(); "
             "from graph.local_store import LocalStore; t1 = time.perf_counter(); s = LocalStore(sys.argv[2]); "
             "t2 = time.perf_counter(); c = s.counts(); t3 = time.perf_counter(); "
             "print(json.dumps({'import_s': t1 - t0, 'open_s': t2 - t1, 'counts_s': t3 - t2, "
             "'experts': c.nodes.get('Expert', 0)}))")
    out = subprocess.run([sys.executable, "-c", probe, str(code), str(data_dir.resolve())], capture_output=True,
                         text=True, check=True)
    inner = json.loads(out.stdout.strip().splitlines()[-1])
    cli = [sys.executable, "-m", "api.cli", "--data-dir", str(data_dir.resolve())]
    baseline = min(_run([*cli, "--help"], code) for _ in range(2))
    stats = min(_run([*cli, "stats"], code) for _ in range(2))
    baseline_cpu, stats_cpu = baseline[1], stats[1]
    baseline, stats = baseline[0], stats[0]
    return {"bench": "open", "code": str(code), "data_dir": str(data_dir), **{k: round(v, 3) if isinstance(v, float)
            else v for k, v in inner.items()}, "open_plus_counts_s": round(inner["open_s"] + inner["counts_s"], 3),
            "stats_wall_s": round(stats, 3), "help_wall_s": round(baseline, 3),
            "stats_minus_help_s": round(stats - baseline, 3), "stats_cpu_s": round(stats_cpu, 3),
            "help_cpu_s": round(baseline_cpu, 3)}


def _store(kind: str, data_dir: Path):
    if kind == "neo4j":
        from graph.neo4j_store import Neo4jStore
        return Neo4jStore.from_env()
    from graph.local_store import LocalStore
    return LocalStore(data_dir)


def bench_write(data_dir: Path, code: Path, kind: str, demands: int, samples: int = 1,
                index_dir: Path | None = None, link_fields: bool = False, freeze: bool = True) -> dict:
    """Latency of the next recommendation after a workflow write and after a profile write.

    ``samples`` independent writes of each kind: for each, the same stored demand is timed with the
    index settled, right after a Delivery write, settled again, and right after a profile write (a new
    expert with a project whose title carries a unique word); the ratios are the median of the
    latencies right after ÷ the median before (and the median of the per-sample ratios). Whether the
    index the next request used already held the new expert, and whether a text search for its unique
    word finds it first, is reported per sample. ``index_dir``: persist the expert index there (a 10×
    index takes minutes to build; it is reused while the store is unchanged). ``link_fields``: the new
    expert is also EXPERT_IN the demand's own fields and its project IN_FIELD them (as an import of
    experts or projects writes), so the per-field expert lists of those fields change too; then whether
    the answer right after the write names the new expert is reported as well.

    ``freeze``: after the warm-up, ``gc.freeze()`` as ``kgmatch serve`` does once its index is loaded. Without
    it a full (generation 2) collection walks the whole loaded index and graph caches (several million
    objects at 10×: 1.8–4.4 s at load average 7, measured) whenever enough new objects survived, and the
    request it lands in is the slow sample (issue 17: the second write of each run). The seconds of full
    collections inside each timed request are reported either way (``gc_full_s_*``).
    """
    import gc

    full_gc = {"s": 0.0, "t": 0.0}

    def on_gc(phase: str, info: dict) -> None:
        if info.get("generation") == 2:
            if phase == "start":
                full_gc["t"] = time.perf_counter()
            else:
                full_gc["s"] += time.perf_counter() - full_gc["t"]

    gc.callbacks.append(on_gc)
    sys.path.insert(0, str(code))
    from graph.model import Label, RelType
    from graph.store import Batch, Direction, NodeRef
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand

    try:
        from recommend.field_experts import field_expert_lists
    except ImportError:  # an older checkout
        field_expert_lists = None

    store = _store(kind, data_dir)
    ids = [n.id for n in store.list_nodes(Label.DEMAND, limit=demands)]
    cache = IndexCache(content_words, persist_dir=index_dir)
    started = time.perf_counter()
    cache.get(store)
    build_s = time.perf_counter() - started
    if hasattr(cache, "warm"):  # as kgmatch serve does before it listens (older checkouts: no such step)
        cache.warm(store)
    cache.recheck_seconds = 0.0  # a server notices another process's writes too; here: at once
    cache.persist_dir = None  # persisted once at the end, not after each write (a forked pickling of 0.4 GB)

    answers: list = []

    gc_in: list[float] = []  # seconds of full collections inside the last timed request

    def one(demand_id: str) -> float:
        gc0 = full_gc["s"]
        t = time.perf_counter()
        rec = recommend_for_demand(store, demand_id, tokenize=content_words, index=cache.get(store), year=2026)
        elapsed = time.perf_counter() - t
        answers[:] = [rec]
        gc_in[:] = [full_gc["s"] - gc0]
        return elapsed

    def settle() -> None:
        for _ in range(2):
            cache.wait()
            if field_expert_lists is not None:
                field_expert_lists(store).wait()
            cache.get(store)
        cache.wait()

    for d in ids:
        one(d)  # warm
    if freeze:  # as serve does: the loaded index and the warmed caches stay out of full collections
        gc.collect()
        gc.freeze()
    gc_before, gc_after = [], []
    p50_before = statistics.median([one(d) for d in ids])
    stamp = time.strftime("%Y%m%d%H%M%S")
    inst = store.list_nodes(Label.INSTITUTION, limit=1)[0].id
    before, after_delivery, before_profile, after_profile, seen, found, named = [], [], [], [], [], [], []
    while_updating: list[float] = []
    write_s: list[float] = []
    for k in range(samples):
        d = ids[k % len(ids)]
        settle()
        before.append(one(d))
        store.upsert_nodes(Label.DELIVERY, [{"id": f"dl:bench-{stamp}-{k}", "event": "push.reminder",
                                             "status": "待投递", "created_at": "2026-12-02T10:00:00+08:00",
                                             "version": 1}])
        after_delivery.append(one(d))
        settle()
        before_profile.append(one(d))
        gc_before.append(gc_in[0])
        expert, word = f"expert:bench-{stamp}-{k}", f"benchword{stamp}x{k}"
        fields = [nb.node.id for _, nb in store.expand([NodeRef(Label.DEMAND, d)], direction=Direction.OUT,
                                                        rel_types=[RelType.NEEDS], labels=[Label.FIELD])]
        batch = (Batch()
                 .add_nodes(Label.EXPERT, [{"id": expert, "name": "测试专家", "keywords": ["固态电池", word]}])
                 .add_nodes(Label.PROJECT, [{"id": f"bench:{stamp}-{k}", "title": f"固态电池界面稳定性研究 {word}",
                                             "start_year": 2025}])
                 .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, [{"start": expert, "end": inst}])
                 .add_rels(RelType.LEADS, Label.EXPERT, Label.PROJECT, [{"start": expert, "end": f"bench:{stamp}-{k}"}]))
        if link_fields and fields:
            batch.add_rels(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD,
                           [{"start": expert, "end": f, "weight": 1.0} for f in fields])
            batch.add_rels(RelType.IN_FIELD, Label.PROJECT, Label.FIELD,
                           [{"start": f"bench:{stamp}-{k}", "end": f, "weight": 1.0} for f in fields])
        t = time.perf_counter()
        store.write(batch)  # with this process's listeners (the index fold-in, the field lists), as a server's write
        write_s.append(time.perf_counter() - t)
        after_profile.append(one(d))
        gc_after.append(gc_in[0])
        named.append(any(e.scored.id == expert for e in answers[0].experts))
        index = cache.get(store)
        seen.append(expert in index.profiles)
        hits = index.search(word, k=1)
        found.append(bool(hits) and hits[0][0] == expert)
        if k == 0:
            while_updating = [one(x) for x in ids]
    settle()
    p50_after = statistics.median([one(d) for d in ids])
    if index_dir is not None:  # the index as of now, for the next run
        cache.persist_dir = index_dir
        cache._write(cache._path(store), store, cache._stamp_of(store), cache.get(store))
    store.close()
    gc.callbacks.remove(on_gc)
    med = statistics.median
    return {"bench": "write", "code": str(code), "store": kind, "demands": len(ids), "samples": samples,
            "gc_freeze": freeze, "gc_full_s_before_profile": [round(x, 3) for x in gc_before],
            "gc_full_s_after_profile": [round(x, 3) for x in gc_after],
            "link_fields": link_fields, "new_expert_in_next_answer": f"{sum(named)}/{samples}",
            "index_build_s": round(build_s, 2), "p50_before_all_s": round(p50_before, 3),
            "before_p50_s": round(med(before + before_profile), 3),
            "after_delivery_s": round(med(after_delivery), 3), "after_profile_write_s": round(med(after_profile), 3),
            "p50_after_s": round(p50_after, 3), "p50_while_updating_s": round(med(while_updating), 3),
            "ratio_after_delivery": round(med(after_delivery) / med(before), 2),
            "ratio_after_profile_write": round(med(after_profile) / med(before_profile), 2),
            "ratio_after_profile_write_pairs_median": round(med(a / b for a, b in zip(after_profile, before_profile,
                                                                                         strict=True)), 2),
            "ratio_after_profile_write_pairs_max": round(max(a / b for a, b in zip(after_profile, before_profile,
                                                                                  strict=True)), 2),
            "new_expert_in_next_index": f"{sum(seen)}/{samples}", "new_expert_found_first": f"{sum(found)}/{samples}",
            "before_s": [round(x, 3) for x in before_profile], "after_profile_s": [round(x, 3) for x in after_profile],
            "after_delivery_list_s": [round(x, 3) for x in after_delivery],
            "profile_write_s": [round(x, 3) for x in write_s]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_throughput(data_dir: Path, code: Path, kind: str, workers: int, requests: int, demands: int,
                     levels: tuple[int, ...] = (1, 4), distinct: bool = False, threads: int | None = None,
                     warmup_s: float = 0.0) -> dict:
    """Requests per second of a real server at each concurrency of ``levels`` (stored demands).

    The mix: ``demands`` demands cycled, after one warm-up request each per worker, so with the result
    cache every timed request is a repeat (a hit: hit rate 1 by construction). With ``distinct``, also
    each level's ``requests`` requests on demands no request asked for before (misses: hit rate 0).
    Each level reports requests/s, errors (anything but 200) and latency p50/p95. The server runs with
    ``KGMATCH_RATE_LIMIT=0`` (one bench key would be throttled at 600/minute) and a 900 s budget.

    ``warmup_s``: before the timed levels, keep both cores busy (concurrency ``max(2, workers)``, the cycled
    demands) for that many seconds, so that the levels measure the steady state of a server that has been
    serving, not its first minutes: on Neo4j the JVM's C2 compiler spends ~12 s of CPU after each server start
    (issue 17), and a level timed while it runs pays for it on the second core. The warm-up's requests/s and
    each process's CPU per request are reported under ``warmup``, in 4 slices, to show it has settled."""
    import http.client
    import threading

    neo4j_pid = neo4j_server_pid() if kind == "neo4j" else None  # the JVM's CPU is read from /proc too

    env = {**os.environ, "KGMATCH_DATA_DIR": str(data_dir.resolve()), "KGMATCH_STORE": kind,
           "KGMATCH_REMIND_INTERVAL": "0", "KGMATCH_RATE_LIMIT": "0",
           "KGMATCH_RECOMMEND_BUDGET": "900"}  # a loaded machine: measure, do not shed
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "user", "add-key", "bench", "--role", "admin", "--key-stdin", "--replace"], cwd=code,
                   env=env, input=BENCH_KEY + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    serve = [*cli, "serve", "--port", str(port)] + (["--workers", str(workers)] if workers > 1 else []) \
        + (["--threads", str(threads)] if threads else [])
    log = open(data_dir / f"bench-serve-{port}.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(serve, cwd=code, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}/api/v1"
    local = threading.local()

    def get(path: str) -> tuple[int, bytes]:
        """One GET on this thread's kept-alive connection (a new one after an error)."""
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            conn.request("GET", f"/api/v1{path}", headers={"X-API-Key": BENCH_KEY})
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            local.conn = None
            return 0, b""

    def get_json(path: str) -> dict:
        status, body = get(path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)

    try:
        deadline = time.monotonic() + 900
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start; see {log.name}") from None
                time.sleep(0.5)
        wanted = demands + (len(levels) * requests if distinct else 0)
        ids: list[str] = []
        page = 1
        while len(ids) < wanted:
            items = get_json(f"/demands?per_page=100&page={page}")["items"]
            if not items:
                break
            ids += [d["id"] for d in items]
            page += 1
        cycled, fresh = ids[:demands], ids[demands:]
        if distinct and len(fresh) < len(levels) * requests:
            raise SystemExit(f"--distinct needs {len(levels) * requests} more demands than --demands; the store has "
                             f"{len(ids)}")
        def warm(_: int) -> None:
            for d in cycled:
                get_json(f"/demands/{d}/recommendations")

        # Warm every worker's caches (its first request builds the per-field lists: a minute at 10x): one
        # connection per worker, opened at once, so each lands on another worker (the least busy accepts).
        # One connection doing it all warmed only the worker it was kept alive on.
        with ThreadPoolExecutor(max(1, workers)) as pool:
            list(pool.map(warm, range(max(1, workers))))

        def run(concurrency: int, paths: list[str]) -> dict:
            latencies: list[float] = []
            errors: list[int] = []
            cpu0 = {name: _cpu_seconds(pid) for name, pid in _server_pids(server.pid, neo4j_pid).items()}
            mine0 = resource.getrusage(resource.RUSAGE_SELF)

            def one(path: str) -> None:
                t = time.perf_counter()
                status, _ = get(path)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors.append(status)

            started = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(one, paths))
            took = time.perf_counter() - started
            mine1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = {name: round(1000 * (_cpu_seconds(pid) - cpu0[name]) / len(paths), 1)
                   for name, pid in _server_pids(server.pid, neo4j_pid).items() if name in cpu0}
            # each process's CPU over all the round's requests: the processes' figures add up to one request's CPU
            cpu["total"] = round(sum(cpu.values()), 1)
            cpu["client"] = round(1000 * ((mine1.ru_utime - mine0.ru_utime) + (mine1.ru_stime - mine0.ru_stime))
                                  / len(paths), 1)
            pct = _percentiles(latencies)
            return {"per_s": round(len(paths) / took, 2), "errors": len(errors), "requests": len(paths),
                    "p50_ms": round(1000 * pct["p50"], 1), "p95_ms": round(1000 * pct["p95"], 1),
                    "cpu_ms_per_request": cpu, "loadavg": round(os.getloadavg()[0], 2)}

        warmup: list[dict] = []
        if warmup_s > 0:  # steady state: the same work as the levels, on both cores, untimed by the levels
            per_slice, served = warmup_s / 4, 0
            for _ in range(4):  # each slice: rounds of 2 × concurrency requests for warmup_s / 4 seconds
                started, rounds = time.monotonic(), []
                while time.monotonic() - started < per_slice:
                    batch = [f"/demands/{cycled[(served + i) % len(cycled)]}/recommendations"
                             for i in range(max(2, workers) * 2)]
                    rounds.append(run(max(2, workers), batch))
                    served += len(batch)
                reqs = sum(r["requests"] for r in rounds)  # the slice's requests/s and CPU per request
                secs = sum(r["requests"] / r["per_s"] for r in rounds)
                cpu = {k: round(sum(r["cpu_ms_per_request"].get(k, 0) * r["requests"] for r in rounds) / reqs, 1)
                       for k in rounds[0]["cpu_ms_per_request"]}
                warmup.append({"requests": reqs, "per_s": round(reqs / secs, 2), "cpu_ms_per_request": cpu,
                               "errors": sum(r["errors"] for r in rounds)})

        result: dict[str, dict] = {}
        for n, c in enumerate(levels):
            # a level given again is another round in the same server (1,4,1,4: interleaved rounds)
            key = f"c{c}" + (f"#{levels[:n].count(c) + 1}" if c in levels[:n] else "")
            # one worker: every repeat is a hit; with several, a repeat may reach a worker that never saw it
            result[key] = {"mix": "repeat", "hit_rate": 1.0 if workers == 1 else None,
                           **run(c, [f"/demands/{cycled[i % len(cycled)]}/recommendations" for i in range(requests)])}
            if distinct:
                mine = fresh[n * requests:(n + 1) * requests]
                result[f"{key}_distinct"] = {"mix": "distinct", "hit_rate": 0.0,
                                             **run(c, [f"/demands/{d}/recommendations" for d in mine])}
    finally:
        server.terminate()
        server.wait(timeout=120)
        log.close()
    out: dict = {"bench": "throughput", "code": str(code), "store": kind, "workers": workers, "requests": requests,
                 "demands_cycled": len(cycled), "warmup_s": warmup_s, "warmup": warmup,
                 **{f"per_s_{k}": v["per_s"] for k, v in result.items()},
                 "levels": result}
    if 1 in levels and 4 in levels:
        out["ratio_c4_c1"] = round(result["c4"]["per_s"] / result["c1"]["per_s"], 2)
        c1 = [v["per_s"] for k, v in result.items() if k.split("#")[0] == "c1"]
        c4 = [v["per_s"] for k, v in result.items() if k.split("#")[0] == "c4"]
        if len(c1) > 1 or len(c4) > 1:
            out["rounds_c1"], out["rounds_c4"] = c1, c4
            out["ratio_c4_c1_medians"] = round(statistics.median(c4) / statistics.median(c1), 2)

            def pooled(level: str) -> float:  # a level's throughput over all its rounds: requests ÷ seconds
                rounds = [v for k, v in result.items() if k.split("#")[0] == level]
                return sum(r["requests"] for r in rounds) / sum(r["requests"] / r["per_s"] for r in rounds)

            out["ratio_c4_c1_pooled"] = round(pooled("c4") / pooled("c1"), 2)
    return out


def neo4j_server_pid() -> int | None:
    """The pid of the local Neo4j server of ``KGMATCH_NEO4J_HOME`` (``deploy/neo4j`` writes ``neo4j.pid``), if any."""
    home = os.environ.get("KGMATCH_NEO4J_HOME")
    pid_file = Path(home) / "neo4j.pid" if home else None
    return int(pid_file.read_text().strip()) if pid_file is not None and pid_file.is_file() else None


def _server_pids(parent: int, neo4j_pid: int | None) -> dict[str, int]:
    """The server process, its workers (children) and the Neo4j JVM, by name, for CPU accounting."""
    pids = {"server": parent}
    try:
        with open(f"/proc/{parent}/task/{parent}/children", encoding="ascii") as fh:
            for n, child in enumerate(sorted(int(x) for x in fh.read().split())):
                pids[f"worker{n}"] = child
    except OSError:
        pass
    if neo4j_pid:
        pids["neo4j"] = neo4j_pid
    return pids


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _db_hits(plan) -> int:
    return int(plan.get("dbHits", 0)) + sum(_db_hits(c) for c in plan.get("children", []))


def bench_profile(code: Path, field_count: int, fanout: int) -> dict:
    """PROFILE of candidate generation's widest read on Neo4j (fields → EXPERT_IN experts): db hits
    and rows for the busiest fields, unbounded and with ``limit_per_node``; and how many queries
    one recommendation sends (counted at the driver)."""
    sys.path.insert(0, str(code))
    from graph import cypher
    from graph.model import Label
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore.from_env()
    with store._session() as session:
        fields = [r["id"] for r in session.run(
            "MATCH (f:Field)<-[:EXPERT_IN]-() WITH f, count(*) AS n ORDER BY n DESC LIMIT $k RETURN f.id AS id",
            k=field_count)]
        out = {}
        for name, limited in (("unbounded", False), ("bounded", True)):
            query = "PROFILE " + cypher.expand(Label.FIELD, outgoing=False, limited=limited)
            result = session.run(query, ids=fields, types=["EXPERT_IN"], labels=["Expert"], limit=fanout)
            rows = len(list(result))
            plan = result.consume().profile
            out[name] = {"rows": rows, "db_hits": _db_hits(plan)}
    store.close()
    return {"bench": "profile", "fields": field_count, "fanout": fanout, **out,
            "ratio_db_hits": round(out["unbounded"]["db_hits"] / max(1, out["bounded"]["db_hits"]), 2)}


# -- grow: the growth curve (issue 15) ------------------------------------------------------------
GENERATED = (("projects-synthetic.csv", "project"), ("papers-synthetic.jsonl", "graph"),
             ("enterprises-synthetic.jsonl", "enterprise"), ("demands-synthetic.jsonl", "demand"))


def _percentiles(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)

    def at(q: float) -> float:
        return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]
    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def _neo4j_disk() -> int:
    from graph.environment import env_value
    home = Path(env_value("KGMATCH_NEO4J_HOME"))
    home = home if home.is_absolute() else ROOT / home
    return _du(home / "data" / "databases" / "neo4j") + _du(home / "data" / "transactions" / "neo4j")


def load_child(kind: str, data_dir: Path, gen: Path) -> dict:
    """In a fresh process: an empty store, the taxonomies (untimed), then the generated files (timed)."""
    from graph.local_store import LocalStore
    from ingest.demo import demo_plan, load_step
    from ingest.importers import import_file
    from ingest.loader import load_file

    if kind == "neo4j":
        from graph.neo4j_store import Neo4jStore
        store = Neo4jStore.from_env()
        store.init_schema()
        store.clear()
    else:
        import shutil
        shutil.rmtree(data_dir, ignore_errors=True)
        store = LocalStore(data_dir)
    for step in demo_plan():
        if step.kind not in ("project", "enrichment", "enterprise", "demand", "graph"):
            load_step(step, store)
    files, rows, seconds = [], 0, 0.0
    for name, file_kind in GENERATED:
        started = time.perf_counter()
        report = (load_file(gen / name, store) if file_kind == "graph"
                  else import_file(gen / name, file_kind, store))
        took = time.perf_counter() - started
        n = report.rows
        files.append({"file": name, "rows": n, "s": round(took, 1), "rows_per_s": round(n / took),
                      "rejected": report.rejected_rows})
        print(json.dumps({"loaded": kind, **files[-1]}), file=sys.stderr, flush=True)  # progress, in grow's log
        rows, seconds = rows + n, seconds + took
    experts = store.counts().nodes.get("Expert", 0)
    store.close()
    disk = _neo4j_disk() if kind == "neo4j" else _du(data_dir)
    return {"rows": rows, "load_s": round(seconds, 1), "rows_per_s": round(rows / seconds), "experts": experts,
            "load_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "disk_mb":
            round(disk / 2**20), "files": files}


def query_child(kind: str, data_dir: Path, demands: int, persisted_index: bool = False,
                profile_requests: int = 0) -> dict:
    """In a fresh process: build the index, then time stored-demand and free-text recommendations and the
    plain BM25 query over the same profiles on the same texts. ``persisted_index``: load the index from
    ``<data dir>/index`` when it is current there (else build and persist it), so a large store's index is
    built once for several runs (``index_build_s`` is then the load time)."""
    from graph.model import Label
    from ingest.field_linking import understand_demand
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand, recommend_for_text

    store = _store(kind, data_dir)

    def cpu() -> float:  # this process and its finished children (the build's tokenising workers)
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    started, cpu0 = time.perf_counter(), cpu()
    index = IndexCache(content_words, background=False,
                       persist_dir=data_dir / "index" if persisted_index else None).get(store)
    build_s, build_cpu = time.perf_counter() - started, cpu() - cpu0
    print(json.dumps({"index_build_s": round(build_s, 1), "index_build_cpu_s": round(build_cpu, 1),
                      "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}),
          file=sys.stderr, flush=True)  # progress
    nodes = [n for n in store.list_nodes(Label.DEMAND, limit=5000) if n.id.startswith("demand:gen-")]
    step = max(1, len(nodes) // demands)
    chosen = nodes[::step][:demands]
    texts = [f"{n.props.get('title', '')}\n{n.props.get('description', '')}" for n in chosen]

    def timed(fn) -> list[float]:
        out = []
        for x in range(len(chosen)):
            t = time.perf_counter()
            fn(x)
            out.append(time.perf_counter() - t)
        return out

    def stored(x: int) -> None:
        recommend_for_demand(store, chosen[x].id, tokenize=content_words, index=index)

    def free(x: int) -> None:
        recommend_for_text(store, texts[x], tokenize=content_words, understand=understand_demand, index=index)

    def bm25(x: int) -> None:
        index.search(texts[x], k=100)

    for x in range(min(3, len(chosen))):  # warm: the segmenter, the linker model, the store's caches
        stored(x)
        free(x)
    result = {"index_build_s": round(build_s, 1), "index_build_cpu_s": round(build_cpu, 1), "demands": len(chosen)}
    for name, fn in (("stored", stored), ("free", free), ("bm25", bm25)):
        result[name] = {k: round(v * 1000, 1) for k, v in _percentiles(timed(fn)).items()}
        print(json.dumps({name: result[name]}), file=sys.stderr, flush=True)  # progress
    result["query_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if profile_requests:  # where a stored request's time goes (cProfile, CPU time), after the timed rounds
        import cProfile
        import io
        import pstats
        profiler = cProfile.Profile(timer=time.process_time)
        profiler.enable()
        for x in range(min(profile_requests, len(chosen))):
            stored(x)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
        print(text.getvalue(), file=sys.stderr, flush=True)
    store.close()
    return result


def bench_bulk(data_dir: Path) -> dict:
    """Bulk initial load (issue 15 item 4): empty the Neo4j database, then ``kgmatch --store neo4j bulk-import``
    of the embedded store ``data_dir`` (staged with the normal loaders, e.g. by ``grow --stores local``);
    its export / import / schema seconds, and whether Neo4j's counts equal the staged store's."""
    from graph.local_store import LocalStore
    from graph.neo4j_store import Neo4jStore

    with LocalStore(data_dir) as staged:
        staged_counts = staged.counts().as_dict()
    store = Neo4jStore.from_env()
    store.init_schema()
    store.clear()
    store.close()
    out = subprocess.run([sys.executable, "-m", "api.cli", "--store", "neo4j", "bulk-import", str(data_dir), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bulk-import failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    store = Neo4jStore.from_env()
    counts = store.counts().as_dict()
    store.close()
    return {"bench": "bulk", "data_dir": str(data_dir), **result, "same_counts_as_staged": counts == staged_counts,
            "disk_mb": round(_neo4j_disk() / 2**20)}


def bench_export(data_dir: Path, code: Path, csv_dir: Path) -> dict:
    """The bulk export alone (``kgmatch bulk-import STAGE --csv-only``) of checkout ``code`` in a fresh process:
    wall and CPU seconds, that process's peak RSS, the CSVs' size, the load average before and after."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "bulk-import", str(data_dir.resolve()), "--csv-only",
                             "--csv-dir", str(csv_dir.resolve()), "--json"], cwd=code, env=env, stdout=subprocess.PIPE,
                            text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"export failed (status {status}):\n{out[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.pop("command", None)
    rows = result["nodes"] + result["relationships"]
    return {"bench": "export", "code": str(code), "data_dir": str(data_dir), **result, "wall_s": round(wall, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "rows_per_cpu_s": round(rows / max(usage.ru_utime + usage.ru_stime, 1e-9)),
            "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "csv_mb": round(sum(f.stat().st_size for f in csv_dir.glob("*.csv")) / 2**20),
            "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def _child(what: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.scale", what, *args], cwd=ROOT, stdout=subprocess.PIPE,
                         text=True)  # the child's stderr (progress, errors) goes to ours
    if out.returncode != 0:
        raise SystemExit(f"bench.scale {what} {' '.join(args)} failed (its errors are above)")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_grow(sizes: list[float], stores: list[str], work: Path, demands: int, rows_file: Path | None = None) -> list[dict]:
    """Every (size, store): generate (cached), load in a fresh process, query in another; each
    result is also appended to ``rows_file`` (JSON lines) so separate runs can be drawn together."""
    from bench.generate import generate
    rows = []
    for size in sizes:
        gen = work / f"gen{size:g}"
        if not (gen / "MANIFEST.json").is_file():
            generate(gen, scale=size)
        for kind in stores:
            data_dir = work / f"{kind}{size:g}"
            loaded = _child("_load", "--store", kind, "--data-dir", str(data_dir), "--gen", str(gen))
            queried = _child("_query", "--store", kind, "--data-dir", str(data_dir), "--demands", str(demands))
            row = {"scale": size, "store": kind, **loaded, **queried}
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
            if rows_file is not None:
                rows_file.parent.mkdir(parents=True, exist_ok=True)
                with rows_file.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows.append(row)
    return rows


def grow_table(rows: list[dict]) -> str:
    """The growth table in markdown (milliseconds; ratios against plain BM25 and against the smallest size)."""
    head = ("| scale | store | experts | load rows/s | load RSS MB | disk MB | index build s | stored p50/p95/p99 ms "
            "| free text p50/p95/p99 ms | BM25 p50/p95/p99 ms | stored p95 ÷ BM25 p95 | stored p95 ÷ smallest |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    first: dict[str, float] = {}
    for r in rows:
        first.setdefault(r["store"], r["stored"]["p95"])

        def ppp(d: dict) -> str:
            return f"{d['p50']:.0f} / {d['p95']:.0f} / {d['p99']:.0f}"
        lines.append(f"| {r['scale']:g} | {r['store']} | {r['experts']:,} | {r['rows_per_s']:,} | {r['load_rss_mb']:,} "
                     f"| {r['disk_mb']:,} | {r['index_build_s']} | {ppp(r['stored'])} | {ppp(r['free'])} "
                     f"| {ppp(r['bm25'])} | {r['stored']['p95'] / max(r['bm25']['p95'], 0.1):.1f} "
                     f"| {r['stored']['p95'] / first[r['store']]:.2f} |")
    return "\n".join(lines) + "\n"


def grow_plot(rows: list[dict], path: Path) -> None:
    """Cost vs size: p95 latencies (stored, free text, BM25), load rows/s and peak RSS per store."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for kind in sorted({r["store"] for r in rows}):
        mine = [r for r in rows if r["store"] == kind]
        x = [r["experts"] for r in mine]
        for key, style in (("stored", "-o"), ("free", "--s"), ("bm25", ":^")):
            axes[0].plot(x, [r[key]["p95"] for r in mine], style, label=f"{kind} {key} p95")
        axes[1].plot(x, [r["rows_per_s"] for r in mine], "-o", label=kind)
        axes[2].plot(x, [r["load_rss_mb"] for r in mine], "-o", label=f"{kind} load")
        axes[2].plot(x, [r["query_rss_mb"] for r in mine], "--s", label=f"{kind} serving")
    for ax, title, unit in ((axes[0], "recommendation p95", "ms"), (axes[1], "load throughput", "rows/s"),
                            (axes[2], "peak RSS (client process)", "MB")):
        ax.set_xscale("log")
        ax.set_xlabel("experts")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_yscale("log")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("open", "write", "throughput", "profile", "bulk", "export", "grow", "_load", "_query"))
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--sizes", default="1", help="grow: comma-separated scales (1 = demo, 10, 100)")
    parser.add_argument("--stores", default="local,neo4j", help="grow: comma-separated backends")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "scale", help="grow: generated data and stores")
    parser.add_argument("--plot", type=Path, help="grow: write the PNG here")
    parser.add_argument("--table", type=Path, help="grow: write the markdown table here")
    parser.add_argument("--rows", type=Path, help="grow: append each result to this JSON-lines file")
    parser.add_argument("--replot", action="store_true",
                        help="grow: measure nothing; draw the table and plot from --rows (e.g. several runs)")
    parser.add_argument("--gen", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--persisted-index", action="store_true",
                        help="_query: load/persist the expert index in <data dir>/index (build it once)")
    parser.add_argument("--csv-dir", type=Path, help="export: where the CSVs go (default DATA_DIR/bulk-csv)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--store", choices=("local", "neo4j"), default="local")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, help="throughput: the server's threads (serve --threads)")
    parser.add_argument("--concurrency", default="1,4", help="throughput: comma-separated concurrency levels")
    parser.add_argument("--warmup", type=float, default=0.0, metavar="SECONDS",
                        help="throughput: serve the cycled demands on both cores this long before the timed levels")
    parser.add_argument("--distinct", action="store_true",
                        help="throughput: also requests on demands not asked for before (result-cache misses)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--demands", type=int, default=8)
    parser.add_argument("--samples", type=int, default=1, help="write: independent writes of each kind")
    parser.add_argument("--index-dir", type=Path, help="write: persist (and reuse) the expert index here")
    parser.add_argument("--link-fields", action="store_true",
                        help="write: the new expert EXPERT_IN the demand's fields, its project IN_FIELD them")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="write: no gc.freeze() after the warm-up (full collections walk the loaded index)")
    parser.add_argument("--profile-requests", type=int, default=0,
                        help="_query: profile this many stored requests after the timed ones (to stderr)")
    parser.add_argument("--fields", type=int, default=5, help="profile: the busiest fields")
    parser.add_argument("--fanout", type=int, default=1000, help="profile: limit_per_node")
    args = parser.parse_args()
    code = args.code.resolve()
    if args.what == "grow":
        if args.replot:
            rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
            rows.sort(key=lambda r: (r["store"], r["scale"]))
        else:
            rows = bench_grow([float(x) for x in args.sizes.split(",")], args.stores.split(","),
                              args.work.resolve(), args.demands, args.rows)
        table = grow_table(rows)
        if args.table:
            args.table.parent.mkdir(parents=True, exist_ok=True)
            args.table.write_text(table, encoding="utf-8")
        if args.plot:
            grow_plot(rows, args.plot)
        print(table)
        return 0
    if args.what == "_load":
        print(json.dumps(load_child(args.store, args.data_dir, args.gen)))
        return 0
    if args.what == "_query":
        print(json.dumps(query_child(args.store, args.data_dir, args.demands, args.persisted_index,
                                     args.profile_requests)))
        return 0
    if args.data_dir is None:
        parser.error("--data-dir is required")
    if args.what == "open":
        result = bench_open(args.data_dir, code)
    elif args.what == "bulk":
        result = bench_bulk(args.data_dir)
    elif args.what == "export":
        result = bench_export(args.data_dir, code, args.csv_dir or args.data_dir / "bulk-csv")
    elif args.what == "write":
        result = bench_write(args.data_dir, code, args.store, args.demands, args.samples, args.index_dir,
                             args.link_fields, not args.no_gc_freeze)
    elif args.what == "profile":
        result = bench_profile(code, args.fields, args.fanout)
    else:
        result = bench_throughput(args.data_dir, code, args.store, args.workers, args.requests, args.demands,
                                  tuple(int(c) for c in args.concurrency.split(",")), args.distinct, args.threads,
                                  args.warmup)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
