"""Running the rules over an inventory: findings and coverage (`policies.evaluation`), and waiver matches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.i18n import term
from auditor.model import (
    AccountSnapshot,
    DiscoveredAccount,
    Finding,
    InstitutionInventory,
    Inventory,
    ObservationState,
    Platform,
    RegisteredAccount,
    RunScope,
    Waiver,
    shared_scope,
)
from auditor.model.classify import lookalike_key
from auditor.model.declarations import Declaration, DeclKey
from policies.business import business_owners, business_views
from policies.context import AccountContext, BusinessView, InstitutionContext, PersonContext, Violation, WaiverContext
from policies.declared import DECLARED_SUBJECT, reconcile
from policies.evaluation import Evaluation, fingerprint
from policies.profile import EffectiveRule


@dataclass(frozen=True)
class Observations:
    """What the platforms said in this run, and what they said before (absent: inventory-only audit)."""

    snapshots: dict[tuple[str, str], AccountSnapshot] = field(default_factory=dict)
    previous: dict[tuple[str, str], AccountSnapshot] = field(default_factory=dict)
    prior: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = field(default_factory=dict)
    discovered: dict[str, list[DiscoveredAccount]] | None = None  # institution -> accounts seen
    discovery_failed: frozenset[str] = frozenset()  # institutions whose discovery was attempted and failed
    pinned: Mapping[tuple[str, str], str] = field(default_factory=dict)


def _finding(
    er: EffectiveRule,
    v: Violation,
    institution: str,
    platform: Platform | None,
    account: str | None,
    handle: str | None,
) -> Finding:
    rule = er.rule
    if not v.account_level:
        account, handle = None, None
        if rule.shared_subject is not None:  # shared by accounts of several platforms (a credential)
            platform = None
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
        incident=rule.incident if v.incident is None else v.incident,
        rsit=(v.rsit or rule.rsit) if (rule.incident if v.incident is None else v.incident) else None,
        evidence=v.evidence,
    )


def in_scope(scope: RunScope, institution: str, platform: Platform | None = None, account: str | None = None) -> bool:
    if scope.institutions and institution not in scope.institutions:
        return False
    if scope.platforms and platform is not None and platform not in scope.platforms:
        return False
    return not (scope.accounts and account is not None and account not in scope.accounts)


def _state(spec: str, snap: AccountSnapshot) -> ObservationState:
    """An attribute's state; `a|b` (either will do) is observed when one of them is."""
    states = {snap.attribute(a).state for a in spec.split("|")}
    for state in (ObservationState.OBSERVED, ObservationState.ERROR):
        if state in states:
            return state
    return ObservationState.NOT_EXPOSED


def _observability(
    rule_attrs: tuple[str, ...], snap: AccountSnapshot, known: dict[str, ObservationState]
) -> ObservationState:
    """The worst state among the attributes a rule reads: error beats not_exposed beats observed. `known`: the
    snapshot's attribute states found so far (rules read the same attributes: one account asked 30 times for
    about 15)."""
    states = set()
    for spec in rule_attrs:
        state = known.get(spec)
        if state is None:
            state = known[spec] = _state(spec, snap)
        states.add(state)
    if ObservationState.ERROR in states:
        return ObservationState.ERROR
    if ObservationState.NOT_EXPOSED in states:
        return ObservationState.NOT_EXPOSED
    return ObservationState.OBSERVED


