"""How an annotation reads beside its finding in every format: «en tratamiento · planificado para el
25/11/2026 — VENCIDO: texto (Diego Rolón (rsi))». Plain text: each format escapes it its own way."""

from __future__ import annotations

from typing import Any

from auditor.i18n import Lang, t, term
from auditor.model.report import ReportAnnotation


def annotation_text(a: ReportAnnotation, lang: Lang) -> str:
    parts = [term(a.kind, lang)]
    if a.planned_date:
        parts.append(t("planned_for", lang, date=a.planned_date.strftime("%d/%m/%Y")))
    if a.kind.value == "resultado_incorrecto":
        parts.append(t("confirmed_by", lang, name=a.confirmed_by) if a.confirmed_by else t("unconfirmed", lang))
    if a.withdrawn:
        parts.append(t("withdrawn", lang))
    overdue = f" — {t('overdue', lang)}" if a.overdue else ""
    return f"{' · '.join(parts)}{overdue}: {a.text} ({a.by})"


def annotation_record(a: ReportAnnotation) -> dict[str, Any]:
    """What machines read of it (CSV's machine dialect, OCSF)."""
    return {
        "id": a.id,
        "kind": a.kind.value,
        "text": a.text,
        "by": a.by,
        "planned_date": a.planned_date.isoformat() if a.planned_date else None,
        "overdue": a.overdue,
        "confirmed_by": a.confirmed_by,
        "in_force": a.in_force,
    }
