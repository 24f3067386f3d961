"""The webhook dispatcher: pending deliveries of the outbox (:mod:`workflow.outbox`) go to the portal.

Each pass of :func:`deliver_due` takes the ``待投递`` deliveries whose ``next_attempt_at`` has
come, oldest first, and for each one:

1. **claims** it with a guarded write (``version + 1``, ``claimed_until`` = now + lease), so of
   two dispatchers that read it at once exactly one sends it; the other skips it;
2. POSTs its payload to the portal, signed with HMAC-SHA256 when a secret is set, with the
   delivery id in ``X-Kgmatch-Delivery`` as the receiver's idempotency key;
3. records the outcome with a write guarded by the claim: a 2xx answer makes it ``已投递``;
   anything else leaves it ``待投递`` with the error and an exponential backoff.

A delivery is therefore sent at most once per claim, and claims never overlap while a send
is shorter than the lease (the lease is at least twice the timeout). Only a crash between
the send and the record (or a send outliving its lease) can repeat a send, which the
receiver recognises by the delivery id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Self
from urllib.parse import urlsplit

from graph.errors import ConflictError, Msg
from graph.model import Label
from graph.store import Batch, GraphStore, Node, NodePage
from workflow.common import (
    Clock,
    Versioned,
    conflict,
    field_error,
    iso,
    load_versioned,
    parse_time,
    system_clock,
)
from workflow.outbox import DELIVERED, DELIVERY_STATUSES, PENDING
from workflow.push import send_reminders

__all__ = [
    "Periodic",
    "Reminders",
    "WebhookConfig",
    "DeliveryRun",
    "DeliverySummary",
    "Sender",
    "LOG_KEEP",
    "deliver_due",
    "retry_now",
    "list_deliveries",
    "delivery_summary",
    "urllib_send",
    "sign",
    "Dispatcher",
]

log = logging.getLogger(__name__)

Sender = Callable[[str, bytes, Mapping[str, str], float], int]
"""``send(url, body, headers, timeout)``: the HTTP status of the answer; raises OSError when none came."""

LOG_KEEP = 20
"""How many attempts the ``log`` property of a delivery keeps (the newest)."""

_PAGE = 500
_ERROR_CHARS = 200


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to send: the portal's URL, the signing secret ("" = unsigned) and the pacing."""

    url: str
    secret: str = ""
    timeout: float = 5.0
    backoff_base: float = 30.0
    backoff_max: float = 600.0
    batch_size: int = 50
    lease: float = 60.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise field_error("url", Msg.webhook.BAD_URL.format(value=self.url))
        for name in ("timeout", "backoff_base", "backoff_max", "batch_size", "lease"):
            if not getattr(self, name) > 0:
                raise field_error(name, Msg.workflow.BAD_NUMBER.format(what="正数", value=getattr(self, name)))
        if self.lease < 2 * self.timeout:  # a claim must outlive the send it covers
            object.__setattr__(self, "lease", 2 * self.timeout)


@dataclass
class DeliveryRun:
    """What one pass did: sends tried, of which delivered and failed; due ones left to another dispatcher."""

    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain data for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class DeliverySummary:
    """How many deliveries per status, and when the oldest pending one was created (None: none pending)."""

    pending: int
    delivered: int
    oldest_pending_at: str | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (statuses under their Chinese names)."""
        return {"counts": {PENDING: self.pending, DELIVERED: self.delivered},
                "oldest_pending_at": self.oldest_pending_at}


# -- sending -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery: urllib would re-send a POST as a bodiless GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_send(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST ``body`` with the standard library; the answer's status (4xx/5xx/3xx included).

    Raises:
        OSError: no answer (connection refused, DNS, timeout).
    """
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return int(response.status)
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Kgmatch-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _headers(node: Node, body: bytes, secret: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "kgmatch-webhook/1",
               "X-Kgmatch-Event": str(node.props.get("event", "")), "X-Kgmatch-Delivery": node.id}
    if secret:
        headers["X-Kgmatch-Signature"] = sign(secret, body)
    return headers


def _describe(err: BaseException, timeout: float) -> str:
    """A short Chinese/English text for a send that got no answer."""
    reason: Any = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        text = Msg.webhook.TIMEOUT.format(seconds=timeout)
    elif isinstance(reason, OSError):
        text = Msg.webhook.CONNECT.format(reason=reason.strerror or reason)
    elif isinstance(err, OSError):
        text = Msg.webhook.CONNECT.format(reason=reason)
    else:
        text = Msg.webhook.SEND_FAILED.format(reason=f"{type(err).__name__}: {err}")
    return text[:_ERROR_CHARS]


