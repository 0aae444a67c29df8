"""How long one account may take: a deadline the engine sets around each account's fetch, which the HTTP layer
extends by the time spent waiting for what the platform announced (rate-limit windows, `Retry-After`) or for
a free connection slot — those are not the account's fault — but never past the run's own deadline, which
counts everything."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass

# Waits shorter than this are summed and the deadline moved once they add up to it: most waits for a free
# slot last microseconds, and moving the deadline re-arms a timer (three or four a request).
EXCUSE_STEP_SECONDS = 0.05


@dataclass
class AccountDeadline:
    timeout: asyncio.Timeout
    run_end: float | None  # event-loop time when the whole run's deadline passes (None: no run deadline)
    owed: float = 0.0  # waiting excused but not yet added to the deadline (less than `EXCUSE_STEP_SECONDS`)

    def excuse(self, seconds: float) -> None:
        """Push the account's deadline back by `seconds` of waiting it did not cause."""
        when = self.timeout.when()
        if when is None or seconds <= 0:
            return
        self.owed += seconds
        if self.owed < EXCUSE_STEP_SECONDS:
            return
        later, self.owed = when + self.owed, 0.0
        self.timeout.reschedule(min(later, self.run_end) if self.run_end is not None else later)


CURRENT: ContextVar[AccountDeadline | None] = ContextVar("account_deadline", default=None)


def excuse(seconds: float) -> None:
    """Extend the current account's deadline (no-op outside an account's fetch)."""
    deadline = CURRENT.get()
    if deadline is not None:
        deadline.excuse(seconds)
