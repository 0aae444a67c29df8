"""The national register (issue 19 point 7): one row per registered account of every institution, with what
the last audits saw, as XLSX and CSV; hostile register text stays text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from auditor.app.errors import RequestError
from auditor.app.register import export_register, national_register
from auditor.config import Config
from auditor.model import Inventory
from auditor.store import Store
from tests.auditor.test_people import db, inventory  # noqa: F401  (fixtures)
from tests.conftest import NOW, clean_doc, institution

CONFIG = Config()


def test_every_registered_account_is_a_row_with_what_the_audit_saw(db, inventory):  # noqa: F811
    rows = national_register(CONFIG, db=db)
    assert len(rows) == sum(len(i.accounts) for i in inventory.institutions)
    fb = next(r for r in rows if r.account == "mprueba-fb")
    assert fb.last_audit is not None and fb.verification is not None and fb.url == "https://www.facebook.com/mpruebapy"
    assert fb.open_critical >= 1 and fb.pending_declarations >= 1
    assert sum(r.open_critical for r in rows) > 0


def test_the_export_writes_xlsx_and_csv_and_refuses_an_unknown_format(db, tmp_path):  # noqa: F811
    done = export_register(CONFIG, tmp_path / "out", db=db)
    assert [p.name for p in done.paths] == ["registro-nacional.xlsx", "registro-nacional.csv"]
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in done.paths)
    sheet = load_workbook(done.paths[0]).active
    assert sheet is not None and sheet.max_row == done.accounts + 1
    assert sheet["A1"].value == "Institución (id)"
    with pytest.raises(RequestError, match="pdf"):
        export_register(CONFIG, tmp_path / "out", ("pdf",), db=db)


def test_hostile_register_text_stays_text_and_a_never_audited_account_says_so(tmp_path: Path):
    doc = clean_doc()
    doc["institution"]["name"] = '=HYPERLINK("http://x","clic")'
    path = tmp_path / "audit.db"
    with Store(path) as store:
        store.import_inventory(Inventory(institutions=[institution(doc)]), "d", NOW)
    done = export_register(CONFIG, tmp_path / "out", ("csv", "xlsx"), lang="es", db=path)
    by_name = {p.suffix: p for p in done.paths}
    text = by_name[".csv"].read_text(encoding="utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["Institución"].startswith("'=") and row["Última auditoría"] == "nunca leída"
    assert row["Declaraciones pendientes"] == "sin auditar"  # never asked, not «0 pending»
    cell = load_workbook(by_name[".xlsx"]).active["B2"]  # type: ignore[index]
    assert cell.data_type == "s" and str(cell.value).startswith("'=")
