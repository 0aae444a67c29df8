"""An answer's body decoded as it arrives (`connectors.answer_body`): gzip and both kinds of deflate, the
limit counted after decompression and enforced while inflating, and encodings nobody asked for refused."""

from __future__ import annotations

import gzip
import zlib

import pytest

from connectors.answer_body import AnswerBody, TooLarge, UnusableAnswer

TEXT = b'{"data": [' + b",".join(b'{"id": "%d"}' % i for i in range(2000)) + b"]}"


def fed(encoding: str, payload: bytes, limit: int = 10**6, chunk: int = 1000) -> bytes:
    body = AnswerBody(encoding, limit)
    for start in range(0, len(payload), chunk):
        body.feed(payload[start : start + chunk])
    return body.content()


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "payload"),
    [
        ("", TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("GZIP", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),  # what some servers send as «deflate»
    ],
)
def test_bodies_are_decoded_as_their_encoding_says(encoding: str, payload: bytes) -> None:
    assert fed(encoding, payload) == TEXT


def test_the_limit_counts_decoded_bytes_and_stops_a_bomb_while_it_inflates() -> None:
    bomb = gzip.compress(b"\0" * (50 * 2**20))  # 50 MiB of zeros in ~50 KiB
    body = AnswerBody("gzip", 2**20)
    with pytest.raises(TooLarge):
        body.feed(bomb[:65536])  # the first chunk alone inflates past the limit: refused there
    assert fed("gzip", gzip.compress(TEXT), limit=len(TEXT)) == TEXT  # exactly at the limit is fine
    with pytest.raises(TooLarge):
        fed("gzip", gzip.compress(TEXT), limit=len(TEXT) - 1)
    with pytest.raises(TooLarge):
        fed("", TEXT, limit=len(TEXT) - 1)


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress"])
def test_an_encoding_not_asked_for_is_refused(encoding: str) -> None:
    with pytest.raises(UnusableAnswer, match="not asked for"):
        AnswerBody(encoding, 100)


def test_a_body_that_is_not_what_its_encoding_says_is_refused() -> None:
    with pytest.raises(UnusableAnswer, match="not readable as gzip"):
        fed("gzip", TEXT)
    with pytest.raises(UnusableAnswer, match="not readable as deflate"):
        fed("deflate", b"\xff" * 100)
