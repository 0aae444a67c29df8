"""Small real peers on loopback for the ticket sinks: an HTTP server that records requests, checks their
shape through a handler, and can fail on demand; and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Handler = Callable[[Seen], tuple[int, Any]]


@dataclass
class Peer:
    """A loopback HTTP server. `handler(seen) -> (status, json body)`; `fail_next` answers 503 that many
    times first; `requests` records everything received."""

    handler: Handler
    requests: list[Seen] = field(default_factory=list)
    fail_next: int = 0

    def __post_init__(self) -> None:
        peer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                peer.requests.append(seen)
                if peer.fail_next > 0:
                    peer.fail_next -= 1
                    status, body = 503, {"error": "down for maintenance"}
                else:
                    status, body = peer.handler(seen)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = _any

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def readme_verify() -> Any:
    """The webhook receiver's `verify` exactly as the README shows it (so the README's example is tested)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- webhook-receiver -->\n```python\n(.*?)```", readme, re.S)
    assert code is not None, "README lost its webhook receiver example"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)
    return namespace["verify"]
