"""``kgmatch coverage``: experts with direct evidence per 高新技术领域 (first and second level);
``kgmatch review-queue``: the class-only paper links behind its 待核验 column, for a person to check.

Registered lazily in :mod:`api.cli` (``LAZY_COMMANDS``). The numbers are
:func:`analytics.coverage.field_coverage`'s, the same the dashboard shows; the queue is
:func:`analytics.coverage.pending_links`.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from pathlib import Path

import click

from analytics.coverage import (
    EVIDENCE_KINDS,
    REVIEW_QUEUE_COLUMNS,
    TARGET,
    coverage_json,
    field_coverage,
    pending_links,
)
from api.cli.common import Ctx, run_safely

__all__ = ["coverage", "review_queue"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.option("--first-level", is_flag=True, help="只列一级领域 / first-level fields only.")
@click.pass_obj
@run_safely
def coverage(obj: Ctx, as_json: bool, first_level: bool) -> None:
    """各高新技术领域有直接证据的专家数（项目、论文、专利、院士学部）/ expert supply per field."""
    rows = [r for r in field_coverage(obj.store()) if r.level == 1 or not first_level]
    if as_json:
        click.echo(json.dumps(coverage_json(rows), ensure_ascii=False))
        return
    click.echo(f"{'领域':<24}{'专家':>6}" + "".join(f"{k:>8}" for k in EVIDENCE_KINDS) + f"{'待核验':>7}")
    for r in rows:
        name = ("" if r.level == 1 else "  ") + f"{r.code} {r.name}"
        mark = ("  ✓" if r.experts >= TARGET else f"  差 {TARGET - r.experts}") if r.level == 1 else ""
        click.echo(f"{name:<24}{r.experts:>6}" + "".join(f"{r.by_kind.get(k, 0):>8}" for k in EVIDENCE_KINDS)
                   + f"{r.pending:>8}" + mark)
    first = [r for r in rows if r.level == 1]
    met = sum(1 for r in first if r.experts >= TARGET)
    click.echo(f"一级领域 {len(first)} 个，其中 {met} 个有不少于 {TARGET} 位有直接证据的专家。"
               "「待核验」：只凭论文所印中图分类号连到该领域、尚未人工核验的专家（不计入专家数）。")


@click.command("review-queue")
@click.option("--field", "prefix", default="", help="只列该高新技术领域编码开头的领域，如 30、701 / fields whose code starts so.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="最多列出多少条 / at most this many rows.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入该 TSV 文件（默认输出到屏幕）/ write this TSV file.")
@click.pass_obj
@run_safely
def review_queue(obj: Ctx, prefix: str, limit: int | None, out: Path | None) -> None:
    """待核验的论文领域连接（只凭所印中图分类号）：填 verdict（1 属于该领域，0 不属于）与 review（核验人、日期）后
    追加到 data/papers/field_reviews_manual.tsv，运行 python -m ingest.field_reviews，再重新导入演示数据。"""
    rows = [p.review_row() for p in pending_links(obj.store(), prefix)][:limit]
    with out.open("w", encoding="utf-8", newline="") if out else contextlib.nullcontext(sys.stdout) as fh:
        writer = csv.DictWriter(fh, fieldnames=REVIEW_QUEUE_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    if out:
        click.echo(f"待核验连接 {len(rows)} 条已写入 {out}", err=True)