def _evaluate_account(
    result: Evaluation,
    rules: list[EffectiveRule],
    inst_inv: InstitutionInventory,
    account: RegisteredAccount,
    today: date,
    obs: Observations | None,
    businesses: Mapping[tuple[str, str], BusinessView],
    declarations: Mapping[DeclKey, Declaration],
    by_id: Mapping[str, EffectiveRule],
) -> None:
    inst_id = inst_inv.institution.id
    key = (inst_id, account.id)
    snapshot = obs.snapshots.get(key) if obs else None
    ctx_base = AccountContext(
        inst_inv,
        account,
        today,
        {},
        snapshot,
        obs.previous.get(key) if obs else None,
        (obs.prior.get(key) or {}) if obs else {},
        business=businesses.get(key),
        declarations=declarations,
    )
    deferred = []
    known: dict[str, ObservationState] = {}
    first = len(result.findings)
    partial = snapshot is not None and snapshot.error is not None  # some rule could not read what it needs
    for er in rules:
        rule = er.rule
        if rule.live and snapshot is None:
            # An inventory-only audit: live rules do not run (and are not counted); their findings are carried.
            result.unverified.add((rule.id, inst_id, account.id))
            if rule.shared_subject is not None:
                result.unverified.add((rule.id, inst_id, None))
            continue
        ctx = ctx_base.with_params(er.params)
        if rule.applies is not None and not rule.applies(ctx):
            continue
        if rule.id == "OPS-003":
            deferred.append(er)  # it reports what the other rules could not observe: run it last
            continue
        attrs = rule.observed_attributes
        if snapshot is not None and attrs:
            state = ObservationState.ERROR if snapshot.error else _observability(attrs, snapshot, known)
            if state is ObservationState.ERROR:
                result.tally(inst_id, er.severity, "errors")
                result.errored.add((rule.id, inst_id, account.id))
                shared = rule.shared_subject(ctx) if rule.shared_subject is not None else None
                if shared is not None:
                    result.errored.add((rule.id, inst_id, shared_scope(shared[0])))
                partial = True
                continue
            if state is ObservationState.NOT_EXPOSED:
                result.tally(inst_id, er.severity, "not_observable")
                for attr in attrs:
                    if _state(attr, snapshot) is ObservationState.NOT_EXPOSED:
                        name = attr.split("|")[0]
                        raw = snapshot.attribute(name).raw  # an undocumented answer: what the platform said
                        ctx_base.attest(name, rule.id, seen=term(str(raw), "es") if raw is not None else None)
                continue
        for v in rule.check(ctx):
            result.findings.append(_finding(er, v, inst_id, account.platform, account.id, account.handle))
        if rule.id in ctx_base.attested_by:
            # Part of its subject could not be judged (a value nobody documents): not counted as evaluated, and
            # what it found before there stays open rather than being resolved by an unreadable answer.
            result.tally(inst_id, er.severity, "not_observable")
            result.errored.add((rule.id, inst_id, account.id))
            continue
        result.tally(inst_id, er.severity, "evaluated")
        result.evaluated.add((rule.id, inst_id, account.id))
        shared = rule.shared_subject(ctx) if rule.shared_subject is not None and snapshot is not None else None
        if shared is not None:
            subject, observed = shared
            (result.evaluated if observed else result.errored).add((rule.id, inst_id, shared_scope(subject)))
    _reconcile_declarations(result, ctx_base, first, by_id)
    for er in deferred:
        for v in er.rule.check(ctx_base.with_params(er.params)):
            result.findings.append(_finding(er, v, inst_id, account.platform, account.id, account.handle))
        if partial:
            # The list of what needs attesting is incomplete when some rule could not even read its inputs:
            # the attestations asked before stay asked (found by the suite: a failed fetch resolved them).
            result.tally(inst_id, er.severity, "errors")
            result.errored.add((er.rule.id, inst_id, account.id))
            continue
        result.tally(inst_id, er.severity, "evaluated")
        result.evaluated.add((er.rule.id, inst_id, account.id))


def _reconcile_declarations(
    result: Evaluation, ctx: AccountContext, first: int, by_id: Mapping[str, EffectiveRule]
) -> None:
    """What the account's declarations add to its findings: the finding a «no cumple» raises under its rule,
    and the declaration beside the findings that contradict a «cumple». Declared findings are re-judged at
    every run (their scope is recorded as evaluated), so a new answer resolves them."""
    account = ctx.account
    inst_id = ctx.institution.id
    raised, contradicted = reconcile(ctx, result.findings[first:])
    for index in range(first, len(result.findings)):
        updated = contradicted.get(result.findings[index].fingerprint)
        if updated is not None:
            result.findings[index] = updated
    for rule_id, v in raised:
        er = by_id.get(rule_id)
        if er is not None:
            result.findings.append(_finding(er, v, inst_id, account.platform, account.id, account.handle))
    declared = shared_scope(f"{DECLARED_SUBJECT}:{account.id}")
    result.evaluated.update((rule_id, inst_id, declared) for rule_id in by_id)


