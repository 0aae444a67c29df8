"""Meta Business membership is access: findings about a Business member are one per (Business, member), merged
from every Page that shows them, and matching goes by recorded user id, then email, never by name alone."""

from __future__ import annotations

import copy
from typing import Any

from auditor.model import (
    FetchError,
    Inventory,
    Member,
    Observed,
    PlatformRole,
    Profile,
    TwoFactorState,
    shared_scope,
)
from connectors.base import error_snapshot
from policies.evaluate import Observations, evaluate
from policies.profile import effective_rules
from tests.conftest import TODAY, clean_doc, institution
from tests.policies.test_live_rules import ADMIN, snap

BUSINESS = "B1"


def two_pages_doc() -> dict[str, Any]:
    doc = clean_doc()
    second = copy.deepcopy(doc["accounts"][0])
    second.update(id="t-fb2", handle="tpruebapy2")
    doc["accounts"].append(second)
    doc["people"][0]["access"].append({"account": "t-fb2", "role": "administrador"})
    return doc


def page(account: str, *members: Member) -> Any:
    admin = ADMIN.model_copy(update={"business": BUSINESS})
    return snap(members=[admin, *members]).model_copy(
        update={
            "account": account,
            "evidence": {"business_id": BUSINESS, "business": {"id": BUSINESS, "name": "Negocio de Prueba"}},
        }
    )


def in_business(uid: str, **kw: Any) -> Member:
    """A member of the Business with no task on the Page."""
    return Member(platform_user_id=uid, business=BUSINESS, on_asset=False, **kw)


def run(doc: dict[str, Any], *snaps: Any, previous: dict[str, Any] | None = None):
    inv = Inventory(institutions=[institution(doc)])
    observations = Observations(
        snapshots={("tprueba", s.account): s for s in snaps},
        previous={("tprueba", a): s for a, s in (previous or {}).items()},
    )
    return evaluate(inv, effective_rules(Profile()), [], TODAY, observations=observations)


def of(result: Any, rule_id: str) -> list[Any]:
    return [f for f in result.findings if f.policy_id == rule_id]


def departed_doc() -> dict[str, Any]:
    doc = two_pages_doc()
    doc["people"].append(
        {
            "id": "p7",
            "name": "Ramón Duarte",
            "ci": "3111222",
            "dependency": "Comunicación",
            "link_type": "nombrado",
            "email": "rduarte@tprueba.gov.py",
            "mobile": "0981 301 007",
            "status": "baja",
            "status_date": "2026-08-14",
            "access": [{"account": "t-fb", "role": "editor", "platform_user_id": "u7"}],
        }
    )
    return doc


def test_a_departed_business_member_without_tasks_is_one_acc003_for_the_business():
    ramon = in_business("u7", name="Ramón Duarte", role=PlatformRole.OTHER, raw_role="EMPLOYEE")
    result = run(departed_doc(), page("t-fb", ramon), page("t-fb2", ramon))
    (f,) = of(result, "ACC-003")
    assert f.subject == "business:B1#member:u7" and f.account is None and f.incident
    assert "sin tareas en la página" in f.message_es and "«Negocio de Prueba»" in f.message_es
    assert "14/08/2026" in f.message_es and "empleado del Business" in f.message_es
    assert [o["account"] for o in f.evidence["observations"]] == ["t-fb", "t-fb2"]
    assert of(result, "ACC-001") == []  # reported once, as ACC-003
    assert ("ACC-003", "tprueba", shared_scope(f.subject)) in result.evaluated


def test_an_unknown_business_member_is_acc001_once_and_registration_on_any_meta_asset_counts():
    stranger = in_business("u9", name="Gestión Externa", email="ge@tprueba.gov.py", raw_role="EMPLOYEE")
    result = run(two_pages_doc(), page("t-fb", stranger), page("t-fb2", stranger))
    (f,) = of(result, "ACC-001")
    assert f.subject == "business:B1#member:u9"
    assert "miembro del Business «Negocio de Prueba» (id B1) sin tareas en la página" in f.message_es
    assert "possible_match" not in f.evidence

    doc = two_pages_doc()
    doc["accounts"].append({**copy.deepcopy(doc["accounts"][0]), "id": "t-ig", "platform": "instagram"})
    doc["people"].append({**copy.deepcopy(doc["people"][0]), "id": "p9", "name": "Gestión Externa", "ci": "2222333"})
    doc["people"][-1].update(email="ge@tprueba.gov.py", access=[{"account": "t-ig", "role": "analista"}])
    assert of(run(doc, page("t-fb", stranger)), "ACC-001") == []  # registered on the Business's Instagram


def test_a_person_registered_only_off_meta_is_still_an_unknown_business_member():
    doc = two_pages_doc()
    doc["accounts"].append({**copy.deepcopy(doc["accounts"][0]), "id": "t-x", "platform": "x", "handle": "tprueba"})
    doc["people"].append({**copy.deepcopy(doc["people"][0]), "id": "p9", "name": "Ana Paz", "ci": "2222333"})
    doc["people"][-1].update(email="apaz@tprueba.gov.py", access=[{"account": "t-x", "role": "editor"}])
    ana = in_business("u9", name="Ana Paz", email="apaz@tprueba.gov.py", raw_role="EMPLOYEE")
    (f,) = of(run(doc, page("t-fb", ana)), "ACC-001")
    assert "pero no en cuentas de Meta" in f.message_es


