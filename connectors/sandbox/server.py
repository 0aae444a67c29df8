"""The sandbox as a real HTTP/1.1 server on loopback, for end-to-end, fault-injection and scale runs.

One event loop answers every connection: latency is a timer, not a thread asleep. It was a
`ThreadingHTTPServer` (a thread per connection, the standard library's header parser, an answer written in
pieces): about 0.4 ms of CPU a request before the scenario was even consulted, and the bench's larger layouts
measured that, on the machine's other core, instead of the auditor.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus

import httpx

from connectors.sandbox.app import TRUNCATE_HEADER, Sandbox

MAX_HEAD = 64 * 1024  # a request line and headers beyond this are refused (the connection is closed)
# The listen backlog: a backlog of 5 (socketserver's default) dropped the SYNs of a client opening its
# connection pools at once, and each dropped one waited for TCP's retransmissions (1, 3, 7, 15 s).
BACKLOG = 1024
_NOT_FORWARDED = frozenset(["content-length", "transfer-encoding", "connection", TRUNCATE_HEADER])


class SandboxServer:
    """`server_address`, `serve_forever`, `shutdown` and `server_close`, as `socketserver` servers have: the
    socket listens from construction (connections wait in the kernel's queue until `serve_forever`)."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0):
        self.sandbox = sandbox
        self.socket = socket.create_server((host, port), backlog=BACKLOG)
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        self._host = f"{host}:{self.server_address[1]}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._stopped = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()

    def serve_forever(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop `serve_forever` (from another thread) and wait until it has returned."""
        loop, stop = self._loop, self._stop
        if loop is None or stop is None or loop.is_closed():
            return

        def stop_serving() -> None:
            if not stop.done():
                stop.set_result(None)

        loop.call_soon_threadsafe(stop_serving)
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()

    async def _serve(self) -> None:
        self._stop = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(self._connection, sock=self.socket, limit=MAX_HEAD, backlog=BACKLOG)
        try:
            await self._stop
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        # asyncio sets TCP_NODELAY only on sockets whose protocol number says TCP, and an accepted socket's is 0.
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            keep = True
            while keep:
                keep = await self._exchange(reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, asyncio.CancelledError):
            # The client went away, or sent more head than any request of the auditor's has; or the server stops
            # (`shutdown`): the connection ends here, not as an error of the task.
            return
        except Exception:  # a fault of the sandbox itself: shown, and that connection closed
            traceback.print_exc(file=sys.stderr)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One request and its answer: whether the connection stays open for the next."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as ended:
            if ended.partial:
                raise
            return False  # closed between requests: the usual end of a kept-alive connection
        request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
        try:
            method, target, version = request_line.split(" ")
            headers = [_header(line) for line in lines]
        except ValueError:
            writer.write(_answer_bytes(400, [], b""))
            return False
        fields = {name.lower(): value for name, value in headers}
        length = int(fields.get("content-length") or 0)
        body = await reader.readexactly(length) if length else b""
        url = f"http://{fields.get('host') or self._host}{target}"
        request = httpx.Request(method, url, headers=headers, content=body)
        try:
            response = await self.sandbox.handle_served(request)
        except httpx.TimeoutException:
            # An injected timeout: hold the connection longer than any client waits, then drop it.
            await asyncio.sleep(self.sandbox.server_timeout_seconds)
            return False
        except httpx.TransportError:  # an injected connection reset: close without a word
            return False
        if writer.is_closing():
            return False  # the client went away while its answer was being made (a cancelled run)
        content = response.content
        truncate = TRUNCATE_HEADER in response.headers
        close = truncate or fields.get("connection", "").lower() == "close" or version != "HTTP/1.1"
        forwarded = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _NOT_FORWARDED]
        if close:
            forwarded.append(("connection", "close"))
        writer.write(
            _answer_bytes(response.status_code, forwarded, content, content[: len(content) // 2] if truncate else None)
        )
        await writer.drain()
        return not close


def _header(line: str) -> tuple[str, str]:
    name, value = line.split(":", 1)
    if not name or name != name.strip():
        raise ValueError(line)
    return name, value.strip()


_date: list[object] = [None, ""]


def _http_date() -> str:
    """The `Date` header, made once a second."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, formatdate(now, usegmt=True)]
    return str(_date[1])


def _answer_bytes(status: int, headers: list[tuple[str, str]], content: bytes, sent: bytes | None = None) -> bytes:
    """The status line, headers (with the whole body's length) and body in one write: no wait for the client's
    ACK of the headers under Nagle's algorithm (asyncio's connections also set TCP_NODELAY). `sent`: what of
    the body actually goes (an injected cut), when not all of it."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {status} {reason}", "server: sandbox", f"date: {_http_date()}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"content-length: {len(content)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (content if sent is None else sent)


def make_server(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """A server answering every request through the sandbox. Port 0 picks a free port."""
    return SandboxServer(sandbox, host, port)


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
