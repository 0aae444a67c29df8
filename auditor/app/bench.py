"""`auditor bench`: full audits of a synthetic country against the sandbox as a real server, measured
against the physical lower bound the platforms impose (rate limits, latency, allowed concurrency).

The sandbox runs in a separate process, so the CPU and memory measured are the auditor's alone. The
inventory and platform state are generated from a seed with realistic violation rates.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from auditor.app.bench_country import generate
from auditor.app.report_document import RunDocuments
from auditor.app.reporting import write_institution_reports, write_run_reports
from auditor.config import ConnectorSettings, OutboxSinkConfig, TicketsConfig
from auditor.credentials import Credentials
from auditor.engine import AuditResult, deliver_tickets, run_audit
from auditor.model import Platform
from auditor.observe import LiveSetup
from auditor.store import Store
from connectors.base import available_connectors, connector_for

BENCH_PLATFORMS = (Platform.FACEBOOK, Platform.X, Platform.YOUTUBE, Platform.LINKEDIN)
CONNECTOR_OF = {  # the connector that reads each platform (its settings' section)
    Platform.FACEBOOK: "meta",
    Platform.X: "x",
    Platform.YOUTUBE: "youtube",
    Platform.LINKEDIN: "linkedin",
    Platform.GOOGLE: "google_workspace",
}


@dataclass(frozen=True)
class BenchSpec:
    institutions: int = 200
    accounts_per_institution: int = 50
    platforms: tuple[Platform, ...] = BENCH_PLATFORMS
    latency_ms: int = 50
    rate_limit: tuple[int, float] = (1, 1.0)  # per credential: requests per window of seconds
    runs: int = 2
    seed: int = 1
    concurrency: int = 32  # per platform
    per_credential_concurrency: int = 4


@dataclass
class RunFigures:
    run: int
    accounts: int
    requests: int
    wall_seconds: float
    bound_seconds: float
    ratio: float
    cpu_ms_per_account: float
    peak_rss_mb: float
    report_seconds: float
    status: str
    bound_by: str = ""  # the term of the bound that sets it: "credential-rate youtube-oee0021 (120 requests)"
    limited_by: str = ""  # what held this run: the bound's term when at it, else the CPU or an unexplained wait
    cpu_share: float = 0.0  # the audit's CPU seconds over its wall seconds (1.0: one core all the time)
    in_flight_mean: dict[str, float] = field(default_factory=dict)  # per platform, measured at the sandbox
    in_flight_peak: int = 0  # requests in flight at once, all platforms
    throttled: int = 0  # 429s the sandbox answered (each one a request the pacer should not have sent)
    # Each institution's reports, which the nightly job writes after the national one: timed apart, and not in
    # `cpu_ms_per_account` (the audit, the national report and the tickets, as the bench has always counted).
    institution_reports_seconds: float = 0.0


@dataclass
class BenchResult:
    spec: dict[str, Any]
    runs: list[RunFigures] = field(default_factory=list)

    @property
    def slowdown(self) -> float:
        return self.runs[-1].wall_seconds / self.runs[0].wall_seconds if len(self.runs) > 1 else 1.0


# -- the sandbox in its own process --------------------------------------------------------------------


def _serve(spec: BenchSpec, port_queue: Any) -> None:
    from connectors.sandbox import Sandbox
    from connectors.sandbox.server import make_server

    _, scenario = generate(spec)  # the same country (seeded), made here: the auditor's process never holds it
    sandbox = Sandbox(scenario, latency_ms=spec.latency_ms, rate_limit=spec.rate_limit, keep_log=False)
    server = make_server(sandbox, "127.0.0.1", 0)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def start_sandbox(spec: BenchSpec) -> tuple[Any, str]:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=_serve, args=(spec, queue), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{queue.get(timeout=60)}"


def sandbox_stats(url: str, reset_peak: bool = False) -> dict[str, Any]:
    """What the sandbox counted: requests served, 429s and busy seconds per credential, peak in flight."""
    answer = httpx.get(f"{url}/__sandbox/stats", params={"reset_peak": "1"} if reset_peak else None, timeout=30)
    return dict(answer.json())


# -- the bound -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundTerm:
    seconds: float
    resource: str  # credential-rate | platform-concurrency | credential-concurrency
    name: str  # the credential or platform
    requests: int

    def __str__(self) -> str:
        return f"{self.resource} {self.name} ({self.requests} requests)"


def platform_of(credential: str) -> str:
    """The bench names credentials `<platform>-<institution>`."""
    return credential.split("-", 1)[0]


def bound_terms(spec: BenchSpec, per_credential: dict[str, int]) -> list[BoundTerm]:
    """Each constraint's least time, slowest first: the busiest credential under its rate limit, a platform's
    requests through the allowed concurrency at the sandbox's latency, a credential's through its own."""
    limit, window = spec.rate_limit
    latency = spec.latency_ms / 1000
    used = {c: n for c, n in per_credential.items() if n > 0}
    by_platform: dict[str, int] = {}
    for credential, n in used.items():
        by_platform[platform_of(credential)] = by_platform.get(platform_of(credential), 0) + n
    terms = [BoundTerm((math.ceil(n / limit) - 1) * window + latency, "credential-rate", c, n) for c, n in used.items()]
    terms += [BoundTerm(n * latency / spec.concurrency, "platform-concurrency", p, n) for p, n in by_platform.items()]
    terms += [
        BoundTerm(n * latency / spec.per_credential_concurrency, "credential-concurrency", c, n)
        for c, n in used.items()
    ]
    return sorted(terms, key=lambda t: -t.seconds)


def lower_bound(spec: BenchSpec, per_credential: dict[str, int]) -> float:
    """The least time any client could take: the slowest of the constraints (`bound_terms`)."""
    terms = bound_terms(spec, per_credential)
    return terms[0].seconds if terms else 0.0


REPORT_FORMATS = ["html", "json", "csv"]  # the formats the bench has always written
AT_BOUND = 1.25  # a run within this ratio of its bound is held by the bound's term
CPU_BOUND_SHARE = 0.85  # an audit whose CPU time is this share of its wall time is held by the CPU


def limited_by(ratio: float, cpu_share: float, bound: BoundTerm | None) -> str:
    """What held a run, as measured: its bound when it is at it; else the auditor's CPU (one process, one
    core for Python code); else a wait nothing in the bound explains (a stall: look at the pacer)."""
    if bound is not None and ratio <= AT_BOUND:
        return str(bound)
    if cpu_share >= CPU_BOUND_SHARE:
        return f"cpu ({cpu_share:.0%} of one core)"
    return f"unexplained wait (cpu {cpu_share:.0%} of one core)"


# -- the run ---------------------------------------------------------------------------------------------


def _start_profiler() -> Any:
    """pyinstrument samples the main thread's stack (wall time: idle waits show as the event loop's select)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002, async_mode="disabled")
    profiler.start()
    return profiler


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _delta(before: dict[str, Any], after: dict[str, Any], key: str) -> dict[str, float]:
    return {c: v - before.get(key, {}).get(c, 0) for c, v in after.get(key, {}).items()}


