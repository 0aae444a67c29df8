"""Ticket sinks: where incident tickets go. Each implements `TicketSink`; `build_sinks` reads the config."""

from __future__ import annotations

from typing import Protocol

from auditor.model import TicketAction, TicketContent


class SinkError(Exception):
    """A delivery failed; the deliverer retries it later with backoff."""


class TicketSink(Protocol):
    name: str
    grouping: str

    async def find(self, key: str) -> str | None:
        """The external id of a ticket already created for this group (the idempotency look-up), if any."""

    async def create(self, ticket: TicketContent, key: str, event_key: str) -> str:
        """Create the ticket; returns its external id."""

    async def update(
        self, external_id: str, ticket: TicketContent, action: TicketAction, note: str, event_key: str
    ) -> None:
        """Comment, resolve (close) or reopen an existing ticket; `note` says why, in the ticket's language."""

    async def aclose(self) -> None: ...
