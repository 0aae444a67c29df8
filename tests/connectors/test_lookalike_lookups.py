"""IDN-009 outside the Business (issue 19 point 12): look-alike spellings of each registered handle are looked
up where the platform allows it (X: one batched `GET /2/users/by`), within a per-run budget that rotates
through the spellings; a found impostor is re-checked first every run, and a failed lookup resolves nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model import Institution, RegisteredAccount
from auditor.model.classify import lookalike_key
from auditor.model.common import Platform
from auditor.model.handles import lookalike_variants
from auditor.model.secret import Secret
from connectors.base import FetchRequest
from connectors.sandbox import Fault, Sandbox
from tests.auditor.test_platform_fidelity import inventory, scenario  # noqa: F401  (fixture)
from tests.conftest import NOW

ALL_SPELLINGS = 1_000  # a look-alike budget past any handle's number of spellings
IMPOSTOR = {"x": {"users": {"1500000000000000999": {"username": "rnpruebapy", "name": "Ministerio de Prueba"}}}}


def test_variants_read_like_the_handle_and_are_valid_on_the_platform():
    variants = lookalike_variants(Platform.X, "mpruebapy")
    assert "rnpruebapy" in variants and "mprueba_py" in variants and "mpruebapy" not in variants
    assert all(lookalike_key(v) == lookalike_key("mpruebapy") for v in variants)
    assert all(len(v) <= 15 and "." not in v for v in variants)  # X's rule
    assert "mprueba.py" in lookalike_variants(Platform.INSTAGRAM, "mpruebapy")


def test_the_budget_rotates_through_the_spellings_and_found_ones_come_first():
    account = RegisteredAccount(id="a", platform=Platform.X, handle="mpruebapy")
    inst = Institution(id="i", name="I", email_domains=["i.gov.py"])
    request = FetchRequest(inst, account, Secret("c", "t"), "c", lookalike_budget=2)
    every = lookalike_variants(Platform.X, "mpruebapy")
    slices = [replace(request, lookalike_offset=n * 2).lookalike_spellings() for n in range(len(every))]
    assert all(len(s) == 2 for s in slices) and {v for s in slices for v in s} == set(every)
    found = replace(request, lookalike_offset=0, lookalike_found=("rnpruebapy",)).lookalike_spellings()
    assert found[0] == "rnpruebapy" and len(found) == 2
    assert replace(request, lookalike_budget=0).lookalike_spellings() == []


def _run(store, inventory, box, days_ago=0, budget=10):  # noqa: F811
    live = replace(live_from_sandbox(box), lookalike_lookups_per_account=budget)
    return run_audit(store, inventory, live=live, now=NOW - timedelta(days=days_ago))


def _idn009(store, run_id):
    return {
        (e.finding.subject, e.status.value)
        for e in store.events(run_id)
        if e.finding.policy_id == "IDN-009" and e.finding.subject.startswith("lookalike:x:")
    }


def test_an_impostor_outside_the_business_is_found_kept_and_resolved_when_gone(store, inventory):  # noqa: F811
    with_impostor = scenario().with_overlay(IMPOSTOR)
    first = _run(store, inventory, with_impostor, days_ago=2)
    assert _idn009(store, first.run_id) == {("lookalike:x:1500000000000000999", "new")}
    snap = store.run_snapshots(first.run_id)[("mprueba", "mprueba-x")]
    assert "rnpruebapy" in snap.lookalikes_checked
    batches = [r["query"]["usernames"].split(",") for r in with_impostor.request_log if r["path"] == "/2/users/by"]
    x_accounts = [a for i in inventory.institutions for a in i.accounts if a.platform is Platform.X and a.handle]
    assert len(batches) == len(x_accounts)  # one batched request per X account, never one per spelling
    assert all(0 < len(b) <= 10 for b in batches)
    # a budget of one spelling elsewhere in the rotation still re-checks the impostor found before
    second = _run(store, inventory, with_impostor, days_ago=1, budget=1)
    assert _idn009(store, second.run_id) == {("lookalike:x:1500000000000000999", "persisting")}
    # a failed lookup is no «gone»: the finding is carried
    failing = Sandbox(scenario().with_overlay(IMPOSTOR).scenario, faults=[Fault(path=r"^/2/users/by$", status=503)])
    third = _run(store, inventory, failing, days_ago=1)
    assert _idn009(store, third.run_id) == {("lookalike:x:1500000000000000999", "persisting")}
    # the impostor is gone: looked up again, not found, resolved
    fourth = _run(store, inventory, scenario())
    assert _idn009(store, fourth.run_id) == {("lookalike:x:1500000000000000999", "resolved")}


def test_facebook_and_youtube_look_spellings_up_one_by_one(store, inventory):  # noqa: F811
    overlay = {
        "meta": {
            "pages": {
                "104857600000777": {
                    "name": "Ministerio de Prueba",
                    "username": "rnpruebapy",
                    "is_published": True,
                    "assigned_users": [],
                    "published_posts": [],
                }
            }
        },
        "youtube": {
            "channels": {
                "UCimpostor0000000000000001": {
                    "snippet": {"title": "UNA Prueba TV", "customUrl": "@unapruebaoficial_py"},
                    "status": {"privacyStatus": "public"},
                    "statistics": {"videoCount": "1"},
                    "contentDetails": {"relatedPlaylists": {"uploads": "UUimpostor0000000000000001"}},
                    "uploads": [],
                }
            }
        },
    }
    # Every spelling at once: with a budget, which ones a run asks depends on the day (the rotation's offset).
    run = _run(store, inventory, scenario().with_overlay(overlay), budget=ALL_SPELLINGS)
    found = {
        (e.finding.subject, e.finding.evidence.get("imitates"))
        for e in store.events(run.run_id)
        if e.finding.policy_id == "IDN-009"
    }
    assert ("lookalike:facebook:104857600000777", "mpruebapy") in found
    assert ("lookalike:youtube:UCimpostor0000000000000001", "unapruebaoficial") in found
    snap = store.run_snapshots(run.run_id)[("mprueba", "mprueba-fb")]
    assert "mprueba.py" not in {d.handle for d in snap.lookalikes}  # the registered alternative is IDN-006's


def test_instagram_business_discovery_and_linkedin_vanity_names_are_looked_up_too(store, inventory):  # noqa: F811
    box = scenario()
    ig_impostor = {"meta": {"instagram": {"17841400000000999": {"username": "mprueba_py", "name": "Ministerio"}}}}
    li_impostor = {
        "linkedin": {
            "organizations": {
                "99999": {"vanityName": "aguas-de-prueba", "localizedName": "Aguas de Prueba"},
            }
        }
    }
    run = _run(store, inventory, box.with_overlay(ig_impostor).with_overlay(li_impostor), budget=ALL_SPELLINGS)
    snaps = store.run_snapshots(run.run_id)
    ig = snaps[("mprueba", "mprueba-ig")]
    assert ig.lookalikes_error is None and "mprueba_py" in ig.lookalikes_checked
    assert [d.platform_account_id for d in ig.lookalikes] == ["17841400000000999"]
    li = snaps[("aguas", "aguas-linkedin")]
    assert li.lookalikes_error is None and [d.handle for d in li.lookalikes] == ["aguas-de-prueba"]
    subjects = {e.finding.subject for e in store.events(run.run_id) if e.finding.policy_id == "IDN-009"}
    assert {"lookalike:instagram:17841400000000999", "lookalike:linkedin:99999"} <= subjects


def test_an_impostor_is_not_resolved_when_the_account_that_found_it_could_not_look_again(store, inventory):  # noqa: F811
    first = _run(store, inventory, scenario().with_overlay(IMPOSTOR), days_ago=2)
    assert _idn009(store, first.run_id) == {("lookalike:x:1500000000000000999", "new")}
    # mprueba-x cannot be read at all this run; another X account still looks its own spellings up
    broken = Sandbox(
        scenario().with_overlay(IMPOSTOR).scenario,
        faults=[Fault(path=r"^/2/users/(by/username/mpruebapy|1500000000000000001)$", status=503)],
    )
    second = _run(store, inventory, broken, days_ago=1)
    assert store.run_snapshots(second.run_id)[("mprueba", "mprueba-x")].error is not None
    assert _idn009(store, second.run_id) == {("lookalike:x:1500000000000000999", "persisting")}
