"""Google Workspace connector: the institutional Google accounts (Drive owners, YouTube owners) through the
Admin SDK Directory API v1 and google-api-python-client.

For each registered Google account, `users.get` gives `isEnforcedIn2Sv` (AUT-001), `isEnrolledIn2Sv` (the
account login's own 2SV, AUT-002), `suspended`/`archived` (IDN-001), `recoveryEmail` (AUT-004),
`recoveryPhone` (AUT-006) and `lastLoginTime` (`1970-01-01T00:00:00.000Z` means never). Discovery lists the
domain's users (`users.list`, `nextPageToken`) and reports mailboxes that look like official-account logins
but are not registered (IDN-007). In production the credential is a service-account key with domain-wide
delegation (`delegated_subject` in the connector settings); the sandbox takes a bearer token.
"""

from __future__ import annotations

import re
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
    Observed,
    Platform,
    RegisteredAccount,
    TwoFactorPolicy,
    TwoFactorState,
)
from auditor.model.clock import utcnow
from auditor.model.secret import Secret
from connectors.base import FetchRequest, NotFound, PageCursor, PlatformError, enum_answer, health_of
from connectors.google_api import GoogleCalls, HttpxHttp, google_service, service_account_info

ADMIN_URL = "https://admin.googleapis.com/"
SCOPES = ["https://www.googleapis.com/auth/admin.directory.user.readonly"]
NEVER = "1970-01-01T00:00:00"
MAX_PAGES = 200
# Mailbox names that usually are an official account's login (redes@, prensa@, youtube@, …).
OFFICIAL_LOOKING = re.compile(
    r"^(redes|social|prensa|comunicaci[oó]n|medios|difusion|digital|youtube|facebook|instagram|twitter|tiktok|"
    r"linkedin|canal|tv|radio|boletin|newsletter|mailchimp|zoom|drive|archivo|oficial)([._-].*)?$"
)


def directory_time(raw: Any) -> datetime | None:
    if not raw or str(raw).startswith(NEVER):
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


ENFORCED_2SV = {True: TwoFactorPolicy.ALL_REQUIRED, False: TwoFactorPolicy.NONE}


def _enforced(value: Any) -> Observed[TwoFactorPolicy]:
    """`isEnforcedIn2Sv`: true or false as documented; absent or anything else is unknown, never «none»."""
    return enum_answer(
        {True: TwoFactorPolicy.ALL_REQUIRED, False: TwoFactorPolicy.NONE}, value, field="isEnforcedIn2Sv"
    )


