"""OpenAPI schemas of the platform part of a recommendation (issue 16, :mod:`recommend.platforms`)."""

from __future__ import annotations

from typing import Any

from api.openapi.schema import INT, NUM, STR, STRS, nullable, obj, schema_ref
from graph.model import PLATFORM_KINDS
from recommend.platform_need import NEED_KINDS

__all__ = ["platform_schemas"]


def platform_schemas() -> dict[str, Any]:
    """``PlatformResult`` and ``PlatformRecommendation`` (the ``platforms`` member of ``Recommendation``)."""
    step = obj({"kind": {"type": "string", "enum": ["demand", "need", "service", "field", "region", "platform"]},
                "id": STR, "name": STR, "link": STR})
    need = {"type": "string", "enum": list(NEED_KINDS)}
    return {
        "PlatformResult": obj({
            "rank": INT, "platform_id": STR, "name": STR,
            "kind": {"type": "string", "description": "平台类型：" + "、".join(PLATFORM_KINDS)},
            "host_id": nullable(STR), "host": nullable(STR), "region_id": nullable(STR), "level": nullable(STR),
            "zone": nullable(STR), "services": STRS, "equipment": STRS, "score": NUM,
            "components": {"type": "object", "additionalProperties": NUM,
                           "description": "service 服务匹配、field 领域匹配、region 地域邻近（0–1）"},
            "contributions": {"type": "object", "additionalProperties": NUM},
            "covered_needs": {"type": "array", "items": need},
            "matched_terms": {**STRS, "description": "需求文本提到的本平台服务或仪器设备"},
            "paths": {"type": "array", "items": obj({"steps": {"type": "array", "items": step}, "strength": NUM,
                                                     "text": STR})},
            "explanation": STR}),
        "PlatformRecommendation": obj({
            "needs": obj({"needed": {"type": "boolean"}, "kinds": {"type": "array", "items": need},
                          "cues": {"type": "object", "additionalProperties": STRS,
                                   "description": "各服务需要在需求文本中的依据词"}}),
            "items": {"type": "array", "items": schema_ref("PlatformResult")},
            "note": {"type": "string", "description": "没有推荐平台时的原因（有推荐时为空）"}},
        ),
    }
