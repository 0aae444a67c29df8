"""The Spanish/English message catalogue of the reports: one table, so output is never mixed-language."""

from __future__ import annotations

from typing import Literal

Lang = Literal["es", "en"]

MESSAGES: dict[str, dict[str, str]] = {
    "title": {
        "es": "Auditoría de cuentas oficiales en redes sociales",
        "en": "Audit of official social-media accounts",
    },
    "guide": {
        "es": "Res. MITIC N° 678/2022 — Guía de gestión de cuentas oficiales",
        "en": "MITIC Res. 678/2022 — Guide for managing official accounts",
    },
    "run": {"es": "Ejecución", "en": "Run"},
    "run_time": {"es": "Fecha y hora (America/Asuncion)", "en": "Date and time (America/Asuncion)"},
    "run_type": {"es": "Tipo de ejecución", "en": "Run type"},
    "scope": {"es": "Alcance", "en": "Scope"},
    "scope_all": {"es": "todas las instituciones del inventario", "en": "every institution in the inventory"},
    "previous_run": {"es": "Ejecución anterior", "en": "Previous run"},
    "none": {"es": "ninguna", "en": "none"},
    "summary": {"es": "Resumen por severidad", "en": "Summary by severity"},
    "severity": {"es": "Severidad", "en": "Severity"},
    "open": {"es": "Abiertos", "en": "Open"},
    "waived": {"es": "Exceptuados", "en": "Waived"},
    "coverage": {"es": "Cobertura", "en": "Coverage"},
    "coverage_text": {
        "es": "{evaluated} de {applicable} evaluaciones regla × sujeto realizadas ({ratio:.0%}); "
        "{not_observable} requieren declaración, {errors} con error",
        "en": "{evaluated} of {applicable} rule × subject evaluations performed ({ratio:.0%}); "
        "{not_observable} need attestation, {errors} errored",
    },
    "changes": {"es": "Cambios desde la ejecución anterior", "en": "Changes since the previous run"},
    "institutions": {"es": "Instituciones", "en": "Institutions"},
    "institution": {"es": "Institución", "en": "Institution"},
    "accounts": {"es": "cuentas", "en": "accounts"},
    "people": {"es": "personas", "en": "people"},
    "findings": {"es": "Hallazgos", "en": "Findings"},
    "no_findings": {"es": "Sin hallazgos.", "en": "No findings."},
    "institution_level": {"es": "Registro de personas y excepciones", "en": "People and waivers register"},
    "account": {"es": "Cuenta", "en": "Account"},
    "status": {"es": "Estado", "en": "Status"},
    "rule": {"es": "Regla", "en": "Rule"},
    "message": {"es": "Detalle", "en": "Detail"},
    "guide_ref": {"es": "Referencia de la guía", "en": "Guide reference"},
    "remediation": {"es": "Qué hacer", "en": "What to do"},
    "waiver_note": {
        "es": "Exceptuado por {id} (aprobó {approver}, vence {expires})",
        "en": "Waived by {id} (approved by {approver}, expires {expires})",
    },
    "resolved": {"es": "Resueltos en esta ejecución", "en": "Resolved in this run"},
    "status.new": {"es": "nuevo", "en": "new"},
    "status.persisting": {"es": "persiste", "en": "persisting"},
    "status.regressed": {"es": "reapareció", "en": "regressed"},
    "status.resolved": {"es": "resuelto", "en": "resolved"},
    "status.waived": {"es": "exceptuado", "en": "waived"},
    "severity.critical": {"es": "crítica", "en": "critical"},
    "severity.high": {"es": "alta", "en": "high"},
    "severity.medium": {"es": "media", "en": "medium"},
    "severity.low": {"es": "baja", "en": "low"},
    "severity.info": {"es": "informativa", "en": "info"},
    "run_type.scheduled": {"es": "programada", "en": "scheduled"},
    "run_type.on-demand": {"es": "a pedido", "en": "on demand"},
    "run_type.demo": {"es": "demostración", "en": "demo"},
    "run_type.reevaluation": {"es": "reevaluación", "en": "re-evaluation"},
    "run_status.complete": {"es": "completa", "en": "complete"},
    "run_status.incomplete": {"es": "incompleta", "en": "incomplete"},
    "run_status.aborted": {"es": "abortada", "en": "aborted"},
    "run_status.running": {"es": "en curso", "en": "running"},
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The message for `key` in `lang`; a missing key is a bug, so it raises rather than falls back."""
    text = MESSAGES[key][lang]
    return text.format(**values) if values else text
