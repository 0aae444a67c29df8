"""People answering the auditor through the application layer: declarations (supersede, refuse), waiver
requests (four eyes, INV-014's protocol, import/export), annotations (a confirmed false positive resolves its
ticket, a plan past its date is overdue), the trail, the OPS-003 migration, and the trail-replay property."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.app.declare import AnnotateRequest, DeclareRequest, annotate, confirm, declare, withdraw
from auditor.app.errors import RequestError
from auditor.app.people import Identity
from auditor.app.report_document import build_report
from auditor.app.waiver_requests import WaiverAsk, decide_waiver, export_waivers, import_waivers, request_waiver
from auditor.cli import cli
from auditor.config import Config, OutboxSinkConfig, TicketsConfig
from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model.declarations import Actor, ActorRole, Answer, Declaration, HumanState, TrailAction
from auditor.store import Store
from auditor.store.base import STAGE_TABLES
from tests.auditor.test_platform_fidelity import inventory, scenario  # noqa: F401  (module fixture)
from tests.conftest import NOW

DIRECTOR = Identity("Laura Giménez", "3123456", "director", os_user="tester")
RSI = Identity("Óscar Villalba", "2345678", "rsi", os_user="tester")
RSI_DEPORTES = Identity("Silvia Ojeda", "3765432", "rsi", os_user="tester")
CENTRAL = Identity("Marta Acosta", "1987654", "central", os_user="tester")
CONFIG = Config()


@pytest.fixture
def db(tmp_path: Path, inventory) -> Path:  # noqa: F811
    path = tmp_path / "audit.db"
    with Store(path) as store:
        run_audit(store, inventory, live=live_from_sandbox(scenario()), now=NOW - timedelta(days=1))
    return path


def _audit(db: Path, inventory, tickets: Path | None = None, now=NOW):  # noqa: F811
    with Store(db) as store:
        config = TicketsConfig(sinks={"outbox": OutboxSinkConfig(path=tickets)}) if tickets else None
        return run_audit(store, inventory, live=live_from_sandbox(scenario()), now=now, tickets=config).run_id


def _open(db: Path, policy: str, account: str | None):
    with Store(db) as store:
        return next(f for f in store.findings(status="open") if f.policy_id == policy and f.account == account)


def test_declarations_are_validated_against_the_catalogue_the_register_and_the_role(db):
    def attempt(who=DIRECTOR, **fields):
        request = DeclareRequest(
            **{"institution": "mprueba", "item": "CHK-04", "answer": "cumple", "account": "mprueba-fb", **fields}
        )
        return declare(CONFIG, who, request, db=db)

    for fields, field in [
        ({"item": "CHK-99"}, "item"),
        ({"account": "mprueba-nada"}, "account"),
        ({"institution": "nadie"}, "institution"),
        ({"account": None}, "account"),
        ({"item": "CHK-08"}, "item"),  # a support-account item on a principal account
        ({"item": "CHK-01", "account": None, "person": "9999999"}, "person"),
        ({"answer": "no_aplica"}, "answer"),
        ({"valid_until": date(2030, 1, 1)}, "valid_until"),
    ]:
        with pytest.raises(RequestError) as error:
            attempt(**fields)
        assert error.value.field == field, (fields, str(error.value))
    with pytest.raises(RequestError, match="central"):
        attempt(who=CENTRAL)
    with pytest.raises(RequestError, match="CI"):
        attempt(who=Identity("X", "12-34", "director"))
    with Store(db) as store:
        assert store.trail() == [] and store.human_state().declarations == {}


def test_a_new_declaration_supersedes_keeps_history_and_hashes_its_document(db, tmp_path):
    doc = tmp_path / "acta.pdf"
    doc.write_bytes(b"%PDF acta firmada")
    first, _ = declare(CONFIG, DIRECTOR, DeclareRequest("mprueba", "CHK-04", "no_cumple", account="mprueba-fb"), db=db)
    second, entry = declare(
        CONFIG, DIRECTOR, DeclareRequest("mprueba", "CHK-04", "cumple", account="mprueba-fb", document=doc), db=db
    )
    assert second.document_sha256 == hashlib.sha256(b"%PDF acta firmada").hexdigest()
    assert second.document_ref == "acta.pdf"
    assert entry.before is not None and entry.before["answer"] == "no_cumple" and entry.after["answer"] == "cumple"
    assert entry.actor.os_user == "tester" and entry.action is TrailAction.DECLARE
    with Store(db) as store:
        state = store.human_state()
    assert set(state.declarations) == {first.id, second.id}  # nothing updated in place
    assert state.current()[second.key].answer is Answer.COMPLIES


def test_waiver_requests_need_four_eyes_and_an_approved_one_mutes_its_finding(db, inventory):  # noqa: F811
    target = _open(db, "LIF-002", "aguas-fb")
    ask = WaiverAsk(
        "w-aguas-dormant",
        "LIF-002",
        "aguas",
        "Cuenta en pausa por veda electoral",
        date(2027, 6, 1),
        account="aguas-fb",
    )
    with pytest.raises(RequestError, match="director"):
        request_waiver(CONFIG, DIRECTOR, ask, db=db)
    with pytest.raises(RequestError, match="12 meses"):
        request_waiver(CONFIG, RSI, WaiverAsk(**{**ask.__dict__, "expires": date(2029, 1, 1)}), db=db)
    request_waiver(CONFIG, RSI, ask, db=db)
    with pytest.raises(RequestError, match="solicitó"):
        decide_waiver(CONFIG, Identity("Óscar V.", "2345678", "central"), ask.id, TrailAction.APPROVE, db=db)
    run_id = _audit(db, inventory)
    with Store(db) as store:
        assert {e.status.value for e in store.events(run_id) if e.finding.fingerprint == target.fingerprint} == {
            "persisting"
        }, "a pending request mutes nothing"
    decide_waiver(CONFIG, CENTRAL, ask.id, TrailAction.APPROVE, "riesgo aceptado", db=db)
    with pytest.raises(RequestError):
        decide_waiver(CONFIG, CENTRAL, ask.id, TrailAction.APPROVE, db=db)  # already approved
    run_id = _audit(db, inventory)
    with Store(db) as store:
        event = next(e for e in store.events(run_id) if e.finding.fingerprint == target.fingerprint)
        assert event.status.value == "waived" and event.waiver is not None and event.waiver.approver == "Marta Acosta"
    decide_waiver(CONFIG, CENTRAL, ask.id, TrailAction.REVOKE, db=db)
    run_id = _audit(db, inventory)
    with Store(db) as store:
        event = next(e for e in store.events(run_id) if e.finding.fingerprint == target.fingerprint)
        assert event.status.value == "persisting"
        assert [e.action for e in store.trail()] == [TrailAction.REQUEST, TrailAction.APPROVE, TrailAction.REVOKE]


def test_an_inv014_waiver_must_reference_a_current_chk12_declaration(db):
    ask = WaiverAsk("w-tiktok", "INV-014", "deportes", "protocolo", date(2027, 6, 1), account="deportes-tiktok")
    with pytest.raises(RequestError, match="CHK-12"):
        request_waiver(CONFIG, RSI_DEPORTES, ask, db=db)
    d, _ = declare(
        CONFIG, RSI_DEPORTES, DeclareRequest("deportes", "CHK-12", "cumple", account="deportes-tiktok"), db=db
    )
    with pytest.raises(RequestError, match="CHK-12"):
        request_waiver(CONFIG, RSI_DEPORTES, WaiverAsk(**{**ask.__dict__, "protocol_ref": "declaracion:999"}), db=db)
    request, _ = request_waiver(
        CONFIG, RSI_DEPORTES, WaiverAsk(**{**ask.__dict__, "protocol_ref": f"declaracion:{d.id}"}), db=db
    )
    assert request.state.value == "solicitada"


def test_a_waivers_file_imports_as_approved_by_the_importer_and_exports_back(db, tmp_path, demo_dir):
    with pytest.raises(RequestError):
        import_waivers(CONFIG, RSI, demo_dir / "waivers.yaml", db=db)  # only the central office imports
    count, skipped, actor = import_waivers(CONFIG, CENTRAL, demo_dir / "waivers.yaml", db=db)
    assert count >= 1 and skipped == 0 and actor.name == "Marta Acosta"
    assert import_waivers(CONFIG, CENTRAL, demo_dir / "waivers.yaml", db=db)[:2] == (0, count)
    with Store(db) as store:
        entries = store.trail()
    assert {e.action for e in entries} == {TrailAction.IMPORT}
    assert all(e.after["imported"] and e.after["decided_by"]["name"] == "Marta Acosta" for e in entries)
    out = tmp_path / "exported.yaml"
    assert export_waivers(CONFIG, out, db=db) == count
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    fresh = tmp_path / "fresh.db"
    Store(fresh).close()
    with Store(db) as store:
        store_inventory = store.load_inventory()
    with Store(fresh) as other:
        other.import_inventory(store_inventory, "x", NOW)
    assert import_waivers(CONFIG, CENTRAL, out, db=fresh)[0] == count


def test_a_confirmed_false_positive_leaves_the_counts_and_resolves_its_ticket_with_the_rationale(
    tmp_path,
    inventory,  # noqa: F811
):
    tickets, db = tmp_path / "tickets", tmp_path / "fp.db"
    _audit(db, inventory, tickets, now=NOW - timedelta(days=1))
    target = _open(db, "ACC-001", "mprueba-fb")
    proposed, _ = annotate(
        CONFIG,
        RSI,
        AnnotateRequest(target.fingerprint[:10], "resultado_incorrecto", "Es la agencia registrada con otro id"),
        db=db,
    )
    run_id = _audit(db, inventory, tickets)
    with Store(db) as store:
        assert next(e for e in store.events(run_id) if e.finding.fingerprint == target.fingerprint).status.value == (
            "persisting"
        ), "a proposal does not count until the central office confirms it"
    with pytest.raises(RequestError):
        confirm(CONFIG, DIRECTOR, proposed.id, db=db)
    with pytest.raises(RequestError, match="solicitó"):
        confirm(CONFIG, Identity("Óscar", "2345678", "central"), proposed.id, db=db)
    confirm(CONFIG, CENTRAL, proposed.id, db=db)
    run_id = _audit(db, inventory, tickets)
    with Store(db) as store:
        event = next(e for e in store.events(run_id) if e.finding.fingerprint == target.fingerprint)
        assert event.status.value == "waived"
        actions = store.db.execute(
            "select action, content from tickets where fingerprint = ? order by id", [target.fingerprint]
        ).fetchall()
        report = build_report(store, run_id)
    assert [a for a, _ in actions] == ["create", "resolve"]
    assert "Es la agencia registrada con otro id" in json.loads(actions[-1][1])["description"]
    listed = next(f for f in report.findings if f.fingerprint == target.fingerprint)
    assert listed.status.value == "waived" and listed.annotations[0].confirmed_by == "Marta Acosta"
    assert len(listed.trail) == 2  # proposed, confirmed
    critical = next(s for s in report.summary if s.severity.value == "critical")
    assert critical.waived >= 1
    # the next run plans no second resolve
    run_id = _audit(db, inventory, tickets)
    with Store(db) as store:
        assert (
            store.db.execute("select count(*) from tickets where fingerprint = ?", [target.fingerprint]).fetchone()[0]
            == 2
        )


def test_a_plan_past_its_date_is_overdue_in_the_report_and_on_the_triage_page(db, inventory):  # noqa: F811
    target = _open(db, "AUT-001", "aguas-fb")
    with pytest.raises(RequestError, match="fecha"):
        annotate(CONFIG, RSI, AnnotateRequest(target.fingerprint, "en_tratamiento", "exigir 2FA"), db=db)
    with pytest.raises(RequestError, match="ACC-001"):
        annotate(CONFIG, RSI, AnnotateRequest(target.fingerprint, "persona_legitima", "es de la casa"), db=db)
    annotate(
        CONFIG,
        RSI,
        AnnotateRequest(target.fingerprint, "en_tratamiento", "exigir 2FA", NOW.date() - timedelta(days=3)),
        db=db,
    )
    ok, _ = annotate(CONFIG, RSI, AnnotateRequest(target.fingerprint, "comentario", "en curso"), db=db)
    run_id = _audit(db, inventory)
    with Store(db) as store:
        report = build_report(store, run_id)
    listed = next(f for f in report.findings if f.fingerprint == target.fingerprint)
    assert [a.overdue for a in listed.annotations] == [True, False]
    assert next(r for r in report.triage if r.institution == "aguas").overdue_plans == 1
    assert len(report.annotations) == 2 and report.trail
    withdraw(CONFIG, RSI, ok.id, db=db)
    with pytest.raises(RequestError):
        withdraw(CONFIG, DIRECTOR, 1, db=db)  # someone else's, and not the central office


def test_old_per_attribute_ops003_findings_are_closed_quietly_by_the_migration(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.db.execute("insert into runs (id, started_at, status) values (1, '2026-11-01', 'complete')")
        store.db.execute(
            "insert into findings (fingerprint, policy_id, severity, institution_id, account_id, subject, status, "
            "first_seen_run, last_seen_run) values ('abc', 'OPS-003', 'info', 'i', 'a', 'attest:phone', 'open', 1, 1)"
        )
        for table in ("trail", "declarations", "annotations", "waiver_requests", "web_sessions", "sign_in_failures"):
            store.db.execute(f"drop table {table}")
        store.db.execute("drop table users")
        for table in STAGE_TABLES:
            store.db.execute(f"drop table {table}")
        store.db.execute("delete from schema_version where version >= 9")
        store.db.conn.commit()
    with Store(path) as store:
        row = store.db.execute(
            "select status, resolved_run, evidence from findings where fingerprint = 'abc'"
        ).fetchone()
        assert row[0] == "resolved" and row[1] == 1 and "superseded_by" in row[2]
        assert store.db.execute("select count(*) from finding_events").fetchone()[0] == 0


ACTOR = Actor(name="Ana", ci="3456789", role=ActorRole.DIRECTOR)
ITEMS = ["CHK-03", "CHK-04", "CHK-05", "CHK-07", "ATR-facebook-phone"]


@st.composite
def declarations(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    out = []
    for i in range(n):
        day = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
        out.append(
            Declaration(
                institution="tprueba",
                item=draw(st.sampled_from(ITEMS)),
                account="t-fb",
                answer=draw(st.sampled_from([Answer.COMPLIES, Answer.DOES_NOT_COMPLY])),
                declared_by=ACTOR,
                declared_on=day,
                valid_until=day + timedelta(days=draw(st.integers(0, 400))),
                recorded_at=NOW + timedelta(seconds=i),
            )
        )
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(declarations(), st.randoms(use_true_random=False))
def test_the_state_is_the_replay_of_the_trail_whatever_the_order(batch, rnd):
    """Findings + declarations in any order give the same state as replaying the trail: the stored view equals
    the replay, and the findings a run derives from it do not depend on the order the answers arrived in."""
    from auditor.model import Inventory, Observed, Profile
    from policies.evaluate import Observations, evaluate
    from policies.profile import effective_rules
    from tests.conftest import TODAY
    from tests.policies.test_declarations import institution, snap

    def findings_after(order):
        store = Store(":memory:")
        for d in order:
            store.add_declaration(d)
        stored, replayed = store.human_state(), HumanState.replay(store.trail())
        assert stored.declarations == replayed.declarations
        book = stored.current()
        inv = Inventory(institutions=[institution()])
        obs = Observations(snapshots={("tprueba", "t-fb"): snap(phone=Observed.not_exposed())})
        result = evaluate(inv, effective_rules(Profile()), [], TODAY, observations=obs, declarations=book)
        # The store numbers declarations as they arrive: the number is a reference, not part of the state.
        return {
            (f.fingerprint, f.severity, re.sub(r'"declaration": \d+', "", json.dumps(f.evidence, sort_keys=True)))
            for f in result.findings
        }

    # Same-day answers to one item are ordered by when they were recorded: keep that order, shuffle the rest.
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    shuffled.sort(key=lambda d: (d.item, d.declared_on, d.recorded_at))
    assert findings_after(batch) == findings_after(shuffled)


def test_cli_checklist_lists_the_catalogue_as_json_and_declare_speaks_spanish(db):
    result = CliRunner().invoke(cli, ["checklist", "list", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    ids = [i["id"] for i in listed]
    assert all(f"CHK-{n:02d}" in ids for n in range(1, 13)) and all(i["guide_ref"] for i in listed)
    assert any(i.startswith("ATR-x-") for i in ids)
    result = CliRunner().invoke(
        cli,
        [
            "declare",
            "--db",
            str(db),
            "--institution",
            "mprueba",
            "--item",
            "CHK-04",
            "--answer",
            "cumple",
            "--account",
            "mprueba-fb",
            "--as",
            "Laura",
            "--ci",
            "12x",
            "--role",
            "director",
        ],
    )
    assert result.exit_code == 2 and "CI inválida" in result.output
    result = CliRunner().invoke(
        cli,
        [
            "declare",
            "--db",
            str(db),
            "--institution",
            "mprueba",
            "--item",
            "chk-04",
            "--answer",
            "cumple",
            "--account",
            "mprueba-fb",
            "--as",
            "Laura",
            "--ci",
            "3.123.456",
            "--role",
            "director",
        ],
    )
    assert result.exit_code == 0 and "Registrado" in result.output
    result = CliRunner().invoke(cli, ["trail", "--db", str(db), "--format", "json"])
    assert json.loads(result.output)[0]["actor"]["ci"] == "3123456"


def test_annotations_are_shown_escaped_in_every_text_format(db, inventory):  # noqa: F811
    from reports.render import RENDERERS, write_reports

    target = _open(db, "AUT-001", "aguas-fb")
    hostile = '=HYPERLINK("http://x") <script>alert(1)</script>'
    annotate(CONFIG, RSI, AnnotateRequest(target.fingerprint, "comentario", hostile), db=db)
    run_id = _audit(db, inventory)
    with Store(db) as store:
        report = build_report(store, run_id)
    formats = [fmt for fmt in RENDERERS if fmt != "xlsx"]
    write_reports(report, db.parent / "rendered", formats)
    outputs = {fmt: (db.parent / "rendered" / RENDERERS[fmt][0]).read_text(encoding="utf-8") for fmt in formats}
    html = str(outputs["html"])
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "alert(1)" in str(outputs["md"]) and "<script>" not in str(outputs["md"])
    csv_text = str(outputs["csv"])
    assert "HYPERLINK" in csv_text and '"=HYPERLINK' not in csv_text and "\n=HYPERLINK" not in csv_text
    ocsf = [json.loads(line) for line in str(outputs["ocsf"]).splitlines()]
    annotated = next(e for e in ocsf if e["finding_info"]["uid"] == target.fingerprint)
    assert annotated["unmapped"]["annotations"][0]["text"] == hostile
    assert json.loads(str(outputs["json"]))["annotations"][0]["text"] == hostile


def test_the_printed_checklist_has_every_question_the_current_answers_and_signature_lines(db, tmp_path):
    from auditor.app.checklist import checklist_rows, print_checklist
    from reports.screenshot import chromium

    declare(CONFIG, DIRECTOR, DeclareRequest("mprueba", "CHK-04", "cumple", account="mprueba-fb"), db=db)
    name, rows = checklist_rows(CONFIG, "mprueba", db=db)
    assert name == "Ministerio de Prueba"
    states = {(r.account, r.item.id): r.state for r in rows if r.person is None}
    assert states[("mprueba-fb", "CHK-04")] == "valid" and states[("mprueba-fb", "CHK-05")] == "missing"
    assert any(r.item.id.startswith("ATR-instagram-") for r in rows)  # what the last audit could not observe
    person_rows = [(r.item.id, r.person) for r in rows if r.person]
    assert len(person_rows) == len(set(person_rows)), "a person's item is asked once, for all their accounts"
    path, is_pdf = print_checklist(CONFIG, "mprueba", tmp_path / "out", "es", db=db, pdf=False)
    html = path.read_text(encoding="utf-8")
    assert not is_pdf and "Responsable de Seguridad de la Información" in html and "Nombre, CI y firma" in html
    assert "vigente" in html and "Laura Giménez" in html
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    if chromium():
        pdf, is_pdf = print_checklist(CONFIG, "mprueba", tmp_path / "out", "es", db=db)
        assert is_pdf and pdf.read_bytes().startswith(b"%PDF")


def test_the_pending_table_has_one_row_per_account_with_its_items_states(db, inventory):  # noqa: F811
    declare(CONFIG, DIRECTOR, DeclareRequest("mprueba", "CHK-04", "cumple", account="mprueba-fb"), db=db)
    declare(
        CONFIG,
        DIRECTOR,
        DeclareRequest(
            "mprueba", "CHK-03", "cumple", account="mprueba-fb", declared_on=NOW.date() - timedelta(days=60)
        ),
        db=db,
    )
    run_id = _audit(db, inventory)
    with Store(db) as store:
        report = build_report(store, run_id)
    rows = {(r.institution, r.account): r for r in report.pending_declarations}
    ops = [f for f in report.findings if f.policy_id == "OPS-003"]
    assert len(rows) == len(ops) <= len(report.accounts) and all(f.account for f in ops)
    fb = rows[("mprueba", "mprueba-fb")].items
    assert fb["CHK-04"] == "valid" and fb["CHK-03"] == "expired" and fb["CHK-05"] == "missing"
    assert "CHK-08" not in fb  # a support-account item does not concern a principal account
    assert [d.item for d in report.declarations if d.account == "mprueba-fb"] == ["CHK-03", "CHK-04"]


def test_the_trail_exports_whole_objects_as_csv_and_json_filtered_by_institution_and_date(db):
    import csv
    import io

    from auditor.app.trail import trail_csv, trail_entries, trail_json

    long_text = "=SUM(A1) " + "evidencia " * 190  # with the rest, the object is longer than a report cell
    declare(
        CONFIG, DIRECTOR, DeclareRequest("mprueba", "CHK-04", "cumple", account="mprueba-fb", evidence=long_text), db=db
    )
    declare(CONFIG, RSI_DEPORTES, DeclareRequest("deportes", "CHK-12", "cumple", account="deportes-tiktok"), db=db)
    entries = trail_entries(CONFIG, institution="mprueba", db=db)
    assert [e.institution for e in entries] == ["mprueba"]
    rows = list(csv.DictReader(io.StringIO(trail_csv(entries))))
    long_text = long_text.strip()  # stored as given, surrounding spaces aside
    assert json.loads(rows[0]["after"])["evidence"] == long_text and rows[0]["os_user"] == "tester"
    assert json.loads(trail_json(entries))[0]["after"]["evidence"] == long_text
    assert trail_entries(CONFIG, since=date(2099, 1, 1), db=db) == []
