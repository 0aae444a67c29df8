"""What the web application's pages and API read, always through the signed-in user: every function takes
the `Viewer` and answers only with objects of institutions they see; an object of another institution is
`NotVisible`, exactly like one that does not exist. Reads use a read-only connection, so a page never
waits for, nor blocks, a running audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from auditor.app.lookup import open_store, store_path
from auditor.app.report_document import RunDocuments, build_report
from auditor.app.signin import NotVisible, Viewer
from auditor.app.triage import triage_order
from auditor.config import Config
from auditor.i18n import Lang, t
from auditor.model import Coverage, FindingRecord, Report, ReportFinding, Run, RunStatus, TriageRow
from auditor.model.declarations import Annotation, AnnotationKind, TrailEntry, WaiverRequest, WaiverRequestState
from auditor.store import Store
from policies.evaluate import in_scope

RECORDED = (RunStatus.COMPLETE, RunStatus.INCOMPLETE)


@contextmanager
def reader(config: Config, db: Path | None) -> Iterator[Store]:
    path = store_path(config, db)
    if not path.exists():
        raise NotVisible(t("web.no_store"))
    store = Store.read_only(path)
    try:
        yield store
    finally:
        store.close()


def prepare(config: Config, db: Path | None = None) -> Path:
    """The store the web application serves, migrated to this auditor's schema before its first read-only
    page (a read-only connection never migrates)."""
    with open_store(config, db) as store:
        return store.path


def latest_run(store: Store, institution: str | None = None, runs: list[Run] | None = None) -> Run | None:
    """The latest recorded run whose scope takes in the institution (any, without one). `runs`: the store's
    latest, read once by a caller that asks for each institution of a country."""
    for run in store.runs(200) if runs is None else runs:
        if run.status in RECORDED and (institution is None or in_scope(run.scope, institution)):
            return run
    return None


def institutions(config: Config, viewer: Viewer, *, db: Path | None = None) -> list[tuple[str, str]]:
    """(id, name) of every institution the user sees, in the inventory's order."""
    with reader(config, db) as store:
        return [
            (i.institution.id, i.institution.name)
            for i in store.load_inventory().institutions
            if viewer.sees(i.institution.id)
        ]


def institution_name(config: Config, viewer: Viewer, institution: str, *, db: Path | None = None) -> str:
    viewer.check(institution)
    for found, name in institutions(config, viewer, db=db):
        if found == institution:
            return name
    raise NotVisible(t("web.not_found"))


def institution_report(
    config: Config, viewer: Viewer, institution: str, lang: Lang, *, db: Path | None = None
) -> Report | None:
    """The institution's report from its latest run (None: no run has audited it yet)."""
    institution_name(config, viewer, institution, db=db)
    with reader(config, db) as store:
        run = latest_run(store, institution)
        return build_report(store, run.id, lang, institution) if run else None


def overview(
    config: Config, viewer: Viewer, lang: Lang, *, db: Path | None = None
) -> tuple[Run | None, list[TriageRow]]:
    """The triage row of each visible institution from the latest run that audited it (a later run scoped to
    other institutions does not make it «not audited»), and the latest run overall."""
    with reader(config, db) as store:
        runs = store.runs(200)
        by_run: dict[int, list[str]] = {}
        for inst in store.load_inventory().institutions:
            found = latest_run(store, inst.institution.id, runs) if viewer.sees(inst.institution.id) else None
            if found is not None:
                by_run.setdefault(found.id, []).append(inst.institution.id)
        rows = []
        for run_id, wanted in by_run.items():  # usually one run for all
            # Each institution's own document, not the whole country's at once: a page view's memory stays
            # one institution's.
            documents = RunDocuments(store, run_id, lang)
            rows += [row for institution in wanted for row in documents.report(institution).triage]
        rows.sort(key=triage_order)
        return latest_run(store, runs=runs), rows


@dataclass(frozen=True)
class FindingFilter:
    severity: str | None = None
    rule: str | None = None
    platform: str | None = None
    status: str | None = None  # a finding status of the run (new, persisting, regressed, waived)
    annotation: str | None = None  # an annotation kind, or "ninguna"

    def keeps(self, f: ReportFinding) -> bool:
        kinds = {a.kind.value for a in f.annotations if not a.withdrawn}
        return (
            (not self.severity or f.severity.value == self.severity)
            and (not self.rule or f.policy_id == self.rule.upper())
            and (not self.platform or (f.platform is not None and f.platform.value == self.platform))
            and (not self.status or f.status.value == self.status)
            and (not self.annotation or (self.annotation == "ninguna" and not kinds) or self.annotation in kinds)
        )


