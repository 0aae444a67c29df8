"""The pacer on a fake clock against a fixed-window server: a credential sends one request per window for as
long as it has requests, whatever happened before (a skipped window, concurrent callers, the first burst). A
pacer that waits longer than the platform asks — the stall of issue 21 — fails here, without a timed test."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from connectors.pacing import CredentialPacer

EPOCH = 1_800_000_000.37  # the wall clock's offset: resets come in whole seconds of it, as X sends them


class FakeTime:
    """Time moves only when every task waits: then to the earliest wake-up still awaited."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return EPOCH + self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    def run(self, main: Callable[[], Awaitable[Any]]) -> Any:
        async def drive() -> Any:
            task = asyncio.ensure_future(main())
            while not task.done():
                assert self.now < 3600, "the pacer waits for something that never comes"
                for _ in range(20):
                    await asyncio.sleep(0)
                while self._sleepers and self._sleepers[0][2].done():  # a sleep cut short (cancelled)
                    heapq.heappop(self._sleepers)
                if self._sleepers and not task.done():
                    wake, _, future = heapq.heappop(self._sleepers)
                    self.now = max(self.now, wake)
                    future.set_result(None)
            return task.result()

        return asyncio.run(drive())


class FixedWindowServer:
    """X's way: `limit` requests per credential per window, every answer says what is left and when it resets."""

    def __init__(self, time_: FakeTime, limit: int = 1, window: float = 1.0, latency: float = 0.05):
        self.time, self.limit, self.window, self.latency = time_, limit, window, latency
        self.used: dict[str, tuple[int, int]] = {}
        self.throttled = 0
        self.served = 0

    async def call(self, pacer: CredentialPacer, name: str) -> None:
        await pacer.admit(name)
        if not await self.exchange(pacer, name):
            await self.call(pacer, name)  # the caller retries, as the connectors do

    async def exchange(self, pacer: CredentialPacer, name: str) -> bool:
        """One request there and back: whether it was served (a throttled one pauses its credential)."""
        await self.time.sleep(self.latency / 2)  # on its way
        slot = int(self.time.wall() // self.window)
        seen = self.used.get(name)
        count = seen[1] + 1 if seen and seen[0] == slot else 1
        self.used[name] = (slot, count)
        reset = int((slot + 1) * self.window)
        headers = {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(max(0, self.limit - count)),
            "x-rate-limit-reset": str(reset),
        }
        await self.time.sleep(self.latency / 2)  # the answer's way back
        pacer.settle(name, headers)
        if count > self.limit:
            self.throttled += 1
            pacer.pause(name, max(1, int(reset - self.time.wall() + 0.999)))
            return False
        self.served += 1
        return True


class SlottedServer(FixedWindowServer):
    """The same platform reached through `slots` connections shared by every credential, taken after the
    credential's admission (as `PlatformHttp` does): when the connections are what holds the run, a request
    may wait for one past its window's reset."""

    def __init__(self, time_: FakeTime, slots: int, **window: Any):
        super().__init__(time_, **window)
        self.slots = slots
        self._free: asyncio.Semaphore | None = None

    async def call(self, pacer: CredentialPacer, name: str) -> None:
        self._free = self._free or asyncio.Semaphore(self.slots)
        while True:
            await pacer.admit(name, on_wire=False)
            async with self._free:
                pacer.goes(name)
                if await self.exchange(pacer, name):
                    return


async def callers(server: FixedWindowServer, pacer: CredentialPacer, name: str, *, requests: int, callers: int) -> None:
    """`requests` calls of one credential, made by `callers` concurrent callers (a connector's accounts)."""
    queue = list(range(requests))

    async def caller() -> None:
        while queue:
            queue.pop()
            await server.call(pacer, name)

    await asyncio.gather(*(caller() for _ in range(callers)))


def _setup(**server: Any) -> tuple[FakeTime, CredentialPacer, FixedWindowServer]:
    t = FakeTime()
    pacer = CredentialPacer(sleep=t.sleep, clock=t.monotonic, wall=t.wall, max_wait_seconds=3600)
    return t, pacer, FixedWindowServer(t, **server)


def test_a_skipped_window_does_not_halve_the_pace():
    t, pacer, server = _setup()

    async def main() -> None:
        for n in range(30):
            if n == 5:
                await t.sleep(2.5)  # the credential's caller was busy elsewhere: whole windows go unused
            await server.call(pacer, "c")

    t.run(main)
    # 30 requests at one a second, plus the 2.5 s pause: before the fix the pacer learned a 2-3 s window from
    # the skipped one and took ~57 s.
    assert server.served == 30 and server.throttled == 0
    assert t.now <= 30 + 2.5 + 1


def test_many_credentials_with_concurrent_callers_keep_one_request_per_window():
    t, pacer, server = _setup(limit=2, window=1.0)
    per_credential, n_callers = 24, 3

    async def main() -> None:
        await asyncio.gather(
            *(callers(server, pacer, f"cred-{i}", requests=per_credential, callers=n_callers) for i in range(40))
        )

    t.run(main)
    bound = (per_credential / 2 - 1) * 1.0 + 0.05  # the bench's bound for the busiest credential
    assert server.served == 40 * per_credential
    assert server.throttled == 0, "the first burst and every later window stay within the limit"
    assert t.now <= bound * 1.1 + 1, f"{t.now:.1f} s against a bound of {bound:.1f} s"


def test_an_earlier_reset_than_assumed_is_believed():
    t, pacer, _ = _setup()

    def announce(reset_in: float, remaining: int = 0) -> None:
        pacer.settle(
            "c",
            {
                "x-rate-limit-limit": "1",
                "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(t.wall() + reset_in),
            },
        )

    async def main() -> float:
        await pacer.admit("c")
        announce(1)
        await pacer.admit("c")  # to the first reset
        announce(3)  # a window 2 s later than the first: 2 s windows, it seems
        await pacer.admit("c")
        announce(1, remaining=0)  # …but the platform says this window ends in 1 s
        started = t.now
        await pacer.admit("c")
        return t.now - started

    assert t.run(main) <= 1.1


def test_answers_slower_than_the_window_never_leave_a_credential_waiting_for_nothing():
    """Answers taking longer than a window (a saturated platform): requests in flight cross every reset. The
    credential must keep going (before, it could wait forever for an announcement no request would bring)."""
    t, pacer, server = _setup(limit=1, window=1.0, latency=1.6)

    t.run(lambda: callers(server, pacer, "c", requests=12, callers=3))
    assert server.served == 12
    assert t.now <= 12 * 2 + 2  # never idle beyond a window and an answer's time per request


def test_relearning_a_window_sends_one_request_not_every_waiter():
    """With its window spent and no reset known, a credential sends one request to learn the window: only one.
    Before, every waiter went at once (8 requests in one 1-request window, seen as bursts of 429s in the
    YouTube bench, and accounts given up after too many)."""
    t, pacer, server = _setup(limit=1, window=1.0, latency=1.6)

    t.run(lambda: callers(server, pacer, "c", requests=40, callers=8))
    assert server.served == 40
    assert server.throttled <= 4, f"{server.throttled} requests over the limit"


def test_a_window_over_before_anyone_waited_for_it_does_not_let_a_burst_through():
    """A window can end with nobody waiting for its reset (the callers were busy elsewhere). The next window
    allows `limit`, not everything: before, the stale spent window let every caller through at once."""
    t, pacer, server = _setup(limit=1, window=1.0)

    async def main() -> None:
        await server.call(pacer, "c")  # learns the window: spent until the next whole second
        await t.sleep(1.3)  # the reset passes; nobody was waiting for it
        await asyncio.gather(*(server.call(pacer, "c") for _ in range(10)))

    t.run(main)
    assert server.served == 11
    assert server.throttled == 0, f"{server.throttled} requests over the limit"


def test_the_longest_chains_start_first_and_a_credential_reads_a_few_accounts_at_a_time():
    """A run lasts as long as its busiest credential's chain: its accounts start before the short ones. A
    credential's accounts are read `at_once` at a time (a country's accounts started at once were as many tasks
    waiting in the pacer), jobs without a credential at once, and every job runs."""
    from auditor.observe import run_per_credential

    started: list[str] = []
    running: dict[str, int] = {}
    most: dict[str, int] = {}

    async def job(name: str) -> None:
        credential = name.split("-")[0]
        started.append(name)
        running[credential] = running.get(credential, 0) + 1
        most[credential] = max(most.get(credential, 0), running[credential])
        await asyncio.sleep(0.01)
        running[credential] -= 1

    async def main() -> None:
        names = ["x-1", "meta-1", "unobservable", "meta-2", *(f"meta-{n}" for n in range(3, 11)), "x-2"]
        weights = [("" if n == "unobservable" else n.split("-")[0], 0 if n == "unobservable" else 6) for n in names]
        await run_per_credential([job(n) for n in names], weights, {"meta": 3, "x": 1})  # type: ignore[arg-type]

    asyncio.run(main())
    assert sorted(started) == sorted(["x-1", "x-2", "unobservable", *(f"meta-{n}" for n in range(1, 11))])
    assert started[:3] == ["meta-1", "meta-2", "meta-3"] and started[3] == "x-1"
    assert most == {"meta": 3, "x": 1, "unobservable": 1}


def test_jobs_beyond_one_per_credential_are_bounded_across_credentials_and_go_to_the_longest_chains():
    """A country of many credentials with a few accounts each started every account at once: each credential
    runs one job whatever the bound, and the `extra` jobs beyond that go to the longest chains first."""
    from auditor.observe import run_per_credential

    running: dict[str, int] = {}
    most: dict[str, int] = {}
    together = {"now": 0, "most": 0}

    async def job(credential: str) -> None:
        running[credential] = running.get(credential, 0) + 1
        most[credential] = max(most.get(credential, 0), running[credential])
        together["now"] += 1
        together["most"] = max(together["most"], together["now"])
        await asyncio.sleep(0.01)
        running[credential] -= 1
        together["now"] -= 1

    async def main() -> None:
        chains = {"long": 9, "middle": 6, "short": 3, "shortest": 1}  # accounts each, 5 requests an account
        credentials = [c for c, n in chains.items() for _ in range(n)]
        weights = [(c, 5) for c in credentials]
        at_once = dict.fromkeys(chains, 4)
        await run_per_credential([job(c) for c in credentials], weights, at_once, extra=4)  # type: ignore[arg-type]

    asyncio.run(main())
    assert most == {"long": 4, "middle": 2, "short": 1, "shortest": 1}
    assert together["most"] == 4 + 4  # one per credential, and the four extra


def test_jobs_a_stopped_run_never_started_are_closed():
    """A run stopped midway (an account's bug escaping, a cancellation) leaves no coroutine never awaited."""
    from auditor.observe import run_per_credential

    async def failing() -> None:
        raise RuntimeError("boom")

    async def idle() -> None:
        await asyncio.sleep(0)

    later = [idle() for _ in range(3)]

    async def main() -> None:
        await run_per_credential([failing(), *later], [("c", 1)] * 4, {"c": 1})  # type: ignore[arg-type]

    with pytest.raises(RuntimeError):
        asyncio.run(main())
    assert all(job.cr_frame is None for job in later)  # closed (or run), none left pending


def test_a_request_counted_in_the_window_before_gives_its_place_back():
    """A request in flight at a reset might be counted in the new window, so the new window's count is reduced
    for it; when its answer says it was counted in the window before, the place is given back. Under load
    (slow answers) the pacer otherwise lost a whole window per request that never crossed: 20 requests with
    answers taking 1.2 s and three callers took 37.9 s, now 28.9 s."""
    t, pacer, server = _setup(limit=1, window=1.0, latency=1.2)

    t.run(lambda: callers(server, pacer, "c", requests=20, callers=3))
    assert server.served == 20
    assert t.now <= 30, f"{t.now:.1f} s"
    assert server.throttled <= 2


def test_a_credential_s_waiting_requests_are_woken_one_at_a_time_not_all_at_each_window():
    """Eight callers on a one-request window: the requests behind the first wait for their turn instead of each
    sleeping to the reset (every waiter woke at every window for one place: 232 sleeps for these 30 requests),
    and the pace is still one request a window."""
    t, pacer, server = _setup(limit=1, window=1.0, latency=0.05)
    sleeps = 0
    sleep = pacer.sleep

    async def counted(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await sleep(seconds)

    pacer.sleep = counted
    t.run(lambda: callers(server, pacer, "c", requests=30, callers=8))
    assert server.served == 30 and server.throttled == 0
    assert t.now <= 30.2, f"{t.now:.2f} s"  # one a window, from the first
    assert sleeps <= 2 * 30, sleeps


def test_requests_waiting_for_a_credential_s_first_answer_sleep_until_it_comes_not_in_polls():
    """The first answer says the window; until it comes the credential's next request waits. It polled every
    50 ms: a country's credentials, their first requests queued for seconds behind the platform's concurrency,
    woke 20 times a second each (here: the first answer takes 3 s, and 122 polls went before it)."""
    t, pacer, server = _setup(limit=2, window=5.0, latency=3.0)
    sleeps: list[float] = []
    sleep = pacer.sleep

    async def counted(seconds: float) -> None:
        sleeps.append(seconds)
        await sleep(seconds)

    pacer.sleep = counted
    t.run(lambda: callers(server, pacer, "c", requests=6, callers=3))
    assert server.served == 6 and server.throttled == 0
    before_first_answer = [s for s in sleeps if s < 0.5]
    assert len(before_first_answer) <= 3, before_first_answer
    assert len(sleeps) <= 3 * 6, sleeps


@pytest.mark.parametrize(
    ("slots", "latency", "credentials", "limit"),
    [
        # 40 credentials through 4 connections: every first request waits past its window's reset, and its
        # answer announced a window already over. The pacer left the window unknown — unlimited — and the
        # requests waiting for that answer all went (8 answered 429s).
        (4, 0.3, 40, 1),
        # 400 credentials through 32 connections: requests admitted in one window wait for a connection into
        # the next, where the platform counts them, while the pacer counted them in the one they left
        # (192 answered 429s, counting only where they were admitted).
        (32, 0.05, 400, 2),
    ],
)
def test_requests_waiting_for_a_connection_are_counted_in_the_window_they_arrive_in(
    slots: int, latency: float, credentials: int, limit: int
) -> None:
    t = FakeTime()
    pacer = CredentialPacer(sleep=t.sleep, clock=t.monotonic, wall=t.wall, max_wait_seconds=3600)
    server = SlottedServer(t, slots, limit=limit, latency=latency)

    async def main() -> None:
        await asyncio.gather(*(callers(server, pacer, f"c{i}", requests=10, callers=3) for i in range(credentials)))

    t.run(main)
    requests = 10 * credentials
    bound = max(requests * latency / slots, (10 / limit - 1) * 1.0 + latency)  # the connections, or a credential
    assert server.served == requests and server.throttled == 0
    assert t.now <= 1.1 * bound + 1, f"{t.now:.1f} s against a bound of {bound:.1f} s"
