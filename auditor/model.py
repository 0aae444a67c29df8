"""Every schema of the auditor, in one place.

The inventory (Formulario A and B of MITIC Res. 678/2022), the profile and waivers, the findings and the
report JSON are all pydantic models defined here and nowhere else: loaders validate into them, the store
serialises them, the reports render them. Models are strict about structure (unknown keys are errors, so
a misspelt field never silently disappears) and lenient about compliance: a record that is valid but
breaks the guide (a gmail address, a missing posting plan) must load, because that is a *finding*, not an
input error.
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    field_validator,
    model_validator,
)

from auditor.classify import normalise_ci, normalise_phone

SCHEMA_VERSION = "1.0"
T = TypeVar("T")


class Strict(BaseModel):
    """Base for every input model: unknown keys are errors and strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, coerce_numbers_to_str=True)


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Text = Annotated[str, StringConstraints(max_length=2000)]


def _blank_to_none(value: Any) -> Any:
    """Spreadsheets export empty cells as "": an empty optional field is absent, not an empty value."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Platform(StrEnum):
    """Platform ids used everywhere: inventory, config, reports and connector registration."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    YOUTUBE = "youtube"
    GOOGLE = "google"
    LINKEDIN = "linkedin"
    TIKTOK = "tiktok"
    ZOOM = "zoom"
    MAILCHIMP = "mailchimp"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


# ---------------------------------------------------------------------------------------------------
# Institution
# ---------------------------------------------------------------------------------------------------


class InstitutionLevel(StrEnum):
    """Budget levels of the Presupuesto General de la Nación, plus the bodies the guide invites to adhere."""

    PODER_LEGISLATIVO = "Poder Legislativo"
    PODER_EJECUTIVO = "Poder Ejecutivo"
    PODER_JUDICIAL = "Poder Judicial"
    CONTRALORIA = "Contraloría General de la República"
    OTROS_ORGANISMOS = "Otros Organismos del Estado"
    BANCA_CENTRAL = "Banca Central del Estado"
    GOBIERNOS_DEPARTAMENTALES = "Gobiernos Departamentales"
    ENTES_AUTONOMOS = "Entes Autónomos y Autárquicos"
    SEGURIDAD_SOCIAL = "Entidades Públicas de Seguridad Social"
    EMPRESAS_PUBLICAS = "Empresas Públicas"
    EMPRESAS_MIXTAS = "Empresas Mixtas"
    ENTIDADES_FINANCIERAS = "Entidades Financieras Oficiales"
    UNIVERSIDADES = "Universidades Nacionales"
    MUNICIPALIDADES = "Municipalidades"


class InstitutionStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    DISSOLVED = "dissolved"


_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_RUC_RE = re.compile(r"^(\d{1,8})-(\d)$")


def ruc_check_digit(base: str) -> str:
    """Mod-11 check digit of a Paraguayan RUC (weights 2, 3, 4… from the right), as SET computes it."""
    total = sum((i + 2) * int(d) for i, d in enumerate(reversed(base)))
    return str((-total % 11) % 10)


class Contact(Strict):
    """A named person the reports and tickets address (communications director, RSI)."""

    name: NonEmpty
    email: NonEmpty
    phone: str | None = None
    role: str | None = None

    _blank = field_validator("phone", "role", mode="before")(_blank_to_none)


class Institution(Strict):
    """An Organismo o Entidad del Estado (OEE) and the facts the rules need about it."""

    id: Slug
    name: NonEmpty
    ruc: str | None = None
    pgn_code: Annotated[str, StringConstraints(pattern=r"^\d{2}(\.\d{3})?$")] | None = None
    level: InstitutionLevel | None = None
    email_domains: list[str] = Field(min_length=1)
    status: InstitutionStatus = InstitutionStatus.ACTIVE
    status_date: Date | None = None
    merged_into: str | None = None
    annual_plan_ref: str | None = Field(
        default=None, description="Plan de Comunicación Institucional Anual, if the institution has one"
    )
    communications_director: Contact | None = None
    rsi: Contact | None = Field(default=None, description="Responsable de Seguridad de la Información")

    _blank = field_validator("ruc", "pgn_code", "merged_into", "annual_plan_ref", mode="before")(_blank_to_none)

    @field_validator("ruc")
    @classmethod
    def _valid_ruc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        m = _RUC_RE.match(value.replace(".", ""))
        if not m:
            raise ValueError("RUC must look like 80000035-8 (digits, a dash, a check digit)")
        if ruc_check_digit(m.group(1)) != m.group(2):
            raise ValueError(f"RUC check digit is wrong (expected {ruc_check_digit(m.group(1))})")
        return f"{m.group(1)}-{m.group(2)}"

    @field_validator("email_domains")
    @classmethod
    def _valid_domains(cls, value: list[str]) -> list[str]:
        out = []
        for raw in value:
            domain = raw.strip().lower().lstrip("@")
            if not _DOMAIN_RE.match(domain):
                raise ValueError(f"{raw!r} is not a domain name")
            out.append(domain)
        return out


