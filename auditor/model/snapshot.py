"""What a platform says: snapshots with per-attribute observability (observed, not exposed, error)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
)

from auditor.model.common import Platform
from auditor.model.inventory import Role

T = TypeVar("T")


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

    @classmethod
    def undocumented(cls, raw: Any) -> Observed[T]:
        """The platform answered, with a value (or a missing field) the connector does not know: unknown, never
        a guess. Rules treat it as not exposed (a person attests it); the raw answer is kept and shown."""
        return cls(state=ObservationState.NOT_EXPOSED, raw=raw, error="undocumented value")

    @property
    def ok(self) -> bool:
        return self.state is ObservationState.OBSERVED


class AccountState(StrEnum):
    ACTIVE = "active"
    UNPUBLISHED = "unpublished"
    PROTECTED = "protected"
    UNLISTED = "unlisted"  # reachable by link only (YouTube), not private
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
    # The Business (Meta Business Manager) whose member list names this person. Business membership is access
    # to every asset of the Business, task or not (an admin assigns one in a click): such findings are about
    # the Business, one per (Business, member), not repeated on every Page.
    business: str | None = None
    # Whether the member holds a task or role on this account itself (False: known only as a member of its
    # Business, or an invitation to it).
    on_asset: bool = True


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
    # The platform answers the same for "does not exist" and "you may not read it" (Graph 100/33), and nothing
    # else the credential reads settles which: not an observation that the account is gone.
    NOT_FOUND_OR_DENIED = "not_found_or_denied"
    TIMEOUT = "timeout"  # the account's (or the run's) deadline passed before it was read


class AccountSnapshot(BaseModel):
    """What a connector observed about one registered account at one moment, sanitised (no tokens)."""

    model_config = ConfigDict(frozen=True)

    institution: str
    account: str
    platform: Platform
    fetched_at: datetime
    error: FetchError | None = None
    error_detail: str | None = None
    connector: str | None = None  # the connector that read it (None: no connector could)
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
    # IDN-009: accounts found under look-alike spellings of the handle, the spellings looked up this run, and
    # why the lookup failed (then nothing can be said of the spellings it did not reach).
    lookalikes: list[DiscoveredAccount] = []
    lookalikes_checked: list[str] = []
    lookalikes_error: str | None = None
    evidence: dict[str, Any] = {}

    @property
    def fetched(self) -> bool:
        return self.error is None

    def attribute(self, name: str) -> Observed[Any]:
        value = getattr(self, name)
        assert isinstance(value, Observed)
        return value


@dataclass(frozen=True, slots=True)
class PreviousHints:
    """What reading an account again needs from its last successful snapshot: the Business it was in, the
    look-alikes it had found, and how many members it had (an empty list after that is suspect). A run keeps
    these for the whole country while it observes; the whole snapshot is read only when its institution is
    judged. The store reads the same three facts straight from the stored documents (a test compares them)."""

    business_id: str | None = None
    lookalikes: tuple[str, ...] = ()
    members_had: int | None = None

    @classmethod
    def of(cls, snapshot: AccountSnapshot) -> PreviousHints:
        members = snapshot.members
        had = None
        if members.ok and members.value:
            had = len(members.value)
        elif not members.ok and isinstance(members.raw, dict) and type(members.raw.get("suspect_empty_after")) is int:
            had = members.raw["suspect_empty_after"]
        return cls(
            str(snapshot.evidence.get("business_id") or "") or None,
            tuple(d.handle or "" for d in snapshot.lookalikes),
            had,
        )


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
