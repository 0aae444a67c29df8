"""Writing a run's reports in the requested formats: one renderer per format, shared by every platform."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from auditor.model import Report
from reports.json import render_json
from reports.markdown import render_markdown

RENDERERS: dict[str, tuple[str, Callable[[Report], str]]] = {
    "json": ("report.json", render_json),
    "md": ("report.md", render_markdown),
}


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
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
