"""Building the report document of a run from the store, so any past run can be rendered again."""

from __future__ import annotations

from auditor.clock import utcnow
from auditor.model import (
    FindingStatus,
    Report,
    ReportFinding,
    ReportInstitution,
    ReportWaiver,
    Severity,
    SeverityCount,
)
from auditor.store import Store, StoredEvent
from policies.registry import get_rule
from reports.messages import Lang

SEVERITY_ORDER = {s: -s.rank for s in Severity}


def _report_finding(event: StoredEvent, lang: Lang) -> ReportFinding:
    f = event.finding
    rule = get_rule(f.policy_id)
    return ReportFinding(
        policy_id=f.policy_id,
        title=rule.title(lang) if rule else f.policy_id,
        severity=f.severity,
        status=event.status,
        institution=f.institution,
        platform=f.platform,
        account=f.account,
        handle=f.handle,
        subject=f.subject,
        fingerprint=f.fingerprint,
        message=f.message_es if lang == "es" else f.message_en,
        guide_ref=f.guide_ref,
        remediation=rule.remediation(lang) if rule else "",
        incident=f.incident,
        rsit=f.rsit,
        first_seen_run=event.first_seen_run,
        evidence=f.evidence,
        waiver=ReportWaiver(
            id=event.waiver.id,
            approver=event.waiver.approver,
            expires=event.waiver.expires,
            rationale=event.waiver.rationale,
        )
        if event.waiver
        else None,
    )


def build_report(store: Store, run_id: int, lang: Lang = "es", institution: str | None = None) -> Report:
    run = store.run(run_id)
    if run is None:
        raise LookupError(f"no run {run_id} in {store.path}")
    findings: list[ReportFinding] = []
    resolved: list[ReportFinding] = []
    for event in store.events(run_id):
        if institution and event.finding.institution != institution:
            continue
        target = resolved if event.status is FindingStatus.RESOLVED else findings
        target.append(_report_finding(event, lang))
    key = lambda f: (SEVERITY_ORDER[f.severity], f.institution, f.account or "", f.policy_id, f.subject)  # noqa: E731
    findings.sort(key=key)
    resolved.sort(key=key)
    inventory = store.load_inventory()
    institutions = [
        ReportInstitution(id=i.institution.id, name=i.institution.name, accounts=len(i.accounts), people=len(i.people))
        for i in inventory.institutions
        if (not institution or i.institution.id == institution)
        and (not run.scope.institutions or i.institution.id in run.scope.institutions)
    ]
    summary = [
        SeverityCount(
            severity=s,
            open=len([f for f in findings if f.severity is s and f.status is not FindingStatus.WAIVED]),
            waived=len([f for f in findings if f.severity is s and f.status is FindingStatus.WAIVED]),
        )
        for s in sorted(Severity, key=lambda s: -s.rank)
    ]
    return Report(
        generated_at=utcnow(),
        lang=lang,
        run=run,
        previous_run_id=store.previous_run_id(run_id),
        institutions=institutions,
        coverage=run.coverage,
        summary=summary,
        findings=findings,
        resolved=resolved,
    )
