"""Explanations: the top graph paths behind each recommendation, as data and as Chinese text.

Pure over plain data: names of the nodes on the paths come in as a mapping, so the
same functions serve the CLI table, the JSON API and the pages' explanation graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommend.profiles import PAPER_ROLE
from recommend.scoring import COMPONENT_ZH, COMPONENTS, FieldPath, ScoredExpert
from recommend.teams import DISCONNECTED, Team

__all__ = ["PathStep", "ExplainedPath", "COMPONENT_ZH", "explain_paths", "research_evidence", "expert_sentence",
           "team_sentence"]

_HOP_ZH = {"parent": "上级领域", "child": "下级领域", "related": "相关领域"}


@dataclass(frozen=True)
class PathStep:
    """One node on an explanation path and how it is reached from the previous one."""

    kind: str  # "demand", "field", "project", "paper", "expert"
    id: str
    name: str
    link: str  # Chinese name of the link from the previous step ("" for the first)

    def as_dict(self) -> dict[str, str]:
        """Plain data for JSON."""
        return {"kind": self.kind, "id": self.id, "name": self.name, "link": self.link}


@dataclass(frozen=True)
class ExplainedPath:
    """A path demand → … → expert and how strongly it supports the match."""

    steps: tuple[PathStep, ...]
    strength: float

    def text(self) -> str:
        """The path in one line: 需求 →需要→ 领域 →上级领域→ … → 专家."""
        parts = [self.steps[0].name]
        for step in self.steps[1:]:
            parts.append(f"→{step.link}→ {step.name}")
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"steps": [s.as_dict() for s in self.steps], "strength": round(self.strength, 4), "text": self.text()}


def _path_steps(demand_id: str, demand_name: str, path: FieldPath, names: Mapping[str, str]) -> tuple[PathStep, ...]:
    steps = [PathStep("demand", demand_id, demand_name, ""),
             PathStep("field", path.via[0], names.get(path.via[0], path.via[0]), "需要")]
    n_fields = len(path.field_hops) + 1
    for hop, node in zip(path.field_hops, path.via[1:n_fields], strict=True):
        steps.append(PathStep("field", node, names.get(node, node), _HOP_ZH.get(hop, hop)))
    rest = path.via[n_fields:]
    if path.kind == "project":
        project, expert = rest
        steps.append(PathStep("project", project, names.get(project, project), "所属项目"))
        steps.append(PathStep("expert", expert, names.get(expert, expert),
                              "负责人" if path.role == "lead" else "参与者"))
    elif path.kind == "paper":
        paper, expert = rest
        # a paper in the field by its printed 中图分类号 alone says so (not the NLP's or the file's own link)
        steps.append(PathStep("paper", paper, names.get(paper, paper), f"所属论文（{path.basis}）" if path.basis else "所属论文"))
        steps.append(PathStep("expert", expert, names.get(expert, expert),
                              "第一作者" if path.role == "first" else "作者"))
    else:
        (expert,) = rest
        steps.append(PathStep("expert", expert, names.get(expert, expert), "擅长"))
    return tuple(steps)


def explain_paths(demand_id: str, demand_name: str, scored: ScoredExpert, names: Mapping[str, str], *,
                  top: int = 3) -> list[ExplainedPath]:
    """The ``top`` strongest distinct paths to this expert (strength desc, then shorter, then by ids)."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for path in sorted(scored.facts.paths, key=lambda p: (-p.strength, len(p.via), p.via)):
        if path.via in seen:
            continue
        seen.add(path.via)
        out.append(ExplainedPath(_path_steps(demand_id, demand_name, path, names), path.strength))
        if len(out) == top:
            break
    return out


def research_evidence(research: Sequence[str], terms: Sequence[str]) -> str | None:
    """The research sentence (an academician's academy biography) that holds most of the demand's ``terms``, the first
    on a tie; None when none holds any.

    >>> research_evidence(["长期从事燃料电池研究", "研制锂离子电池正极材料"], ["正极", "锂离子电池"])
    '研制锂离子电池正极材料'
    >>> research_evidence(["长期从事燃料电池研究"], ["正极"]) is None
    True
    """
    best = max(research, key=lambda s: sum(t in s for t in terms), default=None)
    return best if best is not None and any(t in best for t in terms) else None