# ---------------------------------------------------------------------------------------------------
# Formulario A: registered accounts
# ---------------------------------------------------------------------------------------------------


class AccountKind(StrEnum):
    PRINCIPAL = "principal"
    APOYO = "apoyo"
    AUTORIDAD = "autoridad"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    BAJA = "baja"


class PhoneControl(StrEnum):
    """Who controls the phone linked to the account (the guide wants the admin's, corporate preferred)."""

    CORPORATIVO = "corporativo"
    ADMINISTRADOR = "administrador"
    OTRO = "otro"


class LoginMode(StrEnum):
    INDIVIDUAL = "individual"
    SHARED = "shared"


class VerificationExpectation(StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"
    INELIGIBLE = "ineligible"
    REQUESTED = "requested"


class SupportJustification(Strict):
    """Justification of a support account (6.1.2.I): audience, period, coordination, objectives."""

    audience: str | None = None
    start_date: Date | None = None
    end_date: Date | None = None
    coordination: str | None = None
    objectives: str | None = None

    _blank = field_validator("*", mode="before")(_blank_to_none)

    @model_validator(mode="after")
    def _period_in_order(self) -> SupportJustification:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


class Authorization(Strict):
    """Signature block of Formulario A: who approved the account, with CI, date and document."""

    approver_name: str | None = None
    approver_ci: str | None = None
    date: Date | None = None
    document_ref: str | None = None

    _blank = field_validator("*", mode="before")(_blank_to_none)
    _ci = field_validator("approver_ci", mode="before")(lambda v: normalise_ci(v) if v else v)


class ItCheck(Strict):
    """Record that IT confirmed no existing institutional tool already covers a non-social platform."""

    checked_by: str | None = None
    date: Date | None = None
    reference: str | None = None

    _blank = field_validator("*", mode="before")(_blank_to_none)


class Verification(Strict):
    expectation: VerificationExpectation = VerificationExpectation.RECOMMENDED
    requested_on: Date | None = None


class AccountModification(Strict):
    """A Formulario A "Modif." entry: an authorised change to the registered account."""

    date: Date
    field: NonEmpty
    old: str | None = None
    new: str | None = None
    document_ref: str | None = None


class RegisteredAccount(Strict):
    """An official account as registered on Formulario A.

    Only the identity of the record is mandatory (id, platform, kind): every field the guide requires but
    that may be missing in real registers is optional here, so that its absence becomes an INV finding.
    """

    id: Slug
    platform: Platform
    kind: AccountKind = AccountKind.PRINCIPAL
    platform_account_id: str | None = None
    handle: str | None = None
    alternative_handle: str | None = None
    display_name: str | None = None
    linked_email: str | None = None
    phone: str | None = None
    phone_control: PhoneControl | None = None
    objective: str | None = None
    posting_plan_ref: str | None = None
    indicators: str | None = None
    support: SupportJustification | None = None
    it_check: ItCheck | None = None
    verification: Verification = Verification()
    authorization: Authorization | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    status_date: Date | None = None
    login_mode: LoginMode = LoginMode.INDIVIDUAL
    credential: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = Field(
        default=None, description="Name of a credential defined in the configuration; never a secret"
    )
    modifications: list[AccountModification] = []

    _blank = field_validator(
        "platform_account_id",
        "handle",
        "alternative_handle",
        "display_name",
        "linked_email",
        "phone",
        "phone_control",
        "objective",
        "posting_plan_ref",
        "indicators",
        "credential",
        mode="before",
    )(_blank_to_none)
    _phone = field_validator("phone")(lambda v: normalise_phone(v, mobile_only=False) or v if v else v)

    @field_validator("handle", "alternative_handle")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") or None if value else value

    @field_validator("linked_email")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.lower() if value else value


# ---------------------------------------------------------------------------------------------------
# Formulario B: authorised people
# ---------------------------------------------------------------------------------------------------


class LinkType(StrEnum):
    """Tipo de vínculo with the institution, as Formulario B lists it."""

    NOMBRADO = "nombrado"
    PERMANENTE = "permanente"
    CONTRATADO = "contratado"
    COMISIONADO = "comisionado"
    PASANTE = "pasante"
    VOLUNTARIO = "voluntario"
    TERCERIZADO = "tercerizado"
    CONSULTOR = "consultor"


EXTERNAL_LINK_TYPES = frozenset({LinkType.TERCERIZADO, LinkType.CONSULTOR, LinkType.VOLUNTARIO})


class PersonStatus(StrEnum):
    ALTA = "alta"
    BAJA = "baja"


class Role(StrEnum):
    """Role registered for a person on an account (the guide's Administrador / Community Manager, …)."""

    ADMINISTRADOR = "administrador"
    COMMUNITY_MANAGER = "community_manager"
    EDITOR = "editor"
    MODERADOR = "moderador"
    ANUNCIANTE = "anunciante"
    ANALISTA = "analista"


class AccountAccess(Strict):
    """One line of "Perfil y cuentas autorizadas" + "Roles": a person's access to one account."""

    account: Slug
    role: Role | None = None
    contact_point: bool = False
    platform_user_id: str | None = Field(
        default=None, description="The person's id on the platform where known (Meta user id, LinkedIn URN)"
    )

    _blank = field_validator("role", "platform_user_id", mode="before")(_blank_to_none)


class AuthorizedPerson(Strict):
    """A person registered on Formulario B, with the accounts they may touch."""

    id: Slug
    name: str | None = None
    ci: str | None = None
    dependency: str | None = None
    link_type: LinkType | None = None
    origin_institution: str | None = None
    company: str | None = None
    email: str | None = None
    mobile: str | None = None
    confidentiality_contract: str | None = None
    terms_of_use: str | None = None
    status: PersonStatus = PersonStatus.ALTA
    status_date: Date | None = None
    access: list[AccountAccess] = []

    _blank = field_validator(
        "name",
        "ci",
        "dependency",
        "link_type",
        "origin_institution",
        "company",
        "email",
        "mobile",
        "confidentiality_contract",
        "terms_of_use",
        mode="before",
    )(_blank_to_none)
    _ci = field_validator("ci", mode="before")(lambda v: normalise_ci(v) if v else v)
    _mobile = field_validator("mobile")(lambda v: normalise_phone(v, mobile_only=True) or v if v else v)

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @property
    def is_active(self) -> bool:
        return self.status is PersonStatus.ALTA


class InstitutionInventory(Strict):
    """One institution's register: the institution, its accounts (Form A) and people (Form B)."""

    institution: Institution
    accounts: list[RegisteredAccount] = []
    people: list[AuthorizedPerson] = []

    def account(self, account_id: str) -> RegisteredAccount | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def people_on(self, account_id: str) -> list[tuple[AuthorizedPerson, AccountAccess]]:
        """Every (person, access) pair registered for an account, departed people included."""
        return [(p, a) for p in self.people for a in p.access if a.account == account_id]


class Inventory(Strict):
    institutions: list[InstitutionInventory] = []

    def get(self, institution_id: str) -> InstitutionInventory | None:
        return next((i for i in self.institutions if i.institution.id == institution_id), None)


# ---------------------------------------------------------------------------------------------------
# Profile and waivers
# ---------------------------------------------------------------------------------------------------


class RuleSettings(Strict):
    enabled: bool = True
    severity: Severity | None = None
    params: dict[str, Any] = {}


class Profile(Strict):
    """Organisation-wide tuning of the rule catalogue: disable rules, override severity, set parameters."""

    name: str = "default"
    rules: dict[str, RuleSettings] = {}


class WaiverScope(Strict):
    institution: Slug
    platform: Platform | None = None
    account: Slug | None = None
    subject: str | None = None


class Waiver(Strict):
    """An accepted exception (the RSI usage protocol of 6.1.6): one rule, one scope, always expiring."""

    id: Slug
    rule: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}-\d{3}$")]
    scope: WaiverScope
    rationale: NonEmpty
    approver: NonEmpty
    approved_on: Date
    expires: Date
    protocol_ref: str | None = Field(default=None, description="Reference of the RSI usage protocol")

    @model_validator(mode="after")
    def _expires_after_approval(self) -> Waiver:
        if self.expires < self.approved_on:
            raise ValueError(f"expires {self.expires} is before approved_on {self.approved_on}")
        return self


