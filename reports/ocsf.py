"""OCSF JSON lines for SIEMs: one Compliance Finding event (class_uid 2003) per finding of the run.

Mapping: category 2 (Findings); activity 1 Create for a new or regressed finding, 2 Update for one that
persists or is waived, 3 Close for one resolved; `type_uid` = class_uid × 100 + activity_id; the rule is the
compliance control of the standard "MITIC Res. 678/2022"; the account is the resource.
"""

from __future__ import annotations

import json

from auditor.model import FindingStatus, Report, ReportFinding, Severity
from auditor.model.common import one_line
from reports.annotations import annotation_record

OCSF_VERSION = "1.3.0"
CLASS_UID = 2003
CATEGORY_UID = 2
STANDARD = "MITIC Res. 678/2022"
SEVERITY_ID = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
ACTIVITY = {
    FindingStatus.NEW: (1, "Create"),
    FindingStatus.REGRESSED: (1, "Create"),
    FindingStatus.PERSISTING: (2, "Update"),
    FindingStatus.WAIVED: (2, "Update"),
    FindingStatus.RESOLVED: (3, "Close"),
    FindingStatus.UNVERIFIED: (2, "Update"),
}
STATUS = {
    FindingStatus.NEW: (1, "New"),
    FindingStatus.REGRESSED: (1, "New"),
    FindingStatus.PERSISTING: (2, "In Progress"),
    FindingStatus.WAIVED: (3, "Suppressed"),
    FindingStatus.RESOLVED: (4, "Resolved"),
    FindingStatus.UNVERIFIED: (2, "In Progress"),
}


def _ms(report: Report) -> int:
    return int(report.run.started_at.timestamp() * 1000)


def event(report: Report, f: ReportFinding) -> dict[str, object]:
    activity_id, activity_name = ACTIVITY[f.status]
    status_id, status = STATUS[f.status]
    resolved = f.status is FindingStatus.RESOLVED
    resource = {
        "uid": f"{f.institution}/{f.account}" if f.account else f.institution,
        "name": f.handle or f.account or f.institution,
        "type": f"{f.platform.value} account" if f.platform else "institution register",
        "labels": [f"institution:{f.institution}"] + ([f"platform:{f.platform.value}"] if f.platform else []),
    }
    return {
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": f"Compliance Finding: {activity_name}",
        "time": _ms(report),
        "severity_id": SEVERITY_ID[f.severity],
        "severity": f.severity.value.capitalize() if f.severity is not Severity.INFO else "Informational",
        "status_id": status_id,
        "status": status,
        "message": f.message,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "OEE Social Accounts Auditor", "vendor_name": "oee-social-auditor", "version": "0.1.0"},
            "log_name": f"run-{report.run.id}",
            "uid": f"{report.run.id}:{f.fingerprint}",
        },
        "finding_info": {
            "uid": f.fingerprint,
            "title": f.title,
            "desc": f.message,
            "types": [f.policy_id.split("-")[0]],
            "first_seen_time": None,
            "last_seen_time": _ms(report),
        },
        "compliance": {
            "standards": [STANDARD],
            "control": f.policy_id,
            "requirements": [f"{STANDARD} {f.guide_ref}"],
            "status_id": 1 if resolved else 3,
            "status": "Pass" if resolved else "Fail",
        },
        "remediation": {"desc": f.remediation},
        "resources": [resource],
        "unmapped": {
            "rsit": f.rsit,
            "incident": f.incident,
            "first_seen_run": f.first_seen_run,
            "waiver": f.waiver.id if f.waiver else None,
            "subject": f.subject,
            "annotations": [annotation_record(a) for a in f.annotations],
        },
    }


def render_ocsf(report: Report) -> str:
    lines = []
    for f in [*report.findings, *report.resolved]:
        record = event(report, f)
        record["finding_info"] = {k: v for k, v in record["finding_info"].items() if v is not None}  # type: ignore[attr-defined]
        lines.append(one_line(json.dumps(record, ensure_ascii=False, sort_keys=True)))
    return "\n".join(lines) + ("\n" if lines else "")
