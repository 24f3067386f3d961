"""Issue 14, sign-in and sessions: no open redirect, logout ends the session, a fair sign-in throttle."""

from __future__ import annotations

import re

import pytest

from api.throttle import LoginThrottle


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, name, password, next_url="", **kwargs):
    return client.post("/login", data={"username": name, "password": password, "csrf_token": _csrf(client),
                                       "next": next_url}, **kwargs)


@pytest.mark.parametrize("target", ["/\t/evil.example/phish", "/\n/evil.example", "/\r/evil.example",
                                    "/\\evil.example", "/ /evil.example", "/\x0b/evil"])
def test_login_next_with_control_characters_or_backslash_stays_on_site(app, client, target):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    response = _login(client, "zhou", "correct horse", target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_local_path_is_kept(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    response = _login(client, "zhou", "correct horse", "/api/docs?x=1")
    assert response.headers["Location"] == "/api/docs?x=1"


def test_logout_revokes_the_old_session_cookie(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    _login(client, "zhou", "correct horse")
    assert client.get("/api/v1/me").status_code == 200
    stolen = client.get_cookie("session").value  # an attacker's copy of the cookie
    client.post("/logout", data={"csrf_token": _csrf(client)})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/v1/me").status_code == 401


def test_logout_revocation_survives_a_restart(app, client, local_store, tmp_path):
    from test_api import build_app

    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    _login(client, "zhou", "correct horse")
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": _csrf(client)})
    again = build_app(local_store, tmp_path / "data")  # same data directory and secret
    thief = again.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/v1/me").status_code == 401


def test_other_sessions_of_the_user_stay_valid_after_one_logs_out(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    other = app.test_client()
    _login(client, "zhou", "correct horse")
    _login(other, "zhou", "correct horse")
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert other.get("/api/v1/me").status_code == 200


# -- throttle: per account and address, trusted proxy ------------------------------------------------


def test_a_stranger_cannot_lock_a_named_account_for_its_owner():
    throttle = LoginThrottle(max_per_user=5)
    for _ in range(10):
        throttle.failed("zhou", "203.0.113.9")
    assert throttle.locked_for("zhou", "203.0.113.9") > 0  # the attacker is locked out
    assert throttle.locked_for("zhou", "198.51.100.7") == 0  # the owner, elsewhere, is not


def test_an_account_is_still_locked_against_a_distributed_guess():
    throttle = LoginThrottle(max_per_user=5, max_per_account=50)
    for n in range(50):
        throttle.failed("zhou", f"203.0.113.{n}")
    assert throttle.locked_for("zhou", "198.51.100.7") > 0


def test_the_throttle_sees_the_client_behind_a_trusted_proxy(local_store, tmp_path):
    from test_api import build_app

    app = build_app(local_store, tmp_path / "data", KGMATCH_TRUSTED_PROXIES=1)
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    client = app.test_client()
    for _ in range(5):
        _login(client, "zhou", "wrong", headers={"X-Forwarded-For": "203.0.113.9"})
    locked = _login(client, "zhou", "correct horse", headers={"X-Forwarded-For": "203.0.113.9"})
    assert locked.status_code == 429
    owner = _login(client, "zhou", "correct horse", headers={"X-Forwarded-For": "198.51.100.7"})
    assert owner.status_code == 302


def test_without_a_trusted_proxy_forwarded_for_is_ignored(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    for n in range(5):  # a client cannot dodge its lock by inventing addresses
        _login(client, "zhou", "wrong", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert _login(client, "zhou", "correct horse", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
