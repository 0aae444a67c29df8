"""The nightly daemon: APScheduler 3 with cron triggers, one run at a time, clean shutdown.

`coalesce` and `max_instances=1` mean a backlog never becomes a burst of runs; a run that misses its time
by more than the grace period is skipped (and logged). SIGTERM/SIGINT stop the scheduler: a run still
observing the platforms is recorded as aborted, a run already writing finishes its transaction. Scheduled
and on-demand runs share the store's write lock.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from auditor.app.audit import AuditRequest, audit
from auditor.app.errors import InputError, RequestError, StoreBusy
from auditor.config import Config, EmailSinkConfig
from auditor.model import RunStatus, RunType

log = logging.getLogger("auditor.schedule")

SIGNAL_POLL_SECONDS = 1.0


def scheduled_run(config: Config, institution: str | None, stop: threading.Event) -> RunStatus | None:
    """One scheduled audit (all institutions, or one), with reports and ticket delivery."""
    log.info("scheduled run starting", extra={"event": "run_started", "institution": institution})
    request = AuditRequest(
        institutions=(institution,) if institution else (),
        run_type=RunType.SCHEDULED,
        wait_seconds=config.schedule.lock_wait_seconds,
        should_stop=stop.is_set,
    )
    try:
        outcome = audit(config, request)
    except StoreBusy as exc:
        log.error("%s", exc, extra={"event": "store_busy"})
        return None
    except (InputError, RequestError) as exc:
        log.error("input error, run skipped:\n%s", exc, extra={"event": "input_error"})
        return None
    if outcome.reports is None:
        log.warning("run aborted by shutdown", extra={"event": "run_aborted", "run_id": outcome.run_id})
        return outcome.status
    delivery = outcome.tickets.delivery
    if delivery is not None:
        log.info(
            "tickets delivered",
            extra={
                "event": "tickets",
                "run_id": outcome.run_id,
                "delivered": delivery.delivered,
                "failed": delivery.failed,
            },
        )
    report = outcome.reports.report
    log.info(
        "run #%s %s: %s open finding(s), coverage %.0f%%",
        outcome.run_id,
        outcome.status.value,
        sum(c.open for c in report.summary),
        100 * report.coverage.ratio,
        extra={
            "event": "run_finished",
            "run_id": outcome.run_id,
            "institution": institution,
            "incomplete_because": report.incomplete_because,
        },
    )
    return outcome.status


def daily_digest(config: Config) -> None:
    """The web application's users' reminders; a failure is logged, never the scheduler's end."""
    from auditor.app.digests import send_digests

    try:
        digests, errors = send_digests(config)
    except Exception:
        log.exception("daily digest failed", extra={"event": "digest_failed"})
        return
    for error in errors:
        log.warning("digest not sent: %s", error, extra={"event": "digest_failed"})
    log.info("daily digest: %d sent", len(digests) - len(errors), extra={"event": "digest_sent"})


def build_scheduler(
    config: Config, stop: threading.Event, *, run_now: bool = False, cron: str | None = None
) -> BackgroundScheduler:
    tz = ZoneInfo(config.schedule.timezone)
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.schedule.misfire_grace_seconds,
        },
    )
    first: dict[str, Any] = {"next_run_time": datetime.now(tz)} if run_now else {}
    scheduler.add_job(
        scheduled_run,
        CronTrigger.from_crontab(cron or config.schedule.cron, timezone=tz),
        args=[config, None, stop],
        id="all",
        name="all institutions",
        **first,
    )
    for institution, extra in config.schedule.institutions.items():
        scheduler.add_job(
            scheduled_run,
            CronTrigger.from_crontab(extra.cron, timezone=tz),
            args=[config, institution, stop],
            id=f"institution:{institution}",
            name=institution,
        )

    if config.schedule.digest_cron and any(isinstance(s, EmailSinkConfig) for s in config.tickets.sinks.values()):
        scheduler.add_job(
            daily_digest,
            CronTrigger.from_crontab(config.schedule.digest_cron, timezone=tz),
            args=[config],
            id="digest",
            name="daily digest",
        )

    def announce(event: SchedulerEvent) -> None:
        if isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_MISSED:
            log.warning(
                "run %s missed its time (%s): skipped",
                event.job_id,
                event.scheduled_run_time,
                extra={"event": "run_missed"},
            )
        for job in scheduler.get_jobs():
            log.info("next run of %s: %s", job.name, job.next_run_time, extra={"event": "next_run", "job": job.id})

    scheduler.add_listener(announce, EVENT_SCHEDULER_STARTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def serve(config: Config, *, run_now: bool = False, cron: str | None = None) -> int:
    """Run the daemon until SIGTERM or SIGINT."""
    stop = threading.Event()
    scheduler = build_scheduler(config, stop, run_now=run_now, cron=cron)

    def shutdown(signum: int, _frame: object) -> None:
        if stop.is_set():
            return  # already stopping
        log.warning(
            "received %s: stopping (a run in progress is finished or recorded as aborted)",
            signal.Signals(signum).name,
            extra={"event": "shutdown"},
        )
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    log.info("scheduler starting (timezone %s)", config.schedule.timezone, extra={"event": "scheduler_start"})
    scheduler.start()
    # The main thread wakes every second. Python runs a signal's handler in the main thread only, and only
    # when that thread runs: with the main thread asleep in the scheduler's own wait for the next cron time
    # (hours), a SIGTERM sent as a run started was never handled — the daemon finished the run and went on
    # waiting (seen twice in the test suite, under load). A wait of a second bounds how late it can be.
    while not stop.wait(SIGNAL_POLL_SECONDS):
        pass
    # Not `wait=True`: shutdown holds the job stores' lock while it waits, and a finishing run's listener
    # (`announce`) needs it. The pool's running job (it sees `stop`: aborted, or finishing its write) is
    # joined when the interpreter exits.
    scheduler.shutdown(wait=False)
    return 0