def _lookalikes(
    observations: Observations | None, inst_inv: InstitutionInventory, wanted: bool
) -> tuple[bool, list[DiscoveredAccount], bool]:
    """(whether look-alike spellings were looked up for the institution this run, the accounts found, whether
    a lookup failed — then what was found before under unreached spellings is carried, not resolved)."""
    if not wanted or observations is None:
        return False, [], False
    keys = [(inst_inv.institution.id, a.id) for a in inst_inv.accounts]
    snaps = [observations.snapshots.get(key) for key in keys]
    looked = [s for s in snaps if s is not None and (s.lookalikes_checked or s.lookalikes_error)]
    found = [d for s in looked for d in s.lookalikes]
    # An account that found an impostor before and did not look again this run (its fetch failed, the account
    # was not found) has not re-checked it: what it found stays as it was rather than being resolved.
    not_rechecked = any(
        (before := observations.previous.get(key)) is not None
        and before.lookalikes
        and not (now is not None and now.lookalikes_checked)
        for key, now in zip(keys, snaps, strict=True)
    )
    return bool(looked), found, not_rechecked or any(s.lookalikes_error for s in looked)


def _alternatives(inst_inv: InstitutionInventory) -> frozenset[tuple[str, str]]:
    """The registered alternative handles (IDN-006 says who holds them, not IDN-009)."""
    return frozenset(
        (a.platform.value, a.alternative_handle.lstrip("@").lower()) for a in inst_inv.accounts if a.alternative_handle
    )


def _known_accounts(
    inventory: Inventory, pinned: Mapping[tuple[str, str], str], resolved: Mapping[tuple[str, str], str]
) -> frozenset[tuple[str, str]]:
    """Every account of the country the auditor knows: registered platform ids and handles, and the ids pinned
    before or resolved this run (`resolved`: (institution, account) → the platform id this run read)."""
    known: set[tuple[str, str]] = set()
    for inst_inv in inventory.institutions:
        for a in inst_inv.accounts:
            if a.platform_account_id:
                known.add((a.platform.value, a.platform_account_id))
            if a.handle:
                known.add((a.platform.value, f"@{a.handle.lower()}"))
            key = (inst_inv.institution.id, a.id)
            for pid in (pinned.get(key), resolved.get(key)):
                if pid:
                    known.add((a.platform.value, pid))
    return frozenset(known)


@dataclass
class CountryView:
    """What judging one institution needs to know of the others, so institutions can be judged one at a time
    without the country's snapshots in memory: the Business of each account (a Business can hold several
    institutions' Pages, `business_views`), and the accounts the auditor knows anywhere (IDN-007, IDN-009),
    computed the first time an institution rule asks."""

    inventory: Inventory
    businesses: Mapping[tuple[str, str], BusinessView] = field(default_factory=dict)
    pinned: Mapping[tuple[str, str], str] = field(default_factory=dict)
    resolved: Mapping[tuple[str, str], str] = field(default_factory=dict)
    _known: tuple[frozenset[tuple[str, str]], dict[tuple[str, str], str]] | None = None

    @classmethod
    def of(cls, inventory: Inventory, observations: Observations | None) -> CountryView:
        """From a whole run's observations in memory."""
        if observations is None:
            return cls(inventory)
        owners = business_owners(observations.snapshots, observations.previous)
        resolved = {k: s.platform_account_id for k, s in observations.snapshots.items() if s.platform_account_id}
        return cls(inventory, business_views(inventory, owners), observations.pinned, resolved)

    def known(self) -> tuple[frozenset[tuple[str, str]], dict[tuple[str, str], str]]:
        """The known accounts, and their handles by (platform, look-alike skeleton)."""
        if self._known is None:
            known = _known_accounts(self.inventory, self.pinned, self.resolved)
            self._known = known, {(p, lookalike_key(h[1:])): h[1:] for p, h in known if h.startswith("@")}
        return self._known


def evaluate(
    inventory: Inventory,
    rules: Iterable[EffectiveRule],
    waivers: list[Waiver],
    today: date,
    scope: RunScope | None = None,
    observations: Observations | None = None,
    after_account: Callable[[], None] | None = None,
    declarations: Mapping[DeclKey, Declaration] | None = None,
) -> Evaluation:
    """Run every enabled rule on every subject in scope. `observations` None: inventory rules only.

    `after_account` is called after each account's rules (the engine's crash point for the reliability suite).
    `declarations` are the ones in force (latest per key), as `HumanState.current` gives them.
    """
    result = Evaluation()
    country = CountryView.of(inventory, observations)
    enabled = [r for r in rules if r.enabled]
    for inst_inv in inventory.institutions:
        evaluate_institution(
            result, inst_inv, enabled, waivers, today, scope, observations, country, after_account, declarations
        )
    result.findings = merge_shared(result.findings)
    return result


