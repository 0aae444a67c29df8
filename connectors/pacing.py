"""Per-credential pacing: send a credential's requests as fast as its platform allows, and no faster.

Rate limits are per credential (an app token, a system user, an API key), so a credential that has to wait
must not hold anything other credentials need: waiting happens here, before a request takes one of the
platform's connection slots. What a platform announces is used as far as it goes:

- a window (`x-rate-limit-limit` / `-remaining` / `-reset`, X's names, copied by other gateways): the
  credential sends what is left, then waits for the reset; at the reset it sends at most `limit` requests
  until the next answer announces the new window, instead of all its waiting requests at once;
- a 429 with `Retry-After` (or a reset epoch): the whole credential pauses, not only the request that got it;
- a usage percentage (Meta's `X-App-Usage`): the connector calls `pause` in proportion.

Answers can arrive from worker threads (google-api-python-client runs in a pool), so the state is guarded by
a lock; waiting itself is always `await`ed on the event loop. Both clocks (`clock`, monotonic; `wall`, the
epoch the platforms' resets are given in) and `sleep` are injectable: the pacing tests run on a fake clock.

What the pacer assumes is always corrected by what the platform says: a window's length is the shortest gap
seen between two announced resets (gaps are multiples of it: a credential that skipped a window must not
halve its pace for the rest of the run), and an answer announcing a reset earlier than the one assumed moves
the assumption back. Until a credential's first answer, only one of its requests is in flight: nothing is
known of its window yet, and a burst would only collect 429s.

A platform counts a request in the window it arrives in. Requests admitted here still wait for one of the
platform's connections (`admit(on_wire=False)`, then `goes`): one still waiting at a reset is counted in the
next window for certain, and those on their way just before it by the estimate of what crossed. (Counting
them only where they were admitted, a layout held by the platform's concurrency answered hundreds of 429s.)

A credential's waiting requests queue for their turn (`_Turn`): only the first of them watches the clock, and
when it is admitted it hands the turn to the next, which is admitted at once if the window has room. Every
waiter sleeping to the reset woke them all at each window for one place: seven or eight sleeps per request
sent with eight requests waiting (232 for 30 on the fake clock), 0.7 ms of CPU per account on the 100 × 10
YouTube bench layout (9.3 → 8.6 ms).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import RateLimited

# After a reset the new window is unknown until an answer announces it; requests beyond the last known
# limit wait for that answer instead of guessing. The answer wakes them (every admitted request is settled);
# this is only how long one sleeps if it somehow does not. It was a 50 ms poll: a country's credentials,
# their first requests queued behind the platform's concurrency for seconds, woke 20 times a second each
# (1,000 institutions × 10 accounts: 248,000 wake-ups for 56,000 requests, most of the run's CPU).
_ANNOUNCEMENT_WAIT_SECONDS = 1.0
# Reset epochs come in whole seconds from another clock: a little margin avoids landing just before it.
_RESET_MARGIN_SECONDS = 0.02


@dataclass
class _Window:
    limit: int | None = None
    remaining: int | None = None
    resets_at: float | None = None  # monotonic
    period: float | None = None  # seconds between two announced resets (a fixed window's length)
    announced: float | None = None  # the latest reset an answer announced (monotonic)
    paused_until: float = 0.0
    in_flight: int = 0
    answered: bool = False  # an answer (any) has arrived: the window, if announced, is known
    sent: deque[float] = field(default_factory=deque)  # when each request still in flight was admitted
    latency: float = 0.0  # a moving average of going out (admission, or `goes`) to answer
    crossing: int = 0  # requests the current window's count was reduced by, still unanswered (see `_roll`)
    awaiting_answer: bool = False  # the credential's next request waits for an answer to learn the window
    queued: int = 0  # admitted, still waiting for one of the platform's connections (`admit(on_wire=False)`)


@dataclass
class _Turn:
    """Whose turn it is to wait for a credential's next place: the requests after the first wait here."""

    held: bool = False
    queue: deque[asyncio.Future[None]] = field(default_factory=deque)
    # The holder's loop, and while it sleeps the future that wakes it: an answer that frees a place it is
    # sleeping past (a place given back, a reset earlier than assumed) ends the sleep early. Answers may settle
    # from worker threads.
    loop: asyncio.AbstractEventLoop | None = None
    waking: asyncio.Future[bool] | None = None

    def wake(self) -> None:
        """End the holder's sleep early: an answer freed a place (it looks again)."""
        if self.waking is not None:
            _resolve(self.waking, False)

    def pass_on(self) -> None:
        """The turn's holder is admitted (or gave up): the next waiter still waiting takes it."""
        while self.queue:
            waiter = self.queue.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.held = False


