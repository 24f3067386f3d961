"""Sessions that end at logout: a server-side list of revoked session ids.

The pages' session is a signed cookie, valid until it expires (``KGMATCH_SESSION_SECONDS``).
Clearing it at logout only clears the browser's copy: anyone holding the old cookie
(a shared computer, a stolen cookie) could go on using it. So each sign-in gets a random
session id (``sid``); logout records it here, in ``数据目录/revoked_sessions.json`` (mode 600,
survives a restart), until the cookie would have expired anyway. A session without a ``sid``
(signed before this existed) is not accepted.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

__all__ = ["RevokedSessions"]

log = logging.getLogger(__name__)


class RevokedSessions:
    """Session ids ended by logout, each kept until its cookie would expire anyway."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._revoked: dict[str, float] = {}

    def _load(self) -> dict[str, float]:
        """The revoked ids (re-read when another process changed the file)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._revoked = None, {}
            return self._revoked
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:  # a damaged file must not let revoked sessions back in silently
                log.error("cannot read %s (%s): keeping the revoked sessions known so far", self.path, err)
                return self._revoked
            self._revoked = {str(k): float(v) for k, v in dict(data).items()}
            self._stamp = stamp
        return self._revoked

    def revoke(self, sid: str, *, lifetime: float, now: float | None = None) -> None:
        """End session ``sid`` for good (remembered for ``lifetime`` seconds, the cookie's own limit)."""
        now = time.time() if now is None else now
        with self._lock:
            kept = {k: v for k, v in self._load().items() if v > now}
            kept[sid] = now + lifetime
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(kept, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            self._revoked, self._stamp = kept, None

    def is_revoked(self, sid: str) -> bool:
        """Whether logout ended ``sid``."""
        with self._lock:
            return sid in self._load()