class GoogleWorkspaceConnector:
    name: ClassVar[str] = "google_workspace"
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.GOOGLE,)
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        # A Google account has no public @handle: its identity is its email (in the evidence and the id).
        Platform.GOOGLE: frozenset(
            {"status", "display_name", "linked_emails", "phone", "two_factor", "login_two_factor", "last_activity"}
        ),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None, http: Any = None):
        self.http = http  # an httplib2-like object (google's HttpMockSequence in tests); default: httpx
        self.base_url = getattr(settings, "base_url", None) or ADMIN_URL
        self.timeout = float(getattr(settings, "timeout_seconds", 20.0))
        self.max_body_bytes = int(getattr(settings, "max_body_bytes", 10_000_000))
        self.subject = getattr(settings, "delegated_subject", None)
        self.customer = getattr(settings, "customer", None) or "my_customer"
        self.transport = transport
        self.calls = GoogleCalls(settings)

    async def aclose(self) -> None:
        self.calls.close()

    def _service(self, secret: Secret) -> Any:
        learn = self.calls.learn(secret)
        info = service_account_info(secret)
        if info is not None:  # production: a service account impersonating a Workspace admin
            import google_auth_httplib2
            from google.oauth2 import service_account

            make = service_account.Credentials.from_service_account_info
            credentials = make(info, scopes=SCOPES, subject=self.subject)  # type: ignore[no-untyped-call]
            inner = HttpxHttp(self.transport, self.timeout, on_response=learn, max_body_bytes=self.max_body_bytes)
            http: Any = google_auth_httplib2.AuthorizedHttp(credentials, http=inner)
        else:
            http = self.http or HttpxHttp(
                self.transport, self.timeout, bearer=secret.value, on_response=learn, max_body_bytes=self.max_body_bytes
            )
        return google_service("admin", "directory_v1", self.base_url, http)

    async def _execute(self, call: Any, secret: Secret) -> dict[str, Any]:
        result = await self.calls.execute(call, secret)
        if not isinstance(result, dict):
            raise PlatformError("unexpected Directory API answer")
        return result

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        account = request.account
        key = request.platform_id or next((v for v in (account.linked_email, account.handle) if v and "@" in v), None)
        if not key:
            raise PlatformError("a Google account is looked up by its email: register it as linked_email")
        base = {
            "institution": request.institution.id,
            "account": account.id,
            "platform": Platform.GOOGLE,
            "fetched_at": utcnow(),
        }
        try:
            user = await self._execute(self._service(secret).users().get(userKey=key), secret)
        except NotFound as exc:
            gone: Observed[Any] = Observed.failed("account not found")
            return AccountSnapshot(
                **base,
                platform_account_id=request.platform_id,
                status=Observed.of(AccountState.NOT_FOUND, raw=str(exc)),
                display_name=gone,
                linked_emails=gone,
                phone=gone,
                two_factor=gone,
                login_two_factor=gone,
                last_activity=gone,
            )
        suspended, archived = bool(user.get("suspended")), bool(user.get("archived"))
        recovery = user.get("recoveryEmail")
        return AccountSnapshot(
            **base,
            platform_account_id=str(user.get("id")),
            status=Observed.of(
                AccountState.DEACTIVATED if suspended or archived else AccountState.ACTIVE,
                raw={"suspended": suspended, "archived": archived, "suspensionReason": user.get("suspensionReason")},
            ),
            display_name=Observed.of((user.get("name") or {}).get("fullName")),
            linked_emails=Observed.of([str(recovery).lower()] if recovery else [], raw={"recoveryEmail": recovery}),
            phone=Observed.of(user.get("recoveryPhone")),
            two_factor=_enforced(user.get("isEnforcedIn2Sv")),
            login_two_factor=Observed.of(
                TwoFactorState.ON
                if user.get("isEnrolledIn2Sv") is True
                else (TwoFactorState.OFF if user.get("isEnrolledIn2Sv") is False else TwoFactorState.UNKNOWN),
                raw=f"isEnrolledIn2Sv={str(user.get('isEnrolledIn2Sv')).lower()}",
            ),
            last_activity=Observed.of(directory_time(user.get("lastLoginTime")), raw=user.get("lastLoginTime")),
            evidence={
                "user": {
                    k: user.get(k)
                    for k in (
                        "id",
                        "primaryEmail",
                        "isAdmin",
                        "isDelegatedAdmin",
                        "isEnrolledIn2Sv",
                        "isEnforcedIn2Sv",
                        "suspended",
                        "archived",
                        "lastLoginTime",
                        "orgUnitPath",
                    )
                }
            },
        )

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        users_api = self._service(secret).users()
        found: list[DiscoveredAccount] = []
        token = None
        cursor = PageCursor("users.list", MAX_PAGES)
        while True:
            page = await self._execute(
                users_api.list(customer=self.customer, maxResults=500, pageToken=token, orderBy="email"), secret
            )
            for user in page.get("users") or []:
                email = str(user.get("primaryEmail", ""))
                if OFFICIAL_LOOKING.match(email.split("@")[0].lower()) and not user.get("suspended"):
                    found.append(
                        DiscoveredAccount(
                            platform=Platform.GOOGLE,
                            platform_account_id=str(user["id"]),
                            handle=email,
                            name=(user.get("name") or {}).get("fullName"),
                            credential=credential_name,
                        )
                    )
            token = page.get("nextPageToken")
            if not token:
                return found
            cursor.advance(token)

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        call = self._service(secret).users().list(customer=self.customer, maxResults=1)
        return await health_of(self._execute(call, secret))
