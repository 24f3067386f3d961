"""Recommend service platforms and bases for a demand that needs testing, pilot production or equipment.

Issue 16: providers are not only experts. When :func:`recommend.platform_need.detect_needs`
finds that a demand asks for 检验检测, 中试, 共性技术 or 设备共享, the platforms whose services
serve that need are scored and explained next to the experts and teams; a pure research demand
gets none (``PlatformRecommendation.needs.needed`` is false and no store read happens).

Three parts, as for experts:

* :func:`platform_facts` reads the platforms through the :class:`~graph.store.GraphStore` (one
  ``all_nodes`` and one ``expand``, plus the field parents and region levels) into plain
  :class:`PlatformFacts`;
* :func:`score_platforms` is a **pure function** over plain data: components in [0, 1] —
  ``service`` (share of the needed kinds the platform's services serve, plus the platform's
  services or instruments the demand names, up to two, with the share ``platform_named_share``), ``field`` (the best demand field ×
  platform field match: same field 1, parent or child ``parent_field_decay``, sibling
  ``parent_field_decay`` × ``child_field_decay``), ``region`` (same city 1, same province
  ``region_same_province``) — weighted by the settings ``platform_weight_*``. A platform is listed
  only when its services serve at least one needed kind **and** it has a field, region or named
  service/instrument in common with the demand;
* :func:`explain_platform` gives graph paths (demand → need → platform, demand → field →
  platform, demand → region → platform) and a Chinese sentence, in the shapes of expert results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph.messages import Msg
from graph.model import Label, RelType
from graph.store import Direction, GraphStore
from recommend.candidates import _levels, _region_table  # the one reading of region levels
from recommend.explain import ExplainedPath, PathStep
from recommend.platform_need import NeedDetection, detect_needs, service_kinds
from recommend.scoring import DemandFacts

__all__ = ["PlatformFacts", "ScoredPlatform", "PlatformResult", "PlatformRecommendation", "PLATFORM_COMPONENTS",
           "equipment_aliases", "platform_facts", "score_platforms", "explain_platform", "recommend_platforms"]

PLATFORM_COMPONENTS = (("service", Msg.platforms.COMPONENT_SERVICE), ("field", Msg.platforms.COMPONENT_FIELD),
                       ("region", Msg.platforms.COMPONENT_REGION))
"""Score components of a platform: (name, Chinese name); weights are the settings ``platform_weight_<name>``."""


@cache
def equipment_aliases() -> dict[str, tuple[str, ...]]:
    """Instrument name → its short names (``data/platforms/vocabulary.json``)."""
    from ingest.resolve import DATA_ROOT  # data location only

    path = DATA_ROOT / "platforms" / "vocabulary.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: tuple(aliases) for name, aliases in data.get("equipment", {}).items()}


@dataclass(frozen=True)
class PlatformFacts:
    """Everything the graph says about one platform, as plain data."""

    id: str
    name: str
    kind: str
    host_id: str | None = None
    host_name: str | None = None
    services: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    fields: Mapping[str, float] = field(default_factory=dict)  # SERVES_FIELD weight
    region_id: str | None = None
    province_id: str | None = None
    city_id: str | None = None
    level: str | None = None
    zone: str | None = None


@dataclass(frozen=True)
class ScoredPlatform:
    """A platform with its score, components and the evidence behind them."""

    facts: PlatformFacts
    score: float
    components: dict[str, float]
    contributions: dict[str, float]
    covered_needs: tuple[str, ...]
    matched_terms: tuple[str, ...]  # services or instruments of the platform the demand names
    field_match: tuple[str, str, str, float] | None  # (demand field, platform field, hop, match)
    region_match: str | None  # "city" / "province"

    @property
    def id(self) -> str:
        """The platform id."""
        return self.facts.id


def _field_match(demand_fields: Mapping[str, float], platform_fields: Mapping[str, float],
                 parents: Mapping[str, str], *, parent_decay: float, child_decay: float
                 ) -> tuple[str, str, str, float] | None:
    """The best (demand field, platform field, hop, weighted match), hop in same/parent/child/sibling."""
    best: tuple[str, str, str, float] | None = None
    for d, wd in sorted(demand_fields.items()):
        for p, wp in sorted(platform_fields.items()):
            if d == p:
                hop, match = "same", 1.0
            elif parents.get(d) == p:
                hop, match = "parent", parent_decay
            elif parents.get(p) == d:
                hop, match = "child", child_decay
            elif parents.get(d) is not None and parents.get(d) == parents.get(p):
                hop, match = "sibling", parent_decay * child_decay
            else:
                continue
            value = match * wd * wp
            if best is None or value > best[3]:
                best = (d, p, hop, value)
    return best


def _named_terms(text: str, facts: PlatformFacts, aliases: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The platform's services and instruments that the demand text names (an instrument also by a short name)."""
    found = [s for s in facts.services if s and s in text]
    for item in facts.equipment:
        if item in text or any(a in text for a in aliases.get(item, ())):
            found.append(item)
    return tuple(dict.fromkeys(found))


