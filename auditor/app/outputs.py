"""Where a run's reports go: a folder per run that is kept, never overwritten, like Prowler's and
ScubaGear's timestamped outputs.

`<out>/<AAAA-MM-DD>-ejecucion-<N>/` holds the run's overall reports and one folder per institution;
`<out>/ultima-ejecucion.txt` (a plain file, not a symlink) names the newest run's folder; and only folders
the auditor made itself (they carry a marker file) are deleted when more than `keep_runs` exist.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

from auditor.model import Run
from auditor.model.clock import local_date
from reports.files import private_dir, write_private

POINTER = "ultima-ejecucion.txt"
MARKER = ".auditor-run"  # holds the run id: what tells a run folder made by the auditor from anything else
RUN_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}-ejecucion-(\d+)$")


def run_dir_name(run: Run) -> str:
    return f"{local_date(run.started_at):%Y-%m-%d}-ejecucion-{run.id}"


def run_dir(out: Path, run: Run) -> Path:
    """The run's folder, created (0700, with its marker) when it does not exist yet."""
    private_dir(out)  # reports hold personal data: owner only, never through a planted link
    path = private_dir(out / run_dir_name(run))
    marker = path / MARKER
    if not marker.exists():
        write_private(marker, f"{run.id}\n")
    return path


def point_to(out: Path, folder: Path) -> None:
    """Name `folder` in the pointer file, replaced atomically (a reader never sees half a name)."""
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{POINTER}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(folder.name + "\n")
        os.replace(tmp, out / POINTER)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def latest_run_dir(out: Path) -> Path | None:
    """The newest run's folder, as the pointer file names it."""
    try:
        name = (out / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return out / name if RUN_DIR.match(name) else None


def _ours(path: Path) -> int | None:
    """The run id of a folder the auditor made, or None for anything else (never deleted)."""
    match = RUN_DIR.match(path.name)
    if match is None or path.is_symlink() or not path.is_dir():
        return None
    try:
        marked = (path / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(match.group(1)) if marked == match.group(1) else None


def prune(out: Path, keep: int, *, before: date | None = None, dry_run: bool = False) -> list[Path]:
    """Delete the run folders the auditor made beyond the newest `keep`, or dated before `before` (the newest
    is always kept); returns what was (or, `dry_run`, would be) deleted. Anything else in `out` is left."""
    if not out.is_dir():
        return []
    runs = sorted(((run_id, p) for p in out.iterdir() if (run_id := _ours(p)) is not None), reverse=True)
    doomed = [
        path
        for index, (_, path) in enumerate(runs)
        if index > 0 and (index >= keep or (before is not None and _dated(path) < before))
    ]
    if not dry_run:
        for path in doomed:
            shutil.rmtree(path)
    return doomed


def _dated(path: Path) -> date:
    return date.fromisoformat(path.name[:10])
