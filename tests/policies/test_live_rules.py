"""Each live rule (ACC, AUT, IDN, LIF, OPS-001…003) fires on what it describes and not next to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from auditor.model import (
    AccountSnapshot,
    AccountState,
    CredentialHealth,
    DiscoveredAccount,
    FetchError,
    Inventory,
    Member,
    Observed,
    Platform,
    PlatformRole,
    Profile,
    TwoFactorPolicy,
    TwoFactorState,
    VerificationState,
)
from connectors.base import error_snapshot
from policies.evaluate import Observations, evaluate
from policies.profile import effective_rules
from tests.conftest import NOW, TODAY, clean_doc, institution

ADMIN = Member(
    platform_user_id="u1",
    name="Carlos Giménez",
    email="cgimenez@tprueba.gov.py",
    role=PlatformRole.ADMIN,
    two_factor=TwoFactorState.ON,
)


def snap(**values: Any) -> AccountSnapshot:
    """A healthy, fully observed Facebook snapshot of the clean account, with overrides."""
    base: dict[str, Any] = {
        "status": AccountState.ACTIVE,
        "handle": "tpruebapy",
        "display_name": "Institución de Prueba",
        "linked_emails": ["redes@tprueba.gov.py"],
        "phone": "+595 981 000001",
        "two_factor": TwoFactorPolicy.ALL_REQUIRED,
        "verification": VerificationState.VERIFIED,
        "members": [ADMIN],
        "last_activity": NOW - timedelta(days=3),
        "alternative_handle_owner": None,
        "credential": CredentialHealth(valid=True, expires_at=None),
    }
    base.update(values)
    fields = {k: (v if isinstance(v, Observed) else Observed.of(v)) for k, v in base.items()}
    return AccountSnapshot(
        institution="tprueba",
        account="t-fb",
        platform=Platform.FACEBOOK,
        fetched_at=NOW,
        platform_account_id="1001",
        **fields,
    )


def live(doc=None, now_snap=None, previous=None, prior=None, rule_id=None, discovered=None, today=TODAY):
    doc = doc or clean_doc()
    inv = Inventory(institutions=[institution(doc)])
    observations = Observations(
        snapshots={("tprueba", "t-fb"): now_snap or snap()},
        previous={("tprueba", "t-fb"): previous} if previous else {},
        prior={("tprueba", "t-fb"): prior} if prior else {},
        discovered=discovered,
    )
    result = evaluate(
        inv, effective_rules(Profile()), [], today, observations=observations, declarations=declared_checklist()
    )
    return [f for f in result.findings if rule_id is None or f.policy_id == rule_id], result


def declared_checklist():
    """The clean account's checklist, all declared: OPS-003 then lists only what the platform hides."""
    from tests.policies.test_declarations import book, everything_declared

    return book(*everything_declared())


def attested(found) -> dict[str, dict]:
    """OPS-003's items, by item id."""
    return {i["item"]: i for f in found if f.policy_id == "OPS-003" for i in f.evidence["items"]}


def ids(found) -> list[str]:
    return sorted(f.policy_id for f in found)


def test_healthy_account_has_no_live_findings():
    found, result = live()
    assert ids(found) == []
    assert result.coverage.errors == 0 and result.coverage.not_observable == 0


def member(uid, **kw):
    return Member(platform_user_id=uid, **kw)


# ACC ---------------------------------------------------------------------------------------------


def test_acc001_unregistered_member_with_privileged_tag_for_admins():
    stranger = member("u9", name="Extraño", email="x@tprueba.gov.py", role=PlatformRole.ADMIN)
    (f,) = live(now_snap=snap(members=[ADMIN, stranger]), rule_id="ACC-001")[0]
    assert f.incident and f.rsit == 'rsit:intrusions="privileged-account-compromise"'
    editor = member("u8", name="Editor", role=PlatformRole.EDITOR)
    (g,) = live(now_snap=snap(members=[ADMIN, editor]), rule_id="ACC-001")[0]
    assert g.rsit == 'rsit:intrusions="unprivileged-account-compromise"'


