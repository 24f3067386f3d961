"""The API's own documentation: ``/api/v1/openapi.json`` and the offline page ``/api/docs``.

The page is rendered on the server from the same document (no Swagger UI, no CDN:
government intranets are often offline); its stylesheet is ``static/api_docs.css``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template

from api.auth import Permission, requires
from api.openapi import build_openapi
from api.validation import check_params

__all__ = ["bp", "doc_sections"]

bp = Blueprint("docs", __name__)

_METHODS = ("get", "post", "put", "patch", "delete")


def _schema_text(schema: dict[str, Any]) -> str:
    """A short human reading of a schema: ``Demand``, ``integer ≤ 100``, ``string[]`` …"""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["oneOf"])
    kind = schema.get("type", "object")
    text = " | ".join(kind) if isinstance(kind, list) else kind
    if kind == "array" and "items" in schema:
        text = _schema_text(schema["items"]) + "[]"
    if "enum" in schema:
        text += "：" + " / ".join(str(v) for v in schema["enum"])
    if "maximum" in schema:
        text += f" ≤ {schema['maximum']}"
    return text


def doc_sections(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Operations grouped by tag, in the document's tag order, ready for the template."""
    sections: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in document.get("tags", [])}
    for path, item in document["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            sections.setdefault(op["tags"][0], []).append({
                "method": method.upper(), "path": path, "id": op["operationId"], "summary": op["summary"],
                "description": op.get("description", ""), "permission": op.get("x-permission", ""),
                "params": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                            "type": _schema_text(p["schema"]), "description": p.get("description", "")}
                           for p in op.get("parameters", [])],
                "body": _schema_text(body) if body else None,
                "responses": [{"code": code, "description": r["description"],
                               "type": _schema_text(r.get("content", {}).get("application/json", {}).get("schema", {}))
                               if r.get("content") else ""} for code, r in op["responses"].items()],
            })
    return [{"tag": tag, "operations": ops} for tag, ops in sections.items() if ops]


def _schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, schema in document["components"]["schemas"].items():
        required = set(schema.get("required", []))
        fields = [{"name": k, "type": _schema_text(v), "required": k in required, "description": v.get("description", "")}
                  for k, v in schema.get("properties", {}).items()]
        out.append({"name": name, "type": _schema_text(schema), "fields": fields,
                    "description": schema.get("description", "")})
    return out


@bp.get("/api/v1/openapi.json")
@requires(Permission.DOCS_READ)
def openapi_json() -> Any:
    """The OpenAPI 3.1 document."""
    check_params(())
    return jsonify(build_openapi(current_app.config))


@bp.get("/api/docs")
@requires(Permission.DOCS_READ)
def api_docs() -> Any:
    """The API documentation page, rendered from the OpenAPI document."""
    document = build_openapi(current_app.config)
    return render_template("api_docs.html", info=document["info"], sections=doc_sections(document),
                           schemas=_schemas(document))
