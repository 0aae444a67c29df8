"""Observing the platforms: one snapshot per registered account, fetched concurrently, plus discovery.

Every account gets a snapshot, whatever happens: no connector, no credential, an expired token, a
throttled or broken platform each become an error snapshot for that account (OPS-001), never an exception
that stops the run and never a pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from auditor.config import AuditConfig
from auditor.crashpoints import crash_point
from auditor.credentials import Credentials, CredentialUnavailable
from auditor.model import (
    AccountSnapshot,
    DiscoveredAccount,
    FetchError,
    Inventory,
    ObservationState,
    Observed,
    PreviousHints,
    RunScope,
)
from auditor.model.clock import utcnow
from auditor.model.platforms import PLATFORMS
from connectors.base import (
    Connector,
    ConnectorError,
    ConnectorFactory,
    FetchRequest,
    connector_for,
    error_snapshot,
    unobservable_snapshot,
)
from connectors.deadline import CURRENT, AccountDeadline
from connectors.http import redact
from policies.evaluate import in_scope

log = logging.getLogger("auditor.observe")


@dataclass
class LiveSetup:
    """How this run reaches the platforms: connector classes, their settings, credentials and transports."""

    connectors: Mapping[str, ConnectorFactory]
    credentials: Credentials
    settings: Mapping[str, Any] = field(default_factory=dict)
    transports: Mapping[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    discover: bool = True
    account_deadline_seconds: float = 600.0  # not counting waits the platform announces
    run_deadline_seconds: float = 0.0  # everything counts; 0: none
    lookalike_lookups_per_account: int = AuditConfig().lookalike_lookups_per_account  # IDN-009


class AccountTimedOut(Exception):
    """An account's read stopped at its deadline (OPS-001 «tiempo agotado»)."""


@dataclass
class Observation:
    snapshots: dict[tuple[str, str], AccountSnapshot]  # empty when they went to a sink
    discovered: dict[str, list[DiscoveredAccount]]
    requests: int = 0
    discovery_failed: frozenset[str] = frozenset()  # institutions whose discovery was attempted and failed


def _suspect_empty_members(snapshot: AccountSnapshot, had: int | None) -> AccountSnapshot:
    """An empty member list where the last observed list had members (`had`, from `PreviousHints`) is suspect
    (a permission change, an API hiccup), not "everyone was removed": it is kept as an error so nothing is
    resolved or reported on it — for as long as it stays empty, so the same answer twice gives the same result
    (each run says it is incomplete, which is what makes a person look). The count last observed is carried in
    the error's `raw`."""
    if not (snapshot.members.ok and not snapshot.members.value and had is not None):
        return snapshot
    note = f"empty member list where the last observed list had {had} members: not compared"
    suspect: Observed[Any] = Observed(state=ObservationState.ERROR, error=note, raw={"suspect_empty_after": had})
    return snapshot.model_copy(update={"members": suspect})


# Accounts of one credential read at once, per request it may have in flight (`per_credential_concurrency`):
# enough that a job between two requests (parsing an answer) leaves the credential's slots busy. Across
# credentials, the jobs beyond one each are as many per slot of the platforms (`concurrency`).
JOBS_PER_CREDENTIAL_SLOT = 2


async def run_per_credential(
    jobs: list[Coroutine[Any, Any, None]],
    weights: list[tuple[str, int]],
    at_once: Mapping[str, int],
    extra: int | None = None,
) -> None:
    """Run the jobs (one account's reading each), at most `at_once[credential]` of a credential's at a time, the
    credentials with the longest chains of requests first.

    `extra` bounds the jobs run at once beyond one per credential, across all of them (None: no bound): they go
    to the longest chains first. One job keeps a credential's window busy when the window allows one request
    at a time; more only help a credential allowed several, and no more requests can be in flight than the
    platforms' slots. A country of 1,000 institutions with a few accounts on each of four platforms had every
    one of its 10,000 accounts started at once (each credential's `at_once` exceeded its accounts): some 9 KB
    each of tasks, deadlines and futures waiting in the pacers, 130 MB of the run's peak.

    A credential sends one window's worth of requests at a time whatever the number of its accounts started:
    a country's ten thousand accounts started at once were ten thousand tasks waiting in the pacer (some 20 KB
    each, most of the audit's memory at that size, and a wake-up for each at every window). A run lasts as long
    as its busiest credential's chain, so those chains start before the short ones instead of queueing behind
    a thousand first requests (the 1,000 × 1 bench layout lost a window per request in its first seconds that
    way). Jobs without a credential (an unobservable account, a missing token) run at once: they ask nothing.
    """
    queues: dict[str, deque[Coroutine[Any, Any, None]]] = {}
    per_credential: dict[str, int] = defaultdict(int)
    free: list[Coroutine[Any, Any, None]] = []
    for job, (credential, requests) in zip(jobs, weights, strict=True):
        if not credential or not requests:
            free.append(job)
            continue
        queues.setdefault(credential, deque()).append(job)
        per_credential[credential] += requests

    async def worker(queue: deque[Coroutine[Any, Any, None]]) -> None:
        while queue:
            await queue.popleft()

    order = sorted(queues, key=lambda c: -per_credential[c])
    left = extra
    workers = []
    for c in order:
        more = min(max(1, at_once.get(c, 1)), len(queues[c])) - 1
        if left is not None:
            more = min(more, left)
            left -= more
        workers += [worker(queues[c]) for _ in range(1 + more)]
    try:
        await asyncio.gather(*(asyncio.ensure_future(w) for w in [*workers, *free]))
    finally:
        for queue in queues.values():  # a run stopped midway: the jobs never started are closed, not leaked
            while queue:
                queue.popleft().close()


