"""What people tell the auditor: declarations (declaración jurada) on checklist items, annotations on findings,
waiver requests, and the append-only trail of every such action.

The trail is the history: each entry carries the whole object as it was after the action (`after`) and
before it (`before`), so the current state is a fold of the trail (`HumanState.replay`) and the store's
tables are only its materialised view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from auditor.i18n import t
from auditor.model.classify import is_valid_ci, normalise_ci
from auditor.model.common import NonEmpty, Platform, Slug, Strict, Text
from auditor.model.inventory import AccountKind, AccountStatus, Role
from auditor.model.tuning import Waiver, WaiverScope

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}-\d{3}$")]
ItemId = Annotated[str, StringConstraints(pattern=r"^(CHK-\d{2}|ATR-[a-z_]+-[a-z_.]+)$")]
DeclKey = tuple[str, str, str | None, str | None]  # institution, item, account, person
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Answer(StrEnum):
    COMPLIES = "cumple"
    DOES_NOT_COMPLY = "no_cumple"
    NOT_APPLICABLE = "no_aplica"


class ActorRole(StrEnum):
    """Who may do what: the institution's director, RSI and administrators declare; the RSI requests
    waivers; only the central office confirms false positives and decides waivers."""

    DIRECTOR = "director"
    RSI = "rsi"
    ADMINISTRATOR = "administrador"
    CENTRAL = "central"


class Actor(Strict):
    """A person acting: name, CI and role as given (`--as/--ci/--role` or the web login), and the
    operating-system user who ran the command."""

    name: NonEmpty
    ci: str
    role: ActorRole
    os_user: str | None = None

    @field_validator("ci", mode="before")
    @classmethod
    def _ci(cls, value: object) -> str:
        ci = normalise_ci(value)
        if not is_valid_ci(ci):
            raise ValueError(t("human.bad_ci", ci=value))
        return ci

    def same_person(self, other: Actor) -> bool:
        return self.ci == other.ci


class ItemScope(StrEnum):
    ACCOUNT = "account"
    PERSON = "person"


class ChecklistItem(Strict):
    """One duty of the guide that no API shows: the question a person answers, where it applies, and how
    long an answer holds (`validity_months` None: once)."""

    id: ItemId
    guide_ref: str
    question_es: NonEmpty
    question_en: NonEmpty
    scope: ItemScope
    validity_months: int | None = None
    rule: RuleId | None = Field(
        default=None, description="The rule a «no cumple» raises, and whose finding contradicts a «cumple»"
    )
    kinds: list[AccountKind] = []  # empty: every kind
    statuses: list[AccountStatus] = [AccountStatus.ACTIVE]
    platforms: list[Platform] = []  # empty: every platform
    roles: list[Role] = []  # person items: the roles on an account that make a person concerned
    attribute: str | None = None  # attribute items: the snapshot attribute they stand in for
    on_event: bool = False  # asked by a rule when something happens (CHK-11), not listed as pending

    def question(self, lang: str) -> str:
        return self.question_es if lang == "es" else self.question_en


class Declaration(Strict):
    """A sworn answer to one checklist item for an account or a person. Never changed: a newer one for the
    same key supersedes it."""

    id: int = 0  # given by the store
    institution: Slug
    item: ItemId
    account: Slug | None = None
    person: Slug | None = None
    answer: Answer
    reason: Text | None = None
    evidence: Text | None = None
    document_ref: Text | None = None
    document_sha256: Sha256 | None = None
    declared_by: Actor
    declared_on: Date
    valid_until: Date | None = None
    recorded_at: datetime

    @model_validator(mode="after")
    def _reason_when_not_applicable(self) -> Declaration:
        if self.answer is Answer.NOT_APPLICABLE and not (self.reason or "").strip():
            raise ValueError(t("human.reason_required"))
        if self.valid_until is not None and self.valid_until < self.declared_on:
            raise ValueError(t("human.valid_before_declared"))
        return self

    @property
    def key(self) -> DeclKey:
        return (self.institution, self.item, self.account, self.person)

    def expired(self, today: Date) -> bool:
        return self.valid_until is not None and self.valid_until < today

    def summary(self) -> dict[str, Any]:
        """What a finding's evidence shows of it."""
        return {
            "declaration": self.id,
            "item": self.item,
            "answer": self.answer.value,
            "declared_by": f"{self.declared_by.name} (CI {self.declared_by.ci}, {self.declared_by.role.value})",
            "declared_on": self.declared_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "evidence": self.evidence,
            "reason": self.reason,
        }


class AnnotationKind(StrEnum):
    FALSE_POSITIVE = "resultado_incorrecto"
    LEGITIMATE_PERSON = "persona_legitima"
    IN_TREATMENT = "en_tratamiento"
    COMMENT = "comentario"


