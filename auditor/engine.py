"""One audit run: observe the platforms (staging each snapshot as it arrives), then judge and publish the run
an institution at a time (`auditor.judge`).

The application layer (`auditor.app.audit`) calls `run_audit` (or `reevaluate`, which replays a stored
run's snapshots without credentials) with inputs already loaded and the store's lock held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from auditor.collector import batch_job
from auditor.config import TicketsConfig
from auditor.inputs.inventory import inventory_digest
from auditor.judge import Judging, ObservedRun, RunRecord, judge_and_publish, replayed_run, staged_run
from auditor.judge_early import EarlyJudging
from auditor.model import (
    AccountSnapshot,
    Inventory,
    Profile,
    RunMode,
    RunScope,
    RunStatus,
    RunType,
    Severity,
    Waiver,
)
from auditor.model.clock import utcnow
from auditor.observe import LiveSetup, Observation, may_discover, observe
from auditor.store import Store
from auditor.tickets.deliver import DeliveryReport, build_sinks, deliver
from auditor.tickets.plan import TicketPlanner

log = logging.getLogger("auditor.engine")


@dataclass(frozen=True)
class AuditResult:
    run_id: int
    status: RunStatus
    open_severities: list[Severity]  # of the findings this run's rules produced (not waived)
    accounts_observed: int = 0
    requests: int = 0
    tickets_held: int = 0  # new tickets over the per-run cap, kept for review


@batch_job()
def run_audit(
    store: Store,
    inventory: Inventory,
    *,
    profile: Profile | None = None,
    waivers: list[Waiver] | None = None,
    scope: RunScope | None = None,
    run_type: RunType = RunType.ON_DEMAND,
    import_inventory: bool = True,
    now: datetime | None = None,
    live: LiveSetup | None = None,
    tickets: TicketsConfig | None = None,
    baseline: bool = False,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[AccountSnapshot], None] | None = None,
) -> AuditResult:
    """Audit now. Without `live`, only the inventory rules run (nothing is asked of any platform).

    With `tickets`, incident tickets are planned with the run's findings and published with them (delivered by
    `deliver_tickets`); `baseline` (or `baseline_first_run` on a new store) records what already exists
    without opening tickets. `should_stop` (a daemon's shutdown) is checked while the platforms are observed:
    the run is then recorded as aborted, and what it staged is deleted. Once judging has begun, it completes.
    """
    started = now or utcnow()
    scope = scope or RunScope()
    requests = 0
    for interrupted in store.abort_interrupted_runs(utcnow()):
        log.warning("run %s was interrupted (the process died): recorded as aborted", interrupted)
    digest = inventory_digest(inventory)
    mode = RunMode.LIVE if live is not None else RunMode.INVENTORY
    run_id = store.begin_run(started_at=started, run_type=run_type, scope=scope, digest=digest, mode=mode)

    def mark_aborted() -> None:
        store.record_aborted_run(
            started_at=started,
            finished_at=utcnow(),
            run_type=run_type,
            scope=scope,
            digest=digest,
            run_id=run_id,
            mode=mode,
        )

    record = RunRecord(run_id, run_type, scope, started, import_inventory)
    try:
        observed: ObservedRun | None = None
        human = store.human_state()  # as the run starts: every institution is judged with the same
        judging = Judging.of(record, profile, waivers or [], human)

        def quoted(inst: str) -> Mapping[tuple[str, str], AccountSnapshot]:
            """The snapshots a ticket quotes: its institution's, as judging at the end reads them (institutions
            judged early stage theirs with the snapshots they were judged on)."""
            return observed.institution(inst).snapshots if observed is not None else {}

        planner = None
        if tickets is not None and tickets.sinks:
            first_run = store.run() is None
            planner = TicketPlanner(
                inventory,
                store.ticket_history(),
                started,
                snapshots=quoted,
                lang=tickets.lang,
                recipient=tickets.recipient,
                deadline_hours=tickets.deadline_hours,
                baseline=baseline or (tickets.baseline_first_run and first_run),
                max_new=tickets.max_new_per_run,
            )
        early = None
        if live is not None:
            pinned = store.pinned_ids()
            hints = store.previous_hints()
            stager = SnapshotStager(store, run_id)
            early = EarlyJudging(
                store,
                run_id,
                inventory,
                scope,
                judging,
                hints=hints,
                pinned=pinned,
                discovering=may_discover(inventory, scope, live),
                flush=stager.flush,
                planner=planner,
            )

            def sink(snapshot: AccountSnapshot) -> None:
                early.arrived(snapshot)
                stager.add(snapshot)

            try:
                seen = asyncio.run(
                    _observe_unless_stopped(
                        observe(inventory, scope, live, pinned, hints, progress, sink=sink), should_stop, early.run()
                    )
                )
            except RunAborted:
                mark_aborted()
                return AuditResult(run_id, RunStatus.ABORTED, [])
            stager.flush()
            requests = seen.requests
            observed = staged_run(store, run_id, inventory, pinned, hints, seen.discovered, seen.discovery_failed)
        judged = judge_and_publish(
            store,
            record,
            inventory,
            profile,
            waivers or [],
            observed,
            human=human,
            planner=planner,
            sinks=list(tickets.sinks) if tickets else [],
            now=now,
            judging=judging,
            staged=early.staged if early is not None else None,
        )
        return AuditResult(
            run_id,
            judged.status,
            judged.open_severities,
            judged.accounts_observed,
            requests,
            judged.tickets_held,
        )
    except BaseException:  # an error, not a kill: the run is recorded as aborted now, not at the next start
        with contextlib.suppress(Exception):
            mark_aborted()
        raise


class SnapshotStager:
    """Hands a run's snapshots to the store's staging area as they arrive, a batch per short transaction, so
    a country's snapshots are never all in memory."""

    def __init__(self, store: Store, run_id: int, batch: int = 100) -> None:
        self.store, self.run_id, self.batch = store, run_id, batch
        self.pending: list[AccountSnapshot] = []

    def add(self, snapshot: AccountSnapshot) -> None:
        self.pending.append(snapshot)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.store.stage_snapshots(self.run_id, self.pending)
            self.pending = []