def test_acc001_matches_by_platform_user_id_too():
    doc = clean_doc()
    doc["people"][0]["email"] = "otro@tprueba.gov.py"
    doc["people"][0]["access"][0]["platform_user_id"] = "u1"
    assert live(doc, rule_id="ACC-001")[0] == []


def test_acc002_role_above_registered():
    doc = clean_doc()
    doc["people"][0]["access"][0]["role"] = "community_manager"
    (f,) = live(doc, rule_id="ACC-002")[0]
    assert f.evidence["registered_role"] == "community_manager"
    assert live(rule_id="ACC-002")[0] == []


def test_acc003_departed_person_still_has_access():
    doc = clean_doc()
    doc["people"][0]["status"] = "baja"
    doc["people"][0]["status_date"] = "2026-05-31"
    (f,) = live(doc, rule_id="ACC-003")[0]
    assert f.severity.value == "critical" and f.incident
    assert live(doc, rule_id="ACC-001")[0] == []  # reported once, as ACC-003


def test_acc004_external_admin():
    outsider = member("u2", email="agencia@agencia.com.py", role=PlatformRole.ADMIN)
    (f,) = live(now_snap=snap(members=[ADMIN, outsider]), rule_id="ACC-004")[0]
    assert f.subject == "member:u2"
    staff_editor = member("u3", email="ed@tprueba.gov.py", role=PlatformRole.EDITOR)
    assert live(now_snap=snap(members=[ADMIN, staff_editor]), rule_id="ACC-004")[0] == []


def test_acc005_registered_person_missing_on_platform():
    (f,) = live(now_snap=snap(members=[member("u5", email="z@tprueba.gov.py")]), rule_id="ACC-005")[0]
    assert f.subject == "person:p1"
    assert live(rule_id="ACC-005")[0] == []


def test_acc006_member_email_not_institutional():
    gmail = member("u6", email="alguien@gmail.com", role=PlatformRole.ANALYST)
    (f,) = live(now_snap=snap(members=[ADMIN, gmail]), rule_id="ACC-006")[0]
    assert f.evidence["class"] == "free"
    assert live(rule_id="ACC-006")[0] == []


def test_acc007_pending_invitation_to_unregistered_person():
    invite = member("pending:1", email="nuevo@gmail.com", pending=True)
    (f,) = live(now_snap=snap(members=[ADMIN, invite]), rule_id="ACC-007")[0]
    assert f.subject == "member:pending:1"
    registered_invite = member("pending:2", email="cgimenez@tprueba.gov.py", pending=True)
    assert live(now_snap=snap(members=[registered_invite]), rule_id="ACC-007")[0] == []


# AUT ---------------------------------------------------------------------------------------------


def test_aut001_two_factor_not_required_for_all():
    (f,) = live(
        now_snap=snap(two_factor=Observed.of(TwoFactorPolicy.ADMIN_REQUIRED, raw="admin_required")), rule_id="AUT-001"
    )[0]
    assert f.evidence == {"policy": "admin_required", "raw": "admin_required"}
    # The platform's enum is in the evidence, never in the sentence.
    assert f.message_es == "La verificación en dos pasos está exigida solo para administradores."
    (none,) = live(now_snap=snap(two_factor=TwoFactorPolicy.NONE), rule_id="AUT-001")[0]
    assert none.message_es == "La verificación en dos pasos no está exigida."
    assert live(rule_id="AUT-001")[0] == []


