"""``kgmatch train-linker``: build the supervised field linker from the shipped labelled text (and, with
``--from-store``, from the demands whose fields officers corrected in the store)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from api.cli.common import Ctx, run_safely

__all__ = ["train_linker"]


@click.command("train-linker")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="模型文件（默认 KGMATCH_FIELD_MODEL 或 var/models/）/ where to write the model.")
@click.option("--small", is_flag=True, help="只用每个来源前 300 条（测试用）/ a small build for tests.")
@click.option("--from-store", is_flag=True,
              help="也学习库中经人工更正技术领域的需求 / also learn from demands whose fields officers corrected.")
@click.pass_obj
@run_safely
def train_linker(ctx: Ctx, out: Path | None, small: bool, from_store: bool) -> None:
    """训练技术领域链接模型（专利、NSFC、CSL、ChinaXiv 的真实标注文本与已标注的企业需求，经交叉对照映射到高新技术领域；
    加 --from-store 时也学习库中经人工更正技术领域的需求）。"""
    from ingest.field_model import model_path, officer_texts, save_model, train_field_model, training_texts

    started = time.perf_counter()
    texts = training_texts(per_source=300 if small else None)
    if from_store:
        taught = officer_texts(ctx.store())
        click.echo(f"库中人工更正过技术领域的需求：{len({t.text for t in taught})} 条（{len(taught)} 个标注）")
        texts += taught
    model = train_field_model(texts=texts, small=small)
    path = save_model(model, out or model_path())
    click.echo(f"已写入领域链接模型 {path}（{time.perf_counter() - started:.0f} 秒）")
    click.echo(json.dumps(model.meta, ensure_ascii=False))
