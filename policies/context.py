"""What a rule sees (a context) and what it yields (a violation).

Rules are plain functions over these frozen contexts, so they can be tested with a hand-built inventory
and replayed later over stored data without credentials.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.model import (
    EXTERNAL_LINK_TYPES,
    AccountAccess,
    AccountSnapshot,
    AccountStatus,
    AuthorizedPerson,
    DiscoveredAccount,
    Institution,
    InstitutionInventory,
    Member,
    Platform,
    RegisteredAccount,
    Severity,
    Waiver,
)
from auditor.model.classify import lookalike_key, name_key
from auditor.model.declarations import Declaration, DeclKey
from auditor.model.platforms import user_space


@dataclass(frozen=True)
class Violation:
    """One thing wrong, for one subject. Severity/rsit overrides are for rules with graded outcomes."""

    subject: str
    message_es: str
    message_en: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    rsit: str | None = None
    incident: bool | None = None
    account_level: bool = True  # False: one finding per institution/platform (e.g. a shared credential)


@dataclass(frozen=True)
class BusinessView:
    """A Meta Business as this run saw it: the institution whose register judges its members (its holder) and
    every registration, in any institution, on one of its assets (see policies/business.py)."""

    id: str
    holder: str
    registered: tuple[tuple[AuthorizedPerson, AccountAccess], ...] = ()


@dataclass(frozen=True)
class AccountContext:
    """One registered account, and when the run is live, what the platform says now and said before."""

    inventory: InstitutionInventory
    account: RegisteredAccount
    today: date
    params: dict[str, Any]
    snapshot: AccountSnapshot | None = None
    previous: AccountSnapshot | None = None
    # Evidence of this account's findings that were open (or waived) when the run started, by
    # (policy id, subject): lets a rule about a change keep reporting it until it is undone.
    prior: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # What the rules could not observe, filled by the evaluator and by rules (attribute -> rule ids).
    unobservable: dict[str, list[str]] = field(default_factory=dict)
    # What was seen but could not be interpreted, per attribute («member 123: 'enabled_maybe'»).
    seen: dict[str, list[str]] = field(default_factory=dict)
    # Rules that asked for an attestation here: they did not fully evaluate this account.
    attested_by: set[str] = field(default_factory=set)
    # The Meta Business the account belongs to, when the run saw one.
    business: BusinessView | None = None
    # The declarations in force (latest per institution, item, account, person), and the items of this
    # account whose «cumple» this run's platform data contradicts (filled by policies.declared.reconcile).
    declarations: Mapping[DeclKey, Declaration] = field(default_factory=dict)
    contradicted: dict[str, dict[str, Any]] = field(default_factory=dict)

    def with_params(self, params: dict[str, Any]) -> AccountContext:
        """This context under one rule's parameters, sharing everything else (what the rules record included):
        a shallow copy, where `dataclasses.replace` rebuilt it through `__init__` 40 times an account; itself
        when the parameters are the same (most rules have none)."""
        if params == self.params:
            return self
        ctx = copy.copy(self)
        object.__setattr__(ctx, "params", params)  # a fresh copy: nothing else sees it change
        return ctx

    @property
    def institution(self) -> Institution:
        return self.inventory.institution

    @property
    def in_force(self) -> bool:
        """Active in the register (not archived, not dada de baja): the rules on how it is run apply."""
        return self.account.status is AccountStatus.ACTIVE

    @property
    def snap(self) -> AccountSnapshot:
        """The snapshot, for rules that need one (the evaluator only runs them when there is one)."""
        assert self.snapshot is not None
        return self.snapshot

    def attest(self, attribute: str, rule_id: str, seen: str | None = None) -> None:
        """Record that `rule_id` could not judge `attribute` here: it becomes an attestation request. `seen`
        says what the platform did answer (a raw value it does not document, and whose it is)."""
        rules = self.unobservable.setdefault(attribute, [])
        if rule_id not in rules:
            rules.append(rule_id)
        self.attested_by.add(rule_id)
        if seen is not None and seen not in self.seen.setdefault(attribute, []):
            self.seen[attribute].append(seen)

    def was_open(self, policy_id: str, subject: str) -> dict[str, Any] | None:
        return self.prior.get((policy_id, subject))

    def active_people(self) -> list[tuple[AuthorizedPerson, AccountAccess]]:
        """People with an `alta` status registered on this account, with their access entry."""
        return [(p, a) for p, a in self.inventory.people_on(self.account.id) if p.is_active]


@dataclass(frozen=True)
class PersonContext:
    inventory: InstitutionInventory
    person: AuthorizedPerson
    today: date
    params: dict[str, Any]
    declarations: Mapping[DeclKey, Declaration] = field(default_factory=dict)

    @property
    def institution(self) -> Institution:
        return self.inventory.institution


@dataclass(frozen=True)
class InstitutionContext:
    inventory: InstitutionInventory
    today: date
    params: dict[str, Any]
    discovered: list[DiscoveredAccount]
    # Accounts registered anywhere in the inventory (or pinned by an earlier run), as (platform, id) and
    # (platform, handle): an account another institution registered is not "unregistered".
    known: frozenset[tuple[str, str]]
    # (platform, how the handle reads) → the registered handle that reads so (auditor.model.classify.lookalike_key)
    skeletons: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Accounts found this run under look-alike spellings of registered handles (IDN-009), and the registered
    # alternative handles (IDN-006's subject, not an impostor's).
    lookalikes: list[DiscoveredAccount] = field(default_factory=list)
    alternatives: frozenset[tuple[str, str]] = frozenset()

    @property
    def institution(self) -> Institution:
        return self.inventory.institution

    def is_registered(self, d: DiscoveredAccount) -> bool:
        platform = d.platform.value
        return (platform, d.platform_account_id) in self.known or (
            platform,
            f"@{(d.handle or '').lower()}",
        ) in self.known

    def imitated(self, d: DiscoveredAccount) -> str | None:
        """The registered handle (same platform) a discovered one imitates with look-alike characters."""
        if not d.handle:
            return None
        if (d.platform.value, d.handle.lstrip("@").lower()) in self.alternatives:
            return None
        registered = self.skeletons.get((d.platform.value, lookalike_key(d.handle)))
        return registered if registered is not None and registered != d.handle.lstrip("@").lower() else None


@dataclass(frozen=True)
class WaiverContext:
    waiver: Waiver
    today: date
    params: dict[str, Any]


def is_external(person: AuthorizedPerson, institution: Institution | None = None) -> bool:
    """External person, as POLICIES.md and guide 6.1.1.I define it: decided by the link type alone (tercerizado,
    consultor, voluntario, pasante); a staff member on a non-institutional email is an email finding (INV-010,
    ACC-006), never «externo». An unregistered link type is INV-009's finding, not a guess here."""
    return person.link_type in EXTERNAL_LINK_TYPES


