"""The profile (rule tuning) and waivers (accepted exceptions, the RSI usage protocol of 6.1.6)."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    model_validator,
)

from auditor.i18n import t
from auditor.model.common import NonEmpty, Platform, Severity, Slug, Strict


class RuleSettings(Strict):
    enabled: bool = True
    severity: Severity | None = None
    params: dict[str, Any] = {}


class Profile(Strict):
    """Organisation-wide tuning of the rule catalogue: disable rules, override severity, set parameters."""

    name: str = "default"
    rules: dict[str, RuleSettings] = {}


class WaiverScope(Strict):
    institution: Slug
    platform: Platform | None = None
    account: Slug | None = None
    subject: str | None = None


class Waiver(Strict):
    """An accepted exception (the RSI usage protocol of 6.1.6): one rule, one scope, always expiring."""

    id: Slug
    rule: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}-\d{3}$")]
    scope: WaiverScope
    rationale: NonEmpty
    approver: NonEmpty
    approved_on: Date
    expires: Date
    protocol_ref: str | None = Field(default=None, description="Reference of the RSI usage protocol")

    @model_validator(mode="after")
    def _expires_after_approval(self) -> Waiver:
        if self.expires < self.approved_on:
            raise ValueError(t("inputs.expires_before_approval", expires=self.expires, approved=self.approved_on))
        return self


class WaiverFile(Strict):
    waivers: list[Waiver] = []
