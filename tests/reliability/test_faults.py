"""Faults through the sandbox server: whatever a platform does, every account ends audited or with OPS-001,
the run says complete or incomplete truthfully, and nothing is resolved from an account not fully observed.

Each case audits the demo twice through `auditor audit` in its own process: once clean (shared, copied per
case), then with one fault. The platforms' data are the same in both runs, so a correct auditor resolves
nothing in the second: any `resolved` event there was concluded from a partial observation.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.world import World, canary_scenario

GRAPH_PERMISSION = {
    "error": {
        "message": "(#200) Requires business_management permission to manage the object",
        "type": "OAuthException",
        "code": 200,
        "fbtrace_id": "AbCdEf",
    }
}
GRAPH_REVOKED = {
    "error": {
        "message": "Error validating access token: The user has not authorized application 123.",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 458,
        "fbtrace_id": "AbCdEf",
    }
}
LOOPING_PAGE = {
    "data": [{"id": "900", "name": "Eco", "tasks": ["MANAGE"]}],
    "paging": {
        "cursors": {"before": "QVFIUk", "after": "QVFIUk"},
        "next": "https://graph.facebook.com/v25.0/1/assigned_users?limit=100&after=QVFIUk",
    },
}

FAULTS: dict[str, list[dict[str, Any]]] = {
    "429 storm with reset headers": [
        {"path": ".*", "credential": "meta-mprueba", "status": 429, "reset_in": 1, "times": 12},
        {"path": ".*", "credential": "x-mprueba", "status": 429, "retry_after": 1, "times": 3},
    ],
    "5xx burst": [{"path": ".*", "credential": "meta-aguas", "status": 503, "times": 7}],
    "timeouts": [{"path": "/assigned_users$", "timeout": True, "times": 3}],
    "connection resets": [{"path": ".*", "credential": "x-mprueba", "reset": True, "times": 5}],
    "truncated bodies": [{"path": "/published_posts$", "truncate": True}],
    "malformed JSON": [{"path": "/business_users$", "malformed": True}],
    "looping cursor": [{"path": "/assigned_users$", "credential": "meta-mprueba", "status": 200, "body": LOOPING_PAGE}],
    "expired token": [{"path": ".*", "credential": "meta-aguas", "expired_token": True}],
    "revoked token": [{"path": ".*", "credential": "meta-una", "status": 400, "body": GRAPH_REVOKED}],
    "permission errors": [
        {"path": "/roles$|/assigned_users$", "credential": "meta-una", "status": 403, "body": GRAPH_PERMISSION}
    ],
    "every platform down": [{"path": ".*", "status": 502}],
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clean audit of the demo, copied into each case."""
    root = tmp_path_factory.mktemp("baseline")
    world = World(root, canary_scenario())
    try:
        done = world.audit()
        assert done.returncode in (0, 1, 3), done.stderr
    finally:
        world.close()
    return world.db


@pytest.mark.parametrize("case", list(FAULTS))
def test_fault(case: str, baseline: Path, tmp_path: Path) -> None:
    world = World(tmp_path, canary_scenario())
    shutil.copy(baseline, world.db)
    world.set_faults(FAULTS[case])
    try:
        done = world.audit()
    finally:
        world.close()
    assert done.returncode in (0, 1, 3), done.stderr
    assert all(f.hits > 0 for f in world.sandbox.faults), "the fault was never exercised"
    (first, _), (second, status) = world.runs()[-2:]
    snapshots = dict(world.query("select account_id, error from snapshots where run_id = ?", second))
    registered = {a for (a,) in world.query("select id from accounts")}
    # Every registered account was either observed or is reported as not audited (OPS-001).
    assert set(snapshots) == registered
    not_audited = {f["account"] for f in world.report()["findings"] if f["policy_id"] == "OPS-001"}
    failed = {account for account, error in snapshots.items() if error is not None}
    assert failed <= not_audited
    # The run record tells the truth, and the exit code with it.
    assert status in (("incomplete",) if failed else ("complete", "incomplete"))
    if failed:
        # Findings at or above the default threshold (high) win over incompleteness; otherwise exit 3. Either
        # way the summary says why the run is incomplete.
        report = world.report()
        severe = any(f["severity"] in ("high", "critical") and f["status"] != "waived" for f in report["findings"])
        assert done.returncode == (1 if severe else 3)
        assert "incompleta porque:" in done.stdout
    # Nothing changed on the platforms: nothing may be resolved by the faulty run.
    resolved = world.query(
        "select f.policy_id, f.account_id from finding_events e join findings f using (fingerprint) "
        "where e.run_id = ? and e.status = 'resolved'",
        second,
    )
    assert resolved == [], f"resolved from a partial observation: {resolved}"
    # … and every finding open after the clean run is still open, and listed in the faulty run's events.
    open_before = world.query(
        "select f.fingerprint, f.policy_id, f.account_id from finding_events e join findings f using (fingerprint) "
        "where e.run_id = ? and e.status != 'resolved'",
        first,
    )
    listed = {fp for (fp,) in world.query("select fingerprint from finding_events where run_id = ?", second)}
    missing = [(policy, account) for fp, policy, account in open_before if fp not in listed]
    assert missing == [], f"open findings missing from the faulty run: {missing}"
