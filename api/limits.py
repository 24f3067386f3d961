"""Two guards of the JSON API: a per-caller rate limit and a time budget for recommendations.

* **Rate limit** (``KGMATCH_RATE_LIMIT`` requests per minute per caller, 0 = off): a token
  bucket per API key, signed-in user, or — for anonymous calls — client address (behind a
  proxy set ``KGMATCH_TRUSTED_PROXIES``). A caller may burst up to the whole minute's allowance,
  then gets ``429`` with a Chinese message and ``Retry-After`` (whole seconds until a request
  is allowed again). In memory: waitress serves one process.
* **Time budget** (``KGMATCH_RECOMMEND_BUDGET`` seconds, 0 = off): a recommendation runs on a
  small worker pool (``KGMATCH_RECOMMEND_WORKERS`` threads); if no answer is ready within the
  budget — counting the time waiting for a free worker — the request gets ``503`` with a
  Chinese message and ``Retry-After``, never a half-ranked list. The abandoned computation
  finishes on its worker (a thread cannot be stopped) and its result is dropped; since the pool
  is bounded, a flood of slow requests cannot take more than its workers' CPU.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from flask import Flask, current_app, jsonify, request

from api.auth import current_principal
from api.errors import error_body
from graph.errors import KgmatchError

__all__ = ["RateLimiter", "LimitMsg", "BudgetExceeded", "init_limits", "within_budget"]

T = TypeVar("T")


class LimitMsg:
    """The Chinese messages of the two guards."""

    RATE = "请求过于频繁：每个调用方每分钟最多 {limit} 次，请 {seconds} 秒后重试"
    BUDGET = "推荐计算超过时间预算（{budget:g} 秒），已放弃本次计算；请稍后重试，或减小 max_candidates、text_candidates 等参数"


class BudgetExceeded(KgmatchError):
    """A recommendation did not finish within ``KGMATCH_RECOMMEND_BUDGET`` (503, Retry-After)."""

    status = 503


class RateLimiter:
    """Token buckets: ``per_minute`` tokens per key, refilled continuously."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0 when allowed, else the seconds until one is available."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:  # forget full buckets (callers gone quiet)
                self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self.per_minute - 1}
            return (1.0 - tokens) / rate


_NOT_COUNTED = ("health.", "docs.", "auth.")
"""The health probe, the OpenAPI document and ``/me`` are not counted (monitoring and clients' start-up)."""


def _caller_key() -> str:
    principal = current_principal()
    if principal is not None:
        return f"{principal.kind}:{principal.name}"
    return f"addr:{request.remote_addr or '?'}"


def _rate_limit() -> Any:
    """After the permission check: refuse an API caller over its allowance (429)."""
    if not request.path.startswith("/api/v1/") or request.method == "OPTIONS" \
            or (request.endpoint or "").startswith(_NOT_COUNTED):
        return None
    limiter: RateLimiter = current_app.extensions["kgmatch_rate"]
    wait = limiter.take(_caller_key())
    if wait <= 0:
        return None
    seconds = max(1, math.ceil(wait))
    message = LimitMsg.RATE.format(limit=limiter.per_minute, seconds=seconds)
    response = jsonify(error_body(message, 429))
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def within_budget(compute: Callable[[], T]) -> T:
    """``compute()`` on the recommendation pool, or :class:`BudgetExceeded` when the budget runs out.

    ``compute`` must not need the request or app context (pass the store and index in).
    """
    budget = float(current_app.config["KGMATCH_RECOMMEND_BUDGET"])
    if budget <= 0:
        return compute()
    pool: ThreadPoolExecutor = current_app.extensions["kgmatch_pool"]
    future = pool.submit(compute)
    try:
        return future.result(timeout=budget)
    except FutureTimeout:
        future.cancel()  # still queued: never runs; already running: its result is dropped
        raise BudgetExceeded(LimitMsg.BUDGET.format(budget=budget)) from None


def _retry_after(response: Any) -> Any:
    """A 503 of the budget tells the caller when to come back."""
    if response.status_code == 503 and request.path.startswith("/api/v1/") and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(max(1, math.ceil(float(current_app.config["KGMATCH_RECOMMEND_BUDGET"]))))
    return response


def init_limits(app: Flask) -> None:
    """Install the rate limit (after the permission check) and the recommendation pool."""
    app.extensions["kgmatch_rate"] = RateLimiter(int(app.config["KGMATCH_RATE_LIMIT"]))
    app.extensions["kgmatch_pool"] = ThreadPoolExecutor(max_workers=max(1, int(app.config["KGMATCH_RECOMMEND_WORKERS"])),
                                                        thread_name_prefix="kgmatch-recommend")
    app.before_request(_rate_limit)
    app.after_request(_retry_after)
