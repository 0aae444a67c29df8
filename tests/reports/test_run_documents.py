"""A run's report documents, one per institution: each is the whole run's document restricted to its
institution (findings, people's answers, trail, trend, triage), and writing them all reads the run once per
document, not the whole country once per institution."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from auditor.app.declare import AnnotateRequest, DeclareRequest, annotate, declare
from auditor.app.report_document import RunDocuments, build_report
from auditor.app.reporting import write_run_reports
from auditor.engine import run_audit
from auditor.inputs.inventory import inventory_digest
from auditor.live import live_from_sandbox
from auditor.model import FindingStatus, Report
from auditor.store import Store
from tests.auditor.test_people import CONFIG, DIRECTOR, RSI
from tests.auditor.test_platform_fidelity import inventory, scenario  # noqa: F401  (module fixture)
from tests.conftest import NOW


@pytest.fixture(scope="module")
def answered_run(tmp_path_factory, inventory) -> tuple[Path, int]:  # noqa: F811
    """Two audits with people's answers in two institutions between them."""
    db = tmp_path_factory.mktemp("documents") / "audit.db"
    with Store(db) as store:
        run_audit(store, inventory, live=live_from_sandbox(scenario()), now=NOW - timedelta(days=1))
        opened = {f.institution: f for f in store.findings(status="open") if f.account}
    declare(CONFIG, DIRECTOR, DeclareRequest("mprueba", "CHK-04", "cumple", account="mprueba-fb"), db=db)
    annotate(CONFIG, RSI, AnnotateRequest(opened["aguas"].fingerprint, "comentario", "aguas"), db=db)
    annotate(CONFIG, RSI, AnnotateRequest(opened["mprueba"].fingerprint, "comentario", "mp"), db=db)
    with Store(db) as store:
        run_id = run_audit(store, inventory, live=live_from_sandbox(scenario()), now=NOW).run_id
    return db, run_id


def _restricted(report: Report, institution: str) -> dict[str, object]:
    """What of the whole run's document concerns one institution, in the terms both documents share."""
    return {
        "findings": [
            (f.fingerprint, f.status, f.age_days, f.ticket, len(f.annotations), len(f.trail))
            for f in report.findings
            if f.institution == institution
        ],
        "resolved": [f.fingerprint for f in report.resolved if f.institution == institution],
        "accounts": [a.account for a in report.accounts if a.institution == institution],
        "declarations": [d.id for d in report.declarations if d.institution == institution],
        "annotations": [a.id for a in report.annotations if a.institution == institution],
        "trail": [e.seq for e in report.trail if e.institution == institution],
        "pending": [r.account for r in report.pending_declarations if r.institution == institution],
        "triage": [r for r in report.triage if r.institution == institution],
        "waivers": [w.id for w in report.waivers if w.institution == institution],
        "drift": [(d.account, d.attribute) for d in report.drift if d.institution == institution],
        "institutions": [i.id for i in report.institutions if i.id == institution],
    }


def test_each_institution_s_document_is_the_run_s_document_restricted_to_it(answered_run):
    db, run_id = answered_run
    with Store(db) as store:
        documents = RunDocuments(store, run_id)
        whole = documents.report()
        assert whole.annotations and whole.declarations and len(whole.trend) == 2
        for inst in whole.institutions:
            own = documents.report(inst.id)
            assert own.institution == inst.id
            assert _restricted(own, inst.id) == _restricted(whole, inst.id)
            assert own.model_dump(include={"findings", "annotations", "declarations", "trail"}) == build_report(
                store, run_id, "es", inst.id
            ).model_dump(include={"findings", "annotations", "declarations", "trail"})
            # Its trend counts its own open findings in each run, as the run recorded them.
            for point in own.trend:
                counted: dict = {}
                for e in store.events(point.run_id):
                    if e.finding.institution == inst.id and e.status in (
                        FindingStatus.NEW,
                        FindingStatus.PERSISTING,
                        FindingStatus.REGRESSED,
                        FindingStatus.UNVERIFIED,
                    ):
                        counted[e.finding.severity] = counted.get(e.finding.severity, 0) + 1
                assert point.open == counted, (inst.id, point.run_id)
        assert {a.institution for a in documents.report("aguas").annotations} == {"aguas"}
        assert not documents.report("aguas").declarations


