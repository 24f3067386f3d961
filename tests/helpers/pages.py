"""Helpers shared by the page tests of the workflow and service areas (tests/test_pages_workflow.py,
test_pages_challenges.py, test_pages_services.py and test_pages_reports.py).

Forms are posted as a browser does, with the session's CSRF token; what a page says back (flashes,
alerts, field errors) is read as unescaped text. The fixtures these files share (``hostile_app``,
``officer``, ``analyst``) are in tests/conftest.py.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from test_pages import csrf_of
from werkzeug.test import TestResponse

from graph import clock
from graph.model import Label
from graph.store import GraphStore, Node
from workflow.dispatch import record_service

__all__ = [
    "END", "FAR_DEADLINE", "START", "TODAY", "add_service", "alerts", "field_errors", "flashes",
    "move_challenge", "nodes_of", "post_form", "publish_challenge", "status_of", "store_of",
]

FAR_DEADLINE = "2099-12-31"
"""A 揭榜 deadline that never passes."""

TODAY = clock.today()
START, END = (TODAY - timedelta(days=30)).isoformat(), (TODAY + timedelta(days=30)).isoformat()
"""A dispatch period around today."""


def store_of(app: Flask) -> GraphStore:
    """The store the app reads and writes."""
    return app.extensions["kgmatch"].store()


def nodes_of(app: Flask, label: Label) -> list[Node]:
    """Every node of ``label`` in the app's store (up to 1000)."""
    return store_of(app).list_nodes(label, limit=1000)


def status_of(app: Flask, label: Label, node_id: str) -> str:
    """The stored status of a node."""
    return store_of(app).get_node(label, node_id).props["status"]


def post_form(client: FlaskClient, url: str, data: dict, *, page: str = "/pushes",
              follow: bool = True) -> TestResponse:
    """Post ``data`` to ``url`` with the CSRF token of ``page``, following the redirect unless told not to."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def _text(page: TestResponse | str) -> str:
    return page if isinstance(page, str) else page.get_data(as_text=True)


def flashes(page: TestResponse | str) -> list[str]:
    """The success messages of a page (a response or its HTML)."""
    return [htmllib.unescape(t) for t in re.findall(r'<p class="flash success" role="status">([^<]+)</p>', _text(page))]


def alerts(page: TestResponse | str) -> list[str]:
    """The alerts (refusals not tied to one input) of a page."""
    return [htmllib.unescape(t) for t in re.findall(r'<p class="alert" role="alert">([^<]+)</p>', _text(page))]


def field_errors(page: TestResponse | str, name: str) -> list[str]:
    """The errors shown next to the input ``name``."""
    return [htmllib.unescape(t) for t in
            re.findall(rf'<p class="field-error" id="{name}-error">([^<]+)</p>', _text(page))]


def publish_challenge(client: FlaskClient, demand_id: str = "d:1", **data: str) -> TestResponse:
    """Publish a demand as a 揭榜 challenge from the demand page (``data`` overrides the form)."""
    form = {"demand_id": demand_id, "conditions": "涂布缺陷识别准确率 ≥ 99%", "deadline": FAR_DEADLINE,
            "reward_wan": "80", **data}
    return post_form(client, "/challenges", form, page=f"/demands/{demand_id}")


def move_challenge(client: FlaskClient, status: str, reason: str = "", challenge_id: str = "ch:d:1") -> TestResponse:
    """Move a challenge to ``status`` from its page."""
    return post_form(client, "/challenges/status", {"challenge_id": challenge_id, "status": status, "reason": reason},
                     page=f"/challenges/{challenge_id}")


def add_service(app: Flask, dispatch_id: str, **kwargs: object) -> Node:
    """Record a 4-hour 科技咨询 service of today on ``dispatch_id`` (``kwargs`` override)."""
    args = {"date": TODAY.isoformat(), "hours": 4, "service_type": "科技咨询", "content": "现场诊断涂布工艺",
            "actor": "setup", **kwargs}
    return record_service(store_of(app), dispatch_id, **args)
