"""The shared async HTTP layer every REST connector uses (httpx underneath).

It owns what is the same on every platform: timeouts; bounded concurrency per platform and per
credential; retries with exponential backoff and jitter on network errors, 5xx and malformed bodies;
waiting out 429s (`Retry-After`, or a reset epoch such as X's `x-rate-limit-reset`); slowing down when a
platform's usage header says a credential is close to its limit; and redacting tokens from every log line
and exception. What differs per platform (error bodies, usage headers, auth placement) is passed in by the
connector as small functions.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx

from auditor.model.secret import Secret
from connectors.answer_body import UnusableAnswer
from connectors.base import (
    ConnectorError,
    CredentialError,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
)
from connectors.deadline import excuse
from connectors.pacing import CredentialPacer, SleepOf
from connectors.transport import Pools

log = logging.getLogger("auditor.http")


_TOKEN_PARAMS = re.compile(r"(?i)((?:access_token|input_token|token|key|apikey)=)[^&\s\"']+")
_BEARER = re.compile(r"(?i)((?:bearer|basic)\s+)[A-Za-z0-9._~+/=|-]+")


def redact(text: str, secrets: set[str] | frozenset[str] = frozenset()) -> str:
    """Remove token values: every known secret, and anything in a token-like query parameter or header."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    text = _TOKEN_PARAMS.sub(r"\1[REDACTED]", text)
    return _BEARER.sub(r"\1[REDACTED]", text)


def error_for_status(status: int, text: str) -> ConnectorError | None:
    """The usual meaning of an HTTP status, for platforms whose error bodies add little to it."""
    if status < 400:
        return None
    if status == 401:
        return CredentialError(text)
    if status == 403:
        return PermissionDenied(text)
    if status == 404:
        return NotFound(text)
    if status == 429:
        return RateLimited(text)
    return PlatformError(text)


@functools.cache
def iso_time(raw: Any) -> datetime | None:
    """An ISO-8601 timestamp as the platforms send it (`Z` or an offset); anything unparsable is unknown."""
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


MAX_TEXT = 2000  # characters of any one string a platform sends: a page name of 1 MB is an attack, not a name
# Characters that reorder or hide text (bidi overrides and isolates, zero-width): shown as their code point.
_INVISIBLE = {
    **{cp: f"[U+{cp:04X}]" for cp in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x200E, 0x200F)},
    0xFEFF: "[U+FEFF]",
    # Line and paragraph separators: a splitter of line-oriented outputs would cut a record at them.
    **{cp: f"[U+{cp:04X}]" for cp in (0x0085, 0x2028, 0x2029)},
}


def platform_text(value: str) -> str:
    """A string from a platform, made safe to store and show: control characters (NUL…) dropped, bidi
    overrides and zero-width characters made visible, and at most MAX_TEXT characters kept."""
    if len(value) <= MAX_TEXT and value.isprintable():
        return value
    cleaned = "".join(
        _INVISIBLE.get(ord(ch), ch) if ord(ch) >= 0x20 or ch in "\t\n" else "" for ch in value[: MAX_TEXT * 2]
    )
    if len(value) > MAX_TEXT:  # (markers may lengthen a shorter string a little: bounded all the same)
        cleaned = cleaned[:MAX_TEXT] + f"…[+{len(value) - MAX_TEXT}]"
    return cleaned


MAX_DEPTH = 64  # nesting of a platform's JSON answer: no documented answer comes near; 200,000 is an attack
MAX_DIGITS = 40  # of one JSON number: ids are strings or ≤ 20 digits; 5,000 digits is an attack


class UnreadableBody(ValueError):
    """A JSON answer outside the bounds above, with NaN/Infinity, or not JSON at all."""


def _no_constant(name: str) -> None:
    """NaN and ±Infinity are not JSON: read as absent (a boolean field holding one is unknown, never true)."""
    return None


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise UnreadableBody(f"a number of {len(text)} digits")
    return int(text)


def _bounded_float(text: str) -> float | None:
    if len(text) > MAX_DIGITS * 2:
        raise UnreadableBody(f"a number of {len(text)} characters")
    value = float(text)
    return None if value in (float("inf"), float("-inf")) else value  # 1e999: out of range, read as absent


