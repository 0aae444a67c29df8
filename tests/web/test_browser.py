"""The officers' day in a real browser (Playwright driving Debian's Chromium): the RSI of one institution signs
in, sees only it, declares a checklist item, marks a false positive and requests a waiver; the central office
signs in with its second factor and approves both; the next audit's report shows the results.

Skipped, with the reason, where Chromium is missing (`.ci/run` installs it). With AUDITOR_DOCS_SCREENSHOTS=1
the dashboard and finding page screenshots are written to docs/ (how docs/web-*.png were made)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import uvicorn

from auditor.app.audit import DemoRequest, demo
from auditor.app.outputs import latest_run_dir
from auditor.model.clock import local_date, utcnow
from auditor.store import Store
from auditor.web import create_app
from reports.screenshot import CHROMIUM_FLAGS, chromium
from tests.web.conftest import CONFIG, PASSWORD, A, B, People

BROWSER = chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (Debian package `chromium`)")
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def server(people: People) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(CONFIG, people.db)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def _shot(page, name: str, tmp: Path) -> None:
    page.screenshot(path=str(tmp / name), full_page=True)
    if os.environ.get("AUDITOR_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=True)


def test_rsi_answers_central_approves_the_next_audit_shows_it(people: People, server: str, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    with Store(people.db) as store:
        findings = store.findings(status="open", institution=A)
    false_positive = next(f for f in findings if f.policy_id == "ACC-001")
    to_waive = next(f for f in findings if f.policy_id.startswith("IDN") and f.severity.value != "critical")
    expires = (local_date(utcnow()) + timedelta(days=90)).isoformat()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        rsi = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        rsi.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        rsi.goto(server + "/")
        rsi.fill("#username", "rsi-a")
        rsi.fill("#password", PASSWORD)
        rsi.click("button[type=submit]")
        assert rsi.url == f"{server}/i/{A}"
        nav = rsi.locator("header nav").inner_text()
        assert A in nav and B not in nav
        rsi.goto(f"{server}/overview")
        assert rsi.locator("tr[data-institution]").count() == 1
        assert rsi.goto(f"{server}/i/{B}").status == 404
        errors.clear()  # that 404 was asked for; from here on, no page may log an error

        rsi.goto(f"{server}/i/{A}")
        _shot(rsi, "web-dashboard.png", tmp_path)

        # The checklist, item by item: the first item of an account still without a declaration.
        rsi.goto(f"{server}/i/{A}/checklist")
        row = rsi.locator("tr[data-item][data-account]:not([data-person])", has_text="sin declarar").first
        item, account = row.get_attribute("data-item"), row.get_attribute("data-account")
        row.locator("select[name=answer]").select_option("cumple")
        row.locator("input[name=evidence]").fill("acta de revisión 7/2026")
        row.locator("button[type=submit]").click()
        assert "Declaración registrada" in rsi.locator("p.ok").inner_text()

        # A false positive, then a waiver request, from the findings' own pages.
        rsi.goto(f"{server}/f/{false_positive.fingerprint}")
        rsi.select_option("#kind", "resultado_incorrecto")
        rsi.fill("#text", "Es la agencia contratada, con contrato de confidencialidad vigente.")
        rsi.click("#annotate button[type=submit]")
        assert "Anotación registrada" in rsi.locator("p.ok").inner_text()
        _shot(rsi, "web-finding.png", tmp_path)
        rsi.goto(f"{server}/f/{to_waive.fingerprint}")
        rsi.fill("#rationale", "Reclamo de la cuenta en trámite ante la plataforma.")
        rsi.fill("#expires", expires)
        rsi.click("#waiver button[type=submit]")
        assert "Solicitud de excepción enviada" in rsi.locator("p.ok").inner_text()
        waiver_id = rsi.context.request.get(f"{server}/api/approvals").json()["waiver_requests"][0]["id"]

        # The central office: password, then the code of its authenticator app.
        central = browser.new_context().new_page()
        central.goto(server + "/approvals")
        central.fill("#username", "central")
        central.fill("#password", PASSWORD)
        central.click("button[type=submit]")
        assert "/login/code" in central.url
        central.fill("#code", pyotp.TOTP(people.central_secret).now())
        central.click("button[type=submit]")
        assert central.url == f"{server}/approvals"
        central.locator(f"tr[data-waiver='{waiver_id}'] button[value=approve]").click()
        assert "Excepción aprobada" in central.locator("p.ok").inner_text()
        annotation_row = central.locator("tr[data-annotation]", has_text="agencia contratada")
        annotation_row.locator("button[type=submit]").click()
        assert "Resultado incorrecto confirmado" in central.locator("p.ok").inner_text()
        assert errors == []
        browser.close()

    # The next audit applies what people said.
    demo(DemoRequest(out=people.db.parent))
    run = latest_run_dir(people.db.parent)
    assert run is not None
    report = json.loads((run / "report.json").read_text())
    by_fp = {f["fingerprint"]: f for f in report["findings"]}
    assert by_fp[false_positive.fingerprint]["status"] == "waived"
    assert by_fp[false_positive.fingerprint]["waiver"]["id"].startswith("fp-")
    assert by_fp[to_waive.fingerprint]["status"] == "waived"
    assert by_fp[to_waive.fingerprint]["waiver"]["id"] == waiver_id
    declared = [d for d in report["declarations"] if d["item"] == item and d["account"] == account]
    assert declared and declared[-1]["state"] == "valid" and "rsi-a" in declared[-1]["declared_by"]
    pending = next((p for p in report["pending_declarations"] if p["account"] == account), None)
    assert pending is None or pending["items"].get(item, "valid") == "valid"
