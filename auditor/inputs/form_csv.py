"""Forms A and B as spreadsheets export them: Spanish column labels, `;` or `,`, UTF-8 or Windows-1252.

Registers live in spreadsheets, so headers are matched ignoring case, accents and punctuation, and each
cell is read the way a Spanish-locale spreadsheet writes it (dd/mm/yyyy dates, «sí»/«no»).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from auditor.i18n import t
from auditor.inputs.form_xlsx import xlsx_rows
from auditor.inputs.sources import InputError, Loc, Problem, SourceMap, read_text
from auditor.model.common import Platform
from auditor.model.inventory import Role


def norm_header(text: str) -> str:
    """`Correo electrónico institucional` → `correo electronico institucional`: accents and case free."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


_HINT = re.compile(r"\([^)]*\)")


def without_hints(header: str) -> str:
    """`Tipo vínculo (nombrado, contratado, …)` → `tipo vinculo`: the Annex's «(…)» hints left out."""
    return norm_header(_HINT.sub(" ", header))


# The Annex's «Tipo de acción solicitada», as one column (Alta / Baja / Modif.) or as three columns marked X.
ACTION_COLUMNS = {
    "_action": ("tipo de accion solicitada", "tipo de accion", "accion solicitada", "accion", "abm"),
    "_mark.alta": ("alta",),
    "_mark.baja": ("baja",),
    "_mark.modif": ("modif", "modificacion"),
}
ACTIONS = {"alta": "alta", "baja": "baja", "modif": "modif", "modificacion": "modif", "modificar": "modif"}


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {norm_header(alias): target for target, names in table.items() for alias in (target, *names)}


# Column → model path. Targets with a dot go into a nested object (support.end_date).
ACCOUNT_COLUMNS = _aliases(
    {
        **ACTION_COLUMNS,
        "id": ("identificador", "codigo", "id de la cuenta"),
        "institution": ("institucion", "oee"),
        "platform": ("red social", "nombre de la red social", "plataforma", "network"),
        "kind": ("tipo de cuenta", "tipo"),
        "platform_account_id": ("id en la plataforma", "platform id"),
        "handle": ("nombre del perfil", "perfil", "usuario"),
        "alternative_handle": ("nombre del perfil alternativa", "perfil alternativo", "alternativa"),
        "display_name": ("descripcion de la cuenta", "nombre descriptivo", "nombre descriptivo de la cuenta"),
        "linked_email": (
            "cuenta de correo institucional asociada al perfil",
            "cuenta de correo institucional asociada al perfil solo institucional",
            "correo asociado",
            "correo institucional",
            "correo",
        ),
        "phone": ("numero de telefono asociado al perfil", "telefono", "numero de telefono"),
        "phone_control": ("control del telefono", "telefono controlado por"),
        "objective": ("objetivo",),
        "posting_plan_ref": ("plan de posteo", "plan de comunicacion digital"),
        "indicators": ("indicadores",),
        "status": ("estado",),
        "status_date": ("fecha de estado", "fecha de baja"),
        "login_mode": ("modo de acceso", "acceso"),
        "credential": ("credencial",),
        "verification.expectation": ("verificacion",),
        "verification.requested_on": ("verificacion solicitada el", "fecha de solicitud de verificacion"),
        "support.audience": ("publico", "publico objetivo"),
        "support.start_date": ("fecha de inicio", "inicio"),
        "support.end_date": ("fecha de fin", "fin"),
        "support.coordination": ("coordinacion",),
        "support.objectives": ("objetivos del perfil", "objetivos de apoyo"),
        "it_check.checked_by": ("verificado por ti",),
        "it_check.date": ("fecha verificacion ti",),
        "it_check.reference": ("verificacion ti", "verificacion con ti"),
        "authorization.approver_name": ("aclaracion", "autorizado por", "mai"),
        "authorization.approver_role": ("firmante", "quien firma", "cargo de quien firma"),
        "authorization.approver_ci": ("ci autorizante", "ci de la mai"),
        "authorization.date": ("fecha de autorizacion", "fecha"),
        "authorization.document_ref": ("documento de autorizacion", "documento"),
        "authorization.approver": ("aclaracion c i", "aclaracion ci"),
    }
)

