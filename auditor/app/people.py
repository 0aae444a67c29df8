"""Who acts, and what they may do: the person behind every declaration, annotation and waiver decision, and
the checks every such request passes before anything is written (the institution, account and person exist
in the store's inventory; the role may do it)."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from pydantic import ValidationError

from auditor.app.errors import RequestError
from auditor.app.lookup import unknown
from auditor.i18n import t, term
from auditor.model import InstitutionInventory, Inventory
from auditor.model.declarations import Actor, ActorRole

STAFF = frozenset({ActorRole.DIRECTOR, ActorRole.RSI, ActorRole.ADMINISTRATOR})
CENTRAL = frozenset({ActorRole.CENTRAL})
MAY: dict[str, frozenset[ActorRole]] = {
    "declare": STAFF,
    "annotate": STAFF | CENTRAL,
    "confirm": CENTRAL,
    "request": frozenset({ActorRole.RSI}),
    "decide": CENTRAL,
    "import": CENTRAL,
}


@dataclass(frozen=True)
class Identity:
    """Who says they act (`--as NAME --ci CI --role ROLE`; the web application fills it from the login)."""

    name: str
    ci: str
    role: str
    os_user: str | None = None  # None: the operating-system user running this process


E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], value: str, field: str) -> E:
    """`value` as one of `enum`'s values, or an error that lists them."""
    try:
        return enum(value)
    except ValueError:
        hint = ", ".join(e.value for e in enum)
        raise RequestError(t("lookup.unknown", kind=f"--{field}", value=value, hint=hint), field) from None


def first_problem(exc: ValidationError) -> str:
    """The first message of a model's validation error, as the catalogue wrote it (no pydantic prefix)."""
    first = exc.errors()[0]
    return str(first.get("ctx", {}).get("error", first["msg"]))


def actor_of(who: Identity) -> Actor:
    try:
        role = ActorRole(who.role)
    except ValueError:
        raise RequestError(
            t(
                "human.role_forbidden",
                role=who.role,
                action=t("human.action.act"),
                allowed=", ".join(r.value for r in ActorRole),
            ),
            "role",
        ) from None
    try:
        return Actor(name=who.name, ci=who.ci, role=role, os_user=who.os_user or _os_user())
    except ValidationError as exc:
        raise RequestError(first_problem(exc), str(exc.errors()[0]["loc"][0])) from None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        return "?"


def require(actor: Actor, action: str) -> None:
    allowed = MAY[action]
    if actor.role not in allowed:
        raise RequestError(
            t(
                "human.role_forbidden",
                role=term(actor.role),
                action=t(f"human.action.{action}"),
                allowed=", ".join(sorted(r.value for r in allowed)),
            ),
            "role",
        )


def institution_of(inventory: Inventory, institution: str) -> InstitutionInventory:
    found = inventory.get(institution)
    if found is None:
        raise unknown("institution", institution, (i.institution.id for i in inventory.institutions), "institution")
    return found


def check_target(inst: InstitutionInventory, account: str | None, person: str | None) -> None:
    """The account and person named exist in the institution's register."""
    if account is not None and inst.account(account) is None:
        raise unknown("account", account, (a.id for a in inst.accounts), "account")
    if person is not None and all(p.id != person for p in inst.people):
        raise RequestError(t("human.unknown_person", id=person, institution=inst.institution.id), "person")


def known(values: Iterable[str]) -> list[str]:
    return sorted(set(values))
