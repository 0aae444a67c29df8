"""How a platform's requests reach it: small connection pools used through httpx's transports (`Pools`), with
httpcore reaching the network through asyncio's own transports (`connectors.network`) rather than anyio's.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpcore
import httpx
from httpx._transports.default import map_httpcore_exceptions  # httpcore's errors as httpx's, as before

from connectors.answer_body import AnswerBody, TooLarge
from connectors.network import AsyncioBackend


def on_asyncio_backend(transport: httpx.AsyncBaseTransport) -> bool:
    """Put the asyncio backend under an httpx transport's own connection pool (a proxy's pool keeps httpcore's
    own: its tunnels may run TLS inside TLS). Returns whether it could: httpx and httpcore keep these as private
    attributes, and a test says so when an upgrade moves them."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not isinstance(backend, httpcore.AsyncNetworkBackend):
        return False
    if not isinstance(backend, AsyncioBackend):
        pool._network_backend = AsyncioBackend()
    return True


_POOL_SIZE = 4  # connections per pool
# What httpx's client would add to every request (we send through its transports directly).
_DEFAULT_HEADERS = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (`HTTPS_PROXY`, `ALL_PROXY`…, less `NO_PROXY`), as httpx's
    client honours it: a state network that leaves through a proxy keeps doing so."""
    parsed = urllib.parse.urlsplit(url)
    if not parsed.hostname or urllib.request.proxy_bypass(parsed.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parsed.scheme) or proxies.get("all")


def _pool_of(transport: httpx.AsyncBaseTransport) -> httpcore.AsyncConnectionPool | None:
    """The httpcore pool under httpx's own transport (a proxy's pool is one too); None for any other transport.
    A private attribute: a test says so when an upgrade moves it."""
    if type(transport) is not httpx.AsyncHTTPTransport:
        return None
    pool = getattr(transport, "_pool", None)
    return pool if isinstance(pool, httpcore.AsyncConnectionPool) else None


class Pools:
    """A platform's connections: the least busy of a few small pools, each request sent straight to the
    httpcore pool under httpx's transport.

    httpcore re-checks every pooled connection (`has_expired`) each time a request starts or ends, so one pool
    as large as the platform's concurrency costs O(concurrency) CPU per request; pools of `_POOL_SIZE`
    connections, as many as the concurrency needs, keep that scan short (a pool per credential would open
    thousands of sockets). httpx's `AsyncClient` is not used: its work per request — merging the base URL and
    parsing the URL two more times, cookies, auth and redirect machinery, none of which a platform's API needs
    — cost ~0.26 ms of CPU per request here (0.93 against 0.68 ms through the transport, measured against a
    local server), a quarter of the whole. Nor is the transport's own request and answer wrapping (see
    `_exchange`): httpx builds the request (URL, headers, body), httpcore sends it. A `transport` given (a
    test's, the sandbox's) serves every request. No cookie is kept or sent: the platforms' APIs authenticate
    every request with its token.
    """

    def __init__(
        self,
        base_url: str,
        *,
        concurrency: int,
        timeout_seconds: float,
        headers: Mapping[str, str],
        verify: ssl.SSLContext,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.headers = {**_DEFAULT_HEADERS, **headers}
        self.timeout_seconds = timeout_seconds
        # httpcore's own per-operation timeouts stay unset: the request's total deadline (`send`) covers waiting
        # for a connection, connecting, writing and reading, and each of httpcore's armed a timer for every read
        # and write (0.49 → 0.46 ms of CPU per request, measured against the sandbox).
        self.timeout = httpx.Timeout(None).as_dict()
        if transport is not None:
            self._transports: list[httpx.AsyncBaseTransport] = [transport]
        else:
            shards = max(1, -(-concurrency // _POOL_SIZE))
            size = min(_POOL_SIZE, concurrency)
            proxy = environment_proxy(self.base_url)
            self._transports = []
            for _ in range(shards):
                pooled = httpx.AsyncHTTPTransport(
                    verify=verify,
                    limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                    proxy=proxy,
                )
                on_asyncio_backend(pooled)
                self._transports.append(pooled)
        self._busy = [0] * len(self._transports)
        self._pools = [_pool_of(t) for t in self._transports]

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else self.base_url + path.lstrip("/")

    async def send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        json_body: Any,
        headers: Mapping[str, str],
        *,
        limit: int,
    ) -> httpx.Response:
        """One request within its total deadline (`timeout_seconds`: a server sending a byte a second cannot hold
        it longer), its body read as it streams and decompresses, refused past `limit` bytes."""
        url = self.url(path)
        if params:  # added to the query the path may have (httpx's `params=` would replace it, parsing the URL twice)
            url = f"{url}{'&' if '?' in url else '?'}{httpx.QueryParams(params)}"
        request = httpx.Request(
            method,
            url,
            json=json_body,
            headers={**self.headers, **headers},
            extensions={"timeout": self.timeout},
        )
        shard = min(range(len(self._transports)), key=self._busy.__getitem__)
        self._busy[shard] += 1
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._exchange(shard, request, limit)
        finally:
            self._busy[shard] -= 1

    async def _exchange(self, shard: int, request: httpx.Request, limit: int) -> httpx.Response:
        """One exchange: straight through the shard's httpcore pool when it has one (httpx's transport would wrap
        the request, the answer and its stream in objects of its own only to be unwrapped here): its body is read
        raw and decoded once (`AnswerBody`). Otherwise through the given transport, which decodes its own."""
        pool = self._pools[shard]
        if pool is None:  # a mock's or the in-process sandbox's: its answers may come whole, already decoded
            given = await self._transports[shard].handle_async_request(request)
            try:
                status, raw_headers = given.status_code, given.headers.raw
                body = await self._read(raw_headers, given.aiter_bytes(), limit, decoded=True)
            finally:
                await given.aclose()
        else:
            url = request.url
            core = httpcore.Request(
                method=request.method,
                url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
                headers=request.headers.raw,
                content=request.content,
                extensions=request.extensions,
            )
            with map_httpcore_exceptions():
                answer = await pool.handle_async_request(core)
                try:
                    status, raw_headers = answer.status, answer.headers
                    body = await self._read(raw_headers, answer.aiter_stream(), limit)
                finally:
                    await answer.aclose()
        kept = [(k, v) for k, v in raw_headers if k.lower() not in (b"content-encoding", b"content-length")]
        return httpx.Response(status, headers=kept, content=body, request=request)

    @staticmethod
    async def _read(
        headers: list[tuple[bytes, bytes]], chunks: AsyncIterator[bytes], limit: int, *, decoded: bool = False
    ) -> bytes:
        named = {k.lower(): v for k, v in headers}
        announced, encoding = named.get(b"content-length", b""), named.get(b"content-encoding", b"")
        if announced.isdigit() and int(announced) > limit and not encoding:
            raise TooLarge(f"answer of {announced.decode()} bytes (limit {limit})")
        body = AnswerBody("" if decoded else encoding.decode("latin-1"), limit)
        async for chunk in chunks:
            body.feed(chunk)
        return body.content()

    async def close(self) -> None:
        for transport in self._transports:
            await transport.aclose()
