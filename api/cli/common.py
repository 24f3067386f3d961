"""What every ``kgmatch`` command shares: the chosen store, Chinese errors, exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from graph import open_store
from graph.errors import KgmatchError
from graph.store import GraphStore

__all__ = ["Ctx", "fail", "run_safely"]


class Ctx:
    """What the global options chose; the store opens on first use and closes at exit."""

    def __init__(self, backend: str | None, data_dir: str | None) -> None:
        self.backend = backend
        self.data_dir = data_dir
        self._store: GraphStore | None = None

    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.backend, data_dir=self.data_dir)
        return self._store

    def index_dir(self) -> Path:
        """Where the persisted expert index lives: ``<data dir>/index``."""
        from graph.local_store import default_data_dir
        return Path(self.data_dir) / "index" if self.data_dir else default_data_dir() / "index"

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def reopen(self) -> None:
        """Close the store; the next :meth:`store` opens it again (after a server restart)."""
        self.close()
        self._store = None


def fail(message: str, code: int = 1) -> None:
    """Print a Chinese error to stderr and exit with ``code``."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def run_safely(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn KgmatchError into a Chinese message on stderr and exit status 1."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KgmatchError as err:
            for e in err.errors[5:20]:
                click.echo(f"  {e.message()}", err=True)
            fail(err.message)
    return wrapper
