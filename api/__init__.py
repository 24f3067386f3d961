"""The interfaces: the ``kgmatch`` CLI and the Flask app (``api.app.create_app``).

``create_app`` is imported lazily so that the CLI does not load Flask for every command.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
