"""What input errors say: problems in the inventory, profile, waivers and configuration files."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