PEOPLE_COLUMNS = _aliases(
    {
        **ACTION_COLUMNS,
        "id": ("identificador",),
        "institution": ("institucion", "oee"),
        "name": ("nombre y apellido", "nombre", "nombres y apellidos"),
        "ci": ("c i", "cedula", "cedula de identidad"),
        "dependency": ("dependencia",),
        "link_type": ("tipo vinculo", "tipo de vinculo", "vinculo"),
        "origin_institution": ("institucion de origen",),
        "company": ("empresa", "razon social", "razon social de la empresa"),
        "email": ("correo electronico institucional", "correo electronico", "correo"),
        "mobile": ("celular", "movil"),
        "confidentiality_contract": ("contrato de confidencialidad",),
        "terms_of_use": ("terminos de uso", "terminos y condiciones", "terminos y condiciones de uso"),
        "status": ("estado",),
        "status_date": ("fecha de baja", "fecha de estado"),
        "access.account": ("perfil y cuentas autorizadas", "cuentas autorizadas", "cuenta", "cuentas"),
        "access.role": ("roles", "rol"),
        "access.contact_point": ("punto de contacto",),
        "access.platform_user_id": ("id en la plataforma", "platform user id"),
        "authorization.approver": ("aclaracion c i", "aclaracion ci"),
        "authorization.date": ("fecha", "fecha de autorizacion"),
        "authorization.document_ref": ("documento", "documento de autorizacion"),
    }
)

IGNORED_COLUMNS = {
    norm_header(c)
    for c in ("otros datos", "observaciones", "obs", "notas", "descripcion", "firma y sello de la mai", "firma")
}

KNOWN_PLATFORMS = frozenset(p.value for p in Platform)
ROLE_VALUES = frozenset(r.value for r in Role)

# Spanish values as people type them → enum values of the model.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "platform": {
        "twitter": "x",
        "x twitter": "x",
        "twitter x": "x",
        "x ex twitter": "x",
        "fanpage": "facebook",
        "fan page": "facebook",
        "facebook fanpage": "facebook",
        "pagina de facebook": "facebook",
        "fb": "facebook",
        "ig": "instagram",
        "insta": "instagram",
        "tik tok": "tiktok",
        "google drive": "google",
        "gmail": "google",
        "google workspace": "google",
        "google workspace drive": "google",
        "g suite": "google",
        "gsuite": "google",
        "drive": "google",
        "you tube": "youtube",
        "canal de youtube": "youtube",
        "yt": "youtube",
        "linked in": "linkedin",
        "mail chimp": "mailchimp",
        "zoom meetings": "zoom",
        "zoom us": "zoom",
        "canal de whatsapp": "whatsapp",
        "whatsapp channel": "whatsapp",
        "canal de telegram": "telegram",
        "threads de instagram": "threads",
        "sound cloud": "soundcloud",
        "otra": "otra",
        "otra red": "otra",
        "other": "otra",
    },
    "kind": {"de apoyo": "apoyo", "cuenta de apoyo": "apoyo", "autoridades": "autoridad"},
    "status": {"activa": "active", "activo": "active", "archivada": "archived", "archivado": "archived"},
    "login_mode": {"individual": "individual", "compartido": "shared", "compartida": "shared"},
    "link_type": {"tercerizada": "tercerizado", "consultora": "consultor", "funcionario": "nombrado"},
    # The accepted words for «Roles» (README «Forms»): anything else is a located error listing them.
    "role": {
        "admin": "administrador",
        "administradora": "administrador",
        "administrador de cuenta": "administrador",
        "administrador de la cuenta": "administrador",
        "administrador de pagina": "administrador",
        "propietario": "administrador",
        "cm": "community_manager",
        "community manager": "community_manager",
        "community": "community_manager",
        "gestor de contenidos": "community_manager",
        "gestora de contenidos": "community_manager",
        "responsable de contenidos": "community_manager",
        "editora": "editor",
        "editor de contenidos": "editor",
        "moderadora": "moderador",
        "anunciante": "anunciante",
        "analista": "analista",
        "analista de datos": "analista",
    },
}

