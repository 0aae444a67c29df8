"""Delivering the outbox: every pending ticket event to each configured sink, exactly once.

For each delivery the ledger (sink, group → external id) is read first; a create whose group has no ticket
asks the sink whether one exists already (the idempotency look-up) before creating it, and every request
carries the ticket event's id as its idempotency key. Only after the sink answered is the delivery marked,
together with the ledger, in one transaction. A crash between the two therefore re-sends the same event
with the same key, which the look-up or the receiver recognises: no duplicate ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.config import (
    EmailSinkConfig,
    JiraSinkConfig,
    OutboxSinkConfig,
    TheHiveSinkConfig,
    TicketsConfig,
    WebhookSinkConfig,
)
from auditor.crashpoints import crash_point
from auditor.credentials import CredentialRef, Credentials
from auditor.i18n import t
from auditor.model import DeliveryStatus, TicketAction, TicketContent
from auditor.store import Store
from auditor.tickets.content import group_key
from auditor.tickets.sinks import SinkError, TicketSink
from connectors.http import redact

MAX_BACKOFF = timedelta(hours=6)


def _note(kind: str, ticket: TicketContent) -> str:
    return t(f"ticket.note.{kind}", ticket.lang) + f" ({ticket.policy_id}: {ticket.description})"


@dataclass
class DeliveryReport:
    delivered: int = 0
    skipped: int = 0
    failed: int = 0  # failed this time (still pending, or given up)
    errors: list[str] = field(default_factory=list)


def _secret(ref: CredentialRef | None, name: str) -> str | None:
    return Credentials({name: ref}).resolve(name).value if ref is not None else None


def build_sinks(config: TicketsConfig, base: Path | None = None) -> dict[str, TicketSink]:
    """The configured sinks, with their secrets resolved by reference (never stored anywhere)."""
    from auditor.tickets.sinks.email import EmailSink
    from auditor.tickets.sinks.http_sinks import JiraSink, TheHiveSink, WebhookSink
    from auditor.tickets.sinks.outbox import OutboxSink

    sinks: dict[str, TicketSink] = {}
    for name, sc in config.sinks.items():
        if isinstance(sc, OutboxSinkConfig):
            path = sc.path if sc.path.is_absolute() or base is None else base / sc.path
            sinks[name] = OutboxSink(name, path, sc.grouping)
        elif isinstance(sc, WebhookSinkConfig):
            sinks[name] = WebhookSink(
                name, sc.url, _secret(sc.secret, f"{name}.secret"), sc.grouping, sc.timeout_seconds
            )
        elif isinstance(sc, EmailSinkConfig):
            sinks[name] = EmailSink(
                name,
                sc.host,
                sc.port,
                sc.sender,
                starttls=sc.starttls,
                implicit_tls=sc.implicit_tls,
                username=sc.username,
                password=_secret(sc.password, f"{name}.password"),
                to_owners=sc.to_owners,
                fallback_to=sc.fallback_to,
                grouping=sc.grouping,
                timeout=sc.timeout_seconds,
            )
        elif isinstance(sc, TheHiveSinkConfig):
            sinks[name] = TheHiveSink(
                name,
                sc.url,
                _secret(sc.api_key, f"{name}.api_key") or "",
                sc.source,
                sc.alert_type,
                sc.grouping,
                sc.timeout_seconds,
            )
        elif isinstance(sc, JiraSinkConfig):
            sinks[name] = JiraSink(
                name,
                sc.url,
                sc.email,
                _secret(sc.api_token, f"{name}.api_token") or "",
                sc.project_key,
                sc.issue_type,
                sc.resolve_transition_id,
                sc.reopen_transition_id,
                sc.grouping,
                sc.timeout_seconds,
            )
    return sinks


async def _apply(sink: TicketSink, row: dict[str, Any], store: Store) -> tuple[DeliveryStatus, dict[str, Any] | None]:
    ticket = TicketContent.model_validate_json(row["content"])
    key = group_key(ticket, sink.grouping)
    event_key = store.event_key(row["ticket_id"], row["fingerprint"], str(row["action"]))
    ledger = store.ledger(sink.name, key)
    fp = ticket.fingerprint
    if ticket.action in (TicketAction.CREATE, TicketAction.REOPEN):
        if ledger is None:
            external = await sink.find(key) or await sink.create(ticket, key, event_key)
            return DeliveryStatus.DELIVERED, {
                "sink": sink.name,
                "group_key": key,
                "external_id": external,
                "state": "open",
                "members": [fp],
            }
        members = set(ledger["members"])
        if ledger["state"] == "closed":
            await sink.update(ledger["external_id"], ticket, TicketAction.REOPEN, _note("reopen", ticket), event_key)
        elif fp not in members:
            await sink.update(ledger["external_id"], ticket, TicketAction.COMMENT, _note("added", ticket), event_key)
        return DeliveryStatus.DELIVERED, {**ledger, "state": "open", "members": sorted(members | {fp})}
    if ledger is None or (ticket.action is TicketAction.RESOLVE and fp not in ledger["members"]):
        return DeliveryStatus.SKIPPED, None  # the sink never had a ticket for it (baseline, held, removed sink)
    if ticket.action is TicketAction.COMMENT:
        await sink.update(ledger["external_id"], ticket, TicketAction.COMMENT, _note("evidence", ticket), event_key)
        return DeliveryStatus.DELIVERED, ledger
    remaining = sorted(set(ledger["members"]) - {fp})
    if remaining:
        await sink.update(ledger["external_id"], ticket, TicketAction.COMMENT, _note("one_resolved", ticket), event_key)
        return DeliveryStatus.DELIVERED, {**ledger, "members": remaining}
    await sink.update(ledger["external_id"], ticket, TicketAction.RESOLVE, _note("resolved", ticket), event_key)
    return DeliveryStatus.DELIVERED, {**ledger, "state": "closed", "members": []}


async def deliver(
    store: Store,
    sinks: dict[str, TicketSink],
    now: datetime,
    *,
    max_attempts: int = 8,
    backoff_seconds: float = 30.0,
    ticket_ids: list[int] | None = None,
) -> DeliveryReport:
    """Send every due delivery; failures are retried later with exponential backoff, then given up."""
    report = DeliveryReport()
    try:
        for row in store.due_deliveries(now, ticket_ids):
            sink = sinks.get(row["sink"])
            if sink is None:
                continue  # a sink removed from the configuration: its deliveries wait, visible in `tickets list`
            crash_point("deliver")
            try:
                status, ledger = await _apply(sink, row, store)
            except Exception as exc:  # one hostile answer (a 200 without `_id`) or refused address fails alone
                reason = str(exc) if isinstance(exc, SinkError) else f"{sink.name}: {type(exc).__name__}: {exc}"
                reason = redact(reason[:500])
                attempts = int(row["attempts"]) + 1
                delay = min(MAX_BACKOFF, timedelta(seconds=backoff_seconds * 2 ** (attempts - 1)))
                store.record_failure(row["ticket_id"], sink.name, reason, now + delay, give_up=attempts >= max_attempts)
                report.failed += 1
                report.errors.append(f"ticket {row['ticket_id']} → {sink.name}: {reason}")
                continue
            crash_point("after-send")
            store.record_delivery(row["ticket_id"], sink.name, now, status=status, ledger=ledger)
            if status is DeliveryStatus.SKIPPED:
                report.skipped += 1
            else:
                report.delivered += 1
    finally:
        for sink in sinks.values():
            await sink.aclose()
    return report
