"""``kgmatch train-linker``: build the supervised field linker from the shipped labelled text."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from api.cli.common import run_safely

__all__ = ["train_linker"]


@click.command("train-linker")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="模型文件（默认 KGMATCH_FIELD_MODEL 或 var/models/）/ where to write the model.")
@click.option("--small", is_flag=True, help="只用每个来源前 300 条（测试用）/ a small build for tests.")
@run_safely
def train_linker(out: Path | None, small: bool) -> None:
    """训练技术领域链接模型（专利、NSFC、CSL、ChinaXiv 的真实标注文本，经交叉对照映射到高新技术领域）。"""
    from ingest.field_model import model_path, save_model, train_field_model

    started = time.perf_counter()
    model = train_field_model(small=small)
    path = save_model(model, out or model_path())
    click.echo(f"已写入领域链接模型 {path}（{time.perf_counter() - started:.0f} 秒）")
    click.echo(json.dumps(model.meta, ensure_ascii=False))