def test_aut002_member_without_two_factor_and_unknown_asks_attestation():
    off = member("u7", name="Lorena", email="l@tprueba.gov.py", two_factor=TwoFactorState.OFF)
    (f,) = live(now_snap=snap(members=[ADMIN, off]), rule_id="AUT-002")[0]
    assert f.subject == "member:u7"
    unknown = member("u8", email="u@tprueba.gov.py", two_factor=TwoFactorState.UNKNOWN, raw_two_factor="enabled_maybe")
    found, result = live(now_snap=snap(members=[ADMIN, unknown]))
    assert "AUT-002" not in ids(found)
    (attest,) = [f for f in found if f.policy_id == "OPS-003"]
    # What the platform said is the evidence (raw value and member), never «no expone».
    item = attested(found)["ATR-facebook-members.two_factor"]
    assert item["rules"] == ["AUT-002"]
    assert item["seen"] == ["u@tprueba.gov.py (id u8): valor no documentado: «enabled_maybe»"]
    assert "no expone" not in attest.message_es and "enabled_maybe" in attest.message_es
    # A rule that could judge only part of its subject is not counted as evaluated (nor resolves anything).
    assert ("AUT-002", "tprueba", "t-fb") not in result.evaluated
    assert ("AUT-002", "tprueba", "t-fb") in result.errored
    _, clean = live(now_snap=snap(members=[ADMIN, off]))
    assert clean.coverage.not_observable < result.coverage.not_observable


def test_aut003_two_factor_weakened_and_stays_reported_until_restored():
    weakened = snap(two_factor=TwoFactorPolicy.NONE)
    (f,) = live(now_snap=weakened, previous=snap(), rule_id="AUT-003")[0]
    assert f.evidence == {"before": "all_required", "after": "none"} and f.incident
    # Next run: the previous snapshot is already weak, but the open finding keeps it reported.
    again = live(
        now_snap=weakened, previous=weakened, prior={("AUT-003", "two_factor"): f.evidence}, rule_id="AUT-003"
    )[0]
    assert len(again) == 1 and again[0].fingerprint == f.fingerprint
    assert (
        live(now_snap=snap(), previous=weakened, prior={("AUT-003", "two_factor"): f.evidence}, rule_id="AUT-003")[0]
        == []
    )


def test_aut004_platform_email_not_institutional():
    (f,) = live(now_snap=snap(linked_emails=["redes.tprueba@gmail.com"]), rule_id="AUT-004")[0]
    assert f.evidence["emails"] == ["redes.tprueba@gmail.com"]
    assert live(rule_id="AUT-004")[0] == []


def test_aut005_change_to_foreign_email_is_a_critical_incident_institutional_change_is_not():
    (f,) = live(now_snap=snap(linked_emails=["x@gmail.com"]), previous=snap(), rule_id="AUT-005")[0]
    assert f.severity.value == "critical" and f.incident
    (g,) = live(now_snap=snap(linked_emails=["prensa@tprueba.gov.py"]), previous=snap(), rule_id="AUT-005")[0]
    assert g.severity.value == "high" and not g.incident and g.rsit is None
    assert live(now_snap=snap(), previous=snap(), rule_id="AUT-005")[0] == []


def test_aut006_phone_differs_or_missing():
    (f,) = live(now_snap=snap(phone="+595 21 400 000"), rule_id="AUT-006")[0]
    assert f.evidence["registered"] == "+595981000001"
    assert len(live(now_snap=snap(phone=None), rule_id="AUT-006")[0]) == 1
    assert live(rule_id="AUT-006")[0] == []


# IDN ---------------------------------------------------------------------------------------------


def test_idn001_account_not_found():
    (f,) = live(now_snap=snap(status=AccountState.NOT_FOUND), rule_id="IDN-001")[0]
    assert f.incident and f.severity.value == "critical"
    doc = clean_doc()
    doc["accounts"][0]["status"] = "archived"
    assert live(doc, now_snap=snap(status=AccountState.NOT_FOUND), rule_id="IDN-001")[0] == []


def test_idn002_rename_without_recorded_modification():
    (f,) = live(now_snap=snap(handle="tprueba_oficial"), rule_id="IDN-002")[0]
    assert f.evidence == {"before": "tpruebapy", "after": "tprueba_oficial"}
    doc = clean_doc()
    doc["accounts"][0]["modifications"] = [{"date": "2026-10-01", "field": "handle", "new": "@tprueba_oficial"}]
    assert live(doc, now_snap=snap(handle="tprueba_oficial"), rule_id="IDN-002")[0] == []


