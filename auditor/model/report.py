"""The report document: one model rendered by every format (HTML, Markdown, JSON, CSV, OCSF)."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
)

from auditor.model.common import Platform, Severity
from auditor.model.declarations import AnnotationKind, Answer, TrailEntry, WaiverRequest
from auditor.model.finding import Coverage, FindingStatus, Run
from auditor.model.inventory import AccountKind, AccountStatus
from auditor.model.snapshot import AccountState, FetchError

# of report.json (1.1: run.mode, triage, ages, tickets; 1.2: declarations, annotations, waiver requests, trail)
SCHEMA_VERSION = "1.2"

M = TypeVar("M", bound=BaseModel)
_EVERY_FIELD: dict[type[BaseModel], set[str]] = {}


def from_validated(model: type[M], **values: Any) -> M:
    """A report row built from values taken from models already validated (a stored finding, the rule
    registry, the inventory): not validated a second time, and sharing one set of field names with every row
    of its kind. pydantic keeps that set per instance, 2 KB for a finding: 55 MB of a national report's
    26,000 findings. The set names every field, so assigning one later (triage sets ages) never changes it;
    a test re-validates every row of a document to itself."""
    every = _EVERY_FIELD.get(model)
    if every is None:
        every = _EVERY_FIELD[model] = set(model.model_fields)
    return model.model_construct(every, **values)


class ReportWaiver(BaseModel):
    id: str
    approver: str
    expires: Date
    rationale: str


class ReportAnnotation(BaseModel):
    id: int
    fingerprint: str
    institution: str
    kind: AnnotationKind
    text: str
    by: str
    at: datetime
    planned_date: Date | None = None
    overdue: bool = False
    confirmed_by: str | None = None
    in_force: bool = True
    withdrawn: bool = False


class ReportDeclaration(BaseModel):
    """A declaration in force (the latest for its item and target), with its state as of the run's day."""

    id: int
    institution: str
    item: str
    account: str | None
    person: str | None
    answer: Answer
    state: Literal["valid", "expired"]
    declared_by: str
    declared_on: Date
    valid_until: Date | None
    evidence: str | None = None
    document_ref: str | None = None
    document_sha256: str | None = None
    supersedes: int = 0  # how many earlier declarations of the same item and target it replaced


class PendingRow(BaseModel):
    """One account of the «Declaraciones pendientes» table: each asked item's state."""

    institution: str
    account: str
    items: dict[str, str]  # item id -> missing, expired, contradicted, no_cumple (pending) or valid
    attributes: int = 0  # attribute items pending (ATR-…), counted in one column


class ReportFinding(BaseModel):
    """A finding as the report JSON carries it: the finding, its state in this run and its history."""

    policy_id: str
    title: str
    severity: Severity
    status: FindingStatus
    institution: str
    platform: Platform | None
    account: str | None
    handle: str | None
    subject: str
    fingerprint: str
    message: str
    guide_ref: str
    remediation: str
    incident: bool
    cert_category: str | None = None
    rsit: str | None
    first_seen_run: int
    evidence: dict[str, Any]
    waiver: ReportWaiver | None = None
    first_seen_at: datetime | None = None  # when the run that first saw it started
    age_days: int | None = None  # days open, counted to this run's day (America/Asuncion)
    ticket: str | None = None  # the incident ticket's reference (sink and external id), when one exists
    annotations: list[ReportAnnotation] = []  # what people said of it, following its fingerprint
    trail: list[str] = []  # the human actions on it, one line each («fecha · quién (rol): acción»)


class SeverityCount(BaseModel):
    severity: Severity
    open: int
    waived: int
    coverage: Coverage = Coverage()  # evaluations of rules of this severity: how much the numbers cover


class TriageRow(BaseModel):
    """One institution on the report's first page: what needs attention first."""

    institution: str
    name: str
    critical: int  # open (not waived) critical findings
    high: int
    incidents: int  # open incident-grade findings
    coverage: Coverage
    pending_declarations: int  # accounts with an open OPS-003: checklist items waiting for a declaration
    oldest_open_days: int | None  # age of its oldest open finding
    overdue_plans: int = 0  # open findings «en tratamiento» past their planned date


