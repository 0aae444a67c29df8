"""Issue 17 class 4: text that stays one record per line. A Page named with U+2028, U+2029 and U+0085 (and
the other characters splitters break lines at) is escaped or folded in every line-oriented output: OCSF JSON
lines, CSV and logs — `str.splitlines()` sees one record per line."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta

from auditor.app.report_document import build_report
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.logs import JsonFormatter, OneLineFormatter
from reports.csv import render_csv
from reports.ocsf import render_ocsf
from tests.conftest import NOW
from tests.reports.test_formats import hostile_setup

BREAKERS = "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"
NAME = "Página" + "".join(f"{c}parte{i}" for i, c in enumerate(BREAKERS))


def test_every_line_oriented_output_keeps_one_record_per_line(tmp_path, store):
    _, sandbox = hostile_setup(tmp_path)
    # Inventory text reaches the outputs as written (a person's name); platform text is cleaned at ingestion.
    path = tmp_path / "hostil.yaml"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["people"][0]["name"] = NAME
    path.write_text(json.dumps(doc), encoding="utf-8")
    inventory = load_inventory([path])
    run_audit(store, inventory, live=live_from_sandbox(sandbox), now=NOW - timedelta(days=1))
    renamed = sandbox.with_overlay({"meta": {"pages": {"555": {"name": NAME}}}})
    run_id = run_audit(store, inventory, live=live_from_sandbox(renamed), now=NOW).run_id
    report = build_report(store, run_id, "es")
    assert any("parte3" in f.message for f in report.findings)  # the hostile text really reaches the report

    ocsf = render_ocsf(report)
    records = [json.loads(line) for line in ocsf.splitlines()]  # every line is one whole record
    assert len(records) == len(report.findings) + len(report.resolved)
    assert not any(c in ocsf for c in BREAKERS)

    table = render_csv(report, "rfc4180")
    rows = list(csv.reader(io.StringIO(table)))
    assert len(table.splitlines()) == len(rows)  # no cell breaks a line for a splitter either
    assert not any(c in table for c in BREAKERS)


def test_log_lines_stay_one_line_in_both_formats():
    record = logging.LogRecord("auditor", logging.WARNING, __file__, 1, f"renamed to {NAME}\nsecond", None, None)
    for formatter in (JsonFormatter(), OneLineFormatter("%(levelname)s %(message)s")):
        line = formatter.format(record)
        assert len(line.splitlines()) == 1, type(formatter).__name__
        assert not any(c in line for c in BREAKERS)
