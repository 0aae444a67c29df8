"""`policies list` and `policies show`: the rule catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.app.catalogue import rule, rules, rules_markdown_table, update_readme
from auditor.cli.main import EXIT_INPUT, cli


@cli.group()
def policies() -> None:
    """The rule catalogue."""


@policies.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table")
@click.option("--update-readme", "readme", type=click.Path(exists=True), help="Rewrite the rule table in this README.")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es")
def policies_list(fmt: str, readme: str | None, lang: str) -> None:
    """List every rule with its severity and guide reference."""
    if readme:
        update_readme(Path(readme))
        click.echo(f"updated {readme}")
        return
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in rules()], ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(rules_markdown_table())
    else:
        for r in rules():
            click.echo(
                f"{r.id}  {r.severity.value:<8}  {'incident ' if r.incident else '         '}"
                f"{r.title(lang)}  [{r.guide_ref}]"
            )


@policies.command("show")
@click.argument("rule_id")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es")
def policies_show(rule_id: str, lang: str) -> None:
    """Show one rule: rationale, remediation, parameters."""
    found = rule(rule_id)
    if found is None:
        click.echo(f"unknown rule {rule_id!r}", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"{found.id} — {found.title(lang)}")
    click.echo(f"severity: {found.severity.value}    guide: {found.guide_ref}    needs: {', '.join(found.needs)}")
    if found.incident:
        click.echo(f"incident: {found.cert_category}    {found.rsit}")
    click.echo(f"\n{found.rationale}\n\n{'Qué hacer' if lang == 'es' else 'Remediation'}: {found.remediation(lang)}")
    if found.params:
        click.echo("\nparameters (set in the profile): " + json.dumps(found.params, ensure_ascii=False))
