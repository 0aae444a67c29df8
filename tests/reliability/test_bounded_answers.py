"""Issue 17 class 3: bounded answers. A body is refused past its size (counted after decompression, while it
streams); a request has one total deadline (a byte a second cannot hold it); an account has a deadline that
the waits a platform announces do not consume; the run has one that counts everything."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import zlib

import httpx
import pytest

from auditor.app.setup import demo_files
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.model import FetchError, RunStatus
from connectors.base import PlatformError
from connectors.sandbox import Fault, Sandbox, load_scenario
from tests.conftest import NOW
from tests.connectors.test_http import client, run

DEMO = demo_files()


@pytest.fixture(scope="module")
def inventory():
    return load_inventory([DEMO / "inventory"])


def gzip_of_zeros(megabytes: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"0" * 1_000_000
    return b"".join(squeeze.compress(block) for _ in range(megabytes)) + squeeze.flush()


def test_a_small_gzip_of_a_huge_body_is_refused_early():
    bomb = gzip_of_zeros(100)  # ~100 KB on the wire, 100 MB inflated
    assert len(bomb) < 1_000_000
    http, _ = client(
        lambda r: httpx.Response(200, headers={"content-encoding": "gzip"}, content=bomb), max_body_bytes=1_000_000
    )
    with pytest.raises(PlatformError, match="answer over 1000000 bytes"):
        run(http)


def test_an_announced_oversized_body_is_refused_before_reading_it():
    http, _ = client(lambda r: httpx.Response(200, content=b"[" + b"0," * 600_000 + b"0]"), max_body_bytes=1_000_000)
    with pytest.raises(PlatformError, match="limit 1000000"):
        run(http)


class Trickle(httpx.AsyncByteStream):
    """A server sending one byte every 0.3 s."""

    async def __aiter__(self):
        for byte in b'{"id": "1", "name": "slow"}':
            await asyncio.sleep(0.3)
            yield bytes([byte])


def test_a_byte_a_second_cannot_hold_a_request_past_its_total_deadline():
    http, _ = client(lambda r: httpx.Response(200, stream=Trickle()), timeout_seconds=1.0, max_retries=0)
    started = time.monotonic()
    with pytest.raises(PlatformError, match="TimeoutError"):
        run(http)
    assert time.monotonic() - started < 2.5


def audit(store, inventory, faults, **deadlines):
    box = Sandbox(load_scenario(DEMO / "sandbox.yaml"), faults=faults)
    live = dataclasses.replace(live_from_sandbox(box), **deadlines)
    started = time.monotonic()
    result = run_audit(store, inventory, live=live, now=NOW)
    return result, store.run_snapshots(result.run_id), time.monotonic() - started


def test_an_account_past_its_deadline_is_ops001_tiempo_agotado_and_the_rest_is_read(store, inventory):
    slow = Fault(path=r"/v\d+\.\d+/aguaspruebapy$", latency_ms=4000)
    result, snaps, _ = audit(store, inventory, [slow], account_deadline_seconds=1.0)
    snap = snaps[("aguas", "aguas-fb")]
    assert snap.error is FetchError.TIMEOUT and "time limit" in str(snap.error_detail)
    assert snaps[("mprueba", "mprueba-fb")].error is None
    assert result.status is RunStatus.INCOMPLETE
    ops = [e.finding for e in store.events(result.run_id) if e.finding.policy_id == "OPS-001"]
    assert any(f.account == "aguas-fb" and "tiempo agotado" in f.message_es for f in ops)


def test_waits_the_platform_announces_do_not_count_against_the_account(store, inventory):
    limited = Fault(path=r"/v\d+\.\d+/aguaspruebapy$", status=429, retry_after=1, times=2)
    _, snaps, _ = audit(store, inventory, [limited], account_deadline_seconds=1.5)
    assert snaps[("aguas", "aguas-fb")].error is None  # 2 s of announced waiting inside a 1.5 s deadline


def test_the_run_deadline_counts_everything(store, inventory):
    everything_slow = Fault(path=r".*", latency_ms=3000)
    result, snaps, took = audit(store, inventory, [everything_slow], run_deadline_seconds=1.0)
    assert took < 10
    assert result.status is RunStatus.INCOMPLETE
    assert {s.error for s in snaps.values() if s.error is not None} <= {FetchError.TIMEOUT, FetchError.NO_CONNECTOR}
    assert sum(1 for s in snaps.values() if s.error is FetchError.TIMEOUT) >= 10


def test_the_google_clients_http_is_bounded_the_same_way():
    """YouTube and Workspace go through google-api-python-client: its HTTP adapter streams and bounds too."""
    from connectors.google_api import HttpxHttp

    bomb = gzip_of_zeros(20)
    big = HttpxHttp(
        httpx.MockTransport(lambda r: httpx.Response(200, headers={"content-encoding": "gzip"}, content=bomb)),
        5.0,
        max_body_bytes=1_000_000,
    )
    with pytest.raises(PlatformError, match="answer over 1000000 bytes"):
        big.request("https://www.googleapis.com/youtube/v3/channels")
    slow = HttpxHttp(httpx.MockTransport(lambda r: httpx.Response(200, stream=Trickle())), 1.0)
    started = time.monotonic()
    with pytest.raises(PlatformError, match="TimeoutError"):
        slow.request("https://www.googleapis.com/youtube/v3/channels")
    assert time.monotonic() - started < 2.5
    deep = HttpxHttp(httpx.MockTransport(lambda r: httpx.Response(200, content=b"[" * 5000 + b"]" * 5000)), 5.0)
    with pytest.raises(PlatformError, match="malformed JSON"):
        deep.request("https://www.googleapis.com/youtube/v3/channels")
