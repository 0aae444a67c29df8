"""What people read when they answer the auditor: declarations, annotations, waiver requests, the trail and
the checklist."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "human.bad_ci": {
        "es": "CI inválida «{ci}»: solo dígitos, de 1 a 8, sin dígito verificador",
        "en": "invalid CI {ci!r}: digits only, 1 to 8, no check digit",
    },
    "human.reason_required": {
        "es": "«no aplica» necesita el motivo (--reason)",
        "en": "«no aplica» needs a reason (--reason)",
    },
    "human.valid_before_declared": {
        "es": "la vigencia termina antes de la fecha de la declaración",
        "en": "the validity ends before the declaration's date",
    },
    "human.planned_date_required": {
        "es": "«en tratamiento» necesita la fecha planificada (--planned)",
        "en": "«en tratamiento» needs the planned date (--planned)",
    },
    "human.imported_note": {
        "es": "importada de un archivo de excepciones (aprobada allí por {approver} el {approved})",
        "en": "imported from a waivers file (approved there by {approver} on {approved})",
    },
    "human.unknown_item": {
        "es": "ítem «{item}» desconocido: ver `auditor checklist list`",
        "en": "unknown item {item!r}: see `auditor checklist list`",
    },
    "human.unknown_institution": {"es": "institución «{id}» no registrada", "en": "institution {id!r} not registered"},
    "human.unknown_account": {
        "es": "la cuenta «{id}» no está registrada en {institution}",
        "en": "account {id!r} is not registered in {institution}",
    },
    "human.unknown_person": {
        "es": "la persona «{id}» no está registrada en {institution}",
        "en": "person {id!r} is not registered in {institution}",
    },
    "human.target_required": {
        "es": "{item} se declara para una cuenta (--account) o una persona (--person)",
        "en": "{item} is declared for an account (--account) or a person (--person)",
    },
    "human.person_required": {
        "es": "{item} se declara por persona: falta --person",
        "en": "{item} is declared per person: --person is missing",
    },
    "human.account_required": {
        "es": "{item} se declara por cuenta: falta --account",
        "en": "{item} is declared per account: --account is missing",
    },
    "human.item_not_for_account": {
        "es": "{item} no corresponde a la cuenta {account} ({why})",
        "en": "{item} does not concern account {account} ({why})",
    },
    "human.validity_too_long": {
        "es": "--valid-until {given} supera la vigencia del ítem ({limit}): solo se puede acortar",
        "en": "--valid-until {given} is past the item's validity ({limit}): it can only be shortened",
    },
    "human.document_unreadable": {
        "es": "no se puede leer el documento {path}: {reason}",
        "en": "cannot read document {path}: {reason}",
    },
    "human.role_forbidden": {
        "es": "el rol «{role}» no puede {action} (puede: {allowed})",
        "en": "role {role!r} may not {action} (allowed: {allowed})",
    },
    "human.unknown_finding": {
        "es": "no hay un hallazgo «{fingerprint}» en {institution}",
        "en": "no finding {fingerprint!r} in {institution}",
    },
    "human.legitimate_only_acc001": {
        "es": "«persona legítima» solo se anota en hallazgos ACC-001 (este es {policy})",
        "en": "«persona legítima» is only for ACC-001 findings (this is {policy})",
    },
    "human.unknown_annotation": {"es": "no hay una anotación {id}", "en": "no annotation {id}"},
    "human.not_false_positive": {
        "es": "la anotación {id} no es «resultado incorrecto»: no hay nada que confirmar",
        "en": "annotation {id} is not «resultado incorrecto»: nothing to confirm",
    },
    "human.already_confirmed": {
        "es": "la anotación {id} ya está confirmada",
        "en": "annotation {id} is confirmed already",
    },
    "human.same_person": {
        "es": "quien solicitó no puede {action}: {name} (CI {ci}) solicitó {id}",
        "en": "the requester may not {action}: {name} (CI {ci}) requested {id}",
    },
    "human.unknown_rule": {"es": "regla «{rule}» desconocida", "en": "unknown rule {rule!r}"},
    "human.expiry_too_far": {
        "es": "vencimiento {expires}: como máximo 12 meses ({limit})",
        "en": "expiry {expires}: at most 12 months ({limit})",
    },
    "human.expiry_past": {"es": "vencimiento {expires} ya pasado", "en": "expiry {expires} is past"},
    "human.waiver_exists": {"es": "ya existe la excepción «{id}»", "en": "waiver {id!r} exists already"},
    "human.unknown_waiver": {"es": "no hay una excepción «{id}»", "en": "no waiver {id!r}"},
    "human.waiver_state": {
        "es": "la excepción {id} está «{state}»: no se puede {action}",
        "en": "waiver {id} is {state!r}: cannot {action}",
    },
    "human.protocol_required": {
        "es": "una excepción de INV-014 referencia el protocolo de uso del RSI: --protocol-ref declaracion:<n> "
        "de una declaración CHK-12 «cumple» vigente de la cuenta",
        "en": "an INV-014 waiver references the RSI usage protocol: --protocol-ref declaracion:<n> of a current "
        "CHK-12 «cumple» declaration of the account",
    },
    "human.recorded": {"es": "Registrado: {what} (registro {seq}).", "en": "Recorded: {what} (trail entry {seq})."},
    "human.imported": {
        "es": "Importadas {count} excepciones como aprobadas por {name} (CI {ci}); {skipped} ya existían.",
        "en": "Imported {count} waivers as approved by {name} (CI {ci}); {skipped} existed already.",
    },
    "human.exported": {
        "es": "Exportadas {count} excepciones aprobadas a {path}.",
        "en": "Exported {count} approved waivers to {path}.",
    },
    "human.printed": {"es": "Lista de verificación: {path}", "en": "Checklist: {path}"},
    "human.print_html_only": {
        "es": "No se encontró Chromium para el PDF: se escribió el HTML imprimible {path}.",
        "en": "Chromium was not found for the PDF: wrote the printable HTML {path}.",
    },
    "ticket.false_positive": {
        "es": "Resultado incorrecto confirmado por {by}: {rationale}.",
        "en": "False positive confirmed by {by}: {rationale}.",
    },
    "human.action.declare": {"es": "declarar", "en": "declare"},
    "human.action.annotate": {"es": "anotar hallazgos", "en": "annotate findings"},
    "human.action.confirm": {"es": "confirmar un resultado incorrecto", "en": "confirm a false positive"},
    "human.action.withdraw": {"es": "retirar la anotación de otra persona", "en": "withdraw someone else's annotation"},
    "human.action.request": {"es": "solicitar excepciones", "en": "request waivers"},
    "human.action.decide": {"es": "aprobar, rechazar o revocar excepciones", "en": "approve, reject or revoke waivers"},
    "human.action.import": {"es": "importar excepciones", "en": "import waivers"},
    "checklist.once": {"es": "una vez", "en": "once"},
    "checklist.months": {"es": "{months} meses", "en": "{months} months"},
    "checklist.title": {"es": "Lista de verificación (declaración jurada)", "en": "Checklist (sworn declaration)"},
    "checklist.date": {"es": "Fecha: {date}", "en": "Date: {date}"},
    "checklist.until": {"es": "vigente hasta {date}", "en": "valid until {date}"},
    "checklist.intro": {
        "es": "Obligaciones de la Resolución MITIC 678/2022 que ninguna plataforma muestra. Marque la respuesta, "
        "indique la evidencia y firme; la respuesta se registra con `auditor declare`.",
        "en": "Duties of MITIC Resolution 678/2022 that no platform shows. Tick the answer, give the evidence and "
        "sign; the answer is recorded with `auditor declare`.",
    },
    "checklist.col.account": {"es": "Cuenta", "en": "Account"},
    "checklist.col.item": {"es": "Ítem", "en": "Item"},
    "checklist.col.question": {"es": "Pregunta", "en": "Question"},
    "checklist.col.person": {"es": "Persona", "en": "Person"},
    "checklist.col.current": {"es": "Estado actual", "en": "Current state"},
    "checklist.col.answer": {"es": "Respuesta", "en": "Answer"},
    "checklist.col.evidence": {"es": "Evidencia", "en": "Evidence"},
    "checklist.sign.director": {"es": "Director/a de Comunicación", "en": "Director of Communications"},
    "checklist.sign.rsi": {
        "es": "Responsable de Seguridad de la Información (RSI)",
        "en": "Information Security Officer (RSI)",
    },
    "checklist.sign.fields": {"es": "Nombre, CI y firma", "en": "Name, CI and signature"},
    "attributes": {"es": "Atributos", "en": "Attributes"},
    "declarations": {"es": "Declaraciones vigentes", "en": "Declarations in force"},
    "item": {"es": "Ítem", "en": "Item"},
    "target": {"es": "Cuenta o persona", "en": "Account or person"},
    "answer": {"es": "Respuesta", "en": "Answer"},
    "declared_by": {"es": "Declarado por", "en": "Declared by"},
    "valid_until": {"es": "Vigente hasta", "en": "Valid until"},
    "supersedes": {"es": "reemplaza {n} anterior(es)", "en": "supersedes {n} earlier"},
    "waiver_requests": {"es": "Solicitudes de excepción", "en": "Waiver requests"},
    "requested_by": {"es": "Solicitada por", "en": "Requested by"},
    "decided_by": {"es": "Decidida por", "en": "Decided by"},
    "imported": {"es": "importada", "en": "imported"},
    "overdue_plans": {"es": "Planes vencidos", "en": "Overdue plans"},
    "planned_for": {"es": "planificado para el {date}", "en": "planned for {date}"},
    "overdue": {"es": "VENCIDO", "en": "OVERDUE"},
    "confirmed_by": {"es": "confirmado por {name}", "en": "confirmed by {name}"},
    "unconfirmed": {"es": "sin confirmar por la oficina central", "en": "not yet confirmed by the central office"},
    "withdrawn": {"es": "retirada", "en": "withdrawn"},
    "trail": {"es": "Registro de acciones", "en": "Audit trail"},
    "register.sheet": {"es": "Registro nacional", "en": "National register"},
    "register.institution": {"es": "Institución (id)", "en": "Institution (id)"},
    "register.institution_name": {"es": "Institución", "en": "Institution"},
    "register.ruc": {"es": "RUC", "en": "RUC"},
    "register.platform": {"es": "Red social", "en": "Network"},
    "register.account": {"es": "Cuenta (id)", "en": "Account (id)"},
    "register.handle": {"es": "Nombre del perfil", "en": "Handle"},
    "register.url": {"es": "URL", "en": "URL"},
    "register.kind": {"es": "Tipo de cuenta", "en": "Kind"},
    "register.status": {"es": "Estado registrado", "en": "Registered status"},
    "register.verification": {"es": "Verificación", "en": "Verification"},
    "register.last_audit": {"es": "Última auditoría", "en": "Last audit"},
    "register.open_critical": {"es": "Hallazgos críticos abiertos", "en": "Open critical findings"},
    "register.open_high": {"es": "Hallazgos altos abiertos", "en": "Open high findings"},
    "register.pending_declarations": {"es": "Declaraciones pendientes", "en": "Pending declarations"},
    "register.unknown": {"es": "desconocida", "en": "unknown"},
    "register.never": {"es": "nunca leída", "en": "never read"},
    "register.written": {
        "es": "Registro nacional: {accounts} cuentas de {institutions} instituciones → {paths}",
        "en": "National register: {accounts} accounts of {institutions} institutions → {paths}",
    },
    "forms.written": {
        "es": "Formularios: {accounts} cuentas (A), {people} personas (B) → {paths}",
        "en": "Forms: {accounts} accounts (A), {people} people (B) → {paths}",
    },
    "forms.abm": {
        "es": "Filas ABM a firmar por hallazgos abiertos: {rows}",
        "en": "ABM rows to sign for open findings: {rows}",
    },
    "forms.no_store": {
        "es": "Sin almacén de auditorías: no se incluyen las filas ABM que regularizan hallazgos.",
        "en": "No audit store: the ABM rows that regularise findings are left out.",
    },
    "forms.no_pdf": {
        "es": "No se encontró Chromium: se escribió el HTML imprimible en lugar del PDF.",
        "en": "Chromium was not found: the printable HTML was written instead of the PDF.",
    },
    "declaration_state.missing": {"es": "falta", "en": "missing"},
    "declaration_state.expired": {"es": "vencida", "en": "expired"},
    "declaration_state.contradicted": {"es": "contradicha por la plataforma", "en": "contradicted by the platform"},
    "declaration_state.valid": {"es": "vigente", "en": "valid"},
    "declaration_state.no_cumple": {"es": "no cumple", "en": "does not comply"},
    "declaration_state.no_aplica": {"es": "no aplica", "en": "not applicable"},
    "enum.Answer.cumple": {"es": "cumple", "en": "complies"},
    "enum.Answer.no_cumple": {"es": "no cumple", "en": "does not comply"},
    "enum.Answer.no_aplica": {"es": "no aplica", "en": "not applicable"},
    "enum.AnnotationKind.resultado_incorrecto": {"es": "resultado incorrecto", "en": "false positive"},
    "enum.AnnotationKind.persona_legitima": {"es": "persona legítima", "en": "legitimate person"},
    "enum.AnnotationKind.en_tratamiento": {"es": "en tratamiento", "en": "being treated"},
    "enum.AnnotationKind.comentario": {"es": "comentario", "en": "comment"},
    "enum.WaiverRequestState.solicitada": {"es": "solicitada", "en": "requested"},
    "enum.WaiverRequestState.aprobada": {"es": "aprobada", "en": "approved"},
    "enum.WaiverRequestState.rechazada": {"es": "rechazada", "en": "rejected"},
    "enum.WaiverRequestState.revocada": {"es": "revocada", "en": "revoked"},
}
