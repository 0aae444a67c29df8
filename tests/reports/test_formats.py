"""Every format renders the same report: counts agree, CSV is formula-safe, OCSF carries the required
attributes of a Compliance Finding (class 2003), hostile platform data is inert everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from auditor.app.report_document import build_report
from auditor.app.reporting import write_run_reports
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.model import FindingStatus, Report, Severity
from auditor.store import Store
from connectors.sandbox import Sandbox
from reports.csv import FORMULA_STARTS, cell, render_action_plan, render_csv
from reports.html import render_html, safe_url
from reports.json import render_json
from reports.ocsf import render_ocsf
from tests.conftest import NOW

DEMO_INVENTORY = Path(__file__).resolve().parents[2] / "auditor" / "demo" / "inventory"


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    from auditor.app.setup import demo_files
    from auditor.inputs.tuning import load_waivers
    from auditor.live import load_sandbox

    store = Store(tmp_path_factory.mktemp("r") / "a.db")
    inv = load_inventory([demo_files() / "inventory"])
    waivers = load_waivers(demo_files() / "waivers.yaml", inv)
    sandbox = load_sandbox(demo_files() / "sandbox.yaml")
    run_audit(
        store,
        inv,
        waivers=waivers,
        live=live_from_sandbox(sandbox.with_overlay(sandbox.scenario["baseline"])),
        now=NOW - timedelta(days=1),
    )
    run_id = run_audit(store, inv, waivers=waivers, live=live_from_sandbox(sandbox), now=NOW).run_id
    return store, run_id, build_report(store, run_id, "es")


def html_numbers(html: str) -> dict[str, tuple[int, int]]:
    return {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r'data-severity="(\w+)" data-open="(\d+)" data-waived="(\d+)"', html)
    }


def test_html_json_csv_and_ocsf_agree_on_every_count(demo_report):
    _, _, report = demo_report
    data = json.loads(report.model_dump_json())
    html = render_html(report)
    assert html_numbers(html) == {c["severity"]: (c["open"], c["waived"]) for c in data["summary"]}
    for status in FindingStatus:
        shown = re.search(rf'data-status="{status.value}">(\d+)<', html)
        assert shown and int(shown.group(1)) == report.count(status), status
    rows = list(csv.DictReader(io.StringIO(render_csv(report, "rfc4180"))))
    ocsf = [json.loads(line) for line in render_ocsf(report).splitlines()]
    assert len(rows) == len(ocsf) == len(data["findings"]) + len(data["resolved"])
    for severity in Severity:
        open_json = next(c["open"] for c in data["summary"] if c["severity"] == severity.value)
        open_csv = sum(1 for r in rows if r["severity"] == severity.value and r["status"] not in ("waived", "resolved"))
        open_ocsf = sum(
            1
            for e in ocsf
            if e["severity_id"] == {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}[severity.value]
            and e["status_id"] in (1, 2)
        )
        assert open_json == open_csv == open_ocsf, severity
    plan = list(csv.reader(io.StringIO(render_action_plan(report, "rfc4180"))))
    assert len(plan) - 1 == sum(c["open"] for c in data["summary"])


def test_ocsf_events_carry_the_required_compliance_finding_attributes(demo_report):
    _, _run_id, report = demo_report
    for line in render_ocsf(report).splitlines():
        e = json.loads(line)
        for required in (
            "activity_id",
            "category_uid",
            "class_uid",
            "compliance",
            "finding_info",
            "metadata",
            "severity_id",
            "time",
            "type_uid",
        ):
            assert required in e, required
        assert e["class_uid"] == 2003 and e["category_uid"] == 2
        assert e["type_uid"] == 2003 * 100 + e["activity_id"] and e["activity_id"] in (1, 2, 3)
        assert e["compliance"]["standards"] == ["MITIC Res. 678/2022"] and e["compliance"]["control"]
        assert e["finding_info"]["uid"] and e["finding_info"]["title"]
        assert e["metadata"]["version"] and e["metadata"]["product"]["name"]
        assert 1 <= e["severity_id"] <= 5 and isinstance(e["time"], int)


def test_action_plan_has_columns_to_fill_and_only_open_findings(demo_report):
    _, _, report = demo_report
    header, *rows = list(csv.reader(io.StringIO(render_action_plan(report, "rfc4180"))))
    assert header[-4:] == [
        "Responsable",
        "Motivo (si no se corrige)",
        "Fecha planificada de corrección (AAAA-MM-DD)",
        "Justificación",
    ]
    waived = {f.fingerprint for f in report.findings if f.status is FindingStatus.WAIVED}
    assert waived and not waived & {r[9] for r in rows}


def test_per_institution_reports_hold_only_their_institution(demo_report, tmp_path):
    store, run_id, _ = demo_report
    report = write_run_reports(store, run_id, tmp_path, ["json", "csv"], "es").report
    assert (tmp_path / "aguas" / "report.json").exists()
    aguas = json.loads((tmp_path / "aguas" / "report.json").read_text(encoding="utf-8"))
    assert aguas["institution"] == "aguas" and {f["institution"] for f in aguas["findings"]} == {"aguas"}
    assert sum(
        len(json.loads((tmp_path / i.id / "report.json").read_text())["findings"]) for i in report.institutions
    ) == len(report.findings)


def test_drift_waivers_and_trend_sections(demo_report):
    _, _, report = demo_report
    changes = {(d.account, d.attribute): (d.before, d.after) for d in report.drift}
    assert changes[("mprueba-fb", "linked_emails")] == ("redes@mprueba.gov.py", "mpruebapy.redes@gmail.com")
    assert changes[("aguas-fb", "verification")] == ("verified", "not_verified")
    states = {w.id: w.state.value for w in report.waivers}
    assert states == {"w-mprueba-x": "in_force", "w-una-yt-handle": "expired"}
    assert [p.run_id for p in report.trend][-1] == report.run.id and len(report.trend) == 2
    html = render_html(report)
    assert "antes → después" in html and "<svg" in html and 'data-state="expired"' in html


def test_english_report_has_no_spanish_catalogue_words(demo_report):
    store, run_id, _ = demo_report
    html = render_html(build_report(store, run_id, "en"))
    for spanish in ("Resumen por severidad", "Hallazgos", "Qué hacer", "Excepciones", "cobertura"):
        assert spanish not in html


def test_csv_cells_never_start_a_formula():
    for hostile in ('=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1"):
        assert cell(hostile).startswith("'"), hostile
    assert cell("Ministerio") == "Ministerio" and cell(None) == "" and cell(3) == "3"


def test_only_http_links():
    assert safe_url("https://www.facebook.com/x") == "https://www.facebook.com/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "ftp://x", None, ""):
        assert safe_url(bad) is None


# -- hostile platform data, end to end ------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'


def hostile_setup(tmp_path):
    doc = {
        "institution": {"id": "hostil", "name": "Institución Hostil", "email_domains": ["hostil.gov.py"]},
        "accounts": [
            {
                "id": "h-fb",
                "platform": "facebook",
                "platform_account_id": "555",
                "handle": "hostilpy",  # only a possible handle registers; the platform may say a formula
                "display_name": SCRIPT,
                "linked_email": "redes@hostil.gov.py",
                "credential": "meta-h",
            }
        ],
        "people": [
            {
                "id": "p1",
                "name": "<img src=x onerror=alert(1)>",
                "email": "p1@hostil.gov.py",
                "access": [{"account": "h-fb", "role": "administrador", "contact_point": True}],
            }
        ],
    }
    path = tmp_path / "hostil.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    page = {
        "name": SCRIPT,
        "username": FORMULA,
        "link": "javascript:alert(1)",
        "emails": [FORMULA + "@gmail.com"],
        "is_published": True,
        "business": "9",
        "verification_status": "not_verified",
        "assigned_users": [{"id": "-2+3", "name": "<b onmouseover=alert(1)>x</b>", "tasks": ["MANAGE"]}],
        "published_posts": [],
    }
    scenario = {
        "tokens": {"TOKEN-H": {"credential": "meta-h", "businesses": ["9"]}},
        "meta": {
            "businesses": {
                "9": {
                    "name": SCRIPT,
                    "two_factor_type": "none",
                    "owned_pages": ["555"],
                    "business_users": [
                        {"id": "-2+3", "name": "=cmd|' /C calc'!A0", "email": "@evil@gmail.com", "role": "ADMIN"}
                    ],
                }
            },
            "pages": {"555": page},
        },
    }
    return load_inventory([path]), Sandbox(scenario)


def test_hostile_platform_data_is_inert_in_every_format(tmp_path):
    inv, sandbox = hostile_setup(tmp_path)
    store = Store(tmp_path / "a.db")
    yesterday = sandbox.with_overlay({"meta": {"pages": {"555": {"name": "Old", "username": "old"}}}})
    run_audit(store, inv, live=live_from_sandbox(yesterday), now=NOW - timedelta(days=1))
    run_id = run_audit(store, inv, live=live_from_sandbox(sandbox), now=NOW).run_id
    report = write_run_reports(
        store, run_id, tmp_path / "out", ["html", "md", "json", "csv", "plan", "ocsf"], "es"
    ).report
    assert any(d.after == SCRIPT for d in report.drift)  # the hostile value really reaches the report
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        for raw in (SCRIPT, "<img src=x", "<b onmouseover"):
            assert raw not in text
    assert "&lt;script&gt;" in html
    assert not re.search(r'href="\s*javascript:', html, re.I)
    assert all(href.startswith("https://") for href in re.findall(r'href="([^"]*)"', html))
    assert "<script" not in html.lower()  # not even our own: the report runs no script at all
    for name in ("findings.csv", "action-plan.csv"):
        for row in csv.reader(io.StringIO((tmp_path / "out" / name).read_text(encoding="utf-8"))):
            for value in row:
                assert not value.startswith(FORMULA_STARTS), (name, value)
    for line in (tmp_path / "out" / "findings.ocsf.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)  # hostile strings stay valid, escaped JSON


def test_spanish_spreadsheets_open_in_excel_set_to_spanish(demo_report):
    """excel-es: a BOM, `;`, Spanish headers and words, the institution's name beside its id."""
    _, _, report = demo_report
    text = render_csv(report)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert {"Severidad", "Estado", "Institución", "Institución (id)", "Plataforma"} <= rows[0].keys()
    assert {r["Severidad"] for r in rows} <= {"crítica", "alta", "media", "baja", "informativa"}
    assert "persiste" in {r["Estado"] for r in rows} or "nuevo" in {r["Estado"] for r in rows}
    aguas = next(r for r in rows if r["Institución (id)"] == "aguas")
    assert aguas["Institución"] == next(i.name for i in report.institutions if i.id == "aguas")
    assert not {r["Plataforma"] for r in rows} & {"facebook", "x", "youtube"}  # names, not enum values
    plan = render_action_plan(report)
    assert plan.startswith("\ufeffSeveridad;Regla;")


