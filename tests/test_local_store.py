"""What only the embedded store must show: durability on disk, reopening, several processes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from graph.local_store import LocalStore
from graph.model import Label, RelType
from graph.store import Batch

HELPER = Path(__file__).parent / "helpers" / "batch_writer.py"
ROOT = Path(__file__).resolve().parent.parent
NODES_PER_BATCH = 50


def test_reopening_rebuilds_the_graph(tmp_path):
    with LocalStore(tmp_path) as store:
        store.write(Batch().add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}])
                    .add_nodes(Label.INSTITUTION, [{"id": "i:1", "name": "浙江大学"}])
                    .add_rels(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, [{"start": "e:1", "end": "i:1", "since": 2012}]))
    with LocalStore(tmp_path) as again:
        assert again.counts().as_dict() == {"nodes": {"Expert": 1, "Institution": 1}, "relationships": {"WORKS_AT": 1}}
        [nb] = again.neighbors(Label.EXPERT, "e:1")
        assert (nb.node.name, dict(nb.rel.props)) == ("浙江大学", {"since": 2012})


def test_a_second_process_sees_writes_without_reopening(tmp_path):
    reader = LocalStore(tmp_path)
    assert reader.get_node(Label.EXPERT, "e:1") is None
    writer = LocalStore(tmp_path)
    writer.upsert_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}])
    assert reader.get_node(Label.EXPERT, "e:1").name == "张伟"
    reader.close()
    writer.close()


def test_data_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KGMATCH_DATA_DIR", str(tmp_path / "elsewhere"))
    with LocalStore() as store:
        assert store.path == tmp_path / "elsewhere" / "graph.sqlite"
        assert store.path.exists()


def _batch_sizes(store: LocalStore) -> dict[int, tuple[int, int, int]]:
    """For each batch number: (institutions, experts, WORKS_AT) found."""
    sizes: dict[int, list[int]] = {}
    for inst in store.list_nodes(Label.INSTITUTION, limit=10**6):
        n = inst.props["batch"]
        experts = store.neighbors(Label.INSTITUTION, inst.id, rel_types=[RelType.WORKS_AT])
        sizes[n] = [1, 0, len(experts)]
    for expert in store.list_nodes(Label.EXPERT, limit=10**6):
        sizes.setdefault(expert.props["batch"], [0, 0, 0])[1] += 1
    return {n: tuple(v) for n, v in sizes.items()}


@pytest.mark.parametrize("round_", range(3))
def test_acknowledged_batches_survive_kill_9_and_no_partial_batch_does(tmp_path, round_):
    rng = random.Random(round_)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(HELPER), str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
    acked = -1
    stop_after = rng.randint(5, 25)
    try:
        while acked < stop_after:
            line = proc.stdout.readline()
            assert line.startswith("ack "), f"writer died: {line!r}"
            acked = int(line.split()[1])
        # Let it get into the middle of further batches, then kill it without warning.
        for _ in range(rng.randint(0, 3)):
            acked = int(proc.stdout.readline().split()[1])
        os.kill(proc.pid, signal.SIGKILL)
        for line in proc.stdout:  # acks printed before the kill landed still count
            if line.startswith("ack "):
                acked = int(line.split()[1])
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    with LocalStore(tmp_path) as store:
        sizes = _batch_sizes(store)
    whole = (1, NODES_PER_BATCH, NODES_PER_BATCH)
    for n in range(acked + 1):
        assert sizes.get(n) == whole, f"acknowledged batch {n} incomplete: {sizes.get(n)}"
    assert all(size == whole for size in sizes.values()), "a partial batch is visible after the crash"
    assert set(sizes) <= set(range(acked + 2)), f"beyond the acks (last {acked}): {sorted(set(sizes) - set(range(acked + 2)))}"
