"""Google APIs through google-api-python-client.

Requests are built by the client library from its bundled discovery documents (`static_discovery=True`:
paths and parameter names come from Google's own definitions, and nothing is fetched at run time). YouTube's
(an API key) are sent by `PlatformHttp` like every REST platform's (`google_error_mapper`). The Directory
API's go through the library's own `execute` (`GoogleCalls`, `HttpxHttp`): with a service account,
google-auth refreshes the token synchronously inside the library's `http`, so those calls run in worker
threads, over httpx, with the sandbox's transport, timeouts and redaction as for every other platform.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httplib2
import httpx
from googleapiclient import discovery_cache
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from auditor.model.secret import Secret
from connectors.base import ConnectorError, CredentialError, NotFound, PermissionDenied, PlatformError, RateLimited
from connectors.http import (
    ErrorMapper,
    HttpSettings,
    UnreadableBody,
    backoff_delay,
    parse_json,
    redact,
    retry_after_seconds,
    shared_tls_context,
)
from connectors.pacing import CredentialPacer, SleepOf

T = TypeVar("T")


class HttpxHttp:
    """The `httplib2.Http` interface google-api-python-client calls, answered by httpx.

    Runs inside `asyncio.to_thread`, so each request gets its own short-lived event loop.
    """

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None,
        timeout: float,
        bearer: str | None = None,
        on_response: Callable[[Mapping[str, str] | None], None] | None = None,
        client: httpx.Client | None = None,
        max_body_bytes: int = HttpSettings.max_body_bytes,
    ):
        self.transport = transport
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self._bearer = bearer
        self._secrets = {bearer} if bearer else set()
        self._on_response = on_response  # the credential's pacer learns the rate-limit window from answers
        # Over the network (or a sandbox server), one pooled, thread-safe sync client keeps connections alive;
        # an in-process async transport (the sandbox's) needs its own short event loop per request.
        # (`client`: one shared by a connector's credentials; an SSL context per credential costs ~40 ms each.)
        self._sync = (
            (client or httpx.Client(timeout=timeout, verify=shared_tls_context())) if transport is None else None
        )

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

        limit, deadline = self.max_body_bytes, time.monotonic() + self.timeout

        def kept(chunk: bytes, chunks: list[bytes]) -> None:
            """Bounded like every connector's answer: size after decompression, one total deadline."""
            chunks.append(chunk)
            if sum(map(len, chunks)) > limit:
                raise PlatformError(f"answer over {limit} bytes on {method} {redact(uri, self._secrets)}")
            if time.monotonic() > deadline:
                raise PlatformError(f"TimeoutError: total deadline passed on {method} {redact(uri, self._secrets)}")

        async def go() -> tuple[httpx.Response, bytes]:
            chunks: list[bytes] = []
            async with (
                asyncio.timeout(self.timeout),
                httpx.AsyncClient(transport=self.transport, timeout=self.timeout) as client,
                client.stream(method, uri, content=body, headers=send) as streamed,
            ):
                async for chunk in streamed.aiter_bytes():
                    kept(chunk, chunks)
            return streamed, b"".join(chunks)

        def sync(client: httpx.Client) -> tuple[httpx.Response, bytes]:
            chunks: list[bytes] = []
            with client.stream(method, uri, content=body, headers=send) as streamed:
                for chunk in streamed.iter_bytes():
                    kept(chunk, chunks)
            return streamed, b"".join(chunks)

        try:
            response, content = sync(self._sync) if self._sync is not None else asyncio.run(go())
        except (httpx.HTTPError, TimeoutError) as exc:
            if self._on_response is not None:
                self._on_response(None)
            raise PlatformError(redact(f"{type(exc).__name__} on {method} {uri}", self._secrets)) from None
        if self._on_response is not None:
            self._on_response(response.headers)
        info = {"status": str(response.status_code), **{k.lower(): v for k, v in response.headers.items()}}
        result = httplib2.Response(info)
        result.reason = response.reason_phrase
        return result, _safe_json(content)


def _safe_json(content: bytes) -> bytes:
    """The answer parsed and cleaned as for the other connectors (`parse_json`: bounded depth and numbers,
    NaN read as absent); one it cannot read is that request's error."""
    if not content:
        return content
    try:
        return json.dumps(parse_json(content)).encode()
    except UnreadableBody as exc:
        raise PlatformError(f"malformed JSON: {exc}") from None


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


@functools.cache
def _discovery_document(api: str, version: str) -> dict[str, Any]:
    """The library's bundled discovery document, parsed once per process."""
    content = discovery_cache.get_static_doc(api, version)
    if content is None:
        raise PlatformError(f"google-api-python-client has no discovery document for {api} {version}")
    document = json.loads(content)
    assert isinstance(document, dict)
    return document


def google_service(api: str, version: str, base_url: str, http: Any, developer_key: str | None = None) -> Any:
    """A service for one credential. Every credential's service shares one parsed discovery document: `build`
    parses its own copy each time, a few megabytes of dicts per credential (1,000 YouTube keys held half a
    gigabyte). The library only ever adds the same standard parameters to it, on the event loop's thread."""
    return build_from_document(
        _discovery_document(api, version),
        http=http,
        developerKey=developer_key,
        client_options={"api_endpoint": base_url},
    )


def map_http_error(exc: HttpError, secret: Secret) -> ConnectorError:
    """Google's JSON errors, as the library raises them (the Directory API's calls) → ours."""
    reasons = (
        {str(d.get("reason")) for d in exc.error_details or [] if isinstance(d, dict)}
        if isinstance(exc.error_details, list)
        else set()
    )
    return google_failure(exc.status_code or 0, exc.reason or "", reasons, {secret.value})


