"""Bulk initial load (issue 15 item 4): a staged embedded store → neo4j-admin CSVs → an empty Neo4j.

The Neo4j test restarts the server of ``deploy/neo4j`` (``KGMATCH_NEO4J_HOME``, ``KGMATCH_NEO4J_BOLT_PORT``)
that ``KGMATCH_NEO4J_URI`` points at: the importer needs the database offline.
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.errors import StoreError
from graph.model import Label
from graph.store import Direction, GraphStore, NodeRef
from ingest.bulk import ARRAY_DELIMITER, import_command, local_server, write_csvs
from ingest.loader import load_file
from recommend.engine import recommend_for_demand
from tests.test_recommend_engine import bigrams, world

# Values a CSV can get wrong: quotes, commas, a line break, an empty string, a float that looks like
# an int, a boolean, lists; and one property with two types on nodes of the same label.
ODD_ROWS = [
    {"label": "Expert", "id": "e:odd", "name": '王"五", 研究员', "bio": "第一行\n第二行",
     "keywords": ["电池", "正极,材料"], "active": True, "score": 2.0},
    {"label": "Expert", "id": "e:odd2", "name": "赵六", "score": 3},
    {"type": "WORKS_AT", "start_label": "Expert", "start": "e:odd", "end_label": "Institution", "end": "i:zju"},
]


def _odd_file(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ODD_ROWS) + "\n", encoding="utf-8")
    return path


def _fill(store: GraphStore, tmp_path) -> None:
    """The world, through the ordinary write path and the generic loader."""
    store.write(world().add_nodes(Label.EXPERT, [{"id": "e:blank", "name": "孙七", "title": ""}]))
    report = load_file(_odd_file(tmp_path), store)
    assert report.ok, report.errors


def _snapshot(store: GraphStore) -> dict:
    """Every node and relationship with its properties, type-exact (JSON tells 2 from 2.0)."""
    nodes, rels = {}, {}
    for label in Label:
        page = store.list_nodes(label, limit=10_000)
        nodes.update({f"{label.value}/{n.id}": json.dumps(n.props, ensure_ascii=False, sort_keys=True) for n in page})
        for _, nb in store.expand([NodeRef(label, n.id) for n in page], direction=Direction.OUT, node_props=False):
            r = nb.rel
            rels[f"{r.type.value}/{r.start.label.value}/{r.start.id}/{r.end.label.value}/{r.end.id}"] = json.dumps(
                r.props, ensure_ascii=False, sort_keys=True)
    return {"counts": store.counts().as_dict(), "nodes": nodes, "rels": rels,
            "recommendation": recommend_for_demand(store, "d:1", tokenize=bigrams, year=2026).as_dict()}


def test_csvs_are_typed_and_split_by_type(tmp_path, local_store):
    _fill(local_store, tmp_path)
    files = write_csvs(local_store, tmp_path / "csv")
    assert files.node_count == sum(local_store.counts().nodes.values())
    assert files.relationship_count == sum(local_store.counts().relationships.values())
    experts = [p for label, p in files.nodes if label == "Expert"]
    assert len(experts) == 2  # "score" is a double on e:odd and a long on e:odd2: two files, nothing coerced
    heads = {p: p.read_text(encoding="utf-8").splitlines()[0] for p in experts}
    assert any("score:double" in h for h in heads.values()) and any("score:long" in h for h in heads.values())
    odd = next(p for p in experts if "score:double" in heads[p])
    with odd.open(encoding="utf-8", newline="") as fh:
        rows = {r["id:ID(Expert)"]: r for r in csv.DictReader(fh)}
    row = rows["e:odd"]
    assert row["name"] == '王"五", 研究员' and row["bio"] == "第一行\n第二行"
    lines = {line.split(",", 1)[0]: line for line in odd.read_text(encoding="utf-8").splitlines()}
    assert '""' in lines['"e:blank"'] and '""' not in lines['"e:li"']  # "" is a value (quoted), absent is empty
    assert row["keywords:string[]"] == ARRAY_DELIMITER.join(["电池", "正极,材料"]) and row["active:boolean"] == "true"
    assert odd in files.multiline
    args = import_command(files)
    assert args[-1] == "neo4j" and "--multiline-fields=true" in args
    assert sum(a.startswith("--relationships=WORKS_AT=") for a in args) == 1


def test_unstorable_values_are_refused_in_chinese(tmp_path):
    from ingest.bulk import _kind

    with pytest.raises(StoreError, match="混有不同类型"):
        _kind(["a", 1], "Expert.keywords")


def test_the_export_leaves_the_staged_store_untouched(tmp_path):
    from graph.local_store import LocalStore

    stage = tmp_path / "stage"
    with LocalStore(stage) as staged:
        _fill(staged, tmp_path)
        counts = staged.counts()
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in stage.iterdir()}
    files = write_csvs(stage, tmp_path / "csv")  # the directory, as kgmatch bulk-import passes it
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in stage.iterdir()} == before  # no -wal, no -shm
    assert files.node_count == sum(counts.nodes.values())
    assert files.relationship_count == sum(counts.relationships.values())


def test_a_list_neo4j_cannot_store_is_refused_naming_its_property(tmp_path, local_store):
    import sqlite3

    local_store.write(world())
    # the store's own writes refuse such a list; a file written some other way can still hold one
    with sqlite3.connect(local_store.path) as db:
        db.execute("INSERT INTO nodes VALUES ('Expert', 'e:mixed', ?)", (json.dumps({"name": "钱八", "tags": ["a", 1]}),))
    with pytest.raises(StoreError, match=r"Expert\.tags 的列表混有不同类型"):
        write_csvs(local_store, tmp_path / "csv")


def test_only_the_local_server_is_stopped_for_an_import():
    assert local_server("bolt://127.0.0.1:7705", 7705) and local_server("neo4j://localhost:7687", 7687)
    assert not local_server("bolt://127.0.0.1:7687", 7705)
    assert not local_server("neo4j+s://abc.databases.neo4j.io", 7687)


def test_bulk_import_needs_a_staged_store(tmp_path):
    result = CliRunner().invoke(main, ["--store", "neo4j", "bulk-import", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "不是本地存储目录" in result.output


@pytest.mark.neo4j
def test_bulk_import_equals_the_normal_load(tmp_path, neo4j_store):
    stage = tmp_path / "stage"
    from graph.local_store import LocalStore

    with LocalStore(stage) as staged:
        _fill(staged, tmp_path)
    _fill(neo4j_store, tmp_path)
    normal = _snapshot(neo4j_store)
    neo4j_store.clear()

    result = CliRunner().invoke(main, ["--store", "neo4j", "bulk-import", str(stage)])
    assert result.exit_code == 0, result.output
    assert "neo4j-admin 导入" in result.output
    bulk = _snapshot(neo4j_store)
    assert bulk["counts"] == normal["counts"]
    assert bulk["nodes"] == normal["nodes"]
    assert bulk["rels"] == normal["rels"]
    assert bulk["recommendation"] == normal["recommendation"]

    again = CliRunner().invoke(main, ["--store", "neo4j", "bulk-import", str(stage)])
    assert again.exit_code == 1 and "不是空的" in again.output
    assert _snapshot(neo4j_store)["counts"] == normal["counts"]  # refused before anything was touched
