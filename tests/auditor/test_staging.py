"""A run stages what it observes and judges an institution at a time and publishes it at once: nothing of it
is visible before, nothing stays staged after, the store takes other writers' writes while it runs, and no
step reads the whole country's snapshots."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

import auditor.engine
import auditor.judge
import auditor.judge_early
from auditor.app.setup import demo_files
from auditor.config import OutboxSinkConfig, TicketsConfig
from auditor.engine import reevaluate, run_audit
from auditor.inputs.inventory import load_inventory
from auditor.judge import country_view
from auditor.live import live_from_sandbox
from auditor.model import (
    AccountSnapshot,
    DiscoveredAccount,
    Member,
    Observed,
    Platform,
    PreviousHints,
    RunScope,
    RunType,
)
from auditor.observe import may_discover
from auditor.store import Store
from auditor.store.base import STAGE_TABLES
from connectors.sandbox import Fault, Sandbox, load_scenario
from policies.evaluate import CountryView, Observations
from tests.conftest import NOW

DEMO = demo_files()


@pytest.fixture(scope="module")
def inventory():
    return load_inventory([DEMO / "inventory"])


def live(**kw: Any):
    return live_from_sandbox(Sandbox(load_scenario(DEMO / "sandbox.yaml"), **kw))


def staged_rows(store: Store) -> int:
    return sum(store.db.execute(f"select count(*) from {t}").fetchone()[0] for t in STAGE_TABLES)


def snapshot(account: str, **kw: Any) -> AccountSnapshot:
    return AccountSnapshot(institution="i", account=account, platform=Platform.FACEBOOK, fetched_at=NOW, **kw)


def test_previous_hints_read_in_sql_match_the_model(store, inventory):
    run_audit(store, inventory, live=live(), now=NOW - timedelta(days=1))  # look-alikes, Businesses, members
    emptied = Sandbox(load_scenario(DEMO / "sandbox.yaml")).with_overlay(
        {"meta": {"pages": {"204857600000001": {"assigned_users": []}}, "businesses": {"2001": {"business_users": []}}}}
    )
    run_audit(store, inventory, live=live_from_sandbox(emptied), now=NOW)  # a suspect empty list carries a count
    member = Member(platform_user_id="1")
    odd = [
        snapshot("members-2", members=Observed.of([member, member])),
        snapshot("members-0", members=Observed.of([])),
        snapshot("suspect-4", members=Observed(state="error", error="x", raw={"suspect_empty_after": 4})),
        snapshot("suspect-bool", members=Observed(state="error", error="x", raw={"suspect_empty_after": True})),
        snapshot("business-int", evidence={"business_id": 123}),
        snapshot("business-empty", evidence={"business_id": ""}),
        snapshot(
            "lookalikes",
            lookalikes=[
                DiscoveredAccount(platform=Platform.X, platform_account_id="9", handle="impostor"),
                DiscoveredAccount(platform=Platform.X, platform_account_id="8"),
            ],
        ),
    ]
    run_id = store.begin_run(started_at=NOW, run_type=RunType.ON_DEMAND, scope=RunScope(), digest="x")
    store.stage_snapshots(run_id, odd)
    store.db.execute("insert into snapshots select * from stage_snapshots")
    expected = {key: PreviousHints.of(snap) for key, snap in store.latest_snapshots().items()}
    assert expected[("i", "suspect-4")].members_had == 4 and expected[("i", "members-2")].members_had == 2
    assert expected[("i", "lookalikes")].lookalikes == ("impostor", "")
    demo = [h for k, h in expected.items() if k[0] != "i"]
    assert any(h.business_id for h in demo) and any(h.members_had for h in demo)
    assert store.previous_hints() == expected


def test_a_run_publishes_nothing_until_it_completes_and_leaves_nothing_staged(store, inventory, monkeypatch):
    first = run_audit(store, inventory, live=live(), now=NOW - timedelta(days=1))
    findings_before = store.db.execute("select * from findings order by fingerprint").fetchall()
    publish = Store.publish_run
    seen: dict[str, int] = {}

    def checked_publish(self: Store, run_id: int, **kw: Any) -> None:
        for table in ("snapshots", "finding_events", "tickets", "run_coverage", "discoveries"):
            seen[table] = self.db.execute(f"select count(*) from {table} where run_id = ?", [run_id]).fetchone()[0]
        seen["findings changed"] = int(
            self.db.execute("select * from findings order by fingerprint").fetchall() != findings_before
        )
        seen["staged"] = staged_rows(self)
        assert self.run() is not None and self.run().id == first.run_id  # the latest published run is the last one
        publish(self, run_id, **kw)

    monkeypatch.setattr(Store, "publish_run", checked_publish)
    second = run_audit(store, inventory, live=live(faults=[Fault(path=r".*", credential="meta-una", status=500)]))
    assert seen.pop("staged") > 0
    assert seen == {
        "snapshots": 0,
        "finding_events": 0,
        "tickets": 0,
        "run_coverage": 0,
        "discoveries": 0,
        "findings changed": 0,
    }
    assert staged_rows(store) == 0
    published = store.db.execute("select count(*) from snapshots where run_id = ?", [second.run_id]).fetchone()[0]
    assert published == second.accounts_observed == sum(len(i.accounts) for i in inventory.institutions)
    assert store.db.execute("select count(*) from finding_events where run_id = ?", [second.run_id]).fetchone()[0]


def test_an_aborted_run_leaves_nothing_staged(store, inventory, monkeypatch):
    def dies(*args: Any, **kw: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Store, "publish_run", dies)
    with pytest.raises(RuntimeError):
        run_audit(store, inventory, live=live(), now=NOW)
    assert staged_rows(store) == 0
    assert store.runs()[0].status.value == "aborted" and store.run() is None


def test_a_killed_run_s_staging_is_deleted_by_the_next_run(store, inventory):
    run_id = store.begin_run(started_at=NOW, run_type=RunType.ON_DEMAND, scope=RunScope(), digest="x")
    store.stage_snapshots(run_id, [snapshot("a")])  # then the process dies
    assert store.abort_interrupted_runs(NOW) == [run_id]
    assert staged_rows(store) == 0


def test_other_writers_write_while_a_run_observes_and_judges(store, inventory, monkeypatch, tmp_path):
    """The web application writes to the same store: between any two of the run's steps it can."""
    checks: list[str] = []

    def can_write(step: str) -> None:
        assert not store.db.conn.in_transaction, step
        other = sqlite3.connect(store.path, timeout=0)
        try:
            other.execute("begin immediate")  # fails at once if the run held the write lock
            other.execute("rollback")
        finally:
            other.close()
        checks.append(step)

    evaluate_institution = auditor.judge.evaluate_institution

    def judging(*args: Any, **kw: Any) -> None:
        can_write("judge")
        evaluate_institution(*args, **kw)

    stage = Store.stage_snapshots

    def staging(self: Store, *args: Any) -> None:
        can_write("observe")
        stage(self, *args)

    monkeypatch.setattr(auditor.judge, "evaluate_institution", judging)
    monkeypatch.setattr(Store, "stage_snapshots", staging)
    monkeypatch.setattr(auditor.engine.SnapshotStager.__init__, "__defaults__", (2,))  # a batch of two
    run_audit(store, inventory, live=live(), now=NOW)
    assert checks.count("judge") == len(inventory.institutions) and checks.count("observe") > 3


