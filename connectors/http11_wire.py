"""HTTP/1.1 as bytes on a connection (RFC 9112), for the platforms' own pool (`connectors.http11`): a request
written, an answer's head parsed and its body framed.

Why not h11 (which did this until issue 21's eighth pass): its state machine and per-header validation were
about a quarter of a request's CPU on the bench (57 µs an exchange, measured alone), for a client that sends
only GETs and small JSON bodies, one request at a time per connection. What is parsed here is parsed strictly,
as h11 did: a malformed status line or header, an obsolete line folding, a head over `MAX_HEAD`, conflicting
lengths, a transfer coding other than `chunked`, a chunk size that is not hex — each is `RemoteProtocolError`,
and the connection is not reused. A request that would carry a CR, LF or NUL in a header (a token pasted with
its newline) is refused before a byte is written: no header can be injected.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Protocol

import httpcore

MAX_HEAD = 100 * 1024  # an answer's status line and headers, at most (httpcore's limit for h11)
MAX_CHUNK_LINE = 4 * 1024  # a chunk-size line (its extensions included) or a trailer line
READ_SIZE = 64 * 1024

_STATUS = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?")
_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(rb"[^\x00-\x08\x0a-\x1f\x7f]*")  # field content: visible characters, SP and HTAB
_TARGET = re.compile(rb"[\x21-\x7e]+")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")


class Stream(Protocol):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...


def request_bytes(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """The request as written: checked first, so a header value with a line break cannot add a header."""
    if not _NAME.fullmatch(method) or not _TARGET.fullmatch(target):
        raise httpcore.LocalProtocolError(f"not a request line: {method!r} {target!r}")
    lines = [b"%s %s HTTP/1.1" % (method, target)]
    for name, value in headers:
        if not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            raise httpcore.LocalProtocolError(f"header {name!r} has a character a header may not carry")
        lines.append(b"%s: %s" % (name, value))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class Head:
    """An answer's status line and headers, and how its body is framed."""

    __slots__ = ("chunked", "headers", "keep_alive", "length", "status")

    def __init__(self, status: int, minor: int, headers: list[tuple[bytes, bytes]], *, bodyless: bool = False) -> None:
        self.status = status
        self.headers = headers
        named: dict[bytes, list[bytes]] = {}
        for name, value in headers:
            named.setdefault(name.lower(), []).append(value)
        tokens = {t.strip().lower() for v in named.get(b"connection", []) for t in v.split(b",")}
        codings = [c.strip().lower() for v in named.get(b"transfer-encoding", []) for c in v.split(b",")]
        lengths = {part.strip() for v in named.get(b"content-length", []) for part in v.split(b",")}
        if codings and codings != [b"chunked"]:
            raise httpcore.RemoteProtocolError(f"transfer coding {b', '.join(codings)!r}: only chunked is read")
        if len(lengths) > 1 or any(not n.isdigit() or len(n) > 18 for n in lengths):
            raise httpcore.RemoteProtocolError(f"Content-Length {sorted(lengths)!r} is not one length")
        no_body = bodyless or status in (204, 304)  # `bodyless`: the answer to a HEAD
        self.chunked = bool(codings) and not no_body  # such an answer ends at its head, whatever it announces
        self.length: int | None = 0 if no_body else None if self.chunked or not lengths else int(lengths.pop())
        # Kept after this answer: HTTP/1.1 without «close», framed by length or chunks, and not both (an answer
        # with both ought to be handled as an error, RFC 9112 §6.1: it is read, chunks winning, then closed).
        self.keep_alive = (
            minor == 1
            and b"close" not in tokens
            and (self.chunked or self.length is not None)
            and not (self.chunked and lengths)
        )


class Reader:
    """What arrives on one connection, read as HTTP/1.1 answers."""

    def __init__(self, stream: Stream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        """Bytes already here that no answer asked for (a connection with them is not reused)."""
        return bool(self._buffer)

    async def _more(self) -> bool:
        data = await self._stream.read(READ_SIZE)
        self._buffer += data
        return bool(data)

    async def _line(self, limit: int) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > limit:
                raise httpcore.RemoteProtocolError(f"a line over {limit} bytes")
            if not await self._more():
                raise httpcore.RemoteProtocolError("the server closed the connection mid-answer")
        if end > limit:  # a long line that arrived whole in one read
            raise httpcore.RemoteProtocolError(f"a line over {limit} bytes")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        return line[:-1] if line.endswith(b"\r") else line

    async def head(self, *, bodyless: bool = False) -> Head:
        """The next final answer's head (informational 1xx answers before it are read and passed over)."""
        while True:
            if not self._buffer and not await self._more():
                raise httpcore.RemoteProtocolError("the server closed the connection without an answer")
            read = 0
            status_line = await self._line(MAX_HEAD)
            match = _STATUS.fullmatch(status_line)
            if match is None:
                raise httpcore.RemoteProtocolError(f"not a status line: {status_line[:80]!r}")
            headers: list[tuple[bytes, bytes]] = []
            while line := await self._line(MAX_HEAD - read):
                read += len(line) + 2
                name, colon, value = line.partition(b":")
                value = value.strip(b" \t")
                if not colon or not _NAME.fullmatch(name) or not _VALUE.fullmatch(value) or read > MAX_HEAD:
                    raise httpcore.RemoteProtocolError(f"not a header line: {line[:80]!r}")
                headers.append((name, value))
            status = int(match.group(2))
            if status == 101:
                raise httpcore.RemoteProtocolError("the server switched protocols, which was not asked for")
            if status >= 200:
                return Head(status, int(match.group(1)), headers, bodyless=bodyless)

    async def body(self, head: Head) -> AsyncIterator[bytes]:
        """The answer's body as it arrives (to the end of the connection when nothing frames it)."""
        if head.chunked:
            while size := await self._chunk_size():
                async for part in self._exactly(size):
                    yield part
                if await self._line(MAX_CHUNK_LINE):
                    raise httpcore.RemoteProtocolError("a chunk longer than its size")
            trailer = await self._line(MAX_CHUNK_LINE)
            while trailer:  # trailer fields, up to the empty line that ends them: read and dropped
                trailer = await self._line(MAX_CHUNK_LINE)
        elif head.length is not None:
            async for part in self._exactly(head.length):
                yield part
        else:
            while self._buffer or await self._more():
                part, self._buffer = bytes(self._buffer), bytearray()
                yield part

    async def _chunk_size(self) -> int:
        line = await self._line(MAX_CHUNK_LINE)
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise httpcore.RemoteProtocolError(f"not a chunk size: {line[:80]!r}")
        return int(match.group(1), 16)

    async def _exactly(self, size: int) -> AsyncIterator[bytes]:
        left = size
        while left:
            if not self._buffer and not await self._more():
                raise httpcore.RemoteProtocolError("the server closed the connection before the body's end")
            part = bytes(self._buffer[:left])
            del self._buffer[:left]
            left -= len(part)
            yield part
