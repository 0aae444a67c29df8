"""The demo's HTML report as a person sees it: opened in headless Chromium, no console errors, and the
numbers on the page are the numbers in report.json. Skipped, with the reason, where Chromium is missing
(`.ci/run` installs Debian's `chromium` so CI always runs it)."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile

import pytest
from click.testing import CliRunner

from auditor.app.outputs import latest_run_dir
from auditor.cli import cli
from reports.screenshot import CHROMIUM_FLAGS, chromium

BROWSER = chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (Debian package `chromium`)")


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--screenshot"])
    assert result.exit_code == 0, result.output
    run = latest_run_dir(out)
    assert run is not None and f"informe: {run / 'report.html'}" in result.output
    return run


def test_demo_html_loads_without_console_errors_and_shows_the_json_numbers(demo_out):
    with tempfile.TemporaryDirectory() as profile:
        shown = subprocess.run(
            [
                BROWSER,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                (demo_out / "report.html").as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line or "Refused to" in line]
    assert console == []
    dom = shown.stdout
    assert "Resumen por severidad" in dom
    report = json.loads((demo_out / "report.json").read_text(encoding="utf-8"))
    on_page = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r'data-severity="(\w+)" data-open="(\d+)" data-waived="(\d+)"', dom)
    }
    assert on_page == {c["severity"]: (c["open"], c["waived"]) for c in report["summary"]}
    coverage = re.search(r'id="coverage" data-evaluated="(\d+)" data-applicable="(\d+)"', dom)
    assert coverage and (int(coverage.group(1)), int(coverage.group(2))) == (
        report["coverage"]["evaluated"],
        report["coverage"]["applicable"],
    )


def test_screenshot_of_the_first_page_is_a_png(demo_out):
    png = (demo_out / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
