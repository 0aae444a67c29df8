"""Forms kept as workbooks: the first sheet of an XLSX file as rows of text, the way the CSV reader gives them
(dates as dd/mm/yyyy, whole numbers without «.0»), so both go through the same column mapping and checks.

Bounded like every input: the file's size, and the rows and columns read (a workbook is a zip: its sheets
are read in openpyxl's read-only, streaming mode, never expanded whole)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

from auditor.i18n import t
from auditor.inputs.sources import InputError, Problem, check_size

MAX_ROWS = 50_000
MAX_COLUMNS = 200


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    name = str(path)
    check_size(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError([Problem(name, 0, "", t("inputs.not_xlsx", reason=exc))]) from None
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if number > MAX_ROWS:
                raise InputError([Problem(name, number, "", t("inputs.too_many_rows", limit=MAX_ROWS))])
            rows.append((number, [_text(v) for v in values]))
        return rows
    finally:
        book.close()
