"""One running bot per database: an exclusive lock on the database file itself.

Two `digest-bot run` on one database would both send every part, and two through
different names of one file (a symlink, a hard link) would also corrupt it (each keeps
its own -wal file beside the name it was given). So the lock is taken on the file, not
on a name: an OS file lock (flock) belongs to the file's inode, whatever path opened it.
It goes away with the process, even after kill -9, so nothing stale blocks a restart.
SQLite's own locks are POSIX record locks, which flock does not touch: `digest-bot
ingest` and `search` do not take this lock; they share the database through SQLite's.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process holds the lock; the message names the database."""


class InstanceLock:
    def __init__(self, database: str | Path) -> None:
        self.database = Path(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.database.parent.mkdir(parents=True, exist_ok=True)
        # A new database starts as an empty file, which SQLite takes as an empty database.
        fd = os.open(self.database, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(
                f"another digest-bot is already running on {self.database}"
                + _also_known_as(self.database)
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _also_known_as(database: Path) -> str:
    """' (the file X)' when the name given is a symlink to another file."""
    resolved = database.resolve()
    return f" (the file {resolved})" if resolved != database.absolute() else ""
