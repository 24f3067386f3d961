"""bench/generate.py at a tiny scale: seeded, marked synthetic, and every row loads."""

from __future__ import annotations

import csv
import json

from bench.generate import generate, sizes_for
from graph.local_store import LocalStore
from graph.model import Label
from ingest.demo import demo_plan, load_step
from ingest.importers import import_file
from ingest.loader import load_file


def test_generated_files_are_seeded_marked_synthetic_and_load_without_a_rejected_row(tmp_path):
    out = tmp_path / "gen"
    manifest = generate(out, scale=0.01, seed=7)
    assert manifest["synthetic"] is True and manifest["projects"] == sizes_for(0.01).projects == 174
    again = generate(tmp_path / "again", scale=0.01, seed=7)
    for name in ("projects-synthetic.csv", "papers-synthetic.jsonl", "enterprises-synthetic.jsonl",
                 "demands-synthetic.jsonl"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    assert again == manifest
    with (out / "projects-synthetic.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["source"] for r in rows} == {"synthetic"} and all(r["id"].startswith("gen:") for r in rows)
    for name in ("enterprises-synthetic.jsonl", "demands-synthetic.jsonl", "papers-synthetic.jsonl"):
        for line in (out / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert "type" in row or row.get("source") == "synthetic"

    with LocalStore(tmp_path / "store") as store:
        for step in demo_plan():
            if step.kind not in ("project", "enrichment", "enterprise", "demand", "graph"):
                load_step(step, store)  # the taxonomies the generated rows refer to (and the demo's people)
        before = store.counts().nodes
        reports = [import_file(out / "projects-synthetic.csv", "project", store),
                   load_file(out / "papers-synthetic.jsonl", store),
                   import_file(out / "enterprises-synthetic.jsonl", "enterprise", store),
                   import_file(out / "demands-synthetic.jsonl", "demand", store)]
        assert [r.errors[:3] for r in reports] == [[], [], [], []]
        counts = {label: n - before.get(label, 0) for label, n in store.counts().nodes.items()}  # what the files added
        assert counts["Project"] == manifest["projects"]
        assert counts["Expert"] == manifest["experts"]
        assert counts["Enterprise"] == manifest["enterprises"] and counts["Demand"] == manifest["demands"]
        assert counts["Paper"] > 0
        assert all(n.props.get("source") == "synthetic" for n in store.list_nodes(Label.DEMAND, limit=1000))
