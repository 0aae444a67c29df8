"""Writing a run's reports in the requested formats: one renderer per format, shared by every platform."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor.model import Report
from reports.csv import CsvDialect, action_plan_chunks, csv_chunks
from reports.files import private_dir
from reports.html import html_chunks
from reports.json import json_chunks
from reports.markdown import render_markdown
from reports.ocsf import render_ocsf
from reports.xlsx import render_xlsx


@dataclass(frozen=True)
class RenderOptions:
    csv_dialect: CsvDialect = "excel-es"


Renderer = Callable[[Report, RenderOptions], "str | bytes | Iterable[str] | Iterable[bytes]"]

# format -> (file name, renderer). One renderer per format, shared by every platform.
RENDERERS: dict[str, tuple[str, Renderer]] = {
    "html": ("report.html", lambda report, _: html_chunks(report)),
    "md": ("report.md", lambda report, _: render_markdown(report)),
    "json": ("report.json", lambda report, _: json_chunks(report)),
    "csv": ("findings.csv", lambda report, options: csv_chunks(report, options.csv_dialect)),
    "plan": ("action-plan.csv", lambda report, options: action_plan_chunks(report, options.csv_dialect)),
    "ocsf": ("findings.ocsf.jsonl", lambda report, _: render_ocsf(report)),
    "xlsx": ("findings.xlsx", lambda report, _: render_xlsx(report)),
}


_TEXT_RUN = 64 * 1024  # characters of text joined before one encode and write


def write_atomically(path: Path, content: str | bytes | Iterable[str] | Iterable[bytes]) -> None:
    """Write through a temporary file and rename, so a reader never sees half a report. `content` may come in
    pieces (a renderer's, as it makes them), of text or of bytes.

    Reports hold personal data (names, CI numbers, emails): files are 0600 and new folders 0700.
    """
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            # A template yields thousands of short strings: they are encoded and written in runs of about
            # `_TEXT_RUN` characters (a long piece, a CSV's five hundred rows, goes at once).
            text: list[str] = []
            held = 0
            for piece in [content] if isinstance(content, (str, bytes)) else content:
                if isinstance(piece, str):
                    text.append(piece)
                    held += len(piece)
                    if held < _TEXT_RUN:
                        continue
                    piece = "".join(text)
                    text.clear()
                    held = 0
                elif text:
                    fh.write("".join(text).encode("utf-8"))
                    text.clear()
                    held = 0
                fh.write(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
            fh.write("".join(text).encode("utf-8"))
        os.replace(tmp, path)  # mkstemp made it 0600; a rename replaces a planted link, never follows it
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(
    report: Report, out_dir: Path, formats: list[str], options: RenderOptions | None = None
) -> list[Path]:
    written = []
    for fmt in formats:
        name, render = RENDERERS[fmt]
        path = out_dir / name
        write_atomically(path, render(report, options or RenderOptions()))
        written.append(path)
    return written
