"""Questions about the store's history that front ends ask: runs, and findings by state, severity and
institution. Answers are model objects (the web API returns the same ones)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from auditor.config import Config
from auditor.model import FindingRecord, Run, Severity
from auditor.store import Store


def list_runs(config: Config, limit: int = 20, db: Path | None = None) -> list[Run]:
    """The latest runs, newest first."""
    return Store(db or config.store.path).runs(limit)


@dataclass(frozen=True)
class FindingQuery:
    status: Literal["open", "waived", "resolved"] = "open"
    min_severity: Severity | None = None
    institution: str | None = None
    db: Path | None = None


def list_findings(config: Config, query: FindingQuery) -> list[FindingRecord]:
    """Findings in their current state, most severe first, then by institution, account and rule."""
    return Store(query.db or config.store.path).findings(
        status=query.status, min_severity=query.min_severity, institution=query.institution
    )