def test_findings_workbook_has_one_sheet_per_institution(demo_report, tmp_path):
    from openpyxl import load_workbook

    from reports.xlsx import render_xlsx

    _, _, report = demo_report
    path = tmp_path / "findings.xlsx"
    path.write_bytes(render_xlsx(report))
    book = load_workbook(path)
    assert book.sheetnames == ["Todos los hallazgos", *(i.id for i in report.institutions)]
    total = len(report.findings) + len(report.resolved)
    assert book["Todos los hallazgos"].max_row - 1 == total
    assert sum(book[i.id].max_row - 1 for i in report.institutions) == total
    assert book["aguas"]["C1"].value == "Severidad"
    formulas = [c.value for row in book["Todos los hallazgos"].iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_printing_the_html_shows_every_evidence(demo_report):
    """A closed <details> cannot be opened by CSS: each evidence has a printable copy the print style shows."""
    _, _, report = demo_report
    html = render_html(report)
    with_evidence = sum(1 for f in report.findings if f.evidence)
    assert html.count('<div class="print-evidence">') == with_evidence == html.count("<details>")
    print_css = html[html.index("@media print") :]
    assert "details { display: none; } .print-evidence { display: block; }" in print_css.split("</style>")[0]


def test_reports_written_in_pieces_are_the_reports_made_whole(demo_report, tmp_path, monkeypatch):
    """The files are written as each renderer makes its text (a country's report is never held whole): what
    lands on disk is byte for byte the text made in one piece, across many pieces."""
    import reports.csv as csv_module
    from reports.render import write_reports

    _, _, report = demo_report
    monkeypatch.setattr(csv_module, "_ROWS_A_CHUNK", 7)  # the demo's ~110 findings in many pieces
    write_reports(report, tmp_path, ["html", "json", "csv", "plan"])

    def text(name: str) -> str:  # as written: no newline translation
        return (tmp_path / name).read_bytes().decode("utf-8")

    assert text("report.html") == render_html(report)
    assert text("findings.csv") == render_csv(report)
    assert text("action-plan.csv") == render_action_plan(report)
    # JSON: the document serialized without its long lists, and their items one by one, indented to their place
    whole = Report.__pydantic_serializer__.to_json(report, indent=2) + b"\n"
    assert (tmp_path / "report.json").read_bytes() == whole
    assert report.findings and report.accounts and report.pending_declarations  # the pieces were exercised
    empty = report.model_copy(update={"findings": [], "resolved": [], "accounts": [], "pending_declarations": []})
    assert render_json(empty) == Report.__pydantic_serializer__.to_json(empty, indent=2) + b"\n"
    assert text("findings.csv").startswith("\ufeff")  # Excel's BOM, once
    assert text("findings.csv").count("\ufeff") == 1


def test_report_rows_built_from_validated_values_validate_to_themselves(demo_report):
    """Findings and accounts of a document are built without a second validation (`from_validated`): every
    one of them is what validating it would give."""
    _, _, report = demo_report
    for row in [*report.findings, *report.resolved, *report.accounts]:
        assert type(row).model_validate(row.model_dump()) == row, row


def test_a_report_written_in_pieces_keeps_their_order_whatever_their_kind(tmp_path):
    from reports.render import write_atomically

    pieces: list[str | bytes] = [*(f"<p>{n}</p>" for n in range(2500)), b"\xc3\xb1", "ñ"]
    pieces += [str(n) for n in range(3000)]
    write_atomically(tmp_path / "r.html", iter(pieces))  # type: ignore[arg-type]
    expected = b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in pieces)
    assert (tmp_path / "r.html").read_bytes() == expected


def test_a_report_s_long_pieces_reach_the_file_as_they_come(tmp_path):
    """A CSV yields its rows five hundred at a time: each such piece is written before the next is made, so a
    country's table is never held whole (a run of short pieces is bounded by its length, not its count)."""
    from reports.render import write_atomically

    def pieces():
        for n in range(5):
            if n >= 2:
                (partial,) = tmp_path.glob(".r.csv.*.tmp")
                assert partial.stat().st_size >= (n - 1) * 100_000
            yield "x" * 100_000

    write_atomically(tmp_path / "r.csv", pieces())
    assert (tmp_path / "r.csv").stat().st_size == 500_000
