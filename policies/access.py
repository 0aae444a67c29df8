"""ACC rules: who really has access on the platform, compared with Formulario B.

Members are matched to registered people by the platform user id recorded on Formulario B, else by email
(see `match_member`); a name alone is only a «posible coincidencia». Members of the account's Meta Business
without a task on it are judged once per (Business, member) (see policies/business.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.i18n import Lang, raw_term, term
from auditor.model import REGISTERED_ROLE_RANK, Member, PersonStatus, PlatformRole, Severity
from auditor.model.classify import classify_email, is_institutional
from policies.business import (
    business_label,
    business_only,
    business_scope,
    business_violation,
    judged_here,
    match_in_business,
)
from policies.context import (
    AccountContext,
    Violation,
    is_external,
    match_member,
    member_label,
    person_label,
    possible_match,
)
from policies.registry import rule
from policies.wording import EMAIL_CLASS_EN, EMAIL_CLASS_ES

ACCOUNT_ACCESS = "Acceso indebido a cuentas, sistemas o sus datos"
PRIVILEGED = 'rsit:intrusions="privileged-account-compromise"'
UNPRIVILEGED = 'rsit:intrusions="unprivileged-account-compromise"'


def _members(ctx: AccountContext, *, pending: bool = False) -> list[Member]:
    """The members this account's rules judge: a member known only through a Business another institution
    holds is that institution's to judge (policies/business.py)."""
    return [
        m
        for m in ctx.snap.members.value or []
        if m.pending is pending and (not business_only(m) or judged_here(ctx, m))
    ]


def _member_evidence(m: Member) -> dict[str, object]:
    return {
        "member": m.platform_user_id,
        "name": m.name,
        "email": m.email,
        "platform_role": m.role.value,
        "raw_role": m.raw_role,
    }


def _role_text(member: Member, lang: Lang) -> str:
    """The member's role in words; a role the platform names but the auditor does not know is shown as such
    (the raw value stays in the evidence)."""
    if member.role is PlatformRole.OTHER and member.raw_role:
        return raw_term("raw_role", member.raw_role, lang)
    return term(member.role, lang)


def _rsit_for(member: Member) -> str:
    return PRIVILEGED if member.role is PlatformRole.ADMIN else UNPRIVILEGED


def _possibly(ctx: AccountContext, member: Member) -> tuple[str, str, dict[str, object]]:
    """«posible coincidencia» wording and evidence when an unmatched member bears a registered person's name."""
    person = possible_match(member, ctx.inventory)
    if person is None:
        return "", "", {}
    return (
        f" Posible coincidencia por nombre con {person_label(person)}: confirmarlo y registrar su id de usuario "
        "en el Formulario B.",
        f" Possible name match with {person_label(person)}: confirm it and record their user id on Formulario B.",
        {"possible_match": person.id},
    )


