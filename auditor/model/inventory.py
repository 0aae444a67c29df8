"""The registered inventory: the institution, Formulario A (accounts) and Formulario B (people).

Models are strict about structure (unknown keys are errors, so a misspelt field never silently
disappears) and lenient about compliance: a record that is valid but breaks the guide (a gmail address,
a missing posting plan) must load, because that is a *finding*, not an input error.
"""

from __future__ import annotations

import re
from datetime import date as Date
from enum import StrEnum
from typing import Annotated

from pydantic import (
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from auditor.i18n import t
from auditor.model.classify import is_addr_spec, normalise_ci, normalise_phone, reveal_foreign_letters
from auditor.model.common import NonEmpty, Platform, Slug, Strict, blank_to_none
from auditor.model.handles import handle_problem


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

    _blank = field_validator("phone", "role", mode="before")(blank_to_none)

    @field_validator("email")
    @classmethod
    def _one_address(cls, value: str) -> str:
        """Tickets are mailed to it: exactly one plain address (no list, no name, no line break)."""
        if not is_addr_spec(value.strip()):
            raise ValueError(t("inputs.bad_contact_email"))
        return value.strip().lower()


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

    _blank = field_validator("ruc", "pgn_code", "merged_into", "annual_plan_ref", mode="before")(blank_to_none)

    @field_validator("ruc")
    @classmethod
    def _valid_ruc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        m = _RUC_RE.match(value.replace(".", ""))
        if not m:
            raise ValueError(t("inputs.ruc_format"))
        if ruc_check_digit(m.group(1)) != m.group(2):
            raise ValueError(t("inputs.ruc_check_digit", expected=ruc_check_digit(m.group(1))))
        return f"{m.group(1)}-{m.group(2)}"

    @field_validator("email_domains")
    @classmethod
    def _valid_domains(cls, value: list[str]) -> list[str]:
        out = []
        for raw in value:
            domain = raw.strip().lower().lstrip("@")
            if not _DOMAIN_RE.match(domain):
                raise ValueError(t("inputs.not_a_domain", value=raw))
            out.append(domain)
        return out


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

    _blank = field_validator("*", mode="before")(blank_to_none)

    @model_validator(mode="after")
    def _period_in_order(self) -> SupportJustification:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(t("inputs.end_before_start", end=self.end_date, start=self.start_date))
        return self


class SignerRole(StrEnum):
    """Who signs the account's approval: the director of communications (6.1.1.I) or the MAI (Form A)."""

    DIRECTOR_COMUNICACION = "director_comunicacion"
    MAI = "mai"


class Authorization(Strict):
    """Signature block of Formulario A: who approved the account (and as what), with CI, date and document."""

    approver_name: str | None = None
    approver_role: SignerRole | None = None
    approver_ci: str | None = None
    date: Date | None = None
    document_ref: str | None = None

    _blank = field_validator("*", mode="before")(blank_to_none)
    _ci = field_validator("approver_ci", mode="before")(lambda v: normalise_ci(v) if v else v)


class ItCheck(Strict):
    """Record that IT confirmed no existing institutional tool already covers a non-social platform."""

    checked_by: str | None = None
    date: Date | None = None
    reference: str | None = None

    _blank = field_validator("*", mode="before")(blank_to_none)


class Verification(Strict):
    # None: the guide's default for the account's kind (`RegisteredAccount.verification_expected`).
    expectation: VerificationExpectation | None = None
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
    network_name: str | None = Field(default=None, description="The network's name when the platform is «otra»")
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

    @property
    def verification_expected(self) -> VerificationExpectation:
        """As registered, else the guide's default: required for principal (6.1.1.I «Gestionar la
        verificación») and authority accounts (6.1.3), recommended for support accounts (6.1.2)."""
        if self.verification.expectation is not None:
            return self.verification.expectation
        if self.kind is AccountKind.APOYO:
            return VerificationExpectation.RECOMMENDED
        return VerificationExpectation.REQUIRED

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
    )(blank_to_none)
    _phone = field_validator("phone")(lambda v: normalise_phone(v, mobile_only=False) or v if v else v)

    @field_validator("handle", "alternative_handle")
    @classmethod
    def _valid_handle(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Without its «@», and one the platform could have given (else a located error naming the rule)."""
        handle = value.lstrip("@") or None if value else value
        platform = info.data.get("platform")
        if not handle or not isinstance(platform, Platform):
            return handle
        rule = handle_problem(platform, handle)
        if rule is not None:
            from auditor.model.platforms import PLATFORMS  # platforms imports the model package: not at load

            foreign = reveal_foreign_letters(handle)
            hint = t("inputs.foreign_letters", letters=foreign) if foreign else ""
            raise ValueError(t("inputs.bad_handle", platform=PLATFORMS[platform].name, rule=t(rule)) + hint)
        return handle

    @field_validator("linked_email")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.lower() if value else value


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


# Guide 6.1.1.I: external is anyone who is not staff «en relación contractual directa» — only nombrado
# (permanente), contratado and comisionado are staff; the link type decides, never the email.
EXTERNAL_LINK_TYPES = frozenset({LinkType.TERCERIZADO, LinkType.CONSULTOR, LinkType.VOLUNTARIO, LinkType.PASANTE})


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

    _blank = field_validator("role", "platform_user_id", mode="before")(blank_to_none)


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
    # The signature block of the person's last Formulario B row (Aclaración/C.I., Fecha), when imported from one.
    authorization: Authorization | None = None
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
    )(blank_to_none)
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
    _lookup: _RegisterIndex | None = PrivateAttr(default=None)

    def account(self, account_id: str) -> RegisteredAccount | None:
        return self._index().accounts.get(account_id)

    def people_on(self, account_id: str) -> list[tuple[AuthorizedPerson, AccountAccess]]:
        """Every (person, access) pair registered for an account, departed people included, in the register's
        order."""
        return list(self._index().people_on.get(account_id, ()))

    def _index(self) -> _RegisterIndex:
        """The rules ask for an account and its people once per member per rule: scanning the register each time
        made judging an institution of a thousand accounts quadratic (2.6 of its 17 s, profiled). The index is
        rebuilt if the lists it was built from are not this model's own (a `model_copy` that replaced them)."""
        index = self._lookup
        if index is None or index.accounts_list is not self.accounts or index.people_list is not self.people:
            index = self._lookup = _RegisterIndex.of(self.accounts, self.people)
        return index


class _RegisterIndex:
    """An institution's accounts by id (the first of a repeated id, as a scan would find) and its (person,
    access) pairs by account, built from the lists it keeps a reference to."""

    __slots__ = ("accounts", "accounts_list", "people_list", "people_on")

    def __init__(self, accounts_list: list[RegisteredAccount], people_list: list[AuthorizedPerson]) -> None:
        self.accounts_list = accounts_list
        self.people_list = people_list
        self.accounts: dict[str, RegisteredAccount] = {}
        self.people_on: dict[str, list[tuple[AuthorizedPerson, AccountAccess]]] = {}

    def __eq__(self, other: object) -> bool:
        """Derived data, equal to anything (`None` included): pydantic compares private attributes, and two equal
        registers must stay equal whether or not either has been asked a question."""
        return True

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def of(cls, accounts: list[RegisteredAccount], people: list[AuthorizedPerson]) -> _RegisterIndex:
        index = cls(accounts, people)
        for account in accounts:
            index.accounts.setdefault(account.id, account)
        for person in people:
            for access in person.access:
                index.people_on.setdefault(access.account, []).append((person, access))
        return index


class Inventory(Strict):
    institutions: list[InstitutionInventory] = []

    def get(self, institution_id: str) -> InstitutionInventory | None:
        return next((i for i in self.institutions if i.institution.id == institution_id), None)
