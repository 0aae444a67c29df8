"""Live runs end to end against the sandbox: faults, incomparable accounts, drift, replay, the server."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner

from auditor.app.setup import demo_files
from auditor.cli import cli
from auditor.engine import reevaluate, run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox, load_sandbox
from auditor.model import FindingStatus, RunStatus
from connectors.base import available_connectors
from connectors.sandbox import Fault, Sandbox, load_scenario
from connectors.sandbox.server import make_server
from tests.conftest import NOW

DEMO = demo_files()
META_ACCOUNTS = {
    "mprueba-fb",
    "mprueba-ig",
    "mprueba-censo-ig",
    "mprueba-expo-fb",
    "aguas-fb",
    "aguas-ig",
    "una-fb",
    "deportes-fb",
    "deportes-juegos-fb",
    "sinfo-fb",
}


@pytest.fixture(scope="module")
def inventory():
    return load_inventory([DEMO / "inventory"])


def demo_sandbox(**kw) -> Sandbox:
    return Sandbox(load_scenario(DEMO / "sandbox.yaml"), **kw)


def events(store, run_id):
    return {(e.finding.policy_id, e.finding.account, e.finding.subject): e for e in store.events(run_id)}


def test_fault_injected_run_audits_or_flags_every_account(store, inventory):
    faults = [
        Fault(path=r"/104857600000001$", status=429, retry_after=1, times=2),  # throttled, then fine
        Fault(path=r"/204857600000001/assigned_users", status=500, times=2),  # 5xx, retried
        Fault(path=r".*", credential="meta-una", expired_token=True),  # one expired token
        Fault(path=r"/17841400000000003/media", malformed=True, times=1),
    ]
    result = run_audit(store, inventory, live=live_from_sandbox(demo_sandbox(faults=faults)), now=NOW)
    assert result.status is RunStatus.INCOMPLETE
    snaps = store.run_snapshots(result.run_id)
    flagged = {e.finding.account for e in store.events(result.run_id) if e.finding.policy_id == "OPS-001"}
    for (_inst, account), snap in snaps.items():
        assert snap.error is None or account in flagged, account
    assert snaps[("una", "una-fb")].error.value == "credential"
    assert snaps[("mprueba", "mprueba-fb")].error is None  # the 429s were waited out
    assert snaps[("aguas", "aguas-fb")].members.ok  # the 500s were retried
    assert "OPS-002" in {e.finding.policy_id for e in store.events(result.run_id)}


def test_unreadable_account_keeps_its_earlier_findings_open(store, inventory):
    first = run_audit(store, inventory, live=live_from_sandbox(demo_sandbox()), now=NOW - timedelta(days=1))
    before = {k for k, e in events(store, first.run_id).items() if k[1] == "aguas-fb"}
    assert ("ACC-004", "aguas-fb", "member:200000000000002") in before
    broken = demo_sandbox(faults=[Fault(path=r".*", credential="meta-aguas", status=403)])
    second = run_audit(store, inventory, live=live_from_sandbox(broken), now=NOW)
    after = events(store, second.run_id)
    assert ("OPS-001", "aguas-fb", "audit") in after
    # Nothing of aguas-fb was resolved: the account was not observed (incomparable), not fixed.
    resolved = [k for k, e in after.items() if e.status is FindingStatus.RESOLVED and k[1] == "aguas-fb"]
    assert resolved == []
    open_rows = {
        (r["policy_id"], r["subject"])
        for r in store.db.table("findings").rows
        if r["account_id"] == "aguas-fb" and r["status"] == "open"
    }
    assert ("ACC-004", "member:200000000000002") in open_rows


def test_empty_member_list_after_members_is_suspect_not_everyone_removed(store, inventory):
    run_audit(store, inventory, live=live_from_sandbox(demo_sandbox()), now=NOW - timedelta(days=1))
    emptied = demo_sandbox().with_overlay(
        {"meta": {"pages": {"204857600000001": {"assigned_users": []}}, "businesses": {"2001": {"business_users": []}}}}
    )
    second = run_audit(store, inventory, live=live_from_sandbox(emptied), now=NOW)
    snap = store.run_snapshots(second.run_id)[("aguas", "aguas-fb")]
    assert snap.members.state.value == "error" and "last observed list had 3" in snap.members.error
    # The Page's own findings and its Business's member findings (one per member, no account) alike.
    mine = {
        k: e.status
        for k, e in events(store, second.run_id).items()
        if k[1] == "aguas-fb" or k[2].startswith("business:2001#")
    }
    assert FindingStatus.RESOLVED not in {s for k, s in mine.items() if k[0].startswith("ACC")}
    still_open = {
        r["policy_id"]
        for r in store.db.table("findings").rows
        if (r["account_id"] == "aguas-fb" or str(r["subject"]).startswith("business:2001#")) and r["status"] == "open"
    }
    assert {"ACC-004", "ACC-006"} <= still_open


def test_pinned_id_is_used_after_the_first_resolution(store, inventory):
    sandbox = demo_sandbox()
    run_audit(store, inventory, live=live_from_sandbox(sandbox), now=NOW)
    assert store.pinned_ids()[("aguas", "aguas-fb")] == "204857600000001"
    sandbox.request_log.clear()
    run_audit(store, inventory, live=live_from_sandbox(sandbox), now=NOW)
    paths = {e["path"] for e in sandbox.request_log}
    assert "/v25.0/204857600000001" in paths and "/v25.0/aguaspruebapy" not in paths


def test_reevaluate_replays_a_run_without_any_platform(store, inventory):
    live = run_audit(store, inventory, live=live_from_sandbox(demo_sandbox()), now=NOW)
    original = {
        (e.finding.fingerprint, e.finding.severity)
        for e in store.events(live.run_id)
        if e.status is not FindingStatus.RESOLVED
    }
    replay = reevaluate(store, live.run_id)
    replayed = {
        (e.finding.fingerprint, e.finding.severity)
        for e in store.events(replay.run_id)
        if e.status is not FindingStatus.RESOLVED
    }
    assert replayed == original
    assert store.run(replay.run_id).run_type.value == "reevaluation"


def test_no_token_reaches_the_store(store, inventory):
    sandbox = demo_sandbox()
    run_audit(store, inventory, live=live_from_sandbox(sandbox), now=NOW)
    dump = "\n".join(store.db.iterdump())
    for token in sandbox.tokens:
        assert token not in dump


def test_demo_against_the_sandbox_server_logs_real_graph_paths(tmp_path):
    log = tmp_path / "requests.jsonl"
    server = make_server(load_sandbox(DEMO / "sandbox.yaml", log), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out"), "--sandbox-url", url])
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
        server.server_close()
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    paths = {e["path"] for e in entries}
    for expected in (
        "/v25.0/debug_token",
        "/v25.0/me/businesses",
        "/v25.0/1001/business_users",
        "/v25.0/1001/pending_users",
        "/v25.0/104857600000001/assigned_users",
        "/v25.0/104857600000001/roles",
        "/v25.0/104857600000001/published_posts",
        "/v25.0/17841400000000001/media",
        "/v25.0/1001/owned_pages",
    ):
        assert expected in paths, expected
    assert all(set(e) == {"method", "path", "query", "status", "credential"} for e in entries)
    raw = log.read_text(encoding="utf-8")
    sandbox = load_sandbox(DEMO / "sandbox.yaml")
    names = {info.get("credential") for info in sandbox.tokens.values()}
    assert {e["credential"] for e in entries} <= names  # whose allowance each request spent, by name
    for token in sandbox.tokens:
        assert token not in raw
    assert "access_token" not in raw


def test_fault_injected_audit_through_the_cli_exits_1_for_findings_and_3_when_only_incomplete(tmp_path, monkeypatch):
    """The production path: auditor.toml pointing the Meta connector at a faulty sandbox server. Findings at or
    above --fail-on win over incompleteness (exit 1, never a false "only incomplete"); with nothing to fail
    on, incomplete is 3. Either way the summary says «incompleta» and why."""
    scenario = load_scenario(DEMO / "sandbox.yaml")
    scenario["faults"] = [
        {"path": "/business_users$", "status": 429, "reset_in": 1, "times": 3},
        {"path": "/published_posts$", "status": 500, "times": 3},
        {"path": ".*", "credential": "meta-deportes", "expired_token": True},
    ]
    server = make_server(Sandbox(scenario), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tokens = {info["credential"]: token for token, info in scenario["tokens"].items()}
    config = tmp_path / "auditor.toml"
    lines = [
        f'[store]\npath = "{tmp_path / "a.db"}"',
        f'[inventory]\npaths = ["{DEMO / "inventory"}"]',
        f'[reports]\nout = "{tmp_path / "out"}"',
    ]
    for connector in sorted(available_connectors()):  # every connector at the sandbox server
        lines.append(
            f'[connectors.{connector}]\nbase_url = "http://127.0.0.1:{server.server_address[1]}/"\n'
            "backoff_seconds = 0.05\nmax_wait_seconds = 5"
        )
    for name, token in tokens.items():
        var = "TOKEN_" + name.replace("-", "_").upper()
        monkeypatch.setenv(var, token)
        lines.append(f'[credentials.{name}]\nenv = "{var}"')
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        result = CliRunner().invoke(cli, ["--config", str(config), "audit", "--format", "json"])
        again = CliRunner().invoke(cli, ["--config", str(config), "audit", "--format", "json", "--fail-on", "none"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1, result.output
    assert "(incompleta)" in result.output
    assert "incompleta porque: Facebook: credencial inválida o vencida (2 cuentas: deportes-fb" in result.output
    assert again.exit_code == 3, again.output
    assert "incompleta porque: Facebook" in again.output
    first = next((tmp_path / "out").glob("*-ejecucion-1"))
    report = json.loads((first / "report.json").read_text(encoding="utf-8"))
    by_account: dict[str, set[str]] = {}
    for f in report["findings"]:
        by_account.setdefault(f["account"], set()).add(f["policy_id"])
    with sqlite3.connect(tmp_path / "a.db") as db:
        snaps = dict(db.execute("select account_id, error from snapshots").fetchall())
    for account in META_ACCOUNTS:
        assert snaps[account] is None or "OPS-001" in by_account.get(account, set()), account
    assert snaps["deportes-juegos-fb"] == "credential"
    assert snaps["mprueba-fb"] is None and snaps["aguas-fb"] is None
    assert os.environ.get("TOKEN_META_MPRUEBA") not in (first / "report.json").read_text()


def test_a_renewed_credential_resolves_its_finding_and_an_unreachable_one_keeps_it(store, inventory):
    """OPS-002 is one finding per credential (no account): it used to stay open forever once raised."""
    scenario = load_scenario(DEMO / "sandbox.yaml")
    scenario["faults"] = []
    first = run_audit(store, inventory, live=live_from_sandbox(Sandbox(scenario)), now=NOW).run_id
    key = next(k for k in events(store, first) if k[0] == "OPS-002" and "meta-deportes" in k[2])
    # The platform cannot be reached: the credential's finding is carried, open, into the run's events.
    down = run_audit(
        store, inventory, live=live_from_sandbox(Sandbox(scenario, faults=[Fault(status=502)])), now=NOW
    ).run_id
    assert events(store, down)[key].status is FindingStatus.PERSISTING
    # The token was renewed: the platform shows it healthy, so the finding is resolved.
    for info in scenario["tokens"].values():
        info.pop("expires_in_days", None)
    renewed = run_audit(store, inventory, live=live_from_sandbox(Sandbox(scenario)), now=NOW).run_id
    assert events(store, renewed)[key].status is FindingStatus.RESOLVED
