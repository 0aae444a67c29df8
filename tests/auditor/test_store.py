"""The store: migrations, the findings lifecycle across runs, scoped runs, and all-or-nothing writes."""

from __future__ import annotations

from datetime import date

import pytest

from auditor.engine import run_audit
from auditor.model import FindingStatus, Inventory, RunScope, RunStatus, Waiver
from auditor.store import SCHEMA_VERSION, Store, StoreError
from tests.conftest import NOW, clean_doc, institution


def inventory(*docs) -> Inventory:
    return Inventory(institutions=[institution(d) for d in docs])


def statuses(store: Store, run_id: int) -> dict[str, str]:
    return {e.finding.policy_id: e.status.value for e in store.events(run_id)}


def gmail_and_no_plan():
    doc = clean_doc()
    doc["accounts"][0]["linked_email"] = "a@gmail.com"
    del doc["accounts"][0]["posting_plan_ref"]
    return doc


def test_new_then_persisting_then_resolved_then_regressed(store):
    doc = gmail_and_no_plan()
    r1 = run_audit(store, inventory(doc), now=NOW).run_id
    assert statuses(store, r1) == {"INV-002": "new", "INV-004": "new"}
    r2 = run_audit(store, inventory(doc), now=NOW).run_id
    assert statuses(store, r2) == {"INV-002": "persisting", "INV-004": "persisting"}
    fixed = clean_doc()
    del fixed["accounts"][0]["posting_plan_ref"]
    r3 = run_audit(store, inventory(fixed), now=NOW).run_id
    assert statuses(store, r3) == {"INV-002": "resolved", "INV-004": "persisting"}
    r4 = run_audit(store, inventory(doc), now=NOW).run_id
    assert statuses(store, r4) == {"INV-002": "regressed", "INV-004": "persisting"}
    first_seen = {e.finding.policy_id: e.first_seen_run for e in store.events(r4)}
    assert first_seen == {"INV-002": r1, "INV-004": r1}


def test_waived_finding_is_kept_visible_as_waived(store):
    waiver = Waiver.model_validate(
        {
            "id": "w1",
            "rule": "INV-002",
            "scope": {"institution": "tprueba"},
            "rationale": "r",
            "approver": "RSI",
            "approved_on": date(2026, 1, 1),
            "expires": date(2027, 1, 1),
        }
    )
    result = run_audit(store, inventory(gmail_and_no_plan()), waivers=[waiver], now=NOW)
    events = {e.finding.policy_id: e for e in store.events(result.run_id)}
    assert events["INV-002"].status is FindingStatus.WAIVED and events["INV-002"].waiver.id == "w1"
    assert events["INV-004"].status is FindingStatus.NEW
    rows = {r["policy_id"]: r["status"] for r in store.db["findings"].rows}
    assert rows == {"INV-002": "waived", "INV-004": "open"}
    # The waived finding does not count towards --fail-on.
    assert result.status is RunStatus.COMPLETE
    assert result.open_severities == [events["INV-004"].finding.severity]


def test_scoped_run_resolves_nothing_outside_its_scope(store):
    a = gmail_and_no_plan()
    b = gmail_and_no_plan()
    b["institution"]["id"] = "otra"
    b["institution"]["email_domains"] = ["otra.gov.py"]
    run_audit(store, inventory(a, b), now=NOW)
    open_for_otra_before = [r for r in store.db["findings"].rows if r["institution_id"] == "otra"]
    fixed_b = clean_doc()
    fixed_b["institution"] = b["institution"]
    scoped = run_audit(store, inventory(a, fixed_b), scope=RunScope(institutions=["tprueba"]), now=NOW).run_id
    by_inst = {(e.finding.institution, e.finding.policy_id): e.status.value for e in store.events(scoped)}
    assert set(by_inst.values()) == {"persisting"}
    assert {inst for inst, _ in by_inst} == {"tprueba"}
    open_for_otra = [r for r in store.db["findings"].rows if r["institution_id"] == "otra" and r["status"] == "open"]
    assert len(open_for_otra) == len(open_for_otra_before) >= 2


def test_findings_of_an_unregistered_account_are_resolved(store):
    doc = gmail_and_no_plan()
    run_audit(store, inventory(doc), now=NOW)
    doc["accounts"][0]["id"] = "t-fb-new"
    doc["people"][0]["access"][0]["account"] = "t-fb-new"
    r2 = run_audit(store, inventory(doc), now=NOW).run_id
    old = [e for e in store.events(r2) if e.finding.account == "t-fb"]
    assert {e.status for e in old} == {FindingStatus.RESOLVED}
    assert old[0].finding.evidence == {"reason": "account_unregistered"}


