"""Operating the auditor: the single-writer lock, the daemon's shutdown, config check, logs, deploy files."""

from __future__ import annotations

import configparser
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from click.testing import CliRunner

from auditor.app.outputs import latest_run_dir
from auditor.app.setup import demo_files
from auditor.cli import cli
from auditor.config import load_config
from auditor.lock import store_lock
from auditor.schedule import build_scheduler
from connectors.base import available_connectors
from connectors.sandbox import load_scenario
from connectors.sandbox.app import Sandbox
from connectors.sandbox.server import make_server

ROOT = Path(__file__).resolve().parents[2]
DEMO = demo_files()


def credential_names() -> set[str]:
    from auditor.inputs.inventory import load_inventory

    inventory = load_inventory([DEMO / "inventory"])
    return {a.credential for i in inventory.institutions for a in i.accounts if a.credential}


def write_config(tmp_path: Path, server_url: str | None = None, extra: str = "") -> Path:
    lines = [
        f'[store]\npath = "{tmp_path / "audit.db"}"',
        f'[inventory]\npaths = ["{DEMO / "inventory"}"]',
        f'[reports]\nout = "{tmp_path / "out"}"',
        f'[tickets.sinks.outbox]\ntype = "outbox"\npath = "{tmp_path / "tickets"}"',
    ]
    for name in sorted(credential_names()):
        lines.append(f'[credentials.{name}]\nenv = "TOKEN_{name.replace("-", "_").upper()}"')
    if server_url:
        for connector in sorted(available_connectors()):
            lines.append(
                f'[connectors.{connector}]\nbase_url = "{server_url}/"\nbackoff_seconds = 0.05\n'
                "max_wait_seconds = 5\ntimeout_seconds = 30"
            )
    path = tmp_path / "auditor.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def token_env() -> dict[str, str]:
    scenario = load_scenario(DEMO / "sandbox.yaml")
    tokens = {info["credential"]: token for token, info in scenario["tokens"].items()}
    return {
        f"TOKEN_{name.replace('-', '_').upper()}": tokens.get(name, "no-sandbox-token-for-" + name)
        for name in credential_names()
    }


def test_a_second_audit_waits_or_exits_4(tmp_path):
    db = tmp_path / "audit.db"
    args = [
        "audit",
        "--no-live",
        "--inventory",
        str(DEMO / "inventory"),
        "--db",
        str(db),
        "--out",
        str(tmp_path / "out"),
        "--fail-on",
        "none",
    ]
    with store_lock(db):
        busy = CliRunner().invoke(cli, [*args, "--wait", "0.3"])
    assert busy.exit_code == 4
    assert "otra auditoría está escribiendo" in busy.output and f"pid {os.getpid()}" in busy.output

    release = threading.Event()

    def hold() -> None:
        with store_lock(db):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    threading.Timer(0.5, release.set).start()
    waited = CliRunner().invoke(cli, [*args, "--wait", "10"])
    holder.join()
    assert waited.exit_code == 0, waited.output


