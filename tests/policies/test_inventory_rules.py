"""Each INV rule fires on the gap it describes and stays quiet on the compliant record next to it."""

from __future__ import annotations

from typing import Any

from auditor.model import Profile, RuleSettings
from tests.conftest import clean_doc, findings_for


def _edited(record: dict[str, Any], changes: dict[str, Any]) -> None:
    """Apply changes to a record of the clean document; None removes the field."""
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value


def with_account(**changes: Any) -> dict[str, Any]:
    doc = clean_doc()
    _edited(doc["accounts"][0], changes)
    return doc


def with_person(**changes: Any) -> dict[str, Any]:
    doc = clean_doc()
    _edited(doc["people"][0], changes)
    return doc


def add_person(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    base = {
        "id": f"p{len(doc['people']) + 1}",
        "name": "María Fernández",
        "ci": "5234567",
        "dependency": "Comunicación",
        "link_type": "contratado",
        "email": "mfernandez@tprueba.gov.py",
        "mobile": "0971302002",
        "access": [{"account": "t-fb", "role": "community_manager"}],
    }
    doc["people"].append({**base, **fields})
    return doc


def test_clean_inventory_has_no_findings():
    assert findings_for(clean_doc()) == []


# INV-001 -------------------------------------------------------------------------------------------


def test_inv001_fires_listing_missing_fields():
    (f,) = findings_for(with_account(objective=None, authorization={"approver_name": "Ana"}), "INV-001")
    assert f.evidence["missing"] == [
        "authorization.approver_role",
        "authorization.approver_ci",
        "authorization.date",
        "objective",
    ]
    assert "objetivo" in f.message_es


def test_inv001_quiet_on_complete_record():
    assert findings_for(clean_doc(), "INV-001") == []


# INV-002 -------------------------------------------------------------------------------------------


def test_inv002_fires_on_gmail():
    (f,) = findings_for(with_account(linked_email="tprueba.py@gmail.com"), "INV-002")
    assert f.evidence["class"] == "free" and f.severity.value == "high"


def test_inv002_fires_on_domain_outside_allowlist():
    (f,) = findings_for(with_account(linked_email="redes@agencia.com.py"), "INV-002")
    assert f.evidence["class"] == "other"


def test_inv002_quiet_on_institutional_subdomain():
    assert findings_for(with_account(linked_email="x@prensa.tprueba.gov.py"), "INV-002") == []


# INV-003 -------------------------------------------------------------------------------------------


def test_inv003_fires_without_phone():
    assert len(findings_for(with_account(phone=None), "INV-003")) == 1


def test_inv003_fires_when_phone_not_controlled_by_admin():
    (f,) = findings_for(with_account(phone_control="otro"), "INV-003")
    assert f.evidence["phone_control"] == "otro"


def test_inv003_fires_on_invalid_number():
    (f,) = findings_for(with_account(phone="12345"), "INV-003")
    assert "no es un número paraguayo válido" in f.message_es


def test_inv003_quiet_on_admin_controlled_mobile():
    assert findings_for(with_account(phone="0981 000 002", phone_control="administrador"), "INV-003") == []


# INV-004 -------------------------------------------------------------------------------------------


def test_inv004_fires_without_posting_plan():
    (f,) = findings_for(with_account(posting_plan_ref=None), "INV-004")
    assert f.subject == "posting_plan"


def test_inv004_requires_indicators_only_with_annual_plan():
    doc = with_account(indicators=None)
    assert findings_for(doc, "INV-004") == []
    doc["institution"]["annual_plan_ref"] = "PCIA 2026"
    (f,) = findings_for(doc, "INV-004")
    assert f.subject == "indicators"


# INV-005 -------------------------------------------------------------------------------------------


def test_inv005_fires_when_nobody_is_registered():
    doc = clean_doc()
    doc["people"] = []
    (f,) = findings_for(doc, "INV-005")
    assert "ningún usuario" in f.message_es


def test_inv005_fires_without_administrator():
    doc = with_person(access=[{"account": "t-fb", "role": "community_manager", "contact_point": True}])
    (f,) = findings_for(doc, "INV-005")
    assert "administrador" in f.message_es


def test_inv005_ignores_departed_administrator():
    doc = with_person(status="baja", status_date="2026-01-01")
    assert len(findings_for(doc, "INV-005")) == 1


def test_inv005_quiet_on_archived_account():
    doc = clean_doc()
    doc["people"] = []
    doc["accounts"][0]["status"] = "archived"
    assert findings_for(doc, "INV-005") == []


# INV-006 -------------------------------------------------------------------------------------------


def test_inv006_fires_on_outsourced_administrator():
    doc = add_person(
        clean_doc(),
        link_type="tercerizado",
        company="Agencia S.A.",
        email="x@agencia.com.py",
        access=[{"account": "t-fb", "role": "administrador"}],
    )
    (f,) = findings_for(doc, "INV-006")
    assert f.subject == "person:p2"


def test_inv006_staff_administrator_with_personal_email_is_an_email_finding_not_external():
    """6.1.1.I: external is decided by the link type; a nombrado on gmail is INV-010, never INV-006."""
    doc = with_person(email="carlos@gmail.com")
    assert findings_for(doc, "INV-006") == []
    assert len(findings_for(doc, "INV-010")) == 1


def test_inv006_quiet_when_outsider_is_only_cm():
    doc = add_person(clean_doc(), link_type="tercerizado", company="Agencia S.A.", email="x@agencia.com.py")
    assert findings_for(doc, "INV-006") == []


# INV-007 -------------------------------------------------------------------------------------------


def test_inv007_fires_for_outsourced_cm_without_contract():
    doc = add_person(clean_doc(), link_type="tercerizado", company="Agencia S.A.")
    (f,) = findings_for(doc, "INV-007")
    assert f.evidence["missing"] == ["confidentiality_contract", "terms_of_use"]
    assert f.platform is None and f.account is None


def test_inv007_fires_when_terms_of_use_missing_for_volunteer():
    doc = add_person(clean_doc(), link_type="voluntario", confidentiality_contract="AV-1")
    (f,) = findings_for(doc, "INV-007")
    assert f.evidence["missing"] == ["terms_of_use"]


def test_inv007_quiet_with_contract_and_terms_or_for_staff():
    doc = add_person(clean_doc(), link_type="consultor", confidentiality_contract="C-1", terms_of_use="T-1")
    doc = add_person(doc, link_type="contratado", ci="6234567")
    assert findings_for(doc, "INV-007") == []


# INV-008 -------------------------------------------------------------------------------------------


def test_inv008_fires_without_contact_point():
    doc = with_person(access=[{"account": "t-fb", "role": "administrador", "contact_point": False}])
    assert len(findings_for(doc, "INV-008")) == 1


def test_inv008_fires_when_only_an_outsider_is_contact_point():
    doc = with_person(access=[{"account": "t-fb", "role": "administrador"}])
    add_person(
        doc,
        link_type="tercerizado",
        company="A",
        access=[{"account": "t-fb", "role": "community_manager", "contact_point": True}],
    )
    (f,) = findings_for(doc, "INV-008")
    assert f.evidence["designated"] == ["p2"]


def test_inv008_quiet_with_staff_contact_point():
    assert findings_for(clean_doc(), "INV-008") == []


# INV-009 -------------------------------------------------------------------------------------------


def test_inv009_fires_on_missing_and_invalid_fields():
    doc = with_person(dependency=None, ci="123456789", mobile="021 585 000", link_type="comisionado")
    (f,) = findings_for(doc, "INV-009")
    assert f.evidence["missing"] == ["dependency", "origin_institution"]
    assert f.evidence["invalid"] == ["ci", "mobile"]


def test_inv009_fires_when_role_missing_or_company_missing_for_outsourced():
    doc = with_person(access=[{"account": "t-fb", "contact_point": True}])
    assert findings_for(doc, "INV-009")[0].evidence["missing"] == ["role"]
    doc = add_person(clean_doc(), link_type="tercerizado", confidentiality_contract="C", terms_of_use="T")
    assert findings_for(doc, "INV-009")[0].evidence["missing"] == ["company"]


def test_inv009_quiet_on_complete_record_and_departed_people():
    assert findings_for(clean_doc(), "INV-009") == []
    doc = add_person(clean_doc(), status="baja", mobile=None, ci=None, id="p9")
    assert findings_for(doc, "INV-009") == []


# INV-010 -------------------------------------------------------------------------------------------


def test_inv010_fires_on_personal_email():
    (f,) = findings_for(with_person(email="carlos.gimenez@outlook.com"), "INV-010")
    assert f.evidence["class"] == "free"


def test_inv010_quiet_on_institutional_email():
    assert findings_for(clean_doc(), "INV-010") == []


# INV-011 -------------------------------------------------------------------------------------------


def test_inv011_fires_on_support_account_without_justification():
    (f,) = findings_for(with_account(kind="apoyo", indicators=None), "INV-011")
    assert f.evidence["missing"] == ["audience", "start_date", "end_date", "coordination", "objectives"]


def test_inv011_quiet_on_justified_support_account_and_on_principal():
    support = {
        "audience": "Jóvenes",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "coordination": "Agenda única",
        "objectives": "Inscripciones",
    }
    assert findings_for(with_account(kind="apoyo", support=support), "INV-011") == []
    assert findings_for(clean_doc(), "INV-011") == []


# INV-012 -------------------------------------------------------------------------------------------


def test_inv012_fires_without_country_marker():
    (f,) = findings_for(with_account(handle="tprueba"), "INV-012")
    assert f.severity.value == "info"


def test_inv012_skips_authority_accounts_and_platforms_without_handles():
    assert findings_for(with_account(handle="AnaDuarte", kind="autoridad"), "INV-012") == []
    doc = with_account(handle="boletin", platform="mailchimp", it_check={"reference": "Nota TI 1"})
    assert findings_for(doc, "INV-012") == []


def test_inv012_marker_is_a_profile_parameter():
    profile = Profile(rules={"INV-012": RuleSettings(params={"country_marker": "paraguay"})})
    assert len(findings_for(clean_doc(), "INV-012", profile=profile)) == 1


# INV-013 -------------------------------------------------------------------------------------------


def test_inv013_fires_on_zoom_without_it_check():
    (f,) = findings_for(with_account(platform="zoom"), "INV-013")
    assert f.evidence["platform"] == "zoom"


def test_inv013_quiet_with_it_check_or_on_social_platform():
    assert findings_for(with_account(platform="zoom", it_check={"date": "2026-01-01"}), "INV-013") == []
    assert findings_for(clean_doc(), "INV-013") == []


# INV-014 -------------------------------------------------------------------------------------------


def test_inv014_fires_on_single_login_platform_with_two_people():
    doc = add_person(with_account(platform="x"))
    (f,) = findings_for(doc, "INV-014")
    assert f.evidence["people"] == ["p1", "p2"]


def test_inv014_fires_on_declared_shared_login():
    doc = add_person(with_account(login_mode="shared"))
    assert len(findings_for(doc, "INV-014")) == 1


def test_inv014_quiet_for_one_person_or_multi_user_platform():
    assert findings_for(with_account(platform="x"), "INV-014") == []
    assert findings_for(add_person(clean_doc()), "INV-014") == []


def test_inv014_single_login_platforms_can_be_overridden():
    profile = Profile(rules={"INV-014": RuleSettings(params={"single_login_platforms": ["tiktok"]})})
    assert findings_for(add_person(with_account(platform="x")), "INV-014", profile=profile) == []


# Profile -------------------------------------------------------------------------------------------


def test_disabled_rule_does_not_run_and_severity_override_applies():
    doc = with_account(handle="tprueba", linked_email="a@gmail.com")
    profile = Profile(rules={"INV-012": RuleSettings(enabled=False), "INV-002": RuleSettings(severity="critical")})
    found = findings_for(doc, profile=profile)
    assert [f.policy_id for f in found] == ["INV-002"]
    assert found[0].severity.value == "critical"
