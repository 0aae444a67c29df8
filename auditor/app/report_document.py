"""Assembling the report document of a run from the store, so any past run can be rendered again.

The `Report` model is the single source of every format: HTML, Markdown, JSON, CSV, the action plan and
OCSF all render the same document, which is why their counts agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from auditor.app.report_people import with_people
from auditor.app.triage import with_triage
from auditor.i18n import Lang
from auditor.model import (
    Coverage,
    FindingStatus,
    InstitutionInventory,
    Inventory,
    Report,
    ReportAccount,
    ReportFinding,
    ReportInstitution,
    ReportWaiver,
    ReportWaiverStatus,
    Run,
    Severity,
    SeverityCount,
    TrendPoint,
    WaiverState,
)
from auditor.model.clock import local_date, utcnow
from auditor.model.platforms import PLATFORMS
from auditor.model.report import from_validated
from auditor.store import Store, StoredEvent
from policies.evaluate import in_scope
from policies.registry import get_rule
from reports.drift import drift

SEVERITY_ORDER = {s: -s.rank for s in Severity}
WAIVER_WARNING_DAYS = 30


def _report_finding(event: StoredEvent, lang: Lang) -> ReportFinding:
    f = event.finding
    rule = get_rule(f.policy_id)
    return from_validated(
        ReportFinding,
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
        cert_category=rule.cert_category if rule and f.incident else None,
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
    """One report document (a web page, an institution's digest); `RunDocuments` when a run needs several."""
    return RunDocuments(store, run_id, lang).report(institution)


class RunDocuments:
    """The report documents of one stored run. What they share — the run, and the inventory version it audited
    — is read once; each institution's document reads only that institution's rows. A country's reports, one
    per institution, each used to read the whole run and parse the whole inventory again: their cost grew with
    institutions × country. The country's document reads the version's registrations one institution at a
    time (`Store.version_institutions`): parsed whole, a 10,000-account inventory was 60 MB of the report's
    peak."""

    def __init__(self, store: Store, run_id: int, lang: Lang = "es") -> None:
        run = store.run(run_id)
        if run is None:
            raise LookupError(f"no run {run_id} in {store.path}")
        self.store, self.run, self.lang = store, run, lang
        self._whole: Inventory | None = None

    @property
    def inventory(self) -> Inventory:
        """The inventory version the run audited, parsed whole once: only when an institution's registration is
        no longer the current row (a later import changed it), for its document and the others'."""
        if self._whole is None:
            self._whole = self.store.inventory_version(self.run.inventory_digest) or self.store.load_inventory()
        return self._whole

    def report(self, institution: str | None = None) -> Report:
        """The whole run's document, or one institution's."""
        return _document(self.store, self.run, self._registered(institution), self.lang, institution)

    def _registered(self, institution: str | None) -> Iterable[InstitutionInventory]:
        """The registrations a document covers, in the inventory's order. One institution's, while the whole
        version is not parsed, comes from the row the same import wrote: a web page's document does not parse
        the country's; the country's comes from the version a registration at a time."""
        if self._whole is None:
            if institution is not None:
                one = self.store.registered_institution(institution, self.run.inventory_digest)
                if one is not None:
                    return [one]
            else:
                each = self.store.version_institutions(self.run.inventory_digest)
                if each is not None:
                    return each
        return [i for i in self.inventory.institutions if institution is None or i.institution.id == institution]

    def institutions(self) -> list[str]:
        """The institutions the run took in, in the inventory's order: one document each."""
        ids = None if self._whole is not None else self.store.version_institution_ids(self.run.inventory_digest)
        if ids is None:
            ids = [i.institution.id for i in self.inventory.institutions]
        return [i for i in ids if in_scope(self.run.scope, i)]


def _document(
    store: Store, run: Run, registered: Iterable[InstitutionInventory], lang: Lang, institution: str | None
) -> Report:
    run_id = run.id
    findings: list[ReportFinding] = []
    resolved: list[ReportFinding] = []
    for event in store.events(run_id, institution):
        target = resolved if event.status is FindingStatus.RESOLVED else findings
        target.append(_report_finding(event, lang))

    def key(f: ReportFinding) -> tuple[int, str, str, str, str]:
        return SEVERITY_ORDER[f.severity], f.institution, f.account or "", f.policy_id, f.subject

    findings.sort(key=key)
    resolved.sort(key=key)
    coverage_by_severity = store.coverage_by_severity(run_id, institution)
    summary = [
        SeverityCount(
            severity=s,
            open=len([f for f in findings if f.severity is s and f.status is not FindingStatus.WAIVED]),
            waived=len([f for f in findings if f.severity is s and f.status is FindingStatus.WAIVED]),
            coverage=coverage_by_severity.get(s, Coverage()),
        )
        for s in sorted(Severity, key=lambda s: -s.rank)
    ]
    coverage = (
        Coverage(
            evaluated=sum(c.evaluated for c in coverage_by_severity.values()),
            not_observable=sum(c.not_observable for c in coverage_by_severity.values()),
            errors=sum(c.errors for c in coverage_by_severity.values()),
        )
        if coverage_by_severity
        else run.coverage
    )
    open_by_account: dict[tuple[str, str], int] = {}
    for f in findings:
        if f.account and f.status is not FindingStatus.WAIVED:
            open_by_account[(f.institution, f.account)] = open_by_account.get((f.institution, f.account), 0) + 1
    institutions = []
    accounts = []
    changes = []
    for inst_inv in registered:  # once: a country's are read one at a time
        inst_id = inst_inv.institution.id
        if not in_scope(run.scope, inst_id):
            continue
        institutions.append(
            ReportInstitution(
                id=inst_id, name=inst_inv.institution.name, accounts=len(inst_inv.accounts), people=len(inst_inv.people)
            )
        )
        # An institution's snapshots at a time: a country's are never all in memory.
        snapshots = store.run_snapshots(run_id, inst_id)
        previous = store.latest_snapshots(before_run=run_id, institution=inst_id)
        for a in inst_inv.accounts:
            if not in_scope(run.scope, inst_id, a.platform, a.id):
                continue
            snap = snapshots.get((inst_id, a.id))
            accounts.append(
                from_validated(
                    ReportAccount,
                    institution=inst_id,
                    account=a.id,
                    platform=a.platform,
                    kind=a.kind,
                    handle=a.handle,
                    url=PLATFORMS[a.platform].url_for(a.handle),
                    registered_status=a.status,
                    observed=snap is not None,
                    observed_status=snap.status.value if snap and snap.status.ok else None,
                    error_kind=snap.error if snap else None,
                    error=snap.error_detail if snap and snap.error else None,
                    open_findings=open_by_account.get((inst_id, a.id), 0),
                )
            )
            before = previous.get((inst_id, a.id))
            if snap is not None and before is not None and snap.error is None:
                changes.extend(drift(before, snap))
    today = local_date(run.started_at)
    waivers = []
    for w in store.run_waivers(run_id, institution):
        days_left = (w.expires - today).days
        state = (
            WaiverState.EXPIRED
            if days_left < 0
            else (WaiverState.EXPIRING if days_left <= WAIVER_WARNING_DAYS else WaiverState.IN_FORCE)
        )
        waivers.append(
            ReportWaiverStatus(
                id=w.id,
                rule=w.rule,
                institution=w.scope.institution,
                account=w.scope.account,
                approver=w.approver,
                rationale=w.rationale,
                expires=w.expires,
                days_left=days_left,
                state=state,
            )
        )
    trend = [
        TrendPoint(run_id=r, started_at=datetime.fromisoformat(started), open=counts)
        for r, started, counts in store.open_counts_by_run(run_id, institution)
    ]
    report = Report(
        generated_at=utcnow(),
        lang=lang,
        institution=institution,
        run=run,
        previous_run_id=store.previous_run_id(run_id),
        institutions=institutions,
        coverage=coverage,
        summary=summary,
        findings=findings,
        resolved=resolved,
        accounts=accounts,
        drift=changes,
        waivers=waivers,
        trend=trend,
    )
    return with_triage(with_people(report, store, lang), store)
