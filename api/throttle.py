"""Sign-in throttling: after repeated wrong passwords a user name (or an address) is locked for a while.

Kept in the server's memory (waitress serves one process with threads): five failures
for one user name within the window lock that name, and twenty from one address lock
the address, for ``lock_seconds``. While locked, the password is not even checked, so a
locked account gives no oracle; the answer is 429 with the minutes left, in Chinese.
A successful sign-in clears the user's failures.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LoginThrottle", "LOCKED_MSG"]

LOCKED_MSG = "登录失败次数过多，请 {minutes} 分钟后再试"


@dataclass
class LoginThrottle:
    """Counts failed sign-ins per user name and per address within ``window`` seconds."""

    max_per_user: int = 5
    max_per_address: int = 20
    window: float = 900.0
    lock_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _keys(user: str, address: str | None) -> list[tuple[str, int]]:
        return [(f"user:{user.strip().lower()}", 0), (f"addr:{address or '?'}", 1)]

    def locked_for(self, user: str, address: str | None) -> float:
        """Seconds either the user name or the address stays locked (0 when neither is)."""
        now = self.clock()
        with self._lock:
            left = max(self._locked_until.get(k, now) - now for k, _ in self._keys(user, address))
        return max(left, 0.0)

    def message(self, seconds: float) -> str:
        """The Chinese refusal for ``seconds`` left."""
        return LOCKED_MSG.format(minutes=max(1, math.ceil(seconds / 60)))

    def failed(self, user: str, address: str | None) -> None:
        """Record a wrong password; lock the name or address that reached its limit."""
        now = self.clock()
        limits = (self.max_per_user, self.max_per_address)
        with self._lock:
            for key, which in self._keys(user, address):
                recent = self._failures.setdefault(key, deque())
                recent.append(now)
                while recent and recent[0] <= now - self.window:
                    recent.popleft()
                if len(recent) >= limits[which]:
                    self._locked_until[key] = now + self.lock_seconds
                    recent.clear()

    def succeeded(self, user: str) -> None:
        """A right password: forget the user's failures (the address keeps its count)."""
        key = self._keys(user, None)[0][0]
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)
