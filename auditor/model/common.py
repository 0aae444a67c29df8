"""The vocabulary every schema shares: the strict base model, platform ids and severities."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    StringConstraints,
)


class Strict(BaseModel):
    """Base for every input model: unknown keys are errors and strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, coerce_numbers_to_str=True)


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Text = Annotated[str, StringConstraints(max_length=2000)]


def blank_to_none(value: Any) -> Any:
    """Spreadsheets export empty cells as "": an empty optional field is absent, not an empty value."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Platform(StrEnum):
    """Platform ids used everywhere: inventory, config, reports and connector registration."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    YOUTUBE = "youtube"
    GOOGLE = "google"
    LINKEDIN = "linkedin"
    TIKTOK = "tiktok"
    ZOOM = "zoom"
    MAILCHIMP = "mailchimp"
    # Networks the guide's list ends with («entre otros»): registered and judged on the register, but no API
    # the auditor connects to shows their state (`PlatformInfo.observable`).
    THREADS = "threads"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    FLICKR = "flickr"
    SPOTIFY = "spotify"
    SOUNDCLOUD = "soundcloud"
    OTHER = "otra"  # any other network; its name is kept in the account's `network_name`


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


# Characters that line splitters (str.splitlines, many SIEM shippers, JavaScript) treat as line breaks, beyond
# \r and \n: in a line-oriented output (JSON lines, logs) they are written as JSON escapes, so each record
# stays one line whatever a platform put in a name.
LINE_SEPARATOR_ESCAPES = str.maketrans({c: f"\\u{ord(c):04x}" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def one_line(text: str) -> str:
    """Serialised JSON (or a log line) with every line separator escaped: one record, one line."""
    return text.translate(LINE_SEPARATOR_ESCAPES)
