"""Private files: everything the auditor writes (store, lock, reports, outbox) holds personal data or decides
what runs, so it is the owner's alone and is never written through a link someone planted.

- folders the auditor creates are 0700, files 0600 (whatever the umask);
- a path that is a symlink is refused (files are opened with O_NOFOLLOW); a file or folder owned by another
  user is refused; a folder of ours that is group- or world-writable is refused; a file of ours with a loose
  mode is tightened, with a warning;
- existing folders the auditor did not create (`/tmp`, the working folder) are only checked for being a
  symlink or, when not sticky like `/tmp`, for belonging to someone else.
Refusals raise UnsafePath, whose message names the path and the reason in the catalogue's language.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

from auditor.i18n import t

log = logging.getLogger(__name__)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafePath(OSError):
    def __init__(self, path: Path, reason: str):
        super().__init__(t("files.unsafe", path=str(path), reason=t(f"files.{reason}")))
        self.path = path


def _check_existing(path: Path, st: os.stat_result, created_by_us: bool) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePath(path, "symlink")
    ours = st.st_uid == os.getuid()
    if stat.S_ISDIR(st.st_mode):
        if not ours and not created_by_us and st.st_mode & stat.S_ISVTX:
            return  # a shared sticky folder such as /tmp: what the auditor puts there is checked itself
        if not ours:
            raise UnsafePath(path, "other_owner")
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise UnsafePath(path, "writable_by_others")
        return
    if not ours:
        raise UnsafePath(path, "other_owner")


def private_dir(path: Path) -> Path:
    """`path` as a folder of ours: missing folders created 0700 (parents too), existing ones checked."""
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    _check_existing(probe, os.lstat(probe), created_by_us=False)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # created meanwhile by another run: checked below all the same
            os.mkdir(folder, 0o700)
        st = os.lstat(folder)
        _check_existing(folder, st, created_by_us=True)
        if stat.S_IMODE(st.st_mode) != 0o700:
            os.chmod(folder, 0o700)  # the umask may have taken bits away or the race left another mode
    return path


def open_private(path: Path, flags: int) -> int:
    """A file descriptor on a private file: never through a symlink, never another user's file; a loose mode
    of our own file is tightened to 0600 with a warning."""
    try:
        fd = os.open(path, flags | NOFOLLOW | CLOEXEC, 0o600)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafePath(path, "symlink") from None
        raise exc
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid():
            raise UnsafePath(path, "other_owner")
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(path, "not_a_file")
        if stat.S_IMODE(st.st_mode) & 0o077:
            log.warning(t("files.tightened", path=str(path), mode=oct(stat.S_IMODE(st.st_mode))))
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd


def ensure_private_file(path: Path) -> Path:
    """Create `path` empty (0600) if missing, or check and tighten the existing file; never through a link."""
    private_dir(path.parent)
    os.close(open_private(path, os.O_RDWR | os.O_CREAT))
    return path


def write_private(path: Path, text: str) -> None:
    """Replace a small private file's content in place (a marker), safely."""
    private_dir(path.parent)
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
