"""A run stages what it observes and judges an institution at a time and publishes it at once: nothing of it
is visible before, nothing stays staged after, the store takes other writers' writes while it runs, and no
step reads the whole country's snapshots."""

from __future__ import annotations

import inspect
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

import auditor.engine
import auditor.judge
from auditor.app.setup import demo_files
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