def test_no_step_of_a_run_reads_the_whole_country(store, inventory, monkeypatch):
    """Snapshots are read an institution at a time (memory follows the largest institution), and observing
    keeps none of them."""
    run_audit(store, inventory, live=live(), now=NOW - timedelta(days=1))
    calls: list[tuple[str, str | None]] = []
    for name in ("latest_snapshots", "staged_snapshots", "run_snapshots", "prior_evidence"):
        original = getattr(Store, name)

        def recorded(self: Store, *args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            calls.append((_name, inspect.signature(_original).bind(self, *args, **kw).arguments.get("institution")))
            return _original(self, *args, **kw)

        monkeypatch.setattr(Store, name, recorded)
    observe = auditor.engine.observe

    async def observed(*args: Any, **kw: Any) -> Any:
        seen = await observe(*args, **kw)
        assert seen.snapshots == {}
        calls.append(("observe", "kept none"))
        return seen

    monkeypatch.setattr(auditor.engine, "observe", observed)
    live_run = run_audit(store, inventory, live=live(), now=NOW)
    reevaluate(store, live_run.run_id)
    assert ("observe", "kept none") in calls
    assert {name for name, _ in calls} >= {"latest_snapshots", "staged_snapshots", "run_snapshots", "prior_evidence"}
    assert [c for c in calls if c[1] is None] == []


def test_the_country_view_from_stored_facts_is_the_one_from_the_snapshots(store, inventory):
    """What judging an institution knows of the others is the same whether the run's snapshots are in memory
    or only their facts are read from the store — with an account failing, so last run's Business counts."""
    run_audit(store, inventory, live=live(), now=NOW - timedelta(days=1))
    failing = live(faults=[Fault(path=r".*", credential="meta-una", expired_token=True)])
    second = run_audit(store, inventory, live=failing, now=NOW)
    pinned = store.pinned_ids()
    in_memory = CountryView.of(
        inventory,
        Observations(
            snapshots=store.run_snapshots(second.run_id),
            previous=store.latest_snapshots(before_run=second.run_id),
            pinned=pinned,
        ),
    )
    facts = store.snapshot_facts(second.run_id, staged=False)
    from_store = country_view(inventory, facts, store.previous_hints(before_run=second.run_id), pinned)
    assert in_memory.businesses and from_store.businesses == in_memory.businesses
    assert from_store.known() == in_memory.known()
    assert any(not fetched for *_, fetched in facts)


def test_small_institutions_are_staged_a_few_at_a_time_and_each_read_once(store, inventory, monkeypatch):
    """Institutions are staged together up to `STAGE_BATCH_ACCOUNTS` accounts (a country of one-account
    institutions spent a third of its judging on commits), each institution's snapshots read once (its tickets
    quote them from memory), and none kept past its batch."""
    monkeypatch.setattr(auditor.judge, "STAGE_BATCH_ACCOUNTS", 3)
    batches: list[list[str]] = []
    stage = Store.stage_institutions

    def staging(self: Store, run_id: int, judged: Any, ticketing: Any = None) -> None:
        batches.append([j.institution for j in judged])
        stage(self, run_id, judged, ticketing)

    reads: list[str] = []
    staged_snapshots = Store.staged_snapshots

    def read(self: Store, run_id: int, institution: str) -> Any:
        reads.append(institution)
        return staged_snapshots(self, run_id, institution)

    kept: list[int] = []
    release = auditor.judge.ObservedRun.release

    def released(self: auditor.judge.ObservedRun) -> None:
        kept.append(len(self._kept))
        release(self)

    monkeypatch.setattr(Store, "stage_institutions", staging)
    monkeypatch.setattr(Store, "staged_snapshots", read)
    monkeypatch.setattr(auditor.judge.ObservedRun, "release", released)
    run_audit(store, inventory, live=live(), now=NOW)
    sizes = {i.institution.id: len(i.accounts) for i in inventory.institutions}
    assert [i for batch in batches for i in batch] == [i.institution.id for i in inventory.institutions]
    assert len(batches) < len(sizes)  # some institutions shared a transaction
    for batch in batches[:-1]:  # each batch closed as soon as it reached the limit, not later
        assert sum(sizes[i] for i in batch) >= 3 and sum(sizes[i] for i in batch[:-1]) < 3
    assert sorted(reads) == sorted(sizes) and kept == [len(b) for b in batches]
    assert staged_rows(store) == 0


def test_business_views_list_every_registration_on_a_business_s_assets_in_the_register_s_order(inventory):
    """The index built once gives what scanning the register for each Business gave."""
    from policies.business import business_views

    keys = [(i.institution.id, a.id) for i in inventory.institutions for a in i.accounts]
    owner = {key: f"biz-{n % 3}" for n, key in enumerate(keys)}
    views = business_views(inventory, owner)
    for key, view in views.items():
        assets = {k for k, b in owner.items() if b == view.id}
        expected = tuple(
            (person, access)
            for inst in inventory.institutions
            for person in inst.people
            for access in person.access
            if (inst.institution.id, access.account) in assets
        )
        assert view.registered == expected and expected, key


def _published(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """What a run publishes, with nothing that depends on the moment it was written."""
    queries = {
        "findings": "select * from findings order by fingerprint",
        "finding_events": "select * from finding_events order by run_id, fingerprint",
        "run_coverage": "select * from run_coverage order by run_id, institution_id, severity",
        "runs": "select id, status, rules_evaluated, rules_not_observable, rules_errors from runs order by id",
        "tickets": "select run_id, fingerprint, action, evidence_hash from tickets order by id",
    }
    return {name: store.db.execute(sql).fetchall() for name, sql in queries.items()}


def test_institutions_judged_while_others_are_read_are_judged_as_after_the_last(tmp_path, inventory, monkeypatch):
    """An institution whose accounts are all read, in no Business, with no look-alike found and no discovery
    is judged and staged while the others are still read (`auditor.judge_early`): the run publishes exactly what
    judging it after the last account publishes — findings, their lifecycle over two runs, coverage, and which
    tickets the per-run cap lets through, in the same order (the cap counts in the inventory's order when the
    run publishes, whatever was staged first)."""
    monkeypatch.setattr(auditor.judge_early, "PROBE_SECONDS", 0.0)  # judge at every turn of the event loop
    monkeypatch.setattr(auditor.judge_early, "BUSY_LAG_SECONDS", 1e9)
    ahead: list[set[str]] = []
    judge = auditor.engine.judge_and_publish
    run_early = auditor.judge_early.EarlyJudging.run

    def spy(*args: Any, **kwargs: Any) -> Any:
        ahead.append(set(kwargs["staged"] or {}))
        return judge(*args, **kwargs)

    async def never(self: Any) -> None:  # the same run with nothing judged early
        await asyncio.Event().wait()

    monkeypatch.setattr(auditor.engine, "judge_and_publish", spy)
    # Two institutions' Pages out of their Businesses: they can settle; the others' Pages stay in theirs.
    outside = {"meta": {"pages": {"304857600000001": {"business": None}, "404857600000002": {"business": None}}}}
    # One clock for both variants: the sandbox dates its posts relative to it, and the runs are seconds apart.
    sandbox = Sandbox(load_scenario(DEMO / "sandbox.yaml"), clock=NOW.timestamp).with_overlay(outside)
    setup = dataclasses.replace(live_from_sandbox(sandbox), discover=False)
    published = {}
    held: dict[str, list[int]] = {}
    for variant in ("early", "late"):
        monkeypatch.setattr(auditor.judge_early.EarlyJudging, "run", run_early if variant == "early" else never)
        store = Store(tmp_path / f"{variant}.db")
        tickets = TicketsConfig(sinks={"outbox": OutboxSinkConfig(path=tmp_path / f"out-{variant}")}, max_new_per_run=3)
        held[variant] = [
            run_audit(store, inventory, live=setup, tickets=tickets, now=NOW - timedelta(days=days)).tickets_held
            for days in (1, 0)
        ]
        published[variant] = _published(store)
        published[variant]["held"] = store.db.execute(
            "select t.fingerprint from deliveries d join tickets t on t.id = d.ticket_id "
            "where d.status = 'held' order by t.id"
        ).fetchall()
        store.close()
    early, late = ahead[0], ahead[2]
    assert early and not late and ahead[1] == early  # some institutions were judged early, in both runs
    assert len(early) < len(inventory.institutions)  # and some were not: a Business, a look-alike
    assert published["early"] == published["late"]
    assert published["late"]["tickets"] and published["late"]["findings"]
    assert published["late"]["held"] and held["early"] == held["late"] and held["late"][0] > 0  # the cap bit


@pytest.mark.parametrize(
    ("institution", "case", "judged"),
    [
        ("sinfo", "plain", True),
        ("sinfo", "business-last-run", False),
        ("sinfo", "business-this-run", False),
        ("sinfo", "look-alike-found", False),
        ("sinfo", "discovery-to-come", False),
        ("mprueba", "plain", True),
    ],
)
def test_an_institution_is_judged_early_only_once_nothing_read_later_can_change_it(
    store, inventory, monkeypatch, institution, case, judged
):
    """Only after its last account; never with discovery to come, a Business (this run's or the last run's) or
    a look-alike found. Once judged it is staged, and only its summary is kept."""
    inst_inv = next(i for i in inventory.institutions if i.institution.id == institution)
    first = inst_inv.accounts[0].id
    run_id = store.begin_run(started_at=NOW, run_type=RunType.ON_DEMAND, scope=RunScope(), digest="x")
    record = auditor.judge.RunRecord(run_id, RunType.ON_DEMAND, RunScope(), NOW, False)
    staged: list[AccountSnapshot] = []
    early = auditor.judge_early.EarlyJudging(
        store,
        run_id,
        inventory,
        RunScope(),
        auditor.judge.Judging.of(record, None, [], store.human_state()),
        hints={(institution, first): PreviousHints(business_id="3001")} if case == "business-last-run" else {},
        pinned={},
        discovering=frozenset({institution}) if case == "discovery-to-come" else frozenset(),
        flush=lambda: store.stage_snapshots(run_id, staged),
    )
    odd: dict[str, Any] = {
        "business-this-run": {"evidence": {"business_id": "3001"}},
        "look-alike-found": {"lookalikes": [DiscoveredAccount(platform=Platform.X, platform_account_id="9")]},
    }.get(case, {})
    for account in inst_inv.accounts:
        assert not early._ready  # not before its last account
        snap = AccountSnapshot(
            institution=institution,
            account=account.id,
            platform=account.platform,
            fetched_at=NOW,
            **(odd if account.id == first else {}),
        )
        early.arrived(snap)
        staged.append(snap)
    early.flush()
    judged_now = {}
    while early._ready:
        inst_id = early._ready.popleft()
        one = early.judge(inst_id)
        if one is not None:
            judged_now[inst_id] = one
    early.stage(judged_now)
    assert (institution in early.staged) is judged
    staged_coverage = store.db.execute("select count(*) from stage_coverage where run_id = ?", [run_id]).fetchone()[0]
    assert bool(staged_coverage) is judged
    if judged:
        assert early.staged[institution].observed == len(inst_inv.accounts)


def test_discovery_is_expected_only_where_observe_may_run_it(inventory):
    setup = live()
    everyone = {i.institution.id for i in inventory.institutions}
    assert may_discover(inventory, RunScope(), setup) == everyone  # each has a Meta credential
    assert may_discover(inventory, RunScope(institutions=["una"]), setup) == {"una"}
    assert may_discover(inventory, RunScope(platforms=[Platform.X]), setup) == set()  # a partial run discovers nothing
    assert may_discover(inventory, RunScope(), dataclasses.replace(setup, discover=False)) == set()


def test_a_failure_while_judging_early_stops_the_run_as_aborted(store, inventory, monkeypatch):
    """Judging early runs the same code as judging after: a rule that raises there stops the run, recorded as
    aborted, as it would have at the end — not swallowed by the background task."""
    monkeypatch.setattr(auditor.judge_early, "PROBE_SECONDS", 0.0)
    monkeypatch.setattr(auditor.judge_early, "BUSY_LAG_SECONDS", 1e9)

    def broken(self: Any, inst_id: str) -> None:
        raise RuntimeError("a rule failed")

    monkeypatch.setattr(auditor.judge_early.EarlyJudging, "judge", broken)
    with pytest.raises(RuntimeError, match="a rule failed"):
        run_audit(store, inventory, live=dataclasses.replace(live(), discover=False), now=NOW)
    assert [r[0] for r in store.db.execute("select status from runs")] == ["aborted"]
    assert staged_rows(store) == 0
