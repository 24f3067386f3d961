"""Serve a Flask app on 127.0.0.1 in a background thread (werkzeug's WSGI server), for browser runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

__all__ = ["serving"]

log = logging.getLogger(__name__)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 while the block runs; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kgmatch-test-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    log.info("serving the app on %s", url)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
