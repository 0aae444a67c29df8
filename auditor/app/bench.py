"""`auditor bench`: full audits of a synthetic country against the sandbox as a real server, measured
against the physical lower bound the platforms impose (rate limits, latency, allowed concurrency).

The sandbox runs in a separate process, so the CPU and memory measured are the auditor's alone. The
inventory and platform state are generated from a seed with realistic violation rates.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import resource
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from auditor.app.reporting import write_run_reports
from auditor.config import ConnectorSettings, OutboxSinkConfig, TicketsConfig
from auditor.credentials import Credentials
from auditor.engine import deliver_tickets, run_audit
from auditor.model import Inventory, Platform
from auditor.observe import LiveSetup
from auditor.store import Store
from connectors.base import available_connectors, connector_for

BENCH_PLATFORMS = (Platform.FACEBOOK, Platform.X, Platform.YOUTUBE, Platform.LINKEDIN)
CONNECTOR_OF = {Platform.FACEBOOK: "meta", Platform.X: "x", Platform.YOUTUBE: "youtube", Platform.LINKEDIN: "linkedin"}


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


@dataclass
class BenchResult:
    spec: dict[str, Any]
    runs: list[RunFigures] = field(default_factory=list)

    @property
    def slowdown(self) -> float:
        return self.runs[-1].wall_seconds / self.runs[0].wall_seconds if len(self.runs) > 1 else 1.0


# -- the synthetic country --------------------------------------------------------------------------


def generate(spec: BenchSpec) -> tuple[Inventory, dict[str, Any]]:
    """A deterministic inventory and platform scenario: most accounts clean, a few of each violation."""
    rng = random.Random(spec.seed)
    institutions: list[dict[str, Any]] = []
    scenario: dict[str, Any] = {
        "tokens": {},
        "meta": {"businesses": {}, "pages": {}},
        "x": {"users": {}},
        "youtube": {"channels": {}},
        "linkedin": {"organizations": {}},
    }
    for i in range(spec.institutions):
        inst = f"oee{i:04d}"
        domain = f"{inst}.gov.py"
        people: list[dict[str, Any]] = [
            {
                "id": "admin",
                "name": "Admin Uno",
                "ci": str(1_000_000 + i),
                "dependency": "Comunicación",
                "link_type": "nombrado",
                "email": f"admin@{domain}",
                "mobile": "0981000001",
                "access": [],
            },
            {
                "id": "cm",
                "name": "CM Dos",
                "ci": str(2_000_000 + i),
                "dependency": "Comunicación",
                "link_type": "contratado",
                "email": f"cm@{domain}",
                "mobile": "0981000002",
                "access": [],
            },
        ]
        accounts = []
        business = str(900000 + i)
        scenario["meta"]["businesses"][business] = {
            "name": inst,
            "two_factor_type": "admin_required" if rng.random() < 0.1 else "all_required",
            "owned_pages": [],
            "business_users": [
                {
                    "id": f"{inst}-u1",
                    "name": "Admin Uno",
                    "email": f"admin@{domain}",
                    "role": "ADMIN",
                    "two_fac_status": "enabled",
                },
                {
                    "id": f"{inst}-u2",
                    "name": "CM Dos",
                    "email": f"cm@{domain}",
                    "role": "EMPLOYEE",
                    "two_fac_status": "disabled" if rng.random() < 0.05 else "enabled",
                },
            ],
            "pending_users": [],
        }
        for platform in spec.platforms:
            scenario["tokens"][f"tok-{inst}-{platform.value}"] = {
                "credential": f"{platform.value}-{inst}",
                "businesses": [business],
            }
        for k in range(spec.accounts_per_institution):
            platform = spec.platforms[k % len(spec.platforms)]
            acc_id = f"{inst}-{platform.value}-{k}"
            handle = f"{inst}{platform.value}{k}py"
            email = f"redes{k}@{domain}" if rng.random() > 0.05 else f"{handle}@gmail.com"
            accounts.append(
                {
                    "id": acc_id,
                    "platform": platform.value,
                    "handle": handle,
                    "display_name": f"{inst} {k}",
                    "linked_email": email,
                    "phone": "+595981000001",
                    "phone_control": "corporativo",
                    "objective": "Difusión",
                    "posting_plan_ref": "Plan 2026",
                    "authorization": {"approver_name": "MAI", "approver_ci": "1234567", "date": "2025-01-01"},
                    "credential": f"{platform.value}-{inst}",
                    "verification": {"expectation": "recommended"},
                }
            )
            for n, person in enumerate(people):
                person["access"].append(
                    {
                        "account": acc_id,
                        "role": "administrador" if n == 0 else "community_manager",
                        "contact_point": n == 0,
                        "platform_user_id": f"urn:li:person:{inst}P{n}"
                        if platform is Platform.LINKEDIN
                        else f"{inst}-u{n + 1}",
                    }
                )
            recent = f"-{rng.randint(1, 30) if rng.random() > 0.1 else rng.randint(100, 300)}d"
            if platform is Platform.FACEBOOK:
                page_id = str(10**14 + i * 1000 + k)
                scenario["meta"]["businesses"][business]["owned_pages"].append(page_id)
                members = [
                    {"id": f"{inst}-u1", "name": "Admin Uno", "tasks": ["MANAGE", "CREATE_CONTENT"]},
                    {"id": f"{inst}-u2", "name": "CM Dos", "tasks": ["CREATE_CONTENT"]},
                ]
                if rng.random() < 0.05:
                    members.append({"id": f"{inst}-x{k}", "name": "Extraño", "tasks": ["CREATE_CONTENT"]})
                scenario["meta"]["pages"][page_id] = {
                    "name": f"{inst} {k}",
                    "username": handle,
                    "emails": [email],
                    "phone": "+595 981 000001",
                    "verification_status": "blue_verified" if rng.random() < 0.5 else "not_verified",
                    "is_published": True,
                    "business": business,
                    "assigned_users": members,
                    "published_posts": [{"id": f"{page_id}_1", "created_time": recent}],
                }
            elif platform is Platform.X:
                scenario["x"]["users"][str(10**17 + i * 1000 + k)] = {
                    "username": handle,
                    "name": f"{inst} {k}",
                    "protected": False,
                    "verified": True,
                    "verified_type": "government" if rng.random() > 0.2 else "blue",
                    "recent_tweet": {"id": str(10**18 + i * 1000 + k), "created_at": recent},
                }
            elif platform is Platform.YOUTUBE:
                channel = f"UC{inst}{k:06d}"
                scenario["youtube"]["channels"][channel] = {
                    "snippet": {"title": f"{inst} {k}", "customUrl": f"@{handle}"},
                    "status": {"privacyStatus": "public"},
                    "contentDetails": {"relatedPlaylists": {"uploads": f"UU{inst}{k:06d}"}},
                    "uploads": [{"videoId": f"v{inst}{k}", "videoPublishedAt": recent}],
                }
            elif platform is Platform.LINKEDIN:
                scenario["linkedin"]["organizations"][str(10**6 + i * 1000 + k)] = {
                    "vanityName": handle,
                    "localizedName": f"{inst} {k}",
                    "acls": [
                        {"roleAssignee": f"urn:li:person:{inst}P0", "role": "ADMINISTRATOR", "state": "APPROVED"},
                        {
                            "roleAssignee": f"urn:li:person:{inst}P1",
                            "role": "CONTENT_ADMINISTRATOR",
                            "state": "APPROVED",
                        },
                    ],
                    "posts": [{"id": f"urn:li:share:{i}{k}", "publishedAt": recent}],
                }
        institutions.append(
            {
                "institution": {"id": inst, "name": f"Institución {i}", "email_domains": [domain]},
                "accounts": accounts,
                "people": people,
            }
        )
    return Inventory.model_validate({"institutions": institutions}), scenario


# -- the sandbox in its own process --------------------------------------------------------------------


def _serve(scenario: dict[str, Any], latency_ms: int, rate_limit: tuple[int, float], port_queue: Any) -> None:
    from connectors.sandbox import Sandbox
    from connectors.sandbox.server import make_server

    sandbox = Sandbox(scenario, latency_ms=latency_ms, rate_limit=rate_limit, keep_log=False)
    server = make_server(sandbox, "127.0.0.1", 0)
    server.request_queue_size = 256
    port_queue.put(server.server_address[1])
    server.serve_forever()


def start_sandbox(spec: BenchSpec, scenario: dict[str, Any]) -> tuple[Any, str]:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=_serve, args=(scenario, spec.latency_ms, spec.rate_limit, queue), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{queue.get(timeout=60)}"


def served(url: str) -> dict[str, int]:
    return dict(httpx.get(f"{url}/__sandbox/stats", timeout=30).json()["served"])


# -- the bound -------------------------------------------------------------------------------------------


def lower_bound(spec: BenchSpec, per_credential: dict[str, int]) -> float:
    """The least time any client could take: the slowest credential under its rate limit, or the requests of
    a platform (or a credential) pushed through the allowed concurrency at the sandbox's latency."""
    limit, window = spec.rate_limit
    latency = spec.latency_ms / 1000
    rate = max((math.ceil(n / limit) - 1) * window + latency for n in per_credential.values()) if per_credential else 0
    by_platform: dict[str, int] = {}
    for credential, n in per_credential.items():
        platform = credential.split("-", 1)[0]
        by_platform[platform] = by_platform.get(platform, 0) + n
    concurrency = max(n * latency / spec.concurrency for n in by_platform.values()) if by_platform else 0
    per_cred = (
        max(n * latency / spec.per_credential_concurrency for n in per_credential.values()) if per_credential else 0
    )
    return max(rate, concurrency, per_cred)


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


