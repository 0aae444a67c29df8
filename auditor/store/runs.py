"""Runs and what they observed: the run rows, sanitised snapshots, pinned platform ids and discoveries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from auditor.model import (
    AccountSnapshot,
    Coverage,
    DiscoveredAccount,
    Run,
    RunMode,
    RunScope,
    RunStatus,
    RunType,
)
from auditor.store.base import StoreTables


class RunRecords(StoreTables):
    def begin_run(
        self,
        *,
        started_at: datetime,
        run_type: RunType,
        scope: RunScope,
        digest: str,
        mode: RunMode = RunMode.LIVE,
        replay_of: int | None = None,
    ) -> int:
        """Record that a run started (status `running`), so a run that dies is visible, not silent."""
        with self.db.atomic():
            run_id = (
                self.db.table("runs")
                .insert(
                    {
                        "started_at": started_at.isoformat(),
                        "finished_at": None,
                        "run_type": run_type.value,
                        "status": RunStatus.RUNNING.value,
                        "scope": scope.model_dump_json(),
                        "inventory_digest": digest,
                        "rules_evaluated": 0,
                        "rules_not_observable": 0,
                        "rules_errors": 0,
                        "mode": mode.value,
                        "replay_of": replay_of,
                    }
                )
                .last_pk
            )
        assert isinstance(run_id, int)
        return run_id

    def abort_interrupted_runs(self, at: datetime) -> list[int]:
        """Runs still `running` while the caller holds the store's lock died (killed, power cut): they are
        recorded as aborted, with nothing else of theirs in the store (their transaction never committed)."""
        with self.db.atomic():
            ids = [r[0] for r in self.db.execute("select id from runs where status = 'running'").fetchall()]
            if ids:
                self.db.execute(
                    "update runs set status = 'aborted', finished_at = ? where status = 'running'", [at.isoformat()]
                )
        return ids

    def record_aborted_run(
        self,
        *,
        started_at: datetime,
        finished_at: datetime,
        run_type: RunType,
        scope: RunScope,
        digest: str,
        run_id: int | None = None,
        mode: RunMode = RunMode.LIVE,
    ) -> int:
        """A run stopped before its transaction: recorded as aborted, with no finding, event or ticket."""
        if run_id is None:
            run_id = self.begin_run(started_at=started_at, run_type=run_type, scope=scope, digest=digest, mode=mode)
        with self.db.atomic():
            self.db.table("runs").update(
                run_id, {"status": RunStatus.ABORTED.value, "finished_at": finished_at.isoformat()}
            )
        return run_id

    def _write_observations(
        self,
        run_id: int,
        snapshots: dict[tuple[str, str], AccountSnapshot],
        discovered: dict[str, list[DiscoveredAccount]],
    ) -> None:
        """Sanitised snapshots (connectors never put tokens in them), pinned ids, and discoveries."""
        bindings = {(r["institution_id"], r["account_id"]): r for r in self.db.table("account_bindings").rows}
        for (inst, account), snap in snapshots.items():
            self.db.table("snapshots").insert(
                {
                    "run_id": run_id,
                    "institution_id": inst,
                    "account_id": account,
                    "platform": snap.platform.value,
                    "platform_account_id": snap.platform_account_id,
                    "fetched_at": snap.fetched_at.isoformat(),
                    "error": snap.error.value if snap.error else None,
                    "document": snap.model_dump_json(),
                },
            )
            known = bindings.get((inst, account))
            if snap.platform_account_id and (known is None or known["platform_account_id"] != snap.platform_account_id):
                # Pinned the first time the account resolves; re-pinned only when the inventory names another id.
                self.db.table("account_bindings").upsert(
                    {
                        "institution_id": inst,
                        "account_id": account,
                        "platform": snap.platform.value,
                        "platform_account_id": snap.platform_account_id,
                        "pinned_run": run_id,
                        "pinned_at": snap.fetched_at.isoformat(),
                    },
                    pk=("institution_id", "account_id"),
                )
        self.db.table("discoveries").insert_all(
            (
                {
                    "run_id": run_id,
                    "institution_id": inst,
                    "platform": d.platform.value,
                    "platform_account_id": d.platform_account_id,
                    "handle": d.handle,
                    "name": d.name,
                    "credential": d.credential,
                }
                for inst, found in discovered.items()
                for d in found
            ),
            ignore=True,
        )

    def pinned_ids(self) -> dict[tuple[str, str], str]:
        return {
            (r["institution_id"], r["account_id"]): r["platform_account_id"]
            for r in self.db.table("account_bindings").rows
        }

    def latest_snapshots(self, before_run: int | None = None) -> dict[tuple[str, str], AccountSnapshot]:
        """Per account, the last snapshot that was fetched successfully (before a run, if given)."""
        sql = """select s.institution_id, s.account_id, s.document from snapshots s
                 join (select institution_id, account_id, max(run_id) as run_id from snapshots
                       where error is null and run_id < ? group by institution_id, account_id) last
                   on last.institution_id = s.institution_id and last.account_id = s.account_id
                  and last.run_id = s.run_id"""
        rows = self.db.execute(sql, [before_run if before_run is not None else 2**62]).fetchall()
        return {(r[0], r[1]): AccountSnapshot.model_validate_json(r[2]) for r in rows}

    def old_snapshots(self, before: datetime) -> list[int]:
        """Row ids of snapshots of runs started before `before` that are not their account's latest."""
        rows = self.db.execute(
            """select s.rowid from snapshots s join runs r on r.id = s.run_id
               where r.started_at < ? and s.run_id < (
                 select max(run_id) from snapshots l
                 where l.institution_id = s.institution_id and l.account_id = s.account_id)""",
            [before.isoformat()],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def delete_snapshots(self, rowids: list[int]) -> None:
        with self.db.atomic():
            for start in range(0, len(rowids), 500):
                chunk = rowids[start : start + 500]
                self.db.execute(f"delete from snapshots where rowid in ({','.join('?' * len(chunk))})", chunk)

    def run_snapshots(self, run_id: int) -> dict[tuple[str, str], AccountSnapshot]:
        rows = self.db.execute(
            "select institution_id, account_id, document from snapshots where run_id = ?", [run_id]
        ).fetchall()
        return {(r[0], r[1]): AccountSnapshot.model_validate_json(r[2]) for r in rows}

    def run_discoveries(self, run_id: int) -> dict[str, list[DiscoveredAccount]] | None:
        rows = list(self.db.query("select * from discoveries where run_id = ?", [run_id]))
        if not rows:
            return None
        out: dict[str, list[DiscoveredAccount]] = {}
        for r in rows:
            out.setdefault(r["institution_id"], []).append(
                DiscoveredAccount(
                    platform=r["platform"],
                    platform_account_id=r["platform_account_id"],
                    handle=r["handle"],
                    name=r["name"],
                    credential=r["credential"],
                )
            )
        return out

    def prior_evidence(
        self, before_run: int | None = None
    ) -> dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]]:
        """Evidence of findings open or waived when a run starts, per account then (policy, subject)."""
        if before_run is None:
            rows = self.db.execute(
                "select institution_id, account_id, policy_id, subject, evidence from findings "
                "where status in ('open', 'waived') and account_id is not null"
            ).fetchall()
        else:
            rows = self.db.execute(
                """select f.institution_id, f.account_id, f.policy_id, f.subject, e.evidence
                   from finding_events e join findings f on f.fingerprint = e.fingerprint
                   where e.run_id = (select max(id) from runs where id < ? and status in ('complete', 'incomplete')
                                     and mode = 'live')
                   and e.status != 'resolved'
                   and f.account_id is not null""",
                [before_run],
            ).fetchall()
        out: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}
        for inst, account, policy, subject, evidence in rows:
            out.setdefault((inst, account), {})[(policy, subject)] = json.loads(evidence or "{}")
        return out

    def run(self, run_id: int | None = None) -> Run | None:
        """A run by id, or the latest one that recorded its findings (not running, not aborted)."""
        sql = "select * from runs " + (
            "where id = ?" if run_id else "where status in ('complete', 'incomplete') order by id desc limit 1"
        )
        rows = list(self.db.query(sql, [run_id] if run_id else []))
        if not rows:
            return None
        r = rows[0]
        return Run(
            id=r["id"],
            started_at=datetime.fromisoformat(r["started_at"]),
            finished_at=datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None,
            run_type=RunType(r["run_type"]),
            scope=RunScope.model_validate_json(r["scope"]),
            status=RunStatus(r["status"]),
            inventory_digest=r["inventory_digest"],
            coverage=Coverage(
                evaluated=r["rules_evaluated"],
                not_observable=r["rules_not_observable"],
                errors=r["rules_errors"],
            ),
            mode=RunMode(r["mode"]),
            replay_of=r["replay_of"],
            profile=r["profile"],
        )

    def runs(self, limit: int = 20) -> list[Run]:
        ids = [r[0] for r in self.db.execute("select id from runs order by id desc limit ?", [limit]).fetchall()]
        return [run for run in (self.run(i) for i in ids) if run is not None]

    def previous_run_id(self, run_id: int) -> int | None:
        """The last recorded run before this one of the same mode (live runs are not compared with
        inventory-only ones)."""
        row = self.db.execute(
            "select max(id) from runs where id < ? and status in ('complete', 'incomplete') "
            "and mode = (select mode from runs where id = ?)",
            [run_id, run_id],
        ).fetchone()
        return int(row[0]) if row[0] is not None else None
