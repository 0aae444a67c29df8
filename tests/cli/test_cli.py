"""The command line as a user meets it: exit codes, located errors, the demo and its second run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.app.outputs import latest_run_dir
from auditor.cli import cli
from policies.registry import all_rules


def newest(out: Path) -> Path:
    """The newest run's report folder under `out`, as the pointer file names it."""
    folder = latest_run_dir(out)
    assert folder is not None, f"no {out}/ultima-ejecucion.txt"
    return folder


def invoke(*args: str, cwd: Path | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """The demo run twice into one folder: (first report, second report, output of the second)."""
    out = tmp_path_factory.mktemp("demo")
    first = invoke("demo", "--out", str(out))
    assert first.exit_code == 0, first.output
    report1 = json.loads((newest(out) / "report.json").read_text(encoding="utf-8"))
    second = invoke("demo", "--out", str(out))
    assert second.exit_code == 0, second.output
    report2 = json.loads((newest(out) / "report.json").read_text(encoding="utf-8"))
    return report1, report2, second.output, newest(out)


def test_demo_report_contains_every_rule_of_the_catalogue(demo_runs):
    # Every rule is seeded in the demo: all 45 today (the catalogue, and IDN-009 beyond it).
    report, _, _, _ = demo_runs
    found = {f["policy_id"] for f in report["findings"]}
    expected = {r.id for r in all_rules()}
    assert expected <= found, expected - found


def test_demo_first_run_shows_drift_since_its_baseline_second_run_nothing_new(demo_runs):
    first, second, output, out = demo_runs
    # The first demo audits "yesterday" then today: what changed overnight is new, the rest persists.
    new = {f["policy_id"] for f in first["findings"] if f["status"] == "new"}
    assert {"AUT-003", "AUT-005", "IDN-003", "IDN-005", "ACC-002", "LIF-005"} <= new
    assert {f["status"] for f in second["findings"]} == {"persisting", "waived"}
    assert second["previous_run_id"] == first["run"]["id"]
    assert f"informe: {out / 'report.html'}" in output
    assert ", 0 nuevos," in output


def test_demo_waiver_mutes_one_finding_and_shows_it(demo_runs):
    report, _, _, out = demo_runs
    waived = [f for f in report["findings"] if f["status"] == "waived"]
    assert [(f["policy_id"], f["account"], f["waiver"]["id"]) for f in waived] == [
        ("ACC-001", "mprueba-fb", "fp-1"),  # the demo's confirmed false positive
        ("INV-014", "mprueba-x", "w-mprueba-x"),
    ]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Exceptuado por w-mprueba-x" in md


def test_demo_report_json_carries_the_required_finding_fields(demo_runs):
    report, _, _, _ = demo_runs
    assert report["schema_version"] == "1.2"
    # Platforms without a connector yet (X, YouTube…) cannot be observed: coverage says so.
    assert report["coverage"]["evaluated"] > 0 and report["coverage"]["errors"] > 0
    assert report["run"]["status"] == "incomplete"
    required = {
        "policy_id",
        "severity",
        "status",
        "institution",
        "platform",
        "account",
        "subject",
        "fingerprint",
        "message",
        "guide_ref",
    }
    for finding in report["findings"]:
        assert required <= finding.keys()
        assert finding["message"] and finding["guide_ref"]


def test_demo_markdown_is_spanish_by_default_and_english_on_request(tmp_path, demo_runs):
    _, _, _, out = demo_runs
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Auditoría de cuentas oficiales en redes sociales")
    assert "Resumen por severidad" in md
    result = invoke("demo", "--out", str(tmp_path), "--lang", "en")
    assert result.exit_code == 0
    english = (newest(tmp_path) / "report.md").read_text(encoding="utf-8")
    assert english.startswith("# Audit of official social-media accounts")
    assert "Resumen" not in english and "Qué hacer" not in english
    assert "run #2 (incomplete)" in result.output and "report: " in result.output  # the CLI speaks English too


def test_validate_broken_file_prints_located_errors_and_exits_2(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        "institution:\n  id: x\n  name: X\n  email_domains: [x.gov.py]\naccounts:\n  - id: a\n    platform: orkut\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["inventory", "validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:7: accounts[0].platform: valor no permitido; use uno de:" in result.output


def test_validate_demo_inventory_is_valid(demo_dir):
    result = invoke("inventory", "validate", str(demo_dir / "inventory"))
    assert result.exit_code == 0
    assert result.output.startswith("válido: 5 instituciones · ")


def test_audit_exit_codes_follow_fail_on(tmp_path, demo_dir):
    args = [
        "audit",
        "--no-live",
        "--inventory",
        str(demo_dir / "inventory"),
        "--db",
        str(tmp_path / "a.db"),
        "--out",
        str(tmp_path / "out"),
    ]
    assert invoke(*args, "--fail-on", "high").exit_code == 1
    assert invoke(*args, "--fail-on", "critical").exit_code == 0
    assert invoke(*args, "--fail-on", "none").exit_code == 0


def test_audit_one_institution_only(tmp_path, demo_dir):
    result = invoke(
        "audit",
        "--no-live",
        "--inventory",
        str(demo_dir / "inventory"),
        "--db",
        str(tmp_path / "a.db"),
        "--out",
        str(tmp_path / "out"),
        "--institution",
        "aguas",
        "--fail-on",
        "none",
        "--format",
        "json",
    )
    assert result.exit_code == 0
    report = json.loads((newest(tmp_path / "out") / "report.json").read_text(encoding="utf-8"))
    assert {f["institution"] for f in report["findings"]} == {"aguas"}
    assert report["run"]["scope"]["institutions"] == ["aguas"]
    assert not (newest(tmp_path / "out") / "report.md").exists()


def test_audit_unknown_institution_and_format_are_usage_errors(tmp_path, demo_dir):
    base = ["audit", "--inventory", str(demo_dir / "inventory"), "--db", str(tmp_path / "a.db")]
    assert CliRunner().invoke(cli, [*base, "--institution", "nope"]).exit_code == 2
    assert CliRunner().invoke(cli, [*base, "--format", "pdf"]).exit_code == 2


def test_policies_list_json_and_show():
    result = invoke("policies", "list", "--format", "json")
    rules = json.loads(result.output)
    assert {r["id"] for r in rules} == {r.id for r in all_rules()}
    assert all(r["title"]["es"] and r["title"]["en"] for r in rules)
    shown = invoke("policies", "show", "inv-014")
    assert "INV-014" in shown.output and "single_login_platforms" in shown.output
    assert CliRunner().invoke(cli, ["policies", "show", "XXX-000"]).exit_code == 2


def fill_starter(folder: Path) -> None:
    """What a user does after `auditor init`: put the institution's real data over the placeholders."""
    inventory = folder / "inventory" / "mi-institucion.yaml"
    text = inventory.read_text(encoding="utf-8")
    for placeholder, real in (
        ("Mi Institución", "Secretaría de Ejemplo"),
        ("miinstitucion.gov.py", "ejemplo.gov.py"),
        ("Nombre Apellido", "Ana Benítez"),
    ):
        text = text.replace(placeholder, real)
    inventory.write_text(text, encoding="utf-8")


def test_init_writes_a_working_starter_and_refuses_to_overwrite(tmp_path, monkeypatch):
    assert invoke("init", str(tmp_path)).exit_code == 0
    monkeypatch.chdir(tmp_path)
    # The unedited starter is reported as such, never audited to a clean-looking 0 findings.
    unedited = CliRunner().invoke(cli, ["audit", "--no-live"])
    assert unedited.exit_code == 2, unedited.output
    assert "valores de ejemplo" in unedited.output and "Mi Institución" in unedited.output
    assert not (tmp_path / "auditor.db").exists() and not (tmp_path / "reports-output").exists()
    fill_starter(tmp_path)
    result = CliRunner().invoke(cli, ["audit", "--no-live"])
    assert result.exit_code == 0, result.output
    assert (newest(tmp_path / "reports-output") / "report.md").exists()
    # Live, with no credential configured, the account cannot be audited: OPS-001, exit 3, never a pass.
    live = CliRunner().invoke(cli, ["audit", "--format", "json"])
    assert live.exit_code == 3, live.output
    report = json.loads((newest(tmp_path / "reports-output") / "report.json").read_text(encoding="utf-8"))
    # and its checklist is still asked (no platform is needed for it)
    assert [f["policy_id"] for f in report["findings"]] == ["OPS-001", "OPS-003"]
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 2


def test_audit_rereads_edited_inventory_files(tmp_path, monkeypatch):
    assert invoke("init", str(tmp_path)).exit_code == 0
    fill_starter(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["audit", "--no-live"]).exit_code == 0
    inventory = tmp_path / "inventory" / "mi-institucion.yaml"
    inventory.write_text(
        inventory.read_text(encoding="utf-8").replace("redes@ejemplo.gov.py", "ejemplo@gmail.com"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["audit", "--no-live"])
    assert result.exit_code == 1
    assert ", 1 nuevo," in result.output


def test_bad_config_key_is_located(tmp_path):
    config = tmp_path / "auditor.toml"
    config.write_text("[store]\npath = 'a.db'\ncolour = 'red'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "policies", "list"])
    assert result.exit_code == 2
    assert f"{config}:3: store.colour: clave desconocida" in result.output


def test_demo_audits_x_youtube_and_workspace(demo_runs):
    report, _, _, _ = demo_runs
    by = {(f["policy_id"], f["account"]) for f in report["findings"]}
    assert ("IDN-004", "mprueba-x") in by  # a paid blue check is not institutional verification
    assert ("IDN-006", "mprueba-x") in by  # @mprueba_py squatted on X
    assert {
        ("AUT-001", "una-drive"),
        ("AUT-002", "una-drive"),
        ("AUT-004", "una-drive"),
        ("AUT-006", "una-drive"),
    } <= by
    quota = next(f for f in report["findings"] if f["policy_id"] == "OPS-001" and f["account"] == "mprueba-yt")
    assert "quotaExceeded" in quota["message"]
    assert ("LIF-002", "una-yt") in by
    assert any(f["policy_id"] == "IDN-007" and f["platform"] == "google" for f in report["findings"])
    observed = {a["account"]: a["observed_status"] for a in report["accounts"]}
    assert observed["mprueba-x"] == observed["una-yt"] == observed["una-drive"] == "active"


def test_demo_covers_every_platform_with_a_connector(demo_runs):
    report, _, _, _ = demo_runs
    platforms = {a["platform"] for a in report["accounts"] if a["observed_status"]}
    assert platforms == {"facebook", "instagram", "x", "youtube", "google", "linkedin", "tiktok", "zoom", "mailchimp"}
    failed = {a["account"]: a["error_kind"] for a in report["accounts"] if a["error_kind"]}
    assert failed == {"mprueba-yt": "rate_limited"}  # the seeded YouTube quota error, nothing else
    by = {(f["policy_id"], f["account"]) for f in report["findings"]}
    assert {
        ("ACC-001", "aguas-linkedin"),
        ("ACC-007", "aguas-linkedin"),
        ("AUT-001", "una-pol-zoom"),
        ("ACC-006", "una-pol-zoom"),
        ("AUT-004", "mprueba-mailchimp"),
        ("INV-014", "mprueba-mailchimp"),
        ("LIF-002", "deportes-tiktok"),
    } <= by
