"""The store's schema: forward migrations, each applied once in its own transaction with its version row.

Tables and views are named for the person who opens the file with Datasette: `open_findings` and
`findings_by_institution` answer the first two questions asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

SCHEMA_VERSION = 12


def _migration_1(db: Database) -> None:
    db.table("institutions").create(
        {
            "id": str,
            "name": str,
            "ruc": str,
            "pgn_code": str,
            "level": str,
            "status": str,
            "email_domains": str,
            "communications_director": str,
            "rsi": str,
            "document": str,
            "inventory_digest": str,
            "imported_at": str,
        },
        pk="id",
    )
    db.table("accounts").create(
        {
            "institution_id": str,
            "id": str,
            "platform": str,
            "kind": str,
            "handle": str,
            "alternative_handle": str,
            "display_name": str,
            "linked_email": str,
            "status": str,
            "platform_account_id": str,
        },
        pk=("institution_id", "id"),
        foreign_keys=[("institution_id", "institutions", "id")],
    )
    db.table("people").create(
        {
            "institution_id": str,
            "id": str,
            "name": str,
            "ci": str,
            "link_type": str,
            "email": str,
            "mobile": str,
            "status": str,
            "status_date": str,
        },
        pk=("institution_id", "id"),
        foreign_keys=[("institution_id", "institutions", "id")],
    )
    db.table("authorizations").create(
        {"institution_id": str, "person_id": str, "account_id": str, "role": str, "contact_point": int},
        pk=("institution_id", "person_id", "account_id"),
        foreign_keys=[("institution_id", "institutions", "id")],
    )
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "run_type": str,
            "status": str,
            "scope": str,
            "inventory_digest": str,
            "rules_evaluated": int,
            "rules_not_observable": int,
            "rules_errors": int,
        },
        pk="id",
    )
    db.table("findings").create(
        {
            "fingerprint": str,
            "policy_id": str,
            "severity": str,
            "institution_id": str,
            "platform": str,
            "account_id": str,
            "handle": str,
            "subject": str,
            "status": str,
            "message_es": str,
            "message_en": str,
            "guide_ref": str,
            "incident": int,
            "rsit": str,
            "evidence": str,
            "first_seen_run": int,
            "last_seen_run": int,
            "resolved_run": int,
            "waiver_id": str,
        },
        pk="fingerprint",
        foreign_keys=[("first_seen_run", "runs", "id"), ("last_seen_run", "runs", "id")],
    )
    db.table("finding_events").create(
        {
            "run_id": int,
            "fingerprint": str,
            "status": str,
            "severity": str,
            "message_es": str,
            "message_en": str,
            "evidence": str,
            "waiver_id": str,
            "waiver": str,
        },
        pk=("run_id", "fingerprint"),
        foreign_keys=[("run_id", "runs", "id"), ("fingerprint", "findings", "fingerprint")],
    )
    db.table("findings").create_index(["institution_id", "status"])
    db.table("finding_events").create_index(["fingerprint"])
    db.create_view(
        "open_findings",
        """select f.severity, f.policy_id, i.name as institution, f.platform, f.account_id, f.handle,
                  f.subject, f.message_es as message, f.first_seen_run, f.last_seen_run, f.fingerprint
           from findings f join institutions i on i.id = f.institution_id
           where f.status = 'open'
           order by case f.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2
                    when 'low' then 3 else 4 end, i.name, f.policy_id""",
    )
    db.create_view(
        "findings_by_institution",
        """select i.id as institution_id, i.name as institution,
                  sum(f.status = 'open') as open, sum(f.status = 'waived') as waived,
                  sum(f.status = 'open' and f.severity = 'critical') as critical,
                  sum(f.status = 'open' and f.severity = 'high') as high,
                  sum(f.status = 'open' and f.severity = 'medium') as medium,
                  sum(f.status = 'open' and f.severity = 'low') as low,
                  sum(f.status = 'open' and f.severity = 'info') as info
           from institutions i left join findings f on f.institution_id = i.id
           group by i.id order by open desc""",
    )


def _migration_2(db: Database) -> None:
    """Live observation: snapshots per run, pinned platform ids, inventory versions, discoveries."""
    db.table("snapshots").create(
        {
            "run_id": int,
            "institution_id": str,
            "account_id": str,
            "platform": str,
            "platform_account_id": str,
            "fetched_at": str,
            "error": str,
            "document": str,
        },
        pk=("run_id", "institution_id", "account_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("account_bindings").create(
        {
            "institution_id": str,
            "account_id": str,
            "platform": str,
            "platform_account_id": str,
            "pinned_run": int,
            "pinned_at": str,
        },
        pk=("institution_id", "account_id"),
    )
    db.table("inventory_versions").create({"digest": str, "document": str, "first_run": int}, pk="digest")
    db.table("discoveries").create(
        {
            "run_id": int,
            "institution_id": str,
            "platform": str,
            "platform_account_id": str,
            "handle": str,
            "name": str,
            "credential": str,
        },
        pk=("run_id", "institution_id", "platform", "platform_account_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.create_view(
        "latest_snapshots",
        """select s.* from snapshots s
           join (select institution_id, account_id, max(run_id) as run_id from snapshots group by 1, 2) last
             on last.institution_id = s.institution_id and last.account_id = s.account_id
            and last.run_id = s.run_id""",
    )


def _migration_3(db: Database) -> None:
    """Per-run coverage by institution and severity, and the waivers a run was evaluated with."""
    db.table("run_coverage").create(
        {"run_id": int, "institution_id": str, "severity": str, "evaluated": int, "not_observable": int, "errors": int},
        pk=("run_id", "institution_id", "severity"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("run_waivers").create(
        {"run_id": int, "waiver_id": str, "institution_id": str, "rule": str, "expires": str, "document": str},
        pk=("run_id", "waiver_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )


def _migration_4(db: Database) -> None:
    """Incident tickets: the outbox (tickets + one delivery per sink) and the ledger of external ids."""
    db.table("tickets").create(
        {
            "id": int,
            "run_id": int,
            "fingerprint": str,
            "action": str,
            "evidence_hash": str,
            "content": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("fingerprint", "findings", "fingerprint")],
    )
    db.table("deliveries").create(
        {
            "ticket_id": int,
            "sink": str,
            "status": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "delivered_at": str,
            "external_id": str,
        },
        pk=("ticket_id", "sink"),
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db.table("ticket_ledger").create(
        {"sink": str, "group_key": str, "external_id": str, "state": str, "members": str, "updated_at": str},
        pk=("sink", "group_key"),
    )
    db.table("tickets").create_index(["fingerprint"])
    db.table("deliveries").create_index(["status", "next_attempt_at"])


def _migration_5(db: Database) -> None:
    """Indexes for the look-ups every run makes, so a run does not slow down as history grows."""
    db.table("snapshots").create_index(["institution_id", "account_id", "run_id"])
    db.table("finding_events").create_index(["run_id"])


def _migration_6(db: Database) -> None:
    """Runs say whether they asked the platforms (`live`) or read the inventory only (`inventory`), so an
    inventory-only run is never compared with a live one; a reevaluation names the run it replayed; every run
    names the profile it applied. Earlier
    runs without any snapshot were inventory-only (a live run stores a snapshot, or an error one, per account).
    """
    db.execute("alter table runs add column mode text not null default 'live'")
    db.execute("alter table runs add column replay_of integer")
    db.execute("alter table runs add column profile text")
    db.execute(
        "update runs set mode = 'inventory' where run_type != 'reevaluation' "
        "and status in ('complete', 'incomplete') and id not in (select distinct run_id from snapshots)"
    )


def _migration_7(db: Database) -> None:
    """OPS-002 is one finding per credential, no longer one per credential and platform: its findings move to
    the new fingerprint (platform left out), with their events and tickets, so nothing re-opens and no ticket
    is created twice. Two old findings of one credential (Facebook and Instagram) become one; per run, the
    first event is kept."""
    from policies.evaluation import fingerprint

    rows = db.execute(
        "select fingerprint, institution_id, subject from findings where policy_id = 'OPS-002' order by first_seen_run"
    ).fetchall()
    moved: dict[str, str] = {}
    for old, institution, subject in rows:
        new = fingerprint("OPS-002", institution, None, None, subject)
        if new != old:
            moved[old] = new
    for old, new in moved.items():
        if not db.execute("select 1 from findings where fingerprint = ?", [new]).fetchone():
            db.execute(
                "insert into findings select ?, policy_id, severity, institution_id, null, account_id, handle, "
                "subject, status, message_es, message_en, guide_ref, incident, rsit, evidence, first_seen_run, "
                "last_seen_run, resolved_run, waiver_id from findings where fingerprint = ?",
                [new, old],
            )
        db.execute(
            "update or ignore finding_events set fingerprint = ? where fingerprint = ?", [new, old]
        )  # a run that had both platforms' events keeps the first
        db.execute("delete from finding_events where fingerprint = ?", [old])
        db.execute("update tickets set fingerprint = ? where fingerprint = ?", [new, old])
        db.execute("update ticket_ledger set group_key = ? where group_key = ?", [new, old])
        db.execute("delete from findings where fingerprint = ?", [old])


def _migration_8(db: Database) -> None:
    """An installation id, random and made once with the store: with a ticket's fingerprint, event and
    sequence it names each ticket event for receivers (`Idempotency-Key`), so a fresh store never reuses a key
    another store already sent for a different incident."""
    db.table("installation").create({"id": str, "created_at": str}, pk="id")
    db.table("installation").insert({"id": uuid.uuid4().hex, "created_at": datetime.now(UTC).isoformat()})


def _migration_9(db: Database) -> None:
    """What people say (declarations, annotations, waiver requests) and the trail of every such action.

    The trail is append-only and holds each object whole before and after the action; the other three tables
    are its materialised view, for queries. The per-attribute OPS-003 findings («attest:<attribute>») give
    way to one finding per account: they are closed as superseded, quietly (no event, no ticket: OPS-003
    never opens one), so the next report shows the new finding and no «resolved» noise."""
    db.table("trail").create(
        {
            "seq": int,
            "at": str,
            "institution_id": str,
            "actor": str,
            "os_user": str,
            "action": str,
            "object": str,
            "fingerprint": str,
            "before": str,
            "after": str,
        },
        pk="seq",
    )
    db.table("trail").create_index(["institution_id", "at"])
    db.table("declarations").create(
        {
            "id": int,
            "institution_id": str,
            "item": str,
            "account_id": str,
            "person_id": str,
            "answer": str,
            "declared_on": str,
            "valid_until": str,
            "record": str,
        },
        pk="id",
    )
    db.table("declarations").create_index(["institution_id", "item"])
    db.table("annotations").create(
        {"id": int, "fingerprint": str, "institution_id": str, "kind": str, "record": str}, pk="id"
    )
    db.table("annotations").create_index(["fingerprint"])
    db.table("waiver_requests").create(
        {"id": str, "institution_id": str, "rule": str, "state": str, "record": str}, pk="id"
    )
    last = db.execute("select max(id) from runs").fetchone()[0]
    db.execute(
        "update findings set status = 'resolved', resolved_run = ?, waiver_id = null, "
        "evidence = json_set(coalesce(evidence, '{}'), '$.superseded_by', 'OPS-003 per account') "
        "where policy_id = 'OPS-003' and subject like 'attest:%' and status != 'resolved'",
        [last],
    )


def _migration_10(db: Database) -> None:
    """The web application's users, their sessions and failed sign-ins. A session is kept by the hash of its
    cookie (a copied database opens no session); a password by its argon2 hash; recovery codes by hash."""
    db.table("users").create(
        {
            "username": str,
            "name": str,
            "ci": str,
            "role": str,
            "institutions": str,
            "email": str,
            "disabled": int,
            "digest": int,
            "created_at": str,
            "password_hash": str,
            "totp_secret": str,
            "totp_pending": str,
            "totp_step": int,  # the last TOTP time step accepted: a code is never accepted twice
            "recovery": str,
        },
        pk="username",
        not_null={"name", "role", "institutions", "password_hash", "created_at"},
    )
    db.table("web_sessions").create(
        {"token_hash": str, "username": str, "created_at": str, "seen_at": str, "verified": int, "address": str},
        pk="token_hash",
        foreign_keys=[("username", "users", "username")],
    )
    db.table("web_sessions").create_index(["username"])
    db.table("sign_in_failures").create({"id": int, "username": str, "address": str, "at": str}, pk="id")
    db.table("sign_in_failures").create_index(["username", "at"])
    db.table("sign_in_failures").create_index(["address", "at"])


def _migration_11(db: Database) -> None:
    """A run's staging area: what a run has observed and judged so far, written an institution at a time in
    short transactions while it runs, and moved into the published tables (snapshots, findings, events,
    tickets) in one short transaction when it completes. Nothing here is read as a result: a run that dies
    leaves only staging rows, which the next run deletes with the run it records as aborted. Each stage table
    has its published table's columns (a later migration that adds a column to one adds it to both)."""
    snapshot = db.table("snapshots").columns_dict
    db.table("stage_snapshots").create(snapshot, pk=("run_id", "institution_id", "account_id"))
    finding = {"run_id": int, **db.table("findings").columns_dict}
    db.table("stage_findings").create(finding, pk=("run_id", "fingerprint"))
    db.table("stage_events").create(db.table("finding_events").columns_dict, pk=("run_id", "fingerprint"))
    # Findings not re-checked this run, whose last event is copied at publication (`persisting`: a fetch error;
    # `unverified`: an inventory-only run).
    db.table("stage_carried").create({"run_id": int, "fingerprint": str, "status": str}, pk=("run_id", "fingerprint"))
    db.table("stage_tickets").create(
        {
            "seq": int,
            "run_id": int,
            "fingerprint": str,
            "action": str,
            "evidence_hash": str,
            "content": str,
            "held": int,
        },
        pk="seq",
    )
    db.table("stage_tickets").create_index(["run_id"])
    coverage = db.table("run_coverage").columns_dict
    db.table("stage_coverage").create(coverage, pk=("run_id", "institution_id", "severity"))


def _migration_12(db: Database) -> None:
    """A staged ticket carries its institution's place in the inventory (`ordinal`), not whether the per-run cap
    holds it: institutions are staged as they are judged, in any order, and the cap is applied when the run
    publishes, over the inventory's order."""
    db.table("stage_tickets").add_column("ordinal", int)
    db.table("stage_tickets").transform(drop={"held"})


MIGRATIONS: dict[int, Callable[[Database], None]] = {
    1: _migration_1,
    2: _migration_2,
    3: _migration_3,
    4: _migration_4,
    5: _migration_5,
    6: _migration_6,
    7: _migration_7,
    8: _migration_8,
    9: _migration_9,
    10: _migration_10,
    11: _migration_11,
    12: _migration_12,
}
