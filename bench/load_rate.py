"""Load throughput of the embedded store, this checkout against an older one, and a dump to prove
both stored the same graph (issue 15: the staging loads of the 10× / 100× data).

    python -m bench.load_rate run --store var/tax --work /tmp/w --code /tmp/base \
        var/gen1/projects-synthetic.csv:project var/gen1/papers-synthetic.jsonl:graph
    python -m bench.load_rate dump /tmp/w/graph.sqlite > a.txt     # digest + counts of every node and relationship
    python -m bench.load_rate diff /tmp/w-old /tmp/w-new           # equal, or the first differences

``run`` copies the store directory ``--store`` (e.g. one holding the taxonomies, or a loaded 10×
store) to ``--work`` and, in a fresh process running the code of ``--code`` (default: this
checkout, with that directory as the working directory), loads each ``FILE:KIND`` in order as
``kgmatch load FILE --kind KIND`` does (``graph`` = the generic format). It prints one JSON line
per file (rows, rejected, wall seconds and rows/s, CPU seconds of the loading process and rows per CPU
second — the figure to compare on a shared machine) and a last line with the totals and the child's peak RSS.

``dump`` / ``diff`` read ``graph.sqlite`` directly: every node (label, id, properties) and every
relationship (type, ends, properties), ordered; the properties compared as parsed JSON, so two
loads are "identical" when every stored element is. The tallies' counts are compared too (not
their write revisions, which count transactions).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from graph.local_store import LocalStore
from ingest.importers import import_file
from ingest.loader import load_file
store = LocalStore(sys.argv[1])
def cpu():
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime
total_rows, total_s, total_cpu = 0, 0.0, 0.0
for spec in sys.argv[2:]:
    path, _, kind = spec.rpartition(":")
    started, cpu0 = time.perf_counter(), cpu()
    report = load_file(Path(path), store) if kind == "graph" else import_file(Path(path), kind, store)
    took, used = time.perf_counter() - started, cpu() - cpu0
    total_rows, total_s, total_cpu = total_rows + report.rows, total_s + took, total_cpu + used
    print(json.dumps({"file": Path(path).name, "kind": kind, "rows": report.rows, "rejected": report.rejected_rows,
                      "s": round(took, 2), "rows_per_s": round(report.rows / took, 1), "cpu_s": round(used, 2),
                      "rows_per_cpu_s": round(report.rows / used, 1)}), flush=True)
store.close()
print(json.dumps({"rows": total_rows, "s": round(total_s, 2), "rows_per_s": round(total_rows / total_s, 1),
                  "cpu_s": round(total_cpu, 2), "rows_per_cpu_s": round(total_rows / total_cpu, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}), flush=True)
"""


def run(store: Path, work: Path, code: Path, files: list[str]) -> int:
    """Copy ``store`` to ``work`` and load ``files`` into it with the code of ``code``."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(store, work, ignore=shutil.ignore_patterns("index", "*.log"))
    specs = [f"{Path(p).resolve()}:{k}" for p, _, k in (f.rpartition(":") for f in files)]
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    return subprocess.call([sys.executable, "-c", _CHILD, str(work.resolve()), *specs], cwd=code, env=env)


def _rows(db: sqlite3.Connection):
    for label, node_id, props in db.execute("SELECT label, id, props FROM nodes ORDER BY label, id"):
        yield ("node", label, node_id, json.loads(props))
    for row in db.execute("SELECT type, src_label, src_id, dst_label, dst_id, props FROM rels "
                          "ORDER BY type, src_label, src_id, dst_label, dst_id"):
        yield ("rel", *row[:5], json.loads(row[5]))


def _open(path: Path) -> sqlite3.Connection:
    path = path / "graph.sqlite" if path.is_dir() else path
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def dump(path: Path) -> dict:
    """A digest of every node and relationship, and the counts."""
    db = _open(path)
    digest = hashlib.sha256()
    n = 0
    for row in _rows(db):
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode())
        n += 1
    tallies = {f"{k}:{name}": c for k, name, c in db.execute("SELECT kind, name, n FROM tallies WHERE n > 0")}
    return {"elements": n, "sha256": digest.hexdigest(), "tallies": dict(sorted(tallies.items()))}


def diff(a: Path, b: Path, show: int = 10) -> int:
    """0 when both stores hold the same nodes and relationships (and counts); else print differences."""
    da, db_ = dump(a), dump(b)
    if da == db_:
        print(json.dumps({"identical": True, **da}, ensure_ascii=False))
        return 0
    print(json.dumps({"identical": False, "a": da, "b": db_}, ensure_ascii=False))
    left, right = _rows(_open(a)), _rows(_open(b))
    x, y = next(left, None), next(right, None)
    while (x is not None or y is not None) and show > 0:
        if x == y:
            x, y = next(left, None), next(right, None)
            continue
        kx = x[:-1] if x is not None else None
        ky = y[:-1] if y is not None else None
        if ky is None or (kx is not None and kx < ky):
            print("only in a:", x)
            x = next(left, None)
        elif kx is None or ky < kx:
            print("only in b:", y)
            y = next(right, None)
        else:
            print("a:", x, "\nb:", y)
            x, y = next(left, None), next(right, None)
        show -= 1
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--store", type=Path, required=True)
    r.add_argument("--work", type=Path, required=True)
    r.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    r.add_argument("files", nargs="+")
    d = sub.add_parser("dump")
    d.add_argument("path", type=Path)
    f = sub.add_parser("diff")
    f.add_argument("a", type=Path)
    f.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.what == "run":
        return run(args.store, args.work, args.code, args.files)
    if args.what == "dump":
        print(json.dumps(dump(args.path), ensure_ascii=False))
        return 0
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
