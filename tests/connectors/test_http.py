"""The shared HTTP layer: retries, backoff, rate limits, pacing, bounded concurrency, redaction."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from auditor.model.secret import Secret
from connectors.base import PlatformError, RateLimited
from connectors.http import HttpSettings, PlatformHttp, redact, retry_after_seconds

SECRET = Secret("cred", "s3cr3t-token-value")


def client(handler, *, reset_header=None, usage_reader=None, error_mapper=None, **settings):
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    http = PlatformHttp(
        HttpSettings(base_url="https://api.example", backoff_seconds=0.01, **settings),
        error_mapper=error_mapper or (lambda response, body: None),
        usage_reader=usage_reader,
        reset_header=reset_header,
        transport=httpx.MockTransport(handler),
        sleep=record,
    )
    return http, waits


def run(http, path="/x"):
    async def go():
        try:
            return await http.get_json(path, SECRET)
        finally:
            await http.aclose()

    return asyncio.run(go())


def sequence(*responses):
    it = iter(responses)
    return lambda request: next(it)


def test_5xx_then_success_is_retried_with_growing_backoff():
    http, waits = client(sequence(httpx.Response(500), httpx.Response(502), httpx.Response(200, json={"ok": 1})))
    assert run(http) == {"ok": 1}
    assert http.stats.retries == 2 and len(waits) == 2 and waits[1] > waits[0] * 1.2


def test_retry_after_is_honoured():
    http, waits = client(sequence(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[])))
    assert run(http) == []
    assert len(waits) == 1 and waits[0] == pytest.approx(7.0, abs=0.05) and http.stats.throttled == 1


def test_reset_epoch_header_is_honoured():
    reset = str(int(time.time()) + 30)
    http, waits = client(
        sequence(httpx.Response(429, headers={"x-rate-limit-reset": reset}), httpx.Response(200, json={})),
        reset_header="x-rate-limit-reset",
    )
    run(http)
    assert 28 <= waits[0] <= 31


def test_wait_longer_than_allowed_raises_rate_limited():
    http, _ = client(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}), max_wait_seconds=60)
    with pytest.raises(RateLimited):
        run(http)


def test_network_errors_are_retried_then_reported_without_the_token():
    def fail(request):
        raise httpx.ConnectError(f"refused {request.url}")

    http, waits = client(fail, max_retries=2)
    with pytest.raises(PlatformError) as exc:
        run(http, f"/x?access_token={SECRET.value}")
    assert "ConnectError" in str(exc.value) and SECRET.value not in str(exc.value)
    assert len(waits) == 2


def test_malformed_json_is_retried():
    http, _ = client(
        sequence(
            httpx.Response(200, content=b'{"data": [', headers={"content-type": "application/json"}),
            httpx.Response(200, json={"data": []}),
        )
    )
    assert run(http) == {"data": []}


def test_malformed_json_that_persists_is_a_platform_error():
    http, _ = client(
        lambda r: httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"}), max_retries=1
    )
    with pytest.raises(PlatformError, match="malformed JSON"):
        run(http)


def test_usage_above_threshold_pauses_the_credential():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(200, json={}, headers={"x-usage": "95"})

    http, waits = client(
        handler, usage_reader=lambda r: float(r.headers["x-usage"]), usage_threshold_pct=75, usage_max_pause_seconds=10
    )

    async def twice():
        await http.get_json("/a", SECRET)
        await http.get_json("/b", SECRET)
        await http.aclose()

    asyncio.run(twice())
    assert len(calls) == 2
    assert waits and 7 <= waits[0] <= 8.1  # (95-75)/(100-75) of the 10 s maximum pause


def test_concurrency_per_credential_is_bounded():
    active = {"now": 0, "max": 0}

    async def handler(request):
        active["now"] += 1
        active["max"] = max(active["max"], active["now"])
        await asyncio.sleep(0.01)
        active["now"] -= 1
        return httpx.Response(200, json={})

    http = PlatformHttp(
        HttpSettings(base_url="https://api.example", concurrency=8, per_credential_concurrency=2),
        error_mapper=lambda r, b: None,
        transport=httpx.MockTransport(handler),
    )

    async def many():
        await asyncio.gather(*(http.get_json(f"/{i}", SECRET) for i in range(10)))
        await http.aclose()

    asyncio.run(many())
    assert active["max"] == 2


def test_bearer_auth_header():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers.get("authorization")
        seen["query"] = dict(request.url.params)
        return httpx.Response(200, json={})

    http, _ = client(handler)
    run(http)
    assert seen == {"auth": f"Bearer {SECRET.value}", "query": {}}


def test_redact_removes_known_secrets_and_token_parameters():
    text = "GET /v1?access_token=abc123&x=1 Authorization: Bearer zzz.yyy leaked s3cr3t"
    out = redact(text, {"s3cr3t"})
    assert "abc123" not in out and "zzz.yyy" not in out and "s3cr3t" not in out
    assert "x=1" in out


def test_retry_after_http_date():
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(response.headers, now=lambda: 1445412480 - 60) == pytest.approx(60)


def test_a_redirect_is_an_error_never_a_body():
    """A 3xx is not followed (the token would go with it) and its body is not the object asked for."""
    http, _ = client(
        sequence(httpx.Response(302, headers={"Location": "https://elsewhere.example/steal"}, json={"id": "x"}))
    )
    with pytest.raises(PlatformError, match=r"302 redirect .* \(not followed\)"):
        run(http)
    assert http.stats.requests == 1


def test_a_redirect_carrying_an_error_body_is_still_only_a_redirect():
    """A 3xx whose body says Graph 803 is not «not found» (which would open IDN-001): the redirect decides."""
    from connectors.meta.graph import map_graph_error

    alias = {"error": {"code": 803, "message": "(#803) Some of the aliases you requested do not exist: x"}}
    http, _ = client(
        sequence(httpx.Response(301, headers={"Location": "https://elsewhere.example/"}, json=alias)),
        error_mapper=map_graph_error,
    )
    with pytest.raises(PlatformError, match="301 redirect"):
        run(http)


def test_a_platform_s_throttling_error_that_echoes_the_token_is_redacted_and_keeps_its_wait():
    """A connector's error mapper may build its RateLimited from the platform's text: redacted like every other
    error, with the wait it says (here past any allowed wait: raised at once, not retried)."""
    mapper = lambda response, body: RateLimited(f"quota of {SECRET.value} spent", retry_after=float("inf"))  # noqa: E731
    http, waits = client(lambda r: httpx.Response(403, json={"error": "quota"}), error_mapper=mapper)
    with pytest.raises(RateLimited) as exc:
        run(http)
    assert SECRET.value not in str(exc.value) and "quota of" in str(exc.value)
    assert exc.value.retry_after == float("inf") and waits == []
