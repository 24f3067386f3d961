"""The webhook dispatcher: outbox deliveries reach a real HTTP receiver exactly once, on both stores.

The receiver is a real ``http.server`` on 127.0.0.1; the portal being down is a closed port.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click
import pytest
import waitress
from click.testing import CliRunner

from api.cli.common import Ctx
from api.cli.serve import serve
from api.cli.webhook import webhook
from graph.errors import ConflictError, ValidationError
from graph.local_store import LocalStore
from graph.model import Label
from graph.store import Batch, NodeRef
from workflow.common import BEIJING, iso, parse_time
from workflow.outbox import DELIVERED, PENDING, add_delivery
from workflow.webhook import (
    LOG_KEEP,
    Dispatcher,
    WebhookConfig,
    deliver_due,
    delivery_summary,
    list_deliveries,
    retry_now,
)

T0 = datetime(2026, 11, 27, 17, 30, tzinfo=BEIJING)
SECRET = "门户-secret"


# -- a real receiver -----------------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers ``status``."""

    def __init__(self, port: int = 0, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.release = threading.Event()  # set: handlers that were told to hang may answer
        self.hang = False
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append((dict(self.headers.items()), body))
                if owner.hang:
                    owner.release.wait(10)
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/kgmatch"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def ids(self) -> list[str]:
        return [headers["X-Kgmatch-Delivery"] for headers, _ in self.requests]

    def close(self) -> None:
        """Stop answering: afterwards the port refuses connections."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _push(store, n: int = 1, now: datetime = T0) -> list[str]:
    """``n`` pushes, each written with its ``push.created`` delivery in one batch; the delivery ids."""
    ids = []
    for i in range(n):
        batch = Batch().add_nodes(Label.PUSH, [{"id": f"push:{i}", "status": "待回复", "created_at": iso(now),
                                                "version": 1}])
        ids.append(add_delivery(batch, "push.created", {"push_id": f"push:{i}", "expert": "张伟"},
                                NodeRef(Label.PUSH, f"push:{i}"), now + timedelta(seconds=i)))
        store.write(batch)
    return ids


def _delivery(store, delivery_id: str) -> dict:
    return dict(store.get_node(Label.DELIVERY, delivery_id).props)


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


# -- the acceptance test -------------------------------------------------------------------------


def test_a_delivery_survives_the_portal_being_down_and_arrives_exactly_once_signed(store):
    first = Receiver()
    port = first.port
    first.close()  # the portal is down: its port refuses connections
    [dl] = _push(store)
    config = WebhookConfig(url=first.url, secret=SECRET)

    run = deliver_due(store, config, now=T0)
    assert run.as_dict() == {"attempted": 1, "delivered": 0, "failed": 1, "skipped": 0}
    failed = _delivery(store, dl)
    assert failed["status"] == PENDING and failed["attempts"] == 1 and "claimed_until" not in failed
    assert failed["last_error"].startswith("连接失败") and "refused" in failed["last_error"].lower()
    assert failed["next_attempt_at"] == iso(T0 + timedelta(seconds=30))
    assert failed["log"] == [f"{iso(T0)} {failed['last_error']}"]
    assert [n.id for n in list_deliveries(store, PENDING).nodes] == [dl]
    assert delivery_summary(store).as_dict() == {"counts": {PENDING: 1, DELIVERED: 0},
                                                 "oldest_pending_at": iso(T0)}

    later = T0 + timedelta(seconds=31)
    portal = Receiver(port=port)  # the portal is back, on the same port
    try:
        assert deliver_due(store, config, now=later).delivered == 1
        done = _delivery(store, dl)
        assert done["status"] == DELIVERED and done["delivered_at"] == iso(later) and done["attempts"] == 2
        assert done["response_status"] == 200 and done["log"][-1] == f"{iso(later)} HTTP 200"
        assert deliver_due(store, config, now=later).attempted == 0
        assert deliver_due(store, config, now=later + timedelta(days=1)).attempted == 0
    finally:
        portal.close()

    assert portal.ids() == [dl]
    headers, body = portal.requests[0]
    assert headers["X-Kgmatch-Event"] == "push.created"
    assert headers["Content-Type"].startswith("application/json")
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Kgmatch-Signature"], expected)
    sent = json.loads(body.decode("utf-8"))
    assert sent == json.loads(failed["payload"])
    assert sent["id"] == dl and sent["event"] == "push.created" and sent["data"]["expert"] == "张伟"
    assert [n.id for n in list_deliveries(store, DELIVERED).nodes] == [dl]
    assert list_deliveries(store, PENDING).total == 0


# -- failures, backoff and retry -----------------------------------------------------------------


def test_a_503_keeps_it_pending_with_doubling_capped_backoff(store, receiver):
    receiver.status = 503
    [dl] = _push(store)
    config = WebhookConfig(url=receiver.url, backoff_base=30, backoff_max=100)
    now, waits = T0, []
    for _ in range(4):
        assert deliver_due(store, config, now=now).failed == 1
        row = _delivery(store, dl)
        waits.append((parse_time(row["next_attempt_at"]) - now).total_seconds())
        assert deliver_due(store, config, now=parse_time(row["next_attempt_at"]) - timedelta(seconds=1)).attempted == 0
        now = parse_time(row["next_attempt_at"])
    assert waits == [30, 60, 100, 100]
    row = _delivery(store, dl)
    assert row["status"] == PENDING and row["attempts"] == 4 and row["last_error"] == "HTTP 503"
    assert row["response_status"] == 503 and len(row["log"]) == 4 and len(receiver.requests) == 4
    assert "X-Kgmatch-Signature" not in receiver.requests[0][0]  # no secret, no signature


def test_retry_now_makes_a_pending_delivery_due_and_refuses_a_delivered_one_in_chinese(store, receiver):
    receiver.status = 500
    [dl] = _push(store)
    config = WebhookConfig(url=receiver.url)
    deliver_due(store, config, now=T0)
    assert deliver_due(store, config, now=T0 + timedelta(seconds=5)).attempted == 0
    receiver.status = 204
    retried = retry_now(store, dl, T0 + timedelta(seconds=5))
    assert retried.props["next_attempt_at"] == iso(T0 + timedelta(seconds=5))
    assert deliver_due(store, config, now=T0 + timedelta(seconds=5)).delivered == 1
    with pytest.raises(ConflictError, match="已投递，无需重发"):
        retry_now(store, dl, T0 + timedelta(seconds=6))
    assert receiver.ids() == [dl, dl]


def test_a_timeout_is_a_failure_named_in_chinese(store, receiver):
    receiver.hang = True
    [dl] = _push(store)
    run = deliver_due(store, WebhookConfig(url=receiver.url, timeout=0.3), now=T0)
    receiver.release.set()
    assert run.failed == 1
    assert _delivery(store, dl)["last_error"] == "超时：0.3 秒内没有响应"


def test_one_bad_delivery_does_not_stop_the_others_and_the_log_keeps_the_last_twenty(store):
    ids = _push(store, 2)
    calls = []

    def send(url, body, headers, timeout):
        calls.append(headers["X-Kgmatch-Delivery"])
        if headers["X-Kgmatch-Delivery"] == ids[0]:
            raise ValueError("boom")  # not even an OSError: still only that delivery's failure
        return 503

    config = WebhookConfig(url="https://portal.example/hook", backoff_base=1, backoff_max=1)
    for i in range(LOG_KEEP + 2):
        run = deliver_due(store, config, now=T0 + timedelta(seconds=1 + 2 * i), send=send)
        assert (run.attempted, run.failed) == (2, 2)
    first, second = _delivery(store, ids[0]), _delivery(store, ids[1])
    assert first["last_error"] == "发送失败：ValueError: boom" and first["attempts"] == LOG_KEEP + 2
    assert len(first["log"]) == LOG_KEEP and first["log"][-1].startswith(iso(T0 + timedelta(seconds=2 * LOG_KEEP + 3)))
    assert second["last_error"] == "HTTP 503" and calls[:2] == ids  # oldest first


def test_a_delivery_claimed_by_another_dispatcher_is_skipped_until_its_lease_ends(store, receiver):
    [dl] = _push(store)
    config = WebhookConfig(url=receiver.url, lease=60)
    current = store.get_node(Label.DELIVERY, dl).props
    store.write(Batch().add_nodes(Label.DELIVERY, [{"id": dl, **current, "version": current["version"] + 1,
                                                    "claimed_until": iso(T0 + timedelta(seconds=60))}]))
    assert deliver_due(store, config, now=T0).as_dict() == {"attempted": 0, "delivered": 0, "failed": 0,
                                                            "skipped": 1}
    with pytest.raises(ConflictError, match="正在投递中"):
        retry_now(store, dl, T0)
    assert deliver_due(store, config, now=T0 + timedelta(seconds=61)).delivered == 1
    assert receiver.ids() == [dl]


def test_bad_configuration_and_status_filters_are_refused_in_chinese(store):
    with pytest.raises(ValidationError, match="http:// 或 https://"):
        WebhookConfig(url="portal.example/hook")
    with pytest.raises(ValidationError, match="应为 待投递、已投递 之一"):
        list_deliveries(store, "sent")
    assert WebhookConfig(url="http://x", timeout=40).lease == 80  # a claim outlives its send


# -- concurrency ---------------------------------------------------------------------------------


class _ReadTogether:
    """The same store, except that each thread's first read of the pending list waits for the other
    dispatcher's: both see every delivery as unclaimed, so every claim is contested."""

    def __init__(self, store, barrier: threading.Barrier) -> None:
        self._store, self._barrier, self._seen = store, barrier, threading.local()

    def __getattr__(self, name):
        return getattr(self._store, name)

    def find_nodes(self, *args, **kwargs):
        page = self._store.find_nodes(*args, **kwargs)
        if not getattr(self._seen, "done", False):
            self._seen.done = True
            self._barrier.wait(10)
        return page


def test_two_racing_dispatchers_deliver_each_delivery_exactly_once(store, receiver):
    ids = _push(store, 5)
    barrier = threading.Barrier(2)
    config = WebhookConfig(url=receiver.url)
    runs = []

    def dispatch() -> None:
        runs.append(deliver_due(_ReadTogether(store, barrier), config, now=T0 + timedelta(minutes=1)))

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(receiver.ids()) == sorted(ids)
    assert sum(r.delivered for r in runs) == 5 and sum(r.skipped for r in runs) == 5
    assert all(_delivery(store, dl)["status"] == DELIVERED for dl in ids)


# -- the background thread -----------------------------------------------------------------------


def test_the_dispatcher_thread_delivers_in_the_background_and_stops(store, receiver):
    dispatcher = Dispatcher(store, WebhookConfig(url=receiver.url), interval=30)
    dispatcher.start().start()  # idempotent
    try:
        [dl] = _push(store, now=datetime.now(BEIJING))
        dispatcher.wake()
        assert _wait_for(lambda: _delivery(store, dl)["status"] == DELIVERED)
    finally:
        dispatcher.stop()
        dispatcher.stop()
    assert not dispatcher.running and receiver.ids() == [dl]


def test_the_dispatcher_survives_a_failing_store(local_store, receiver):
    dispatcher = Dispatcher(local_store, WebhookConfig(url=receiver.url), interval=0.05)
    local_store.close()  # every pass now fails on the store
    dispatcher.start()
    try:
        assert _wait_for(lambda: dispatcher.failed_passes >= 3)
        assert dispatcher.running
    finally:
        dispatcher.stop()


# -- the command line ----------------------------------------------------------------------------


def _cli(data_dir: Path) -> click.Group:
    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.obj = Ctx("local", str(data_dir))
        ctx.call_on_close(ctx.obj.close)

    cli.add_command(webhook)
    cli.add_command(serve)
    return cli


def _world(data_dir: Path, n: int = 1) -> list[str]:
    with LocalStore(data_dir) as s:
        return _push(s, n, now=datetime.now(BEIJING))


def test_kgmatch_has_the_webhook_commands():
    from api.cli import main

    command = main.get_command(click.Context(main), "webhook")  # commands are imported on first use
    assert command is webhook and set(webhook.commands) == {"deliver", "list", "retry"}


def test_cli_deliver_list_and_retry(tmp_path, receiver, monkeypatch):
    monkeypatch.delenv("KGMATCH_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("KGMATCH_WEBHOOK_SECRET", raising=False)
    data = tmp_path / "var"
    [dl] = _world(data)
    runner, cli = CliRunner(), _cli(data)

    missing = runner.invoke(cli, ["webhook", "deliver"])
    assert missing.exit_code == 1 and "未设置 webhook 地址" in missing.output
    listed = json.loads(runner.invoke(cli, ["webhook", "list", "--json", "--status", "待投递"]).output)
    assert listed["total"] == 1 and listed["deliveries"][0]["id"] == dl

    result = runner.invoke(cli, ["webhook", "deliver", "--url", receiver.url, "--secret", SECRET])
    assert result.exit_code == 0, result.output
    assert "投递 1 条：成功 1 条，失败 0 条" in result.output and receiver.ids() == [dl]
    again = runner.invoke(cli, ["webhook", "deliver", "--url", receiver.url])
    assert "没有到期的待投递事件" in again.output and receiver.ids() == [dl]

    listed = json.loads(runner.invoke(cli, ["webhook", "list", "--json"]).output)
    assert listed["counts"] == {PENDING: 0, DELIVERED: 1} and listed["deliveries"][0]["props"]["status"] == DELIVERED
    text = runner.invoke(cli, ["webhook", "list"]).output
    assert text.startswith("待投递 0 条，已投递 1 条") and dl in text
    refused = runner.invoke(cli, ["webhook", "retry", dl])
    assert refused.exit_code == 1 and "已投递，无需重发" in refused.output
    unknown = runner.invoke(cli, ["webhook", "retry", "dl:none"])
    assert unknown.exit_code == 1 and "未找到推送投递「dl:none」" in unknown.output


def test_cli_deliver_reports_a_down_portal_and_keeps_the_event(tmp_path, monkeypatch):
    monkeypatch.delenv("KGMATCH_WEBHOOK_URL", raising=False)
    down = Receiver()
    down.close()
    data = tmp_path / "var"
    [dl] = _world(data)
    result = CliRunner().invoke(_cli(data), ["webhook", "deliver"], env={"KGMATCH_WEBHOOK_URL": down.url})
    assert result.exit_code == 0 and "失败 1 条" in result.output and "仍待投递 1 条" in result.output
    with LocalStore(data) as s:
        assert _delivery(s, dl)["status"] == PENDING


def test_serve_delivers_in_the_background_while_the_url_is_set(tmp_path, receiver, monkeypatch):
    data = tmp_path / "var"
    [dl] = _world(data)
    monkeypatch.setenv("KGMATCH_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("KGMATCH_WEBHOOK_INTERVAL", "1")
    seen = {}

    def fake_serve(app, **kwargs):
        seen["delivered"] = _wait_for(lambda: receiver.ids() == [dl])

    monkeypatch.setattr(waitress, "serve", fake_serve)
    result = CliRunner().invoke(_cli(data), ["serve", "--port", "5056"])
    assert result.exit_code == 0, result.output
    assert seen["delivered"] and "事件将投递到" in result.output
    assert not any(t.name == "kgmatch-webhook" and t.is_alive() for t in threading.enumerate())


def test_real_events_match_the_webhooks_of_the_openapi_document(local_store, receiver):
    """A push, its answer and a challenge made by the workflows arrive as the document's ``webhooks`` say."""
    import jsonschema

    from api.openapi import build_openapi
    from api.settings import defaults
    from workflow import challenge, push

    local_store.write(Batch()
                      .add_nodes(Label.DEMAND, [{"id": "d:1", "title": "锂电池缺陷检测", "status": "待对接"}])
                      .add_nodes(Label.EXPERT, [{"id": "e:1", "name": "张伟"}]))
    push.push_demands(local_store, ["d:1"], [NodeRef(Label.EXPERT, "e:1")], actor="officer", now=T0)
    push.respond(local_store, "push:d:1:expert:e:1", accept=False, reason="没空", responder="portal", now=T0)
    challenge.publish_challenge(local_store, "d:1", conditions="有中试经验", deadline="2026-12-31", reward_wan=20,
                                actor="officer", now=T0)
    assert deliver_due(local_store, WebhookConfig(url=receiver.url), now=T0).delivered == 3
    hooks = build_openapi(defaults())["webhooks"]
    seen = []
    for headers, body in receiver.requests:
        event = headers["X-Kgmatch-Event"]
        schema = hooks[event]["post"]["requestBody"]["content"]["application/json"]["schema"]
        jsonschema.validate(json.loads(body), schema)
        seen.append(event)
    assert sorted(seen) == ["challenge.published", "push.answered", "push.created"]
