"""What incident tickets say: the Spanish incident report (Res. MITIC 346/2020) and its English version."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # The containment steps of the guide (6.1.1.III, 6.1.5), in the order a responder takes them.
    "ticket.step.passwords": {"es": "Cambiar las contraseñas de la cuenta.", "en": "Change the account's passwords."},
    "ticket.step.sessions": {"es": "Cerrar todas las sesiones abiertas.", "en": "Close every open session."},
    "ticket.step.contact": {
        "es": "Actualizar el correo electrónico y el teléfono asociados.",
        "en": "Update the linked email and phone.",
    },
    "ticket.step.remove": {
        "es": "Quitar el acceso al usuario no autorizado o dado de baja.",
        "en": "Remove the unauthorised or departed user.",
    },
    "ticket.step.roles": {
        "es": "Revisar los roles y permisos de todos los usuarios.",
        "en": "Review every user's roles and permissions.",
    },
    "ticket.step.mitic": {
        "es": "Solicitar asistencia al MITIC para la recuperación de la cuenta (mediosdigitales@mitic.gov.py).",
        "en": "Ask MITIC for account recovery assistance (mediosdigitales@mitic.gov.py).",
    },
    "ticket.step.two_factor": {
        "es": "Restablecer la verificación en dos pasos obligatoria para todos.",
        "en": "Restore two-factor authentication as mandatory for everyone.",
    },
    "ticket.step.report_platform": {
        "es": "Denunciar la cuenta suplantadora a la plataforma.",
        "en": "Report the impersonating account to the platform.",
    },
    "ticket.step.verify": {
        "es": "Solicitar nuevamente la verificación de la cuenta.",
        "en": "Request the account's verification again.",
    },
    "ticket.impact.access": {
        "es": "Una persona no autorizada puede publicar en nombre de la institución, alterar la cuenta o bloquear "
        "a sus administradores.",
        "en": "An unauthorised person can publish on behalf of the institution, alter the account or lock its "
        "administrators out.",
    },
    "ticket.impact.configuration": {
        "es": "La cuenta queda expuesta a la toma de control con una contraseña robada.",
        "en": "The account is exposed to takeover with a stolen password.",
    },
    "ticket.impact.phishing": {
        "es": "Terceros pueden suplantar a la institución ante la ciudadanía.",
        "en": "Third parties can impersonate the institution to citizens.",
    },
    "ticket.impact.default": {
        "es": "Riesgo para la cuenta oficial de la institución.",
        "en": "Risk to the institution's official account.",
    },
    "ticket.action.create": {"es": "Incidente", "en": "Incident"},
    "ticket.action.comment": {"es": "Actualización", "en": "Update"},
    "ticket.action.resolve": {"es": "Resuelto", "en": "Resolved"},
    "ticket.action.reopen": {"es": "Reabierto", "en": "Reopened"},
    "ticket.director": {"es": "Director/a de Comunicación", "en": "Communications director"},
    "ticket.institution": {"es": "Institución", "en": "Institution"},
    "ticket.contact": {"es": "Contacto", "en": "Contact"},
    "ticket.detected": {"es": "Detectado", "en": "Detected"},
    "ticket.platform_account": {"es": "Plataforma y cuenta", "en": "Platform and account"},
    "ticket.rule": {"es": "Regla", "en": "Rule"},
    "ticket.cert": {"es": "Categoría CERT-PY", "en": "CERT-PY category"},
    "ticket.description": {"es": "Descripción", "en": "Description"},
    "ticket.impact": {"es": "Impacto", "en": "Impact"},
    "ticket.containment": {
        "es": "Medidas de contención recomendadas por la guía",
        "en": "Containment steps from the guide",
    },
    "ticket.evidence": {"es": "Evidencia", "en": "Evidence"},
    "ticket.recipient": {"es": "Destinatario", "en": "Recipient"},
    "ticket.deadline": {"es": "plazo", "en": "deadline"},
    "ticket.identifier": {"es": "Identificador", "en": "Identifier"},
    "ticket.run": {"es": "ejecución", "en": "run"},
    # Notes on ticket updates (auditor.tickets.deliver)
    "ticket.note.reopen": {
        "es": "El hallazgo volvió a aparecer: se reabre el incidente.",
        "en": "The finding is back: the incident is reopened.",
    },
    "ticket.note.added": {"es": "Nuevo hallazgo en la misma cuenta.", "en": "New finding on the same account."},
    "ticket.note.evidence": {
        "es": "Hay nueva evidencia sobre el hallazgo.",
        "en": "There is new evidence on the finding.",
    },
    "ticket.note.resolved": {
        "es": "El hallazgo ya no se observa: se cierra el incidente.",
        "en": "The finding is no longer observed: the incident is closed.",
    },
    "ticket.note.one_resolved": {
        "es": "Uno de los hallazgos de la cuenta se resolvió.",
        "en": "One of the account's findings was resolved.",
    },
}