class Annotation(Strict):
    """A person's word on a finding, following it by fingerprint across runs. A false positive counts only
    once the central office confirms it."""

    id: int = 0
    fingerprint: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]
    institution: Slug
    policy_id: RuleId
    kind: AnnotationKind
    text: NonEmpty
    planned_date: Date | None = None
    by: Actor
    at: datetime
    confirmed_by: Actor | None = None
    confirmed_at: datetime | None = None
    withdrawn: bool = False

    @model_validator(mode="after")
    def _plan_has_date(self) -> Annotation:
        if self.kind is AnnotationKind.IN_TREATMENT and self.planned_date is None:
            raise ValueError(t("human.planned_date_required"))
        return self

    @property
    def in_force(self) -> bool:
        """Counts for the finding: not withdrawn, and confirmed when it is a false positive."""
        if self.withdrawn:
            return False
        return self.kind is not AnnotationKind.FALSE_POSITIVE or self.confirmed_by is not None

    def overdue(self, today: Date) -> bool:
        return self.kind is AnnotationKind.IN_TREATMENT and self.planned_date is not None and self.planned_date < today


class WaiverRequestState(StrEnum):
    REQUESTED = "solicitada"
    APPROVED = "aprobada"
    REJECTED = "rechazada"
    REVOKED = "revocada"


class WaiverRequest(Strict):
    """An exception asked by an institution's RSI and decided by the central office (never the same
    person). Approved and not revoked, it is a waiver in force until it expires."""

    id: Slug
    rule: RuleId
    scope: WaiverScope
    rationale: NonEmpty
    protocol_ref: Text | None = None
    expires: Date
    requested_by: Actor
    requested_on: Date
    state: WaiverRequestState = WaiverRequestState.REQUESTED
    decided_by: Actor | None = None
    decided_on: Date | None = None
    decision_note: Text | None = None
    imported: bool = False

    @property
    def institution(self) -> str:
        return self.scope.institution

    def as_waiver(self) -> Waiver | None:
        if self.state is not WaiverRequestState.APPROVED or self.decided_by is None or self.decided_on is None:
            return None
        return Waiver(
            id=self.id,
            rule=self.rule,
            scope=self.scope,
            rationale=self.rationale,
            approver=self.decided_by.name,
            approved_on=self.decided_on,
            expires=self.expires,
            protocol_ref=self.protocol_ref,
        )

    @classmethod
    def from_waiver(cls, waiver: Waiver, importer: Actor, today: Date) -> WaiverRequest:
        """A waiver of a file, as the store keeps it once imported: approved by whoever imports it."""
        return cls(
            id=waiver.id,
            rule=waiver.rule,
            scope=waiver.scope,
            rationale=waiver.rationale,
            protocol_ref=waiver.protocol_ref,
            expires=waiver.expires,
            requested_by=importer,
            requested_on=min(today, waiver.approved_on),
            state=WaiverRequestState.APPROVED,
            decided_by=importer,
            decided_on=waiver.approved_on,  # the file's date; the trail entry says when and by whom it was imported
            decision_note=t("human.imported_note", approver=waiver.approver, approved=waiver.approved_on),
            imported=True,
        )


class TrailAction(StrEnum):
    DECLARE = "declarar"
    ANNOTATE = "anotar"
    CONFIRM = "confirmar"
    WITHDRAW = "retirar"
    REQUEST = "solicitar"
    APPROVE = "aprobar"
    REJECT = "rechazar"
    REVOKE = "revocar"
    IMPORT = "importar"


class TrailEntry(Strict):
    """One human action, appended and never edited: who, for which institution, when, what, before, after."""

    seq: int = 0
    at: datetime
    actor: Actor
    institution: Slug
    action: TrailAction
    object: str  # "declaration:12", "annotation:3", "waiver:w-shared-x"
    fingerprint: str | None = None  # the finding it concerns, when it concerns one
    before: dict[str, Any] | None = None
    after: dict[str, Any]


@dataclass
class HumanState:
    """Every declaration (history included), annotation and waiver request, as the trail leaves them."""

    declarations: dict[int, Declaration] = field(default_factory=dict)
    annotations: dict[int, Annotation] = field(default_factory=dict)
    waiver_requests: dict[str, WaiverRequest] = field(default_factory=dict)

    def apply(self, entry: TrailEntry) -> None:
        kind, _, ident = entry.object.partition(":")
        if kind == "declaration":
            self.declarations[int(ident)] = Declaration.model_validate(entry.after)
        elif kind == "annotation":
            self.annotations[int(ident)] = Annotation.model_validate(entry.after)
        elif kind == "waiver":
            self.waiver_requests[ident] = WaiverRequest.model_validate(entry.after)
        else:
            raise ValueError(f"trail entry {entry.seq}: unknown object {entry.object!r}")

    @classmethod
    def replay(cls, entries: list[TrailEntry]) -> HumanState:
        state = cls()
        for entry in sorted(entries, key=lambda e: e.seq):
            state.apply(entry)
        return state

    def current(self) -> dict[DeclKey, Declaration]:
        """The declaration in force per key: the latest declared (then the latest recorded)."""
        latest: dict[DeclKey, Declaration] = {}
        for d in sorted(self.declarations.values(), key=lambda d: (d.declared_on, d.id)):
            latest[d.key] = d
        return latest

    def annotations_by_fingerprint(self) -> dict[str, list[Annotation]]:
        out: dict[str, list[Annotation]] = {}
        for a in sorted(self.annotations.values(), key=lambda a: a.id):
            out.setdefault(a.fingerprint, []).append(a)
        return out

    def waivers(self) -> list[Waiver]:
        """The approved, unrevoked requests as waivers (expired ones included: OPS-004 reports them)."""
        return [w for r in sorted(self.waiver_requests.values(), key=lambda r: r.id) if (w := r.as_waiver())]
