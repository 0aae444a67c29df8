"""Declarations against the checklist and the platform: pending, superseded, expired, «no cumple»,
contradicted; LIF-005 and LIF-007 closed by a CHK-11 declared after the change or departure."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from auditor.model import Inventory, Member, Observed, PlatformRole, Profile, TwoFactorPolicy, TwoFactorState
from auditor.model.declarations import Actor, ActorRole, Answer, Declaration, HumanState
from policies.checklist import CHECKLIST, item
from policies.evaluate import Observations, evaluate
from policies.profile import effective_rules
from tests.conftest import NOW, TODAY, clean_doc, institution
from tests.policies.test_live_rules import snap

DIRECTOR = Actor(name="Ana Duarte", ci="3456789", role=ActorRole.DIRECTOR)
ACCOUNT_ITEMS = ("CHK-03", "CHK-04", "CHK-05", "CHK-07")


def said(
    item_id: str,
    answer: str = "cumple",
    *,
    account: str | None = "t-fb",
    person: str | None = None,
    on: date = TODAY,
    until: date | None = None,
    ident: int = 0,
    **extra: Any,
) -> Declaration:
    entry = item(item_id)
    assert entry is not None
    if until is None and entry.validity_months:
        until = on + timedelta(days=30 * entry.validity_months)
    return Declaration(
        id=ident,
        institution="tprueba",
        item=item_id,
        account=account,
        person=person,
        answer=Answer(answer),
        declared_by=DIRECTOR,
        declared_on=on,
        valid_until=until,
        recorded_at=NOW,
        **extra,
    )


def book(*declarations: Declaration) -> dict[Any, Declaration]:
    state = HumanState()
    for i, d in enumerate(declarations, start=1):
        state.declarations[i] = d.model_copy(update={"id": i})
    return state.current()


def everything_declared(*extra: Declaration) -> list[Declaration]:
    return [said(i) for i in ACCOUNT_ITEMS] + [
        said("CHK-01", account=None, person="p1"),
        said("CHK-06", account=None, person="p1"),
        *extra,
    ]


def run(declarations: list[Declaration], now_snap=None, doc=None, previous=None, prior=None, today=TODAY):
    inv = Inventory(institutions=[institution(doc or clean_doc())])
    observations = Observations(
        snapshots={("tprueba", "t-fb"): now_snap or snap()},
        previous={("tprueba", "t-fb"): previous} if previous else {},
        prior={("tprueba", "t-fb"): prior} if prior else {},
    )
    result = evaluate(
        inv, effective_rules(Profile()), [], today, observations=observations, declarations=book(*declarations)
    )
    return result.findings, result


def ops003(findings):
    found = [f for f in findings if f.policy_id == "OPS-003"]
    assert len(found) <= 1, "one OPS-003 per account"
    return found[0] if found else None


def test_the_catalogue_has_the_twelve_items_with_guide_references():
    assert [i.id for i in CHECKLIST] == [f"CHK-{n:02d}" for n in range(1, 13)]
    assert all(i.guide_ref and i.question_es and i.question_en for i in CHECKLIST)
    assert item("ATR-x-two_factor").rule == "AUT-001"  # type: ignore[union-attr]
    assert item("ATR-x-nonsense") is None and item("CHK-99") is None


def test_a_healthy_account_asks_its_items_in_one_finding_and_a_full_set_of_declarations_closes_it():
    findings, _ = run([])
    pending = ops003(findings)
    assert pending is not None and pending.account == "t-fb" and pending.subject == "declarations"
    asked = {(i["item"], i.get("person")) for i in pending.evidence["items"]}
    assert asked == {(i, None) for i in ACCOUNT_ITEMS} | {("CHK-01", "p1"), ("CHK-06", "p1")}
    assert pending.severity.value == "info"
    findings, _ = run(everything_declared())
    assert ops003(findings) is None
    assert [f.policy_id for f in findings] == []


def test_an_attribute_the_platform_does_not_expose_becomes_an_item_named_for_its_platform():
    findings, _ = run(
        everything_declared(),
        now_snap=snap(two_factor=Observed.not_exposed()),
    )
    pending = ops003(findings)
    assert pending is not None
    assert [(i["item"], i["state"], i["rules"]) for i in pending.evidence["items"]] == [
        ("ATR-facebook-two_factor", "missing", ["AUT-001", "AUT-003"])
    ]


def test_a_newer_declaration_supersedes_and_an_expired_one_is_pending_again():
    old = said("CHK-03", on=TODAY - timedelta(days=60), until=TODAY - timedelta(days=30))
    findings, _ = run([*everything_declared()[1:], old])
    pending = ops003(findings)
    assert pending is not None and pending.severity.value == "low"
    assert [(i["item"], i["state"]) for i in pending.evidence["items"]] == [("CHK-03", "expired")]
    renewed = said("CHK-03", on=TODAY - timedelta(days=1))
    findings, _ = run([*everything_declared()[1:], old, renewed])
    assert ops003(findings) is None
    # and it expires again on its own: a month later the same declaration is pending
    findings, _ = run([*everything_declared()[1:], old, renewed], today=TODAY + timedelta(days=40))
    assert [i["state"] for i in ops003(findings).evidence["items"] if i["item"] == "CHK-03"] == ["expired"]  # type: ignore[union-attr]


def test_no_cumple_raises_the_rules_finding_with_source_declaracion_and_a_new_answer_resolves_it():

    blind = snap(two_factor=Observed.not_exposed())
    findings, result = run(everything_declared(said("ATR-facebook-two_factor", "no_cumple")), now_snap=blind)
    declared = [f for f in findings if f.policy_id == "AUT-001"]
    assert len(declared) == 1 and declared[0].evidence["source"] == "declaración"
    assert declared[0].subject == "declared:t-fb#ATR-facebook-two_factor" and not declared[0].incident
    assert "no cumple" in declared[0].message_es
    # the rule's declared subjects are re-judged every run: a «cumple» later resolves the finding
    assert ("AUT-001", "tprueba", "subject:declared:t-fb") in result.evaluated
    findings, _ = run(everything_declared(said("ATR-facebook-two_factor", "cumple")), now_snap=blind)
    assert not [f for f in findings if f.policy_id == "AUT-001"]


def test_a_duty_no_rule_judges_declared_no_cumple_is_listed_by_ops003_as_medium():
    findings, _ = run([*everything_declared()[1:], said("CHK-03", "no_cumple", evidence="sin plan en octubre")])
    pending = ops003(findings)
    assert pending is not None and pending.severity.value == "medium"
    assert [(i["item"], i["state"]) for i in pending.evidence["items"]] == [("CHK-03", "no_cumple")]


def test_a_cumple_the_platform_contradicts_keeps_both_values_and_raises_ops003_to_medium():
    findings, _ = run(
        everything_declared(said("ATR-facebook-two_factor", "cumple")),
        now_snap=snap(two_factor=TwoFactorPolicy.ADMIN_REQUIRED),
    )
    aut = [f for f in findings if f.policy_id == "AUT-001"]
    assert len(aut) == 1 and aut[0].evidence["contradicts_declaration"]["answer"] == "cumple"
    assert aut[0].evidence["policy"] == "admin_required"  # the platform's value stays beside the declared one
    pending = ops003(findings)
    assert pending is not None and pending.severity.value == "medium"
    assert [(i["item"], i["state"]) for i in pending.evidence["items"]] == [("ATR-facebook-two_factor", "contradicted")]


def test_a_no_aplica_needs_a_reason():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="motivo"):
        said("CHK-03", "no_aplica")
    assert said("CHK-03", "no_aplica", reason="la cuenta solo retransmite").answer is Answer.NOT_APPLICABLE


def _departed_doc() -> dict[str, Any]:
    doc = clean_doc()
    doc["people"].append(
        {
            "id": "p2",
            "name": "Rosa Paredes",
            "ci": "2345678",
            "dependency": "Comunicación",
            "link_type": "nombrado",
            "email": "rparedes@tprueba.gov.py",
            "mobile": "0981 301 002",
            "status": "baja",
            "status_date": "2026-10-01",
            "access": [{"account": "t-fb", "role": "administrador"}],
        }
    )
    return doc


def test_lif007_asks_the_departure_steps_until_a_chk11_dated_after_the_departure():
    doc = _departed_doc()
    findings, _ = run(everything_declared(), doc=doc)
    lif = [f for f in findings if f.policy_id == "LIF-007"]
    assert len(lif) == 1 and lif[0].subject == "departure:p2" and lif[0].severity.value == "high"
    before = said("CHK-11", account=None, person="p2", on=date(2026, 9, 20))
    findings, _ = run(everything_declared(before), doc=doc)
    assert [f for f in findings if f.policy_id == "LIF-007"], "a declaration before the departure does not count"
    after = said("CHK-11", account=None, person="p2", on=date(2026, 10, 2))
    findings, _ = run(everything_declared(before, after), doc=doc)
    assert not [f for f in findings if f.policy_id == "LIF-007"]


def test_lif005_stays_open_until_chk11_declared_on_or_after_the_change():
    admin2 = Member(platform_user_id="u2", name="Nuevo Admin", role=PlatformRole.ADMIN, two_factor=TwoFactorState.ON)
    first = snap()
    changed = snap(members=[*first.members.value, admin2])
    findings, _ = run(everything_declared(), now_snap=changed, previous=first)
    lif = [f for f in findings if f.policy_id == "LIF-005"]
    assert lif and lif[0].evidence["since"] == TODAY.isoformat()
    prior = {("LIF-005", "administrators"): lif[0].evidence}
    # next day, nothing changes and nothing is declared: still open
    later = TODAY + timedelta(days=1)
    findings, _ = run(everything_declared(), now_snap=changed, previous=changed, prior=prior, today=later)
    assert [f for f in findings if f.policy_id == "LIF-005"]
    findings, _ = run(
        everything_declared(said("CHK-11", on=later)), now_snap=changed, previous=changed, prior=prior, today=later
    )
    assert not [f for f in findings if f.policy_id == "LIF-005"]


def test_declarations_of_another_institution_do_not_count():
    other = [d.model_copy(update={"institution": "otra"}) for d in everything_declared()]
    findings, _ = run(other)
    assert ops003(findings) is not None
