"""Zoom connector: API v2 with a Server-to-Server OAuth token of the institution's Zoom account.

`GET /v2/accounts/me/settings?option=security` gives `sign_in_with_two_factor_auth` (`all`, `group`, `role`,
`none`) → AUT-001; `GET /v2/users` (active and pending, `next_page_token` paging) gives the people with
access, their `role_id` (`0` owner, `1` admin), email and last login → ACC rules. Per-user 2FA is not
exposed. Errors are `{code, message}` (124 invalid token).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
    TwoFactorPolicy,
)
from auditor.model.clock import utcnow
from auditor.model.secret import Secret
from connectors.base import (
    ConnectorError,
    CredentialError,
    FetchRequest,
    NotFound,
    PageCursor,
    PermissionDenied,
    PlatformError,
    RateLimited,
    enum_answer,
    health_of,
)
from connectors.http import HttpSettings, PlatformHttp, error_for_status, iso_time

ZOOM_URL = "https://api.zoom.us"
PAGE_SIZE = 300
MAX_PAGES = 100
TWO_FACTOR = {
    "all": TwoFactorPolicy.ALL_REQUIRED,
    "group": TwoFactorPolicy.ADMIN_REQUIRED,
    "role": TwoFactorPolicy.ADMIN_REQUIRED,
    "none": TwoFactorPolicy.NONE,
}
ROLES = {"0": PlatformRole.ADMIN, "1": PlatformRole.ADMIN, "2": PlatformRole.EDITOR}


def map_zoom_error(response: httpx.Response, body: Any) -> ConnectorError | None:
    if response.status_code < 400:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    text = f"Zoom HTTP {response.status_code} code {code}: {body.get('message', '') if isinstance(body, dict) else ''}"
    if code == 124:
        return CredentialError(text)
    if code == 4700:
        return PermissionDenied(text)
    return error_for_status(response.status_code, text)


class ZoomConnector:
    name: ClassVar[str] = "zoom"
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.ZOOM,)
    discovers: ClassVar[bool] = False
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        Platform.ZOOM: frozenset({"status", "linked_emails", "two_factor", "members", "last_activity"}),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        base_url = getattr(settings, "base_url", None) or ZOOM_URL
        http_settings = settings.http(base_url) if hasattr(settings, "http") else HttpSettings(base_url=base_url)
        self.http = PlatformHttp(http_settings, error_mapper=map_zoom_error, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _users(self, secret: Secret, status: str) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        token = ""
        cursor = PageCursor("users", MAX_PAGES)
        while True:
            params: dict[str, Any] = {"status": status, "page_size": PAGE_SIZE}
            if token:
                params["next_page_token"] = token
            body = await self.http.get_json("/v2/users", secret, params)
            users.extend(u for u in body.get("users") or [] if isinstance(u, dict))
            token = body.get("next_page_token") or ""
            if not token:  # an empty token is the last page
                return users
            cursor.advance(token)

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        settings = await self.http.get_json("/v2/accounts/me/settings", secret, {"option": "security"})
        raw_2fa = settings.get("sign_in_with_two_factor_auth") if isinstance(settings, dict) else None
        members: Observed[list[Member]]
        owners: list[str] = []
        last: datetime | None = None
        try:
            active = await self._users(secret, "active")
            pending = await self._users(secret, "pending")
            members = Observed.of(
                sorted(
                    [
                        Member(
                            platform_user_id=str(u.get("id")),
                            name=u.get("display_name"),
                            email=(u.get("email") or "").lower() or None,
                            role=ROLES.get(str(u.get("role_id")), PlatformRole.OTHER),
                            raw_role=f"role_id={u.get('role_id')}",
                        )
                        for u in active
                    ]
                    + [
                        Member(
                            platform_user_id=f"pending:{u.get('id')}",
                            email=(u.get("email") or "").lower() or None,
                            role=ROLES.get(str(u.get("role_id")), PlatformRole.OTHER),
                            pending=True,
                        )
                        for u in pending
                    ],
                    key=lambda m: m.platform_user_id,
                )
            )
            owners = [str(u.get("email")).lower() for u in active if str(u.get("role_id")) == "0" and u.get("email")]
            logins = [t for t in (iso_time(u.get("last_login_time")) for u in active) if t]
            last = max(logins) if logins else None
        except (PermissionDenied, PlatformError, RateLimited, NotFound) as exc:
            members = Observed.failed(self.http.redact(str(exc)))
        return AccountSnapshot(
            institution=request.institution.id,
            account=request.account.id,
            platform=Platform.ZOOM,
            fetched_at=utcnow(),
            status=Observed.of(AccountState.ACTIVE),
            linked_emails=Observed.of(owners, raw={"owner_emails": owners})
            if members.ok
            else Observed.failed("users unreadable"),
            two_factor=enum_answer(TWO_FACTOR, raw_2fa, field="sign_in_with_two_factor_auth"),
            members=members,
            last_activity=Observed.of(last) if members.ok else Observed.failed("users unreadable"),
            evidence={
                "security": {
                    k: settings.get(k)
                    for k in (
                        "sign_in_with_two_factor_auth",
                        "sign_in_with_two_factor_auth_roles",
                        "sign_in_with_two_factor_auth_groups",
                    )
                }
            },
        )

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        return await health_of(self.http.get_json("/v2/users", secret, {"page_size": 1}))

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        return []
