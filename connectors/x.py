"""X connector: API v2 user lookup with an app bearer token, over the shared httpx layer.

What X exposes (../shared/reference/platform_apis.md §2): handle, name, `protected`, `verified_type`
(`government`, `business`, `blue`, `none`) and the most recent post. Only `government` (and `business`,
which state companies get) is institutional verification; `blue` is a paid subscription. X exposes no
email (but the authorising user's own), no phone, no 2FA, no delegates: those are not_exposed.
An unknown or suspended handle answers 200 with an `errors` array and no `data`: an observation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from auditor.model import (
    AccountSnapshot,
    AccountState,
    CredentialHealth,
    DiscoveredAccount,
    Institution,
    Observed,
    Platform,
    RegisteredAccount,
    VerificationState,
)
from auditor.model.clock import utcnow
from auditor.model.secret import Secret
from connectors.base import (
    ConnectorError,
    CredentialError,
    FetchRequest,
    PermissionDenied,
    PlatformError,
    RateLimited,
    enum_answer,
    health_of,
)
from connectors.http import HttpSettings, PlatformHttp, iso_time, segment

X_URL = "https://api.x.com"
USER_FIELDS = (
    "id,name,username,created_at,description,protected,verified,verified_type,most_recent_tweet_id,public_metrics"
)
EXPANSIONS = "most_recent_tweet_id"
TWEET_FIELDS = "created_at"
VERIFIED = {
    "government": VerificationState.VERIFIED_GOV,
    "business": VerificationState.VERIFIED_ORG,
    "blue": VerificationState.PAID_INDIVIDUAL,
    "none": VerificationState.NOT_VERIFIED,
}
PROTECTED = {True: AccountState.PROTECTED, False: AccountState.ACTIVE}


def map_problem(response: httpx.Response, body: Any) -> ConnectorError | None:
    """RFC 7807 problem objects (`title`, `type`, `detail`, `status`) and the legacy `errors` body → errors."""
    if response.status_code < 400:
        return None
    detail = ""
    if isinstance(body, dict):
        detail = str(body.get("detail") or body.get("title") or "")
        if not detail and isinstance(body.get("errors"), list) and body["errors"]:
            detail = str(body["errors"][0].get("message", ""))
        if "usage-capped" in str(body.get("type", "")):
            return RateLimited(f"X usage cap reached: {detail}")
    text = f"X API HTTP {response.status_code}: {detail}"
    if response.status_code == 401:
        return CredentialError(text)
    if response.status_code == 403:
        return PermissionDenied(text)
    if response.status_code == 429:
        return RateLimited(text)
    return PlatformError(text)


class XConnector:
    name: ClassVar[str] = "x"
    requests_per_account: ClassVar[int] = 2  # for one account, look-alikes aside (observe.py)
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.X,)
    discovers: ClassVar[bool] = False
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        Platform.X: frozenset(
            {"status", "handle", "display_name", "verification", "last_activity", "alternative_handle_owner"}
        ),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        base_url = getattr(settings, "base_url", None) or X_URL
        http_settings = settings.http(base_url) if hasattr(settings, "http") else HttpSettings(base_url=base_url)
        self.http = PlatformHttp(
            http_settings,
            error_mapper=map_problem,
            reset_header="x-rate-limit-reset",
            remaining_header="x-rate-limit-remaining",
            auth="bearer",
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _lookup(
        self, secret: Secret, *, username: str | None = None, user_id: str | None = None
    ) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, Any]]:
        """(user or None when X says it does not exist, the problem if any, includes)."""
        path = f"/2/users/{segment(user_id)}" if user_id else f"/2/users/by/username/{segment(username)}"
        body = await self.http.get_json(
            path, secret, {"user.fields": USER_FIELDS, "expansions": EXPANSIONS, "tweet.fields": TWEET_FIELDS}
        )
        if not isinstance(body, dict):
            raise PlatformError(f"unexpected body from {path}")
        problem = (body.get("errors") or [{}])[0] if body.get("errors") else {}
        return body.get("data"), problem, body.get("includes") or {}

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        handle = (request.account.handle or "").lstrip("@")
        if not request.platform_id and not handle:
            raise PlatformError("the account has neither a platform id nor a handle to look it up by")
        user, problem, includes = await self._lookup(secret, username=handle or None, user_id=request.platform_id)
        base = {
            "institution": request.institution.id,
            "account": request.account.id,
            "platform": Platform.X,
            "fetched_at": utcnow(),
        }
        if user is None:
            suspended = "suspend" in (str(problem.get("detail", "")) + str(problem.get("type", ""))).lower()
            gone: Observed[Any] = Observed.failed("account not found or suspended")
            return AccountSnapshot(
                **base,
                platform_account_id=request.platform_id,
                status=Observed.of(
                    AccountState.DEACTIVATED if suspended else AccountState.NOT_FOUND,
                    raw={k: problem.get(k) for k in ("title", "detail", "type")},
                ),
                handle=gone,
                display_name=gone,
                verification=gone,
                last_activity=gone,
                alternative_handle_owner=gone,
            )
        lookalikes = await self._lookalikes(request, secret)
        tweets = {str(t.get("id")): t for t in includes.get("tweets") or []}
        recent = tweets.get(str(user.get("most_recent_tweet_id")))
        raw_type = user.get("verified_type") or ("none" if not user.get("verified") else None)
        return AccountSnapshot(
            **base,
            platform_account_id=str(user.get("id")),
            status=enum_answer(PROTECTED, user.get("protected"), field="protected"),
            handle=Observed.of(user.get("username"), raw=user.get("username")),
            display_name=Observed.of(user.get("name")),
            verification=enum_answer(VERIFIED, raw_type, field="verified_type"),
            last_activity=Observed.of(iso_time(recent.get("created_at")) if recent else None),
            alternative_handle_owner=await self._alternative_owner(request, secret),
            **lookalikes,
            evidence={
                "user": {
                    k: user.get(k)
                    for k in ("id", "username", "name", "protected", "verified", "verified_type", "created_at")
                }
            },
        )

    async def _lookalikes(self, request: FetchRequest, secret: Secret) -> dict[str, Any]:
        """IDN-009: this run's look-alike spellings of the handle, looked up in one request (`GET /2/users/by`
        takes up to 100 usernames; the found ones come in `data`, each missing one as a `resource-not-found`
        error). A failure is recorded, never read as «nobody holds them»."""
        spellings = request.lookalike_spellings()[:100]
        if not spellings:
            return {}
        try:
            body = await self.http.get_json(
                "/2/users/by", secret, {"usernames": ",".join(spellings), "user.fields": "id,name,username"}
            )
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            return {"lookalikes_error": self.http.redact(str(exc))}
        if not isinstance(body, dict):
            return {"lookalikes_error": "unexpected body from /2/users/by"}
        found = [
            DiscoveredAccount(
                platform=Platform.X,
                platform_account_id=str(u.get("id")),
                handle=str(u.get("username") or ""),
                name=u.get("name"),
            )
            for u in body.get("data") or []
            if isinstance(u, dict) and u.get("id")
        ]
        return {"lookalikes": found, "lookalikes_checked": spellings}

    async def _alternative_owner(self, request: FetchRequest, secret: Secret) -> Observed[str]:
        alt = (request.account.alternative_handle or "").lstrip("@")
        if not alt:
            return Observed.of(None)
        try:
            user, _, _ = await self._lookup(secret, username=alt)
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            return Observed.failed(self.http.redact(str(exc)))
        if user is None:
            return Observed.of(None)
        return Observed.of(
            str(user.get("id")),
            raw={
                "id": user.get("id"),
                "name": user.get("name"),
                "username": user.get("username"),
                "verified_type": user.get("verified_type"),
            },
        )

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        return await health_of(self._lookup(secret, username=(account.handle or "XDevelopers").lstrip("@")))

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        return []  # X has no list of the accounts a token may administer (`discovers` is False)
