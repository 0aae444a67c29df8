"""The report's first page: what to look at first. Per institution a row (open critical and high, incidents,
coverage, pending declarations, the oldest open finding), then the open critical findings and incidents,
oldest first, with their age and ticket; an incomplete run says why at the top.

Computed once into the `Report` document, so the HTML, the Markdown and the JSON show the same triage.
"""

from __future__ import annotations

from auditor.app.outcome import incomplete_reasons
from auditor.i18n import Lang, t
from auditor.model import Coverage, Report, ReportFinding, Severity, TriageRow
from auditor.model.clock import local_date
from auditor.store import Store

PENDING_DECLARATION_RULE = "OPS-003"  # what no platform shows, waiting for a person's declaration


def _age(findings: list[ReportFinding], report: Report, store: Store) -> None:
    """Set each finding's age and ticket, in place: the document was built for this and nothing else holds it
    yet, and a copy of each finding (a country's: 26,000) held its fields twice while the list was rebuilt."""
    started = store.run_start_times()
    tickets = store.ticket_references([f.fingerprint for f in findings])
    today = local_date(report.run.started_at)
    for f in findings:
        first = started.get(f.first_seen_run)
        f.first_seen_at = first
        f.age_days = (today - local_date(first)).days if first else None
        f.ticket = _reference(tickets.get(f.fingerprint), report.lang)


def _reference(ticket: tuple[int, str, str | None, str] | None, lang: Lang) -> str | None:
    """`outbox 2026-…json` once the sink answered; `#12 (outbox: pendiente)` while it waits."""
    if ticket is None:
        return None
    ticket_id, sink, external_id, status = ticket
    if external_id:
        return f"{sink} {external_id}"
    return f"#{ticket_id} ({sink}: {t(f'delivery.{status}', lang)})"


def _row(report: Report, institution: str, name: str, open_here: list[ReportFinding], store: Store) -> TriageRow:
    by_severity = store.coverage_by_severity(report.run.id, institution)
    ages = [f.age_days for f in open_here if f.age_days is not None]
    return TriageRow(
        institution=institution,
        name=name,
        critical=sum(1 for f in open_here if f.severity is Severity.CRITICAL),
        high=sum(1 for f in open_here if f.severity is Severity.HIGH),
        incidents=sum(1 for f in open_here if f.incident),
        coverage=Coverage(
            evaluated=sum(c.evaluated for c in by_severity.values()),
            not_observable=sum(c.not_observable for c in by_severity.values()),
            errors=sum(c.errors for c in by_severity.values()),
        ),
        pending_declarations=sum(1 for f in open_here if f.policy_id == PENDING_DECLARATION_RULE),
        oldest_open_days=max(ages) if ages else None,
        overdue_plans=sum(1 for f in open_here if any(a.overdue for a in f.annotations)),
    )


def triage_order(row: TriageRow) -> tuple[int, int, int, str]:
    """Most critical first, then most incidents, then most high, then by institution: every triage table."""
    return -row.critical, -row.incidents, -row.high, row.institution


def with_triage(report: Report, store: Store) -> Report:
    """The report with ages and tickets on its findings (set on the document's own findings), the
    per-institution triage rows and, for an incomplete run, why."""
    _age(report.findings, report, store)
    open_by_institution: dict[str, list[ReportFinding]] = {}
    for f in report.findings:  # once, not once per institution: a country's report has a thousand of them
        if f.status.is_open:
            open_by_institution.setdefault(f.institution, []).append(f)
    rows = [_row(report, i.id, i.name, open_by_institution.get(i.id, []), store) for i in report.institutions]
    rows.sort(key=triage_order)
    return report.model_copy(update={"triage": rows, "incomplete_because": incomplete_reasons(report)})
