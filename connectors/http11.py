"""HTTP/1.1 exchanges over kept-alive connections, for a platform's direct (unproxied) requests: the bytes are
`connectors.http11_wire`'s, the socket and TLS `connectors.network`'s, and the pool is a list of idle
connections.

Why not httpcore's pool: a request through it resumed its coroutine chain five times (anyio locks that yield to
the event loop on every acquire, an event per request to hand it a connection, a scan of every connection at
each start and end), and with httpx's request and URL models around it the transport was about two thirds of
the CPU a request costs (profiled on the bench's LinkedIn layout, six requests an account). Here a request
takes an idle connection or opens one, writes its bytes once, and waits only for the answer's bytes.

What httpcore did and this keeps: one request at a time per connection; connections kept alive for
`KEEPALIVE_SECONDS` and dropped when the server closed them while idle (known from the protocol's
`eof_received`, no system call); a connection whose exchange did not end cleanly — an error, a cancellation,
an answer the limit refused, bytes nobody asked for — is closed, never reused; transport errors are httpx's
(`map_httpcore_exceptions`), so callers see the same kinds as before. Proxied requests keep httpx's transport
and httpcore's pool.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import NamedTuple

import httpx
from httpx._transports.default import map_httpcore_exceptions

from connectors.answer_body import AnswerBody
from connectors.http11_wire import Reader, request_bytes
from connectors.network import AsyncioBackend, AsyncioStream

KEEPALIVE_SECONDS = 5.0  # httpx's default keep-alive expiry


class Outgoing(NamedTuple):
    """A request as it goes on the wire."""

    method: bytes
    url: str  # the whole URL (what a test double matches on)
    target: bytes  # path and query, for the request line
    headers: list[tuple[bytes, bytes]]  # `Host` first, as httpx sends it
    body: bytes


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]  # status, headers, the body decoded and bounded


class _Kept:
    """One connection and its protocol state; `since`: when it was last left idle."""

    def __init__(self, stream: AsyncioStream) -> None:
        self.stream = stream
        self.reader = Reader(stream)
        self.since = time.monotonic()
        self.keep = False  # the last exchange ended cleanly and the server keeps the connection

    def reusable(self, now: float) -> bool:
        return now - self.since < KEEPALIVE_SECONDS and not self.stream.get_extra_info("is_readable")


class Http11Pool:
    """Connections to one origin (`scheme://host:port`), at most `max_connections` at once."""

    def __init__(self, url: httpx.URL, *, max_connections: int, ssl_context: ssl.SSLContext) -> None:
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"not an HTTP origin: {url}")
        self.host = url.host
        self.tls = url.scheme == "https"
        self.port = url.port or (443 if self.tls else 80)
        # The `Host` header, as httpx writes it: the port only when it is not the scheme's, an IPv6 address in
        # brackets, never the user information.
        self.host_header = url.netloc.decode("ascii")
        self._ssl_context = ssl_context
        self._backend = AsyncioBackend()
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Kept] = []
        self._closed = False

    async def exchange(self, outgoing: Outgoing, limit: int) -> Answer:
        """One request and its whole answer, its body decoded and bounded by `limit`. (Test doubles replace this
        method: tests/respx_http11.py.)"""
        async with self._slots:
            with map_httpcore_exceptions():
                kept = await self._reuse() or await self._connect()
                try:
                    answer = await self._round_trip(kept, outgoing, limit)
                except BaseException:
                    await kept.stream.aclose()
                    raise
        if kept.keep and not self._closed:
            kept.since = time.monotonic()
            self._idle.append(kept)
        else:
            await kept.stream.aclose()
        return answer

    async def _reuse(self) -> _Kept | None:
        now = time.monotonic()
        while self._idle:
            kept = self._idle.pop()  # the most recently used: the likeliest to be still open
            if kept.reusable(now):
                return kept
            await kept.stream.aclose()
        return None

    async def _connect(self) -> _Kept:
        stream = await self._backend.connect_tcp(self.host, self.port)
        if self.tls:
            stream = await stream.start_tls(self._ssl_context, server_hostname=self.host)
        assert isinstance(stream, AsyncioStream)
        return _Kept(stream)

    async def _round_trip(self, kept: _Kept, outgoing: Outgoing, limit: int) -> Answer:
        kept.keep = False
        await kept.stream.write(request_bytes(outgoing.method, outgoing.target, outgoing.headers, outgoing.body))
        head = await kept.reader.head(bodyless=outgoing.method == b"HEAD")
        answer = AnswerBody.announced(head.headers, limit)
        async for part in kept.reader.body(head):
            answer.feed(part)
        kept.keep = head.keep_alive and not kept.reader.pending
        return head.status, head.headers, answer.content()

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for kept in idle:
            await kept.stream.aclose()
