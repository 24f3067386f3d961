"""``kgmatch serve --workers 2``: two worker processes answer on one port and stop with the parent."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from graph.local_store import LocalStore
from tests.test_recommend_engine import world

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def test_two_workers_share_the_port_and_the_persisted_index(tmp_path):
    with LocalStore(tmp_path) as store:
        store.write(world())
    port = _free_port()
    env = {**os.environ, "KGMATCH_DATA_DIR": str(tmp_path), "KGMATCH_REMIND_INTERVAL": "0"}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2",
                             "--threads", "2"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
                    body = json.loads(response.read())
            except OSError:
                time.sleep(0.3)
        assert body is not None and body["ok"] is True, (tmp_path / "serve.log").read_text()
        assert len(_children(proc.pid)) == 2
        assert (tmp_path / "index" / "experts-local.pickle").is_file()  # built once by the parent
        for _ in range(6):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as response:
                assert response.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert _children(proc.pid) == []


class _Channel:
    """A stand-in for waitress's channel: the dispatcher's task, added again for each request it has."""

    def __init__(self, dispatcher=None, requests: int = 1) -> None:
        self.dispatcher = dispatcher
        self.requests = requests
        self.served = 0
        self.closed = False
        self.idle = threading.Event()  # set when its last request was served

    def service(self) -> None:
        self.served += 1
        self.requests -= 1
        if self.requests > 0:  # waitress's service() adds the channel again for its next request
            self.dispatcher.add_task(self)
        else:
            self.idle.set()

    def handle_close(self) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True


def test_requests_in_flight_return_to_zero_on_a_kept_alive_connection():
    # Issue 17: the n-th request of a kept-alive connection counted n off (nested service wrappers): the
    # slot went negative and only that worker ever looked least busy (all connections to one worker).
    from api.cli.workers import InFlight, _counting_dispatcher

    loads = InFlight(2)
    dispatcher = _counting_dispatcher(loads, 0, threads=1)
    channel = _Channel(dispatcher, requests=2)
    for _ in range(3):  # three rounds of two pipelined requests on one connection
        channel.requests = 2
        channel.idle.clear()
        dispatcher.add_task(channel)
        assert channel.idle.wait(30)
    dispatcher.shutdown(cancel_pending=False, timeout=30)  # joins the thread: its last count is done
    assert channel.served == 6
    assert loads.busy(0) == 0
    assert loads.least_busy(0) and loads.least_busy(1)


def test_a_connection_counts_from_its_accept_to_its_first_request():
    # Four connections opened at once all went to the worker that woke first: their requests had not
    # been read yet, so it still looked idle.
    from api.cli.workers import InFlight, _counted_channel, _counting_dispatcher

    loads = InFlight(2)
    counted = _counted_channel(_Channel, loads, 1)
    idle = counted()
    assert loads.busy(1) == 1 and not loads.least_busy(1) and loads.least_busy(0)
    idle.handle_close()  # closed before any request
    assert loads.busy(1) == 0 and idle.closed
    dispatcher = _counting_dispatcher(loads, 1, threads=1)
    used = counted(dispatcher, 3)
    assert loads.busy(1) == 1
    dispatcher.add_task(used)  # its first request: still one, not two
    assert used.idle.wait(30)
    dispatcher.shutdown(cancel_pending=False, timeout=30)
    assert used.served == 3
    assert loads.busy(1) == 0
    used.close()
    assert loads.busy(1) == 0


def test_serve_builds_the_index_and_the_field_lists_before_it_listens(tmp_path, monkeypatch):
    """Each worker's first request used to build the per-field expert lists (a minute at 10× on Neo4j)."""
    from api.app import create_app
    from api.cli.serve import _warm
    from recommend.field_experts import FieldExpertLists

    built: list[FieldExpertLists] = []
    build = FieldExpertLists._build
    monkeypatch.setattr(FieldExpertLists, "_build", lambda self, store: built.append(self) or build(self, store))
    store = LocalStore(tmp_path)
    store.write(world())
    app = create_app({"KGMATCH_STORE": "local", "KGMATCH_DATA_DIR": str(tmp_path)}, store=store)
    assert built == []
    _warm(app)
    assert len(built) == 1 and built[0].snapshot(["f:cathode"])
    with app.app_context():
        assert app.extensions["kgmatch"].index_cache.builds == 1
    store.close()
