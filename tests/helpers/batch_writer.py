"""Write numbered batches into a LocalStore forever, printing "ack N" after each commit.

Used by tests/test_local_store.py: the test kills this process with SIGKILL at a
random moment and then checks that every acknowledged batch survived whole.
"""

from __future__ import annotations

import sys

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch

NODES_PER_BATCH = 50


def batch(n: int) -> Batch:
    """Batch n: one institution, NODES_PER_BATCH experts working there."""
    inst = f"i:{n}"
    experts = [{"id": f"e:{n}:{k}", "name": f"专家{n}-{k}", "batch": n} for k in range(NODES_PER_BATCH)]
    return (Batch().add_nodes(Label.INSTITUTION, [{"id": inst, "name": f"机构{n}", "batch": n}])
            .add_nodes(Label.EXPERT, experts)
            .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION,
                      [{"start": e["id"], "end": inst} for e in experts]))


def main(data_dir: str) -> None:
    store = LocalStore(data_dir)
    n = 0
    while True:
        store.write(batch(n))
        print(f"ack {n}", flush=True)
        n += 1


if __name__ == "__main__":
    main(sys.argv[1])
