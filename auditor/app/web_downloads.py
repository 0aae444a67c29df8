"""Files the web application hands out: an institution's Formularios A and B (XLSX, and the printable HTML)
and the national register (of the institutions the user sees). Made by the same functions as `auditor forms
export` and `auditor register export`, in a private temporary folder removed at once."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor.app.forms import export_forms
from auditor.app.register import national_register
from auditor.app.signin import NotVisible, Viewer
from auditor.app.web_views import institution_name
from auditor.config import Config
from auditor.i18n import Lang, t
from reports.register import register_csv, register_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_FILES = {
    "formulario-a.xlsx": ("xlsx", "formulario-a-{id}.xlsx", XLSX),
    "formulario-b.xlsx": ("xlsx", "formulario-b-{id}.xlsx", XLSX),
    "formularios.html": ("html", "formularios-{id}.html", "text/html; charset=utf-8"),
}
REGISTER_FILES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes
    media_type: str


def form_file(config: Config, viewer: Viewer, institution: str, name: str, *, db: Path | None = None) -> Download:
    institution_name(config, viewer, institution, db=db)
    if name not in FORM_FILES:
        raise NotVisible(t("web.not_found"))
    fmt, pattern, media = FORM_FILES[name]
    with tempfile.TemporaryDirectory(prefix="auditor-forms-") as folder:
        export_forms(config, institution, Path(folder) / "out", (fmt,), db=db)
        filename = pattern.format(id=institution)
        return Download(filename, (Path(folder) / "out" / filename).read_bytes(), media)


def register_file(config: Config, viewer: Viewer, fmt: str, lang: Lang, *, db: Path | None = None) -> Download:
    if fmt not in REGISTER_FILES:
        raise NotVisible(t("web.not_found"))
    rows = [r for r in national_register(config, db=db) if viewer.sees(r.institution)]
    content = register_xlsx(rows, lang) if fmt == "xlsx" else register_csv(rows, lang).encode("utf-8")
    return Download(f"registro-nacional.{fmt}", content, REGISTER_FILES[fmt])
