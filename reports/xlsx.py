"""`findings.xlsx`: the run's findings as a workbook with one sheet per institution (and a first sheet with
every finding), headers and values in the report's language, the header row frozen and filterable.

Cells are written as text (never formulas): the same neutralised cell as the CSV (`reports.csv.cell`).
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from auditor.i18n import t
from auditor.model import Report, ReportFinding
from reports.csv import all_findings, cell, finding_header, finding_row, institution_names

MAX_TITLE = 31  # Excel's limit on a sheet's name
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _title(text: str, taken: set[str]) -> str:
    base = _BAD_TITLE.sub("-", text)[:MAX_TITLE] or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: MAX_TITLE - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _sheet(book: Workbook, title: str, report: Report, findings: list[ReportFinding]) -> None:
    sheet = book.create_sheet(title)
    lang = report.lang
    names = institution_names(report)
    sheet.append(finding_header(lang))
    for f in findings:
        sheet.append([cell(v) if isinstance(v, str) else v for v in finding_row(report, f, lang, names)])
    for c in sheet[1]:
        c.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    everything = list(all_findings(report))
    _sheet(book, _title(t("csv.all_sheet", report.lang), taken), report, everything)
    by_institution: dict[str, list[ReportFinding]] = {}  # grouped once: a country has a thousand institutions
    for f in everything:
        by_institution.setdefault(f.institution, []).append(f)
    for inst in report.institutions:
        _sheet(book, _title(inst.id, taken), report, by_institution.get(inst.id, []))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
