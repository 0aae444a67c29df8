"""One audit run: observe the platforms, evaluate the rules, match waivers, record everything at once.

The application layer (`auditor.app.audit`) calls `run_audit` (or `reevaluate`, which replays a stored
run's snapshots without credentials) with inputs already loaded and the store's lock held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from auditor.config import TicketsConfig
from auditor.crashpoints import crash_point
from auditor.inputs.inventory import inventory_digest
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
from auditor.model.clock import local_date, utcnow
from auditor.model.declarations import HumanState
from auditor.observe import LiveSetup, Observation, observe
from auditor.store import Store
from auditor.tickets.deliver import DeliveryReport, build_sinks, deliver
from auditor.tickets.plan import TicketPlanner
from policies.evaluate import Observations, evaluate
from policies.human import apply_human_input, in_force_waivers
from policies.profile import effective_rules

log = logging.getLogger("auditor.engine")


@dataclass(frozen=True)
class AuditResult:
    run_id: int
    status: RunStatus
    open_severities: list[Severity]  # of the findings this run's rules produced (not waived)
    accounts_observed: int = 0
    requests: int = 0
    tickets_held: int = 0  # new tickets over the per-run cap, kept for review


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

    With `tickets`, incident tickets are planned in the run's transaction (delivered by `deliver_tickets`);
    `baseline` (or `baseline_first_run` on a new store) records what already exists without opening tickets.
    `should_stop` (a daemon's shutdown) is checked while the platforms are observed: the run is then recorded
    as aborted, with nothing else written. Once the run's transaction has begun, it is completed.
    """
    started = now or utcnow()
    scope = scope or RunScope()
    observations = None
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

    try:
        if live is not None:
            previous = store.latest_snapshots()
            pinned = store.pinned_ids()
            try:
                seen = asyncio.run(
                    _observe_unless_stopped(observe(inventory, scope, live, pinned, previous, progress), should_stop)
                )
            except RunAborted:
                mark_aborted()
                return AuditResult(run_id, RunStatus.ABORTED, [])
            requests = seen.requests
            observations = Observations(
                snapshots=seen.snapshots,
                previous=previous,
                prior=store.prior_evidence(),
                discovered=seen.discovered,
                discovery_failed=seen.discovery_failed,
                pinned=pinned,
            )
        planner = None
        if tickets is not None and tickets.sinks:
            first_run = store.run() is None
            planner = TicketPlanner(
                inventory,
                observations.snapshots if observations else {},
                started,
                lang=tickets.lang,
                recipient=tickets.recipient,
                deadline_hours=tickets.deadline_hours,
                baseline=baseline or (tickets.baseline_first_run and first_run),
                max_new=tickets.max_new_per_run,
            )
        return _evaluate_and_record(
            store,
            inventory,
            profile,
            waivers or [],
            scope,
            run_type,
            import_inventory,
            started,
            now,
            observations,
            requests,
            planner,
            list(tickets.sinks) if tickets else [],
            run_id,
            human=store.human_state(),
        )
    except BaseException:  # an error, not a kill: the run is recorded as aborted now, not at the next start
        with contextlib.suppress(Exception):
            mark_aborted()
        raise


class RunAborted(Exception):
    pass


async def _observe_unless_stopped(
    work: Coroutine[Any, Any, Observation], should_stop: Callable[[], bool] | None
) -> Observation:
    """Observe, cancelling (and raising RunAborted) as soon as `should_stop` says so."""
    task = asyncio.ensure_future(work)
    while not task.done():
        if should_stop is not None and should_stop():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise RunAborted
        await asyncio.wait({task}, timeout=0.2)
    return task.result()


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
    snapshots = store.run_snapshots(run_id)
    observations = None
    if snapshots:
        observations = Observations(
            snapshots=snapshots,
            previous=store.latest_snapshots(before_run=run_id),
            prior=store.prior_evidence(before_run=run_id),
            discovered=store.run_discoveries(run_id),
            pinned=store.pinned_ids(),
        )
    started = now or utcnow()
    in_force = waivers if waivers is not None else store.run_waivers(run_id)
    mode = RunMode.LIVE if observations is not None else RunMode.INVENTORY
    new_run = store.begin_run(
        started_at=started,
        run_type=RunType.REEVALUATION,
        scope=run.scope,
        digest=run.inventory_digest,
        mode=mode,
        replay_of=run_id,
    )
    return _evaluate_and_record(
        store,
        inventory,
        profile,
        in_force,
        run.scope,
        RunType.REEVALUATION,
        False,
        started,
        None,
        observations,
        0,
        run_id=new_run,
        replay_of=run_id,
        human=store.human_state(),
    )


def _evaluate_and_record(
    store: Store,
    inventory: Inventory,
    profile: Profile | None,
    waivers: list[Waiver],
    scope: RunScope,
    run_type: RunType,
    import_inventory: bool,
    started: datetime,
    now: datetime | None,
    observations: Observations | None,
    requests: int,
    planner: TicketPlanner | None = None,
    sinks: list[str] | None = None,
    run_id: int | None = None,
    replay_of: int | None = None,
    human: HumanState | None = None,
) -> AuditResult:
    today = local_date(started)
    human = human or HumanState()
    waivers = in_force_waivers(waivers, human)
    evaluation = evaluate(
        inventory,
        effective_rules(profile or Profile()),
        waivers,
        today,
        scope,
        observations,
        after_account=lambda: crash_point("evaluate"),
        declarations=human.current(),
    )
    evaluation.findings, waived = apply_human_input(evaluation.findings, waivers, human, today)
    snapshots = observations.snapshots if observations else {}
    failed = any(s.error is not None for s in snapshots.values())
    status = RunStatus.INCOMPLETE if failed or evaluation.coverage.errors else RunStatus.COMPLETE
    run_id = store.record_run(
        started_at=started,
        finished_at=now or utcnow(),
        run_type=run_type,
        scope=scope,
        inventory=inventory,
        digest=inventory_digest(inventory),
        findings=evaluation.findings,
        waived=waived,
        evaluated=evaluation.evaluated,
        errored=evaluation.errored,
        coverage=evaluation.coverage,
        status=status,
        import_inventory=import_inventory,
        snapshots=snapshots if run_type is not RunType.REEVALUATION else {},
        discovered=(observations.discovered or {}) if observations and run_type is not RunType.REEVALUATION else {},
        coverage_detail=evaluation.coverage_detail,
        waivers=waivers,
        ticketing=planner,
        sinks=sinks,
        run_id=run_id,
        mode=RunMode.LIVE if observations is not None else RunMode.INVENTORY,
        replay_of=replay_of,
        unverified=evaluation.unverified,
        profile=(profile or Profile()).name,
    )
    open_severities = [f.severity for f in evaluation.findings if f.fingerprint not in waived]
    return AuditResult(run_id, status, open_severities, len(snapshots), requests, planner.held if planner else 0)
