"""Loading the profile (rule tuning) and the waivers, validated strictly against the rule registry.

A typo in a profile or waiver must fail before anything runs (Cloud Custodian's lesson): an unknown rule
id, parameter or key is an error that names the file and line, never a silently ignored setting.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from auditor.i18n import t
from auditor.inputs.sources import InputError, Problem, SourceMap, load_yaml, problems_from_validation
from auditor.model import Inventory, Profile, Waiver, WaiverFile
from policies.profile import PROTOCOL_RULES
from policies.registry import all_rules


def load_profile(path: str | Path | None) -> Profile:
    if path is None:
        return Profile()
    data, source, problems = load_yaml(Path(path))
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems + problems_from_validation(exc, source)) from None
    problems += _check_profile(profile, source)
    if problems:
        raise InputError(problems)
    return profile


def _check_profile(profile: Profile, source: SourceMap) -> list[Problem]:
    rules = {r.id: r for r in all_rules()}
    problems = []
    for rule_id, settings in profile.rules.items():
        file, line, _ = source.locate(("rules", rule_id))
        rule = rules.get(rule_id)
        if rule is None:
            problems.append(Problem(file, line, f"rules.{rule_id}", t("inputs.unknown_rule")))
            continue
        for name, value in settings.params.items():
            p_file, p_line, label = source.locate(("rules", rule_id, "params", name))
            if name not in rule.params:
                known = ", ".join(rule.params) or t("inputs.none_known")
                problems.append(Problem(p_file, p_line, label, t("inputs.unknown_param", known=known)))
            elif type(value) is not type(rule.params[name]):
                expected = type(rule.params[name]).__name__
                problems.append(
                    Problem(p_file, p_line, label, t("inputs.param_type", expected=expected, value=repr(value)))
                )
    return problems


def load_waivers(path: str | Path | None, inventory: Inventory | None = None) -> list[Waiver]:
    """Load a waivers file; with an inventory, scopes must name institutions and accounts it holds."""
    if path is None:
        return []
    data, source, problems = load_yaml(Path(path))
    try:
        waivers = WaiverFile.model_validate(data).waivers
    except ValidationError as exc:
        raise InputError(problems + problems_from_validation(exc, source)) from None
    rules = {r.id for r in all_rules()}
    seen: set[str] = set()
    for i, w in enumerate(waivers):

        def at(field: str, message: str, i: int = i) -> Problem:
            file, line, label = source.locate(("waivers", i, *field.split(".")))
            return Problem(file, line, label, message)

        if w.id in seen:
            problems.append(at("id", t("inputs.duplicate_waiver", id=w.id)))
        seen.add(w.id)
        if w.rule not in rules:
            problems.append(at("rule", t("inputs.unknown_rule_named", id=w.rule)))
        if w.rule in PROTOCOL_RULES and not w.protocol_ref:
            problems.append(at("protocol_ref", t("inputs.protocol_ref", rule=w.rule)))
        if inventory is not None:
            inst = inventory.get(w.scope.institution)
            if inst is None:
                problems.append(at("scope.institution", t("inputs.waiver_institution", id=w.scope.institution)))
            elif w.scope.account and inst.account(w.scope.account) is None:
                problems.append(at("scope.account", t("inputs.waiver_account", id=w.scope.account)))
    if problems:
        raise InputError(problems)
    return waivers
