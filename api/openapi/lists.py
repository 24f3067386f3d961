"""OpenAPI operations of the list uploads (issue 16, :mod:`api.json.lists`): activity and platform lists."""

from __future__ import annotations

from typing import Any

from api.auth import Permission
from api.openapi.schema import INT, STR, json_content, obj, operation, schema_ref
from workflow.list_import import LIST_KINDS, UPLOAD_SUFFIXES

__all__ = ["LISTS_TAG", "list_operations", "list_schemas"]

LISTS_TAG = "清单导入"


def list_schemas() -> dict[str, Any]:
    """``ListImport``: what an upload wrote."""
    return {"ListImport": obj({
        "ok": {"type": "boolean", "const": True}, "kind": {"type": "string", "enum": list(LIST_KINDS)},
        "message": STR, "rows": {**INT, "minimum": 0, "description": "导入（或未变化）的行数"},
        "errors": {"type": "array", "maxItems": 0, "description": "成功时为空；有误的行以 400 返回"}})}


def _upload(endpoint: str, permission: Permission, kind: str, columns: str) -> dict[str, Any]:
    op = operation(endpoint, permission, LISTS_TAG, f"上传{LIST_KINDS[kind]}",
                   json_content(schema_ref("ListImport"), "已导入"),
                   description=(f"multipart/form-data，字段 file：{'、'.join(UPLOAD_SUFFIXES)} 文件，中英文列名（{columns}）。"
                                "全部行校验通过才写入；任何一行有误则整个文件不写入，400 的 errors 逐行列出"
                                "「第 N 行「列名」原因」。重复上传同一文件不会重复写入。请求体上限为 KGMATCH_MAX_REQUEST_BYTES（超过为 413）。"))
    op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": obj(
        {"file": {"type": "string", "format": "binary", "description": "清单文件"}})}}}
    return op


def list_operations() -> dict[str, Any]:
    """``POST /api/v1/activities/import`` and ``POST /api/v1/platforms/import``."""
    return {
        "/api/v1/activities/import": {"post": _upload(
            "lists.import_activities", Permission.ACTIVITY_MANAGE, "activity",
            "同 kgmatch activity import：活动名称、活动类型、开始日期……见 README「活动清单」")},
        "/api/v1/platforms/import": {"post": _upload(
            "lists.import_platforms", Permission.DEMAND_WRITE, "platform",
            "同 kgmatch load --kind platform：平台名称、平台类型、服务内容……见 README「服务平台与基地清单」")},
    }
