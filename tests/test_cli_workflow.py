"""The workflow commands of ``kgmatch``, run through click over a local store in a temporary directory."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from test_reports import TITLE, world

from api.cli import main
from graph.local_store import LocalStore
from graph.model import Label
from graph.store import Batch, NodeRef
from workflow.common import system_clock
from workflow.feedback import record_feedback
from workflow.push import push_id

TODAY = system_clock().date()


def day(offset: int = 0) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def graph_lines(batch: Batch) -> str:
    """A batch in the ``kgmatch load`` graph format (one JSON object a line)."""
    lines = [{"label": nb.label.value, **row} for nb in batch.nodes for row in nb.rows]
    lines += [{"type": rb.type.value, "start_label": rb.start_label.value, "end_label": rb.end_label.value, **row}
              for rb in batch.rels for row in rb.rows]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


class Cli:
    """``kgmatch --store local --data-dir DIR …`` through click's runner."""

    def __init__(self, tmp_path: Path) -> None:
        self.data = tmp_path / "var"
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(main, ["--store", "local", "--data-dir", str(self.data), *args])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def fails(self, *args: str, code: int = 1) -> str:
        result = self(*args, ok=False)
        assert result.exit_code == code, result.output
        return result.stderr


@pytest.fixture
def cli(tmp_path) -> Cli:
    run = Cli(tmp_path)
    path = tmp_path / "world.jsonl"
    path.write_text(graph_lines(world()), encoding="utf-8")
    loaded = run("load", str(path))
    assert "导入节点" in loaded.output
    return run


