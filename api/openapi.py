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

from api.auth import AUTHENTICATED, PERMISSION_HELP, PUBLIC, Permission
from graph.model import Label, RelType
from recommend.config import FIXED, SETTINGS

__all__ = ["build_openapi", "rule_to_path", "operations"]

API_VERSION = "1.0.0"
_REF = "#/components/schemas/"


def rule_to_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/a/<path:x>`` → ``/a/{x}``.

    >>> rule_to_path("/api/v1/demands/<path:demand_id>/recommendations")
    '/api/v1/demands/{demand_id}/recommendations'
    """
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _obj(props: Mapping[str, Any], required: list[str] | None = None, *, extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "properties": dict(props), "required": list(props) if required is None else required,
            "additionalProperties": extra}


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [dict(schema), {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


_STR, _INT, _NUM, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
_STRS = {"type": "array", "items": _STR}
_SCALAR = {"type": ["string", "number", "integer", "boolean"]}


def _schemas() -> dict[str, Any]:
    labels = [x.value for x in Label]
    rel_types = [x.value for x in RelType]
    ref = _obj({"id": _STR, "name": _STR})
    weighted = _obj({"id": _STR, "name": _STR, "weight": _NUM})
    team = _obj({
        "members": {"type": "array", "items": _obj({"expert_id": _STR, "name": _STR, "institution": _nullable(_STR),
                                                    "leader": _BOOL})},
        "leader": _STR, "covered_fields": _STRS, "coverage": _NUM, "communication_cost": _NUM, "score": _NUM,
        "explanation": _STR})
    node_props = {"label": {"type": "string", "enum": labels}, "id": _STR, "name": _STR,
                  "props": {"type": "object", "description": "节点属性；联系电话、邮箱按权限打码"}, "masked": _BOOL}
    return {
        "RowError": _obj({"row": _nullable(_INT), "field": _STR, "reason": _STR, "message": _STR}),
        "Error": _obj({"ok": {"const": False}, "error": {"type": "string", "description": "中文错误信息"},
                       "errors": {"type": "array", "items": _ref("RowError")}, "status": _INT}),
        "Ref": ref,
        "Health": _obj({"ok": _BOOL, "backend": _STR, "reachable": _BOOL, "counts": _nullable(_ref("Counts")),
                        "error": _nullable(_STR)}),
        "Counts": _obj({"nodes": {"type": "object", "additionalProperties": _INT},
                        "relationships": {"type": "object", "additionalProperties": _INT}}),
        "Me": _obj({"name": _STR, "role": _STR, "kind": {"type": "string", "enum": ["user", "api_key"]},
                    "permissions": _STRS}),
        "DemandRecord": _obj({
            "id": _STR, "title": _STR, "description": _nullable(_STR), "status": _nullable(_STR),
            "posted": _nullable(_STR), "deadline": _nullable(_STR), "budget_wan": _nullable(_NUM),
            "keywords": _nullable(_STRS), "contact": _nullable(_STR),
            "phone": {"type": ["string", "null"], "description": "无 contact:read 权限时打码，如 138****0001"},
            "email": {"type": ["string", "null"], "description": "无 contact:read 权限时打码，如 z***@example.com"},
            "source": _nullable(_STR), "enterprise": _nullable(_ref("Ref")),
            "fields": {"type": "array", "items": weighted},
            "industries": {"type": "array", "items": _ref("Ref")},
            "regions": {"type": "array", "items": _ref("Ref")}}),
        "DemandInput": {
            "type": "object", "required": ["title"], "additionalProperties": True,
            "description": "与导入文件相同的字段，英文键或中文列名均可（如 title 或 需求标题）；见 ingest/mapping.py。",
            "properties": {
                "id": {"type": "string", "description": "需求编号；不填时由服务器生成 demand:api-…；已存在则 409"},
                "title": {"type": "string", "description": "需求标题（必填）"},
                "description": _STR,
                "enterprise": {"type": "string", "description": "企业编号、统一社会信用代码或准确名称（须已导入）"},
                "fields": {"description": "技术领域及权重，如 {\"ht2016:40201\": 0.8} 或 \"40201=0.8；60101\"；"
                                          "不填时由文本自动关联",
                           "type": ["object", "string", "array"]},
                "industry": {"type": ["string", "array"], "description": "GB/T 4754 行业代码或名称"},
                "region": {"type": "string", "description": "地区名称或 6 位行政区划代码"},
                "status": _STR, "posted": _STR, "deadline": _STR, "budget_wan": {"type": ["number", "string"]},
                "keywords": {"type": ["array", "string"], "items": _STR}, "contact": _STR, "phone": _STR,
                "email": _STR, "source": _STR}},
        "Node": _obj(node_props),
        "Relations": {"type": "array", "items": _obj({
            "type": {"type": "string", "enum": rel_types}, "direction": {"type": "string", "enum": ["out", "in"]},
            "label": {"type": "string", "enum": labels}, "total": _INT,
            "items": {"type": "array", "items": _obj({"id": _STR, "name": _STR, "props": {"type": "object"}})}})},
        "Entity": _obj({**node_props, "relations": _ref("Relations")}),
        "Relationship": _obj({"type": {"type": "string", "enum": rel_types},
                              "start": _obj({"label": _STR, "id": _STR}), "end": _obj({"label": _STR, "id": _STR}),
                              "props": {"type": "object"}}),
        "Subgraph": _obj({"centre": _obj({"label": _STR, "id": _STR}), "nodes": {"type": "array", "items": _ref("Node")},
                          "relationships": {"type": "array", "items": _ref("Relationship")}, "truncated": _BOOL}),
        "PathStep": _obj({"kind": {"type": "string", "enum": ["demand", "field", "project", "expert"]}, "id": _STR,
                          "name": _STR, "link": _STR}),
        "ExpertResult": _obj({
            "rank": _INT, "expert_id": _STR, "name": _STR, "institution_id": _nullable(_STR),
            "institution": _nullable(_STR), "score": _NUM,
            "components": {"type": "object", "additionalProperties": _NUM},
            "contributions": {"type": "object", "additionalProperties": _NUM}, "covered_fields": _STRS,
            "paths": {"type": "array", "items": _obj({"steps": {"type": "array", "items": _ref("PathStep")},
                                                      "strength": _NUM, "text": _STR})},
            "explanation": _STR}),
        "TeamProposal": team,
        "Recommendation": _obj({
            "demand": _obj({"id": _STR, "title": _STR, "fields": {"type": "array", "items": weighted}}),
            "experts": {"type": "array", "items": _ref("ExpertResult")},
            "teams": {"type": "array", "items": _ref("TeamProposal")}, "baseline_team": _nullable(_ref("TeamProposal")),
            "excluded": {"type": "array", "items": _obj({"expert_id": _STR, "reason": _STR})},
            "candidates": _INT, "settings": {"type": "object", "additionalProperties": _SCALAR},
            "keywords": {**_STRS, "description": "仅按文本推荐时：从文本中提取的关键词"}},
            required=["demand", "experts", "teams", "baseline_team", "excluded", "candidates", "settings"]),
        "TextDemand": _obj({
            "text": {"type": "string", "description": "需求文本（第一行作为标题）"},
            "region": {"type": "string", "description": "需求方所在地区：名称、6 位代码或 region:… 编号"},
            "settings": {"type": "object", "description": "推荐参数，同 GET 推荐接口的查询参数",
                         "additionalProperties": _SCALAR}}, required=["text"]),
        "DemandMatrix": _obj({
            "total": _INT,
            "by_status": {"type": "array", "items": _obj({"status": _STR, "count": _INT})},
            "fields": {"type": "array", "items": _obj({"id": _nullable(_STR), "name": _STR, "count": _INT})},
            "regions": {"type": "array", "items": _obj({"id": _nullable(_STR), "name": _STR, "count": _INT})},
            "cells": {"type": "array", "items": _obj({"field": _nullable(_STR), "region": _nullable(_STR),
                                                      "count": _INT})}}),
        "AuditEvent": {"type": "object", "required": ["time", "action"], "additionalProperties": True,
                       "properties": {"time": _STR, "action": _STR, "actor": _nullable(_STR),
                                      "actor_kind": _nullable(_STR), "role": _nullable(_STR), "label": _STR,
                                      "id": _STR, "fields": _STRS, "method": _STR, "path": _STR,
                                      "ip": _nullable(_STR)}},
    }


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    return _obj({"items": {"type": "array", "items": item}, "page": {"type": "integer", "minimum": 1},
                 "per_page": {"type": "integer", "minimum": 1}, "total": {"type": "integer", "minimum": 0}})


def _param(name: str, where: str, schema: dict[str, Any], description: str, *, required: bool = False,
           style: str | None = None) -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required or where == "path", "schema": schema,
             "description": description}
    if style:
        param.update(style=style, explode=False)
    return param


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(endpoint: str, permission: Any, tag: str, summary: str, ok: dict[str, Any], *, status: str = "200",
        params: list[dict[str, Any]] | None = None, body: dict[str, Any] | None = None,
        errors: tuple[str, ...] = ("400",), description: str = "") -> dict[str, Any]:
    responses = {status: ok}
    error = _json(_ref("Error"), "错误（统一格式）")
    for code in errors:
        responses[code] = {**error, "description": {"400": "参数或请求体有误", "404": "未找到",
                                                    "409": "与已有数据冲突"}[code]}
    if permission is not PUBLIC:
        responses["401"] = {**error, "description": "未登录或 API 密钥无效"}
        if permission is not AUTHENTICATED:
            responses["403"] = {**error, "description": "当前角色无此权限"}
    responses["default"] = {**error, "description": "其他错误（如 503 图数据库不可用、500 服务器内部错误）"}
    perm = permission.value if isinstance(permission, Permission) else repr(permission).lower()
    needs = PERMISSION_HELP.get(permission, "无需登录" if permission is PUBLIC else "任何已登录用户或 API 密钥")
    op: dict[str, Any] = {"operationId": endpoint, "tags": [tag], "summary": summary,
                          "description": (description + "\n\n" if description else "") + f"权限：`{perm}`（{needs}）",
                          "x-permission": perm, "parameters": params or [], "responses": responses}
    if permission is PUBLIC:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _health_op() -> dict[str, Any]:
    op = _op("health.health", PUBLIC, "运行状态", "健康检查", _json(_ref("Health"), "图数据库可用"), errors=(),
             description="无需登录，供负载均衡与监控探测；只含后端名称与数量，不含任何记录。")
    op["responses"]["503"] = _json(_ref("Health"), "图数据库不可用（同样结构，reachable 为 false）")
    return op


def operations(config: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The ``paths`` object: path → method → operation, limits taken from ``config``."""
    max_per_page = int(config["KGMATCH_MAX_PER_PAGE"])
    paging = [_param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, "页码，从 1 开始"),
              _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": max_per_page,
                                           "default": min(int(config["KGMATCH_PER_PAGE"]), max_per_page)},
                     "每页条数")]
    caps = {"top_k": config["KGMATCH_MAX_TOP_K"], "max_candidates": config["KGMATCH_MAX_CANDIDATES"],
            "text_candidates": config["KGMATCH_MAX_CANDIDATES"], "team_count": config["KGMATCH_MAX_TEAMS"],
            "team_max_size": config["KGMATCH_MAX_TEAMS"]}
    rec_params = []
    for s in SETTINGS:
        if s.name in FIXED:  # not settable per call
            continue
        if isinstance(s.default, str):
            schema: dict[str, Any] = {"type": "string", "default": s.default}
            if s.name == "region_mode":
                schema["enum"] = ["prefer", "only", "any"]
        elif isinstance(s.default, int):
            schema = {"type": "integer", "minimum": 0, "default": s.default}
        else:
            schema = {"type": "number", "minimum": 0, "default": s.default}
        if s.name in caps:
            schema["maximum"] = int(caps[s.name])
        rec_params.append(_param(s.name, "query", schema, s.help))
    id_param = {"demand_id": _param("demand_id", "path", _STR, "需求编号，如 demand:00001")}
    entity_ops: dict[str, Any] = {}
    for segment, zh in (("experts", "专家"), ("institutions", "机构"), ("enterprises", "企业")):
        entity_ops[f"/api/v1/{segment}"] = {"get": _op(
            f"entities.list_{segment}", Permission.ENTITY_READ, "实体", f"{zh}列表或中文全文检索",
            _json(_page_of(_ref("Node")), f"{zh}分页列表"),
            params=[_param("q", "query", _STR, "检索词（空格或逗号分隔的多个词须同时出现于名称、标题、简介或关键词）"),
                    *paging])}
        entity_ops[f"/api/v1/{segment}/{{node_id}}"] = {"get": _op(
            f"entities.get_{segment}", Permission.ENTITY_READ, "实体", f"{zh}详情与关系",
            _json(_ref("Entity"), f"{zh}及其关系（每类关系最多列出 50 条）"),
            params=[_param("node_id", "path", _STR, f"{zh}编号")], errors=("400", "404"))}
    label_enum = {"type": "string", "enum": [x.value for x in Label]}
    from api.openapi_reports import report_operations  # these import this module's builders
    from api.openapi_workflow import workflow_operations

    return {
        **workflow_operations(config, paging),
        **report_operations(),
        "/api/v1/health": {"get": _health_op()},
        "/api/v1/me": {"get": _op("auth.me", AUTHENTICATED, "运行状态", "当前调用者及其权限",
                                  _json(_ref("Me"), "调用者"), errors=())},
        "/api/v1/demands": {
            "get": _op("demands.list_demands", Permission.DEMAND_READ, "需求", "需求列表（可筛选、分页）",
                       _json(_page_of(_ref("DemandRecord")), "需求分页列表，按编号排序"),
                       params=[_param("industry", "query", _STR, "行业：编号、GB/T 4754 代码或名称，含下级行业；逗号分隔表示或"),
                               _param("field", "query", _STR, "技术领域：编号、代码或名称，含下级领域；逗号分隔表示或"),
                               _param("region", "query", _STR, "地区：编号、6 位代码或名称，含下级地区；逗号分隔表示或"),
                               _param("status", "query", _STR, "需求状态，如 待对接"), *paging]),
            "post": _op("demands.create_demand", Permission.DEMAND_WRITE, "需求", "提交需求",
                        {**_json(_ref("DemandRecord"), "已创建"), "headers": {"Location": {"schema": _STR}}}, status="201",
                        body=_ref("DemandInput"), errors=("400", "409"),
                        description="校验与导入文件完全相同，错误信息用中文指出行号与字段，如「第 1 行「需求标题」不能为空」。")},
        "/api/v1/demands/{demand_id}": {"get": _op(
            "demands.get_demand", Permission.DEMAND_READ, "需求", "需求详情", _json(_ref("DemandRecord"), "需求"),
            params=[id_param["demand_id"]], errors=("400", "404"))},
        "/api/v1/demands/{demand_id}/recommendations": {"get": _op(
            "recommendations.for_demand", Permission.RECOMMEND, "推荐", "为已存需求推荐专家与团队",
            _json(_ref("Recommendation"), "推荐结果与理由"), params=[id_param["demand_id"], *rec_params],
            errors=("400", "404"), description="查询参数为推荐参数（见 README「推荐参数」），未给出的取默认值。")},
        "/api/v1/recommendations": {"post": _op(
            "recommendations.for_text", Permission.RECOMMEND, "推荐", "按需求文本推荐专家与团队",
            _json(_ref("Recommendation"), "推荐结果与理由"), body=_ref("TextDemand"),
            description=f"文本不超过 {config['KGMATCH_TEXT_MAX_CHARS']} 字；自动提取关键词并关联技术领域。")},
        **entity_ops,
        "/api/v1/graph/{label}/{node_id}": {"get": _op(
            "graph.neighbourhood", Permission.GRAPH_READ, "图谱", "任意节点的邻域子图",
            _json(_ref("Subgraph"), "广度优先的子图"),
            params=[_param("label", "path", label_enum, "节点类型"), _param("node_id", "path", _STR, "节点编号"),
                    _param("depth", "query", {"type": "integer", "minimum": 1,
                                              "maximum": int(config["KGMATCH_GRAPH_MAX_DEPTH"]), "default": 1}, "跳数"),
                    _param("max_nodes", "query", {"type": "integer", "minimum": 1,
                                                  "maximum": int(config["KGMATCH_GRAPH_MAX_NODES"])}, "最多节点数"),
                    _param("rel_types", "query", {"type": "array", "items": {"type": "string",
                                                                             "enum": [x.value for x in RelType]}},
                           "只沿这些关系类型（逗号分隔）", style="form"),
                    _param("labels", "query", {"type": "array", "items": label_enum}, "只保留这些节点类型（逗号分隔）",
                           style="form")],
            errors=("400", "404"))},
        "/api/v1/stats": {"get": _op("stats.counts", Permission.STATS_READ, "统计", "各类节点与关系数量",
                                     _json(_ref("Counts"), "数量"), errors=())},
        "/api/v1/stats/demands": {"get": _op(
            "stats.demands_by_field_and_region", Permission.STATS_READ, "统计", "需求按技术领域×地区分布",
            _json(_ref("DemandMatrix"), "按顶层领域与省份汇总；一条需求涉及多个顶层领域时分别计入"), errors=())},
        "/api/v1/audit": {"get": _op("audit.audit_log", Permission.AUDIT_READ, "审计", "审计日志（最新在前）",
                                     _json(_page_of(_ref("AuditEvent")), "审计事件分页列表"), params=paging)},
        "/api/v1/openapi.json": {"get": _op("docs.openapi_json", Permission.DOCS_READ, "文档", "本 OpenAPI 文档",
                                            _json({"type": "object"}, "OpenAPI 3.1 文档"), errors=())},
    }