def score_platforms(needs: NeedDetection, demand: DemandFacts, platforms: Sequence[PlatformFacts],
                    parents: Mapping[str, str], settings: Mapping[str, Any], *,
                    aliases: Mapping[str, Sequence[str]] | None = None) -> list[ScoredPlatform]:
    """Score ``platforms`` for a demand with ``needs``; the listed ones, best first (ties by id).

    Pure: plain data in, sorted dataclasses out. ``parents`` maps a field id to its SUBFIELD_OF parent.

    >>> from recommend.config import resolve
    >>> needs = detect_needs("需要送检并出具检测报告")
    >>> lab = PlatformFacts("p1", "检测中心", "检验检测中心", services=("检验检测",), fields={"f1": 1.0})
    >>> far = PlatformFacts("p2", "中试基地", "中试基地", services=("中试熟化",), fields={"f1": 1.0})
    >>> demand = DemandFacts("d", "需要送检并出具检测报告", {"f1": 1.0}, 2026)
    >>> [s.id for s in score_platforms(needs, demand, [lab, far], {}, resolve())]
    ['p1']
    """
    if not needs.needed:
        return []
    aliases = equipment_aliases() if aliases is None else aliases
    weights = {name: float(settings[f"platform_weight_{name}"]) for name, _ in PLATFORM_COMPONENTS}
    same_province = float(settings["region_same_province"])
    named_share = float(settings["platform_named_share"])
    out: list[ScoredPlatform] = []
    for facts in platforms:
        served = {k for s in facts.services for k in service_kinds(s)}
        covered = tuple(k for k in needs.kinds if k in served)
        if not covered:
            continue
        terms = _named_terms(demand.text, facts, aliases)
        match = _field_match(demand.fields, facts.fields, parents, parent_decay=float(settings["parent_field_decay"]),
                             child_decay=float(settings["child_field_decay"]))
        if demand.city_id and facts.city_id == demand.city_id:
            region, region_value = "city", 1.0
        elif demand.province_id and facts.province_id == demand.province_id:
            region, region_value = "province", same_province
        else:
            region, region_value = None, 0.0
        if match is None and region is None and not terms:
            continue
        components = {"service": (1.0 - named_share) * len(covered) / len(needs.kinds)
                      + named_share * min(1.0, len(terms) / 2),
                      "field": match[3] if match else 0.0, "region": region_value}
        contributions = {k: weights[k] * v for k, v in components.items()}
        out.append(ScoredPlatform(facts, sum(contributions.values()), components, contributions, covered, terms,
                                  match, region))
    out.sort(key=lambda s: (-round(s.score, 9), s.id))
    return out


_HOP_ZH = {"parent": "上级领域", "child": "下级领域", "sibling": "同属上级领域"}