def _send(node: Node, config: WebhookConfig, send: Sender) -> tuple[int | None, str]:
    """Send one delivery: (HTTP status or None, the text its log line records)."""
    payload = node.props.get("payload")
    if not isinstance(payload, str):
        return None, Msg.webhook.NO_PAYLOAD
    body = payload.encode("utf-8")
    try:
        status = send(config.url, body, _headers(node, body, config.secret), config.timeout)
    except Exception as err:  # any failure of one send is that delivery's error, never the pass's
        return None, _describe(err, config.timeout)
    return status, Msg.webhook.HTTP.format(status=status)


# -- the pass ------------------------------------------------------------------------------------


def _later(value: Any, now: datetime) -> bool:
    """Whether a stored time is after ``now`` (an unreadable one counts as past, so the row is retried)."""
    try:
        return isinstance(value, str) and parse_time(value) > now
    except ValueError:
        return False


def _pending(store: GraphStore) -> list[Node]:
    """Every pending delivery, oldest first (created_at, then id)."""
    found: list[Node] = []
    while True:
        page = store.find_nodes(Label.DELIVERY, props={"status": PENDING}, skip=len(found), limit=_PAGE)
        found.extend(page.nodes)
        if not page.nodes or len(found) >= page.total:
            break
    return sorted(found, key=lambda n: (str(n.props.get("created_at", "")), n.id))


def _backoff(config: WebhookConfig, attempts: int) -> timedelta:
    """``min(base * 2 ** (attempts - 1), max)`` seconds."""
    return timedelta(seconds=min(config.backoff_base * 2 ** min(max(attempts - 1, 0), 32), config.backoff_max))


def _claim(store: GraphStore, node: Node, config: WebhookConfig, now: datetime) -> Versioned | None:
    """Claim a due delivery for this dispatcher; None when it is another's (claimed, or claimed just now)."""
    if _later(node.props.get("claimed_until"), now):
        return None
    current = Versioned(node)
    row = current.updated(claimed_until=iso(now + timedelta(seconds=config.lease)))
    try:
        store.write(Batch(expect=[current.expect]).add_nodes(Label.DELIVERY, [row]))
    except ConflictError:
        return None
    return Versioned(Node(node.label, node.id, {k: v for k, v in row.items() if k != "id"}))


def _outcome(claimed: Versioned, status: int | None, text: str, config: WebhookConfig,
             now: datetime) -> dict[str, Any]:
    """The delivery's row after one attempt."""
    attempts = int(claimed.props.get("attempts") or 0) + 1
    history = [*list(claimed.props.get("log") or []), f"{iso(now)} {text}"][-LOG_KEEP:]
    changes: dict[str, Any] = {"attempts": attempts, "log": history, "claimed_until": None,
                               "last_attempt_at": iso(now), "response_status": status}
    if status is not None and 200 <= status < 300:
        return claimed.updated(**changes, status=DELIVERED, delivered_at=iso(now))
    return claimed.updated(**changes, last_error=text, next_attempt_at=iso(now + _backoff(config, attempts)))


def _attempt(store: GraphStore, node: Node, config: WebhookConfig, send: Sender, clock: Clock,
             run: DeliveryRun) -> None:
    """Claim, send and record one delivery, counting what happened in ``run``."""
    claimed = _claim(store, node, config, clock())
    if claimed is None:
        run.skipped += 1
        return
    run.attempted += 1
    status, text = _send(claimed.node, config, send)
    row = _outcome(claimed, status, text, config, clock())
    try:
        store.write(Batch(expect=[claimed.expect]).add_nodes(Label.DELIVERY, [row]))
    except ConflictError:  # only when the claim outlived its lease and someone took over
        log.warning("delivery %s: its claim was lost before the outcome (%s) was recorded", node.id, text)
    if row["status"] == DELIVERED:
        run.delivered += 1
    else:
        run.failed += 1
        log.info("delivery %s not delivered: %s", node.id, text)


def deliver_due(store: GraphStore, config: WebhookConfig, *, now: datetime | None = None,
                send: Sender | None = None) -> DeliveryRun:
    """Send the due pending deliveries (at most ``config.batch_size``), oldest first; what happened.

    Parameters:
        now: the time for the whole pass (tests); by default the system clock is read for each
            delivery, so a claim's lease starts when its send does.
        send: the HTTP sender (tests); by default :func:`urllib_send`.

    A delivery that fails (no answer, non-2xx, a store error) is logged and counted, and the
    pass goes on with the next; only failing to list the pending deliveries raises.
    """
    clock: Clock = (lambda: now) if now is not None else system_clock
    sender = send or urllib_send
    start = clock()
    due = [n for n in _pending(store) if not _later(n.props.get("next_attempt_at"), start)]
    run = DeliveryRun()
    for node in due[:config.batch_size]:
        try:
            _attempt(store, node, config, sender, clock, run)
        except Exception:  # a store error on one row must not stop the others
            log.exception("delivery %s: unexpected error", node.id)
            run.failed += 1
    return run


