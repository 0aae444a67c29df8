"""Writing a run's reports in the requested formats: one renderer per format, shared by every platform."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from auditor.model import Report
from reports.csv import render_action_plan, render_csv
from reports.html import render_html
from reports.json import render_json
from reports.markdown import render_markdown
from reports.ocsf import render_ocsf

RENDERERS: dict[str, tuple[str, Callable[[Report], str]]] = {
    "html": ("report.html", render_html),
    "md": ("report.md", render_markdown),
    "json": ("report.json", render_json),
    "csv": ("findings.csv", render_csv),
    "plan": ("action-plan.csv", render_action_plan),
    "ocsf": ("findings.ocsf.jsonl", render_ocsf),
}


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a report.

    Reports hold personal data (names, CI numbers, emails): files are 0600 and new folders 0700.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)  # mkstemp made it 0600
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(report: Report, out_dir: Path, formats: list[str]) -> list[Path]:
    written = []
    for fmt in formats:
        name, render = RENDERERS[fmt]
        path = out_dir / name
        write_atomically(path, render(report))
        written.append(path)
    return written
