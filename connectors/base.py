"""The connector contract: what every platform connector implements, declares and raises.

A connector turns one registered account into one `AccountSnapshot`. It declares which snapshot attributes
its platform's API exposes (`capabilities`); everything else is `not_exposed` and becomes an attestation
request, never a pass. Failures are raised as `ConnectorError` subclasses (httpx's lesson: one small
hierarchy) and the engine turns each into an error snapshot for that account while the run goes on.
Connectors are found through the entry-point group `auditor.connectors`, the built-in ones included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import httpx

from auditor.model import (
    SNAPSHOT_ATTRIBUTES,
    AccountSnapshot,
    CredentialHealth,
    DiscoveredAccount,
    FetchError,
    Institution,
    Observed,
    Platform,
    RegisteredAccount,
)
from auditor.model.clock import utcnow
from auditor.model.secret import Secret

ENTRY_POINT_GROUP = "auditor.connectors"
E = TypeVar("E")


def enum_answer(table: Mapping[Any, E], raw: Any, *, field: str) -> Observed[E]:
    """A platform's enumerated value read through the connector's table of the values its documentation lists.

    A value the table does not know, or a missing field, is an undocumented answer: unknown, never a guess,
    with `field=value` kept so the attestation request shows what the platform said. Every connector reads its
    enums (states, badges, 2FA policies, flags) through this one function."""
    # The key must match in type too: 1, 1.0 or "true" is not the documented `true`, and NaN matches nothing.
    key = next((k for k in table if type(k) is type(raw) and k == raw), None) if raw is not None else None
    if key is not None:
        return Observed.of(table[key], raw=raw)
    return Observed.undocumented(f"{field}={'null' if raw is None else raw}")  # null: the field was absent


class ConnectorError(Exception):
    """Base of every error a connector raises; messages are already redacted."""

    kind: ClassVar[FetchError] = FetchError.PLATFORM


class CredentialError(ConnectorError):
    """The token is invalid, expired or revoked: the account cannot be audited until it is renewed."""

    kind = FetchError.CREDENTIAL


class PermissionDenied(ConnectorError):
    kind = FetchError.PERMISSION


class NotFound(ConnectorError):
    """The object does not exist or is not visible: for a registered account this is an observation."""


class NotFoundOrDenied(ConnectorError):
    """The platform's answer means "does not exist" or "may not be read" alike, and nothing else settles it:
    the account could not be audited (never an observation that it is gone)."""

    kind = FetchError.NOT_FOUND_OR_DENIED


class RateLimited(ConnectorError):
    """Throttled beyond what the client is willing to wait for."""

    kind = FetchError.RATE_LIMITED

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PlatformError(ConnectorError):
    """5xx after retries, malformed bodies, network failures: the platform did not give an answer."""


@dataclass(frozen=True)
class FetchRequest:
    """Everything a connector needs to observe one registered account."""

    institution: Institution
    account: RegisteredAccount
    secret: Secret
    credential_name: str
    pinned_id: str | None = None  # the immutable platform id pinned by an earlier run
    business_id: str | None = None  # the Business that held the account at the last run (Meta)
    # IDN-009: how many look-alike spellings of the handle to look up this run, where the rotation through them
    # starts, and the spellings found before (always looked up again, so a found impostor is re-checked).
    lookalike_budget: int = 0
    lookalike_offset: int = 0
    lookalike_found: tuple[str, ...] = ()

    def lookalike_spellings(self) -> list[str]:
        """This run's share of the look-alike spellings: the ones found before, then the next slice of the
        rotation, within the budget — so lookups never eat the quota the audit needs, and every spelling is
        reached over a few nights."""
        from auditor.model.handles import lookalike_variants

        if self.lookalike_budget <= 0 or not self.account.handle:
            return []
        alternative = (self.account.alternative_handle or "").lstrip("@").lower()  # IDN-006 looks that one up
        variants = [v for v in lookalike_variants(self.account.platform, self.account.handle) if v != alternative]
        first = [v for v in dict.fromkeys(self.lookalike_found) if v in variants]
        rest = [v for v in variants if v not in first]
        if rest:
            start = self.lookalike_offset % len(rest)
            rest = rest[start:] + rest[:start]
        return (first + rest)[: max(self.lookalike_budget, len(first))]

    @property
    def platform_id(self) -> str | None:
        return self.account.platform_account_id or self.pinned_id


@runtime_checkable
class Connector(Protocol):
    """A platform connector. `platforms` lists the platform ids it serves (Meta serves two)."""

    name: ClassVar[str]
    platforms: ClassVar[tuple[Platform, ...]]
    # platform -> snapshot attributes its API exposes. Anything absent is not_exposed.
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]]

    async def fetch(self, request: FetchRequest) -> AccountSnapshot: ...

    async def discover(
        self, institution: Institution, credential_name: str, secret: Secret
    ) -> list[DiscoveredAccount]: ...

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        """One cheap authenticated call: is the credential valid, and until when (`connectors check`)."""
        ...

    async def aclose(self) -> None: ...


async def health_of(call: Any) -> CredentialHealth:
    """Run a cheap call; success means a valid credential (expiry unknown), a ConnectorError says why not."""
    try:
        await call
    except ConnectorError as exc:
        return CredentialHealth(valid=False, error=str(exc))
    return CredentialHealth(valid=True)


class ConnectorFactory(Protocol):
    name: ClassVar[str]
    platforms: ClassVar[tuple[Platform, ...]]
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]]

    def __call__(self, settings: Any, *, transport: httpx.AsyncBaseTransport | None = None) -> Connector: ...


def check_capabilities(cls: Any) -> None:
    """Fail at registration when a connector declares an attribute the snapshot does not have."""
    for platform, attrs in cls.capabilities.items():
        unknown = set(attrs) - set(SNAPSHOT_ATTRIBUTES)
        if unknown:
            raise ValueError(f"connector {cls.name}: {platform} declares unknown attributes {sorted(unknown)}")


def available_connectors() -> dict[str, ConnectorFactory]:
    """Connector classes by name, from the `auditor.connectors` entry points (built-ins included)."""
    found: dict[str, ConnectorFactory] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        check_capabilities(cls)
        found[cls.name] = cls
    return found


def connector_for(platform: Platform, connectors: Mapping[str, ConnectorFactory]) -> ConnectorFactory | None:
    return next((c for c in connectors.values() if platform in c.platforms), None)


def error_snapshot(
    request_institution: str, account: RegisteredAccount, kind: FetchError, detail: str, at: datetime | None = None
) -> AccountSnapshot:
    """The snapshot of an account that could not be observed: every attribute is an error."""
    from auditor.model import Observed

    failed: Observed[Any] = Observed.failed(detail)
    return AccountSnapshot(
        institution=request_institution,
        account=account.id,
        platform=account.platform,
        fetched_at=at or utcnow(),
        error=kind,
        error_detail=detail,
        platform_account_id=account.platform_account_id,
        **{name: failed for name in SNAPSHOT_ATTRIBUTES},
    )


class PageCursor:
    """A pagination cursor that refuses to go in circles.

    A cursor seen before (a platform bug, a hostile proxy) or more than `max_pages` pages is an error of the
    whole read — never an endless audit, and never a list silently cut short and taken as complete.
    """

    def __init__(self, what: str, max_pages: int):
        self.what, self.max_pages = what, max_pages
        self._seen: set[str] = set()

    def advance(self, cursor: Any) -> Any:
        key = str(cursor)
        if key in self._seen:
            raise PlatformError(f"{self.what}: the pagination cursor repeats after {len(self._seen)} pages")
        if len(self._seen) + 1 >= self.max_pages:
            raise PlatformError(f"{self.what}: more than {self.max_pages} pages")
        self._seen.add(key)
        return cursor


def unobservable_snapshot(
    request_institution: str, account: RegisteredAccount, at: datetime | None = None
) -> AccountSnapshot:
    """The snapshot of an account on a network no API shows (Threads, Telegram, «otra»…): nothing failed, and
    nothing is known — every attribute is not exposed, so each live rule asks a person instead of passing."""
    from auditor.model import Observed

    unknown: Observed[Any] = Observed.not_exposed()
    return AccountSnapshot(
        institution=request_institution,
        account=account.id,
        platform=account.platform,
        fetched_at=at or utcnow(),
        connector=None,
        platform_account_id=account.platform_account_id,
        **{name: unknown for name in SNAPSHOT_ATTRIBUTES},
    )


async def lookalike_lookups(
    request: FetchRequest, lookup: Callable[[str], Awaitable[DiscoveredAccount | None]], redact: Callable[[str], str]
) -> dict[str, Any]:
    """IDN-009 on a platform that looks accounts up one handle at a time (a Facebook username, a YouTube
    handle): this run's share of the look-alike spellings, one request each. The first failure stops the
    lookups and is recorded — what was not reached is unknown, never «nobody holds it»."""
    spellings = request.lookalike_spellings()
    if not spellings:
        return {}
    found = []
    for spelling in spellings:
        try:
            account = await lookup(spelling)
        except ConnectorError as exc:
            return {"lookalikes_error": redact(str(exc))}
        if account is not None:
            found.append(account)
    return {"lookalikes": found, "lookalikes_checked": spellings}
