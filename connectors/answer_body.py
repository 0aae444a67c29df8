"""An answer's body as it arrives: decompressed as the request asked (`Accept-Encoding: gzip, deflate`) and
bounded after decompression, so a small gzip of a huge body is refused while it inflates, not after.

zlib is given at most what is left of the limit (plus one byte) for each chunk: a 64 KiB chunk of a
decompression bomb expands to one byte past the limit, never to its full ~64 MiB.
"""

from __future__ import annotations

import zlib


class UnusableAnswer(ValueError):
    """An answer the transport does not hand on (the request's error, never a body)."""


class TooLarge(UnusableAnswer):
    """An answer over the configured size (counted after decompression)."""


_GZIP = frozenset({"gzip", "x-gzip"})


class AnswerBody:
    @classmethod
    def announced(cls, headers: list[tuple[bytes, bytes]], limit: int, *, decoded: bool = False) -> AnswerBody:
        """The body an answer with these headers announces: refused at once when its length is over the limit
        (unencoded); `decoded`: what arrives is already decompressed (a given transport's)."""
        named = {k.lower(): v for k, v in headers}
        length, encoding = named.get(b"content-length", b""), named.get(b"content-encoding", b"")
        if length.isdigit() and int(length) > limit and not encoding:
            raise TooLarge(f"answer of {length.decode()} bytes (limit {limit})")
        return cls("" if decoded else encoding.decode("latin-1"), limit)

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in _GZIP | {"deflate"}):
            raise UnusableAnswer(f"answer encoded as {content_encoding!r}, which was not asked for")
        self._coding = codings[0] if codings else None
        self._inflater: zlib._Decompress | None = None
        if self._coding is not None:
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._coding in _GZIP else zlib.MAX_WBITS)
        self._started = False
        self._limit = limit
        self._size = 0
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        if self._inflater is None:
            self._keep(chunk)
            return
        try:
            data = self._inflater.decompress(chunk, self._limit - self._size + 1)
        except zlib.error:
            if self._coding != "deflate" or self._started:
                raise UnusableAnswer(f"answer not readable as {self._coding}") from None
            # «deflate» is meant to be zlib-wrapped, but some servers send the raw stream (as httpx, accept both)
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                data = self._inflater.decompress(chunk, self._limit - self._size + 1)
            except zlib.error:
                raise UnusableAnswer("answer not readable as deflate") from None
        self._started = True
        self._keep(data)

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise TooLarge(f"answer over {self._limit} bytes")
        if data:
            self._parts.append(data)

    def content(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush())
        return b"".join(self._parts)