def test_a_failing_run_writes_nothing_but_its_aborted_record(store, monkeypatch):
    calls = []

    def explode(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_event", explode)
    with pytest.raises(RuntimeError):
        run_audit(store, inventory(gmail_and_no_plan()), now=NOW)
    assert [r["status"] for r in store.db["runs"].rows] == ["aborted"]
    assert store.run() is None  # no run with findings: reports and baselines still see an empty store
    assert store.db["findings"].count == 0
    assert store.db["institutions"].count == 0


def test_schema_is_versioned_and_reopening_does_not_migrate_again(tmp_path):
    path = tmp_path / "a.db"
    Store(path).close()
    again = Store(path)
    assert again.schema_version() == SCHEMA_VERSION
    assert again.db["schema_version"].count == SCHEMA_VERSION
    assert again.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert again.db.execute("pragma foreign_keys").fetchone()[0] == 1


def test_store_from_a_newer_auditor_is_refused(tmp_path):
    path = tmp_path / "a.db"
    store = Store(path)
    store.db["schema_version"].insert({"version": SCHEMA_VERSION + 1, "applied_at": "later"})
    store.close()
    with pytest.raises(StoreError, match="newer than this auditor"):
        Store(path)


def test_views_for_people_reading_the_database(store):
    run_audit(store, inventory(gmail_and_no_plan()), now=NOW)
    open_rows = list(store.db.query("select policy_id, institution from open_findings"))
    assert open_rows == [
        {"policy_id": "INV-002", "institution": "Institución de Prueba"},
        {"policy_id": "INV-004", "institution": "Institución de Prueba"},
    ]
    (summary,) = store.db.query("select * from findings_by_institution")
    assert summary["open"] == 2 and summary["high"] == 1 and summary["low"] == 1


def test_inventory_round_trips_through_the_store(store):
    inv = inventory(clean_doc())
    run_audit(store, inv, now=NOW)
    assert store.load_inventory() == inv
    assert store.db["authorizations"].count == 1


def test_migration_7_moves_ops002_findings_to_one_per_credential_without_reopening(tmp_path):
    """A version-6 store with OPS-002 on Facebook and Instagram for one credential (one per platform, as
    before) and a ticket: after the migration, one finding per credential, its events and ticket kept."""
    from sqlite_utils import Database

    from auditor.store.schema import MIGRATIONS
    from policies.evaluation import fingerprint

    path = tmp_path / "old.db"
    db = Database(path)
    db.table("schema_version").create({"version": int, "applied_at": str}, pk="version")
    for version in range(1, 7):
        MIGRATIONS[version](db)
        db.table("schema_version").insert({"version": version, "applied_at": "then"})
    db.table("runs").insert_all(
        [
            {
                "id": n,
                "started_at": f"2026-11-0{n}T02:00:00+00:00",
                "run_type": "scheduled",
                "status": "complete",
                "scope": "{}",
                "inventory_digest": "d",
                "rules_evaluated": 1,
                "rules_not_observable": 0,
                "rules_errors": 0,
            }
            for n in (1, 2)
        ]
    )
    old = {p: fingerprint("OPS-002", "mprueba", p, None, "credential:meta-mprueba") for p in ("facebook", "instagram")}
    for platform, fp in old.items():
        db.table("findings").insert(
            {
                "fingerprint": fp,
                "policy_id": "OPS-002",
                "severity": "medium",
                "institution_id": "mprueba",
                "platform": platform,
                "account_id": None,
                "subject": "credential:meta-mprueba",
                "status": "open",
                "message_es": platform,
                "message_en": platform,
                "guide_ref": "—",
                "incident": 0,
                "evidence": "{}",
                "first_seen_run": 1,
                "last_seen_run": 2,
            }
        )
        for run_id in (1, 2):
            db.table("finding_events").insert(
                {
                    "run_id": run_id,
                    "fingerprint": fp,
                    "status": "new" if run_id == 1 else "persisting",
                    "severity": "medium",
                    "message_es": platform,
                    "message_en": platform,
                    "evidence": "{}",
                }
            )
    db.table("tickets").insert(
        {
            "id": 1,
            "run_id": 1,
            "fingerprint": old["facebook"],
            "action": "create",
            "evidence_hash": "h",
            "content": "{}",
            "created_at": "then",
        }
    )
    db.close()
    store = Store(path)
    new = fingerprint("OPS-002", "mprueba", None, None, "credential:meta-mprueba")
    rows = list(store.db.query("select fingerprint, status, first_seen_run from findings"))
    assert rows == [{"fingerprint": new, "status": "open", "first_seen_run": 1}]
    events = store.db.execute("select run_id, status from finding_events order by run_id").fetchall()
    assert events == [(1, "new"), (2, "persisting")]  # one per run: nothing re-opens
    assert store.db.execute("select fingerprint from tickets").fetchall() == [(new,)]
