"""What an incident ticket says: the Spanish incident report the incident process (Res. MITIC 346/2020,
CERT-PY) receives, built only from sanitised findings, snapshots and the inventory (never a token)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from auditor.i18n import Lang, as_lang, t
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
IMPACT = {  # CERT-PY category → the catalogue's impact sentence
    "Acceso indebido a cuentas, sistemas o sus datos": "ticket.impact.access",
    "Problema de configuración / vulnerabilidad": "ticket.impact.configuration",
    "Phishing": "ticket.impact.phishing",
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
    language = as_lang(lang)
    inst = inventory.institution if inventory else None
    contacts = []
    if inst and inst.communications_director:
        c = inst.communications_director
        contacts.append(
            TicketContact(
                role=t("ticket.director", language),
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
    prefix = t(f"ticket.action.{action.value}", language)
    summary = plain(
        f"[{prefix}] {inst.name if inst else finding.institution} · {where} · {finding.policy_id} {title}", limit=255
    )
    cert = rule.cert_category if rule else None
    impact = t(IMPACT.get(cert or "", "ticket.impact.default"), language)
    return TicketContent(
        action=action,
        fingerprint=finding.fingerprint,
        lang=language,
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
        description=_description(action, finding, language),
        evidence={"finding": finding.evidence, "observed": _excerpt(snapshot)},
        impact=impact,
        containment=[
            t(f"ticket.step.{step}", language) for step in CONTAINMENT.get(finding.policy_id, ("passwords", "sessions"))
        ],
        recipient=recipient,
        deadline_hours=deadline_hours,
        run_id=run_id,
    )


def _description(action: TicketAction, finding: Finding, language: Lang) -> str:
    """The finding's message; a resolve because the central office confirmed a false positive says so first."""
    message = finding.message_es if language == "es" else finding.message_en
    fp = finding.evidence.get("false_positive")
    if action is TicketAction.RESOLVE and isinstance(fp, dict):
        why = t("ticket.false_positive", language, by=fp.get("confirmed_by"), rationale=fp.get("rationale"))
        return f"{why} {message}"
    return message


def severity_text(ticket: TicketContent) -> str:
    return t(f"severity.{ticket.severity.value}", ticket.lang)


def ticket_text(ticket: TicketContent) -> str:
    """The incident report as plain text (email body, webhook/TheHive description)."""
    lang = ticket.lang

    def label(key: str) -> str:
        return t(f"ticket.{key}", lang)

    lines = [
        ticket.summary,
        "",
        f"{label('institution')}: {ticket.institution_name}"
        + (f" (RUC {ticket.institution_ruc})" if ticket.institution_ruc else ""),
        *[
            f"{label('contact')} ({c.role}): {c.name} <{c.email or '—'}> {c.phone or ''}".rstrip()
            for c in ticket.contacts
        ],
        f"{label('detected')}: {ticket.detected_at_local} (America/Asuncion)",
        f"{label('platform_account')}: "
        f"{PLATFORMS[ticket.platform].name if ticket.platform else '—'} · @{ticket.handle or '—'} · "
        f"{ticket.profile_url or '—'} · id {ticket.platform_account_id or '—'}",
        f"{label('rule')}: {ticket.policy_id} — {ticket.title} ({severity_text(ticket)})",
        f"{label('cert')}: {ticket.cert_category or '—'}",
        f"RSIT: {ticket.rsit or '—'}",
        "",
        f"{label('description')}: {ticket.description}",
        f"{label('impact')}: {ticket.impact}",
        "",
        f"{label('containment')}:",
        *[f"  {i}. {step}" for i, step in enumerate(ticket.containment, 1)],
        "",
        f"{label('evidence')}:",
        json.dumps(ticket.evidence, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        "",
    ]
    if ticket.recipient:
        lines.append(
            f"{label('recipient')}: {ticket.recipient}"
            + (f" · {label('deadline')} {ticket.deadline_hours} h" if ticket.deadline_hours else "")
        )
    lines.append(f"{label('identifier')}: {ticket.fingerprint} · {label('run')} #{ticket.run_id}")
    return "\n".join(plain(line, limit=4000) if not line.startswith(("{", " ", "[")) else line for line in lines)
