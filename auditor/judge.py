"""Judging a run an institution at a time, and publishing it: the rules, the waivers and declarations, the
lifecycle and the tickets of each institution, staged with the few judged before it (`STAGE_BATCH_ACCOUNTS`)
before the next ones are read.

Memory follows the largest institution, not the country: an institution's snapshots (this run's and the
last ones) are read from the store when it is judged and dropped once it is staged; what the rules need to
know of the other institutions (whose Business holds a Page, which accounts the auditor knows anywhere) is a
`CountryView` built from a few facts per account. Nothing is visible as a result until `publish_run`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from auditor.crashpoints import crash_point
from auditor.inputs.inventory import inventory_digest
from auditor.model import (
    AccountSnapshot,
    Coverage,
    DiscoveredAccount,
    Inventory,
    PreviousHints,
    Profile,
    RunMode,
    RunScope,
    RunStatus,
    RunType,
    Severity,
    Waiver,
)
from auditor.model.clock import local_date, utcnow
from auditor.model.declarations import Declaration, DeclKey, HumanState
from auditor.model.inventory import InstitutionInventory
from auditor.store import Store
from auditor.store.staging import JudgedInstitution
from auditor.tickets.plan import TicketPlanner
from policies.business import business_views
from policies.evaluate import CountryView, Observations, evaluate_institution, in_scope, merge_shared
from policies.evaluation import Evaluation
from policies.human import apply_human_input, in_force_waivers
from policies.profile import EffectiveRule, effective_rules

Key = tuple[str, str]

# Institutions are staged together until they have this many accounts: a large institution alone, a thousand
# one-account institutions a hundred at a time (each transaction's fixed cost was a third of their judging).
STAGE_BATCH_ACCOUNTS = 100


@dataclass
class ObservedRun:
    """Where judging reads what the platforms said, an institution at a time: a live run's staged snapshots,
    or the snapshots of the run a replay replays."""

    snapshots: Callable[[str], dict[Key, AccountSnapshot]]
    previous: Callable[[str], dict[Key, AccountSnapshot]]
    prior: Callable[[str], dict[Key, dict[tuple[str, str], dict[str, Any]]]]
    country: CountryView
    discovered: dict[str, list[DiscoveredAccount]] | None = None
    discovery_failed: frozenset[str] = frozenset()
    pinned: Mapping[Key, str] = field(default_factory=dict)
    _kept: dict[str, Observations] = field(default_factory=dict)

    def institution(self, institution: str) -> Observations:
        """One institution's observations, kept until `release` (the tickets staged with it quote them)."""
        if institution not in self._kept:
            self._kept[institution] = Observations(
                snapshots=self.snapshots(institution),
                previous=self.previous(institution),
                prior=self.prior(institution),
                discovered=self.discovered,
                discovery_failed=self.discovery_failed,
                pinned=self.pinned,
            )
        return self._kept[institution]

    def release(self) -> None:
        """The institutions judged so far are staged: their snapshots go before the next ones are read."""
        self._kept.clear()


def country_view(
    inventory: Inventory,
    facts: list[tuple[str, str, str | None, str | None, bool]],
    hints: Mapping[Key, PreviousHints],
    pinned: Mapping[Key, str],
) -> CountryView:
    """The `CountryView` of a run from its snapshots' facts (`Store.snapshot_facts`) and the last snapshots'
    hints: an account's Business as this run saw it, else as the last run did (as `business_owners`)."""
    owner: dict[Key, str] = {}
    read: set[Key] = set()
    resolved: dict[Key, str] = {}
    for inst, account, platform_id, business, fetched in facts:
        key = (inst, account)
        if platform_id:
            resolved[key] = platform_id
        if fetched:
            read.add(key)
            if business:
                owner[key] = business
    for key, before in hints.items():
        if key not in read and before.business_id:
            owner[key] = before.business_id
    return CountryView(inventory, business_views(inventory, owner), pinned, resolved)


def staged_run(
    store: Store,
    run_id: int,
    inventory: Inventory,
    pinned: Mapping[Key, str],
    hints: Mapping[Key, PreviousHints],
    discovered: dict[str, list[DiscoveredAccount]],
    discovery_failed: frozenset[str],
) -> ObservedRun:
    """A live run's observations: its staged snapshots, and the last ones before it."""
    return ObservedRun(
        snapshots=lambda inst: store.staged_snapshots(run_id, inst),
        previous=lambda inst: store.latest_snapshots(institution=inst),
        prior=lambda inst: store.prior_evidence(institution=inst),
        country=country_view(inventory, store.snapshot_facts(run_id, staged=True), hints, pinned),
        discovered=discovered,
        discovery_failed=discovery_failed,
        pinned=pinned,
    )


def replayed_run(store: Store, run_id: int, inventory: Inventory) -> ObservedRun | None:
    """The observations of a stored run, as they stood when it ran (None: it asked no platform)."""
    facts = store.snapshot_facts(run_id, staged=False)
    if not facts:
        return None
    pinned = store.pinned_ids()
    return ObservedRun(
        snapshots=lambda inst: store.run_snapshots(run_id, inst),
        previous=lambda inst: store.latest_snapshots(before_run=run_id, institution=inst),
        prior=lambda inst: store.prior_evidence(before_run=run_id, institution=inst),
        country=country_view(inventory, facts, store.previous_hints(before_run=run_id), pinned),
        discovered=store.run_discoveries(run_id),
        pinned=pinned,
    )


@dataclass(frozen=True)
class InstitutionSummary:
    """What the run's record needs of one institution once it is staged."""

    coverage: Coverage
    failed: bool  # some snapshot of it is an error: the run is incomplete
    observed: int  # its accounts read this run
    open_severities: list[Severity]  # of the findings its rules produced (not waived)


