"""Formularios A and B out (issue 19 points 5–6): the register pre-filled as spreadsheets that import back to
the same register, printable forms faithful to the Annex, and the ABM rows that regularise open findings."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from openpyxl import load_workbook

from auditor.app.declare import AnnotateRequest, annotate
from auditor.app.forms import export_forms
from auditor.app.setup import demo_files
from auditor.config import Config
from auditor.inputs.inventory import load_inventory
from auditor.store import Store
from reports.screenshot import chromium
from tests.auditor.test_people import CONFIG, RSI, db, inventory  # noqa: F401  (fixtures)

DEMO = demo_files() / "inventory"


def _institution_only(folder: Path, institution: str) -> None:
    doc = yaml.safe_load((DEMO / f"{institution}.yaml").read_text(encoding="utf-8"))
    (folder / f"{institution}.yaml").write_text(yaml.safe_dump({"institution": doc["institution"]}), encoding="utf-8")


def test_an_export_imports_back_to_the_same_register(tmp_path):
    done = export_forms(
        Config(), "mprueba", tmp_path / "out", ("xlsx",), inventory_paths=(str(DEMO),), db=tmp_path / "none.db"
    )
    assert not done.abm_available and [p.name for p in done.paths] == [
        "formulario-a-mprueba.xlsx",
        "formulario-b-mprueba.xlsx",
    ]
    sheet = load_workbook(done.paths[0]).active
    assert sheet is not None and sheet["A1"].value == "Tipo de acción solicitada"
    assert sheet["F1"].value == "Nombre de la Red Social" and sheet["J1"].value == "Fecha"
    back_folder = tmp_path / "back"
    back_folder.mkdir()
    for path in done.paths:
        shutil.copy(path, back_folder)
    _institution_only(back_folder, "mprueba")
    original = load_inventory([DEMO]).get("mprueba")
    back = load_inventory([back_folder]).get("mprueba")
    assert original is not None and back is not None
    by_id = {a.id: a.model_dump(exclude={"modifications"}) for a in back.accounts}
    assert {a.id: a.model_dump(exclude={"modifications"}) for a in original.accounts} == by_id
    assert {p.id: p for p in original.people} == {p.id: p for p in back.people}


def test_the_printable_forms_follow_the_annex_and_escape_the_register(tmp_path):
    folder = tmp_path / "inv"
    shutil.copytree(DEMO, folder)
    text = (folder / "mprueba.yaml").read_text(encoding="utf-8")
    (folder / "mprueba.yaml").write_text(
        text.replace("name: Jorge Insfrán", "name: <script>x</script>"), encoding="utf-8"
    )
    done = export_forms(
        Config(), "mprueba", tmp_path / "out", ("html",), inventory_paths=(str(folder),), db=tmp_path / "none.db"
    )
    html = done.paths[0].read_text(encoding="utf-8")
    inst = load_inventory([folder]).get("mprueba")
    assert inst is not None
    assert html.count('data-form="A"') == len(inst.accounts) and html.count('data-form="B"') == len(inst.people)
    for label in ("Firma y Sello de la MAI", "Aclaración/C.I.", "Perfil y cuentas autorizadas", "Tipo vínculo"):
        assert label in html
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "@mpruebapy (Facebook)" in html  # accounts as people name them on paper
    assert "Sin almacén de auditorías" in html
    if chromium():
        pdf = export_forms(
            Config(), "mprueba", tmp_path / "out", ("pdf",), inventory_paths=(str(folder),), db=tmp_path / "none.db"
        )
        assert pdf.paths[0].read_bytes().startswith(b"%PDF")


def test_abm_rows_regularise_open_findings_and_cite_them(db, tmp_path, inventory):  # noqa: F811
    with Store(db) as store:
        acc001 = next(
            f for f in store.findings(status="open") if f.policy_id == "ACC-001" and f.account == "mprueba-fb"
        )
        acc003 = [f for f in store.findings(status="open") if f.policy_id == "ACC-003" and f.institution == "mprueba"]
    annotate(CONFIG, RSI, AnnotateRequest(acc001.fingerprint, "persona_legitima", "Agencia contratada"), db=db)
    done = export_forms(CONFIG, "mprueba", tmp_path / "out", ("xlsx",), inventory_paths=(str(DEMO),), db=db)
    assert done.abm_available and done.abm_rows >= len(acc003) + 1
    (b_path,) = [p for p in done.paths if p.name.startswith("abm-formulario-b")]
    rows = list(load_workbook(b_path).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    header, body = rows[0], rows[1:]
    action, obs = header.index("Tipo de acción solicitada"), header.index("Obs.")
    assert sum(1 for r in body if r[action] == "Baja") == len(acc003)
    alta = [r for r in body if r[action] == "Alta"]
    assert len(alta) == 1 and acc001.fingerprint[:12] in str(alta[0][obs])
    assert all(str(r[obs]).split(" ")[0] in ("ACC-003", "ACC-001") for r in body)
