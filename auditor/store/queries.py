"""Read-only questions the reports and front ends ask: coverage, waivers in force, trends, finding lists."""

from __future__ import annotations

import json
from datetime import datetime

from auditor.model import (
    Coverage,
    FindingRecord,
    Severity,
    Waiver,
)
from auditor.store.base import StoreTables
from auditor.store.findings import record_from_row


class ReadQueries(StoreTables):
    def coverage_by_severity(self, run_id: int, institution: str | None = None) -> dict[Severity, Coverage]:
        sql = (
            "select severity, sum(evaluated), sum(not_observable), sum(errors) from run_coverage "
            "where run_id = ?" + (" and institution_id = ?" if institution else "") + " group by severity"
        )
        rows = self.db.execute(sql, [run_id, institution] if institution else [run_id]).fetchall()
        return {Severity(r[0]): Coverage(evaluated=r[1], not_observable=r[2], errors=r[3]) for r in rows}

    def run_waivers(self, run_id: int, institution: str | None = None) -> list[Waiver]:
        rows = self.db.execute(
            "select document from run_waivers where run_id = ?"
            + (" and institution_id = ?" if institution else "")
            + " order by waiver_id",
            [run_id, institution] if institution else [run_id],
        ).fetchall()
        return [Waiver.model_validate_json(r[0]) for r in rows]

    def open_counts_by_run(
        self, up_to_run: int, institution: str | None = None, limit: int = 12
    ) -> list[tuple[int, str, dict[Severity, int]]]:
        """Open (not waived, not resolved) findings per severity for the last runs of the same mode as
        `up_to_run`: the report's trend (an inventory-only run next to live ones would look like a drop)."""
        runs = self.db.execute(
            "select id, started_at from runs where id <= ? and status in ('complete', 'incomplete') "
            "and mode = (select mode from runs where id = ?) order by id desc limit ?",
            [up_to_run, up_to_run, limit],
        ).fetchall()
        if not runs:
            return []
        marks = ",".join("?" * len(runs))
        # Of one institution, its findings first (`cross join` keeps that order), each one's events in these runs:
        # a country's reports, one per institution, must not each count the whole country's runs.
        tables, where, args = (
            ("findings f cross join finding_events e", " and f.institution_id = ?", [institution])
            if institution
            else ("finding_events e join findings f", "", [])
        )
        counted: dict[int, dict[Severity, int]] = {}
        for run_id, severity, n in self.db.execute(
            f"select e.run_id, e.severity, count(*) from {tables} on f.fingerprint = e.fingerprint "
            f"where e.run_id in ({marks}) and e.status in ('new', 'persisting', 'regressed', 'unverified'){where} "
            "group by e.run_id, e.severity",
            [*(r[0] for r in runs), *args],
        ):
            counted.setdefault(run_id, {})[Severity(severity)] = n
        return [(run_id, started, counted.get(run_id, {})) for run_id, started in reversed(runs)]

    def findings(
        self, *, status: str = "open", min_severity: Severity | None = None, institution: str | None = None
    ) -> list[FindingRecord]:
        clauses, params = ["status = ?"], [status]
        if min_severity is not None:
            allowed = [s.value for s in Severity if s.rank >= min_severity.rank]
            clauses.append(f"severity in ({','.join('?' * len(allowed))})")
            params += allowed
        if institution:
            clauses.append("institution_id = ?")
            params.append(institution)
        order = (
            "case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 "
            "else 4 end, institution_id, account_id, policy_id"
        )
        rows = self.db.query(f"select * from findings where {' and '.join(clauses)} order by {order}", params)
        return [record_from_row(r) for r in rows]

    def finding(self, fingerprint: str) -> FindingRecord | None:
        """A finding by fingerprint, or by a prefix that names only one."""
        rows = list(
            self.db.query(
                "select * from findings where fingerprint like ? limit 2", [fingerprint.replace("%", "") + "%"]
            )
        )
        return record_from_row(rows[0]) if len(rows) == 1 else None

    def run_start_times(self) -> dict[int, datetime]:
        """When each run started: what a finding's age is counted from (its first run)."""
        return {r[0]: datetime.fromisoformat(r[1]) for r in self.db.execute("select id, started_at from runs")}

    def ticket_references(self, fingerprints: list[str]) -> dict[str, tuple[int, str, str | None, str]]:
        """Per fingerprint asked for, its latest incident ticket: (ticket id, sink, external id once the sink
        answered, delivery status). Only those fingerprints are read: a report per institution asks for its own."""
        rows = self.db.execute(
            """select t.fingerprint, t.id, d.sink, d.external_id, d.status from tickets t
               join deliveries d on d.ticket_id = t.id
               where t.fingerprint in (select value from json_each(?)) order by t.id, d.sink""",
            [json.dumps(fingerprints)],
        ).fetchall()
        return {
            fingerprint: (ticket_id, sink, external_id, status)
            for fingerprint, ticket_id, sink, external_id, status in rows
        }

    def finding_history(self, fingerprint: str) -> list[tuple[int, datetime, str]]:
        """Every run that saw the finding, oldest first: (run, started at, status in that run)."""
        rows = self.db.execute(
            """select e.run_id, r.started_at, e.status from finding_events e join runs r on r.id = e.run_id
               where e.fingerprint = ? order by e.run_id""",
            [fingerprint],
        ).fetchall()
        return [(run_id, datetime.fromisoformat(started), status) for run_id, started, status in rows]

    def finding_tickets(self, fingerprint: str) -> list[tuple[int, str, str, str, str | None, str]]:
        """The finding's ticket events and their deliveries: (ticket, action, created at, sink, external id,
        delivery status)."""
        rows = self.db.execute(
            """select t.id, t.action, t.created_at, d.sink, d.external_id, d.status from tickets t
               join deliveries d on d.ticket_id = t.id where t.fingerprint = ? order by t.id, d.sink""",
            [fingerprint],
        ).fetchall()
        return [(int(a), str(b), str(c), str(d), e, str(f)) for a, b, c, d, e, f in rows]
