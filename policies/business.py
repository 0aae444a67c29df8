"""Meta Business membership as access.

Everyone in an institution's Business (its users, pending invitations and system users) can reach every
asset of the Business, whether or not a Page task is assigned today: an admin assigns one in a click. So what
is wrong with a Business member is a finding about the Business, one per (Business, member), attached to the
institution (no single account) and merged from every Page it is seen on — not repeated on each Page. A
member who holds tasks on the Page itself is also judged on that Page, against that account's registration.

A Business member is registered when a Formulario B lists the person (matched by platform user id, then
email) on any asset of the Business — whichever institution registered that asset — or on any of the
institution's own Meta accounts: registering a person on one asset of the Business is registering them in
the Business.

A Business can hold the Pages of several institutions (a merged Secretaría's Page kept in its Ministry's
Business). Its member findings then belong to one of them, its holder: an institution in force before a
merged or dissolved one, then the one with most assets in it, then the lowest id. The others' Pages do not
repeat them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from auditor.model import (
    AccountAccess,
    AccountSnapshot,
    AuthorizedPerson,
    InstitutionStatus,
    Inventory,
    Member,
)
from policies.context import AccountContext, BusinessView, Violation, accesses_in_space, match_member


def business_id(snapshot: AccountSnapshot | None) -> str | None:
    """The Business that owns the account, as the connector recorded it (None: none, or not read)."""
    if snapshot is None:
        return None
    value = snapshot.evidence.get("business_id")
    return str(value) if value else None


def business_owners(
    snapshots: Mapping[tuple[str, str], AccountSnapshot], previous: Mapping[tuple[str, str], AccountSnapshot]
) -> dict[tuple[str, str], str]:
    """(institution, account) → the Business it belongs to, as this run (else the last one) saw it."""
    owner: dict[tuple[str, str], str] = {}
    for key in {*snapshots, *previous}:
        snap = snapshots.get(key)
        bid = business_id(snap) if snap is not None and snap.error is None else business_id(previous.get(key))
        if bid:
            owner[key] = bid
    return owner


def business_views(inventory: Inventory, owner: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], BusinessView]:
    """(institution, account) → its Business, with who holds the Business and who is registered in it."""
    by_business: dict[str, list[tuple[str, str]]] = {}
    for key, bid in owner.items():
        by_business.setdefault(bid, []).append(key)
    # Every registered access by the account it is to, in the register's order: one pass over the country's
    # people, not one per Business (a thousand institutions' Businesses scanned every person each time).
    accesses: dict[tuple[str, str], list[tuple[int, AuthorizedPerson, AccountAccess]]] = {}
    if owner:
        order = 0
        for inst in inventory.institutions:
            for person in inst.people:
                for access in person.access:
                    key = (inst.institution.id, access.account)
                    if key in owner:
                        accesses.setdefault(key, []).append((order, person, access))
                    order += 1
    views: dict[str, BusinessView] = {}
    for bid, assets in by_business.items():
        holder = min({inst for inst, _ in assets}, key=partial(_standing, inventory, assets))
        entries = sorted((e for key in set(assets) for e in accesses.get(key, ())), key=lambda e: e[0])
        views[bid] = BusinessView(bid, holder, tuple((person, access) for _, person, access in entries))
    return {key: views[bid] for key, bid in owner.items()}


def _standing(inventory: Inventory, assets: list[tuple[str, str]], inst: str) -> tuple[bool, int, str]:
    """How an institution ranks to hold a Business: in force first, then most assets in it, then its id."""
    found = inventory.get(inst)
    retired = found is None or found.institution.status is not InstitutionStatus.ACTIVE
    return (retired, -sum(1 for i, _ in assets if i == inst), inst)


def business_scope(ctx: AccountContext) -> tuple[str, bool] | None:
    """The Business whose member findings this account's evaluation speaks for (see Rule.shared_subject): none
    unless the account's institution holds it. Observed only when this run read the Page and its members; a
    Page that failed today still names its Business (from the last run), so its findings are carried."""
    view = ctx.business
    if view is None or view.holder != ctx.institution.id:
        return None
    snap = ctx.snap
    return f"business:{view.id}", snap.error is None and snap.members.ok and business_id(snap) == view.id


def judged_here(ctx: AccountContext, member: Member) -> bool:
    """Whether this account's institution judges this Business member (it holds the Business). A member of a
    Business nobody could name (an older snapshot) is judged where it is seen."""
    return ctx.business is None or ctx.business.id != member.business or ctx.business.holder == ctx.institution.id


def business_only(member: Member) -> bool:
    """Known only as a member of the account's Business (or invited to it): no task on this account."""
    return member.business is not None and not member.on_asset


def business_label(ctx: AccountContext, member: Member) -> str:
    business = ctx.snap.evidence.get("business") or {}
    name = business.get("name") if isinstance(business, dict) else None
    return f"«{name}» (id {member.business})" if name else f"id {member.business}"


def match_in_business(member: Member, ctx: AccountContext) -> tuple[AuthorizedPerson | None, list[AccountAccess]]:
    """The registered person a Business member is, and their registrations that make them a known member: on
    any asset of the Business (any institution), or on the institution's own Meta accounts. By recorded user
    id first, then by email."""
    registered = ctx.business.registered if ctx.business is not None else ()
    uid, email = member.platform_user_id, (member.email or "").lower()
    person: AuthorizedPerson | None = next((p for p, a in registered if a.platform_user_id == uid), None)
    if person is None:
        person, _ = match_member(member, ctx.account.id, ctx.inventory)
    if person is None and email:
        person = next((p for p, _ in registered if p.email and p.email.lower() == email), None)
    if person is None:
        return None, []
    ci = person.ci
    on_assets = [a for p, a in registered if p is person or (ci and p.ci == ci)]
    own = accesses_in_space(person, ctx.account.platform, ctx.inventory)
    return person, [*own, *(a for a in on_assets if a not in own)]


def business_violation(
    ctx: AccountContext,
    member: Member,
    message_es: str,
    message_en: str,
    evidence: dict[str, Any],
    *,
    rsit: str | None = None,
) -> Violation:
    """One finding per (Business, member); each Page it was seen through is one observation of it."""
    return Violation(
        f"business:{member.business}#member:{member.platform_user_id}",
        message_es,
        message_en,
        {
            **evidence,
            "business": member.business,
            "observations": [{"account": ctx.account.id, "on_asset": member.on_asset}],
        },
        rsit=rsit,
        account_level=False,
    )
