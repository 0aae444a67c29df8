"""Retention: what is deleted when (`[retention]`, `reports.keep_runs`). Snapshots older than
`snapshot_days` (each account's latest kept: the next run compares with it) and run folders beyond
`keep_runs` or older than `run_folder_days`. Findings, their events, tickets and deliveries are the audit
trail: never pruned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from auditor.app.lookup import open_store
from auditor.app.outputs import prune
from auditor.config import Config
from auditor.lock import store_lock
from auditor.model.clock import local_date


@dataclass
class PruneOutcome:
    snapshots: int
    snapshots_before: datetime
    folders: list[Path] = field(default_factory=list)
    dry_run: bool = False


def prune_retained(config: Config, now: datetime, *, dry_run: bool = False, wait_seconds: float = 0.0) -> PruneOutcome:
    """Apply the retention settings (or, with `dry_run`, say what they would delete)."""
    store = open_store(config)
    cutoff = now - timedelta(days=config.retention.snapshot_days)
    days = config.retention.run_folder_days
    before = local_date(now) - timedelta(days=days) if days else None
    with store_lock(store.path, wait_seconds):  # never while a run writes
        old = store.old_snapshots(cutoff)
        if not dry_run:
            store.delete_snapshots(old)
        folders = prune(config.reports.out, config.reports.keep_runs, before=before, dry_run=dry_run)
    store.close()
    return PruneOutcome(len(old), cutoff, folders, dry_run)
