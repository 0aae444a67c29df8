"""`auditor backup`: a consistent copy of the store while the nightly job and the web application keep
working, through SQLite's online backup (pages copied in steps; a write in between restarts the step, never
the copy's consistency). The copy is private (0600), written beside its destination and renamed into place,
so a crash leaves the previous backup intact."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from auditor.app.lookup import open_store
from auditor.config import Config
from reports.files import ensure_private_file, private_dir


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    schema_version: int
    runs: int


def backup(config: Config, dest: Path, *, db: Path | None = None) -> Backup:
    with open_store(config, db) as store:  # the store exists, of this version (migrated if it was older)
        source = store.path
    private_dir(dest.parent)
    partial = dest.with_name(f".{dest.name}.partial")
    if partial.exists() or partial.is_symlink():
        partial.unlink()
    ensure_private_file(partial)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=256)
        dst.execute("pragma journal_mode=delete")  # one self-contained file
        version = int(dst.execute("select max(version) from schema_version").fetchone()[0])
        runs = int(dst.execute("select count(*) from runs").fetchone()[0])
        check = dst.execute("pragma integrity_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity_check: {check}")
    finally:
        dst.close()
        src.close()
    os.replace(partial, dest)
    return Backup(dest, dest.stat().st_size, version, runs)
