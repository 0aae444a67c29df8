"""Properties of the findings lifecycle, over random sequences of platform states and faults (Hypothesis):

- the same input twice gives no new, regressed or resolved finding the second time;
- a finding is resolved only by a run that fully observed what its rule reads;
- a waiver never hides a finding from the report's JSON (it is listed, as waived).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.app.report_document import build_report
from auditor.config import ConnectorSettings
from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model import FindingStatus, ObservationState, Waiver
from auditor.store import Store
from connectors.sandbox import Fault
from policies.registry import REGISTRY
from reports.json import render_json
from tests.conftest import NOW
from tests.tickets.conftest import ADMIN, intruder, inventory, world

MEMBERS = {
    "admin": ADMIN,
    "editor-intruder": intruder(),
    "admin-intruder": intruder(["MANAGE", "CREATE_CONTENT"], uid="u777"),
}
FAULTS: dict[str, list[Fault]] = {
    "none": [],
    "members 500": [Fault(path=r"/assigned_users$", status=500)],
    "expired token": [Fault(path=r".*", expired_token=True)],
    "page malformed": [Fault(path=r"/1001$", malformed=True)],
    "posts timeout": [Fault(path=r"/published_posts$", timeout=True)],
}
FAST = ConnectorSettings(backoff_seconds=0.001, max_retries=1, max_wait_seconds=1.0, timeout_seconds=1.0)
states = st.tuples(st.sets(st.sampled_from(sorted(MEMBERS)), min_size=0, max_size=3), st.sampled_from(sorted(FAULTS)))


def audit(store: Store, members: set[str], fault: str, waivers: list[Waiver] | None = None) -> int:
    sandbox = world(*(MEMBERS[m] for m in sorted(members)))
    sandbox.faults = list(FAULTS[fault])
    live = live_from_sandbox(sandbox, settings={"meta": FAST})
    return run_audit(store, inventory(), live=live, now=NOW, waivers=waivers).run_id


def fully_observed(store: Store, run_id: int, policy: str, account: str | None) -> bool:
    """Whether the run saw, without error, every attribute the policy reads on that account."""
    if account is None:
        return True
    snap = store.run_snapshots(run_id).get(("tprueba", account))
    if snap is None or snap.error is not None:
        return False
    for spec in REGISTRY[policy].observed_attributes:
        if not any(snap.attribute(a).state is ObservationState.OBSERVED for a in spec.split("|")):
            return False
    return True


@settings(max_examples=25, derandomize=True, deadline=None)
@given(sequence=st.lists(states, min_size=1, max_size=4))
def test_resolved_only_after_a_complete_observation(sequence: list[tuple[set[str], str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "a.db")
        for members, fault in sequence:
            run_id = audit(store, members, fault)
            for event in store.events(run_id):
                if event.status is FindingStatus.RESOLVED:
                    assert fully_observed(store, run_id, event.finding.policy_id, event.finding.account), (
                        f"{event.finding.policy_id} on {event.finding.account} resolved by a run with '{fault}'"
                    )
        store.close()


@settings(max_examples=20, derandomize=True, deadline=None)
@given(state=states, before=st.lists(states, max_size=2))
def test_the_same_input_twice_changes_nothing(state: tuple[set[str], str], before: list[tuple[set[str], str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "a.db")
        for members, fault in before:
            audit(store, members, fault)
        audit(store, *state)
        again = audit(store, *state)
        changed = [
            (e.status.value, e.finding.policy_id, e.finding.subject)
            for e in store.events(again)
            if e.status in (FindingStatus.NEW, FindingStatus.REGRESSED, FindingStatus.RESOLVED)
        ]
        assert changed == []
        store.close()


@settings(max_examples=20, derandomize=True, deadline=None)
@given(state=states, waive=st.data())
def test_a_waiver_never_hides_a_finding_from_the_json(state: tuple[set[str], str], waive: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "a.db")
        first = audit(store, *state)
        found = [e.finding for e in store.events(first) if e.status is not FindingStatus.RESOLVED]
        pick = st.lists(st.sampled_from(found), unique_by=lambda f: f.fingerprint) if found else st.just([])
        chosen = waive.draw(pick)
        waivers = [
            Waiver.model_validate(
                {
                    "id": f"w{n}",
                    "rule": f.policy_id,
                    "scope": {"institution": f.institution, "account": f.account, "subject": f.subject},
                    "rationale": "aceptado por el RSI",
                    "approver": "RSI",
                    "approved_on": date(2026, 1, 1),
                    "expires": date(2027, 1, 1),
                }
            )
            for n, f in enumerate(chosen)
        ]
        second = audit(store, *state, waivers=waivers)
        listed = json.loads(render_json(build_report(store, second)))["findings"]
        by_fingerprint = {f["fingerprint"]: f for f in listed}
        events = {e.finding.fingerprint: e for e in store.events(second) if e.status is not FindingStatus.RESOLVED}
        assert set(by_fingerprint) == set(events)  # every finding of the run is in the JSON
        for f in chosen:
            if f.fingerprint in events:  # still found this run: listed, and marked waived
                assert by_fingerprint[f.fingerprint]["status"] == "waived"
        store.close()