def test_idn002_a_registered_handle_with_a_foreign_letter_is_explained():
    doc = clean_doc()
    # A Cyrillic «а» typed in the register: refused as input where handles are ASCII (tests/auditor/
    # test_handles.py); YouTube handles may be of any script, so there it reaches IDN-002.
    doc["accounts"][0]["platform"] = "youtube"
    doc["accounts"][0]["handle"] = "tpruebapy".replace("a", "\u0430")
    (f,) = live(doc, now_snap=snap(handle="tpruebapy"), rule_id="IDN-002")[0]
    assert "U+0430 CYRILLIC SMALL LETTER A" in f.message_es and "look alike but differ" in f.message_en
    assert "U+0430" not in live(now_snap=snap(handle="tprueba_oficial"), rule_id="IDN-002")[0][0].message_es


def test_idn003_display_name_changed_unless_the_register_was_updated():
    renamed = snap(display_name="Otra Cosa")
    (f,) = live(now_snap=renamed, previous=snap(), rule_id="IDN-003")[0]
    assert f.evidence == {"before": "Institución de Prueba", "after": "Otra Cosa"}
    doc = clean_doc()
    doc["accounts"][0]["display_name"] = "Otra Cosa"
    assert live(doc, now_snap=renamed, previous=snap(), rule_id="IDN-003")[0] == []


def test_idn004_not_verified_and_respects_ineligible():
    unverified = snap(verification=Observed.of(VerificationState.NOT_VERIFIED, raw="not_verified"))
    assert len(live(now_snap=unverified, rule_id="IDN-004")[0]) == 1
    doc = clean_doc()
    doc["accounts"][0]["verification"] = {"expectation": "ineligible"}
    assert live(doc, now_snap=unverified, rule_id="IDN-004")[0] == []
    paid = snap(verification=Observed.of(VerificationState.PAID_INDIVIDUAL, raw="blue"))
    assert len(live(now_snap=paid, rule_id="IDN-004")[0]) == 1


def test_idn005_badge_lost():
    (f,) = live(now_snap=snap(verification=VerificationState.NOT_VERIFIED), previous=snap(), rule_id="IDN-005")[0]
    assert f.incident
    assert live(now_snap=snap(), previous=snap(), rule_id="IDN-005")[0] == []


def test_idn006_alternative_handle_held_by_someone_else():
    doc = clean_doc()
    doc["accounts"][0]["alternative_handle"] = "tprueba.py"
    (f,) = live(doc, now_snap=snap(alternative_handle_owner="666"), rule_id="IDN-006")[0]
    assert f.rsit == 'rsit:fraud="masquerade"'
    assert live(doc, now_snap=snap(alternative_handle_owner="1001"), rule_id="IDN-006")[0] == []  # our own
    assert live(doc, rule_id="IDN-006")[0] == []  # free


def test_idn007_discovered_account_not_in_inventory():
    other = DiscoveredAccount(platform=Platform.FACEBOOK, platform_account_id="2002", handle="feria", name="Feria")
    ours = DiscoveredAccount(platform=Platform.FACEBOOK, platform_account_id="1001", handle="tpruebapy")
    (f,) = live(discovered={"tprueba": [other, ours]}, rule_id="IDN-007")[0]
    assert f.subject == "discovered:facebook:2002"
    assert live(discovered=None, rule_id="IDN-007")[0] == []  # discovery did not run: nothing compared


def test_idn008_unpublished():
    assert len(live(now_snap=snap(status=AccountState.UNPUBLISHED), rule_id="IDN-008")[0]) == 1
    assert live(rule_id="IDN-008")[0] == []


# LIF ---------------------------------------------------------------------------------------------


def support_doc(end: str) -> dict[str, Any]:
    doc = clean_doc()
    doc["accounts"][0]["kind"] = "apoyo"
    doc["accounts"][0]["support"] = {
        "audience": "a",
        "start_date": "2025-01-01",
        "end_date": end,
        "coordination": "c",
        "objectives": "o",
    }
    return doc