def parse_json(content: bytes) -> Any:
    """A platform's JSON answer, strictly: depth, number size and NaN/Infinity bounded, every string cleaned
    (`platform_json`). Raises UnreadableBody: one answer the connector cannot read, never a crash of the run."""
    try:
        parsed = json.loads(content, parse_constant=_no_constant, parse_int=_bounded_int, parse_float=_bounded_float)
    except RecursionError:
        raise UnreadableBody("JSON nested too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnreadableBody(f"not JSON ({exc.__class__.__name__})") from None
    return platform_json(parsed)


def platform_json(value: Any, depth: int = 0) -> Any:
    """Every string of a parsed answer through `platform_text` (keys too): one place for all connectors."""
    if depth > MAX_DEPTH:
        raise UnreadableBody(f"JSON nested deeper than {MAX_DEPTH}")
    if isinstance(value, str):
        return platform_text(value)
    if isinstance(value, dict):
        return {platform_text(k) if isinstance(k, str) else k: platform_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [platform_json(v, depth + 1) for v in value]
    return value


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs ~40 ms and ~1 MB: do it once per process, not per client."""
    return ssl.create_default_context()


@dataclass(frozen=True)
class HttpSettings:
    base_url: str
    timeout_seconds: float = 20.0
    concurrency: int = 8
    per_credential_concurrency: int = 4
    max_retries: int = 4
    backoff_seconds: float = 0.5
    max_wait_seconds: float = 60.0
    max_throttled_retries: int = 8
    usage_threshold_pct: float = 75.0
    usage_max_pause_seconds: float = 10.0
    max_body_bytes: int = 10_000_000  # of one answer, decompressed; counted while it streams in


# Given a response and its parsed body, a connector returns the error it means (or None for success).
ErrorMapper = Callable[[httpx.Response, Any], ConnectorError | None]
# Given a response, the highest usage percentage it reports (Meta's X-App-Usage…) or None.
UsageReader = Callable[[httpx.Response], float | None]


def retry_after_seconds(
    headers: Mapping[str, str], reset_header: str | None = None, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or a reset epoch header."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now())
            except (TypeError, ValueError):
                pass
    if reset_header and headers.get(reset_header):
        try:
            return max(0.0, float(headers[reset_header]) - now())
        except ValueError:
            return None
    return None


def backoff_delay(base_seconds: float, attempt: int) -> float:
    """Exponential backoff with jitter, so the retries of many accounts do not align."""
    base = float(base_seconds * (2**attempt))
    return base + random.uniform(0, base / 2)


@dataclass
class RequestStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0


@dataclass
class PlatformHttp:
    """One platform's client: its connections (`connectors.transport.Pools`) plus the policies above."""

    settings: HttpSettings
    error_mapper: ErrorMapper
    usage_reader: UsageReader | None = None
    # Where a platform says how many requests are left and when the window resets (X's names, which other
    # gateways copy): at 0 left, the credential waits for the reset instead of collecting 429s.
    reset_header: str | None = "x-rate-limit-reset"
    remaining_header: str | None = "x-rate-limit-remaining"
    limit_header: str | None = "x-rate-limit-limit"
    auth: Literal["bearer", "query", "basic", "key"] = "bearer"  # "key": Google's API keys, `key=` in the query
    default_headers: dict[str, str] = field(default_factory=dict)
    transport: httpx.AsyncBaseTransport | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    stats: RequestStats = field(default_factory=RequestStats)

    def __post_init__(self) -> None:
        self._pools: Pools | None = None
        self._platform_slots = asyncio.Semaphore(self.settings.concurrency)
        self._credential_slots: dict[str, asyncio.Semaphore] = {}
        self.pacer = CredentialPacer(
            sleep=SleepOf(self),  # looked up per wait: tests replace `sleep`
            max_wait_seconds=self.settings.max_wait_seconds,
            on_wait=self._count_wait,
            reset_header=self.reset_header,
            remaining_header=self.remaining_header,
            limit_header=self.limit_header,
        )
        self._secrets: set[str] = set()

    def _connections(self) -> Pools:
        if self._pools is None:
            self._pools = Pools(
                self.settings.base_url,
                concurrency=self.settings.concurrency,
                timeout_seconds=self.settings.timeout_seconds,
                headers={"User-Agent": "oee-social-auditor/0.1", **self.default_headers},
                verify=shared_tls_context(),
                transport=self.transport,
            )
        return self._pools

    async def aclose(self) -> None:
        if self._pools is not None:
            await self._pools.close()

    def _slots_for(self, secret: Secret) -> asyncio.Semaphore:
        if secret.name not in self._credential_slots:
            self._credential_slots[secret.name] = asyncio.Semaphore(self.settings.per_credential_concurrency)
        return self._credential_slots[secret.name]

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(self.settings.backoff_seconds, attempt)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def _count_wait(self, seconds: float) -> None:
        """A wait the platform announced (a rate-limit window, `Retry-After`): not the account's time."""
        self.stats.waited_seconds += seconds
        excuse(seconds)

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waited_seconds += seconds
            await self.sleep(seconds)

    async def get_json(self, path: str, secret: Secret, params: dict[str, Any] | None = None) -> Any:
        """GET a JSON document, with every policy applied. Raises ConnectorError subclasses only."""
        return await self.request_json("GET", path, secret, params=params)

    async def request_json(
        self,
        method: str,
        path: str,
        secret: Secret,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        self._secrets.add(secret.value)
        query = dict(params or {})
        send_headers = dict(headers or {})
        if self.auth == "query":
            query["access_token"] = secret.value
        elif self.auth == "key":
            query["key"] = secret.value
        elif self.auth == "basic":  # Mailchimp: any user name, the API key as password
            token = base64.b64encode(f"auditor:{secret.value}".encode()).decode()
            send_headers["Authorization"] = f"Basic {token}"
        else:
            send_headers["Authorization"] = f"Bearer {secret.value}"
        failure: ConnectorError | None = None
        failure_or_body: Any = None
        try:
            queued = time.monotonic()
            async with self._slots_for(secret):
                excuse(time.monotonic() - queued)  # the credential's other requests ran first: not this account's time
                attempt = throttled = 0
                while True:
                    # Waiting for the credential's rate limit happens before a platform slot is taken; the pacer
                    # learns when the request goes (a window may end while it waits for the slot).
                    await self.pacer.admit(secret.name, on_wire=False)
                    self.stats.requests += 1
                    started = time.monotonic()
                    went = False
                    try:
                        queued = time.monotonic()
                        async with self._platform_slots:
                            excuse(time.monotonic() - queued)  # waiting for a free slot is not the account's time
                            self.pacer.goes(secret.name)
                            went = True
                            response = await self._connections().send(
                                method, path, query, json_body, send_headers, limit=self.settings.max_body_bytes
                            )
                    except UnusableAnswer as exc:  # too large, or in an encoding not asked for
                        self.pacer.settle(secret.name, None)
                        raise PlatformError(self.redact(f"{exc} on {method} {path}")) from None
                    except (httpx.TransportError, TimeoutError) as exc:  # refused, reset, the request's deadline
                        self.pacer.settle(secret.name, None, went=went)
                        failure = PlatformError(self.redact(f"{type(exc).__name__} on {method} {path}"))
                        if attempt < self.settings.max_retries:
                            attempt += 1
                            self.stats.retries += 1
                            await self._wait(self._backoff(attempt))
                            continue
                        raise failure from None
                    except (
                        BaseException
                    ):  # cancelled (a deadline) or anything unforeseen: the slot is freed all the same
                        self.pacer.settle(secret.name, None, went=went)
                        raise
                    self.pacer.settle(secret.name, response.headers)
                    if log.isEnabledFor(logging.DEBUG):  # redacting costs a regex pass: only for a line that is kept
                        log.debug(
                            "%s %s -> %s in %.0f ms",
                            method,
                            self.redact(f"{path}?{httpx.QueryParams(query)}"),
                            response.status_code,
                            1000 * (time.monotonic() - started),
                        )
                    self._note_usage(response, secret)
                    retry_in, failure_or_body = self._classify(response, method, path, attempt)
                    if retry_in is None:
                        if isinstance(failure_or_body, ConnectorError):
                            raise failure_or_body
                        return failure_or_body
                    if isinstance(failure_or_body, RateLimited):
                        # Throttling is the platform asking to wait, not a failure: it has its own, larger budget.
                        throttled += 1
                        if throttled > self.settings.max_throttled_retries or retry_in > self.settings.max_wait_seconds:
                            raise failure_or_body
                        self.stats.retries += 1
                        self.pacer.pause(secret.name, retry_in)
                        continue
                    if attempt >= self.settings.max_retries:
                        assert isinstance(failure_or_body, ConnectorError)
                        raise failure_or_body
                    attempt += 1
                    self.stats.retries += 1
                    await self._wait(retry_in)
        finally:
            # An error raised from these locals holds this frame through its traceback, and the frame holds the
            # error: a cycle only the collector frees, with every local of the request (test_no_cycles).
            failure = failure_or_body = None

    def _classify(self, response: httpx.Response, method: str, path: str, attempt: int) -> tuple[float | None, Any]:
        """(seconds to wait before retrying or None, the error or the parsed body)."""
        attempt_backoff = self._backoff(attempt)
        where = f"{method} {path}"
        unreadable = ""
        try:
            body = parse_json(response.content) if response.content else None
        except UnreadableBody as exc:
            body = _MALFORMED
            unreadable = str(exc)
        if response.status_code == 429:
            self.stats.throttled += 1
            wait = retry_after_seconds(response.headers, self.reset_header)
            said = self.error_mapper(response, None if body is _MALFORMED else body)
            text = self.redact(str(said)) if said is not None else f"HTTP 429 on {where}"
            return (wait if wait is not None else attempt_backoff), RateLimited(text, retry_after=wait)
        if 300 <= response.status_code < 400:
            # A redirect is never a body: following it could send the token elsewhere, and its body is not the
            # object asked for — nor is an error body it carries (a 3xx saying 803 is not «not found»). It is an
            # error for this request.
            target = self.redact(response.headers.get("location", "?"))
            return None, PlatformError(f"HTTP {response.status_code} redirect on {where} to {target} (not followed)")
        mapped = self.error_mapper(response, None if body is _MALFORMED else body)
        if isinstance(mapped, RateLimited):  # redacted like every other error (a platform may echo the token)
            self.stats.throttled += 1
            throttled = RateLimited(self.redact(str(mapped)), retry_after=mapped.retry_after)
            return (mapped.retry_after if mapped.retry_after is not None else attempt_backoff), throttled
        if response.status_code >= 500:
            return attempt_backoff, PlatformError(f"HTTP {response.status_code} on {where}")
        if mapped is not None:
            return None, type(mapped)(self.redact(str(mapped)))
        if body is _MALFORMED:
            return attempt_backoff, PlatformError(f"malformed JSON from {where}: {unreadable}")
        if response.status_code >= 400:
            return None, PlatformError(f"HTTP {response.status_code} on {where}")
        return None, body

    def _note_usage(self, response: httpx.Response, secret: Secret) -> None:
        """Slow this credential down in proportion to how close the platform says it is to its limit."""
        if self.usage_reader is None:
            return
        pct = self.usage_reader(response)
        threshold = self.settings.usage_threshold_pct
        if pct is None or pct < threshold:
            return
        fraction = min(1.0, (pct - threshold) / max(1.0, 100.0 - threshold))
        pause = self.settings.usage_max_pause_seconds * fraction
        self.pacer.pause(secret.name, pause)
        log.info("credential %s at %.0f%% of its rate limit: pausing %.1f s", secret.name, pct, pause)


def segment(value: object) -> str:
    """One path segment from inventory or platform data, percent-encoded: a handle such as `x/../../123`
    or an id with `?` must name exactly one object, never another path or a query."""
    return quote(str(value), safe="")


_MALFORMED = object()
