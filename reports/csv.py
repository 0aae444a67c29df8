"""Spreadsheet outputs: every finding of a run, and the action plan (open findings to plan or justify).

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) are neutralised with
a leading apostrophe: platform data such as a bio `=HYPERLINK(…)` stays text when the file is opened.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from auditor.i18n import t
from auditor.model import FindingStatus, Report, ReportFinding
from auditor.model.platforms import PLATFORMS
from reports.escape import plain

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FINDING_COLUMNS = (
    "run",
    "status",
    "severity",
    "policy_id",
    "title",
    "institution",
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
    "fingerprint",
    "evidence",
)


def cell(value: object) -> str:
    """One safe cell: bounded plain text, never a formula."""
    if value is None:
        return ""
    text = plain(value, limit=2000)  # control characters and line breaks folded, length bounded
    risky = text.lstrip().startswith(FORMULA_STARTS) or str(value).startswith(FORMULA_STARTS)
    return "'" + text if risky else text


def _rows(report: Report) -> Iterable[ReportFinding]:
    yield from report.findings
    yield from report.resolved


def _write(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def render_csv(report: Report) -> str:
    """One row per finding of the run (open, waived and resolved), machine-friendly English headers."""
    return _write(
        FINDING_COLUMNS,
        (
            (
                report.run.id,
                f.status.value,
                f.severity.value,
                f.policy_id,
                f.title,
                f.institution,
                f.platform.value if f.platform else "",
                f.account,
                f.handle,
                f.subject,
                f.message,
                f.guide_ref,
                f.remediation,
                "yes" if f.incident else "no",
                f.rsit,
                f.first_seen_run,
                f.waiver.id if f.waiver else "",
                f.waiver.expires.isoformat() if f.waiver else "",
                f.fingerprint,
                json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
            )
            for f in _rows(report)
        ),
    )


def render_action_plan(report: Report) -> str:
    """Open findings with empty columns for the owner to fill: reason, planned date, justification (the way
    ScubaGear's action plan works), in the report's language, ready to send to the director."""
    lang = report.lang
    header = (
        t("severity", lang),
        t("rule", lang),
        t("institution", lang),
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
    return _write(
        header,
        (
            (
                t(f"severity.{f.severity.value}", lang),
                f.policy_id,
                f.institution,
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
    )
