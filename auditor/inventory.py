"""Loading the registered inventory: one YAML file per institution, plus CSV exports of Forms A and B.

The YAML file is canonical. CSV import exists because registers live in spreadsheets: Excel in a Spanish
locale writes semicolons and Windows-1252, headers are the form's Spanish labels. Whatever the source, all
problems are collected and reported at once, located, and an invalid inventory yields nothing at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from auditor.model import InstitutionInventory, Inventory
from auditor.sources import (
    InputError,
    Loc,
    Problem,
    SourceMap,
    load_yaml,
    problems_from_validation,
    read_text,
)

INVENTORY_SUFFIXES = (".yaml", ".yml", ".csv")


def _norm_header(text: str) -> str:
    """`Correo electrónico institucional` → `correo electronico institucional`: accents and case free."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_norm_header(alias): target for target, names in table.items() for alias in (target, *names)}


# Column → model path. Targets with a dot go into a nested object (support.end_date).
ACCOUNT_COLUMNS = _aliases(
    {
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
        "authorization.approver_ci": ("ci autorizante", "ci de la mai"),
        "authorization.date": ("fecha de autorizacion", "fecha"),
        "authorization.document_ref": ("documento de autorizacion", "documento"),
        "authorization.approver": ("aclaracion c i", "aclaracion ci"),
    }
)

PEOPLE_COLUMNS = _aliases(
    {
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
    }
)

IGNORED_COLUMNS = {_norm_header(c) for c in ("otros datos", "observaciones", "obs", "notas", "descripcion")}

# Spanish values as people type them → enum values of the model.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "platform": {
        "twitter": "x",
        "x twitter": "x",
        "twitter x": "x",
        "tik tok": "tiktok",
        "google drive": "google",
        "gmail": "google",
        "google workspace": "google",
        "drive": "google",
        "you tube": "youtube",
    },
    "kind": {"de apoyo": "apoyo", "cuenta de apoyo": "apoyo", "autoridades": "autoridad"},
    "status": {"activa": "active", "activo": "active", "archivada": "archived", "archivado": "archived"},
    "login_mode": {"individual": "individual", "compartido": "shared", "compartida": "shared"},
    "link_type": {"tercerizada": "tercerizado", "consultora": "consultor", "funcionario": "nombrado"},
    "role": {
        "admin": "administrador",
        "administradora": "administrador",
        "administrador de cuenta": "administrador",
        "cm": "community_manager",
        "community manager": "community_manager",
    },
}

TRUE_WORDS = {"si", "sí", "x", "yes", "true", "1", "verdadero"}
FALSE_WORDS = {"no", "false", "0", "falso", ""}
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _cell_value(target: str, raw: str) -> Any:
    """Interpret one spreadsheet cell for a model path; leaves what it cannot read for pydantic to reject."""
    value = raw.strip()
    leaf = target.rsplit(".", 1)[-1]
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
        key = _norm_header(value)
        return aliases.get(key, key.replace(" ", "_") if leaf == "role" else key)
    return value or None


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _set_path(target: dict[str, Any], dotted_path: str, value: Any) -> None:
    parts = dotted_path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _loc_of(dotted_path: str) -> Loc:
    return tuple(dotted_path.split("."))


class _CsvTable:
    """A decoded CSV file: its header mapping and its rows with line numbers."""

    def __init__(self, path: Path):
        self.name = str(path)
        text = read_text(path, allow_cp1252=True)
        first_line = text.splitlines()[0] if text else ""
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
        try:
            rows = [(reader.line_num, row) for row in reader]
        except csv.Error as exc:
            raise InputError([Problem(self.name, reader.line_num, "", f"CSV: {exc}")]) from None
        rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
        if not rows:
            raise InputError([Problem(self.name, 0, "", "file is empty")])
        self.header_line, self.headers = rows[0]
        self.rows = rows[1:]
        normalised = {_norm_header(h) for h in self.headers}
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
                        "cannot tell whether this CSV holds accounts (needs a 'Red social' column) "
                        "or people (needs a 'CI' column)",
                    )
                ]
            )

    def mapped(self) -> tuple[list[tuple[str, str]], list[Problem]]:
        """(header, model path) per column; unknown and repeated columns are problems."""
        out, problems, seen = [], [], set()
        for header in self.headers:
            key = _norm_header(header)
            if key in IGNORED_COLUMNS or not key:
                out.append((header, ""))
                continue
            target = self.columns.get(key)
            if target is None:
                problems.append(Problem(self.name, self.header_line, header, "unknown column"))
            elif target in seen:
                problems.append(Problem(self.name, self.header_line, header, "column appears twice"))
            else:
                seen.add(target)
            out.append((header, target or ""))
        return out, problems