def build_openapi(config: Mapping[str, Any]) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for an app with ``config``."""
    from api.openapi_reports import REPORT_TAG, report_schemas
    from api.openapi_workflow import WORKFLOW_TAGS, workflow_schemas, workflow_webhooks

    return {
        "openapi": "3.1.0",
        "info": {"title": "kgmatch API", "version": API_VERSION,
                 "description": "企业技术需求与科技人才精准对接：需求、推荐、专家/机构/企业、图谱与统计。"
                                "认证：请求头 X-API-Key（门户系统）或登录会话 Cookie（页面）。"
                                "错误统一为 {ok: false, error, errors, status}，信息为中文。"},
        "servers": [{"url": "/"}],
        "security": [{"ApiKey": []}, {"Session": []}],
        "tags": [{"name": n} for n in ("运行状态", "需求", "推荐", "实体", "图谱", "统计", "审计", "文档",
                                       *WORKFLOW_TAGS, REPORT_TAG)],
        "paths": operations(config),
        "webhooks": workflow_webhooks(),
        "components": {
            "schemas": {**_schemas(), **workflow_schemas(), **report_schemas()},
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                           "description": "kgmatch user add-key 生成，形如 kgm_<8 位十六进制>_<密钥>"},
                "Session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "POST /login 登录后的会话"},
            },
        },
    }
