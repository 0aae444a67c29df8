"""Exactly once, under crashes and outages: the delivery process is SIGKILLed between sending and recording
at several points; re-running delivers every ticket once. A sink down for a whole run keeps its tickets
pending until the next run. The demo's outbox holds the seeded incidents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from auditor.app.setup import demo_files
from auditor.cli import cli
from auditor.config import load_config
from auditor.engine import deliver_tickets, run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox, load_sandbox
from auditor.store import Store
from tests.conftest import NOW
from tests.tickets.test_sinks import SECRET, Webhook

AUDITOR = [sys.executable, "-m", "auditor"]


def setup(tmp_path: Path, webhook_url: str) -> tuple[Path, Store, int]:
    config = tmp_path / "auditor.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "audit.db"}"\n'
        f'[tickets.sinks.outbox]\ntype = "outbox"\npath = "{tmp_path / "outbox"}"\n'
        f'[tickets.sinks.cert]\ntype = "webhook"\nurl = "{webhook_url}"\nsecret = {{env = "HOOK_SECRET"}}\n',
        encoding="utf-8",
    )
    loaded = load_config(config)
    store = Store(tmp_path / "audit.db")
    inv = load_inventory([demo_files() / "inventory"])
    run_audit(
        store, inv, live=live_from_sandbox(load_sandbox(demo_files() / "sandbox.yaml")), tickets=loaded.tickets, now=NOW
    )
    tickets = store.db.table("tickets").count
    assert tickets >= 5
    return config, store, tickets


def deliver_in_subprocess(config: Path, kill_at: str | None) -> int:
    env = {**os.environ, "HOOK_SECRET": SECRET}
    env.pop("AUDITOR_KILL_AT", None)
    if kill_at:
        env["AUDITOR_KILL_AT"] = kill_at
    return subprocess.run(
        [*AUDITOR, "--config", str(config), "tickets", "deliver"], env=env, capture_output=True, text=True, timeout=120
    ).returncode


def test_sigkill_between_send_and_record_never_duplicates(tmp_path):
    hook = Webhook()
    try:
        config, store, tickets = setup(tmp_path, hook.peer.url)
        kills = 0
        for point in ("after-send:1", "after-send:3", "after-send:2", "after-send:5"):
            code = deliver_in_subprocess(config, point)
            if code == -signal.SIGKILL:
                kills += 1
        assert kills >= 3  # the process really died mid-delivery, several times
        assert deliver_in_subprocess(config, None) == 0
        rows = store.list_deliveries()
        assert {r["status"] for r in rows} == {"delivered"} and len(rows) == 2 * tickets
        outbox = sorted((tmp_path / "outbox").glob("*.json"))
        assert len(outbox) == tickets  # one file per ticket event, never two
        assert len(hook.effective) == tickets  # the receiver saw each event exactly once (by its key)
        assert len(hook.peer.requests) > tickets  # … although some were sent twice, across the crashes
        creates = [d for d in hook.effective.values() if d["action"] == "create"]
        assert len({d["ticket"]["fingerprint"] for d in creates}) == len(creates)
    finally:
        hook.peer.close()


def test_a_sink_down_for_a_whole_run_keeps_tickets_pending_until_the_next(tmp_path):
    hook = Webhook()
    try:
        config, store, tickets = setup(tmp_path, hook.peer.url)
        os.environ["HOOK_SECRET"] = SECRET
        loaded = load_config(config)
        hook.peer.fail_next = 10_000
        report = deliver_tickets(store, loaded.tickets, now=NOW)
        assert report.failed == tickets and report.delivered == tickets  # the outbox worked, the webhook not
        pending = store.list_deliveries("pending")
        assert len(pending) == tickets and all(r["sink"] == "cert" for r in pending)
        assert all("HTTP 503" in r["last_error"] for r in pending)
        hook.peer.fail_next = 0
        assert deliver_tickets(store, loaded.tickets, now=NOW).delivered == 0  # not due yet: backoff
        later = deliver_tickets(store, loaded.tickets, now=NOW + timedelta(hours=1))
        assert later.delivered == tickets and len(hook.effective) == tickets
    finally:
        os.environ.pop("HOOK_SECRET", None)
        hook.peer.close()


def test_demo_outbox_shows_the_seeded_incidents(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "tickets: " in result.output
    events = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "tickets").glob("*.json")]
    rules = {e["ticket"]["policy_id"] for e in events if e["action"] == "create"}
    assert {"ACC-001", "ACC-003", "AUT-003", "AUT-005", "IDN-001", "IDN-002", "IDN-005", "IDN-006"} <= rules
    sandbox_tokens = load_sandbox(demo_files() / "sandbox.yaml").tokens
    for path in (tmp_path / "tickets").iterdir():
        text = path.read_text(encoding="utf-8")
        assert not any(token in text for token in sandbox_tokens)
