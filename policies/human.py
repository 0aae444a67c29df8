"""People's answers applied to a run's findings: the waivers in force (a file's and the approved requests in
the store) and the false positives the central office confirmed. Pure: the engine calls it between the
evaluation and the record."""

from __future__ import annotations

from datetime import date

from auditor.model import Finding, Waiver, WaiverScope
from auditor.model.declarations import AnnotationKind, HumanState
from policies.evaluate import matching_waiver

NEVER = date.max  # a confirmed false positive does not expire; it is withdrawn


def in_force_waivers(from_file: list[Waiver], human: HumanState) -> list[Waiver]:
    """A waivers file's waivers and the store's approved requests; the store's wins on the same id (an
    imported file was recorded with its approver in the trail)."""
    stored = {w.id: w for w in human.waivers()}
    return [w for w in from_file if w.id not in stored] + list(stored.values())


def false_positive_waivers(findings: list[Finding], human: HumanState) -> dict[str, Waiver]:
    """The confirmed «resultado incorrecto» annotations, as the waiver that mutes each finding (by
    fingerprint): it stays listed, out of the counts, and its ticket is resolved with the rationale."""
    out: dict[str, Waiver] = {}
    by_fp = human.annotations_by_fingerprint()
    for f in findings:
        for a in by_fp.get(f.fingerprint, []):
            if a.kind is AnnotationKind.FALSE_POSITIVE and a.in_force and a.confirmed_by and a.confirmed_at:
                out[f.fingerprint] = Waiver(
                    id=f"fp-{a.id}",
                    rule=f.policy_id,
                    scope=WaiverScope(
                        institution=f.institution, platform=f.platform, account=f.account, subject=f.subject
                    ),
                    rationale=a.text,
                    approver=a.confirmed_by.name,
                    approved_on=a.confirmed_at.date(),
                    expires=NEVER,
                    protocol_ref=f"annotation:{a.id}",
                )
    return out


def apply_human_input(
    findings: list[Finding], waivers: list[Waiver], human: HumanState, today: date
) -> tuple[list[Finding], dict[str, Waiver]]:
    """The run's findings (a confirmed false positive carries its rationale in the evidence, for the ticket
    that resolves it) and the waiver muting each muted one, by fingerprint."""
    waived: dict[str, Waiver] = {}
    for finding in findings:
        waiver = matching_waiver(finding, waivers, today)
        if waiver is not None:
            waived[finding.fingerprint] = waiver
    false_positives = false_positive_waivers(findings, human)
    out = []
    for f in findings:
        fp = false_positives.get(f.fingerprint)
        if fp is not None:
            waived[f.fingerprint] = fp
            f = f.model_copy(
                update={
                    "evidence": {
                        **f.evidence,
                        "false_positive": {
                            "rationale": fp.rationale,
                            "confirmed_by": fp.approver,
                            "annotation": fp.protocol_ref,
                        },
                    }
                }
            )
        out.append(f)
    return out, waived
