"""The SQLite store: inventory, runs, findings and their lifecycle. Nothing outside this module writes SQL.

A run's inventory import, findings and events are written in one transaction (`Database.atomic`), so a
crash leaves either the whole run or none of it. Tables and views are named for the person who opens the
file with Datasette: `open_findings` and `findings_by_institution` answer the first two questions asked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from auditor.crashpoints import crash_point
from auditor.model import (
    AccountSnapshot,
    Coverage,
    DeliveryStatus,
    DiscoveredAccount,
    Finding,
    FindingStatus,
    Institution,
    Inventory,
    Run,
    RunScope,
    RunStatus,
    RunType,
    Severity,
    Waiver,
    shared_scope,
)
from auditor.tickets.plan import PlannedTicket, TicketHistory

SCHEMA_VERSION = 5


def _migration_1(db: Database) -> None:
    db.table("institutions").create(
        {
            "id": str,
            "name": str,
            "ruc": str,
            "pgn_code": str,
            "level": str,
            "status": str,
            "email_domains": str,
            "communications_director": str,
            "rsi": str,
            "document": str,
            "inventory_digest": str,
            "imported_at": str,
        },
        pk="id",
    )
    db.table("accounts").create(
        {
            "institution_id": str,
            "id": str,
            "platform": str,
            "kind": str,
            "handle": str,
            "alternative_handle": str,
            "display_name": str,
            "linked_email": str,
            "status": str,
            "platform_account_id": str,
        },
        pk=("institution_id", "id"),
        foreign_keys=[("institution_id", "institutions", "id")],
    )
    db.table("people").create(
        {
            "institution_id": str,
            "id": str,
            "name": str,
            "ci": str,
            "link_type": str,
            "email": str,
            "mobile": str,
            "status": str,
            "status_date": str,
        },
        pk=("institution_id", "id"),
        foreign_keys=[("institution_id", "institutions", "id")],
    )
    db.table("authorizations").create(
        {"institution_id": str, "person_id": str, "account_id": str, "role": str, "contact_point": int},
        pk=("institution_id", "person_id", "account_id"),
        foreign_keys=[("institution_id", "institutions", "id")],
    )
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "run_type": str,
            "status": str,
            "scope": str,
            "inventory_digest": str,
            "rules_evaluated": int,
            "rules_not_observable": int,
            "rules_errors": int,
        },
        pk="id",
    )
    db.table("findings").create(
        {
            "fingerprint": str,
            "policy_id": str,
            "severity": str,
            "institution_id": str,
            "platform": str,
            "account_id": str,
            "handle": str,
            "subject": str,
            "status": str,
            "message_es": str,
            "message_en": str,
            "guide_ref": str,
            "incident": int,
            "rsit": str,
            "evidence": str,
            "first_seen_run": int,
            "last_seen_run": int,
            "resolved_run": int,
            "waiver_id": str,
        },
        pk="fingerprint",
        foreign_keys=[("first_seen_run", "runs", "id"), ("last_seen_run", "runs", "id")],
    )
    db.table("finding_events").create(
        {
            "run_id": int,
            "fingerprint": str,
            "status": str,
            "severity": str,
            "message_es": str,
            "message_en": str,
            "evidence": str,
            "waiver_id": str,
            "waiver": str,
        },
        pk=("run_id", "fingerprint"),
        foreign_keys=[("run_id", "runs", "id"), ("fingerprint", "findings", "fingerprint")],
    )
    db.table("findings").create_index(["institution_id", "status"])
    db.table("finding_events").create_index(["fingerprint"])
    db.create_view(
        "open_findings",
        """select f.severity, f.policy_id, i.name as institution, f.platform, f.account_id, f.handle,
                  f.subject, f.message_es as message, f.first_seen_run, f.last_seen_run, f.fingerprint
           from findings f join institutions i on i.id = f.institution_id
           where f.status = 'open'
           order by case f.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2
                    when 'low' then 3 else 4 end, i.name, f.policy_id""",
    )
    db.create_view(
        "findings_by_institution",
        """select i.id as institution_id, i.name as institution,
                  sum(f.status = 'open') as open, sum(f.status = 'waived') as waived,
                  sum(f.status = 'open' and f.severity = 'critical') as critical,
                  sum(f.status = 'open' and f.severity = 'high') as high,
                  sum(f.status = 'open' and f.severity = 'medium') as medium,
                  sum(f.status = 'open' and f.severity = 'low') as low,
                  sum(f.status = 'open' and f.severity = 'info') as info
           from institutions i left join findings f on f.institution_id = i.id
           group by i.id order by open desc""",
    )


def _migration_2(db: Database) -> None:
    """Live observation: snapshots per run, pinned platform ids, inventory versions, discoveries."""
    db.table("snapshots").create(
        {
            "run_id": int,
            "institution_id": str,
            "account_id": str,
            "platform": str,
            "platform_account_id": str,
            "fetched_at": str,
            "error": str,
            "document": str,
        },
        pk=("run_id", "institution_id", "account_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("account_bindings").create(
        {
            "institution_id": str,
            "account_id": str,
            "platform": str,
            "platform_account_id": str,
            "pinned_run": int,
            "pinned_at": str,
        },
        pk=("institution_id", "account_id"),
    )
    db.table("inventory_versions").create({"digest": str, "document": str, "first_run": int}, pk="digest")
    db.table("discoveries").create(
        {
            "run_id": int,
            "institution_id": str,
            "platform": str,
            "platform_account_id": str,
            "handle": str,
            "name": str,
            "credential": str,
        },
        pk=("run_id", "institution_id", "platform", "platform_account_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.create_view(
        "latest_snapshots",
        """select s.* from snapshots s
           join (select institution_id, account_id, max(run_id) as run_id from snapshots group by 1, 2) last
             on last.institution_id = s.institution_id and last.account_id = s.account_id
            and last.run_id = s.run_id""",
    )


def _migration_3(db: Database) -> None:
    """Per-run coverage by institution and severity, and the waivers a run was evaluated with."""
    db.table("run_coverage").create(
        {"run_id": int, "institution_id": str, "severity": str, "evaluated": int, "not_observable": int, "errors": int},
        pk=("run_id", "institution_id", "severity"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("run_waivers").create(
        {"run_id": int, "waiver_id": str, "institution_id": str, "rule": str, "expires": str, "document": str},
        pk=("run_id", "waiver_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )


def _migration_4(db: Database) -> None:
    """Incident tickets: the outbox (tickets + one delivery per sink) and the ledger of external ids."""
    db.table("tickets").create(
        {
            "id": int,
            "run_id": int,
            "fingerprint": str,
            "action": str,
            "evidence_hash": str,
            "content": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("fingerprint", "findings", "fingerprint")],
    )
    db.table("deliveries").create(
        {
            "ticket_id": int,
            "sink": str,
            "status": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "delivered_at": str,
            "external_id": str,
        },
        pk=("ticket_id", "sink"),
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db.table("ticket_ledger").create(
        {"sink": str, "group_key": str, "external_id": str, "state": str, "members": str, "updated_at": str},
        pk=("sink", "group_key"),
    )
    db.table("tickets").create_index(["fingerprint"])
    db.table("deliveries").create_index(["status", "next_attempt_at"])


def _migration_5(db: Database) -> None:
    """Indexes for the look-ups every run makes, so a run does not slow down as history grows."""
    db.table("snapshots").create_index(["institution_id", "account_id", "run_id"])
    db.table("finding_events").create_index(["run_id"])


MIGRATIONS: dict[int, Callable[[Database], None]] = {
    1: _migration_1,
    2: _migration_2,
    3: _migration_3,
    4: _migration_4,
    5: _migration_5,
}


@dataclass(frozen=True)
class StoredEvent:
    """A finding as one run saw it: the event's state and text joined with the finding's identity."""

    run_id: int
    status: FindingStatus
    finding: Finding
    first_seen_run: int
    waiver: Waiver | None


TicketPlanner = Callable[
    [int, "list[tuple[FindingStatus, Finding]]", "dict[str, TicketHistory]"], "list[PlannedTicket]"
]


def _finding_from_row(row: dict[str, Any]) -> Finding:
    return Finding(
        policy_id=row["policy_id"],
        severity=row["severity"],
        institution=row["institution_id"],
        platform=row["platform"],
        account=row["account_id"],
        handle=row["handle"],
        subject=row["subject"],
        fingerprint=row["fingerprint"],
        message_es=row["message_es"],
        message_en=row["message_en"],
        guide_ref=row["guide_ref"],
        incident=bool(row["incident"]),
        rsit=row["rsit"],
        evidence=json.loads(row["evidence"] or "{}"),
    )


class StoreError(Exception):
    pass


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        new = str(path) != ":memory:" and not self.path.exists()
        if new:  # the store holds personal data: readable by its owner only
            self.path.touch(mode=0o600)
        self.db = Database(self.path)
        self.db.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            self.db.enable_wal()
        self.migrate()

    def close(self) -> None:
        self.db.close()

    # -- schema -------------------------------------------------------------------------------------

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

    # -- inventory ----------------------------------------------------------------------------------

    def _write_inventory(self, inventory: Inventory, digest: str, at: datetime) -> None:
        for inst_inv in inventory.institutions:
            inst = inst_inv.institution
            for table in ("authorizations", "people", "accounts"):
                self.db.execute(f"delete from {table} where institution_id = ?", [inst.id])
            self.db.table("institutions").upsert(
                {
                    "id": inst.id,
                    "name": inst.name,
                    "ruc": inst.ruc,
                    "pgn_code": inst.pgn_code,
                    "level": inst.level.value if inst.level else None,
                    "status": inst.status.value,
                    "email_domains": json.dumps(inst.email_domains),
                    "communications_director": _contact(inst.communications_director),
                    "rsi": _contact(inst.rsi),
                    "document": inst_inv.model_dump_json(),
                    "inventory_digest": digest,
                    "imported_at": at.isoformat(),
                },
                pk="id",
            )
            self.db.table("accounts").insert_all(
                (
                    {
                        "institution_id": inst.id,
                        "id": a.id,
                        "platform": a.platform.value,
                        "kind": a.kind.value,
                        "handle": a.handle,
                        "alternative_handle": a.alternative_handle,
                        "display_name": a.display_name,
                        "linked_email": a.linked_email,
                        "status": a.status.value,
                        "platform_account_id": a.platform_account_id,
                    }
                    for a in inst_inv.accounts
                ),
            )
            self.db.table("people").insert_all(
                (
                    {
                        "institution_id": inst.id,
                        "id": p.id,
                        "name": p.name,
                        "ci": p.ci,
                        "link_type": p.link_type.value if p.link_type else None,
                        "email": p.email,
                        "mobile": p.mobile,
                        "status": p.status.value,
                        "status_date": p.status_date.isoformat() if p.status_date else None,
                    }
                    for p in inst_inv.people
                ),
            )
            self.db.table("authorizations").insert_all(
                (
                    {
                        "institution_id": inst.id,
                        "person_id": p.id,
                        "account_id": acc.account,
                        "role": acc.role.value if acc.role else None,
                        "contact_point": int(acc.contact_point),
                    }
                    for p in inst_inv.people
                    for acc in p.access
                ),
            )

    def import_inventory(self, inventory: Inventory, digest: str, at: datetime) -> None:
        with self.db.atomic():
            self._write_inventory(inventory, digest, at)

    def load_inventory(self) -> Inventory:
        """The inventory as last imported (one document per institution, as validated then)."""
        from auditor.model import InstitutionInventory

        rows = self.db.execute("select document from institutions order by id").fetchall()
        return Inventory(institutions=[InstitutionInventory.model_validate_json(r[0]) for r in rows])

    def institution_names(self) -> dict[str, str]:
        return dict(self.db.execute("select id, name from institutions").fetchall())

    # -- runs ---------------------------------------------------------------------------------------

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
            events = self._apply_lifecycle(run_id, inventory, findings, waived, evaluated, errored or set())
            crash_point("commit")
            if ticketing is not None and sinks:
                self._write_tickets(run_id, ticketing(run_id, events, self._ticket_history()), sinks, started_at)
            crash_point("commit")
        return run_id

    def begin_run(self, *, started_at: datetime, run_type: RunType, scope: RunScope, digest: str) -> int:
        """Record that a run started (status `running`), so a run that dies is visible, not silent."""
        with self.db.atomic():
            run_id = (
                self.db.table("runs")
                .insert(
                    {
                        "started_at": started_at.isoformat(),
                        "finished_at": None,
                        "run_type": run_type.value,
                        "status": RunStatus.RUNNING.value,
                        "scope": scope.model_dump_json(),
                        "inventory_digest": digest,
                        "rules_evaluated": 0,
                        "rules_not_observable": 0,
                        "rules_errors": 0,
                    }
                )
                .last_pk
            )
        assert isinstance(run_id, int)
        return run_id

    def abort_interrupted_runs(self, at: datetime) -> list[int]:
        """Runs still `running` while the caller holds the store's lock died (killed, power cut): they are
        recorded as aborted, with nothing else of theirs in the store (their transaction never committed)."""
        with self.db.atomic():
            ids = [r[0] for r in self.db.execute("select id from runs where status = 'running'").fetchall()]
            if ids:
                self.db.execute(
                    "update runs set status = 'aborted', finished_at = ? where status = 'running'", [at.isoformat()]
                )
        return ids

    # -- tickets (the transactional outbox) ----------------------------------------------------------

    def _ticket_history(self) -> dict[str, TicketHistory]:
        rows = self.db.execute(
            """select fingerprint, max(action = 'create' or action = 'reopen'),
                      (select evidence_hash from tickets t2 where t2.fingerprint = t.fingerprint
                       order by id desc limit 1)
               from tickets t group by fingerprint"""
        ).fetchall()
        return {r[0]: TicketHistory(created=bool(r[1]), last_evidence_hash=r[2]) for r in rows}

    def _write_tickets(self, run_id: int, planned: list[PlannedTicket], sinks: list[str], at: datetime) -> None:
        for p in planned:
            ticket_id = (
                self.db.table("tickets")
                .insert(
                    {
                        "run_id": run_id,
                        "fingerprint": p.content.fingerprint,
                        "action": p.content.action.value,
                        "evidence_hash": p.evidence_hash,
                        "content": p.content.model_dump_json(),
                        "created_at": at.isoformat(),
                    },
                )
                .last_pk
            )
            for sink in sinks:
                self.db.table("deliveries").insert(
                    {
                        "ticket_id": ticket_id,
                        "sink": sink,
                        "status": (DeliveryStatus.HELD if p.held else DeliveryStatus.PENDING).value,
                        "attempts": 0,
                        "next_attempt_at": at.isoformat(),
                        "last_error": None,
                        "delivered_at": None,
                        "external_id": None,
                    },
                )

    def due_deliveries(self, now: datetime, ticket_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Pending deliveries whose next attempt is due, oldest ticket first (a create before its comments)."""
        sql = """select d.*, t.content, t.fingerprint, t.action from deliveries d join tickets t on t.id = d.ticket_id
                 where d.status = 'pending' and d.next_attempt_at <= ?"""
        params: list[Any] = [now.isoformat()]
        if ticket_ids:
            sql += f" and d.ticket_id in ({','.join('?' * len(ticket_ids))})"
            params += ticket_ids
        return list(self.db.query(sql + " order by d.ticket_id, d.sink", params))

    def ledger(self, sink: str, group: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from ticket_ledger where sink = ? and group_key = ?", [sink, group]))
        if not rows:
            return None
        row = rows[0]
        row["members"] = json.loads(row["members"] or "[]")
        return row

    def record_delivery(
        self, ticket_id: int, sink: str, at: datetime, *, status: DeliveryStatus, ledger: dict[str, Any] | None
    ) -> None:
        """Mark one delivery done and update the ledger (group → external id) in one transaction."""
        with self.db.atomic():
            if ledger is not None:
                self.db.table("ticket_ledger").upsert(
                    {**ledger, "members": json.dumps(sorted(ledger["members"])), "updated_at": at.isoformat()},
                    pk=("sink", "group_key"),
                )
            self.db.execute(
                "update deliveries set status = ?, delivered_at = ?, external_id = ?, attempts = attempts + 1, "
                "last_error = null where ticket_id = ? and sink = ?",
                [status.value, at.isoformat(), ledger["external_id"] if ledger else None, ticket_id, sink],
            )

    def record_failure(self, ticket_id: int, sink: str, error: str, next_attempt: datetime, give_up: bool) -> None:
        with self.db.atomic():
            self.db.execute(
                "update deliveries set attempts = attempts + 1, last_error = ?, next_attempt_at = ?, status = ? "
                "where ticket_id = ? and sink = ?",
                [
                    error[:2000],
                    next_attempt.isoformat(),
                    (DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING).value,
                    ticket_id,
                    sink,
                ],
            )

    def list_deliveries(self, status: str | None = None) -> list[dict[str, Any]]:
        sql = """select d.ticket_id, d.sink, d.status, d.attempts, d.last_error, d.external_id, d.delivered_at,
                        t.run_id, t.action, t.fingerprint, t.content from deliveries d
                 join tickets t on t.id = d.ticket_id"""
        rows = self.db.query(
            sql + (" where d.status = ?" if status else "") + " order by d.ticket_id, d.sink",
            [status] if status else [],
        )
        return list(rows)

    def retry(self, ticket_id: int, now: datetime) -> int:
        """Put a failed or held ticket's deliveries back in the queue; returns how many."""
        with self.db.atomic():
            cursor = self.db.execute(
                "update deliveries set status = 'pending', attempts = 0, next_attempt_at = ? "
                "where ticket_id = ? and status in ('failed', 'held')",
                [now.isoformat(), ticket_id],
            )
            return int(cursor.rowcount)

    def _write_observations(
        self,
        run_id: int,
        snapshots: dict[tuple[str, str], AccountSnapshot],
        discovered: dict[str, list[DiscoveredAccount]],
    ) -> None:
        """Sanitised snapshots (connectors never put tokens in them), pinned ids, and discoveries."""
        bindings = {(r["institution_id"], r["account_id"]): r for r in self.db.table("account_bindings").rows}
        for (inst, account), snap in snapshots.items():
            self.db.table("snapshots").insert(
                {
                    "run_id": run_id,
                    "institution_id": inst,
                    "account_id": account,
                    "platform": snap.platform.value,
                    "platform_account_id": snap.platform_account_id,
                    "fetched_at": snap.fetched_at.isoformat(),
                    "error": snap.error.value if snap.error else None,
                    "document": snap.model_dump_json(),
                },
            )
            known = bindings.get((inst, account))
            if snap.platform_account_id and (known is None or known["platform_account_id"] != snap.platform_account_id):
                # Pinned the first time the account resolves; re-pinned only when the inventory names another id.
                self.db.table("account_bindings").upsert(
                    {
                        "institution_id": inst,
                        "account_id": account,
                        "platform": snap.platform.value,
                        "platform_account_id": snap.platform_account_id,
                        "pinned_run": run_id,
                        "pinned_at": snap.fetched_at.isoformat(),
                    },
                    pk=("institution_id", "account_id"),
                )
        self.db.table("discoveries").insert_all(
            (
                {
                    "run_id": run_id,
                    "institution_id": inst,
                    "platform": d.platform.value,
                    "platform_account_id": d.platform_account_id,
                    "handle": d.handle,
                    "name": d.name,
                    "credential": d.credential,
                }
                for inst, found in discovered.items()
                for d in found
            ),
            ignore=True,
        )

    def record_aborted_run(
        self,
        *,
        started_at: datetime,
        finished_at: datetime,
        run_type: RunType,
        scope: RunScope,
        digest: str,
        run_id: int | None = None,
    ) -> int:
        """A run stopped before its transaction: recorded as aborted, with no finding, event or ticket."""
        if run_id is None:
            run_id = self.begin_run(started_at=started_at, run_type=run_type, scope=scope, digest=digest)
        with self.db.atomic():
            self.db.table("runs").update(
                run_id, {"status": RunStatus.ABORTED.value, "finished_at": finished_at.isoformat()}
            )
        return run_id

    def _apply_lifecycle(
        self,
        run_id: int,
        inventory: Inventory,
        findings: list[Finding],
        waived: dict[str, Waiver],
        evaluated: set[tuple[str, str, str | None]],
        errored: set[tuple[str, str, str | None]],
    ) -> list[tuple[FindingStatus, Finding]]:
        """new / persisting / regressed / waived for what this run saw; resolved for what it no longer sees
        where the rule really ran (a rule that did not run resolves nothing); persisting, unchanged, for what a
        rule could not re-check because of a fetch error (still open: the run's report must show it). Returns
        the run's events."""
        previous = {r["fingerprint"]: r for r in self.db.table("findings").rows}
        seen = set()
        events: list[tuple[FindingStatus, Finding]] = []
        finding_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        resolved: list[str] = []
        carried: list[str] = []
        for f in findings:
            if f.fingerprint in seen:
                continue
            seen.add(f.fingerprint)
            prev = previous.get(f.fingerprint)
            waiver = waived.get(f.fingerprint)
            if waiver is not None:
                event = FindingStatus.WAIVED
            elif prev is None:
                event = FindingStatus.NEW
            elif prev["status"] == "resolved":
                event = FindingStatus.REGRESSED
            else:
                event = FindingStatus.PERSISTING
            finding_rows.append(
                {
                    "fingerprint": f.fingerprint,
                    "policy_id": f.policy_id,
                    "severity": f.severity.value,
                    "institution_id": f.institution,
                    "platform": f.platform.value if f.platform else None,
                    "account_id": f.account,
                    "handle": f.handle,
                    "subject": f.subject,
                    "status": "waived" if waiver else "open",
                    "message_es": f.message_es,
                    "message_en": f.message_en,
                    "guide_ref": f.guide_ref,
                    "incident": int(f.incident),
                    "rsit": f.rsit,
                    "evidence": json.dumps(f.evidence, default=str, sort_keys=True),
                    "first_seen_run": prev["first_seen_run"] if prev else run_id,
                    "last_seen_run": run_id,
                    "resolved_run": None,
                    "waiver_id": waiver.id if waiver else None,
                }
            )
            event_rows.append(
                self._event(
                    run_id, f.fingerprint, event, f.severity.value, f.message_es, f.message_en, f.evidence, waiver
                )
            )
            events.append((event, f))
        registered = {(i.institution.id, a.id) for i in inventory.institutions for a in i.accounts}
        full = {inst for (_, inst, acc) in evaluated if acc is None}
        for fp, prev in previous.items():
            if fp in seen or prev["status"] == "resolved":
                continue
            inst, account, policy = prev["institution_id"], prev["account_id"], prev["policy_id"]
            shared = (policy, inst, shared_scope(prev["subject"]))
            ran_there = (policy, inst, account) in evaluated or (policy, inst, None) in evaluated or shared in evaluated
            account_gone = account is not None and inst in full and (inst, account) not in registered
            if not (ran_there or account_gone):
                if (
                    policy,
                    inst,
                    account,
                ) in errored or shared in errored:  # not re-checked: still open, shown as it was last seen
                    carried.append(fp)
                continue  # the rule did not run on it this time: incomparable, left as it was
            resolved.append(fp)
            event_rows.append(
                self._event(
                    run_id,
                    fp,
                    FindingStatus.RESOLVED,
                    prev["severity"],
                    prev["message_es"],
                    prev["message_en"],
                    {"reason": "account_unregistered"} if account_gone else {},
                    None,
                )
            )
            events.append((FindingStatus.RESOLVED, _finding_from_row(prev)))
        # Written in bulk: one statement per table instead of one per finding (the same transaction).
        if finding_rows:
            self.db.table("findings").upsert_all(finding_rows, pk="fingerprint")
        self.db.conn.executemany(
            "update findings set status = 'resolved', resolved_run = ?, waiver_id = null where fingerprint = ?",
            [(run_id, fp) for fp in resolved],
        )
        if event_rows:
            self.db.table("finding_events").insert_all(event_rows)
        # Copies of their last event (messages, evidence, waiver), persisting, so the report still lists them.
        self.db.conn.executemany(
            """insert into finding_events (run_id, fingerprint, status, severity, message_es, message_en, evidence,
                                           waiver_id, waiver)
               select ?, fingerprint, case status when 'waived' then 'waived' else 'persisting' end, severity,
                      message_es, message_en, evidence, waiver_id, waiver
               from finding_events where fingerprint = ? and status != 'resolved' order by run_id desc limit 1""",
            [(run_id, fp) for fp in carried],
        )
        return events

    def _event(
        self,
        run_id: int,
        fp: str,
        status: FindingStatus,
        severity: str,
        message_es: str,
        message_en: str,
        evidence: dict[str, Any],
        waiver: Waiver | None,
    ) -> dict[str, Any]:
        """The `finding_events` row of one finding in one run."""
        return {
            "run_id": run_id,
            "fingerprint": fp,
            "status": status.value,
            "severity": severity,
            "message_es": message_es,
            "message_en": message_en,
            "evidence": json.dumps(evidence, default=str, sort_keys=True),
            "waiver_id": waiver.id if waiver else None,
            "waiver": waiver.model_dump_json() if waiver else None,
        }

    # -- reading ------------------------------------------------------------------------------------

    def pinned_ids(self) -> dict[tuple[str, str], str]:
        return {
            (r["institution_id"], r["account_id"]): r["platform_account_id"]
            for r in self.db.table("account_bindings").rows
        }

    def latest_snapshots(self, before_run: int | None = None) -> dict[tuple[str, str], AccountSnapshot]:
        """Per account, the last snapshot that was fetched successfully (before a run, if given)."""
        sql = """select s.institution_id, s.account_id, s.document from snapshots s
                 join (select institution_id, account_id, max(run_id) as run_id from snapshots
                       where error is null and run_id < ? group by institution_id, account_id) last
                   on last.institution_id = s.institution_id and last.account_id = s.account_id
                  and last.run_id = s.run_id"""
        rows = self.db.execute(sql, [before_run if before_run is not None else 2**62]).fetchall()
        return {(r[0], r[1]): AccountSnapshot.model_validate_json(r[2]) for r in rows}

    def run_snapshots(self, run_id: int) -> dict[tuple[str, str], AccountSnapshot]:
        rows = self.db.execute(
            "select institution_id, account_id, document from snapshots where run_id = ?", [run_id]
        ).fetchall()
        return {(r[0], r[1]): AccountSnapshot.model_validate_json(r[2]) for r in rows}

    def run_discoveries(self, run_id: int) -> dict[str, list[DiscoveredAccount]] | None:
        rows = list(self.db.query("select * from discoveries where run_id = ?", [run_id]))
        if not rows:
            return None
        out: dict[str, list[DiscoveredAccount]] = {}
        for r in rows:
            out.setdefault(r["institution_id"], []).append(
                DiscoveredAccount(
                    platform=r["platform"],
                    platform_account_id=r["platform_account_id"],
                    handle=r["handle"],
                    name=r["name"],
                    credential=r["credential"],
                )
            )
        return out

    def inventory_version(self, digest: str) -> Inventory | None:
        row = self.db.execute("select document from inventory_versions where digest = ?", [digest]).fetchone()
        return Inventory.model_validate_json(row[0]) if row else None

    def prior_evidence(
        self, before_run: int | None = None
    ) -> dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]]:
        """Evidence of findings open or waived when a run starts, per account then (policy, subject)."""
        if before_run is None:
            rows = self.db.execute(
                "select institution_id, account_id, policy_id, subject, evidence from findings "
                "where status in ('open', 'waived') and account_id is not null"
            ).fetchall()
        else:
            rows = self.db.execute(
                """select f.institution_id, f.account_id, f.policy_id, f.subject, e.evidence
                   from finding_events e join findings f on f.fingerprint = e.fingerprint
                   where e.run_id = (select max(id) from runs where id < ? and status in ('complete', 'incomplete'))
                   and e.status != 'resolved'
                   and f.account_id is not null""",
                [before_run],
            ).fetchall()
        out: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}
        for inst, account, policy, subject, evidence in rows:
            out.setdefault((inst, account), {})[(policy, subject)] = json.loads(evidence or "{}")
        return out

    def run(self, run_id: int | None = None) -> Run | None:
        """A run by id, or the latest one that recorded its findings (not running, not aborted)."""
        sql = "select * from runs " + (
            "where id = ?" if run_id else "where status in ('complete', 'incomplete') order by id desc limit 1"
        )
        rows = list(self.db.query(sql, [run_id] if run_id else []))
        if not rows:
            return None
        r = rows[0]
        return Run(
            id=r["id"],
            started_at=datetime.fromisoformat(r["started_at"]),
            finished_at=datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None,
            run_type=RunType(r["run_type"]),
            scope=RunScope.model_validate_json(r["scope"]),
            status=RunStatus(r["status"]),
            inventory_digest=r["inventory_digest"],
            coverage=Coverage(
                evaluated=r["rules_evaluated"],
                not_observable=r["rules_not_observable"],
                errors=r["rules_errors"],
            ),
        )

    def coverage_by_severity(self, run_id: int, institution: str | None = None) -> dict[Severity, Coverage]:
        sql = (
            "select severity, sum(evaluated), sum(not_observable), sum(errors) from run_coverage "
            "where run_id = ?" + (" and institution_id = ?" if institution else "") + " group by severity"
        )
        rows = self.db.execute(sql, [run_id, institution] if institution else [run_id]).fetchall()
        return {Severity(r[0]): Coverage(evaluated=r[1], not_observable=r[2], errors=r[3]) for r in rows}

    def run_waivers(self, run_id: int, institution: str | None = None) -> list[Waiver]:
        rows = self.db.execute(
            "select document from run_waivers where run_id = ?"
            + (" and institution_id = ?" if institution else "")
            + " order by waiver_id",
            [run_id, institution] if institution else [run_id],
        ).fetchall()
        return [Waiver.model_validate_json(r[0]) for r in rows]

    def open_counts_by_run(
        self, up_to_run: int, institution: str | None = None, limit: int = 12
    ) -> list[tuple[int, str, dict[Severity, int]]]:
        """Open (not waived, not resolved) findings per severity for the last runs: the report's trend."""
        runs = self.db.execute(
            "select id, started_at from runs where id <= ? and status in ('complete', 'incomplete') "
            "order by id desc limit ?",
            [up_to_run, limit],
        ).fetchall()
        out = []
        for run_id, started in reversed(runs):
            sql = (
                "select e.severity, count(*) from finding_events e join findings f on f.fingerprint = e.fingerprint "
                "where e.run_id = ? and e.status in ('new', 'persisting', 'regressed')"
                + (" and f.institution_id = ?" if institution else "")
                + " group by e.severity"
            )
            counts = {
                Severity(r[0]): r[1]
                for r in self.db.execute(sql, [run_id, institution] if institution else [run_id]).fetchall()
            }
            out.append((run_id, started, counts))
        return out

    def runs(self, limit: int = 20) -> list[Run]:
        ids = [r[0] for r in self.db.execute("select id from runs order by id desc limit ?", [limit]).fetchall()]
        return [run for run in (self.run(i) for i in ids) if run is not None]

    def findings(
        self, *, status: str = "open", min_severity: Severity | None = None, institution: str | None = None
    ) -> list[dict[str, Any]]:
        clauses, params = ["status = ?"], [status]
        if min_severity is not None:
            allowed = [s.value for s in Severity if s.rank >= min_severity.rank]
            clauses.append(f"severity in ({','.join('?' * len(allowed))})")
            params += allowed
        if institution:
            clauses.append("institution_id = ?")
            params.append(institution)
        order = (
            "case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 "
            "else 4 end, institution_id, account_id, policy_id"
        )
        return list(self.db.query(f"select * from findings where {' and '.join(clauses)} order by {order}", params))

    def previous_run_id(self, run_id: int) -> int | None:
        row = self.db.execute(
            "select max(id) from runs where id < ? and status in ('complete', 'incomplete')", [run_id]
        ).fetchone()
        return int(row[0]) if row[0] is not None else None

    def events(self, run_id: int) -> Iterator[StoredEvent]:
        sql = """select e.status as event_status, e.severity as event_severity, e.message_es as e_es,
                        e.message_en as e_en, e.evidence as e_evidence, e.waiver, f.*
                 from finding_events e join findings f on f.fingerprint = e.fingerprint
                 where e.run_id = ? order by f.institution_id, f.platform, f.account_id, f.policy_id,
                 f.subject"""
        for r in self.db.query(sql, [run_id]):
            yield StoredEvent(
                run_id=run_id,
                status=FindingStatus(r["event_status"]),
                finding=Finding(
                    policy_id=r["policy_id"],
                    severity=r["event_severity"],
                    institution=r["institution_id"],
                    platform=r["platform"],
                    account=r["account_id"],
                    handle=r["handle"],
                    subject=r["subject"],
                    fingerprint=r["fingerprint"],
                    message_es=r["e_es"],
                    message_en=r["e_en"],
                    guide_ref=r["guide_ref"],
                    incident=bool(r["incident"]),
                    rsit=r["rsit"],
                    evidence=json.loads(r["e_evidence"] or "{}"),
                ),
                first_seen_run=r["first_seen_run"],
                waiver=Waiver.model_validate_json(r["waiver"]) if r["waiver"] else None,
            )

    def institution(self, institution_id: str) -> Institution | None:
        inv = self.load_inventory().get(institution_id)
        return inv.institution if inv else None


def _contact(contact: Any) -> str | None:
    return contact.model_dump_json() if contact else None