@rule(
    "ACC-001",
    title_es="Persona con acceso en la plataforma que no está autorizada para la cuenta",
    title_en="A member with access on the platform is not registered as authorized for this account",
    severity=Severity.CRITICAL,
    guide_ref="6.1.1.II–III",
    rationale="Everyone with access must be on Formulario B for this account; an unknown member may be an "
    "intruder or an undocumented hand-over.",
    remediation_es="Verificar quién es; si no corresponde, quitarle el acceso, cambiar contraseñas y cerrar "
    "sesiones. Si corresponde, registrarlo en el Formulario B.",
    remediation_en="Identify the member; if not legitimate remove the access, change passwords and close "
    "sessions. If legitimate, register them on Formulario B.",
    needs=("obs:members",),
    shared_subject=business_scope,
    incident=True,
    cert_category=ACCOUNT_ACCESS,
    rsit=UNPRIVILEGED,
)
def unregistered_member(ctx: AccountContext) -> Iterator[Violation]:
    for m in _members(ctx):
        kind_es = "usuario de sistema" if m.system_user else "persona"
        kind_en = "System user" if m.system_user else "Member"
        if business_only(m):
            person, meta = match_in_business(m, ctx)
            if person is not None and (person.status is PersonStatus.BAJA or (person.is_active and meta)):
                continue  # departed: ACC-003's; registered on an asset of the Business: a known member
            known = f" (registrado como {person_label(person)}, pero no en cuentas de Meta)" if person else ""
            known_en = f" (registered as {person_label(person)}, but not on Meta accounts)" if person else ""
            maybe_es, maybe_en, maybe = _possibly(ctx, m) if person is None else ("", "", {})
            yield business_violation(
                ctx,
                m,
                f"{kind_es.capitalize()} {member_label(m)}: miembro del Business {business_label(ctx, m)} sin tareas "
                f"en la página, con rol {_role_text(m, 'es')}, no autorizada en ninguna cuenta de Meta de la "
                f"institución{known}.{maybe_es}",
                f"{kind_en} {member_label(m)}: a member of Business {business_label(ctx, m)} without tasks on the "
                f"Page, with role {_role_text(m, 'en')}, not authorized on any Meta account of the "
                f"institution{known_en}.{maybe_en}",
                {**_member_evidence(m), **maybe},
                rsit=_rsit_for(m),
            )
            continue
        person, access = match_member(m, ctx.account.id, ctx.inventory)
        if person is not None and person.status is PersonStatus.BAJA:
            continue  # a departed person is ACC-003's finding
        if access is None:
            known = f" (registrado como {person_label(person)}, pero no para esta cuenta)" if person else ""
            known_en = f" (registered as {person_label(person)}, but not for this account)" if person else ""
            maybe_es, maybe_en, maybe = _possibly(ctx, m) if person is None else ("", "", {})
            yield Violation(
                f"member:{m.platform_user_id}",
                f"{kind_es.capitalize()} {member_label(m)} con rol {_role_text(m, 'es')} en la plataforma no está "
                f"autorizada para la cuenta{known}.{maybe_es}",
                f"{kind_en} {member_label(m)} with role {_role_text(m, 'en')} on "
                f"the platform is not authorized for the account{known_en}.{maybe_en}",
                {**_member_evidence(m), **maybe},
                rsit=_rsit_for(m),
            )


@rule(
    "ACC-002",
    title_es="Rol en la plataforma superior al registrado",
    title_en="A member holds a higher platform role than registered",
    severity=Severity.HIGH,
    guide_ref="6.1.1.III",
    rationale="Roles are granted as registered on Formulario B; a community manager with full control can "
    "remove the administrators.",
    remediation_es="Reducir el rol en la plataforma al registrado, o actualizar el Formulario B con la "
    "autorización correspondiente.",
    remediation_en="Lower the platform role to the registered one, or update Formulario B with its authorization.",
    needs=("obs:members",),
    shared_subject=business_scope,
)
def higher_role_than_registered(ctx: AccountContext) -> Iterator[Violation]:
    for m in _members(ctx):
        if business_only(m):
            yield from _business_admin_above_registration(ctx, m)
            continue
        person, access = match_member(m, ctx.account.id, ctx.inventory)
        if person is None or access is None or access.role is None or not person.is_active:
            continue
        if m.role.rank > REGISTERED_ROLE_RANK[access.role]:
            yield Violation(
                f"member:{m.platform_user_id}",
                f"{person_label(person)} tiene rol {term(m.role, 'es')} en la plataforma; registrado como "
                f"{term(access.role, 'es')}.",
                f"{person_label(person)} holds {term(m.role, 'en')} on the platform; registered as "
                f"{term(access.role, 'en')}.",
                {**_member_evidence(m), "person": person.id, "registered_role": access.role.value},
            )


def _business_admin_above_registration(ctx: AccountContext, m: Member) -> Iterator[Violation]:
    """A Business admin controls every asset of the Business: above any registration short of Administrador."""
    if m.role is not PlatformRole.ADMIN:
        return
    person, meta = match_in_business(m, ctx)
    roles = [a.role for a in meta if a.role is not None]
    if person is None or not person.is_active or not roles:
        return  # unregistered (ACC-001) or departed (ACC-003)
    top = max(roles, key=lambda r: REGISTERED_ROLE_RANK[r])
    if REGISTERED_ROLE_RANK[top] < PlatformRole.ADMIN.rank:
        yield business_violation(
            ctx,
            m,
            f"{person_label(person)} es administrador del Business {business_label(ctx, m)} (control de todos sus "
            f"activos); registrado como {term(top, 'es')}.",
            f"{person_label(person)} is an administrator of Business {business_label(ctx, m)} (control of all its "
            f"assets); registered as {term(top, 'en')}.",
            {**_member_evidence(m), "person": person.id, "registered_role": top.value},
        )


