"""Mailchimp connector: Marketing API v3.0 with the account's API key (HTTP Basic, any user name).

The host carries the key's data center (`…-us21` → `https://us21.api.mailchimp.com`). `GET /3.0/` describes
the key's login: `account_name`, `email` (the linked email rules), `role`, `last_login`; `GET
/3.0/authorized-apps` (count/offset paging) lists third-party apps with access, kept as evidence. Mailchimp
has no endpoint for the account's users or their 2FA: not_exposed (and INV-014 treats it as one login).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
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
)
from auditor.model.clock import utcnow
from auditor.model.secret import Secret
from connectors.base import ConnectorError, FetchRequest, PermissionDenied, PlatformError, RateLimited, health_of
from connectors.http import PlatformHttp, error_for_status, iso_time

PAGE_SIZE = 1000
MAX_PAGES = 20


def map_mailchimp_error(response: httpx.Response, body: Any) -> ConnectorError | None:
    """RFC 7807 problem details: `type`, `title`, `status`, `detail`, `instance`."""
    if response.status_code < 400:
        return None
    title = str(body.get("title", "")) if isinstance(body, dict) else ""
    detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
    return error_for_status(response.status_code, f"Mailchimp HTTP {response.status_code} {title}: {detail}")


def data_center(api_key: str) -> str:
    """`0123…-us21` → `us21`; a key without a suffix is refused (it cannot be routed)."""
    _, sep, dc = api_key.rpartition("-")
    if not sep or not dc.isalnum():
        raise PlatformError("a Mailchimp API key ends with its data center (e.g. -us21)")
    return dc


class MailchimpConnector:
    name: ClassVar[str] = "mailchimp"
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.MAILCHIMP,)
    discovers: ClassVar[bool] = False
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        Platform.MAILCHIMP: frozenset({"status", "display_name", "linked_emails", "last_activity"}),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.transport = transport
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._clients: dict[str, PlatformHttp] = {}

    def _http(self, secret: Secret) -> PlatformHttp:
        """One client per data center: the base URL comes from the key unless the config sets one."""
        base = getattr(self.settings, "base_url", None) or f"https://{data_center(secret.value)}.api.mailchimp.com"
        if base not in self._clients:
            from connectors.http import HttpSettings

            http_settings = self.settings.http(base) if hasattr(self.settings, "http") else HttpSettings(base_url=base)
            self._clients[base] = PlatformHttp(
                http_settings, error_mapper=map_mailchimp_error, auth="basic", transport=self.transport
            )
        return self._clients[base]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def _apps(self, http: PlatformHttp, secret: Secret) -> list[dict[str, Any]]:
        apps: list[dict[str, Any]] = []
        offset = 0
        for _ in range(MAX_PAGES):
            body = await http.get_json("/3.0/authorized-apps", secret, {"count": PAGE_SIZE, "offset": offset})
            page = [a for a in body.get("apps") or [] if isinstance(a, dict)]
            apps.extend(page)
            offset += len(page)
            if not page or offset >= int(body.get("total_items") or 0):
                return apps
        raise PlatformError(f"authorized-apps: more than {MAX_PAGES} pages")

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        http = self._http(secret)
        root = await http.get_json("/3.0/", secret)
        try:
            apps: list[dict[str, Any]] | str = [
                {"id": a.get("id"), "name": a.get("name")} for a in await self._apps(http, secret)
            ]
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            apps = http.redact(str(exc))
        email = str(root.get("email") or "").lower()
        return AccountSnapshot(
            institution=request.institution.id,
            account=request.account.id,
            platform=Platform.MAILCHIMP,
            fetched_at=utcnow(),
            platform_account_id=str(root.get("account_id")),
            status=Observed.of(AccountState.ACTIVE),
            display_name=Observed.of(root.get("account_name")),
            linked_emails=Observed.of([email] if email else [], raw={"email": root.get("email")}),
            last_activity=Observed.of(iso_time(root.get("last_login"))),
            evidence={
                "account": {
                    k: root.get(k)
                    for k in ("account_id", "account_name", "username", "role", "last_login", "pro_enabled")
                },
                "authorized_apps": apps,
            },
        )

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        return await health_of(self._http(secret).get_json("/3.0/ping", secret))

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        return []
