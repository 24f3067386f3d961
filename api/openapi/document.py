"""The OpenAPI 3.1 document of the JSON API, built in code from the same tables the app uses.

Each operation's ``operationId`` is the Flask endpoint that serves it and
``x-permission`` the permission that endpoint declares, so the tests can check that
the document and the routes never drift apart. Limits (``per_page``, ``depth``, ``top_k``
…) come from the app's settings, and the recommendation options from
:data:`recommend.config.SETTINGS`. The tests validate every ``/api/v1`` response they
receive against this document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from api.auth import AUTHENTICATED, PUBLIC, Permission
from api.openapi.activities import ACTIVITY_TAG, activity_operations, activity_schemas
from api.openapi.lists import LISTS_TAG, list_operations, list_schemas
from api.openapi.platforms import platform_schemas
from api.openapi.reports import REPORT_TAG, report_operations, report_schemas
from api.openapi.schema import (
    BOOL,
    INT,
    NUM,
    SCALAR,
    STR,
    STRS,
    json_content,
    nullable,
    obj,
    operation,
    page_of,
    parameter,
    schema_ref,
)
from api.openapi.workflow import (
    REGISTRY_PARAM_HELP,
    WORKFLOW_TAGS,
    workflow_operations,
    workflow_schemas,
    workflow_webhooks,
)
from graph.model import Label, RelType
from ingest.demand_rules import TITLE_LIMIT
from ingest.mapping import KINDS
from recommend.config import FIXED, RANKER_MODES, SETTINGS
from recommend.scoring import EXPERT_TYPES
from workflow.demands import MAX_FIELDS

__all__ = ["build_openapi", "rule_to_path", "operations"]

API_VERSION = "1.0.0"


def rule_to_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/a/<path:x>`` → ``/a/{x}``.

    >>> rule_to_path("/api/v1/demands/<path:demand_id>/recommendations")
    '/api/v1/demands/{demand_id}/recommendations'
    """
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _with_header_aliases(schema: dict[str, Any]) -> dict[str, Any]:
    """The demand body with every Chinese (and other) header the importer accepts as a key of its own,
    so that ``additionalProperties: false`` says what the server does: any other key is a 400."""
    props = schema["properties"]
    for col in KINDS["demand"]:
        for header in col.accepted():
            props.setdefault(header, {**props[col.name], "description": f"同 {col.name}"})
    return schema


