"""Questions about the store's history that front ends ask: runs, and findings by state, severity and
institution. Answers are model objects (the web API returns the same ones)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from auditor.app.lookup import check_institutions, open_store
from auditor.config import Config
from auditor.model import FindingRecord, Run, Severity


def existing_store(config: Config, db: Path | None = None) -> Path:
    """The store's path, for a tool that opens it itself (Datasette): it must exist (never created empty)."""
    return open_store(config, db).path


def datasette_command() -> str | None:
    """Datasette installed in the auditor's own environment (the README and the systemd unit run
    `.venv/bin/auditor`, whose folder is not on PATH), else on PATH."""
    beside = Path(sys.executable).parent / "datasette"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("datasette")


def list_runs(config: Config, limit: int = 20, db: Path | None = None) -> list[Run]:
    """The latest runs, newest first."""
    return open_store(config, db).runs(limit)


@dataclass(frozen=True)
class FindingQuery:
    status: Literal["open", "waived", "resolved"] = "open"
    min_severity: Severity | None = None
    institution: str | None = None
    db: Path | None = None


def list_findings(config: Config, query: FindingQuery) -> list[FindingRecord]:
    """Findings in their current state, most severe first, then by institution, account and rule."""
    store = open_store(config, query.db)
    if query.institution is not None:
        check_institutions([query.institution], store.institution_names())
    return store.findings(status=query.status, min_severity=query.min_severity, institution=query.institution)
