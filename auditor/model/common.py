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


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)
