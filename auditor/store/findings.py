"""The findings lifecycle: new, persisting, regressed, waived and resolved, one event per finding and run."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from auditor.model import (
    Finding,
    FindingRecord,
    FindingStatus,
    Waiver,
    shared_scope,
)
from auditor.store.base import StoreTables
from policies.evaluation import Evaluation


@dataclass(frozen=True)
class StoredEvent:
    """A finding as one run saw it: the event's state and text joined with the finding's identity."""

    run_id: int
    status: FindingStatus
    finding: Finding
    first_seen_run: int
    waiver: Waiver | None


_SHARED_UP_TO = 400  # characters: the repeated texts are short (a question, a state); a long one stays its own


def _shared(value: Any) -> Any:
    """Decoded evidence whose strings are shared with every other finding's equal ones (`sys.intern`): a
    country's OPS-003 findings each repeat the same questions and states, and a report document of 26,000
    findings was 51 MB larger with a copy of them in each."""
    if isinstance(value, str):
        return sys.intern(value) if len(value) <= _SHARED_UP_TO else value
    if isinstance(value, dict):
        return {_shared(k): _shared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shared(v) for v in value]
    return value


def finding_from_row(row: dict[str, Any]) -> Finding:
    return Finding(
        policy_id=row["policy_id"],
        severity=row["severity"],
        institution=row["institution_id"],
        platform=row["platform"],
        account=row["account_id"],
        handle=row["handle"],
        subject=row["subject"],
        fingerprint=row["fingerprint"],
        message_es=row["message_es"],
        message_en=row["message_en"],
        guide_ref=row["guide_ref"],
        incident=bool(row["incident"]),
        rsit=row["rsit"],
        evidence=_shared(json.loads(row["evidence"] or "{}")),
    )


def record_from_row(row: dict[str, Any]) -> FindingRecord:
    """A `findings` row as the model the front ends show: the finding and its state across runs."""
    return FindingRecord(
        **finding_from_row(row).model_dump(),
        status=row["status"],
        first_seen_run=row["first_seen_run"],
        last_seen_run=row["last_seen_run"],
        resolved_run=row["resolved_run"],
        waiver_id=row["waiver_id"],
    )


class FindingsLifecycle(StoreTables):
    def _stage_lifecycle(
        self,
        run_id: int,
        institution: str,
        registered: AbstractSet[str],
        evaluation: Evaluation,
        waived: dict[str, Waiver],
    ) -> list[tuple[FindingStatus, Finding]]:
        """One institution's part of a run's lifecycle, staged (published with the run): new / persisting /
        regressed / waived for what this run saw; resolved for what it no longer sees where the rule really ran
        (a rule that did not run resolves nothing); persisting, unchanged, for what a rule could not re-check
        because of a fetch error (still open: the run's report must show it). `registered`: the institution's
        account ids in the inventory. Every key of the lifecycle names its institution (the fingerprint hashes
        it), so institutions are judged apart. Returns the institution's events."""
        evaluated, errored, unverified = evaluation.evaluated, evaluation.errored, evaluation.unverified
        previous = {
            r["fingerprint"]: r for r in self.db.query("select * from findings where institution_id = ?", [institution])
        }
        seen = set()
        events: list[tuple[FindingStatus, Finding]] = []
        finding_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        carried: list[dict[str, Any]] = []
        for f in evaluation.findings:
            if f.fingerprint in seen:
                continue
            seen.add(f.fingerprint)
            prev = previous.get(f.fingerprint)
            waiver = waived.get(f.fingerprint)
            if waiver is not None:
                event = FindingStatus.WAIVED
            elif prev is None:
                event = FindingStatus.NEW
            elif prev["status"] == "resolved":
                event = FindingStatus.REGRESSED
            else:
                event = FindingStatus.PERSISTING
            finding_rows.append(
                {
                    "run_id": run_id,
                    "fingerprint": f.fingerprint,
                    "policy_id": f.policy_id,
                    "severity": f.severity.value,
                    "institution_id": f.institution,
                    "platform": f.platform.value if f.platform else None,
                    "account_id": f.account,
                    "handle": f.handle,
                    "subject": f.subject,
                    "status": "waived" if waiver else "open",
                    "message_es": f.message_es,
                    "message_en": f.message_en,
                    "guide_ref": f.guide_ref,
                    "incident": int(f.incident),
                    "rsit": f.rsit,
                    "evidence": json.dumps(f.evidence, default=str, sort_keys=True),
                    "first_seen_run": prev["first_seen_run"] if prev else run_id,
                    "last_seen_run": run_id,
                    "resolved_run": None,
                    "waiver_id": waiver.id if waiver else None,
                }
            )
            event_rows.append(
                self._event(
                    run_id, f.fingerprint, event, f.severity.value, f.message_es, f.message_en, f.evidence, waiver
                )
            )
            events.append((event, f))
        full = any(inst == institution and acc is None for (_, inst, acc) in evaluated)
        for fp, prev in previous.items():
            if fp in seen or prev["status"] == "resolved":
                continue
            account, policy = prev["account_id"], prev["policy_id"]
            shared = (policy, institution, shared_scope(prev["subject"]))
            ran_there = shared in evaluated or any((policy, institution, a) in evaluated for a in (account, None))
            account_gone = account is not None and full and account not in registered
            if not (ran_there or account_gone):
                if (policy, institution, account) in errored or shared in errored:
                    # not re-checked: still open, shown as it was last seen
                    carried.append({"run_id": run_id, "fingerprint": fp, "status": "persisting"})
                elif (policy, institution, account) in unverified or (policy, institution, None) in unverified:
                    # its rule did not run (inventory only): open, not verified
                    carried.append({"run_id": run_id, "fingerprint": fp, "status": "unverified"})
                continue  # the rule did not run on it this time: incomparable, left as it was
            event_rows.append(
                self._event(
                    run_id,
                    fp,
                    FindingStatus.RESOLVED,
                    prev["severity"],
                    prev["message_es"],
                    prev["message_en"],
                    {"reason": "account_unregistered"} if account_gone else {},
                    None,
                )
            )
            events.append((FindingStatus.RESOLVED, finding_from_row(prev)))
        # Written in bulk: one statement per table instead of one per finding.
        self._append("stage_findings", finding_rows)
        self._append("stage_events", event_rows)
        self._append("stage_carried", carried)
        return events

    def _publish_lifecycle(self, run_id: int) -> None:
        """Move a run's staged lifecycle into the findings and their events (inside the publishing transaction):
        SQL from table to table, however many findings the run has."""
        columns = [c for c in self.db.table("findings").columns_dict if c != "fingerprint"]
        self.db.execute(
            f"""insert into findings (fingerprint, {", ".join(columns)})
                select fingerprint, {", ".join(columns)} from stage_findings where run_id = ?
                on conflict (fingerprint) do update set {", ".join(f"{c} = excluded.{c}" for c in columns)}""",
            [run_id],
        )
        self.db.execute(
            """update findings set status = 'resolved', resolved_run = ?, waiver_id = null
               where fingerprint in (select fingerprint from stage_events where run_id = ? and status = 'resolved')""",
            [run_id, run_id],
        )
        event_columns = ", ".join(self.db.table("finding_events").columns_dict)
        self.db.execute(
            f"insert into finding_events ({event_columns}) select {event_columns} from stage_events where run_id = ?",
            [run_id],
        )
        # Copies of their last event (messages, evidence, waiver), so the report still lists them: `persisting`
        # (a fetch error) or `unverified` (inventory only), a waived one staying waived.
        self.db.execute(
            """insert into finding_events (run_id, fingerprint, status, severity, message_es, message_en, evidence,
                                           waiver_id, waiver)
               select c.run_id, e.fingerprint, case e.status when 'waived' then 'waived' else c.status end,
                      e.severity, e.message_es, e.message_en, e.evidence, e.waiver_id, e.waiver
               from stage_carried c join finding_events e on e.fingerprint = c.fingerprint
               where c.run_id = ? and e.run_id = (select max(run_id) from finding_events l
                                                  where l.fingerprint = c.fingerprint and l.status != 'resolved')""",
            [run_id],
        )

    def _event(
        self,
        run_id: int,
        fp: str,
        status: FindingStatus,
        severity: str,
        message_es: str,
        message_en: str,
        evidence: dict[str, Any],
        waiver: Waiver | None,
    ) -> dict[str, Any]:
        """The `finding_events` row of one finding in one run."""
        return {
            "run_id": run_id,
            "fingerprint": fp,
            "status": status.value,
            "severity": severity,
            "message_es": message_es,
            "message_en": message_en,
            "evidence": json.dumps(evidence, default=str, sort_keys=True),
            "waiver_id": waiver.id if waiver else None,
            "waiver": waiver.model_dump_json() if waiver else None,
        }

    def events(self, run_id: int, institution: str | None = None) -> Iterator[StoredEvent]:
        """A run's findings as it recorded them; of one institution, read through its own findings (a country's
        reports, one per institution, would otherwise each read the whole run)."""
        # `cross join` keeps SQLite's loop order: the institution's findings first, then each one's event.
        tables, where, args = (
            ("findings f cross join finding_events e", " and f.institution_id = ?", [institution])
            if institution
            else ("finding_events e join findings f", "", [])
        )
        sql = f"""select e.status as event_status, e.severity as event_severity, e.message_es as e_es,
                        e.message_en as e_en, e.evidence as e_evidence, e.waiver, f.*
                 from {tables} on f.fingerprint = e.fingerprint
                 where e.run_id = ?{where} order by f.institution_id, f.platform, f.account_id, f.policy_id,
                 f.subject"""
        for r in self.db.query(sql, [run_id, *args]):
            yield StoredEvent(
                run_id=run_id,
                status=FindingStatus(r["event_status"]),
                # The finding's identity, with the severity, text and evidence this run recorded for it.
                finding=finding_from_row(
                    {
                        **r,
                        "severity": r["event_severity"],
                        "message_es": r["e_es"],
                        "message_en": r["e_en"],
                        "evidence": r["e_evidence"],
                    }
                ),
                first_seen_run=r["first_seen_run"],
                waiver=Waiver.model_validate_json(r["waiver"]) if r["waiver"] else None,
            )
