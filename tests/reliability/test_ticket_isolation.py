"""Issue 17 classes 5 and 6: ticket delivery isolates failures, and webhooks carry keys and signatures a
receiver can trust."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from auditor.config import OutboxSinkConfig, TicketsConfig
from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model import InstitutionInventory
from auditor.store import Store
from auditor.tickets.deliver import deliver
from auditor.tickets.sinks.http_sinks import TheHiveSink, WebhookSink, sign
from tests.conftest import NOW, clean_doc
from tests.tickets.conftest import ADMIN, intruder, inventory, world
from tests.tickets.peers import Peer, readme_verify

SECRET = "whsec-test"


@pytest.fixture
def inv():
    return inventory()


def plan_for(store, inv, sinks, *members):
    config = TicketsConfig(sinks={name: OutboxSinkConfig(path=Path("/nonexistent")) for name in sinks})
    run_audit(store, inv, live=live_from_sandbox(world(*members)), tickets=config, now=NOW)


def test_a_peer_answering_200_without_an_id_fails_that_delivery_only(store, inv):
    plan_for(store, inv, ("hive", "hook"), ADMIN, intruder(), intruder(uid="u667"))
    hive = Peer(lambda seen: (200, {"status": "ok"}) if seen.path == "/api/v1/alert" else (200, []))
    hook = Peer(lambda seen: (200, {}))
    try:
        sinks = {
            "hive": TheHiveSink("hive", hive.url, "hive-key", "oee-social-auditor", "cuenta-oficial"),
            "hook": WebhookSink("hook", hook.url, SECRET),
        }
        report = asyncio.run(deliver(store, sinks, NOW, backoff_seconds=1))
    finally:
        hive.close()
        hook.close()
    assert report.failed >= 1 and report.delivered >= 1  # the hive's answer fails alone; the webhook went out
    assert all("KeyError" in e for e in report.errors)
    rows = list(store.db.query("select sink, status, last_error from deliveries"))
    assert {r["status"] for r in rows if r["sink"] == "hook"} == {"delivered"}
    assert all(r["last_error"] and "KeyError" in r["last_error"] for r in rows if r["sink"] == "hive")


@pytest.mark.parametrize(
    "email",
    ["a@tprueba.gov.py, b@tprueba.gov.py", "Laura <l@tprueba.gov.py>", "l@tprueba.gov.py\r\nBcc: x@evil.example"],
)
def test_contact_emails_are_one_plain_address(email):
    doc = clean_doc()
    doc["institution"]["rsi"] = {"name": "RSI", "email": email}
    with pytest.raises(ValueError, match="una sola dirección"):
        InstitutionInventory.model_validate(doc)


def test_idempotency_keys_are_stable_and_never_reused_by_another_store(tmp_path, inv):
    keys = []
    for name in ("one.db", "two.db"):
        store = Store(tmp_path / name)
        plan_for(store, inv, ("x",), ADMIN, intruder())
        (row,) = list(store.db.query("select id, fingerprint, action from tickets"))
        key = store.event_key(row["id"], row["fingerprint"], row["action"])
        assert key == store.event_key(row["id"], row["fingerprint"], row["action"])  # the same on every retry
        keys.append(key)
        store.close()
    assert keys[0] != keys[1] and not keys[0].endswith("-1-") and "oee-auditor-1" not in keys


def test_the_readme_receiver_accepts_fresh_signatures_and_refuses_stale_or_rekeyed_ones():
    verify = readme_verify()
    body = json.dumps({"ticket": "x"}).encode()
    now = int(time.time())
    good = sign(SECRET, "key-1", body, now)
    assert verify(SECRET, good, "key-1", body)
    assert not verify(SECRET, good, "key-2", body)  # the same body re-sent under another key
    assert not verify(SECRET, good, "key-1", body + b" ")
    assert not verify(SECRET, sign(SECRET, "key-1", body, now - 301), "key-1", body)  # older than 5 minutes
    assert not verify("other", good, "key-1", body)
    assert not verify(SECRET, "garbage", "key-1", body)
