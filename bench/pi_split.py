"""Make a time split for ``kgmatch evaluate pi-retrieval`` from an NSFC project export.

    python -m bench.pi_split [--source g|f0208|PATH] [--cut 2014] [--out var/eval]

``g`` is the management-science projects (NSFC-G, starts ≤ 2015), ``f0208`` the shared F0208
export (computer networks, approved ≤ 2014, with 申请代码).

Projects whose 起止年月 starts before ``--cut`` become the graph (``projects.csv``, the
NSFC columns as they are); projects starting in ``cut`` or ``cut + 1`` whose PI (name +
institution) already has an earlier project become the queries (``queries.csv``:
项目名称, gold_负责人, gold_依托单位, plus 项目类别 which the evaluation ignores).
Nothing is trained on the queries: they are only ever ranked.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from ingest.resolve import DATA_ROOT, normalize_name, normalize_org

__all__ = ["SOURCE", "SOURCES", "make_split"]

SOURCE = DATA_ROOT / "nsfc" / "nsfc_G_projects_start_le2015.csv"
SOURCES = {"g": SOURCE, "f0208": DATA_ROOT / "nsfc" / "nsfc_F0208_projects_approved_le2014.csv"}


def _start(row: dict[str, str]) -> int | None:
    head = (row.get("起止年月") or "")[:4]
    return int(head) if head.isdigit() else None


def make_split(out_dir: Path, *, cut: int = 2014, source: Path = SOURCE) -> tuple[Path, Path, int, int]:
    """Write projects.csv and queries.csv; returns their paths and row counts."""
    with source.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = [r for r in reader if _start(r) is not None]
    past = [r for r in rows if _start(r) < cut]
    known = {(normalize_name(r["负责人"]), normalize_org(r["依托单位"])) for r in past}
    queries = [r for r in rows if cut <= _start(r) < cut + 2
               and (normalize_name(r["负责人"]), normalize_org(r["依托单位"])) in known]
    out_dir.mkdir(parents=True, exist_ok=True)
    projects_path, queries_path = out_dir / "projects.csv", out_dir / "queries.csv"
    with projects_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(past)
    with queries_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["项目名称", "gold_负责人", "gold_依托单位", "项目类别"])
        writer.writerows([r["项目名称"], r["负责人"], r["依托单位"], r["项目类别"]] for r in queries)
    return projects_path, queries_path, len(past), len(queries)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="g", help="g, f0208 or a CSV path")
    parser.add_argument("--cut", type=int, default=2014)
    parser.add_argument("--out", type=Path, default=Path("var/eval"))
    args = parser.parse_args()
    p, q, n_p, n_q = make_split(args.out, cut=args.cut, source=SOURCES.get(args.source, Path(args.source)))
    print(f"{p}: {n_p} projects; {q}: {n_q} queries")
