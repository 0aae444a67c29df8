"""What every part of the store shares: the database connection and the store's own error."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

# Where a run stages what it observes and judges until it publishes (`auditor.store.staging`).
STAGE_TABLES = ("stage_snapshots", "stage_findings", "stage_events", "stage_carried", "stage_tickets", "stage_coverage")


class StoreError(Exception):
    pass


class StoreTables:
    """Base of the store's parts (inventory, runs, findings, tickets, queries): one connection, one file."""

    path: Path
    db: Database
