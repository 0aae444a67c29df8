"""TikTok connector: the Display API v2 with the account's own user access token (Login Kit).

`GET /v2/user/info/` (username, display name, `is_verified`) and `POST /v2/video/list/` (newest first,
`create_time` in Unix seconds, `cursor` + `has_more`). Every answer carries an `error` object whose `code`
is `"ok"` on success. TikTok exposes no email, phone, 2FA or list of people with access: not_exposed.
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
    PageCursor,
    PermissionDenied,
    PlatformError,
    RateLimited,
    enum_answer,
    health_of,
)
from connectors.http import HttpSettings, PlatformHttp, error_for_status

TIKTOK_URL = "https://open.tiktokapis.com"
USER_FIELDS = "open_id,union_id,display_name,username,is_verified,profile_deep_link"
VIDEO_FIELDS = "id,create_time"
MAX_PAGES = 10
ERRORS: dict[str, type[ConnectorError]] = {
    "access_token_invalid": CredentialError,
    "scope_not_authorized": PermissionDenied,
    "scope_permission_missed": PermissionDenied,
    "rate_limit_exceeded": RateLimited,
}


def map_tiktok_error(response: httpx.Response, body: Any) -> ConnectorError | None:
    """The `error` object is always there; anything but `code: "ok"` is a failure, whatever the status."""
    error = body.get("error") if isinstance(body, dict) else None
    code = str(error.get("code")) if isinstance(error, dict) else ""
    if code == "ok" and response.status_code < 400:
        return None
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    text = f"TikTok {code or response.status_code}: {message}".strip()
    kind = ERRORS.get(code)
    return kind(text) if kind else error_for_status(max(response.status_code, 400), text)


VERIFIED = {True: VerificationState.VERIFIED, False: VerificationState.NOT_VERIFIED}  # user.info `is_verified`


class TikTokConnector:
    name: ClassVar[str] = "tiktok"
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.TIKTOK,)
    discovers: ClassVar[bool] = False
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        Platform.TIKTOK: frozenset({"status", "handle", "display_name", "verification", "last_activity"}),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        base_url = getattr(settings, "base_url", None) or TIKTOK_URL
        http_settings = settings.http(base_url) if hasattr(settings, "http") else HttpSettings(base_url=base_url)
        self.http = PlatformHttp(http_settings, error_mapper=map_tiktok_error, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _user(self, secret: Secret) -> dict[str, Any]:
        body = await self.http.get_json("/v2/user/info/", secret, {"fields": USER_FIELDS})
        return dict((body.get("data") or {}).get("user") or {})

    async def _last_video(self, secret: Secret) -> datetime | None:
        """The newest video; pages are followed only while they come back empty with `has_more`."""
        cursor: int | None = None
        pages = PageCursor("video/list", MAX_PAGES)
        while True:
            payload: dict[str, Any] = {"max_count": 1}
            if cursor is not None:
                payload["cursor"] = cursor
            body = await self.http.request_json(
                "POST", "/v2/video/list/", secret, params={"fields": VIDEO_FIELDS}, json_body=payload
            )
            data = body.get("data") or {}
            videos = data.get("videos") or []
            if videos:
                return datetime.fromtimestamp(int(videos[0]["create_time"]), tz=UTC)
            if not data.get("has_more"):
                return None
            cursor = pages.advance(data.get("cursor"))

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        base = {
            "institution": request.institution.id,
            "account": request.account.id,
            "platform": Platform.TIKTOK,
            "fetched_at": utcnow(),
        }
        user = await self._user(secret)
        if not user:
            gone: Observed[Any] = Observed.failed("no user behind the token")
            return AccountSnapshot(
                **base,
                platform_account_id=request.platform_id,
                status=Observed.of(AccountState.NOT_FOUND),
                handle=gone,
                display_name=gone,
                verification=gone,
                last_activity=gone,
            )
        try:
            last: Observed[datetime] = Observed.of(await self._last_video(secret))
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            last = Observed.failed(self.http.redact(str(exc)))
        verified = user.get("is_verified")
        return AccountSnapshot(
            **base,
            platform_account_id=str(user.get("open_id")),
            status=Observed.of(AccountState.ACTIVE),
            handle=Observed.of(user.get("username")),
            display_name=Observed.of(user.get("display_name")),
            verification=enum_answer(VERIFIED, verified, field="is_verified"),
            last_activity=last,
            evidence={"user": {k: user.get(k) for k in ("open_id", "username", "display_name", "is_verified")}},
        )

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        return await health_of(self._user(secret))

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        return []
