"""httpcore's network backend on asyncio's own transports, for the platforms' connection pools.

httpcore reaches the network through a pluggable backend; on asyncio its default goes through anyio, whose
streams cost more CPU than the rest of a request's path: every read re-registers the socket with the selector
(`resume_reading`/`pause_reading`), every read and write opens a cancel scope, every connection runs its
happy-eyeballs race in a task group, and the pool's «did the server close this idle connection?» question
(asked of every idle connection before each request) builds the stream's attribute table and calls
`getpeername`. Profiled on the 100 × 10 bench layout these were about a third of the transport's CPU.

Here a connection is an `asyncio.Protocol` that keeps what arrived in a buffer, so a read is a slice of it
(or one wait for the next `data_received`), a write is the transport's own (waiting only when it asks us to
pause), and a closed connection is known from `eof_received`/`connection_lost` without a system call. TLS is
asyncio's `start_tls` on the same connection (certificate and hostname checks are the SSL context's, as
before); connecting is `create_connection` with its own happy eyeballs. The errors are httpcore's, so httpx
maps them as it always has.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore

_HIGH_WATER = 256 * 1024  # bytes buffered before the connection stops reading (a body larger than the reader)
_HAPPY_EYEBALLS_DELAY = 0.25  # RFC 8305's recommended connection attempt delay (anyio's, as before)


@contextlib.contextmanager
def _mapped(errors: dict[type[BaseException], type[Exception]]) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for raised, mapped in errors.items():
            if isinstance(exc, raised):
                raise mapped(str(exc) or type(exc).__name__) from exc
        raise


def _deadline(timeout: float | None) -> contextlib.AbstractAsyncContextManager[Any]:
    """httpcore's per-operation timeout, when one is set (the platforms' pools leave them unset: each request
    runs inside one total deadline)."""
    return asyncio.timeout(timeout) if timeout is not None else contextlib.nullcontext()


class _Connection(asyncio.Protocol):
    """What the event loop tells us about one connection: the bytes not yet read, whether the server ended it,
    and a future for whoever waits for more (or for room to write)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False  # the server closed its side, or the connection is gone
        self.error: BaseException | None = None
        self.reading_paused = False
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None and not self.reading_paused:
            self.transport.pause_reading()
            self.reading_paused = True
        self._wake_reader()

    def eof_received(self) -> bool | None:
        self.ended = True
        self._wake_reader()
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._wake_writer()

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)

    def _wake_writer(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    async def readable(self) -> None:
        self._readable = asyncio.get_running_loop().create_future()
        try:
            await self._readable
        finally:
            self._readable = None

    async def writable(self) -> None:
        if self._writable is not None:
            await self._writable

    def take(self, max_bytes: int) -> bytes:
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self.reading_paused and len(self.buffer) <= _HIGH_WATER // 4 and self.transport is not None:
            self.transport.resume_reading()
            self.reading_paused = False
        return data


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if not connection.buffer and not connection.ended:
            with _mapped({TimeoutError: httpcore.ReadTimeout}):
                async with _deadline(timeout):
                    await connection.readable()
        if connection.buffer:
            return connection.take(max_bytes)
        if connection.error is not None:
            raise httpcore.ReadError(str(connection.error) or type(connection.error).__name__)
        return b""  # the server closed the connection: httpcore's (and h11's) end of stream

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        with _mapped({TimeoutError: httpcore.WriteTimeout}):
            async with _deadline(timeout):
                await self._connection.writable()
        if self._connection.error is not None:
            raise httpcore.WriteError(str(self._connection.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            with _mapped({TimeoutError: httpcore.ConnectTimeout, OSError: httpcore.ConnectError}):
                async with _deadline(timeout):
                    secured = await loop.start_tls(
                        self._transport, self._connection, ssl_context, server_hostname=server_hostname
                    )
        except BaseException:
            self._transport.abort()
            raise
        if secured is None:  # the transport closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(secured, asyncio.Transport)
        self._connection.transport = secured
        return AsyncioStream(secured, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # the pool's «did the server close this idle connection?»
            return bool(self._connection.buffer) or self._connection.ended
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        with _mapped({TimeoutError: httpcore.ConnectTimeout, OSError: httpcore.ConnectError}):
            async with _deadline(timeout):
                transport, connection = await loop.create_connection(
                    _Connection,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
                )
        return self._opened(transport, connection, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        with _mapped({TimeoutError: httpcore.ConnectTimeout, OSError: httpcore.ConnectError}):
            async with _deadline(timeout):
                transport, connection = await loop.create_unix_connection(_Connection, path)
        return self._opened(transport, connection, socket_options)

    @staticmethod
    def _opened(
        transport: asyncio.BaseTransport, connection: _Connection, options: Iterable[httpcore.SOCKET_OPTION] | None
    ) -> AsyncioStream:
        assert isinstance(transport, asyncio.Transport)
        sock: socket.socket | None = transport.get_extra_info("socket")
        for option in options or ():
            if sock is not None:
                sock.setsockopt(*option)
        return AsyncioStream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
