"""`auditor bench --realistic`: how long a country's audit takes under the platforms' published limits, and
which limit decides it — the figure an operator plans the nightly window with.

What an audit asks is measured, not assumed: a sample of the synthetic country (the country's accounts per
institution, a handful of institutions) is audited by the real connectors against the in-process sandbox,
and every request is attributed to the limit it counts against. The country's demand is the sample's,
scaled. A simulated clock then sends each limit's requests as fast as its windows, the connectors'
concurrency and a real API's latency allow, starting at the nightly start time (YouTube's units reset at
midnight Pacific time, not at our start).

The limits are the platforms' published figures where there is one, and a stated assumption where there is
none (LinkedIn publishes no figure; Meta's Business Use Case allowance grows with a Page's engaged users):
each row of the output says which. The scope is the usual deployment: one X developer app, one Google Cloud
project and one LinkedIn app for the country, one Meta system user per institution's Business.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from auditor.app.bench import BENCH_PLATFORMS, CONNECTOR_OF, BenchSpec
from auditor.app.bench_country import generate
from auditor.config import AuditConfig, ConnectorSettings
from auditor.i18n import t
from auditor.live import live_from_sandbox
from auditor.model import Platform, RunScope
from auditor.model.clock import ASUNCION, local_date, utcnow
from auditor.observe import observe
from connectors.sandbox import Sandbox

PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class Limit:
    key: str
    platform: Platform
    path: str  # a regular expression on the request path: the requests that count against this limit
    allowance: int  # units per window
    window: str  # "15min", "minute", "day-pacific" (resets at midnight Pacific), "24h" (from the first call)
    scope: str  # "app": one for the country; "credential": one per institution's credential
    cost: dict[str, int] = field(default_factory=dict)  # units per request by path fragment (default 1)

    def units(self, path: str) -> int:
        return next((units for fragment, units in self.cost.items() if fragment in path), 1)

    @property
    def source(self) -> str:
        """Where the figure comes from (the catalogue's `bench.source.*`: «assumed» where none is published)."""
        return t(f"bench.source.{self.key}")

    @property
    def window_text(self) -> str:
        return t(f"bench.window.{self.window}")


LIMITS: tuple[Limit, ...] = (
    Limit(
        "x-users-by-username",
        Platform.X,
        r"^/2/users/by/username/",
        300,
        "15min",
        "app",
    ),
    Limit(
        "x-users-by",
        Platform.X,
        r"^/2/users/by$",
        300,
        "15min",
        "app",
    ),
    Limit(
        "x-user-tweets",
        Platform.X,
        r"^/2/users/[^/]+/tweets",
        1500,
        "15min",
        "app",
    ),
    Limit(
        "x-users",
        Platform.X,
        r"^/2/users(/[^/]+)?$",
        300,
        "15min",
        "app",
    ),
    Limit(
        "youtube-units",
        Platform.YOUTUBE,
        r"^/youtube/v3/",
        10_000,
        "day-pacific",
        "app",
        cost={"/search": 100},
    ),
    Limit(
        "meta-buc-pages",
        Platform.FACEBOOK,
        r"^/v\d+\.\d+/",
        4800,
        "24h",
        "credential",
    ),
    Limit(
        "linkedin-app-daily",
        Platform.LINKEDIN,
        r"^/(rest|v2)/",
        100_000,
        "24h",
        "app",
    ),
    Limit(
        "directory-per-minute",
        Platform.GOOGLE,
        r"^/admin/directory/",
        2400,
        "minute",
        "app",
    ),
)


@dataclass(frozen=True)
class RealisticSpec:
    institutions: int = 400
    accounts_per_institution: int = 10
    platforms: tuple[Platform, ...] = BENCH_PLATFORMS
    lookalike_lookups_per_account: int = AuditConfig().lookalike_lookups_per_account
    start: time = time(2, 0)  # local (America/Asuncion) time the nightly run starts
    latency_seconds: float = 0.3  # a real platform's answer, assumed
    settings: ConnectorSettings = field(default_factory=ConnectorSettings)
    sample_institutions: int = 6


@dataclass
class LimitFigures:
    limit: Limit
    requests: int
    units: int
    keys: int  # how many separate allowances (1 for an app-wide limit, one per credential otherwise)
    seconds: float  # from the start to the last request's answer
    longest_wait: float  # the longest a credential waits for this limit's next window


@dataclass
class RealisticResult:
    spec: RealisticSpec
    accounts: int
    sample_accounts: int
    sample_requests: int
    started: datetime
    limits: list[LimitFigures]
    unattributed: Counter[str]

    @property
    def dominant(self) -> LimitFigures | None:
        return max(self.limits, key=lambda f: f.seconds) if self.limits else None

    @property
    def seconds(self) -> float:
        return self.dominant.seconds if self.dominant else 0.0

    def advice(self) -> list[str]:
        """What the operator must change for the run to complete, limit by limit (in the process's language)."""
        notes = []
        for f in self.limits:
            if f.limit.window == "day-pacific" and f.units > f.limit.allowance * f.keys:
                notes.append(t("bench.advice_quota", limit=f.limit.key, units=f.units, allowance=f.limit.allowance))
            elif f.longest_wait > self.spec.settings.max_wait_seconds:
                notes.append(
                    t(
                        "bench.advice_wait",
                        limit=f.limit.key,
                        duration=duration(f.longest_wait),
                        max_wait=f"{self.spec.settings.max_wait_seconds:.0f}",
                        section=f"[connectors.{CONNECTOR_OF[f.limit.platform]}]",
                        seconds=math.ceil(f.longest_wait / 60) * 60,
                    )
                )
        return notes


def measure_demand(spec: RealisticSpec) -> tuple[int, list[dict[str, str]]]:
    """Audit a sample of the country with the real connectors against the sandbox: its request log."""
    sample = BenchSpec(
        institutions=spec.sample_institutions,
        accounts_per_institution=spec.accounts_per_institution,
        platforms=spec.platforms,
    )
    inventory, scenario = generate(sample)
    sandbox = Sandbox(scenario, keep_log=True)
    live = replace(
        live_from_sandbox(sandbox), discover=False, lookalike_lookups_per_account=spec.lookalike_lookups_per_account
    )
    seen = asyncio.run(observe(inventory, RunScope(), live, {}, {}))
    failed = [s for s in seen.snapshots.values() if s.error is not None]
    if failed:  # a demand measured on failed reads would be too low
        raise RuntimeError(f"the sample audit failed on {len(failed)} accounts: {failed[0].error_detail}")
    # A Graph batch is logged with each of its calls; Meta counts the calls, not the batch that carried them.
    return len(seen.snapshots), [
        {"path": str(e["path"]), "credential": str(e.get("credential") or "")}
        for e in sandbox.request_log
        if not (e["method"] == "POST" and "batch" in e["query"])
    ]


_FIXED_WINDOWS = {"15min": timedelta(minutes=15), "minute": timedelta(minutes=1), "24h": timedelta(days=1)}


def _window_end(kind: str, at: datetime, first: datetime) -> datetime:
    """When the window holding `at` ends: fixed windows from the first request, or midnight Pacific."""
    step = _FIXED_WINDOWS.get(kind)
    if step is not None:
        return first + step * (1 + (at - first) // step)
    midnight = datetime.combine(at.astimezone(PACIFIC).date() + timedelta(days=1), time(0), PACIFIC)
    return midnight.astimezone(at.tzinfo)


def simulate(limit: Limit, units: list[int], start: datetime, spec: RealisticSpec) -> tuple[float, float]:
    """One allowance's requests on a simulated clock: sent as fast as the connector's concurrency and the
    latency allow, each window's allowance spent before waiting for the next. Returns (seconds to the last
    answer, longest wait)."""
    spacing = spec.latency_seconds / max(1, spec.settings.concurrency)
    clock, budget, longest = start, limit.allowance, 0.0
    end = _window_end(limit.window, clock, start)
    sent = start
    for cost in units:
        if clock >= end:
            budget, end = limit.allowance, _window_end(limit.window, clock, start)
        if cost > budget:
            longest = max(longest, (end - clock).total_seconds())
            clock, budget = end, limit.allowance
            end = _window_end(limit.window, clock, start)
        budget -= cost
        sent, clock = clock, clock + timedelta(seconds=spacing)
    return (sent - start).total_seconds() + spec.latency_seconds, longest


def realistic(spec: RealisticSpec, today: datetime | None = None) -> RealisticResult:
    sample_accounts, log = measure_demand(spec)
    accounts = spec.institutions * spec.accounts_per_institution
    scale = spec.institutions / spec.sample_institutions
    started = datetime.combine(local_date(today or utcnow()), spec.start, ASUNCION)
    by_limit: dict[str, list[tuple[str, int]]] = {}
    unattributed: Counter[str] = Counter()
    for entry in log:
        limit = next((lim for lim in LIMITS if re.search(lim.path, entry["path"])), None)
        if limit is None:
            unattributed[re.sub(r"/[^/]*\d[^/]*", "/{id}", entry["path"])] += 1
            continue
        by_limit.setdefault(limit.key, []).append((entry["credential"], limit.units(entry["path"])))
    figures = []
    for limit in LIMITS:
        sample = by_limit.get(limit.key, [])
        per_credential: dict[str, list[int]] = {}
        for credential, units in sample:
            per_credential.setdefault(credential if limit.scope == "credential" else "app", []).append(units)
        if limit.scope == "credential":  # the busiest credential of the sample stands for the country's
            busiest = max(per_credential.values(), key=sum, default=[])
            demand, keys = busiest, spec.institutions
        else:  # one allowance for the country: the sample's requests, as many times as the country is larger
            whole = per_credential.get("app", [])
            demand, keys = whole * math.floor(scale) + whole[: round(len(whole) * (scale % 1))], 1
        seconds, longest = simulate(limit, demand, started, spec) if demand else (0.0, 0.0)
        requests = len(demand) * (keys if limit.scope == "credential" else 1)
        units = sum(demand) * (keys if limit.scope == "credential" else 1)
        figures.append(LimitFigures(limit, requests, units, keys, round(seconds, 1), round(longest, 1)))
    return RealisticResult(spec, accounts, sample_accounts, len(log), started, figures, unattributed)


def realistic_document(result: RealisticResult) -> dict[str, Any]:
    """The figures as one JSON-able document (`auditor bench --realistic --json`)."""
    dominant = result.dominant
    return {
        "accounts": result.accounts,
        "institutions": result.spec.institutions,
        "lookalike_lookups_per_account": result.spec.lookalike_lookups_per_account,
        "started": result.started.isoformat(),
        "sample_accounts": result.sample_accounts,
        "sample_requests": result.sample_requests,
        "seconds": result.seconds,
        "dominant": dominant.limit.key if dominant else None,
        "limits": [
            {
                "key": f.limit.key,
                "platform": f.limit.platform.value,
                "allowance": f.limit.allowance,
                "window": f.limit.window,
                "scope": f.limit.scope,
                "source": f.limit.source,
                "requests": f.requests,
                "units": f.units,
                "allowances": f.keys,
                "seconds": f.seconds,
                "longest_wait_seconds": f.longest_wait,
            }
            for f in result.limits
        ],
        "advice": result.advice(),
        "unattributed_requests": dict(result.unattributed),
    }


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    days, rest = divmod(round(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    return (f"{days} d " if days else "") + (f"{hours} h " if hours or days else "") + f"{rest // 60} min"
