"""The workflow part of the OpenAPI document (pushes, inbox, dispatches, services, challenges,
vouchers, feedback, deliveries, reports), merged into :func:`api.openapi.build_openapi`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["WORKFLOW_TAGS", "workflow_operations", "workflow_schemas"]

WORKFLOW_TAGS: tuple[str, ...] = ()


def workflow_operations(config: Mapping[str, Any], paging: list[dict[str, Any]]) -> dict[str, Any]:
    """Path → method → operation for the workflow endpoints."""
    return {}


def workflow_schemas() -> dict[str, Any]:
    """Component schemas of the workflow endpoints."""
    return {}
