"""The kgmatch command line, run as a real subprocess like a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "graph_sample.jsonl"


def kgmatch(*args: str, data_dir: Path, store: str = "local") -> subprocess.CompletedProcess:
    env = {**os.environ, "KGMATCH_DATA_DIR": str(data_dir), "KGMATCH_STORE": store}
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, env=env,
                          cwd=data_dir.parent, timeout=120)


def test_init_load_and_stats_json(tmp_path):
    data = tmp_path / "var"
    assert kgmatch("init", data_dir=data).returncode == 0
    loaded = kgmatch("load", str(SAMPLE), data_dir=data)
    assert loaded.returncode == 0, loaded.stderr
    assert "导入节点 10 个、关系 11 条" in loaded.stdout
    stats = kgmatch("stats", "--json", data_dir=data)
    assert json.loads(stats.stdout) == {
        "nodes": {"Expert": 2, "Field": 2, "Institution": 2, "Project": 2, "Region": 2},
        "relationships": {"EXPERT_IN": 2, "IN_FIELD": 2, "LEADS": 2, "LOCATED_IN": 2, "SUBFIELD_OF": 1, "WORKS_AT": 2},
    }
    again = kgmatch("load", str(SAMPLE), data_dir=data)
    assert again.returncode == 0
    assert json.loads(kgmatch("stats", "--json", data_dir=data).stdout) == json.loads(stats.stdout)


def test_bad_rows_are_reported_in_chinese_and_good_rows_load(tmp_path):
    data = tmp_path / "var"
    bad = tmp_path / "experts.csv"
    bad.write_text("label,id,name,h_index:int\n"
                   "Expert,e:1,张伟,30\n"
                   "Expert,e:2,,12\n"
                   "Expert,e:3,王芳,三十\n"
                   "Person,e:4,赵磊,1\n"
                   "Expert,e:1,张伟二,5\n", encoding="utf-8")
    result = kgmatch("load", str(bad), "--errors", str(tmp_path / "err.csv"), data_dir=data)
    assert result.returncode == 1
    assert "第 3 行「name」不能为空" in result.stderr
    assert "第 4 行「h_index」应为整数，实际为「三十」" in result.stderr
    assert "第 5 行「label」未知的节点类型「Person」" in result.stderr
    assert "第 6 行「id」编号「e:1」在本批数据中重复出现（第 2 行已有）" in result.stderr
    assert "共 4 行数据有误未导入，1 行已导入" in result.stderr
    errors = (tmp_path / "err.csv").read_text(encoding="utf-8-sig").splitlines()
    assert errors[0] == "行号,字段,原因,说明" and len(errors) == 5
    stats = json.loads(kgmatch("stats", "--json", data_dir=data).stdout)
    assert stats == {"nodes": {"Expert": 1}, "relationships": {}}


def test_unknown_store_and_missing_file_fail_with_status(tmp_path):
    result = kgmatch("--store", "oracle", "stats", data_dir=tmp_path / "var")
    assert result.returncode == 2 and "oracle" in result.stderr
    result = kgmatch("load", str(tmp_path / "none.csv"), data_dir=tmp_path / "var")
    assert result.returncode == 2


@pytest.mark.neo4j
def test_neo4j_and_local_give_identical_stats(tmp_path, neo4j_store):
    data = tmp_path / "var"
    for store in ("local", "neo4j"):
        assert kgmatch("init", data_dir=data, store=store).returncode == 0
        for _ in range(2):  # loading twice changes nothing
            result = kgmatch("load", str(SAMPLE), data_dir=data, store=store)
            assert result.returncode == 0, result.stderr
    local = json.loads(kgmatch("stats", "--json", data_dir=data, store="local").stdout)
    neo4j = json.loads(kgmatch("stats", "--json", data_dir=data, store="neo4j").stdout)
    assert local == neo4j and local["nodes"]["Expert"] == 2


def test_duplicates_lists_and_marks_reworded_demands(tmp_path):
    data = tmp_path / "var"
    demands = tmp_path / "demands.jsonl"
    rows = [
        {"id": "d:1", "title": "柑橘黄龙病综合防控技术", "posted": "2025-01-01",
         "description": "我公司种植柑橘三千亩，近两年黄龙病蔓延，木虱防治效果差，急需黄龙病综合防控技术和健康种苗。"},
        {"id": "d:2", "title": "脐橙园黄龙病蔓延，急需防控技术", "posted": "2025-06-01",
         "description": "基地脐橙园黄龙病扩散快，柑橘木虱难以控制，希望获得黄龙病综合防控方案及无病种苗繁育技术。"},
        {"id": "d:3", "title": "白酒窖泥老化问题", "posted": "2025-02-01",
         "description": "浓香型白酒窖池窖泥老化退化，己酸菌数量下降，出酒率和优级酒比例降低，希望开展窖泥微生物修复。"},
    ]
    demands.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert kgmatch("load", str(demands), "--kind", "demand", data_dir=data).returncode == 0
    listed = kgmatch("duplicates", "--json", "--mark", data_dir=data)
    assert listed.returncode == 0, listed.stderr
    pairs = json.loads(listed.stdout)
    assert [(p["a"], p["b"]) for p in pairs] == [("d:1", "d:2")] and pairs[0]["score"] >= 0.4
    stats = json.loads(kgmatch("stats", "--json", data_dir=data).stdout)
    assert stats["relationships"]["DUPLICATE_OF"] == 1
