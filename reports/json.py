"""The JSON report: the pydantic `Report` model, versioned by `schema_version`."""

from __future__ import annotations

from auditor.model import Report


def render_json(report: Report) -> bytes:
    """UTF-8 JSON, serialized straight to bytes: a country's report is tens of MB, and going through a `str`
    (then the trailing newline, then the file's encoding) held three or four copies of it at once."""
    return Report.__pydantic_serializer__.to_json(report, indent=2) + b"\n"