def _figures(
    spec: BenchSpec,
    n: int,
    audit: AuditResult,
    accounts: int,
    wall: float,
    audit_cpu: float,
    cpu_used: float,
    report_seconds: float,
    before: dict[str, Any],
    after: dict[str, Any],
) -> RunFigures:
    per_credential = {c: int(v) for c, v in _delta(before, after, "served").items()}
    terms = bound_terms(spec, per_credential)
    bound = terms[0].seconds if terms else 0.0
    ratio = round(wall / bound, 3) if bound else 0.0
    cpu_share = audit_cpu / wall if wall else 0.0
    busy: dict[str, float] = {}
    for credential, seconds in _delta(before, after, "busy_seconds").items():
        busy[platform_of(credential)] = busy.get(platform_of(credential), 0.0) + seconds
    return RunFigures(
        run=n,
        accounts=audit.accounts_observed,
        requests=sum(per_credential.values()),
        wall_seconds=round(wall, 2),
        bound_seconds=round(bound, 3),
        ratio=ratio,
        cpu_ms_per_account=round(1000 * cpu_used / max(1, accounts), 2),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        report_seconds=round(report_seconds, 2),
        status=audit.status.value,
        bound_by=str(terms[0]) if terms else "",
        limited_by=limited_by(ratio, cpu_share, terms[0] if terms else None),
        cpu_share=round(cpu_share, 3),
        in_flight_mean={p: round(s / wall, 2) for p, s in sorted(busy.items())} if wall else {},
        in_flight_peak=int(after.get("peak_in_flight", 0)),
        throttled=int(sum(_delta(before, after, "throttled").values())),
    )