def finding_list(
    config: Config, viewer: Viewer, institution: str, lang: Lang, filt: FindingFilter, *, db: Path | None = None
) -> tuple[Run | None, list[ReportFinding]]:
    report = institution_report(config, viewer, institution, lang, db=db)
    if report is None:
        return None, []
    return report.run, [f for f in report.findings if filt.keeps(f)]


@dataclass
class FindingPage:
    record: FindingRecord
    finding: ReportFinding | None  # as the latest run shows it (None: not in that run, e.g. resolved before)
    run: Run | None
    history: list[tuple[int, datetime, str]] = field(default_factory=list)
    trail: list[TrailEntry] = field(default_factory=list)
    tickets: list[tuple[int, str, str, str, str | None, str]] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


def finding_record(config: Config, viewer: Viewer, fingerprint: str, *, db: Path | None = None) -> FindingRecord:
    with reader(config, db) as store:
        record = store.finding(fingerprint) if fingerprint.isalnum() and len(fingerprint) <= 64 else None
    if record is None:
        raise NotVisible(t("web.not_found"))
    viewer.check(record.institution)
    return record


def finding_page(
    config: Config, viewer: Viewer, fingerprint: str, lang: Lang, *, db: Path | None = None
) -> FindingPage:
    record = finding_record(config, viewer, fingerprint, db=db)
    with reader(config, db) as store:
        run = latest_run(store, record.institution)
        report = build_report(store, run.id, lang, record.institution) if run else None
        shown = next((f for f in report.findings if f.fingerprint == fingerprint), None) if report else None
        state = store.human_state()
        return FindingPage(
            record=record,
            finding=shown,
            run=run,
            history=store.finding_history(fingerprint),
            trail=[e for e in store.trail(record.institution) if e.fingerprint == fingerprint],
            tickets=store.finding_tickets(fingerprint),
            annotations=sorted(
                (a for a in state.annotations.values() if a.fingerprint == fingerprint), key=lambda a: a.id
            ),
        )


@dataclass
class Approvals:
    waivers: list[WaiverRequest]  # requests waiting for a decision
    false_positives: list[Annotation]  # «resultado incorrecto» waiting for confirmation
    in_force: list[WaiverRequest]  # approved waivers (revocable)


def approvals(config: Config, viewer: Viewer, *, db: Path | None = None) -> Approvals:
    """What waits for the central office, of the institutions the user sees (others see their own queue)."""
    with reader(config, db) as store:
        state = store.human_state()
    requests = sorted((r for r in state.waiver_requests.values() if viewer.sees(r.institution)), key=lambda r: r.id)
    return Approvals(
        waivers=[r for r in requests if r.state is WaiverRequestState.REQUESTED],
        false_positives=sorted(
            (
                a
                for a in state.annotations.values()
                if viewer.sees(a.institution)
                and a.kind is AnnotationKind.FALSE_POSITIVE
                and a.confirmed_by is None
                and not a.withdrawn
            ),
            key=lambda a: a.id,
        ),
        in_force=[r for r in requests if r.state is WaiverRequestState.APPROVED],
    )


def waiver_request(config: Config, viewer: Viewer, waiver_id: str, *, db: Path | None = None) -> WaiverRequest:
    with reader(config, db) as store:
        found = store.waiver_request(waiver_id)
    viewer.check(found.institution if found else None)
    assert found is not None
    return found


def annotation(config: Config, viewer: Viewer, annotation_id: int, *, db: Path | None = None) -> Annotation:
    with reader(config, db) as store:
        found = store.annotation(annotation_id)
    viewer.check(found.institution if found else None)
    assert found is not None
    return found


def runs(config: Config, viewer: Viewer, *, limit: int = 30, db: Path | None = None) -> list[tuple[Run, Coverage]]:
    """The latest runs that took in an institution the user sees, with the coverage of those institutions."""
    out = []
    with reader(config, db) as store:
        mine = [i.institution.id for i in store.load_inventory().institutions if viewer.sees(i.institution.id)]
        for run in store.runs(limit):
            scoped = [i for i in mine if in_scope(run.scope, i)]
            if not scoped:
                continue
            if viewer.central:
                out.append((run, run.coverage))
                continue
            total = Coverage()
            for inst in scoped:
                for c in store.coverage_by_severity(run.id, inst).values():
                    total = Coverage(
                        evaluated=total.evaluated + c.evaluated,
                        not_observable=total.not_observable + c.not_observable,
                        errors=total.errors + c.errors,
                    )
            out.append((run, total))
    return out


def trail(config: Config, viewer: Viewer, institution: str, *, db: Path | None = None) -> list[TrailEntry]:
    viewer.check(institution)
    with reader(config, db) as store:
        return store.trail(institution)
