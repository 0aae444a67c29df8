"""Running it day to day: `schedule`, `config check`, `connectors check`, `runs list`, `findings list`,
`browse`, `bench`, `sandbox serve` and `init`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from auditor.app.bench import BENCH_PLATFORMS, BenchSpec, RunFigures, run_bench
from auditor.app.bench_matrix import MatrixResult, run_and_write_matrix
from auditor.app.bench_realistic import RealisticSpec, duration, realistic, realistic_document
from auditor.app.checks import check_config, check_connectors
from auditor.app.inventory import InventorySummary
from auditor.app.outcome import EXIT_INCOMPLETE, EXIT_INPUT
from auditor.app.queries import FindingQuery, datasette_command, existing_store, list_findings, list_runs
from auditor.app.retention import prune_retained
from auditor.app.setup import serve_sandbox, write_starter
from auditor.cli.inventory import summary_text
from auditor.cli.main import cli, reports_errors
from auditor.config import CONFIG_NAME, AuditConfig, Config, check_cron
from auditor.i18n import current_lang, plural, t
from auditor.model import Platform, Severity
from auditor.model.clock import local_date, local_text, utcnow
from reports.escape import plain


@cli.command()
@click.option("--run-now", is_flag=True, help="Also run once right away (then keep the schedule).")
@click.option("--cron", help="Override the configured cron expression (e.g. '*/5 * * * *').")
@click.pass_obj
def schedule(config: Config, run_now: bool, cron: str | None) -> None:
    """Run the nightly daemon (APScheduler): cron from the config, default 02:00 America/Asuncion."""
    import logging

    from auditor.schedule import serve

    if cron:
        try:
            check_cron(cron)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--cron") from None
    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)  # a daemon says what it does
    sys.exit(serve(config, run_now=run_now, cron=cron))


@cli.command("prune")
@click.option("--dry-run", is_flag=True, help="Only say what the retention settings would delete.")
@click.option("--wait", "wait_seconds", type=float, default=0.0, help="Seconds to wait for a running audit.")
@click.pass_obj
@reports_errors
def prune_command(config: Config, dry_run: bool, wait_seconds: float) -> None:
    """Apply [retention]: old snapshots and run folders (findings, tickets and their history are kept)."""
    outcome = prune_retained(config, utcnow(), dry_run=dry_run, wait_seconds=wait_seconds)
    prefix = t("cli.prune.would") if dry_run else t("cli.prune.did")
    click.echo(
        prefix
        + t("cli.prune.snapshots", count=outcome.snapshots, date=f"{local_date(outcome.snapshots_before):%d/%m/%Y}")
    )
    click.echo(prefix + t("cli.prune.folders", count=len(outcome.folders)))
    for folder in outcome.folders:
        click.echo(f"  {plain(folder)}")


@cli.group("config")
def config_group() -> None:
    """The configuration file."""


@config_group.command("check")
@click.pass_obj
def config_check(config: Config) -> None:
    """Validate config, inventory, profile, waivers and credential references (no platform is called)."""
    checked = check_config(config)
    for line in checked.problems:
        click.echo(line, err=True)
    if checked.problems:
        click.echo(plural(len(checked.problems), "word.problem", "word.problems"), err=True)
        sys.exit(EXIT_INPUT)
    summary = summary_text(InventorySummary.of(checked.inventory)) if checked.inventory else t("cli.no_inventory")
    click.echo(
        t(
            "cli.config_ok",
            summary=summary,
            credentials=checked.credentials_in_use,
            sinks=len(config.tickets.sinks),
            cron=config.schedule.cron,
            timezone=config.schedule.timezone,
        )
    )


@cli.group("connectors")
def connectors_group() -> None:
    """The platform connectors."""


@connectors_group.command("check")
@click.pass_obj
@reports_errors
def connectors_check(config: Config) -> None:
    """One cheap authenticated call per credential in use; reports validity and expiry."""
    checks = check_connectors(config)
    if not checks:  # nothing to check is a problem to fix, never a silent success
        click.echo(t("cli.no_credentials_in_use", config=config.source or CONFIG_NAME), err=True)
        sys.exit(EXIT_INCOMPLETE)
    for c in checks:
        if c.valid:
            expiry = t("cli.expires", date=f"{c.expires_at:%Y-%m-%d}") if c.expires_at else t("cli.no_expiry")
            click.echo(f"{c.credential:<20} {c.connector:<16} {t('cli.credential_ok'):<7} {expiry}")
        else:
            click.echo(f"{c.credential:<20} {c.connector:<16} {t('cli.credential_failed'):<7} {c.error}")
    sys.exit(EXIT_INCOMPLETE if any(not c.valid for c in checks) else 0)


@cli.group("runs")
def runs_group() -> None:
    """Past runs."""


@runs_group.command("list")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.option("--limit", type=int, default=20, show_default=True)
@click.pass_obj
@reports_errors
def runs_list(config: Config, db: str | None, limit: int) -> None:
    """The latest runs: id, time (America/Asuncion), type, status, scope, coverage."""
    for run in list_runs(config, limit, Path(db) if db else None):
        click.echo(
            t(
                "cli.run_line",
                id=run.id,
                time=local_text(run.started_at),
                type=t(f"run_type.{run.run_type.value}"),
                mode=t(f"cli.run_mode.{run.mode.value}"),
                status=t(f"run_status.{run.status.value}"),
                scope=",".join(run.scope.institutions) or t("cli.scope_all"),
                coverage=run.coverage.ratio,
            )
        )


@cli.group("findings")
def findings_group() -> None:
    """Findings in the store."""


@findings_group.command("list")
@click.option("--status", type=click.Choice(["open", "waived", "resolved"]), default="open", show_default=True)
@click.option("--severity", type=click.Choice([s.value for s in Severity]), help="At or above this severity.")
@click.option("--institution", help="Only this institution.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def findings_list(config: Config, status: str, severity: str | None, institution: str | None, db: str | None) -> None:
    """Findings by severity: rule, institution, account, message (Spanish)."""
    query = FindingQuery(
        status=status,  # type: ignore[arg-type]  # click.Choice checked it
        min_severity=Severity(severity) if severity else None,
        institution=institution,
        db=Path(db) if db else None,
    )
    found = list_findings(config, query)
    for f in found:
        where = f"{f.institution}/{f.account}" if f.account else f.institution
        message = f.message_es if current_lang() == "es" else f.message_en
        click.echo(f"{t(f'severity.{f.severity.value}'):<12} {f.policy_id}  {where:<32} {plain(message, 140)}")
    click.echo(plural(len(found), "word.finding", "word.findings"), err=True)


@cli.command()
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def browse(config: Config, db: str | None) -> None:
    """Open the store in Datasette (optional extra: pip install 'oee-social-auditor[browse]')."""
    path = existing_store(config, Path(db) if db else None)
    datasette = datasette_command()
    if datasette is None:
        click.echo(t("cli.no_datasette", path=path), err=True)
        sys.exit(EXIT_INPUT)
    sys.exit(subprocess.call([datasette, str(path), "--setting", "default_page_size", "50"]))


@cli.command()
@click.option("--institutions", type=int, default=200, show_default=True)
@click.option("--accounts-per-institution", type=int, default=50, show_default=True)
@click.option("--platforms", default="facebook,x,youtube,linkedin", show_default=True)
@click.option("--latency-ms", type=int, default=50, show_default=True)
@click.option("--rate-limit", default="1/1", show_default=True, help="Per credential: REQUESTS/SECONDS.")
@click.option("--runs", type=int, default=2, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--concurrency", type=int, default=32, show_default=True, help="Requests in flight per platform.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a sampling profile (pyinstrument) of the auditor process: .html, else text.",
)
@click.option(
    "--matrix",
    is_flag=True,
    help="Run the layout × platform matrix of 1,000-account runs (about 20 minutes) and write its table.",
)
@click.option(
    "--doc",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("docs/benchmarks.md"),
    show_default=True,
    help="With --matrix: the document whose generated section receives the table.",
)
@click.option(
    "--realistic",
    is_flag=True,
    help="Model the platforms' published limits on a simulated clock: how long a country takes (400 × 10 "
    "accounts unless --institutions/--accounts-per-institution say otherwise) and which limit dominates.",
)
@click.option(
    "--lookalike-lookups",
    type=click.IntRange(0, 100),
    default=AuditConfig().lookalike_lookups_per_account,
    show_default=True,
    help="With --realistic: IDN-009's look-alike lookups per account.",
)
def bench(
    institutions: int,
    accounts_per_institution: int,
    platforms: str,
    latency_ms: int,
    rate_limit: str,
    runs: int,
    seed: int,
    concurrency: int,
    as_json: bool,
    profile_path: Path | None,
    matrix: bool,
    doc: Path,
    realistic: bool,
    lookalike_lookups: int,
) -> None:
    """Full audits of a synthetic country against the sandbox server, measured against the rate-limit bound."""
    if matrix:
        _bench_matrix(doc, as_json)
        return
    if realistic:
        given = click.get_current_context().get_parameter_source
        _bench_realistic(
            RealisticSpec(
                institutions=institutions if given("institutions") is ParameterSource.COMMANDLINE else 400,
                accounts_per_institution=accounts_per_institution
                if given("accounts_per_institution") is ParameterSource.COMMANDLINE
                else 10,
                lookalike_lookups_per_account=lookalike_lookups,
            ),
            as_json,
        )
        return
    try:
        requests, seconds = rate_limit.split("/")
        limit = (int(requests), float(seconds))
        chosen = tuple(Platform(p.strip()) for p in platforms.split(",") if p.strip())
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    unsupported = [p.value for p in chosen if p not in BENCH_PLATFORMS]
    if unsupported:
        raise click.BadParameter(
            f"the bench generates {', '.join(p.value for p in BENCH_PLATFORMS)}; not {', '.join(unsupported)}",
            param_hint="--platforms",
        )
    spec = BenchSpec(
        institutions=institutions,
        accounts_per_institution=accounts_per_institution,
        platforms=chosen,
        latency_ms=latency_ms,
        rate_limit=limit,
        runs=runs,
        seed=seed,
        concurrency=concurrency,
    )

    def show(f: RunFigures) -> None:
        if not as_json:
            click.echo(
                f"run {f.run}: {f.accounts} accounts, {f.requests} requests, wall {f.wall_seconds:.1f} s, "
                f"bound {f.bound_seconds:.1f} s, ratio {f.ratio:.2f}, CPU {f.cpu_ms_per_account:.2f} ms/account, "
                f"peak RSS {f.peak_rss_mb:.0f} MB, report {f.report_seconds:.2f} s, each institution's "
                f"{f.institution_reports_seconds:.2f} s ({f.status})\n"
                f"  bound set by {f.bound_by}; held by {f.limited_by}; in flight "
                f"{', '.join(f'{p} {n:.1f}' for p, n in f.in_flight_mean.items())} (peak {f.in_flight_peak}); "
                f"{f.throttled} answered 429"
            )

    result = run_bench(spec, progress=show, profile=profile_path)
    if as_json:
        document: dict[str, Any] = {
            "spec": result.spec,
            "runs": [asdict(r) for r in result.runs],
            "last_over_first": round(result.slowdown, 3),
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(f"last run / first run wall time: {result.slowdown:.2f}")


def _bench_matrix(doc: Path, as_json: bool) -> None:
    if not doc.parent.is_dir():  # said now, not after twenty minutes of runs
        raise click.BadParameter(t("bench.no_doc_folder", folder=doc.parent), param_hint="--doc")

    def show(result: MatrixResult) -> None:
        if not as_json:
            ratios = ", ".join(f"{r.ratio:.2f}" for r in result.runs)
            verdict = "meets" if result.meets else f"MISSES ({', '.join(result.misses)})"
            held = result.error or result.runs[-1].limited_by
            click.echo(f"{result.row.layout} {result.row.platform_names}: ratio {ratios} ({held}) {verdict}")

    results = run_and_write_matrix(doc, progress=show)
    if as_json:
        document = [
            {"row": asdict(r.row), "runs": [asdict(f) for f in r.runs], "meets": r.meets, "misses": r.misses}
            for r in results
        ]
        click.echo(json.dumps(document, indent=2, default=str))
    else:
        click.echo(f"{sum(r.meets for r in results)} of {len(results)} rows meet the targets; table written to {doc}")


def _bench_realistic(spec: RealisticSpec, as_json: bool) -> None:
    result = realistic(spec)
    if as_json:
        click.echo(json.dumps(realistic_document(result), indent=2, ensure_ascii=False))
        return
    click.echo(
        t(
            "bench.realistic_header",
            accounts=result.accounts,
            institutions=spec.institutions,
            per=spec.accounts_per_institution,
            start=f"{result.started:%H:%M}",
            sample=result.sample_accounts,
            requests=result.sample_requests,
            lookups=spec.lookalike_lookups_per_account,
        )
    )
    for f in result.limits:
        scope = t("bench.scope_credential", keys=f.keys) if f.limit.scope == "credential" else t("bench.scope_app")
        row = t(
            "bench.realistic_row",
            limit=f.limit.key,
            units=f.units // max(1, f.keys),
            allowance=f.limit.allowance,
            window=f.limit.window_text,
            scope=scope,
            duration=duration(f.seconds),
        )
        click.echo(f"  {row}{' ' + t('bench.dominates') if f is result.dominant and f.seconds else ''}")
        click.echo(f"      {f.limit.source}")
    dominant = result.dominant
    click.echo(
        t("bench.realistic_total", duration=duration(result.seconds), limit=dominant.limit.key if dominant else "—")
    )
    for note in result.advice():
        click.echo(f"! {note}")
    if result.unattributed:
        paths = ", ".join(f"{path} ({n})" for path, n in result.unattributed.most_common())
        click.echo(t("bench.unattributed", n=sum(result.unattributed.values()), paths=paths))


@cli.group()
def sandbox() -> None:
    """The offline stand-in for the platforms' APIs."""


@sandbox.command("serve")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback only, unless you mean it.")
@click.option("--scenario", type=click.Path(exists=True), help="Scenario YAML (default: the demo's).")
@click.option("--request-log", type=click.Path(), help="Append one JSON line per request here.")
def sandbox_serve(port: int, host: str, scenario: str | None, request_log: str | None) -> None:
    """Serve the scenario on the platforms' real paths, as an HTTP server."""
    serve_sandbox(
        host,
        port,
        scenario=Path(scenario) if scenario else None,
        request_log=Path(request_log) if request_log else None,
        announce=lambda url: click.echo(t("cli.sandbox_listening", url=url), err=True),
    )


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@reports_errors
def init(directory: str) -> None:
    """Write a commented starter config and a one-institution inventory to edit."""
    target = Path(directory)
    for path in write_starter(target):
        click.echo(t("cli.wrote", path=path))
    click.echo(
        t(
            "cli.init_next",
            inventory=target / "inventory/mi-institucion.yaml",
            config=target / CONFIG_NAME,
            folder=target,
        )
    )
