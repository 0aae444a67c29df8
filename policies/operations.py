"""OPS rules: the audit itself. For now OPS-004 (waivers expired or about to expire)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model import Severity
from policies.context import Violation, WaiverContext
from policies.registry import rule


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
