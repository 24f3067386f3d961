"""Public builders of OpenAPI 3.1 schemas and operations, shared by every part of the document.

:mod:`api.openapi.document` (core endpoints), :mod:`api.openapi.workflow` and
:mod:`api.openapi.reports` build their parts from these; none imports another's private helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.auth import AUTHENTICATED, PERMISSION_HELP, PUBLIC, Permission

__all__ = ["REF", "STR", "INT", "NUM", "BOOL", "STRS", "SCALAR", "schema_ref", "obj", "nullable", "page_of",
           "parameter", "json_content", "operation"]

REF = "#/components/schemas/"


def schema_ref(name: str) -> dict[str, str]:
    """A reference to a component schema.

    >>> schema_ref("Error")
    {'$ref': '#/components/schemas/Error'}
    """
    return {"$ref": REF + name}


def obj(props: Mapping[str, Any], required: list[str] | None = None, *, extra: bool = False) -> dict[str, Any]:
    """An object schema with ``props`` (all required unless ``required`` says otherwise), closed unless ``extra``."""
    return {"type": "object", "properties": dict(props), "required": list(props) if required is None else required,
            "additionalProperties": extra}


def nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` or ``null``.

    >>> nullable({"type": "string"})
    {'type': ['string', 'null']}
    """
    if "$ref" in schema:
        return {"oneOf": [dict(schema), {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
STRS = {"type": "array", "items": STR}
SCALAR = {"type": ["string", "number", "integer", "boolean"]}


def page_of(item: dict[str, Any]) -> dict[str, Any]:
    """A page of ``item`` objects: ``items``, ``page``, ``per_page``, ``total``."""
    return obj({"items": {"type": "array", "items": item}, "page": {"type": "integer", "minimum": 1},
                 "per_page": {"type": "integer", "minimum": 1}, "total": {"type": "integer", "minimum": 0}})


def parameter(name: str, where: str, schema: dict[str, Any], description: str, *, required: bool = False,
              style: str | None = None) -> dict[str, Any]:
    """One parameter ``name`` in ``where`` (``query`` or ``path``; path parameters are always required)."""
    param = {"name": name, "in": where, "required": required or where == "path", "schema": schema,
             "description": description}
    if style:
        param.update(style=style, explode=False)
    return param


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response (or body) described by ``description`` whose JSON follows ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(endpoint: str, permission: Any, tag: str, summary: str, ok: dict[str, Any], *, status: str = "200",
              params: list[dict[str, Any]] | None = None, body: dict[str, Any] | None = None,
              errors: tuple[str, ...] = ("400",), description: str = "") -> dict[str, Any]:
    """An operation served by Flask ``endpoint`` under ``permission``: its ``ok`` response, the listed
    ``errors``, 401/403 as the permission implies, and the shared error shape for everything else."""
    responses = {status: ok}
    error = json_content(schema_ref("Error"), "错误（统一格式）")
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
