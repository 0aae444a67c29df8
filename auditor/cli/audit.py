"""`audit`, `baseline`, `reevaluate`, `report` and `demo`: parse, call `auditor.app`, say how it went."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from auditor.app.audit import AuditOutcome, AuditRequest, DemoRequest, ReevaluateRequest
from auditor.app.audit import audit as run_audit_request
from auditor.app.audit import demo as run_demo
from auditor.app.audit import reevaluate as run_reevaluate
from auditor.app.reporting import ReportRequest, WrittenReports, render_report
from auditor.app.tickets import TicketsOutcome
from auditor.cli.main import cli, reports_errors, use_lang
from auditor.config import Config
from auditor.i18n import plural, t
from auditor.model import AccountSnapshot, FindingStatus, Platform, RunMode, Severity
from reports.csv import CsvDialect
from reports.render import RENDERERS

FORMATS_HELP = f"Comma-separated, from: {','.join(RENDERERS)}."


class ProgressBar:
    """A progress bar on interactive terminals only (accounts observed, errors so far)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.errors = 0

    def start(self, total_accounts: int) -> None:
        self.bar = click.progressbar(length=total_accounts, label=t("cli.progress"), file=sys.stderr, show_pos=True)

    def advance(self, snapshot: AccountSnapshot) -> None:
        self.errors += snapshot.error is not None
        self.bar.label = t("cli.progress_errors", count=self.errors) if self.errors else t("cli.progress")
        self.bar.update(1)

    def finish(self) -> None:
        self.bar.render_finish()


def print_reports(written: WrittenReports) -> None:
    """One summary line (the run's state, and why it is incomplete when it is), then the report's path."""
    report = written.report
    open_count = sum(c.open for c in report.summary)
    by_sev = ", ".join(f"{t(f'severity.{c.severity.value}')} {c.open}" for c in report.summary if c.open)
    click.echo(
        t(
            "cli.run_summary",
            id=report.run.id,
            status=t(f"run_status.{report.run.status.value}"),
            mode=t("cli.mode_inventory") if report.run.mode is RunMode.INVENTORY else "",
            open=plural(open_count, "word.open", "word.opens"),
            by_severity=f" ({by_sev})" if by_sev else "",
            waived=plural(sum(c.waived for c in report.summary), "word.waived", "word.waiveds"),
            new=plural(report.count(FindingStatus.NEW), "word.new", "word.news"),
            resolved=plural(len(report.resolved), "word.resolved", "word.resolveds"),
        )
    )
    for reason in report.incomplete_because:
        click.echo(t("cli.incomplete_because", reason=reason))
    if written.screenshot is not None:
        click.echo(t("cli.screenshot", path=written.screenshot))
    if written.screenshot_error is not None:
        click.echo(t("cli.no_screenshot", reason=written.screenshot_error), err=True)
    click.echo(t("cli.report", path=written.main))


def print_tickets(outcome: TicketsOutcome) -> None:
    """Held tickets are announced loudly, never silently; then what the delivery did."""
    if outcome.held:
        click.secho(
            t("cli.tickets_held", held=outcome.held, cap=outcome.max_new_per_run), err=True, fg="red", bold=True
        )
    delivery = outcome.delivery
    if delivery is None:
        return
    click.echo(
        t("cli.tickets_delivered", delivered=delivery.delivered, skipped=delivery.skipped, failed=delivery.failed)
    )
    for error in delivery.errors[:5]:
        click.echo(f"  {error}", err=True)


def _print_outcome(outcome: AuditOutcome) -> None:
    if outcome.reports is not None:
        print_reports(outcome.reports)
    print_tickets(outcome.tickets)


@cli.command()
@click.option(
    "--inventory",
    "inventory_paths",
    multiple=True,
    type=click.Path(),
    help="Inventory files or folders (default: the config's paths, else the last import).",
)
@click.option("--institution", "institutions", multiple=True, help="Audit only this institution (repeatable).")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    type=click.Choice([p.value for p in Platform]),
    help="Audit only accounts on this platform (repeatable).",
)
@click.option("--account", "accounts", multiple=True, help="Audit only this registered account id (repeatable).")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.option("--out", type=click.Path(), help="Folder for the reports.")
@click.option("--format", "formats", default=None, help=FORMATS_HELP)
@click.option("--lang", type=click.Choice(["es", "en"]), default=None)
@click.option(
    "--csv-dialect",
    type=click.Choice(["excel-es", "rfc4180"]),
    default=None,
    help="Spreadsheets: excel-es (UTF-8 BOM, ';', Spanish headers) or rfc4180 (',', for machines). Default: config.",
)
@click.option("--profile", type=click.Path(), help="Profile file (rule tuning).")
@click.option("--waivers", type=click.Path(), help="Waivers file.")
@click.option("--no-live", is_flag=True, help="Inventory rules only: ask no platform anything.")
@click.option("--baseline", is_flag=True, help="Record what exists now without opening incident tickets for it.")
@click.option("--no-tickets", is_flag=True, help="Plan tickets but do not deliver them now (`tickets deliver`).")
@click.option(
    "--wait",
    "wait_seconds",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for another audit writing the same store; then exit 4.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity] + ["none"]),
    default=None,
    help="Exit 1 when an open finding is at or above this severity (default: high).",
)
@click.pass_obj
@reports_errors
def audit(
    config: Config,
    inventory_paths: tuple[str, ...],
    institutions: tuple[str, ...],
    platforms: tuple[str, ...],
    accounts: tuple[str, ...],
    db: str | None,
    out: str | None,
    formats: str | None,
    lang: str | None,
    csv_dialect: CsvDialect | None,
    profile: str | None,
    waivers: str | None,
    no_live: bool,
    baseline: bool,
    no_tickets: bool,
    wait_seconds: float,
    fail_on: str | None,
) -> None:
    """Run one audit now (live against the platforms), write its reports and deliver its tickets."""
    lang = use_lang(lang)
    request = AuditRequest(
        inventory_paths=inventory_paths,
        institutions=institutions,
        platforms=tuple(Platform(p) for p in platforms),
        accounts=accounts,
        db=Path(db) if db else None,
        out=Path(out) if out else None,
        formats=formats,
        lang=lang,
        profile=Path(profile) if profile else None,
        waivers=Path(waivers) if waivers else None,
        live=not no_live,
        baseline=baseline,
        deliver_tickets=not no_tickets,
        wait_seconds=wait_seconds,
        fail_on="config" if fail_on is None else fail_on,
        csv_dialect=csv_dialect,
        progress=ProgressBar() if sys.stderr.isatty() else None,
    )
    outcome = run_audit_request(config, request)
    _print_outcome(outcome)
    sys.exit(outcome.exit_code)