def google_error_mapper(daily_reasons: frozenset[str]) -> ErrorMapper:
    """Google's JSON errors, as `PlatformHttp` reads them (YouTube's calls) → ours: the same as
    `map_http_error`, and a quota gone for the day is a `RateLimited` nobody waits for (its `retry_after` is
    past any allowed wait), where a per-minute one is retried."""

    def mapped(response: httpx.Response, body: Any) -> ConnectorError | None:
        if response.status_code < 400:
            return None
        error = body.get("error") if isinstance(body, dict) else None
        details = error.get("errors") if isinstance(error, dict) else None
        reasons = {str(d.get("reason")) for d in details if isinstance(d, dict)} if isinstance(details, list) else set()
        message = str(error.get("message") or "") if isinstance(error, dict) else ""
        failure = google_failure(response.status_code, message or response.reason_phrase, reasons, set())
        if isinstance(failure, RateLimited) and reasons & daily_reasons:
            failure.retry_after = math.inf
        return failure

    return mapped


def google_failure(status: int, message: str, reasons: set[str], secrets: set[str]) -> ConnectorError:
    """`quotaExceeded` and the other rate reasons are a RateLimited (whether one passes this run is the caller's
    `quota_exhausted`)."""
    text = redact(f"Google API HTTP {status}: {message} ({', '.join(sorted(reasons)) or 'no reason'})", secrets)
    if status == 401:
        return CredentialError(text)
    if reasons & {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"} or status == 429:
        return RateLimited(text)
    if status == 403:
        return PermissionDenied(text)
    if status == 404:
        return NotFound(text)
    return PlatformError(text)


# Which error reasons mean "exhausted for the day" differs per API. The Directory API answers 403
# `quotaExceeded` / `rateLimitExceeded` / `userRateLimitExceeded` for per-user concurrency and rate limits:
# retried with exponential backoff and jitter (Google's guidance for the Admin SDK), only `dailyLimitExceeded`
# is for the day. YouTube's `quotaExceeded` is its daily units quota: that key is done for the run.
DIRECTORY_DAILY_REASONS = frozenset({"dailyLimitExceeded"})
YOUTUBE_DAILY_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})


class GoogleCalls:
    """How the Workspace connector runs google-api-python-client calls: in a worker pool as wide as the allowed
    concurrency (the library is synchronous), one HTTP request per attempt, with retries decided on the
    event loop.

    The library's own `num_retries` sleeps inside a worker thread: at national scale a few throttled
    credentials would then hold every thread while the other credentials wait. Here a 429 pauses only its
    credential (through the pacer, which also learns announced windows from every answer) and a 5xx backs
    off without holding a thread.
    """

    def __init__(self, settings: Any, daily_reasons: frozenset[str] = DIRECTORY_DAILY_REASONS):
        self.settings = settings
        self.daily_reasons = daily_reasons
        self.pool = worker_pool(settings)
        self._local = threading.local()  # per worker thread: did this attempt's answer reach the pacer
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.pacer = CredentialPacer(sleep=SleepOf(self), max_wait_seconds=setting(settings, "max_wait_seconds", 60.0))

    def learn(self, secret: Secret) -> Callable[[Mapping[str, str] | None], None]:
        """The `on_response` of a credential's `HttpxHttp`: the pacer learns the window from the answer."""

        def settle(headers: Mapping[str, str] | None) -> None:
            self.pacer.settle(secret.name, headers)
            self._local.settled = True

        return settle

    def _run(self, call: Any, name: str) -> Any:
        """One attempt in a worker thread. Whatever the transport (a test's mock calls no `on_response`) and
        however it ends, the request admitted for it is settled exactly once."""
        self._local.settled = False
        try:
            return call.execute(num_retries=0)
        finally:
            if not self._local.settled:
                self.pacer.settle(name, None)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)  # a stopped run calls nothing more

    async def execute(self, call: Any, secret: Secret) -> Any:
        max_retries = int(setting(self.settings, "max_retries", 4))
        max_throttled = int(setting(self.settings, "max_throttled_retries", 8))
        backoff = setting(self.settings, "backoff_seconds", 0.5)
        max_wait = setting(self.settings, "max_wait_seconds", 60.0)
        attempt = throttled = 0
        while True:
            await self.pacer.admit(secret.name)
            try:
                return await in_pool(self.pool, self._run, call, secret.name)
            except HttpError as exc:
                error = map_http_error(exc, secret)
                if isinstance(error, RateLimited) and not quota_exhausted(error, self.daily_reasons):
                    throttled += 1
                    headers = {str(k).lower(): str(v) for k, v in dict(exc.resp or {}).items()}
                    wait = retry_after_seconds(headers)
                    wait = backoff_delay(backoff, throttled) if wait is None else wait
                    if throttled > max_throttled or wait > max_wait:
                        raise error from None
                    self.pacer.pause(secret.name, wait)
                    continue
                if exc.status_code is not None and exc.status_code >= 500 and attempt < max_retries:
                    attempt += 1
                    await self.sleep(backoff_delay(backoff, attempt))
                    continue
                raise error from None
            except PlatformError:  # the transport failed (HttpxHttp raised it)
                if attempt < max_retries:
                    attempt += 1
                    await self.sleep(backoff_delay(backoff, attempt))
                    continue
                raise


def quota_exhausted(error: ConnectorError, daily_reasons: frozenset[str] = YOUTUBE_DAILY_REASONS) -> bool:
    """A Google quota that will not come back this run (daily), unlike a per-minute or per-user rate limit."""
    return isinstance(error, RateLimited) and any(reason in str(error) for reason in daily_reasons)


def setting(settings: Any, name: str, default: float) -> float:
    """A numeric connector setting, or its default when the connector was built without settings (tests)."""
    return float(getattr(settings, name, default) if settings is not None else default)
