"""Incident tickets: their actions, delivery states and the Spanish incident report they carry."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    StringConstraints,
)

from auditor.model.common import Platform, Severity


class TicketAction(StrEnum):
    CREATE = "create"
    COMMENT = "comment"  # a persisting finding gained new evidence
    RESOLVE = "resolve"
    REOPEN = "reopen"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the maximum attempts: `auditor tickets retry ID`
    HELD = "held"  # over the per-run cap on new tickets: pending review, released by `tickets retry`
    SKIPPED = "skipped"  # nothing to do on this sink (e.g. resolving a ticket it never had)


class TicketContact(BaseModel):
    role: str
    name: str
    email: str | None = None
    phone: str | None = None


class TicketContent(BaseModel):
    """The incident report a ticket carries (Spanish by default), built from sanitised data only."""

    model_config = ConfigDict(frozen=True)

    action: TicketAction
    fingerprint: str
    lang: Literal["es", "en"] = "es"
    summary: Annotated[str, StringConstraints(max_length=255)]
    institution_id: str
    institution_name: str
    institution_ruc: str | None = None
    contacts: list[TicketContact] = []
    detected_at: datetime
    detected_at_local: str
    platform: Platform | None = None
    account: str | None = None
    handle: str | None = None
    profile_url: str | None = None
    platform_account_id: str | None = None
    policy_id: str
    title: str
    severity: Severity
    cert_category: str | None = None
    rsit: str | None = None
    description: str
    evidence: dict[str, Any] = {}
    impact: str
    containment: list[str] = []
    recipient: str | None = None
    deadline_hours: int | None = None
    run_id: int


class TicketDelivery(BaseModel):
    """One ticket event on one sink, as the outbox holds it: what was sent, where, and how it went."""

    ticket_id: int
    sink: str
    status: DeliveryStatus
    attempts: int
    action: TicketAction
    summary: str
    run_id: int
    fingerprint: str
    last_error: str | None = None
    external_id: str | None = None
    delivered_at: datetime | None = None
