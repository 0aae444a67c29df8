"""The platforms' own HTTP/1.1 pool (`connectors.http11`, through `Pools`), over real sockets: a connection is
kept only after an exchange that ended cleanly and an answer whose framing allows it; the request's bytes are
what httpx would have sent, and neither a path nor a header value can inject a header; answers are framed
strictly (`connectors.http11_wire`: chunks, lengths, 1xx, HTTP/1.0) and their errors reach callers as httpx's."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from connectors.answer_body import TooLarge
from tests.connectors.test_network import pools, serving


class Recorder:
    """A server that answers each request with `answers[path]` (raw bytes after the head) and records every
    head it read and every connection it accepted."""

    def __init__(self, answers: dict[bytes, bytes]) -> None:
        self.answers = answers
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []
        self.connections = 0

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                self.heads.append(head)
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.bodies.append(await reader.readexactly(length) if length else b"")
                path = head.split(b" ")[1].split(b"?")[0]
                writer.write(self.answers.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
                await writer.drain()
                if path == b"/hang-up":
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
ANSWERS = {
    b"/ok": OK,
    b"/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    b"/chunked": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'3\r\n{"a\r\n5\r\n": 1}\r\n0\r\n\r\n',
    b"/large": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n" + b"x" * 50,
    b"/garbage": b"HTTP/1.1 two hundred\r\n\r\n",
    b"/huge-head": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\nContent-Length: 0\r\n\r\n",
    b"/hang-up": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",  # then closes: the body stops short
}


def run(recorder: Recorder, steps: list[tuple[str, str, object]]) -> list[object]:
    """Send `steps` (method, path, JSON body) one after another through one `Pools`; each result is the answer
    or the exception it raised."""

    async def go() -> list[object]:
        async with serving(recorder) as port:
            connections = pools(f"http://127.0.0.1:{port}/")
            results: list[object] = []
            try:
                for method, path, body in steps:
                    try:
                        results.append(await connections.send(method, path, {}, body, {"X-Id": "1"}, limit=40))
                    except Exception as exc:  # the test looks at which
                        results.append(exc)
            finally:
                await connections.close()
            return results

    return asyncio.run(go())


def test_a_connection_is_kept_only_after_an_exchange_that_ended_cleanly():
    server = Recorder(ANSWERS)
    results = run(
        server,
        [("GET", path, None) for path in ("/ok", "/ok", "/close", "/ok", "/large", "/ok", "/hang-up", "/ok")],
    )
    assert [type(r).__name__ for r in results] == ["Response"] * 4 + ["TooLarge", "Response"] * 1 + [
        "RemoteProtocolError",
        "Response",
    ]
    assert isinstance(results[4], TooLarge) and isinstance(results[6], httpx.RemoteProtocolError)
    # one connection for the first three; a new one after `Connection: close`, after the refused answer and
    # after the body that stopped short
    assert server.connections == 4


def test_chunked_answers_and_informational_ones_are_read_as_h11_frames_them():
    (answer,) = run(Recorder(ANSWERS), [("GET", "/chunked", None)])
    assert isinstance(answer, httpx.Response) and answer.json() == {"a": 1}


@pytest.mark.parametrize("path", ["/garbage", "/huge-head"])
def test_a_malformed_answer_is_a_protocol_error(path):
    (failure,) = run(Recorder(ANSWERS), [("GET", path, None)])
    assert isinstance(failure, httpx.RemoteProtocolError)


def test_the_request_is_what_httpx_would_send_and_a_path_cannot_inject_a_header():
    server = Recorder(ANSWERS)
    run(
        server,
        [
            ("POST", "/ok", {"texto": "Señal"}),
            ("POST", "/ok", None),
            ("GET", "/ok x\r\nX-Injected: 1", None),
            ("GET", "/ñandú", None),
        ],
    )
    first = server.heads[0].decode().split("\r\n")
    assert first[0] == "POST /ok HTTP/1.1" and first[1].startswith("Host: 127.0.0.1:")
    assert {"Accept: */*", "Accept-Encoding: gzip, deflate", "X-Id: 1", "Content-Type: application/json"} <= set(first)
    assert json.loads(server.bodies[0]) == {"texto": "Señal"} and server.bodies[0] == '{"texto":"Señal"}'.encode()
    assert "Content-Length: 0" in server.heads[1].decode().split("\r\n")
    injected = server.heads[2].decode()
    # urllib drops the CR and LF (as WHATWG URL parsing does), the space is encoded: one request line, no header
    assert injected.startswith("GET /ok%20xX-Injected:%201 HTTP/1.1\r\n") and "\r\nX-Injected" not in injected
    assert server.heads[3].startswith(b"GET /%C3%B1and%C3%BA HTTP/1.1")


def test_a_request_cancelled_mid_answer_closes_its_connection():
    server = Recorder({**ANSWERS, b"/slow": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"})

    async def go() -> list[int]:
        async with serving(server) as port:
            connections = pools(f"http://127.0.0.1:{port}/")
            try:
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.3):
                        await connections.send("GET", "/slow", {}, None, {}, limit=100)
                answer = await connections.send("GET", "/ok", {}, None, {}, limit=100)
                return [answer.status_code, server.connections]
            finally:
                await connections.close()

    assert asyncio.run(go()) == [200, 2]  # the half-read connection was not handed to the next request


FRAMED = {
    # chunks win over a length, then the connection is closed (RFC 9112 §6.1)
    b"/both": b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"/ext": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;name=v\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n",
    b"/lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}",  # bare LF line ends, as h11 read them
    b"/no-content": b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
    b"/gzip-coding": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"/two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"/folded": b"HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 2\r\n\r\n{}",
    b"/bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"/switch": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
    # a 204 ends at its head, even one announcing chunks
    b"/no-content-chunked": b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
    # a chunk-size line over its bound, arriving whole in one read
    b"/long-chunk-line": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;"
    + b"x" * 5_000
    + b"\r\n{}\r\n0\r\n\r\n",
}


def test_answers_are_framed_strictly_and_kept_only_when_their_framing_allows():
    server = Recorder({**ANSWERS, **FRAMED})
    paths = ["/both", "/ok", "/ext", "/lf", "/no-content", "/no-content-chunked", "/ok"]
    results = run(server, [("GET", path, None) for path in paths])
    assert [r.status_code for r in results] == [200, 200, 200, 200, 204, 204, 200]  # type: ignore[union-attr]
    assert [r.content for r in results[:4]] == [b"{}"] * 4  # type: ignore[union-attr]
    assert server.connections == 2  # a new connection after the answer with both framings, none after the rest


@pytest.mark.parametrize(
    "path", ["/gzip-coding", "/two-lengths", "/folded", "/bad-chunk", "/switch", "/long-chunk-line"]
)
def test_an_answer_framed_in_a_way_not_read_is_a_protocol_error(path):
    (failure,) = run(Recorder(FRAMED), [("GET", path, None)])
    assert isinstance(failure, httpx.RemoteProtocolError), failure


def test_an_http_1_0_answer_is_read_to_the_connection_s_end_and_not_kept():
    # the server closes after /hang-up: there, the body's end
    server = Recorder({**ANSWERS, b"/hang-up": b"HTTP/1.0 200 OK\r\n\r\n{}"})
    results = run(server, [("GET", "/hang-up", None), ("GET", "/ok", None)])
    assert [r.content for r in results] == [b"{}", b"{}"]  # type: ignore[union-attr]
    assert server.connections == 2


def test_a_header_value_with_a_line_break_is_refused_before_anything_is_written():
    server = Recorder(ANSWERS)

    async def go() -> Exception:
        async with serving(server) as port:
            connections = pools(f"http://127.0.0.1:{port}/")
            try:
                with pytest.raises(httpx.LocalProtocolError) as refused:
                    await connections.send(
                        "GET", "/ok", {}, None, {"Authorization": "Bearer abc\r\nX-Evil: 1"}, limit=99
                    )
                return refused.value
            finally:
                await connections.close()

    asyncio.run(go())
    assert server.heads == []
