"""The SQLite store: inventory, runs, snapshots, findings and their lifecycle, tickets. Nothing outside this
package writes SQL.

One `Store` object, assembled from one part per concern (each a module of this package): `schema`
(migrations), `inventory`, `runs` (runs, snapshots, pinned ids, discoveries), `findings` (the lifecycle),
`tickets` (the outbox), `staging` (a run in progress) and `queries` (read-only questions). A run stages its
snapshots, findings, events and tickets an institution at a time in short transactions, then publishes them
with its inventory import in one (`Store.publish_run`), so a crash leaves either the whole run or none of it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from auditor.store.base import StoreError
from auditor.store.findings import StoredEvent
from auditor.store.human import HumanRecords
from auditor.store.queries import ReadQueries
from auditor.store.schema import MIGRATIONS, SCHEMA_VERSION
from auditor.store.staging import RunStaging
from auditor.store.users import UserRecords
from reports.files import ensure_private_file

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "StoredEvent"]


class Store(RunStaging, ReadQueries, HumanRecords, UserRecords):
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if str(path) != ":memory:":  # personal data: its owner's only, never opened through a planted link
            ensure_private_file(self.path)
        self.db = Database(self.path)
        self.db.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            self.db.enable_wal()
            for companion in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                if companion.exists():
                    ensure_private_file(companion)
        self.migrate()

    @classmethod
    def read_only(cls, path: str | Path) -> Store:
        """A connection that cannot write (the web application's pages): it never migrates, and a store of
        another schema version is an error rather than a half-understood read."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.db = Database(sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5))
        if store.schema_version() != SCHEMA_VERSION:
            found = store.schema_version()
            store.close()
            raise StoreError(f"{path} has schema version {found}, this auditor reads {SCHEMA_VERSION}: run an audit")
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        if "schema_version" not in self.db.table_names():
            return 0
        row = self.db.execute("select max(version) from schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> None:
        """Apply forward migrations in order, each in its own transaction with its version row."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this auditor "
                f"({SCHEMA_VERSION}): upgrade the auditor"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.db.atomic():
                if version == 1:
                    self.db.table("schema_version").create({"version": int, "applied_at": str}, pk="version")
                MIGRATIONS[version](self.db)
                self.db.table("schema_version").insert({"version": version, "applied_at": datetime.now().isoformat()})