def test_lif001_support_account_past_end_still_active():
    (f,) = live(support_doc("2025-12-31"), rule_id="LIF-001")[0]
    assert f.evidence["days_past"] == 332
    assert live(support_doc("2027-12-31"), rule_id="LIF-001")[0] == []


def test_lif002_dormant_account_uses_the_profile_parameter():
    old = snap(last_activity=NOW - timedelta(days=120))
    (f,) = live(now_snap=old, rule_id="LIF-002")[0]
    assert f.evidence["idle_days"] == 120
    assert live(rule_id="LIF-002")[0] == []
    assert len(live(now_snap=snap(last_activity=None), rule_id="LIF-002")[0]) == 1


def test_lif003_merged_institution_with_active_account():
    doc = clean_doc()
    doc["institution"]["status"] = "merged"
    doc["institution"]["merged_into"] = "otra"
    assert len(live(doc, rule_id="LIF-003")[0]) == 1
    assert live(rule_id="LIF-003")[0] == []


def test_lif004_archived_but_active():
    doc = clean_doc()
    doc["accounts"][0]["status"] = "archived"
    assert len(live(doc, rule_id="LIF-004")[0]) == 1
    assert live(doc, now_snap=snap(status=AccountState.DEACTIVATED), rule_id="LIF-004")[0] == []


def test_lif005_administrator_change_checklist():
    new_admin = member("u2", name="Nueva", role=PlatformRole.ADMIN)
    changed = snap(members=[ADMIN, new_admin])
    (f,) = live(now_snap=changed, previous=snap(), rule_id="LIF-005")[0]
    assert f.evidence == {
        "added": ["Nueva"],
        "removed": [],
        "admins": sorted([ADMIN.platform_user_id, "u2"]),
        "since": TODAY.isoformat(),
        "declare": "CHK-11",
    }
    assert live(now_snap=snap(), previous=snap(), rule_id="LIF-005")[0] == []
    # The next run sees no change, but the checklist was not attested: it stays open while the admins stay.
    prior = {("LIF-005", "administrators"): f.evidence}
    (again,) = live(now_snap=changed, previous=changed, prior=prior, rule_id="LIF-005")[0]
    assert again.evidence == f.evidence
    # Back to the administrators before the change: nothing to attest any more.
    assert live(now_snap=snap(), previous=snap(), prior=prior, rule_id="LIF-005")[0] == []


# OPS ---------------------------------------------------------------------------------------------


def test_ops001_unreadable_account_is_an_error_never_a_pass():
    account = institution().accounts[0]
    failed = error_snapshot("tprueba", account, FetchError.PERMISSION, "Graph error 200")
    found, result = live(now_snap=failed)
    assert ids(found) == ["OPS-001"]
    assert result.coverage.errors > 0
    assert ("ACC-001", "tprueba", "t-fb") not in result.evaluated  # nothing to resolve on


def test_ops002_expired_and_expiring_credentials():
    account = institution().accounts[0]
    expired = error_snapshot("tprueba", account, FetchError.CREDENTIAL, "Graph error 190/463")
    (f,) = live(now_snap=expired, rule_id="OPS-002")[0]
    assert f.account is None and f.subject == "credential:?"
    soon = snap(credential=CredentialHealth(valid=True, expires_at=NOW + timedelta(days=5)))
    assert len(live(now_snap=soon, rule_id="OPS-002")[0]) == 1
    later = snap(credential=CredentialHealth(valid=True, expires_at=NOW + timedelta(days=60)))
    assert live(now_snap=later, rule_id="OPS-002")[0] == []


