"""Which ticket events a run produces. Pure logic over the run's lifecycle events; the store stages them with
each institution's findings and publishes them with the run (the transactional outbox)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from auditor.model import AccountSnapshot, Finding, FindingStatus, Inventory, TicketAction, TicketContent
from auditor.tickets.content import build_ticket, evidence_hash


@dataclass(frozen=True)
class LifecycleEvent:
    """A finding's state in this run, as the store computed it."""

    fingerprint: str
    status: FindingStatus
    incident: bool
    evidence_hash: str


@dataclass(frozen=True)
class PlannedTicket:
    content: TicketContent
    evidence_hash: str


@dataclass(frozen=True)
class TicketHistory:
    created: bool  # a create was planned for this finding before (so it has, or will have, a ticket)
    last_evidence_hash: str | None
    last_action: str | None = None  # the last ticket event planned for it (create, comment, resolve…)


def decide(event: LifecycleEvent, history: TicketHistory | None, baseline: bool) -> TicketAction | None:
    """create on new, reopen on regression, comment on new evidence, resolve when fixed or muted; nothing for
    what a baseline already knew, for waived findings without a ticket, or for findings that never had one."""
    if not event.incident:
        return None
    ticketed = history is not None and history.created
    if event.status is FindingStatus.NEW:
        return None if baseline else TicketAction.CREATE
    if event.status is FindingStatus.REGRESSED:
        return TicketAction.REOPEN if ticketed else (None if baseline else TicketAction.CREATE)
    if event.status is FindingStatus.PERSISTING:
        if ticketed and history is not None and history.last_evidence_hash != event.evidence_hash:
            return TicketAction.COMMENT
        return None
    if event.status is FindingStatus.RESOLVED:
        return TicketAction.RESOLVE if ticketed else None
    if event.status is FindingStatus.WAIVED and ticketed and history is not None:
        # Muted while its ticket is open (a confirmed false positive, an approved waiver): resolved once, with
        # the reason in the evidence.
        return TicketAction.RESOLVE if history.last_action != TicketAction.RESOLVE.value else None
    return None


@dataclass
class TicketPlanner:
    """Turns a run's lifecycle events into ticket contents, applying the baseline.

    Called once per institution as the run judges them, in any order (`snapshots` gives the account snapshots a
    ticket quotes, an institution's at a time). `history`: the tickets planned before this run, per
    fingerprint. `max_new` is the per-run cap on new tickets, which the store applies when it publishes the
    run, over the inventory's order (`Store.publish_run`)."""

    inventory: Inventory
    history: dict[str, TicketHistory]
    detected_at: datetime
    snapshots: Callable[[str], Mapping[tuple[str, str], AccountSnapshot]] = lambda _: {}
    lang: str = "es"
    recipient: str | None = None
    deadline_hours: int | None = None
    baseline: bool = False
    max_new: int = 20

    def __call__(self, run_id: int, events: list[tuple[FindingStatus, Finding]]) -> list[PlannedTicket]:
        planned: list[PlannedTicket] = []
        loaded: dict[str, Mapping[tuple[str, str], AccountSnapshot]] = {}
        for status, finding in events:
            ev_hash = evidence_hash(finding.evidence)
            action = decide(
                LifecycleEvent(finding.fingerprint, status, finding.incident, ev_hash),
                self.history.get(finding.fingerprint),
                self.baseline,
            )
            if action is None:
                continue
            if finding.institution not in loaded:
                loaded[finding.institution] = self.snapshots(finding.institution)
            content = build_ticket(
                action,
                finding,
                self.inventory.get(finding.institution),
                loaded[finding.institution].get((finding.institution, finding.account or "")),
                self.detected_at,
                run_id,
                lang=self.lang,
                recipient=self.recipient,
                deadline_hours=self.deadline_hours,
            )
            planned.append(PlannedTicket(content, ev_hash))
        return planned
