"""What the command line says: outcomes, warnings and errors."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
