"""Spreadsheet outputs: every finding of a run, and the action plan (open findings to plan or justify).

Two dialects. `excel-es` (the default) is for people: UTF-8 with a BOM and `;` between cells, which is
what Excel set to Spanish (Paraguay) opens without an import wizard, with headers and values in the
report's language (severity, status and platform as words, the institution's name beside its id).
`rfc4180` is for machines: `,`, no BOM, English headers and the raw enum values.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) are neutralised with
a leading apostrophe: platform data such as a bio `=HYPERLINK(…)` stays text when the file is opened.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from auditor.i18n import Lang, t
from auditor.model import FindingStatus, Report, ReportFinding
from auditor.model.platforms import PLATFORMS
from reports.annotations import annotation_record, annotation_text
from reports.escape import plain

CsvDialect = Literal["excel-es", "rfc4180"]
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FINDING_COLUMNS = (
    "run",
    "status",
    "severity",
    "policy_id",
    "title",
    "institution",
    "institution_name",
    "platform",
    "account",
    "handle",
    "subject",
    "message",
    "guide_ref",
    "remediation",
    "incident",
    "rsit",
    "first_seen_run",
    "waiver",
    "waiver_expires",
    "annotations",
    "fingerprint",
    "evidence",
)


def cell(value: object, limit: int = 2000) -> str:
    """One safe cell: bounded plain text, never a formula."""
    if value is None:
        return ""
    text = plain(value, limit=limit)  # control characters and line breaks folded, length bounded
    risky = text.lstrip().startswith(FORMULA_STARTS) or str(value).startswith(FORMULA_STARTS)
    return "'" + text if risky else text


def all_findings(report: Report) -> Iterable[ReportFinding]:
    yield from report.findings
    yield from report.resolved


def institution_names(report: Report) -> dict[str, str]:
    return {i.id: i.name for i in report.institutions}


_ROWS_A_CHUNK = 500


def _chunks(header: Sequence[str], rows: Iterable[Sequence[object]], dialect: CsvDialect) -> Iterator[str]:
    """The table's text a few hundred rows at a time, for writing as it is made: a country's table is tens of
    MB, and made whole (then prefixed, then encoded) it was held three times at once."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dialect == "excel-es" else ",", lineterminator="\r\n")
    if dialect == "excel-es":
        out.write(BOM)
    writer.writerow(list(header))
    for n, row in enumerate(rows, 1):
        writer.writerow([cell(v) for v in row])
        if n % _ROWS_A_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def finding_header(lang: Lang) -> list[str]:
    """The findings table's headers for people, in `lang` (the machine dialect keeps FINDING_COLUMNS)."""
    return [t(f"csv.{column}", lang) for column in FINDING_COLUMNS]


def finding_row(report: Report, f: ReportFinding, lang: Lang | None, names: dict[str, str]) -> list[object]:
    """One finding as a row; `lang` None: the raw values machines read, else words in that language. `names`:
    institution id → name (`institution_names`, built once per table)."""
    words = lang is not None
    return [
        report.run.id,
        t(f"status.{f.status.value}", lang) if words else f.status.value,
        t(f"severity.{f.severity.value}", lang) if words else f.severity.value,
        f.policy_id,
        f.title,
        f.institution,
        names.get(f.institution, ""),
        (PLATFORMS[f.platform].name if words else f.platform.value) if f.platform else "",
        f.account,
        f.handle,
        f.subject,
        f.message,
        f.guide_ref,
        f.remediation,
        t("csv.yes" if f.incident else "csv.no", lang) if words else ("yes" if f.incident else "no"),
        f.rsit,
        f.first_seen_run,
        f.waiver.id if f.waiver else "",
        f.waiver.expires.isoformat() if f.waiver else "",
        (
            " | ".join(annotation_text(a, lang) for a in f.annotations)
            if words and lang is not None
            else (
                json.dumps([annotation_record(a) for a in f.annotations], ensure_ascii=False) if f.annotations else ""
            )
        ),
        f.fingerprint,
        json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
    ]


def render_csv(report: Report, dialect: CsvDialect = "excel-es") -> str:
    return "".join(csv_chunks(report, dialect))


def csv_chunks(report: Report, dialect: CsvDialect = "excel-es") -> Iterator[str]:
    """One row per finding of the run (open, waived and resolved)."""
    names = institution_names(report)
    if dialect == "rfc4180":
        return _chunks(FINDING_COLUMNS, (finding_row(report, f, None, names) for f in all_findings(report)), dialect)
    lang = report.lang
    return _chunks(finding_header(lang), (finding_row(report, f, lang, names) for f in all_findings(report)), dialect)


def render_action_plan(report: Report, dialect: CsvDialect = "excel-es") -> str:
    return "".join(action_plan_chunks(report, dialect))


def action_plan_chunks(report: Report, dialect: CsvDialect = "excel-es") -> Iterator[str]:
    """Open findings with empty columns for the owner to fill: reason, planned date, justification (the way
    ScubaGear's action plan works), in the report's language, ready to send to the director."""
    lang = report.lang
    names = institution_names(report)
    header = (
        t("severity", lang),
        t("rule", lang),
        t("csv.institution", lang),
        t("csv.institution_name", lang),
        t("platform", lang),
        t("account", lang),
        t("message", lang),
        t("remediation", lang),
        t("guide_ref", lang),
        "fingerprint",
        t("plan.owner", lang),
        t("plan.reason", lang),
        t("plan.date", lang),
        t("plan.justification", lang),
    )
    open_findings = [f for f in report.findings if f.status is not FindingStatus.WAIVED]
    return _chunks(
        header,
        (
            (
                t(f"severity.{f.severity.value}", lang),
                f.policy_id,
                f.institution,
                names.get(f.institution, ""),
                PLATFORMS[f.platform].name if f.platform else "",
                f.account,
                f.message,
                f.remediation,
                f.guide_ref,
                f.fingerprint,
                "",
                "",
                "",
                "",
            )
            for f in open_findings
        ),
        dialect,
    )