def test_writing_a_country_s_reports_reads_the_run_once_per_document(answered_run, tmp_path, monkeypatch):
    """Each institution's report used to read every finding of the run and parse the whole inventory again:
    a country of many institutions paid institutions × country. The country's document reads the audited
    version's registrations one at a time, each once, and never parses the version whole."""
    db, run_id = answered_run
    read = {"events": 0, "inventories": 0, "registrations": 0}
    events, inventory_version, version_institutions = Store.events, Store.inventory_version, Store.version_institutions

    def counted_events(self, *args, **kwargs):
        for event in events(self, *args, **kwargs):
            read["events"] += 1
            yield event

    def counted_inventory(self, digest):
        read["inventories"] += 1
        return inventory_version(self, digest)

    def counted_registrations(self, digest):
        for registration in version_institutions(self, digest) or ():
            read["registrations"] += 1
            yield registration

    monkeypatch.setattr(Store, "events", counted_events)
    monkeypatch.setattr(Store, "inventory_version", counted_inventory)
    monkeypatch.setattr(Store, "version_institutions", counted_registrations)
    with Store(db) as store:
        written = write_run_reports(store, run_id, tmp_path, ["json"], "es")
        total = len(written.report.findings) + len(written.report.resolved)
    assert len(written.report.institutions) >= 3
    assert read == {"events": 2 * total, "inventories": 0, "registrations": len(written.report.institutions)}


def test_an_inventory_version_is_read_back_one_institution_at_a_time_in_its_order(answered_run):
    db, run_id = answered_run
    with Store(db) as store:
        digest = store.run(run_id).inventory_digest
        whole = store.inventory_version(digest)
        assert whole is not None and len(whole.institutions) >= 3
        assert list(store.version_institutions(digest) or ()) == whole.institutions
        assert store.version_institution_ids(digest) == [i.institution.id for i in whole.institutions]
        assert store.version_institutions("no-such-digest") is None
        assert store.version_institution_ids("no-such-digest") is None
        # The country's document lists them in the version's order, as it did from the version parsed whole.
        assert [i.id for i in RunDocuments(store, run_id).report().institutions] == [
            i.institution.id for i in whole.institutions
        ]


def test_one_institution_s_document_reads_its_registration_not_the_country_s(
    answered_run,
    inventory,  # noqa: F811
    monkeypatch,
    tmp_path,
):
    """A web page's document: the registration the run audited, read from the row its import wrote, without
    parsing the whole inventory version — and from the version once a later import changed the inventory."""
    shared, run_id = answered_run
    db = tmp_path / "copy.db"  # this test imports another inventory: the module's store stays as it was
    with sqlite3.connect(shared) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    parsed = {"n": 0}
    inventory_version = Store.inventory_version

    def counted(self, digest):
        parsed["n"] += 1
        return inventory_version(self, digest)

    monkeypatch.setattr(Store, "inventory_version", counted)
    with Store(db) as store:
        whole = RunDocuments(store, run_id).report()
        parsed["n"] = 0
        own = RunDocuments(store, run_id).report("aguas")
        assert parsed["n"] == 0
        assert _restricted(own, "aguas") == _restricted(whole, "aguas")
        assert own.institutions == [i for i in whole.institutions if i.id == "aguas"]
        renamed = inventory.model_copy(
            update={
                "institutions": [
                    i.model_copy(update={"institution": i.institution.model_copy(update={"name": "Aguas Renombradas"})})
                    if i.institution.id == "aguas"
                    else i
                    for i in inventory.institutions
                ]
            }
        )
        store.import_inventory(renamed, inventory_digest(renamed), NOW)
        again = RunDocuments(store, run_id).report("aguas")
        assert parsed["n"] == 1  # the row is the new import's: the audited version is parsed instead
        assert again.institutions == own.institutions and again.institutions[0].name != "Aguas Renombradas"


def test_findings_read_back_share_their_repeated_evidence_texts(answered_run):
    """Every account's OPS-003 finding lists the same questions: read back from the store, equal texts are one
    object, not a copy per finding (a country's report document was 51 MB larger at 26,000 findings)."""
    db, run_id = answered_run
    with Store(db) as store:
        pending = [e.finding for e in store.events(run_id) if e.finding.policy_id == "OPS-003"]
    questions: dict[str, list[str]] = {}
    for f in pending:
        for item in f.evidence["items"]:
            questions.setdefault(item["question"], []).append(item["question"])
    repeated = [texts for texts in questions.values() if len(texts) > 1]
    assert repeated, "the scenario has questions pending on several accounts"
    assert all(text is texts[0] for texts in repeated for text in texts)
