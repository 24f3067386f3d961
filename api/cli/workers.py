"""``kgmatch serve --workers N``: several server processes on one port, sharing a persisted index.

Issue 17: one process did all recommendation work on one core while requests queued
(throughput ~2.3/s from concurrency 1 to 16). Scoring is Python and holds the GIL, so
threads do not help; processes do. The parent builds (or loads) the expert index once and
persists it to ``<data dir>/index``, binds the listening socket, then forks ``N`` workers;
each opens its own store connection and loads the persisted index (no rebuild), and waitress
in each accepts from the shared socket. The parent runs the background jobs (webhook delivery, reminders) once, for all of them.

**Least busy accepts.** With a plain shared socket every worker accepts whenever the kernel wakes
it, so at concurrency 4 one worker often held three requests while the other idled (throughput at
concurrency 4 over 1 swung between 0.9 and 1.75 in one quiet run). Each worker now publishes how many
requests it has in flight (queued or running) in a small shared array, and its listening socket is
readable only while no other worker has fewer: a busy worker leaves new connections in the kernel's
queue for an idler one. Requests on connections a worker already holds are never refused, and when all
workers are equally busy all of them accept, so nothing waits longer than with one process per core.

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
import threading
from collections.abc import Callable, Sequence
from multiprocessing.sharedctypes import RawArray
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


_RELOOK_S = 0.02


class InFlight:
    """Requests in flight per worker, in memory shared by the forked workers (one slot each).

    Only the owner writes its slot (under its own lock: waitress's loop thread adds, its task threads
    finish); every worker reads all slots.

    >>> loads = InFlight(2)
    >>> loads.add(0, 1); loads.least_busy(0), loads.least_busy(1)
    (False, True)
    >>> loads.add(1, 1); loads.least_busy(0), loads.least_busy(1)
    (True, True)
    """

    def __init__(self, workers: int) -> None:
        self._slots = RawArray("i", workers)
        self._lock = threading.Lock()

    def add(self, slot: int, delta: int) -> None:
        with self._lock:
            self._slots[slot] += delta

    def busy(self, slot: int) -> int:
        """Requests in flight (and connections accepted whose first request is not read yet) of ``slot``."""
        return self._slots[slot]

    def least_busy(self, slot: int) -> bool:
        return self._slots[slot] <= min(self._slots)


_PENDING = "_kgmatch_pending"  # on a channel: accepted, its first request not yet added (counted as one)
_COUNTED = "_kgmatch_counted"  # on a channel: its service() counts itself off


def _counted_channel(base: type, loads: InFlight, slot: int) -> type:
    """waitress's channel class, counting a connection as busy from its accept to its first request.

    Several connections opened at once (a client with four threads) arrive before any of their requests
    is read: counted only per request, the worker that woke first took them all (all four kept-alive
    connections, for the whole run, on one worker).
    """

    class Counted(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            loads.add(slot, 1)
            self.__dict__[_PENDING] = True
            try:
                super().__init__(*args, **kwargs)
            except BaseException:
                if self.__dict__.pop(_PENDING, False):
                    loads.add(slot, -1)
                raise

        def _forget(self) -> None:
            if self.__dict__.pop(_PENDING, False):  # closed before any request
                loads.add(slot, -1)

        def handle_close(self) -> None:  # HTTPChannel's, which closes through dispatcher.close directly
            self._forget()
            super().handle_close()

        def close(self) -> None:
            self._forget()
            super().close()

    return Counted


def _counting_dispatcher(loads: InFlight, slot: int, threads: int) -> Any:
    """waitress's task dispatcher, counting this worker's requests in flight in ``loads``."""
    from waitress.task import ThreadedTaskDispatcher

    class Counting(ThreadedTaskDispatcher):
        def add_task(self, task: Any) -> None:
            # The task is the connection's channel, added again for each of its requests (by service() itself
            # while it has more): count each add, and wrap its service() once so each call counts one off
            # (wrapping at every add nested the wrappers: the n-th request of a kept-alive connection counted
            # n off, the slot went negative and the other worker never looked least busy again).
            if not task.__dict__.pop(_PENDING, False):  # a new connection's first request was counted at accept
                loads.add(slot, 1)
            if _COUNTED not in task.__dict__:
                service = task.service

                def counted() -> None:
                    try:
                        service()
                    finally:
                        loads.add(slot, -1)

                task.service = counted
                task.__dict__[_COUNTED] = True
            super().add_task(task)

    dispatcher = Counting()
    dispatcher.set_thread_count(threads)
    return dispatcher


def _serve_one(app: Any, sock: socket.socket, threads: int, loads: InFlight, slot: int) -> None:
    """waitress on the shared socket, accepting new connections only while this worker is least busy."""
    from waitress.server import BaseWSGIServer, create_server

    dispatcher = _counting_dispatcher(loads, slot, threads)
    server = create_server(app, sockets=[sock], threads=threads, ident="kgmatch", _dispatcher=dispatcher)
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        s for s in server.map.values() if isinstance(s, BaseWSGIServer)]  # one socket: the server itself
    for listener in listeners:
        readable = listener.readable
        listener.readable = lambda readable=readable: readable() and loads.least_busy(slot)
        listener.channel_class = _counted_channel(listener.channel_class, loads, slot)
    # A worker that declined to listen looks again at least every 20 ms (waitress's loop waits up to 1 s):
    # otherwise a lone request could wait for a stale "busy" verdict while the other worker is idle.
    server.adj.asyncore_loop_timeout = _RELOOK_S  # waitress's setting parses ints only; it is used as seconds
    server.run()


def serve_workers(make_app: Callable[[], Any], *, host: str, port: int, workers: int, threads: int,
                  start_jobs: Callable[[], Sequence[Any]] = lambda: ()) -> None:
    """Fork ``workers`` waitress processes that share one listening socket; return when they stop.

    ``make_app()`` runs in each worker after the fork (its own store, its own index copy).
    ``start_jobs()`` runs in the parent after the fork; each job it returns has ``stop()``.
    """
    sock = _bind(host, port)
    loads = InFlight(workers)
    children: list[int] = []
    for slot in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: never returns
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                app = make_app()
                _serve_one(app, sock, threads, loads, slot)
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
