"""LIF rules: accounts that should have been archived, dormant accounts, and administrator hand-overs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from auditor.i18n import term
from auditor.model import AccountKind, AccountState, AccountStatus, InstitutionStatus, PlatformRole, Severity
from auditor.model.clock import ASUNCION
from policies.context import AccountContext, Violation
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
    applies=lambda ctx: ctx.account.status is not AccountStatus.ACTIVE,
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
    """Open from the run that sees the change for as long as the administrators stay as changed: the
    checklist is attested by the RSI (a waiver), not by the next run not seeing a change again."""

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
    elif prior and prior.get("admins") == sorted(now):
        added, removed = list(prior.get("added") or []), list(prior.get("removed") or [])
    else:
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
        {"added": added, "removed": removed, "admins": sorted(now)},
    )
