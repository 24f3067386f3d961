"""Issue 15: CI runs the generator and the growth benchmark at ``--scale 1`` (embedded store) and a small
scale on Neo4j; no timing is asserted, only that every figure is produced from a full load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _grow(tmp_path: Path, size: str, store: str) -> dict:
    rows = tmp_path / "rows.jsonl"
    cmd = [sys.executable, "-m", "bench.scale", "grow", "--sizes", size, "--stores", store, "--demands", "3",
           "--work", str(tmp_path / "work"), "--rows", str(rows), "--table", str(tmp_path / "growth.md"),
           "--plot", str(tmp_path / "growth.png")]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    [row] = [json.loads(line) for line in rows.read_text(encoding="utf-8").splitlines()]
    manifest = json.loads((tmp_path / "work" / f"gen{float(size):g}" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    assert row["rows"] == manifest["projects"] + manifest["paper_file_rows"] + manifest["enterprises"] + \
        manifest["demands"]
    assert all(f["rejected"] == 0 for f in row["files"])
    assert row["experts"] >= manifest["experts"] and row["demands"] == 3
    for key in ("stored", "free", "bm25"):
        assert 0 < row[key]["p50"] <= row[key]["p95"] <= row[key]["p99"]
    table = (tmp_path / "growth.md").read_text(encoding="utf-8")
    assert table.count("\n") == 3 and f"| {store} |" in table
    assert (tmp_path / "growth.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return row


@pytest.mark.slow
def test_the_growth_benchmark_runs_at_scale_1_on_the_embedded_store(tmp_path):
    row = _grow(tmp_path, "1", "local")
    assert row["disk_mb"] > 0 and row["load_rss_mb"] > 0


@pytest.mark.slow
@pytest.mark.neo4j
def test_the_growth_benchmark_runs_on_neo4j(tmp_path, neo4j_store):
    _grow(tmp_path, "0.05", "neo4j")  # the test server is emptied per test anyway
