"""The bench's models without a server: the realistic preset's clock, its attribution of requests to limits,
the bound's terms and what held a run, and the matrix's generated section."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from auditor.app.bench import BenchSpec, RunFigures, bound_terms, limited_by
from auditor.app.bench_matrix import BEGIN, END, MatrixResult, MatrixRow, matrix_table, write_matrix
from auditor.app.bench_realistic import LIMITS, RealisticSpec, realistic, simulate
from auditor.cli import cli
from auditor.model import Platform
from auditor.model.clock import ASUNCION

LIMIT = {lim.key: lim for lim in LIMITS}
START = dt.datetime(2026, 12, 1, 2, 0, tzinfo=ASUNCION)  # 21:00 the day before in Los Angeles


def test_a_fifteen_minute_window_makes_the_301st_request_wait_for_the_next():
    seconds, longest = simulate(LIMIT["x-users-by"], [1] * 300, START, RealisticSpec())
    assert seconds < 60 and longest == 0
    seconds, longest = simulate(LIMIT["x-users-by"], [1] * 301, START, RealisticSpec())
    assert 900 <= seconds < 901 and 850 < longest <= 900


def test_youtube_units_reset_at_midnight_pacific_not_a_day_after_the_start():
    seconds, _ = simulate(LIMIT["youtube-units"], [1] * 10_001, START, RealisticSpec())
    assert seconds == 3 * 3600 + RealisticSpec().latency_seconds  # 21:00 → 00:00 Pacific
    search = [100] * 101  # search.list costs 100 units: 100 of them spend a day
    assert LIMIT["youtube-units"].units("/youtube/v3/search") == 100
    assert simulate(LIMIT["youtube-units"], search, START, RealisticSpec())[0] > 3 * 3600


def test_the_country_demand_is_measured_and_every_request_attributed():
    spec = RealisticSpec(institutions=20, accounts_per_institution=4, sample_institutions=2)
    result = realistic(spec, today=START)
    assert result.sample_accounts == 8 and not result.unattributed
    units = {f.limit.key: f for f in result.limits}
    # Each YouTube channel: the channel, its uploads and the look-alike lookups (1 unit each), scaled ×10.
    youtube_accounts = 20 * 4 // 4
    assert units["youtube-units"].units >= youtube_accounts * (2 + spec.lookalike_lookups_per_account)
    assert units["meta-buc-pages"].keys == 20  # one allowance per institution's system user
    assert result.dominant is not None and result.seconds == max(f.seconds for f in result.limits)
    fewer = realistic(
        RealisticSpec(
            institutions=20, accounts_per_institution=4, sample_institutions=2, lookalike_lookups_per_account=0
        ),
        today=START,
    )
    assert {f.limit.key: f.units for f in fewer.limits}["youtube-units"] < units["youtube-units"].units


def test_the_realistic_preset_advises_when_a_limit_cannot_be_met_in_one_night():
    spec = RealisticSpec(institutions=400, accounts_per_institution=10, sample_institutions=2)
    ten = " ".join(realistic(replace(spec, lookalike_lookups_per_account=10), today=START).advice())
    assert "youtube-units" in ten and "quotaExceeded" in ten  # 1,000 channels × 12 units > 10,000 a day
    advice = " ".join(realistic(spec, today=START).advice())  # the default: 3 lookups, 5 units a channel
    assert "youtube-units" not in advice
    assert "max_wait_seconds = 900" in advice  # X's 15-minute windows against the 60 s default


def test_the_bound_names_its_term_and_a_run_far_from_it_names_what_held_it():
    spec = BenchSpec(latency_ms=50, rate_limit=(1000, 1.0), concurrency=2, per_credential_concurrency=4)
    terms = bound_terms(spec, {"x-a": 10, "x-b": 3, "youtube-a": 100, "youtube-b": 100})
    assert terms[0].resource == "platform-concurrency" and terms[0].name == "youtube"
    assert str(terms[0]) == "platform-concurrency youtube (200 requests)"
    terms = bound_terms(BenchSpec(), {"facebook-oee0001": 60, "x-oee0001": 5})
    assert (terms[0].resource, terms[0].name) == ("credential-rate", "facebook-oee0001")
    assert limited_by(1.1, 0.3, terms[0]) == str(terms[0])
    assert limited_by(2.0, 0.95, terms[0]).startswith("cpu")
    assert limited_by(2.0, 0.2, terms[0]).startswith("unexplained wait")


def _figures(run: int, wall: float, ratio: float, status: str = "complete", cpu: float = 4.0) -> RunFigures:
    return RunFigures(
        run, 1000, 10_000, wall, wall / ratio, ratio, cpu, 200.0, 1.0, status, "b", "c", 0.5, {"x": 1.5}, 12, 0
    )


def test_the_matrix_section_is_replaced_in_place_and_rows_are_judged(tmp_path: Path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nbefore\n\n{BEGIN}\nold table\n{END}\n\nafter\n", encoding="utf-8")
    results = [
        MatrixResult(MatrixRow(100, 10), [_figures(1, 60, 1.1)]),
        MatrixResult(MatrixRow(1000, 1, platforms=(Platform.X,)), [_figures(1, 60, 1.4)]),
        MatrixResult(MatrixRow(100, 10, runs=2), [_figures(1, 60, 1.1), _figures(2, 70, 1.2)]),
        MatrixResult(MatrixRow(50, 20), [_figures(1, 60, 1.1, "incomplete")]),
        MatrixResult(MatrixRow(20, 50), [_figures(1, 60, 1.1, cpu=6.2)]),
    ]
    assert [r.misses for r in results] == [
        [],
        ["wall > 1.25 × bound"],
        ["run 2 / run 1 > 1.1"],
        ["incomplete"],
        ["CPU > 5 ms"],
    ]
    assert [r.meets for r in results] == [True, False, False, False, False]
    write_matrix(doc, matrix_table(results, dt.date(2026, 12, 1), "a machine"))
    text = doc.read_text(encoding="utf-8")
    assert "old table" not in text and text.startswith("# Benchmarks\n\nbefore") and text.endswith("after\n")
    assert "Generated 2026-12-01" in text and "a machine" in text and text.count(BEGIN) == 1
    assert "| 1000 × 1 | x |" in text and "run 2 / run 1 | | | | **1.17** | | | | | | | **no**: > 1.1 |" in text
    assert "| 4.0 ms | 200 MB | yes |" in text and "| 6.2 ms | 200 MB | **no**: CPU > 5 ms |" in text
    assert "**no**: wall > 1.25 × bound |" in text and "**no**: incomplete |" in text


def test_bench_realistic_prints_json():
    result = CliRunner().invoke(
        cli, ["bench", "--realistic", "--institutions", "8", "--accounts-per-institution", "4", "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["accounts"] == 32 and document["dominant"] in {lim.key for lim in LIMITS}
    assert all(row["source"] for row in document["limits"])


def test_bench_realistic_speaks_spanish_by_default_and_english_on_request():
    args = ["bench", "--realistic", "--institutions", "8", "--accounts-per-institution", "4"]
    spanish = CliRunner().invoke(cli, args)
    assert spanish.exit_code == 0, spanish.output
    assert "32 cuentas (8 instituciones × 4)" in spanish.output and "El país tarda" in spanish.output
    english = CliRunner().invoke(cli, ["--lang", "en", *args])
    assert english.exit_code == 0, english.output
    assert "The country takes" in english.output and "cuentas" not in english.output


def test_a_matrix_row_that_fails_is_reported_not_waited_for_and_never_meets(tmp_path: Path):
    from auditor.app.bench_matrix import run_matrix

    (result,) = run_matrix((MatrixRow(1, 1, platforms=()),))  # nothing to generate: the row's process fails
    assert result.runs == [] and result.error and not result.meets
    table = matrix_table([result], dt.date(2026, 12, 1), "a machine")
    assert "| 1 × 1 |" in table and "not measured: ZeroDivisionError" in table and table.endswith("| **no** |")


def test_bench_matrix_refuses_a_document_folder_that_does_not_exist_before_running(tmp_path: Path):
    result = CliRunner().invoke(cli, ["bench", "--matrix", "--doc", str(tmp_path / "missing" / "b.md")])
    assert result.exit_code == 2 and "--doc" in result.output
