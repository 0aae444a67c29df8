"""The Graph API as Meta answers it: fields asked for, values read (roles, 2FA, verification, times), errors
and usage headers mapped, cursor paging followed, and what every Page of a Business shares read once per run.

Confirmed against Meta's `facebook-business` SDK field lists (tests/connectors/test_meta_sdk_fields.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from auditor.model import (
    SNAPSHOT_ATTRIBUTES,
    AccountSnapshot,
    AccountState,
    CredentialHealth,
    Observed,
    PlatformRole,
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
    NotFoundOrDenied,
    PageCursor,
    PermissionDenied,
    PlatformError,
    RateLimited,
    enum_answer,
)
from connectors.http import HttpSettings, PlatformHttp, segment
from connectors.meta import batch

log = logging.getLogger(__name__)

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
SYSTEM_USER_FIELDS = "id,name,role"
POST_FIELDS = "id,created_time"
LOOKUP_FIELDS = "id,name,username"  # a Page looked up by username (alternative handle, look-alikes)
EDGE_QUERY = {"limit": 100}  # an edge's first page
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


# Business `two_factor_type` and Page `verification_status`, as the Graph reference lists them.
TWO_FACTOR_TYPES = {
    "all_required": TwoFactorPolicy.ALL_REQUIRED,
    "admin_required": TwoFactorPolicy.ADMIN_REQUIRED,
    "none": TwoFactorPolicy.NONE,
}
VERIFICATION_STATUSES = {
    "blue_verified": VerificationState.VERIFIED,
    "gray_verified": VerificationState.VERIFIED_ORG,
    "not_verified": VerificationState.NOT_VERIFIED,
}


def two_factor_policy(raw: Any) -> Observed[TwoFactorPolicy]:
    return enum_answer(TWO_FACTOR_TYPES, raw, field="two_factor_type")


def verification(raw: Any) -> Observed[VerificationState]:
    return enum_answer(VERIFICATION_STATUSES, raw, field="verification_status")


def published_state(published: Any, closed: Any = False) -> Observed[AccountState]:
    """`is_published` (and a Page's `is_permanently_closed`): booleans; absent or anything else is unknown."""
    if closed is True:
        return Observed.of(AccountState.DEACTIVATED, raw={"is_permanently_closed": True})
    return enum_answer({True: AccountState.ACTIVE, False: AccountState.UNPUBLISHED}, published, field="is_published")


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
    # 803 «(#803) Some of the aliases you requested do not exist: <alias>» is what a lookup by username answers
    # when no Page holds it (body as recorded in spring-guides/gs-consuming-rest#6 and mobolic/facebook-sdk#315).
    # 100 is «invalid parameter»: its subcode 33 on a node read («Unsupported get request. Object with ID …
    # does not exist, cannot be loaded due to missing permissions, or does not support this operation»,
    # GraphMethodException) is answered alike for a missing object and an unreadable one — the same lookups
    # answer 803 for some missing Pages and 100/33 for others (Pirate-Parties-International/PPI-party-info#67)
    # — so it is settled by what else the credential reads (GraphClient._settle_missing). Any other 100 (a
    # field that no longer exists after a version change, a bad parameter) is the connector's error for that
    # account, never «not found»: one bad field must not open an incident per Page. Error table:
    # docs/platforms.md.
    if code == 803:
        return NotFound(text)
    # Instagram business discovery of a username no business or creator account holds: 110/2207013 «Cannot find
    # User» (inferred from integrators' reports, not from Meta's reference). Only this exact pair means «nobody
    # holds it»; anything else stays an error, so a wrong guess leaves a spelling unknown, never «free».
    if code == 110 and str(subcode) == "2207013":
        return NotFound(text)
    if code == 100 and str(subcode) == "33":
        return MissingOrHidden(text)
    if code == 100:
        return PlatformError(text)
    if code in (1, 2):
        return PlatformError(text)  # transient: the HTTP layer retries 5xx carrying these
    return PlatformError(text)


class MissingOrHidden(NotFound):
    """Graph 100/33 on a node read: Meta answers it alike for an object that does not exist and one the token
    may not read («does not exist, cannot be loaded due to missing permissions, or does not support this
    operation»). Only what else the credential reads settles which (GraphClient._settle_missing)."""


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


class GraphClient:
    """The Graph plumbing the Page and Instagram readers share; one instance lives for one run."""

    def __init__(self, settings: Any = None, *, transport: httpx.AsyncBaseTransport | None = None):
        base_url = getattr(settings, "base_url", None) or GRAPH_URL
        self.version = getattr(settings, "api_version", None) or DEFAULT_VERSION
        http_settings = settings.http(base_url) if hasattr(settings, "http") else HttpSettings(base_url=base_url)
        self.http = PlatformHttp(
            http_settings, error_mapper=map_graph_error, usage_reader=graph_usage, auth="query", transport=transport
        )
        # Per run (a connector lives for one run): what is the same for every Page of a business or credential.
        self._businesses: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._edges: dict[str, asyncio.Future[list[dict[str, Any]]]] = {}
        self._credentials: dict[str, asyncio.Future[Observed[CredentialHealth]]] = {}
        self._batching = True  # until a batch is refused (connectors/meta/batch.py)

    async def aclose(self) -> None:
        await self.http.aclose()

    def _path(self, node: str) -> str:
        return f"/{self.version}/{node.lstrip('/')}"

    async def _node(self, node: str, secret: Secret, **params: Any) -> dict[str, Any]:
        body = batch.taken(node, params)  # this account's batch may hold the answer
        if isinstance(body, ConnectorError):
            try:
                raise body
            finally:
                del body  # else this frame, in the error's traceback, holds the error: a cycle (test_no_cycles)
        if body is batch.ASK_AGAIN:
            body = await self.http.get_json(self._path(node), secret, params)
        if not isinstance(body, dict):
            raise PlatformError(f"unexpected body for {node}")
        return body

    async def _edge(self, edge: str, secret: Secret, **params: Any) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated edge: follow `after` until `paging.next` is absent."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {**EDGE_QUERY, **params}
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

    async def _batch(self, secret: Secret, reads: list[tuple[str, dict[str, Any]]]) -> dict[batch.Key, Any]:
        """The answers to `reads` sent as Graph batches (`batch.answering` hands them to the readers). A batch
        throttled, or refused for its credential, leaves its reads to go one by one; one that fails any other
        way turns batching off for the run (a gateway or an API version without it, or a network that drops
        it): the reads then go one by one, as they did before batching."""
        answers: dict[batch.Key, Any] = {}
        for start in range(0, len(reads), batch.MAX_CALLS) if self._batching else ():
            chunk = reads[start : start + batch.MAX_CALLS]
            params = {"batch": batch.calls(self.version, chunk), "include_headers": "false"}
            try:
                entries = await self.http.request_json("POST", self._path(""), secret, params=params)
            except (RateLimited, CredentialError):  # the reads meet it on their own, as without a batch
                break
            except ConnectorError as exc:
                self._batching = False
                log.warning("Graph batch refused, reading one request at a time: %s", exc)
                break
            if not isinstance(entries, list) or len(entries) != len(chunk):
                self._batching = False
                log.warning("Graph batch answered without one entry per call, reading one request at a time")
                break
            for (node, query), entry in zip(chunk, entries, strict=True):
                answer = batch.settle(entry, map_graph_error, self.http.redact)
                if answer is not batch.ASK_AGAIN:
                    answers[batch.read_key(node, query)] = answer
        return answers

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

    async def _settle_missing(self, request: FetchRequest, owned_edge: str, ref: str, exc: NotFound) -> None:
        """Return when an account Graph answered 100/33 for is really gone; else raise NotFoundOrDenied.

        Gone means: the credential still reads the Business that held the account at the last run, and that
        Business no longer owns it. Otherwise (no Business known, the Business unreadable too, or the Business
        still lists it) the answer may only mean missing permissions: the account could not be audited, which
        is not an incident (IDN-001)."""
        bid = request.business_id
        if not bid:
            raise NotFoundOrDenied(f"{exc} — no earlier Business of the account to tell deleted from hidden")
        try:
            owned = await self._edge(f"{segment(bid)}/{owned_edge}", request.secret, fields="id,username")
        except (PermissionDenied, NotFound, PlatformError, RateLimited) as other:
            raise NotFoundOrDenied(f"{exc} — its Business {bid} cannot be read either ({other})") from None
        refs = {str(o.get("id")) for o in owned} | {str(o.get("username") or "").lower() for o in owned}
        if ref.lower() in refs:
            raise NotFoundOrDenied(f"{exc} — Business {bid} still owns it: the credential may not read it")

    async def _business(self, business_id: str, secret: Secret) -> dict[str, Any]:
        key = f"{secret.name}:{business_id}"
        if key not in self._businesses:  # concurrent Pages of one Business share one look-up
            self._businesses[key] = asyncio.ensure_future(
                self._node(segment(business_id), secret, fields=BUSINESS_FIELDS)
            )
        return dict(await asyncio.shield(self._businesses[key]))

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
