"""Formularios A and B out (`auditor forms export`): the register pre-filled on the Annex's forms for the
director to sign, and the ABM rows that regularise what the auditor found, each citing its finding.

The spreadsheets carry the Annex's columns first, then the register's other fields under headers the importer
reads, so an export imports back to the same register (tested). The printable forms carry the Annex's fields
and signature blocks only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditor.app.lookup import open_store, store_path
from auditor.app.people import institution_of
from auditor.app.reporting import chosen_formats
from auditor.config import Config
from auditor.inputs.inventory import load_inventory
from auditor.model import AuthorizedPerson, InstitutionInventory, Platform, RegisteredAccount
from auditor.model.declarations import AnnotationKind
from auditor.model.platforms import PLATFORMS
from auditor.store import Store
from reports.files import private_dir, write_private
from reports.forms import ANNEX_A, ANNEX_B, FormSheet, forms_html, forms_xlsx
from reports.render import write_atomically
from reports.screenshot import print_pdf

FORMATS = ("pdf", "xlsx", "html")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Sí" if value else "No"
    return str(getattr(value, "value", value))


def _listed(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value or "")


def _signer(name: str | None, ci: str | None) -> str:
    return f"{name or ''} / {ci}" if ci else (name or "")


# The register's other fields, after the Annex's columns, under headers the importer maps back.
EXTRA_A: tuple[tuple[str, Callable[[RegisteredAccount], Any]], ...] = (
    ("Identificador", lambda a: a.id),
    ("Tipo de cuenta", lambda a: a.kind),
    ("Estado", lambda a: a.status),
    ("Fecha de estado", lambda a: a.status_date),
    ("Id en la plataforma", lambda a: a.platform_account_id),
    ("Número de teléfono asociado al perfil", lambda a: a.phone),
    ("Control del teléfono", lambda a: a.phone_control),
    ("Plan de posteo", lambda a: a.posting_plan_ref),
    ("Indicadores", lambda a: a.indicators),
    ("Modo de acceso", lambda a: a.login_mode),
    ("Credencial", lambda a: a.credential),
    ("Verificación", lambda a: a.verification.expectation),
    ("Verificación solicitada el", lambda a: a.verification.requested_on),
    ("Público objetivo", lambda a: a.support.audience if a.support else None),
    ("Fecha de inicio", lambda a: a.support.start_date if a.support else None),
    ("Fecha de fin", lambda a: a.support.end_date if a.support else None),
    ("Coordinación", lambda a: a.support.coordination if a.support else None),
    ("Objetivos de apoyo", lambda a: a.support.objectives if a.support else None),
    ("Verificado por TI", lambda a: a.it_check.checked_by if a.it_check else None),
    ("Fecha verificación TI", lambda a: a.it_check.date if a.it_check else None),
    ("Verificación TI", lambda a: a.it_check.reference if a.it_check else None),
    ("Firmante", lambda a: a.authorization.approver_role if a.authorization else None),
    ("Documento de autorización", lambda a: a.authorization.document_ref if a.authorization else None),
)
EXTRA_B: tuple[tuple[str, Callable[[AuthorizedPerson], Any]], ...] = (
    ("Identificador", lambda p: p.id),
    ("Empresa", lambda p: p.company),
    ("Contrato de confidencialidad", lambda p: p.confidentiality_contract),
    ("Términos de uso", lambda p: p.terms_of_use),
    ("Estado", lambda p: p.status),
    ("Fecha de baja", lambda p: p.status_date),
    ("Documento de autorización", lambda p: p.authorization.document_ref if p.authorization else None),
)


def network_name(account: RegisteredAccount) -> str:
    if account.platform is Platform.OTHER and account.network_name:
        return account.network_name
    return PLATFORMS[account.platform].name


def account_label(account: RegisteredAccount | None, fallback: str) -> str:
    """How a person names an account on paper: «@mpruebapy (Facebook)»."""
    if account is None:
        return fallback
    return (
        f"@{account.handle} ({network_name(account)})" if account.handle else f"{account.id} ({network_name(account)})"
    )


def form_a_row(a: RegisteredAccount) -> dict[str, str]:
    auth = a.authorization
    row = {
        "Tipo de acción solicitada": "Alta",
        "Descripción de la cuenta": a.display_name,
        "Nombre del perfil": a.handle,
        "Nombre del perfil (alternativa)": a.alternative_handle,
        "Cuenta de correo institucional asociada al perfil (solo institucional)": a.linked_email,
        "Nombre de la Red Social": network_name(a),
        "Objetivo": a.objective,
        "Otros datos": "",
        "Aclaración/C.I.": _signer(auth.approver_name, auth.approver_ci) if auth else "",
        "Fecha": auth.date if auth else None,
    }
    row.update({header: get(a) for header, get in EXTRA_A})
    return {k: _text(v) for k, v in row.items()}


def form_b_rows(p: AuthorizedPerson, inst: InstitutionInventory, *, for_people: bool = False) -> list[dict[str, str]]:
    """One row per account the person may use (one row without account when none): the account by id in the
    spreadsheet (exact), by «@handle (Red)» on paper (`for_people`)."""
    auth = p.authorization
    base = {
        "Tipo de acción solicitada": "Alta",
        "Nombre y Apellido": p.name,
        "CI": p.ci,
        "Dependencia": p.dependency,
        "Tipo vínculo (nombrado, contratado, comisionado, pasante, etc.)": p.link_type,
        "Institución de origen (si aplica)": p.origin_institution,
        "Correo electrónico institucional": p.email,
        "Celular": p.mobile,
        "Otros datos": "",
        "Obs.": "",
        "Aclaración/C.I.": _signer(auth.approver_name, auth.approver_ci) if auth else "",
        "Fecha": auth.date if auth else None,
        **{header: get(p) for header, get in EXTRA_B},
    }
    rows = []
    for access in p.access or [None]:  # type: ignore[list-item]
        row = dict(base)
        if access is not None:
            named = account_label(inst.account(access.account), access.account) if for_people else access.account
            row.update(
                {
                    "Perfil y cuentas autorizadas": named,
                    "Roles": access.role,
                    "Punto de contacto": access.contact_point,
                    "Id en la plataforma": access.platform_user_id,
                }
            )
        rows.append({k: _text(v) for k, v in row.items()})
    return rows


def headers(annex: tuple[str, ...], extra: tuple[tuple[str, Any], ...], more: tuple[str, ...] = ()) -> list[str]:
    return [*annex, *(h for h, _ in extra), *more]


@dataclass
class Abm:
    """The rows the institution signs to regularise what the audit found (empty without a store)."""

    form_a: list[dict[str, str]] = field(default_factory=list)
    form_b: list[dict[str, str]] = field(default_factory=list)
    available: bool = False


def abm_rows(store: Store, inst: InstitutionInventory) -> Abm:
    """Baja for each departed person still holding access (ACC-003), Alta for a member annotated «persona
    legítima» (ACC-001), Modif. for each handle or linked-email drift (IDN-002, AUT-005): each row cites its
    finding in «Obs.»/«Otros datos»."""
    abm = Abm(available=True)
    legit = {
        a.fingerprint
        for a in store.human_state().annotations.values()
        if a.kind is AnnotationKind.LEGITIMATE_PERSON and a.in_force
    }
    people = {p.id: p for p in inst.people}
    for f in store.findings(status="open", institution=inst.institution.id):
        cite = f"{f.policy_id} {f.fingerprint[:12]}"
        account = inst.account(f.account) if f.account else None
        label = account_label(account, f.account or "")
        if f.policy_id == "ACC-003":
            person = people.get(str(f.evidence.get("person") or ""))
            abm.form_b.append(
                {
                    "Tipo de acción solicitada": "Baja",
                    "Nombre y Apellido": person.name or "" if person else str(f.evidence.get("member") or ""),
                    "CI": (person.ci or "") if person else "",
                    "Perfil y cuentas autorizadas": label,
                    "Obs.": f"{cite}: {f.message_es}",
                }
            )
        elif f.policy_id == "ACC-001" and f.fingerprint in legit:
            abm.form_b.append(
                {
                    "Tipo de acción solicitada": "Alta",
                    "Nombre y Apellido": str(f.evidence.get("name") or f.evidence.get("member") or ""),
                    "Correo electrónico institucional": str(f.evidence.get("email") or ""),
                    "Perfil y cuentas autorizadas": label,
                    "Roles": str(f.evidence.get("role") or ""),
                    "Obs.": f"{cite}: persona legítima — {f.message_es}",
                }
            )
        elif f.policy_id in ("IDN-002", "AUT-005") and account is not None:
            changed = (
                "Nombre del perfil"
                if f.policy_id == "IDN-002"
                else ("Cuenta de correo institucional asociada al perfil (solo institucional)")
            )
            abm.form_a.append(
                {
                    "Tipo de acción solicitada": "Modif.",
                    "Descripción de la cuenta": account.display_name or "",
                    "Nombre de la Red Social": network_name(account),
                    changed: _listed(f.evidence.get("observed") or f.evidence.get("after")),
                    "Otros datos": f"{cite}: {f.message_es}",
                }
            )
    return abm


@dataclass(frozen=True)
class FormsExport:
    paths: list[Path]
    accounts: int
    people: int
    abm_rows: int
    abm_available: bool
    pdf_missing: bool = False


def _register(
    config: Config, inventory_paths: tuple[str, ...], db: Path | None, institution: str
) -> InstitutionInventory:
    configured = [str(p) for p in config.inventory.paths if Path(p).exists()]
    if inventory_paths or configured:
        return institution_of(load_inventory(list(inventory_paths) or configured), institution)
    with open_store(config, db) as store:
        return institution_of(store.load_inventory(), institution)


def export_forms(
    config: Config,
    institution: str,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    inventory_paths: tuple[str, ...] = (),
    db: Path | None = None,
) -> FormsExport:
    formats = tuple(chosen_formats(formats, FORMATS))
    inst = _register(config, inventory_paths, db, institution)
    abm = Abm()
    if store_path(config, db).exists():
        with open_store(config, db) as store:
            abm = abm_rows(store, inst)
    sheet_a = FormSheet("Formulario A", headers(ANNEX_A, EXTRA_A), [form_a_row(a) for a in inst.accounts])
    more_b = ("Punto de contacto", "Id en la plataforma")
    sheet_b = FormSheet(
        "Formulario B", headers(ANNEX_B, EXTRA_B, more_b), [r for p in inst.people for r in form_b_rows(p, inst)]
    )
    folder = private_dir(out)
    paths: list[Path] = []
    name = inst.institution.id
    if "xlsx" in formats:
        for sheet, stem in ((sheet_a, "formulario-a"), (sheet_b, "formulario-b")):
            path = folder / f"{stem}-{name}.xlsx"
            write_atomically(path, forms_xlsx(sheet))
            paths.append(path)
        if abm.form_a or abm.form_b:
            for rows, annex, stem in (
                (abm.form_a, ANNEX_A, "abm-formulario-a"),
                (abm.form_b, ANNEX_B, "abm-formulario-b"),
            ):
                if rows:
                    path = folder / f"{stem}-{name}.xlsx"
                    write_atomically(path, forms_xlsx(FormSheet(stem, list(annex), rows)))
                    paths.append(path)
    pdf_missing = False
    if "html" in formats or "pdf" in formats:
        people_rows = [r for p in inst.people for r in form_b_rows(p, inst, for_people=True)]
        html = forms_html(
            inst.institution.name,
            [form_a_row(a) for a in inst.accounts],
            people_rows,
            abm.form_a,
            abm.form_b,
            abm.available,
        )
        html_path = folder / f"formularios-{name}.html"
        write_private(html_path, html)
        if "html" in formats:
            paths.append(html_path)
        if "pdf" in formats:
            try:
                paths.append(print_pdf(html_path, folder / f"formularios-{name}.pdf"))
            except RuntimeError:
                pdf_missing = True
                if html_path not in paths:
                    paths.append(html_path)
    return FormsExport(
        paths, len(inst.accounts), len(inst.people), len(abm.form_a) + len(abm.form_b), abm.available, pdf_missing
    )