def test_store_and_reports_are_private_by_default(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "audit",
            "--no-live",
            "--inventory",
            str(DEMO / "inventory"),
            "--db",
            str(tmp_path / "s" / "audit.db"),
            "--out",
            str(tmp_path / "out"),
            "--fail-on",
            "none",
            "--format",
            "html,json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "s" / "audit.db").stat().st_mode) == 0o600
    run = latest_run_dir(tmp_path / "out")
    assert run is not None
    assert stat.S_IMODE((run / "report.html").stat().st_mode) == 0o600
    assert stat.S_IMODE(run.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700


def test_config_check_names_the_offending_key_and_unresolved_credentials(tmp_path, monkeypatch):
    broken = write_config(tmp_path, extra='[schedule]\ncron = "every night"\n')
    result = CliRunner().invoke(cli, ["--config", str(broken), "config", "check"])
    assert result.exit_code == 2 and "schedule.cron" in result.output and "no es una expresión cron" in result.output
    good = write_config(tmp_path)
    for name in token_env():
        monkeypatch.delenv(name, raising=False)
    missing = CliRunner().invoke(cli, ["--config", str(good), "config", "check"])
    assert missing.exit_code == 2
    assert (
        "credentials.meta-mprueba: credencial «meta-mprueba»: la variable de entorno TOKEN_META_MPRUEBA "
        "no está definida" in missing.output
    )
    for name, value in token_env().items():
        monkeypatch.setenv(name, value)
    ok = CliRunner().invoke(cli, ["--config", str(good), "config", "check"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("configuración correcta: 5 instituciones · ")


def test_connectors_check_makes_one_call_per_credential(tmp_path, monkeypatch):
    scenario = load_scenario(DEMO / "sandbox.yaml")
    scenario["faults"] = [{"path": ".*", "credential": "meta-aguas", "expired_token": True}]
    sandbox = Sandbox(scenario)
    server = make_server(sandbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = write_config(tmp_path, f"http://127.0.0.1:{server.server_address[1]}")
        for name, value in token_env().items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(cli, ["--config", str(config), "connectors", "check"])
    finally:
        server.shutdown()
        server.server_close()
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert result.exit_code == 3
    assert "FALLA" in lines["meta-aguas"] and "190" in lines["meta-aguas"]
    assert " ok " in lines["meta-deportes"] and "vence el" in lines["meta-deportes"]
    assert " ok " in lines["x-mprueba"] and " ok " in lines["google-una"]
    assert all(" ok " in line for name, line in lines.items() if name != "meta-aguas"), result.output
    assert len(lines) == len(credential_names()) and len(sandbox.request_log) <= len(lines) + 2


def test_scheduler_jobs_follow_the_config(tmp_path):
    config = load_config(
        write_config(
            tmp_path, extra='[schedule]\ncron = "30 1 * * *"\n[schedule.institutions.una]\ncron = "0 12 * * 1"\n'
        )
    )
    scheduler = build_scheduler(config, threading.Event())
    scheduler.start(paused=True) if False else None
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"all", "institution:una"}
    assert str(jobs["all"].trigger) == "cron[month='*', day='*', day_of_week='*', hour='1', minute='30']"
    assert scheduler._job_defaults == {"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1}
    assert str(scheduler.timezone) == "America/Asuncion"


@pytest.mark.parametrize("kill_after", [0.0, 1.5])
def test_daemon_sigterm_during_a_run_leaves_a_consistent_store(tmp_path, kill_after):
    scenario = load_scenario(DEMO / "sandbox.yaml")
    scenario["faults"] = [{"path": ".*", "latency_ms": 250}]  # a slow platform: the run takes a while
    server = make_server(Sandbox(scenario))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = write_config(tmp_path, f"http://127.0.0.1:{server.server_address[1]}")
    env = {**os.environ, **token_env(), "PYTHONFAULTHANDLER": "1"}  # stacks on SIGABRT, should it hang
    daemon = subprocess.Popen(
        [sys.executable, "-m", "auditor", "--config", str(config), "--log-format", "json", "schedule", "--run-now"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert daemon.stderr is not None
        for line in daemon.stderr:
            if '"event": "run_started"' in line:
                break
        time.sleep(kill_after)
        daemon.send_signal(signal.SIGTERM)
        try:
            _, rest = daemon.communicate(timeout=120)
        except subprocess.TimeoutExpired:  # a hang: fail with every thread's stack (faulthandler on SIGABRT)
            daemon.send_signal(signal.SIGABRT)
            _, stacks = daemon.communicate(timeout=30)
            pytest.fail(f"the daemon did not stop within 120 s of SIGTERM; its threads:\n{stacks[-6000:]}")
    finally:
        server.shutdown()
        server.server_close()
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, rest
    events = [json.loads(line).get("event") for line in rest.splitlines() if line.startswith("{")]
    assert "shutdown" in events
    with sqlite3.connect(tmp_path / "audit.db") as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        runs = db.execute("select id, status from runs").fetchall()
        assert len(runs) == 1 and runs[0][1] in ("aborted", "complete", "incomplete")
        run_id, status = runs[0]
        events_written = db.execute("select count(*) from finding_events where run_id = ?", [run_id]).fetchone()[0]
        snapshots = db.execute("select count(*) from snapshots where run_id = ?", [run_id]).fetchone()[0]
    if status == "aborted":
        assert events_written == 0 and snapshots == 0  # nothing half-written
    else:
        assert events_written > 0 and snapshots == 22


def test_json_logs_carry_the_run_context(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "--log-format", "json", "-v", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    observed = [r for r in records if r.get("event") == "account_observed"]
    assert observed and {"institution", "platform", "account", "time", "level"} <= set(observed[0])
    assert not any("EAAG" in line for line in result.stderr.splitlines())


def test_runs_and_findings_lists(tmp_path):
    CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    runs = CliRunner().invoke(cli, ["runs", "list", "--db", str(tmp_path / "audit.db")])
    assert re.search(r"^#2\s+\S+ \S+ \(-0300\)\s+demostración\s+en vivo\s+incompleta", runs.output, re.M)
    high = CliRunner().invoke(
        cli,
        ["findings", "list", "--db", str(tmp_path / "audit.db"), "--severity", "critical", "--institution", "mprueba"],
    )
    lines = high.stdout.strip().splitlines()
    assert lines and all(line.startswith("crítica") and "mprueba" in line for line in lines)


def test_deploy_notes_units_and_cron_line_parse():
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    units = re.findall(r"```ini\n(.*?)```", text, re.S)
    assert len(units) == 6  # daemon, one-run service and timer, backup service and timer, web application
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.read_string(unit)
        assert parser.sections()[0] == "Unit"
        if parser.has_section("Service"):
            assert "/bin/auditor --config" in parser["Service"]["ExecStart"]
        if parser.has_section("Timer"):
            assert parser["Timer"]["OnCalendar"].startswith(("*-*-* 02:00:00", "*-*-* 04:30:00"))
    (cron,) = re.findall(r"```cron\n(.*?)\n```", text, re.S)
    fields = cron.split()
    CronTrigger.from_crontab(" ".join(fields[:5]))
    assert fields[5] == "auditor" and "audit --wait" in cron
    assert "auditor --config auditor.toml backup /var/backups" in text