@rule(
    "ACC-003",
    title_es="Persona dada de baja que todavía tiene acceso",
    title_en="A person registered as departed (baja) still has access",
    severity=Severity.CRITICAL,
    guide_ref="6.1.1.III",
    rationale="When an administrator or CM is replaced they must be removed from the institution's accounts; "
    "a departed person's access is an open door.",
    remediation_es="Quitar el acceso de inmediato, cambiar las contraseñas, cerrar todas las sesiones y "
    "actualizar correo y teléfono asociados.",
    remediation_en="Remove the access now, change passwords, close all sessions and update the linked email and phone.",
    needs=("obs:members",),
    shared_subject=business_scope,
    incident=True,
    cert_category=ACCOUNT_ACCESS,
    rsit=UNPRIVILEGED,
)
def departed_person_with_access(ctx: AccountContext) -> Iterator[Violation]:
    for m in _members(ctx):
        person, _ = match_member(m, ctx.account.id, ctx.inventory)
        if person is None or person.status is not PersonStatus.BAJA:
            continue
        since = f" desde el {person.status_date:%d/%m/%Y}" if person.status_date else ""
        evidence = {
            **_member_evidence(m),
            "person": person.id,
            "status_date": person.status_date.isoformat() if person.status_date else None,
        }
        if business_only(m):
            yield business_violation(
                ctx,
                m,
                f"{person_label(person)} está de baja{since} y sigue siendo miembro del Business "
                f"{business_label(ctx, m)} ({_role_text(m, 'es')}), sin tareas en la página: puede recibir acceso "
                "a cualquier activo del Business.",
                f"{person_label(person)} departed{' on ' + str(person.status_date) if person.status_date else ''} "
                f"and is still a member of Business {business_label(ctx, m)} ({_role_text(m, 'en')}), without "
                "tasks on the Page: they can be given access to any asset of the Business.",
                evidence,
                rsit=_rsit_for(m),
            )
        else:
            yield Violation(
                f"member:{m.platform_user_id}",
                f"{person_label(person)} está de baja{since} y conserva el rol {term(m.role, 'es')} en la plataforma.",
                f"{person_label(person)} departed{' on ' + str(person.status_date) if person.status_date else ''} "
                f"and still holds the {term(m.role, 'en')} role on the platform.",
                evidence,
                rsit=_rsit_for(m),
            )


@rule(
    "ACC-004",
    title_es="Persona externa con rol de administrador en la plataforma",
    title_en="An external person holds an admin role on the platform",
    severity=Severity.HIGH,
    guide_ref="6.1.1.II",
    rationale="No one outside the institution may be Administrador de cuenta, whatever the paperwork says.",
    remediation_es="Quitar el rol de administrador a la persona externa y asignarlo a un funcionario.",
    remediation_en="Remove the admin role from the external person and give it to institutional staff.",
    needs=("obs:members",),
    shared_subject=business_scope,
)
def external_admin_on_platform(ctx: AccountContext) -> Iterator[Violation]:
    for m in _members(ctx):
        if m.role is not PlatformRole.ADMIN:
            continue
        person, _ = match_member(m, ctx.account.id, ctx.inventory)
        external = (
            is_external(person, ctx.institution)
            if person
            else (bool(m.email) and not is_institutional(m.email, ctx.institution.email_domains))
        )
        if external and business_only(m):
            who = person_label(person) if person else member_label(m)
            yield business_violation(
                ctx,
                m,
                f"{who} es externo a la institución y es administrador del Business {business_label(ctx, m)}.",
                f"{who} is external to the institution and an administrator of Business {business_label(ctx, m)}.",
                {**_member_evidence(m), "person": person.id if person else None},
            )
        elif external:
            who = person_label(person) if person else member_label(m)
            yield Violation(
                f"member:{m.platform_user_id}",
                f"{who} es externo a la institución y tiene rol de administrador en la plataforma.",
                f"{who} is external to the institution and holds an admin role on the platform.",
                {**_member_evidence(m), "person": person.id if person else None},
            )


