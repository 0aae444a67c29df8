"""`tickets deliver`, `tickets list` and `tickets retry`: the outbox and its delivery."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.app.outcome import EXIT_INCOMPLETE
from auditor.app.tickets import deliver_pending, list_deliveries, retry_ticket
from auditor.cli.audit import print_tickets
from auditor.cli.main import cli, reports_errors
from auditor.config import Config
from auditor.i18n import t
from auditor.model import DeliveryStatus


@cli.group()
def tickets() -> None:
    """Incident tickets: the outbox and its delivery to the configured sinks."""


@tickets.command("deliver")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def tickets_deliver(config: Config, db: str | None) -> None:
    """Send every pending ticket event that is due (with retries and backoff)."""
    outcome = deliver_pending(config, Path(db) if db else None)
    print_tickets(outcome)
    sys.exit(EXIT_INCOMPLETE if outcome.failed else 0)


@tickets.command("list")
@click.option("--status", type=click.Choice([s.value for s in DeliveryStatus]), help="Only this status.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def tickets_list(config: Config, status: str | None, db: str | None) -> None:
    """One line per ticket event and sink: id, sink, status, attempts, action, summary, last error."""
    rows = list_deliveries(config, DeliveryStatus(status) if status else None, Path(db) if db else None)
    for r in rows:
        error = f"  [{r.last_error}]" if r.last_error else ""
        click.echo(
            f"{r.ticket_id:>5}  {r.sink:<10} {r.status.value:<9} {r.attempts:>2}  {r.action.value:<8} "
            f"{r.summary}{error}"
        )
    if not rows:
        click.echo(t("cli.no_tickets_with", status=status) if status else t("cli.no_tickets"))


@tickets.command("retry")
@click.argument("ticket_id", type=int)
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def tickets_retry(config: Config, ticket_id: int, db: str | None) -> None:
    """Put a failed or held ticket back in the queue and deliver it now."""
    outcome = retry_ticket(config, ticket_id, Path(db) if db else None)
    print_tickets(outcome)
    sys.exit(EXIT_INCOMPLETE if outcome.failed else 0)
