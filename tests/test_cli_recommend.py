"""``kgmatch recommend`` / ``evaluate pi-retrieval`` / ``relate-fields`` as a user runs them."""

from __future__ import annotations

import csv
import json

from test_cli import kgmatch
from test_recommend_engine import world

from graph.local_store import LocalStore
from graph.model import Label, RelType


def test_recommend_prints_a_chinese_table_with_paths_and_teams(tmp_path):
    data = tmp_path / "var"
    with LocalStore(data) as store:
        store.write(world())
    result = kgmatch("recommend", "d:1", data_dir=data)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "需求：高镍正极材料涂布缺陷检测" in out
    first = out.splitlines()[out.splitlines().index(next(x for x in out.splitlines() if x.startswith("名次"))) + 1]
    assert first.startswith("1") and "李明" in first and "浙江大学" in first
    # the two main contributions under their Chinese names (全库检索 0.20、文本相关 0.16), as in the 理由 sentence
    from recommend.scoring import COMPONENT_ZH
    assert sum(f"{zh} 0." in first for zh in COMPONENT_ZH.values()) == 2
    assert not any(f"{name} 0." in first for name in COMPONENT_ZH)
    assert "路径：高镍正极材料涂布缺陷检测 →需要→ 正极材料 →擅长→ 李明" in out
    assert "推荐团队：" in out and "对照 RarestFirst" in out
    assert "已排除 e:conf：利益冲突：与需求企业存在关联" in out
    as_json = json.loads(kgmatch("recommend", "d:1", "--json", "--set", "max_per_institution=0", data_dir=data).stdout)
    assert as_json["experts"][0]["expert_id"] == "e:li" and as_json["settings"]["max_per_institution"] == 0


def test_recommend_refuses_bad_input_in_chinese(tmp_path):
    data = tmp_path / "var"
    LocalStore(data).close()
    missing = kgmatch("recommend", "d:nope", data_dir=data)
    assert missing.returncode == 1 and "未找到技术需求「d:nope」" in missing.stderr
    both = kgmatch("recommend", data_dir=data)
    assert both.returncode == 2 and "二选一" in both.stderr
    bad = kgmatch("recommend", "d:1", "--set", "weight_text=abc", data_dir=data)
    assert bad.returncode == 2 and "「weight_text」应为数字，实际为「abc」" in bad.stderr  # as the API says it


def test_relate_fields_writes_related_to_and_is_repeatable(tmp_path):
    data = tmp_path / "var"
    with LocalStore(data) as store:
        store.write(world())
        # a second expert in both fields makes 正极材料 and 缺陷检测 co-occur
        store.upsert_relationships(RelType.EXPERT_IN, Label.EXPERT, Label.FIELD, [{"start": "e:li", "end": "f:inspect"}])
    for _ in range(2):
        result = kgmatch("relate-fields", "--min-score", "0.1", data_dir=data)
        assert result.returncode == 0, result.stderr
    with LocalStore(data) as store:
        related = store.neighbors(Label.FIELD, "f:cathode", rel_types=[RelType.RELATED_TO])
        assert [nb.node.id for nb in related] == ["f:inspect"]
        assert store.counts().relationships["RELATED_TO"] == 1


def test_evaluate_pi_retrieval_ends_with_one_json_line(tmp_path):
    projects = tmp_path / "P.csv"
    queries = tmp_path / "Q.csv"
    head = ["项目批准号", "项目类别", "项目名称", "依托单位", "负责人", "金额", "起止年月"]
    rows = [
        ["71001", "面上项目", "供应链金融风险评估方法研究", "复旦大学", "张三", "30", "2010.01-2013.12"],
        ["71002", "面上项目", "城市交通拥堵治理的博弈模型", "同济大学", "李四", "30", "2011.01-2014.12"],
        ["71003", "青年科学基金项目", "农村电商平台的消费者信任", "浙江大学", "王五", "20", "2012.01-2014.12"],
        ["71004", "面上项目", "供应链金融中的信用风险传染", "复旦大学", "张三", "40", "2013.01-2016.12"],
    ]
    with projects.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([head, *rows])
    with queries.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["项目名称", "gold_负责人", "gold_依托单位", "其他列"],
                                  ["供应链金融的风险管理", "张三", "复旦大学", "x"],
                                  ["城市交通拥堵收费", "李四", "同济大学", "y"]])
    result = kgmatch("evaluate", "pi-retrieval", "--projects", str(projects), "--queries", str(queries),
                     data_dir=tmp_path / "var")
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    systems = ("kgmatch", "bm25", "bm25-tuned", "engine-hand", "engine-learned")
    assert set(last) == {*systems, "relative", "queries"} and last["queries"] == 2
    for system in systems:
        assert set(last[system]) == {"mrr", "hit@1", "hit@5", "hit@10", "ndcg@10", "ms_per_query", "mrr_ci",
                                     "hit@10_ci"}
        assert last[system]["mrr_ci"][0] <= last[system]["mrr"] <= last[system]["mrr_ci"][1]
        assert last["relative"][system]["baseline"] == "bm25-tuned"
    for system in ("kgmatch", "bm25", "bm25-tuned"):
        assert last[system]["hit@10"] == 1.0  # all find the two PIs among three experts
    assert "消融" in result.stdout
