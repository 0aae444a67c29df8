"""Loading the registered inventory: one YAML file per institution, plus CSV exports of Forms A and B.

The YAML file is canonical. CSV import exists because registers live in spreadsheets: Excel in a Spanish
locale writes semicolons and Windows-1252, headers are the form's Spanish labels. Whatever the source, all
problems are collected and reported at once, located, and an invalid inventory yields nothing at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from auditor.i18n import t
from auditor.inputs.crosscheck import cross_reference_problems
from auditor.inputs.form_csv import CsvTable, row_record
from auditor.inputs.form_rows import FormRow, apply_account_row, apply_person_row, resolve_access, row_action
from auditor.inputs.sources import InputError, Problem, SourceMap, load_yaml, problems_from_validation
from auditor.model import InstitutionInventory, Inventory

INVENTORY_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")
FORM_SUFFIXES = (".csv", ".xlsx")  # Forms A and B as spreadsheets keep them


class _Collector:
    """Gathers raw institution documents from every file, with their source maps, before validation."""

    def __init__(self, form_institution: str | None = None) -> None:
        self.form_institution = form_institution
        self.docs: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, SourceMap] = {}
        self.origin: dict[str, tuple[str, int]] = {}
        self.problems: list[Problem] = []
        self.folders: dict[str, Path] = {}  # institution -> the folder of its YAML file
        self.rows: list[FormRow] = []

    def add_yaml(self, path: Path) -> None:
        data, source, problems = load_yaml(path)
        name = str(path)
        self.problems.extend(problems)
        if not isinstance(data, dict) or "institution" not in data:
            self.problems.append(Problem(name, 1, "institution", t("inputs.needs_institution")))
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
                    t("inputs.duplicate_institution", id=inst_id, first=f"{first[0]}:{first[1]}"),
                )
            )
            return
        for key in ("accounts", "people"):
            if data.get(key) is None:
                data[key] = []
        self.docs[inst_id] = data
        self.sources[inst_id] = source
        self.folders[inst_id] = path.parent
        self.origin[inst_id] = (name, source.locate(("institution",))[1])

    def add_csv(self, path: Path) -> None:
        """A form's rows, kept to be applied (in date order) once every file of the inventory is read."""
        table = CsvTable(path)
        columns, problems = table.mapped()
        self.problems.extend(problems)
        if problems:
            return
        for line, cells in table.rows:
            if len(cells) != len(columns):  # a cut or merged line: its cells would land in the wrong columns
                self.problems.append(
                    Problem(table.name, line, "", t("inputs.ragged_row", cells=len(cells), header=len(columns)))
                )
                continue
            record, labels = row_record(columns, cells)
            action = row_action(record, labels, table.name, line, self.problems)
            if action is None:
                continue
            self.rows.append(FormRow(table.kind, record, labels, table.name, line, action, path.parent))

    def _apply_rows(self) -> None:
        """Alta, Baja and Modif. rows in the order they were signed (undated rows first, in file order)."""
        for row in sorted(self.rows, key=lambda r: str(r.record.get("authorization", {}).get("date") or "")):
            inst_id = self._institution_for(row.record.pop("institution", None), row.file, row.line, row.folder)
            if inst_id is None:
                continue
            if row.kind == "accounts":
                self.problems.extend(apply_account_row(self.docs[inst_id], self.sources[inst_id], row))
            else:
                self.problems.extend(apply_person_row(self.docs[inst_id], self.sources[inst_id], row))

    def _institution_for(self, inst_id: str | None, file: str, line: int, folder: Path) -> str | None:
        """A form has no institution column: it belongs to the institution of the YAML file in its folder (or
        the only one loaded); a column naming one is checked."""
        if inst_id is None:
            here = [i for i, f in self.folders.items() if f == folder]
            if len(here) == 1:
                return here[0]
            if self.form_institution is not None:
                inst_id = self.form_institution
                if inst_id not in self.docs:
                    self.problems.append(
                        Problem(file, line, "--institution", t("inputs.unknown_institution", id=inst_id))
                    )
                    return None
                return inst_id
            if len(self.docs) == 1:
                return next(iter(self.docs))
            self.problems.append(Problem(file, line, "institution", t("inputs.institution_missing")))
            return None
        if inst_id not in self.docs:
            self.problems.append(Problem(file, line, "institution", t("inputs.unknown_institution", id=inst_id)))
            return None
        return inst_id

    def validate(self) -> Inventory:
        self._apply_rows()
        for inst_id, doc in self.docs.items():
            self.problems.extend(resolve_access(doc, self.sources[inst_id]))
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
        self.problems.extend(cross_reference_problems(self.docs, self.sources))
        if self.problems:
            raise InputError(self.problems)
        return Inventory(institutions=institutions)


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
            problems.append(Problem(str(path), 0, "", t("inputs.no_such_file")))
    if problems:
        raise InputError(problems)
    if not files:
        raise InputError([Problem(", ".join(map(str, paths)) or ".", 0, "", t("inputs.no_inventory_files"))])
    return sorted(files, key=lambda p: (p.suffix.lower() in FORM_SUFFIXES, str(p)))


def load_inventory(paths: Iterable[str | Path], *, form_institution: str | None = None) -> Inventory:
    """Load and validate institution YAML files and Forms A/B (CSV, XLSX); raise InputError on any problem.
    `form_institution`: the institution of forms with no institution column and no YAML in their folder."""
    collector = _Collector(form_institution)
    for path in inventory_files(paths):
        try:
            if path.suffix.lower() in FORM_SUFFIXES:
                collector.add_csv(path)
            elif path.suffix.lower() in (".yaml", ".yml"):
                collector.add_yaml(path)
            else:
                collector.problems.append(Problem(str(path), 0, "", t("inputs.wrong_suffix")))
        except InputError as exc:
            collector.problems.extend(exc.problems)
    if not collector.docs and not collector.problems:
        raise InputError([Problem(str(p), 0, "", t("inputs.no_institution_file")) for p in paths])
    return collector.validate()


def inventory_digest(inventory: Inventory) -> str:
    """A stable digest of the inventory's content, recorded with every run that used it."""
    return hashlib.sha256(inventory.model_dump_json().encode()).hexdigest()
