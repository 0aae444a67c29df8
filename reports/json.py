"""The JSON report: the pydantic `Report` model, versioned by `schema_version`."""

from __future__ import annotations

from auditor.model import Report


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"