def run_bench(
    spec: BenchSpec, workdir: Path | None = None, progress: Any = None, profile: Path | None = None
) -> BenchResult:
    inventory, scenario = generate(spec)
    tokens = {info["credential"]: token for token, info in scenario["tokens"].items()}
    del scenario  # the sandbox makes its own: the memory measured is the auditor's alone
    accounts = sum(len(i.accounts) for i in inventory.institutions)
    process, url = start_sandbox(spec)
    result = BenchResult(spec={**asdict(spec), "platforms": [p.value for p in spec.platforms], "accounts": accounts})
    base = Path(workdir or tempfile.mkdtemp(prefix="auditor-bench-"))
    try:
        settings = ConnectorSettings(
            base_url=url + "/",
            concurrency=spec.concurrency,
            per_credential_concurrency=spec.per_credential_concurrency,
            backoff_seconds=0.2,
            max_wait_seconds=120,
            timeout_seconds=60,
            max_retries=6,
        )
        connectors = {
            name: factory
            for name, factory in available_connectors().items()
            if any(connector_for(p, {name: factory}) for p in spec.platforms)
        }
        live = LiveSetup(
            connectors=connectors,
            credentials=Credentials(literals=tokens),
            settings={name: settings for name in connectors},
            discover=False,
        )
        store = Store(base / "bench.db")
        tickets = TicketsConfig(sinks={"outbox": OutboxSinkConfig(path=base / "tickets")}, max_new_per_run=100_000)
        profiler = _start_profiler() if profile else None
        for n in range(1, spec.runs + 1):
            before = sandbox_stats(url, reset_peak=True)
            cpu, started = _cpu(), time.monotonic()
            audit = run_audit(store, inventory, live=live, tickets=tickets, import_inventory=n == 1)
            wall = time.monotonic() - started
            audit_cpu = _cpu() - cpu
            report_started = time.monotonic()
            write_run_reports(store, audit.run_id, base / f"reports-{n}", REPORT_FORMATS, "es", per_institution=False)
            report_seconds = time.monotonic() - report_started
            deliver_tickets(store, tickets)
            cpu_used = _cpu() - cpu
            after = sandbox_stats(url)
            institutions_started = time.monotonic()
            write_institution_reports(RunDocuments(store, audit.run_id, "es"), base / f"reports-{n}", REPORT_FORMATS)
            institution_reports = time.monotonic() - institutions_started
            figures = _figures(spec, n, audit, accounts, wall, audit_cpu, cpu_used, report_seconds, before, after)
            figures.institution_reports_seconds = round(institution_reports, 2)
            result.runs.append(figures)
            if progress is not None:
                progress(result.runs[-1])
        if profiler is not None and profile is not None:
            profiler.stop()
            profile.write_text(
                profiler.output_html()
                if profile.suffix == ".html"
                else profiler.output_text(
                    unicode=True, color=False, show_all=bool(os.environ.get("BENCH_PROFILE_ALL"))
                ),
                encoding="utf-8",
            )
    finally:
        process.terminate()
        process.join(timeout=10)
        if workdir is None:  # a store of 10,000 accounts' history: not left behind in /tmp
            shutil.rmtree(base, ignore_errors=True)
    return result
