"""A smoke test of `auditor bench` at a tiny size: it runs end to end and reports every figure.
No timing is asserted here (the machine is small and shared); the figures live in docs/benchmarks.md."""

from __future__ import annotations

import json

from click.testing import CliRunner

from auditor.app.bench import BenchSpec, generate, lower_bound
from auditor.cli import cli
from auditor.model import Platform


def test_bench_runs_and_prints_every_figure():
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "--institutions",
            "2",
            "--accounts-per-institution",
            "4",
            "--runs",
            "2",
            "--latency-ms",
            "1",
            "--rate-limit",
            "100/1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["spec"]["accounts"] == 8 and len(figures["runs"]) == 2
    for run in figures["runs"]:
        assert run["accounts"] == 8 and run["requests"] > 8 and run["status"] == "complete"
        for key in (
            "wall_seconds",
            "bound_seconds",
            "ratio",
            "cpu_ms_per_account",
            "peak_rss_mb",
            "report_seconds",
            "institution_reports_seconds",
        ):
            assert run[key] > 0, key
        assert run["bound_by"].split()[1].startswith("facebook-") and run["limited_by"]  # the Business edges
        assert set(run["in_flight_mean"]) == {"facebook", "x", "youtube", "linkedin"} and run["in_flight_peak"] >= 1
        assert run["throttled"] >= 0 and run["cpu_share"] > 0
    assert "last_over_first" in figures


def test_generation_is_deterministic_and_seeds_violations():
    spec = BenchSpec(institutions=3, accounts_per_institution=20, seed=7)
    first, scenario = generate(spec)
    again, _ = generate(spec)
    assert first == again
    emails = [a.linked_email for i in first.institutions for a in i.accounts]
    assert any(e.endswith("@gmail.com") for e in emails) and sum(e.endswith(".gov.py") for e in emails) > 50
    assert {a.platform for i in first.institutions for a in i.accounts} == set(spec.platforms)
    assert len(scenario["tokens"]) == 3 * len(spec.platforms)


def test_lower_bound_takes_the_slowest_constraint():
    spec = BenchSpec(
        latency_ms=50, rate_limit=(10, 1.0), concurrency=4, per_credential_concurrency=2, platforms=(Platform.X,)
    )
    # 100 requests on one credential: 9 full windows at 10/s (+ latency) beats 100 × 50 ms / 2 in flight.
    assert lower_bound(spec, {"x-a": 100}) == max(9 * 1.0 + 0.05, 100 * 0.05 / 2, 100 * 0.05 / 4)
