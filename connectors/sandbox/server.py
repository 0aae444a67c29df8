"""The sandbox as a real HTTP server on loopback, for end-to-end, fault-injection and scale runs."""

from __future__ import annotations

import signal
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Event

import httpx

from connectors.sandbox.app import TRUNCATE_HEADER, Sandbox


def make_server(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A threading server answering every request through `Sandbox.handle`. Port 0 picks a free port."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The status line and headers, then the body, go out in two writes: with Nagle's algorithm the body
        # waited for the client's delayed ACK of the headers, some 40 ms on every answer (measured: 44 ms for
        # an answer with no latency added). Real servers send without that wait (TCP_NODELAY); so does this one.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            url = f"http://{self.headers.get('host') or f'{host}:{port}'}{self.path}"
            request = httpx.Request(self.command, url, headers=dict(self.headers.items()), content=body)
            try:
                response = sandbox.handle_sync(request)
            except httpx.TimeoutException:
                # An injected timeout: hold the connection longer than any client waits, then drop it.
                Event().wait(sandbox.server_timeout_seconds)
                self.close_connection = True
                return
            except httpx.TransportError:  # an injected connection reset: close without a word
                self.close_connection = True
                return
            content = response.content
            truncate = TRUNCATE_HEADER in response.headers
            try:
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", TRUNCATE_HEADER):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content[: len(content) // 2] if truncate else content)
                if truncate:
                    self.wfile.flush()
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (a cancelled run): nothing to answer

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:  # quiet: the sandbox keeps its own log
            return

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # The listen backlog, read when the socket starts listening (in the constructor): socketserver's
        # default of 5 dropped the SYNs of a client opening its connection pools at once, and each dropped
        # one waited for TCP's retransmissions (1, 3, 7, 15 s) — the bench's intermittent stalls.
        request_queue_size = 1024

        def handle_error(self, request: object, client_address: object) -> None:
            """A client that died mid-request (a killed audit) is not the sandbox's error: no traceback."""
            import sys

            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)  # type: ignore[arg-type]

    return Server((host, port), Handler)


def serve(sandbox: Sandbox, host: str, port: int, announce: Callable[[str], None] = print) -> None:
    server = make_server(sandbox, host, port)
    announce(f"http://{host}:{server.server_address[1]}")

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