def test_the_whole_flow_through_the_cli(cli, tmp_path):
    li, team, chen = "Expert:e:li", "team:t:1", "专家:e:chen"
    pushed = cli.json("push", "d:1", "--to", li, "--to", team, "--to", chen, "--channel", "电话", "--actor", "zhou")
    assert sorted(p["id"] for p in pushed["created"]) == sorted(push_id("d:1", ref) for ref in (
        NodeRef(Label.EXPERT, "e:li"), NodeRef(Label.TEAM, "t:1"), NodeRef(Label.EXPERT, "e:chen")))
    assert {p["actor"] for p in pushed["created"]} == {"zhou"} and {p["channel"] for p in pushed["created"]} == {"电话"}
    again = cli("push", "d:1", "--to", li)
    assert "已推送 0 条，已推送过（跳过）1 条" in again.output

    listed = cli("push-list", "--region", "广东省", "--to", chen, "--dry-run")
    assert "符合条件的需求 1 条（未推送）" in listed.output and "d:2" in listed.output
    assert cli.json("push-list", "--region", "440000", "--to", chen)["created"][0]["demand_id"] == "d:2"
    # 电池材料 ⊃ 正极材料 and 制造业 ⊃ 电气机械和器材制造业: d:1 is selected through the hierarchies
    assert cli.json("push-list", "--field", "B", "--industry", "C", "--to", chen, "--dry-run") == [
        {"id": "d:1", "status": "对接中", "title": TITLE}, {"id": "d:2", "status": "对接中", "title": "电池包热失控预警"}]
    assert cli.json("push-list", "--field", "f:cathode", "--to", chen, "--dry-run") == [
        {"id": "d:1", "status": "对接中", "title": TITLE}]

    accepted = cli.json("respond", push_id("d:1", NodeRef(Label.EXPERT, "e:li")), "--accept", "--expert", "e:li")
    assert accepted["status"] == "已接受"
    declined = cli("respond", push_id("d:1", NodeRef(Label.EXPERT, "e:chen")), "--decline", "--reason", "时间冲突")
    assert "已谢绝" in declined.output
    assert "已提醒 0 条" in cli("remind").output

    dispatch = cli.json("dispatch", "e:li", "ent:1", "--from", day(), "--to", day(30), "--type", "技术诊断",
                        "--type", "科技咨询", "--demand", "d:1")
    assert dispatch["service_types"] == ["技术诊断", "科技咨询"] and dispatch["status"] == "派驻中"
    service = cli.json("service", dispatch["id"], "--date", day(), "--hours", "6", "--type", "技术诊断",
                       "--content", "-现场诊断涂布线", "--outcome", "找到缺陷成因", "--solved")
    assert (service["hours"], service["solved"], service["demand_id"]) == (6.0, True, "d:1")
    second = cli("service", dispatch["id"], "--date", day(), "--hours", "2.5", "--type", "科技咨询", "--content", "复核")
    assert "2.5 小时" in second.output
    assert "5 分" in cli("rate", service["id"], "5", "--comment", "很好").output

    voucher = cli.json("voucher", "issue", "--to", "Enterprise:ent:1", "--amount", "10000", "--valid-until", day(365))
    assert (voucher["balance"], voucher["holder_name"]) == (10000.0, "杭州锂能科技有限公司")
    paid = cli.json("voucher", "redeem", voucher["id"], service["id"], "--amount", "3000")
    assert paid["balance"] == 7000.0 and [r["service_id"] for r in paid["redemptions"]] == [service["id"]]
    assert "余额 7000.00 元" in cli("voucher", "show", voucher["id"]).output

    cid = cli.json("challenge", "publish", "d:3", "--conditions", "识别率 99%", "--deadline", day(30),
                   "--reward", "20")["id"]
    assert cli.json("challenge", "status", cid, "揭榜中")["status"] == "揭榜中"
    bid = cli.json("challenge", "bid", cid, "--by", team, "--proposal", "深度学习方案")
    chosen = cli.json("challenge", "select", cid, bid["id"])
    assert (chosen["status"], chosen["winner_name"], chosen["bids"][0]["status"]) == ("已揭榜", "正极材料团队", "已中选")
    cli("challenge", "status", cid, "实施中")
    done = cli("challenge", "status", cid, "已完成")
    assert "已完成" in done.output and "奖励 20 万元" in done.output

    rows = cli.json("evaluation", "--by", "expert")["rows"]
    assert [(r["id"], r["solved"], r["services"], r["hours"], r["rating_mean"], r["pushes"], r["accepted"])
            for r in rows] == [("e:li", 2, 2, 8.5, 5.0, 2, 1), ("e:zhao", 1, 0, 0.0, None, 1, 0),
                               ("e:chen", 0, 0, 0.0, None, 2, 0)]
    table = cli("evaluation", "--by", "region", "--region", "浙江省").output.splitlines()
    assert table[0].startswith("考核评价（地区 浙江省（含下级），不限 至 不限），共 1 行")
    assert table[1].split("\t")[:3] == ["地区编号", "地区", "参与专家（人）"]
    assert table[2].split("\t")[:5] == ["region:330100", "杭州市", "3", "1", "2"]
    assert table[2].split("\t")[-1] == "33.3%"

    out = tmp_path / "out" / "报表.xlsx"
    made = cli("report", "--region", "330000", "--from", day(-1), "--to", day(), "--out", str(out))
    assert f"已生成报表 {out}" in made.output
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames == ["需求清单", "对接成果", "科技专员服务", "考核评价（专家）", "考核评价（机构）", "考核评价（地区）",
                               "按企业资质", "按服务方式", "按合作形式", "人才计划推荐名单", "活动与培训", "说明"]
    outcomes = [[c.value for c in row] for row in book["对接成果"].iter_rows(min_row=2)]
    assert [r[0] for r in outcomes] == ["d:1", "d:3", "合计"] and outcomes[0][1] == TITLE
    contents = {c.value: c for c in book["科技专员服务"]["H"][1:]}  # same day: ordered by their random ids
    assert contents["-现场诊断涂布线"].quotePrefix and not contents["复核"].quotePrefix
    assert book["对接成果"]["B2"].data_type == "s" and book["对接成果"]["B2"].quotePrefix
    some = tmp_path / "some.xlsx"
    cli("report", "--kind", "services", "--out", str(some))
    assert load_workbook(some).sheetnames == ["科技专员服务", "说明"]


