"""How a run ended, in the terms every front end answers with: an exit code that never reports a false
"all clear", and why a run is incomplete (which accounts, on which platform, for which kind of error).

Exit codes: 0 clean; 1 an open, non-waived finding at or above `fail_on` (even in an incomplete run: the
findings are real); 3 nothing reaches `fail_on` but the run is incomplete or a ticket delivery failed; 5 the
run was aborted. 2 (bad input) and 4 (store busy) come from errors raised before a run exists.
"""

from __future__ import annotations

from auditor.i18n import plural, t
from auditor.model import Platform, Report, RunStatus, Severity
from auditor.model.platforms import PLATFORMS

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INCOMPLETE = 3
EXIT_BUSY = 4
EXIT_ABORTED = 5
MAX_ACCOUNTS_NAMED = 5


def reaching(report: Report, threshold: Severity | None) -> int:
    """How many open, non-waived findings are at or above `threshold`."""
    if threshold is None:
        return 0
    return sum(1 for f in report.findings if f.status.is_open and f.severity.rank >= threshold.rank)


def exit_code(status: RunStatus, report: Report | None, threshold: Severity | None, delivery_failed: bool) -> int:
    if status is RunStatus.ABORTED or report is None:
        return EXIT_ABORTED
    if reaching(report, threshold):
        return EXIT_FINDINGS
    if status is not RunStatus.COMPLETE or delivery_failed:
        return EXIT_INCOMPLETE
    return EXIT_CLEAN


def incomplete_reasons(report: Report) -> list[str]:
    """Why the run is incomplete, one sentence per platform and kind of error, naming the accounts (in the
    report's language)."""
    lang = report.lang
    if report.run.status is RunStatus.COMPLETE:
        return []
    failed: dict[tuple[str, str], list[str]] = {}
    for a in report.accounts:
        if a.error_kind is not None:
            failed.setdefault((a.platform.value, a.error_kind.value), []).append(a.account)
    reasons = []
    for (platform, kind), accounts in sorted(failed.items()):
        named = ", ".join(accounts[:MAX_ACCOUNTS_NAMED]) + ("…" if len(accounts) > MAX_ACCOUNTS_NAMED else "")
        reasons.append(
            t(
                "outcome.accounts_failed",
                platform=PLATFORMS[Platform(platform)].name,
                error=t(f"fetch_error.{kind}", lang),
                counted=plural(len(accounts), "word.account", "word.accounts", lang),
                accounts=named,
                lang=lang,
            )
        )
    if report.coverage.errors and not failed:
        reasons.append(t("outcome.checks_failed", counted=plural(report.coverage.errors, "word.check", "word.checks")))
    return reasons or [t("outcome.unknown_reason", lang)]
