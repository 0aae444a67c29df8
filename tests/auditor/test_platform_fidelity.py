"""Issue 16 point 8: the sandbox is as strict as the platforms, and the engine reads what they really answer.

Each case runs the demo's inventory against the demo's scenario with one change, end to end (connector,
engine, rules, store): a deleted Page, a Page the credential lost access to, a token used on the wrong
platform, a field Graph does not have.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from auditor.app.setup import demo_files
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.model import FetchError, RunStatus
from connectors.sandbox import Fault, Sandbox, load_scenario
from tests.conftest import NOW

DEMO = demo_files()
AGUAS_PAGE = "204857600000001"


@pytest.fixture(scope="module")
def inventory():
    return load_inventory([DEMO / "inventory"])


def scenario() -> Sandbox:
    return Sandbox(load_scenario(DEMO / "sandbox.yaml"))


def findings(store, run_id, account):
    return {(e.finding.policy_id, e.status.value) for e in store.events(run_id) if e.finding.account == account}


def test_a_deleted_page_is_idn001_once_its_business_is_readable_and_no_longer_owns_it(store, inventory):
    run_audit(store, inventory, live=live_from_sandbox(scenario()), now=NOW - timedelta(days=1))
    gone = scenario()
    del gone.scenario["meta"]["pages"][AGUAS_PAGE]
    gone.scenario["meta"]["businesses"]["2001"]["owned_pages"] = []
    run_id = run_audit(store, inventory, live=live_from_sandbox(gone), now=NOW).run_id
    snap = store.run_snapshots(run_id)[("aguas", "aguas-fb")]
    assert snap.error is None and snap.status.value.value == "not_found" and "100/33" in str(snap.status.raw)
    assert ("IDN-001", "new") in findings(store, run_id, "aguas-fb")


def test_a_page_the_credential_cannot_read_is_not_found_or_denied_never_an_incident(store, inventory):
    run_audit(store, inventory, live=live_from_sandbox(scenario()), now=NOW - timedelta(days=1))
    hidden = scenario()
    hidden.scenario["meta"]["pages"][AGUAS_PAGE]["unreadable"] = True  # 100/33, and the Business still owns it
    result = run_audit(store, inventory, live=live_from_sandbox(hidden), now=NOW)
    snap = store.run_snapshots(result.run_id)[("aguas", "aguas-fb")]
    assert snap.error is FetchError.NOT_FOUND_OR_DENIED and "still owns it" in str(snap.error_detail)
    found = findings(store, result.run_id, "aguas-fb")
    assert ("OPS-001", "new") in found and not any(p == "IDN-001" for p, _ in found)
    assert result.status is RunStatus.INCOMPLETE
    (ops,) = [
        e.finding
        for e in store.events(result.run_id)
        if e.finding.policy_id == "OPS-001" and e.finding.account == "aguas-fb"
    ]
    assert "no encontrada o sin permisos" in ops.message_es


def get(sandbox: Sandbox, url: str, **kw) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=sandbox.transport()) as client:
            return await client.get(url, **kw)

    return asyncio.run(go())


def test_a_token_answers_only_on_its_own_platform_in_that_platforms_shape():
    box = scenario()
    meta_token = "EAAGsandboxAguas00000000000000002"
    x_token = "AAAAsandboxXBearerMprueba0000001"
    on_x = get(
        box, "https://api.x.com/2/users/by/username/mpruebapy", headers={"Authorization": f"Bearer {meta_token}"}
    )
    assert on_x.status_code == 401 and on_x.json()["title"] == "Unauthorized"
    on_graph = get(box, f"https://graph.facebook.com/v25.0/{AGUAS_PAGE}", params={"access_token": x_token})
    assert on_graph.status_code == 400 and on_graph.json()["error"]["code"] == 190
    own = get(box, f"https://graph.facebook.com/v25.0/{AGUAS_PAGE}", params={"access_token": meta_token})
    assert own.status_code == 200


def test_a_field_graph_does_not_have_is_its_error_and_the_accounts_connector_error(store, inventory, monkeypatch):
    box = scenario()
    bad = get(
        box,
        f"https://graph.facebook.com/v25.0/{AGUAS_PAGE}",
        params={"access_token": "EAAGsandboxAguas00000000000000002", "fields": "id,verification_statuss"},
    ).json()["error"]
    assert (bad["code"], bad["message"]) == (
        100,
        "(#100) Tried accessing nonexisting field (verification_statuss) on node type (Page)",
    )
    # A version change removed a field the connector asks for: the Page read fails, for that account only.
    monkeypatch.setattr("connectors.meta.pages.PAGE_FIELDS", "id,name,username,fan_counts")
    run_id = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW).run_id
    snap = store.run_snapshots(run_id)[("aguas", "aguas-fb")]
    assert snap.error is FetchError.PLATFORM and "nonexisting field" in str(snap.error_detail)
    assert not any(p == "IDN-001" for p, _ in findings(store, run_id, "aguas-fb"))


def test_x_answers_an_unknown_user_field_with_its_invalid_request_problem():
    box = scenario()
    answer = get(
        box,
        "https://api.x.com/2/users/by/username/mpruebapy",
        params={"user.fields": "id,verified_kind"},
        headers={"Authorization": "Bearer AAAAsandboxXBearerMprueba0000001"},
    )
    body = answer.json()
    assert answer.status_code == 400 and body["title"] == "Invalid Request"
    assert "[verified_kind] is not one of" in body["errors"][0]["message"]
    missing = get(
        box,
        "https://api.x.com/2/users/by/username/nadiepy",
        headers={"Authorization": "Bearer AAAAsandboxXBearerMprueba0000001"},
    )
    assert missing.status_code == 200 and missing.json()["errors"][0]["title"] == "Not Found Error"  # 200 + errors


def test_directory_per_user_rate_limits_are_waited_out_not_a_failure(store, inventory):
    """Point 2: the Directory API's 403 rateLimitExceeded is retried with backoff; the account is audited."""
    limited = {
        "error": {
            "code": 403,
            "message": "Rate Limit Exceeded",
            "errors": [{"message": "Rate Limit Exceeded", "domain": "usageLimits", "reason": "rateLimitExceeded"}],
        }
    }
    box = Sandbox(
        load_scenario(DEMO / "sandbox.yaml"),
        faults=[Fault(path=r"^/admin/directory/v1/users/", status=403, body=limited, times=2)],
    )
    run_id = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW).run_id
    hits = [e for e in box.request_log if e["path"].startswith("/admin/directory/v1/users/")]
    assert [e["status"] for e in hits][:3] == [403, 403, 200]
    snaps = {k: s for k, s in store.run_snapshots(run_id).items() if s.platform.value == "google"}
    assert snaps and all(s.error is None for s in snaps.values())


