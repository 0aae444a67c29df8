"""The platforms' own HTTP/1.1 pool (`connectors.http11`, through `Pools`), over real sockets: a connection is
kept only after an exchange that ended cleanly; the request's bytes are what httpx would have sent, a path
cannot inject a header; the server's framing (chunks, 1xx, `Connection: close`) and its errors are h11's and
reach callers as httpx's errors."""

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