def test_ops003_lists_rules_that_could_not_run_per_attribute():
    instagram_like = snap(members=Observed.not_exposed(), phone=Observed.not_exposed())
    found, result = live(now_snap=instagram_like)
    attest = {k.removeprefix("ATR-facebook-"): i["rules"] for k, i in attested(found).items()}
    assert len([f for f in found if f.policy_id == "OPS-003"]) == 1  # one per account, every attribute in it
    assert attest["members"] == [
        "ACC-001",
        "ACC-002",
        "ACC-003",
        "ACC-004",
        "ACC-005",
        "ACC-006",
        "ACC-007",
        "AUT-002",
        "LIF-005",
    ]
    assert attest["phone"] == ["AUT-006"]
    assert result.coverage.not_observable == 10
    assert not [f for f in found if f.policy_id.startswith("ACC")]


def test_finding_time_uses_asuncion_dates():
    late_evening = datetime(2026, 11, 29, 2, 30, tzinfo=UTC)  # still the 28th in Asunción
    from auditor.model.clock import local_date

    assert local_date(late_evening).isoformat() == "2026-11-28"


def test_ops002_one_finding_per_credential_keeps_every_accounts_observation():
    """An expired token seen on one Page and an expiring one on an Instagram account of the same credential:
    one finding (the credential is its subject, whatever the platform) with both observations, no message
    lost; and two credentials are two findings."""
    doc = clean_doc()
    ig = {**doc["accounts"][0], "id": "t-ig", "platform": "instagram", "handle": "tprueba.ig"}
    other = {**doc["accounts"][0], "id": "t-x", "platform": "x", "handle": "tprueba_x", "credential": "x-tprueba"}
    doc["accounts"][0]["credential"] = "meta-tprueba"
    ig["credential"] = "meta-tprueba"
    doc["accounts"] += [ig, other]
    inv = Inventory(institutions=[institution(doc)])
    expired = error_snapshot("tprueba", inv.institutions[0].accounts[0], FetchError.CREDENTIAL, "Graph 190/463")
    soon = NOW + timedelta(days=3)
    expiring = snap(credential=CredentialHealth(valid=True, expires_at=soon)).model_copy(
        update={"account": "t-ig", "platform": Platform.INSTAGRAM, "connector": "meta"}
    )
    x_expired = error_snapshot("tprueba", inv.institutions[0].accounts[2], FetchError.CREDENTIAL, "401")
    observations = Observations(
        snapshots={
            ("tprueba", "t-fb"): expired.model_copy(update={"connector": "meta"}),
            ("tprueba", "t-ig"): expiring,
            ("tprueba", "t-x"): x_expired.model_copy(update={"connector": "x"}),
        }
    )
    result = evaluate(inv, effective_rules(Profile()), [], TODAY, observations=observations)
    ops002 = [f for f in result.findings if f.policy_id == "OPS-002"]
    assert sorted(f.subject for f in ops002) == ["credential:meta-tprueba", "credential:x-tprueba"]
    meta = next(f for f in ops002 if f.subject == "credential:meta-tprueba")
    assert meta.platform is None and meta.account is None and meta.evidence["connector"] == "meta"
    observed = {o["account"]: o for o in meta.evidence["observations"]}
    assert observed["t-fb"]["error"] == "Graph 190/463" and observed["t-ig"]["expires_at"] == soon.isoformat()
    assert "t-fb" in meta.message_es and "t-ig" in meta.message_es
    # Each fingerprint names exactly one (rule, subject) in the whole evaluation.
    by_fingerprint: dict[str, set[tuple[str, str]]] = {}
    for f in result.findings:
        by_fingerprint.setdefault(f.fingerprint, set()).add((f.policy_id, f.subject))
    assert all(len(v) == 1 for v in by_fingerprint.values())
    assert len(by_fingerprint) == len(result.findings)


def test_an_undocumented_answer_is_attested_with_what_the_platform_said():
    """Issue 16 point 3: unknown is unknown; the rule asks a person, and the raw answer is the evidence."""
    found, result = live(now_snap=snap(two_factor=Observed.undocumented("isEnforcedIn2Sv=none")))
    assert "AUT-001" not in ids(found)
    assert attested(found)["ATR-facebook-two_factor"]["seen"] == ["valor no documentado: «isEnforcedIn2Sv=none»"]
    assert ("AUT-001", "tprueba", "t-fb") not in result.evaluated
