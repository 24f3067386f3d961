"""Users, API keys, login sessions, contact masking with its audit trail, and the CLI commands."""

from __future__ import annotations

import json
import re
import threading
import urllib.request

import click
import pytest
import waitress
from click.testing import CliRunner
from test_api import key_for

from api.auth import Role, UserStore
from api.cli.common import Ctx
from api.cli.serve import serve, user
from graph.errors import ConflictError, NotFoundError, ValidationError


def _audit_lines(app) -> list[dict]:
    path = app.extensions["kgmatch"].audit.path
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# -- users file ------------------------------------------------------------------------------------


def test_users_file_keeps_only_hashes_and_is_private(tmp_path):
    users = UserStore(tmp_path / "users.json")
    users.add_user("zhou", "officer", "correct horse")
    key = users.add_key("portal", "portal")
    text = (tmp_path / "users.json").read_text(encoding="utf-8")
    assert "correct horse" not in text and key not in text and key.split("_", 2)[2] not in text  # the secret may itself contain "_"
    assert json.loads(text)["users"]["zhou"]["password_hash"].startswith("scrypt:")
    assert (tmp_path / "users.json").stat().st_mode & 0o777 == 0o600
    assert users.check_password("zhou", "correct horse").role is Role.OFFICER
    assert users.check_password("zhou", "wrong horse!") is None and users.check_password("nobody", "x") is None
    assert users.check_key(key).name == "portal" and users.check_key(key[:-1] + ("B" if key.endswith("A") else "A")) is None
    assert users.check_key("not-a-key") is None


def test_users_file_refuses_bad_input_and_duplicates(tmp_path):
    users = UserStore(tmp_path / "users.json")
    with pytest.raises(ValidationError, match="未知的角色「boss」"):
        users.add_user("a", "boss", "long enough")
    with pytest.raises(ValidationError, match="至少 8 个字符"):
        users.add_user("a", "analyst", "short")
    users.add_user("a", "analyst", "long enough")
    with pytest.raises(ConflictError):
        users.add_user("a", "admin", "long enough")
    users.add_user("a", "admin", "long enough 2", replace=True)
    assert users.check_password("a", "long enough 2").role is Role.ADMIN
    first = users.add_key("portal", "portal")
    second = users.add_key("portal", "portal", replace=True)
    assert users.check_key(first) is None and users.check_key(second) is not None
    assert users.remove("portal") == 1
    with pytest.raises(NotFoundError):
        users.remove("portal")


def test_a_revoked_key_stops_working_without_a_restart(app, client):
    headers = key_for(app, Role.PORTAL)
    assert client.get("/api/v1/demands", headers=headers).status_code == 200
    app.extensions["kgmatch"].users.remove("test-portal")
    assert client.get("/api/v1/demands", headers=headers).status_code == 401


# -- login sessions --------------------------------------------------------------------------------


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, name, password, next_url=""):
    return client.post("/login", data={"username": name, "password": password, "csrf_token": _csrf(client),
                                       "next": next_url})