TRUE_WORDS = {"si", "sí", "x", "yes", "true", "1", "verdadero"}
FALSE_WORDS = {"no", "false", "0", "falso", ""}
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def cell_value(target: str, raw: str) -> Any:
    """Interpret one spreadsheet cell for a model path; leaves what it cannot read for pydantic to reject."""
    value = raw.strip()
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        value = value[1:]  # the apostrophe a spreadsheet (or our export) puts before text that looks like a formula
    leaf = target.rsplit(".", 1)[-1]
    if target == "_action":
        return ACTIONS.get(norm_header(value), value)
    if target.startswith("_mark."):
        return value.lower() in TRUE_WORDS or norm_header(value) in ("x", "si")
    if leaf in ("contact_point",):
        lowered = value.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        return value
    if leaf.endswith("date") or leaf in ("requested_on", "date"):
        m = _DMY.match(value)
        if m:  # dd/mm/yyyy, the way Spanish-locale spreadsheets export dates
            return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
        return value or None
    aliases = VALUE_ALIASES.get(leaf)
    if aliases is not None and value:
        key = norm_header(value)
        if key in aliases:
            return aliases[key]
        if leaf == "role":  # an enum value as written, else the cell as typed (the error then quotes it)
            return key.replace(" ", "_") if key.replace(" ", "_") in ROLE_VALUES else value
        return key
    return value or None


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def set_path(target: dict[str, Any], dotted_path: str, value: Any) -> None:
    parts = dotted_path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def loc_of(dotted_path: str) -> Loc:
    return tuple(dotted_path.split("."))


class CsvTable:
    """A form as a table (a CSV file, or the first sheet of an XLSX workbook): its header mapping and its rows
    with line numbers."""

    def __init__(self, path: Path):
        self.name = str(path)
        rows = xlsx_rows(path) if path.suffix.lower() == ".xlsx" else self._csv_rows(path)
        rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
        if not rows:
            raise InputError([Problem(self.name, 0, "", t("inputs.csv_empty"))])
        self.header_line, self.headers = rows[0]
        self.rows = rows[1:]
        normalised = {norm_header(h) for h in self.headers}
        if normalised & {"ci", "c i", "cedula", "nombre y apellido", "tipo vinculo", "tipo de vinculo"}:
            self.kind, self.columns = "people", PEOPLE_COLUMNS
        elif normalised & {"red social", "nombre de la red social", "plataforma", "platform"}:
            self.kind, self.columns = "accounts", ACCOUNT_COLUMNS
        else:
            raise InputError(
                [
                    Problem(
                        self.name,
                        self.header_line,
                        "",
                        t("inputs.csv_kind"),
                    )
                ]
            )

    def _csv_rows(self, path: Path) -> list[tuple[int, list[str]]]:
        text = read_text(path, allow_cp1252=True)
        first_line = text.splitlines()[0] if text else ""
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
        try:
            return [(reader.line_num, row) for row in reader]
        except csv.Error as exc:
            raise InputError([Problem(self.name, reader.line_num, "", t("inputs.csv", reason=exc))]) from None

    def mapped(self) -> tuple[list[tuple[str, str]], list[Problem]]:
        """(header, model path) per column; unknown and repeated columns are problems."""
        out, problems, seen = [], [], set()
        for header in self.headers:
            key = norm_header(header)
            if key in IGNORED_COLUMNS or not key:
                out.append((header, ""))
                continue
            target = self.columns.get(key) or self.columns.get(without_hints(header))
            if target is None and without_hints(header) in IGNORED_COLUMNS:
                out.append((header, ""))
                continue
            if target is None:
                problems.append(Problem(self.name, self.header_line, header, t("inputs.unknown_column")))
            elif target in seen:
                problems.append(Problem(self.name, self.header_line, header, t("inputs.column_twice")))
            else:
                seen.add(target)
            out.append((header, target or ""))
        return out, problems


_PERSON_KEY = re.compile(r"^[0-9]{1,9}$")


_CI_IN_TEXT = re.compile(r"(\d{1,3}(?:\.\d{3}){1,2}|\d{4,8})\s*$")
_CI_WORDS = re.compile(r"(?i)[\s/,;:–-]*(c\.?\s?i\.?|c[eé]dula)?\s*(n[°ºo.]*)?\s*$")


