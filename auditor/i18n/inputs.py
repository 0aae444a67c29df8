"""What input errors say: problems in the inventory, profile, waivers and configuration files. Each is
shown after its `file:line: field:` location; the field path stays as written in the file."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # Reading files (auditor.inputs.sources)
    "inputs.cannot_read": {"es": "no se puede leer el archivo: {reason}", "en": "cannot read file: {reason}"},
    "inputs.too_large": {
        "es": "el archivo tiene {size:,} bytes, más que el límite de {limit:,}",
        "en": "file is {size:,} bytes, larger than the {limit:,}-byte limit",
    },
    "inputs.not_xlsx": {
        "es": "no es un libro XLSX legible: {reason}",
        "en": "not a readable XLSX workbook: {reason}",
    },
    "inputs.too_many_rows": {"es": "más de {limit:,} filas", "en": "more than {limit:,} rows"},
    "inputs.two_actions": {
        "es": "más de una acción marcada en la fila (Alta, Baja o Modif.: una sola)",
        "en": "more than one action marked on the row (Alta, Baja or Modif.: only one)",
    },
    "inputs.unknown_action": {
        "es": "acción «{value}» desconocida: Alta, Baja o Modif.",
        "en": "unknown action {value!r}: Alta, Baja or Modif.",
    },
    "inputs.alta_twice": {
        "es": "la cuenta «{id}» ya está registrada: para cambiarla, una fila «Modif.»",
        "en": "account {id!r} is registered already: to change it, a «Modif.» row",
    },
    "inputs.abm_unknown_account": {
        "es": "«{action}» de una cuenta que no está registrada (se busca por id, red y nombre del perfil, o "
        "descripción)",
        "en": "«{action}» of an account that is not registered (looked up by id, network and handle, or description)",
    },
    "inputs.abm_unknown_person": {
        "es": "«{action}» de una persona que no está registrada (se busca por CI)",
        "en": "«{action}» of a person who is not registered (looked up by CI)",
    },
    "inputs.abm_needs_date": {
        "es": "una fila «{action}» necesita la Fecha de su autorización",
        "en": "a «{action}» row needs its authorisation's Fecha",
    },
    "inputs.access_ambiguous": {
        "es": "«{name}» puede ser más de una cuenta: {choices}; indicar la red, p. ej. «@perfil (Facebook)»",
        "en": "{name!r} could be more than one account: {choices}; name the network, e.g. «@handle (Facebook)»",
    },
    "inputs.empty_file": {"es": "el archivo está vacío", "en": "file is empty"},
    "inputs.nul_byte": {
        "es": "el archivo contiene un byte NUL: no es un archivo de texto",
        "en": "file contains a NUL byte: not a text file",
    },
    "inputs.not_utf8": {"es": "el archivo no es UTF-8 válido", "en": "file is not valid UTF-8"},
    "inputs.not_text": {
        "es": "el archivo no es texto UTF-8 ni Windows-1252",
        "en": "file is neither UTF-8 nor Windows-1252 text",
    },
    "inputs.too_many_values": {
        "es": "el documento tiene más de {limit:,} valores",
        "en": "document has more than {limit:,} values",
    },
    "inputs.too_deep": {"es": "anidamiento de más de {limit} niveles", "en": "nesting deeper than {limit}"},
    "inputs.nesting": {"es": "anidamiento demasiado profundo", "en": "nesting too deep"},
    "inputs.tag": {
        "es": "valor inválido: la etiqueta {tag} no está permitida",
        "en": "invalid value: tag {tag} is not allowed",
    },
    "inputs.merge_keys": {"es": "no se permiten claves de fusión (<<)", "en": "merge keys (<<) are not allowed"},
    "inputs.plain_keys": {"es": "las claves deben ser texto simple", "en": "keys must be plain text"},
    "inputs.duplicate_key": {"es": "clave repetida", "en": "duplicate key"},
    "inputs.invalid_value": {"es": "valor inválido: {reason}", "en": "invalid value: {reason}"},
    "inputs.yaml_syntax": {"es": "sintaxis YAML: {reason}", "en": "YAML syntax: {reason}"},
    "inputs.yaml": {"es": "YAML: {reason}", "en": "YAML: {reason}"},
    "inputs.csv": {"es": "CSV: {reason}", "en": "CSV: {reason}"},
    # Validation (pydantic error types), without regexes or Python words
    "inputs.missing": {"es": "falta (es obligatorio)", "en": "missing (required)"},
    "inputs.unknown_field": {"es": "campo desconocido", "en": "unknown field"},
    "inputs.bad_date": {
        "es": "fecha inválida: use AAAA-MM-DD (en CSV también dd/mm/aaaa)",
        "en": "invalid date: use YYYY-MM-DD (in CSV also dd/mm/yyyy)",
    },
    "inputs.bad_choice": {
        "es": "valor no permitido; use uno de: {choices}",
        "en": "not allowed; use one of: {choices}",
    },
    "inputs.bad_bool": {"es": "use sí o no", "en": "use yes or no"},
    "inputs.bad_int": {"es": "debe ser un número entero", "en": "must be a whole number"},
    "inputs.bad_number": {"es": "debe ser un número", "en": "must be a number"},
    "inputs.bad_text": {"es": "debe ser un texto", "en": "must be text"},
    "inputs.bad_list": {"es": "debe ser una lista", "en": "must be a list"},
    "inputs.bad_mapping": {"es": "debe ser un conjunto de campos (clave: valor)", "en": "must be a set of fields"},
    "inputs.too_long": {"es": "demasiado largo (máximo {max} caracteres)", "en": "too long (at most {max} characters)"},
    "inputs.too_short": {"es": "no puede estar vacío", "en": "must not be empty"},
    "inputs.bad_slug": {
        "es": "identificador inválido: use minúsculas, números, «-» y «_» (hasta 64, empezando por letra o número)",
        "en": "invalid id: use lowercase letters, digits, '-' and '_' (up to 64, starting with a letter or digit)",
    },
    "inputs.bad_rule_id": {
        "es": "id de regla inválido: use la forma INV-001",
        "en": "invalid rule id: use the form INV-001",
    },
    "inputs.bad_format": {"es": "formato inválido", "en": "invalid format"},
    "inputs.invalid": {"es": "valor inválido", "en": "invalid value"},
    "inputs.got": {"es": "{message} (se recibió {value})", "en": "{message} (got {value})"},
    # Model validators
    "inputs.ruc_format": {
        "es": "el RUC debe tener la forma 80000035-8 (dígitos, un guion y el dígito verificador)",
        "en": "RUC must look like 80000035-8 (digits, a dash, a check digit)",
    },
    "inputs.ruc_check_digit": {
        "es": "el dígito verificador del RUC es incorrecto (debería ser {expected})",
        "en": "RUC check digit is wrong (expected {expected})",
    },
    "inputs.bad_contact_email": {
        "es": "debe ser una sola dirección de correo (nombre@dominio), sin listas, nombres ni saltos de línea",
        "en": "must be one email address (name@domain): no list, display name or line break",
    },
    "inputs.needs_tls": {
        "es": "«{url}» llevaría credenciales sin cifrar: use https (http solo hacia esta misma máquina)",
        "en": "{url} would carry credentials in clear text: use https (http only to this machine)",
    },
    "inputs.smtp_needs_tls": {
        "es": "una contraseña SMTP exige starttls = true o implicit_tls = true",
        "en": "an SMTP password requires starttls = true or implicit_tls = true",
    },
    "inputs.bad_handle": {
        "es": "no es un nombre de perfil posible en {platform}: {rule}",
        "en": "not a possible handle on {platform}: {rule}",
    },
    "inputs.foreign_letters": {
        "es": "; contiene letras de otro alfabeto que se ven iguales: {letters}",
        "en": "; it holds look-alike letters of another script: {letters}",
    },
    "handle_rule.x": {
        "es": "de 1 a 15 caracteres, solo letras sin acentos, números y «_»",
        "en": "1 to 15 characters, only letters A-Z, digits and «_»",
    },
    "handle_rule.instagram": {
        "es": "de 1 a 30 caracteres, solo letras sin acentos, números, «.» y «_»",
        "en": "1 to 30 characters, only letters A-Z, digits, «.» and «_»",
    },
    "handle_rule.facebook": {
        "es": "de 5 a 50 caracteres, solo letras sin acentos, números y «.» (sin «_» ni «-»)",
        "en": "5 to 50 characters, only letters A-Z, digits and «.» (no «_» or «-»)",
    },
    "handle_rule.tiktok": {
        "es": "de 2 a 24 caracteres, solo letras sin acentos, números, «.» y «_»",
        "en": "2 to 24 characters, only letters A-Z, digits, «.» and «_»",
    },
    "handle_rule.youtube": {
        "es": "de 3 a 30 caracteres: letras, números, «_», «-» y «.» (sin espacios ni «/»)",
        "en": "3 to 30 characters: letters, digits, «_», «-» and «.» (no spaces or «/»)",
    },
    "handle_rule.linkedin": {
        "es": "letras, números, «_», «-» y «.» (sin espacios ni «/»), hasta 100 caracteres",
        "en": "letters, digits, «_», «-» and «.» (no spaces or «/»), up to 100 characters",
    },
    "inputs.not_a_domain": {"es": "«{value}» no es un nombre de dominio", "en": "{value!r} is not a domain name"},
    "inputs.end_before_start": {
        "es": "la fecha de fin {end} es anterior a la de inicio {start}",
        "en": "end_date {end} is before start_date {start}",
    },
    "inputs.expires_before_approval": {
        "es": "vence ({expires}) antes de haber sido aprobada ({approved})",
        "en": "expires {expires} is before approved_on {approved}",
    },
    "inputs.credential_ref": {
        "es": "indique exactamente uno: `env` (nombre de la variable) o `file` (ruta)",
        "en": "give exactly one of `env` (variable name) or `file` (path)",
    },
    "inputs.cron": {"es": "no es una expresión cron ({reason})", "en": "not a cron expression ({reason})"},
    "inputs.timezone": {"es": "zona horaria desconocida «{value}»", "en": "unknown time zone {value!r}"},
    # Inventory files (auditor.inputs.inventory, form_csv, crosscheck)
    "inputs.csv_empty": {"es": "el archivo está vacío", "en": "file is empty"},
    "inputs.csv_kind": {
        "es": "no se puede saber si este CSV tiene cuentas (necesita una columna «Red social») o personas (una "
        "columna «CI»)",
        "en": "cannot tell whether this CSV holds accounts (needs a 'Red social' column) or people (needs a 'CI' "
        "column)",
    },
    "inputs.unknown_column": {"es": "columna desconocida", "en": "unknown column"},
    "inputs.column_twice": {"es": "la columna aparece dos veces", "en": "column appears twice"},
    "inputs.no_ci": {
        "es": "falta: una persona necesita su CI (o un id)",
        "en": "missing: a person needs a CI (or an id)",
    },
    "inputs.not_a_ci": {
        "es": "«{value}» no identifica a la persona (una cédula son dígitos, con o sin puntos)",
        "en": "{value!r} cannot identify the person (a cédula is digits, with or without dots)",
    },
    "inputs.contradicts": {
        "es": "«{value}» contradice «{earlier}», dado para la misma persona en una fila anterior",
        "en": "{value!r} contradicts {earlier!r} given for the same person on an earlier row",
    },
    "inputs.needs_institution": {
        "es": "un archivo de institución necesita «institution:»",
        "en": "an institution file needs an 'institution:'",
    },
    "inputs.duplicate_institution": {
        "es": "id de institución repetido «{id}» (la primera vez en {first})",
        "en": "duplicate institution id {id!r} (first in {first})",
    },
    "inputs.ragged_row": {
        "es": "la fila tiene {cells} celdas y el encabezado {header}",
        "en": "row has {cells} cells, header has {header}",
    },
    "inputs.institution_missing": {
        "es": "falta: indique el id de la institución (necesario cuando se cargan varias)",
        "en": "missing: name the institution id (needed when several are loaded)",
    },
    "inputs.unknown_institution": {
        "es": "institución desconocida «{id}»: cargue también su archivo YAML",
        "en": "unknown institution {id!r}: load its YAML file too",
    },
    "inputs.no_such_file": {"es": "no existe el archivo o carpeta", "en": "no such file or directory"},
    "inputs.no_inventory_files": {"es": "no se encontraron archivos de inventario", "en": "no inventory files found"},
    "inputs.wrong_suffix": {"es": "no es un archivo .yaml, .yml ni .csv", "en": "not a .yaml, .yml or .csv file"},
    "inputs.no_institution_file": {
        "es": "no hay ningún archivo de institución (YAML) entre las entradas",
        "en": "no institution file (YAML) among the inputs",
    },
    "inputs.duplicate_account": {
        "es": "id de cuenta repetido «{id}» (la primera vez en la línea {first})",
        "en": "duplicate account id {id!r} (first at line {first})",
    },
    "inputs.duplicate_handle": {
        "es": "el mismo perfil de {platform} @{handle} está registrado dos veces (la primera vez en la línea {first})",
        "en": "the same {platform} handle @{handle} is registered twice (first at line {first})",
    },
    "inputs.duplicate_person": {"es": "id de persona repetido «{id}»", "en": "duplicate person id {id!r}"},
    "inputs.unknown_account": {
        "es": "cuenta desconocida «{id}»: no está registrada para la institución «{institution}»",
        "en": "unknown account {id!r}: not registered for institution {institution!r}",
    },
    "inputs.account_twice": {
        "es": "la cuenta «{id}» figura dos veces para esta persona",
        "en": "account {id!r} listed twice for this person",
    },
    # Profile and waivers (auditor.inputs.tuning)
    "inputs.unknown_rule": {"es": "id de regla desconocido", "en": "unknown rule id"},
    "inputs.unknown_rule_named": {"es": "id de regla desconocido «{id}»", "en": "unknown rule id {id!r}"},
    "inputs.unknown_param": {
        "es": "parámetro desconocido (conocidos: {known})",
        "en": "unknown parameter (known: {known})",
    },
    "inputs.param_type": {"es": "debe ser {expected} (se recibió {value})", "en": "must be {expected} (got {value})"},
    "inputs.duplicate_waiver": {"es": "id de excepción repetido «{id}»", "en": "duplicate waiver id {id!r}"},
    "inputs.protocol_ref": {
        "es": "una excepción de {rule} debe citar el protocolo de uso del RSI",
        "en": "a waiver of {rule} must reference the RSI usage protocol",
    },
    "inputs.waiver_institution": {"es": "institución desconocida «{id}»", "en": "unknown institution {id!r}"},
    "inputs.waiver_account": {"es": "cuenta desconocida «{id}»", "en": "unknown account {id!r}"},
    "inputs.none_known": {"es": "ninguno", "en": "none"},
    # Configuration (auditor.config)
    "inputs.config_not_found": {
        "es": "no se encontró el archivo de configuración",
        "en": "configuration file not found",
    },
    "inputs.toml_syntax": {"es": "sintaxis TOML: {reason}", "en": "TOML syntax: {reason}"},
    "inputs.unknown_key": {"es": "clave desconocida", "en": "unknown key"},
    # Credentials by reference (auditor.credentials)
    "credential.undefined": {
        "es": "la credencial «{name}» no está definida en la configuración",
        "en": "credential '{name}' is not defined in the configuration",
    },
    "credential.env_unset": {
        "es": "credencial «{name}»: la variable de entorno {env} no está definida",
        "en": "credential '{name}': environment variable {env} is not set",
    },
    "credential.unreadable": {
        "es": "credencial «{name}»: no se puede leer {path}: {reason}",
        "en": "credential '{name}': cannot read {path}: {reason}",
    },
    "credential.exposed": {
        "es": "credencial «{name}»: {path} lo pueden leer el grupo u otros (modo {mode}); ejecute `chmod 600 {path}`",
        "en": "credential '{name}': {path} is readable by group or others (mode {mode}); run `chmod 600 {path}`",
    },
    "credential.empty": {"es": "credencial «{name}»: {path} está vacío", "en": "credential '{name}': {path} is empty"},
}
