"""The transactional outbox: ticket events written with the run, their deliveries per sink, and the ledger
that makes a retry or a crash never deliver twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from auditor.model import (
    DeliveryStatus,
    Finding,
    FindingStatus,
    TicketAction,
)
from auditor.store.base import StoreTables
from auditor.tickets.plan import PlannedTicket, TicketHistory

# Plans the tickets of a run's lifecycle events, an institution's at a time (`auditor.tickets.plan`).
TicketPlanner = Callable[[int, "list[tuple[FindingStatus, Finding]]"], "list[PlannedTicket]"]


class TicketOutbox(StoreTables):
    def ticket_history(self) -> dict[str, TicketHistory]:
        rows = self.db.execute(
            """select fingerprint, max(action = 'create' or action = 'reopen'),
                      (select evidence_hash from tickets t2 where t2.fingerprint = t.fingerprint
                       order by id desc limit 1),
                      (select action from tickets t3 where t3.fingerprint = t.fingerprint order by id desc limit 1)
               from tickets t group by fingerprint"""
        ).fetchall()
        return {r[0]: TicketHistory(created=bool(r[1]), last_evidence_hash=r[2], last_action=r[3]) for r in rows}

    def _publish_tickets(self, run_id: int, sinks: list[str], at: datetime, max_new: int) -> int:
        """The run's staged tickets into the outbox, one delivery per sink each (inside the publishing
        transaction), in the inventory's order (each institution's in the order they were planned), whatever
        order the institutions were judged in. Past `max_new` new tickets, a new ticket is held: kept for
        review, not sent. Returns how many were held. (Statements from table to table: one insert per ticket
        through sqlite-utils read the table's schema each time, a fifth of a country's publication.)"""
        self.db.execute(
            """insert into tickets (run_id, fingerprint, action, evidence_hash, content, created_at)
               select run_id, fingerprint, action, evidence_hash, content, ? from stage_tickets
               where run_id = ? order by ordinal, seq""",
            [at.isoformat(), run_id],
        )
        published = self.db.execute("select id, action from tickets where run_id = ? order by id", [run_id])
        created = held_back = 0
        deliveries = []
        for ticket_id, action in published.fetchall():
            held = False
            if action == TicketAction.CREATE.value:
                created += 1
                held = created > max_new
                held_back += int(held)
            status = (DeliveryStatus.HELD if held else DeliveryStatus.PENDING).value
            deliveries += [(ticket_id, sink, status, 0, at.isoformat()) for sink in sinks]
        self.db.conn.executemany(
            "insert into deliveries (ticket_id, sink, status, attempts, next_attempt_at) values (?, ?, ?, ?, ?)",
            deliveries,
        )
        return held_back

    def due_deliveries(self, now: datetime, ticket_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Pending deliveries whose next attempt is due, oldest ticket first (a create before its comments)."""
        sql = """select d.*, t.content, t.fingerprint, t.action from deliveries d join tickets t on t.id = d.ticket_id
                 where d.status = 'pending' and d.next_attempt_at <= ?"""
        params: list[Any] = [now.isoformat()]
        if ticket_ids:
            sql += f" and d.ticket_id in ({','.join('?' * len(ticket_ids))})"
            params += ticket_ids
        return list(self.db.query(sql + " order by d.ticket_id, d.sink", params))

    def installation_id(self) -> str:
        row = self.db.execute("select id from installation").fetchone()
        return str(row[0])

    def event_key(self, ticket_id: int, fingerprint: str, action: str) -> str:
        """The ticket event's stable name: installation, finding, event and its sequence among that finding's
        tickets — the same on every retry, different in any other store (never a bare row number)."""
        (sequence,) = self.db.execute(
            "select count(*) from tickets where fingerprint = ? and id <= ?", [fingerprint, ticket_id]
        ).fetchone()
        return f"oee-{self.installation_id()[:16]}-{fingerprint[:24]}-{action}-{sequence}"

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
