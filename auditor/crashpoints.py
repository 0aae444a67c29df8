"""Named points where the reliability suite kills the process (SIGKILL), to prove nothing is lost there.

`AUDITOR_KILL_AT="point:N"` kills the process the N-th time `crash_point("point")` is reached. Without the
variable a crash point costs one dictionary look-up. The points: `fetch` (after each account observed),
`evaluate` (after each account's rules), `commit` (between the writes of the run's transaction), `deliver`
(before a ticket event is sent) and `after-send` (after it was sent, before it is recorded).
"""

from __future__ import annotations

import os
import signal

KILL_ENV = "AUDITOR_KILL_AT"
POINTS = ("fetch", "evaluate", "commit", "deliver", "after-send")

_reached: dict[str, int] = {}


def crash_point(point: str) -> None:
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    _reached[point] = _reached.get(point, 0) + 1
    if _reached[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