def test_login_starts_a_session_for_the_pages_and_the_api(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    response = client.get("/api/docs")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/api/docs"
    failed = _login(client, "zhou", "wrong horse")
    assert failed.status_code == 401 and "用户名或密码不正确" in failed.get_data(as_text=True)
    response = _login(client, "zhou", "correct horse", "/api/docs")
    assert response.status_code == 302 and response.headers["Location"] == "/api/docs"
    assert client.get("/api/docs").status_code == 200
    me = client.get("/api/v1/me").get_json()
    assert (me["name"], me["role"], me["kind"]) == ("zhou", "analyst", "user")
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert client.get("/api/v1/me").status_code == 401


def test_login_needs_the_forms_csrf_token(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    response = client.post("/login", data={"username": "zhou", "password": "correct horse"})
    assert response.status_code == 403 and "表单已过期" in response.get_data(as_text=True)


def test_login_never_redirects_off_site(app, client):
    app.extensions["kgmatch"].users.add_user("zhou", "analyst", "correct horse")
    response = _login(client, "zhou", "correct horse", "//evil.example/x")
    assert response.headers["Location"] == "/"


def test_changing_the_password_or_role_applies_to_open_sessions(app, client):
    users = app.extensions["kgmatch"].users
    users.add_user("zhou", "analyst", "correct horse")
    _login(client, "zhou", "correct horse")
    assert client.get("/api/v1/graph/Expert/e:li").status_code == 200
    users.add_user("zhou", "portal", "correct horse", replace=True)  # new hash: the session ends
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_escapes_what_it_echoes(client):
    page = client.get("/login?next=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


# -- masking and audit ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ANALYST, Role.PORTAL])
def test_contacts_are_masked_for_roles_without_contact_read(app, client, role):
    headers = key_for(app, role)
    expert = client.get("/api/v1/experts/e:li", headers=headers).get_json()
    assert (expert["props"]["phone"], expert["props"]["email"], expert["masked"]) == (
        "138****0001", "l***@zju.edu.cn", True)
    demand = client.get("/api/v1/demands/d:1", headers=headers).get_json()
    assert demand["phone"] == "139****0002"
    assert _audit_lines(app) == []


def test_officers_see_contacts_and_every_view_is_audited(app, client):
    headers = key_for(app, Role.OFFICER)
    expert = client.get("/api/v1/experts/e:li", headers=headers).get_json()
    assert (expert["props"]["phone"], expert["masked"]) == ("13800000001", False)
    client.get("/api/v1/demands?status=待对接", headers=headers)
    client.get("/api/v1/graph/Expert/e:li", headers=headers)
    client.get("/api/v1/experts/e:wang", headers=headers)  # no contact details: nothing to audit
    events = _audit_lines(app)
    assert [(e["label"], e["id"], e["path"]) for e in events] == [
        ("Expert", "e:li", "/api/v1/experts/e:li"), ("Demand", "d:1", "/api/v1/demands"),
        ("Expert", "e:li", "/api/v1/graph/Expert/e:li")]
    assert events[0]["actor"] == "test-officer" and events[0]["role"] == "officer"
    assert events[0]["fields"] == ["phone", "email"] and events[0]["action"] == "contact.view"
    assert events[0]["time"].endswith("+00:00")


def test_admins_read_the_audit_log_newest_first(app, client):
    client.get("/api/v1/experts/e:li", headers=key_for(app, Role.OFFICER))
    client.get("/api/v1/enterprises/ent:1", headers=key_for(app, Role.OFFICER))
    body = client.get("/api/v1/audit?per_page=1", headers=key_for(app, Role.ADMIN)).get_json()
    assert body["total"] == 2 and [e["id"] for e in body["items"]] == ["ent:1"]
    assert client.get("/api/v1/audit", headers=key_for(app, Role.OFFICER)).status_code == 403


# -- CLI ------------------------------------------------------------------------------------------


def _cli(data_dir) -> click.Group:
    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.obj = Ctx("local", str(data_dir))
        ctx.call_on_close(ctx.obj.close)

    cli.add_command(user)
    cli.add_command(serve)
    return cli


def test_cli_user_commands_manage_the_servers_users_file(tmp_path):
    runner, cli = CliRunner(), _cli(tmp_path)
    result = runner.invoke(cli, ["user", "add", "zhou", "--role", "officer", "--password-stdin"],
                           input="correct horse\n")
    assert result.exit_code == 0 and "已添加用户 zhou（officer）" in result.output
    result = runner.invoke(cli, ["user", "add-key", "portal", "--role", "portal"])
    key = result.stdout.splitlines()[0]
    users = UserStore(tmp_path / "users.json")
    assert users.check_key(key).role is Role.PORTAL and users.check_password("zhou", "correct horse")
    listed = runner.invoke(cli, ["user", "list"]).output
    assert "zhou\tuser\tofficer" in listed and key not in listed
    again = runner.invoke(cli, ["user", "add", "zhou", "--role", "admin", "--password-stdin"], input="x" * 9 + "\n")
    assert again.exit_code == 1 and "用户「zhou」已存在" in again.output
    bad = runner.invoke(cli, ["user", "add", "li", "--role", "boss", "--password-stdin"], input="long enough\n")
    assert bad.exit_code == 2
    assert runner.invoke(cli, ["user", "remove", "portal"]).exit_code == 0
    assert users.check_key(key) is None


def test_cli_serve_warms_up_then_serves_with_waitress(tmp_path, monkeypatch):
    served = {}

    def fake_serve(app, **kwargs):
        served.update(kwargs, app=app)

    monkeypatch.setattr(waitress, "serve", fake_serve)
    result = CliRunner().invoke(_cli(tmp_path), ["serve", "--port", "5055", "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"], served["threads"]) == ("127.0.0.1", 5055, 2)
    assert served["app"].extensions["kgmatch"].backend == "local"


def test_the_app_answers_over_http_under_waitress(app):
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}/api/v1/health"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200 and json.loads(response.read())["reachable"] is True
    finally:
        # Closed from the server's own loop thread (a thunk of its trigger): closing its sockets from here while
        # its select() waits on them is a race (EBADF in the loop thread, seen once in 1,600 tests).
        def close_all() -> None:
            for channel in list(server._map.values()):
                if channel is not server and channel is not server.trigger:
                    channel.close()
            server.close()  # the listening socket and the trigger: the loop ends with an empty map

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        assert not thread.is_alive()