@rule(
    "ACC-005",
    title_es="Usuario autorizado que no aparece en la plataforma",
    title_en="A registered authorized user does not appear on the platform",
    severity=Severity.LOW,
    guide_ref="6.1.1.II",
    rationale="Formulario B that lists people without access is out of date, and hides who really operates "
    "the account.",
    remediation_es="Actualizar el Formulario B (baja o modificación) o asignar el acceso registrado.",
    remediation_en="Update Formulario B (baja or modification) or grant the registered access.",
    needs=("obs:members",),
)
def registered_user_missing(ctx: AccountContext) -> Iterator[Violation]:
    members = ctx.snap.members.value or []
    matched = set()
    for m in members:
        person, access = match_member(m, ctx.account.id, ctx.inventory)
        if person is not None:
            matched.add(person.id)
    for person, access in ctx.active_people():
        if person.id not in matched:
            yield Violation(
                f"person:{person.id}",
                f"{person_label(person)} está autorizado como {term(access.role, 'es') if access.role else '?'} "
                "pero no aparece entre los usuarios de la plataforma.",
                f"{person_label(person)} is authorized as {term(access.role, 'en') if access.role else '?'} "
                "but is not among the platform's users.",
                {"person": person.id, "registered_role": access.role.value if access.role else None},
            )


@rule(
    "ACC-006",
    title_es="Correo de un usuario en la plataforma no institucional",
    title_en="A member's email on the platform is not institutional",
    severity=Severity.HIGH,
    guide_ref="6.1.1.I; Res. MITIC 432/2019",
    rationale="Access tied to a personal mailbox can be recovered, and reset, by whoever controls that mailbox.",
    remediation_es="Pedir al usuario que use su correo institucional en la plataforma.",
    remediation_en="Have the member use their institutional email on the platform.",
    needs=("obs:members",),
    shared_subject=business_scope,
)
def member_email_not_institutional(ctx: AccountContext) -> Iterator[Violation]:
    for m in _members(ctx):
        if not m.email:
            continue
        kind = classify_email(m.email, ctx.institution.email_domains)
        if m.business is not None and not judged_here(ctx, m):
            continue  # the Business's holder reports its members' emails
        if not is_institutional(m.email, ctx.institution.email_domains) and m.business is not None:
            # The email is the Business user's, whatever Page shows them: one finding for the Business.
            yield business_violation(
                ctx,
                m,
                f"{member_label(m)}, miembro del Business {business_label(ctx, m)}, usa {m.email} "
                f"({EMAIL_CLASS_ES[kind]}).",
                f"{member_label(m)}, a member of Business {business_label(ctx, m)}, uses {m.email} "
                f"({EMAIL_CLASS_EN[kind]}).",
                {**_member_evidence(m), "class": kind.value},
            )
        elif not is_institutional(m.email, ctx.institution.email_domains):
            yield Violation(
                f"member:{m.platform_user_id}",
                f"{member_label(m)} usa {m.email} en la plataforma ({EMAIL_CLASS_ES[kind]}).",
                f"{member_label(m)} uses {m.email} on the platform ({EMAIL_CLASS_EN[kind]}).",
                {**_member_evidence(m), "class": kind.value},
            )


@rule(
    "ACC-007",
    title_es="Invitación pendiente a una persona no registrada",
    title_en="Pending invitation to an unregistered person",
    severity=Severity.MEDIUM,
    guide_ref="6.1.1.III",
    rationale="An invitation becomes access as soon as it is accepted; only registered people may be invited.",
    remediation_es="Cancelar la invitación o registrar a la persona en el Formulario B antes de que la acepte.",
    remediation_en="Cancel the invitation, or register the person on Formulario B before they accept it.",
    needs=("obs:members",),
    shared_subject=business_scope,
)
def pending_invitation(ctx: AccountContext) -> Iterator[Violation]:
    for m in _members(ctx, pending=True):
        if business_only(m):
            person, meta = match_in_business(m, ctx)
            if person is None or not person.is_active or not meta:
                yield business_violation(
                    ctx,
                    m,
                    f"Invitación pendiente al Business {business_label(ctx, m)} para {m.email or m.platform_user_id} "
                    f"(rol {_role_text(m, 'es')}), que no está autorizado en ninguna cuenta de Meta de la institución.",
                    f"Pending invitation to Business {business_label(ctx, m)} for {m.email or m.platform_user_id} "
                    f"(role {_role_text(m, 'en')}), who is not authorized on any Meta account of the institution.",
                    _member_evidence(m),
                )
            continue
        person, access = match_member(m, ctx.account.id, ctx.inventory)
        if access is None or person is None or not person.is_active:
            yield Violation(
                f"member:{m.platform_user_id}",
                f"Invitación pendiente para {m.email or m.platform_user_id} (rol {_role_text(m, 'es')}), que no está "
                "autorizado para la cuenta.",
                f"Pending invitation for {m.email or m.platform_user_id} (role {_role_text(m, 'en')}), who is not "
                "authorized for the account.",
                _member_evidence(m),
            )
