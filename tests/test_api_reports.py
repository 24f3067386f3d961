"""The report endpoints refuse bad filters in Chinese, naming the field, and keep to the role rules."""

from __future__ import annotations

import pytest
from test_api import key_for

from api.auth import Role


@pytest.mark.parametrize(("query", "field", "text"), [
    ({"start": "2026-13-01"}, "start", "YYYY-MM-DD"),
    ({"start": "2026-11-02", "end": "2026-11-01"}, "end", "早于"),
    ({"region": "火星"}, "region", "火星"),
    ({"when": "today"}, "when", ""),
])
def test_bad_filters_are_400_with_the_field_named(client, app, query, field, text):
    response = client.get("/api/v1/reports/summary", headers=key_for(app, Role.ANALYST), query_string=query)
    body = response.get_json()
    assert response.status_code == 400 and body["errors"][0]["field"] == field
    assert text in body["error"]


def test_unknown_report_kind_and_the_portal_are_refused(client, app):
    unknown = client.get("/api/v1/reports/everything", headers=key_for(app, Role.OFFICER))
    assert unknown.status_code == 400
    assert client.get("/api/v1/reports/summary", headers=key_for(app, Role.PORTAL)).status_code == 403


def test_an_empty_programme_reports_zeros_not_errors(client, app):
    summary = client.get("/api/v1/reports/summary", headers=key_for(app, Role.OFFICER)).get_json()
    assert (summary["pushed"], summary["services"], summary["rating_mean"]) == (0, 0, None)
    table = client.get("/api/v1/reports/services", headers=key_for(app, Role.OFFICER)).get_json()
    assert table["rows"] == [] and table["columns"][0] == {"key": "date", "title": "服务日期"}