# -- the officer's tools -------------------------------------------------------------------------


def retry_now(store: GraphStore, delivery_id: str, now: datetime) -> Node:
    """Make a pending delivery due at ``now``; the updated delivery.

    Raises:
        NotFoundError: no such delivery.
        ConflictError: it is already delivered, or a dispatcher is sending it right now.
    """
    current = load_versioned(store, Label.DELIVERY, delivery_id)
    if current.props.get("status") == DELIVERED:
        raise conflict(Msg.webhook.ALREADY_DELIVERED.format(id=delivery_id, at=current.props.get("delivered_at", "")))
    if _later(current.props.get("claimed_until"), now):
        raise conflict(Msg.webhook.IN_FLIGHT.format(id=delivery_id, until=current.props["claimed_until"]))
    row = current.updated(next_attempt_at=iso(now))
    store.write(Batch(expect=[current.expect]).add_nodes(Label.DELIVERY, [row]))
    return Node(Label.DELIVERY, delivery_id, {k: v for k, v in row.items() if k != "id"})


def list_deliveries(store: GraphStore, status: str | None = None, *, skip: int = 0, limit: int = 50) -> NodePage:
    """A page of deliveries (of one status, or all), ordered by id, and how many there are."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise field_error("status", Msg.workflow.BAD_CHOICE.format(choices="、".join(DELIVERY_STATUSES), value=status))
    props = {"status": status} if status is not None else None
    return store.find_nodes(Label.DELIVERY, props=props, skip=skip, limit=limit)


def delivery_summary(store: GraphStore) -> DeliverySummary:
    """Deliveries per status and the creation time of the oldest pending one."""
    pending = _pending(store)
    delivered = store.find_nodes(Label.DELIVERY, props={"status": DELIVERED}, limit=0).total
    oldest = str(pending[0].props.get("created_at")) if pending else None
    return DeliverySummary(pending=len(pending), delivered=delivered, oldest_pending_at=oldest)


# -- the background thread -----------------------------------------------------------------------


class Periodic:
    """A daemon thread that runs :meth:`run_once` every ``interval`` seconds until :meth:`stop`.

    It never dies of an error: a failed pass (the store unreachable) is logged and the next
    pass comes ``interval`` seconds later. :meth:`wake` starts a pass at once.
    """

    name = "kgmatch-periodic"

    def __init__(self, *, interval: float) -> None:
        if not interval > 0:
            raise field_error("interval", Msg.workflow.BAD_NUMBER.format(what="正数", value=interval))
        self.interval = interval
        self.passes = 0  # passes run, and of those how many failed as a whole (monitoring, tests)
        self.failed_passes = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        """One pass of the job."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        """Start the thread (no-op when it runs); returns self."""
        with self._lock:
            if not self.running:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end and wait for it (at most ``timeout`` seconds); no-op when stopped."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
            self._wake.set()
        if thread is not None:
            thread.join(timeout)

    def wake(self) -> None:
        """Run a pass now instead of at the end of the interval."""
        self._wake.set()

    def _loop(self) -> None:
        log.info("%s started: every %g s", self.name, self.interval)
        while not self._stopping.is_set():
            self._wake.clear()  # a wake() during the pass below asks for one more pass
            try:
                self.run_once()
            except Exception:  # the store may be down for a while; try again next interval
                self.failed_passes += 1
                log.exception("%s pass failed", self.name)
            self.passes += 1
            if not self._stopping.is_set():
                self._wake.wait(self.interval)
        log.info("%s stopped", self.name)


class Dispatcher(Periodic):
    """Delivers due webhook events (:func:`deliver_due`) every ``interval`` seconds."""

    name = "kgmatch-webhook"

    def __init__(self, store: GraphStore, config: WebhookConfig, *, interval: float = 5.0,
                 send: Sender | None = None) -> None:
        super().__init__(interval=interval)
        self.store, self.config, self._send = store, config, send
        self.last_run: DeliveryRun | None = None

    def run_once(self) -> None:
        self.last_run = deliver_due(self.store, self.config, send=self._send)


class Reminders(Periodic):
    """Reminds pushes unanswered for ``after_hours`` (:func:`workflow.push.send_reminders`) every
    ``interval`` seconds; each reminder is a ``push.reminder`` event for the portal."""

    name = "kgmatch-reminders"

    def __init__(self, store: GraphStore, *, after_hours: float, interval: float = 3600.0) -> None:
        super().__init__(interval=interval)
        self.store, self.after_hours = store, after_hours
        self.reminded = 0

    def run_once(self) -> None:
        self.reminded += len(send_reminders(self.store, after_hours=self.after_hours))

