"""Runs and what they observed: the run rows, sanitised snapshots, pinned platform ids and discoveries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from auditor.model import (
    AccountSnapshot,
    Coverage,
    DiscoveredAccount,
    ObservationState,
    PreviousHints,
    Run,
    RunMode,
    RunScope,
    RunStatus,
    RunType,
)
from auditor.store.base import STAGE_TABLES, StoreTables


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
        recorded as aborted, and what they had staged is deleted (they never published anything)."""
        with self.db.atomic():
            ids = [r[0] for r in self.db.execute("select id from runs where status = 'running'").fetchall()]
            if ids:
                self.db.execute(
                    "update runs set status = 'aborted', finished_at = ? where status = 'running'", [at.isoformat()]
                )
                self._discard_staged(ids)
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
            self._discard_staged([run_id])
        return run_id

    def _discard_staged(self, run_ids: list[int]) -> None:
        """Delete what runs staged (inside the caller's transaction): published, or never to be."""
        marks = ",".join("?" * len(run_ids))
        for table in STAGE_TABLES:
            self.db.execute(f"delete from {table} where run_id in ({marks})", run_ids)

    def _publish_observations(self, run_id: int, discovered: Mapping[str, list[DiscoveredAccount]]) -> None:
        """The run's staged snapshots, the platform ids they pin, and its discoveries (inside the publishing
        transaction). An account is pinned the first time it resolves; re-pinned only when it resolves to
        another id."""
        columns = ", ".join(self.db.table("snapshots").columns_dict)
        self.db.execute(
            f"insert into snapshots ({columns}) select {columns} from stage_snapshots where run_id = ?", [run_id]
        )
        self.db.execute(
            """insert into account_bindings (institution_id, account_id, platform, platform_account_id, pinned_run,
                                             pinned_at)
               select institution_id, account_id, platform, platform_account_id, run_id, fetched_at
               from stage_snapshots where run_id = ? and coalesce(platform_account_id, '') != ''
               on conflict (institution_id, account_id) do update set
                 platform = excluded.platform, platform_account_id = excluded.platform_account_id,
                 pinned_run = excluded.pinned_run, pinned_at = excluded.pinned_at
               where account_bindings.platform_account_id is not excluded.platform_account_id""",
            [run_id],
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

    _LATEST = """select {columns} from snapshots s
                 join (select institution_id, account_id, max(run_id) as run_id from snapshots
                       where error is null and run_id < ? {where} group by institution_id, account_id) last
                   on last.institution_id = s.institution_id and last.account_id = s.account_id
                  and last.run_id = s.run_id"""

    def latest_snapshots(
        self, before_run: int | None = None, institution: str | None = None
    ) -> dict[tuple[str, str], AccountSnapshot]:
        """Per account, the last snapshot that was fetched successfully (before a run, of an institution, if
        given)."""
        where, params = ("and institution_id = ?", [institution]) if institution is not None else ("", [])
        sql = self._LATEST.format(columns="s.institution_id, s.account_id, s.document", where=where)
        rows = self.db.execute(sql, [before_run if before_run is not None else 2**62, *params]).fetchall()
        return {(r[0], r[1]): AccountSnapshot.model_validate_json(r[2]) for r in rows}

    def previous_hints(self, before_run: int | None = None) -> dict[tuple[str, str], PreviousHints]:
        """`PreviousHints` of every account's last successful snapshot (before a run, if given), read in SQL
        from the stored documents: observing a country needs these facts of each account, not its whole last
        snapshot."""
        columns = """s.institution_id, s.account_id, json_extract(s.document, '$.evidence.business_id'),
                     json_extract(s.document, '$.lookalikes'), json_extract(s.document, '$.members.state'),
                     json_array_length(s.document, '$.members.value'),
                     json_type(s.document, '$.members.raw.suspect_empty_after'),
                     json_extract(s.document, '$.members.raw.suspect_empty_after')"""
        out = {}
        for inst, account, business, lookalikes, state, count, kind, carried in self.db.execute(
            self._LATEST.format(columns=columns, where=""), [before_run if before_run is not None else 2**62]
        ).fetchall():
            observed = state == ObservationState.OBSERVED.value
            had = (count or None) if observed else (carried if kind == "integer" else None)
            found = tuple(d.get("handle") or "" for d in json.loads(lookalikes or "[]"))
            out[(inst, account)] = PreviousHints(str(business) if business else None, found, had)
        return out

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

    def run_snapshots(self, run_id: int, institution: str | None = None) -> dict[tuple[str, str], AccountSnapshot]:
        where, params = (" and institution_id = ?", [institution]) if institution is not None else ("", [])
        rows = self.db.execute(
            "select institution_id, account_id, document from snapshots where run_id = ?" + where, [run_id, *params]
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
        self, before_run: int | None = None, institution: str | None = None
    ) -> dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]]:
        """Evidence of findings open or waived when a run starts, per account then (policy, subject); of one
        institution, if given."""
        where, params = (" and f.institution_id = ?", [institution]) if institution is not None else ("", [])
        if before_run is None:
            rows = self.db.execute(
                "select f.institution_id, f.account_id, f.policy_id, f.subject, f.evidence from findings f "
                "where f.status in ('open', 'waived') and f.account_id is not null" + where,
                params,
            ).fetchall()
        else:
            rows = self.db.execute(
                """select f.institution_id, f.account_id, f.policy_id, f.subject, e.evidence
                   from finding_events e join findings f on f.fingerprint = e.fingerprint
                   where e.run_id = (select max(id) from runs where id < ? and status in ('complete', 'incomplete')
                                     and mode = 'live')
                   and e.status != 'resolved'
                   and f.account_id is not null"""
                + where,
                [before_run, *params],
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