def test_feedback_export_writes_json_lines(cli, tmp_path):
    with LocalStore(cli.data) as store:
        record_feedback(store, "d:1", NodeRef(Label.EXPERT, "e:li"), verdict="不采纳", reason="方向不符", actor="zhou")
    out = tmp_path / "fb" / "feedback.jsonl"
    assert "已导出 1 条反馈" in cli("feedback", "export", "--out", str(out)).output
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (row["demand_id"], row["target_id"], row["verdict"], row["reason"]) == ("d:1", "e:li", "不采纳", "方向不符")
    assert json.loads(cli("feedback", "export").stdout)["id"] == row["id"]


def _state(cli: Cli) -> dict[str, int]:
    with LocalStore(cli.data) as store:
        return store.counts().nodes


def test_refusals_are_chinese_exit_1_and_change_nothing(cli):
    dispatch = cli.json("dispatch", "e:li", "ent:1", "--from", day(), "--to", day(10), "--type", "技术诊断",
                        "--demand", "d:1")
    service = cli.json("service", dispatch["id"], "--date", day(), "--hours", "3", "--type", "技术诊断", "--content", "诊断")
    voucher = cli.json("voucher", "issue", "--to", "Enterprise:ent:1", "--amount", "1000", "--valid-until", day(30))
    cid = cli.json("challenge", "publish", "d:3", "--conditions", "条件", "--deadline", day(30), "--reward", "5")["id"]
    cli("push", "d:1", "--to", "Expert:e:li")
    before = _state(cli)

    assert f"创新券「{voucher['id']}」余额 1000.00 元，不足以兑付 5000.00 元" in cli.fails(
        "voucher", "redeem", voucher["id"], service["id"], "--amount", "5000")
    assert cli.json("voucher", "show", voucher["id"])["balance"] == 1000.0
    assert f"揭榜榜单「{cid}」当前状态为「发布」，不能验收完成（允许的下一状态：揭榜中、已关闭）" in cli.fails(
        "challenge", "status", cid, "已完成")
    assert "关闭榜单必须填写理由" in cli.fails("challenge", "status", cid, "已关闭")
    assert cli.json("challenge", "status", cid)["status"] == "发布"
    assert "未找到技术需求「d:none」" in cli.fails("push", "d:none", "--to", "Expert:e:li")
    assert "未找到专家「e:none」" in cli.fails("push", "d:1", "--to", "Expert:e:none")
    assert "服务日期" in cli.fails("service", dispatch["id"], "--date", day(11), "--hours", "1", "--type", "技术诊断",
                                   "--content", "x")
    assert "评分应为 1 到 5 的整数，实际为「6」" in cli.fails("rate", service["id"], "6")
    never = cli.data.parent / "never.xlsx"
    assert "「start」应为日期 YYYY-MM-DD，实际为「2026-13-01」" in cli.fails(
        "report", "--from", "2026-13-01", "--out", str(never))
    assert "「region」未知的地区「火星」" in cli.fails("evaluation", "--region", "火星")
    assert "请至少给出 --region、--field、--industry、--registry 之一" in cli.fails("push-list", "--to", "Expert:e:li")
    assert "「field」未知的技术领域「Z9」" in cli.fails("push-list", "--field", "Z9", "--to", "Expert:e:li")
    assert "没有符合条件的待推送需求" in cli.fails("push-list", "--region", "北京市", "--to", "Expert:e:li")
    assert "「after_hours」" in cli.fails("remind", "--after-hours", "0")
    assert "未找到需求推送「push:none」" in cli.fails("respond", "push:none", "--accept")
    assert "拒绝时必须填写理由" in cli.fails("respond", push_id("d:1", NodeRef(Label.EXPERT, "e:li")), "--decline")
    assert _state(cli) == before
    with LocalStore(cli.data) as store:
        assert store.get_node(Label.PUSH, push_id("d:1", NodeRef(Label.EXPERT, "e:li"))).props["status"] == "待回复"
        assert store.get_node(Label.SERVICE, service["id"]).props.get("rating") is None

    # wrong usage is click's exit 2, still in Chinese
    assert "应写成 Expert:编号、Team:编号" in cli.fails("push", "d:1", "--to", "Person:x", code=2)
    assert "应写成 Enterprise:编号、Expert:编号" in cli.fails("voucher", "issue", "--to", "e:li", "--amount", "1",
                                                           "--valid-until", day(1), code=2)
    assert not never.exists()