def person_label(person: AuthorizedPerson) -> str:
    return f"{person.name or person.id} (CI {person.ci})" if person.ci else (person.name or person.id)


def match_member(
    member: Member, account_id: str, inventory: InstitutionInventory
) -> tuple[AuthorizedPerson | None, AccountAccess | None]:
    """The registered person a platform member is, and their access entry on this account (if any).

    Matched by the platform user id recorded on Formulario B (immutable: first for this account, then for any
    account whose user ids are the same space, e.g. the Business's other Meta assets), else by email. A name
    alone never matches (see `possible_match`). A person found but without an access entry for this account is
    returned with `None` access.
    """
    uid = member.platform_user_id
    for person, access in inventory.people_on(account_id):
        if access.platform_user_id and access.platform_user_id == uid:
            return person, access
    account = inventory.account(account_id)
    space = user_space(account.platform) if account else None
    for person in inventory.people:
        for a in person.access:
            other = inventory.account(a.account)
            if a.platform_user_id == uid and other is not None and user_space(other.platform) == space:
                return person, next((x for x in person.access if x.account == account_id), None)
    email = (member.email or "").lower()
    if email:
        for person in inventory.people:
            if person.email and person.email.lower() == email:
                return person, next((a for a in person.access if a.account == account_id), None)
    return None, None


def possible_match(member: Member, inventory: InstitutionInventory) -> AuthorizedPerson | None:
    """A registered person with the member's name (accents and case aside): shown as «posible coincidencia»
    evidence for a person to confirm, never taken as a match."""
    key = name_key(member.name)
    if not key:
        return None
    return next((p for p in inventory.people if name_key(p.name) == key), None)


def accesses_in_space(
    person: AuthorizedPerson, platform: Platform, inventory: InstitutionInventory
) -> list[AccountAccess]:
    """The person's registered accesses on accounts whose users are the same as `platform`'s (for a Meta
    Business: every Facebook and Instagram account of the institution)."""
    space = user_space(platform)
    return [
        a
        for a in person.access
        if (other := inventory.account(a.account)) is not None and user_space(other.platform) == space
    ]


def member_label(member: Member) -> str:
    who = member.name or member.email or member.platform_user_id
    return f"{who} (id {member.platform_user_id})" if member.name or member.email else who
