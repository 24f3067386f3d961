"""Graph drawing cost: layout in Python, and first draw in headless Chromium, precomputed vs physics.

    python -m bench.graph_layout [--sizes 100,300,1000] [--repeat 3] [--browser/--no-browser]
                                 [--budget 180] [--stabilization 1000]

For each size it builds a synthetic neighbourhood (a field, its subfields, experts,
their institutions and projects; every node reachable from the centre) and reports:

* Python: median seconds of ``prepare_subgraph`` (no aggregation, so all n nodes stay),
  ``layout_positions`` and the whole ``render_subgraph``; and how many nodes the
  defaults (``max_nodes=150``, ``aggregate_over=10``) leave;
* browser (if Chromium is installed): milliseconds from the moment vis-network has loaded
  (``library_ms`` after navigation: the fixed cost of the 680 kB script) to the figure's
  ``kggraph:drawn`` event for the precomputed layout (physics off), and for physics on
  (pyvis's default 1000 stabilization iterations) until the first drawing and until
  vis-network reports ``stabilized`` (``None``: not within the budget); and the ratios
  physics / precomputed.

Pages are served by a ``http.server`` on 127.0.0.1 (ephemeral port) from a temporary
directory with a copy of the vendored vis-network; each Chromium runs with a fresh
profile and is ended (by its own process handle) as soon as the page has reported, or
after ``--budget`` seconds. Numbers depend on the machine: compare ratios, not times.
The last line is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from graph.model import Label, RelType
from graph.store import Node, Relationship, Subgraph
from render import layout_positions, prepare_subgraph, render_page, render_subgraph

VENDOR = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor" / "vis-network"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900"]

# Reports the figure's events to the bench server; not part of any product page.
_PROBE = """
(function () {
  var marks = {};
  function report() {
    marks.library = window.__libraryReady;
    fetch("/report?" + encodeURIComponent(JSON.stringify(marks)));
  }
  document.addEventListener("kggraph:drawn", function () { marks.drawn = performance.now(); report(); });
  document.addEventListener("kggraph:stabilized", function () { marks.stabilized = performance.now(); report(); });
  document.addEventListener("kggraph:failed", function () { marks.failed = performance.now(); report(); });
})();
"""


_LIBRARY_MARK = '<script src="mark.js"></script>\n'  # runs right after vis-network loaded


def synthetic_subgraph(n: int, *, seed: int = 1) -> Subgraph:
    """About ``n`` nodes around one field: 8% subfields, 55% experts, 10% institutions, the rest projects."""
    rng = random.Random(seed)
    centre = Node(Label.FIELD, "f0", {"name": "新能源材料"})
    n_fields, n_experts, n_insts = max(1, n * 8 // 100), max(1, n * 55 // 100), max(1, n * 10 // 100)
    n_projects = max(1, n - 1 - n_fields - n_experts - n_insts)
    fields = [Node(Label.FIELD, f"f{i}", {"name": f"子领域{i}"}) for i in range(1, n_fields + 1)]
    experts = [Node(Label.EXPERT, f"e{i}", {"name": f"专家{i}"}) for i in range(n_experts)]
    insts = [Node(Label.INSTITUTION, f"i{i}", {"name": f"研究院{i}"}) for i in range(n_insts)]
    projects = [Node(Label.PROJECT, f"p{i}", {"title": f"项目{i}"}) for i in range(n_projects)]
    rels = [Relationship(RelType.SUBFIELD_OF, f.ref, centre.ref, {}) for f in fields]
    every_field = [centre, *fields]
    for e in experts:
        for f in rng.sample(every_field, k=min(2, len(every_field))):
            rels.append(Relationship(RelType.EXPERT_IN, e.ref, f.ref, {}))
        rels.append(Relationship(RelType.WORKS_AT, e.ref, rng.choice(insts).ref, {}))
    for p in projects:
        rels.append(Relationship(RelType.IN_FIELD, p.ref, rng.choice(every_field).ref, {}))
        rels.append(Relationship(RelType.LEADS, rng.choice(experts).ref, p.ref, {}))
    unique = {r.sort_key(): r for r in rels}
    return Subgraph([centre, *fields, *experts, *insts, *projects], [unique[k] for k in sorted(unique)], False)


def _median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up: first calls import scipy and pyvis
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python_costs(n: int, repeat: int) -> dict[str, Any]:
    """Median seconds of each Python step for one size, and what the default bounds leave."""
    subgraph = synthetic_subgraph(n)
    drawing = prepare_subgraph(subgraph, max_nodes=len(subgraph.nodes), aggregate_over=len(subgraph.nodes))
    bounded = prepare_subgraph(subgraph)
    return {
        "nodes": len(drawing.nodes),
        "edges": len(drawing.edges),
        "prepare_s": round(_median_seconds(lambda: prepare_subgraph(
            subgraph, max_nodes=len(subgraph.nodes), aggregate_over=len(subgraph.nodes)), repeat), 4),
        "layout_s": round(_median_seconds(lambda: layout_positions(
            drawing.nodes, drawing.edges, center=drawing.center), repeat), 4),
        "render_s": round(_median_seconds(lambda: render_subgraph(
            subgraph, max_nodes=len(subgraph.nodes), aggregate_over=len(subgraph.nodes)), repeat), 4),
        "default_bounds_nodes": len(bounded.nodes),
        "default_bounds_aggregates": sum(1 for node in bounded.nodes if node.aggregate),
    }


class _Reports:
    """What pages reported, by page name."""

    def __init__(self) -> None:
        self.marks: dict[str, dict[str, float]] = {}
        self.changed = threading.Condition()


def _handler(reports: _Reports, directory: str) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=directory, **kwargs)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urlsplit(self.path)
            if parts.path != "/report":
                super().do_GET()
                return
            page = Path(urlsplit(self.headers.get("Referer", "")).path).stem
            with reports.changed:
                reports.marks.setdefault(page, {}).update(json.loads(unquote(parts.query)))
                reports.changed.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _browser_ms(chromium: str, port: int, page: str, reports: _Reports, *, want: str, budget: float,
                profile: Path) -> dict[str, float | None]:
    """Open one page in a fresh headless Chromium; wait for marks ``drawn`` and ``want`` or the budget; end it."""
    proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                             f"http://127.0.0.1:{port}/{page}.html"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + budget
    try:
        with reports.changed:
            while not ({"drawn", want} <= set(reports.marks.get(page, {})) or "failed" in reports.marks.get(page, {})):
                left = deadline - time.monotonic()
                if left <= 0 or proc.poll() is not None:
                    break
                reports.changed.wait(timeout=min(left, 1.0))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    marks = reports.marks.get(page, {})
    if "failed" in marks:
        raise RuntimeError(f"{page}: vis-network did not load")
    times = {k: (round(marks[k], 1) if marks.get(k) is not None else None) for k in ("library", "drawn", "stabilized")}
    for key in ("drawn", "stabilized"):  # the graph's own cost: after vis-network was loaded and parsed
        times[f"{key}_after_library"] = (round(times[key] - times["library"], 1)
                                         if times[key] is not None and times["library"] is not None else None)
    return times


def browser_costs(sizes: list[int], *, budget: float, stabilization: int) -> dict[str, Any]:
    """Navigation-to-draw milliseconds per size: precomputed layout vs physics on."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        return {"skipped": "Chromium is not installed (apt-get install chromium fonts-wqy-microhei)"}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(VENDOR, site / "vendor")
        (site / "probe.js").write_text(_PROBE, encoding="utf-8")
        (site / "mark.js").write_text("window.__libraryReady = performance.now();\n", encoding="utf-8")
        for n in sizes:
            subgraph = synthetic_subgraph(n)
            for mode, physics in (("still", False), ("physics", True)):
                fragment = render_subgraph(subgraph, max_nodes=len(subgraph.nodes),
                                           aggregate_over=len(subgraph.nodes), physics=physics,
                                           stabilization_iterations=stabilization,
                                           script_url="vendor/vis-network.min.js", css_url="vendor/vis-network.min.css")
                page = render_page(fragment, title=f"{n} 个节点").replace(
                    "<head>", '<head>\n<script src="probe.js"></script>', 1).replace(
                    '<script type="application/json"', _LIBRARY_MARK + '<script type="application/json"', 1)
                (site / f"{mode}-{n}.html").write_text(page, encoding="utf-8")
        reports = _Reports()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(reports, str(site)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            for n in sizes:
                still = _browser_ms(chromium, server.server_port, f"still-{n}", reports, want="drawn",
                                    budget=budget, profile=Path(tmp) / f"profile-still-{n}")
                moving = _browser_ms(chromium, server.server_port, f"physics-{n}", reports, want="stabilized",
                                     budget=budget, profile=Path(tmp) / f"profile-physics-{n}")
                row: dict[str, Any] = {
                    "library_ms": still["library"],
                    "still_drawn_ms": still["drawn_after_library"],
                    "physics_drawn_ms": moving["drawn_after_library"],
                    "physics_stabilized_ms": moving["stabilized_after_library"],
                }
                if row["still_drawn_ms"]:
                    for key in ("drawn", "stabilized"):
                        if row[f"physics_{key}_ms"]:
                            row[f"physics_{key}_vs_still"] = round(row[f"physics_{key}_ms"] / row["still_drawn_ms"], 1)
                out[str(n)] = row
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure, print a table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--budget", type=float, default=180.0, help="seconds to wait for one page")
    parser.add_argument("--stabilization", type=int, default=1000,
                        help="stabilization iterations with physics on (pyvis's default is 1000)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    result: dict[str, Any] = {"python": {str(n): python_costs(n, args.repeat) for n in sizes}}
    for n, row in result["python"].items():
        print(f"python n={n}: {row}")
    if args.browser:
        result["browser"] = browser_costs(sizes, budget=args.budget, stabilization=args.stabilization)
        for n, row in result["browser"].items():
            print(f"browser n={n}: {row}")
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
