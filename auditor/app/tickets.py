"""Incident tickets from the front ends' side: deliver what is due, release a held or failed ticket, and
list the outbox. Held tickets (over the per-run cap) are always reported back, never silently kept."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.app.lookup import open_store
from auditor.config import Config, TicketsConfig
from auditor.engine import deliver_tickets
from auditor.lock import store_lock
from auditor.model import DeliveryStatus, TicketDelivery
from auditor.model.clock import utcnow
from auditor.store import Store
from auditor.tickets.deliver import DeliveryReport

LOCK_WAIT_SECONDS = 60  # ticket commands wait this long for an audit holding the store


@dataclass(frozen=True)
class TicketsOutcome:
    held: int  # new tickets over the per-run cap, kept for review and not sent
    max_new_per_run: int
    delivery: DeliveryReport | None  # None: nothing was delivered now (no sink, or not asked to)

    @property
    def failed(self) -> bool:
        return self.delivery is not None and self.delivery.failed > 0


def settle_tickets(store: Store, tickets: TicketsConfig, held: int, *, deliver_now: bool) -> TicketsOutcome:
    """After a run: deliver the outbox's due events to every configured sink (when asked and configured)."""
    delivery = deliver_tickets(store, tickets) if deliver_now and tickets.sinks else None
    return TicketsOutcome(held, tickets.max_new_per_run, delivery)


def deliver_pending(config: Config, db: Path | None = None) -> TicketsOutcome:
    """Send every pending ticket event that is due (with retries and backoff)."""
    store = open_store(config, db)
    with store_lock(store.path, LOCK_WAIT_SECONDS):
        return settle_tickets(store, config.tickets, 0, deliver_now=True)


def retry_ticket(config: Config, ticket_id: int, db: Path | None = None) -> TicketsOutcome:
    """Put a failed or held ticket back in the queue and deliver it now."""
    store = open_store(config, db)
    with store_lock(store.path, LOCK_WAIT_SECONDS):
        if not store.retry(ticket_id, utcnow()):
            raise RequestError(f"ticket {ticket_id} has no failed or held delivery")
        return settle_tickets(store, config.tickets, 0, deliver_now=True)


def list_deliveries(
    config: Config, status: DeliveryStatus | None = None, db: Path | None = None
) -> list[TicketDelivery]:
    """One entry per ticket event and sink, oldest first."""
    rows = open_store(config, db).list_deliveries(status.value if status else None)
    return [
        TicketDelivery(
            ticket_id=r["ticket_id"],
            sink=r["sink"],
            status=r["status"],
            attempts=r["attempts"],
            action=r["action"],
            summary=json.loads(r["content"])["summary"],
            run_id=r["run_id"],
            fingerprint=r["fingerprint"],
            last_error=r["last_error"],
            external_id=r["external_id"],
            delivered_at=datetime.fromisoformat(r["delivered_at"]) if r["delivered_at"] else None,
        )
        for r in rows
    ]
