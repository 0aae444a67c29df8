"""Hostile platform data: anyone can rename a page. Names with HTML/JS, CSV formulas, right-to-left overrides,
NUL bytes and 1 MB strings are stored, reported and ticketed as inert, bounded text; a page spelt with
look-alike letters of a registered handle is reported as impersonation (IDN-009)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

from auditor.app.reporting import write_run_reports
from auditor.config import OutboxSinkConfig, TicketsConfig
from auditor.engine import deliver_tickets, run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.model.classify import handle_skeleton, reveal_foreign_letters
from auditor.store import Store
from connectors.http import MAX_TEXT, platform_text
from connectors.sandbox import Sandbox
from tests.conftest import NOW
from tests.reliability.world import DEMO, canary_scenario

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","clic")'
RTL = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "exe.gnp" shows as "png.exe"
HUGE = "A" * 1_048_576
LOOKALIKE = "m\u0440ruebapy"  # a Cyrillic «р» in the Ministry's registered handle «mpruebapy»


def test_platform_text_is_bounded_and_shows_what_hides():
    assert platform_text("Ministerio\x00 de Prueba") == "Ministerio de Prueba"
    assert platform_text(f"foto{RTL}gnp.exe") == "foto[U+202E]gnp.exe"
    bounded = platform_text(HUGE)
    assert len(bounded) < MAX_TEXT + 20 and bounded.endswith(f"[+{len(HUGE) - MAX_TEXT}]")
    assert platform_text("Ñandutí <b>") == "Ñandutí <b>"  # ordinary text (and HTML) is left as data


def test_lookalike_handles_share_a_skeleton_and_are_explained():
    assert handle_skeleton(LOOKALIKE) == handle_skeleton("mpruebapy") != handle_skeleton("mpruebapy2")
    assert handle_skeleton("rnpruebapy") == handle_skeleton("mpruebapy")
    assert reveal_foreign_letters(LOOKALIKE) == "U+0440 CYRILLIC SMALL LETTER ER"
    assert reveal_foreign_letters("Ñandutí") == ""


def hostile_world() -> Sandbox:
    scenario = canary_scenario()
    meta = scenario["meta"]
    page = meta["pages"]["104857600000001"]
    page["name"] = f"{SCRIPT}{RTL}gnp.exe\x00"
    page["assigned_users"].append({"id": "666", "name": HUGE, "tasks": ["MANAGE"]})
    page["assigned_users"].append({"id": "667", "name": FORMULA, "tasks": ["CREATE_CONTENT"]})
    # An impostor page inside the Ministry's own Business, spelt with a Cyrillic letter.
    meta["pages"]["104857600000666"] = {
        "name": "Ministerio de Prueba",
        "username": LOOKALIKE,
        "emails": [f"{FORMULA}@gmail.com"],
        "is_published": True,
        "business": "1001",
        "verification_status": "not_verified",
        "assigned_users": [],
        "published_posts": [],
    }
    meta["businesses"]["1001"]["owned_pages"].append("104857600000666")
    return Sandbox(scenario)


def test_hostile_names_are_inert_and_bounded_everywhere_and_the_impostor_is_reported(tmp_path: Path) -> None:
    inventory = load_inventory([DEMO / "inventory"])
    store = Store(tmp_path / "audit.db")
    tickets = TicketsConfig(sinks={"outbox": OutboxSinkConfig(path=tmp_path / "outbox")}, max_new_per_run=1000)
    run_audit(store, inventory, live=live_from_sandbox(Sandbox(canary_scenario())), now=NOW, tickets=tickets)
    run_id = run_audit(store, inventory, live=live_from_sandbox(hostile_world()), now=NOW, tickets=tickets).run_id
    deliver_tickets(store, tickets)
    report = write_run_reports(
        store, run_id, tmp_path / "out", ["html", "md", "json", "csv", "plan", "ocsf"], "es"
    ).report

    impostor = [f for f in report.findings if f.policy_id == "IDN-009"]
    assert len(impostor) == 1 and "U+0440" in impostor[0].message and "@mpruebapy" in impostor[0].message
    assert not [f for f in report.findings if f.policy_id == "IDN-007" and "666" in (f.subject or "")]
    outbox = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "outbox").glob("*.json"))
    assert LOOKALIKE in outbox and "U+0440" in outbox  # the impersonation reaches the incident process

    shown = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir() if p.is_file()}
    shown["outbox"] = outbox
    for name, text in shown.items():
        assert "\x00" not in text and RTL not in text, name
        assert "A" * (MAX_TEXT + 1) not in text, f"{name}: a 1 MB name was not bounded"
    html = shown["report.html"]
    # The hostile values really reach the report (the page's new name, both intruders), as inert text.
    assert "&lt;script&gt;" in html and "[U+202E]gnp.exe" in html and f"[+{len(HUGE) - MAX_TEXT}]" in html
    assert "HYPERLINK" in shown["findings.csv"]
    assert "<script" not in html.lower()
    assert not re.search(r'href="\s*javascript:', html, re.I)
    for name in ("findings.csv", "action-plan.csv"):
        for row in csv.reader(io.StringIO(shown[name])):
            assert not any(v.startswith(("=", "+", "-", "@")) for v in row), (name, row)
    for line in shown["findings.ocsf.jsonl"].splitlines():
        json.loads(line)
    # The store holds the same bounded, visible text.
    with sqlite3.connect(tmp_path / "audit.db") as db:
        for table, column in (("snapshots", "document"), ("findings", "message_es"), ("tickets", "content")):
            for (value,) in db.execute(f"select {column} from {table}"):
                assert "\x00" not in (value or "") and RTL not in (value or ""), table
                assert "A" * (MAX_TEXT + 1) not in (value or ""), table
