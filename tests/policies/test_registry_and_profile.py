"""The registry matches the catalogue; profiles and waivers are validated strictly against it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from auditor.inputs.sources import InputError
from auditor.inputs.tuning import load_profile, load_waivers
from auditor.model import Inventory, Waiver
from policies.evaluate import matching_waiver
from policies.evaluation import fingerprint
from policies.registry import all_rules, rule
from tests.conftest import TODAY, clean_doc, findings_for, institution

CATALOGUE = Path(__file__).resolve().parents[2].parent / "shared" / "POLICIES.md"


def catalogue_ids(prefix: str) -> set[str]:
    text = CATALOGUE.read_text(encoding="utf-8")
    return set(re.findall(rf"^\| ({prefix}-\d{{3}}) \|", text, flags=re.M))


@pytest.mark.skipif(not CATALOGUE.exists(), reason="shared/POLICIES.md is not beside the checkout")
def test_every_inv_rule_of_the_catalogue_is_implemented():
    implemented = {r.id for r in all_rules()}
    assert catalogue_ids("INV") <= implemented
    assert "OPS-004" in implemented


def test_every_rule_has_complete_metadata():
    for r in all_rules():
        assert r.guide_ref and r.title_es and r.title_en and r.remediation_es and r.remediation_en, r.id
        assert r.title_es != r.title_en, r.id


def test_incident_rule_without_taxonomy_is_refused_at_registration():
    with pytest.raises(ValueError, match="needs cert_category and rsit"):
        rule(
            "ACC-999",
            title_es="a",
            title_en="b",
            severity="high",
            guide_ref="x",
            rationale="r",
            remediation_es="c",
            remediation_en="d",
            incident=True,
        )(lambda ctx: iter(()))


def test_fingerprint_is_stable_and_separates_fields():
    a = fingerprint("INV-002", "mprueba", "facebook", "mprueba-fb", "linked_email")
    assert a == fingerprint("INV-002", "mprueba", "facebook", "mprueba-fb", "linked_email")
    assert a != fingerprint("INV-002", "mprueba", "facebook", "mprueba-f", "blinked_email")


def test_fingerprint_does_not_depend_on_the_handle():
    doc = clean_doc()
    doc["accounts"][0]["linked_email"] = "a@gmail.com"
    before = findings_for(doc, "INV-002")[0].fingerprint
    doc["accounts"][0]["handle"] = "renamed.py"
    assert findings_for(doc, "INV-002")[0].fingerprint == before


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_invalid_severity_is_located(tmp_path):
    path = write(tmp_path, "profile.yaml", "rules:\n  INV-002: {severity: urgent}\n")
    with pytest.raises(InputError, match=r"profile\.yaml:2: rules\.INV-002\.severity: valor no permitido"):
        load_profile(path)


def test_profile_semantic_errors_are_all_reported(tmp_path):
    path = write(
        tmp_path,
        "profile.yaml",
        """rules:
  INV-099: {enabled: false}
  INV-012:
    params:
      country_mark: py
  OPS-004:
    params: {warning_days: "thirty"}
""",
    )
    with pytest.raises(InputError) as exc:
        load_profile(path)
    found = [str(p) for p in exc.value.problems]
    assert f"{path}:2: rules.INV-099: id de regla desconocido" in found
    assert f"{path}:5: rules.INV-012.params.country_mark: parámetro desconocido (conocidos: country_marker)" in found
    assert f"{path}:7: rules.OPS-004.params.warning_days: debe ser int (se recibió 'thirty')" in found


def test_profile_unknown_top_level_key(tmp_path):
    with pytest.raises(InputError, match="rulez: campo desconocido"):
        load_profile(write(tmp_path, "p.yaml", "rulez: {}\n"))


WAIVER = """waivers:
  - id: w1
    rule: {rule}
    scope: {{institution: tprueba, account: {account}}}
    rationale: Protocolo aprobado
    approver: RSI
    approved_on: 2026-01-01
    expires: {expires}
"""


def test_waiver_must_expire_and_name_known_rule_and_scope(tmp_path):
    inv = Inventory(institutions=[institution()])
    path = write(tmp_path, "w.yaml", WAIVER.format(rule="INV-777", account="t-zz", expires="2027-01-01"))
    with pytest.raises(InputError) as exc:
        load_waivers(path, inv)
    found = [str(p) for p in exc.value.problems]
    assert f"{path}:3: waivers[0].rule: id de regla desconocido «INV-777»" in found
    assert f"{path}:4: waivers[0].scope.account: cuenta desconocida «t-zz»" in found
    no_expiry = write(
        tmp_path, "n.yaml", WAIVER.format(rule="INV-002", account="t-fb", expires="").replace("    expires: \n", "")
    )
    with pytest.raises(InputError, match=r"waivers\[0\]\.expires: falta \(es obligatorio\)"):
        load_waivers(no_expiry, inv)


def test_shared_login_waiver_must_cite_the_rsi_protocol(tmp_path):
    path = write(tmp_path, "w.yaml", WAIVER.format(rule="INV-014", account="t-fb", expires="2027-01-01"))
    with pytest.raises(InputError, match="debe citar el protocolo de uso del RSI"):
        load_waivers(path)


def make_waiver(expires: date, account: str | None = "t-fb", rule_id: str = "INV-002") -> Waiver:
    return Waiver.model_validate(
        {
            "id": "w1",
            "rule": rule_id,
            "scope": {"institution": "tprueba", "account": account},
            "rationale": "r",
            "approver": "RSI",
            "approved_on": "2025-01-01",
            "expires": expires,
        }
    )


def test_waiver_matches_only_its_rule_and_scope_until_expiry():
    doc = clean_doc()
    doc["accounts"][0]["linked_email"] = "a@gmail.com"
    (f,) = findings_for(doc, "INV-002")
    assert matching_waiver(f, [make_waiver(date(2027, 1, 1))], TODAY) is not None
    assert matching_waiver(f, [make_waiver(date(2027, 1, 1), account="other")], TODAY) is None
    assert matching_waiver(f, [make_waiver(date(2027, 1, 1), rule_id="INV-001")], TODAY) is None
    assert matching_waiver(f, [make_waiver(date(2026, 11, 27))], TODAY) is None


def test_ops004_fires_for_expired_and_expiring_waivers_only():
    expired = findings_for(clean_doc(), "OPS-004", waivers=[make_waiver(date(2026, 6, 30))])
    assert len(expired) == 1 and expired[0].severity.value == "medium" and "venció" in expired[0].message_es
    soon = findings_for(clean_doc(), "OPS-004", waivers=[make_waiver(date(2026, 12, 20))])
    assert len(soon) == 1 and soon[0].severity.value == "low" and "22 días" in soon[0].message_es
    assert findings_for(clean_doc(), "OPS-004", waivers=[make_waiver(date(2027, 6, 30))]) == []
