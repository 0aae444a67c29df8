"""Never a false "all clear": asking for something that does not exist, reading a store that is not there,
an inventory-only run, a reevaluation and the exit codes each give an honest answer (issue 15)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.app.outputs import MARKER, POINTER, latest_run_dir
from auditor.cli import cli

DEMO_INVENTORY = Path(__file__).resolve().parents[2] / "auditor" / "demo" / "inventory"


def run(*args: str, cwd: Path | None = None):
    return CliRunner().invoke(cli, list(args))


def files_under(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's store and reports: two live runs."""
    out = tmp_path_factory.mktemp("honest")
    assert run("demo", "--out", str(out)).exit_code == 0
    return out


# -- 1. unknown scope --------------------------------------------------------------------------------


def test_report_for_an_unknown_institution_names_it_and_the_closest_and_writes_nothing(demo):
    before = files_under(demo)
    result = run("report", "--db", str(demo / "audit.db"), "--out", str(demo), "--institution", "unna")
    assert result.exit_code == 2, result.output
    assert "«unna»" in result.output and "una" in result.output.split("parecidas:")[1]
    assert files_under(demo) == before


def test_unknown_run_account_and_platform_are_errors_not_empty_reports(demo, tmp_path):
    db = str(demo / "audit.db")
    missing_run = run("report", "--db", db, "--out", str(tmp_path), "--run", "99")
    assert missing_run.exit_code == 2 and "«99»" in missing_run.output
    assert not tmp_path.joinpath(POINTER).exists()
    replay = run("reevaluate", "--db", db, "--out", str(tmp_path), "--run", "99")
    assert replay.exit_code == 2
    findings = run("findings", "list", "--db", db, "--institution", "aguass")
    assert findings.exit_code == 2 and "aguas" in findings.output
    base = ["audit", "--no-live", "--inventory", str(DEMO_INVENTORY), "--db", str(tmp_path / "a.db")]
    account = run(*base, "--out", str(tmp_path / "o"), "--account", "@mpruebapyy")
    assert account.exit_code == 2 and "@mpruebapy" in account.output
    # A platform with no registered account in the chosen institution would audit nothing: an error.
    platform = run(*base, "--out", str(tmp_path / "o"), "--institution", "aguas", "--platform", "tiktok")
    assert platform.exit_code == 2 and "tiktok" in platform.output
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "o").exists()


# -- 2. per-institution output never replaces the overall one -----------------------------------------


def test_institution_report_goes_into_the_run_folder_and_leaves_the_overall_one(demo):
    folder = latest_run_dir(demo)
    assert folder is not None
    overall = {name: (folder / name).read_bytes() for name in ("report.html", "report.md", "report.json")}
    result = run("report", "--db", str(demo / "audit.db"), "--out", str(demo), "--institution", "aguas")
    assert result.exit_code == 0, result.output
    assert {name: (folder / name).read_bytes() for name in overall} == overall
    only = json.loads((folder / "aguas" / "report.json").read_text(encoding="utf-8"))
    assert only["institution"] == "aguas" and {f["institution"] for f in only["findings"]} == {"aguas"}


# -- 3. no store, no config ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["findings", "list"],
        ["tickets", "list"],
        ["tickets", "deliver"],
        ["tickets", "retry", "1"],
        ["runs", "list"],
        ["report"],
        ["reevaluate", "--run", "1"],
        ["browse"],
    ],
)
def test_read_commands_never_create_a_store(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "auditor.db") in result.output or "auditor.db" in result.output
    assert "no se encontró auditor.toml" in result.output and "--config" in result.output and "--db" in result.output
    assert list(tmp_path.iterdir()) == []


