"""What an incident ticket says: the Spanish incident report the incident process (Res. MITIC 346/2020,
CERT-PY) receives, built only from sanitised findings, snapshots and the inventory (never a token)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from auditor.model import (
    AccountSnapshot,
    Finding,
    InstitutionInventory,
    TicketAction,
    TicketContact,
    TicketContent,
)
from auditor.model.clock import local_text
from auditor.model.platforms import PLATFORMS
from policies.registry import get_rule
from reports.escape import plain

# The containment steps of the guide (6.1.1.III, 6.1.5), in the order a responder takes them.
STEPS = {
    "passwords": ("Cambiar las contraseñas de la cuenta.", "Change the account's passwords."),
    "sessions": ("Cerrar todas las sesiones abiertas.", "Close every open session."),
    "contact": ("Actualizar el correo electrónico y el teléfono asociados.", "Update the linked email and phone."),
    "remove": (
        "Quitar el acceso al usuario no autorizado o dado de baja.",
        "Remove the unauthorised or departed user.",
    ),
    "roles": ("Revisar los roles y permisos de todos los usuarios.", "Review every user's roles and permissions."),
    "mitic": (
        "Solicitar asistencia al MITIC para la recuperación de la cuenta (mediosdigitales@mitic.gov.py).",
        "Ask MITIC for account recovery assistance (mediosdigitales@mitic.gov.py).",
    ),
    "two_factor": (
        "Restablecer la verificación en dos pasos obligatoria para todos.",
        "Restore two-factor authentication as mandatory for everyone.",
    ),
    "report_platform": (
        "Denunciar la cuenta suplantadora a la plataforma.",
        "Report the impersonating account to the platform.",
    ),
    "verify": ("Solicitar nuevamente la verificación de la cuenta.", "Request the account's verification again."),
}
CONTAINMENT = {
    "ACC-001": ("remove", "passwords", "sessions", "roles", "contact"),
    "ACC-003": ("remove", "passwords", "sessions", "contact", "roles"),
    "AUT-003": ("two_factor", "passwords", "sessions", "roles"),
    "AUT-005": ("contact", "passwords", "sessions", "mitic"),
    "IDN-001": ("mitic", "passwords", "sessions", "contact"),
    "IDN-002": ("passwords", "sessions", "contact", "roles", "mitic"),
    "IDN-005": ("passwords", "sessions", "roles", "verify"),
    "IDN-006": ("report_platform",),
}
IMPACT = {
    "Acceso indebido a cuentas, sistemas o sus datos": (
        "Una persona no autorizada puede publicar en nombre de la institución, alterar la cuenta o bloquear a sus "
        "administradores.",
        "An unauthorised person can publish on behalf of the institution, alter the account or lock its "
        "administrators out.",
    ),
    "Problema de configuración / vulnerabilidad": (
        "La cuenta queda expuesta a la toma de control con una contraseña robada.",
        "The account is exposed to takeover with a stolen password.",
    ),
    "Phishing": (
        "Terceros pueden suplantar a la institución ante la ciudadanía.",
        "Third parties can impersonate the institution to citizens.",
    ),
}

ACTION_ES = {
    TicketAction.CREATE: "Incidente",
    TicketAction.COMMENT: "Actualización",
    TicketAction.RESOLVE: "Resuelto",
    TicketAction.REOPEN: "Reabierto",
}
ACTION_EN = {
    TicketAction.CREATE: "Incident",
    TicketAction.COMMENT: "Update",
    TicketAction.RESOLVE: "Resolved",
    TicketAction.REOPEN: "Reopened",
}


def evidence_hash(evidence: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(evidence, sort_keys=True, default=str).encode()).hexdigest()[:16]


def group_key(ticket: TicketContent, grouping: str) -> str:
    """One ticket per finding (the fingerprint) or per account (institution/account), as the sink is set."""
    if grouping == "account" and ticket.account:
        return f"{ticket.institution_id}/{ticket.account}"
    return ticket.fingerprint


def _excerpt(snapshot: AccountSnapshot | None) -> dict[str, Any]:
    """The observed facts a responder needs, from the sanitised snapshot (never raw bodies)."""
    if snapshot is None:
        return {}
    out: dict[str, Any] = {"fetched_at": snapshot.fetched_at.isoformat()}
    for name in ("status", "handle", "display_name", "linked_emails", "two_factor", "verification"):
        obs = snapshot.attribute(name)
        if obs.ok:
            out[name] = getattr(obs.value, "value", obs.value)
    return out


def build_ticket(
    action: TicketAction,
    finding: Finding,
    inventory: InstitutionInventory | None,
    snapshot: AccountSnapshot | None,
    detected_at: datetime,
    run_id: int,
    *,
    lang: str,
    recipient: str | None,
    deadline_hours: int | None,
) -> TicketContent:
    rule = get_rule(finding.policy_id)
    es = lang != "en"
    inst = inventory.institution if inventory else None
    contacts = []
    if inst and inst.communications_director:
        c = inst.communications_director
        contacts.append(
            TicketContact(
                role="Director/a de Comunicación" if es else "Communications director",
                name=c.name,
                email=c.email,
                phone=c.phone,
            )
        )
    if inst and inst.rsi:
        c = inst.rsi
        contacts.append(TicketContact(role="RSI", name=c.name, email=c.email, phone=c.phone))
    account = inventory.account(finding.account) if inventory and finding.account else None
    info = PLATFORMS[finding.platform] if finding.platform else None
    title = rule.title(lang) if rule else finding.policy_id
    where = f"{info.name} @{finding.handle}" if info and finding.handle else (info.name if info else "")
    prefix = (ACTION_ES if es else ACTION_EN)[action]
    summary = plain(
        f"[{prefix}] {inst.name if inst else finding.institution} · {where} · {finding.policy_id} {title}", limit=255
    )
    cert = rule.cert_category if rule else None
    impact = IMPACT.get(
        cert or "", ("Riesgo para la cuenta oficial de la institución.", "Risk to the institution's official account.")
    )
    return TicketContent(
        action=action,
        fingerprint=finding.fingerprint,
        lang="es" if es else "en",
        summary=summary,
        institution_id=finding.institution,
        institution_name=inst.name if inst else finding.institution,
        institution_ruc=inst.ruc if inst else None,
        contacts=contacts,
        detected_at=detected_at,
        detected_at_local=local_text(detected_at),
        platform=finding.platform,
        account=finding.account,
        handle=finding.handle,
        profile_url=info.url_for(finding.handle) if info else None,
        platform_account_id=(snapshot.platform_account_id if snapshot else None)
        or (account.platform_account_id if account else None),
        policy_id=finding.policy_id,
        title=title,
        severity=finding.severity,
        cert_category=cert,
        rsit=finding.rsit,
        description=finding.message_es if es else finding.message_en,
        evidence={"finding": finding.evidence, "observed": _excerpt(snapshot)},
        impact=impact[0] if es else impact[1],
        containment=[STEPS[s][0 if es else 1] for s in CONTAINMENT.get(finding.policy_id, ("passwords", "sessions"))],
        recipient=recipient,
        deadline_hours=deadline_hours,
        run_id=run_id,
    )


def severity_text(t: TicketContent) -> str:
    from auditor.i18n import t as message

    return message(f"severity.{t.severity.value}", t.lang)


def ticket_text(t: TicketContent) -> str:
    """The incident report as plain text (email body, webhook/TheHive description)."""
    es = t.lang == "es"
    lines = [
        t.summary,
        "",
        f"{'Institución' if es else 'Institution'}: {t.institution_name}"
        + (f" (RUC {t.institution_ruc})" if t.institution_ruc else ""),
        *[
            f"{'Contacto' if es else 'Contact'} ({c.role}): {c.name} <{c.email or '—'}> {c.phone or ''}".rstrip()
            for c in t.contacts
        ],
        f"{'Detectado' if es else 'Detected'}: {t.detected_at_local} (America/Asuncion)",
        f"{'Plataforma y cuenta' if es else 'Platform and account'}: "
        f"{PLATFORMS[t.platform].name if t.platform else '—'} · @{t.handle or '—'} · {t.profile_url or '—'} · "
        f"id {t.platform_account_id or '—'}",
        f"{'Regla' if es else 'Rule'}: {t.policy_id} — {t.title} ({severity_text(t)})",
        f"{'Categoría CERT-PY' if es else 'CERT-PY category'}: {t.cert_category or '—'}",
        f"RSIT: {t.rsit or '—'}",
        "",
        f"{'Descripción' if es else 'Description'}: {t.description}",
        f"{'Impacto' if es else 'Impact'}: {t.impact}",
        "",
        f"{'Medidas de contención recomendadas por la guía' if es else 'Containment steps from the guide'}:",
        *[f"  {i}. {step}" for i, step in enumerate(t.containment, 1)],
        "",
        f"{'Evidencia' if es else 'Evidence'}:",
        json.dumps(t.evidence, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        "",
    ]
    if t.recipient:
        lines.append(
            f"{'Destinatario' if es else 'Recipient'}: {t.recipient}"
            + (f" · {'plazo' if es else 'deadline'} {t.deadline_hours} h" if t.deadline_hours else "")
        )
    lines.append(f"{'Identificador' if es else 'Identifier'}: {t.fingerprint} · run #{t.run_id}")
    return "\n".join(plain(line, limit=4000) if not line.startswith(("{", " ", "[")) else line for line in lines)
