"""A network no connector reads (Threads, Telegram, «otra»…; guide 2: «entre otros»): registered, judged on
the register, and every live rule reports it as not observable — never a pass, never OPS-001."""

from __future__ import annotations

from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model import Inventory, RunStatus
from connectors.base import unobservable_snapshot
from connectors.sandbox import Sandbox
from tests.conftest import NOW, clean_doc, institution
from tests.policies.test_live_rules import live


def threads_doc():
    doc = clean_doc()
    doc["accounts"][0].update(platform="threads", alternative_handle=None, credential=None)
    return doc


def test_live_rules_ask_a_person_and_ops003_says_the_network_is_not_observable():
    doc = threads_doc()
    account = institution(doc).accounts[0]
    found, result = live(doc=doc, now_snap=unobservable_snapshot("tprueba", account))
    assert not [f for f in found if f.policy_id in ("OPS-001", "IDN-001", "AUT-001", "LIF-002")]
    (ops,) = [f for f in found if f.policy_id == "OPS-003"]
    assert ops.message_es.startswith("No observable en esta red (Threads)")
    assert {"ATR-threads-status", "ATR-threads-two_factor"} <= {i["item"] for i in ops.evidence["items"]}
    assert result.coverage.not_observable > 0 and result.coverage.errors == 0


def test_a_live_audit_of_an_unobservable_network_is_complete_and_asks_for_declarations(store):
    inventory = Inventory(institutions=[institution(threads_doc())])
    result = run_audit(store, inventory, live=live_from_sandbox(Sandbox({})), now=NOW)
    assert result.status is RunStatus.COMPLETE
    policies = {e.finding.policy_id for e in store.events(result.run_id)}
    assert "OPS-003" in policies and "OPS-001" not in policies
