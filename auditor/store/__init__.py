"""The SQLite store: inventory, runs, snapshots, findings and their lifecycle, tickets. Nothing outside this
package writes SQL.

One `Store` object, assembled from one part per concern (each a module of this package): `schema`
(migrations), `inventory`, `runs` (runs, snapshots, pinned ids, discoveries), `findings` (the lifecycle),
`tickets` (the outbox) and `queries` (read-only questions). A run's inventory import, snapshots, findings,
events and ticket rows are written in one transaction by `Store.record_run`, so a crash leaves either the
whole run or none of it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from auditor.crashpoints import crash_point
from auditor.model import (
    AccountSnapshot,
    Coverage,
    DiscoveredAccount,
    Finding,
    Inventory,
    RunMode,
    RunScope,
    RunStatus,
    RunType,
    Severity,
    Waiver,
)
from auditor.store.base import StoreError
from auditor.store.findings import FindingsLifecycle, StoredEvent
from auditor.store.human import HumanRecords
from auditor.store.inventory import InventoryTables
from auditor.store.queries import ReadQueries
from auditor.store.runs import RunRecords
from auditor.store.schema import MIGRATIONS, SCHEMA_VERSION
from auditor.store.tickets import TicketOutbox, TicketPlanner
from auditor.store.users import UserRecords
from reports.files import ensure_private_file

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "StoredEvent"]


class Store(InventoryTables, RunRecords, FindingsLifecycle, TicketOutbox, ReadQueries, HumanRecords, UserRecords):
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

    def record_run(
        self,
        *,
        started_at: datetime,
        finished_at: datetime,
        run_type: RunType,
        scope: RunScope,
        inventory: Inventory,
        digest: str,
        findings: list[Finding],
        waived: dict[str, Waiver],
        evaluated: set[tuple[str, str, str | None]],
        coverage: Coverage,
        errored: set[tuple[str, str, str | None]] | None = None,
        status: RunStatus,
        import_inventory: bool,
        snapshots: dict[tuple[str, str], AccountSnapshot] | None = None,
        discovered: dict[str, list[DiscoveredAccount]] | None = None,
        coverage_detail: dict[tuple[str, Severity], Coverage] | None = None,
        waivers: list[Waiver] | None = None,
        ticketing: TicketPlanner | None = None,
        sinks: list[str] | None = None,
        run_id: int | None = None,
        mode: RunMode = RunMode.LIVE,
        replay_of: int | None = None,
        unverified: set[tuple[str, str, str | None]] | None = None,
        profile: str | None = None,
    ) -> int:
        """Write the run, its inventory (when imported), snapshots, findings and lifecycle events atomically.

        With `run_id` (from `begin_run`) the run's row is completed; without, a run row is added.
        """
        with self.db.atomic():
            if import_inventory:
                self._write_inventory(inventory, digest, started_at)
            crash_point("commit")
            row = {
                "started_at": started_at.isoformat(),
                "finished_at": finished_at.isoformat(),
                "run_type": run_type.value,
                "status": status.value,
                "scope": scope.model_dump_json(),
                "inventory_digest": digest,
                "rules_evaluated": coverage.evaluated,
                "rules_not_observable": coverage.not_observable,
                "rules_errors": coverage.errors,
                "mode": mode.value,
                "replay_of": replay_of,
                "profile": profile,
            }
            if run_id is None:
                run_id = self.db.table("runs").insert(row).last_pk
            else:
                self.db.table("runs").update(run_id, row)
            assert isinstance(run_id, int)
            crash_point("commit")
            self.db.table("inventory_versions").insert(
                {"digest": digest, "document": inventory.model_dump_json(), "first_run": run_id}, ignore=True
            )
            self._write_observations(run_id, snapshots or {}, discovered or {})
            crash_point("commit")
            self.db.table("run_coverage").insert_all(
                {
                    "run_id": run_id,
                    "institution_id": inst,
                    "severity": severity.value,
                    "evaluated": c.evaluated,
                    "not_observable": c.not_observable,
                    "errors": c.errors,
                }
                for (inst, severity), c in (coverage_detail or {}).items()
            )
            self.db.table("run_waivers").insert_all(
                {
                    "run_id": run_id,
                    "waiver_id": w.id,
                    "institution_id": w.scope.institution,
                    "rule": w.rule,
                    "expires": w.expires.isoformat(),
                    "document": w.model_dump_json(),
                }
                for w in waivers or []
            )
            crash_point("commit")
            events = self._apply_lifecycle(
                run_id, inventory, findings, waived, evaluated, errored or set(), unverified or set()
            )
            crash_point("commit")
            if ticketing is not None and sinks:
                self._write_tickets(run_id, ticketing(run_id, events, self._ticket_history()), sinks, started_at)
            crash_point("commit")
        return run_id
