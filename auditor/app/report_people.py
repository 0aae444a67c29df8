"""What people said, in the report document: the declarations in force, the annotations beside their findings
(a plan past its date marked overdue), the waiver requests, the trail (per finding, and whole), and the
«Declaraciones pendientes» table of each institution (one row per account, its items as columns)."""

from __future__ import annotations

from datetime import date

from auditor.i18n import Lang, term
from auditor.model import Report, ReportFinding
from auditor.model.clock import local_date, local_text
from auditor.model.declarations import Annotation, Declaration, HumanState, TrailEntry
from auditor.model.report import PendingRow, ReportAnnotation, ReportDeclaration
from auditor.store import Store


def _annotation(a: Annotation, today: date) -> ReportAnnotation:
    return ReportAnnotation(
        id=a.id,
        fingerprint=a.fingerprint,
        institution=a.institution,
        kind=a.kind,
        text=a.text,
        by=f"{a.by.name} ({a.by.role.value})",
        at=a.at,
        planned_date=a.planned_date,
        overdue=a.in_force and a.overdue(today),
        confirmed_by=a.confirmed_by.name if a.confirmed_by else None,
        in_force=a.in_force,
        withdrawn=a.withdrawn,
    )


def _declaration(d: Declaration, today: date, supersedes: int) -> ReportDeclaration:
    return ReportDeclaration(
        id=d.id,
        institution=d.institution,
        item=d.item,
        account=d.account,
        person=d.person,
        answer=d.answer,
        state="expired" if d.expired(today) else "valid",
        declared_by=f"{d.declared_by.name} (CI {d.declared_by.ci}, {d.declared_by.role.value})",
        declared_on=d.declared_on,
        valid_until=d.valid_until,
        evidence=d.evidence,
        document_ref=d.document_ref,
        document_sha256=d.document_sha256,
        supersedes=supersedes,
    )


def trail_line(e: TrailEntry, lang: Lang) -> str:
    return f"{local_text(e.at)} · {e.actor.name} ({term(e.actor.role, lang)}): {term(e.action, lang)} {e.object}"


def pending_rows(
    findings: list[ReportFinding], current: dict[tuple[str, str, str | None, str | None], Declaration], today: date
) -> list[PendingRow]:
    """From each account's OPS-003 finding: the state of every item it lists as pending, and «valid» for the
    account's items declared and in force (so a blank cell means the item does not concern the account)."""
    declared: dict[tuple[str, str], set[str]] = {}  # per account (a country's: looked up, not scanned per row)
    for d in current.values():
        if d.account and not d.expired(today) and d.item.startswith("CHK-"):
            declared.setdefault((d.institution, d.account), set()).add(d.item)
    rows = []
    for f in findings:
        if f.policy_id != "OPS-003" or not f.account:
            continue
        items: dict[str, str] = {}
        attributes = 0
        for entry in f.evidence.get("items", []):
            item_id = str(entry.get("item", ""))
            if item_id.startswith("ATR-"):
                attributes += 1
                continue
            state = str(entry.get("state", ""))
            # A person item pending for several people keeps its worst state.
            if items.get(item_id) not in ("contradicted", "no_cumple"):
                items[item_id] = state
        for item_id in sorted(declared.get((f.institution, f.account), ())):
            if item_id not in items:
                items[item_id] = "valid"
        rows.append(PendingRow(institution=f.institution, account=f.account, items=items, attributes=attributes))
    return sorted(rows, key=lambda r: (r.institution, r.account))


def with_people(report: Report, store: Store, lang: Lang) -> Report:
    human: HumanState = store.human_state(report.institution)
    today = local_date(report.run.started_at)
    mine = {i.id for i in report.institutions}

    def ours(institution: str) -> bool:
        return institution in mine

    by_fp = human.annotations_by_fingerprint()
    entries = [e for e in store.trail(report.institution) if ours(e.institution)]
    trail_by_fp: dict[str, list[str]] = {}
    for e in entries:
        if e.fingerprint:
            trail_by_fp.setdefault(e.fingerprint, []).append(trail_line(e, lang))

    def annotated(f: ReportFinding) -> ReportFinding:
        notes = [_annotation(a, today) for a in by_fp.get(f.fingerprint, [])]
        lines = trail_by_fp.get(f.fingerprint, [])
        return f.model_copy(update={"annotations": notes, "trail": lines}) if notes or lines else f

    current = human.current()
    history: dict[tuple[str, str, str | None, str | None], int] = {}
    for d in human.declarations.values():
        history[d.key] = history.get(d.key, 0) + 1
    declarations = [
        _declaration(d, today, history[d.key] - 1)
        for d in sorted(current.values(), key=lambda d: (d.institution, d.account or "", d.person or "", d.item))
        if ours(d.institution)
    ]
    findings = [annotated(f) for f in report.findings]
    return report.model_copy(
        update={
            "findings": findings,
            "resolved": [annotated(f) for f in report.resolved],
            "declarations": declarations,
            "annotations": [
                _annotation(a, today)
                for a in sorted(human.annotations.values(), key=lambda a: a.id)
                if ours(a.institution)
            ],
            "waiver_requests": [
                r for r in sorted(human.waiver_requests.values(), key=lambda r: r.id) if ours(r.institution)
            ],
            "trail": entries,
            "pending_declarations": pending_rows(findings, current, today),
        }
    )
