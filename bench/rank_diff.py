"""Do two versions of the code recommend the same on the same store? (issue 17: bounded fan-out
may change ranks; everything else must not).

    python bench/rank_diff.py dump --data-dir var/demo1 --out var/new.json [--code DIR] [--set NAME=VALUE] [--limit N]
    python bench/rank_diff.py compare var/old.json var/new.json

``dump`` runs ``recommend_for_demand`` (year 2026) for every stored demand (or the first ``--limit``)
with the code in ``--code`` (default: this checkout; give an older checkout to compare against it)
and writes each full recommendation. ``compare`` prints how many are identical in full, how many
have the same top 10 in the same order, the mean overlap of the top 10, and the mean absolute rank
change of the experts both lists share; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dump(data_dir: str, out: Path, code: str | None, settings: list[str], limit: int | None) -> None:
    """Write ``{demand id: recommendation as plain data}`` for the demands of the store in ``data_dir``."""
    sys.path.insert(0, str(Path(code).resolve()) if code else str(ROOT))
    from graph.local_store import LocalStore
    from graph.model import Label
    from ingest.nlp import content_words
    from recommend.engine import IndexCache, recommend_for_demand

    overrides = {}
    for item in settings:
        name, value = item.split("=", 1)
        overrides[name] = json.loads(value)
    store = LocalStore(data_dir)
    ids = [n.id for n in store.list_nodes(Label.DEMAND, limit=10**6)][:limit]
    index = IndexCache(content_words).get(store)
    results, times = {}, []
    for demand_id in ids:
        started = time.perf_counter()
        rec = recommend_for_demand(store, demand_id, tokenize=content_words, index=index, year=2026,
                                   overrides=overrides or None)
        times.append(time.perf_counter() - started)
        data = rec.as_dict()
        data["settings"] = {k: v for k, v in data["settings"].items() if k != "fanout_per_field"}
        results[demand_id] = data
    out.write_text(json.dumps(results, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    print(json.dumps({"demands": len(ids), "p50_s": round(statistics.median(times), 4)}))


def compare(a: Path, b: Path) -> dict:
    """Identical in full, same top 10, mean overlap@10, mean |rank change| of shared experts."""
    left, right = json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8"))
    ids = sorted(set(left) & set(right))
    same = same_top = 0
    overlaps, moves = [], []
    for d in ids:
        x, y = left[d], right[d]
        same += x == y
        rx = [e["expert_id"] for e in x["experts"]]
        ry = [e["expert_id"] for e in y["experts"]]
        same_top += rx == ry
        overlaps.append(len(set(rx) & set(ry)) / max(1, len(rx)))
        moves += [abs(rx.index(e) - ry.index(e)) for e in set(rx) & set(ry)]
    return {"demands": len(ids), "identical": same, "same_top10_order": same_top,
            "mean_overlap_at_10": round(statistics.mean(overlaps), 4) if overlaps else None,
            "mean_abs_rank_change": round(statistics.mean(moves), 4) if moves else None}


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--data-dir", required=True)
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--code")
    d.add_argument("--set", dest="settings", action="append", default=[])
    d.add_argument("--limit", type=int)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.data_dir, args.out, args.code, args.settings, args.limit)
    else:
        print(json.dumps(compare(args.a, args.b), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