def explain_platform(demand_id: str, demand_name: str, scored: ScoredPlatform, names: Mapping[str, str]
                     ) -> tuple[tuple[ExplainedPath, ...], str]:
    """Graph paths behind one platform (strongest first) and its Chinese sentence."""
    f = scored.facts
    start = PathStep("demand", demand_id, demand_name, "")
    end = PathStep("platform", f.id, f.name, "提供")
    paths: list[ExplainedPath] = []
    for term in scored.matched_terms[:2]:
        paths.append(ExplainedPath((start, PathStep("service", f"service:{term}", term, "提到"),
                                    PathStep("platform", f.id, f.name, "设备" if term in f.equipment else "服务")),
                                   scored.components["service"]))
    for need in scored.covered_needs:
        paths.append(ExplainedPath((start, PathStep("need", f"need:{need}", need, "需要"), end),
                                   scored.components["service"]))
    if scored.field_match is not None:
        d, p, hop, value = scored.field_match
        steps = [start, PathStep("field", d, names.get(d, d), "需要")]
        if hop == "sibling":
            parent = names.get("parent:" + d, "")
            steps.append(PathStep("field", p, names.get(p, p), _HOP_ZH[hop] + (f"（{parent}）" if parent else "")))
        elif hop != "same":
            steps.append(PathStep("field", p, names.get(p, p), _HOP_ZH[hop]))
        steps.append(PathStep("platform", f.id, f.name, "服务领域"))
        paths.append(ExplainedPath(tuple(steps), value))
    if scored.region_match is not None and f.region_id:
        paths.append(ExplainedPath((start, PathStep("region", f.region_id, names.get(f.region_id, f.region_id), "位于"),
                                    PathStep("platform", f.id, f.name, "所在地")), scored.components["region"]))
    paths.sort(key=lambda p: -p.strength)
    services = "、".join(dict.fromkeys([*scored.matched_terms, *(s for s in f.services
                                                                 if set(service_kinds(s)) & set(scored.covered_needs))]))
    fields_text = ""
    if scored.field_match is not None:
        fields_text = Msg.platforms.SENTENCE_FIELDS.format(fields=names.get(scored.field_match[1], scored.field_match[1]))
    region_text = ""
    if scored.region_match is not None:
        region_text = Msg.platforms.SENTENCE_REGION.format(
            region=Msg.platforms.SAME_CITY if scored.region_match == "city" else Msg.platforms.SAME_PROVINCE)
    sentence = Msg.platforms.SENTENCE.format(name=f.name, kind=f.kind, host=Msg.platforms.SENTENCE_HOST.format(host=f.host_name) if f.host_name else "",
                                             services=services, fields=fields_text, region=region_text)
    return tuple(paths), sentence


@dataclass(frozen=True)
class PlatformResult:
    """One recommended platform with the reasons."""

    rank: int
    scored: ScoredPlatform
    paths: tuple[ExplainedPath, ...]
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        f = self.scored.facts
        return {"rank": self.rank, "platform_id": f.id, "name": f.name, "kind": f.kind, "host_id": f.host_id,
                "host": f.host_name, "region_id": f.region_id, "level": f.level, "zone": f.zone,
                "services": list(f.services), "equipment": list(f.equipment),
                "score": round(self.scored.score, 4),
                "components": {k: round(v, 4) for k, v in self.scored.components.items()},
                "contributions": {k: round(v, 4) for k, v in self.scored.contributions.items()},
                "covered_needs": list(self.scored.covered_needs), "matched_terms": list(self.scored.matched_terms),
                "paths": [p.as_dict() for p in self.paths], "explanation": self.sentence}


@dataclass(frozen=True)
class PlatformRecommendation:
    """The platform part of a recommendation: the needs found and the platforms for them."""

    needs: NeedDetection
    results: tuple[PlatformResult, ...] = ()

    @property
    def note(self) -> str:
        """Why there are no platforms ("" when there are)."""
        if self.results:
            return ""
        if not self.needs.needed:
            return Msg.platforms.NONE_NEEDED
        return Msg.platforms.NONE_FOUND.format(needs="、".join(self.needs.kinds))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"needs": self.needs.as_dict(), "items": [r.as_dict() for r in self.results], "note": self.note}


