"""A run's staging area: written an institution at a time while the run goes, published at once when it ends.

A country's run holds neither its snapshots nor its findings in memory, and never holds a write transaction
for long (the web application writes too): each account's snapshot is staged as it arrives, each
institution's findings, lifecycle events and tickets when it has been judged, each in a short transaction.
`publish_run` then moves everything into the published tables and completes the run's row in one
transaction of table-to-table copies. Until then nothing of the run is visible as a result; a run that
dies leaves staging rows only, deleted when the run is recorded as aborted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from auditor.crashpoints import crash_point
from auditor.model import (
    AccountSnapshot,
    Coverage,
    DiscoveredAccount,
    Inventory,
    RunMode,
    RunScope,
    RunStatus,
    RunType,
    Waiver,
)
from auditor.store.findings import FindingsLifecycle
from auditor.store.inventory import InventoryTables
from auditor.store.runs import RunRecords
from auditor.store.tickets import TicketOutbox, TicketPlanner
from policies.evaluation import Evaluation


@dataclass(frozen=True)
class JudgedInstitution:
    """One institution's judgement, ready to stage: its evaluation, the waivers its findings matched, its
    account ids in the inventory (what a finding on an account no longer registered is resolved by) and its
    place in the inventory (`ordinal`: the order its tickets are published in, and counted by the cap)."""

    institution: str
    registered: AbstractSet[str]
    evaluation: Evaluation
    waived: dict[str, Waiver]
    ordinal: int


class RunStaging(InventoryTables, RunRecords, FindingsLifecycle, TicketOutbox):
    def stage_snapshots(self, run_id: int, snapshots: Iterable[AccountSnapshot]) -> None:
        """Sanitised snapshots (connectors never put tokens in them), as they arrive."""
        with self._staging():
            self._append(
                "stage_snapshots",
                [
                    {
                        "run_id": run_id,
                        "institution_id": snap.institution,
                        "account_id": snap.account,
                        "platform": snap.platform.value,
                        "platform_account_id": snap.platform_account_id,
                        "fetched_at": snap.fetched_at.isoformat(),
                        "error": snap.error.value if snap.error else None,
                        "document": snap.model_dump_json(),
                    }
                    for snap in snapshots
                ],
            )

    def staged_snapshots(self, run_id: int, institution: str) -> dict[tuple[str, str], AccountSnapshot]:
        rows = self.db.execute(
            "select account_id, document from stage_snapshots where run_id = ? and institution_id = ?",
            [run_id, institution],
        ).fetchall()
        return {(institution, r[0]): AccountSnapshot.model_validate_json(r[1]) for r in rows}

    def snapshot_facts(self, run_id: int, *, staged: bool) -> list[tuple[str, str, str | None, str | None, bool]]:
        """Per snapshot of a run (staged: of the run in progress): (institution, account, platform account id,
        Business id, fetched without error) — what judging one institution needs to know of the others'
        accounts, read without loading a snapshot."""
        table = "stage_snapshots" if staged else "snapshots"
        rows = self.db.execute(
            f"""select institution_id, account_id, platform_account_id,
                       json_extract(document, '$.evidence.business_id'), error is null
                from {table} where run_id = ?""",
            [run_id],
        ).fetchall()
        return [(r[0], r[1], r[2], str(r[3]) if r[3] else None, bool(r[4])) for r in rows]

    def stage_institutions(
        self, run_id: int, judged: Sequence[JudgedInstitution], ticketing: TicketPlanner | None = None
    ) -> None:
        """Judged institutions (each one's findings merged, waivers matched) against their last state, with
        their coverage and planned tickets, in one short transaction. A caller stages a few at a time: a
        thousand one-account institutions each in its own transaction spent a third of their judging on commits."""
        with self._staging():
            for one in judged:
                self._stage_judged(run_id, one, ticketing)

    def _stage_judged(self, run_id: int, one: JudgedInstitution, ticketing: TicketPlanner | None) -> None:
        evaluation = one.evaluation
        events = self._stage_lifecycle(run_id, one.institution, one.registered, evaluation, one.waived)
        crash_point("commit")
        self._append(
            "stage_coverage",
            [
                {
                    "run_id": run_id,
                    "institution_id": inst,
                    "severity": severity.value,
                    "evaluated": c.evaluated,
                    "not_observable": c.not_observable,
                    "errors": c.errors,
                }
                for (inst, severity), c in evaluation.coverage_detail.items()
            ],
        )
        if ticketing is not None:
            self._append(
                "stage_tickets",
                [
                    {
                        "run_id": run_id,
                        "ordinal": one.ordinal,
                        "fingerprint": p.content.fingerprint,
                        "action": p.content.action.value,
                        "evidence_hash": p.evidence_hash,
                        "content": p.content.model_dump_json(),
                    }
                    for p in ticketing(run_id, events)
                ],
            )

    def publish_run(
        self,
        run_id: int,
        *,
        started_at: datetime,
        finished_at: datetime,
        run_type: RunType,
        scope: RunScope,
        inventory: Inventory,
        digest: str,
        coverage: Coverage,
        status: RunStatus,
        import_inventory: bool,
        keep_snapshots: bool,
        discovered: Mapping[str, list[DiscoveredAccount]],
        waivers: list[Waiver],
        sinks: list[str],
        mode: RunMode,
        replay_of: int | None,
        profile: str | None,
        max_new_tickets: int,
    ) -> int:
        """The run, its inventory (when imported), snapshots, findings, events and tickets, made visible at
        once. `keep_snapshots` False (a replay): it read an earlier run's snapshots and records no snapshots,
        pinned ids or discoveries of its own. Returns how many new tickets the per-run cap
        (`max_new_tickets`) held back."""
        held = 0
        with self.db.atomic():
            if import_inventory:
                self._write_inventory(inventory, digest, started_at)
            crash_point("commit")
            self.db.table("runs").update(
                run_id,
                {
                    "started_at": started_at.isoformat(),
                    "finished_at": finished_at.isoformat(),
                    "run_type": run_type.value,
                    "status": status.value,
                    "scope": scope.model_dump_json(),
                    "inventory_digest": digest,
                    "rules_evaluated": coverage.evaluated,
                    "rules_not_observable": coverage.not_observable,
                    "rules_errors": coverage.errors,
                    "mode": mode.value,
                    "replay_of": replay_of,
                    "profile": profile,
                },
            )
            self.db.table("inventory_versions").insert(
                {"digest": digest, "document": inventory.model_dump_json(), "first_run": run_id}, ignore=True
            )
            crash_point("commit")
            if keep_snapshots:
                self._publish_observations(run_id, discovered)
            coverage_columns = ", ".join(self.db.table("run_coverage").columns_dict)
            self.db.execute(
                f"insert into run_coverage ({coverage_columns}) select {coverage_columns} from stage_coverage "
                "where run_id = ?",
                [run_id],
            )
            self.db.table("run_waivers").insert_all(
                {
                    "run_id": run_id,
                    "waiver_id": w.id,
                    "institution_id": w.scope.institution,
                    "rule": w.rule,
                    "expires": w.expires.isoformat(),
                    "document": w.model_dump_json(),
                }
                for w in waivers
            )
            crash_point("commit")
            self._publish_lifecycle(run_id)
            crash_point("commit")
            if sinks:
                held = self._publish_tickets(run_id, sinks, started_at, max_new_tickets)
            self._discard_staged([run_id])
            crash_point("commit")
        return held

    @contextmanager
    def _staging(self) -> Iterator[None]:
        """A staging transaction: committed without waiting for the disk (`synchronous = NORMAL`, consistent
        in WAL mode after any crash). What a run stages is worth nothing if the machine loses power before the
        run publishes, and the run's thousands of small commits would otherwise each wait for an fsync; the
        publishing transaction, and every other one, waits for the disk as before."""
        self.db.execute("PRAGMA synchronous = NORMAL")
        try:
            with self.db.atomic():
                yield
        finally:
            self.db.execute("PRAGMA synchronous = FULL")