def split_signer(cell: str) -> tuple[str | None, str | None]:
    """«Aclaración/C.I.» as people write it: «Ana Duarte / 3.456.789», «Ana Duarte - CI 3456789», «Ana Duarte,
    C.I. N° 3.456.789» → (name, CI); without a number at the end, all of it is the name."""
    text = cell.strip()
    match = _CI_IN_TEXT.search(text)
    if match is None:
        return (text or None), None
    name = _CI_WORDS.sub("", text[: match.start()]).strip(" /,;:-–")
    return (name or None), match.group(1)


def _misspelt_network(name: str) -> bool:
    """`facebok` is a typo of a network the auditor reads, never «otra red»: left for validation to reject."""
    known = KNOWN_PLATFORMS | set(VALUE_ALIASES["platform"])
    return bool(difflib.get_close_matches(name.replace(" ", ""), known, n=1, cutoff=0.8))


def row_record(columns: list[tuple[str, str]], cells: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """One spreadsheet row as a nested record for the model, and the header each model path came from."""
    record: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for (header, target), cell in zip(columns, cells, strict=True):
        if not target or not cell.strip():
            continue
        if target == "authorization.approver":  # the form's combined "Aclaración/C.I." cell
            name, ci = split_signer(cell)
            set_path(record, "authorization.approver_name", name)
            set_path(record, "authorization.approver_ci", ci)
            labels["authorization.approver_name"] = labels["authorization.approver_ci"] = header
            continue
        set_path(record, target, cell_value(target, cell))
        labels[target] = header
    platform = record.get("platform")
    if isinstance(platform, str) and platform not in KNOWN_PLATFORMS and not _misspelt_network(platform):
        # The guide's list ends in «entre otros»: a network no connector knows is still registered, as «otra».
        record["platform"], record["network_name"] = (
            Platform.OTHER.value,
            cells[[t for _, t in columns].index("platform")].strip(),
        )
    return record, labels


def merge_person_row(
    people: list[dict[str, Any]],
    source: SourceMap,
    record: dict[str, Any],
    labels: dict[str, str],
    file: str,
    line: int,
) -> list[Problem]:
    """Form B spreadsheets have one row per person and account: rows of one person are merged into one
    record (a value that contradicts an earlier row is a problem), each row adding that person's access."""
    problems: list[Problem] = []
    access = record.pop("access", {})
    key = record.get("id") or record.get("ci")
    if not key:
        problems.append(Problem(file, line, "CI", t("inputs.no_ci")))
        return problems
    key = str(key).replace(".", "").replace(" ", "")
    if not record.get("id") and not _PERSON_KEY.match(key):
        problems.append(
            Problem(
                file,
                line,
                labels.get("ci", "CI"),
                t("inputs.not_a_ci", value=record.get("ci")),
            )
        )
        return problems
    record["id"] = record.get("id") or key
    existing = next((i for i, p in enumerate(people) if p.get("id") == record["id"]), None)
    if existing is None:
        index = len(people)
        record["access"] = []
        people.append(record)
        source.add(("people", index), file, line, "")
        for target, header in labels.items():
            if not target.startswith("access."):
                source.add(("people", index, *loc_of(target)), file, line, header)
    else:
        index = existing
        person = people[index]
        for field, value in record.items():
            if field != "access" and value is not None and person.get(field) not in (None, value):
                problems.append(
                    Problem(
                        file,
                        line,
                        labels.get(field, field),
                        t("inputs.contradicts", value=value, earlier=person[field]),
                    )
                )
            person.setdefault(field, value)
    accounts = str(access.get("account") or "")
    for account in [a for a in re.split(r"[|,;]\s*", accounts) if a.strip()]:
        entries = people[index]["access"]
        loc: Loc = ("people", index, "access", len(entries))
        entries.append({**access, "account": account.strip()})
        source.add(loc, file, line, "")
        for target, header in labels.items():
            if target.startswith("access."):
                source.add((*loc, target.split(".", 1)[1]), file, line, header)
    return problems
