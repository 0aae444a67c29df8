"""What sits under each platform's httpx clients: no cookie jar, and a cheaper readiness check.

Before each request httpcore asks every idle connection of the pool whether its server closed it
(`get_extra_info("is_readable")`). On asyncio that question goes through anyio, which builds the stream's
whole attribute table (with a `getpeername` system call) every time: measured on the 1,000 × 1 bench layout,
22,000 such questions cost about 1.7 s of the run's CPU (profiled), some 0.25 ms per request. The network
stream below keeps its socket from the connection's start and answers the question with one `poll`. Every
other operation is the wrapped backend's own, so TLS, timeouts and proxies behave as before.
"""

from __future__ import annotations

import http.cookiejar
import select
import ssl
import typing
from collections.abc import Iterable

import httpcore
import httpx


class NoCookies(http.cookiejar.CookieJar):
    """The platforms' APIs authenticate every request with its token, never a cookie: a cookie a platform (or
    a hostile answer) sets is neither kept nor sent, and an answer that sets one costs no cookie parsing
    (about a sixth of httpx's CPU per request when every answer sets one, measured against a local server)."""

    def extract_cookies(self, response: typing.Any, request: typing.Any) -> None:
        return None

    def add_cookie_header(self, request: typing.Any) -> None:
        return None


def socket_readable(sock: typing.Any) -> bool:
    """Whether reading would not wait (data, or the server's close); a closed socket counts as readable, so
    the pool drops the connection (httpcore's own rule)."""
    fileno = sock.fileno() if sock is not None else -1
    if fileno < 0:
        return True
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self._socket is not None:
            return socket_readable(self._socket)
        return self._stream.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def with_cheap_readiness(client: httpx.AsyncClient) -> bool:
    """Put the cheaper check under the client's own connection pool (its default transport; a transport given
    to it — a test's, the sandbox's — and proxy transports are left as they are). Returns whether it could:
    httpx and httpcore keep these as private attributes, and a test says so when an upgrade moves them."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not isinstance(backend, httpcore.AsyncNetworkBackend):
        return False
    if not isinstance(backend, _Backend):
        pool._network_backend = _Backend(backend)
    return True