@dataclass(frozen=True)
class InstitutionResult:
    """One institution judged, with what the run's record needs of it."""

    judged: JudgedInstitution
    failed: bool  # some snapshot of it is an error: the run is incomplete
    observed: int  # its accounts read this run

    def summary(self) -> InstitutionSummary:
        part = self.judged.evaluation
        open_severities = [f.severity for f in part.findings if f.fingerprint not in self.judged.waived]
        return InstitutionSummary(part.coverage, self.failed, self.observed, open_severities)


@dataclass(frozen=True)
class Judging:
    """What every institution of a run is judged with — the same rules, waivers in force, declarations and day,
    whether it is judged as soon as its accounts are read (`auditor.judge_early`) or after the last one."""

    rules: list[EffectiveRule]
    waivers: list[Waiver]
    human: HumanState
    declarations: Mapping[DeclKey, Declaration]
    today: date
    scope: RunScope

    @classmethod
    def of(cls, record: RunRecord, profile: Profile | None, waivers: list[Waiver], human: HumanState) -> Judging:
        in_force = in_force_waivers(waivers, human)
        rules = [r for r in effective_rules(profile or Profile()) if r.enabled]
        return cls(rules, in_force, human, human.current(), local_date(record.started), record.scope)

    def institution(
        self, inst_inv: InstitutionInventory, observations: Observations | None, country: CountryView, ordinal: int
    ) -> InstitutionResult:
        """Judge one institution (`ordinal`: its place in the inventory)."""
        part = Evaluation()
        evaluate_institution(
            part,
            inst_inv,
            self.rules,
            self.waivers,
            self.today,
            self.scope,
            observations,
            country,
            after_account=lambda: crash_point("evaluate"),
            declarations=self.declarations,
        )
        part.findings, waived = apply_human_input(merge_shared(part.findings), self.waivers, self.human, self.today)
        snapshots = observations.snapshots.values() if observations is not None else ()
        return InstitutionResult(
            JudgedInstitution(inst_inv.institution.id, {a.id for a in inst_inv.accounts}, part, waived, ordinal),
            failed=any(s.error is not None for s in snapshots),
            observed=len(snapshots),
        )


@dataclass(frozen=True)
class Judged:
    status: RunStatus
    open_severities: list[Severity]  # of the findings this run's rules produced (not waived)
    accounts_observed: int
    tickets_held: int = 0  # new tickets over the per-run cap, kept for review


@dataclass(frozen=True)
class RunRecord:
    """How the run is recorded: what it is, when it started, what it read."""

    run_id: int
    run_type: RunType
    scope: RunScope
    started: datetime
    import_inventory: bool
    replay_of: int | None = None


def judge_and_publish(
    store: Store,
    record: RunRecord,
    inventory: Inventory,
    profile: Profile | None,
    waivers: list[Waiver],
    observed: ObservedRun | None,
    *,
    human: HumanState,
    planner: TicketPlanner | None = None,
    sinks: list[str] | None = None,
    now: datetime | None = None,
    judging: Judging | None = None,
    staged: Mapping[str, InstitutionSummary] | None = None,
) -> Judged:
    """Judge every institution in scope, staging each, then publish the run. `staged`: institutions already
    judged and staged while the platforms were read (with `judging`); the per-run ticket cap counts every
    institution's tickets in the inventory's order when the run is published, whatever was staged first."""
    judging = judging or Judging.of(record, profile, waivers, human)
    country = observed.country if observed is not None else CountryView(inventory)
    coverage = Coverage()
    failed = False
    observed_accounts = 0
    open_severities: list[Severity] = []
    batch: list[JudgedInstitution] = []
    batched = 0

    def stage() -> None:
        nonlocal batched
        store.stage_institutions(record.run_id, batch, planner)
        batch.clear()
        batched = 0
        if observed is not None:
            observed.release()

    for ordinal, inst_inv in enumerate(inventory.institutions):
        inst_id = inst_inv.institution.id
        if not in_scope(record.scope, inst_id):
            continue
        summary = staged.get(inst_id) if staged is not None else None
        if summary is None:
            observations = observed.institution(inst_id) if observed is not None else None
            result = judging.institution(inst_inv, observations, country, ordinal)
            summary = result.summary()
            batch.append(result.judged)
            batched += max(1, len(inst_inv.accounts))
            if batched >= STAGE_BATCH_ACCOUNTS:
                stage()
        for name in ("evaluated", "not_observable", "errors"):
            setattr(coverage, name, getattr(coverage, name) + getattr(summary.coverage, name))
        failed = failed or summary.failed
        observed_accounts += summary.observed
        open_severities += summary.open_severities
    if batch:
        stage()
    status = RunStatus.INCOMPLETE if failed or coverage.errors else RunStatus.COMPLETE
    held = store.publish_run(
        record.run_id,
        started_at=record.started,
        finished_at=now or utcnow(),
        run_type=record.run_type,
        scope=record.scope,
        inventory=inventory,
        digest=inventory_digest(inventory),
        coverage=coverage,
        status=status,
        import_inventory=record.import_inventory,
        keep_snapshots=record.run_type is not RunType.REEVALUATION,
        discovered=(observed.discovered or {}) if observed is not None else {},
        waivers=judging.waivers,
        sinks=sinks or [],
        mode=RunMode.LIVE if observed is not None else RunMode.INVENTORY,
        replay_of=record.replay_of,
        profile=(profile or Profile()).name,
        max_new_tickets=planner.max_new if planner is not None else 0,
    )
    return Judged(status, open_severities, observed_accounts, held)
