"""Formularios A and B rendered: as workbooks (one sheet, the Annex's columns first, cells neutralised) and as
the printable forms of the Annex — one Formulario A per account, one Formulario B per person, with the
«Tipo de acción solicitada» boxes and the MAI's signature block — plus the ABM rows to sign."""

from __future__ import annotations

import io
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from auditor.i18n import t
from reports.csv import cell

_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# The Annex's fields, in its order (Res. 678/2022, Anexo II): the spreadsheets' first columns and the printed forms.
ANNEX_A = (
    "Tipo de acción solicitada",
    "Descripción de la cuenta",
    "Nombre del perfil",
    "Nombre del perfil (alternativa)",
    "Cuenta de correo institucional asociada al perfil (solo institucional)",
    "Nombre de la Red Social",
    "Objetivo",
    "Otros datos",
    "Aclaración/C.I.",
    "Fecha",
)
ANNEX_B = (
    "Tipo de acción solicitada",
    "Nombre y Apellido",
    "CI",
    "Dependencia",
    "Tipo vínculo (nombrado, contratado, comisionado, pasante, etc.)",
    "Institución de origen (si aplica)",
    "Correo electrónico institucional",
    "Celular",
    "Perfil y cuentas autorizadas",
    "Roles",
    "Otros datos",
    "Obs.",
    "Aclaración/C.I.",
    "Fecha",
)
FORM_A_FIELDS = ANNEX_A[1:8]  # the table of a printed Form A (action boxes and signature block apart)
FORM_B_FIELDS = ANNEX_B[1:11]


@dataclass(frozen=True)
class FormSheet:
    title: str
    headers: list[str]
    rows: list[dict[str, str]]


def forms_xlsx(sheet: FormSheet) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet.title[:31]
    ws.append(sheet.headers)
    for row in sheet.rows:
        ws.append([cell(row.get(h, "")) for h in sheet.headers])
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _people(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Form B on paper: one form per person, their accounts and roles listed together."""
    people: dict[str, dict[str, str]] = {}
    listed: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        key = row.get("CI") or row.get("Nombre y Apellido") or ""
        people.setdefault(key, dict(row))
        columns = listed.setdefault(key, {"Perfil y cuentas autorizadas": [], "Roles": []})
        for column, seen in columns.items():
            value = (row.get(column) or "").replace("_", " ")
            if value and value not in seen:
                seen.append(value)
    for key, person in people.items():
        for column, seen in listed[key].items():
            person[column] = "; ".join(seen)
    return list(people.values())


def forms_html(
    name: str,
    accounts: list[dict[str, str]],
    people: list[dict[str, str]],
    abm_a: list[dict[str, str]],
    abm_b: list[dict[str, str]],
    abm_available: bool,
) -> str:
    return _env.get_template("forms.html.j2").render(
        t=lambda key, **values: t(key, "es", **values),  # the Annex's forms are Spanish documents
        name=name,
        accounts=accounts,
        people=_people(people),
        abm_a=abm_a,
        abm_b=abm_b,
        abm_available=abm_available,
        fields_a=FORM_A_FIELDS,
        fields_b=FORM_B_FIELDS,
    )
