"""Auditing, as every front end asks for it: on demand (CLI), nightly (the scheduler), the demo, and the
replay of a stored run. Each takes the store's lock, loads the inputs, runs the engine, writes the reports
and delivers the tickets; the front end only says how it went."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from auditor.app.errors import RequestError
from auditor.app.reporting import WrittenReports, language, parse_formats, write_run_reports
from auditor.app.setup import demo_files
from auditor.app.tickets import TicketsOutcome, settle_tickets
from auditor.config import Config, OutboxSinkConfig, TicketsConfig
from auditor.engine import AuditResult, run_audit
from auditor.engine import reevaluate as replay
from auditor.i18n import Lang
from auditor.inputs.inventory import load_inventory
from auditor.inputs.tuning import load_profile, load_waivers
from auditor.live import live_from_config, live_from_sandbox, load_sandbox
from auditor.lock import store_lock
from auditor.model import AccountSnapshot, Inventory, Platform, RunScope, RunStatus, RunType, Severity
from auditor.model.clock import utcnow
from auditor.store import Store
from policies.evaluate import in_scope
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
    run_type: RunType = RunType.ON_DEMAND
    should_stop: Callable[[], bool] | None = None  # a daemon's shutdown, checked while observing
    progress: AuditProgress | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AuditOutcome:
    run_id: int
    status: RunStatus
    exit_code: int  # 0 clean, 1 findings at or above fail_on, 3 incomplete (see AuditResult.exit_code)
    reports: WrittenReports | None  # None when the run was aborted
    tickets: TicketsOutcome
    replayed_run: int | None = None  # a reevaluation: the run whose snapshots were replayed


def _account_ids(inventory: Inventory, wanted: tuple[str, ...]) -> list[str]:
    ids = []
    for value in wanted:
        key = value.lstrip("@").lower()
        match = [
            a.id for i in inventory.institutions for a in i.accounts if a.id == value or (a.handle or "").lower() == key
        ]
        if not match:
            raise RequestError(f"no registered account with id or handle {value!r}", "account")
        ids.extend(match)
    return ids


def _inventory_for(config: Config, store: Store, request: AuditRequest) -> tuple[Inventory, bool]:
    """The inventory for a run, and whether it comes from files (and is imported with the run).

    The inventory files are the source of truth and are re-read on every run. Only where none of the
    configured paths exists (a central office that receives registers through `inventory import`) is the
    last imported inventory used.
    """
    configured = [str(p) for p in config.inventory.paths]
    given = list(request.inventory_paths)
    stored = store.load_inventory() if not given else Inventory()
    if not given and stored.institutions and not any(Path(p).exists() for p in configured):
        inv, imported = stored, False
    else:
        inv, imported = load_inventory(given or configured), True
    unknown = [i for i in request.institutions if inv.get(i) is None]
    if unknown:
        raise RequestError(f"not in the inventory: {', '.join(unknown)}", "institution")
    return inv, imported


def _threshold(config: Config, fail_on: Severity | str | None) -> Severity | None:
    if fail_on == "config":
        return config.audit.fail_on
    if fail_on is None or fail_on == "none":
        return None
    return Severity(fail_on)


def audit(config: Config, request: AuditRequest) -> AuditOutcome:
    """Run one audit, write its reports and (unless asked not to) deliver its tickets."""
    db_path = request.db or config.store.path
    with store_lock(db_path, request.wait_seconds):
        store = Store(db_path)
        out_dir = request.out or config.reports.out
        formats = parse_formats(request.formats, config)
        inventory, imported = _inventory_for(config, store, request)
        scope = RunScope(
            institutions=list(request.institutions),
            platforms=list(request.platforms),
            accounts=_account_ids(inventory, request.accounts),
        )
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
            profile=load_profile(request.profile or config.policies.profile),
            waivers=load_waivers(request.waivers or config.policies.waivers, inventory),
            scope=scope,
            run_type=request.run_type,
            import_inventory=imported,
            live=live_from_config(config) if request.live else None,
            tickets=config.tickets,
            baseline=request.baseline,
            should_stop=request.should_stop,
            progress=progress.advance if progress is not None else None,
        )
        if progress is not None:
            progress.finish()
        if result.status is RunStatus.ABORTED:
            return AuditOutcome(result.run_id, result.status, 3, None, TicketsOutcome(0, 0, None))
        reports = write_run_reports(store, result.run_id, out_dir, formats, language(request.lang, config))
        stopping = request.should_stop is not None and request.should_stop()
        tickets = settle_tickets(
            store, config.tickets, result.tickets_held, deliver_now=request.deliver_tickets and not stopping
        )
        return _outcome(result, reports, tickets, _threshold(config, request.fail_on))


def _outcome(
    result: AuditResult, reports: WrittenReports, tickets: TicketsOutcome, threshold: Severity | None
) -> AuditOutcome:
    return AuditOutcome(result.run_id, result.status, result.exit_code(threshold), reports, tickets)


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
    db_path = request.db or config.store.path
    with store_lock(db_path, 0):
        store = Store(db_path)
        try:
            result = replay(
                store,
                request.run_id,
                profile=load_profile(request.profile or config.policies.profile),
                waivers=load_waivers(request.waivers or config.policies.waivers),
            )
        except LookupError as exc:
            raise RequestError(str(exc)) from None
    reports = write_run_reports(
        store, result.run_id, request.out or config.reports.out, list(RENDERERS), language(request.lang, config)
    )
    outcome = _outcome(result, reports, TicketsOutcome(0, 0, None), _threshold(config, "config"))
    return AuditOutcome(
        outcome.run_id, outcome.status, outcome.exit_code, reports, outcome.tickets, replayed_run=request.run_id
    )


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
        result = run_audit(
            store,
            inventory,
            profile=profile,
            waivers=waivers,
            run_type=RunType.DEMO,
            live=live_from_sandbox(sandbox, url=request.sandbox_url),
            tickets=tickets,
        )
        lang: Lang = "en" if request.lang == "en" else "es"
        reports = write_run_reports(store, result.run_id, out_dir, list(RENDERERS), lang, screenshot=request.screenshot)
        delivered = settle_tickets(store, tickets, result.tickets_held, deliver_now=True)
        return _outcome(result, reports, delivered, Severity.HIGH)