class WaiverFile(Strict):
    waivers: list[Waiver] = []


# ---------------------------------------------------------------------------------------------------
# Findings, runs and the report
# ---------------------------------------------------------------------------------------------------


class FindingStatus(StrEnum):
    """State of a finding in one run, relative to the previous runs."""

    NEW = "new"
    PERSISTING = "persisting"
    REGRESSED = "regressed"
    RESOLVED = "resolved"
    WAIVED = "waived"


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
    finding tied to no single account, e.g. OPS-002's one per credential): by its subject, not an account."""
    return f"subject:{subject}"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    ABORTED = "aborted"


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


class ReportWaiver(BaseModel):
    id: str
    approver: str
    expires: Date
    rationale: str


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


class SeverityCount(BaseModel):
    severity: Severity
    open: int
    waived: int
    coverage: Coverage = Coverage()  # evaluations of rules of this severity: how much the numbers cover


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

    schema_version: Literal["1.0"] = SCHEMA_VERSION  # type: ignore[assignment]
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

    @property
    def incidents_opened(self) -> list[ReportFinding]:
        """Incident-grade findings that appeared (or came back) in this run."""
        return [f for f in self.findings if f.incident and f.status in (FindingStatus.NEW, FindingStatus.REGRESSED)]

    def count(self, status: FindingStatus) -> int:
        return (
            len(self.resolved)
            if status is FindingStatus.RESOLVED
            else sum(1 for f in self.findings if f.status is status)
        )


