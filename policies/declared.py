"""Declarations against the checklist and the platforms: what is pending (OPS-003), what was declared not
to comply (the matching rule's finding, source «declaración»), and what the platform contradicts.

Pure functions over a context: the evaluator calls `reconcile` after an account's rules ran (their findings
are what can contradict a «cumple») and before OPS-003, which lists what `pending_items` returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.model import AccountStatus, Finding, InstitutionInventory, RegisteredAccount
from auditor.model.declarations import Answer, ChecklistItem, Declaration, DeclKey, ItemScope
from auditor.model.inventory import Role
from policies.checklist import account_items, attribute_item, item, person_items
from policies.context import AccountContext, Violation, is_external

DECLARED_SUBJECT = "declared"


@dataclass(frozen=True)
class Asked:
    """One checklist item asked of an account (for a person, when it is a person item)."""

    item: ChecklistItem
    person: str | None = None
    person_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.item.id} ({self.person_name or self.person})" if self.person else self.item.id


def declaration_for(
    book: Mapping[DeclKey, Declaration], institution: str, entry: ChecklistItem, account: str, person: str | None
) -> Declaration | None:
    """The declaration in force for an item: a person item is answered once per person (for every account)."""
    if person is not None:
        return book.get((institution, entry.id, None, person)) or book.get((institution, entry.id, account, person))
    return book.get((institution, entry.id, account, None))


def has_outsourced_cm(inventory: InstitutionInventory, account: RegisteredAccount) -> bool:
    return any(
        a.role is Role.COMMUNITY_MANAGER and p.is_active and is_external(p, inventory.institution)
        for p, a in inventory.people_on(account.id)
    )


def asked_of(ctx: AccountContext) -> list[Asked]:
    """Every item the account must have answered: its account items, the person items of the people with a
    role on it, and one attribute item per attribute the platform did not expose in this run."""
    account = ctx.account
    asked = [Asked(i) for i in account_items(account, has_outsourced_cm(ctx.inventory, account))]
    if account.status is AccountStatus.ACTIVE:
        for person, access in ctx.active_people():
            for entry in person_items([access.role], account):
                asked.append(Asked(entry, person.id, person.name))
    for attribute in sorted(ctx.unobservable):
        asked.append(Asked(attribute_item(account.platform, attribute)))
    return asked


def pending_items(ctx: AccountContext) -> list[dict[str, Any]]:
    """The items missing, expired or contradicted, each as the OPS-003 evidence lists it."""
    inst = ctx.institution.id
    out: list[dict[str, Any]] = []
    for asked in asked_of(ctx):
        entry = asked.item
        d = declaration_for(ctx.declarations, inst, entry, ctx.account.id, asked.person)
        row: dict[str, Any] = {"item": entry.id, "question": entry.question_es}
        if asked.person:
            row["person"] = asked.person
        if entry.attribute:
            row["rules"] = sorted(ctx.unobservable.get(entry.attribute, []))
            if ctx.seen.get(entry.attribute):
                row["seen"] = ctx.seen[entry.attribute]
        label = asked.label
        if row.get("seen"):  # the platform answered something nobody documents: what it said is the evidence
            label += f" («{'; '.join(row['seen'])}»)"
        if d is None:
            out.append({**row, "state": "missing", "label": label})
        elif d.expired(ctx.today):
            out.append({**row, "state": "expired", "label": label, "expired_on": str(d.valid_until)})
        elif d.answer is Answer.DOES_NOT_COMPLY and entry.rule is None:
            # No rule judges this duty: the account's declarations finding carries the declared failure.
            out.append({**row, "state": "no_cumple", "label": asked.label, "declared": d.summary()})
    for item_id, detail in sorted(ctx.contradicted.items()):
        out.append({"item": item_id, "state": "contradicted", "label": item_id, **detail})
    return out


def _declared_on_account(ctx: AccountContext) -> list[tuple[ChecklistItem, Declaration]]:
    """Declarations in force about this account or the people on it (any item, including attribute items
    for attributes the platform exposes now: a «cumple» then can be contradicted)."""
    inst = ctx.institution.id
    people = {p.id for p, _ in ctx.inventory.people_on(ctx.account.id)}
    found = []
    for (i, item_id, account, person), d in ctx.declarations.items():
        if i != inst or d.expired(ctx.today):
            continue
        if account == ctx.account.id or (account is None and person in people and person is not None):
            entry = item(item_id)
            if entry is None or entry.on_event:
                continue
            if entry.attribute is not None and ctx.account.platform not in entry.platforms:
                continue
            found.append((entry, d))
    return found


def reconcile(ctx: AccountContext, findings: list[Finding]) -> tuple[list[tuple[str, Violation]], dict[str, Finding]]:
    """Declarations against this account's findings of the run.

    Returns the findings a «no cumple» raises (rule id, violation), and the rule findings a «cumple»
    contradicts, with the declaration added to their evidence (by fingerprint). Marks each contradicted item
    on the context for OPS-003."""
    raised: list[tuple[str, Violation]] = []
    contradicted: dict[str, Finding] = {}
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        if f.evidence.get("source") != "declaración":
            by_rule.setdefault(f.policy_id, []).append(f)
    for entry, d in _declared_on_account(ctx):
        if entry.rule is None:
            continue
        if d.answer is Answer.DOES_NOT_COMPLY:
            who = f"{d.declared_by.name} ({d.declared_by.role.value})"
            target = f" — {d.person}" if d.person else ""
            raised.append(
                (
                    entry.rule,
                    Violation(
                        f"{DECLARED_SUBJECT}:{ctx.account.id}#{entry.id}" + (f":{d.person}" if d.person else ""),
                        f"Declarado «no cumple» por {who} el {d.declared_on:%d/%m/%Y}{target}: {entry.question_es}",
                        f"Declared as not complying by {who} on {d.declared_on}{target}: {entry.question_en}",
                        {"source": "declaración", **d.summary()},
                        incident=False,
                    ),
                )
            )
        elif d.answer is Answer.COMPLIES and entry.attribute is not None and by_rule.get(entry.rule):
            # Only what the platform shows can contradict: an attribute item whose rule found the opposite.
            for f in by_rule[entry.rule]:
                evidence = {**f.evidence, "contradicts_declaration": d.summary()}
                contradicted[f.fingerprint] = f.model_copy(update={"evidence": evidence})
            ctx.contradicted[entry.id] = {
                "rule": entry.rule,
                "declared": d.summary(),
                "observed": [f.message_es for f in by_rule[entry.rule]],
            }
    return raised, contradicted


def departure_declared(
    book: Mapping[DeclKey, Declaration], institution: str, person: str, since: date | None
) -> Declaration | None:
    """A CHK-11 declaration for this person (any account) dated on or after `since` (any, when unknown)."""
    for (i, item_id, _, p), d in book.items():
        if i == institution and item_id == "CHK-11" and p == person and (since is None or d.declared_on >= since):
            return d
    return None


def handover_declared(
    book: Mapping[DeclKey, Declaration], institution: str, account: str, since: date | None
) -> Declaration | None:
    """A CHK-11 declaration on this account dated on or after the change `since`."""
    for (i, item_id, a, _), d in book.items():
        if i == institution and item_id == "CHK-11" and a == account and (since is None or d.declared_on >= since):
            return d
    return None


def item_scope_error(entry: ChecklistItem, account: str | None, person: str | None) -> str | None:
    """Why an item cannot be declared for this target (a message key), or None."""
    if entry.id == "CHK-11":
        return None if (account or person) else "human.target_required"
    if entry.scope is ItemScope.PERSON:
        return None if person else "human.person_required"
    return None if account else "human.account_required"
