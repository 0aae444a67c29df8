"""What people read in the web application (`auditor serve`) and of its users (`auditor users`)."""

from __future__ import annotations


def _m(es: str, en: str) -> dict[str, str]:
    return {"es": es, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "finding": _m("Hallazgo", "Finding"),
    "lookup.kind.user": _m("el usuario", "user"),
    "enum.UserRole.central": _m("oficina central", "central office"),
    "enum.UserRole.rsi": _m("RSI", "RSI"),
    "enum.UserRole.director": _m("director de comunicación", "communications director"),
    "enum.UserRole.lector": _m("lector", "reader"),
    # users and signing in
    "web.password_short": _m(
        "la contraseña necesita al menos {n} caracteres", "the password needs at least {n} characters"
    ),
    "web.central_no_institution": _m(
        "un usuario «central» ve todas las instituciones: no lleva --institution",
        "a «central» user sees every institution: no --institution",
    ),
    "web.institution_required": _m(
        "un usuario «{role}» necesita al menos una --institution", "a «{role}» user needs at least one --institution"
    ),
    "web.ci_required": _m(
        "un usuario «{role}» actúa en nombre propio: falta su --ci",
        "a «{role}» user acts in their own name: --ci missing",
    ),
    "web.user_exists": _m("el usuario «{username}» ya existe", "user {username!r} already exists"),
    "web.sign_in_refused": _m(
        "Usuario o contraseña incorrectos, o demasiados intentos: espere unos minutos y vuelva a intentar.",
        "Wrong user name or password, or too many attempts: wait a few minutes and try again.",
    ),
    "web.code_wrong": _m(
        "El código no es válido (o hubo demasiados intentos).", "The code is not valid (or too many attempts)."
    ),
    "web.sign_in_needed": _m("Inicie sesión.", "Sign in."),
    "web.second_factor_setup": _m(
        "Configure primero su segundo factor en /account.", "Set up your second factor at /account first."
    ),
    "web.not_found": _m("No encontrado.", "Not found."),
    "web.no_store": _m("Todavía no hay datos: ejecute una auditoría.", "No data yet: run an audit."),
    "web.read_only": _m("Su rol solo permite leer.", "Your role may only read."),
    "web.csrf": _m(
        "La solicitud no llevaba el token de la sesión (o venía de otro sitio). Recargue la página.",
        "The request lacked the session's token (or came from another site). Reload the page.",
    ),
    "web.bad_request": _m("Solicitud no válida.", "Invalid request."),
    "web.method_not_allowed": _m("Esta dirección no acepta ese método.", "This address does not take that method."),
    "web.bad_date": _m("fecha no válida «{value}» (AAAA-MM-DD)", "invalid date {value!r} (YYYY-MM-DD)"),
    "web.expires_required": _m("falta la fecha de vencimiento", "the expiry date is missing"),
    # layout
    "web.app": _m("Auditor de cuentas oficiales", "Official accounts auditor"),
    "web.nav.overview": _m("Panorama", "Overview"),
    "web.nav.approvals": _m("Aprobaciones", "Approvals"),
    "web.nav.runs": _m("Ejecuciones", "Runs"),
    "web.nav.account": _m("Mi cuenta", "My account"),
    "web.nav.findings": _m("Hallazgos", "Findings"),
    "web.nav.checklist": _m("Lista de verificación", "Checklist"),
    "web.nav.downloads": _m("Formularios", "Forms"),
    "web.sign_out": _m("Cerrar sesión", "Sign out"),
    "web.footer": _m(
        "MITIC Res. 678/2022 · Lo que una plataforma no muestra figura como «desconocido», nunca como cumplido.",
        "MITIC Res. 678/2022 · What a platform does not show is «unknown», never compliant.",
    ),
    "web.error_title": _m("Error {status}", "Error {status}"),
    "web.back_home": _m("Volver al inicio", "Back to the start"),
    "web.back_dashboard": _m("Volver al tablero", "Back to the dashboard"),
    "web.sign_in": _m("Iniciar sesión", "Sign in"),
    "web.username": _m("Usuario", "User name"),
    "web.password": _m("Contraseña", "Password"),
    "web.code_title": _m("Segundo factor", "Second factor"),
    "web.code": _m("Código", "Code"),
    "web.code_help": _m(
        "El código de 6 dígitos de su aplicación de autenticación, o uno de sus códigos de recuperación.",
        "The 6-digit code of your authenticator app, or one of your recovery codes.",
    ),
    "web.continue": _m("Continuar", "Continue"),
    # pages
    "web.overview_title": _m("Panorama nacional", "National overview"),
    "web.latest_run": _m("Última ejecución #{id}, {when}", "Latest run #{id}, {when}"),
    "web.no_run": _m("Todavía no hay ejecuciones registradas.", "No run recorded yet."),
    "web.not_audited": _m(
        "Sin auditar: ninguna ejecución la revisó todavía.", "Not audited: no run has checked it yet."
    ),
    "web.register": _m("Registro nacional", "National register"),
    "web.incomplete": _m(
        "Ejecución incompleta: los números no cubren todo.", "Incomplete run: the numbers do not cover everything."
    ),
    "web.waived_n": _m("{n} exceptuados", "{n} waived"),
    "web.priority": _m("Críticos e incidentes abiertos", "Open critical findings and incidents"),
    "web.no_priority": _m("Ninguno abierto.", "None open."),
    "web.no_priority_partial": _m(
        "Ninguno abierto entre lo que se pudo evaluar ({ratio}): no es un «todo en orden».",
        "None open among what could be evaluated ({ratio}): not an «all clear».",
    ),
    "web.age": _m("Antigüedad", "Age"),
    "web.ticket": _m("Ticket", "Ticket"),
    "web.none": _m("Ninguno.", "None."),
    "web.items_pending": _m("Ítems pendientes", "Pending items"),
    "web.decl_state.missing": _m("sin declarar", "not declared"),
    "web.decl_state.expired": _m("vencida", "expired"),
    "web.decl_state.contradicted": _m("contradicha", "contradicted"),
    "web.decl_state.no_cumple": _m("no cumple", "does not comply"),
    "web.decl_state.valid": _m("vigente", "valid"),
    "web.attributes_n": _m("{n} atributos", "{n} attributes"),
    "web.answer_checklist": _m("Responder la lista de verificación", "Answer the checklist"),
    "web.rule": _m("Regla", "Rule"),
    "web.platform": _m("Plataforma", "Platform"),
    "web.annotation": _m("Anotación", "Annotation"),
    "web.no_annotation": _m("sin anotación", "no annotation"),
    "web.filter": _m("Filtrar", "Filter"),
    "web.shown_n": _m("{n} hallazgos", "{n} findings"),
    "web.record_status.open": _m("abierto", "open"),
    "web.record_status.waived": _m("exceptuado", "waived"),
    "web.record_status.resolved": _m("resuelto", "resolved"),
    "web.annotations": _m("Anotaciones", "Annotations"),
    "web.kind": _m("Tipo", "Kind"),
    "web.text": _m("Texto", "Text"),
    "web.by": _m("Por", "By"),
    "web.confirm": _m("Confirmar", "Confirm"),
    "web.withdraw": _m("Retirar", "Withdraw"),
    "web.annotate": _m("Anotar este hallazgo", "Annotate this finding"),
    "web.planned": _m("Fecha planificada (en tratamiento)", "Planned date (in treatment)"),
    "web.save": _m("Guardar", "Save"),
    "web.request_waiver": _m("Solicitar una excepción", "Request a waiver"),
    "web.waiver_scope": _m(
        "Regla {rule}, cuenta {account}, sujeto {subject}. La decide la oficina central.",
        "Rule {rule}, account {account}, subject {subject}. The central office decides it.",
    ),
    "web.rationale": _m("Justificación", "Rationale"),
    "web.expires": _m("Vence", "Expires"),
    "web.protocol_ref": _m("Protocolo de uso del RSI (declaración CHK-12)", "RSI usage protocol (CHK-12 declaration)"),
    "web.send_request": _m("Enviar solicitud", "Send request"),
    "web.history": _m("Historia en las ejecuciones", "History across runs"),
    "web.run": _m("Ejecución", "Run"),
    "web.when": _m("Cuándo", "When"),
    "web.tickets": _m("Tickets de incidente", "Incident tickets"),
    "web.action": _m("Acción", "Action"),
    "web.sink": _m("Destino", "Sink"),
    "web.reference": _m("Referencia", "Reference"),
    "web.object": _m("Objeto", "Object"),
    "web.checklist_help": _m(
        "Cada respuesta es una declaración jurada en su nombre y queda en el registro de acciones.",
        "Each answer is a sworn declaration in your name and is kept in the audit trail.",
    ),
    "web.item": _m("Ítem", "Item"),
    "web.question": _m("Pregunta", "Question"),
    "web.declare": _m("Declarar", "Declare"),
    "web.answer": _m("Respuesta", "Answer"),
    "web.evidence_hint": _m("evidencia (opcional)", "evidence (optional)"),
    "web.reason_hint": _m("motivo (si no aplica)", "reason (if not applicable)"),
    "web.approvals_readonly": _m(
        "Solo la oficina central decide; aquí ve lo que espera de su institución.",
        "Only the central office decides; here you see what waits for your institution.",
    ),
    "web.waiver_requests": _m("Excepciones solicitadas", "Waiver requests"),
    "web.false_positives": _m("Resultados incorrectos por confirmar", "False positives to confirm"),
    "web.waivers_in_force": _m("Excepciones vigentes", "Waivers in force"),
    "web.approve": _m("Aprobar", "Approve"),
    "web.reject": _m("Rechazar", "Reject"),
    "web.revoke": _m("Revocar", "Revoke"),
    "web.note": _m("nota (opcional)", "note (optional)"),
    "web.decided_by": _m("Decidida por", "Decided by"),
    "web.file.formulario-a.xlsx": _m("Formulario A (XLSX)", "Form A (XLSX)"),
    "web.file.formulario-b.xlsx": _m("Formulario B (XLSX)", "Form B (XLSX)"),
    "web.file.formularios.html": _m(
        "Formularios A y B para imprimir y firmar (HTML)", "Forms A and B to print and sign (HTML)"
    ),
    "web.run_type": _m("Tipo", "Type"),
    "web.evaluated": _m("Evaluadas", "Evaluated"),
    "web.not_observable": _m("No observables", "Not observable"),
    "web.errors": _m("Errores", "Errors"),
    "web.name": _m("Nombre", "Name"),
    "web.role": _m("Rol", "Role"),
    "web.institutions": _m("Instituciones", "Institutions"),
    "web.all_institutions": _m("todas", "all"),
    "web.second_factor": _m("Segundo factor (TOTP)", "Second factor (TOTP)"),
    "web.second_factor_on": _m(
        "Activado. Le quedan {n} códigos de recuperación.", "On. You have {n} recovery codes left."
    ),
    "web.second_factor_required": _m(
        "La oficina central debe usar un segundo factor: configúrelo para continuar.",
        "The central office must use a second factor: set it up to continue.",
    ),
    "web.second_factor_offer": _m(
        "Recomendado: pida un código de su teléfono además de la contraseña.",
        "Recommended: ask for a code from your phone besides the password.",
    ),
    "web.second_factor_setup_button": _m("Configurar el segundo factor", "Set up the second factor"),
    "web.second_factor_steps": _m(
        "Agregue esta clave en su aplicación de autenticación (FreeOTP, Aegis, Google Authenticator…) y escriba "
        "el código que muestra.",
        "Add this key to your authenticator app (FreeOTP, Aegis, Google Authenticator…) and type the code it shows.",
    ),
    "web.recovery_codes": _m("Códigos de recuperación", "Recovery codes"),
    "web.recovery_codes_help": _m(
        "Guárdelos ahora en un lugar seguro: no se vuelven a mostrar. Cada uno sirve una vez si pierde el "
        "teléfono. Sus otras sesiones se cerraron.",
        "Keep them now somewhere safe: they are not shown again. Each works once if you lose your phone. Your "
        "other sessions were closed.",
    ),
    "web.sign_in_again": _m("Iniciar sesión de nuevo", "Sign in again"),
    "web.digest": _m("Resumen diario por correo", "Daily email digest"),
    "web.digest_label": _m("Recibir el resumen diario", "Receive the daily digest"),
    "web.ok.declared": _m("Declaración registrada.", "Declaration recorded."),
    "web.ok.annotated": _m("Anotación registrada.", "Annotation recorded."),
    "web.ok.requested": _m(
        "Solicitud de excepción enviada a la oficina central.", "Waiver request sent to the central office."
    ),
    "web.ok.approved": _m("Excepción aprobada.", "Waiver approved."),
    "web.ok.rejected": _m("Excepción rechazada.", "Waiver rejected."),
    "web.ok.revoked": _m("Excepción revocada.", "Waiver revoked."),
    "web.ok.confirmed": _m("Resultado incorrecto confirmado.", "False positive confirmed."),
    "web.ok.withdrawn": _m("Anotación retirada.", "Annotation withdrawn."),
    "web.ok.digest": _m("Preferencia guardada.", "Preference saved."),
    # the daily digest
    "digest.new_critical": _m(
        "Nuevo hallazgo crítico {rule} en {account}: {text}", "New critical finding {rule} on {account}: {text}"
    ),
    "digest.pending": _m(
        "{n} cuentas con declaraciones pendientes en la lista de verificación",
        "{n} accounts with checklist declarations pending",
    ),
    "digest.plan_overdue": _m("Plan de {rule} vencido el {date}", "Plan for {rule} overdue since {date}"),
    "digest.plan_soon": _m("Plan de {rule} vence el {date}", "Plan for {rule} due on {date}"),
    "digest.declaration_soon": _m(
        "La declaración {item} de {target} vence el {date}", "Declaration {item} of {target} expires on {date}"
    ),
    "digest.waiver_waiting": _m(
        "Excepción {id} ({institution}, {rule}) espera su decisión",
        "Waiver {id} ({institution}, {rule}) waits for your decision",
    ),
    "digest.fp_waiting": _m(
        "Resultado incorrecto #{id} ({institution}, {rule}) espera su confirmación",
        "False positive #{id} ({institution}, {rule}) waits for your confirmation",
    ),
    "digest.no_email_sink": _m(
        "no hay un destino de correo configurado (tickets.sinks con type: email)",
        "no email sink configured (tickets.sinks with type: email)",
    ),
    "digest.central": _m("oficina central", "central office"),
    "digest.subject": _m(
        "Auditor de cuentas oficiales — {who}: {n} pendientes", "Official accounts auditor — {who}: {n} pending"
    ),
    "digest.intro": _m("Lo que le espera hoy en el auditor:", "What waits for you in the auditor today:"),
    "digest.footer": _m(
        "Puede desactivar este resumen en «Mi cuenta» de la aplicación web.",
        "You can turn this digest off in «My account» of the web application.",
    ),
}
