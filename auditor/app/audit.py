"""Auditing, as every front end asks for it: on demand (CLI), nightly (the scheduler), the demo, and the
replay of a stored run. Each takes the store's lock, loads the inputs, runs the engine, writes the reports
and delivers the tickets; the front end only says how it went."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from auditor.app.demo_answers import seed_demo_answers
from auditor.app.errors import RequestError
from auditor.app.lookup import account_ids, check_run, check_scope, open_store, store_path
from auditor.app.outcome import EXIT_ABORTED, exit_code
from auditor.app.reporting import WrittenReports, language, parse_formats, publish_run, render_options
from auditor.app.setup import demo_files, unedited_placeholders
from auditor.app.tickets import TicketsOutcome, settle_tickets
from auditor.config import Config, OutboxSinkConfig, ReportsConfig, TicketsConfig
from auditor.engine import AuditResult, run_audit
from auditor.engine import reevaluate as replay
from auditor.i18n import Lang, as_lang, t
from auditor.inputs.inventory import load_inventory
from auditor.inputs.tuning import load_profile, load_waivers
from auditor.live import live_from_config, live_from_sandbox, load_sandbox
from auditor.lock import store_lock
from auditor.model import AccountSnapshot, Inventory, Platform, Profile, RunScope, RunStatus, RunType, Severity, Waiver
from auditor.model.clock import utcnow
from auditor.store import Store
from policies.evaluate import in_scope
from reports.csv import CsvDialect
from reports.render import RENDERERS


class AuditProgress(Protocol):
    """What a front end shows while the platforms are read (the CLI's progress bar)."""

    def start(self, total_accounts: int) -> None: ...

    def advance(self, snapshot: AccountSnapshot) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class AuditRequest:
    """One audit now. Paths left None come from the configuration."""

    inventory_paths: tuple[str, ...] = ()  # files or folders; none: the config's, else the last import
    institutions: tuple[str, ...] = ()
    platforms: tuple[Platform, ...] = ()
    accounts: tuple[str, ...] = ()  # registered account ids or handles (with or without @)
    db: Path | None = None
    out: Path | None = None
    formats: str | None = None  # comma-separated; None: the config's
    lang: str | None = None
    profile: Path | None = None
    waivers: Path | None = None
    live: bool = True  # False: inventory rules only, no platform is asked anything
    baseline: bool = False  # record what exists without opening incident tickets for it
    deliver_tickets: bool = True  # False: plan tickets, deliver later (`tickets deliver`)
    wait_seconds: float = 0.0  # for another audit holding the store's lock
    fail_on: Severity | str | None = "config"  # a severity, None (never fail), or "config": the config's
    csv_dialect: CsvDialect | None = None  # None: the config's
    run_type: RunType = RunType.ON_DEMAND
    should_stop: Callable[[], bool] | None = None  # a daemon's shutdown, checked while observing
    progress: AuditProgress | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AuditOutcome:
    run_id: int
    status: RunStatus
    exit_code: int  # see auditor.app.outcome
    reports: WrittenReports | None  # None when the run was aborted
    tickets: TicketsOutcome
    replayed_run: int | None = None  # a reevaluation: the run whose snapshots were replayed


@dataclass(frozen=True)
class _Inputs:
    """Everything a run reads, loaded and checked before anything is written (no store, no lock file)."""

    inventory: Inventory | None  # None: the store's last imported inventory, read under the lock
    profile: Profile
    waivers_file: Path | None
    formats: list[str]
    lang: Lang


def _load_inputs(config: Config, request: AuditRequest) -> _Inputs:
    formats = parse_formats(request.formats, config)
    configured = [str(p) for p in config.inventory.paths]
    given = list(request.inventory_paths)
    from_store = not given and store_path(config, request.db).exists() and not any(Path(p).exists() for p in configured)
    return _Inputs(
        inventory=None if from_store else load_inventory(given or configured),
        profile=load_profile(request.profile or config.policies.profile),
        waivers_file=request.waivers or config.policies.waivers,
        formats=formats,
        lang=language(request.lang, config),
    )


def _scope(inventory: Inventory, request: AuditRequest) -> RunScope:
    scope = RunScope(
        institutions=list(request.institutions),
        platforms=list(request.platforms),
        accounts=account_ids(inventory, request.accounts),
    )
    check_scope(inventory, scope)
    return scope


def _checked(inputs: _Inputs, inventory: Inventory, request: AuditRequest) -> tuple[list[Waiver], RunScope]:
    """The waivers (their scopes must name registered institutions and accounts) and the run's scope. An
    inventory still holding the starter's placeholders is refused: its audit would report about nobody."""
    placeholders = unedited_placeholders(inventory)
    if placeholders:
        raise RequestError(t("audit.unedited_starter", where="; ".join(placeholders)))
    return load_waivers(inputs.waivers_file, inventory), _scope(inventory, request)


def _threshold(config: Config, fail_on: Severity | str | None) -> Severity | None:
    if fail_on == "config":
        return config.audit.fail_on
    if fail_on is None or fail_on == "none":
        return None
    return Severity(fail_on)


def audit(config: Config, request: AuditRequest) -> AuditOutcome:
    """Run one audit, write its reports into the run's own folder and (unless asked not to) deliver its
    tickets. Inputs and names are checked first: a request that fails on input writes nothing at all."""
    inputs = _load_inputs(config, request)
    # Checked before the store exists; an inventory read from the store is checked under its lock.
    checked = _checked(inputs, inputs.inventory, request) if inputs.inventory is not None else None
    db_path = store_path(config, request.db)
    with store_lock(db_path, request.wait_seconds):
        store = Store(db_path)
        inventory = inputs.inventory if inputs.inventory is not None else store.load_inventory()
        waivers, scope = checked or _checked(inputs, inventory, request)
        progress = request.progress if request.live else None
        if progress is not None:
            progress.start(
                sum(
                    1
                    for i in inventory.institutions
                    for a in i.accounts
                    if in_scope(scope, i.institution.id, a.platform, a.id)
                )
            )
        result = run_audit(
            store,
            inventory,
            profile=inputs.profile,
            waivers=waivers,
            scope=scope,
            run_type=request.run_type,
            import_inventory=inputs.inventory is not None,
            live=live_from_config(config) if request.live else None,
            tickets=config.tickets,
            baseline=request.baseline,
            should_stop=request.should_stop,
            progress=progress.advance if progress is not None else None,
        )
        if progress is not None:
            progress.finish()
        if result.status is RunStatus.ABORTED:
            return AuditOutcome(result.run_id, result.status, EXIT_ABORTED, None, TicketsOutcome(0, 0, None))
        # Tickets first, so the report carries their references.
        stopping = request.should_stop is not None and request.should_stop()
        tickets = settle_tickets(
            store, config.tickets, result.tickets_held, deliver_now=request.deliver_tickets and not stopping
        )
        reports = publish_run(
            store,
            result.run_id,
            request.out or config.reports.out,
            inputs.formats,
            inputs.lang,
            keep_runs=config.reports.keep_runs,
            options=render_options(config, request.csv_dialect),
        )
        return _outcome(result, reports, tickets, _threshold(config, request.fail_on))


def _outcome(
    result: AuditResult,
    reports: WrittenReports,
    tickets: TicketsOutcome,
    threshold: Severity | None,
    replayed_run: int | None = None,
) -> AuditOutcome:
    return AuditOutcome(
        result.run_id,
        result.status,
        exit_code(result.status, reports.report, threshold, tickets.failed),
        reports,
        tickets,
        replayed_run,
    )


@dataclass(frozen=True)
class ReevaluateRequest:
    """Replay the rules on a stored run's snapshots, without credentials, as a new run."""

    run_id: int
    db: Path | None = None
    out: Path | None = None
    lang: str | None = None
    profile: Path | None = None
    waivers: Path | None = None


def reevaluate(config: Config, request: ReevaluateRequest) -> AuditOutcome:
    """The profile and waivers in force (the config's unless given; without any waivers file, the replayed
    run's own), applied to a stored run's snapshots as a new run recorded now."""
    profile = load_profile(request.profile or config.policies.profile)
    waivers_file = request.waivers or config.policies.waivers
    waivers = load_waivers(waivers_file) if waivers_file else None
    lang = language(request.lang, config)
    store = open_store(config, request.db)
    check_run(store, request.run_id)
    with store_lock(store.path, 0):
        try:
            result = replay(store, request.run_id, profile=profile, waivers=waivers)
        except LookupError as exc:
            raise RequestError(str(exc)) from None
    reports = publish_run(
        store,
        result.run_id,
        request.out or config.reports.out,
        list(RENDERERS),
        lang,
        keep_runs=config.reports.keep_runs,
    )
    return _outcome(result, reports, TicketsOutcome(0, 0, None), _threshold(config, "config"), request.run_id)


@dataclass(frozen=True)
class DemoRequest:
    out: Path = Path("demo-output")
    lang: str = "es"
    sandbox_url: str | None = None  # a running `auditor sandbox serve`; None: the in-process sandbox
    screenshot: bool = False


def demo(request: DemoRequest) -> AuditOutcome:
    """Audit the built-in demo institutions against the platform sandbox: no credentials, no network.

    On a new output folder the demo first audits the platforms as they were "yesterday" (the scenario's
    baseline), so the rules about changes have a past to compare with. Its incident tickets go to an outbox
    folder next to its reports.
    """
    out_dir = request.out
    with store_lock(out_dir / "audit.db", 0):
        files = demo_files()
        store = Store(out_dir / "audit.db")
        inventory = load_inventory([str(files / "inventory")])
        profile = load_profile(files / "profile.yaml")
        waivers = load_waivers(files / "waivers.yaml", inventory)
        sandbox = load_sandbox(files / "sandbox.yaml")
        tickets = TicketsConfig(sinks={"outbox": OutboxSinkConfig(path=out_dir / "tickets")})
        if store.run() is None:
            yesterday = sandbox.with_overlay(sandbox.scenario.get("baseline"))
            run_audit(
                store,
                inventory,
                profile=profile,
                waivers=waivers,
                run_type=RunType.DEMO,
                now=utcnow() - timedelta(days=1),
                live=live_from_sandbox(yesterday),
                tickets=tickets,
            )
            seed_demo_answers(out_dir / "audit.db", utcnow() - timedelta(hours=12))
        result = run_audit(
            store,
            inventory,
            profile=profile,
            waivers=waivers,
            run_type=RunType.DEMO,
            live=live_from_sandbox(sandbox, url=request.sandbox_url),
            tickets=tickets,
        )
        delivered = settle_tickets(store, tickets, result.tickets_held, deliver_now=True)
        reports = publish_run(
            store,
            result.run_id,
            out_dir,
            list(RENDERERS),
            as_lang(request.lang),
            keep_runs=ReportsConfig().keep_runs,
            screenshot=request.screenshot,
        )
        return _outcome(result, reports, delivered, Severity.HIGH)
