"""Crashes: `auditor audit` is SIGKILLed at seeded points across fetching, evaluating, committing and
delivering. After each kill the store is intact; the killed run is recorded as aborted (by the next run,
which holds the lock and so knows its predecessor is dead) unless it had committed; the next run succeeds;
and in the end every incident ticket was delivered exactly once — none lost, none duplicated.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
from collections import Counter
from pathlib import Path

from tests.reliability.world import World, canary_scenario

SEED = 20261129
KILLS = 24


def kill_points(world: World) -> list[str]:
    """A seeded sample over every phase. Counts stay within what one run of the demo reaches (each run has at
    least its new intruder's ticket to deliver)."""
    rng = random.Random(SEED)
    accounts = world.query("select count(*) from accounts")[0][0] if world.db.exists() else 20
    plan = (
        [f"fetch:{rng.randint(1, accounts)}" for _ in range(6)]
        + [f"evaluate:{rng.randint(1, accounts)}" for _ in range(5)]
        + [f"commit:{n}" for n in rng.sample(range(1, 7), 6)]
        + [f"deliver:{rng.randint(1, 2)}" for _ in range(4)]
        + [f"after-send:{rng.randint(1, 2)}" for _ in range(3)]
    )
    rng.shuffle(plan)
    return plan


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("pragma integrity_check").fetchone()[0])


def test_sigkill_at_seeded_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    world = World(tmp_path, canary_scenario(), tickets_max_new=1000)
    try:
        points = kill_points(world)
        assert len(points) == KILLS
        killed: list[str] = []
        for n, point in enumerate(points):
            world.add_intruder(n)  # every run that commits has a new incident ticket to deliver
            before = world.runs() if world.db.exists() else []
            done = world.audit(kill_at=point)
            if done.returncode == -signal.SIGKILL:
                killed.append(point)
            else:
                assert done.returncode in (0, 1, 3), f"{point}: {done.stderr[-2000:]}"
            assert integrity(world.db) == "ok", point
            runs = world.runs()
            # Earlier runs: each ended (complete/incomplete) or was recorded as aborted by its successor.
            assert all(status in ("complete", "incomplete", "aborted") for _, status in runs[:-1]), runs
            if done.returncode < 0:  # the run just killed is running (it died) or committed before dying
                assert runs[-1][1] in ("running", "complete", "incomplete")
            # What the previous run left running is now aborted: nothing stays "running" behind a new run.
            if before and before[-1][1] == "running":
                assert dict(runs)[before[-1][0]] == "aborted"
        assert len(killed) >= 20, f"only {len(killed)} of the {KILLS} points were reached: {killed}"
        assert {p.split(":")[0] for p in killed} == {"fetch", "evaluate", "commit", "deliver", "after-send"}

        final = world.audit()
        assert final.returncode in (0, 1, 3), final.stderr[-2000:]
        runs = world.runs()
        assert runs[-1][1] in ("complete", "incomplete")
        assert "running" not in {status for _, status in runs}
        aborted = sum(1 for _, status in runs if status == "aborted")
        assert aborted >= sum(1 for p in killed if p.split(":")[0] in ("fetch", "evaluate")), runs

        # Exactly once: every delivery done, one outbox file per ticket event, one create per ticket.
        pending = world.query("select count(*) from deliveries where status != 'delivered'")[0][0]
        assert pending == 0
        events = world.query("select count(*) from tickets")[0][0]
        files = sorted(world.outbox.glob("*.json"))
        assert len(files) == events
        creates = Counter(
            json.loads(f.read_text(encoding="utf-8"))["ticket"]["fingerprint"] for f in files if "-create-" in f.name
        )
        assert creates and max(creates.values()) == 1
        # None lost: every open incident finding has its ticket in the outbox.
        incidents = {
            fp for (fp,) in world.query("select fingerprint from findings where incident = 1 and status = 'open'")
        }
        assert incidents <= set(creates), incidents - set(creates)
    finally:
        world.close()