class SleepOf:
    """Sleep through `owner.sleep`, looked up at each wait: a client's tests replace its `sleep` after the
    client (and its pacer) is made. While it is asyncio's own, the pacer waits on a timer of its own instead.
    A lambda in its place hid that: in production every wait of every credential ran `asyncio.sleep` as a
    task of its own (a task, a coroutine, a future and a timer a wait: about one a request when requests are
    paced, and as many tasks waiting as credentials waiting)."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def __call__(self, seconds: float) -> Awaitable[None]:
        sleep: Callable[[float], Awaitable[None]] = self.owner.sleep
        return sleep(seconds)

    def is_asyncio(self) -> bool:
        return bool(self.owner.sleep is asyncio.sleep)


class CredentialPacer:
    def __init__(
        self,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_wait_seconds: float = 60.0,
        on_wait: Callable[[float], None] | None = None,
        reset_header: str | None = "x-rate-limit-reset",
        remaining_header: str | None = "x-rate-limit-remaining",
        limit_header: str | None = "x-rate-limit-limit",
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.sleep = sleep
        self.clock = clock
        self.wall = wall
        self.max_wait_seconds = max_wait_seconds
        self.on_wait = on_wait
        self.reset_header = reset_header
        self.remaining_header = remaining_header
        self.limit_header = limit_header
        self.paused_seconds: dict[str, float] = {}  # per credential, for the bench and the logs
        self._windows: dict[str, _Window] = {}
        self._turns: dict[str, _Turn] = {}  # only ever touched on the event loop (answers settle from threads)
        self._lock = threading.Lock()

    def _window(self, name: str) -> _Window:
        window = self._windows.get(name)
        if window is None:
            window = self._windows[name] = _Window()
        return window

    async def admit(self, name: str, *, on_wire: bool = True) -> None:
        """Wait until the credential may send one more request, and count it: in turn, behind the credential's
        requests that were waiting before it.

        `on_wire=False`: the request still waits for one of the platform's connections, and says when it
        `goes`. A request still waiting at a reset arrives in the next window whatever happens: it is counted
        there (`_roll`), not left to the estimate of what crossed."""
        turn = self._turns.get(name)
        if turn is None:
            turn = self._turns[name] = _Turn()
        if turn.held:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            turn.queue.append(waiter)
            try:
                await waiter
            except BaseException:  # cancelled (an account's deadline): a turn handed to it goes on to the next
                if waiter.done() and not waiter.cancelled():
                    turn.pass_on()
                raise
        else:
            turn.held = True
        turn.loop = asyncio.get_running_loop()
        try:
            await self._admit(name, turn, on_wire)
        finally:
            turn.pass_on()

    def goes(self, name: str) -> None:
        """A request admitted with `on_wire=False` got its connection and goes now."""
        with self._lock:
            window = self._window(name)
            window.queued = max(0, window.queued - 1)
            window.sent.append(self.clock())

    async def _admit(self, name: str, turn: _Turn, on_wire: bool) -> None:
        while True:
            with self._lock:
                window = self._window(name)
                now = self.clock()
                while window.resets_at is not None and now >= window.resets_at:
                    # The window is over though nobody waited for its reset: its spent count does not carry
                    # over, and the next window's is not unlimited either.
                    self._roll(window, window.resets_at)
                wait = max(0.0, window.paused_until - now)
                waited_for, paused_to = window.resets_at, window.paused_until
                if not window.answered and window.in_flight > 0:
                    wait = max(wait, _ANNOUNCEMENT_WAIT_SECONDS)
                    window.awaiting_answer = True
                if window.remaining is not None and window.remaining <= 0:
                    if window.resets_at is None and window.in_flight == 0:
                        # Nothing in flight will announce the window: one request goes to learn it (waiting
                        # here would wait forever) — one, not every waiter.
                        window.remaining = 1
                    elif window.resets_at is None:
                        wait = max(wait, _ANNOUNCEMENT_WAIT_SECONDS)
                        window.awaiting_answer = True
                    else:
                        wait = max(wait, window.resets_at - now + _RESET_MARGIN_SECONDS)
                if wait <= 0:
                    if window.remaining is not None:
                        window.remaining -= 1
                    window.in_flight += 1
                    if on_wire:
                        window.sent.append(now)
                    else:
                        window.queued += 1
                    return
                if wait > self.max_wait_seconds:
                    raise RateLimited(
                        f"credential {name} may not send for {wait:.0f} s (more than the {self.max_wait_seconds:.0f} s "
                        "allowed): not called",
                        retry_after=wait,
                    )
            if not await self._wait(name, wait, turn):
                continue  # woken early by an answer that freed a place: look again, nothing waited out
            with self._lock:
                window = self._window(name)
                # The window waited for is over (trusting the sleep, not the clock: tests sleep no time). Where
                # the windows' length is known the next reset is assumed, so waiters sleep to it instead of
                # polling for the next announcement (which corrects the assumption if it is wrong).
                if waited_for is not None and window.resets_at == waited_for:
                    self._roll(window, waited_for)
                if window.paused_until == paused_to:  # no new pause arrived meanwhile
                    window.paused_until = 0.0

    @staticmethod
    def _roll(window: _Window, reset: float) -> None:
        """The window ending at `reset` is over: the next one allows `limit`, less the requests sent just before
        the reset (they may arrive after it and count in the new window) and those still waiting for a
        connection (they will), and ends one period later if the period is known (else the next answer says
        when)."""
        horizon = reset - 2 * window.latency
        crossing = sum(1 for at in window.sent if at >= horizon)
        window.remaining = max(0, window.limit - crossing - window.queued) if window.limit else window.limit
        window.crossing = min(crossing, window.limit) if window.limit else 0
        window.resets_at = reset + window.period if window.period and window.limit else None

    def settle(self, name: str, headers: Mapping[str, str] | None, *, went: bool = True) -> None:
        """An answer (or a failure, with `headers=None`) to an admitted request: learn the window from it.
        `went=False`: a request admitted with `on_wire=False` failed before it went (cancelled while waiting)."""
        with self._lock:
            window = self._window(name)
            window.in_flight = max(0, window.in_flight - 1)
            if not went:
                window.queued = max(0, window.queued - 1)
                return
            window.answered = True
            if window.awaiting_answer:  # whatever it says (or that it failed), the waiter looks again
                window.awaiting_answer = False
                self._nudge(name)
            if window.sent:  # answers are matched to the oldest request in flight: close enough for a mean
                sample = self.clock() - window.sent.popleft()
                window.latency = sample if window.latency == 0.0 else 0.8 * window.latency + 0.2 * sample
            if headers is None:
                return
            limit = _int(headers.get(self.limit_header)) if self.limit_header else None
            remaining = _int(headers.get(self.remaining_header)) if self.remaining_header else None
            reset_epoch = _float(headers.get(self.reset_header)) if self.reset_header else None
            if limit is not None:
                window.limit = limit
            if remaining is not None and reset_epoch is not None:
                now = self.clock()
                resets_at = now + (reset_epoch - self.wall())
                if window.announced is not None and resets_at > window.announced + 0.5:
                    gap = resets_at - window.announced  # a multiple of the window's length
                    window.period = gap if window.period is None else min(window.period, gap)
                if window.announced is None or resets_at > window.announced:
                    window.announced = resets_at
                if resets_at <= now:
                    # An answer from a window already over, arriving late: its request was counted there, not in
                    # this window — if this window's count was reduced for it (it might have crossed), that
                    # request is given back. Under load answers are slow, the horizon of `_roll` wide, and
                    # without this a credential lost a whole window for a request that never crossed.
                    if window.crossing > 0 and window.remaining is not None:
                        window.crossing -= 1
                        window.remaining += 1
                        self._nudge(name)
                    elif window.remaining is None and window.limit is not None:
                        # The credential's first announcement, from a window already over (its request waited
                        # for a connection past the reset): the next window is not known yet, but it is not
                        # unlimited either — its limit goes until an answer announces it. (It was left unknown,
                        # and every request waiting for that first answer went at once: most of the 429s of
                        # the layouts held by the platform's concurrency.)
                        window.remaining = max(0, window.limit - window.in_flight)
                    return
                if window.resets_at is None or resets_at > window.resets_at + 0.5:
                    # A new window: requests still in flight may be counted in it too.
                    window.resets_at = resets_at
                    window.remaining = max(0, remaining - window.in_flight)
                    if window.remaining > 0:
                        self._nudge(name)
                elif resets_at < window.resets_at - 0.5:
                    # The reset assumed was wrong (later than the platform's): the platform's word wins.
                    window.resets_at = resets_at
                    window.remaining = remaining if window.remaining is None else min(window.remaining, remaining)
                    self._nudge(name)
                elif window.remaining is not None:
                    window.remaining = min(window.remaining, remaining)

    def pause(self, name: str, seconds: float) -> None:
        """Hold every request of the credential for `seconds` (a 429's Retry-After, a usage percentage)."""
        with self._lock:
            window = self._window(name)
            window.paused_until = max(window.paused_until, self.clock() + seconds)

    def _nudge(self, name: str) -> None:
        """Wake the credential's waiting request to look again (from any thread)."""
        turn = self._turns.get(name)
        if turn is not None and turn.loop is not None and not turn.loop.is_closed():
            turn.loop.call_soon_threadsafe(turn.wake)

    async def _wait(self, name: str, seconds: float, turn: _Turn) -> bool:
        """Sleep `seconds`, or less if an answer frees a place meanwhile: whether the whole wait was slept.

        One future and one timer a wait (it was two tasks and an `asyncio.wait`: a country's credentials wait
        about once a request each). An injected `sleep` (a test's clock) runs as a task instead of the timer."""
        self.paused_seconds[name] = self.paused_seconds.get(name, 0.0) + seconds
        if self.on_wait is not None:
            self.on_wait(seconds)
        loop = asyncio.get_running_loop()
        waking: asyncio.Future[bool] = loop.create_future()
        turn.waking = waking
        timer: asyncio.TimerHandle | asyncio.Future[None]
        # The timer settles this wait's own future: one that fires late cannot end a later wait as slept.
        if self.sleep is asyncio.sleep or (isinstance(self.sleep, SleepOf) and self.sleep.is_asyncio()):
            timer = loop.call_later(seconds, _resolve, waking, True)
        else:
            timer = asyncio.ensure_future(self.sleep(seconds))
            timer.add_done_callback(lambda done: None if done.cancelled() else _resolve(waking, True))
        try:
            return await waking
        finally:
            timer.cancel()
            if turn.waking is waking:
                turn.waking = None


def _resolve(future: asyncio.Future[bool], slept: bool) -> None:
    if not future.done():
        future.set_result(slept)


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
