"""Writing a run's reports: the overall one and one per institution, in the requested formats, and
optionally a picture of the HTML's first page. Any stored run can be rendered again this way."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.app.report_document import build_report
from auditor.config import Config
from auditor.i18n import Lang
from auditor.model import Report
from auditor.store import Store
from reports.render import RENDERERS, write_reports


def parse_formats(value: str | None, config: Config) -> list[str]:
    """`html,json` → the formats to write (the config's when not given); an unknown one is a RequestError."""
    if value is None:
        return [str(f) for f in config.reports.formats]
    formats = [f.strip() for f in value.split(",") if f.strip()]
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise RequestError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(RENDERERS)}", "format")
    return formats


def language(lang: str | None, config: Config) -> Lang:
    chosen = lang or config.reports.lang
    return "en" if chosen == "en" else "es"


@dataclass(frozen=True)
class WrittenReports:
    report: Report
    out_dir: Path
    paths: list[Path]
    screenshot: Path | None = None
    screenshot_error: str | None = None  # the picture was asked for and could not be taken (no Chromium…)

    @property
    def main(self) -> Path:
        """The file a person opens first: the HTML report when written, else the Markdown one."""
        html = self.out_dir / "report.html"
        return html if html.exists() else self.out_dir / "report.md"


def write_run_reports(
    store: Store,
    run_id: int,
    out_dir: Path,
    formats: list[str],
    lang: Lang,
    *,
    per_institution: bool = True,
    institution: str | None = None,
    screenshot: bool = False,
) -> WrittenReports:
    """The overall report of a run in `out_dir`, plus one per institution in `out_dir/<institution>/`."""
    if screenshot and "html" not in formats:
        raise RequestError("a screenshot needs the html format", "screenshot")
    report = build_report(store, run_id, lang, institution)
    written = write_reports(report, out_dir, formats)
    if per_institution and institution is None:
        for inst in report.institutions:
            written += write_reports(build_report(store, run_id, lang, inst.id), out_dir / inst.id, formats)
    if not screenshot:
        return WrittenReports(report, out_dir, written)
    from reports.screenshot import screenshot as take

    try:
        png = take(out_dir / "report.html", out_dir / "report.png")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return WrittenReports(report, out_dir, written, screenshot_error=str(exc))
    return WrittenReports(report, out_dir, [*written, png], screenshot=png)


@dataclass(frozen=True)
class ReportRequest:
    """Render a stored run again, without auditing anything (`auditor report`)."""

    run_id: int | None = None  # None: the latest run that recorded its findings
    institution: str | None = None
    db: Path | None = None
    out: Path | None = None
    formats: str | None = None  # comma-separated; None: the config's
    lang: str | None = None
    screenshot: bool = False


def render_report(config: Config, request: ReportRequest) -> WrittenReports:
    store = Store(request.db or config.store.path)
    run = store.run(request.run_id)
    if run is None:
        raise RequestError(f"no run {request.run_id or ''} in {store.path}".replace("  ", " "))
    return write_run_reports(
        store,
        run.id,
        request.out or config.reports.out,
        parse_formats(request.formats, config),
        language(request.lang, config),
        institution=request.institution,
        screenshot=request.screenshot,
    )
