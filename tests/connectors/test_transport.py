"""Under the platforms' httpx clients: the cheaper readiness check still notices a connection the server
closed, no cookie is kept or sent, and the check is really in place (an httpx upgrade that moves the private
attributes it relies on fails here, not silently)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from connectors.transport import NoCookies, with_cheap_readiness


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: ClassVar[set[tuple[str, int]]] = set()
    cookies_seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
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


def test_a_connection_the_server_closed_is_replaced_and_no_cookie_is_sent_back(server: str) -> None:
    async def go() -> list[int]:
        async with httpx.AsyncClient(base_url=server, cookies=NoCookies()) as client:
            assert with_cheap_readiness(client)
            statuses = [(await client.get("/then-close")).status_code]
            await asyncio.sleep(0.2)  # the server's close reaches the idle pooled connection
            statuses.append((await client.get("/again")).status_code)
            statuses.append((await client.get("/and-again")).status_code)  # kept alive: the same connection
            return statuses

    assert asyncio.run(go()) == [200, 200, 200]
    assert len(Handler.connections) == 2
    assert Handler.cookies_seen == [None, None, None]


def test_a_client_with_its_own_transport_is_left_alone() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    assert not with_cheap_readiness(client)