def _schemas() -> dict[str, Any]:
    labels = [x.value for x in Label]
    rel_types = [x.value for x in RelType]
    ref = obj({"id": STR, "name": STR})
    weighted = obj({"id": STR, "name": STR, "weight": NUM})
    team = obj({
        "members": {"type": "array", "items": obj({"expert_id": STR, "name": STR, "institution": nullable(STR),
                                                    "leader": BOOL})},
        "leader": STR, "covered_fields": STRS, "coverage": NUM, "communication_cost": NUM, "score": NUM,
        "explanation": STR})
    node_props = {"label": {"type": "string", "enum": labels}, "id": STR, "name": STR,
                  "props": {"type": "object", "description": "节点属性；联系电话、邮箱按权限打码"}, "masked": BOOL}
    return {
        "RowError": obj({"row": nullable(INT), "field": STR, "reason": STR, "message": STR}),
        "Error": obj({"ok": {"const": False}, "error": {"type": "string", "description": "中文错误信息"},
                       "errors": {"type": "array", "items": schema_ref("RowError")}, "status": INT}),
        "Ref": ref,
        "Health": obj({"ok": BOOL, "backend": STR, "reachable": BOOL, "counts": nullable(schema_ref("Counts")),
                        "error": nullable(STR)}),
        "Counts": obj({"nodes": {"type": "object", "additionalProperties": INT},
                        "relationships": {"type": "object", "additionalProperties": INT}}),
        "Me": obj({"name": STR, "role": STR, "kind": {"type": "string", "enum": ["user", "api_key"]},
                    "permissions": STRS}),
        "DemandRecord": obj({
            "id": STR, "title": STR, "description": nullable(STR), "status": nullable(STR),
            "posted": nullable(STR), "deadline": nullable(STR), "budget_wan": nullable(NUM),
            "keywords": nullable(STRS), "contact": nullable(STR),
            "phone": {"type": ["string", "null"], "description": "无 contact:read 权限时打码，如 138****0001"},
            "email": {"type": ["string", "null"], "description": "无 contact:read 权限时打码，如 z***@example.com"},
            "source": nullable(STR), "enterprise": nullable(schema_ref("Ref")),
            "fields": {"type": "array", "items": weighted},
            "industries": {"type": "array", "items": schema_ref("Ref")},
            "regions": {"type": "array", "items": schema_ref("Ref")}}),
        "DemandInput": _with_header_aliases({
            "type": "object", "required": ["title"], "additionalProperties": False,
            "description": "与导入文件相同的字段，英文键或中文列名均可（如 title 或 需求标题）；见 ingest/mapping.py。",
            "properties": {
                "id": {"type": "string", "description": "需求编号；不填时由服务器生成 demand:api-…；已存在则 409"},
                "title": {"type": "string", "minLength": 1, "maxLength": TITLE_LIMIT, "pattern": "\\S",
                          "description": "需求标题（必填，须包含文字）"},
                "description": STR,
                "enterprise": {"type": "string", "description": "企业编号、统一社会信用代码或准确名称（须已导入）"},
                "fields": {"description": "技术领域及权重，如 {\"ht2016:40201\": 0.8} 或 \"40201=0.8；60101\"；"
                                          "不填时由文本自动关联",
                           "type": ["object", "string", "array"]},
                "industry": {"type": ["string", "array"], "description": "GB/T 4754 行业代码或名称"},
                "region": {"type": "string", "description": "地区名称或 6 位行政区划代码"},
                "status": STR, "posted": STR, "deadline": STR, "budget_wan": {"type": ["number", "string"]},
                "keywords": {"type": ["array", "string"], "items": STR}, "contact": STR, "phone": STR,
                "email": STR, "source": STR}}),
        "DemandFieldsInput": {
            "type": "object", "required": ["fields"], "additionalProperties": False,
            "properties": {"fields": {"description": "技术领域及权重，如 {\"ht2016:603\": 1} 或 [\"603\", \"601=0.5\"] 或 "
                                                     "\"603；601=0.5\"（编号、代码或准确名称）",
                                      "type": ["object", "string", "array"]}}},
        "Node": obj(node_props),
        "Relations": {"type": "array", "items": obj({
            "type": {"type": "string", "enum": rel_types}, "direction": {"type": "string", "enum": ["out", "in"]},
            "label": {"type": "string", "enum": labels}, "total": INT,
            "items": {"type": "array", "items": obj({"id": STR, "name": STR, "props": {"type": "object"}})}})},
        "Entity": obj({**node_props, "relations": schema_ref("Relations")}),
        "Relationship": obj({"type": {"type": "string", "enum": rel_types},
                              "start": obj({"label": STR, "id": STR}), "end": obj({"label": STR, "id": STR}),
                              "props": {"type": "object"}}),
        "Subgraph": obj({"centre": obj({"label": STR, "id": STR}), "nodes": {"type": "array", "items": schema_ref("Node")},
                          "relationships": {"type": "array", "items": schema_ref("Relationship")}, "truncated": BOOL}),
        "PathStep": obj({"kind": {"type": "string", "enum": ["demand", "field", "project", "paper", "expert"]}, "id": STR,
                          "name": STR, "link": STR}),
        "ExpertResult": obj({
            "rank": INT, "expert_id": STR, "name": STR, "institution_id": nullable(STR),
            "institution": nullable(STR), "score": NUM,
            "components": {"type": "object", "additionalProperties": NUM},
            "contributions": {"type": "object", "additionalProperties": NUM}, "covered_fields": STRS,
            "paths": {"type": "array", "items": obj({"steps": {"type": "array", "items": schema_ref("PathStep")},
                                                      "strength": NUM, "text": STR})},
            "explanation": STR, "confidence": NUM,
            "evidence": obj({"direct_fields": STRS, "indirect": BOOL, "matched_terms": STRS,
                             "text_coverage": NUM, "weighted_text_coverage": NUM, "confidence": NUM}),
            "same_evidence": {"type": "array", "items": obj({"expert_id": STR, "name": STR}),
                              "description": "依据完全相同（同一批项目、论文）而未单列的合作者（设置 max_same_evidence）"}},
            required=["rank", "expert_id", "name", "institution_id", "institution", "score", "components",
                      "contributions", "covered_fields", "paths", "explanation", "same_evidence"]),
        "TeamProposal": team,
        "Recommendation": obj({
            "demand": obj({"id": STR, "title": STR, "fields": {"type": "array", "items": weighted}}),
            "experts": {"type": "array", "items": schema_ref("ExpertResult")},
            "teams": {"type": "array", "items": schema_ref("TeamProposal")}, "baseline_team": nullable(schema_ref("TeamProposal")),
            "excluded": {"type": "array", "items": obj({"expert_id": STR, "reason": STR})},
            "candidates": INT, "settings": {"type": "object", "additionalProperties": SCALAR},
            "keywords": {**STRS, "description": "仅按文本推荐时：从文本中提取的关键词"},
            "abstention": obj({
                "abstain": BOOL, "confidence": NUM, "message": STR,
                "supply_gap": {"type": "array", "items": obj({"field": STR, "name": STR,
                                                              "experts_with_direct_evidence": INT})},
                "suggested_fields": {"type": "array", "items": obj({"field": STR, "name": STR, "candidates": INT})},
                "actions": STRS}),
            "platforms": {**schema_ref("PlatformRecommendation"),
                          "description": "推荐平台与基地（需求提出检验检测、中试、共性技术或设备共享需要时）"}},
            required=["demand", "experts", "teams", "baseline_team", "excluded", "candidates", "settings"]),
        "TextDemand": obj({
            "text": {"type": "string", "minLength": 1, "pattern": "\\S", "description": "需求文本（第一行作为标题）"},
            "region": {"type": "string", "description": "需求方所在地区：名称、6 位代码或 region:… 编号"},
            "settings": {"type": "object", "description": "推荐参数，同 GET 推荐接口的查询参数",
                         "additionalProperties": SCALAR}}, required=["text"]),
        "DemandMatrix": obj({
            "total": INT,
            "by_status": {"type": "array", "items": obj({"status": STR, "count": INT})},
            "fields": {"type": "array", "items": obj({"id": nullable(STR), "name": STR, "count": INT})},
            "regions": {"type": "array", "items": obj({"id": nullable(STR), "name": STR, "count": INT})},
            "cells": {"type": "array", "items": obj({"field": nullable(STR), "region": nullable(STR),
                                                      "count": INT})}}),
        "AuditEvent": {"type": "object", "required": ["time", "action"], "additionalProperties": True,
                       "properties": {"time": STR, "action": STR, "actor": nullable(STR),
                                      "actor_kind": nullable(STR), "role": nullable(STR), "label": STR,
                                      "id": STR, "fields": STRS, "method": STR, "path": STR,
                                      "ip": nullable(STR)}},
    }


