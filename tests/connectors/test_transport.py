"""A platform's connections (`connectors.transport.Pools`): requests as httpx's client would have sent them,
the environment's proxy honoured, no cookie kept or sent, and the cheaper readiness check in place (an httpx
upgrade that moves the private attributes it relies on fails here, not silently) and still noticing a
connection the server closed."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from connectors.answer_body import TooLarge
from connectors.transport import Pools, environment_proxy


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: ClassVar[set[tuple[str, int]]] = set()
    cookies_seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        if self.path == "/silent":  # accepts the request and never answers
            threading.Event().wait(3)
            return
        Handler.connections.add(self.client_address)
        Handler.cookies_seen.append(self.headers.get("Cookie"))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "session=abc")
        self.end_headers()
        self.wfile.write(body)
        # An idle connection the server drops without a word (an idle timeout): the client must notice.
        self.close_connection = self.path == "/then-close"

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.connections, Handler.cookies_seen = set(), []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def pools(base_url: str, transport: httpx.AsyncBaseTransport | None = None, timeout_seconds: float = 5) -> Pools:
    return Pools(
        base_url,
        concurrency=8,
        timeout_seconds=timeout_seconds,
        headers={"User-Agent": "ua"},
        verify=ssl.create_default_context(),
        transport=transport,
    )


def test_a_connection_the_server_closed_is_replaced_and_no_cookie_is_sent_back(server: str) -> None:
    async def go() -> list[int]:
        connections = pools(server)
        try:
            statuses = [(await connections.send("GET", "/then-close", {}, None, {}, limit=100)).status_code]
            await asyncio.sleep(0.2)  # the server's close reaches the idle pooled connection
            for path in ("/again", "and-again"):  # kept alive: the same connection
                statuses.append((await connections.send("GET", path, {}, None, {}, limit=100)).status_code)
            return statuses
        finally:
            await connections.close()

    assert asyncio.run(go()) == [200, 200, 200]
    assert len(Handler.connections) == 2
    assert Handler.cookies_seen == [None, None, None]


def test_direct_requests_take_the_http11_pool_and_a_proxy_keeps_httpx_s_transport(monkeypatch) -> None:
    assert pools("https://graph.example/v25.0")._transports == []  # direct: connectors.http11, one pool an origin
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    proxied = pools("https://graph.example/v25.0")
    assert proxied._direct is None and proxied._transports
    assert all(type(t) is httpx.AsyncHTTPTransport for t in proxied._transports)


def test_requests_are_what_the_client_would_have_sent() -> None:
    """Base URL joined as httpx joins it, parameters added to the query, the default headers, the timeout, and an
    answer read whole (decompressed) and refused past its limit."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"ok": True}, headers={"Content-Encoding": "gzip"}, content=gzip.compress(b"x" * 500)
        )

    connections = pools("https://graph.example/v25.0/", httpx.MockTransport(answer))
    response = asyncio.run(
        connections.send("GET", "/123/assigned_users", {"limit": 5}, None, {"Authorization": "Bearer t"}, limit=1000)
    )
    request = seen[0]
    assert str(request.url) == "https://graph.example/v25.0/123/assigned_users?limit=5"
    assert request.headers["user-agent"] == "ua" and request.headers["authorization"] == "Bearer t"
    assert "gzip" in request.headers["accept-encoding"]
    # httpcore's per-operation timeouts are unset (each armed a timer per read and write): the total deadline holds
    assert request.extensions["timeout"] == {"connect": None, "read": None, "write": None, "pool": None}
    assert response.content == b"x" * 500 and response.request is request
    with pytest.raises(TooLarge):
        asyncio.run(connections.send("GET", "next", {}, None, {}, limit=100))
    assert pools("https://a.example/").url("https://b.example/page?after=1") == "https://b.example/page?after=1"
    # parameters are added to a query the path already has (a request a library built), never replace it
    asyncio.run(connections.send("GET", "channels?part=id&forHandle=una", {"key": "K"}, None, {}, limit=1000))
    assert str(seen[-1].url) == "https://graph.example/v25.0/channels?part=id&forHandle=una&key=K"


def test_the_environment_s_proxy_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.gov.py:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert environment_proxy("https://graph.facebook.com/v25.0/") == "http://proxy.gov.py:3128"
    assert environment_proxy("http://127.0.0.1:8080/") is None
    proxied = pools("https://graph.facebook.com/v25.0/")
    assert all(type(t._pool).__name__ == "AsyncHTTPProxy" for t in proxied._transports)  # type: ignore[attr-defined]


def test_a_server_that_never_answers_is_left_at_the_request_s_total_deadline(server: str) -> None:
    """Over a real socket, with httpcore's own timeouts unset: the one total deadline ends the request."""

    async def go() -> float:
        connections = pools(server, timeout_seconds=0.5)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            with pytest.raises(TimeoutError):
                await connections.send("GET", "/silent", {}, None, {}, limit=100)
            return loop.time() - started
        finally:
            await connections.close()

    assert 0.4 < asyncio.run(go()) < 2.0
