"""OPS rules: the audit itself. What could not be audited is said, never counted as compliant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from auditor.i18n import t
from auditor.model import FetchError, Severity
from auditor.model.clock import ASUNCION
from auditor.model.platforms import PLATFORMS
from policies.context import AccountContext, Violation, WaiverContext
from policies.declared import pending_items
from policies.registry import rule


@rule(
    "OPS-001",
    title_es="No se pudo auditar la cuenta",
    title_en="Account could not be audited",
    severity=Severity.MEDIUM,
    guide_ref="—",
    rationale="An account the auditor could not read is unknown, never compliant; the run is reported "
    "incomplete and earlier findings of the account stay as they were.",
    remediation_es="Revisar la credencial y sus permisos, o configurar el conector de la plataforma.",
    remediation_en="Check the credential and its permissions, or configure the platform's connector.",
    needs=("obs",),
)
def could_not_audit(ctx: AccountContext) -> Iterator[Violation]:
    snap = ctx.snap
    if snap.error is not None:
        yield Violation(
            "audit",
            f"No se pudo auditar: {t(f'fetch_error.{snap.error.value}', 'es')} ({snap.error_detail}).",
            f"Could not be audited: {t(f'fetch_error.{snap.error.value}', 'en')} ({snap.error_detail}).",
            {"error": snap.error.value, "detail": snap.error_detail, "credential": ctx.account.credential},
        )


@rule(
    "OPS-002",
    title_es="Credencial inválida o por vencer",
    title_en="Credential invalid or expiring soon",
    severity=Severity.MEDIUM,
    guide_ref="—",
    rationale="An expired token silently stops the audit of every account it covers.",
    remediation_es="Renovar el token (p. ej. token de usuario del sistema de Meta Business) antes de que venza.",
    remediation_en="Renew the token (e.g. a Meta Business system-user token) before it expires.",
    needs=("obs",),
    params={"expiry_warning_days": 14},
    # One finding per credential: this account re-checks it when the platform said the token is invalid or
    # showed the token's health; any other failure leaves the credential's earlier finding as it was.
    shared_subject=lambda ctx: (
        f"credential:{ctx.account.credential or '?'}",
        ctx.snap.error is FetchError.CREDENTIAL or (ctx.snap.error is None and ctx.snap.credential.ok),
    ),
)
def credential_expiring(ctx: AccountContext) -> Iterator[Violation]:
    """One finding per credential (its subject), whatever platform or asset it was seen on: each account's
    observation is kept in the evidence, so an expired token on one Page and an expiring one on another are
    both reported (the evaluator merges the accounts' observations into the one finding)."""
    snap = ctx.snap
    name = ctx.account.credential or "?"
    subject = f"credential:{name}"
    where = {"account": ctx.account.id, "platform": ctx.account.platform.value}
    if snap.error is FetchError.CREDENTIAL:
        observation: dict[str, Any] = {**where, "error": snap.error_detail}
        es, en = (
            f"inválida o vencida en {ctx.account.id} ({snap.error_detail})",
            f"invalid or expired on {ctx.account.id} ({snap.error_detail})",
        )
    else:
        health = snap.credential.value if snap.credential.ok else None
        if health is None:
            return
        limit = datetime.combine(ctx.today, datetime.min.time(), tzinfo=ASUNCION) + timedelta(
            days=int(ctx.params["expiry_warning_days"])
        )
        expiring = [
            (what, when)
            for what, when in (
                ("expires_at", health.expires_at),
                ("data_access_expires_at", health.data_access_expires_at),
            )
            if when is not None and when <= limit
        ]
        if not health.valid:
            observation = {**where, "error": health.error}
            es, en = (
                f"no válida en {ctx.account.id} ({health.error})",
                f"not valid on {ctx.account.id} ({health.error})",
            )
        elif expiring:
            what, when = expiring[0]
            observation = {**where, what: when.isoformat()}
            es = f"vence el {when.astimezone(ASUNCION):%d/%m/%Y} en {ctx.account.id} ({what})"
            en = f"expires on {when.date()} on {ctx.account.id} ({what})"
        else:
            return
    yield Violation(
        subject,
        f"La credencial {name} ({snap.connector or '?'}): {es}.",
        f"Credential {name} ({snap.connector or '?'}): {en}.",
        {"credential": name, "connector": snap.connector, "observations": [observation]},
        account_level=False,
    )


@rule(
    "OPS-003",
    title_es="Declaraciones pendientes de la cuenta",
    title_en="Declarations pending for the account",
    severity=Severity.INFO,
    guide_ref="—",
    rationale="What no platform shows (and what a platform's API does not expose) cannot be checked "
    "automatically: the institution declares it, item by item of the checklist, and renews the declaration "
    "before it expires. One finding per account lists what is missing, expired or contradicted by the "
    "platform; it is never counted as compliant.",
    remediation_es="Declarar los ítems pendientes (`auditor declare`) o firmar la lista de verificación impresa "
    "(`auditor checklist print`).",
    remediation_en="Declare the pending items (`auditor declare`) or sign the printed checklist "
    "(`auditor checklist print`).",
    needs=("obs", "declarations"),
    graded=(
        (Severity.LOW, "algún ítem vencido", "an item expired"),
        (
            Severity.MEDIUM,
            "algún ítem contradicho por la plataforma o declarado «no cumple»",
            "an item contradicted by the platform or declared not complying",
        ),
    ),
)
def declarations_pending(ctx: AccountContext) -> Iterator[Violation]:
    items = pending_items(ctx)
    if not items:
        return
    states = {i["state"] for i in items}
    severity = (
        Severity.MEDIUM
        if states & {"contradicted", "no_cumple"}
        else Severity.LOW
        if "expired" in states
        else Severity.INFO
    )
    parts_es, parts_en = [], []
    for state in ("contradicted", "no_cumple", "expired", "missing"):
        labels = [i["label"] for i in items if i["state"] == state]
        if labels:
            parts_es.append(f"{t(f'declaration_state.{state}', 'es')}: {', '.join(labels)}")
            parts_en.append(f"{t(f'declaration_state.{state}', 'en')}: {', '.join(labels)}")
    network = PLATFORMS[ctx.account.platform]
    blind_es = "" if network.observable else f"No observable en esta red ({network.name}): todo se declara. "
    blind_en = "" if network.observable else f"Not observable on this network ({network.name}): all is declared. "
    yield Violation(
        "declarations",
        f"{blind_es}{len(items)} declaraciones pendientes — " + "; ".join(parts_es) + ".",
        f"{blind_en}{len(items)} declarations pending — " + "; ".join(parts_en) + ".",
        {
            "items": [{k: v for k, v in i.items() if k != "label"} for i in items],
            **{
                state: sum(1 for i in items if i["state"] == state)
                for state in ("missing", "expired", "contradicted", "no_cumple")
            },
        },
        severity=severity,
    )


@rule(
    "OPS-004",
    title_es="Excepción vencida o por vencer",
    title_en="Waiver expired or expiring soon",
    severity=Severity.MEDIUM,
    guide_ref="6.1.6",
    rationale="An accepted exception (the RSI usage protocol) is valid only until its expiry; an expired one "
    "no longer mutes its finding and must be renewed or the underlying problem fixed.",
    remediation_es="Renovar la excepción con una nueva evaluación de riesgo del RSI o corregir el hallazgo.",
    remediation_en="Renew the waiver with a new RSI risk assessment, or fix the finding.",
    needs=("waivers",),
    scope="waiver",
    params={"warning_days": 30},
)
def waiver_expiring(ctx: WaiverContext) -> Iterator[Violation]:
    w = ctx.waiver
    days = (w.expires - ctx.today).days
    evidence = {"waiver": w.id, "rule": w.rule, "expires": w.expires.isoformat(), "approver": w.approver}
    if days < 0:
        yield Violation(
            f"waiver:{w.id}",
            f"La excepción {w.id} ({w.rule}) venció el {w.expires:%d/%m/%Y}: el hallazgo ya no está silenciado.",
            f"Waiver {w.id} ({w.rule}) expired on {w.expires}: its finding is no longer muted.",
            evidence,
        )
    elif days <= int(ctx.params["warning_days"]):
        yield Violation(
            f"waiver:{w.id}",
            f"La excepción {w.id} ({w.rule}) vence el {w.expires:%d/%m/%Y} (en {days} días).",
            f"Waiver {w.id} ({w.rule}) expires on {w.expires} (in {days} days).",
            evidence,
            severity=Severity.LOW,
        )