def test_a_name_alone_is_a_possible_match_never_a_match():
    lookalike = in_business("u5", name="CARLOS GIMENEZ", email="cg.personal@gmail.com", raw_role="EMPLOYEE")
    (f,) = of(run(two_pages_doc(), page("t-fb", lookalike)), "ACC-001")
    assert f.evidence["possible_match"] == "p1"
    assert "Posible coincidencia por nombre con Carlos Giménez (CI 4123456)" in f.message_es


def test_the_recorded_user_id_matches_before_the_email():
    doc = departed_doc()
    # u7's id is recorded on Formulario B: the platform's email (now a gmail) does not hide who it is.
    ramon = in_business("u7", name="R. D.", email="rd.personal@gmail.com", raw_role="EMPLOYEE")
    (f,) = of(run(doc, page("t-fb", ramon)), "ACC-003")
    assert f.evidence["person"] == "p7"


def test_a_business_members_gmail_is_one_acc006_whatever_page_shows_it():
    with_tasks = Member(
        platform_user_id="u6",
        name="Con Tareas",
        email="alguien@gmail.com",
        role=PlatformRole.EDITOR,
        business=BUSINESS,
    )
    result = run(
        two_pages_doc(), page("t-fb", with_tasks), page("t-fb2", with_tasks.model_copy(update={"on_asset": False}))
    )
    (f,) = of(result, "ACC-006")
    assert f.subject == "business:B1#member:u6" and f.evidence["class"] == "free"
    assert [(o["account"], o["on_asset"]) for o in f.evidence["observations"]] == [("t-fb", True), ("t-fb2", False)]
    # Its tasks on the first Page are that Page's own finding (unregistered there), not the Business's.
    assert [g.subject for g in of(result, "ACC-001")] == ["member:u6", "business:B1#member:u6"]


def test_a_business_admin_registered_below_administrador_is_acc002_for_the_business():
    doc = two_pages_doc()
    doc["people"][0]["access"] = [{"account": "t-fb", "role": "editor"}, {"account": "t-fb2", "role": "editor"}]
    admin_only_in_business = ADMIN.model_copy(update={"business": BUSINESS, "on_asset": False, "raw_role": "ADMIN"})
    page_one = page("t-fb").model_copy(update={"members": Observed.of([admin_only_in_business])})
    (f,) = of(run(doc, page_one), "ACC-002")
    assert f.subject == "business:B1#member:u1" and f.evidence["registered_role"] == "editor"


def test_business_invitations_and_two_factor_are_business_findings():
    invite = in_business("pending:1", email="nuevo@gmail.com", pending=True, raw_role="EMPLOYEE")
    no_2fa = in_business("u4", name="Sin 2FA", email="s2@tprueba.gov.py", two_factor=TwoFactorState.OFF)
    result = run(two_pages_doc(), page("t-fb", invite, no_2fa), page("t-fb2", invite, no_2fa))
    (inv,) = of(result, "ACC-007")
    assert inv.subject == "business:B1#member:pending:1" and "Invitación pendiente al Business" in inv.message_es
    (aut,) = of(result, "AUT-002")
    assert aut.subject == "business:B1#member:u4" and len(aut.evidence["observations"]) == 2


def test_a_page_that_failed_carries_its_business_findings_instead_of_resolving_them():
    ramon = in_business("u7", name="Ramón Duarte", raw_role="EMPLOYEE")
    before = page("t-fb", ramon)
    doc = departed_doc()
    failed = error_snapshot("tprueba", institution(doc).accounts[0], FetchError.PLATFORM, "boom")
    result = run(doc, failed, previous={"t-fb": before})
    assert ("ACC-003", "tprueba", "subject:business:B1") in result.errored
    assert ("ACC-003", "tprueba", "subject:business:B1") not in result.evaluated


def test_a_business_holding_two_institutions_pages_is_judged_once_by_the_institution_in_force():
    ministry = two_pages_doc()
    merged = clean_doc()
    merged["institution"].update(id="sprueba", name="Secretaría de Prueba", status="merged", status_date="2025-06-30")
    merged["accounts"][0].update(id="s-fb", handle="spruebapy")
    merged["people"][0].update(id="s1", name="Nora Vera", ci="1234567", email="nvera@tprueba.gov.py")
    merged["people"][0]["access"] = [{"account": "s-fb", "role": "editor", "platform_user_id": "u8"}]
    # Nora is registered by the Secretaría only; in the Ministry's Business she has no task on its Pages.
    nora = in_business("u8", name="Nora Vera", raw_role="EMPLOYEE")
    stranger = in_business("u9", name="Nadie", raw_role="EMPLOYEE")
    inv = Inventory(institutions=[institution(ministry), institution(merged)])
    secretaria = page("s-fb", stranger).model_copy(update={"institution": "sprueba"})
    observations = Observations(
        snapshots={
            ("tprueba", "t-fb"): page("t-fb", nora, stranger),
            ("tprueba", "t-fb2"): page("t-fb2", nora, stranger),
            ("sprueba", "s-fb"): secretaria,
        }
    )
    result = evaluate(inv, effective_rules(Profile()), [], TODAY, observations=observations)
    business = [(f.institution, f.subject) for f in of(result, "ACC-001") if f.subject.startswith("business:")]
    assert business == [("tprueba", "business:B1#member:u9")]  # Nora is registered on an asset of the Business
    assert ("ACC-001", "sprueba", "subject:business:B1") not in result.evaluated
