"""LIF rules: accounts that should have been archived, dormant accounts, and administrator hand-overs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from auditor.i18n import term
from auditor.model import AccountKind, AccountState, AccountStatus, InstitutionStatus, PlatformRole, Severity
from auditor.model.clock import ASUNCION
from auditor.model.inventory import Role
from policies.checklist import ARCHIVABLE, single_login
from policies.context import AccountContext, PersonContext, Violation, person_label
from policies.declared import departure_declared, handover_declared
from policies.registry import rule


def _active(ctx: AccountContext) -> bool:
    return ctx.snap.status.value is AccountState.ACTIVE


@rule(
    "LIF-001",
    title_es="Cuenta de apoyo vencida que sigue activa",
    title_en="Support account past its end date is still active",
    severity=Severity.MEDIUM,
    guide_ref="6.1.4",
    rationale="When the programme that justified a support account ends, the account is archived and its "
    "passwords changed.",
    remediation_es="Archivar la cuenta, cambiar las contraseñas y resguardar la información.",
    remediation_en="Archive the account, change its passwords and keep its content.",
    needs=("inv", "obs:status"),
    applies=lambda ctx: (
        ctx.account.kind is AccountKind.APOYO
        and ctx.account.status is AccountStatus.ACTIVE
        and bool(ctx.account.support and ctx.account.support.end_date)
    ),
)
def support_account_expired(ctx: AccountContext) -> Iterator[Violation]:
    end = ctx.account.support.end_date if ctx.account.support else None
    if end and end < ctx.today and _active(ctx):
        yield Violation(
            "lifecycle",
            f"La cuenta de apoyo terminó el {end:%d/%m/%Y} y sigue activa.",
            f"The support account ended on {end} and is still active.",
            {"end_date": end.isoformat(), "days_past": (ctx.today - end).days},
        )


@rule(
    "LIF-002",
    title_es="Cuenta inactiva: sin publicaciones recientes",
    title_en="Dormant account: no publication for more than N days",
    severity=Severity.LOW,
    guide_ref="6.1.1.IV–V",
    rationale="An abandoned official account is easy to hijack unnoticed and misleads citizens.",
    remediation_es="Retomar las publicaciones según el plan, o archivar la cuenta si ya no se usa.",
    remediation_en="Resume publishing according to the plan, or archive the account.",
    needs=("obs:last_activity",),
    params={"dormant_days": 90},
    applies=lambda ctx: ctx.account.status is AccountStatus.ACTIVE,
)
def dormant(ctx: AccountContext) -> Iterator[Violation]:
    last: datetime | None = ctx.snap.last_activity.value
    days = int(ctx.params["dormant_days"])
    if last is None:
        yield Violation(
            "last_activity",
            "La cuenta no tiene ninguna publicación.",
            "The account has no posts.",
            {"last_activity": None, "dormant_days": days},
        )
        return
    idle = (ctx.today - last.astimezone(ASUNCION).date()).days
    if idle > days:
        yield Violation(
            "last_activity",
            f"Última publicación el {last.astimezone(ASUNCION):%d/%m/%Y}: {idle} días sin publicar (límite {days}).",
            f"Last post on {last.date()}: {idle} days without publishing (limit {days}).",
            {"last_activity": last.isoformat(), "idle_days": idle, "dormant_days": days},
        )


@rule(
    "LIF-003",
    title_es="Institución fusionada o suprimida con cuentas sin archivar",
    title_en="Institution merged or dissolved but its accounts are not archived",
    severity=Severity.MEDIUM,
    guide_ref="6.1.4",
    rationale="When an institution ceases to exist its accounts are archived (passwords changed, content kept).",
    remediation_es="Archivar la cuenta y traspasar su resguardo a la Dirección de Comunicación responsable.",
    remediation_en="Archive the account and hand its custody to the responsible communications office.",
    needs=("inv", "obs:status"),
    applies=lambda ctx: ctx.institution.status is not InstitutionStatus.ACTIVE,
)
def institution_gone_account_active(ctx: AccountContext) -> Iterator[Violation]:
    if _active(ctx):
        inst = ctx.institution
        since = f" el {inst.status_date:%d/%m/%Y}" if inst.status_date else ""
        into = f" en {inst.merged_into}" if inst.merged_into else ""
        yield Violation(
            "lifecycle",
            f"La institución fue {term(inst.status, 'es')}{into}{since} y la cuenta sigue activa.",
            f"The institution was {term(inst.status, 'en')}{' into ' + inst.merged_into if inst.merged_into else ''} "
            "and the account is still active.",
            {"institution_status": inst.status.value, "merged_into": inst.merged_into},
        )


@rule(
    "LIF-004",
    title_es="Cuenta registrada como archivada o de baja pero activa",
    title_en="Account registered as archived/baja but observed active",
    severity=Severity.MEDIUM,
    guide_ref="6.1.4",
    rationale="An account the register says is closed but that still publishes is unmanaged.",
    remediation_es="Archivar la cuenta en la plataforma o corregir su estado en el Formulario A.",
    remediation_en="Archive the account on the platform or correct its status on Formulario A.",
    needs=("inv", "obs:status"),
    # Where the platform cannot archive, a backup declaration (CHK-10) is asked instead (6.1.4).
    applies=lambda ctx: ctx.account.status is not AccountStatus.ACTIVE and ctx.account.platform in ARCHIVABLE,
)
def closed_but_active(ctx: AccountContext) -> Iterator[Violation]:
    if _active(ctx):
        yield Violation(
            "lifecycle",
            f"La cuenta está registrada como «{term(ctx.account.status, 'es')}» pero está activa en la plataforma.",
            f"The account is registered as {term(ctx.account.status, 'en')} but is active on the platform.",
            {"registered_status": ctx.account.status.value},
        )


@rule(
    "LIF-005",
    title_es="Cambio de administradores: lista de verificación a declarar",
    title_en="Administrator changed since the previous run: checklist to attest",
    severity=Severity.INFO,
    guide_ref="6.1.1.III",
    rationale="On a change of administrator the guide requires: change passwords, assign roles, close every "
    "session, update the linked email and phone, and remove the replaced person.",
    remediation_es="Declarar que se cambiaron las contraseñas, se cerraron las sesiones, se actualizaron correo "
    "y teléfono, se revisaron los roles y se quitó a la persona reemplazada.",
    remediation_en="Attest that passwords were changed, sessions closed, email and phone updated, roles "
    "reviewed and the replaced person removed.",
    needs=("obs:members", "prev"),
)
def administrators_changed(ctx: AccountContext) -> Iterator[Violation]:
    """Open from the run that sees the change for as long as the administrators stay as changed, until a
    CHK-11 declaration on the account dated on or after the change closes it (not the next run not seeing a
    change again)."""

    def admins(members: list | None) -> dict[str, str]:  # type: ignore[type-arg]
        return {
            m.platform_user_id: m.name or m.email or m.platform_user_id
            for m in members or []
            if m.role is PlatformRole.ADMIN and not m.pending
        }

    now = admins(ctx.snap.members.value)
    prior = ctx.was_open("LIF-005", "administrators")
    if ctx.previous is not None and ctx.previous.members.ok and set(admins(ctx.previous.members.value)) != set(now):
        before = admins(ctx.previous.members.value)
        added = sorted(now[i] for i in set(now) - set(before))
        removed = sorted(before[i] for i in set(before) - set(now))
        since = ctx.today
    elif prior and prior.get("admins") == sorted(now):
        added, removed = list(prior.get("added") or []), list(prior.get("removed") or [])
        since = date.fromisoformat(prior["since"]) if prior.get("since") else ctx.today
    else:
        return
    if handover_declared(ctx.declarations, ctx.institution.id, ctx.account.id, since) is not None:
        return
    yield Violation(
        "administrators",
        "Cambiaron los administradores"
        + (f"; nuevos: {', '.join(added)}" if added else "")
        + (f"; salieron: {', '.join(removed)}" if removed else "")
        + ". Declarar: contraseñas cambiadas, sesiones cerradas, correo y teléfono actualizados, roles revisados.",
        "Administrators changed"
        + (f"; added: {', '.join(added)}" if added else "")
        + (f"; removed: {', '.join(removed)}" if removed else "")
        + ". Attest: passwords changed, sessions closed, email and phone updated, roles reviewed.",
        {"added": added, "removed": removed, "admins": sorted(now), "since": since.isoformat(), "declare": "CHK-11"},
    )


@rule(
    "LIF-007",
    title_es="Salida de un responsable sin los pasos declarados",
    title_en="Departure of a person responsible without the steps declared",
    severity=Severity.HIGH,
    guide_ref="6.1.1.III",
    rationale="When a person with access leaves, an account whose login is shared or single-user (or any account "
    "they administered) stays open to them until passwords are changed, sessions closed and the linked email "
    "and phone reviewed. No platform shows that it was done: it is declared (CHK-11) after the departure.",
    remediation_es="Cambiar contraseñas, cerrar sesiones, revisar correo y teléfono asociados y los roles; luego "
    "declararlo (`auditor declare --item CHK-11 --person …`).",
    remediation_en="Change passwords, close sessions, review the linked email and phone and the roles; then "
    "declare it (`auditor declare --item CHK-11 --person …`).",
    needs=("inv", "declarations"),
    scope="person",
)
def departure_steps_undeclared(ctx: PersonContext) -> Iterator[Violation]:
    person = ctx.person
    if person.is_active:
        return
    accounts = {a.id: a for a in ctx.inventory.accounts}
    why = sorted(
        {
            access.account
            for access in person.access
            if (account := accounts.get(access.account)) is not None
            and (single_login(account) or access.role is Role.ADMINISTRADOR)
        }
    )
    if not why:
        return
    since = person.status_date
    if departure_declared(ctx.declarations, ctx.institution.id, person.id, since) is not None:
        return
    when_es = f" el {since:%d/%m/%Y}" if since else " (fecha de baja no registrada)"
    when_en = f" on {since}" if since else " (departure date not registered)"
    yield Violation(
        f"departure:{person.id}",
        f"{person_label(person)} salió{when_es} y tenía acceso a {', '.join(why)} (inicio de sesión compartido o "
        "de un solo usuario, o como administrador): falta declarar el cambio de contraseñas, el cierre de sesiones "
        "y la revisión de correo, teléfono y roles (CHK-11).",
        f"{person_label(person)} left{when_en} with access to {', '.join(why)} (shared or single-user login, or as "
        "administrator): the password change, session closure and email, phone and role review are not declared "
        "(CHK-11).",
        {
            "person": person.id,
            "departed_on": since.isoformat() if since else None,
            "accounts": why,
            "declare": "CHK-11",
        },
    )