def _baseline(**options: Any) -> None:
    click.get_current_context().invoke(audit, baseline=True, **options)


cli.add_command(
    click.Command(
        "baseline",
        callback=_baseline,
        params=[p for p in audit.params if p.name != "baseline"],
        help="Audit now and take what exists as the baseline: the reports, but no incident tickets for it.",
    )
)


@cli.command()
@click.option("--run", "run_id", type=int, required=True, help="The run whose snapshots are replayed.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.option("--out", type=click.Path(), help="Folder for the reports.")
@click.option("--lang", type=click.Choice(["es", "en"]), default=None)
@click.option("--profile", type=click.Path(), help="Profile file (rule tuning).")
@click.option("--waivers", type=click.Path(), help="Waivers file.")
@click.pass_obj
@reports_errors
def reevaluate(
    config: Config,
    run_id: int,
    db: str | None,
    out: str | None,
    lang: str | None,
    profile: str | None,
    waivers: str | None,
) -> None:
    """Replay the rules on a stored run's snapshots, without credentials, as a new run."""
    lang = use_lang(lang)
    request = ReevaluateRequest(
        run_id=run_id,
        db=Path(db) if db else None,
        out=Path(out) if out else None,
        lang=lang,
        profile=Path(profile) if profile else None,
        waivers=Path(waivers) if waivers else None,
    )
    outcome = run_reevaluate(config, request)
    click.echo(t("cli.replayed", old=run_id, new=outcome.run_id))
    _print_outcome(outcome)
    sys.exit(outcome.exit_code)


@cli.command()
@click.option("--out", type=click.Path(), default="demo-output", show_default=True)
@click.option("--lang", type=click.Choice(["es", "en"]), default=None)
@click.option(
    "--sandbox-url",
    metavar="URL",
    help="Audit against a running `auditor sandbox serve` instead of the in-process sandbox.",
)
@click.option("--screenshot", is_flag=True, help="Also save report.png, the HTML's first page (needs Chromium).")
@reports_errors
def demo(out: str, lang: str | None, sandbox_url: str | None, screenshot: bool) -> None:
    """Audit the built-in demo institutions against the platform sandbox and print the report's path.

    No credentials and no network. On a new output folder the demo first audits the platforms as they were
    "yesterday" (the scenario's baseline), so the rules about changes have a past to compare with.
    """
    lang = use_lang(lang)
    outcome = run_demo(DemoRequest(out=Path(out), lang=lang or "es", sandbox_url=sandbox_url, screenshot=screenshot))
    _print_outcome(outcome)


@cli.command()
@click.option("--run", "run_id", type=int, help="Run to render (default: the latest).")
@click.option("--institution", help="Only this institution's report.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.option("--out", type=click.Path(), help="Folder for the reports.")
@click.option("--format", "formats", default=None, help=FORMATS_HELP)
@click.option("--lang", type=click.Choice(["es", "en"]), default=None)
@click.option("--screenshot", is_flag=True, help="Also save report.png, the HTML's first page (needs Chromium).")
@click.option(
    "--csv-dialect",
    type=click.Choice(["excel-es", "rfc4180"]),
    default=None,
    help="Spreadsheets: excel-es (UTF-8 BOM, ';', Spanish headers) or rfc4180 (',', for machines). Default: config.",
)
@click.pass_obj
@reports_errors
def report(
    config: Config,
    run_id: int | None,
    institution: str | None,
    db: str | None,
    out: str | None,
    formats: str | None,
    lang: str | None,
    screenshot: bool,
    csv_dialect: CsvDialect | None,
) -> None:
    """Render a stored run's reports again, without auditing anything."""
    lang = use_lang(lang)
    request = ReportRequest(
        run_id=run_id,
        institution=institution,
        db=Path(db) if db else None,
        out=Path(out) if out else None,
        formats=formats,
        lang=lang,
        screenshot=screenshot,
        csv_dialect=csv_dialect,
    )
    print_reports(render_report(config, request))
