"""LinkedIn connector: organisation pages through the versioned REST API (`LinkedIn-Version: YYYYMM`,
`X-Restli-Protocol-Version: 2.0.0`, member OAuth token of a page administrator).

`organizationAcls?q=organization` lists who holds which role (`ADMINISTRATOR`, `CONTENT_ADMINISTRATOR`, …) in
which state (`APPROVED`, `REQUESTED`, …) by person URN, matched to the URNs recorded on Formulario B;
`organizations/{id}` gives the vanity name (handle) and name; the latest post gives the last activity.
LinkedIn exposes no email, 2FA or verification badge: not_exposed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from auditor.model import (
    AccountSnapshot,
    AccountState,
    CredentialHealth,
    DiscoveredAccount,
    Institution,
    Member,
    Observed,
    Platform,
    PlatformRole,
    RegisteredAccount,
)
from auditor.model.clock import utcnow
from auditor.model.secret import Secret
from connectors.base import (
    ConnectorError,
    CredentialError,
    FetchRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    health_of,
    lookalike_lookups,
)
from connectors.http import HttpSettings, PlatformHttp, error_for_status, segment

LINKEDIN_URL = "https://api.linkedin.com"
DEFAULT_VERSION = "202601"
PAGE_SIZE = 50
MAX_PAGES = 100
ROLES = {
    "ADMINISTRATOR": PlatformRole.ADMIN,
    "CONTENT_ADMINISTRATOR": PlatformRole.EDITOR,
    "CURATOR": PlatformRole.MODERATOR,
    "DIRECT_SPONSORED_CONTENT_POSTER": PlatformRole.ADVERTISER,
    "RECRUITING_POSTER": PlatformRole.ADVERTISER,
    "LEAD_CAPTURE_ADMINISTRATOR": PlatformRole.ADVERTISER,
    "LEAD_GEN_FORMS_MANAGER": PlatformRole.ADVERTISER,
    "ANALYST": PlatformRole.ANALYST,
}
ACL_STATES = frozenset({"APPROVED", "REQUESTED", "REJECTED", "REVOKED"})


def map_linkedin_error(response: httpx.Response, body: Any) -> ConnectorError | None:
    """`{status, serviceErrorCode, code, message}`; expired and revoked tokens are credential problems."""
    if response.status_code < 400:
        return None
    code = str(body.get("code", "")) if isinstance(body, dict) else ""
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    text = f"LinkedIn HTTP {response.status_code} {code}: {message}".strip()
    if code in ("EXPIRED_ACCESS_TOKEN", "REVOKED_ACCESS_TOKEN", "INVALID_ACCESS_TOKEN"):
        return CredentialError(text)
    return error_for_status(response.status_code, text)


def org_urn(org_id: str) -> str:
    return org_id if org_id.startswith("urn:li:organization:") else f"urn:li:organization:{org_id}"


def epoch_ms(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw) / 1000, tz=UTC) if raw else None
    except (TypeError, ValueError):
        return None


class LinkedInConnector:
    name: ClassVar[str] = "linkedin"
    requests_per_account: ClassVar[int] = 3  # for one account, look-alikes aside (observe.py)
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.LINKEDIN,)
    discovers: ClassVar[bool] = False
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        Platform.LINKEDIN: frozenset({"status", "handle", "display_name", "members", "last_activity"}),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        base_url = getattr(settings, "base_url", None) or LINKEDIN_URL
        version = getattr(settings, "api_version", None) or DEFAULT_VERSION
        http_settings = settings.http(base_url) if hasattr(settings, "http") else HttpSettings(base_url=base_url)
        self.http = PlatformHttp(
            http_settings,
            error_mapper=map_linkedin_error,
            transport=transport,
            default_headers={"LinkedIn-Version": version, "X-Restli-Protocol-Version": "2.0.0"},
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _org(self, request: FetchRequest) -> dict[str, Any] | None:
        secret = request.secret
        if request.platform_id:
            try:
                return dict(
                    await self.http.get_json(
                        f"/rest/organizations/{segment(request.platform_id.split(':')[-1])}", secret
                    )
                )
            except NotFound:
                return None
        body = await self.http.get_json(
            "/rest/organizations", secret, {"q": "vanityName", "vanityName": request.account.handle or ""}
        )
        elements = body.get("elements") if isinstance(body, dict) else None
        return dict(elements[0]) if elements else None

    async def _acls(self, org_id: str, secret: Secret) -> list[dict[str, Any]]:
        """Every ACL of the organisation, paged with start/count until a page comes back empty or short
        with no `next` link."""
        items: list[dict[str, Any]] = []
        start = 0
        for _ in range(MAX_PAGES):
            body = await self.http.get_json(
                "/rest/organizationAcls",
                secret,
                {"q": "organization", "organization": org_urn(org_id), "start": start, "count": PAGE_SIZE},
            )
            elements = body.get("elements") or []
            items.extend(e for e in elements if isinstance(e, dict))
            paging = body.get("paging") or {}
            has_next = any(link.get("rel") == "next" for link in paging.get("links") or [])
            total = paging.get("total")
            start += len(elements)
            if (
                not elements
                or (total is not None and start >= int(total))
                or (total is None and not has_next and len(elements) < PAGE_SIZE)
            ):
                return items
        raise PlatformError(f"organizationAcls: more than {MAX_PAGES} pages")

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        base = {
            "institution": request.institution.id,
            "account": request.account.id,
            "platform": Platform.LINKEDIN,
            "fetched_at": utcnow(),
        }
        org = await self._org(request)
        if org is None:
            gone: Observed[Any] = Observed.failed("organization not found")
            return AccountSnapshot(
                **base,
                platform_account_id=request.platform_id,
                status=Observed.of(AccountState.NOT_FOUND),
                handle=gone,
                display_name=gone,
                members=gone,
                last_activity=gone,
            )
        org_id = str(org.get("id"))
        members: Observed[list[Member]]
        try:
            acls = await self._acls(org_id, secret)
            members = Observed.of(
                sorted(
                    (
                        Member(
                            platform_user_id=str(a.get("roleAssignee")),
                            role=ROLES.get(str(a.get("role")), PlatformRole.OTHER),
                            raw_role=f"{a.get('role')}/{a.get('state')}",
                            pending=a.get("state") == "REQUESTED",
                        )
                        for a in acls
                        if a.get("state") in ("APPROVED", "REQUESTED")
                    ),
                    key=lambda m: m.platform_user_id,
                )
            )
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            members = Observed.failed(self.http.redact(str(exc)))
        last: Observed[datetime]
        try:
            # Sorted by creation: an old post edited yesterday is not activity (LAST_MODIFIED, the API's default
            # order, would put it first).
            posts = await self.http.get_json(
                "/rest/posts", secret, {"q": "author", "author": org_urn(org_id), "count": 1, "sortBy": "CREATED"}
            )
            first = (posts.get("elements") or [{}])[0] if isinstance(posts, dict) else {}
            last = Observed.of(epoch_ms(first.get("createdAt") or first.get("publishedAt")))
        except (PermissionDenied, PlatformError, RateLimited, NotFound) as exc:
            last = Observed.failed(self.http.redact(str(exc)))
        return AccountSnapshot(
            **base,
            platform_account_id=org_id,
            status=Observed.of(AccountState.ACTIVE),
            handle=Observed.of(org.get("vanityName")),
            display_name=Observed.of(org.get("localizedName")),
            members=members,
            last_activity=last,
            **await lookalike_lookups(request, lambda spelling: self._org_found(spelling, secret), self.http.redact),
            evidence={
                "organization": {k: org.get(k) for k in ("id", "vanityName", "localizedName", "localizedWebsite")}
            },
        )

    async def _org_found(self, vanity: str, secret: Secret) -> DiscoveredAccount | None:
        """The organisation whose vanity name is `vanity` (the `vanityName` finder), or None when none is."""
        body = await self.http.get_json("/rest/organizations", secret, {"q": "vanityName", "vanityName": vanity})
        elements = body.get("elements") if isinstance(body, dict) else None
        if not elements or not isinstance(elements[0], dict):
            return None
        org = elements[0]
        return DiscoveredAccount(
            platform=Platform.LINKEDIN,
            platform_account_id=str(org.get("id")),
            handle=str(org.get("vanityName") or vanity),
            name=org.get("localizedName"),
        )

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        return await health_of(self.http.get_json("/rest/organizationAcls", secret, {"q": "roleAssignee", "count": 1}))

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        return []