def evaluate_institution(
    result: Evaluation,
    inst_inv: InstitutionInventory,
    enabled: list[EffectiveRule],
    waivers: list[Waiver],
    today: date,
    scope: RunScope | None,
    observations: Observations | None,
    country: CountryView,
    after_account: Callable[[], None] | None = None,
    declarations: Mapping[DeclKey, Declaration] | None = None,
) -> None:
    """One institution's rules, added to `result` (unmerged: `merge_shared` joins what several accounts
    reported of one subject). `observations` needs only this institution's snapshots."""
    scope = scope or RunScope()
    by_id = {r.rule.id: r for r in enabled}
    declarations = declarations or {}
    whole_institution = not (scope.platforms or scope.accounts)
    inst_id = inst_inv.institution.id
    if not in_scope(scope, inst_id):
        return
    account_rules = [r for r in enabled if r.rule.scope == "account"]
    for account in inst_inv.accounts:
        if in_scope(scope, inst_id, account.platform, account.id):
            _evaluate_account(
                result, account_rules, inst_inv, account, today, observations, country.businesses, declarations, by_id
            )
            if after_account is not None:
                after_account()
    if not whole_institution:
        return
    for er in enabled:
        if er.rule.scope == "person":
            for person in inst_inv.people:
                for v in er.rule.check(PersonContext(inst_inv, person, today, er.params, declarations)):
                    result.findings.append(_finding(er, v, inst_id, None, None, None))
                result.tally(inst_id, er.severity, "evaluated")
            result.evaluated.add((er.rule.id, inst_id, None))
        elif er.rule.scope == "waiver":
            for waiver in waivers:
                if waiver.scope.institution != inst_id:
                    continue
                for v in er.rule.check(WaiverContext(waiver, today, er.params)):
                    result.findings.append(_finding(er, v, inst_id, waiver.scope.platform, waiver.scope.account, None))
                result.tally(inst_id, er.severity, "evaluated")
            result.evaluated.add((er.rule.id, inst_id, None))
        elif er.rule.scope == "institution":
            _evaluate_institution_rule(result, er, inst_inv, today, observations, country)


def _evaluate_institution_rule(
    result: Evaluation,
    er: EffectiveRule,
    inst_inv: InstitutionInventory,
    today: date,
    observations: Observations | None,
    country: CountryView,
) -> None:
    inst_id = inst_inv.institution.id
    if observations is None and er.rule.live:
        result.unverified.add((er.rule.id, inst_id, None))
        return
    discovered = observations.discovered if observations else None
    looked_up, found, lookup_failed = _lookalikes(observations, inst_inv, "obs:lookalikes" in er.rule.needs)
    if (observations is not None and inst_id in observations.discovery_failed) or lookup_failed:
        result.tally(inst_id, er.severity, "errors")
        result.errored.add((er.rule.id, inst_id, None))
        return
    ran = discovered is not None and inst_id in discovered
    if not ran and not looked_up:
        return  # neither discovery nor a lookup ran for this institution: nothing to compare
    known, skeletons = country.known()
    seen = (discovered or {}).get(inst_id, []) if ran else []
    ctx_i = InstitutionContext(
        inst_inv,
        today,
        er.params,
        seen,
        known,
        skeletons,
        lookalikes=found,
        alternatives=_alternatives(inst_inv),
    )
    for v in er.rule.check(ctx_i):
        platform = Platform(v.evidence["platform"]) if "platform" in v.evidence else None
        result.findings.append(_finding(er, v, inst_id, platform, None, None))
    result.tally(inst_id, er.severity, "evaluated")
    result.evaluated.add((er.rule.id, inst_id, None))


def merge_shared(findings: list[Finding]) -> list[Finding]:
    """One finding per fingerprint. Accounts that share a subject (OPS-002: one credential) each report
    what they saw; their findings are merged, keeping every observation and every distinct message, so
    two different observations never collapse into one with a message lost."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.fingerprint, []).append(f)
    merged = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            merged.append(first)
            continue
        observations = [o for f in group for o in f.evidence.get("observations", [])]
        evidence = dict(first.evidence)
        if observations:
            evidence["observations"] = observations
        else:
            evidence = {"observations": [f.evidence for f in group]}
        merged.append(
            first.model_copy(
                update={
                    "severity": max((f.severity for f in group), key=lambda s: s.rank),
                    "message_es": _joined(f.message_es for f in group),
                    "message_en": _joined(f.message_en for f in group),
                    "incident": any(f.incident for f in group),
                    "evidence": evidence,
                }
            )
        )
    return merged


def _joined(messages: Iterable[str]) -> str:
    return " · ".join(dict.fromkeys(messages))


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
