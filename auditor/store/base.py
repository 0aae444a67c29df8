"""What every part of the store shares: the database connection and the store's own error."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database


class StoreError(Exception):
    pass


class StoreTables:
    """Base of the store's parts (inventory, runs, findings, tickets, queries): one connection, one file."""

    path: Path
    db: Database
