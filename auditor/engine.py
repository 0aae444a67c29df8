"""One audit run: evaluate the rules, match waivers, and record everything in the store at once.

Live platform observation joins here with the connectors (next issue); today a run evaluates the
inventory rules and OPS-004. The CLI only parses arguments and calls `run_audit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditor.clock import local_date, utcnow
from auditor.inventory import inventory_digest
from auditor.model import Inventory, Profile, RunScope, RunStatus, RunType, Severity, Waiver
from auditor.store import Store
from policies.evaluate import evaluate, matching_waiver
from policies.profile import effective_rules


@dataclass(frozen=True)
class AuditResult:
    run_id: int
    status: RunStatus
    open_severities: list[Severity]

    def exit_code(self, fail_on: Severity | None) -> int:
        """0 clean, 1 findings at/above the threshold, 3 audit incomplete (which wins: it is not a pass)."""
        if self.status is not RunStatus.COMPLETE:
            return 3
        if fail_on is not None and any(s.rank >= fail_on.rank for s in self.open_severities):
            return 1
        return 0


def run_audit(
    store: Store,
    inventory: Inventory,
    *,
    profile: Profile | None = None,
    waivers: list[Waiver] | None = None,
    scope: RunScope | None = None,
    run_type: RunType = RunType.ON_DEMAND,
    import_inventory: bool = True,
    now: datetime | None = None,
) -> AuditResult:
    started = now or utcnow()
    today = local_date(started)
    scope = scope or RunScope()
    waivers = waivers or []
    evaluation = evaluate(inventory, effective_rules(profile or Profile()), waivers, today, scope)
    waived = {}
    for finding in evaluation.findings:
        waiver = matching_waiver(finding, waivers, today)
        if waiver is not None:
            waived[finding.fingerprint] = waiver
    status = RunStatus.COMPLETE if evaluation.coverage.errors == 0 else RunStatus.INCOMPLETE
    run_id = store.record_run(
        started_at=started,
        finished_at=now or utcnow(),
        run_type=run_type,
        scope=scope,
        inventory=inventory,
        digest=inventory_digest(inventory),
        findings=evaluation.findings,
        waived=waived,
        evaluated=evaluation.evaluated,
        coverage=evaluation.coverage,
        status=status,
        import_inventory=import_inventory,
    )
    open_severities = [f.severity for f in evaluation.findings if f.fingerprint not in waived]
    return AuditResult(run_id, status, open_severities)
