"""The profile applied to the registry: which rules run, at which severity, with which parameters.

Reading and validating the profile and waivers files is input handling (`auditor.inputs.tuning`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.model import Profile, RuleSettings, Severity
from policies.registry import Rule, all_rules

PROTOCOL_RULES = frozenset({"INV-014"})  # waivers of these rules must cite the RSI usage protocol


@dataclass(frozen=True)
class EffectiveRule:
    """A rule as this profile runs it: enabled or not, its severity and its parameters."""

    rule: Rule
    enabled: bool
    severity_override: Severity | None
    params: dict[str, Any]

    @property
    def severity(self) -> Severity:
        return self.severity_override or self.rule.severity


def effective_rules(profile: Profile) -> list[EffectiveRule]:
    out = []
    for rule in all_rules():
        settings = profile.rules.get(rule.id, RuleSettings())
        out.append(EffectiveRule(rule, settings.enabled, settings.severity, {**rule.params, **settings.params}))
    return out
