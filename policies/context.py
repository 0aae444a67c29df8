"""What a rule sees (a context) and what it yields (a violation).

Rules are plain functions over these frozen contexts, so they can be tested with a hand-built inventory
and replayed later over stored data without credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.classify import is_institutional
from auditor.model import (
    EXTERNAL_LINK_TYPES,
    AccountAccess,
    AuthorizedPerson,
    Institution,
    InstitutionInventory,
    RegisteredAccount,
    Severity,
    Waiver,
)


@dataclass(frozen=True)
class Violation:
    """One thing wrong, for one subject. Severity/rsit overrides are for rules with graded outcomes."""

    subject: str
    message_es: str
    message_en: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    rsit: str | None = None


@dataclass(frozen=True)
class AccountContext:
    inventory: InstitutionInventory
    account: RegisteredAccount
    today: date
    params: dict[str, Any]

    @property
    def institution(self) -> Institution:
        return self.inventory.institution

    def active_people(self) -> list[tuple[AuthorizedPerson, AccountAccess]]:
        """People with an `alta` status registered on this account, with their access entry."""
        return [(p, a) for p, a in self.inventory.people_on(self.account.id) if p.is_active]


@dataclass(frozen=True)
class PersonContext:
    inventory: InstitutionInventory
    person: AuthorizedPerson
    today: date
    params: dict[str, Any]

    @property
    def institution(self) -> Institution:
        return self.inventory.institution


@dataclass(frozen=True)
class WaiverContext:
    waiver: Waiver
    today: date
    params: dict[str, Any]


def is_external(person: AuthorizedPerson, institution: Institution) -> bool:
    """External person, as POLICIES.md defines it: outsourced/volunteer link, or a non-institutional email."""
    if person.link_type in EXTERNAL_LINK_TYPES:
        return True
    return not is_institutional(person.email, institution.email_domains)


def person_label(person: AuthorizedPerson) -> str:
    return f"{person.name or person.id} (CI {person.ci})" if person.ci else (person.name or person.id)
