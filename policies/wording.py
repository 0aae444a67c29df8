"""Words the rules' messages share: how an email address is classed and what the forms' fields are called,
in Spanish (and English where the message has both)."""

from __future__ import annotations

from auditor.model.classify import EmailClass

EMAIL_CLASS_ES = {
    EmailClass.FREE: "proveedor de correo gratuito",
    EmailClass.DISPOSABLE: "proveedor de correo descartable",
    EmailClass.PUBLIC_SECTOR_OTHER: "dominio público de otra institución",
    EmailClass.OTHER: "dominio fuera de la lista de la institución",
    EmailClass.INVALID: "no es una dirección válida",
}
EMAIL_CLASS_EN = {
    EmailClass.FREE: "free email provider",
    EmailClass.DISPOSABLE: "disposable email provider",
    EmailClass.PUBLIC_SECTOR_OTHER: "public-sector domain of another institution",
    EmailClass.OTHER: "domain outside the institution's allowlist",
    EmailClass.INVALID: "not a valid address",
}

FIELD_ES = {
    "display_name": "nombre descriptivo",
    "handle": "nombre del perfil",
    "linked_email": "correo institucional asociado",
    "objective": "objetivo",
    "alternative_handle": "nombre del perfil (alternativa)",
    "authorization.approver_name": "autorización: aclaración de quien firma",
    "authorization.approver_role": "autorización: quién firma (director de comunicación o MAI)",
    "authorization.approver_ci": "autorización: C.I. de quien firma",
    "authorization.date": "autorización: fecha",
    "name": "nombre y apellido",
    "ci": "C.I.",
    "dependency": "dependencia",
    "link_type": "tipo de vínculo",
    "origin_institution": "institución de origen",
    "company": "empresa (razón social)",
    "email": "correo electrónico institucional",
    "mobile": "celular",
    "role": "rol",
    "audience": "público al que se desea llegar",
    "start_date": "fecha de inicio",
    "end_date": "fecha de fin",
    "coordination": "coordinación de contenidos",
    "objectives": "objetivos e indicadores",
}


def fields_es(fields: list[str]) -> str:
    return ", ".join(FIELD_ES.get(f, f) for f in fields)
