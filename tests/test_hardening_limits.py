"""Issue 14 item 8: a per-caller rate limit (429, Chinese, Retry-After) and a time budget for
recommendations (503, Chinese, Retry-After) so no single request can take 20 s."""

from __future__ import annotations

import threading

from test_api import build_app, key_for, world

from api.auth import Role
from api.limits import RateLimiter


def test_the_rate_limit_answers_429_in_chinese_with_retry_after(local_store, tmp_path):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data", KGMATCH_RATE_LIMIT=3)
    client = app.test_client()
    portal, analyst = key_for(app, Role.PORTAL), key_for(app, Role.ANALYST)
    assert [client.get("/api/v1/demands", headers=portal).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/demands", headers=portal)
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.get_json()["error"] and int(refused.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/demands", headers=analyst).status_code == 200  # another caller is not affected
    assert client.get("/api/v1/health").status_code == 200  # the probe is not counted


def test_the_bucket_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.take("k") == 0 for _ in range(60))
    assert limiter.take("k") == 1.0  # one token a second
    now[0] += 1.0
    assert limiter.take("k") == 0


def test_a_recommendation_over_its_budget_is_a_clear_503(local_store, tmp_path, monkeypatch):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data", KGMATCH_RECOMMEND_BUDGET=0.2)
    release = threading.Event()

    def slow(*args, **kwargs):
        release.wait(5)
        raise AssertionError("the result of an abandoned computation must not be used")

    monkeypatch.setattr("api.json.recommendations.recommend_for_text", slow)
    monkeypatch.setattr("api.json.recommendations.recommendation_for_demand", slow)
    client = app.test_client()
    headers = key_for(app, Role.OFFICER)
    try:
        for response in (client.post("/api/v1/recommendations", json={"text": "高镍正极材料涂布缺陷检测"}, headers=headers),
                         client.get("/api/v1/demands/d:1/recommendations", headers=headers)):
            assert response.status_code == 503
            assert "时间预算" in response.get_json()["error"] and response.headers["Retry-After"] == "1"
    finally:
        release.set()


def test_a_recommendation_within_its_budget_is_answered(app, client):
    response = client.get("/api/v1/demands/d:1/recommendations", headers=key_for(app, Role.OFFICER))
    assert response.status_code == 200 and response.get_json()["experts"]