class ReportInstitution(BaseModel):
    id: str
    name: str
    accounts: int
    people: int


class ReportAccount(BaseModel):
    """A registered account in the run's scope, with what the platform said about it."""

    institution: str
    account: str
    platform: Platform
    kind: AccountKind
    handle: str | None
    url: str | None  # the public profile, built from the handle (always https)
    registered_status: AccountStatus
    observed: bool  # a snapshot exists for this run (False for inventory-only runs)
    observed_status: AccountState | None
    error_kind: FetchError | None = None
    error: str | None  # why it could not be audited (technical detail)
    open_findings: int


class DriftItem(BaseModel):
    """An attribute that changed since the previous successful observation: "antes → después"."""

    institution: str
    account: str
    platform: Platform
    attribute: str
    before: str
    after: str


class WaiverState(StrEnum):
    IN_FORCE = "in_force"
    EXPIRING = "expiring"
    EXPIRED = "expired"


class ReportWaiverStatus(BaseModel):
    id: str
    rule: str
    institution: str
    account: str | None
    approver: str
    rationale: str
    expires: Date
    days_left: int
    state: WaiverState


class TrendPoint(BaseModel):
    run_id: int
    started_at: datetime
    open: dict[Severity, int]


class Report(BaseModel):
    """The versioned report document (`report.json`); every other format is a rendering of it."""

    schema_version: Literal["1.2"] = SCHEMA_VERSION  # type: ignore[assignment]
    generated_at: datetime
    lang: Literal["es", "en"]
    institution: str | None = None  # the report of one institution, or None for all
    run: Run
    previous_run_id: int | None
    institutions: list[ReportInstitution]
    coverage: Coverage
    summary: list[SeverityCount]
    findings: list[ReportFinding]
    resolved: list[ReportFinding]
    accounts: list[ReportAccount] = []
    drift: list[DriftItem] = []
    waivers: list[ReportWaiverStatus] = []
    trend: list[TrendPoint] = []
    triage: list[TriageRow] = []
    incomplete_because: list[str] = []  # why the run is incomplete, per platform and kind of error
    declarations: list[ReportDeclaration] = []
    annotations: list[ReportAnnotation] = []
    waiver_requests: list[WaiverRequest] = []
    trail: list[TrailEntry] = []
    pending_declarations: list[PendingRow] = []

    @property
    def open_incidents(self) -> list[ReportFinding]:
        """Every open incident-grade finding, oldest first (not only the ones this run opened)."""
        found = [f for f in self.findings if f.incident and f.status.is_open]
        return sorted(found, key=lambda f: (-(f.age_days or 0), -f.severity.rank, f.institution, f.policy_id))

    @property
    def priority(self) -> list[ReportFinding]:
        """The first page's list: open critical findings and open incidents, oldest first."""
        found = [f for f in self.findings if f.status.is_open and (f.incident or f.severity is Severity.CRITICAL)]
        return sorted(found, key=lambda f: (-(f.age_days or 0), -f.severity.rank, f.institution, f.policy_id))

    def count(self, status: FindingStatus) -> int:
        return (
            len(self.resolved)
            if status is FindingStatus.RESOLVED
            else sum(1 for f in self.findings if f.status is status)
        )


class RegisterRow(BaseModel):
    """One account of the national register (`auditor register export`): what the central office reads of
    every institution's official accounts."""

    institution: str
    institution_name: str
    ruc: str | None
    platform: Platform
    account: str
    handle: str | None
    url: str | None
    kind: AccountKind
    status: AccountStatus
    verification: str | None  # as the last successful audit saw it (None: never observed, or not exposed)
    last_audit: datetime | None  # when that audit read the account
    open_critical: int
    open_high: int
    pending_declarations: int | None  # items listed by the account's open OPS-003 (None: no audit read it yet)
