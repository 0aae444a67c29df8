"""INV rules on Formulario B: who may touch each account, on the register alone (Res. MITIC 678/2022):
administrators, external staff and their contracts, contact points, and the people's own records.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.i18n import term
from auditor.model import (
    LinkType,
    Role,
    Severity,
)
from auditor.model.classify import EmailClass, classify_email, is_py_mobile, is_valid_ci
from policies.context import AccountContext, PersonContext, Violation, is_external, person_label
from policies.registry import rule
from policies.wording import EMAIL_CLASS_EN, EMAIL_CLASS_ES, fields_es


@rule(
    "INV-005",
    title_es="Sin administrador designado o sin usuarios autorizados",
    title_en="No administrator designated, or no authorized users",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I–II",
    rationale="Every official account needs a named administrator from the institution (Formulario B); an "
    "account nobody is registered on is run by unknown people.",
    remediation_es="Designar un administrador (funcionario de la institución) y registrar a los usuarios "
    "autorizados en el Formulario B.",
    remediation_en="Designate an administrator (institutional staff) and register the authorized users on "
    "Formulario B.",
)
def no_administrator(ctx: AccountContext) -> Iterator[Violation]:
    if not ctx.in_force:
        return
    people = ctx.active_people()
    if not people:
        yield Violation(
            "administrator",
            "La cuenta no tiene ningún usuario autorizado (Formulario B).",
            "No authorized user is registered for the account (Formulario B).",
        )
    elif not any(access.role is Role.ADMINISTRADOR for _, access in people):
        yield Violation(
            "administrator",
            "Ninguna persona autorizada tiene el rol de administrador.",
            "No authorized person holds the administrator role.",
            {"people": [p.id for p, _ in people]},
        )


@rule(
    "INV-006",
    title_es="Un administrador es una persona externa a la institución",
    title_en="An administrator is an external person",
    severity=Severity.HIGH,
    guide_ref="6.1.1.II",
    rationale="Only institutional staff may be Administrador de cuenta, even when community management is outsourced.",
    remediation_es="Asignar el rol de administrador a un funcionario; el tercero puede operar como CM.",
    remediation_en="Give the administrator role to institutional staff; the outsider may act as CM.",
)
def external_administrator(ctx: AccountContext) -> Iterator[Violation]:
    for person, access in ctx.active_people():
        if access.role is Role.ADMINISTRADOR and is_external(person, ctx.institution):
            why = person.link_type.value if person.link_type else "?"
            yield Violation(
                f"person:{person.id}",
                f"{person_label(person)} es administrador y es externo (vínculo: {why}, correo: {person.email}).",
                f"{person_label(person)} is an administrator and external (link: {why}, email: {person.email}).",
                {"person": person.id, "link_type": why, "email": person.email},
            )


@rule(
    "INV-007",
    title_es="Persona externa sin contrato de confidencialidad ni términos de uso",
    title_en="External person without confidentiality contract and terms of use",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I–II",
    rationale="Outsourced staff, consultants, volunteers and interns — anyone not in a direct contractual "
    "relation (6.1.1.I) — may operate accounts only under a confidentiality contract and written terms of use.",
    remediation_es="Firmar contrato de confidencialidad y términos y condiciones de uso, y registrarlos.",
    remediation_en="Sign a confidentiality contract and terms of use, and record them.",
    scope="person",
)
def external_without_contract(ctx: PersonContext) -> Iterator[Violation]:
    p = ctx.person
    if not p.is_active or not p.access or not is_external(p):  # by link type, pasantes included (6.1.1.I)
        return
    missing = [
        n
        for n, v in (
            ("confidentiality_contract", p.confidentiality_contract),
            ("terms_of_use", p.terms_of_use),
        )
        if not v
    ]
    if missing:
        es = {"confidentiality_contract": "contrato de confidencialidad", "terms_of_use": "términos de uso"}
        yield Violation(
            "contract",
            f"{person_label(p)} ({term(p.link_type, 'es')}) no tiene registrado: {', '.join(es[m] for m in missing)}.",
            f"{person_label(p)} ({term(p.link_type, 'en')}) has no recorded {' and '.join(missing)}.",
            {"person": p.id, "missing": missing, "accounts": [a.account for a in p.access]},
        )


@rule(
    "INV-008",
    title_es="Sin punto de contacto institucional para la cuenta",
    title_en="No institutional contact point for the account",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.I–II",
    rationale="In every case a member of the institution's staff must be named as the account's official "
    "contact point.",
    remediation_es="Designar a un funcionario de la institución como punto de contacto de la cuenta.",
    remediation_en="Name a member of the institution's staff as the account's contact point.",
)
def no_contact_point(ctx: AccountContext) -> Iterator[Violation]:
    if not ctx.in_force:
        return
    contacts = [p for p, access in ctx.active_people() if access.contact_point]
    if not any(not is_external(p, ctx.institution) for p in contacts):
        yield Violation(
            "contact_point",
            "Ningún funcionario de la institución está designado como punto de contacto."
            + (" Los designados son externos." if contacts else ""),
            "No member of the institution's staff is designated as contact point."
            + (" Those designated are external." if contacts else ""),
            {"designated": [p.id for p in contacts]},
        )


@rule(
    "INV-009",
    title_es="Registro de persona incompleto o inválido (Formulario B)",
    title_en="Person record incomplete or invalid (Formulario B)",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.II; Anexo II, Formulario B",
    rationale="Formulario B must identify each authorized person: name, CI, dependency, link type (with "
    "origin institution or company), institutional email, mobile and role.",
    remediation_es="Completar o corregir el Formulario B de la persona.",
    remediation_en="Complete or correct the person's Formulario B.",
    scope="person",
)
def person_record_incomplete(ctx: PersonContext) -> Iterator[Violation]:
    p = ctx.person
    if not p.is_active:
        return
    missing = [
        f
        for f, v in (
            ("name", p.name),
            ("ci", p.ci),
            ("dependency", p.dependency),
            ("link_type", p.link_type),
            ("email", p.email),
            ("mobile", p.mobile),
        )
        if not v
    ]
    if p.link_type is LinkType.COMISIONADO and not p.origin_institution:
        missing.append("origin_institution")
    if p.link_type is LinkType.TERCERIZADO and not p.company:
        missing.append("company")
    if any(a.role is None for a in p.access):
        missing.append("role")
    invalid = []
    if p.ci and not is_valid_ci(p.ci):
        invalid.append("ci")
    if p.mobile and not is_py_mobile(p.mobile):
        invalid.append("mobile")
    if missing or invalid:
        parts_es = ([f"faltan: {fields_es(missing)}"] if missing else []) + (
            [f"inválidos: {fields_es(invalid)}"] if invalid else []
        )
        parts_en = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"invalid: {', '.join(invalid)}"] if invalid else []
        )
        yield Violation(
            "record",
            f"Formulario B de {person_label(p)}: {'; '.join(parts_es)}.",
            f"Formulario B of {person_label(p)}: {'; '.join(parts_en)}.",
            {
                "person": p.id,
                "missing": missing,
                "invalid": invalid,
                "values": {f: getattr(p, f) for f in invalid},
            },
        )


@rule(
    "INV-010",
    title_es="El correo registrado de la persona no es institucional",
    title_en="Person's registered email is not institutional",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.II",
    rationale="Formulario B asks for the person's institutional email; a personal mailbox leaves account "
    "notices and recovery outside the institution.",
    remediation_es="Registrar el correo institucional de la persona.",
    remediation_en="Record the person's institutional email.",
    scope="person",
)
def person_email_not_institutional(ctx: PersonContext) -> Iterator[Violation]:
    p = ctx.person
    if not p.is_active or not p.email:
        return
    kind = classify_email(p.email, ctx.institution.email_domains)
    if kind is not EmailClass.INSTITUTIONAL:
        yield Violation(
            "email",
            f"El correo de {person_label(p)}, {p.email}, no es institucional ({EMAIL_CLASS_ES[kind]}).",
            f"The email of {person_label(p)}, {p.email}, is not institutional ({EMAIL_CLASS_EN[kind]}).",
            {"person": p.id, "email": p.email, "class": kind.value},
        )
