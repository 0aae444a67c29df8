"""Findings and runs: what one run found, its scope, status and coverage (the lifecycle lives in the store)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    computed_field,
)

from auditor.model.common import Platform, Severity


class FindingStatus(StrEnum):
    """State of a finding in one run, relative to the previous runs."""

    NEW = "new"
    PERSISTING = "persisting"
    REGRESSED = "regressed"
    RESOLVED = "resolved"
    WAIVED = "waived"
    # Open, but its rule did not run this time (an inventory-only run does not ask the platforms): listed as
    # last seen, «no verificado en esta ejecución», never resolved or dropped.
    UNVERIFIED = "unverified"

    @property
    def is_open(self) -> bool:
        """Counts as open in this run: everything but resolved and waived."""
        return self not in (FindingStatus.RESOLVED, FindingStatus.WAIVED)


class Finding(BaseModel):
    """One violation of one rule, for one subject, produced by a run (lifecycle lives in the store)."""

    model_config = ConfigDict(frozen=True)

    policy_id: str
    severity: Severity
    institution: str
    platform: Platform | None = None
    account: str | None = None
    handle: str | None = None
    subject: str
    fingerprint: str
    message_es: str
    message_en: str
    guide_ref: str
    incident: bool = False
    rsit: str | None = None
    evidence: dict[str, Any] = {}


class RunType(StrEnum):
    SCHEDULED = "scheduled"
    ON_DEMAND = "on-demand"
    DEMO = "demo"
    REEVALUATION = "reevaluation"


def shared_scope(subject: str) -> str:
    """Where a run's evaluated/errored sets record a finding several accounts share (an account rule's
    finding tied to no single account, e.g. OPS-002's one per credential): by its subject, not an account.

    A subject `group#item` (a member of a Meta Business: `business:<id>#member:<uid>`) is recorded under its
    group: an account that re-read the Business's members re-checked every member finding of it."""
    return f"subject:{subject.split('#', 1)[0]}"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    ABORTED = "aborted"


class RunMode(StrEnum):
    """Whether a run asked the platforms (`live`) or read the registered inventory only (`inventory`)."""

    LIVE = "live"
    INVENTORY = "inventory"


class RunScope(BaseModel):
    institutions: list[str] = []
    platforms: list[Platform] = []
    accounts: list[str] = []


class Coverage(BaseModel):
    """How many rule × subject pairs could really be evaluated: printed next to every score."""

    evaluated: int = 0
    not_observable: int = 0
    errors: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def applicable(self) -> int:
        return self.evaluated + self.not_observable + self.errors

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float:
        return self.evaluated / self.applicable if self.applicable else 1.0


class Run(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime | None = None
    run_type: RunType
    scope: RunScope
    status: RunStatus
    inventory_digest: str
    coverage: Coverage = Coverage()
    mode: RunMode = RunMode.LIVE
    replay_of: int | None = None  # a reevaluation: the run whose snapshots it replayed
    profile: str | None = None  # the name of the profile the run applied


class FindingRecord(Finding):
    """A finding as the store keeps it across runs: its current state and the runs that saw it."""

    status: Literal["open", "waived", "resolved"]
    first_seen_run: int
    last_seen_run: int
    resolved_run: int | None = None
    waiver_id: str | None = None
