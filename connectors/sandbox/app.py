"""The sandbox core: routing by platform, fault injection, the request log and scenario loading."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from connectors.http import redact

Handler = Callable[["Sandbox", httpx.Request], httpx.Response]


# Marks an answer the server must cut half-way (the server writes half of it and closes).
TRUNCATE_HEADER = "x-sandbox-truncate"
FAULT_EXTENSION = "sandbox_fault"  # an answer a fault made (not the scenario's)


@dataclass
class Fault:
    """One injected failure, matched by path regex (and optionally method or credential name).

    `times` limits how many requests it hits (None: every one), so a retried request can then succeed.
    """

    path: str = ".*"
    method: str | None = None
    credential: str | None = None
    status: int | None = None
    retry_after: float | None = None
    reset_in: float | None = None
    latency_ms: int = 0
    timeout: bool = False
    reset: bool = False  # the connection is closed without an answer
    truncate: bool = False  # the answer stops half-way through its announced length
    malformed: bool = False
    expired_token: bool = False
    query: dict[str, str] | None = None  # only requests with these query parameters
    body: Any = None  # the JSON body of an injected error (default: a transient Graph error)
    raw: str | None = None  # an exact answer body (what no JSON encoder would write: 200,000 levels, NaN)
    times: int | None = None
    hits: int = 0

    def matches(self, request: httpx.Request, credential: str | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != request.method:
            return False
        if self.credential and self.credential != credential:
            return False
        if self.query and any(request.url.params.get(k) != v for k, v in self.query.items()):
            return False
        return re.search(self.path, request.url.path) is not None


# Which platform a request is for, by its path, and which platform a token was issued by: a token used on
# another platform is unknown there, and gets that platform's own 401 (issue 16 point 8).
ROUTES: tuple[tuple[str, str], ...] = (
    ("/2/", "x"),
    ("/youtube/v3/", "youtube"),
    ("/admin/directory/v1/", "workspace"),
    ("/rest/", "linkedin"),
    ("/v2/user/info", "tiktok"),
    ("/v2/video/list", "tiktok"),
    ("/v2/users", "zoom"),
    ("/v2/accounts/", "zoom"),
    ("/3.0/", "mailchimp"),
)
CREDENTIAL_PREFIXES = {"google": "workspace"}  # credential-name prefix → platform, where they differ


def route_platform(path: str) -> str | None:
    from connectors.sandbox import meta

    if meta.PATH.match(path):
        return "meta"
    return next((platform for prefix, platform in ROUTES if path.startswith(prefix)), None)


def token_platform(info: dict[str, Any]) -> str | None:
    """The scenario's `platform:` for a token, else the prefix of its credential's name (`meta-una`)."""
    if info.get("platform"):
        return str(info["platform"])
    prefix = str(info.get("credential") or "").split("-", 1)[0]
    platform = CREDENTIAL_PREFIXES.get(prefix, prefix)
    return platform if platform in {"meta", *(p for _, p in ROUTES)} else None  # else: bound to none


def deep_merge(base: Any, overlay: Any) -> Any:
    """Overlay a partial document on a scenario (used for the demo's "yesterday" baseline)."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(overlay)


def load_scenario(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario is a mapping")
    unknown = set(data) - {
        "tokens",
        "meta",
        "x",
        "youtube",
        "google",
        "linkedin",
        "tiktok",
        "zoom",
        "mailchimp",
        "faults",
        "baseline",
    }
    if unknown:
        raise ValueError(f"{path}: unknown scenario sections {sorted(unknown)}")
    return data


@dataclass
class Sandbox:
    """Serves a scenario. `handle` is the single entry point for both the transport and the server."""

    scenario: dict[str, Any]
    faults: list[Fault] = field(default_factory=list)
    request_log: list[dict[str, Any]] = field(default_factory=list)
    log_file: Path | None = None
    server_timeout_seconds: float = 30.0
    clock: Callable[[], float] = time.time
    latency_ms: int = 0  # added to every answer (the bench's network)
    rate_limit: tuple[int, float] | None = None  # per credential: at most N requests per window of S seconds
    keep_log: bool = True  # the bench keeps only counts, not a log entry per request

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        # Views of the scenario a platform's routes build once, not per request (each checks it still matches
        # the scenario: `graph_index`).
        self.derived: dict[str, Any] = {}
        self._windows: dict[str, tuple[int, int]] = {}
        self.counts: dict[str, int] = {}  # requests served per credential (not counting 429s)
        # The load the bench measures: per credential, 429s answered and seconds spent answering (requests in
        # flight on average = busy seconds / wall time); the most requests in flight at once, overall.
        self.throttled: dict[str, int] = {}
        self.busy_seconds: dict[str, float] = {}
        self.in_flight = 0
        self.peak_in_flight = 0
        self.faults = self.faults + [Fault(**f) for f in self.scenario.get("faults") or []]
        self.tokens: dict[str, dict[str, Any]] = {
            str(token): dict(info or {}) for token, info in (self.scenario.get("tokens") or {}).items()
        }

    def with_overlay(self, overlay: dict[str, Any] | None) -> Sandbox:
        """A sandbox over the scenario with a partial document merged in (the same faults and log)."""
        scenario = deep_merge(self.scenario, overlay or {})
        scenario.pop("faults", None)
        return Sandbox(
            scenario, faults=self.faults, request_log=self.request_log, log_file=self.log_file, clock=self.clock
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def credential_of(self, request: httpx.Request) -> tuple[str | None, dict[str, Any] | None]:
        """The token a request carries (query or bearer) and what the scenario says about it."""
        token = request.url.params.get("access_token") or request.url.params.get("key")
        auth = request.headers.get("authorization", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        elif not token and auth.lower().startswith("basic "):  # Mailchimp: user:API key
            import base64
            import binascii

            try:
                token = base64.b64decode(auth[6:].strip()).decode().split(":", 1)[-1]
            except (binascii.Error, UnicodeDecodeError):
                token = None
        if not token:
            return None, None
        info = self.tokens.get(token)
        return token, info

    def _log(self, request: httpx.Request, status: int, credential: str | None = None) -> None:
        # The log never contains token values (query parameters are redacted like every log line); the
        # credential's name, which the scenario gives each token, says whose allowance the request spent.
        if not self.keep_log:
            return
        entry = {
            "method": request.method,
            "path": request.url.path,
            "query": {k: v for k, v in request.url.params.items() if k not in ("access_token", "input_token", "key")},
            "status": status,
            "credential": credential,
        }
        with self._lock:
            self.request_log.append(entry)
            if self.log_file is not None:
                with open(self.log_file, "a", encoding="utf-8") as fh:
                    fh.write(redact(json.dumps(entry, ensure_ascii=False)) + "\n")

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """The in-process transport's entry point (latency as an asyncio sleep)."""
        delay, outcome, _ = self._respond(request)
        if delay > 0:
            await asyncio.sleep(delay)
        if isinstance(outcome, Exception):
            raise outcome
        if TRUNCATE_HEADER in outcome.headers:  # what httpx says when a body stops short
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
        return outcome

    async def handle_served(self, request: httpx.Request) -> httpx.Response:
        """The server's entry point: as `handle`, counting the requests in flight and each credential's busy
        seconds (the load the bench reports)."""
        started = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        credential = None
        try:
            delay, outcome, credential = self._respond(request)
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            with self._lock:
                self.in_flight -= 1
                if credential is not None:
                    self.busy_seconds[credential] = self.busy_seconds.get(credential, 0.0) + (
                        time.monotonic() - started
                    )
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _rate_limited(self, credential: str | None) -> httpx.Response | None:
        """A per-credential fixed-window limit (`rate_limit: [requests, seconds]`), answered like X does."""
        if not self.rate_limit or credential is None:
            return None
        limit, window = self.rate_limit
        now = self.clock()
        slot = int(now // window)
        with self._lock:
            used = self._windows.get(credential)
            count = used[1] + 1 if used and used[0] == slot else 1
            self._windows[credential] = (slot, count)
        if count <= limit:
            return None
        reset = (slot + 1) * window
        wait = max(1, int(reset - now + 0.999))
        return httpx.Response(
            429,
            headers={
                "Retry-After": str(wait),
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(reset)),
            },
            json={"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        )

    def _respond(self, request: httpx.Request) -> tuple[float, httpx.Response | Exception, str | None]:
        """(the latency to add, the answer or the transport error to raise, the credential whose request it was)"""
        if request.url.path == "/__sandbox/stats":
            with self._lock:
                answer = httpx.Response(
                    200,
                    json={
                        "served": dict(self.counts),
                        "throttled": dict(self.throttled),
                        "busy_seconds": dict(self.busy_seconds),
                        "peak_in_flight": self.peak_in_flight,
                    },
                )
                if request.url.params.get("reset_peak"):  # the bench's next run measures its own peak
                    self.peak_in_flight = self.in_flight
                return 0.0, answer, None
        token, info = self.credential_of(request)
        credential = (info or {}).get("credential")
        delay = self.latency_ms / 1000
        limited = self._rate_limited(credential)
        if limited is not None and credential is not None:
            with self._lock:
                self.throttled[credential] = self.throttled.get(credential, 0) + 1
            self._log(request, 429, credential)
            return delay, limited, credential
        from connectors.sandbox import meta

        if meta.is_batch(request):  # one HTTP request: its calls each meet their faults and are logged
            late, response = meta.answer_batch(request, lambda call: self._batch_call(call, token, info, credential))
            delay += late
            self._log(request, response.status_code, credential)
        else:
            late, outcome = self._answer(request, token, info, credential)
            delay += late
            if isinstance(outcome, Exception) or outcome.extensions.get(FAULT_EXTENSION):
                return delay, outcome, credential  # a fault's: neither counted nor given the window's headers
            response = outcome
        if self.rate_limit and credential is not None:  # say what is left, as X does on every answer
            limit, window = self.rate_limit
            slot, used = self._windows.get(credential, (0, 0))
            response.headers["x-rate-limit-limit"] = str(limit)
            response.headers["x-rate-limit-remaining"] = str(max(0, limit - used))
            response.headers["x-rate-limit-reset"] = str(int((slot + 1) * window))
        if credential is not None:
            with self._lock:
                self.counts[credential] = self.counts.get(credential, 0) + 1
        return delay, response, credential

    def _answer(
        self, request: httpx.Request, token: str | None, info: dict[str, Any] | None, credential: str | None
    ) -> tuple[float, httpx.Response | Exception]:
        """One call's answer, logged: a fault's if one matches it (marked `FAULT_EXTENSION`; the latency the
        fault adds, the answer or the transport error to raise), else the scenario's."""
        fault = None
        with self._lock:
            for candidate in self.faults:
                if candidate.matches(request, credential):
                    candidate.hits += 1
                    fault = candidate
                    break
        delay = 0.0
        if fault is not None:
            delay += fault.latency_ms / 1000
            if fault.timeout:
                self._log(request, 0, credential)
                return delay, httpx.ReadTimeout("sandbox: injected timeout", request=request)
            if fault.reset:
                self._log(request, 0, credential)
                return delay, httpx.RemoteProtocolError("sandbox: connection reset", request=request)
            if fault.status or fault.malformed or fault.raw is not None:
                response = self._fault_response(fault)
                response.extensions[FAULT_EXTENSION] = True
                self._log(request, response.status_code, credential)
                return delay, response
            if fault.expired_token and info is not None:
                info = {**info, "is_valid": False}
        response = self._route(request, token, info)
        self._log(request, response.status_code, credential)
        if fault is not None and fault.truncate:
            response.headers[TRUNCATE_HEADER] = "1"
        return delay, response

    def _batch_call(
        self, call: httpx.Request, token: str | None, info: dict[str, Any] | None, credential: str | None
    ) -> tuple[float, httpx.Response | Exception]:
        """A call inside a Graph batch: a body a fault cuts short is a call that did not finish."""
        late, outcome = self._answer(call, token, info, credential)
        if not isinstance(outcome, Exception) and TRUNCATE_HEADER in outcome.headers:
            return late, httpx.RemoteProtocolError("sandbox: body cut short", request=call)
        return late, outcome

    def _fault_response(self, fault: Fault) -> httpx.Response:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(int(fault.retry_after))
        if fault.reset_in is not None:
            headers["x-rate-limit-reset"] = str(int(self.clock() + fault.reset_in))
        if fault.raw is not None:
            return httpx.Response(
                fault.status or 200, headers={"content-type": "application/json"}, content=fault.raw.encode()
            )
        if fault.malformed:
            return httpx.Response(
                fault.status or 200, headers={"content-type": "application/json"}, content=b'{"data": [ {"id": "1"'
            )
        status = fault.status or 500
        if fault.body is not None:
            return httpx.Response(status, headers=headers, json=fault.body)
        body = {
            "error": {
                "message": "An unexpected error has occurred. Please retry your request later.",
                "type": "OAuthException",
                "code": 2,
                "is_transient": True,
                "fbtrace_id": "SandboxFault",
            }
        }
        if status == 429:
            body = {
                "error": {
                    "message": "(#4) Application request limit reached",
                    "type": "OAuthException",
                    "code": 4,
                    "is_transient": True,
                    "fbtrace_id": "SandboxFault",
                }
            }
        return httpx.Response(status, headers=headers, json=body)

    def _route(self, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
        from connectors.sandbox import google, meta, others, x

        issued_by = token_platform(info) if info is not None else None
        if issued_by is not None and issued_by != route_platform(request.url.path):
            info = None  # another platform's token: unknown here, answered with this platform's 401
        if meta.PATH.match(request.url.path):
            return meta.handle(self, request, token, info)
        if request.url.path.startswith("/2/"):
            return x.handle(self, request, token, info)
        if request.url.path.startswith(("/youtube/v3/", "/admin/directory/v1/")):
            return google.handle(self, request, token, info)
        if request.url.path.startswith(
            ("/rest/", "/v2/user/info", "/v2/video/list", "/v2/users", "/v2/accounts/", "/3.0/")
        ):
            return others.handle(self, request, token, info)
        return httpx.Response(404, json={"error": {"message": f"sandbox: no route for {request.url.path}"}})
