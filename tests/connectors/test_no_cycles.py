"""Errors raised by the connectors leave no reference cycles behind. An exception raised from a local of the
frame that raises it holds that frame through its traceback, and the frame holds the exception: a cycle only
the cyclic collector frees. A country's look-alike lookups answer «no such name» thousands of times; during
an audit the collector runs rarely (`auditor.collector`), and those cycles — each with its frames and their
locals — outlived their collections and were most of the NotFound objects alive midway through a
10,000-account run."""

from __future__ import annotations

import asyncio
import gc
import os
import types
from pathlib import Path

import httpx
import pytest

import connectors
from auditor.app.bench import BenchSpec, generate
from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model import Platform
from auditor.model.secret import Secret
from auditor.store import Store
from connectors.base import ConnectorError, NotFound
from connectors.http import HttpSettings, PlatformHttp
from connectors.sandbox import Sandbox
from tests.conftest import NOW

CONNECTORS = str(Path(connectors.__file__).parent) + os.sep


def test_an_audit_s_errors_leave_no_cycles_through_the_connectors_frames(tmp_path):
    spec = BenchSpec(institutions=2, accounts_per_institution=12, seed=3)
    inventory, scenario = generate(spec)
    assert any(a.platform is Platform.FACEBOOK for i in inventory.institutions for a in i.accounts)
    live = live_from_sandbox(Sandbox(scenario))  # the connectors imported (once a process) before counting
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        with Store(tmp_path / "audit.db") as store:
            audit = run_audit(store, inventory, live=live, now=NOW)
        gc.collect()
        ours = sorted(
            {
                f"{o.f_code.co_filename.rsplit('/', 2)[-2]}/{o.f_code.co_name}"
                for o in gc.garbage
                if isinstance(o, types.FrameType) and o.f_code.co_filename.startswith(CONNECTORS)
            }
        )
        not_found = sum(type(o).__name__ == "NotFound" for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert audit.run_id
    assert ours == [] and not_found == 0, ours


def _frames_in_cycles(work) -> list[str]:
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        work()
        gc.collect()
        return sorted(
            {
                o.f_code.co_name
                for o in gc.garbage
                if isinstance(o, types.FrameType) and o.f_code.co_filename.startswith(CONNECTORS)
            }
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, json={"error": "no such"}),  # mapped to NotFound
        httpx.Response(503),  # retried, then a PlatformError
        httpx.Response(429, headers={"Retry-After": "999"}),  # longer than the longest wait: RateLimited
        httpx.ConnectError("refused"),  # retried, then a PlatformError
    ],
    ids=["mapped", "5xx", "429", "transport"],
)
def test_the_shared_http_layer_s_errors_leave_no_cycles(answer):
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    def mapped(response: httpx.Response, body: object) -> ConnectorError | None:
        return NotFound("no such object") if response.status_code == 404 else None

    def work() -> None:
        http = PlatformHttp(
            HttpSettings(base_url="https://api.example", backoff_seconds=0.0, max_retries=1),
            error_mapper=mapped,
            transport=httpx.MockTransport(handler),
            sleep=lambda seconds: asyncio.sleep(0),
        )

        async def go() -> None:
            try:
                await http.get_json("/x", Secret("cred", "s3cr3t"))
            except ConnectorError:  # caught where a connector catches it; not bound (a name for it makes a cycle)
                raised.append(True)
            finally:
                await http.aclose()

        asyncio.run(go())

    raised: list[bool] = []
    assert _frames_in_cycles(work) == [] and raised == [True]