def _health_op() -> dict[str, Any]:
    op = operation("health.health", PUBLIC, "运行状态", "健康检查", json_content(schema_ref("Health"), "图数据库可用"), errors=(),
             description="无需登录，供负载均衡与监控探测；只含后端名称与是否可用；各类数量（counts）仅对有 stats:read 权限的调用方显示，"
                         "否则为 null；不含任何记录。")
    op["responses"]["503"] = json_content(schema_ref("Health"), "图数据库不可用（同样结构，reachable 为 false）")
    return op


def operations(config: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The ``paths`` object: path → method → operation, limits taken from ``config``."""
    max_per_page = int(config["KGMATCH_MAX_PER_PAGE"])
    paging = [parameter("page", "query", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
                     "页码，从 1 开始（最大 1000000）"),
              parameter("per_page", "query", {"type": "integer", "minimum": 1, "maximum": max_per_page,
                                           "default": min(int(config["KGMATCH_PER_PAGE"]), max_per_page)},
                     "每页条数")]
    caps = {"top_k": config["KGMATCH_MAX_TOP_K"], "max_candidates": config["KGMATCH_MAX_CANDIDATES"],
            "text_candidates": config["KGMATCH_MAX_CANDIDATES"], "semantic_candidates": config["KGMATCH_MAX_CANDIDATES"],
            "team_count": config["KGMATCH_MAX_TEAMS"],
            "team_max_size": config["KGMATCH_MAX_TEAMS"]}
    rec_params = []
    for s in SETTINGS:
        if s.name in FIXED:  # not settable per call
            continue
        if isinstance(s.default, str):
            schema: dict[str, Any] = {"type": "string", "default": s.default}
            if s.name == "region_mode":
                schema["enum"] = ["prefer", "only", "any"]
            if s.name == "expert_type":
                schema["enum"] = ["", *EXPERT_TYPES]
            if s.name == "ranker":
                schema["enum"] = list(RANKER_MODES)
        elif isinstance(s.default, int):
            schema = {"type": "integer", "minimum": 0, "default": s.default}
        else:
            schema = {"type": "number", "minimum": 0, "default": s.default}
        if s.name in caps:
            schema["maximum"] = int(caps[s.name])
        rec_params.append(parameter(s.name, "query", schema, s.help))
    id_param = {"demand_id": parameter("demand_id", "path", STR, "需求编号，如 demand:00001")}
    entity_ops: dict[str, Any] = {}
    for segment, zh in (("experts", "专家"), ("institutions", "机构"), ("enterprises", "企业"),
                        ("platforms", "服务平台")):
        entity_ops[f"/api/v1/{segment}"] = {"get": operation(
            f"entities.list_{segment}", Permission.ENTITY_READ, "实体", f"{zh}列表或中文全文检索",
            json_content(page_of(schema_ref("Node")), f"{zh}分页列表"),
            params=[parameter("q", "query", STR, "检索词（空格或逗号分隔的多个词须同时出现于名称、标题、简介或关键词）"),
                    *paging])}
        entity_ops[f"/api/v1/{segment}/{{node_id}}"] = {"get": operation(
            f"entities.get_{segment}", Permission.ENTITY_READ, "实体", f"{zh}详情与关系",
            json_content(schema_ref("Entity"), f"{zh}及其关系（每类关系最多列出 50 条）"),
            params=[parameter("node_id", "path", STR, f"{zh}编号")], errors=("400", "404"))}
    label_enum = {"type": "string", "enum": [x.value for x in Label]}
    return {
        **workflow_operations(config, paging),
        **report_operations(),
        **activity_operations(paging),
        **list_operations(),
        "/api/v1/health": {"get": _health_op()},
        "/api/v1/me": {"get": operation("auth.me", AUTHENTICATED, "运行状态", "当前调用者及其权限",
                                  json_content(schema_ref("Me"), "调用者"), errors=())},
        "/api/v1/demands": {
            "get": operation("demands.list_demands", Permission.DEMAND_READ, "需求", "需求列表（可筛选、分页）",
                       json_content(page_of(schema_ref("DemandRecord")), "需求分页列表，按编号排序"),
                       params=[parameter("industry", "query", STR, "行业：编号、GB/T 4754 代码或名称，含下级行业；逗号分隔表示或"),
                               parameter("field", "query", STR, "技术领域：编号、代码或名称，含下级领域；逗号分隔表示或"),
                               parameter("region", "query", STR, "地区：编号、6 位代码或名称，含下级地区；逗号分隔表示或"),
                               parameter("status", "query", STR, "需求状态，如 待对接"),
                               parameter("registry", "query", STR, REGISTRY_PARAM_HELP), *paging]),
            "post": operation("demands.create_demand", Permission.DEMAND_WRITE, "需求", "提交需求",
                        {**json_content(schema_ref("DemandRecord"), "已创建"), "headers": {"Location": {"schema": STR}}}, status="201",
                        body=schema_ref("DemandInput"), errors=("400", "409"),
                        description="校验与导入文件完全相同，错误信息用中文指出行号与字段，如「第 1 行「需求标题」不能为空」。")},
        "/api/v1/demands/{demand_id}": {"get": operation(
            "demands.get_demand", Permission.DEMAND_READ, "需求", "需求详情", json_content(schema_ref("DemandRecord"), "需求"),
            params=[id_param["demand_id"]], errors=("400", "404"))},
        "/api/v1/demands/{demand_id}/fields": {"post": operation(
            "demands.correct_fields", Permission.DEMAND_WRITE, "需求", "更正需求的技术领域",
            json_content(schema_ref("DemandRecord"), "更正后的需求"), params=[id_param["demand_id"]],
            body=schema_ref("DemandFieldsInput"), errors=("400", "404", "409"),
            description="用给出的领域替换需求现有的技术领域（记为人工更正，原有领域保留在 fields_before）；"
                        f"至少 1 个、至多 {MAX_FIELDS} 个，写法与导入文件相同。")},
        "/api/v1/demands/{demand_id}/recommendations": {"get": operation(
            "recommendations.for_demand", Permission.RECOMMEND, "推荐", "为已存需求推荐专家与团队",
            json_content(schema_ref("Recommendation"), "推荐结果与理由"), params=[id_param["demand_id"], *rec_params],
            errors=("400", "404"), description="查询参数为推荐参数（见 README「推荐参数」），未给出的取默认值。")},
        "/api/v1/recommendations": {"post": operation(
            "recommendations.for_text", Permission.RECOMMEND, "推荐", "按需求文本推荐专家与团队",
            json_content(schema_ref("Recommendation"), "推荐结果与理由"), body=schema_ref("TextDemand"),
            description=f"文本不超过 {config['KGMATCH_TEXT_MAX_CHARS']} 字；自动提取关键词并关联技术领域。")},
        **entity_ops,
        "/api/v1/graph/{label}/{node_id}": {"get": operation(
            "graph.neighbourhood", Permission.GRAPH_READ, "图谱", "任意节点的邻域子图",
            json_content(schema_ref("Subgraph"), "广度优先的子图"),
            params=[parameter("label", "path", label_enum, "节点类型"), parameter("node_id", "path", STR, "节点编号"),
                    parameter("depth", "query", {"type": "integer", "minimum": 1,
                                              "maximum": int(config["KGMATCH_GRAPH_MAX_DEPTH"]), "default": 1}, "跳数"),
                    parameter("max_nodes", "query", {"type": "integer", "minimum": 1,
                                                  "maximum": int(config["KGMATCH_GRAPH_MAX_NODES"])}, "最多节点数"),
                    parameter("rel_types", "query", {"type": "array", "items": {"type": "string",
                                                                             "enum": [x.value for x in RelType]}},
                           "只沿这些关系类型（逗号分隔）", style="form"),
                    parameter("labels", "query", {"type": "array", "items": label_enum}, "只保留这些节点类型（逗号分隔）",
                           style="form")],
            errors=("400", "404"))},
        "/api/v1/stats": {"get": operation("stats.counts", Permission.STATS_READ, "统计", "各类节点与关系数量",
                                     json_content(schema_ref("Counts"), "数量"), errors=())},
        "/api/v1/stats/demands": {"get": operation(
            "stats.demands_by_field_and_region", Permission.STATS_READ, "统计", "需求按技术领域×地区分布",
            json_content(schema_ref("DemandMatrix"), "按顶层领域与省份汇总；一条需求涉及多个顶层领域时分别计入"), errors=())},
        "/api/v1/audit": {"get": operation("audit.audit_log", Permission.AUDIT_READ, "审计", "审计日志（最新在前）",
                                     json_content(page_of(schema_ref("AuditEvent")), "审计事件分页列表"), params=paging)},
        "/api/v1/openapi.json": {"get": operation("docs.openapi_json", Permission.DOCS_READ, "文档", "本 OpenAPI 文档",
                                            json_content({"type": "object"}, "OpenAPI 3.1 文档"), errors=())},
    }


def build_openapi(config: Mapping[str, Any]) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for an app with ``config``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "kgmatch API", "version": API_VERSION,
                 "description": "企业技术需求与科技人才精准对接：需求、推荐、专家/机构/企业、图谱与统计。"
                                "认证：请求头 X-API-Key（门户系统）或登录会话 Cookie（页面）。"
                                "错误统一为 {ok: false, error, errors, status}，信息为中文。"},
        "servers": [{"url": "/"}],
        "security": [{"ApiKey": []}, {"Session": []}],
        "tags": [{"name": n} for n in ("运行状态", "需求", "推荐", "实体", "图谱", "统计", "审计", "文档",
                                       *WORKFLOW_TAGS, REPORT_TAG, ACTIVITY_TAG, LISTS_TAG)],
        "paths": operations(config),
        "webhooks": workflow_webhooks(),
        "components": {
            "schemas": {**_schemas(), **workflow_schemas(), **report_schemas(), **activity_schemas(),
                        **platform_schemas(), **list_schemas()},
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                           "description": "kgmatch user add-key 生成，形如 kgm_<8 位十六进制>_<密钥>"},
                "Session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "POST /login 登录后的会话"},
            },
        },
    }
