"""Issue 17 class 10: retention. `auditor prune` deletes snapshots older than `snapshot_days` (each account's
latest kept) and run folders beyond `keep_runs` or older than `run_folder_days`; findings, events and
tickets stay. Snapshots hold only the fields the connector selected, never the platform's whole answer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from auditor.app.retention import prune_retained
from auditor.app.setup import demo_files
from auditor.cli import cli
from auditor.config import Config, ReportsConfig, RetentionConfig, StoreConfig
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.store import Store
from connectors.sandbox import Sandbox, load_scenario
from tests.conftest import NOW

DEMO = demo_files()


@pytest.fixture(scope="module")
def inventory():
    return load_inventory([DEMO / "inventory"])


def counts(store: Store) -> dict[str, int]:
    tables = ("snapshots", "runs", "findings", "finding_events", "tickets")
    return {t: store.db.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def folder(out, day: str, run_id: int):
    path = out / f"{day}-ejecucion-{run_id}"
    path.mkdir(parents=True, mode=0o700)
    (path / ".auditor-run").write_text(f"{run_id}\n", encoding="utf-8")
    return path


def test_prune_keeps_the_record_and_each_accounts_latest_snapshot(tmp_path, inventory):
    db = tmp_path / "audit.db"
    store = Store(db)
    box = Sandbox(load_scenario(DEMO / "sandbox.yaml"))
    for days_ago in (500, 450, 0):
        last = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW - timedelta(days=days_ago)).run_id
    before = counts(store)
    (kept,) = store.db.execute("select count(*) from snapshots where run_id = ?", [last]).fetchone()
    latest = store.latest_snapshots()
    out = tmp_path / "out"
    old, recent = folder(out, "2025-01-01", 1), folder(out, "2026-11-27", 3)
    foreign = out / "notas-del-rsi"
    foreign.mkdir()
    config = Config(
        store=StoreConfig(path=db),
        reports=ReportsConfig(out=out, keep_runs=10),
        retention=RetentionConfig(snapshot_days=400, run_folder_days=30),
    )
    dry = prune_retained(config, NOW, dry_run=True)
    assert dry.snapshots == before["snapshots"] - kept and dry.folders == [old]
    assert counts(store) == before and old.exists()  # a dry run deletes nothing

    done = prune_retained(config, NOW)
    after = counts(store)
    assert after["snapshots"] == kept
    assert {k: v for k, v in after.items() if k != "snapshots"} == {k: v for k, v in before.items() if k != "snapshots"}
    assert store.latest_snapshots() == latest
    assert done.folders == [old] and not old.exists() and recent.exists() and foreign.exists()


def test_the_cli_says_what_it_would_delete(tmp_path, inventory, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "auditor.db")
    run_audit(store, inventory, live=live_from_sandbox(Sandbox(load_scenario(DEMO / "sandbox.yaml"))), now=NOW)
    store.close()
    result = CliRunner().invoke(cli, ["prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "se borrarían: 0 instantáneas" in result.output and "carpetas de ejecución" in result.output


def test_snapshots_hold_only_what_the_connector_selected(tmp_path, inventory):
    store = Store(tmp_path / "audit.db")
    box = Sandbox(load_scenario(DEMO / "sandbox.yaml")).with_overlay(
        {"meta": {"pages": {"204857600000001": {"about": "dato personal que nadie pidió", "fan_count": 4242}}}}
    )
    run_id = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW).run_id
    (document,) = [
        r[0]
        for r in store.db.execute(
            "select document from snapshots where run_id = ? and account_id = 'aguas-fb'", [run_id]
        ).fetchall()
    ]
    assert "nadie pidió" not in document and "4242" not in document
    assert json.loads(document)["handle"]["value"] == "aguaspruebapy"
