"""Writing a run's reports: the overall one and one per institution, in the requested formats, and
optionally a picture of the HTML's first page. Any stored run can be rendered again this way."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.app.lookup import check_institutions, check_run, open_store
from auditor.app.outputs import point_to, prune, run_dir
from auditor.app.report_document import RunDocuments
from auditor.config import Config
from auditor.i18n import Lang, t
from auditor.model import Report
from auditor.store import Store
from policies.evaluate import in_scope
from reports.csv import CsvDialect
from reports.render import RENDERERS, RenderOptions, write_reports


def parse_formats(value: str | None, config: Config) -> list[str]:
    """`html,json` → the formats to write (the config's when not given); an unknown one is a RequestError."""
    if value is None:
        return [str(f) for f in config.reports.formats]
    return chosen_formats(value.split(","), list(RENDERERS))


def chosen_formats(requested: Iterable[str], allowed: Sequence[str]) -> list[str]:
    """The formats asked for (`--format pdf,xlsx`), each one of `allowed`; an unknown one, or none at all, is a
    RequestError that lists them."""
    formats = [f.strip() for f in requested if f.strip()]
    unknown = [f for f in formats if f not in allowed] or ([] if formats else ["—"])
    if unknown:
        raise RequestError(
            t("lookup.unknown", kind="--format", value=", ".join(unknown), hint=", ".join(allowed)), "format"
        )
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
        """The file a person opens first: the HTML report when written, else the Markdown one, else the
        first file written."""
        for name in ("report.html", "report.md"):
            if (self.out_dir / name).exists():
                return self.out_dir / name
        return self.paths[0] if self.paths else self.out_dir


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
    options: RenderOptions | None = None,
) -> WrittenReports:
    """The overall report of a run in `out_dir`, plus one per institution in `out_dir/<institution>/`."""
    if screenshot and "html" not in formats:
        raise RequestError("a screenshot needs the html format", "screenshot")
    documents = RunDocuments(store, run_id, lang)
    report = documents.report(institution)
    written = write_reports(report, out_dir, formats, options)
    if per_institution and institution is None:
        written += write_institution_reports(documents, out_dir, formats, options)
    if not screenshot:
        return WrittenReports(report, out_dir, written)
    from reports.screenshot import screenshot as take

    try:
        png = take(out_dir / "report.html", out_dir / "report.png")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return WrittenReports(report, out_dir, written, screenshot_error=str(exc))
    return WrittenReports(report, out_dir, [*written, png], screenshot=png)


def write_institution_reports(
    documents: RunDocuments, out_dir: Path, formats: list[str], options: RenderOptions | None = None
) -> list[Path]:
    """Each institution's report of the run in `out_dir/<institution>/`: its RSI's and director's."""
    written: list[Path] = []
    for institution in documents.institutions():
        written += write_reports(documents.report(institution), out_dir / institution, formats, options)
    return written


def publish_run(
    store: Store,
    run_id: int,
    out: Path,
    formats: list[str],
    lang: Lang,
    *,
    keep_runs: int,
    institution: str | None = None,
    screenshot: bool = False,
    options: RenderOptions | None = None,
) -> WrittenReports:
    """A run's reports in its own folder under `out` (never over another run's), the pointer to the newest
    run's folder, and the retention of old run folders.

    With `institution`, only that institution's reports are written, in `<run folder>/<institution>/`: the
    run's overall reports are never replaced by one institution's.
    """
    run = store.run(run_id)
    assert run is not None
    folder = run_dir(out, run)
    if institution is None:
        written = write_run_reports(store, run_id, folder, formats, lang, screenshot=screenshot, options=options)
    else:
        written = write_run_reports(
            store,
            run_id,
            folder / institution,
            formats,
            lang,
            institution=institution,
            per_institution=False,
            screenshot=screenshot,
            options=options,
        )
    latest = store.run()
    if latest is None or latest.id <= run_id:
        point_to(out, folder)
    prune(out, keep_runs)
    return written


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
    csv_dialect: CsvDialect | None = None  # None: the config's


def render_options(config: Config, csv_dialect: CsvDialect | None) -> RenderOptions:
    return RenderOptions(csv_dialect=csv_dialect or config.reports.csv_dialect)


def render_report(config: Config, request: ReportRequest) -> WrittenReports:
    """Render a stored run again. Every name is checked before anything is written: an unknown run or
    institution is an error naming the closest known ones, never a report about nothing."""
    formats = parse_formats(request.formats, config)
    lang = language(request.lang, config)
    store = open_store(config, request.db)
    run = check_run(store, request.run_id)
    if request.institution is not None:
        inventory = store.inventory_version(run.inventory_digest) or store.load_inventory()
        check_institutions(
            [request.institution],
            [i.institution.id for i in inventory.institutions if in_scope(run.scope, i.institution.id)],
        )
    return publish_run(
        store,
        run.id,
        request.out or config.reports.out,
        formats,
        lang,
        keep_runs=config.reports.keep_runs,
        institution=request.institution,
        screenshot=request.screenshot,
        options=render_options(config, request.csv_dialect),
    )
