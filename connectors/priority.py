"""Which request goes first when the run has more ready requests than it has connection slots for.

A run lasts as long as its longest chain of requests — the credential with the most requests, one window at
a time. When many credentials' windows open at once (every credential's first request; resets on the same
second, as X announces them), the event loop serves whoever asked first, and the longest chains' requests
queue behind a thousand short ones: on the 1,000 × 1 bench layout a Meta credential's second answer came
back 1.9 s after its window opened, and its chain lost windows it never got back. The observing engine sets
a `RunPriorities` for the run: every platform's requests pass one gate, as many in flight as all the
platforms' connection slots together (no new limit), and when more are ready the credential with the most
requests in the run goes first. A request outside a run (a test, a connector on its own) passes freely.
Measured on that layout, five runs each: wall / bound 1.26–1.30 without, 1.23 with.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar


class RunPriorities:
    """`weights`: each credential's requests in the run (its chain's length); `capacity`: slots in all."""

    def __init__(self, weights: Mapping[str, int], capacity: int) -> None:
        self.weights = dict(weights)
        self.capacity = capacity
        self._in_flight = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def slot(self, credential: str) -> AsyncIterator[None]:
        """Hold one of the run's slots for a request of `credential` (waiting, longest chain first, when the
        slots are taken or others already wait)."""
        if self._in_flight >= self.capacity or self._waiting:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (-self.weights.get(credential, 0), next(self._order), future))
            try:
                await future
            except BaseException:
                if future.done() and not future.cancelled():
                    self._release()  # handed the slot as it was cancelled: it passes on
                else:
                    self._waiting = [w for w in self._waiting if w[2] is not future]
                    heapq.heapify(self._waiting)
                raise
        else:
            self._in_flight += 1
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)  # the slot passes to it: as many in flight as before
                return
        self._in_flight -= 1


CURRENT_RUN: ContextVar[RunPriorities | None] = ContextVar("run_priorities", default=None)
