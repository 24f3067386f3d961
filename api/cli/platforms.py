"""CLI output of the platform part of a recommendation (issue 16): 推荐平台与基地."""

from __future__ import annotations

import click

from graph.messages import Msg
from recommend.platforms import PlatformRecommendation

__all__ = ["print_platforms"]


def print_platforms(platforms: PlatformRecommendation | None) -> None:
    """The needs found, then each platform with its score, strongest path and sentence (or why there is none)."""
    if platforms is None:
        return
    click.echo("")
    if not platforms.results:
        click.echo(f"{Msg.platforms.SECTION}：无（{platforms.note}）")
        return
    click.echo(f"{Msg.platforms.SECTION}（{Msg.platforms.NEEDS_LABEL}：{'、'.join(platforms.needs.kinds)}）：")
    for r in platforms.results:
        f = r.scored.facts
        click.echo(f"  {r.rank}. {f.name}（{f.kind}）得分 {r.scored.score:.3f}")
        if r.paths:
            click.echo(f"      路径：{r.paths[0].text()}")
        click.echo(f"      理由：{r.sentence}")