def run_bench(
    spec: BenchSpec, workdir: Path | None = None, progress: Any = None, profile: Path | None = None
) -> BenchResult:
    inventory, scenario = generate(spec)
    tokens = {info["credential"]: token for token, info in scenario["tokens"].items()}
    accounts = sum(len(i.accounts) for i in inventory.institutions)
    process, url = start_sandbox(spec, scenario)
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
            before = served(url)
            cpu, started = _cpu(), time.monotonic()
            audit = run_audit(store, inventory, live=live, tickets=tickets, import_inventory=n == 1)
            wall = time.monotonic() - started
            report_started = time.monotonic()
            write_run_reports(
                store, audit.run_id, base / f"reports-{n}", ["html", "json", "csv"], "es", per_institution=False
            )
            report_seconds = time.monotonic() - report_started
            deliver_tickets(store, tickets)
            cpu_used = _cpu() - cpu
            after = served(url)
            per_credential = {c: after.get(c, 0) - before.get(c, 0) for c in after}
            bound = lower_bound(spec, per_credential)
            figures = RunFigures(
                run=n,
                accounts=audit.accounts_observed,
                requests=sum(per_credential.values()),
                wall_seconds=round(wall, 2),
                bound_seconds=round(bound, 3),
                ratio=round(wall / bound, 3) if bound else 0,
                cpu_ms_per_account=round(1000 * cpu_used / max(1, accounts), 2),
                peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                report_seconds=round(report_seconds, 2),
                status=audit.status.value,
            )
            result.runs.append(figures)
            if progress is not None:
                progress(figures)
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
