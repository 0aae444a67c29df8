"""The rule registry: each rule is a small function with its metadata beside it.

The metadata is the single source for `auditor policies list`, the README table and the reports, and is
validated when the rule is registered (a rule without a guide reference or remediation fails at import,
not in a report). Rule ids and titles come from ../shared/POLICIES.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from auditor.model import Severity

if TYPE_CHECKING:
    from policies.context import Violation

Scope = Literal["account", "person", "waiver", "institution"]
RuleFn = Callable[..., "Iterator[Violation]"]

_ID = re.compile(r"^(INV|ACC|AUT|IDN|LIF|OPS)-\d{3}$")


@dataclass(frozen=True)
class Rule:
    id: str
    title_es: str
    title_en: str
    severity: Severity
    guide_ref: str
    rationale: str
    remediation_es: str
    remediation_en: str
    needs: tuple[str, ...]
    scope: Scope
    check: RuleFn
    incident: bool = False
    cert_category: str | None = None
    rsit: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # For account rules: whether the rule concerns this account at all (IDN-006 only where an
    # alternative handle is registered). A rule that does not apply is neither run nor counted.
    applies: Callable[..., bool] | None = None
    # For account rules whose findings are shared by accounts (account_level=False): (the subject this
    # account's evaluation speaks for, whether it could observe it), or None where it speaks for none (a Page
    # without a Business). Lets a run resolve such a finding only where it was really re-checked, and carry it
    # where it was not.
    shared_subject: Callable[..., tuple[str, bool] | None] | None = None
    # Severities a finding of this rule takes in some cases instead of `severity`: (severity, when in
    # Spanish, when in English), shown by `auditor policies show`.
    graded: tuple[tuple[Severity, str, str], ...] = ()

    # Read for every rule on every account of a run (hundreds of thousands of times in a country's): made once.
    @cached_property
    def observed_attributes(self) -> tuple[str, ...]:
        return tuple(n.split(":", 1)[1] for n in self.needs if n.startswith("obs:"))

    @cached_property
    def live(self) -> bool:
        """Whether the rule reads what a platform says (it cannot run on the inventory alone)."""
        return any(n == "obs" or n.startswith("obs:") for n in self.needs)

    def title(self, lang: str) -> str:
        return self.title_es if lang == "es" else self.title_en

    def remediation(self, lang: str) -> str:
        return self.remediation_es if lang == "es" else self.remediation_en

    def as_dict(self) -> dict[str, Any]:
        """The metadata as `policies list --format json` shows it (the check function left out)."""
        return {
            "id": self.id,
            "title": {"es": self.title_es, "en": self.title_en},
            "severity": self.severity.value,
            "guide_ref": self.guide_ref,
            "rationale": self.rationale,
            "remediation": {"es": self.remediation_es, "en": self.remediation_en},
            "needs": list(self.needs),
            "scope": self.scope,
            "incident": self.incident,
            "cert_category": self.cert_category,
            "rsit": self.rsit,
            "params": self.params,
        }


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    *,
    title_es: str,
    title_en: str,
    severity: Severity,
    guide_ref: str,
    rationale: str,
    remediation_es: str,
    remediation_en: str,
    needs: tuple[str, ...] = ("inv",),
    scope: Scope = "account",
    incident: bool = False,
    cert_category: str | None = None,
    rsit: str | None = None,
    params: dict[str, Any] | None = None,
    applies: Callable[..., bool] | None = None,
    shared_subject: Callable[..., tuple[str, bool] | None] | None = None,
    graded: tuple[tuple[Severity, str, str], ...] = (),
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under its catalogue id, validating the metadata now."""

    def register(fn: RuleFn) -> RuleFn:
        problems = []
        if not _ID.match(id):
            problems.append("id must look like INV-001")
        if id in REGISTRY:
            problems.append("registered twice")
        for name, value in (
            ("title_es", title_es),
            ("title_en", title_en),
            ("guide_ref", guide_ref),
            ("rationale", rationale),
            ("remediation_es", remediation_es),
            ("remediation_en", remediation_en),
        ):
            if not value.strip():
                problems.append(f"{name} is empty")
        if incident and not (cert_category and rsit):
            problems.append("an incident rule needs cert_category and rsit")
        if rsit and not re.match(r'^rsit:[a-z-]+="[a-z-]+"$', rsit):
            problems.append(f'rsit tag {rsit!r} is not rsit:<class>="<type>"')
        if problems:
            raise ValueError(f"rule {id}: " + "; ".join(problems))
        REGISTRY[id] = Rule(
            id,
            title_es,
            title_en,
            severity,
            guide_ref,
            rationale,
            remediation_es,
            remediation_en,
            needs,
            scope,
            fn,
            incident,
            cert_category,
            rsit,
            params or {},
            applies,
            shared_subject,
            graded,
        )
        return fn

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by id. Importing the rule modules registers them."""
    import policies.access
    import policies.authentication
    import policies.identity
    import policies.inventory
    import policies.inventory_people
    import policies.lifecycle
    import policies.operations  # noqa: F401

    return [REGISTRY[k] for k in sorted(REGISTRY)]


def get_rule(rule_id: str) -> Rule | None:
    all_rules()
    return REGISTRY.get(rule_id)