def test_an_undocumented_value_through_the_sandbox_is_attested_with_what_the_platform_said(store, inventory):
    """Point 3: a badge state Graph does not document is unknown, and the attestation request quotes it."""
    box = scenario().with_overlay({"meta": {"pages": {AGUAS_PAGE: {"verification_status": "pending_review"}}}})
    run_id = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW).run_id
    snap = store.run_snapshots(run_id)[("aguas", "aguas-fb")]
    assert snap.verification.value is None and snap.verification.raw == "verification_status=pending_review"
    (ops,) = [
        e.finding for e in store.events(run_id) if e.finding.policy_id == "OPS-003" and e.finding.account == "aguas-fb"
    ]
    assert "pending_review" in ops.message_es


def test_a_redirect_fails_that_account_only(store, inventory):
    """Point 5: an unfollowed 3xx is an error for that request, never a body; the rest of the run goes on."""
    box = Sandbox(load_scenario(DEMO / "sandbox.yaml"), faults=[Fault(path=r"/v\d+\.\d+/aguaspruebapy$", status=302)])
    result = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW)
    snaps = store.run_snapshots(result.run_id)
    assert snaps[("aguas", "aguas-fb")].error is FetchError.PLATFORM
    assert "redirect" in str(snaps[("aguas", "aguas-fb")].error_detail)
    assert snaps[("mprueba", "mprueba-fb")].error is None
