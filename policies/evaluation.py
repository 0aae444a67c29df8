"""What running the rules produces: findings with stable fingerprints, and coverage counts.

The fingerprint is the key for the lifecycle, waivers and tickets. It hashes the policy, the institution,
the platform, the registered account's id (stable across handle renames, unlike the handle) and the
subject, so the same problem keeps the same fingerprint run after run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from auditor.model import Coverage, Finding, Severity


def fingerprint(policy_id: str, institution: str, platform: str | None, account: str | None, subject: str) -> str:
    key = "\x1f".join((policy_id, institution, platform or "", account or "", subject))
    return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    # (policy id, institution, account or None): the rule really ran there, so its absence of findings means
    # "resolved" for earlier ones in that scope.
    evaluated: set[tuple[str, str, str | None]] = field(default_factory=set)
    # (policy id, institution, account): the rule should have run there but could not read its inputs (a fetch
    # error): what it found before is still open, and is carried into this run's report as such.
    errored: set[tuple[str, str, str | None]] = field(default_factory=set)
    # (policy id, institution, account or None): a rule that reads the platforms, not run because this run
    # asked none (inventory only). What it found before stays open, listed as not verified in this run.
    unverified: set[tuple[str, str, str | None]] = field(default_factory=set)
    # Rule × subject pairs per (institution, rule severity, outcome: a `Coverage` field), counted as plain
    # numbers: an account's 40-odd counts went through a model's attribute assignment twice each, a sixth of
    # judging a country; `coverage` and `coverage_detail` make the models when they are read.
    counts: dict[tuple[str, Severity, str], int] = field(default_factory=dict)

    def tally(self, institution: str, severity: Severity, outcome: str) -> None:
        key = (institution, severity, outcome)
        self.counts[key] = self.counts.get(key, 0) + 1

    @property
    def coverage(self) -> Coverage:
        """Every rule × subject pair counted so far."""
        total = Coverage()
        for (_, _, outcome), n in self.counts.items():
            setattr(total, outcome, getattr(total, outcome) + n)
        return total

    @property
    def coverage_detail(self) -> dict[tuple[str, Severity], Coverage]:
        """The same counts by institution and rule severity, so every number in a report has its coverage."""
        detail: dict[tuple[str, Severity], Coverage] = {}
        for (institution, severity, outcome), n in self.counts.items():
            part = detail.setdefault((institution, severity), Coverage())
            setattr(part, outcome, getattr(part, outcome) + n)
        return detail
