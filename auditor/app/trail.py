"""The audit trail as front ends export it (`auditor trail`): every human action, oldest first, as CSV (one
row per action, the objects as JSON in their cells, formula-safe) or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from auditor.app.lookup import open_store
from auditor.config import Config
from auditor.model.declarations import TrailEntry
from reports.csv import cell

COLUMNS = (
    "seq",
    "at",
    "institution",
    "actor",
    "ci",
    "role",
    "os_user",
    "action",
    "object",
    "fingerprint",
    "before",
    "after",
)


def trail_entries(
    config: Config, *, institution: str | None = None, since: date | None = None, db: Path | None = None
) -> list[TrailEntry]:
    with open_store(config, db) as store:
        return store.trail(institution, since)


def trail_json(entries: list[TrailEntry]) -> str:
    return json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False, indent=2)


def trail_csv(entries: list[TrailEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                cell(str(v), limit=1_000_000)  # the objects before and after are whole JSON: never cut
                for v in (
                    e.seq,
                    e.at.isoformat(),
                    e.institution,
                    e.actor.name,
                    e.actor.ci,
                    e.actor.role.value,
                    e.actor.os_user or "",
                    e.action.value,
                    e.object,
                    e.fingerprint or "",
                    json.dumps(e.before, ensure_ascii=False, sort_keys=True) if e.before else "",
                    json.dumps(e.after, ensure_ascii=False, sort_keys=True),
                )
            ]
        )
    return out.getvalue()
