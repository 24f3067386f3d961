"""``kgmatch coverage``: experts with direct evidence per 高新技术领域 (first and second level).

Register in :mod:`api.cli` with ``main.add_command(coverage)``. The numbers are
:func:`analytics.coverage.field_coverage`'s, the same the dashboard shows.
"""

from __future__ import annotations

import json

import click

from analytics.coverage import EVIDENCE_KINDS, TARGET, coverage_json, field_coverage
from api.cli.common import Ctx, run_safely

__all__ = ["coverage"]


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
