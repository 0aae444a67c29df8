"""Meta connector: Facebook Pages, Instagram professional accounts and their Business Manager (Graph API).

What Meta exposes and how it is read (../shared/reference/platform_apis.md §1):
- Page node: `username` (handle), `name`, `emails` and `phone` (the Page's public contact data, the closest
  thing to a linked email/phone Meta exposes), `verification_status`, `is_published`, owning `business`.
- Business node: `two_factor_type` (`admin_required` / `all_required` / `none`), the account-level policy.
- `business_users` (email, role, tasks, `two_fac_status`), `pending_users` (invitations), the Page's
  `assigned_users?business=` (who holds which tasks on the Page) and `/roles` (people outside the business).
  `two_fac_status` values are undocumented: only values recognised positively count as on or off.
- `published_posts` and IG `/media` for the last publication; `debug_token` for credential health.
Instagram exposes no email, phone, verification badge or per-account member list: those are not_exposed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import httpx

from auditor.model import (
    SNAPSHOT_ATTRIBUTES,
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
    TwoFactorState,
    VerificationState,
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
)
from connectors.http import HttpSettings, PlatformHttp, redact

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v25.0"
MAX_PAGES = 50

PAGE_FIELDS = (
    "id,name,username,link,emails,phone,verification_status,is_published,is_permanently_closed,business,"
    "instagram_business_account"
)
BUSINESS_FIELDS = "id,name,two_factor_type,verification_status"
BUSINESS_USER_FIELDS = "id,name,email,pending_email,role,tasks,two_fac_status"
PENDING_USER_FIELDS = "id,email,role,tasks,status,created_time,expiration_time"
ASSIGNED_USER_FIELDS = "id,name,user_type,tasks,permitted_tasks"
ROLES_FIELDS = "id,name"
POST_FIELDS = "id,created_time"
IG_FIELDS = "id,username,name,is_published,owner_business"
MEDIA_FIELDS = "id,timestamp"

THROTTLE_CODES = frozenset({4, 17, 32, 613})
TWO_FAC_ON = frozenset({"enabled", "on", "true", "active", "two_fac_enabled", "2fa_enabled"})
TWO_FAC_OFF = frozenset({"disabled", "off", "false", "not_enabled", "none", "two_fac_disabled", "2fa_disabled"})

# Page tasks → the classic role ladder (a role expands into tasks; the most powerful one decides).
TASK_ROLES: tuple[tuple[frozenset[str], PlatformRole], ...] = (
    (frozenset({"MANAGE", "PROFILE_PLUS_FULL_CONTROL", "PROFILE_PLUS_MANAGE"}), PlatformRole.ADMIN),
    (frozenset({"CREATE_CONTENT", "PROFILE_PLUS_CREATE_CONTENT"}), PlatformRole.EDITOR),
    (frozenset({"MODERATE", "MODERATE_COMMUNITY", "PROFILE_PLUS_MODERATE", "MESSAGING"}), PlatformRole.MODERATOR),
    (frozenset({"ADVERTISE", "PROFILE_PLUS_ADVERTISE"}), PlatformRole.ADVERTISER),
    (frozenset({"ANALYZE", "PROFILE_PLUS_ANALYZE"}), PlatformRole.ANALYST),
)
BUSINESS_ROLES = {"ADMIN": PlatformRole.ADMIN, "EMPLOYEE": PlatformRole.OTHER}


def role_from_tasks(tasks: list[str] | None, business_role: str | None = None) -> PlatformRole:
    held = {str(t).upper() for t in tasks or []}
    for task_set, role in TASK_ROLES:
        if held & task_set:
            return role
    if business_role:
        return BUSINESS_ROLES.get(business_role.upper(), PlatformRole.OTHER)
    return PlatformRole.OTHER


def two_factor_state(raw: Any) -> TwoFactorState:
    """Only a value recognised positively is on or off; anything else (undocumented enum) is unknown."""
    value = str(raw).strip().lower() if raw is not None else ""
    if value in TWO_FAC_ON:
        return TwoFactorState.ON
    if value in TWO_FAC_OFF:
        return TwoFactorState.OFF
    return TwoFactorState.UNKNOWN


def two_factor_policy(raw: Any) -> TwoFactorPolicy:
    try:
        return TwoFactorPolicy(str(raw))
    except ValueError:
        return TwoFactorPolicy.UNKNOWN


def verification(raw: Any) -> VerificationState:
    return {
        "blue_verified": VerificationState.VERIFIED,
        "gray_verified": VerificationState.VERIFIED_ORG,
        "not_verified": VerificationState.NOT_VERIFIED,
    }.get(str(raw), VerificationState.UNKNOWN)


def graph_time(raw: Any) -> datetime | None:
    """Graph datetimes look like `2026-06-18T08:30:00+0000`."""
    if not raw:
        return None
    try:
        return datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(str(raw))
        except ValueError:
            return None


def epoch(raw: Any) -> datetime | None:
    """debug_token times are Unix seconds; 0 means "never"."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(value, tz=UTC) if value > 0 else None


