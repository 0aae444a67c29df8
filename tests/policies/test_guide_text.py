"""Rules that match the text of Res. 678/2022 (issue 19, points 8–11): each change fires where the clause says
and stays quiet next to it."""

from __future__ import annotations

from typing import Any

from auditor.model import AccountState, FetchError, VerificationState
from connectors.base import error_snapshot
from policies.registry import get_rule
from tests.conftest import clean_doc, findings_for, institution
from tests.policies.test_inventory_rules import add_person, with_account
from tests.policies.test_live_rules import live, snap


def _ids(found: list[Any]) -> list[str]:
    return sorted({f.policy_id for f in found})


# 6.1.1.I — external is decided by the link type: only nombrado, contratado, comisionado are staff.


def test_a_pasante_administrator_is_external_inv006():
    doc = clean_doc()
    doc["people"][0]["link_type"] = "pasante"
    (f,) = findings_for(doc, "INV-006")
    assert f.evidence["link_type"] == "pasante"


def test_a_comisionado_administrator_is_staff():
    doc = clean_doc()
    doc["people"][0].update(link_type="comisionado", origin_institution="Ministerio de Hacienda")
    assert findings_for(doc, "INV-006") == []


def test_a_pasante_needs_a_confidentiality_contract_inv007_and_with_one_is_quiet():
    doc = add_person(clean_doc(), link_type="pasante")
    (f,) = findings_for(doc, "INV-007")
    assert f.evidence["missing"] == ["confidentiality_contract", "terms_of_use"]
    signed = add_person(clean_doc(), link_type="pasante", confidentiality_contract="CC-1", terms_of_use="TU-1")
    assert findings_for(signed, "INV-007") == []


# 6.1.3 — authority accounts: no objective or posting plan of their own, verification required.


def test_an_authority_account_needs_no_objective_nor_posting_plan():
    doc = with_account(kind="autoridad", objective=None, posting_plan_ref=None, indicators=None)
    assert findings_for(doc, "INV-001") == [] and findings_for(doc, "INV-004") == []
    principal = with_account(objective=None, posting_plan_ref=None)
    assert findings_for(principal, "INV-001") and findings_for(principal, "INV-004")


def test_verification_is_required_for_principal_and_authority_and_recommended_for_support():
    unverified = snap(verification=VerificationState.NOT_VERIFIED)
    (required,) = live(now_snap=unverified, rule_id="IDN-004")[0]
    assert required.severity.value == "medium" and required.evidence["expectation"] == "required"
    doc = clean_doc()
    doc["accounts"][0].update(
        kind="apoyo",
        support={
            "audience": "jóvenes",
            "start_date": "2026-01-01",
            "end_date": "2027-12-31",
            "coordination": "DC",
            "objectives": "alcance",
        },
    )
    (recommended,) = live(doc=doc, now_snap=unverified, rule_id="IDN-004")[0]
    assert recommended.severity.value == "low" and recommended.evidence["expectation"] == "recommended"
    doc["accounts"][0]["verification"] = {"expectation": "ineligible"}
    assert live(doc=doc, now_snap=unverified, rule_id="IDN-004")[0] == []


# 6.1.4 — archived accounts: unpublished is compliant; still public where the platform can archive → LIF-004.


def test_an_archived_account_unpublished_is_compliant_and_public_is_lif004():
    doc = with_account(status="archived", status_date="2026-06-30")
    hidden = snap(status=AccountState.UNPUBLISHED)
    found, _ = live(doc=doc, now_snap=hidden)
    assert "IDN-008" not in _ids(found) and "LIF-004" not in _ids(found)
    found, _ = live(doc=doc, now_snap=snap())
    assert "LIF-004" in _ids(found)
    active = live(now_snap=hidden)[0]
    assert "IDN-008" in _ids(active)  # an account in force must be public (6.1.1.IV)


def test_where_the_platform_cannot_archive_a_backup_is_declared_instead():
    doc = with_account(platform="zoom", handle=None, alternative_handle=None, status="archived")
    zoom = snap(status=AccountState.ACTIVE).model_copy(update={"platform": "zoom"})
    found, _ = live(doc=doc, now_snap=zoom)
    assert "LIF-004" not in _ids(found)
    (ops,) = [f for f in found if f.policy_id == "OPS-003"]
    assert [i["item"] for i in ops.evidence["items"] if i["item"].startswith("CHK")] == ["CHK-10"]


# 6.1.1.I and Form A — INV-001 asks the alternative handle and who signed; INV-003 is medium; OPS-001 no clause.


def test_inv001_asks_the_alternative_handle_and_the_signers_role():
    (f,) = findings_for(with_account(alternative_handle=None), "INV-001")
    assert f.evidence["missing"] == ["alternative_handle"] and "alternativa" in f.message_es
    doc = clean_doc()
    del doc["accounts"][0]["authorization"]["approver_role"]
    (f,) = findings_for(doc, "INV-001")
    assert f.evidence["missing"] == ["authorization.approver_role"]
    assert findings_for(clean_doc(), "INV-001") == []


def test_inv003_is_medium_and_ops001_cites_no_clause():
    (f,) = findings_for(with_account(phone=None), "INV-003")
    assert f.severity.value == "medium"
    rule = get_rule("OPS-001")
    assert rule is not None and rule.guide_ref == "—"
    account = institution().accounts[0]
    failed = error_snapshot("tprueba", account, FetchError.PERMISSION, "x")
    (ops,) = live(now_snap=failed, rule_id="OPS-001")[0]
    assert ops.guide_ref == "—"
