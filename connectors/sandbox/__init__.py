"""The platform sandbox: a faithful offline stand-in for the platforms' APIs.

A scenario (YAML) describes fictional platform state in the platforms' own JSON shapes; the sandbox serves
it on the real paths with the real field names, pagination, rate-limit headers and error bodies. It runs
in-process as an `httpx.MockTransport` (demo, tests) or as an HTTP server on loopback (`auditor sandbox
serve`), with per-route fault injection (latency, 429 with reset, 5xx, timeouts, malformed JSON, expired
tokens). Connectors only see a `base_url`: they cannot tell it from the real platform.
"""

from connectors.sandbox.app import Fault, Sandbox, load_scenario

__all__ = ["Fault", "Sandbox", "load_scenario"]
