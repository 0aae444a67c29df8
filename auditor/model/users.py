"""The people who sign in to the web application, and what each may see and do.

A user is not an inventory person: the inventory says who has access to the *platform accounts*; a user says
who may read and answer *the auditor*. Their role decides the actions, their institutions decide the
objects (`central` sees every institution; the others only theirs). Passwords, TOTP secrets and recovery
codes are kept as hashes or secrets by the store and never leave it through these models.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints, field_validator

from auditor.i18n import t
from auditor.model.classify import is_addr_spec, is_valid_ci, normalise_ci
from auditor.model.common import NonEmpty, Slug, Strict
from auditor.model.declarations import ActorRole

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,39}$")]


class UserRole(StrEnum):
    CENTRAL = "central"  # the central office: every institution, approves, manages users
    RSI = "rsi"  # the institution's security officer: declares, annotates, requests waivers
    DIRECTOR = "director"  # the communications director: declares and annotates
    LECTOR = "lector"  # reads only

    @property
    def actor_role(self) -> ActorRole | None:
        """The role under which this user's actions enter the trail; None: this user only reads."""
        return {
            UserRole.CENTRAL: ActorRole.CENTRAL,
            UserRole.RSI: ActorRole.RSI,
            UserRole.DIRECTOR: ActorRole.DIRECTOR,
        }.get(self)


class User(Strict):
    username: Username
    name: NonEmpty
    ci: str | None = None  # required to act (a declaration is sworn by a person with a CI)
    role: UserRole
    institutions: list[Slug] = []
    email: str | None = None
    disabled: bool = False
    totp: bool = False  # a second factor is set up
    digest: bool = True  # the daily email digest
    created_at: datetime

    @field_validator("ci", mode="before")
    @classmethod
    def _ci(cls, value: object) -> str | None:
        if value in (None, ""):
            return None
        ci = normalise_ci(value)
        if not is_valid_ci(ci):
            raise ValueError(t("human.bad_ci", ci=value))
        return ci

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not is_addr_spec(value):
            raise ValueError(t("inputs.bad_contact_email"))
        return value

    def sees(self, institution: str) -> bool:
        return self.role is UserRole.CENTRAL or institution in self.institutions

    @property
    def needs_second_factor(self) -> bool:
        """Central users must have one; everyone else is offered it and, once set up, always asked for it."""
        return self.role is UserRole.CENTRAL or self.totp
