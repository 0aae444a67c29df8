"""Tickets follow their finding: created once, commented on new evidence, closed when fixed, reopened on
regression; nothing for a baseline; a cap holds a flood for review; grouping per account."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from auditor.config import OutboxSinkConfig, TicketsConfig
from auditor.engine import deliver_tickets, run_audit
from auditor.live import live_from_sandbox
from auditor.model import FindingStatus, TicketAction
from auditor.tickets.plan import LifecycleEvent, TicketHistory, decide
from tests.conftest import NOW
from tests.tickets.conftest import ADMIN, TOKEN, intruder, world


def tickets_config(tmp_path: Path, grouping: str = "finding", **settings) -> TicketsConfig:
    return TicketsConfig(sinks={"outbox": OutboxSinkConfig(path=tmp_path / "outbox", grouping=grouping)}, **settings)


def files(tmp_path: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "outbox").glob("*.json"))]


def audit(store, inv, sandbox, config, day: int, **kw):
    result = run_audit(store, inv, live=live_from_sandbox(sandbox), tickets=config, now=NOW + timedelta(days=day), **kw)
    deliver_tickets(store, config, now=NOW + timedelta(days=day))
    return result


def test_decision_table():
    def d(status, created=False, last="h", now="h", incident=True, baseline=False):
        return decide(LifecycleEvent("fp", status, incident, now), TicketHistory(created, last), baseline)

    assert d(FindingStatus.NEW) is TicketAction.CREATE
    assert d(FindingStatus.NEW, baseline=True) is None
    assert d(FindingStatus.NEW, incident=False) is None
    assert d(FindingStatus.PERSISTING, created=True) is None
    assert d(FindingStatus.PERSISTING, created=True, now="other") is TicketAction.COMMENT
    assert d(FindingStatus.PERSISTING, created=False, now="other") is None
    assert d(FindingStatus.RESOLVED, created=True) is TicketAction.RESOLVE
    assert d(FindingStatus.RESOLVED, created=False) is None
    assert d(FindingStatus.REGRESSED, created=True) is TicketAction.REOPEN
    assert d(FindingStatus.REGRESSED, created=False) is TicketAction.CREATE
    assert d(FindingStatus.WAIVED) is None


def test_create_comment_resolve_reopen_through_the_outbox(store, inv, tmp_path):
    config = tickets_config(tmp_path)
    audit(store, inv, world(ADMIN), config, 0)
    assert files(tmp_path) == []
    audit(store, inv, world(ADMIN, intruder()), config, 1)
    (created,) = files(tmp_path)
    assert created["action"] == "create" and created["ticket"]["policy_id"] == "ACC-001"
    assert created["ticket"]["cert_category"] == "Acceso indebido a cuentas, sistemas o sus datos"
    assert "Quitar el acceso al usuario no autorizado o dado de baja." in created["ticket"]["containment"]
    audit(store, inv, world(ADMIN, intruder()), config, 2)  # nothing new: no event
    assert len(files(tmp_path)) == 1
    audit(store, inv, world(ADMIN, intruder(["MANAGE"])), config, 3)  # now an admin: new evidence
    actions = [f["action"] for f in files(tmp_path)]
    assert actions == ["create", "comment"]
    audit(store, inv, world(ADMIN), config, 4)  # removed: the incident closes
    audit(store, inv, world(ADMIN, intruder(["MANAGE"])), config, 5)  # back: reopened, not duplicated
    actions = [f["action"] for f in files(tmp_path)]
    assert actions == ["create", "comment", "resolve", "reopen"]
    assert len({f["ticket_key"] for f in files(tmp_path)}) == 1  # all on the one ticket
    ledger = store.ledger("outbox", created["ticket"]["fingerprint"])
    assert ledger["state"] == "open" and ledger["members"] == [created["ticket"]["fingerprint"]]


def test_baseline_opens_no_ticket_for_what_already_exists(store, inv, tmp_path):
    config = tickets_config(tmp_path)
    audit(store, inv, world(ADMIN, intruder()), config, 0, baseline=True)
    assert files(tmp_path) == []
    audit(store, inv, world(ADMIN, intruder(), intruder(uid="u777")), config, 1)
    (only,) = files(tmp_path)
    assert only["ticket"]["evidence"]["finding"]["member"] == "u777"
    audit(store, inv, world(ADMIN), config, 2)  # both resolve; only the ticketed one is closed
    assert [f["action"] for f in files(tmp_path)] == ["create", "resolve"]


def test_baseline_first_run_setting(store, inv, tmp_path):
    config = tickets_config(tmp_path, baseline_first_run=True)
    audit(store, inv, world(ADMIN, intruder()), config, 0)
    assert files(tmp_path) == []


def test_cap_holds_new_tickets_for_review_loudly(store, inv, tmp_path):
    config = tickets_config(tmp_path, max_new_per_run=2)
    many = [intruder(uid=f"x{i}") for i in range(5)]
    result = audit(store, inv, world(ADMIN, *many), config, 0)
    assert result.tickets_held == 3
    assert len(files(tmp_path)) == 2
    held = store.list_deliveries("held")
    assert len(held) == 3
    store.retry(held[0]["ticket_id"], NOW)
    deliver_tickets(store, config, now=NOW)
    assert len(files(tmp_path)) == 3


def test_grouping_per_account_keeps_one_ticket_for_the_account(store, inv, tmp_path):
    config = tickets_config(tmp_path, grouping="account")
    audit(store, inv, world(ADMIN, intruder(uid="u1x"), intruder(uid="u2x")), config, 0)
    events = files(tmp_path)
    assert [e["action"] for e in events] == ["create", "comment"]  # the second finding joins the ticket
    assert len({e["ticket_key"] for e in events}) == 1
    audit(store, inv, world(ADMIN, intruder(uid="u1x")), config, 1)  # one resolved: a note, still open
    audit(store, inv, world(ADMIN), config, 2)  # the last one resolved: closed
    assert [e["action"] for e in files(tmp_path)] == ["create", "comment", "comment", "resolve"]


def test_ticket_content_carries_the_incident_report_and_no_token(store, inv, tmp_path):
    config = tickets_config(tmp_path)
    audit(store, inv, world(ADMIN, intruder(["MANAGE"])), config, 0)
    (event,) = files(tmp_path)
    t = event["ticket"]
    assert t["institution_name"] == "Institución de Prueba" and t["institution_ruc"] == "80000035-8"
    assert {c["role"] for c in t["contacts"]} == {"Director/a de Comunicación", "RSI"}
    assert t["detected_at_local"].endswith("(-0300)") and t["platform_account_id"] == "1001"
    assert t["profile_url"] == "https://www.facebook.com/tpruebapy"
    assert t["rsit"] == 'rsit:intrusions="privileged-account-compromise"'
    assert t["recipient"].startswith("CERT-PY") and len(t["summary"]) <= 255
    assert "Medidas de contención" in event["text"]
    raw = "".join(p.read_text() for p in (tmp_path / "outbox").iterdir())
    assert TOKEN not in raw