def test_audit_that_fails_on_input_writes_nothing(tmp_path):
    bad = tmp_path / "inventory"
    bad.mkdir()
    (bad / "x.yaml").write_text("institution:\n  id: x\n", encoding="utf-8")
    result = run("audit", "--inventory", str(bad), "--db", str(tmp_path / "s" / "a.db"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inventory"]  # no store, no lock, no report folder


# -- 4. inventory-only runs are labelled -----------------------------------------------------------------


def test_inventory_only_run_is_labelled_and_keeps_live_findings_unverified(tmp_path):
    out = tmp_path / "out"
    assert run("demo", "--out", str(out)).exit_code == 0
    live = json.loads((latest_run_dir(out) / "report.json").read_text(encoding="utf-8"))
    live_only = {
        f["fingerprint"]
        for f in live["findings"]
        if f["policy_id"].startswith(("AUT", "ACC"))
        and f["evidence"].get("source") != "declaración"
        and f["status"] != "waived"
    }  # a finding a declaration raised needs no platform (re-judged); a waived one stays waived
    result = run(
        "audit",
        "--no-live",
        "--inventory",
        str(DEMO_INVENTORY),
        "--db",
        str(out / "audit.db"),
        "--out",
        str(out),
        "--fail-on",
        "none",
    )
    assert result.exit_code in (0, 3), result.output
    assert "solo inventario" in result.output
    folder = latest_run_dir(out)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["mode"] == "inventory"
    assert "solo inventario" in (folder / "report.html").read_text(encoding="utf-8")
    statuses = {f["fingerprint"]: f["status"] for f in report["findings"]}
    assert live_only and all(statuses.get(fp) == "unverified" for fp in live_only)
    assert not {f["fingerprint"] for f in report["resolved"]} & live_only
    # Comparisons use runs of the same mode: no previous inventory-only run, and the trend has this run only.
    assert report["previous_run_id"] is None and [p["run_id"] for p in report["trend"]] == [report["run"]["id"]]
    runs = run("runs", "list", "--db", str(out / "audit.db"))
    assert "inventario" in runs.output and "en vivo" in runs.output
    # The next live run compares with the last live run, not with the inventory-only one.
    assert run("demo", "--out", str(out)).exit_code == 0
    again = json.loads((latest_run_dir(out) / "report.json").read_text(encoding="utf-8"))
    assert again["previous_run_id"] == live["run"]["id"]


# -- 5. exit codes ---------------------------------------------------------------------------------------


def test_fail_on_none_is_accepted_in_the_config_file(tmp_path):
    config = tmp_path / "auditor.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "a.db"}"\n[inventory]\npaths = ["{DEMO_INVENTORY}"]\n'
        f'[reports]\nout = "{tmp_path / "out"}"\n[audit]\nfail_on = "none"\n',
        encoding="utf-8",
    )
    assert run("--config", str(config), "audit", "--no-live").exit_code == 0
    assert run("--config", str(config), "audit", "--no-live", "--fail-on", "high").exit_code == 1


def test_an_internal_error_is_exit_5_never_1(tmp_path, monkeypatch):
    import auditor.judge

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(auditor.judge, "evaluate_institution", broken)
    result = run(
        "audit",
        "--no-live",
        "--inventory",
        str(DEMO_INVENTORY),
        "--db",
        str(tmp_path / "a.db"),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 5 and "error interno" in result.output
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("select status from runs").fetchall() == [("aborted",)]


def test_a_store_newer_than_the_auditor_is_exit_5(tmp_path):
    db = tmp_path / "a.db"
    assert (
        run(
            "audit",
            "--no-live",
            "--inventory",
            str(DEMO_INVENTORY),
            "--db",
            str(db),
            "--out",
            str(tmp_path / "o"),
            "--fail-on",
            "none",
        ).exit_code
        == 0
    )
    with sqlite3.connect(db) as conn:
        conn.execute("insert into schema_version values (999, 'future')")
    result = run("runs", "list", "--db", str(db))
    assert result.exit_code == 5 and "999" in result.output


def test_a_failed_ticket_delivery_is_exit_3(tmp_path, monkeypatch):
    """Nothing at or above --fail-on, but an incident ticket could not be delivered: 3, not a clean 0."""
    import threading

    from connectors.base import available_connectors
    from connectors.sandbox import Sandbox, load_scenario
    from connectors.sandbox.server import make_server

    scenario = load_scenario(DEMO_INVENTORY.parent / "sandbox.yaml")
    server = make_server(Sandbox(scenario), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = [
        f'[store]\npath = "{tmp_path / "a.db"}"',
        f'[inventory]\npaths = ["{DEMO_INVENTORY}"]',
        f'[reports]\nout = "{tmp_path / "out"}"\nformats = ["json"]',
        '[audit]\nfail_on = "none"',
        '[tickets.sinks.hook]\ntype = "webhook"\nurl = "http://127.0.0.1:9/never"\ntimeout_seconds = 0.5',
    ]
    for connector in sorted(available_connectors()):
        lines.append(f'[connectors.{connector}]\nbase_url = "http://127.0.0.1:{server.server_address[1]}/"')
    for token, info in scenario["tokens"].items():
        var = "TOKEN_" + info["credential"].replace("-", "_").upper()
        monkeypatch.setenv(var, token)
        lines.append(f'[credentials.{info["credential"]}]\nenv = "{var}"')
    config = tmp_path / "auditor.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        result = run("--config", str(config), "audit")
    finally:
        server.shutdown()
        server.server_close()
    assert "fallidos" in result.output and ", 0 fallidos" not in result.output, result.output
    assert result.exit_code == 3, result.output
    listed = run("--config", str(config), "tickets", "list", "--status", "pending")
    assert "webhook" in listed.output or "hook" in listed.output


# -- 6. reevaluation ---------------------------------------------------------------------------------------


def test_reevaluation_without_a_waivers_file_keeps_the_replayed_runs_waivers(demo, tmp_path):
    result = run("reevaluate", "--db", str(demo / "audit.db"), "--out", str(tmp_path), "--run", "2")
    assert result.exit_code in (1, 3), result.output
    report = json.loads((latest_run_dir(tmp_path) / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["replay_of"] == 2 and report["run"]["run_type"] == "reevaluation"
    assert [f["policy_id"] for f in report["findings"] if f["status"] == "waived"] == ["ACC-001", "INV-014"]
    assert not any(f["policy_id"] in ("INV-014", "OPS-004") for f in report["resolved"])
    replayed = json.loads((latest_run_dir(demo) / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["started_at"] > replayed["run"]["started_at"]  # recorded at its own time
    assert "reevaluación de la ejecución #2" in (latest_run_dir(tmp_path) / "report.html").read_text(encoding="utf-8")


# -- 12. run folders kept, pointer, retention -------------------------------------------------------------


def test_runs_are_kept_in_their_own_folders_and_only_ours_are_pruned(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "2020-01-01-ejecucion-1").mkdir()  # looks like ours but has no marker: never deleted
    (out / "notas").mkdir()
    config = tmp_path / "auditor.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "a.db"}"\n[inventory]\npaths = ["{DEMO_INVENTORY}"]\n'
        f'[reports]\nout = "{out}"\nkeep_runs = 2\nformats = ["json"]\n[audit]\nfail_on = "none"\n',
        encoding="utf-8",
    )
    for _ in range(3):
        assert run("--config", str(config), "audit", "--no-live").exit_code == 0
    ours = sorted(p.name for p in out.iterdir() if (p / MARKER).exists())
    assert [name.rsplit("-", 1)[1] for name in ours] == ["2", "3"]
    assert (out / "2020-01-01-ejecucion-1").exists() and (out / "notas").exists()
    pointer = (out / POINTER).read_text(encoding="utf-8").strip()
    assert pointer == ours[-1] and not (out / POINTER).is_symlink()
    assert stat.S_IMODE((out / pointer).stat().st_mode) == 0o700


# -- 13 and 14. small things a first user trips on ---------------------------------------------------------


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("auditor ")


def test_browse_finds_datasette_in_the_auditors_own_environment(demo, tmp_path, monkeypatch):
    from auditor.app import queries

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    datasette = fake_bin / "datasette"
    datasette.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    datasette.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake_bin / "python"))
    monkeypatch.setenv("PATH", "/nonexistent")
    assert queries.datasette_command() == str(datasette)
    result = run("browse", "--db", str(demo / "audit.db"))
    assert result.exit_code == 0, result.output


def test_policies_show_explains_conditional_severity():
    result = run("policies", "show", "AUT-005")
    assert "crítica cuando el nuevo correo no es institucional" in result.output


def test_connectors_check_with_no_credential_in_use_is_a_problem(tmp_path):
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    text = (DEMO_INVENTORY / "sinfo.yaml").read_text(encoding="utf-8")
    (inventory / "sinfo.yaml").write_text(
        "\n".join(line for line in text.splitlines() if "credential:" not in line) + "\n", encoding="utf-8"
    )
    config = tmp_path / "auditor.toml"
    config.write_text(f'[inventory]\npaths = ["{inventory}"]\n', encoding="utf-8")
    result = run("--config", str(config), "connectors", "check")
    assert result.exit_code == 3 and "ninguna credencial" in result.output


def test_english_on_request(demo):
    result = run("--lang", "en", "runs", "list", "--db", str(demo / "audit.db"))
    assert "coverage" in result.output and "cobertura" not in result.output
    assert os.environ.get("AUDITOR_LANG") is None


# -- 9. Spanish first, English on request -------------------------------------------------------------------


def test_validation_errors_are_spanish_sentences_without_regexes(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "institution:\n  id: Mi Institucion\n  name: X\n  email_domains: [x.gov.py]\n"
        "accounts:\n  - id: a\n    platform: facebook\n    kind: principal\n"
        "    authorization: {date: 15/01/2026}\n",
        encoding="utf-8",
    )
    spanish = run("inventory", "validate", str(path))
    assert spanish.exit_code == 2
    assert "fecha inválida: use AAAA-MM-DD (en CSV también dd/mm/aaaa)" in spanish.output
    assert "identificador inválido: use minúsculas" in spanish.output
    assert "^[" not in spanish.output and "Input should" not in spanish.output
    english = run("--lang", "en", "inventory", "validate", str(path))
    assert "invalid date: use YYYY-MM-DD" in english.output and "problems; nothing was imported" in english.output


def test_no_raw_platform_enum_reaches_a_sentence(demo):
    """Enum values the platforms answer (not_verified, admin_required, EMPLOYEE, archived, blue…) are
    translated in every finding's message; the raw value stays in the evidence."""
    import re

    report = json.loads((latest_run_dir(demo) / "report.json").read_text(encoding="utf-8"))
    raw = re.compile(
        r"\b(not_verified|verified_gov|verified_org|paid_individual|admin_required|all_required|EMPLOYEE|ADMIN|"
        r"archived|blue|business|advertiser|moderator|analyst|not_found|unpublished|protected|deactivated)\b"
    )
    for f in report["findings"] + report["resolved"]:
        assert not raw.search(f["message"]), (f["policy_id"], f["message"])
    roles = [f["message"] for f in report["findings"] if f["policy_id"] == "ACC-001"]
    assert roles and not any(" rol admin " in m for m in roles)


def test_auditor_lang_en_switches_the_reports_too(tmp_path):
    result = run("--lang", "en", "demo", "--out", str(tmp_path))
    assert result.exit_code == 0 and "report: " in result.output
    assert (latest_run_dir(tmp_path) / "report.md").read_text(encoding="utf-8").startswith("# Audit of official")


# -- 10. the triage first page -------------------------------------------------------------------------------


def test_first_page_is_the_triage_oldest_critical_first(demo):
    folder = latest_run_dir(demo)
    html = (folder / "report.html").read_text(encoding="utf-8")
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    # The triage comes before the summary and every per-account detail; an incomplete run says why first.
    assert html.index('id="incomplete"') < html.index('id="triage"') < html.index('id="summary"')
    assert html.index('id="triage"') < html.index('id="accounts"')
    assert {row["institution"] for row in report["triage"]} == {i["id"] for i in report["institutions"]}
    mprueba = next(r for r in report["triage"] if r["institution"] == "mprueba")
    open_critical = [
        f
        for f in report["findings"]
        if f["institution"] == "mprueba" and f["severity"] == "critical" and f["status"] != "waived"
    ]
    assert mprueba["critical"] == len(open_critical) > 0 and mprueba["oldest_open_days"] == 1
    # The priority list: open critical findings and incidents, oldest first, with age and ticket reference.
    priority = re.findall(r'data-priority="(\w+)"', html)
    by_fp = {f["fingerprint"]: f for f in report["findings"]}
    ages = [by_fp[fp]["age_days"] for fp in priority]
    assert priority and ages == sorted(ages, reverse=True)
    assert all(by_fp[fp]["incident"] or by_fp[fp]["severity"] == "critical" for fp in priority)
    assert all(by_fp[fp]["ticket"] for fp in priority if by_fp[fp]["incident"])
    # «Incidentes abiertos» lists every open incident, not only the ones this run opened.
    incidents = html[html.index('id="incidents"') : html.index("</section>", html.index('id="incidents"'))]
    assert (
        incidents.count("data-incident=")
        == sum(1 for f in report["findings"] if f["incident"] and f["status"] != "waived")
        > 0
    )
    assert any(f["incident"] and f["status"] == "persisting" for f in report["findings"])
    assert 'class="status persisting"' in incidents
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert markdown.index("## Qué atender primero") < markdown.index("## Resumen por severidad")
