"""Running the rules over an inventory: findings with stable fingerprints, coverage, and waiver matches.

The fingerprint is the key for the lifecycle, waivers and tickets. It hashes the policy, the institution,
the platform, the registered account's id (stable across handle renames, unlike the handle) and the
subject, so the same problem keeps the same fingerprint run after run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from auditor.model import Coverage, Finding, Inventory, Platform, RunScope, Waiver
from policies.context import AccountContext, PersonContext, Violation, WaiverContext
from policies.profile import EffectiveRule


def fingerprint(policy_id: str, institution: str, platform: str | None, account: str | None, subject: str) -> str:
    key = "\x1f".join((policy_id, institution, platform or "", account or "", subject))
    return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    # (policy id, institution, account or None): the rule really ran there, so its absence of findings means
    # "resolved" for earlier ones in that scope.
    evaluated: set[tuple[str, str, str | None]] = field(default_factory=set)


def _finding(
    er: EffectiveRule,
    v: Violation,
    institution: str,
    platform: Platform | None,
    account: str | None,
    handle: str | None,
) -> Finding:
    rule = er.rule
    # A profile's override wins over a rule's graded outcome, which wins over the catalogue default.
    severity = er.severity_override or v.severity or rule.severity
    return Finding(
        policy_id=rule.id,
        severity=severity,
        institution=institution,
        platform=platform,
        account=account,
        handle=handle,
        subject=v.subject,
        fingerprint=fingerprint(rule.id, institution, platform.value if platform else None, account, v.subject),
        message_es=v.message_es,
        message_en=v.message_en,
        guide_ref=rule.guide_ref,
        incident=rule.incident,
        rsit=v.rsit or rule.rsit,
        evidence=v.evidence,
    )


def in_scope(scope: RunScope, institution: str, platform: Platform | None = None, account: str | None = None) -> bool:
    if scope.institutions and institution not in scope.institutions:
        return False
    if scope.platforms and platform is not None and platform not in scope.platforms:
        return False
    return not (scope.accounts and account is not None and account not in scope.accounts)


def evaluate(
    inventory: Inventory,
    rules: Iterable[EffectiveRule],
    waivers: list[Waiver],
    today: date,
    scope: RunScope | None = None,
) -> Evaluation:
    scope = scope or RunScope()
    result = Evaluation()
    enabled = [r for r in rules if r.enabled]
    for inst_inv in inventory.institutions:
        inst_id = inst_inv.institution.id
        if not in_scope(scope, inst_id):
            continue
        for er in enabled:
            if er.rule.scope == "account":
                for account in inst_inv.accounts:
                    if not in_scope(scope, inst_id, account.platform, account.id):
                        continue
                    ctx = AccountContext(inst_inv, account, today, er.params)
                    for v in er.rule.check(ctx):
                        result.findings.append(_finding(er, v, inst_id, account.platform, account.id, account.handle))
                    result.coverage.evaluated += 1
                    result.evaluated.add((er.rule.id, inst_id, account.id))
            elif er.rule.scope == "person" and not (scope.platforms or scope.accounts):
                for person in inst_inv.people:
                    ctx_p = PersonContext(inst_inv, person, today, er.params)
                    for v in er.rule.check(ctx_p):
                        result.findings.append(_finding(er, v, inst_id, None, None, None))
                    result.coverage.evaluated += 1
                result.evaluated.add((er.rule.id, inst_id, None))
            elif er.rule.scope == "waiver" and not (scope.platforms or scope.accounts):
                for waiver in waivers:
                    if waiver.scope.institution != inst_id:
                        continue
                    ctx_w = WaiverContext(waiver, today, er.params)
                    for v in er.rule.check(ctx_w):
                        result.findings.append(
                            _finding(er, v, inst_id, waiver.scope.platform, waiver.scope.account, None)
                        )
                    result.coverage.evaluated += 1
                result.evaluated.add((er.rule.id, inst_id, None))
    return result


def matching_waiver(finding: Finding, waivers: list[Waiver], today: date) -> Waiver | None:
    """The waiver in force (not expired) whose rule and scope cover this finding, if any."""
    for w in waivers:
        s = w.scope
        if (
            w.rule == finding.policy_id
            and s.institution == finding.institution
            and (s.platform is None or s.platform == finding.platform)
            and (s.account is None or s.account == finding.account)
            and (s.subject is None or s.subject == finding.subject)
            and w.expires >= today
        ):
            return w
    return None
