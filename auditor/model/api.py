"""The web application's JSON API, as schemas: what each request carries and each answer holds. FastAPI
publishes them in `/api/openapi.json`; the same models validate what comes in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.model.declarations import Annotation, Declaration, TrailEntry, WaiverRequest
from auditor.model.finding import Coverage, FindingRecord, Run
from auditor.model.report import ReportFinding, TriageRow
from auditor.model.users import UserRole


def _short() -> Any:
    return Field(default=None, max_length=200)


def _long() -> Any:
    return Field(default=None, max_length=2000)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LoginBody(Body):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    code: str | None = Field(default=None, max_length=32, description="TOTP or recovery code, when the user has one")


class CodeBody(Body):
    code: str = Field(max_length=32)


class Me(BaseModel):
    username: str
    name: str
    role: UserRole
    institutions: list[str]
    second_factor: bool
    digest: bool


class LoginAnswer(BaseModel):
    csrf_token: str = Field(description="Send it as X-CSRF-Token on every unsafe request of this session")
    second_factor_required: bool = Field(description="The session reads nothing until POST /api/login/code")
    second_factor_setup_required: bool = Field(description="A central user must set up a second factor first")
    user: Me


class ErrorBody(BaseModel):
    detail: str
    field: str | None = None


class InstitutionSummary(BaseModel):
    id: str
    name: str
    triage: TriageRow | None = Field(description="From the latest run that audited it (none: not audited yet)")


class FindingList(BaseModel):
    run: Run | None
    findings: list[ReportFinding]


class HistoryPoint(BaseModel):
    run_id: int
    started_at: datetime
    status: str


class TicketRef(BaseModel):
    ticket: int
    action: str
    created_at: str
    sink: str
    external_id: str | None
    delivery: str


class FindingDetail(BaseModel):
    record: FindingRecord
    latest: ReportFinding | None = Field(description="As the latest run shows it (none: not in that run)")
    history: list[HistoryPoint]
    trail: list[TrailEntry]
    tickets: list[TicketRef]
    annotations: list[Annotation]


class DeclareBody(Body):
    item: str = Field(max_length=64, examples=["CHK-01"])
    answer: Literal["cumple", "no_cumple", "no_aplica"]
    account: str | None = Field(default=None, max_length=64)
    person: str | None = Field(default=None, max_length=64)
    reason: str | None = _long()
    evidence: str | None = _long()
    document_ref: str | None = _short()
    valid_until: date | None = None


class AnnotateBody(Body):
    kind: Literal["resultado_incorrecto", "persona_legitima", "en_tratamiento", "comentario"]
    text: str = Field(min_length=1, max_length=2000)
    planned: date | None = None


class WaiverBody(Body):
    rule: str = Field(max_length=8, examples=["INV-014"])
    rationale: str = Field(min_length=1, max_length=2000)
    expires: date
    platform: str | None = Field(default=None, max_length=32)
    account: str | None = Field(default=None, max_length=64)
    subject: str | None = _short()
    protocol_ref: str | None = _short()


class DecisionBody(Body):
    action: Literal["approve", "reject", "revoke"]
    note: str | None = _long()


class Declared(BaseModel):
    declaration: Declaration
    trail: TrailEntry


class Annotated(BaseModel):
    annotation: Annotation
    trail: TrailEntry


class WaiverAnswer(BaseModel):
    request: WaiverRequest
    trail: TrailEntry


class ApprovalsAnswer(BaseModel):
    waiver_requests: list[WaiverRequest]
    false_positives: list[Annotation]
    waivers_in_force: list[WaiverRequest]


class RunRow(BaseModel):
    run: Run
    coverage: Coverage = Field(description="Of the institutions the user sees")


class ChecklistRow(BaseModel):
    item: str
    question: str
    account: str
    person: str | None
    person_name: str | None
    state: Literal["valid", "expired", "missing"]
    declaration: Declaration | None
