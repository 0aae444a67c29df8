"""How a platform's requests reach it (`Pools`): straight to the platform through our own HTTP/1.1 pool
(`connectors.http11`, over asyncio's transports: `connectors.network`); through httpx's transport and
httpcore's pool when the environment names a proxy; through the transport a test or the sandbox gives.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpcore
import httpx
from httpx._transports.default import map_httpcore_exceptions  # httpcore's errors as httpx's, as before

from connectors.answer_body import AnswerBody
from connectors.http11 import Http11Pool, Outgoing

_POOL_SIZE = 4  # connections per pool
# What a URL's path and query may hold as they are (RFC 3986; `%` keeps an escape already made); anything
# else — a space, a control, a non-ASCII letter — is percent-encoded, as httpx does.
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
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


def _handed_on(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, request: httpx.Request | None = None
) -> httpx.Response:
    """The answer as `PlatformHttp` reads it: its body already decoded, so without the headers that described
    it on the wire."""
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-encoding", b"content-length")]
    return httpx.Response(status, headers=kept, content=body, request=request)


class Pools:
    """A platform's connections. httpx builds nothing here: its `AsyncClient` merged the base URL, parsed the
    URL twice more and ran cookie, auth and redirect machinery none of the platforms' APIs need (~0.26 ms of
    CPU a request, measured against a local server), and its request and answer models, with httpcore's pool
    under them, were most of what was left (`connectors.http11`). A request's bytes are made here: the
    headers httpx would send, the query encoded by `httpx.QueryParams`, the path and query percent-encoded as
    httpx does, the JSON body as httpx writes it. No cookie is kept or sent: the platforms' APIs authenticate
    every request with its token.

    Proxied requests go through httpx's transport: a few httpcore pools of `_POOL_SIZE` connections, the
    least busy first (httpcore re-checks every pooled connection each time a request starts or ends, so one
    pool as large as the platform's concurrency cost O(concurrency) CPU a request). A `transport` given (a
    test's, the sandbox's) serves every request.
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
        self._verify = verify
        self._concurrency = concurrency
        # Direct requests: one HTTP/1.1 pool per origin (connectors.http11), made when first needed.
        self._direct: dict[tuple[str, str], Http11Pool] | None = None
        proxy = environment_proxy(self.base_url) if transport is None else None
        if transport is not None:
            self._transports: list[httpx.AsyncBaseTransport] = [transport]
        elif proxy is None:
            self._direct = {}
            self._transports = []
        else:
            shards = max(1, -(-concurrency // _POOL_SIZE))
            size = min(_POOL_SIZE, concurrency)
            self._transports = []
            for _ in range(shards):
                pooled = httpx.AsyncHTTPTransport(
                    verify=verify,
                    limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                    proxy=proxy,
                )
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
        if self._direct is not None:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._send_direct(method, url, json_body, headers, limit)
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
        return _handed_on(status, raw_headers, body, request)

    async def _send_direct(
        self, method: str, url: str, json_body: Any, headers: Mapping[str, str], limit: int
    ) -> httpx.Response:
        """Through this origin's HTTP/1.1 pool: the request's bytes made here, as httpx would make them (its
        default headers, the JSON body compact and UTF-8, `Content-Length: 0` for a write with no body)."""
        parts = urllib.parse.urlsplit(url)
        assert self._direct is not None
        pool = self._direct.get((parts.scheme, parts.netloc))
        if pool is None:
            origin = httpx.URL(f"{parts.scheme}://{parts.netloc}")
            pool = Http11Pool(origin, max_connections=self._concurrency, ssl_context=self._verify)
            self._direct[(parts.scheme, parts.netloc)] = pool
        target = urllib.parse.quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            target += "?" + urllib.parse.quote(parts.query, safe=_QUERY_SAFE)
        wire = [(b"Host", pool.host_header.encode("ascii"))]
        wire += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in {**self.headers, **headers}.items()]
        body = b""
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
            wire += [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]
        elif method in ("POST", "PUT", "PATCH"):
            wire.append((b"Content-Length", b"0"))
        outgoing = Outgoing(method.encode("ascii"), url, target.encode("ascii"), wire, body)
        return _handed_on(*await pool.exchange(outgoing, limit))

    @staticmethod
    async def _read(
        headers: list[tuple[bytes, bytes]], chunks: AsyncIterator[bytes], limit: int, *, decoded: bool = False
    ) -> bytes:
        body = AnswerBody.announced(headers, limit, decoded=decoded)
        async for chunk in chunks:
            body.feed(chunk)
        return body.content()

    async def close(self) -> None:
        for transport in self._transports:
            await transport.aclose()
        for pool in (self._direct or {}).values():
            await pool.close()
