"""Expert supply per 高新技术领域: direct evidence by kind, rolled up to first and second level, on both stores."""

from __future__ import annotations

import json
import re

from test_api import build_app
from test_cli import kgmatch
from test_pages import signed_in

from analytics.coverage import TARGET, coverage_json, evidence_kind, field_coverage, pending_links
from api.auth import Role
from graph.model import CLASS_BASIS, Label, RelType
from graph.store import Batch


def _world() -> Batch:
    L, R = Label, RelType
    fields = [("10", "电子信息", 1, None), ("101", "软件", 2, "10"), ("10101", "基础软件", 3, "101"),
              ("20", "生物与新医药", 1, None), ("201", "医药生物技术", 2, "20")]
    return (Batch()
            .add_nodes(L.FIELD, [{"id": f"ht2016:{c}", "name": n, "scheme": "ht2016", "code": c, "level": lv}
                                 for c, n, lv, _ in fields]
                       + [{"id": "nsfc:F0208", "name": "计算机网络", "scheme": "nsfc", "code": "F0208"}])
            .add_rels(R.SUBFIELD_OF, L.FIELD, L.FIELD, [{"start": f"ht2016:{c}", "end": f"ht2016:{p}"}
                                                      for c, _, _, p in fields if p])
            .add_nodes(L.EXPERT, [{"id": f"e{i}", "name": f"专家{i}"} for i in range(1, 8)])
            .add_nodes(L.PROJECT, [{"id": "p1", "title": "网络软件"}])
            .add_nodes(L.PAPER, [{"id": "a1", "title": "基因药物"}, {"id": "a2", "title": "星表数据系统"}])
            .add_rels(R.EXPERT_IN, L.EXPERT, L.FIELD, [
                {"start": "e1", "end": "ht2016:10101", "weight": 0.5, "source": "nsfc"},
                {"start": "e2", "end": "ht2016:10", "weight": 0.3, "source": "academician"},
                {"start": "e2", "end": "ht2016:201", "weight": 0.5, "source": "academician"},
                {"start": "e6", "end": "nsfc:F0208", "weight": 0.5, "source": "nsfc"},  # another taxonomy: not counted
                {"start": "e7", "end": "ht2016:101", "source": "paper", "basis": CLASS_BASIS}])  # 中图分类号 alone: not counted
            .add_rels(R.IN_FIELD, L.PROJECT, L.FIELD, [{"start": "p1", "end": "ht2016:101"}])
            .add_rels(R.IN_FIELD, L.PAPER, L.FIELD, [{"start": "a1", "end": "ht2016:201"},
                                                     {"start": "a2", "end": "ht2016:101", "basis": CLASS_BASIS}])
            .add_rels(R.LEADS, L.EXPERT, L.PROJECT, [{"start": "e3", "end": "p1"}])
            .add_rels(R.JOINS, L.EXPERT, L.PROJECT, [{"start": "e1", "end": "p1"}])
            .add_rels(R.AUTHORED, L.EXPERT, L.PAPER, [{"start": "e4", "end": "a1"}, {"start": "e5", "end": "a1"},
                                                      {"start": "e7", "end": "a2"},
                                                      {"start": "e1", "end": "a2"}]))  # e1 has direct evidence too


