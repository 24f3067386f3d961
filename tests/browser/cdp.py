"""A small headless-Chromium driver over the DevTools protocol (CDP), for the browser test and screenshots.

Chromium comes from the distribution (``apt-get install chromium fonts-wqy-microhei``);
nothing is downloaded. The driver speaks CDP over one WebSocket (``websocket-client``)
to one page, and records what the tests assert on: every request the page sends
(``Network.requestWillBeSent``), JavaScript dialogs (``Page.javascriptDialogOpening`` —
accepted at once so the page never hangs), uncaught exceptions and console errors
(including Content-Security-Policy violations).

The browser runs with a fresh profile and every background service off, and its host
resolver maps every name but 127.0.0.1 and localhost to nothing, so even a request the
test would flag never leaves the machine.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import websocket

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "Chromium", "CdpError", "is_local_url"]

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check", "--mute-audio", "--lang=zh-CN",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)
"""Flags of every run (plus ``--user-data-dir`` of a fresh temporary profile and the DevTools port)."""

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
_INERT_SCHEMES = {"data", "blob", "about"}


class CdpError(RuntimeError):
    """Chromium could not be started or answered a command with an error."""


def find_chromium() -> str | None:
    """The Chromium executable (``KGMATCH_CHROMIUM``, else ``chromium`` / ``chromium-browser`` on PATH)."""
    given = os.environ.get("KGMATCH_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def is_local_url(url: str) -> bool:
    """Whether a page request stays on this machine (127.0.0.1 / localhost) or needs no network at all.

    >>> is_local_url("http://127.0.0.1:5123/static/x.css"), is_local_url("data:,")
    (True, True)
    >>> is_local_url("https://cdn.example.com/vis.js"), is_local_url("//evil.example/x")
    (False, False)
    """
    parts = urlsplit(url)
    if parts.scheme in _INERT_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") in _LOCAL_HOSTS


class Chromium:
    """One headless Chromium with one page, driven over CDP; use as a context manager."""

    def __init__(self, executable: str, *, width: int = 1366, height: int = 900, timeout: float = 30.0) -> None:
        self.executable = executable
        self.width, self.height = width, height
        self.timeout = timeout
        self.requests: list[str] = []
        self.dialogs: list[dict[str, Any]] = []
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []
        self._profile = Path(tempfile.mkdtemp(prefix="kgmatch-chromium-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._ws: websocket.WebSocket | None = None
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    # -- life cycle ------------------------------------------------------------------------------------
    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start Chromium, connect to its first page and enable the domains the recording needs."""
        args = [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
                f"--window-size={self.width},{self.height}", "about:blank"]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if self._proc.poll() is not None:
                raise CdpError(f"chromium exited with status {self._proc.returncode} before DevTools started")
            if time.monotonic() > deadline:
                raise CdpError("chromium did not open its DevTools port in time")
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t.get("type") == "page")
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=self.timeout,
                                               suppress_origin=True)
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height, deviceScaleFactor=1,
                  mobile=False)
        self.send("Emulation.setLocaleOverride", locale="zh-CN")  # dates and numbers as a Chinese user sees them
        log.info("chromium started (DevTools on 127.0.0.1:%d)", port)

    def close(self) -> None:
        """Close the connection, stop Chromium and delete its profile."""
        if self._ws is not None:
            try:
                self._ws.close()
            finally:
                self._ws = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
            self._proc = None
        shutil.rmtree(self._profile, ignore_errors=True)

    # -- the protocol ----------------------------------------------------------------------------------
    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events that arrive meanwhile are recorded)."""
        if self._ws is None:
            raise CdpError("not connected")
        self._next_id += 1
        ident = self._next_id
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = self._receive(self.timeout)
            if message.get("id") == ident:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self._ws is not None
        self._ws.settimeout(timeout)
        message = json.loads(self._ws.recv())
        if "method" in message:
            self._record(message)
        return message

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event["method"], event.get("params", {})
        self._events.append(event)
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(params)
            assert self._ws is not None  # accept at once, or the page would hang
            self._next_id += 1
            self._ws.send(json.dumps({"id": self._next_id, "method": "Page.handleJavaScriptDialog",
                                      "params": {"accept": True}}))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.exceptions.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.console_errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                              for a in params.get("args", [])))

    def wait_for_event(self, method: str, *, timeout: float | None = None,
                       match: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        """The first event ``method`` (received from now on) for which ``match(params)``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError(f"no {method} within the timeout")
            try:
                message = self._receive(left)
            except websocket.WebSocketTimeoutException as err:
                raise CdpError(f"no {method} within the timeout") from err
            if message.get("method") == method and match(message.get("params", {})):
                return message.get("params", {})

    # -- pages -------------------------------------------------------------------------------------------
    def navigate(self, url: str) -> None:
        """Open ``url`` and wait for its load event."""
        self.send("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise CdpError(f"script failed: {result['exceptionDetails'].get('text')} in {expression[:80]!r}")
        return result.get("result", {}).get("value")

    def submit(self, expression: str) -> None:
        """Run a script that submits a form or follows a link, and wait for the next page to load."""
        self.send("Runtime.evaluate", expression=expression)
        self.wait_for_event("Page.loadEventFired")

    def fill(self, values: dict[str, str]) -> None:
        """Set form inputs by CSS selector (values passed as JSON, never spliced into the script)."""
        self.evaluate(f"""(function (values) {{
            for (const [selector, value] of Object.entries(values)) {{
                const el = document.querySelector(selector);
                if (!el) {{ throw new Error("no element " + selector); }}
                el.value = value;
            }}
        }})({json.dumps(values)})""")

    def wait_until(self, expression: str, *, timeout: float | None = None) -> Any:
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError(f"timed out waiting for {expression[:80]!r}")
            time.sleep(0.1)

    def screenshot(self, path: Path, *, full_page: bool = True, max_height: int = 6000,
                   clip: dict[str, float] | None = None) -> Path:
        """Save a PNG of the page (the whole page, up to ``max_height`` CSS pixels, or ``clip``)."""
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params.update(clip={**clip, "scale": 1}, captureBeyondViewport=True)
        elif full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(clip={"x": 0, "y": 0, "width": self.width, "height": min(size["height"], max_height),
                                "scale": 1}, captureBeyondViewport=True)
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