def platform_facts(store: GraphStore) -> list[PlatformFacts]:
    """Every platform as plain facts (an office lists hundreds, not millions: all are read)."""
    nodes = store.all_nodes(Label.PLATFORM)
    if not nodes:
        return []
    around: dict[str, dict[str, Any]] = {n.id: {"fields": {}, "regions": [], "host": None} for n in nodes}
    for src, nb in store.expand([n.ref for n in nodes], direction=Direction.OUT,
                                rel_types=[RelType.SERVES_FIELD, RelType.LOCATED_IN, RelType.HOSTED_BY]):
        entry = around[src.id]
        if nb.rel.type is RelType.SERVES_FIELD:
            entry["fields"][nb.node.id] = float(nb.rel.props.get("weight", 1.0))
        elif nb.rel.type is RelType.LOCATED_IN:
            entry["regions"].append(nb.node.id)
        else:
            entry["host"] = (nb.node.id, nb.node.name)
    table = _region_table(store, {r for e in around.values() for r in e["regions"]})
    out = []
    for n in nodes:
        e = around[n.id]
        province, city = _levels(table, e["regions"])
        host = e["host"] or (None, n.props.get("host"))
        out.append(PlatformFacts(
            n.id, n.name, str(n.props.get("kind") or ""), host[0], host[1],
            tuple(str(s) for s in n.props.get("services") or ()), tuple(str(s) for s in n.props.get("equipment") or ()),
            dict(e["fields"]), min(e["regions"]) if e["regions"] else None, province, city,
            n.props.get("level"), n.props.get("zone")))
    return out


def _parents(store: GraphStore, field_ids: set[str]) -> dict[str, str]:
    """The SUBFIELD_OF parent of each field (one expand)."""
    nodes = store.get_nodes(Label.FIELD, sorted(field_ids))
    return {src.id: nb.node.id for src, nb in store.expand([n.ref for n in nodes], direction=Direction.OUT,
                                                          rel_types=[RelType.SUBFIELD_OF], labels=[Label.FIELD])}


def recommend_platforms(store: GraphStore, demand: DemandFacts, settings: Mapping[str, Any], *,
                        demand_name: str) -> PlatformRecommendation:
    """The platforms for a demand: none (and no store read) unless its text needs a platform service."""
    needs = detect_needs(demand.text)
    if not needs.needed or int(settings["platform_top_k"]) == 0:
        return PlatformRecommendation(needs)
    platforms = platform_facts(store)
    if not platforms:
        return PlatformRecommendation(needs)
    parents = _parents(store, {*demand.fields, *(f for p in platforms for f in p.fields)})
    scored = score_platforms(needs, demand, platforms, parents, settings)[:int(settings["platform_top_k"])]
    named = {*(f for s in scored if s.field_match for f in s.field_match[:2]),
             *(s.facts.region_id for s in scored if s.facts.region_id)}
    names = {n.id: n.name for n in store.get_nodes(Label.FIELD, sorted(named))}
    names.update({n.id: n.name for n in store.get_nodes(Label.REGION, sorted(named))})
    sibling_parents = {s.field_match[0]: parents[s.field_match[0]] for s in scored
                       if s.field_match and s.field_match[2] == "sibling"}
    names.update({f"parent:{d}": n.name for d, p in sibling_parents.items()
                  for n in store.get_nodes(Label.FIELD, [p])})
    results = []
    for rank, s in enumerate(scored, start=1):
        paths, sentence = explain_platform(demand.id, demand_name, s, names)
        results.append(PlatformResult(rank, s, paths, sentence))
    return PlatformRecommendation(needs, tuple(results))
