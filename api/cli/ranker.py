"""``kgmatch train-ranker``: learn the score components' weights from the graph's history and feedback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from api.cli.common import Ctx, fail, run_safely
from graph.messages import Msg
from ingest.nlp import content_words

__all__ = ["train_ranker"]


@click.command("train-ranker")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="模型文件（默认 KGMATCH_RANKER_MODEL 或 var/models/ranker-v1.json）/ where to write the model.")
@click.option("--window", default=2, show_default=True,
              help="用最近几年开始的项目与论文作伪查询（图谱取这之前的状态）/ years of history used as queries.")
@click.option("--max-queries", default=300, show_default=True,
              help="项目伪查询上限（论文另取一半；按种子抽样）/ at most this many project queries.")
@click.option("--synthetic-feedback", is_flag=True,
              help="也用合成需求（演示数据）上的采纳反馈；其结论是随机生成的，默认不用 / also learn from synthetic demands.")
@click.option("--seed", default=0, show_default=True, help="抽样与划分的随机种子 / sampling seed.")
@click.pass_obj
@run_safely
def train_ranker(obj: Ctx, out: Path | None, window: int, max_queries: int, synthetic_feedback: bool,
                 seed: int) -> None:
    """训练学习排序模型：在图谱自身的历史（较早年份的图谱 + 之后的项目/论文名称，真实负责人/作者为正例）与对接专员的
    采纳/不采纳反馈上学习各打分分项的权重；人工权重保留为对照和后备。"""
    from recommend.ranker import model_path, save_model, select_ranker
    from recommend.ranker_data import training_groups

    started = time.perf_counter()
    groups, summary = training_groups(obj.store(), tokenize=content_words, window=window, max_queries=max_queries,
                                      seed=seed, synthetic_feedback=synthetic_feedback)
    try:
        model, table = select_ranker(groups, seed=seed)
    except ValueError:
        fail(Msg.RANKER_NO_TRAINING_DATA.format(groups=len(groups)))
    path = save_model(model, out or model_path())
    click.echo(f"已写入排序模型 {path}（{time.perf_counter() - started:.0f} 秒）：{model.kind}，训练 {model.meta['groups']} 组")
    click.echo("验证 MRR：" + "、".join(f"{name} {mrr}" for name, mrr in table.items()))
    click.echo("权重：" + "、".join(f"{n} {w:g}" for n, w in model.weights.items()))
    click.echo(json.dumps({"weights": model.weights, "kind": model.kind, "summary": summary}, ensure_ascii=False,
                          default=str))
