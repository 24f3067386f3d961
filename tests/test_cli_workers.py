"""``kgmatch serve --workers 2``: two worker processes answer on one port and stop with the parent."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
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
