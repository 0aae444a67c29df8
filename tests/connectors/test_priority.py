"""The run's gate: when more requests are ready than the run has slots, the longest chain goes first; a waiter
that is cancelled never keeps or loses a slot; a live run really puts its requests through it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from connectors.priority import CURRENT_RUN, RunPriorities


def test_the_credential_with_the_most_requests_goes_first() -> None:
    gate = RunPriorities({"x-short": 2, "meta-long": 12, "linkedin-mid": 6}, capacity=1)
    order: list[str] = []

    async def request(credential: str) -> None:
        async with gate.slot(credential):
            order.append(credential)
            await asyncio.sleep(0)

    async def main() -> None:
        async with gate.slot("first"):  # the only slot is taken: the others queue
            waiting = [asyncio.ensure_future(request(c)) for c in ("x-short", "linkedin-mid", "meta-long")]
            await asyncio.sleep(0)
        await asyncio.gather(*waiting)

    asyncio.run(main())
    assert order == ["meta-long", "linkedin-mid", "x-short"]


def test_cancelled_waiters_neither_keep_nor_lose_a_slot() -> None:
    gate = RunPriorities({}, capacity=2)

    async def hold(event: asyncio.Event) -> None:
        async with gate.slot("c"):
            await event.wait()

    async def main() -> None:
        release = asyncio.Event()
        holders = [asyncio.ensure_future(hold(release)) for _ in range(2)]
        await asyncio.sleep(0)
        waiter = asyncio.ensure_future(hold(asyncio.Event()))
        await asyncio.sleep(0)
        waiter.cancel()  # cancelled while waiting
        handed = asyncio.ensure_future(hold(asyncio.Event()))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*holders)
        await asyncio.sleep(0)
        handed.cancel()  # cancelled after it was handed a slot
        await asyncio.gather(waiter, handed, return_exceptions=True)
        assert gate._in_flight == 0 and not gate._waiting
        async with gate.slot("c"), gate.slot("c"):  # both slots are free again
            assert gate._in_flight == 2

    asyncio.run(main())


def test_a_live_run_sends_every_request_through_its_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.app.setup import demo_files
    from auditor.engine import run_audit
    from auditor.inputs.inventory import load_inventory
    from auditor.live import live_from_sandbox
    from auditor.store import Store
    from connectors.sandbox import Sandbox, load_scenario

    demo = demo_files()
    slots = RunPriorities.slot
    credentials: list[str] = []

    def counted(self: RunPriorities, credential: str) -> Any:
        credentials.append(credential)
        assert self.capacity >= 8 and self.weights[credential] > 0
        return slots(self, credential)

    monkeypatch.setattr(RunPriorities, "slot", counted)
    sandbox = Sandbox(load_scenario(demo / "sandbox.yaml"))
    run_audit(Store(":memory:"), load_inventory([demo / "inventory"]), live=live_from_sandbox(sandbox))
    assert len(credentials) >= len(sandbox.request_log) > 0
    assert CURRENT_RUN.get() is None  # the run's gate does not outlive it