def map_graph_error(response: httpx.Response, body: Any) -> ConnectorError | None:
    """Graph's `{"error": {message, type, code, error_subcode, fbtrace_id}}` → our error kinds."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    code = int(code) if isinstance(code, int | str) and str(code).isdigit() else -1
    subcode = error.get("error_subcode")
    text = f"Graph error {code}" + (f"/{subcode}" if subcode else "") + f": {error.get('message', '')}"
    text += f" (fbtrace_id {error.get('fbtrace_id')})" if error.get("fbtrace_id") else ""
    if code in (102, 104, 190):
        return CredentialError(text)
    if code in THROTTLE_CODES or 80001 <= code <= 80014:
        return RateLimited(text)
    if code == 10 or 200 <= code <= 299 or code in (368, 415):
        return PermissionDenied(text)
    if code == 100:
        return NotFound(text)
    if code in (1, 2):
        return PlatformError(text)  # transient: the HTTP layer retries 5xx carrying these
    return PlatformError(text)


def graph_usage(response: httpx.Response) -> float | None:
    """Highest usage percentage in `X-App-Usage` / `X-Business-Use-Case-Usage` (100 while blocked)."""
    worst: float | None = None

    def consider(entry: Any) -> None:
        nonlocal worst
        if not isinstance(entry, dict):
            return
        for key in ("call_count", "total_time", "total_cputime"):
            value = entry.get(key)
            if isinstance(value, int | float):
                worst = max(worst or 0.0, float(value))
        if entry.get("estimated_time_to_regain_access"):
            worst = 100.0

    for header in ("x-app-usage", "x-business-use-case-usage"):
        raw = response.headers.get(header)
        if not raw:
            continue
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if header == "x-app-usage":
            consider(parsed)
        elif isinstance(parsed, dict):
            for entries in parsed.values():
                for entry in entries if isinstance(entries, list) else []:
                    consider(entry)
    return worst


class MetaConnector:
    name: ClassVar[str] = "meta"
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.FACEBOOK, Platform.INSTAGRAM)
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        # The Page and its Business expose everything but a login of its own (people have individual roles).
        Platform.FACEBOOK: frozenset(SNAPSHOT_ATTRIBUTES) - {"login_two_factor"},
        Platform.INSTAGRAM: frozenset(
            {"status", "handle", "display_name", "two_factor", "last_activity", "credential"}
        ),
    }

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        base_url = getattr(settings, "base_url", None) or GRAPH_URL
        self.version = getattr(settings, "api_version", None) or DEFAULT_VERSION
        http_settings = settings.http(base_url) if hasattr(settings, "http") else HttpSettings(base_url=base_url)
        self.http = PlatformHttp(
            http_settings, error_mapper=map_graph_error, usage_reader=graph_usage, auth="query", transport=transport
        )
        # Per run (a connector lives for one run): what is the same for every Page of a business or credential.
        self._businesses: dict[str, Any] = {}
        self._edges: dict[str, asyncio.Future[list[dict[str, Any]]]] = {}
        self._credentials: dict[str, asyncio.Future[Observed[CredentialHealth]]] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- Graph plumbing -------------------------------------------------------------------------------

    def _path(self, node: str) -> str:
        return f"/{self.version}/{node.lstrip('/')}"

    async def _node(self, node: str, secret: Secret, **params: Any) -> dict[str, Any]:
        body = await self.http.get_json(self._path(node), secret, params)
        if not isinstance(body, dict):
            raise PlatformError(f"unexpected body for {node}")
        return body

    async def _edge(self, edge: str, secret: Secret, **params: Any) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated edge: follow `after` until `paging.next` is absent."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"limit": 100, **params}
        cursor = PageCursor(f"edge {edge}", MAX_PAGES)
        while True:
            body = await self._node(edge, secret, **query)
            data = body.get("data")
            if not isinstance(data, list):
                raise PlatformError(f"edge {edge} answered without a data list")
            items.extend(d for d in data if isinstance(d, dict))
            paging = body.get("paging") or {}
            next_url = paging.get("next")
            if not next_url:
                return items  # a short page is not the end; only a missing `next` is
            after = parse_qs(urlparse(next_url).query).get("after", [None])[0] or (paging.get("cursors") or {}).get(
                "after"
            )
            if not after:
                raise PlatformError(f"edge {edge}: paging.next without an after cursor")
            query["after"] = cursor.advance(after)

    async def _optional(self, coro: Any) -> Observed[Any]:
        """Run one sub-read; a failure marks that attribute as an error instead of failing the account."""
        try:
            return Observed.of(await coro)
        except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
            return Observed.failed(self.http.redact(str(exc)))

    async def _credential(self, secret: Secret) -> Observed[CredentialHealth]:
        if secret.name not in self._credentials:  # concurrent Pages share one look-up
            self._credentials[secret.name] = asyncio.ensure_future(self._inspect(secret))
        return await asyncio.shield(self._credentials[secret.name])

    async def _business_edge(self, edge: str, secret: Secret, **params: Any) -> list[dict[str, Any]]:
        """A business-level edge (users, pending invitations) is read once per run, not once per Page."""
        key = f"{secret.name}:{edge}"
        if key not in self._edges:
            self._edges[key] = asyncio.ensure_future(self._edge(edge, secret, **params))
        return await asyncio.shield(self._edges[key])

    async def _inspect(self, secret: Secret) -> Observed[CredentialHealth]:
        try:
            body = await self._node("debug_token", secret, input_token=secret.value)
        except (PermissionDenied, PlatformError, RateLimited, NotFound) as exc:
            return Observed.failed(self.http.redact(str(exc)))
        data = body.get("data") or {}
        err = data.get("error") or {}
        health = CredentialHealth(
            valid=bool(data.get("is_valid")),
            expires_at=epoch(data.get("expires_at")),
            data_access_expires_at=epoch(data.get("data_access_expires_at")),
            error=self.http.redact(str(err.get("message"))) if err else None,
        )
        return Observed.of(
            health, raw={k: data.get(k) for k in ("type", "is_valid", "expires_at", "data_access_expires_at", "scopes")}
        )

    async def _business(self, business_id: str, secret: Secret) -> dict[str, Any]:
        key = f"{secret.name}:{business_id}"
        if key not in self._businesses:
            self._businesses[key] = await self._node(business_id, secret, fields=BUSINESS_FIELDS)
        return dict(self._businesses[key])

    # -- Facebook Page ------------------------------------------------------------------------------

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        if request.account.platform is Platform.INSTAGRAM:
            return await self._fetch_instagram(request)
        return await self._fetch_page(request)

    def _base(self, request: FetchRequest, **values: Any) -> AccountSnapshot:
        return AccountSnapshot(
            institution=request.institution.id,
            account=request.account.id,
            platform=request.account.platform,
            fetched_at=utcnow(),
            **values,
        )

    def _not_found(self, request: FetchRequest, detail: str) -> AccountSnapshot:
        missing: Observed[Any] = Observed.failed("account not found")
        return self._base(
            request,
            platform_account_id=request.platform_id,
            status=Observed.of(AccountState.NOT_FOUND, raw=self.http.redact(detail)),
            **{a: missing for a in SNAPSHOT_ATTRIBUTES if a not in ("status", "credential", "login_two_factor")},
        )

    async def _fetch_page(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        ref = request.platform_id or request.account.handle
        if not ref:
            raise PlatformError("the account has neither a platform id nor a handle to look it up by")
        credential = await self._credential(secret)
        try:
            page = await self._node(ref, secret, fields=PAGE_FIELDS)
        except NotFound as exc:
            return self._not_found(request, str(exc)).model_copy(update={"credential": credential})
        page_id = str(page.get("id"))
        business_id = str((page.get("business") or {}).get("id") or "") or None
        published = page.get("is_published")
        closed = page.get("is_permanently_closed")
        status = (
            AccountState.DEACTIVATED
            if closed
            else (AccountState.ACTIVE if published is not False else AccountState.UNPUBLISHED)
        )
        two_factor: Observed[TwoFactorPolicy] = Observed.not_exposed()
        business_raw: dict[str, Any] = {}
        if business_id:
            try:
                business_raw = await self._business(business_id, secret)
                two_factor = Observed.of(
                    two_factor_policy(business_raw.get("two_factor_type")), raw=business_raw.get("two_factor_type")
                )
            except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
                two_factor = Observed.failed(self.http.redact(str(exc)))
        members = await self._page_members(page_id, business_id, secret)
        last = await self._optional(self._last_post(page_id, secret))
        alt = await self._alternative_owner(request, page_id, secret)
        emails = [str(e).lower() for e in page.get("emails") or []]
        evidence = {
            "page": {
                k: page.get(k)
                for k in (
                    "id",
                    "name",
                    "username",
                    "link",
                    "emails",
                    "phone",
                    "verification_status",
                    "is_published",
                    "is_permanently_closed",
                )
            },
            "business": {k: business_raw.get(k) for k in ("id", "name", "two_factor_type", "verification_status")}
            if business_raw
            else None,
        }
        return self._base(
            request,
            platform_account_id=page_id,
            status=Observed.of(status, raw={"is_published": published, "is_permanently_closed": closed}),
            handle=Observed.of(page.get("username"), raw=page.get("username")),
            display_name=Observed.of(page.get("name")),
            linked_emails=Observed.of(emails, raw=page.get("emails")),
            phone=Observed.of(page.get("phone")),
            two_factor=two_factor,
            verification=Observed.of(
                verification(page.get("verification_status")), raw=page.get("verification_status")
            ),
            members=members,
            last_activity=last,
            alternative_handle_owner=alt,
            credential=credential,
            evidence=json.loads(redact(json.dumps(evidence, default=str), {secret.value})),
        )

    async def _page_members(self, page_id: str, business_id: str | None, secret: Secret) -> Observed[list[Member]]:
        """Business users assigned to the Page, business admins, pending invitations and legacy roles."""
        try:
            members: dict[str, Member] = {}
            if business_id:
                users = {
                    str(u.get("id")): u
                    for u in await self._business_edge(
                        f"{business_id}/business_users", secret, fields=BUSINESS_USER_FIELDS
                    )
                }
                assigned = await self._edge(
                    f"{page_id}/assigned_users", secret, business=business_id, fields=ASSIGNED_USER_FIELDS
                )
                for a in assigned:
                    uid = str(a.get("id"))
                    user = users.get(uid, {})
                    members[uid] = Member(
                        platform_user_id=uid,
                        name=a.get("name") or user.get("name"),
                        email=(user.get("email") or None),
                        role=role_from_tasks(a.get("tasks")),
                        raw_role=",".join(a.get("tasks") or []),
                        two_factor=two_factor_state(user.get("two_fac_status")),
                        raw_two_factor=user.get("two_fac_status"),
                        system_user=uid not in users,
                    )
                for uid, user in users.items():
                    if uid not in members and str(user.get("role", "")).upper() == "ADMIN":
                        # Business admins have full control over every asset of the business.
                        members[uid] = Member(
                            platform_user_id=uid,
                            name=user.get("name"),
                            email=user.get("email") or None,
                            role=PlatformRole.ADMIN,
                            raw_role="business:ADMIN",
                            two_factor=two_factor_state(user.get("two_fac_status")),
                            raw_two_factor=user.get("two_fac_status"),
                        )
                for p in await self._business_edge(f"{business_id}/pending_users", secret, fields=PENDING_USER_FIELDS):
                    pid = f"pending:{p.get('id')}"
                    members[pid] = Member(
                        platform_user_id=pid,
                        email=(p.get("email") or None),
                        role=role_from_tasks(p.get("tasks"), p.get("role")),
                        raw_role=str(p.get("role")),
                        pending=True,
                    )
            for r in await self._edge(f"{page_id}/roles", secret, fields=ROLES_FIELDS):
                uid = str(r.get("id"))
                members.setdefault(uid, Member(platform_user_id=uid, name=r.get("name"), raw_role="page_role"))
            return Observed.of(sorted(members.values(), key=lambda m: m.platform_user_id))
        except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
            return Observed.failed(self.http.redact(str(exc)))

    async def _last_post(self, page_id: str, secret: Secret) -> datetime | None:
        body = await self._node(f"{page_id}/published_posts", secret, fields=POST_FIELDS, limit=1)
        posts = body.get("data") or []
        return graph_time(posts[0].get("created_time")) if posts else None

    async def _alternative_owner(self, request: FetchRequest, page_id: str, secret: Secret) -> Observed[str]:
        """Who holds the registered alternative handle: None if free, our own id if ours, else theirs."""
        alt = request.account.alternative_handle
        if not alt:
            return Observed.of(None)
        try:
            other = await self._node(alt, secret, fields="id,name,username")
        except NotFound:
            return Observed.of(None)
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            return Observed.failed(self.http.redact(str(exc)))
        return Observed.of(
            str(other.get("id")),
            raw={"id": other.get("id"), "name": other.get("name"), "username": other.get("username")},
        )

    # -- Instagram ----------------------------------------------------------------------------------

    async def _find_instagram(self, handle: str, secret: Secret) -> str | None:
        for business in await self._edge("me/businesses", secret, fields="id,name"):
            for ig in await self._edge(f"{business.get('id')}/owned_instagram_accounts", secret, fields="id,username"):
                if str(ig.get("username", "")).lower() == handle.lower():
                    return str(ig.get("id"))
        return None

    async def _fetch_instagram(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        credential = await self._credential(secret)
        ig_id = request.platform_id
        if not ig_id:
            if not request.account.handle:
                raise PlatformError("the account has neither a platform id nor a handle to look it up by")
            ig_id = await self._find_instagram(request.account.handle, secret)
            if ig_id is None:
                raise PermissionDenied(
                    f"@{request.account.handle} is not among the Instagram accounts the "
                    f"credential {secret.name!r} can see"
                )
        try:
            ig = await self._node(ig_id, secret, fields=IG_FIELDS)
        except NotFound as exc:
            return self._not_found(request, str(exc)).model_copy(update={"credential": credential})
        business_id = str((ig.get("owner_business") or {}).get("id") or "") or None
        two_factor: Observed[TwoFactorPolicy] = Observed.not_exposed()
        if business_id:
            try:
                raw = (await self._business(business_id, secret)).get("two_factor_type")
                two_factor = Observed.of(two_factor_policy(raw), raw=raw)
            except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
                two_factor = Observed.failed(self.http.redact(str(exc)))
        last = await self._optional(self._last_media(str(ig.get("id")), secret))
        published = ig.get("is_published")
        return self._base(
            request,
            platform_account_id=str(ig.get("id")),
            status=Observed.of(
                AccountState.UNPUBLISHED if published is False else AccountState.ACTIVE, raw={"is_published": published}
            ),
            handle=Observed.of(ig.get("username"), raw=ig.get("username")),
            display_name=Observed.of(ig.get("name")),
            two_factor=two_factor,
            last_activity=last,
            credential=credential,
            evidence={"instagram": {k: ig.get(k) for k in ("id", "username", "name", "is_published")}},
        )

    async def _last_media(self, ig_id: str, secret: Secret) -> datetime | None:
        body = await self._node(f"{ig_id}/media", secret, fields=MEDIA_FIELDS, limit=1)
        media = body.get("data") or []
        return graph_time(media[0].get("timestamp")) if media else None

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        try:
            observed = await self._credential(secret)
        except CredentialError as exc:
            return CredentialHealth(valid=False, error=str(exc))
        return observed.value if observed.ok and observed.value else CredentialHealth(valid=False, error=observed.error)

    # -- discovery ----------------------------------------------------------------------------------

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        """Pages and Instagram accounts owned by the businesses the credential can see."""
        found: list[DiscoveredAccount] = []
        for business in await self._edge("me/businesses", secret, fields="id,name"):
            bid = business.get("id")
            for page in await self._edge(f"{bid}/owned_pages", secret, fields="id,name,username"):
                found.append(
                    DiscoveredAccount(
                        platform=Platform.FACEBOOK,
                        platform_account_id=str(page.get("id")),
                        handle=page.get("username"),
                        name=page.get("name"),
                        credential=credential_name,
                    )
                )
            for ig in await self._edge(f"{bid}/owned_instagram_accounts", secret, fields="id,username,name"):
                found.append(
                    DiscoveredAccount(
                        platform=Platform.INSTAGRAM,
                        platform_account_id=str(ig.get("id")),
                        handle=ig.get("username"),
                        name=ig.get("name"),
                        credential=credential_name,
                    )
                )
        return found
