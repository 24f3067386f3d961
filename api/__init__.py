"""The interfaces, each in its own room: ``json/`` (the JSON API), ``pages/`` (the Chinese pages), ``openapi/``,
``cli/`` (the ``kgmatch`` command), and the Flask app factory ``api.app.create_app`` (see docs/ARCHITECTURE.md).

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
