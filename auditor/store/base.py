"""What every part of the store shares: the database connection and the store's own error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

# Where a run stages what it observes and judges until it publishes (`auditor.store.staging`).
STAGE_TABLES = ("stage_snapshots", "stage_findings", "stage_events", "stage_carried", "stage_tickets", "stage_coverage")


class StoreError(Exception):
    pass


class StoreTables:
    """Base of the store's parts (inventory, runs, findings, tickets, queries): one connection, one file."""

    path: Path
    db: Database

    def _append(self, table: str, rows: Sequence[Mapping[str, Any]], *, replacing: str | None = None) -> None:
        """Insert rows that all have the same keys, in one prepared statement: a run stages thousands of small
        batches, and sqlite-utils' `insert_all` reads the table's schema again for each (and looks at every
        value to see whether it needs JSON: a row's values here are already what the column holds).
        `replacing`: the primary key's column; a row whose key exists updates it instead."""
        if not rows:
            return
        columns = list(rows[0])
        upsert = ""
        if replacing is not None:
            updated = ", ".join(f"{c} = excluded.{c}" for c in columns if c != replacing)
            upsert = f" on conflict ({replacing}) do update set {updated}"
        self.db.conn.executemany(
            f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))}){upsert}",
            [[row[c] for c in columns] for row in rows],
        )