def expert_sentence(scored: ScoredExpert, paths: Sequence[ExplainedPath], *, year: int, terms: Sequence[str] = ()) -> str:
    """One Chinese paragraph: who, why (the strongest path), evidence, and the score breakdown. ``terms``: the demand's
    words found in the expert's profile; with them, the academy biography's sentence that holds most is quoted."""
    f = scored.facts
    who = f"{f.name}（{f.institution_name}）" if f.institution_name else f.name
    parts = [who]
    if paths:
        steps = paths[0].steps
        field = steps[1].name
        expert_field = next((s.name for s in reversed(steps) if s.kind == "field"), field)
        if expert_field == field:
            parts.append(f"与需求所需的「{field}」直接对应")
        else:
            parts.append(f"研究领域「{expert_field}」是需求所需「{field}」的{steps[2].link}")
    leads = sorted((p for p in f.projects if p.role == "lead"), key=lambda p: (-(p.start_year or 0), p.id))
    if leads:
        latest = leads[0]
        when = f"（{latest.start_year} 年）" if latest.start_year else ""
        parts.append(f"主持项目 {len(leads)} 项，最近为「{latest.title}」{when}")
    papers = {p.via[-2] for p in f.paths if p.kind == "paper"}
    written = sorted((p for p in f.projects if p.role == PAPER_ROLE), key=lambda p: (-(p.start_year or 0), p.id))
    if papers:
        parts.append(f"发表相关领域论文 {len(papers)} 篇")
    elif written:  # papers without a field link: the text match rests on them, so name the latest
        when = f"（{written[0].start_year} 年）" if written[0].start_year else ""
        parts.append(f"发表论文 {len(written)} 篇，最近为「{written[0].title}」{when}")
    said = research_evidence(f.research, terms)
    if said:
        parts.append(f"院士简介称其「{said}」")
    if f.served_enterprise:
        parts.append(f"曾作为科技专员派驻该企业 {f.served_enterprise} 次")
    if f.active_load:
        parts.append(f"当前在研项目、待回复推送与派驻任务共 {f.active_load} 项")
    else:
        parts.append(f"{year} 年无在研项目，时间较充裕")
    ranked = sorted(COMPONENTS, key=lambda c: -scored.contributions.get(c, 0.0))
    breakdown = "、".join(f"{COMPONENT_ZH[c]} {scored.contributions[c]:.2f}" for c in ranked
                         if scored.contributions.get(c, 0.0) > 0)
    return "；".join(parts) + f"。综合得分 {scored.score:.2f}（{breakdown or '无'}）。"


def team_sentence(team: Team, names: Mapping[str, str], field_names: Mapping[str, str], n_fields: int, *,
                  joint_papers: Sequence[tuple[str, str, Sequence[str]]] = (),
                  joint_projects: Sequence[tuple[str, str, Sequence[str]]] = ()) -> str:
    """One Chinese sentence describing a team: leader, members, coverage, how well they know each other.

    ``joint_papers`` / ``joint_projects``: (member, member, titles of their joint papers / projects) for
    members with a real tie (COLLABORATES: co-authorship, one national key R&D project); the sentence
    names them.
    """
    others = [names.get(m, m) for m in team.members if m != team.leader]
    who = f"由 {names.get(team.leader, team.leader)}（牵头）" + (f"与 {'、'.join(others)}" if others else "") + " 组成"
    covered = "、".join(field_names.get(f, f) for f in sorted(team.covered))
    cover = f"覆盖需求所需 {len(team.covered)}/{n_fields} 个领域（{covered}）"
    joint = [_joint(names, a, b, "合作发表", "《{}》", "篇论文", titles) for a, b, titles in joint_papers if titles]
    joint += [_joint(names, a, b, "共同承担", "「{}」", "个项目", titles) for a, b, titles in joint_projects if titles]
    if len(team.members) == 1:
        ties = "单人即可覆盖"
    elif team.communication_cost >= DISCONNECTED:  # someone has no tie to the rest; the pairs that do are named
        ties = "部分成员之间尚无合作或同单位关系" if joint else "成员之间尚无合作或同单位关系"
    elif team.communication_cost <= 1:
        ties = "成员之间有直接合作关系"
    else:
        ties = f"成员之间最远相隔 {team.communication_cost:g}（合作=1，同单位=2）"
    if joint:
        ties += "（" + "；".join(joint) + "）"
    return f"{who}，{cover}，{ties}。"


def _joint(names: Mapping[str, str], a: str, b: str, verb: str, quote: str, unit: str, titles: Sequence[str]) -> str:
    """「甲 与 乙 合作发表《…》、《…》等 3 篇论文」: each title once, the first two named."""
    distinct = list(dict.fromkeys(titles))
    shown = "、".join(quote.format(t) for t in distinct[:2])
    return f"{names.get(a, a)} 与 {names.get(b, b)} {verb}{shown}" + (f"等 {len(distinct)} {unit}" if len(distinct) > 2 else "")
