"""Logging for the CLI and the daemon: every record passes a filter that removes token values.

Connectors already redact what they log and raise; this filter is the last line for what they cannot see
(a traceback that quotes a URL, a third-party library's debug line).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from auditor.credentials import known_secret_values
from auditor.model.common import one_line
from connectors.http import redact


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = known_secret_values()
        record.msg = redact(record.getMessage(), secrets)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), secrets)
            record.exc_info = None
        return True


CONTEXT_FIELDS = (
    "event",
    "run_id",
    "institution",
    "platform",
    "account",
    "job",
    "error",
    "delivered",
    "failed",
    "incomplete_because",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line for a SIEM: time, level, logger, message, and the run's context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in CONTEXT_FIELDS if getattr(record, k, None) is not None})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return one_line(json.dumps(entry, ensure_ascii=False, default=str))


class OneLineFormatter(logging.Formatter):
    """The text format, one record per line: breaks in a message (a platform's error text) are escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record).replace("\r", "\\r").replace("\n", "\\n"))


def setup_logging(verbosity: int = 0, fmt: str = "text") -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_auditor", False):
            root.removeHandler(existing)
    handler._auditor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    # google-api-python-client warns on every 403 it sees; the auditor reports those itself (OPS-001).
    logging.getLogger("googleapiclient").setLevel(logging.DEBUG if verbosity >= 2 else logging.ERROR)