def _discovers(live: LiveSetup, scope: RunScope, factory: ConnectorFactory | None) -> bool:
    """Whether an account read through `factory` has its credential's discovery run too (never in a partial run)."""
    return (
        live.discover
        and factory is not None
        and getattr(factory, "discovers", True)
        and not (scope.platforms or scope.accounts)
    )


def may_discover(inventory: Inventory, scope: RunScope, live: LiveSetup) -> frozenset[str]:
    """The institutions `observe` may run discovery for (a superset: a credential that fails to resolve, or
    one discovered on behalf of another institution, is still counted). What an institution's discovery finds
    is compared with every account read this run, so such an institution is judged after the last one."""
    return frozenset(
        inst_inv.institution.id
        for inst_inv in inventory.institutions
        if in_scope(scope, inst_inv.institution.id)
        and any(
            a.credential and _discovers(live, scope, connector_for(a.platform, live.connectors))
            for a in inst_inv.accounts
        )
    )


async def observe(
    inventory: Inventory,
    scope: RunScope,
    live: LiveSetup,
    pinned: Mapping[tuple[str, str], str],
    previous: Mapping[tuple[str, str], PreviousHints],
    progress: Callable[[AccountSnapshot], None] | None = None,
    sink: Callable[[AccountSnapshot], None] | None = None,
) -> Observation:
    """Every account in scope read once. With `sink`, each snapshot is handed to it as it arrives and none is
    kept (a country's run stages them); without, they are returned."""
    kept: dict[tuple[str, str], AccountSnapshot] = {}

    def done(snap: AccountSnapshot) -> None:
        if sink is not None:
            sink(snap)
        else:
            kept[(snap.institution, snap.account)] = snap
        if progress is not None:
            progress(snap)

    instances: dict[str, Connector] = {}

    def instance(factory: ConnectorFactory) -> Connector:
        if factory.name not in instances:
            instances[factory.name] = factory(
                live.settings.get(factory.name), transport=live.transports.get(factory.name)
            )
        return instances[factory.name]

    async def fetch_one(
        inst_id: str, request_or_error: FetchRequest | AccountSnapshot, factory: ConnectorFactory | None
    ) -> None:
        if isinstance(request_or_error, AccountSnapshot):
            done(request_or_error)
            return
        request = request_or_error
        assert factory is not None
        try:
            snap = await within_deadline(instance(factory).fetch(request), request)
        except AccountTimedOut as exc:
            snap = error_snapshot(inst_id, request.account, FetchError.TIMEOUT, str(exc))
        except ConnectorError as exc:
            snap = error_snapshot(inst_id, request.account, exc.kind, redact(str(exc), {request.secret.value}))
        except Exception as exc:  # a connector bug must not stop the audit of the other accounts
            log.exception("connector %s failed on %s/%s", factory.name, inst_id, request.account.id)
            snap = error_snapshot(
                inst_id,
                request.account,
                FetchError.PLATFORM,
                redact(f"{type(exc).__name__}: {exc}"[:500], {request.secret.value}),
            )
        before = previous.get((inst_id, request.account.id))
        snap = _suspect_empty_members(snap, before.members_had if before is not None else None)
        snap = snap.model_copy(update={"connector": factory.name})
        log.info(
            "account observed%s",
            f": {snap.error.value}" if snap.error else "",
            extra={
                "event": "account_observed",
                "institution": inst_id,
                "platform": snap.platform.value,
                "account": snap.account,
                "error": snap.error_detail,
            },
        )
        done(snap)
        crash_point("fetch")

    loop = asyncio.get_running_loop()
    run_end = loop.time() + live.run_deadline_seconds if live.run_deadline_seconds > 0 else None

    async def within_deadline(fetching: Awaitable[AccountSnapshot], request: FetchRequest) -> AccountSnapshot:
        """The account's fetch, stopped at its deadline (extended by waits it did not cause) or the run's."""
        end = loop.time() + live.account_deadline_seconds
        cm = asyncio.timeout_at(min(end, run_end) if run_end is not None else end)
        try:
            async with cm:
                token = CURRENT.set(AccountDeadline(cm, run_end))
                try:
                    return await fetching
                finally:
                    CURRENT.reset(token)
        except TimeoutError:
            if not cm.expired():
                raise  # a TimeoutError of the connector's own: handled like any other failure
            which = "the run's" if run_end is not None and loop.time() >= run_end else "the account's"
            raise AccountTimedOut(f"{which} time limit passed before {request.account.id} was read") from None

    jobs = []
    at_once: dict[str, int] = {}  # per credential: how many of its accounts are read at a time
    platform_slots: dict[str, int] = {}  # per connector: its requests in flight at most
    weights: list[tuple[str, int]] = []  # per job: its credential, and roughly how many requests one account takes
    discovery_jobs: dict[tuple[str, str], tuple[ConnectorFactory, Any]] = {}
    users: defaultdict[str, dict[str, int]] = defaultdict(dict)  # credential -> institution -> accounts
    for inst_inv in inventory.institutions:
        inst = inst_inv.institution
        if not in_scope(scope, inst.id):
            continue
        for account in inst_inv.accounts:
            if not in_scope(scope, inst.id, account.platform, account.id):
                continue
            factory = connector_for(account.platform, live.connectors)
            target: FetchRequest | AccountSnapshot
            if factory is None and not PLATFORMS[account.platform].observable:
                target = unobservable_snapshot(inst.id, account)  # «no observable en esta red», never a pass
            elif factory is None:
                target = error_snapshot(
                    inst.id, account, FetchError.NO_CONNECTOR, f"no connector installed for {account.platform.value}"
                )
            elif not account.credential:
                target = error_snapshot(inst.id, account, FetchError.NO_CREDENTIAL, "the account names no credential")
            else:
                try:
                    secret = live.credentials.resolve(account.credential)
                except CredentialUnavailable as exc:
                    target = error_snapshot(inst.id, account, FetchError.NO_CREDENTIAL, str(exc))
                else:
                    before = previous.get((inst.id, account.id)) or PreviousHints()
                    target = FetchRequest(
                        inst,
                        account,
                        secret,
                        account.credential,
                        pinned.get((inst.id, account.id)),
                        before.business_id,
                        lookalike_budget=live.lookalike_lookups_per_account,
                        lookalike_offset=(utcnow().toordinal() * live.lookalike_lookups_per_account),
                        lookalike_found=before.lookalikes,
                    )
                    if _discovers(live, scope, factory):
                        discovery_jobs.setdefault((inst.id, account.credential), (factory, secret))
                        users[account.credential][inst.id] = users[account.credential].get(inst.id, 0) + 1
            jobs.append(fetch_one(inst.id, target, factory))
            if factory is not None and account.credential:
                settings = live.settings.get(factory.name)
                slots = getattr(settings, "per_credential_concurrency", 4)
                at_once[account.credential] = max(at_once.get(account.credential, 1), JOBS_PER_CREDENTIAL_SLOT * slots)
                platform_slots[factory.name] = getattr(settings, "concurrency", 8)
            weights.append(
                (account.credential or "", getattr(factory, "requests_per_account", 1) if factory is not None else 0)
            )
    # A credential shared by several institutions (a merged one, a central office) is discovered once,
    # on behalf of the institution with the most accounts using it.
    for credential_name, by_inst in users.items():
        owner = max(by_inst, key=lambda i: by_inst[i])
        for inst_id in by_inst:
            if inst_id != owner:
                discovery_jobs.pop((inst_id, credential_name), None)
    try:
        await run_per_credential(jobs, weights, at_once, JOBS_PER_CREDENTIAL_SLOT * sum(platform_slots.values()))
        discovered: dict[str, list[DiscoveredAccount]] = {}
        failed: set[str] = set()
        for (inst_id, credential_name), (factory, secret) in discovery_jobs.items():
            inst_obj = next(i.institution for i in inventory.institutions if i.institution.id == inst_id)
            try:
                left = run_end - loop.time() if run_end is not None else None
                async with asyncio.timeout(max(left, 0.001) if left is not None else None):
                    found = await instance(factory).discover(inst_obj, credential_name, secret)
            except Exception as exc:  # any answer it cannot read (a number for a name, 200,000 levels): its own
                log.warning(
                    "discovery with %s failed: %s",
                    credential_name,
                    redact(f"{type(exc).__name__}: {exc}"[:500], {secret.value}),
                )
                failed.add(inst_id)  # an incomplete discovery compares nothing (IDN-007 does not run)
                continue
            discovered.setdefault(inst_id, []).extend(found)
        for inst_id in failed:
            discovered.pop(inst_id, None)
        requests = sum(
            getattr(getattr(c, "http", None), "stats", None).requests  # type: ignore[union-attr]
            for c in instances.values()
            if getattr(c, "http", None) is not None
        )
    finally:
        for connector in instances.values():
            await connector.aclose()
    return Observation(kept, discovered, requests, frozenset(failed))
