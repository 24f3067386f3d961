"""A bulk import checked on a sample, type-exact (issue 15): every k-th node of each label of the staged embedded
store (about ``--per`` a label, in id order) and all their outgoing relationships, against the Neo4j server of
``KGMATCH_NEO4J_URI`` (JSON with sorted keys tells 2 from 2.0 and "" from absent). The staged store is opened
read-only (``immutable``: do not write it meanwhile). Prints one line per label, then one JSON line.

    KGMATCH_NEO4J_URI=bolt://127.0.0.1:7751 python -m bench.bulk_check --data-dir /work/wt/chunk15/var/scale/local100
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from graph.model import Label
from graph.neo4j_store import Neo4jStore
from graph.store import Direction, NodeRef


def _text(props: dict) -> str:
    return json.dumps({k: v for k, v in props.items() if k != "id"}, sort_keys=True, ensure_ascii=False)


def check(data_dir: Path, per: int) -> dict:
    """Sampled nodes and their outgoing relationships, staged vs Neo4j: counts and differences."""
    db = sqlite3.connect(f"file:{quote(str((data_dir / 'graph.sqlite').resolve()))}?mode=ro&immutable=1", uri=True)
    neo = Neo4jStore.from_env()
    started = time.perf_counter()
    nodes = rels = differences = 0
    for label in Label:
        total = db.execute("SELECT n FROM tallies WHERE kind = 'node' AND name = ?", (label.value,)).fetchone()
        if not total:
            continue
        step = max(1, total[0] // per)
        rows = db.execute("SELECT id, props FROM nodes WHERE label = ? ORDER BY id", (label.value,))
        staged = {i: _text(json.loads(p)) for n, (i, p) in enumerate(rows) if n % step == 0}
        ids = list(staged)
        got: dict[str, str] = {}
        staged_rels: set[tuple] = set()
        neo_rels: set[tuple] = set()
        for j in range(0, len(ids), 500):
            part = ids[j:j + 500]
            got.update((node.id, _text(node.props)) for node in neo.get_nodes(label, part))
            sql = (f"SELECT type, src_id, dst_label, dst_id, props FROM rels WHERE src_label = ? "
                   f"AND src_id IN ({', '.join('?' * len(part))})")
            staged_rels.update((t, s, el, e, _text(json.loads(p))) for t, s, el, e, p in db.execute(sql, (label.value, *part)))
            for _, nb in neo.expand([NodeRef(label, i) for i in part], direction=Direction.OUT, node_props=False):
                r = nb.rel
                neo_rels.add((r.type.value, r.start.id, r.end.label.value, r.end.id, _text(r.props)))
        node_diff = sum(got.get(i) != staged[i] for i in ids)
        rel_diff = len(staged_rels ^ neo_rels)
        nodes, rels, differences = nodes + len(ids), rels + len(staged_rels), differences + node_diff + rel_diff
        print(f"{label.value}: {len(ids)} nodes ({node_diff} differ), {len(staged_rels)} relationships ({rel_diff} differ)",
              flush=True)
    neo.close()
    db.close()
    return {"nodes": nodes, "relationships": rels, "differences": differences,
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the staged embedded store")
    parser.add_argument("--per", type=int, default=1000, help="nodes sampled per label")
    args = parser.parse_args()
    result = check(args.data_dir, args.per)
    print(json.dumps(result))
    return 0 if result["differences"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
