"""Sign-in throttling: after repeated wrong passwords a user name (or an address) is locked for a while.

Kept in the server's memory (waitress serves one process with threads). Three counters
within the window, each locking its own key for ``lock_seconds``:

* five failures for one user name *from one address* lock that name at that address, so a
  stranger who types a name five times locks only himself, not the account's owner;
* twenty failures from one address lock the address (one client guessing many names);
* a hundred failures for one user name from anywhere lock the name (a distributed guess).

The address is the client's as the app sees it: behind a reverse proxy set
``KGMATCH_TRUSTED_PROXIES`` so ``X-Forwarded-For`` is believed (and only then). While
locked, the password is not even checked, so a locked account gives no oracle; the answer
is 429 with the minutes left, in Chinese. A successful sign-in clears the user's failures.
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

    max_per_user: int = 5  # one user name from one address
    max_per_address: int = 20
    max_per_account: int = 100  # one user name from any address
    window: float = 900.0
    lock_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _keys(user: str, address: str | None) -> list[tuple[str, int]]:
        name = user.strip().lower()
        return [(f"user:{name}@{address or '?'}", 0), (f"addr:{address or '?'}", 1), (f"account:{name}", 2)]

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
        limits = (self.max_per_user, self.max_per_address, self.max_per_account)
        with self._lock:
            for key, which in self._keys(user, address):
                recent = self._failures.setdefault(key, deque())
                recent.append(now)
                while recent and recent[0] <= now - self.window:
                    recent.popleft()
                if len(recent) >= limits[which]:
                    self._locked_until[key] = now + self.lock_seconds
                    recent.clear()

    def succeeded(self, user: str, address: str | None = None) -> None:
        """A right password: forget the user's failures there (the address keeps its count)."""
        keys = self._keys(user, address)
        with self._lock:
            for key in (keys[0][0], keys[2][0]):
                self._failures.pop(key, None)
                self._locked_until.pop(key, None)
