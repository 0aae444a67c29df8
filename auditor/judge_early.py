"""Judging an institution while the platforms are still being read, once nothing read later can change it.

An institution's result depends on other institutions only through the country view: the Business its Pages
are in (a Business can hold several institutions' Pages) and the accounts known anywhere, which discovery and
the look-alikes found are compared with. An institution *settles* when every account of it has been read and
none of them is in a Business (this run or the last), found a look-alike, or is discovered: then the country
view has nothing it reads, and judging it now gives what judging it after the last account would. The others
are judged after observation, as before.

Judging takes the CPU the reading leaves: a background task measures how late its own short sleep wakes (the
event loop's lag) and judges only while the loop is not behind, a few milliseconds at a time, so answers are
never left waiting for it. Results wait in memory (at most `HELD_ACCOUNTS` accounts' worth) until the run's
judging stages every institution in the inventory's order; nothing is written here, so a process killed
while observing leaves what it left before (an unpublished run, recorded as aborted by the next).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping

from auditor.judge import InstitutionResult, Judging, Key
from auditor.model import AccountSnapshot, Inventory, PreviousHints, RunScope
from auditor.model.inventory import InstitutionInventory
from auditor.store import Store
from policies.business import business_id
from policies.evaluate import CountryView, Observations, in_scope

# Accounts whose judged institutions are held for the final staging: the memory of a few thousand accounts'
# findings, whatever the country's size (past it, institutions wait to be judged at the end).
HELD_ACCOUNTS = 2_000
# The background task sleeps this long between slices, and judges only if it woke less than `BUSY_LAG` late.
PROBE_SECONDS = 0.02
BUSY_LAG_SECONDS = 0.005
# At most this much judging at a time: an answer that arrives meanwhile waits no longer than this.
SLICE_SECONDS = 0.01


class EarlyJudging:
    """Counts each institution's accounts as their snapshots arrive (`arrived`) and judges the settled ones in
    the event loop's idle time (`run`, alongside observation). `results` is what `judge_and_publish` takes as
    `ahead`."""

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
    ) -> None:
        self.store, self.run_id, self.judging = store, run_id, judging
        self.hints, self.pinned, self.flush = hints, pinned, flush
        self.results: dict[str, InstitutionResult] = {}
        self.held = 0  # accounts of the institutions in `results`
        self._institutions: dict[str, InstitutionInventory] = {}
        self._waiting: dict[str, set[str]] = {}  # institution -> accounts not read yet
        self._ready: deque[str] = deque()
        for inst_inv in inventory.institutions:
            inst_id = inst_inv.institution.id
            if inst_id in discovering or not in_scope(scope, inst_id):
                continue
            if any(self._in_business(inst_id, a.id) for a in inst_inv.accounts):
                continue  # its Business is shared with whatever is read later
            accounts = {a.id for a in inst_inv.accounts if in_scope(scope, inst_id, a.platform, a.id)}
            if accounts:
                self._institutions[inst_id] = inst_inv
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

    async def run(self) -> None:
        """Judge ready institutions whenever the event loop is not behind; cancelled when observation ends."""
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            if not self._ready or loop.time() - asked - PROBE_SECONDS > BUSY_LAG_SECONDS:
                continue
            self.flush()  # the ready institutions' snapshots into the staging tables, where judging reads them
            until = loop.time() + SLICE_SECONDS
            while self._ready and loop.time() < until:
                self.judge(self._ready.popleft())

    def judge(self, inst_id: str) -> None:
        """Judge one institution whose accounts are all staged, if it settled and there is room to hold it."""
        inst_inv = self._institutions.pop(inst_id)
        if self.held + len(inst_inv.accounts) > HELD_ACCOUNTS:
            return  # judged at the end, with the others
        snapshots = self.store.staged_snapshots(self.run_id, inst_id)
        if any(business_id(s) or s.lookalikes for s in snapshots.values()):
            return  # in a Business after all, or found a look-alike: compared with the whole country at the end
        observations = Observations(
            snapshots=snapshots,
            previous=self.store.latest_snapshots(institution=inst_id),
            prior=self.store.prior_evidence(institution=inst_id),
            discovered={},
            pinned=self.pinned,
        )
        self.results[inst_id] = self.judging.institution(inst_inv, observations, self.country)
        self.held += len(inst_inv.accounts)
