"""Judging an institution while the platforms are still being read, once nothing read later can change it.

An institution's result depends on other institutions only through the country view: the Business its Pages
are in (a Business can hold several institutions' Pages) and the accounts known anywhere, which discovery and
the look-alikes found are compared with. An institution *settles* when every account of it has been read and
none of them is in a Business (this run or the last), found a look-alike, or is discovered: then the country
view has nothing it reads, and judging it now gives what judging it after the last account would. The others
are judged after observation, as before.

Judging takes the CPU the reading leaves: a background task measures how late its own short sleep wakes (the
event loop's lag) and judges only while the loop is not behind, a few milliseconds at a time, so answers are
never left waiting for it. What a slice judged is staged at once, in one short transaction: its findings,
lifecycle, coverage and tickets (the per-run ticket cap is applied when the run publishes, over the
inventory's order). Only a summary of each stays in memory, so the run's end has only the unsettled
institutions left to judge and stage, and memory does not grow with the institutions judged early. Staged
rows are not results: a process killed while observing leaves an unpublished run, recorded as aborted (and
its staging deleted) by the next.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Callable, Mapping

from auditor.judge import InstitutionResult, InstitutionSummary, Judging, Key
from auditor.model import AccountSnapshot, Inventory, PreviousHints, RunScope
from auditor.model.inventory import InstitutionInventory
from auditor.store import Store
from auditor.tickets.plan import TicketPlanner
from policies.business import business_id
from policies.evaluate import CountryView, Observations, in_scope

# The background task sleeps this long between slices, and judges only if it woke less than `BUSY_LAG` late.
PROBE_SECONDS = 0.02
BUSY_LAG_SECONDS = 0.005
# At most this much judging at a time: an answer that arrives meanwhile waits no longer than this.
SLICE_SECONDS = 0.01


class EarlyJudging:
    """Counts each institution's accounts as their snapshots arrive (`arrived`) and judges and stages the settled
    ones in the event loop's idle time (`run`, alongside observation). `staged` is what `judge_and_publish` takes
    as `staged`."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        inventory: Inventory,
        scope: RunScope,
        judging: Judging,
        *,
        hints: Mapping[Key, PreviousHints],
        pinned: Mapping[Key, str],
        discovering: frozenset[str],
        flush: Callable[[], None],
        planner: TicketPlanner | None = None,
    ) -> None:
        self.store, self.run_id, self.judging = store, run_id, judging
        self.hints, self.pinned, self.flush, self.planner = hints, pinned, flush, planner
        self.staged: dict[str, InstitutionSummary] = {}
        self._institutions: dict[str, tuple[int, InstitutionInventory]] = {}  # with its place in the inventory
        self._waiting: dict[str, set[str]] = {}  # institution -> accounts not read yet
        self._ready: deque[str] = deque()
        self._work: asyncio.Future[None] | None = None  # what `run` waits on while nothing is ready
        for ordinal, inst_inv in enumerate(inventory.institutions):
            inst_id = inst_inv.institution.id
            if inst_id in discovering or not in_scope(scope, inst_id):
                continue
            if any(self._in_business(inst_id, a.id) for a in inst_inv.accounts):
                continue  # its Business is shared with whatever is read later
            accounts = {a.id for a in inst_inv.accounts if in_scope(scope, inst_id, a.platform, a.id)}
            if accounts:
                self._institutions[inst_id] = (ordinal, inst_inv)
                self._waiting[inst_id] = accounts
        # Nothing of the other institutions: a settled institution reads neither Businesses nor known accounts.
        self.country = CountryView(inventory, {}, pinned, {})

    def _in_business(self, inst_id: str, account_id: str) -> bool:
        hint = self.hints.get((inst_id, account_id))
        return hint is not None and hint.business_id is not None

    def arrived(self, snapshot: AccountSnapshot) -> None:
        """A snapshot was handed to the stager: once an institution's last one arrives it may be judged."""
        waiting = self._waiting.get(snapshot.institution)
        if waiting is None:
            return
        waiting.discard(snapshot.account)
        if not waiting:
            del self._waiting[snapshot.institution]
            self._ready.append(snapshot.institution)
            if self._work is not None and not self._work.done():
                self._work.set_result(None)

    async def run(self) -> None:
        """Judge ready institutions whenever the event loop is not behind; cancelled when observation ends.

        With nothing ready it sleeps until `arrived` readies an institution. (It woke every 20 ms to look: at
        a few requests a second, on this kind of machine, those 50 wake-ups a second cost more CPU than the
        requests — 55 ms of CPU a second, and the 1 × 1,000 bench layout 9 ms an account instead of 5.)"""
        loop = asyncio.get_running_loop()
        while True:
            if not self._ready:
                self._work = loop.create_future()
                await self._work
                self._work = None
            asked = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            if not self._ready or loop.time() - asked - PROBE_SECONDS > BUSY_LAG_SECONDS:
                continue
            self.flush()  # the ready institutions' snapshots into the staging tables, where judging reads them
            until = loop.time() + SLICE_SECONDS
            judged: dict[str, tuple[InstitutionResult, Observations]] = {}
            while self._ready and loop.time() < until:
                inst_id = self._ready.popleft()
                one = self.judge(inst_id)
                if one is not None:
                    judged[inst_id] = one
            self.stage(judged)

    def stage(self, judged: Mapping[str, tuple[InstitutionResult, Observations]]) -> None:
        """Stage institutions just judged, in one transaction, with the tickets their findings call for (quoting
        the snapshots they were judged on); then only their summaries are kept."""
        if not judged:
            return
        planner = self.planner
        if planner is not None:
            planner = dataclasses.replace(planner, snapshots=lambda inst: judged[inst][1].snapshots)
        self.store.stage_institutions(self.run_id, [result.judged for result, _ in judged.values()], planner)
        for inst_id, (result, _) in judged.items():
            self.staged[inst_id] = result.summary()

    def judge(self, inst_id: str) -> tuple[InstitutionResult, Observations] | None:
        """Judge one institution whose accounts are all staged, if it settled; None if it is left to the end."""
        ordinal, inst_inv = self._institutions.pop(inst_id)
        snapshots = self.store.staged_snapshots(self.run_id, inst_id)
        if any(business_id(s) or s.lookalikes for s in snapshots.values()):
            return None  # in a Business after all, or found a look-alike: compared with the whole country at the end
        observations = Observations(
            snapshots=snapshots,
            previous=self.store.latest_snapshots(institution=inst_id),
            prior=self.store.prior_evidence(institution=inst_id),
            discovered={},
            pinned=self.pinned,
        )
        return self.judging.institution(inst_inv, observations, self.country, ordinal), observations
