"""IDN rules: is the account still there, still ours, still verified, and not impersonated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.i18n import Lang, term
from auditor.model import (
    AccountState,
    AccountStatus,
    InstitutionStatus,
    Severity,
    VerificationExpectation,
    VerificationState,
)
from auditor.model.classify import reveal_foreign_letters
from auditor.model.platforms import PLATFORMS
from policies.access import ACCOUNT_ACCESS, PRIVILEGED
from policies.context import AccountContext, InstitutionContext, Violation
from policies.registry import rule

MODIFICATION = 'rsit:information-content-security="unauthorised-information-modification"'
STATE_ES = {
    AccountState.NOT_FOUND: "no existe o no es visible",
    AccountState.DEACTIVATED: "está desactivada o cerrada",
    AccountState.UNPUBLISHED: "no está publicada",
    AccountState.PROTECTED: "es privada (protegida)",
    AccountState.UNLISTED: "no está listada (solo se llega con el enlace)",
    AccountState.ACTIVE: "está activa",
}


def _badge(value: object, lang: Lang) -> str:
    """A verification state as recorded in evidence (its value), in words."""
    try:
        return term(VerificationState(str(value)), lang)
    except ValueError:
        return term(str(value), lang)


@rule(
    "IDN-001",
    title_es="Cuenta registrada no encontrada, desactivada o suspendida",
    title_en="Registered active account not found, deactivated or suspended",
    severity=Severity.CRITICAL,
    guide_ref="6.1.5",
    rationale="An official account that vanished may have been taken over and deleted, or suspended; MITIC "
    "assists with recovery.",
    remediation_es="Verificar el estado de la cuenta; si se perdió el control, solicitar asistencia al MITIC "
    "para recuperarla y reportar el incidente.",
    remediation_en="Check the account; if control was lost, ask MITIC for recovery assistance and report it.",
    needs=("obs:status",),
    incident=True,
    cert_category=ACCOUNT_ACCESS,
    rsit=PRIVILEGED,
    applies=lambda ctx: ctx.account.status is AccountStatus.ACTIVE,
)
def account_gone(ctx: AccountContext) -> Iterator[Violation]:
    state = ctx.snap.status.value
    if state in (AccountState.NOT_FOUND, AccountState.DEACTIVATED):
        yield Violation(
            "status",
            f"La cuenta registrada {STATE_ES[state]} en la plataforma.",
            f"The registered account is {term(state, 'en')} on the platform.",
            {"state": state.value, "raw": ctx.snap.status.raw},
        )


@rule(
    "IDN-002",
    title_es="El nombre de perfil cambió sin modificación registrada",
    title_en="Handle changed against the registered one with no recorded modification",
    severity=Severity.HIGH,
    guide_ref="6.1.1.III; Formulario A (Modif.)",
    rationale="A rename without a Formulario A modification can be a takeover, and frees the old handle for "
    "impersonators.",
    remediation_es="Confirmar si el cambio fue autorizado; si lo fue, registrar la modificación en el "
    "Formulario A; si no, recuperar la cuenta y reservar el nombre anterior.",
    remediation_en="Confirm the rename was authorised and record it on Formulario A; if not, recover the "
    "account and reclaim the old handle.",
    needs=("obs:handle",),
    incident=True,
    cert_category=ACCOUNT_ACCESS,
    rsit=MODIFICATION,
    applies=lambda ctx: bool(ctx.account.handle),
)
def handle_changed(ctx: AccountContext) -> Iterator[Violation]:
    registered = (ctx.account.handle or "").lower()
    observed = ctx.snap.handle.value
    if observed is None or observed.lower() == registered:
        return
    recorded = any(
        m.field in ("handle", "nombre del perfil") and (m.new or "").lstrip("@").lower() == observed.lower()
        for m in ctx.account.modifications
    )
    if not recorded:
        # Two handles that look the same but are not (a Cyrillic «а» on one side) must say why they differ.
        foreign = [(h, letters) for h in (ctx.account.handle or "", observed) if (letters := reveal_foreign_letters(h))]
        hidden = "; ".join(f"@{h} contiene {letters}" for h, letters in foreign)
        hidden_en = "; ".join(f"@{h} contains {letters}" for h, letters in foreign)
        yield Violation(
            "handle",
            f"El perfil registrado es @{ctx.account.handle} pero la plataforma muestra @{observed}."
            + (f" Se ven iguales pero no lo son: {hidden}." if hidden else ""),
            f"The registered handle is @{ctx.account.handle} but the platform shows @{observed}."
            + (f" They look alike but differ: {hidden_en}." if hidden_en else ""),
            {"before": ctx.account.handle, "after": observed},
        )


@rule(
    "IDN-003",
    title_es="El nombre visible cambió desde la ejecución anterior",
    title_en="Display name changed since the previous run",
    severity=Severity.MEDIUM,
    guide_ref="6.1.4",
    rationale="A renamed official account confuses citizens and can signal a takeover; an authorised rename is "
    "recorded by updating the registered descriptive name.",
    remediation_es="Confirmar el cambio; si es autorizado, actualizar el nombre descriptivo en el Formulario A.",
    remediation_en="Confirm the change; if authorised, update the descriptive name on Formulario A.",
    needs=("obs:display_name", "prev"),
)
def display_name_changed(ctx: AccountContext) -> Iterator[Violation]:
    now = ctx.snap.display_name.value
    if now is None or now == ctx.account.display_name:
        return
    before = ctx.previous.display_name.value if ctx.previous and ctx.previous.display_name.ok else None
    prior = ctx.was_open("IDN-003", "display_name")
    if before is not None and before != now:
        evidence: dict[str, Any] = {"before": before, "after": now}
    elif prior and prior.get("after") == now:
        evidence = {"before": prior.get("before"), "after": now}
    else:
        return
    yield Violation(
        "display_name",
        f"El nombre visible cambió: «{evidence['before']}» → «{now}».",
        f'The display name changed: "{evidence["before"]}" → "{now}".',
        evidence,
    )


@rule(
    "IDN-004",
    title_es="Cuenta sin verificar donde se espera la verificación",
    title_en="Not verified where verification is expected",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.I; 6.1.2; 6.1.3; 6.1.6",
    rationale="The guide asks to manage verification of official accounts (6.1.1.I, required by default for "
    "principal and authority accounts, 6.1.3) and recommends it for support accounts (6.1.2); on X only the grey "
    "government badge (or business for state companies) is institutional, a paid blue check is not.",
    remediation_es="Solicitar la verificación (el MITIC asiste) o registrar que la cuenta no es elegible.",
    remediation_en="Request verification (MITIC assists) or record that the account is not eligible.",
    needs=("obs:verification",),
    applies=lambda ctx: (
        ctx.account.verification_expected in (VerificationExpectation.REQUIRED, VerificationExpectation.RECOMMENDED)
        and ctx.account.status is AccountStatus.ACTIVE
        and ctx.institution.status is InstitutionStatus.ACTIVE
    ),
    graded=((Severity.LOW, "cuando la verificación solo se recomienda (cuentas de apoyo)", "when only recommended"),),
)
def not_verified(ctx: AccountContext) -> Iterator[Violation]:
    state = ctx.snap.verification.value or VerificationState.UNKNOWN
    if state is VerificationState.UNKNOWN:
        ctx.attest("verification", "IDN-004")
        return
    if not state.institutional:
        yield Violation(
            "verification",
            f"La cuenta no tiene verificación institucional (estado: {term(state, 'es')}).",
            f"The account has no institutional verification (state: {term(state, 'en')}).",
            {
                "state": state.value,
                "raw": ctx.snap.verification.raw,
                "expectation": ctx.account.verification_expected.value,
            },
            severity=Severity.MEDIUM
            if ctx.account.verification_expected is VerificationExpectation.REQUIRED
            else Severity.LOW,
        )


@rule(
    "IDN-005",
    title_es="Se perdió la insignia de verificación",
    title_en="Verification badge lost since the previous run",
    severity=Severity.HIGH,
    guide_ref="6.1.6",
    rationale="Platforms remove the badge after renames or takeovers; losing it is a signal to check the account.",
    remediation_es="Revisar cambios recientes de nombre o de administradores y solicitar de nuevo la verificación.",
    remediation_en="Check recent renames or admin changes and request verification again.",
    needs=("obs:verification", "prev"),
    incident=True,
    cert_category=ACCOUNT_ACCESS,
    rsit=MODIFICATION,
)
def badge_lost(ctx: AccountContext) -> Iterator[Violation]:
    now = ctx.snap.verification.value or VerificationState.UNKNOWN
    before = ctx.previous.verification.value if ctx.previous and ctx.previous.verification.ok else None
    prior = ctx.was_open("IDN-005", "verification")
    if before is not None and before.institutional and not now.institutional and now is not VerificationState.UNKNOWN:
        evidence: dict[str, Any] = {"before": before.value, "after": now.value}
    elif prior and prior.get("after") == now.value:
        evidence = {"before": prior.get("before"), "after": now.value}
    else:
        return
    yield Violation(
        "verification",
        f"La insignia de verificación se perdió: {_badge(evidence['before'], 'es')} → {term(now, 'es')}.",
        f"The verification badge was lost: {_badge(evidence['before'], 'en')} → {term(now, 'en')}.",
        evidence,
    )


@rule(
    "IDN-006",
    title_es="El nombre de perfil alternativo lo tiene un tercero",
    title_en="The registered alternative handle is held by a third party",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I",
    rationale="The alternative handle registered on Formulario A, if taken by someone else, is a ready-made "
    "impersonation of the institution.",
    remediation_es="Revisar la cuenta que usa el nombre alternativo y, si suplanta a la institución, "
    "denunciarla a la plataforma y al CERT-PY.",
    remediation_en="Review the account holding the alternative handle and, if it impersonates the institution, "
    "report it to the platform and CERT-PY.",
    needs=("obs:alternative_handle_owner",),
    incident=True,
    cert_category="Phishing",
    rsit='rsit:fraud="masquerade"',
    applies=lambda ctx: bool(ctx.account.alternative_handle),
)
def alternative_handle_taken(ctx: AccountContext) -> Iterator[Violation]:
    owner = ctx.snap.alternative_handle_owner.value
    if owner and owner != ctx.snap.platform_account_id:
        raw = ctx.snap.alternative_handle_owner.raw or {}
        name = raw.get("name") if isinstance(raw, dict) else None
        yield Violation(
            "alternative_handle",
            f"@{ctx.account.alternative_handle} pertenece a otra cuenta (id {owner}"
            + (f", «{name}»" if name else "")
            + ").",
            f"@{ctx.account.alternative_handle} belongs to another account (id {owner}"
            + (f', "{name}"' if name else "")
            + ").",
            {"alternative_handle": ctx.account.alternative_handle, "holder_id": owner, "holder": raw},
        )


@rule(
    "IDN-007",
    title_es="Cuenta visible para las credenciales de la institución que no está en el inventario",
    title_en="An account visible to the institution's credentials is not in the inventory",
    severity=Severity.MEDIUM,
    guide_ref="2; 6.1.1",
    rationale="Every official account must be registered; an unregistered one is run outside the guide's controls.",
    remediation_es="Registrar la cuenta (Formulario A) o darla de baja si no corresponde.",
    remediation_en="Register the account (Formulario A) or close it if it should not exist.",
    needs=("obs:discovery",),
    scope="institution",
)
def unregistered_account(ctx: InstitutionContext) -> Iterator[Violation]:
    for d in ctx.discovered:
        if ctx.is_registered(d) or ctx.imitated(d):  # a look-alike is reported as impersonation (IDN-009)
            continue
        name = PLATFORMS[d.platform].name
        yield Violation(
            f"discovered:{d.platform.value}:{d.platform_account_id}",
            f"{name} «{d.name or d.handle}» (@{d.handle}, id {d.platform_account_id}) es visible con la credencial "
            f"{d.credential} y no está en el inventario.",
            f'{name} "{d.name or d.handle}" (@{d.handle}, id {d.platform_account_id}) is visible with credential '
            f"{d.credential} and is not in the inventory.",
            {
                "platform": d.platform.value,
                "platform_account_id": d.platform_account_id,
                "handle": d.handle,
                "name": d.name,
            },
        )


@rule(
    "IDN-009",
    title_es="Cuenta que imita el nombre de una cuenta registrada (caracteres parecidos)",
    title_en="An account imitates a registered handle with look-alike characters",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I",
    rationale="A handle spelt with characters from another alphabet (a Cyrillic «р» for a Latin «p») or with "
    "look-alike sequences («rn» for «m») reads as the institution's own: the classic impersonation, and "
    "invisible to a person comparing names by eye.",
    remediation_es="Verificar quién administra la cuenta; si no es de la institución, denunciarla a la plataforma "
    "como suplantación y al CERT-PY.",
    remediation_en="Find out who runs the account; if it is not the institution's, report it to the platform as "
    "impersonation and to CERT-PY.",
    needs=("obs:discovery", "obs:lookalikes"),
    scope="institution",
    incident=True,
    cert_category="Phishing",
    rsit='rsit:fraud="masquerade"',
)
def lookalike_account(ctx: InstitutionContext) -> Iterator[Violation]:
    """Accounts the institution's credentials see (its Business) and accounts found under look-alike spellings
    of its handles on every platform that allows a lookup by handle — impostors live outside the Business."""
    seen: set[tuple[str, str]] = set()
    for d in [*ctx.discovered, *ctx.lookalikes]:
        if (d.platform.value, d.platform_account_id) in seen:
            continue
        seen.add((d.platform.value, d.platform_account_id))
        registered = None if ctx.is_registered(d) else ctx.imitated(d)
        if registered is None:
            continue
        name = PLATFORMS[d.platform].name
        hidden = reveal_foreign_letters(d.handle or "")
        why_es = f" (contiene {hidden})" if hidden else ""
        why_en = f" (it contains {hidden})" if hidden else ""
        yield Violation(
            f"lookalike:{d.platform.value}:{d.platform_account_id}",
            f"{name} @{d.handle} (id {d.platform_account_id}) imita a la cuenta registrada @{registered}{why_es}.",
            f"{name} @{d.handle} (id {d.platform_account_id}) imitates the registered account @{registered}{why_en}.",
            {
                "platform": d.platform.value,
                "platform_account_id": d.platform_account_id,
                "handle": d.handle,
                "imitates": registered,
                "foreign_letters": hidden or None,
                "name": d.name,
            },
        )


@rule(
    "IDN-008",
    title_es="Cuenta privada o no publicada",
    title_en="Account is private/protected or unpublished",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.IV",
    rationale="Official institutional accounts must be open to the people who want to contact the institution.",
    remediation_es="Publicar la cuenta o quitar la protección (o archivarla si ya no se usa).",
    remediation_en="Publish the account or make it public (or archive it if it is no longer used).",
    needs=("obs:status",),
    # 6.1.4: for an account registered as archived (or dada de baja) unpublished is the compliant state.
    applies=lambda ctx: ctx.account.status is AccountStatus.ACTIVE,
)
def not_public(ctx: AccountContext) -> Iterator[Violation]:
    state = ctx.snap.status.value
    if state in (AccountState.UNPUBLISHED, AccountState.PROTECTED, AccountState.UNLISTED):
        yield Violation(
            "status",
            f"La cuenta {STATE_ES[state]}.",
            f"The account is {term(state, 'en')}.",
            {"state": state.value, "raw": ctx.snap.status.raw},
        )