class RunAborted(Exception):
    pass


async def _observe_unless_stopped(
    work: Coroutine[Any, Any, Observation],
    should_stop: Callable[[], bool] | None,
    alongside: Coroutine[Any, Any, None] | None = None,
) -> Observation:
    """Observe, cancelling (and raising RunAborted) as soon as `should_stop` says so. `alongside` (early
    judging) runs while observing and is cancelled when it ends; an exception of its own is the run's."""
    task = asyncio.ensure_future(work)
    helper = asyncio.ensure_future(alongside) if alongside is not None else None
    try:
        while not task.done():
            if should_stop is not None and should_stop():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                raise RunAborted
            if helper is not None and helper.done():
                helper.result()  # it failed: raise it here, not at the end of a long observation
            await asyncio.wait({task} if helper is None or helper.done() else {task, helper}, timeout=0.2)
        return task.result()
    finally:
        if helper is not None:
            helper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await helper


def deliver_tickets(
    store: Store,
    tickets: TicketsConfig,
    *,
    base: Path | None = None,
    now: datetime | None = None,
    ticket_ids: list[int] | None = None,
) -> DeliveryReport:
    """Send the outbox's due deliveries to every configured sink (also run at the end of every audit)."""
    sinks = build_sinks(tickets, base)
    return asyncio.run(
        deliver(
            store,
            sinks,
            now or utcnow(),
            max_attempts=tickets.max_attempts,
            backoff_seconds=tickets.backoff_seconds,
            ticket_ids=ticket_ids,
        )
    )


@batch_job()
def reevaluate(
    store: Store,
    run_id: int,
    *,
    profile: Profile | None = None,
    waivers: list[Waiver] | None = None,
    now: datetime | None = None,
) -> AuditResult:
    """Replay the rules on a stored run's snapshots and inventory, without credentials, as a new run.

    The new run is recorded at its own time (now: waivers and dates are judged as of today) and names the
    run it replayed. Without `waivers`, the waivers recorded with the replayed run apply: a replay never
    resolves a waived finding, or OPS-004, just because no waivers file was passed.
    """
    run = store.run(run_id)
    if run is None:
        raise LookupError(f"no run {run_id} in {store.path}")
    inventory = store.inventory_version(run.inventory_digest)
    if inventory is None:
        raise LookupError(f"run {run_id} has no stored inventory version")
    observed = replayed_run(store, run_id, inventory)
    started = now or utcnow()
    in_force = waivers if waivers is not None else store.run_waivers(run_id)
    mode = RunMode.LIVE if observed is not None else RunMode.INVENTORY
    new_run = store.begin_run(
        started_at=started,
        run_type=RunType.REEVALUATION,
        scope=run.scope,
        digest=run.inventory_digest,
        mode=mode,
        replay_of=run_id,
    )
    judged = judge_and_publish(
        store,
        RunRecord(new_run, RunType.REEVALUATION, run.scope, started, False, replay_of=run_id),
        inventory,
        profile,
        in_force,
        observed,
        human=store.human_state(),
    )
    return AuditResult(new_run, judged.status, judged.open_severities, judged.accounts_observed)
