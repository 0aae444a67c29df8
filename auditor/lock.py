"""The single-writer lock: one audit at a time writes a store, scheduled or on demand.

An OS file lock (`flock`) on `<store>.lock` next to the database: released by the kernel when the holder
dies, so a crashed run never leaves a stale lock. The holder's pid and start time are written in the file
so the one who waits can be told who holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from auditor.i18n import t
from reports.files import open_private, private_dir


class StoreBusy(Exception):
    def __init__(self, path: Path, holder: str, waited: float):
        self.path, self.holder, self.waited = path, holder, waited
        super().__init__(
            t("lock.busy", store=path.with_suffix(""), holder=holder or t("lock.unknown_holder"), waited=waited)
        )


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def store_lock(db: Path, wait_seconds: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the store's write lock, waiting up to `wait_seconds` for it; raises StoreBusy after that."""
    path = lock_path(db)
    private_dir(path.parent)
    fd = open_private(path, os.O_RDWR | os.O_CREAT)  # a planted symlink is refused, never written through
    started = time.monotonic()
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= wait_seconds:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                    raise StoreBusy(path, holder, waited) from None
                time.sleep(min(poll, max(0.0, wait_seconds - waited)) or poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(tz=UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
