"""``kgmatch serve --workers N``: several server processes on one port, sharing a persisted index.

Issue 17: one process did all recommendation work on one core while requests queued
(throughput ~2.3/s from concurrency 1 to 16). Scoring is Python and holds the GIL, so
threads do not help; processes do. The parent builds (or loads) the expert index once and
persists it to ``<data dir>/index``, binds the listening socket, then forks ``N`` workers;
each opens its own store connection and loads the persisted index (no rebuild), and waitress
in each accepts from the shared socket, so the kernel spreads connections over the workers.
The parent runs the background jobs (webhook delivery, reminders) once, for all of them.

What is per worker, not shared: the sign-in throttle counters (a limit of five failures per
worker, so up to N × five in all) and each worker's copy of the index, which each keeps
current from its own writes and by checking the store's change stamp.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["serve_workers"]

log = logging.getLogger(__name__)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def serve_workers(make_app: Callable[[], Any], *, host: str, port: int, workers: int, threads: int,
                  start_jobs: Callable[[], Sequence[Any]] = lambda: ()) -> None:
    """Fork ``workers`` waitress processes that share one listening socket; return when they stop.

    ``make_app()`` runs in each worker after the fork (its own store, its own index copy).
    ``start_jobs()`` runs in the parent after the fork; each job it returns has ``stop()``.
    """
    import waitress

    sock = _bind(host, port)
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: never returns
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                app = make_app()
                waitress.serve(app, sockets=[sock], threads=threads, ident="kgmatch")
            except BaseException:  # noqa: BLE001 - the worker's last words go to the log
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        children.append(pid)
    sock.close()
    jobs = start_jobs()

    def stop(signum: int, _frame: object) -> None:
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for child in children:
            while True:
                try:
                    os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
                except ChildProcessError:
                    break
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for job in jobs:
            job.stop()
