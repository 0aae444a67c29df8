"""INV rules on Formulario A: gaps in the registered account records themselves (Res. MITIC 678/2022).

These run on the register alone, so they work before any platform credential exists: they are what a
communications office can fix with paperwork. The rules on Formulario B are in `inventory_people`.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model import (
    AccountKind,
    LoginMode,
    PhoneControl,
    Platform,
    Severity,
)
from auditor.model.classify import EmailClass, classify_email
from auditor.model.platforms import PLATFORMS
from policies.context import AccountContext, Violation
from policies.registry import rule
from policies.wording import EMAIL_CLASS_EN, EMAIL_CLASS_ES, fields_es


@rule(
    "INV-001",
    title_es="Registro de la cuenta incompleto (Formulario A)",
    title_en="Account record incomplete (Formulario A)",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.I; 6.1.3; Anexo II, Formulario A",
    rationale="The approval must carry network, descriptive name, handle and alternative handle, institutional "
    "email, objective, and the signer — the director of communications (6.1.1.I) or the MAI (Form A): which of "
    "them, CI and date. Authority accounts (6.1.3) need no objective.",
    remediation_es="Completar el Formulario A con los datos faltantes y la autorización firmada (director de "
    "comunicación o MAI, con aclaración, C.I. y fecha).",
    remediation_en="Complete Formulario A with the missing data and the signed authorisation (director of "
    "communications or MAI, with name, CI and date).",
)
def account_record_incomplete(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    auth = a.authorization
    checks: dict[str, object] = {
        "display_name": a.display_name,
        "handle": a.handle,
        "linked_email": a.linked_email,
        "authorization.approver_name": auth.approver_name if auth else None,
        "authorization.approver_role": auth.approver_role if auth else None,
        "authorization.approver_ci": auth.approver_ci if auth else None,
        "authorization.date": auth.date if auth else None,
    }
    if PLATFORMS[a.platform].has_public_handle:  # Form A «Nombre del perfil: (alternativa)»
        checks["alternative_handle"] = a.alternative_handle
    if a.kind is not AccountKind.AUTORIDAD:  # 6.1.3: an authority's account states no objective of its own
        checks["objective"] = a.objective
    missing = [name for name, value in checks.items() if not value]
    if missing:
        yield Violation(
            "record",
            f"Faltan datos del Formulario A: {fields_es(missing)}.",
            f"Formulario A is missing: {', '.join(missing)}.",
            {"missing": missing},
        )


@rule(
    "INV-002",
    title_es="El correo asociado registrado no es institucional",
    title_en="Registered linked email is not institutional",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I; Res. MITIC 432/2019 y 218/2020",
    rationale="Free mailboxes (gmail, outlook, yahoo…) are outside the institution's control; whoever holds "
    "the mailbox can recover the account.",
    remediation_es="Asociar la cuenta a un correo del dominio institucional y actualizar el Formulario A.",
    remediation_en="Link the account to an address on the institution's domain and update Formulario A.",
)
def linked_email_not_institutional(ctx: AccountContext) -> Iterator[Violation]:
    email = ctx.account.linked_email
    if not email:
        return  # a missing email is INV-001's finding
    kind = classify_email(email, ctx.institution.email_domains)
    if kind is not EmailClass.INSTITUTIONAL:
        yield Violation(
            "linked_email",
            f"El correo asociado {email} no es institucional ({EMAIL_CLASS_ES[kind]}).",
            f"The linked email {email} is not institutional ({EMAIL_CLASS_EN[kind]}).",
            {"email": email, "class": kind.value, "allowlist": ctx.institution.email_domains},
        )


@rule(
    "INV-003",
    title_es="Sin teléfono registrado o no controlado por el administrador",
    title_en="No phone registered, or not controlled by the administrator",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.I",
    rationale="The phone linked to the account recovers it: it must be controlled exclusively by the "
    "administrator, a corporate number preferred.",
    remediation_es="Registrar un número controlado por el administrador (preferentemente corporativo).",
    remediation_en="Register a number controlled by the administrator (a corporate one preferred).",
)
def phone_missing_or_uncontrolled(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    if not a.phone:
        yield Violation(
            "phone",
            "La cuenta no tiene un teléfono registrado.",
            "No phone is registered for the account.",
            {},
        )
    elif not a.phone.startswith("+"):
        yield Violation(
            "phone",
            f"El teléfono registrado {a.phone} no es un número paraguayo válido.",
            f"The registered phone {a.phone} is not a valid Paraguayan number.",
            {"phone": a.phone},
        )
    elif a.phone_control not in (PhoneControl.CORPORATIVO, PhoneControl.ADMINISTRADOR):
        yield Violation(
            "phone",
            "No consta que el teléfono esté controlado por el administrador ni que sea corporativo.",
            "The phone is not recorded as controlled by the administrator nor as corporate.",
            {"phone": a.phone, "phone_control": a.phone_control},
        )


@rule(
    "INV-004",
    title_es="Sin plan de posteo o sin indicadores",
    title_en="No posting plan, or no indicators",
    severity=Severity.LOW,
    guide_ref="6.1.1.I",
    rationale="The guide asks for a digital communication plan (plan de posteo) and, where the institution "
    "has an annual communication plan, indicators to measure the account's management.",
    remediation_es="Adjuntar el plan de posteo y, si existe Plan de Comunicación Institucional Anual, "
    "los indicadores de gestión.",
    remediation_en="Attach the posting plan and, where there is an annual communication plan, the indicators.",
)
def no_posting_plan(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    if not ctx.in_force or a.kind is AccountKind.AUTORIDAD:  # 6.1.3: no posting plan for an authority
        return
    if not a.posting_plan_ref:
        yield Violation("posting_plan", "No se referencia un plan de posteo.", "No posting plan is referenced.")
    if ctx.institution.annual_plan_ref and not a.indicators:
        yield Violation(
            "indicators",
            "La institución tiene Plan de Comunicación Anual pero la cuenta no registra indicadores.",
            "The institution has an annual communication plan but the account records no indicators.",
            {"annual_plan_ref": ctx.institution.annual_plan_ref},
        )


@rule(
    "INV-011",
    title_es="Cuenta de apoyo sin justificación completa",
    title_en="Support account without its justification",
    severity=Severity.MEDIUM,
    guide_ref="6.1.2.I",
    rationale="A support account (programme, campaign, sub-unit) must justify its audience, period (start and "
    "end), content coordination and objectives/indicators.",
    remediation_es="Completar la justificación de la cuenta de apoyo (público, inicio y fin, coordinación, "
    "objetivos e indicadores) e informar al MITIC.",
    remediation_en="Complete the support account's justification (audience, start and end, coordination, "
    "objectives and indicators) and inform MITIC.",
)
def support_without_justification(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    if a.kind is not AccountKind.APOYO:
        return
    s = a.support
    values = {
        "audience": s.audience if s else None,
        "start_date": s.start_date if s else None,
        "end_date": s.end_date if s else None,
        "coordination": s.coordination if s else None,
        "objectives": (s.objectives if s else None) or a.indicators,
    }
    missing = [k for k, v in values.items() if not v]
    if missing:
        yield Violation(
            "support",
            f"Justificación de cuenta de apoyo incompleta: faltan {fields_es(missing)}.",
            f"Support account justification incomplete: missing {', '.join(missing)}.",
            {"missing": missing},
        )


@rule(
    "INV-012",
    title_es="Nombre del perfil sin indicador de país (py)",
    title_en="Handle without the country indicator (py)",
    severity=Severity.INFO,
    guide_ref="6.1.1.I",
    rationale='The guide recommends showing the country in the handle ("@mpruebapy"), which also makes '
    "look-alikes from other countries easier to tell apart.",
    remediation_es="Considerar incluir «py» en el nombre del perfil al crearlo o renombrarlo.",
    remediation_en='Consider including "py" in the handle when creating or renaming it.',
    params={"country_marker": "py"},
)
def handle_without_country(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    marker = str(ctx.params["country_marker"]).lower()
    if a.kind is AccountKind.AUTORIDAD or not a.handle or not PLATFORMS[a.platform].has_public_handle:
        return
    if marker not in a.handle.lower():
        yield Violation(
            "handle",
            f"El perfil @{a.handle} no indica el país («{marker}»).",
            f'The handle @{a.handle} does not show the country ("{marker}").',
            {"handle": a.handle},
        )


@rule(
    "INV-013",
    title_es="Plataforma no social sin verificación de no duplicación con TI",
    title_en="Non-social platform without the IT non-duplication check",
    severity=Severity.LOW,
    guide_ref="6.1.1.I",
    rationale="For digital platforms other than social networks, IT must confirm the institution has no "
    "existing tool with the same function, so as not to duplicate it.",
    remediation_es="Registrar la verificación del área de TI (quién, cuándo, referencia).",
    remediation_en="Record the IT area's check (who, when, reference).",
)
def non_social_without_it_check(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    if PLATFORMS[a.platform].social:
        return
    check = a.it_check
    if not check or not (check.reference or check.date):
        yield Violation(
            "it_check",
            f"No consta la verificación de TI de no duplicar herramientas para {PLATFORMS[a.platform].name}.",
            f"No IT non-duplication check is recorded for {PLATFORMS[a.platform].name}.",
            {"platform": a.platform.value},
        )


@rule(
    "INV-014",
    title_es="Acceso compartido (varias personas con un solo usuario) sin protocolo del RSI",
    title_en="Shared login (several people on one login) without an RSI usage protocol",
    severity=Severity.HIGH,
    guide_ref="6.1.1.III; 6.1.6",
    rationale="Shared accounts are forbidden; where the platform has no multi-user access, the administrator "
    "must obtain a usage protocol from the RSI after a risk analysis (recorded as a waiver).",
    remediation_es="Usar usuarios individuales si la plataforma lo permite; si no, solicitar al RSI un "
    "protocolo de uso y registrarlo como excepción con vencimiento.",
    remediation_en="Use individual users where the platform allows; otherwise obtain an RSI usage protocol "
    "and record it as an expiring waiver.",
    params={
        "single_login_platforms": sorted(p.value for p, info in PLATFORMS.items() if not info.multi_user),
    },
)
def shared_login(ctx: AccountContext) -> Iterator[Violation]:
    a = ctx.account
    if not ctx.in_force:
        return
    single_login = a.platform.value in ctx.params["single_login_platforms"]
    people = ctx.active_people()
    if len(people) > 1 and (a.login_mode is LoginMode.SHARED or single_login):
        why_es = (
            "registrada con acceso compartido"
            if a.login_mode is LoginMode.SHARED
            else (f"{PLATFORMS[a.platform].name} no tiene acceso multiusuario")
        )
        why_en = (
            "registered as shared login"
            if a.login_mode is LoginMode.SHARED
            else (f"{PLATFORMS[a.platform].name} has no multi-user access")
        )
        yield Violation(
            "shared_login",
            f"{len(people)} personas usan un mismo usuario ({why_es}).",
            f"{len(people)} people use one login ({why_en}).",
            {
                "people": sorted(p.id for p, _ in people),
                "login_mode": a.login_mode.value,
                "platform": Platform(a.platform).value,
            },
        )
