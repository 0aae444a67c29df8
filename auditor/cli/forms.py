"""The official forms and the national register: `forms export` (Formularios A and B pre-filled, and the ABM
rows to sign) and `register export` (every institution's accounts, for the central office)."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.app.forms import export_forms
from auditor.app.register import export_register
from auditor.cli.main import cli, reports_errors
from auditor.config import Config
from auditor.i18n import t


@cli.group("forms")
def forms() -> None:
    """Formularios A and B of Res. 678/2022, Annex II."""


@forms.command("export")
@click.option("--institution", required=True, help="Institution id.")
@click.option("--format", "fmt", default="pdf,xlsx", show_default=True, help="pdf, xlsx, html (comma-separated).")
@click.option("--out", type=click.Path(), default="formularios-output", show_default=True, help="Folder.")
@click.option("--inventory", "inventory_paths", multiple=True, type=click.Path(), help="Inventory files or folders.")
@click.option("--db", type=click.Path(), help="SQLite store (for the ABM rows from findings).")
@click.pass_obj
@reports_errors
def forms_export(
    config: Config, institution: str, fmt: str, out: str, inventory_paths: tuple[str, ...], db: str | None
) -> None:
    """The register pre-filled on Formularios A and B (printable and as spreadsheets that import back), and the
    Alta/Baja/Modif. rows that regularise the open findings, each citing its finding."""
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    done = export_forms(
        config, institution, Path(out), formats, inventory_paths=inventory_paths, db=Path(db) if db else None
    )
    click.echo(t("forms.written", accounts=done.accounts, people=done.people, paths=", ".join(map(str, done.paths))))
    click.echo(t("forms.abm", rows=done.abm_rows) if done.abm_available else t("forms.no_store"))
    if done.pdf_missing:
        click.echo(t("forms.no_pdf"))


@cli.group("register")
def register() -> None:
    """The national register of official accounts, for the central office."""


@register.command("export")
@click.option("--format", "fmt", default="xlsx,csv", show_default=True, help="xlsx, csv (comma-separated).")
@click.option("--out", type=click.Path(), default="registro-output", show_default=True, help="Folder.")
@click.option("--lang", type=click.Choice(["es", "en"]), help="Language of headers and values.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def register_export(config: Config, fmt: str, out: str, lang: str | None, db: str | None) -> None:
    """Every institution's accounts: network, handle, URL, kind, status, verification, last audit, open
    critical and high findings, pending declarations."""
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    done = export_register(config, Path(out), formats, lang=lang, db=Path(db) if db else None)
    paths = ", ".join(str(p) for p in done.paths)
    click.echo(t("register.written", accounts=done.accounts, institutions=done.institutions, paths=paths))