# ---------------------------------------------------------------------------------------------------
# What a platform says: snapshots with per-attribute observability
# ---------------------------------------------------------------------------------------------------


class ObservationState(StrEnum):
    """Whether an attribute was seen. Only `observed` can ever support a pass."""

    OBSERVED = "observed"
    NOT_EXPOSED = "not_exposed"  # the platform's API has no such field: a person must attest it
    ERROR = "error"  # it exists but could not be read this time


class Observed(BaseModel, Generic[T]):
    """One attribute of a snapshot: its value, how it was observed, and the platform's raw value."""

    model_config = ConfigDict(frozen=True)

    state: ObservationState
    value: T | None = None
    raw: Any = None
    error: str | None = None

    @classmethod
    def of(cls, value: T | None, raw: Any = None) -> Observed[T]:
        return cls(state=ObservationState.OBSERVED, value=value, raw=raw)

    @classmethod
    def not_exposed(cls) -> Observed[T]:
        return cls(state=ObservationState.NOT_EXPOSED)

    @classmethod
    def failed(cls, error: str) -> Observed[T]:
        return cls(state=ObservationState.ERROR, error=error)

    @property
    def ok(self) -> bool:
        return self.state is ObservationState.OBSERVED


class AccountState(StrEnum):
    ACTIVE = "active"
    UNPUBLISHED = "unpublished"
    PROTECTED = "protected"
    DEACTIVATED = "deactivated"
    NOT_FOUND = "not_found"


class TwoFactorPolicy(StrEnum):
    """Account-level two-factor requirement, normalised across platforms."""

    ALL_REQUIRED = "all_required"
    ADMIN_REQUIRED = "admin_required"
    NONE = "none"
    UNKNOWN = "unknown"

    @property
    def strength(self) -> int:
        return {"all_required": 2, "admin_required": 1, "none": 0, "unknown": -1}[self.value]


