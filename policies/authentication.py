"""AUT rules: two-factor authentication, linked email and phone as the platform reports them.

Rules about a change (AUT-003, AUT-005) keep reporting it while the changed value stays, so an incident is
not "resolved" just because it is no longer news; they stop once the value is restored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.i18n import t, term
from auditor.model import Severity, TwoFactorPolicy, TwoFactorState
from auditor.model.classify import classify_email, is_institutional, normalise_phone
from policies.access import ACCOUNT_ACCESS, PRIVILEGED
from policies.business import business_label, business_scope, business_violation, judged_here
from policies.context import AccountContext, Violation, member_label
from policies.registry import rule
from policies.wording import EMAIL_CLASS_ES


@rule(
    "AUT-001",
    title_es="La verificación en dos pasos no es obligatoria para todos los que tienen acceso",
    title_en="Two-factor authentication is not required for everyone with access",
    severity=Severity.HIGH,
    guide_ref="6.1.6; Res. MITIC 432/2019",
    rationale="An account-level 2FA requirement protects every member, including the ones who forget to turn "
    "it on; Meta Business `two_factor_type` must be `all_required`, Zoom `sign_in_with_two_factor_auth` `all`.",
    remediation_es="Exigir la verificación en dos pasos para todas las personas (p. ej. Meta Business: "
    "«Obligatoria para todos»).",
    remediation_en="Require two-factor authentication for everyone (e.g. Meta Business: required for everyone).",
    needs=("obs:two_factor",),
)
def two_factor_not_required(ctx: AccountContext) -> Iterator[Violation]:
    obs = ctx.snap.two_factor
    if obs.value is not TwoFactorPolicy.ALL_REQUIRED:
        value = obs.value or TwoFactorPolicy.UNKNOWN
        yield Violation(
            "two_factor",
            f"La verificación en dos pasos {t(f'twofa.{value.value}', 'es')}.",
            f"Two-factor authentication {t(f'twofa.{value.value}', 'en')}.",
            {"policy": value.value, "raw": obs.raw},
        )


@rule(
    "AUT-002",
    title_es="Usuario con acceso sin verificación en dos pasos",
    title_en="A member with access has two-factor authentication off",
    severity=Severity.HIGH,
    guide_ref="6.1.6",
    rationale="Each person's own 2FA is what stops a stolen password from becoming a hijacked account.",
    remediation_es="Pedir al usuario que active la verificación en dos pasos; quitarle el acceso hasta hacerlo.",
    remediation_en="Have the member turn on two-factor authentication; suspend the access until they do.",
    needs=("obs:members|login_two_factor",),
    shared_subject=business_scope,
)
def member_without_two_factor(ctx: AccountContext) -> Iterator[Violation]:
    login = ctx.snap.login_two_factor
    if login.ok:
        if login.value is TwoFactorState.OFF:
            yield Violation(
                "login",
                f"La cuenta {ctx.account.linked_email or ctx.account.handle} no tiene activada la verificación en dos "
                "pasos.",
                f"Account {ctx.account.linked_email or ctx.account.handle} has two-factor authentication off.",
                {"login": ctx.account.linked_email or ctx.account.handle, "raw": login.raw},
            )
        elif login.value is TwoFactorState.UNKNOWN:
            ctx.attest("login_two_factor", "AUT-002", seen=term(str(login.raw), "es") if login.raw else None)
    for m in ctx.snap.members.value or []:
        if m.pending or m.system_user:
            continue
        if m.business is not None and not judged_here(ctx, m):
            continue  # the Business's holder reports its members' 2FA
        if m.two_factor is TwoFactorState.OFF and m.business is not None:
            # A Business user's 2FA is theirs on every asset of the Business: one finding for the Business.
            yield business_violation(
                ctx,
                m,
                f"{member_label(m)}, miembro del Business {business_label(ctx, m)}, no tiene activada la "
                "verificación en dos pasos.",
                f"{member_label(m)}, a member of Business {business_label(ctx, m)}, has two-factor authentication off.",
                {"member": m.platform_user_id, "name": m.name, "raw": m.raw_two_factor},
            )
        elif m.two_factor is TwoFactorState.OFF:
            yield Violation(
                f"member:{m.platform_user_id}",
                f"{member_label(m)} no tiene activada la verificación en dos pasos.",
                f"{member_label(m)} has two-factor authentication off.",
                {"member": m.platform_user_id, "name": m.name, "raw": m.raw_two_factor},
            )
        elif m.two_factor is TwoFactorState.UNKNOWN:
            # The platform's value was not positively recognised: never a pass, a person must attest it.
            raw = term(str(m.raw_two_factor), "es") if m.raw_two_factor is not None else "sin valor"
            ctx.attest("members.two_factor", "AUT-002", seen=f"{member_label(m)}: {raw}")


@rule(
    "AUT-003",
    title_es="La verificación en dos pasos estaba exigida y ya no lo está",
    title_en="Two-factor authentication was on at the previous run and is off now",
    severity=Severity.CRITICAL,
    guide_ref="6.1.6",
    rationale="Weakening the 2FA requirement is a typical first step of an account takeover.",
    remediation_es="Restablecer la exigencia de verificación en dos pasos, revisar quién la cambió, cambiar "
    "contraseñas y cerrar sesiones.",
    remediation_en="Restore the 2FA requirement, find out who changed it, change passwords and close sessions.",
    needs=("obs:two_factor", "prev"),
    incident=True,
    cert_category="Problema de configuración / vulnerabilidad",
    rsit='rsit:vulnerable="vulnerable-system"',
)
def two_factor_weakened(ctx: AccountContext) -> Iterator[Violation]:
    now = ctx.snap.two_factor.value or TwoFactorPolicy.UNKNOWN
    before = ctx.previous.two_factor.value if ctx.previous and ctx.previous.two_factor.ok else None
    prior = ctx.was_open("AUT-003", "two_factor")
    if before is not None and now is not TwoFactorPolicy.UNKNOWN and before.strength > now.strength:
        evidence: dict[str, Any] = {"before": before.value, "after": now.value}
    elif prior and now.value == prior.get("after"):
        evidence = {"before": prior.get("before"), "after": now.value}
    else:
        return
    yield Violation(
        "two_factor",
        f"La verificación en dos pasos pasó de «{term(TwoFactorPolicy(evidence['before']), 'es')}» a "
        f"«{term(now, 'es')}».",
        f"Two-factor authentication went from '{term(TwoFactorPolicy(evidence['before']), 'en')}' to "
        f"'{term(now, 'en')}'.",
        evidence,
    )


@rule(
    "AUT-004",
    title_es="Correo asociado en la plataforma no institucional",
    title_en="Email linked on the platform is not institutional",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I",
    rationale="The email the platform shows for the account must be the institution's, never a personal one.",
    remediation_es="Cambiar el correo asociado en la plataforma por uno institucional.",
    remediation_en="Change the email linked on the platform to an institutional one.",
    needs=("obs:linked_emails",),
)
def platform_email_not_institutional(ctx: AccountContext) -> Iterator[Violation]:
    bad = [e for e in ctx.snap.linked_emails.value or [] if not is_institutional(e, ctx.institution.email_domains)]
    if bad:
        kinds = {e: classify_email(e, ctx.institution.email_domains).value for e in bad}
        yield Violation(
            "linked_email",
            "Correo no institucional asociado en la plataforma: "
            + ", ".join(f"{e} ({EMAIL_CLASS_ES[classify_email(e, ctx.institution.email_domains)]})" for e in bad)
            + ".",
            f"Non-institutional email linked on the platform: {', '.join(bad)}.",
            {"emails": bad, "classes": kinds},
        )


@rule(
    "AUT-005",
    title_es="Cambió el correo asociado desde la ejecución anterior",
    title_en="Linked email changed since the previous run",
    severity=Severity.HIGH,
    guide_ref="6.1.1.III",
    rationale="Changing the linked email is how a hijacker locks the owner out; a change to a non-institutional "
    "address is treated as an incident.",
    remediation_es="Confirmar con el administrador si el cambio fue autorizado; si no, recuperar la cuenta "
    "(asistencia del MITIC), cambiar contraseñas y cerrar sesiones.",
    remediation_en="Confirm with the administrator that the change was authorised; if not, recover the account "
    "(MITIC assistance), change passwords and close sessions.",
    needs=("obs:linked_emails", "prev"),
    incident=True,
    cert_category=ACCOUNT_ACCESS,
    rsit=PRIVILEGED,
    graded=(
        (
            Severity.CRITICAL,
            "cuando el nuevo correo no es institucional (y entonces es un incidente)",
            "when the new email is not institutional (and it is then an incident)",
        ),
    ),
)
def linked_email_changed(ctx: AccountContext) -> Iterator[Violation]:
    now = sorted(ctx.snap.linked_emails.value or [])
    before = sorted(ctx.previous.linked_emails.value or []) if ctx.previous and ctx.previous.linked_emails.ok else None
    prior = ctx.was_open("AUT-005", "linked_email")
    if before is not None and before != now:
        evidence: dict[str, Any] = {"before": before, "after": now}
    elif prior and prior.get("after") == now:
        evidence = {"before": prior.get("before"), "after": now}
    else:
        return
    new = [e for e in now if e not in (evidence["before"] or [])]
    foreign = [e for e in new if not is_institutional(e, ctx.institution.email_domains)]
    yield Violation(
        "linked_email",
        f"El correo asociado cambió: {', '.join(evidence['before'] or ['(ninguno)'])} → {', '.join(now) or '(ninguno)'}"
        + (". El nuevo correo no es institucional." if foreign else "."),
        f"The linked email changed: {', '.join(evidence['before'] or ['(none)'])} → {', '.join(now) or '(none)'}"
        + (". The new email is not institutional." if foreign else "."),
        {**evidence, "not_institutional": foreign},
        severity=Severity.CRITICAL if foreign else None,
        incident=bool(foreign),
    )


@rule(
    "AUT-006",
    title_es="El teléfono en la plataforma no coincide con el registrado o falta",
    title_en="Phone linked on the platform differs from the registered one, or is missing",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.I",
    rationale="The phone recovers the account: it must be the one registered, controlled by the administrator.",
    remediation_es="Actualizar el teléfono en la plataforma (o el Formulario A si el cambio está autorizado).",
    remediation_en="Update the phone on the platform (or Formulario A if the change is authorised).",
    needs=("obs:phone",),
    applies=lambda ctx: bool(ctx.account.phone),
)
def phone_mismatch(ctx: AccountContext) -> Iterator[Violation]:
    observed = ctx.snap.phone.value
    registered = ctx.account.phone
    if not observed:
        yield Violation(
            "phone",
            "La plataforma no muestra ningún teléfono asociado.",
            "The platform shows no linked phone.",
            {"registered": registered},
        )
        return
    normalised = normalise_phone(observed, mobile_only=False) or observed
    if normalised != registered:
        yield Violation(
            "phone",
            f"El teléfono en la plataforma ({observed}) no coincide con el registrado ({registered}).",
            f"The phone on the platform ({observed}) differs from the registered one ({registered}).",
            {"observed": observed, "registered": registered},
        )
