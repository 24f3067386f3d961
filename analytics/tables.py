"""Small tables for analysts' notebooks: a :class:`Table` that Jupyter shows as an escaped HTML table,
and helpers that turn graph facts and one :class:`~recommend.engine.Recommendation` into tables
(facts, experts with score components, paths, teams vs RarestFirst), so a notebook only calls
functions; :func:`rows_table` shows rows given as dicts (e.g. :mod:`analytics.reports`) the same way.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.model import NODE_SPECS, REL_SPECS, Label, RelType
from graph.store import Counts, Direction, Neighbor, Node
from recommend.engine import Recommendation, TeamResult
from recommend.explain import ExplainedPath
from recommend.scoring import COMPONENT_ZH, COMPONENTS

__all__ = [
    "NO_FIELD",
    "NO_REGION",
    "Table",
    "rows_table",
    "counts_table",
    "properties_table",
    "neighbors_table",
    "demand_table",
    "expert_table",
    "sentence_table",
    "path_table",
    "team_table",
    "explanation_paths",
]

NO_FIELD = "未关联领域"
NO_REGION = "未填写地区"


# -- the table every helper returns --------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Table:
    """A small table of plain values; Jupyter renders it with :meth:`_repr_html_`."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Table({self.title!r}, {len(self.rows)} 行 × {len(self.columns)} 列)"

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}`` dicts (for JSON or pandas)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """The values of one column, top to bottom."""
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def _repr_html_(self) -> str:
        """An HTML ``<table class="kg-table">``; every value is escaped text."""
        def cell(tag: str, value: Any) -> str:
            return f"<{tag}>{html.escape('' if value is None else str(value))}</{tag}>"

        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        head = "".join(cell("th", c) for c in self.columns)
        body = "".join("<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in self.rows)
        return f'<table class="kg-table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def rows_table(rows: Iterable[Mapping[str, Any]], columns: Iterable[Sequence[Any]], title: str = "") -> Table:
    """Rows given as dicts (e.g. a report's) as a :class:`Table` with Chinese headings.

    Parameters:
        rows: one dict per row; a key missing from a row is an empty cell, keys not in ``columns`` are left out.
        columns: ``(key, heading, …)`` per column, in order; items after the heading (such as the Excel
            width of :data:`analytics.reports.REPORTS` columns) are ignored.
        title: the table's caption.

    Returns:
        A :class:`Table` whose columns are the headings.

    Examples:
        >>> rows = [{"id": "e1", "solved": 2, "hours": 6.5}, {"id": "e2", "solved": 0}]
        >>> table = rows_table(rows, [("id", "编号"), ("solved", "解决需求（项）", 14)], "考核")
        >>> table.columns, table.rows
        (('编号', '解决需求（项）'), (('e1', 2), ('e2', 0)))
        >>> rows_table(rows, [("hours", "时长")]).rows
        ((6.5,), (None,))
    """
    columns = tuple(columns)
    keys = tuple(c[0] for c in columns)
    return Table(tuple(str(c[1]) for c in columns), tuple(tuple(row.get(k) for k in keys) for row in rows), title)


def counts_table(counts: Counts) -> Table:
    """Nodes per label and relationships per type, with their Chinese names (``store.counts()``)."""
    rows = [("节点", NODE_SPECS[Label.parse(k)].zh, k, n) for k, n in counts.nodes.items()]
    rows += [("关系", REL_SPECS[RelType.parse(k)].zh, k, n) for k, n in counts.relationships.items()]
    return Table(("类别", "名称", "类型", "数量"), tuple(rows), "图谱规模")


# -- one recommendation as tables ------------------------------------------------------------------
def _text(value: Any) -> Any:
    """Lists joined with 、 for display; other values unchanged."""
    return "、".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def properties_table(node: Node) -> Table:
    """A stored node's properties, one per row (sorted by name; lists joined with 、)."""
    rows = (("编号", node.id), *((k, _text(v)) for k, v in sorted(node.props.items())))
    return Table(("属性", "值"), tuple(rows), f"{NODE_SPECS[node.label].zh}：{node.name}")


def neighbors_table(neighbors: Sequence[Neighbor]) -> Table:
    """A node's relationships (``store.neighbors(...)``): relation and node type in Chinese, direction, id, name."""
    rows = tuple((REL_SPECS[nb.rel.type].zh, "指向" if nb.direction is Direction.OUT else "来自",
                  NODE_SPECS[nb.node.label].zh, nb.node.id, nb.node.name) for nb in neighbors)
    return Table(("关系", "方向", "类型", "编号", "名称"), rows, "相连的节点")


def demand_table(rec: Recommendation) -> Table:
    """What the recommender understood of the demand: fields with NEEDS weights, place, year, candidates."""
    d = rec.demand
    fields = "、".join(f"{rec.field_names.get(f, f)}（{w:g}）"
                      for f, w in sorted(d.fields.items(), key=lambda kv: (-kv[1], kv[0])))
    rows = (("需求编号", d.id), ("需求标题", rec.demand_name), ("所需领域（权重）", fields or NO_FIELD),
            ("所在省份", d.province_id or NO_REGION), ("所在城市", d.city_id or NO_REGION),
            ("参考年份", d.year), ("候选专家数", rec.candidates), ("排除专家数", len(rec.excluded)))
    return Table(("项目", "内容"), rows, "需求要点")


def expert_table(rec: Recommendation, *, contributions: bool = False) -> Table:
    """The recommended experts with each score component (in [0, 1]) or, with ``contributions``,
    each weight × component (they sum to 总分). Values rounded to 3 decimals."""
    rows = []
    for e in rec.experts:
        parts = e.scored.contributions if contributions else e.scored.components
        rows.append((e.rank, e.scored.facts.name, e.scored.facts.institution_name or "", round(e.scored.score, 3),
                     *(round(parts.get(c, 0.0), 3) for c in COMPONENTS)))
    kind = "加权贡献" if contributions else "分项得分"
    return Table(("名次", "专家", "单位", "总分", *(COMPONENT_ZH[c] for c in COMPONENTS)), tuple(rows),
                 f"推荐专家与{kind}")


def sentence_table(rec: Recommendation) -> Table:
    """Each recommended expert's Chinese explanation."""
    rows = tuple((e.rank, e.scored.facts.name, e.sentence) for e in rec.experts)
    return Table(("名次", "专家", "推荐理由"), rows, "推荐理由")


def path_table(rec: Recommendation) -> Table:
    """Each recommended expert's explanation paths, strongest first (strength rounded to 3 decimals)."""
    rows = tuple((e.rank, e.scored.facts.name, round(p.strength, 3), p.text()) for e in rec.experts for p in e.paths)
    return Table(("名次", "专家", "路径强度", "解释路径"), rows, "解释路径")


def _team_row(name: str, result: TeamResult) -> tuple[Any, ...]:
    t = result.team
    members = "、".join(f"{n}（牵头）" if i == t.leader else n for i, n, _ in result.members)
    return (name, members, round(t.coverage, 3), t.communication_cost, round(t.score, 3), result.sentence)


def team_table(rec: Recommendation) -> Table:
    """The alternative teams (方案 1, 2, …) and, last, the RarestFirst baseline team for comparison."""
    rows = [_team_row(f"方案 {n}", t) for n, t in enumerate(rec.teams, start=1)]
    if rec.rarest_first is not None:
        rows.append(_team_row("RarestFirst（对照）", rec.rarest_first))
    return Table(("方案", "成员", "覆盖度", "沟通代价", "得分", "说明"), tuple(rows), "推荐团队与 RarestFirst 对照")


def explanation_paths(rec: Recommendation, *, experts: int = 3) -> list[ExplainedPath]:
    """The explanation paths of the top ``experts`` experts, for :func:`render.render_explanation`
    (paths share the demand node)."""
    return [p for e in rec.experts[:experts] for p in e.paths]