class TwoFactorState(StrEnum):
    """A member's own two-factor state. A value the connector does not positively recognise is unknown."""

    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class VerificationState(StrEnum):
    VERIFIED_GOV = "verified_gov"
    VERIFIED_ORG = "verified_org"
    VERIFIED = "verified"
    PAID_INDIVIDUAL = "paid_individual"
    NOT_VERIFIED = "not_verified"
    UNKNOWN = "unknown"

    @property
    def institutional(self) -> bool:
        return self in (VerificationState.VERIFIED_GOV, VerificationState.VERIFIED_ORG, VerificationState.VERIFIED)


class PlatformRole(StrEnum):
    """A member's power on the platform, normalised to the classic ladder (admin > editor > … > analyst)."""

    ADMIN = "admin"
    EDITOR = "editor"
    MODERATOR = "moderator"
    ADVERTISER = "advertiser"
    ANALYST = "analyst"
    OTHER = "other"

    @property
    def rank(self) -> int:
        return {"admin": 5, "editor": 4, "moderator": 3, "advertiser": 2, "analyst": 1, "other": 0}[self.value]


# The registered role's ceiling on the same ladder (a CM publishes: editor-level).
REGISTERED_ROLE_RANK = {
    Role.ADMINISTRADOR: 5,
    Role.COMMUNITY_MANAGER: 4,
    Role.EDITOR: 4,
    Role.MODERADOR: 3,
    Role.ANUNCIANTE: 2,
    Role.ANALISTA: 1,
}


class Member(BaseModel):
    """Someone with access to the account as the platform lists them (or invited to it)."""

    model_config = ConfigDict(frozen=True)

    platform_user_id: str
    name: str | None = None
    email: str | None = None
    role: PlatformRole = PlatformRole.OTHER
    raw_role: str | None = None
    two_factor: TwoFactorState = TwoFactorState.UNKNOWN
    raw_two_factor: str | None = None
    pending: bool = False
    system_user: bool = False


class CredentialHealth(BaseModel):
    model_config = ConfigDict(frozen=True)

    valid: bool
    expires_at: datetime | None = None  # None: never expires
    data_access_expires_at: datetime | None = None
    error: str | None = None


class DiscoveredAccount(BaseModel):
    """An account the institution's credentials can see (IDN-007 compares it with the inventory)."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    platform_account_id: str
    handle: str | None = None
    name: str | None = None
    credential: str | None = None


class FetchError(StrEnum):
    NO_CONNECTOR = "no_connector"
    NO_CREDENTIAL = "no_credential"
    CREDENTIAL = "credential"
    PERMISSION = "permission"
    RATE_LIMITED = "rate_limited"
    PLATFORM = "platform"


class AccountSnapshot(BaseModel):
    """What a connector observed about one registered account at one moment, sanitised (no tokens)."""

    model_config = ConfigDict(frozen=True)

    institution: str
    account: str
    platform: Platform
    fetched_at: datetime
    error: FetchError | None = None
    error_detail: str | None = None
    platform_account_id: str | None = None
    status: Observed[AccountState] = Observed.not_exposed()
    handle: Observed[str] = Observed.not_exposed()
    display_name: Observed[str] = Observed.not_exposed()
    linked_emails: Observed[list[str]] = Observed.not_exposed()
    phone: Observed[str] = Observed.not_exposed()
    two_factor: Observed[TwoFactorPolicy] = Observed.not_exposed()
    verification: Observed[VerificationState] = Observed.not_exposed()
    members: Observed[list[Member]] = Observed.not_exposed()
    # The 2FA of the account's own login, for platforms where the account is one login (a Google account).
    login_two_factor: Observed[TwoFactorState] = Observed.not_exposed()
    last_activity: Observed[datetime] = Observed.not_exposed()
    alternative_handle_owner: Observed[str] = Observed.not_exposed()
    credential: Observed[CredentialHealth] = Observed.not_exposed()
    evidence: dict[str, Any] = {}

    @property
    def fetched(self) -> bool:
        return self.error is None

    def attribute(self, name: str) -> Observed[Any]:
        value = getattr(self, name)
        assert isinstance(value, Observed)
        return value


SNAPSHOT_ATTRIBUTES = (
    "status",
    "handle",
    "display_name",
    "linked_emails",
    "phone",
    "two_factor",
    "verification",
    "members",
    "login_two_factor",
    "last_activity",
    "alternative_handle_owner",
    "credential",
)


# ---------------------------------------------------------------------------------------------------
# Incident tickets
# ---------------------------------------------------------------------------------------------------


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
