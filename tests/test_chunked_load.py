"""A large file is written in chunks of rows (KGMATCH_LOAD_CHUNK_ROWS): the same stored graph and the same
report as one transaction, bad rows in later chunks named as before, and an interrupted load resumed by
loading the file again. Chunks of 2 rows here, so every case crosses chunk boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import graph.local_store
from graph.errors import StoreError
from graph.local_store import LocalStore
from graph.model import RelType
from ingest.importers import import_file
from ingest.loader import load_file
from tests.test_importers import _snapshot, _world, _write

# Project rows: 张伟 leads projects in the first, second and last chunks (EXPERT_IN counts all three);
# row 6 repeats row 2's number (a duplicate across chunks), row 7 has no title, row 8 a bad number.
PROJECTS = ("项目批准号,项目名称,依托单位,负责人,金额,起止年月,申请代码\n"
            "51572001,陶瓷材料研究,浙江大学,张伟,60,2016.01-2019.12,40201\n"
            "51572002,陶瓷材料再研究,浙江大学,李娜,60,2017.01-2020.12,40201\n"
            "51572003,结构陶瓷增韧,浙江大学,张伟,50,2018.01-2021.12,40201\n"
            "51572004,清洁能源材料,清华大学,王强,40,2015.01-2018.12,601\n"
            "51572001,重复的项目,浙江大学,赵敏,10,2019.01-2020.12,40201\n"
            "51572005,,浙江大学,张伟,10,2019.01-2020.12,40201\n"
            "5157X2006,编号有误,浙江大学,张伟,10,2019.01-2020.12,40201\n"
            "51572007,陶瓷涂层,浙江大学,李娜,30,2019.01-2022.12,40201\n"
            "51572008,陶瓷基复合材料,浙江大学,张伟,30,2020.01-2023.12,40201\n")

# Generic rows: a relationship before the node it needs (row 1 → row 5, a later chunk); a node repeated in a
# later chunk (row 6); a bad node (row 3, no name) that a later relationship points at (row 7); a
# relationship to a node that is nowhere (row 8).
GENERIC = [
    {"type": "WORKS_AT", "start_label": "Expert", "start": "exp:甲", "end_label": "Institution", "end": "inst:乙"},
    {"label": "Expert", "id": "exp:甲", "name": "甲"},
    {"label": "Institution", "id": "inst:坏"},
    {"label": "Expert", "id": "exp:丙", "name": "丙"},
    {"label": "Institution", "id": "inst:乙", "name": "乙大学"},
    {"label": "Expert", "id": "exp:甲", "name": "甲二"},
    {"type": "WORKS_AT", "start_label": "Expert", "start": "exp:丙", "end_label": "Institution", "end": "inst:坏"},
    {"type": "WORKS_AT", "start_label": "Expert", "start": "exp:丙", "end_label": "Institution", "end": "inst:无"},
]


def _load(tmp_path: Path, name: str, chunk: int, monkeypatch, load):
    monkeypatch.setenv("KGMATCH_LOAD_CHUNK_ROWS", str(chunk))
    store = _world(LocalStore(tmp_path / name), tmp_path)
    report = load(store)
    return store, report


def _verdict(report):
    return report.rows, report.rejected_rows, [e.message() for e in report.errors], report.nodes, report.relationships


@pytest.mark.parametrize("kind", ["project", "graph"])
def test_chunks_store_the_graph_and_report_of_one_transaction(tmp_path, monkeypatch, kind):
    if kind == "project":
        path = _write(tmp_path / "p.csv", PROJECTS)
        load = lambda store: import_file(path, "project", store)  # noqa: E731
    else:
        path = _write(tmp_path / "g.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GENERIC))
        load = lambda store: load_file(path, store)  # noqa: E731
    whole, one = _load(tmp_path, "whole", 0, monkeypatch, load)
    chunked, many = _load(tmp_path, "chunked", 2, monkeypatch, load)
    try:
        assert _verdict(many) == _verdict(one)
        assert _snapshot(chunked) == _snapshot(whole)
        messages = _verdict(many)[2]
        if kind == "project":
            assert (many.rows, many.rejected_rows) == (6, 3)
            assert messages[0].startswith("第 6 行") and "第 2 行已有" in messages[0]  # row 2 was two chunks before
            assert [m[:5] for m in messages[1:]] == ["第 7 行", "第 8 行"]
            expert_in = _snapshot(chunked)[1][(RelType.EXPERT_IN, "expert:张伟@浙江大学", "ht2016:40201")]
            assert (expert_in["projects"], expert_in["last_year"]) == (3, 2020)  # rows 2, 4 and 10: three chunks
        else:
            assert many.rows == 4  # rows 1, 2, 4, 5; row 1 waited for row 5's node (a later chunk) and loaded
            assert [m[:5] for m in messages] == ["第 3 行", "第 6 行", "第 7 行", "第 8 行"]
            assert "第 2 行已有" in messages[1] and "第 3 行" in messages[2] and "不存在" in messages[3]
    finally:
        whole.close()
        chunked.close()


def test_an_interrupted_load_names_its_rows_and_loading_again_resumes_it(tmp_path, monkeypatch):
    path = _write(tmp_path / "p.csv", PROJECTS)
    whole, _ = _load(tmp_path, "whole", 0, monkeypatch, lambda store: import_file(path, "project", store))
    monkeypatch.setenv("KGMATCH_LOAD_CHUNK_ROWS", "2")
    store = _world(LocalStore(tmp_path / "cut"), tmp_path)
    real_write, calls = graph.local_store.LocalStore.write, []

    def failing(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise StoreError("磁盘已满（测试）")
        return real_write(self, batch)

    monkeypatch.setattr(graph.local_store.LocalStore, "write", failing)
    with pytest.raises(StoreError) as caught:
        import_file(path, "project", store)
    assert "第 4–5 行" in caught.value.message and "续上" in caught.value.message  # the second chunk: rows 4 and 5
    cut = _snapshot(store)
    assert cut != _snapshot(whole)  # the first chunk is in, nothing of the second
    monkeypatch.setattr(graph.local_store.LocalStore, "write", real_write)
    again = import_file(path, "project", store)
    assert again.rejected_rows == 3
    assert _snapshot(store) == _snapshot(whole)
    assert import_file(path, "project", store).rows == again.rows and _snapshot(store) == _snapshot(whole)
    whole.close()
    store.close()
