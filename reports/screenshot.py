"""A PNG of the HTML report's first page, as a person would see it, with headless Chromium when present."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(html: Path, png: Path, *, width: int = 1240, height: int = 1754, timeout: float = 60) -> Path:
    """Render `html` to `png` (A4 proportions at 150 dpi); raises RuntimeError when Chromium is missing."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("no Chromium found (Debian package `chromium`): cannot take a screenshot")
    with tempfile.TemporaryDirectory(prefix="auditor-chromium-") as profile:
        subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png.resolve()}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    return png


def print_pdf(html: Path, pdf: Path, *, timeout: float = 60) -> Path:
    """Print `html` to `pdf` as a browser prints it (A4, the page's own @page rules); raises RuntimeError when
    Chromium is missing or fails."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("no Chromium found (Debian package `chromium`): cannot print a PDF")
    with tempfile.TemporaryDirectory(prefix="auditor-chromium-") as profile:
        try:
            subprocess.run(
                [
                    browser,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf.resolve()}",
                    html.resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise RuntimeError(f"Chromium could not print {html.name}: {exc}") from exc
    if not pdf.exists():
        raise RuntimeError(f"Chromium wrote no {pdf.name}")
    pdf.chmod(0o600)
    return pdf
