"""The generic loader: validate everything first, write good rows atomically, report bad rows."""

from __future__ import annotations

import gc

import pytest

from graph.errors import ValidationError
from graph.model import Label
from ingest.loader import cycle_collection_paused, load_file


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_gbk_csv_with_typed_columns_loads(tmp_path, local_store):
    path = _write(tmp_path, "experts.csv", "label,id,name,keywords:string[],active:boolean,amount:float\n"
                  "Expert,e:1,张伟,锂离子电池;正极材料,是,12.5\n", encoding="gbk")
    report = load_file(path, local_store)
    assert report.ok and report.nodes == 1
    assert dict(local_store.get_node(Label.EXPERT, "e:1").props) == {
        "name": "张伟", "keywords": ["锂离子电池", "正极材料"], "active": True, "amount": 12.5,
        "keywords_text": "锂离子电池 正极材料"}  # for the CJK full-text index, which reads strings only


def test_broken_encoding_is_named_and_nothing_is_written(tmp_path, local_store):
    path = _write(tmp_path, "broken.csv", "label,id,name\n")
    path.write_bytes(path.read_bytes() + b"Expert,e:1,\xff\xfe\xff\n")
    with pytest.raises(ValidationError, match="文件编码无法识别"):
        load_file(path, local_store)
    assert local_store.counts().nodes == {}


def test_relationship_to_a_rejected_row_is_rejected_too(tmp_path, local_store):
    path = _write(tmp_path, "g.jsonl",
                  '{"label": "Expert", "id": "e:1", "name": "张伟"}\n'
                  '{"label": "Institution", "id": "i:1", "name": ""}\n'
                  '{"type": "WORKS_AT", "start_label": "Expert", "start": "e:1", "end_label": "Institution", "end": "i:1"}\n'
                  '{"type": "WORKS_AT", "start_label": "Expert", "start": "e:1", "end_label": "Institution", "end": "i:9"}\n'
                  'not json\n')
    report = load_file(path, local_store)
    assert [e.message() for e in report.errors] == [
        "第 2 行「name」不能为空",
        "第 3 行「end」引用的机构「i:1」所在行（第 2 行）有误未导入",
        "第 4 行「end」引用的机构「i:9」不存在",
        "第 5 行「JSON」不是合法的 JSON：第 1 列 Expecting value",
    ]
    assert (report.nodes, report.relationships, report.rejected_rows) == (1, 0, 4)
    assert local_store.counts().as_dict() == {"nodes": {"Expert": 1}, "relationships": {}}


def test_relationship_to_a_stored_node_loads(tmp_path, local_store):
    local_store.upsert_nodes(Label.INSTITUTION, [{"id": "i:1", "name": "浙江大学"}])
    path = _write(tmp_path, "rels.csv", "type,start_label,start,end_label,end,since:int\n"
                  "WORKS_AT,Expert,e:1,Institution,i:1,2010\n")
    report = load_file(path, local_store)
    assert [e.message() for e in report.errors] == ["第 2 行「start」引用的专家「e:1」不存在"]
    _write(tmp_path, "e.csv", "label,id,name\nExpert,e:1,张伟\n")
    assert load_file(tmp_path / "e.csv", local_store).ok
    assert load_file(path, local_store).ok
    assert local_store.neighbors(Label.EXPERT, "e:1")[0].rel.props == {"since": 2010}


def test_unsupported_format_is_refused(tmp_path, local_store):
    with pytest.raises(ValidationError, match="无法识别的文件格式「.txt」"):
        load_file(_write(tmp_path, "x.txt", "hello"), local_store)


def test_a_load_pauses_the_cycle_collector_and_restores_it(tmp_path, local_store, monkeypatch):
    import ingest.loader as loader

    seen = []
    real_write = loader.ChunkedLoad.write
    monkeypatch.setattr(loader.ChunkedLoad, "write", lambda *a, **k: seen.append(gc.isenabled()) or real_write(*a, **k))
    path = tmp_path / "one.csv"
    path.write_text("label,id,name\nInstitution,inst:甲,甲\n", encoding="utf-8")
    was = gc.isenabled()
    try:
        gc.enable()
        assert load_file(path, local_store).rows == 1
        assert seen == [False] and gc.isenabled()
        with cycle_collection_paused():  # nested pauses: back on only when the outer one ends
            with cycle_collection_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(RuntimeError), cycle_collection_paused():
            raise RuntimeError("a failed load")
        assert gc.isenabled()
        gc.disable()  # a process that runs without the collector keeps it off
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
