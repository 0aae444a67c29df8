"""`inventory validate` and `inventory import`."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.app.inventory import InventorySummary, import_inventory, validate_inventory
from auditor.cli.main import cli, reports_errors
from auditor.config import Config
from auditor.i18n import plural, t


@cli.group()
def inventory() -> None:
    """Validate and import the registered inventory (Formulario A and B)."""


def summary_text(summary: InventorySummary) -> str:
    """«1 institución · 2 cuentas · 1 persona»."""
    return t(
        "cli.inventory_summary",
        institutions=plural(summary.institutions, "word.institution", "word.institutions"),
        accounts=plural(summary.accounts, "word.account", "word.accounts"),
        people=plural(summary.people, "word.person", "word.people"),
    )


@inventory.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--institution", help="The institution of forms whose folder holds no institution YAML.")
@reports_errors
def inventory_validate(paths: tuple[str, ...], institution: str | None) -> None:
    """Check inventory files (YAML, CSV, XLSX) and print every problem as file:line: field: message."""
    click.echo(t("cli.inventory_valid", summary=summary_text(validate_inventory(list(paths), institution))))


@inventory.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--db", type=click.Path(), help="SQLite store (default from config: auditor.db).")
@click.option("--institution", help="The institution of forms whose folder holds no institution YAML.")
@click.pass_obj
@reports_errors
def inventory_import(config: Config, paths: tuple[str, ...], db: str | None, institution: str | None) -> None:
    """Validate inventory files and store them; an invalid inventory imports nothing."""
    summary = import_inventory(config, list(paths), Path(db) if db else None, institution)
    click.echo(t("cli.inventory_imported", store=summary.store, summary=summary_text(summary)))
