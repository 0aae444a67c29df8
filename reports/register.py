"""The national register as a workbook and as CSV: one row per registered account, headers in the reader's
language, every cell neutralised like the findings' (`reports.csv.cell`)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from auditor.i18n import Lang, t, term
from auditor.model import RegisterRow, VerificationState
from auditor.model.clock import local_text
from auditor.model.platforms import PLATFORMS
from reports.csv import BOM, CsvDialect, cell

COLUMNS = (
    "institution",
    "institution_name",
    "ruc",
    "platform",
    "account",
    "handle",
    "url",
    "kind",
    "status",
    "verification",
    "last_audit",
    "open_critical",
    "open_high",
    "pending_declarations",
)


def _values(r: RegisterRow, lang: Lang) -> list[object]:
    return [
        r.institution,
        r.institution_name,
        r.ruc or "",
        PLATFORMS[r.platform].name,
        r.account,
        r.handle or "",
        r.url or "",
        term(r.kind, lang),
        term(r.status, lang),
        term(VerificationState(r.verification), lang) if r.verification else t("register.unknown", lang),
        local_text(r.last_audit) if r.last_audit else t("register.never", lang),
        r.open_critical,
        r.open_high,
        r.pending_declarations if r.pending_declarations is not None else t("register.not_asked", lang),
    ]


def _header(lang: Lang) -> list[str]:
    return [t(f"register.{c}", lang) for c in COLUMNS]


def register_csv(rows: list[RegisterRow], lang: Lang, dialect: CsvDialect = "excel-es") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dialect == "excel-es" else ",", lineterminator="\r\n")
    writer.writerow(_header(lang))
    for r in rows:
        writer.writerow([cell(v) if isinstance(v, str) else v for v in _values(r, lang)])
    return (BOM if dialect == "excel-es" else "") + out.getvalue()


def register_xlsx(rows: list[RegisterRow], lang: Lang) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("register.sheet", lang)[:31]
    sheet.append(_header(lang))
    for r in rows:
        sheet.append([cell(v) if isinstance(v, str) else v for v in _values(r, lang)])
    for c in sheet[1]:
        c.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
