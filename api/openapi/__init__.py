"""The OpenAPI 3.1 document of the JSON API (:func:`build_openapi`), built from public schema builders."""

from __future__ import annotations

from api.openapi.document import build_openapi, rule_to_path

__all__ = ["build_openapi", "rule_to_path"]
