"""httpcore's network backend on asyncio's transports (`connectors.network`), over real sockets: TLS verified
as the SSL context says, keep-alive, bodies larger than its buffer, a server that closes or resets, nobody
listening, httpcore's per-operation timeouts, and «did the server close this idle connection?» answered
without a system call."""

from __future__ import annotations

import asyncio
import gzip
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpcore
import httpx
import pytest

from connectors.answer_body import TooLarge, UnusableAnswer
from connectors.network import _HIGH_WATER, AsyncioBackend
from connectors.transport import Pools

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def serving(serve: Serve, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def answering(body: bytes, connections: list[int] | None = None) -> Serve:
    """A keep-alive HTTP/1.1 server answering every request with `body`."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            connections.append(1)
        while (head := await reader.readuntil(b"\r\n\r\n")) and head:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return guarded


def pools(base_url: str, verify: ssl.SSLContext | None = None) -> Pools:
    return Pools(
        base_url,
        concurrency=2,
        timeout_seconds=5,
        headers={},
        verify=verify or ssl.create_default_context(),
    )


async def fails_with(
    error: type[Exception], base_url: str, verify: ssl.SSLContext | None = None, match: str | None = None
) -> None:
    """One request to `base_url` ends in `error` (and its connections are closed all the same)."""
    connections = pools(base_url, verify)
    try:
        with pytest.raises(error, match=match):
            await connections.send("GET", "/", {}, None, {}, limit=10_000)
    finally:
        await connections.close()


def test_tls_is_verified_as_the_context_says_and_connections_are_kept_alive(
    localhost_certificate: tuple[Path, Path],
) -> None:
    cert, key = localhost_certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    connections: list[int] = []

    async def go() -> None:
        async with serving(answering(b'{"ok": true}', connections), server_tls) as port:
            trusted = pools(f"https://localhost:{port}/", ssl.create_default_context(cafile=str(cert)))
            try:
                for _ in range(3):
                    answer = await trusted.send("GET", "/me", {}, None, {}, limit=100)
                    assert answer.json() == {"ok": True}
            finally:
                await trusted.close()
            # the certificate names localhost, not the address: refused though its issuer is trusted
            issuer = ssl.create_default_context(cafile=str(cert))
            await fails_with(httpx.ConnectError, f"https://127.0.0.1:{port}/", issuer, "CERTIFICATE_VERIFY_FAILED")
            # the system's roots: a self-signed server is refused
            await fails_with(httpx.ConnectError, f"https://localhost:{port}/", match="CERTIFICATE_VERIFY_FAILED")

    asyncio.run(go())
    assert len(connections) == 1  # the three trusted requests on one connection (the refused one never got in)


def test_an_answer_larger_than_the_buffer_is_read_whole() -> None:
    body = bytes(range(256)) * (4 * _HIGH_WATER // 256)

    async def go() -> bytes:
        async with serving(answering(body)) as port:
            connections = pools(f"http://127.0.0.1:{port}/")
            try:
                return (await connections.send("GET", "/big", {}, None, {}, limit=len(body))).content
            finally:
                await connections.close()

    assert asyncio.run(go()) == body


def test_a_reader_slower_than_the_server_pauses_the_connection_and_misses_nothing() -> None:
    body = b"x" * (3 * _HIGH_WATER)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(body)
        await writer.drain()
        writer.close()

    async def go() -> tuple[bool, bytes, bytes]:
        async with serving(serve) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port)
            for _ in range(50):  # let the server's bytes pile up unread
                await asyncio.sleep(0.01)
            paused = stream._connection.reading_paused  # type: ignore[attr-defined]
            received = bytearray()
            async with asyncio.timeout(5):  # a connection never resumed would wait here forever
                while chunk := await stream.read(65536):
                    received += chunk
                end = await stream.read(65536)
            await stream.aclose()
            return paused, bytes(received), end

    paused, received, end = asyncio.run(go())
    assert paused and received == body and end == b""


def test_a_server_that_resets_mid_answer_is_a_transport_error_not_a_hang() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
        await writer.drain()
        writer.transport.abort()  # a reset, not a close

    async def go() -> None:
        async with serving(serve) as port:
            await fails_with(httpx.TransportError, f"http://127.0.0.1:{port}/")

    asyncio.run(go())


def test_nobody_listening_is_a_connect_error() -> None:
    async def go() -> None:
        server = await asyncio.start_server(answering(b""), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        await fails_with(httpx.ConnectError, f"http://127.0.0.1:{port}/")

    asyncio.run(go())


def test_httpcore_s_own_timeouts_are_honoured_when_set() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def go() -> None:
        async with serving(silent) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=1)
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.1)
            await stream.aclose()

    asyncio.run(go())


def test_an_idle_connection_the_server_closed_reads_as_readable_without_asking_the_socket() -> None:
    async def go() -> tuple[bool, bool]:
        done = asyncio.Event()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await done.wait()
            writer.close()

        async with serving(serve) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port)
            before = stream.get_extra_info("is_readable")
            done.set()
            for _ in range(50):
                await asyncio.sleep(0.01)
                if stream.get_extra_info("is_readable"):
                    break
            after = stream.get_extra_info("is_readable")
            await stream.aclose()
            return before, after

    assert asyncio.run(go()) == (False, True)


def test_answers_through_the_pool_are_decoded_once_and_an_unasked_encoding_is_the_request_s_error() -> None:
    text = b'{"name": "' + b"a" * 5000 + b'"}'

    heads: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            heads.append(head)
            encoding, body = (b"br", b"\x0b\x02") if b"/brotli" in head else (b"gzip", gzip.compress(text))
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n" % (encoding, len(body))
            )
            writer.write(body)
            await writer.drain()

    async def go() -> None:
        async with serving(serve) as port:
            connections = pools(f"http://127.0.0.1:{port}/")
            try:
                answer = await connections.send("GET", "/page", {"fields": "name"}, None, {}, limit=10_000)
                assert answer.content == text and answer.json()["name"] == "a" * 5000
                assert "content-encoding" not in answer.headers  # the body handed on is the decoded one
                line, *fields = heads[0].decode().split("\r\n")
                assert line == "GET /page?fields=name HTTP/1.1"
                assert f"Host: 127.0.0.1:{port}" in fields and "Accept-Encoding: gzip, deflate" in fields
                with pytest.raises(UnusableAnswer, match="not asked for"):
                    await connections.send("GET", "/brotli", {}, None, {}, limit=10_000)
                with pytest.raises(TooLarge):
                    await connections.send("GET", "/page", {}, None, {}, limit=len(text) - 1)
            finally:
                await connections.close()

    asyncio.run(go())
