"""Formularios A and B as institutions keep them (issue 19 points 1–4): the Annex's labels as columns, CSV or
XLSX, no institution or id column, accounts named the way people name them, Alta/Baja/Modif. rows applied in
the order they were signed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from auditor.inputs.inventory import load_inventory
from auditor.inputs.sources import InputError
from auditor.model import AccountStatus, Role

A_HEADER = (
    "Tipo de acción solicitada;Descripción de la cuenta:;Nombre del perfil:;Nombre del perfil: (alternativa);"
    "Cuenta de correo institucional asociada al perfil (solo institucional);Nombre de la Red Social:;Objetivo:;"
    "Otros datos:;Firma y Sello de la MAI:;Aclaración/C.I.:;Fecha:"
)
B_HEADER = (
    "Tipo de acción solicitada;Nombre y Apellido;CI;Dependencia;"
    "Tipo vínculo (nombrado, contratado, comisionado, pasante, etc.);Institución de origen (si aplica);"
    "Correo electrónico institucional;Celular;Perfil y cuentas autorizadas;Roles;Otros datos:;Obs.;"
    "Aclaración/C.I.;Fecha"
)
SIGNED = "Ana Duarte / 3.456.789;10/01/2025"
A_ROWS = [
    f"Alta;Institución de Prueba;tpruebapy;tprueba.py;redes@tprueba.gov.py;Fanpage;Difundir;;X;{SIGNED}",
    f"Alta;Institución de Prueba;tpruebapy;tprueba_py;redes@tprueba.gov.py;X (Twitter);Difundir;;;{SIGNED}",
]
B_ROW = (
    "Alta;Carlos Giménez;4.123.456;Comunicación;Nombrado;;cgimenez@tprueba.gov.py;0981 301 001;"
    "@tpruebapy (Facebook), https://x.com/tpruebapy;Administrador de cuenta;;;Ana Duarte / 3.456.789;10/01/2025"
)


def folder(tmp_path: Path, a_rows: list[str], b_rows: list[str], name: str = "oee") -> Path:
    here = tmp_path / name
    here.mkdir()
    (here / "institucion.yaml").write_text(
        "institution:\n  id: tprueba\n  name: Institución de Prueba\n  email_domains: [tprueba.gov.py]\n",
        encoding="utf-8",
    )
    (here / "formulario-a.csv").write_text("\n".join([A_HEADER, *a_rows]) + "\n", encoding="cp1252")
    (here / "formulario-b.csv").write_text("\n".join([B_HEADER, *b_rows]) + "\n", encoding="utf-8-sig")
    return here


def test_the_annex_layout_imports_without_tool_columns(tmp_path):
    inst = load_inventory([folder(tmp_path, A_ROWS, [B_ROW])]).institutions[0]
    fb, x = inst.accounts
    assert (fb.id, fb.platform.value, x.id, x.platform.value) == ("facebook-tpruebapy", "facebook", "x-tpruebapy", "x")
    assert fb.authorization is not None and fb.authorization.approver_ci == "3456789"
    assert fb.authorization.approver_role is not None and fb.authorization.approver_role.value == "mai"
    (person,) = inst.people
    assert [(a.account, a.role) for a in person.access] == [
        ("facebook-tpruebapy", Role.ADMINISTRADOR),
        ("x-tpruebapy", Role.ADMINISTRADOR),
    ]
    assert person.authorization is not None and person.authorization.date == date(2025, 1, 10)


def test_two_institutions_each_with_its_folder_of_forms(tmp_path):
    first = folder(tmp_path, A_ROWS, [B_ROW], "uno")
    second = folder(tmp_path, A_ROWS[:1], [], "dos")
    (second / "institucion.yaml").write_text(
        "institution:\n  id: otra\n  name: Otra\n  email_domains: [otra.gov.py]\n", encoding="utf-8"
    )
    (second / "formulario-b.csv").unlink()
    inventory = load_inventory([first, second])
    assert {i.institution.id: len(i.accounts) for i in inventory.institutions} == {"tprueba": 2, "otra": 1}


def test_abm_rows_apply_in_date_order_and_a_signed_handle_change_is_a_modification(tmp_path):
    rows = [
        # listed first but signed later: applied after the Alta
        "Modif.;Institución de Prueba;tpruebaoficial;;;Facebook;;;;Ana Duarte / 3456789;01/05/2026",
        *A_ROWS,
        "Baja;;tpruebapy;;;X;;;;Ana Duarte / 3456789;02/06/2026",
    ]
    b_rows = [B_ROW, "Baja;Carlos Giménez;4123456;;;;;;;;;;Ana Duarte / 3456789;15/08/2026"]
    inst = load_inventory([folder(tmp_path, rows, b_rows)]).institutions[0]
    fb, x = inst.accounts
    assert fb.handle == "tpruebaoficial" and fb.status is AccountStatus.ACTIVE
    (change,) = fb.modifications
    assert (change.field, change.old, change.new, change.date) == (
        "handle",
        "tpruebapy",
        "tpruebaoficial",
        date(2026, 5, 1),
    )
    assert x.status is AccountStatus.BAJA and x.status_date == date(2026, 6, 2)
    (person,) = inst.people
    assert person.status.value == "baja" and person.status_date == date(2026, 8, 15)


def test_an_xlsx_workbook_with_the_same_columns_imports_the_same(tmp_path):
    here = folder(tmp_path, A_ROWS, [B_ROW])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(A_HEADER.split(";"))
    for row in A_ROWS:
        cells: list[object] = row.split(";")
        cells[-1] = datetime(2025, 1, 10)  # a date cell, as a spreadsheet keeps it
        sheet.append(cells)
    (here / "formulario-a.csv").unlink()
    book.save(here / "formulario-a.xlsx")
    inst = load_inventory([here]).institutions[0]
    assert [a.id for a in inst.accounts] == ["facebook-tpruebapy", "x-tpruebapy"]
    assert inst.accounts[0].authorization.date == date(2025, 1, 10)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("a_rows", "b_rows", "expect"),
    [
        ([A_ROWS[0].replace("Alta;", "Suspender;", 1)], [], ("formulario-a.csv", 2, "Suspender")),
        ([*A_ROWS, "Baja;;otraCuenta;;;Facebook;;;;Ana / 3456789;01/02/2026"], [], ("formulario-a.csv", 4, "Baja")),
        ([*A_ROWS, "Baja;;tpruebapy;;;Facebook;;;;;"], [], ("formulario-a.csv", 4, "Fecha")),
        ([*A_ROWS, A_ROWS[0]], [], ("formulario-a.csv", 4, "ya está registrada")),
        (
            A_ROWS,
            [B_ROW.replace("@tpruebapy (Facebook), https://x.com/tpruebapy", "@tpruebapy")],
            ("formulario-b.csv", 2, "más de una cuenta"),
        ),
        (A_ROWS, [B_ROW.replace("Administrador de cuenta", "Jefe supremo")], ("formulario-b.csv", 2, "Roles")),
    ],
)
def test_form_mistakes_are_located_errors_and_nothing_is_imported(tmp_path, a_rows, b_rows, expect):
    with pytest.raises(InputError) as error:
        load_inventory([folder(tmp_path, a_rows, b_rows)])
    file, line, needle = expect
    text = str(error.value)
    assert f"{file}:{line}" in text and needle in text, text


def test_any_network_is_registered_and_a_typo_of_a_known_one_is_an_error(tmp_path):
    rows = [
        *A_ROWS,
        f"Alta;Hilo oficial;tpruebapy;;redes@tprueba.gov.py;Threads;Difundir;;;{SIGNED}",
        f"Alta;Mastodon oficial;tprueba;;redes@tprueba.gov.py;Mastodon;Difundir;;;{SIGNED}",
    ]
    inst = load_inventory([folder(tmp_path, rows, [])]).institutions[0]
    threads, other = inst.accounts[2:]
    assert (threads.platform.value, threads.id) == ("threads", "threads-tpruebapy")
    assert (other.platform.value, other.network_name, other.id) == ("otra", "Mastodon", "otra-tprueba")
    with pytest.raises(InputError) as error:
        load_inventory([folder(tmp_path, [*A_ROWS, A_ROWS[0].replace("Fanpage", "Facebok")], [], "typo")])
    assert "formulario-a.csv:4" in str(error.value) and "Nombre de la Red Social" in str(error.value)


def test_accounts_named_with_a_network_prefix_and_forms_of_an_institution_named_on_the_command(tmp_path):
    here = folder(
        tmp_path,
        A_ROWS,
        [B_ROW.replace("@tpruebapy (Facebook), https://x.com/tpruebapy", "Facebook: @tpruebapy, x.com/tpruebapy")],
    )
    (person,) = load_inventory([here]).institutions[0].people
    assert [a.account for a in person.access] == ["facebook-tpruebapy", "x-tpruebapy"]
    forms_only = tmp_path / "forms"
    forms_only.mkdir()
    for name in ("formulario-a.csv", "formulario-b.csv"):
        (here / name).rename(forms_only / name)
    other = tmp_path / "other.yaml"
    other.write_text("institution:\n  id: otra\n  name: Otra\n  email_domains: [otra.gov.py]\n", encoding="utf-8")
    paths = [here / "institucion.yaml", other, forms_only]
    with pytest.raises(InputError, match="institución"):
        load_inventory(paths)  # two institutions, no YAML beside the forms: which one is not guessed
    inventory = load_inventory(paths, form_institution="tprueba")
    assert len(inventory.get("tprueba").accounts) == 2  # type: ignore[union-attr]


def test_signers_and_accounts_written_the_way_people_write_them(tmp_path):
    rows = [
        A_ROWS[0].replace("Ana Duarte / 3.456.789", "Lic. Ana Duarte – C.I. Nº 3.456.789"),
        A_ROWS[1].replace("Ana Duarte / 3.456.789", "Ana Duarte, CI 3456789"),
    ]
    only_facebook = B_ROW.replace("@tpruebapy (Facebook), https://x.com/tpruebapy", "Facebook")
    inst = load_inventory([folder(tmp_path, rows, [only_facebook])]).institutions[0]
    signers = [(a.authorization.approver_name, a.authorization.approver_ci) for a in inst.accounts]  # type: ignore[union-attr]
    assert signers == [("Lic. Ana Duarte", "3456789"), ("Ana Duarte", "3456789")]
    assert [a.account for a in inst.people[0].access] == ["facebook-tpruebapy"]  # its only Facebook account
    two_pages = [*rows, A_ROWS[0].replace("tpruebapy;tprueba.py", "tpruebaoficial;tprueba.oficial")]
    with pytest.raises(InputError, match="más de una cuenta"):
        load_inventory([folder(tmp_path, two_pages, [only_facebook], "dos")])