def _write_world(path) -> None:
    """:func:`_world` as a generic-format file for ``kgmatch load``."""
    batch = _world()
    lines = []
    for nodes in batch.nodes:
        lines += [json.dumps({"label": str(nodes.label), **r}, ensure_ascii=False) for r in nodes.rows]
    for rels in batch.rels:
        lines += [json.dumps({"type": str(rels.type), "start_label": str(rels.start_label),
                              "end_label": str(rels.end_label), **r}, ensure_ascii=False) for r in rels.rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_experts_are_counted_per_field_and_kind_with_their_subfields(store):
    store.write(_world())
    rows = {r.code: r for r in field_coverage(store)}
    assert sorted(rows) == ["10", "101", "20", "201"]  # third level rolled up, not listed
    assert (rows["10"].experts, dict(rows["10"].by_kind)) == (3, {"项目": 2, "论文": 0, "专利": 0, "院士学部": 1})
    assert (rows["101"].experts, rows["101"].by_kind["项目"]) == (2, 2)
    assert (rows["20"].experts, dict(rows["20"].by_kind)) == (3, {"项目": 0, "论文": 2, "专利": 0, "院士学部": 1})
    assert rows["201"].parent == "ht2016:20" and rows["20"].parent is None
    # e7's evidence rests on a printed class alone: pending review, not counted; e1 is counted, so not pending
    assert [rows[c].pending for c in ("10", "101", "20", "201")] == [1, 1, 0, 0]
    doc = coverage_json(list(rows.values()))
    assert doc["target"] == TARGET and doc["first_level"] == 2 and doc["first_level_meeting_target"] == 0
    assert [f["meets_target"] for f in doc["fields"] if f["level"] == 1] == [False, False]


def test_evidence_kinds_of_expert_in_sources():
    assert [evidence_kind(s) for s in ("nsfc", "nlp", "nkrd", None, "academician", "paper", "patent")] == [
        "项目", "项目", "项目", "项目", "院士学部", "论文", "专利"]


def test_cli_coverage_prints_the_table_and_json(tmp_path):
    data = tmp_path / "var"
    sample = tmp_path / "world.jsonl"
    _write_world(sample)
    assert kgmatch("load", str(sample), data_dir=data).returncode == 0
    text = kgmatch("coverage", data_dir=data)
    assert text.returncode == 0
    assert "10 电子信息" in text.stdout and "差 197" in text.stdout and "一级领域 2 个，其中 0 个" in text.stdout
    doc = json.loads(kgmatch("coverage", "--json", "--first-level", data_dir=data).stdout)
    assert [(f["code"], f["experts"], f["pending"]) for f in doc["fields"]] == [("10", 3, 1), ("20", 3, 0)]
    assert "待核验" in text.stdout


def test_dashboard_shows_the_pending_column(local_store, tmp_path):
    local_store.write(_world())
    html = signed_in(build_app(local_store, tmp_path / "data"), Role.ANALYST).get("/stats").get_data(as_text=True)
    section = html[html.index('id="coverage-h"'):]
    section = section[:section.index("</section>")]
    assert "<th class=\"num\">待核验</th>" in section
    row = re.search(r"<summary>10 电子信息</summary>.*?</details></td>(.*?)</tr>", section, re.S).group(1)
    # experts, then 项目 论文 专利 院士学部, then 待核验
    assert re.findall(r'<td class="num">(?:<svg.*?</svg> )?(\d+)</td>', row, re.S) == ["3", "2", "0", "0", "1", "1"]


def test_the_review_queue_lists_class_only_paper_links(store, tmp_path):
    store.write(_world())
    queue = pending_links(store)
    assert [(p.paper, p.field, p.field_name, p.title, p.authors) for p in queue] == [("a2", "101", "软件", "星表数据系统", 2)]
    assert pending_links(store, "20") == [] and pending_links(store, "10") == queue
    row = queue[0].review_row()
    assert (row["paper_id"], row["field"], row["verdict"], row["review"]) == ("a2", "101", "", "")


def test_cli_review_queue_writes_a_tsv_the_reviews_table_reads(tmp_path):
    data = tmp_path / "var"
    sample = tmp_path / "world.jsonl"
    _write_world(sample)
    assert kgmatch("load", str(sample), data_dir=data).returncode == 0
    out = tmp_path / "queue.tsv"
    done = kgmatch("review-queue", "--field", "10", "--out", str(out), data_dir=data)
    assert done.returncode == 0 and "待核验连接 1 条" in done.stderr
    header, row = out.read_text(encoding="utf-8").splitlines()
    assert header.split("\t")[:4] == ["paper_id", "field", "verdict", "review"]
    assert row.split("\t")[:5] == ["a2", "101", "", "", "软件"]
