"""Google APIs through google-api-python-client, with the shared transport of the other connectors.

Requests are built by the client library from its bundled discovery documents (`static_discovery=True`:
paths and parameter names come from Google's own definitions, and nothing is fetched at run time), and sent
through httpx, so the sandbox's transport, timeouts and redaction work as for every other platform.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httplib2
import httpx
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from auditor.credentials import Secret
from connectors.base import ConnectorError, CredentialError, NotFound, PermissionDenied, PlatformError, RateLimited
from connectors.http import redact

T = TypeVar("T")


class HttpxHttp:
    """The `httplib2.Http` interface google-api-python-client calls, answered by httpx.

    Runs inside `asyncio.to_thread`, so each request gets its own short-lived event loop.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport | None, timeout: float, bearer: str | None = None):
        self.transport = transport
        self.timeout = timeout
        self._bearer = bearer
        # Over the network (or a sandbox server), one pooled, thread-safe sync client keeps connections alive;
        # an in-process async transport (the sandbox's) needs its own short event loop per request.
        self._sync = httpx.Client(timeout=timeout) if transport is None else None

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        send = dict(headers or {})
        if self._bearer:
            send["authorization"] = f"Bearer {self._bearer}"

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, timeout=self.timeout) as client:
                return await client.request(method, uri, content=body, headers=send)

        try:
            if self._sync is not None:
                response = self._sync.request(method, uri, content=body, headers=send)
            else:
                response = asyncio.run(go())
        except httpx.HTTPError as exc:
            raise PlatformError(redact(f"{type(exc).__name__} on {method} {uri}", {self._bearer or ""})) from None
        info = {"status": str(response.status_code), **{k.lower(): v for k, v in response.headers.items()}}
        result = httplib2.Response(info)
        result.reason = response.reason_phrase
        return result, response.content


def worker_pool(settings: Any) -> ThreadPoolExecutor:
    """google-api-python-client is synchronous: its calls run in a pool as wide as the platform's allowed
    concurrency (asyncio's default pool has only a handful of threads, which would serialise a country)."""
    return ThreadPoolExecutor(
        max_workers=int(getattr(settings, "concurrency", 8) or 8), thread_name_prefix="google-api"
    )


async def in_pool(pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args, **kwargs))


def service_account_info(secret: Secret) -> dict[str, Any] | None:
    """A service-account key (JSON) for domain-wide delegation, or None for a plain token/API key."""
    try:
        info = json.loads(secret.value)
    except ValueError:
        return None
    return info if isinstance(info, dict) and info.get("type") == "service_account" else None


def google_service(api: str, version: str, base_url: str, http: Any, developer_key: str | None = None) -> Any:
    return build(
        api,
        version,
        http=http,
        developerKey=developer_key,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": base_url},
    )


def map_http_error(exc: HttpError, secret: Secret) -> ConnectorError:
    """Google's JSON errors → ours. `quotaExceeded` is a RateLimited that will not pass this run."""
    reasons = (
        {str(d.get("reason")) for d in exc.error_details or [] if isinstance(d, dict)}
        if isinstance(exc.error_details, list)
        else set()
    )
    text = redact(
        f"Google API HTTP {exc.status_code}: {exc.reason} ({', '.join(sorted(reasons)) or 'no reason'})", {secret.value}
    )
    if exc.status_code == 401:
        return CredentialError(text)
    if (
        reasons & {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
        or exc.status_code == 429
    ):
        return RateLimited(text)
    if exc.status_code == 403:
        return PermissionDenied(text)
    if exc.status_code == 404:
        return NotFound(text)
    return PlatformError(text)