class _Collector:
    """Gathers raw institution documents from every file, with their source maps, before validation."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, SourceMap] = {}
        self.origin: dict[str, tuple[str, int]] = {}
        self.problems: list[Problem] = []

    def add_yaml(self, path: Path) -> None:
        data, source, problems = load_yaml(path)
        name = str(path)
        self.problems.extend(problems)
        if not isinstance(data, dict) or "institution" not in data:
            self.problems.append(Problem(name, 1, "institution", "an institution file needs an 'institution:'"))
            return
        inst = data.get("institution")
        inst_id = str(inst.get("id")) if isinstance(inst, dict) and inst.get("id") else f"<{name}>"
        if inst_id in self.docs:
            first = self.origin[inst_id]
            self.problems.append(
                Problem(
                    name,
                    source.locate(("institution", "id"))[1],
                    "institution.id",
                    f"duplicate institution id {inst_id!r} (first in {first[0]}:{first[1]})",
                )
            )
            return
        for key in ("accounts", "people"):
            if data.get(key) is None:
                data[key] = []
        self.docs[inst_id] = data
        self.sources[inst_id] = source
        self.origin[inst_id] = (name, source.locate(("institution",))[1])

    def add_csv(self, path: Path) -> None:
        table = _CsvTable(path)
        columns, problems = table.mapped()
        self.problems.extend(problems)
        if problems:
            return
        for line, cells in table.rows:
            record: dict[str, Any] = {}
            labels: dict[str, str] = {}
            if len(cells) != len(columns):  # a cut or merged line: its cells would land in the wrong columns
                self.problems.append(
                    Problem(table.name, line, "", f"row has {len(cells)} cells, header has {len(columns)}")
                )
                continue
            for (header, target), cell in zip(columns, cells, strict=False):
                if not target or not cell.strip():
                    continue
                if target == "authorization.approver":  # the form's combined "Aclaración/C.I." cell
                    name, _, ci = cell.rpartition("/") if "/" in cell else (cell, "", "")
                    _set_path(record, "authorization.approver_name", name.strip() or None)
                    _set_path(record, "authorization.approver_ci", ci.strip() or None)
                    labels["authorization.approver_name"] = labels["authorization.approver_ci"] = header
                    continue
                _set_path(record, target, _cell_value(target, cell))
                labels[target] = header
            inst_id = record.pop("institution", None)
            inst_id = self._institution_for(inst_id, table.name, line)
            if inst_id is None:
                continue
            if table.kind == "accounts":
                self._add_account_row(inst_id, record, labels, table.name, line)
            else:
                self._add_person_row(inst_id, record, labels, table.name, line)

    def _institution_for(self, inst_id: str | None, file: str, line: int) -> str | None:
        if inst_id is None:
            if len(self.docs) == 1:
                return next(iter(self.docs))
            self.problems.append(
                Problem(
                    file,
                    line,
                    "institution",
                    "missing: name the institution id (needed when several are loaded)",
                )
            )
            return None
        if inst_id not in self.docs:
            self.problems.append(
                Problem(file, line, "institution", f"unknown institution {inst_id!r}: load its YAML file too")
            )
            return None
        return inst_id

    def _add_account_row(
        self, inst_id: str, record: dict[str, Any], labels: dict[str, str], file: str, line: int
    ) -> None:
        accounts = self.docs[inst_id]["accounts"]
        loc: Loc = ("accounts", len(accounts))
        accounts.append(record)
        source = self.sources[inst_id]
        source.add(loc, file, line, "")
        for target, header in labels.items():
            source.add(loc + _loc_of(target), file, line, header)

    def _add_person_row(
        self, inst_id: str, record: dict[str, Any], labels: dict[str, str], file: str, line: int
    ) -> None:
        """Form B spreadsheets have one row per person and account: rows of one person are merged."""
        access = record.pop("access", {})
        people = self.docs[inst_id]["people"]
        key = record.get("id") or record.get("ci")
        if not key:
            self.problems.append(Problem(file, line, "CI", "missing: a person needs a CI (or an id)"))
            return
        key = str(key).replace(".", "").replace(" ", "")
        if not record.get("id") and not _PERSON_KEY.match(key):
            self.problems.append(
                Problem(
                    file,
                    line,
                    labels.get("ci", "CI"),
                    f"{record.get('ci')!r} cannot identify the person (a cédula is digits, with or without dots)",
                )
            )
            return
        record["id"] = record.get("id") or key
        source = self.sources[inst_id]
        existing = next((i for i, p in enumerate(people) if p.get("id") == record["id"]), None)
        if existing is None:
            index = len(people)
            record["access"] = []
            people.append(record)
            source.add(("people", index), file, line, "")
            for target, header in labels.items():
                if not target.startswith("access."):
                    source.add(("people", index, *_loc_of(target)), file, line, header)
        else:
            index = existing
            person = people[index]
            for field, value in record.items():
                if field != "access" and value is not None and person.get(field) not in (None, value):
                    self.problems.append(
                        Problem(
                            file,
                            line,
                            labels.get(field, field),
                            f"{value!r} contradicts {person[field]!r} given for the same person on an earlier row",
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

    def validate(self) -> Inventory:
        institutions = []
        for inst_id, doc in self.docs.items():
            try:
                institutions.append(InstitutionInventory.model_validate(doc))
            except ValidationError as exc:
                already = {(p.file, p.line, p.field) for p in self.problems}
                self.problems.extend(
                    p
                    for p in problems_from_validation(exc, self.sources[inst_id])
                    if (p.file, p.line, p.field) not in already
                )
        self.problems.extend(self._cross_references())
        if self.problems:
            raise InputError(self.problems)
        return Inventory(institutions=institutions)

    def _cross_references(self) -> list[Problem]:
        """Checks pydantic cannot make on one record: unique ids and references between records."""
        problems = []
        for inst_id, doc in self.docs.items():
            source = self.sources[inst_id]

            def at(loc: Loc, message: str, source: SourceMap = source) -> Problem:
                file, line, label = source.locate(loc)
                return Problem(file, line, label, message)

            account_ids: dict[str, int] = {}
            handles: dict[tuple[str, str], int] = {}
            for i, account in enumerate(_listed(doc.get("accounts"))):
                if not isinstance(account, dict):
                    continue
                acc_id = str(account.get("id"))
                if acc_id in account_ids:
                    first = source.locate(("accounts", account_ids[acc_id]))[1]
                    problems.append(
                        at(("accounts", i, "id"), f"duplicate account id {acc_id!r} (first at line {first})")
                    )
                account_ids.setdefault(acc_id, i)
                handle = str(account.get("handle") or "").lstrip("@").lower()
                if handle:
                    key = (str(account.get("platform")), handle)
                    if key in handles:
                        first = source.locate(("accounts", handles[key]))[1]
                        problems.append(
                            at(
                                ("accounts", i, "handle"),
                                f"the same {key[0]} handle @{handle} is registered twice (first at line {first})",
                            )
                        )
                    handles.setdefault(key, i)
            person_ids: dict[str, int] = {}
            for i, person in enumerate(_listed(doc.get("people"))):
                if not isinstance(person, dict):
                    continue
                pid = str(person.get("id"))
                if pid in person_ids:
                    problems.append(at(("people", i, "id"), f"duplicate person id {pid!r}"))
                person_ids.setdefault(pid, i)
                seen_accounts: set[str] = set()
                for j, access in enumerate(_listed(person.get("access"))):
                    if not isinstance(access, dict):
                        continue
                    ref = str(access.get("account"))
                    if ref not in account_ids:
                        problems.append(
                            at(
                                ("people", i, "access", j, "account"),
                                f"unknown account {ref!r}: not registered for institution {inst_id!r}",
                            )
                        )
                    elif ref in seen_accounts:
                        problems.append(
                            at(
                                ("people", i, "access", j, "account"),
                                f"account {ref!r} listed twice for this person",
                            )
                        )
                    seen_accounts.add(ref)
        return problems


def _listed(value: Any) -> list[Any]:
    """A list field as written, or nothing to cross-check when it is not a list (its type error is reported
    by validation, with its line)."""
    return value if isinstance(value, list) else []


def inventory_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their inventory files (sorted, YAML before CSV so CSV rows find their OEE)."""
    files: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in INVENTORY_SUFFIXES))
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, "", "no such file or directory"))
    if problems:
        raise InputError(problems)
    if not files:
        raise InputError([Problem(", ".join(map(str, paths)) or ".", 0, "", "no inventory files found")])
    return sorted(files, key=lambda p: (p.suffix.lower() == ".csv", str(p)))


_PERSON_KEY = re.compile(r"^[0-9]{1,9}$")


def load_inventory(paths: Iterable[str | Path]) -> Inventory:
    """Load and validate institution YAML files and Form A/B CSV exports; raise InputError on any problem."""
    collector = _Collector()
    for path in inventory_files(paths):
        try:
            if path.suffix.lower() == ".csv":
                collector.add_csv(path)
            elif path.suffix.lower() in (".yaml", ".yml"):
                collector.add_yaml(path)
            else:
                collector.problems.append(Problem(str(path), 0, "", "not a .yaml, .yml or .csv file"))
        except InputError as exc:
            collector.problems.extend(exc.problems)
    if not collector.docs and not collector.problems:
        raise InputError([Problem(str(p), 0, "", "no institution file (YAML) among the inputs") for p in paths])
    return collector.validate()


def inventory_digest(inventory: Inventory) -> str:
    """A stable digest of the inventory's content, recorded with every run that used it."""
    return hashlib.sha256(inventory.model_dump_json().encode()).hexdigest()
