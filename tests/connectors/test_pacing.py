"""Per-credential pacing: a throttled credential waits without holding what other credentials need, and a
credential that knows its window sends what the window allows instead of collecting 429s."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from auditor.model.secret import Secret
from connectors.base import RateLimited
from connectors.http import HttpSettings, PlatformHttp
from connectors.pacing import CredentialPacer, SleepOf

A, B = Secret("cred-a", "token-a"), Secret("cred-b", "token-b")


def test_a_throttled_credential_does_not_hold_the_platform_slot():
    order: list[str] = []
    first_a = {"done": False}

    def handler(request: httpx.Request) -> httpx.Response:
        who = request.headers["authorization"].rsplit("-", 1)[1]
        order.append(who)
        if who == "a" and not first_a["done"]:
            first_a["done"] = True
            return httpx.Response(429, headers={"Retry-After": "1"}, json={})
        return httpx.Response(200, json={"who": who})

    http = PlatformHttp(
        HttpSettings(base_url="https://api.example", concurrency=1, per_credential_concurrency=1),
        error_mapper=lambda r, b: None,
        transport=httpx.MockTransport(handler),
    )

    async def go() -> tuple[float, float]:
        started = time.monotonic()

        async def timed(secret: Secret) -> float:
            await http.get_json("/x", secret)
            return time.monotonic() - started

        try:
            a, b = await asyncio.gather(timed(A), timed(B))
        finally:
            await http.aclose()
        return a, b

    a_done, b_done = asyncio.run(go())
    # B went while A waited out its Retry-After on the one platform slot: before the fix B waited ~1 s too.
    assert order == ["a", "b", "a"]
    assert b_done < 0.5 <= 0.9 < a_done


def test_a_known_window_is_used_without_collecting_429s():
    limit, window = 2, 1.0
    state = {"slot": None, "used": 0, "throttled": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        now = time.time()
        slot = int(now // window)
        if state["slot"] != slot:
            state["slot"], state["used"] = slot, 0
        state["used"] += 1
        reset = str(int((slot + 1) * window))
        headers = {"x-rate-limit-limit": str(limit), "x-rate-limit-reset": reset}
        if state["used"] > limit:
            state["throttled"] += 1
            return httpx.Response(429, headers={**headers, "x-rate-limit-remaining": "0", "Retry-After": "1"})
        return httpx.Response(200, json={}, headers={**headers, "x-rate-limit-remaining": str(limit - state["used"])})

    http = PlatformHttp(
        HttpSettings(base_url="https://api.example", concurrency=8, per_credential_concurrency=1),
        error_mapper=lambda r, b: None,
        transport=httpx.MockTransport(handler),
    )

    async def go() -> None:
        try:
            for n in range(7):
                await http.get_json(f"/{n}", A)
        finally:
            await http.aclose()

    asyncio.run(go())
    # The first answer announces the window; from then on the credential waits for each reset.
    assert state["throttled"] == 0 and http.stats.requests == 7


def test_a_reset_beyond_the_allowed_wait_is_reported_not_waited_for():
    pacer = CredentialPacer(max_wait_seconds=5)
    reset = str(int(time.time()) + 900)  # X's 15-minute window
    asyncio.run(pacer.admit("x-cred"))
    pacer.settle("x-cred", {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset, "x-rate-limit-limit": "75"})
    with pytest.raises(RateLimited, match="may not send"):
        asyncio.run(pacer.admit("x-cred"))


def test_after_a_reset_only_the_announced_limit_goes_at_once():
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    pacer = CredentialPacer(sleep=record)
    asyncio.run(pacer.admit("c"))
    pacer.settle(
        "c", {"x-rate-limit-limit": "1", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(time.time() + 2)}
    )

    asyncio.run(pacer.admit("c"))  # waits for the reset, then takes the window's one request
    # The answer to that request announces the new window: nothing left until its reset.
    pacer.settle(
        "c", {"x-rate-limit-limit": "1", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(time.time() + 1)}
    )
    asyncio.run(pacer.admit("c"))
    assert len(slept) == 2 and 1.5 < slept[0] < 2.1 and 0.5 < slept[1] < 1.1


def test_a_known_window_length_is_assumed_for_the_next_reset_instead_of_polling():
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    pacer = CredentialPacer(sleep=record)
    now = time.time()

    def announce(reset_in: float) -> None:
        pacer.settle(
            "c", {"x-rate-limit-limit": "1", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(now + reset_in)}
        )

    asyncio.run(pacer.admit("c"))
    announce(1)
    asyncio.run(pacer.admit("c"))  # waits for the first reset
    announce(2)  # the next window: windows are 1 s long
    asyncio.run(pacer.admit("c"))  # waits for the second reset, and assumes a third one second later
    asyncio.run(pacer.admit("c"))  # nothing announced yet: sleeps to the assumed reset, not a 50 ms poll
    assert len(slept) == 3 and slept[-1] > 0.5


def test_a_cancelled_request_frees_its_credential():
    """A request cancelled by an account's deadline is settled like an answer: the credential's next request
    goes at once (before, it waited forever for the first answer that never came)."""
    calls = {"n": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            await asyncio.sleep(30)  # the first answer never comes in time
        return httpx.Response(200, json={})

    http = PlatformHttp(
        HttpSettings(base_url="https://api.example", concurrency=4, per_credential_concurrency=4),
        error_mapper=lambda r, b: None,
        transport=httpx.MockTransport(handler),
    )

    async def go() -> float:
        try:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await http.get_json("/slow", A)
            started = time.monotonic()
            await asyncio.wait_for(http.get_json("/next", A), 5)
            return time.monotonic() - started
        finally:
            await http.aclose()

    assert asyncio.run(go()) < 1.0


def test_a_request_cancelled_while_waiting_for_a_connection_is_no_longer_counted_as_on_its_way():
    """Requests wait for one of the platform's connections after their credential admitted them; one cancelled
    there never went: the credential counts it neither in flight nor waiting (it would be counted in the next
    window at every reset)."""
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200, json={})

    http = PlatformHttp(
        HttpSettings(base_url="https://api.example", concurrency=1, per_credential_concurrency=4),
        error_mapper=lambda r, b: None,
        transport=httpx.MockTransport(handler),
    )

    async def go() -> tuple[int, int, int, int]:
        try:
            holder = asyncio.ensure_future(http.get_json("/holds-the-only-connection", B))
            await asyncio.sleep(0.05)
            waiting = asyncio.ensure_future(http.get_json("/waits-for-it", A))
            await asyncio.sleep(0.05)
            window = http.pacer._windows[A.name]
            counted = (window.in_flight, window.queued)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            release.set()
            await holder
            return (*counted, window.in_flight, window.queued)
        finally:
            await http.aclose()

    assert asyncio.run(go()) == (1, 1, 0, 0)


@pytest.mark.parametrize("client", ["rest", "google"])
def test_a_client_s_pacer_waits_on_a_timer_of_its_own_while_the_client_sleeps_with_asyncio(client):
    """A client's pacer sleeps through the client's `sleep` (tests replace it): while that is asyncio's, a wait
    is a timer, not a task running `asyncio.sleep` (a task, a coroutine, a future and a timer a wait, in
    production, for every paced request)."""
    from connectors.google_api import GoogleCalls

    http = (
        PlatformHttp(HttpSettings(base_url="https://api.example"), error_mapper=lambda response, body: None)
        if client == "rest"
        else GoogleCalls(HttpSettings(base_url="https://api.example"))
    )
    assert isinstance(http.pacer.sleep, SleepOf) and http.pacer.sleep.is_asyncio()

    async def paced() -> int:
        http.pacer.pause("cred", 0.05)
        waiter = asyncio.ensure_future(http.pacer.admit("cred"))
        await asyncio.sleep(0.01)
        tasks = len(asyncio.all_tasks())  # this one and the waiter: no task sleeping for it
        await waiter
        return tasks

    assert asyncio.run(paced()) == 2
    slept: list[float] = []

    async def fake(seconds: float) -> None:
        slept.append(seconds)

    http.sleep = fake  # replaced after the pacer was made: the pacer sleeps through it
    assert not http.pacer.sleep.is_asyncio()

    async def paced_again() -> None:
        http.pacer.pause("other", 30)
        await http.pacer.admit("other")

    asyncio.run(paced_again())
    assert slept and slept[0] == pytest.approx(30, abs=0.5)
