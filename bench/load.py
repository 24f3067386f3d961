"""A bounded load test of the web app on loopback: a fixed, mixed request rate for a fixed time.

    .venv/bin/kgmatch --data-dir /tmp/loadbench load demo      # once (or let the script do it)
    python -m bench.load --data-dir /tmp/loadbench [--seconds 300] [--rate 8]

Serves the app with waitress (as ``kgmatch serve`` does, 8 threads) on 127.0.0.1 over the
embedded store in ``--data-dir`` (users, keys and the audit log in a temporary directory), then
offers ``--rate`` requests per second for ``--seconds`` seconds, open loop (a slow answer does
not slow the offered rate; at most 64 requests in flight), split into four kinds:

* ``read`` (60 %): a demand list page, one demand, an expert search, the push list;
* ``recommend_stored`` (15 %): ``GET /api/v1/demands/{id}/recommendations`` over open demands;
* ``recommend_text`` (15 %): ``POST /api/v1/recommendations`` with realistic demand texts;
* ``push`` (10 %): ``POST /api/v1/demands/{id}/pushes`` of an open demand to an expert it was
  never pushed to (so every push is a legitimate 201).

Each kind uses its own officer API key, so each stays under the per-key rate limit
(``KGMATCH_RATE_LIMIT``) at the default rate; the recommendation time budget
(``KGMATCH_RECOMMEND_BUDGET``) applies as configured. Prints per kind: requests, errors
(anything but the expected 2xx, including 429 and 503), p50/p95/p99/max in milliseconds; the
last line is one JSON object. Needs nothing outside requirements.txt (plain threads + urllib).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.app import create_app
from bench.api_latency import DEMANDS
from graph.local_store import LocalStore
from graph.model import Label, demand_text
from graph.store import NodeRef
from workflow.push import push_id

MIX = (("read", 0.60), ("recommend_stored", 0.15), ("recommend_text", 0.15), ("push", 0.10))
OPEN = ("待对接", "对接中")


def _percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


class Target:
    """What the requests use: open demands, experts, and a fresh (demand, expert) pair per push."""

    def __init__(self, store: LocalStore, seed: int) -> None:
        rng = random.Random(seed)
        demands = store.all_nodes(Label.DEMAND)
        self.open = sorted(d.id for d in demands if (d.props.get("status") or "待对接") in OPEN)
        self.all = sorted(d.id for d in demands)
        experts = sorted(e.id for e in store.all_nodes(Label.EXPERT))
        names = sorted({e.props.get("name", "") for e in store.all_nodes(Label.EXPERT)} - {""})
        self.names = rng.sample(names, min(200, len(names)))
        pairs = [(d, e) for d in rng.sample(self.open, min(60, len(self.open))) for e in rng.sample(experts, 40)]
        taken = {n.id for n in store.get_nodes(Label.PUSH, [push_id(d, NodeRef(Label.EXPERT, e)) for d, e in pairs])}
        self._pairs = iter([p for p in pairs if push_id(p[0], NodeRef(Label.EXPERT, p[1])) not in taken])
        self._lock = threading.Lock()
        self.rng = rng

    def next_pair(self) -> tuple[str, str]:
        """A (demand, expert) never pushed before."""
        with self._lock:
            return next(self._pairs)


def _request(base: str, key: str, method: str, path: str, body: Any = None) -> tuple[int, float]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def _one(kind: str, n: int, target: Target, base: str, key: str) -> tuple[int, float, int]:
    """Send request number ``n`` of ``kind``; (status, milliseconds, expected status)."""
    q = urllib.parse.quote
    if kind == "read":
        choice = n % 4
        if choice == 0:
            return (*_request(base, key, "GET", f"/api/v1/demands?page={1 + n % 20}&per_page=20"), 200)
        if choice == 1:
            return (*_request(base, key, "GET", f"/api/v1/demands/{q(target.all[n % len(target.all)])}"), 200)
        if choice == 2:
            return (*_request(base, key, "GET", f"/api/v1/experts?q={q(target.names[n % len(target.names)])}"), 200)
        return (*_request(base, key, "GET", f"/api/v1/pushes?page={1 + n % 5}"), 200)
    if kind == "recommend_stored":
        demand = target.open[n % len(target.open)]
        return (*_request(base, key, "GET", f"/api/v1/demands/{q(demand)}/recommendations"), 200)
    if kind == "recommend_text":
        d = DEMANDS[n % len(DEMANDS)]
        return (*_request(base, key, "POST", "/api/v1/recommendations",
                          {"text": demand_text(d["title"], d["description"]), "region": d["region"]}), 200)
    demand, expert = target.next_pair()
    return (*_request(base, key, "POST", f"/api/v1/demands/{q(demand)}/pushes",
                      {"targets": [{"label": "Expert", "id": expert}], "channel": "平台消息"}), 201)


def run(data_dir: Path, *, seconds: float, rate: float, seed: int = 0) -> dict[str, Any]:
    """Serve, offer the load, and return the figures per kind."""
    from waitress.server import create_server

    store = LocalStore(data_dir)
    if store.count_nodes(Label.DEMAND) == 0:
        store.close()
        subprocess.run([sys.executable, "-m", "api.cli", "--data-dir", str(data_dir), "load", "demo"], check=True,
                       stdout=subprocess.DEVNULL)
        store = LocalStore(data_dir)
    target = Target(store, seed)
    with tempfile.TemporaryDirectory(prefix="kgmatch-load-") as tmp:
        app = create_app({"KGMATCH_DATA_DIR": tmp, "SECRET_KEY": "load"}, store=store)
        keys = {kind: app.extensions["kgmatch"].users.add_key(f"load-{kind}", "officer") for kind, _ in MIX}
        server = create_server(app, host="127.0.0.1", port=0, threads=8, ident="kgmatch-load")
        base = f"http://127.0.0.1:{server.effective_port}"
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        with app.app_context():  # build the expert index before the clock starts (a minute on the demo graph)
            app.extensions["kgmatch"].index()
        results: dict[str, list[tuple[int, float, int]]] = defaultdict(list)
        lock = threading.Lock()
        pool = ThreadPoolExecutor(max_workers=64)
        slots = threading.BoundedSemaphore(64)
        counters = {kind: itertools.count() for kind, _ in MIX}

        def fire(kind: str) -> None:
            try:
                outcome = _one(kind, next(counters[kind]), target, base, keys[kind])
            except StopIteration:
                outcome = (-1, 0.0, 201)  # ran out of fresh push pairs: counted as an error
            finally:
                slots.release()
            with lock:
                results[kind].append(outcome)

        kinds = [kind for kind, _ in MIX]
        weights = [w for _, w in MIX]
        rng = random.Random(seed)
        started = time.perf_counter()
        sent = 0
        while (now := time.perf_counter() - started) < seconds:
            due = int(now * rate) + 1
            while sent < due:
                slots.acquire()
                pool.submit(fire, rng.choices(kinds, weights)[0])
                sent += 1
            time.sleep(max(0.0, (sent / rate) - (time.perf_counter() - started)))
        pool.shutdown(wait=True)
        elapsed = time.perf_counter() - started
        server.close()
    store.close()
    report: dict[str, Any] = {"seconds": round(elapsed, 1), "offered_rate": rate, "sent": sent, "kinds": {}}
    for kind in kinds:
        rows = results.get(kind, [])
        ms = [m for _, m, _ in rows]
        errors = [s for s, _, want in rows if s != want]
        report["kinds"][kind] = {
            "requests": len(rows), "errors": len(errors),
            "error_statuses": {str(s): errors.count(s) for s in sorted(set(errors))},
            "p50_ms": round(_percentile(ms, 0.50), 1), "p95_ms": round(_percentile(ms, 0.95), 1),
            "p99_ms": round(_percentile(ms, 0.99), 1), "max_ms": round(max(ms), 1) if ms else 0.0,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0}
    return report


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--rate", type=float, default=4.0, help="requests per second, all kinds together")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = run(args.data_dir, seconds=args.seconds, rate=args.rate, seed=args.seed)
    print(f"{'kind':<18}{'requests':>9}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, row in report["kinds"].items():
        print(f"{kind:<18}{row['requests']:>9}{row['errors']:>8}{row['p50_ms']:>10}{row['p95_ms']:>10}"
              f"{row['p99_ms']:>10}{row['max_ms']:>10}")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
